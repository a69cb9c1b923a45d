/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <librsvg/rsvg.h>
#include <pango/pangocairo.h>

#include "md-print.h"

G_BEGIN_DECLS

/* Geometry is in points (1/72 inch) with the origin at the page's top left;
 * templates give millimetres. Money and energy never pass through here as
 * numbers: they arrive formatted. */
#define MD_PT_PER_MM (72.0 / 25.4)
#define MD_MM(mm) ((mm) * MD_PT_PER_MM)

#define MD_PRINT_DEFAULT_FAMILY "Noto Sans CJK SC"

/**
 * MdPrintFont:
 * @size10: tenths of a point
 */
typedef struct
{
  PangoFontDescription *desc;
  int                   size10;
  gboolean              bold;
} MdPrintFont;

void          _md_print_font_init      (MdPrintFont        *font,
                                        const char         *family,
                                        int                 size10,
                                        gboolean            bold);
void          _md_print_font_clear     (MdPrintFont        *font);
double        _md_print_font_height    (const MdPrintFont  *font);
double        _md_print_font_baseline  (const MdPrintFont  *font);
double        _md_print_text_width     (const MdPrintFont  *font,
                                        const char         *text);
PangoContext *_md_print_context        (void);

typedef struct _MdPrintChart MdPrintChart;

/* An image: a PNG surface or an SVG handle, with its aspect (h / w). */
typedef struct
{
  gatomicrefcount   ref_count;
  cairo_surface_t  *surface;
  RsvgHandle       *svg;
  double            aspect;
} MdPrintImage;

MdPrintImage *_md_print_image_load     (const char         *path,
                                        GError            **error);
MdPrintImage *_md_print_image_ref      (MdPrintImage       *image);
void          _md_print_image_unref    (MdPrintImage       *image);

typedef enum
{
  MD_PRINT_OP_TEXT,
  MD_PRINT_OP_RECT,
  MD_PRINT_OP_LINE,
  MD_PRINT_OP_QR,
  MD_PRINT_OP_IMAGE,
  MD_PRINT_OP_CHART,
} MdPrintOpKind;

/**
 * MdPrintOp:
 *
 * One drawing on a page, placed. A text keeps its PangoLayout (made on the
 * thread that laid the document out) and what is needed to make it again
 * on another thread.
 */
typedef struct
{
  MdPrintOpKind          kind;
  double                 x, y, w, h;
  double                 gray;
  /* text */
  PangoLayout           *layout;
  char                  *text;
  PangoFontDescription  *font;
  int                    wrap_width;   /* Pango units, -1 for none */
  PangoAlignment         align;
  gboolean               vertical;     /* turned 90° clockwise */
  /* rect, line */
  double                 line_width;
  gboolean               fill;
  gboolean               dashed;
  /* qr */
  GBytes                *modules;
  int                    modules_width;
  /* image, chart */
  MdPrintImage          *image;
  MdPrintChart          *chart;
} MdPrintOp;

/* A piece of a page laid out on its own, placed later: a header band, a
 * grid of fields, a table row. Its ops are relative to its top left. */
typedef struct
{
  double     height;
  GPtrArray *ops;
} MdPrintBlock;

MdPrintBlock *_md_print_block_new      (void);
void          _md_print_block_free     (MdPrintBlock       *block);
double        _md_print_block_text     (MdPrintBlock       *block,
                                        double              x,
                                        double              y,
                                        const char         *text,
                                        const MdPrintFont  *font,
                                        double              width,
                                        PangoAlignment      align);
void          _md_print_block_vtext    (MdPrintBlock       *block,
                                        double              x,
                                        double              y,
                                        const char         *text,
                                        const MdPrintFont  *font,
                                        double              length);
void          _md_print_block_rule     (MdPrintBlock       *block,
                                        double              x,
                                        double              y,
                                        double              width,
                                        double              line_width,
                                        gboolean            dashed);
void          _md_print_block_rect     (MdPrintBlock       *block,
                                        double              x,
                                        double              y,
                                        double              width,
                                        double              height,
                                        double              gray);
gboolean      _md_print_block_qr       (MdPrintBlock       *block,
                                        double              x,
                                        double              y,
                                        double              size,
                                        const char         *text,
                                        GError            **error);
void          _md_print_block_image    (MdPrintBlock       *block,
                                        double              x,
                                        double              y,
                                        double              width,
                                        MdPrintImage       *image);
void          _md_print_block_chart    (MdPrintBlock       *block,
                                        double              x,
                                        double              y,
                                        double              width,
                                        double              height,
                                        MdPrintChart       *chart);

MdPrintDocument *_md_print_document_new     (const char         *title);
guint         _md_print_document_add_page   (MdPrintDocument    *self,
                                             double              width,
                                             double              height);
void          _md_print_document_set_height (MdPrintDocument    *self,
                                             guint               page,
                                             double              height);
const char   *_md_print_document_get_title  (MdPrintDocument    *self);
void          _md_print_document_place      (MdPrintDocument    *self,
                                             guint               page,
                                             const MdPrintBlock *block,
                                             double              x,
                                             double              y);

/* Tables, shared by receipts and reports. */
typedef const char *(*MdPrintHeadingFunc) (const MdReportColumn *column,
                                           gpointer              user_data);

typedef struct
{
  const char         *family;
  int                 size10;
  int                 min_size10;
  MdReportStyle       style;
  gboolean            zebra;
  gboolean            totals;
  MdPrintHeadingFunc  heading;
  gpointer            user_data;
} MdPrintTableStyle;

gboolean      _md_print_table_blocks   (MdReportTable           *table,
                                        double                   width,
                                        const MdPrintTableStyle *style,
                                        MdPrintBlock           **out_heading,
                                        GPtrArray               *out_rows,
                                        GError                 **error);
double        _md_print_table_natural_width (MdReportTable           *table,
                                             const MdPrintTableStyle *style);

/* Charts. */
MdPrintChart *_md_print_chart_new      (MdReportTable      *table,
                                        guint               index,
                                        const char         *family);
MdPrintChart *_md_print_chart_ref      (MdPrintChart       *chart);
void          _md_print_chart_unref    (MdPrintChart       *chart);
void          _md_print_chart_draw     (MdPrintChart       *chart,
                                        cairo_t            *cr,
                                        double              x,
                                        double              y,
                                        double              width,
                                        double              height);

/* Templates, as the receipt layout reads them. */
typedef enum
{
  MD_COPY_MODE_PAGE,
  MD_COPY_MODE_STACK,
  MD_COPY_MODE_SIDE,
} MdCopyMode;

typedef struct
{
  double         paper_width;    /* mm */
  double         paper_height;   /* mm; 0 for a roll */
  double         margins[4];     /* mm: top, right, bottom, left */
  GStrv          copies;
  MdCopyMode     copy_mode;
  char          *family;
  int            size10;
  int            title_size10;
  int            small_size10;
  GStrv          header;
  GStrv          items;
  GStrv          wide;
  GStrv          emphasis;
  guint          columns;
  double         qr_size;        /* mm */
  double         logo_width;     /* mm */
  MdPrintImage  *logo;
  gboolean       watermark;
} MdTemplateLayout;

const MdTemplateLayout *_md_receipt_template_get_layout (MdReceiptTemplate *self);
char          *_md_receipt_template_label   (MdReceiptTemplate  *self,
                                             const char         *key);
char          *_md_receipt_template_title   (MdReceiptTemplate  *self,
                                             const char         *kind);
char          *_md_receipt_template_text    (MdReceiptTemplate  *self,
                                             const char         *key);

gboolean      _md_print_write_atomic   (const char         *path,
                                        gboolean          (*write) (const char  *tmp,
                                                                    gpointer     data,
                                                                    GError     **error),
                                        gpointer            data,
                                        GError            **error);

G_END_DECLS
