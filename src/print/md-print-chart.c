/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "md-print-private.h"

/*
 * Line and bar charts of a report's columns against its periods. Values
 * stay integers in their unit (fen, Wh, litres); the axis steps are 1, 2
 * or 5 times a power of ten of that unit and are labelled with just the
 * decimals they need. Series differ by colour and, for lines, by dash, so
 * a black-and-white printer keeps them apart.
 */

struct _MdPrintChart
{
  gatomicrefcount    ref_count;
  MdReportChartKind  kind;
  char              *title;
  char              *family;
  char              *unit;
  MdReportType       type;
  guint              n_points;
  GStrv              labels;
  guint              n_series;
  GStrv              names;
  gint64            *values;   /* n_series × n_points */
};

static const double palette[][3] = {
  { 0.12, 0.38, 0.70 },
  { 0.90, 0.45, 0.05 },
  { 0.20, 0.60, 0.25 },
  { 0.75, 0.15, 0.20 },
};

/* Day labels of one year lose the year: "03-01". */
static void
shorten_labels (GStrv labels)
{
  guint n = g_strv_length (labels);

  if (n == 0)
    return;
  for (guint i = 0; i < n; i++)
    if (strlen (labels[i]) != 10 || strncmp (labels[i], labels[0], 5) != 0)
      return;
  for (guint i = 0; i < n; i++)
    memmove (labels[i], labels[i] + 5, 6);
}

/**
 * _md_print_chart_new:
 *
 * Returns: (transfer full): the chart @index of @table, with its data
 *   copied out of the table
 */
MdPrintChart *
_md_print_chart_new (MdReportTable *table,
                     guint          index,
                     const char    *family)
{
  const MdReportChart *spec = md_report_table_get_chart (table, index);
  MdPrintChart *chart = g_new0 (MdPrintChart, 1);
  guint rows = md_report_table_get_n_rows (table);

  g_atomic_ref_count_init (&chart->ref_count);
  chart->kind = spec->kind;
  chart->title = g_strdup (spec->title);
  chart->family = g_strdup (family);
  chart->n_points = rows;
  chart->n_series = spec->series->len;
  chart->labels = g_new0 (char *, rows + 1);
  chart->names = g_new0 (char *, chart->n_series + 1);
  chart->values = g_new0 (gint64, MAX (1, rows * chart->n_series));
  for (guint r = 0; r < rows; r++)
    chart->labels[r] = md_report_table_format (table, r, spec->x_column, MD_REPORT_STYLE_DISPLAY);
  shorten_labels (chart->labels);
  for (guint s = 0; s < chart->n_series; s++)
    {
      guint column = g_array_index (spec->series, guint, s);
      const MdReportColumn *c = md_report_table_get_column (table, column);

      chart->names[s] = g_strdup (c->label);
      chart->type = c->type;
      if (s == 0)
        chart->unit = g_strdup (c->unit);
      for (guint r = 0; r < rows; r++)
        {
          const MdReportValue *v = md_report_table_get_value (table, r, column);

          chart->values[s * rows + r] = v->is_null ? 0 : v->number;
        }
    }
  return chart;
}

MdPrintChart *
_md_print_chart_ref (MdPrintChart *chart)
{
  g_atomic_ref_count_inc (&chart->ref_count);
  return chart;
}

void
_md_print_chart_unref (MdPrintChart *chart)
{
  if (!g_atomic_ref_count_dec (&chart->ref_count))
    return;
  g_free (chart->title);
  g_free (chart->family);
  g_free (chart->unit);
  g_strfreev (chart->labels);
  g_strfreev (chart->names);
  g_free (chart->values);
  g_free (chart);
}

static guint
unit_decimals (MdReportType type)
{
  switch (type)
    {
    case MD_REPORT_TYPE_MONEY:
    case MD_REPORT_TYPE_PERCENT:
      return 2;
    case MD_REPORT_TYPE_ENERGY:
    case MD_REPORT_TYPE_VOLUME:
      return 3;
    case MD_REPORT_TYPE_PRICE:
      return 4;
    case MD_REPORT_TYPE_TEXT:
    case MD_REPORT_TYPE_COUNT:
    case MD_REPORT_TYPE_TIME:
    default:
      return 0;
    }
}

static gint64
pow10i (guint n)
{
  gint64 p = 1;

  while (n-- > 0)
    p *= 10;
  return p;
}

/* 1, 2 or 5 × 10^k units, the smallest giving at most @ticks steps. */
static gint64
nice_step (gint64 range,
           guint  ticks)
{
  gint64 raw = MAX (1, (range + ticks - 1) / ticks);
  gint64 p = 1;

  while (p <= raw / 10)
    p *= 10;
  if (p >= raw)
    return p;
  if (2 * p >= raw)
    return 2 * p;
  if (5 * p >= raw)
    return 5 * p;
  return 10 * p;
}

static char *
tick_text (MdReportType type,
           gint64       value,
           gint64       step)
{
  guint scale = unit_decimals (type);
  guint shown = scale;
  gint64 div = 1;

  /* Only the decimals the step needs: 10.000 kWh steps show "10". */
  while (shown > 0 && step % (div * 10) == 0)
    {
      div *= 10;
      shown--;
    }
  return md_decimal_format (value / div, shown);
}

static PangoLayout *
label_layout (const char *text,
              const char *family,
              int         size10,
              gboolean    bold)
{
  PangoLayout *layout = pango_layout_new (_md_print_context ());
  MdPrintFont font;

  _md_print_font_init (&font, family, size10, bold);
  pango_layout_set_font_description (layout, font.desc);
  pango_layout_set_text (layout, text, -1);
  _md_print_font_clear (&font);
  return layout;
}

static void
layout_size (PangoLayout *layout,
             double      *w,
             double      *h)
{
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  *w = (double) logical.width / PANGO_SCALE;
  *h = (double) logical.height / PANGO_SCALE;
}

static void
show_at (cairo_t     *cr,
         PangoLayout *layout,
         double       x,
         double       y)
{
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
}

/**
 * _md_print_chart_draw:
 *
 * Draws the chart inside the rectangle, clipped to it.
 */
void
_md_print_chart_draw (MdPrintChart *chart,
                      cairo_t      *cr,
                      double        x,
                      double        y,
                      double        width,
                      double        height)
{
  g_autoptr(PangoLayout) title = label_layout (chart->title, chart->family, 90, TRUE);
  gint64 lo = 0, hi = 0, step;
  double tw, th, lw, lh, legend_x, plot_x, plot_y, plot_w, plot_h, label_w = 0, tick_w = 0;
  guint n = chart->n_points, every = 1;

  cairo_save (cr);
  cairo_rectangle (cr, x, y, width, height);
  cairo_clip (cr);

  layout_size (title, &tw, &th);
  cairo_set_source_rgb (cr, 0, 0, 0);
  show_at (cr, title, x, y);

  /* The legend, right of the title. */
  legend_x = x + width;
  for (int s = (int) chart->n_series - 1; s >= 0; s--)
    {
      g_autoptr(PangoLayout) name = label_layout (chart->names[s], chart->family, 70, FALSE);
      const double *rgb = palette[s % G_N_ELEMENTS (palette)];

      layout_size (name, &lw, &lh);
      legend_x -= lw + 14;
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      cairo_rectangle (cr, legend_x, y + th / 2 - 3, 8, 6);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, 0, 0, 0);
      show_at (cr, name, legend_x + 10, y + (th - lh) / 2);
    }

  for (guint i = 0; i < n * chart->n_series; i++)
    {
      lo = MIN (lo, chart->values[i]);
      hi = MAX (hi, chart->values[i]);
    }
  if (hi == lo)
    hi = lo + pow10i (unit_decimals (chart->type));
  step = nice_step (hi - lo, 5);
  lo = lo < 0 ? -((-lo + step - 1) / step) * step : 0;
  hi = ((hi + step - 1) / step) * step;

  for (gint64 v = lo; v <= hi; v += step)
    {
      g_autofree char *text = tick_text (chart->type, v, step);
      g_autoptr(PangoLayout) tick = label_layout (text, chart->family, 65, FALSE);

      layout_size (tick, &lw, &lh);
      tick_w = MAX (tick_w, lw);
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PangoLayout) label = label_layout (chart->labels[i], chart->family, 65, FALSE);

      layout_size (label, &lw, &lh);
      label_w = MAX (label_w, lw);
    }

  plot_x = x + tick_w + 6;
  plot_y = y + th + lh + 6;   /* the unit goes between the title and the plot */
  plot_w = width - (plot_x - x) - 4;
  plot_h = height - (plot_y - y) - lh - 4;
  if (plot_w <= 10 || plot_h <= 10 || n == 0)
    {
      cairo_restore (cr);
      return;
    }
  while (every < n && (plot_w / n) * every < label_w + 4)
    every++;

  /* Grid and ticks. */
  cairo_set_line_width (cr, 0.4);
  for (gint64 v = lo; v <= hi; v += step)
    {
      g_autofree char *text = tick_text (chart->type, v, step);
      g_autoptr(PangoLayout) tick = label_layout (text, chart->family, 65, FALSE);
      double ty = plot_y + plot_h - (double) (v - lo) / (hi - lo) * plot_h;

      layout_size (tick, &lw, &lh);
      cairo_set_source_rgb (cr, 0, 0, 0);
      show_at (cr, tick, plot_x - 4 - lw, ty - lh / 2);
      cairo_set_source_rgb (cr, v == 0 ? 0.3 : 0.8, v == 0 ? 0.3 : 0.8, v == 0 ? 0.3 : 0.8);
      cairo_move_to (cr, plot_x, ty);
      cairo_line_to (cr, plot_x + plot_w, ty);
      cairo_stroke (cr);
    }
  if (chart->unit != NULL)
    {
      g_autoptr(PangoLayout) unit = label_layout (chart->unit, chart->family, 65, FALSE);

      cairo_set_source_rgb (cr, 0.3, 0.3, 0.3);
      show_at (cr, unit, plot_x, y + th + 2);
    }
  for (guint i = 0; i < n; i += every)
    {
      g_autoptr(PangoLayout) label = label_layout (chart->labels[i], chart->family, 65, FALSE);
      double cx = plot_x + (i + 0.5) * plot_w / n;

      layout_size (label, &lw, &lh);
      cairo_set_source_rgb (cr, 0, 0, 0);
      show_at (cr, label, CLAMP (cx - lw / 2, x, x + width - lw), plot_y + plot_h + 2);
    }

  for (guint s = 0; s < chart->n_series; s++)
    {
      const double *rgb = palette[s % G_N_ELEMENTS (palette)];
      const gint64 *values = chart->values + s * n;
      double zero = plot_y + plot_h - (double) (0 - lo) / (hi - lo) * plot_h;

      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      if (chart->kind == MD_REPORT_CHART_BAR)
        {
          double group = plot_w / n;
          double bar = group * 0.8 / chart->n_series;

          for (guint i = 0; i < n; i++)
            {
              double top = plot_y + plot_h - (double) (values[i] - lo) / (hi - lo) * plot_h;

              cairo_rectangle (cr, plot_x + i * group + group * 0.1 + s * bar, MIN (top, zero),
                               bar, fabs (zero - top));
            }
          cairo_fill (cr);
        }
      else
        {
          double dash[] = { 4.0, 2.5 };

          cairo_save (cr);
          cairo_set_line_width (cr, 1.2);
          if (s % 2 == 1)
            cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
          for (guint i = 0; i < n; i++)
            {
              double px = plot_x + (i + 0.5) * plot_w / n;
              double py = plot_y + plot_h - (double) (values[i] - lo) / (hi - lo) * plot_h;

              if (i == 0)
                cairo_move_to (cr, px, py);
              else
                cairo_line_to (cr, px, py);
            }
          cairo_stroke (cr);
          cairo_restore (cr);
          if (n <= 40)
            for (guint i = 0; i < n; i++)
              {
                double px = plot_x + (i + 0.5) * plot_w / n;
                double py = plot_y + plot_h - (double) (values[i] - lo) / (hi - lo) * plot_h;

                cairo_arc (cr, px, py, 1.6, 0, 2 * G_PI);
                cairo_fill (cr);
              }
        }
    }

  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_set_line_width (cr, 0.6);
  cairo_move_to (cr, plot_x, plot_y);
  cairo_line_to (cr, plot_x, plot_y + plot_h);
  cairo_line_to (cr, plot_x + plot_w, plot_y + plot_h);
  cairo_stroke (cr);
  cairo_restore (cr);
}
