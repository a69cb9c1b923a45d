/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <unistd.h>

#include "md-print-private.h"
#include "md-validate.h"

/*
 * A document out to a file: PDF (a page per page, fonts embedded as
 * subsets) or PNG (the pages one under the other), always through a
 * temporary file renamed into place.
 */

/**
 * _md_print_write_atomic:
 *
 * Writes @path through a temporary file in the same directory, renamed
 * into place only when complete: a failed write leaves nothing behind.
 */
gboolean
_md_print_write_atomic (const char  *path,
                        gboolean   (*write) (const char  *tmp,
                                             gpointer     data,
                                             GError     **error),
                        gpointer     data,
                        GError     **error)
{
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  GError *local_error = NULL;
  int fd;

  if ((fd = g_mkstemp (tmp)) < 0)
    {
      int saved = errno;

      g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_WRITE, _("Cannot write %s: %s"), path,
                   g_strerror (saved));
      return FALSE;
    }
  close (fd);
  if (!write (tmp, data, &local_error) || g_rename (tmp, path) != 0)
    {
      int saved = errno;

      g_unlink (tmp);
      if (local_error != NULL)
        g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_WRITE, _("Cannot write %s: %s"),
                     path, local_error->message);
      else
        g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_WRITE, _("Cannot write %s: %s"),
                     path, g_strerror (saved));
      g_clear_error (&local_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
surface_failed (cairo_surface_t  *surface,
                GError          **error)
{
  cairo_status_t status = cairo_surface_status (surface);

  if (status == CAIRO_STATUS_SUCCESS)
    return FALSE;
  g_set_error_literal (error, MD_PRINT_ERROR, MD_PRINT_ERROR_WRITE,
                       cairo_status_to_string (status));
  return TRUE;
}

static gboolean
write_pdf (const char  *tmp,
           gpointer     data,
           GError     **error)
{
  MdPrintDocument *self = data;
  guint n = md_print_document_get_n_pages (self);
  cairo_surface_t *surface;
  cairo_t *cr;
  double width, height;
  gboolean ok;

  if (n == 0)
    {
      g_set_error_literal (error, MD_PRINT_ERROR, MD_PRINT_ERROR_LAYOUT, "no pages");
      return FALSE;
    }
  md_print_document_get_page_size (self, 0, &width, &height);
  surface = cairo_pdf_surface_create (tmp, width, height);
  if (_md_print_document_get_title (self) != NULL)
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE,
                                    _md_print_document_get_title (self));
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR,
                                  "Meterdesk " PACKAGE_VERSION);
  cr = cairo_create (surface);
  for (guint p = 0; p < n; p++)
    {
      md_print_document_get_page_size (self, p, &width, &height);
      cairo_pdf_surface_set_size (surface, width, height);
      md_print_document_draw_page (self, cr, p);
      cairo_show_page (cr);
    }
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  ok = !surface_failed (surface, error);
  cairo_surface_destroy (surface);
  return ok;
}

/**
 * md_print_document_write_pdf:
 *
 * One PDF page per page, fonts embedded (subset).
 */
gboolean
md_print_document_write_pdf (MdPrintDocument  *self,
                             const char       *path,
                             GError          **error)
{
  g_return_val_if_fail (self != NULL && path != NULL, FALSE);

  return _md_print_write_atomic (path, write_pdf, self, error);
}

typedef struct
{
  MdPrintDocument *self;
  guint            dpi;
} PngData;

static gboolean
write_png (const char  *tmp,
           gpointer     data,
           GError     **error)
{
  PngData *png = data;
  guint n = md_print_document_get_n_pages (png->self);
  double scale = png->dpi / 72.0;
  double width = 0, height = 0, w, h;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  for (guint p = 0; p < n; p++)
    {
      md_print_document_get_page_size (png->self, p, &w, &h);
      width = MAX (width, w);
      height += h;
    }
  if (width * scale > 32767 || height * scale > 32767)
    {
      g_set_error_literal (error, MD_PRINT_ERROR, MD_PRINT_ERROR_LAYOUT,
                           _("Too many pages for one image; write a PDF instead"));
      return FALSE;
    }
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) ceil (width * scale),
                                        (int) ceil (height * scale));
  cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_scale (cr, scale, scale);
  for (guint p = 0; p < n; p++)
    {
      md_print_document_draw_page (png->self, cr, p);
      md_print_document_get_page_size (png->self, p, &w, &h);
      cairo_translate (cr, 0, h);
    }
  cairo_destroy (cr);
  status = cairo_surface_write_to_png (surface, tmp);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error_literal (error, MD_PRINT_ERROR, MD_PRINT_ERROR_WRITE,
                           cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

/**
 * md_print_document_write_png:
 * @dpi: dots per inch: 203 for an 8-dot thermal head, 150 for a preview
 *
 * One image with the pages one under the other.
 */
gboolean
md_print_document_write_png (MdPrintDocument  *self,
                             const char       *path,
                             guint             dpi,
                             GError          **error)
{
  PngData data = { self, dpi };

  g_return_val_if_fail (self != NULL && path != NULL, FALSE);
  g_return_val_if_fail (dpi >= 36 && dpi <= 1200, FALSE);

  return _md_print_write_atomic (path, write_png, &data, error);
}

/**
 * md_print_document_write:
 *
 * PDF, or PNG at 203 dpi for a roll and 150 dpi otherwise.
 */
gboolean
md_print_document_write (MdPrintDocument  *self,
                         MdPrintFormat     format,
                         const char       *path,
                         GError          **error)
{
  if (format == MD_PRINT_FORMAT_PNG)
    {
      double width = 0, height = 0;

      if (md_print_document_get_n_pages (self) > 0)
        md_print_document_get_page_size (self, 0, &width, &height);
      /* A roll's printer has an 8-dot head; a sheet is a preview. */
      return md_print_document_write_png (self, path, width > 0 && width < MD_MM (100) ? 203 : 150,
                                          error);
    }
  return md_print_document_write_pdf (self, path, error);
}

/**
 * md_print_format_parse:
 * @text: pdf or png
 *
 * Returns: %FALSE with %MD_PRINT_ERROR_FORMAT for anything else
 */
gboolean
md_print_format_parse (const char     *text,
                       MdPrintFormat  *out_format,
                       GError        **error)
{
  if (g_strcmp0 (text, "pdf") == 0)
    *out_format = MD_PRINT_FORMAT_PDF;
  else if (g_strcmp0 (text, "png") == 0)
    *out_format = MD_PRINT_FORMAT_PNG;
  else
    {
      g_autofree char *shown = md_input_quote (text != NULL ? text : "");

      g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_FORMAT,
                   _("Unknown format “%s”: use pdf or png"), shown);
      return FALSE;
    }
  return TRUE;
}
