/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-report-private.h"

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

/**
 * md_report_table_ref:
 *
 * Returns: (transfer full): @self
 */
MdReportTable *
md_report_table_ref (MdReportTable *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * md_report_table_unref:
 *
 * Drops a reference; the last frees the table.
 */
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

/**
 * md_report_table_get_kind:
 *
 * Returns: the report's name: "sales", "energy", "trail"…
 */
const char *
md_report_table_get_kind (MdReportTable *self)
{
  return self->kind;
}

/**
 * md_report_table_get_title:
 *
 * Returns: the translated title
 */
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

/**
 * md_report_table_add_param:
 * @key: its name in JSON ("from")
 * @label: translated ("From")
 * @value: as shown
 *
 * Adds a line to the report's heading.
 */
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

/**
 * md_report_table_get_n_params:
 *
 * Returns: the number of heading lines
 */
guint
md_report_table_get_n_params (MdReportTable *self)
{
  return self->params->len;
}

/**
 * md_report_table_get_param:
 *
 * Returns: (transfer none): the heading line @index
 */
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

/**
 * md_report_table_get_n_columns:
 *
 * Returns: the number of columns
 */
guint
md_report_table_get_n_columns (MdReportTable *self)
{
  return self->columns->len;
}

/**
 * md_report_table_get_column:
 *
 * Returns: (transfer none): the column: key, label, unit, type, flags
 */
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

/**
 * md_report_table_get_n_rows:
 *
 * Returns: the number of rows, without the totals
 */
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

/**
 * md_report_table_set_int:
 * @value: in the column's unit: fen, Wh, litres, µs, 0.01 %…
 *
 * Sets a number cell; not for text columns.
 */
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

/**
 * md_report_table_set_null:
 *
 * Empties a cell.
 */
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

/**
 * md_report_table_get_value:
 *
 * Returns: (transfer none): the cell; null when nothing was set
 */
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

/**
 * md_report_table_has_totals:
 *
 * Returns: whether md_report_table_compute_totals() ran
 */
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

/**
 * md_report_table_get_n_charts:
 *
 * Returns: how many charts the printed report draws
 */
guint
md_report_table_get_n_charts (MdReportTable *self)
{
  return self->charts->len;
}

/**
 * md_report_table_get_chart:
 *
 * Returns: (transfer none): the chart @index
 */
const MdReportChart *
md_report_table_get_chart (MdReportTable *self,
                           guint          index)
{
  g_return_val_if_fail (index < self->charts->len, NULL);

  return self->charts->pdata[index];
}
