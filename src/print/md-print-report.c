/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-clock.h"
#include "md-money.h"
#include "md-print-private.h"

/*
 * A report on paper: the title and its parameters on the first page, the
 * charts, then the table, its heading repeated on every page it runs on,
 * the totals last; each page with a footer of print time, company and
 * "page n of m". Portrait when the table fits, landscape otherwise.
 */

#define MARGIN_MM 12.0
#define CHART_MM 62.0

static gboolean
parse_paper (const char  *paper,
             double      *out_w,
             double      *out_h,
             GError     **error)
{
  static const struct { const char *name; double w, h; } papers[] = {
    { "a4", 210, 297 }, { "a3", 297, 420 }, { "a5", 148, 210 },
  };
  g_auto(GStrv) parts = NULL;
  gint64 w, h;

  *out_w = 210;
  *out_h = 297;
  if (paper == NULL)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (papers); i++)
    if (g_str_equal (paper, papers[i].name))
      {
        *out_w = papers[i].w;
        *out_h = papers[i].h;
        return TRUE;
      }
  parts = g_strsplit (paper, "x", 2);
  if (g_strv_length (parts) == 2 &&
      md_decimal_parse (parts[0], 1, 99999, MD_PARSE_POSITIVE, &w, NULL) &&
      md_decimal_parse (parts[1], 1, 99999, MD_PARSE_POSITIVE, &h, NULL) &&
      w >= 1000 && h >= 1000 && w <= 10000 && h <= 10000)
    {
      *out_w = w / 10.0;
      *out_h = h / 10.0;
      return TRUE;
    }
  g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_LAYOUT,
               _("Unknown paper %s: use a4, a3, a5 or WIDTHxHEIGHT in millimetres"), paper);
  return FALSE;
}

static MdPrintBlock *
title_block (MdReportTable     *table,
             double             width,
             const MdPrintFont *title,
             const MdPrintFont *small)
{
  MdPrintBlock *block = _md_print_block_new ();
  g_autoptr(GString) params = g_string_new (NULL);
  double y;

  y = _md_print_block_text (block, 0, 0, md_report_table_get_title (table), title, width,
                            PANGO_ALIGN_LEFT);
  for (guint i = 0; i < md_report_table_get_n_params (table); i++)
    {
      const MdReportParam *param = md_report_table_get_param (table, i);

      if (params->len > 0)
        g_string_append (params, "    ");
      /* TRANSLATORS: a report parameter and its value, "From: 2026-03-01" */
      g_string_append_printf (params, _("%s: %s"), param->label, param->value);
    }
  y += _md_print_block_text (block, 0, y + 2, params->str, small, width, PANGO_ALIGN_LEFT) + 2;
  block->height = y + MD_MM (3);
  return block;
}

static MdPrintBlock *
text_block (const char        *text,
            double             width,
            const MdPrintFont *font)
{
  MdPrintBlock *block = _md_print_block_new ();

  _md_print_block_text (block, 0, 0, text, font, width, PANGO_ALIGN_LEFT);
  block->height += MD_MM (1.5);
  return block;
}

static void
footers (MdPrintDocument   *doc,
         MdReportTable     *table,
         const char        *company,
         const MdPrintFont *font,
         double             left,
         double             width,
         double             bottom)
{
  guint n = md_print_document_get_n_pages (doc);
  MdReportValue now = { FALSE, md_clock_now (), NULL };
  g_autofree char *when = md_report_format_value (MD_REPORT_TYPE_TIME, &now,
                                                  MD_REPORT_STYLE_DISPLAY,
                                                  md_report_table_get_timezone (table));
  g_autofree char *printed = g_strdup_printf (_("Printed %s"), when);

  for (guint p = 0; p < n; p++)
    {
      g_autofree char *number = g_strdup_printf (_("Page %u of %u"), p + 1, n);
      MdPrintBlock *block = _md_print_block_new ();
      double third = width / 3;

      _md_print_block_rule (block, 0, 0, width, 0.4, FALSE);
      _md_print_block_text (block, 0, 2, printed, font, third, PANGO_ALIGN_LEFT);
      if (company != NULL)
        _md_print_block_text (block, third, 2, company, font, third, PANGO_ALIGN_CENTER);
      _md_print_block_text (block, 2 * third, 2, number, font, third, PANGO_ALIGN_RIGHT);
      _md_print_document_place (doc, p, block, left, bottom - block->height);
      _md_print_block_free (block);
    }
}

/**
 * md_report_render:
 * @options: (nullable): paper, orientation, font, company
 *
 * Returns: (transfer full): the report laid out on pages, or %NULL with
 *   @error set
 */
MdPrintDocument *
md_report_render (MdReportTable               *table,
                  const MdReportPrintOptions  *options,
                  GError                     **error)
{
  MdReportPrintOptions defaults = { 0 };
  MdPrintTableStyle style = { 0 };
  g_autoptr(MdPrintDocument) doc = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) _md_print_block_free);
  g_autoptr(GPtrArray) lead = g_ptr_array_new_with_free_func ((GDestroyNotify) _md_print_block_free);
  MdPrintBlock *heading = NULL;
  MdPrintBlock *running = NULL;
  MdPrintFont title, small, footer;
  double paper_w, paper_h, left, top, width, body_bottom, y;
  guint page;

  g_return_val_if_fail (table != NULL, NULL);

  if (options == NULL)
    options = &defaults;
  if (!parse_paper (options->paper, &paper_w, &paper_h, error))
    return NULL;

  style.family = options->font_family != NULL ? options->font_family : MD_PRINT_DEFAULT_FAMILY;
  style.size10 = 85;
  style.min_size10 = 60;
  style.style = MD_REPORT_STYLE_DISPLAY;
  style.zebra = TRUE;
  style.totals = TRUE;

  /* Landscape when the table is wider than a portrait page. */
  if (options->landscape ||
      _md_print_table_natural_width (table, &style) > MD_MM (paper_w - 2 * MARGIN_MM))
    {
      double t = paper_w;

      paper_w = paper_h;
      paper_h = t;
    }
  left = MD_MM (MARGIN_MM);
  top = MD_MM (MARGIN_MM);
  width = MD_MM (paper_w - 2 * MARGIN_MM);

  _md_print_font_init (&title, style.family, 140, TRUE);
  _md_print_font_init (&small, style.family, 80, FALSE);
  _md_print_font_init (&footer, style.family, 70, FALSE);
  body_bottom = MD_MM (paper_h - MARGIN_MM) - _md_print_font_height (&footer) - 6;

  g_ptr_array_add (lead, title_block (table, width, &title, &small));
  for (guint c = 0; c < md_report_table_get_n_charts (table); c++)
    {
      MdPrintChart *chart = _md_print_chart_new (table, c, style.family);
      MdPrintBlock *block = _md_print_block_new ();

      if (md_report_table_get_n_rows (table) > 0)
        {
          _md_print_block_chart (block, 0, 0, width, MD_MM (CHART_MM), chart);
          block->height += MD_MM (4);
          g_ptr_array_add (lead, block);
        }
      else
        _md_print_block_free (block);
      _md_print_chart_unref (chart);
    }
  if (md_report_table_get_n_rows (table) == 0)
    g_ptr_array_add (lead, text_block (_("Nothing was recorded in this period."), width, &small));
  else
    _md_print_table_blocks (table, width, &style, &heading, rows, NULL);

  {
    g_autofree char *continued = g_strdup_printf (_("%s (continued)"),
                                                  md_report_table_get_title (table));

    running = text_block (continued, width, &small);
  }

  doc = _md_print_document_new (md_report_table_get_title (table));
  page = _md_print_document_add_page (doc, MD_MM (paper_w), MD_MM (paper_h));
  y = top;
  for (guint i = 0; i < lead->len; i++)
    {
      MdPrintBlock *block = lead->pdata[i];

      if (y + block->height > body_bottom && y > top)
        {
          page = _md_print_document_add_page (doc, MD_MM (paper_w), MD_MM (paper_h));
          y = top;
        }
      _md_print_document_place (doc, page, block, left, y);
      y += block->height;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      MdPrintBlock *block = rows->pdata[i];

      /* A heading never ends a page: it goes with at least one row. */
      if (i == 0 || y + block->height > body_bottom)
        {
          if (y + heading->height + block->height > body_bottom)
            {
              page = _md_print_document_add_page (doc, MD_MM (paper_w), MD_MM (paper_h));
              y = top;
              _md_print_document_place (doc, page, running, left, y);
              y += running->height;
            }
          _md_print_document_place (doc, page, heading, left, y);
          y += heading->height;
        }
      _md_print_document_place (doc, page, block, left, y);
      y += block->height;
    }
  footers (doc, table, options->company, &footer, left, width, MD_MM (paper_h - MARGIN_MM));

  _md_print_block_free (heading);
  _md_print_block_free (running);
  _md_print_font_clear (&title);
  _md_print_font_clear (&small);
  _md_print_font_clear (&footer);
  return g_steal_pointer (&doc);
}
