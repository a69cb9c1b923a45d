/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <qrencode.h>
#include <string.h>

#include "md-print-private.h"

/*
 * The paged document: pages of placed drawing operations, laid out once
 * and drawn as often as needed (PDF, PNG, a printer's cairo_t). Text is
 * measured without hinting at 72 units per inch, so a layout holds on any
 * surface at any resolution.
 */

struct _MdPrintDocument
{
  gatomicrefcount  ref_count;
  char            *title;
  GThread         *thread;   /* where the layouts were made */
  GPtrArray       *pages;    /* Page */
};

typedef struct
{
  double     width;
  double     height;
  GPtrArray *ops;   /* MdPrintOp */
} Page;

G_DEFINE_QUARK (md-print-error-quark, md_print_error)
G_DEFINE_BOXED_TYPE (MdPrintDocument, md_print_document, md_print_document_ref,
                     md_print_document_unref)

static GPrivate context_key = G_PRIVATE_INIT (g_object_unref);

/**
 * _md_print_context:
 *
 * Returns: (transfer none): this thread's Pango context for layout: 72 dpi,
 *   no hinting, unrounded glyph positions
 */
PangoContext *
_md_print_context (void)
{
  PangoContext *context = g_private_get (&context_key);

  if (context == NULL)
    {
      cairo_font_options_t *options = cairo_font_options_create ();

      context = pango_font_map_create_context (pango_cairo_font_map_get_default ());
      pango_cairo_context_set_resolution (context, 72.0);
      cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
      cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
      pango_cairo_context_set_font_options (context, options);
      cairo_font_options_destroy (options);
      pango_context_set_round_glyph_positions (context, FALSE);
      g_private_set (&context_key, context);
    }
  return context;
}

void
_md_print_font_init (MdPrintFont *font,
                     const char  *family,
                     int          size10,
                     gboolean     bold)
{
  font->desc = pango_font_description_new ();
  pango_font_description_set_family (font->desc, family != NULL ? family : MD_PRINT_DEFAULT_FAMILY);
  pango_font_description_set_size (font->desc, size10 * PANGO_SCALE / 10);
  pango_font_description_set_weight (font->desc, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  font->size10 = size10;
  font->bold = bold;
}

void
_md_print_font_clear (MdPrintFont *font)
{
  g_clear_pointer (&font->desc, pango_font_description_free);
}

static PangoLayout *
layout_new (const char                 *text,
            const PangoFontDescription *font,
            int                         wrap_width,
            PangoAlignment              align)
{
  PangoLayout *layout = pango_layout_new (_md_print_context ());

  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, text, -1);
  if (wrap_width > 0)
    {
      pango_layout_set_width (layout, wrap_width);
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
    }
  pango_layout_set_alignment (layout, align);
  return layout;
}

double
_md_print_font_height (const MdPrintFont *font)
{
  g_autoptr(PangoLayout) layout = layout_new ("Ag国", font->desc, -1, PANGO_ALIGN_LEFT);
  int height;

  pango_layout_get_size (layout, NULL, &height);
  return (double) height / PANGO_SCALE;
}

/* From the top of a line to its baseline. */
double
_md_print_font_baseline (const MdPrintFont *font)
{
  g_autoptr(PangoLayout) layout = layout_new ("Ag国", font->desc, -1, PANGO_ALIGN_LEFT);

  return (double) pango_layout_get_baseline (layout) / PANGO_SCALE;
}

double
_md_print_text_width (const MdPrintFont *font,
                      const char        *text)
{
  g_autoptr(PangoLayout) layout = layout_new (text, font->desc, -1, PANGO_ALIGN_LEFT);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  return (double) logical.width / PANGO_SCALE;
}

static void
op_free (gpointer data)
{
  MdPrintOp *op = data;

  g_clear_object (&op->layout);
  g_free (op->text);
  g_clear_pointer (&op->font, pango_font_description_free);
  g_clear_pointer (&op->modules, g_bytes_unref);
  g_clear_pointer (&op->image, _md_print_image_unref);
  g_clear_pointer (&op->chart, _md_print_chart_unref);
  g_free (op);
}

static MdPrintOp *
op_copy (const MdPrintOp *op,
         double           dx,
         double           dy)
{
  MdPrintOp *copy = g_new (MdPrintOp, 1);

  *copy = *op;
  copy->x += dx;
  copy->y += dy;
  if (op->layout != NULL)
    g_object_ref (op->layout);
  copy->text = g_strdup (op->text);
  copy->font = op->font != NULL ? pango_font_description_copy (op->font) : NULL;
  if (op->modules != NULL)
    g_bytes_ref (op->modules);
  if (op->image != NULL)
    _md_print_image_ref (op->image);
  if (op->chart != NULL)
    _md_print_chart_ref (op->chart);
  return copy;
}

MdPrintBlock *
_md_print_block_new (void)
{
  MdPrintBlock *block = g_new0 (MdPrintBlock, 1);

  block->ops = g_ptr_array_new_with_free_func (op_free);
  return block;
}

void
_md_print_block_free (MdPrintBlock *block)
{
  if (block == NULL)
    return;
  g_ptr_array_unref (block->ops);
  g_free (block);
}

static MdPrintOp *
block_add (MdPrintBlock  *block,
           MdPrintOpKind  kind,
           double         x,
           double         y,
           double         w,
           double         h)
{
  MdPrintOp *op = g_new0 (MdPrintOp, 1);

  op->kind = kind;
  op->x = x;
  op->y = y;
  op->w = w;
  op->h = h;
  op->wrap_width = -1;
  g_ptr_array_add (block->ops, op);
  block->height = MAX (block->height, y + h);
  return op;
}

/**
 * _md_print_block_text:
 * @width: the width to wrap at, or ≤ 0 for one line
 *
 * Returns: the text's height
 */
double
_md_print_block_text (MdPrintBlock      *block,
                      double             x,
                      double             y,
                      const char        *text,
                      const MdPrintFont *font,
                      double             width,
                      PangoAlignment     align)
{
  int wrap = width > 0 ? (int) (width * PANGO_SCALE) : -1;
  PangoLayout *layout;
  PangoRectangle logical;
  MdPrintOp *op;

  if (text == NULL || *text == '\0')
    return 0;
  layout = layout_new (text, font->desc, wrap, align);
  pango_layout_get_extents (layout, NULL, &logical);
  op = block_add (block, MD_PRINT_OP_TEXT, x, y,
                  width > 0 ? width : (double) logical.width / PANGO_SCALE,
                  (double) (logical.y + logical.height) / PANGO_SCALE);
  op->layout = layout;
  op->text = g_strdup (text);
  op->font = pango_font_description_copy (font->desc);
  op->wrap_width = wrap;
  op->align = align;
  return op->h;
}

/* One line turned 90° clockwise, centred on @length downwards from y. */
void
_md_print_block_vtext (MdPrintBlock      *block,
                       double             x,
                       double             y,
                       const char        *text,
                       const MdPrintFont *font,
                       double             length)
{
  PangoLayout *layout = layout_new (text, font->desc, -1, PANGO_ALIGN_LEFT);
  PangoRectangle logical;
  double w, h;
  MdPrintOp *op;

  pango_layout_get_extents (layout, NULL, &logical);
  w = (double) logical.width / PANGO_SCALE;
  h = (double) logical.height / PANGO_SCALE;
  op = block_add (block, MD_PRINT_OP_TEXT, x, y + MAX (0, (length - w) / 2), h, w);
  op->layout = layout;
  op->text = g_strdup (text);
  op->font = pango_font_description_copy (font->desc);
  op->vertical = TRUE;
}

void
_md_print_block_rule (MdPrintBlock *block,
                      double        x,
                      double        y,
                      double        width,
                      double        line_width,
                      gboolean      dashed)
{
  MdPrintOp *op = block_add (block, MD_PRINT_OP_LINE, x, y, width, line_width);

  op->line_width = line_width;
  op->dashed = dashed;
}

void
_md_print_block_rect (MdPrintBlock *block,
                      double        x,
                      double        y,
                      double        width,
                      double        height,
                      double        gray)
{
  MdPrintOp *op = block_add (block, MD_PRINT_OP_RECT, x, y, width, height);

  op->fill = TRUE;
  op->gray = gray;
}

/* A QR code (ECC level M) of @size points with its quiet zone. */
gboolean
_md_print_block_qr (MdPrintBlock  *block,
                    double         x,
                    double         y,
                    double         size,
                    const char    *text,
                    GError       **error)
{
  QRcode *code = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  MdPrintOp *op;

  if (code == NULL)
    {
      int saved = errno;

      g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_LAYOUT,
                   _("The QR code cannot be made: %s"), g_strerror (saved));
      return FALSE;
    }
  op = block_add (block, MD_PRINT_OP_QR, x, y, size, size);
  op->modules = g_bytes_new (code->data, (gsize) code->width * code->width);
  op->modules_width = code->width;
  QRcode_free (code);
  return TRUE;
}

void
_md_print_block_image (MdPrintBlock *block,
                       double        x,
                       double        y,
                       double        width,
                       MdPrintImage *image)
{
  MdPrintOp *op = block_add (block, MD_PRINT_OP_IMAGE, x, y, width, width * image->aspect);

  op->image = _md_print_image_ref (image);
}

void
_md_print_block_chart (MdPrintBlock *block,
                       double        x,
                       double        y,
                       double        width,
                       double        height,
                       MdPrintChart *chart)
{
  MdPrintOp *op = block_add (block, MD_PRINT_OP_CHART, x, y, width, height);

  op->chart = _md_print_chart_ref (chart);
}

MdPrintImage *
_md_print_image_ref (MdPrintImage *image)
{
  g_atomic_ref_count_inc (&image->ref_count);
  return image;
}

void
_md_print_image_unref (MdPrintImage *image)
{
  if (!g_atomic_ref_count_dec (&image->ref_count))
    return;
  g_clear_pointer (&image->surface, cairo_surface_destroy);
  g_clear_object (&image->svg);
  g_free (image);
}

static cairo_status_t
read_bytes (void          *closure,
            unsigned char *data,
            unsigned int   length)
{
  GInputStream *stream = closure;
  gsize done = 0;

  if (!g_input_stream_read_all (stream, data, length, &done, NULL, NULL) || done != length)
    return CAIRO_STATUS_READ_ERROR;
  return CAIRO_STATUS_SUCCESS;
}

/**
 * _md_print_image_load:
 * @path: a PNG or SVG file, or a resource:// URI of one
 *
 * Returns: (transfer full): the image, or %NULL with @error set
 */
MdPrintImage *
_md_print_image_load (const char  *path,
                      GError     **error)
{
  g_autoptr(GFile) file = g_str_has_prefix (path, "resource://") ? g_file_new_for_uri (path)
                                                                   : g_file_new_for_path (path);
  g_autoptr(GBytes) bytes = NULL;
  MdPrintImage *image;

  if (!(bytes = g_file_load_bytes (file, NULL, NULL, error)))
    return NULL;

  image = g_new0 (MdPrintImage, 1);
  g_atomic_ref_count_init (&image->ref_count);
  if (g_str_has_suffix (path, ".svg"))
    {
      gdouble w = 0, h = 0;

      image->svg = rsvg_handle_new_from_data (g_bytes_get_data (bytes, NULL),
                                              g_bytes_get_size (bytes), error);
      if (image->svg == NULL)
        {
          _md_print_image_unref (image);
          return NULL;
        }
      if (!rsvg_handle_get_intrinsic_size_in_pixels (image->svg, &w, &h) || w <= 0 || h <= 0)
        {
          RsvgRectangle viewport = { 0, 0, 100, 100 }, ink, logical;

          if (rsvg_handle_get_geometry_for_layer (image->svg, NULL, &viewport, &ink, &logical,
                                                  NULL))
            {
              w = logical.width;
              h = logical.height;
            }
        }
      image->aspect = w > 0 && h > 0 ? h / w : 1.0;
    }
  else if (g_str_has_suffix (path, ".png"))
    {
      g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);

      image->surface = cairo_image_surface_create_from_png_stream (read_bytes, stream);
      if (cairo_surface_status (image->surface) != CAIRO_STATUS_SUCCESS)
        {
          g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_LOGO, "%s",
                       cairo_status_to_string (cairo_surface_status (image->surface)));
          _md_print_image_unref (image);
          return NULL;
        }
      image->aspect = (double) cairo_image_surface_get_height (image->surface) /
                      MAX (1, cairo_image_surface_get_width (image->surface));
    }
  else
    {
      g_set_error_literal (error, MD_PRINT_ERROR, MD_PRINT_ERROR_LOGO,
                           _("only PNG and SVG images can be used"));
      _md_print_image_unref (image);
      return NULL;
    }
  return image;
}

static void
page_free (gpointer data)
{
  Page *page = data;

  g_ptr_array_unref (page->ops);
  g_free (page);
}

MdPrintDocument *
_md_print_document_new (const char *title)
{
  MdPrintDocument *self = g_new0 (MdPrintDocument, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->title = g_strdup (title);
  self->thread = g_thread_self ();
  self->pages = g_ptr_array_new_with_free_func (page_free);
  return self;
}

/**
 * md_print_document_ref:
 *
 * Returns: (transfer full): @self
 */
MdPrintDocument *
md_print_document_ref (MdPrintDocument *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * md_print_document_unref:
 *
 * Drops a reference; the last frees the document.
 */
void
md_print_document_unref (MdPrintDocument *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_ptr_array_unref (self->pages);
  g_free (self->title);
  g_free (self);
}

guint
_md_print_document_add_page (MdPrintDocument *self,
                             double           width,
                             double           height)
{
  Page *page = g_new0 (Page, 1);

  page->width = width;
  page->height = height;
  page->ops = g_ptr_array_new_with_free_func (op_free);
  g_ptr_array_add (self->pages, page);
  return self->pages->len - 1;
}

/* A roll's page is as long as what is on it. */
void
_md_print_document_set_height (MdPrintDocument *self,
                               guint            page,
                               double           height)
{
  g_return_if_fail (page < self->pages->len);

  ((Page *) self->pages->pdata[page])->height = height;
}

void
_md_print_document_place (MdPrintDocument    *self,
                          guint               page,
                          const MdPrintBlock *block,
                          double              x,
                          double              y)
{
  Page *p;

  g_return_if_fail (page < self->pages->len);

  p = self->pages->pdata[page];
  for (guint i = 0; i < block->ops->len; i++)
    g_ptr_array_add (p->ops, op_copy (block->ops->pdata[i], x, y));
}

/**
 * md_print_document_get_n_pages:
 *
 * Returns: the number of pages (for gtk_print_operation_set_n_pages())
 */
guint
md_print_document_get_n_pages (MdPrintDocument *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->pages->len;
}

/**
 * md_print_document_get_page_size:
 * @out_width: (out): in points
 * @out_height: (out): in points
 *
 * Pages of one document may differ (a roll's pages are as long as their
 * content).
 */
void
md_print_document_get_page_size (MdPrintDocument *self,
                                 guint            page,
                                 double          *out_width,
                                 double          *out_height)
{
  Page *p;

  g_return_if_fail (self != NULL && page < self->pages->len);

  p = self->pages->pdata[page];
  *out_width = p->width;
  *out_height = p->height;
}

static void
draw_text (MdPrintDocument *self,
           cairo_t         *cr,
           MdPrintOp       *op)
{
  g_autoptr(PangoLayout) layout = NULL;

  /* Layouts belong to the thread that made them; elsewhere, make the same
   * layout again with this thread's (identically set) context. */
  if (g_thread_self () == self->thread)
    layout = g_object_ref (op->layout);
  else
    layout = layout_new (op->text, op->font, op->wrap_width, op->align);

  cairo_save (cr);
  cairo_set_source_rgb (cr, op->gray, op->gray, op->gray);
  if (op->vertical)
    {
      cairo_translate (cr, op->x + op->w, op->y);
      cairo_rotate (cr, G_PI / 2);
    }
  else
    cairo_translate (cr, op->x, op->y);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
}

static void
draw_qr (cairo_t   *cr,
         MdPrintOp *op)
{
  const guint8 *data = g_bytes_get_data (op->modules, NULL);
  int n = op->modules_width;
  double module = op->w / (n + 8);   /* a quiet zone of 4 modules */

  cairo_save (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, op->x, op->y, op->w, op->h);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  for (int r = 0; r < n; r++)
    for (int c = 0; c < n; c++)
      if (data[r * n + c] & 1)
        cairo_rectangle (cr, op->x + (c + 4) * module, op->y + (r + 4) * module, module, module);
  cairo_fill (cr);
  cairo_restore (cr);
}

static void
draw_image (cairo_t   *cr,
            MdPrintOp *op)
{
  cairo_save (cr);
  if (op->image->svg != NULL)
    {
      RsvgRectangle viewport = { op->x, op->y, op->w, op->h };

      rsvg_handle_render_document (op->image->svg, cr, &viewport, NULL);
    }
  else
    {
      double scale = op->w / cairo_image_surface_get_width (op->image->surface);

      cairo_translate (cr, op->x, op->y);
      cairo_scale (cr, scale, scale);
      cairo_set_source_surface (cr, op->image->surface, 0, 0);
      cairo_paint (cr);
    }
  cairo_restore (cr);
}

/**
 * md_print_document_draw_page:
 * @cr: a context whose user units are points, with the page's top left at
 *   the origin (GtkPrintOperation: GTK_UNIT_POINTS and use-full-page)
 *
 * Draws page @page. Any thread may draw; layouts are remade when it is not
 * the one that laid the document out.
 */
void
md_print_document_draw_page (MdPrintDocument *self,
                             cairo_t         *cr,
                             guint            page)
{
  Page *p;

  g_return_if_fail (self != NULL && cr != NULL);
  g_return_if_fail (page < self->pages->len);

  p = self->pages->pdata[page];
  cairo_save (cr);
  for (guint i = 0; i < p->ops->len; i++)
    {
      MdPrintOp *op = p->ops->pdata[i];

      switch (op->kind)
        {
        case MD_PRINT_OP_TEXT:
          draw_text (self, cr, op);
          break;
        case MD_PRINT_OP_RECT:
          cairo_set_source_rgb (cr, op->gray, op->gray, op->gray);
          cairo_rectangle (cr, op->x, op->y, op->w, op->h);
          cairo_fill (cr);
          break;
        case MD_PRINT_OP_LINE:
          {
            double dash[] = { 3.0, 2.0 };

            cairo_save (cr);
            cairo_set_source_rgb (cr, op->gray, op->gray, op->gray);
            cairo_set_line_width (cr, op->line_width);
            if (op->dashed)
              cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
            cairo_move_to (cr, op->x, op->y + op->line_width / 2);
            cairo_line_to (cr, op->x + op->w, op->y + op->line_width / 2);
            cairo_stroke (cr);
            cairo_restore (cr);
          }
          break;
        case MD_PRINT_OP_QR:
          draw_qr (cr, op);
          break;
        case MD_PRINT_OP_IMAGE:
          draw_image (cr, op);
          break;
        case MD_PRINT_OP_CHART:
          _md_print_chart_draw (op->chart, cr, op->x, op->y, op->w, op->h);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  cairo_restore (cr);
}

/**
 * md_print_document_check_bounds:
 *
 * Checks that nothing spills: every text's measured extents lie inside its
 * page and inside the width it was given, and so does every other drawing.
 * The tests run it on every layout.
 *
 * Returns: %FALSE with @error naming the first thing out of place
 */
gboolean
md_print_document_check_bounds (MdPrintDocument  *self,
                                GError          **error)
{
  const double slack = 0.01;

  g_return_val_if_fail (self != NULL, FALSE);

  for (guint p = 0; p < self->pages->len; p++)
    {
      Page *page = self->pages->pdata[p];

      for (guint i = 0; i < page->ops->len; i++)
        {
          MdPrintOp *op = page->ops->pdata[i];
          double x = op->x, y = op->y, w = op->w, h = op->h;
          gboolean overflow = FALSE;

          if (op->kind == MD_PRINT_OP_TEXT)
            {
              PangoRectangle ink, logical;

              pango_layout_get_extents (op->layout, &ink, &logical);
              w = (double) MAX (logical.x + logical.width, ink.x + ink.width) / PANGO_SCALE;
              h = (double) MAX (logical.y + logical.height, ink.y + ink.height) / PANGO_SCALE;
              x += (double) MIN (logical.x, ink.x) / PANGO_SCALE;
              y += (double) MIN (logical.y, ink.y) / PANGO_SCALE;
              w -= x - op->x;
              h -= y - op->y;
              if (op->vertical)
                {
                  double t = w;

                  w = h;
                  h = t;
                  x = op->x;
                  y = op->y;
                }
              overflow = op->wrap_width > 0 &&
                         (double) logical.width / PANGO_SCALE > (double) op->wrap_width /
                                                                PANGO_SCALE + slack;
            }
          if (overflow || x < -slack || y < -slack || x + w > page->width + slack ||
              y + h > page->height + slack)
            {
              g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_LAYOUT,
                           "page %u: “%s” at %.1f,%.1f size %.1f×%.1f leaves the page "
                           "(%.1f×%.1f)%s", p + 1, op->text != NULL ? op->text : "(drawing)",
                           x, y, w, h, page->width, page->height,
                           overflow ? " or its width" : "");
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* What a PDF says it is. */
const char *
_md_print_document_get_title (MdPrintDocument *self)
{
  return self->title;
}
