/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-report-private.h"
#include "md-validate.h"

/*
 * The table model every report fills and every renderer reads: typed
 * columns, rows of MdReportValue, an optional totals row, chart hints. A
 * plain refcounted struct (a boxed type for bindings); the app shows it in
 * a GtkColumnView through a small GListModel of row indexes.
 */

struct _MdReportTable
{
  gatomicrefcount  ref_count;
  char            *kind;
  char            *title;
  GTimeZone       *zone;
  GPtrArray       *params;    /* MdReportParam */
  GPtrArray       *columns;   /* MdReportColumn */
  GPtrArray       *rows;      /* MdReportValue[n_columns] */
  MdReportValue   *totals;    /* MdReportValue[n_columns], or NULL */
  GPtrArray       *charts;    /* MdReportChart */
};

G_DEFINE_BOXED_TYPE (MdReportTable, md_report_table, md_report_table_ref, md_report_table_unref)

static void
param_free (gpointer data)
{
  MdReportParam *param = data;

  g_free (param->key);
  g_free (param->label);
  g_free (param->value);
  g_free (param);
}

static void
column_free (gpointer data)
{
  MdReportColumn *column = data;

  g_free (column->key);
  g_free (column->label);
  g_free (column->unit);
  g_free (column);
}

static void
chart_free (gpointer data)
{
  MdReportChart *chart = data;

  g_free (chart->title);
  g_array_unref (chart->series);
  g_free (chart);
}

static void
values_free (MdReportValue *values,
             guint          n)
{
  if (values == NULL)
    return;
  for (guint i = 0; i < n; i++)
    g_free (values[i].text);
  g_free (values);
}

/**
 * md_report_table_new:
 * @kind: the report's name ("sales", "energy"…)
 * @title: the translated title
 *
 * Returns: (transfer full): an empty table; add every column before the
 *   first row
 */
MdReportTable *
md_report_table_new (const char *kind,
                     const char *title)
{
  MdReportTable *self = g_new0 (MdReportTable, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->kind = g_strdup (kind);
  self->title = g_strdup (title);
  self->zone = g_time_zone_new_local ();
  self->params = g_ptr_array_new_with_free_func (param_free);
  self->columns = g_ptr_array_new_with_free_func (column_free);
  self->rows = g_ptr_array_new ();
  self->charts = g_ptr_array_new_with_free_func (chart_free);
  return self;
}

MdReportTable *
md_report_table_ref (MdReportTable *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
md_report_table_unref (MdReportTable *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  for (guint r = 0; r < self->rows->len; r++)
    values_free (self->rows->pdata[r], self->columns->len);
  values_free (self->totals, self->columns->len);
  g_ptr_array_unref (self->rows);
  g_ptr_array_unref (self->columns);
  g_ptr_array_unref (self->params);
  g_ptr_array_unref (self->charts);
  g_time_zone_unref (self->zone);
  g_free (self->kind);
  g_free (self->title);
  g_free (self);
}

const char *
md_report_table_get_kind (MdReportTable *self)
{
  return self->kind;
}

const char *
md_report_table_get_title (MdReportTable *self)
{
  return self->title;
}

/**
 * md_report_table_set_timezone:
 *
 * The zone times are shown in (the site's); local by default.
 */
void
md_report_table_set_timezone (MdReportTable *self,
                              GTimeZone     *zone)
{
  g_return_if_fail (zone != NULL);

  g_time_zone_ref (zone);
  g_time_zone_unref (self->zone);
  self->zone = zone;
}

/**
 * md_report_table_get_timezone:
 *
 * Returns: (transfer none): the zone times are shown in
 */
GTimeZone *
md_report_table_get_timezone (MdReportTable *self)
{
  return self->zone;
}

void
md_report_table_add_param (MdReportTable *self,
                           const char    *key,
                           const char    *label,
                           const char    *value)
{
  MdReportParam *param = g_new0 (MdReportParam, 1);

  param->key = g_strdup (key);
  param->label = g_strdup (label);
  param->value = g_strdup (value);
  g_ptr_array_add (self->params, param);
}

guint
md_report_table_get_n_params (MdReportTable *self)
{
  return self->params->len;
}

const MdReportParam *
md_report_table_get_param (MdReportTable *self,
                           guint          index)
{
  g_return_val_if_fail (index < self->params->len, NULL);

  return self->params->pdata[index];
}

/**
 * md_report_table_add_column:
 * @unit: (nullable): shown after the label
 *
 * Returns: the column's index
 */
guint
md_report_table_add_column (MdReportTable       *self,
                            const char          *key,
                            const char          *label,
                            const char          *unit,
                            MdReportType         type,
                            MdReportColumnFlags  flags)
{
  MdReportColumn *column;

  g_return_val_if_fail (self->rows->len == 0 && self->totals == NULL, 0);

  column = g_new0 (MdReportColumn, 1);
  column->key = g_strdup (key);
  column->label = g_strdup (label);
  column->unit = g_strdup (unit);
  column->type = type;
  column->flags = flags;
  g_ptr_array_add (self->columns, column);
  return self->columns->len - 1;
}

guint
md_report_table_get_n_columns (MdReportTable *self)
{
  return self->columns->len;
}

const MdReportColumn *
md_report_table_get_column (MdReportTable *self,
                            guint          column)
{
  g_return_val_if_fail (column < self->columns->len, NULL);

  return self->columns->pdata[column];
}

/**
 * md_report_table_find_column:
 *
 * Returns: the index of the column named @key, or -1
 */
int
md_report_table_find_column (MdReportTable *self,
                             const char    *key)
{
  for (guint i = 0; i < self->columns->len; i++)
    if (g_str_equal (((MdReportColumn *) self->columns->pdata[i])->key, key))
      return (int) i;
  return -1;
}

static MdReportValue *
values_new (guint n)
{
  MdReportValue *values = g_new0 (MdReportValue, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    values[i].is_null = TRUE;
  return values;
}

/**
 * md_report_table_append_row:
 *
 * Returns: the new row's index; its values start null
 */
guint
md_report_table_append_row (MdReportTable *self)
{
  g_ptr_array_add (self->rows, values_new (self->columns->len));
  return self->rows->len - 1;
}

guint
md_report_table_get_n_rows (MdReportTable *self)
{
  return self->rows->len;
}

static MdReportValue *
cell (MdReportTable *self,
      guint          row,
      guint          column)
{
  g_return_val_if_fail (row < self->rows->len, NULL);
  g_return_val_if_fail (column < self->columns->len, NULL);

  return &((MdReportValue *) self->rows->pdata[row])[column];
}

void
md_report_table_set_int (MdReportTable *self,
                         guint          row,
                         guint          column,
                         gint64         value)
{
  MdReportValue *v = cell (self, row, column);

  g_return_if_fail (v != NULL);
  g_return_if_fail (md_report_table_get_column (self, column)->type != MD_REPORT_TYPE_TEXT);
  v->is_null = FALSE;
  v->number = value;
}

/**
 * md_report_table_set_text:
 * @text: (nullable): %NULL for no value
 */
void
md_report_table_set_text (MdReportTable *self,
                          guint          row,
                          guint          column,
                          const char    *text)
{
  MdReportValue *v = cell (self, row, column);

  g_return_if_fail (v != NULL);
  g_return_if_fail (md_report_table_get_column (self, column)->type == MD_REPORT_TYPE_TEXT);
  g_free (v->text);
  v->text = g_strdup (text);
  v->is_null = text == NULL;
}

void
md_report_table_set_null (MdReportTable *self,
                          guint          row,
                          guint          column)
{
  MdReportValue *v = cell (self, row, column);

  g_return_if_fail (v != NULL);
  g_clear_pointer (&v->text, g_free);
  v->is_null = TRUE;
}

const MdReportValue *
md_report_table_get_value (MdReportTable *self,
                           guint          row,
                           guint          column)
{
  return cell (self, row, column);
}

/**
 * md_report_table_compute_totals:
 * @label: the text of the totals row ("Total")
 *
 * Adds up every %MD_REPORT_COLUMN_TOTAL column. A sum that would overflow
 * is left null rather than wrapped.
 */
void
md_report_table_compute_totals (MdReportTable *self,
                                const char    *label)
{
  gboolean labelled = FALSE;

  values_free (self->totals, self->columns->len);
  self->totals = values_new (self->columns->len);

  for (guint c = 0; c < self->columns->len; c++)
    {
      const MdReportColumn *column = self->columns->pdata[c];
      gint64 sum = 0;
      gboolean overflow = FALSE;

      if ((column->flags & MD_REPORT_COLUMN_KEY) && column->type == MD_REPORT_TYPE_TEXT &&
          !labelled)
        {
          self->totals[c].text = g_strdup (label);
          self->totals[c].is_null = FALSE;
          labelled = TRUE;
          continue;
        }
      if (!(column->flags & MD_REPORT_COLUMN_TOTAL))
        continue;
      for (guint r = 0; r < self->rows->len && !overflow; r++)
        {
          const MdReportValue *v = &((MdReportValue *) self->rows->pdata[r])[c];

          if (!v->is_null)
            overflow = __builtin_add_overflow (sum, v->number, &sum);
        }
      self->totals[c].is_null = overflow;
      self->totals[c].number = overflow ? 0 : sum;
    }
}

/* A total that is not a sum (a change in percent), set after
 * md_report_table_compute_totals(). */
void
_md_report_table_set_total (MdReportTable *self,
                            guint          column,
                            gboolean       is_null,
                            gint64         value)
{
  g_return_if_fail (self->totals != NULL && column < self->columns->len);

  self->totals[column].is_null = is_null;
  self->totals[column].number = value;
}

gboolean
md_report_table_has_totals (MdReportTable *self)
{
  return self->totals != NULL;
}

/**
 * md_report_table_get_total:
 *
 * Returns: (nullable): the totals row's value, %NULL without totals
 */
const MdReportValue *
md_report_table_get_total (MdReportTable *self,
                           guint          column)
{
  g_return_val_if_fail (column < self->columns->len, NULL);

  return self->totals != NULL ? &self->totals[column] : NULL;
}

/**
 * md_report_table_add_chart:
 * @series: (array length=n_series): the columns drawn
 */
void
md_report_table_add_chart (MdReportTable     *self,
                           MdReportChartKind  kind,
                           const char        *title,
                           guint              x_column,
                           const guint       *series,
                           guint              n_series)
{
  MdReportChart *chart = g_new0 (MdReportChart, 1);

  chart->kind = kind;
  chart->title = g_strdup (title);
  chart->x_column = x_column;
  chart->series = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_vals (chart->series, series, n_series);
  g_ptr_array_add (self->charts, chart);
}

guint
md_report_table_get_n_charts (MdReportTable *self)
{
  return self->charts->len;
}

const MdReportChart *
md_report_table_get_chart (MdReportTable *self,
                           guint          index)
{
  g_return_val_if_fail (index < self->charts->len, NULL);

  return self->charts->pdata[index];
}

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
  return md_report_format_value (c->type, cell (self, row, column), style, self->zone);
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

static void
add_json_row (JsonBuilder   *builder,
              MdReportTable *self,
              MdReportValue *values)
{
  json_builder_begin_object (builder);
  for (guint c = 0; c < self->columns->len; c++)
    {
      const MdReportColumn *column = self->columns->pdata[c];

      json_builder_set_member_name (builder, column->key);
      add_json_value (builder, column, &values[c], self->zone);
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
  json_builder_add_string_value (builder, self->kind);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, self->title);

  json_builder_set_member_name (builder, "params");
  json_builder_begin_object (builder);
  for (guint i = 0; i < self->params->len; i++)
    {
      MdReportParam *param = self->params->pdata[i];

      json_builder_set_member_name (builder, param->key);
      json_builder_add_string_value (builder, param->value);
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "columns");
  json_builder_begin_array (builder);
  for (guint c = 0; c < self->columns->len; c++)
    {
      const MdReportColumn *column = self->columns->pdata[c];

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
  for (guint r = 0; r < self->rows->len; r++)
    add_json_row (builder, self, self->rows->pdata[r]);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "totals");
  if (self->totals != NULL)
    add_json_row (builder, self, self->totals);
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
         MdReportValue *values)
{
  for (guint c = 0; c < self->columns->len; c++)
    {
      const MdReportColumn *column = self->columns->pdata[c];
      g_autofree char *text = md_report_format_value (column->type, &values[c],
                                                      MD_REPORT_STYLE_PLAIN, self->zone);

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

  for (guint c = 0; c < self->columns->len; c++)
    {
      g_autofree char *heading = md_report_column_heading (self->columns->pdata[c]);

      if (c > 0)
        g_string_append_c (out, ',');
      csv_append (out, heading, TRUE);
    }
  g_string_append (out, "\r\n");
  for (guint r = 0; r < self->rows->len; r++)
    csv_row (out, self, self->rows->pdata[r]);
  if (self->totals != NULL && self->rows->len > 0)
    csv_row (out, self, self->totals);
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
  guint n_columns = self->columns->len;
  guint n_rows = self->rows->len + (self->totals != NULL ? 1 : 0);
  g_autofree guint *widths = g_new0 (guint, MAX (n_columns, 1));
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);

  g_string_append_printf (out, "%s\n", self->title);
  for (guint i = 0; i < self->params->len; i++)
    {
      MdReportParam *param = self->params->pdata[i];

      g_string_append_printf (out, "%s: %s\n", param->label, param->value);
    }
  g_string_append_c (out, '\n');

  if (self->rows->len == 0)
    {
      g_string_append_printf (out, "%s\n", _("(none)"));
      return g_string_free (out, FALSE);
    }

  for (guint c = 0; c < n_columns; c++)
    {
      char *heading = md_report_column_heading (self->columns->pdata[c]);

      widths[c] = md_text_display_width (heading);
      g_ptr_array_add (texts, heading);
    }
  for (guint r = 0; r < n_rows; r++)
    {
      MdReportValue *values = r < self->rows->len ? self->rows->pdata[r] : self->totals;

      for (guint c = 0; c < n_columns; c++)
        {
          const MdReportColumn *column = self->columns->pdata[c];
          char *text = md_report_format_value (column->type, &values[c], MD_REPORT_STYLE_DISPLAY,
                                               self->zone);

          for (char *p = text; *p; p++)
            if (*p == '\n' || *p == '\r' || *p == '\t')
              *p = ' ';
          widths[c] = MAX (widths[c], md_text_display_width (text));
          g_ptr_array_add (texts, text);
        }
    }

  for (guint r = 0; r <= n_rows; r++)
    for (guint c = 0; c < n_columns; c++)
      {
        text_cell (out, texts->pdata[r * n_columns + c], widths[c],
                   r > 0 && right_aligned (self->columns->pdata[c]), c + 1 == n_columns);
        if (c + 1 == n_columns)
          g_string_append_c (out, '\n');
      }
  return g_string_free (out, FALSE);
}
