/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "md-print-private.h"
#include "md-validate.h"

/*
 * A report as an Excel workbook (libxlsxwriter): the table on the first
 * sheet — a heading row, the rows, the totals — with numbers as numbers in
 * their unit's format, so finance can sum them; the parameters on a second
 * sheet. Excel keeps every number as a double: a value goes in from its
 * exact decimal text (fen and Wh have at most 15 significant digits), never
 * from arithmetic on floating point.
 */

typedef struct
{
  MdReportTable *table;
} XlsxData;

static double
number_of (MdReportType         type,
           const MdReportValue *value)
{
  g_autofree char *text = md_report_format_value (type, value, MD_REPORT_STYLE_PLAIN, NULL);

  return g_ascii_strtod (text, NULL);
}

/* A sheet name: at most 31 characters, none of []:*?/\ */
static char *
sheet_name (const char *title)
{
  GString *out = g_string_new (NULL);
  guint n = 0;

  for (const char *p = title; *p && n < 31; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (strchr ("[]:*?/\\", (int) c) != NULL && c < 128)
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }
  if (out->len == 0)
    g_string_append (out, "Report");
  return g_string_free (out, FALSE);
}

static void
write_row (lxw_worksheet  *sheet,
           lxw_row_t       row,
           MdReportTable  *table,
           const MdReportValue *(*get) (MdReportTable *, guint, guint),
           guint           source,
           lxw_format    **formats,
           lxw_format     *text_format)
{
  GTimeZone *zone = md_report_table_get_timezone (table);

  for (guint c = 0; c < md_report_table_get_n_columns (table); c++)
    {
      const MdReportColumn *column = md_report_table_get_column (table, c);
      const MdReportValue *value = get (table, source, c);

      if (value == NULL || value->is_null)
        continue;
      switch (column->type)
        {
        case MD_REPORT_TYPE_TEXT:
          worksheet_write_string (sheet, row, c, value->text, text_format);
          break;
        case MD_REPORT_TYPE_TIME:
          {
            g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (value->number /
                                                                      G_USEC_PER_SEC);
            g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, zone);
            lxw_datetime dt = {
              g_date_time_get_year (local), g_date_time_get_month (local),
              g_date_time_get_day_of_month (local), g_date_time_get_hour (local),
              g_date_time_get_minute (local), g_date_time_get_second (local),
            };

            worksheet_write_datetime (sheet, row, c, &dt, formats[column->type]);
          }
          break;
        case MD_REPORT_TYPE_COUNT:
        case MD_REPORT_TYPE_MONEY:
        case MD_REPORT_TYPE_PRICE:
        case MD_REPORT_TYPE_ENERGY:
        case MD_REPORT_TYPE_VOLUME:
        case MD_REPORT_TYPE_PERCENT:
        default:
          worksheet_write_number (sheet, row, c, number_of (column->type, value),
                                  formats[column->type]);
          break;
        }
    }
}

static const MdReportValue *
row_value (MdReportTable *table,
           guint          row,
           guint          column)
{
  return md_report_table_get_value (table, row, column);
}

static const MdReportValue *
total_value (MdReportTable *table,
             guint          row,
             guint          column)
{
  return md_report_table_get_total (table, column);
}

static gboolean
write_xlsx (const char  *tmp,
            gpointer     user_data,
            GError     **error)
{
  XlsxData *data = user_data;
  MdReportTable *table = data->table;
  lxw_workbook *book = workbook_new (tmp);
  g_autofree char *name = NULL;
  g_autofree guint *widths = NULL;
  lxw_worksheet *sheet, *about;
  lxw_format *formats[MD_REPORT_TYPE_PERCENT + 1] = { NULL };
  lxw_format *heading, *text, *total_text;
  lxw_format *total_formats[MD_REPORT_TYPE_PERCENT + 1] = { NULL };
  lxw_doc_properties properties = { 0 };
  static const char * const number_formats[] = {
    [MD_REPORT_TYPE_TEXT] = "@",
    [MD_REPORT_TYPE_COUNT] = "0",
    [MD_REPORT_TYPE_MONEY] = "#,##0.00",
    [MD_REPORT_TYPE_PRICE] = "0.0000",
    [MD_REPORT_TYPE_ENERGY] = "#,##0.000",
    [MD_REPORT_TYPE_VOLUME] = "#,##0.000",
    [MD_REPORT_TYPE_TIME] = "yyyy-mm-dd hh:mm:ss",
    [MD_REPORT_TYPE_PERCENT] = "0.00\"%\"",
  };
  guint n_columns = md_report_table_get_n_columns (table);
  guint n_rows = md_report_table_get_n_rows (table);
  lxw_error status;

  if (book == NULL)
    {
      g_set_error_literal (error, MD_PRINT_ERROR, MD_PRINT_ERROR_WRITE,
                           _("the workbook cannot be created"));
      return FALSE;
    }
  properties.title = (char *) md_report_table_get_title (table);
  properties.comments = (char *) "Meterdesk " PACKAGE_VERSION;
  workbook_set_properties (book, &properties);

  name = sheet_name (md_report_table_get_title (table));
  sheet = workbook_add_worksheet (book, name);
  about = workbook_add_worksheet (book, _("Parameters"));
  heading = workbook_add_format (book);
  format_set_bold (heading);
  format_set_bottom (heading, LXW_BORDER_THIN);
  text = workbook_add_format (book);
  total_text = workbook_add_format (book);
  format_set_bold (total_text);
  format_set_top (total_text, LXW_BORDER_THIN);
  for (guint t = 0; t < G_N_ELEMENTS (number_formats); t++)
    {
      formats[t] = workbook_add_format (book);
      format_set_num_format (formats[t], number_formats[t]);
      total_formats[t] = workbook_add_format (book);
      format_set_num_format (total_formats[t], number_formats[t]);
      format_set_bold (total_formats[t]);
      format_set_top (total_formats[t], LXW_BORDER_THIN);
    }

  widths = g_new0 (guint, MAX (n_columns, 1));
  for (guint c = 0; c < n_columns; c++)
    {
      g_autofree char *label = md_report_column_heading (md_report_table_get_column (table, c));

      worksheet_write_string (sheet, 0, c, label, heading);
      widths[c] = md_text_display_width (label);
      for (guint r = 0; r < MIN (n_rows, 200); r++)
        {
          g_autofree char *cell = md_report_table_format (table, r, c, MD_REPORT_STYLE_DISPLAY);

          widths[c] = MAX (widths[c], md_text_display_width (cell));
        }
      worksheet_set_column (sheet, c, c, MIN (widths[c], 60) + 2, NULL);
    }
  for (guint r = 0; r < n_rows; r++)
    write_row (sheet, r + 1, table, row_value, r, formats, text);
  if (md_report_table_has_totals (table) && n_rows > 0)
    write_row (sheet, n_rows + 1, table, total_value, 0, total_formats, total_text);
  worksheet_freeze_panes (sheet, 1, 0);

  worksheet_write_string (about, 0, 0, _("Report"), heading);
  worksheet_write_string (about, 0, 1, md_report_table_get_title (table), heading);
  for (guint i = 0; i < md_report_table_get_n_params (table); i++)
    {
      const MdReportParam *param = md_report_table_get_param (table, i);

      worksheet_write_string (about, i + 1, 0, param->label, NULL);
      worksheet_write_string (about, i + 1, 1, param->value, NULL);
    }
  worksheet_set_column (about, 0, 1, 24, NULL);

  if ((status = workbook_close (book)) != LXW_NO_ERROR)
    {
      g_set_error_literal (error, MD_PRINT_ERROR, MD_PRINT_ERROR_WRITE, lxw_strerror (status));
      return FALSE;
    }
  return TRUE;
}

/**
 * md_report_write_xlsx:
 *
 * Writes @table as an XLSX workbook at @path, atomically.
 */
gboolean
md_report_write_xlsx (MdReportTable  *table,
                      const char     *path,
                      GError        **error)
{
  XlsxData data = { table };

  g_return_val_if_fail (table != NULL && path != NULL, FALSE);

  return _md_print_write_atomic (path, write_xlsx, &data, error);
}
