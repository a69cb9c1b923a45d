/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-report.h"
#include "md-validate.h"

/*
 * The report table as text: values in the styles of files, screens and
 * receipts; the table as JSON, CSV and an aligned text table. PDF and XLSX
 * are src/print's.
 */

/* "1234567.890" → "1,234,567.890" */
static char *
group_digits (char *text)
{
  GString *out = g_string_new (NULL);
  const char *digits = text[0] == '-' ? text + 1 : text;
  const char *point = strchr (digits, '.');
  gsize n = point != NULL ? (gsize) (point - digits) : strlen (digits);

  if (text[0] == '-')
    g_string_append_c (out, '-');
  for (gsize i = 0; i < n; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  if (point != NULL)
    g_string_append (out, point);
  g_free (text);
  return g_string_free (out, FALSE);
}

/**
 * md_report_format_value:
 * @zone: (nullable): for times; local when %NULL
 *
 * Returns: (transfer full): the value as text in @style; "" for null
 */
char *
md_report_format_value (MdReportType          type,
                        const MdReportValue  *value,
                        MdReportStyle         style,
                        GTimeZone            *zone)
{
  gint64 v;

  if (value == NULL || value->is_null)
    return g_strdup ("");
  v = value->number;

  switch (type)
    {
    case MD_REPORT_TYPE_TEXT:
      return g_strdup (value->text != NULL ? value->text : "");
    case MD_REPORT_TYPE_COUNT:
      return g_strdup_printf ("%" G_GINT64_FORMAT, v);
    case MD_REPORT_TYPE_MONEY:
      return md_money_format (v, style == MD_REPORT_STYLE_PLAIN ? MD_MONEY_STYLE_PLAIN
                                 : style == MD_REPORT_STYLE_DISPLAY ? MD_MONEY_STYLE_GROUPED
                                 : MD_MONEY_STYLE_CURRENCY);
    case MD_REPORT_TYPE_PRICE:
      return md_price_format (v);
    case MD_REPORT_TYPE_ENERGY:
      return style == MD_REPORT_STYLE_PLAIN ? md_energy_format (v)
                                            : group_digits (md_energy_format (v));
    case MD_REPORT_TYPE_VOLUME:
      return style == MD_REPORT_STYLE_PLAIN ? md_volume_format (v)
                                            : group_digits (md_volume_format (v));
    case MD_REPORT_TYPE_PERCENT:
      {
        g_autofree char *number = md_decimal_format (v, 2);

        if (style == MD_REPORT_STYLE_PLAIN)
          return g_steal_pointer (&number);
        return g_strdup_printf ("%s%s%%", v > 0 ? "+" : "", number);
      }
    case MD_REPORT_TYPE_TIME:
      {
        g_autoptr(GTimeZone) local = zone != NULL ? g_time_zone_ref (zone)
                                                  : g_time_zone_new_local ();
        g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (v / G_USEC_PER_SEC);
        g_autoptr(GDateTime) dt = utc != NULL ? g_date_time_to_timezone (utc, local) : NULL;

        if (dt == NULL)
          return g_strdup ("");
        return g_date_time_format (dt, style == MD_REPORT_STYLE_PLAIN ? "%Y-%m-%dT%H:%M:%S%:z"
                                       : style == MD_REPORT_STYLE_DISPLAY ? "%Y-%m-%d %H:%M"
                                       : "%Y-%m-%d %H:%M:%S");
      }
    default:
      g_return_val_if_reached (g_strdup (""));
    }
}

/**
 * md_report_table_format:
 *
 * Returns: (transfer full): the cell as text in @style
 */
char *
md_report_table_format (MdReportTable *self,
                        guint          row,
                        guint          column,
                        MdReportStyle  style)
{
  const MdReportColumn *c = md_report_table_get_column (self, column);

  g_return_val_if_fail (c != NULL, NULL);
  return md_report_format_value (c->type, md_report_table_get_value (self, row, column), style,
                                 md_report_table_get_timezone (self));
}

/**
 * md_report_column_heading:
 *
 * Returns: (transfer full): the label, with the unit in brackets when it
 *   has one: "Amount (yuan)"
 */
char *
md_report_column_heading (const MdReportColumn *column)
{
  if (column->unit == NULL || *column->unit == '\0')
    return g_strdup (column->label);
  /* TRANSLATORS: a column heading and its unit, e.g. "Energy (kWh)" */
  return g_strdup_printf (C_("heading", "%s (%s)"), column->label, column->unit);
}

static void
add_json_value (JsonBuilder          *builder,
                const MdReportColumn *column,
                const MdReportValue  *value,
                GTimeZone            *zone)
{
  g_autofree char *text = NULL;

  if (value == NULL || value->is_null)
    {
      json_builder_add_null_value (builder);
      return;
    }
  if (column->type == MD_REPORT_TYPE_COUNT)
    {
      json_builder_add_int_value (builder, value->number);
      return;
    }
  text = md_report_format_value (column->type, value, MD_REPORT_STYLE_PLAIN, zone);
  json_builder_add_string_value (builder, text);
}

/* Row @row, or the totals for TOTALS. */
#define TOTALS G_MAXUINT

static const MdReportValue *
value_at (MdReportTable *self,
          guint          row,
          guint          column)
{
  return row == TOTALS ? md_report_table_get_total (self, column)
                       : md_report_table_get_value (self, row, column);
}

static void
add_json_row (JsonBuilder   *builder,
              MdReportTable *self,
              guint          row)
{
  json_builder_begin_object (builder);
  for (guint c = 0; c < md_report_table_get_n_columns (self); c++)
    {
      const MdReportColumn *column = md_report_table_get_column (self, c);

      json_builder_set_member_name (builder, column->key);
      add_json_value (builder, column, value_at (self, row, c),
                      md_report_table_get_timezone (self));
    }
  json_builder_end_object (builder);
}

/**
 * md_report_table_to_json:
 *
 * Returns: (transfer full): {"report", "title", "params", "columns",
 *   "rows", "totals"}; money, energy, prices, percentages and times as
 *   strings (docs/cli.md "Units"), counts as integers
 */
JsonNode *
md_report_table_to_json (MdReportTable *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  static const char * const type_names[] = {
    "text", "count", "money", "price", "energy", "volume", "time", "percent",
  };

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "report");
  json_builder_add_string_value (builder, md_report_table_get_kind (self));
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, md_report_table_get_title (self));

  json_builder_set_member_name (builder, "params");
  json_builder_begin_object (builder);
  for (guint i = 0; i < md_report_table_get_n_params (self); i++)
    {
      const MdReportParam *param = md_report_table_get_param (self, i);

      json_builder_set_member_name (builder, param->key);
      json_builder_add_string_value (builder, param->value);
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "columns");
  json_builder_begin_array (builder);
  for (guint c = 0; c < md_report_table_get_n_columns (self); c++)
    {
      const MdReportColumn *column = md_report_table_get_column (self, c);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "key");
      json_builder_add_string_value (builder, column->key);
      json_builder_set_member_name (builder, "label");
      json_builder_add_string_value (builder, column->label);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, type_names[column->type]);
      json_builder_set_member_name (builder, "unit");
      if (column->unit != NULL)
        json_builder_add_string_value (builder, column->unit);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "rows");
  json_builder_begin_array (builder);
  for (guint r = 0; r < md_report_table_get_n_rows (self); r++)
    add_json_row (builder, self, r);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "totals");
  if (md_report_table_has_totals (self))
    add_json_row (builder, self, TOTALS);
  else
    json_builder_add_null_value (builder);

  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* RFC 4180 quoting; a text cell that a spreadsheet would take for a formula
 * (=, +, -, @, tab, CR first) gets a leading apostrophe (CSV injection). */
static void
csv_append (GString    *out,
            const char *text,
            gboolean    is_text)
{
  gboolean formula = is_text && text[0] != '\0' && strchr ("=+-@\t\r", text[0]) != NULL;
  gboolean quote = formula || strpbrk (text, ",\"\r\n") != NULL || text[0] == ' ';

  if (!quote)
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  if (formula)
    g_string_append_c (out, '\'');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
csv_row (GString       *out,
         MdReportTable *self,
         guint          row)
{
  for (guint c = 0; c < md_report_table_get_n_columns (self); c++)
    {
      const MdReportColumn *column = md_report_table_get_column (self, c);
      g_autofree char *text = md_report_format_value (column->type, value_at (self, row, c),
                                                      MD_REPORT_STYLE_PLAIN,
                                                      md_report_table_get_timezone (self));

      if (c > 0)
        g_string_append_c (out, ',');
      csv_append (out, text, column->type == MD_REPORT_TYPE_TEXT);
    }
  g_string_append (out, "\r\n");
}

/**
 * md_report_table_to_csv:
 *
 * UTF-8 with a byte-order mark (so Excel reads the Chinese text), CRLF
 * lines, a heading row of the labels with their units, the rows in the
 * plain style, then the totals row (when there are rows).
 *
 * Returns: (transfer full): the file's bytes
 */
GBytes *
md_report_table_to_csv (MdReportTable *self)
{
  GString *out = g_string_new ("\xef\xbb\xbf");

  for (guint c = 0; c < md_report_table_get_n_columns (self); c++)
    {
      g_autofree char *heading = md_report_column_heading (md_report_table_get_column (self, c));

      if (c > 0)
        g_string_append_c (out, ',');
      csv_append (out, heading, TRUE);
    }
  g_string_append (out, "\r\n");
  for (guint r = 0; r < md_report_table_get_n_rows (self); r++)
    csv_row (out, self, r);
  if (md_report_table_has_totals (self) && md_report_table_get_n_rows (self) > 0)
    csv_row (out, self, TOTALS);
  return g_string_free_to_bytes (out);
}

static gboolean
right_aligned (const MdReportColumn *column)
{
  return column->type != MD_REPORT_TYPE_TEXT && column->type != MD_REPORT_TYPE_TIME;
}

static void
text_cell (GString    *out,
           const char *text,
           guint       width,
           gboolean    right,
           gboolean    last)
{
  guint w = md_text_display_width (text);
  guint pad = width > w ? width - w : 0;

  if (right)
    for (guint i = 0; i < pad; i++)
      g_string_append_c (out, ' ');
  g_string_append (out, text);
  if (!right && !last)
    for (guint i = 0; i < pad; i++)
      g_string_append_c (out, ' ');
  if (!last)
    g_string_append (out, "  ");
}

/**
 * md_report_table_to_text:
 *
 * Returns: (transfer full): the title, the parameters and an aligned table
 *   for a terminal (wide CJK characters count double)
 */
char *
md_report_table_to_text (MdReportTable *self)
{
  GString *out = g_string_new (NULL);
  guint n_columns = md_report_table_get_n_columns (self);
  guint data_rows = md_report_table_get_n_rows (self);
  guint n_rows = data_rows + (md_report_table_has_totals (self) ? 1 : 0);
  g_autofree guint *widths = g_new0 (guint, MAX (n_columns, 1));
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);

  g_string_append_printf (out, "%s\n", md_report_table_get_title (self));
  for (guint i = 0; i < md_report_table_get_n_params (self); i++)
    {
      const MdReportParam *param = md_report_table_get_param (self, i);

      g_string_append_printf (out, "%s: %s\n", param->label, param->value);
    }
  g_string_append_c (out, '\n');

  if (data_rows == 0)
    {
      g_string_append_printf (out, "%s\n", _("(none)"));
      return g_string_free (out, FALSE);
    }

  for (guint c = 0; c < n_columns; c++)
    {
      char *heading = md_report_column_heading (md_report_table_get_column (self, c));

      widths[c] = md_text_display_width (heading);
      g_ptr_array_add (texts, heading);
    }
  for (guint r = 0; r < n_rows; r++)
    for (guint c = 0; c < n_columns; c++)
      {
        const MdReportColumn *column = md_report_table_get_column (self, c);
        char *text = md_report_format_value (column->type, value_at (self, r < data_rows ? r
                                                                                  : TOTALS, c),
                                             MD_REPORT_STYLE_DISPLAY,
                                             md_report_table_get_timezone (self));

        for (char *p = text; *p; p++)
          if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
        widths[c] = MAX (widths[c], md_text_display_width (text));
        g_ptr_array_add (texts, text);
      }

  for (guint r = 0; r <= n_rows; r++)
    for (guint c = 0; c < n_columns; c++)
      {
        text_cell (out, texts->pdata[r * n_columns + c], widths[c],
                   r > 0 && right_aligned (md_report_table_get_column (self, c)),
                   c + 1 == n_columns);
        if (c + 1 == n_columns)
          g_string_append_c (out, '\n');
      }
  return g_string_free (out, FALSE);
}
