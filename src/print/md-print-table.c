/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-print-private.h"
#include "md-validate.h"

/*
 * A report table laid out to a width: a heading block (repeated at the top
 * of every page it continues on), one block per row, a totals block.
 * Columns get their natural width when they fit; text columns wrap before
 * numbers do; when even that is too wide the font shrinks, and at the
 * smallest size everything wraps. Nothing is ever cut.
 */

#define GAP 4.0        /* between columns */
#define PAD 1.5        /* above and below a row's text */
#define SAMPLES 12     /* values measured per column: the widest looking */

typedef struct
{
  guint    n_columns;
  guint    n_rows;      /* with the totals row, when printed */
  char   **texts;       /* n_rows × n_columns */
  char   **headings;
  gboolean *numeric;
  double  *widths;
} Plan;

static void
plan_clear (Plan *plan)
{
  for (guint i = 0; i < plan->n_rows * plan->n_columns; i++)
    g_free (plan->texts[i]);
  g_free (plan->texts);
  for (guint c = 0; c < plan->n_columns; c++)
    g_free (plan->headings[c]);
  g_free (plan->headings);
  g_free (plan->numeric);
  g_free (plan->widths);
}

static void
plan_init (Plan                    *plan,
           MdReportTable           *table,
           const MdPrintTableStyle *style)
{
  guint rows = md_report_table_get_n_rows (table);
  gboolean totals = style->totals && md_report_table_has_totals (table);

  plan->n_columns = md_report_table_get_n_columns (table);
  plan->n_rows = rows + (totals ? 1 : 0);
  plan->texts = g_new0 (char *, MAX (1, plan->n_rows * plan->n_columns));
  plan->headings = g_new0 (char *, MAX (1, plan->n_columns));
  plan->numeric = g_new0 (gboolean, MAX (1, plan->n_columns));
  plan->widths = g_new0 (double, MAX (1, plan->n_columns));

  for (guint c = 0; c < plan->n_columns; c++)
    {
      const MdReportColumn *column = md_report_table_get_column (table, c);
      const char *heading = style->heading != NULL ? style->heading (column, style->user_data)
                                                   : NULL;

      plan->headings[c] = heading != NULL ? g_strdup (heading) : md_report_column_heading (column);
      plan->numeric[c] = column->type != MD_REPORT_TYPE_TEXT &&
                         column->type != MD_REPORT_TYPE_TIME;
      for (guint r = 0; r < plan->n_rows; r++)
        {
          const MdReportValue *v = r < rows ? md_report_table_get_value (table, r, c)
                                            : md_report_table_get_total (table, c);
          char *text = md_report_format_value (column->type, v, style->style,
                                               md_report_table_get_timezone (table));

          for (char *p = text; *p; p++)
            if (*p == '\r' || *p == '\t')
              *p = ' ';
          plan->texts[r * plan->n_columns + c] = text;
        }
    }
}

/* The widest of a column's values, measuring only those that look widest. */
static double
values_width (const Plan        *plan,
              guint              column,
              const MdPrintFont *font,
              const MdPrintFont *bold)
{
  guint best[SAMPLES];
  guint best_width[SAMPLES];
  guint n = 0;
  double width = 0;

  for (guint r = 0; r < plan->n_rows; r++)
    {
      guint w = md_text_display_width (plan->texts[r * plan->n_columns + column]);
      guint slot;

      if (n < SAMPLES)
        slot = n++;
      else
        {
          slot = 0;
          for (guint i = 1; i < SAMPLES; i++)
            if (best_width[i] < best_width[slot])
              slot = i;
          if (best_width[slot] >= w)
            continue;
        }
      best[slot] = r;
      best_width[slot] = w;
    }
  for (guint i = 0; i < n; i++)
    {
      const char *text = plan->texts[best[i] * plan->n_columns + column];
      /* The totals row is bold. */
      const MdPrintFont *f = best[i] + 1 == plan->n_rows ? bold : font;

      width = MAX (width, _md_print_text_width (f, text));
    }
  return width;
}

static double
longest_word (const MdPrintFont *font,
              const char        *text)
{
  g_auto(GStrv) words = g_strsplit (text, " ", -1);
  double width = 0;

  for (guint i = 0; words[i] != NULL; i++)
    width = MAX (width, _md_print_text_width (font, words[i]));
  return width;
}

/* Widths at this size; FALSE when even wrapping text does not fit. */
static gboolean
plan_widths (Plan              *plan,
             double             width,
             const MdPrintFont *font,
             const MdPrintFont *bold,
             gboolean           last_resort,
             double            *out_natural)
{
  guint n = plan->n_columns;
  g_autofree double *natural = g_new0 (double, MAX (n, 1));
  g_autofree double *minimum = g_new0 (double, MAX (n, 1));
  double avail = width - GAP * (n > 0 ? n - 1 : 0);
  double sum_natural = 0, sum_minimum = 0, em = _md_print_text_width (font, "国");

  for (guint c = 0; c < n; c++)
    {
      double values = values_width (plan, c, font, bold);
      double heading = _md_print_text_width (bold, plan->headings[c]);
      double word = longest_word (bold, plan->headings[c]);

      natural[c] = MAX (values, heading);
      minimum[c] = plan->numeric[c] ? MAX (values, word) : MAX (word, MIN (values, 4 * em));
      sum_natural += natural[c];
      sum_minimum += minimum[c];
    }
  if (out_natural != NULL)
    *out_natural = sum_natural + GAP * (n > 0 ? n - 1 : 0);

  if (sum_natural <= avail)
    {
      double text_natural = 0;

      for (guint c = 0; c < n; c++)
        if (!plan->numeric[c])
          text_natural += natural[c];
      for (guint c = 0; c < n; c++)
        {
          double share = text_natural > 0 ? (plan->numeric[c] ? 0 : natural[c] / text_natural)
                                          : natural[c] / MAX (sum_natural, 1);

          plan->widths[c] = natural[c] + (avail - sum_natural) * share;
        }
      return TRUE;
    }
  if (sum_minimum <= avail)
    {
      double excess = sum_natural - avail;
      double room = sum_natural - sum_minimum;

      for (guint c = 0; c < n; c++)
        plan->widths[c] = natural[c] - (natural[c] - minimum[c]) * (excess / MAX (room, 1e-6));
      return TRUE;
    }
  if (!last_resort)
    return FALSE;
  for (guint c = 0; c < n; c++)
    plan->widths[c] = minimum[c] * avail / sum_minimum;
  return TRUE;
}

static void
move_to_back (MdPrintBlock *block)
{
  gpointer op = g_ptr_array_steal_index (block->ops, block->ops->len - 1);

  g_ptr_array_insert (block->ops, 0, op);
}

static MdPrintBlock *
row_block (const Plan        *plan,
           char       * const *texts,
           const MdPrintFont *font,
           gboolean           shade,
           gboolean           rule_above,
           gboolean           rule_below)
{
  MdPrintBlock *block = _md_print_block_new ();
  double x = 0, total_width = 0;

  for (guint c = 0; c < plan->n_columns; c++)
    {
      _md_print_block_text (block, x, PAD, texts[c], font, plan->widths[c],
                            plan->numeric[c] ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
      x += plan->widths[c] + GAP;
      total_width += plan->widths[c] + (c > 0 ? GAP : 0);
    }
  block->height = MAX (block->height, _md_print_font_height (font)) + PAD;
  if (shade)
    {
      _md_print_block_rect (block, 0, 0, total_width, block->height, 0.93);
      move_to_back (block);
    }
  if (rule_above)
    _md_print_block_rule (block, 0, 0, total_width, 0.6, FALSE);
  if (rule_below)
    {
      double height = block->height;

      _md_print_block_rule (block, 0, height, total_width, 0.6, FALSE);
      block->height = height + 0.6;
    }
  return block;
}

/**
 * _md_print_table_natural_width:
 *
 * Returns: the width the table would take without wrapping
 */
double
_md_print_table_natural_width (MdReportTable           *table,
                               const MdPrintTableStyle *style)
{
  Plan plan = { 0 };
  MdPrintFont font, bold;
  double natural = 0;

  plan_init (&plan, table, style);
  _md_print_font_init (&font, style->family, style->size10, FALSE);
  _md_print_font_init (&bold, style->family, style->size10, TRUE);
  plan_widths (&plan, G_MAXDOUBLE / 4, &font, &bold, TRUE, &natural);
  _md_print_font_clear (&font);
  _md_print_font_clear (&bold);
  plan_clear (&plan);
  return natural;
}

/**
 * _md_print_table_blocks:
 * @out_heading: (out): the heading row
 * @out_rows: (element-type MdPrintBlock): gets one block per row, then the
 *   totals
 *
 * Lays @table out @width points wide.
 */
gboolean
_md_print_table_blocks (MdReportTable            *table,
                        double                    width,
                        const MdPrintTableStyle  *style,
                        MdPrintBlock            **out_heading,
                        GPtrArray                *out_rows,
                        GError                  **error)
{
  Plan plan = { 0 };
  MdPrintFont font = { 0 }, bold = { 0 };
  gboolean fits = FALSE;
  guint data_rows = md_report_table_get_n_rows (table);

  plan_init (&plan, table, style);
  for (int size = style->size10; !fits; size -= 5)
    {
      gboolean last = size - 5 < style->min_size10;

      _md_print_font_clear (&font);
      _md_print_font_clear (&bold);
      _md_print_font_init (&font, style->family, size, FALSE);
      _md_print_font_init (&bold, style->family, size, TRUE);
      fits = plan_widths (&plan, width, &font, &bold, last, NULL);
    }

  *out_heading = row_block (&plan, plan.headings, &bold, FALSE, FALSE, TRUE);
  for (guint r = 0; r < plan.n_rows; r++)
    {
      gboolean totals = r >= data_rows;

      g_ptr_array_add (out_rows, row_block (&plan, plan.texts + r * plan.n_columns,
                                            totals ? &bold : &font,
                                            style->zebra && !totals && r % 2 == 1, totals,
                                            FALSE));
    }
  _md_print_font_clear (&font);
  _md_print_font_clear (&bold);
  plan_clear (&plan);
  return TRUE;
}
