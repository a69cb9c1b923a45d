/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>

#include "md-report.h"

G_BEGIN_DECLS

/*
 * Printing (ARCHITECTURE.md "Printing"): receipts through templates
 * (docs/receipts.md), reports and their charts (docs/reports.md), drawn with
 * Cairo and Pango into an MdPrintDocument of laid-out pages. A document
 * writes itself to PDF or PNG, and draws any page into any cairo_t: the
 * GtkPrintOperation of the app calls md_print_document_draw_page() from its
 * ::draw-page handler (docs/receipts.md "Printing from the app").
 */

#define MD_PRINT_ERROR (md_print_error_quark ())

/**
 * MdPrintError:
 * @MD_PRINT_ERROR_TEMPLATE: the template is wrong: an unknown group, key or
 *   item, a bad value
 * @MD_PRINT_ERROR_NOT_FOUND: there is no template of that name
 * @MD_PRINT_ERROR_LOGO: the template's logo cannot be read
 * @MD_PRINT_ERROR_WRITE: the output file cannot be written
 * @MD_PRINT_ERROR_LAYOUT: the content cannot be laid out (a QR code too
 *   long, an image too tall)
 * @MD_PRINT_ERROR_FORMAT: unknown output format
 */
typedef enum
{
  MD_PRINT_ERROR_TEMPLATE,
  MD_PRINT_ERROR_NOT_FOUND,
  MD_PRINT_ERROR_LOGO,
  MD_PRINT_ERROR_WRITE,
  MD_PRINT_ERROR_LAYOUT,
  MD_PRINT_ERROR_FORMAT,
} MdPrintError;

typedef enum
{
  MD_PRINT_FORMAT_PDF,
  MD_PRINT_FORMAT_PNG,
} MdPrintFormat;

typedef struct _MdPrintDocument MdPrintDocument;
typedef struct _MdReceiptTemplate MdReceiptTemplate;

/**
 * MdReportPrintOptions:
 * @paper: (nullable): "a4" (default), "a3", "a5", or WIDTHxHEIGHT in mm
 * @landscape: force landscape; otherwise the table's width decides
 * @font_family: (nullable): "Noto Sans CJK SC" by default
 * @company: (nullable): printed in every page's footer
 */
typedef struct
{
  const char *paper;
  gboolean    landscape;
  const char *font_family;
  const char *company;
} MdReportPrintOptions;

#define MD_TYPE_PRINT_DOCUMENT (md_print_document_get_type ())
#define MD_TYPE_RECEIPT_TEMPLATE (md_receipt_template_get_type ())

GQuark              md_print_error_quark               (void);
gboolean            md_print_format_parse              (const char            *text,
                                                        MdPrintFormat         *out_format,
                                                        GError               **error);

/* Documents. */
GType               md_print_document_get_type         (void) G_GNUC_CONST;
MdPrintDocument    *md_print_document_ref              (MdPrintDocument       *self);
void                md_print_document_unref            (MdPrintDocument       *self);
guint               md_print_document_get_n_pages      (MdPrintDocument       *self);
void                md_print_document_get_page_size    (MdPrintDocument       *self,
                                                        guint                  page,
                                                        double                *out_width,
                                                        double                *out_height);
void                md_print_document_draw_page        (MdPrintDocument       *self,
                                                        cairo_t               *cr,
                                                        guint                  page);
gboolean            md_print_document_write            (MdPrintDocument       *self,
                                                        MdPrintFormat          format,
                                                        const char            *path,
                                                        GError               **error);
gboolean            md_print_document_write_pdf        (MdPrintDocument       *self,
                                                        const char            *path,
                                                        GError               **error);
gboolean            md_print_document_write_png        (MdPrintDocument       *self,
                                                        const char            *path,
                                                        guint                  dpi,
                                                        GError               **error);
gboolean            md_print_document_check_bounds     (MdPrintDocument       *self,
                                                        GError               **error);

/* Receipt templates. */
GType               md_receipt_template_get_type       (void) G_GNUC_CONST;
MdReceiptTemplate  *md_receipt_template_load           (const char            *name_or_path,
                                                        GError               **error);
MdReceiptTemplate  *md_receipt_template_new_from_data  (const char            *data,
                                                        gssize                 length,
                                                        const char            *name,
                                                        const char            *base_dir,
                                                        GError               **error);
MdReceiptTemplate  *md_receipt_template_ref            (MdReceiptTemplate     *self);
void                md_receipt_template_unref          (MdReceiptTemplate     *self);
const char         *md_receipt_template_get_name       (MdReceiptTemplate     *self);
char               *md_receipt_template_get_description (MdReceiptTemplate    *self);
GStrv               md_receipt_template_list           (void);

/* Rendering. */
MdPrintDocument    *md_receipt_render                  (const MdReceipt       *receipt,
                                                        MdReceiptTemplate     *template_,
                                                        GError               **error);
MdPrintDocument    *md_report_render                   (MdReportTable         *table,
                                                        const MdReportPrintOptions *options,
                                                        GError               **error);
gboolean            md_report_write_xlsx               (MdReportTable         *table,
                                                        const char            *path,
                                                        GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdPrintDocument, md_print_document_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdReceiptTemplate, md_receipt_template_unref)

G_END_DECLS
