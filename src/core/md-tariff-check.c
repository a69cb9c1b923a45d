/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-tariff.h"
#include "md-tariff-file-private.h"

/*
 * Checks that need the whole file: the periods of each day cover 24 h once,
 * named tables do not overlap, tiers are contiguous from 0 to open, the
 * components fit in every rate, required keys are there.
 */

gboolean
_md_tariff_fail (Parser     *p,
                 guint       line,
                 const char *format,
                 ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (p->error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_FILE, _("line %u: %s"), line, reason);
  return FALSE;
}

gboolean
_md_parse_two_digits (const char *s,
                      guint      *out)
{
  if (!g_ascii_isdigit (s[0]) || !g_ascii_isdigit (s[1]))
    return FALSE;
  *out = (guint) ((s[0] - '0') * 10 + (s[1] - '0'));
  return TRUE;
}

static char *
minutes_text (guint minutes)
{
  return g_strdup_printf ("%02u:%02u", minutes / 60, minutes % 60);
}

/* Sorts a table by start (stable, lines follow) and checks that it covers
 * 00:00-24:00 exactly once with defined rates. */
static gboolean
check_table (Parser *p,
             guint   idx)
{
  MdTouTable *table = &p->t->tables[idx];
  guint *lines = p->period_line[idx];
  guint expected = 0;
  guint last_line = 0;

  if (table->n_periods == 0)
    return _md_tariff_fail (p, p->table_line[idx], _("the table has no periods"));

  for (guint i = 1; i < table->n_periods; i++)
    for (guint j = i; j > 0 && table->periods[j - 1].start > table->periods[j].start; j--)
      {
        MdPeriod tp = table->periods[j];
        guint tl = lines[j];

        table->periods[j] = table->periods[j - 1];
        lines[j] = lines[j - 1];
        table->periods[j - 1] = tp;
        lines[j - 1] = tl;
      }

  for (guint i = 0; i < table->n_periods; i++)
    {
      const MdPeriod *period = &table->periods[i];
      g_autofree char *a = minutes_text (expected);
      g_autofree char *b = minutes_text (period->start);

      if (period->start > expected)
        return _md_tariff_fail (p, lines[i], _("gap in the periods from %s to %s"), a, b);
      if (period->start < expected)
        return _md_tariff_fail (p, lines[i], _("the period from %s overlaps the period before it"),
                                b);
      if (!(p->t->rates_defined & (1u << period->rate)))
        return _md_tariff_fail (p, lines[i], _("rate “%s” is not defined in [rates]"),
                                md_rate_to_string (period->rate));
      expected = period->end;
      last_line = lines[i];
    }
  if (expected != 24 * 60)
    {
      g_autofree char *a = minutes_text (expected);

      return _md_tariff_fail (p, last_line, _("the periods end at %s, not at 24:00"), a);
    }
  return TRUE;
}

static gboolean
check_named_tables (Parser *p)
{
  MdTariff *t = p->t;
  guint owner[13][32] = { { 0 } };
  guint days_owner[7] = { 0 };

  for (guint i = 1; i < t->n_tables; i++)
    {
      MdTouTable *table = &t->tables[i];
      gboolean day_kind = table->days != 0 || table->holidays != NULL;

      if (p->has_from[i] != p->has_to[i])
        return _md_tariff_fail (p, p->season_line[i], _("a season needs both from= and to="));
      if (table->seasonal && day_kind)
        return _md_tariff_fail (p, p->season_line[i],
                                _("a table is for a season (from=, to=) or for days "
                                  "(days=, holidays=), not both"));
      if (!table->seasonal && !day_kind)
        return _md_tariff_fail (p, p->table_line[i],
                                _("the table applies to no day: give from= and to=, "
                                  "or days= or holidays="));
      if (table->workdays != NULL && table->days == 0)
        return _md_tariff_fail (p, p->table_line[i], _("workdays= needs days="));

      if (table->seasonal)
        for (guint m = 1; m <= 12; m++)
          for (guint d = 1; d <= g_date_get_days_in_month ((GDateMonth) m, 2000); d++)
            {
              guint md = m * 100 + d;
              gboolean in = table->from_md <= table->to_md ?
                            (md >= table->from_md && md <= table->to_md) :
                            (md >= table->from_md || md <= table->to_md);

              if (!in)
                continue;
              if (owner[m][d] != 0)
                return _md_tariff_fail (p, p->season_line[i], _("the season overlaps [periods.%s]"),
                                        t->tables[owner[m][d]].name);
              owner[m][d] = i;
            }

      for (guint d = 0; d < 7; d++)
        if (table->days & (1u << d))
          {
            if (days_owner[d] != 0)
              return _md_tariff_fail (p, p->days_line[i], _("a day is already in [periods.%s]"),
                                      t->tables[days_owner[d]].name);
            days_owner[d] = i;
          }

      for (guint j = 1; j < i && table->holidays != NULL; j++)
        for (guint k = 0; t->tables[j].holidays != NULL && k < table->holidays->len; k++)
          for (guint l = 0; l < t->tables[j].holidays->len; l++)
            if (g_array_index (table->holidays, guint32, k) ==
                g_array_index (t->tables[j].holidays, guint32, l))
              return _md_tariff_fail (p, p->holidays_line[i],
                                      _("a holiday is already in [periods.%s]"),
                                      t->tables[j].name);

      for (guint k = 0; table->holidays != NULL && table->workdays != NULL &&
                        k < table->workdays->len; k++)
        for (guint l = 0; l < table->holidays->len; l++)
          if (g_array_index (table->workdays, guint32, k) ==
              g_array_index (table->holidays, guint32, l))
            return _md_tariff_fail (p, p->holidays_line[i],
                                    _("a date is both a holiday and a workday"));
    }
  return TRUE;
}

static gboolean
check_tiers (Parser *p)
{
  MdTariff *t = p->t;
  guint month = 1, day = 1;

  if (p->tiers_line == 0)
    {
      t->tier_period = MD_TIER_PERIOD_NONE;
      t->n_tiers = 1;
      t->tiers[0] = (MdTier) { 0, MD_TIER_OPEN, 0 };
      return TRUE;
    }
  if (p->tier_period_line == 0)
    return _md_tariff_fail (p, p->tiers_line, _("[tiers] needs period=month or period=year"));
  if (t->n_tiers == 0)
    return _md_tariff_fail (p, p->tiers_line, _("[tiers] has no tiers"));
  for (guint i = 1; i < t->n_tiers; i++)
    if (t->tiers[i].from < t->tiers[i - 1].from)
      return _md_tariff_fail (p, p->tier_line[i],
                              _("tiers are out of order: list them from 0 upwards"));
  if (t->tiers[0].from != 0)
    return _md_tariff_fail (p, p->tier_line[0], _("the first tier must start at 0"));
  for (guint i = 1; i < t->n_tiers; i++)
    {
      const MdTier *prev = &t->tiers[i - 1];
      g_autofree char *prev_to = NULL;

      if (prev->to == MD_TIER_OPEN)
        return _md_tariff_fail (p, p->tier_line[i], _("a tier follows the open tier of line %u"),
                                p->tier_line[i - 1]);
      prev_to = _md_quantity_to_text (prev->to);
      if (t->tiers[i].from > prev->to)
        return _md_tariff_fail (p, p->tier_line[i],
                                _("gap between tiers: the tier before ends at %s"),
                                prev_to);
      if (t->tiers[i].from < prev->to)
        return _md_tariff_fail (p, p->tier_line[i], _("tiers overlap: the tier before ends at %s"),
                                prev_to);
    }
  if (t->tiers[t->n_tiers - 1].to != MD_TIER_OPEN)
    return _md_tariff_fail (p, p->tier_line[t->n_tiers - 1],
                            _("the last tier must be open, like “4800-=0.3000”"));

  if (p->tier_start != NULL)
    {
      const char *s = p->tier_start;

      if (t->tier_period == MD_TIER_PERIOD_YEAR)
        {
          if (strlen (s) != 5 || s[2] != '-' || !_md_parse_two_digits (s, &month) ||
              !_md_parse_two_digits (s + 3, &day) ||
              !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, 2001))
            return _md_tariff_fail (p, p->tier_start_line,
                                    _("“%s” is not a start date for yearly tiers "
                                      "(MM-DD, not 02-29)"), s);
        }
      else if (strlen (s) != 2 || !_md_parse_two_digits (s, &day) || day < 1 || day > 28)
        return _md_tariff_fail (p, p->tier_start_line,
                                _("“%s” is not a start day for monthly tiers (01 to 28)"), s);
    }
  t->tier_start_month = month;
  t->tier_start_day = day;
  return TRUE;
}

static gboolean
check_components (Parser *p)
{
  MdTariff *t = p->t;
  MdPrice fixed = 0;
  gboolean has_rest = FALSE;

  if (p->components_line == 0)
    {
      t->n_components = 1;
      t->components[0] = (MdComponent) { g_strdup ("energy"), 0, TRUE };
      return TRUE;
    }
  for (guint i = 0; i < t->n_components; i++)
    {
      if (t->components[i].rest)
        has_rest = TRUE;
      else
        fixed += t->components[i].price;
    }
  if (!has_rest)
    return _md_tariff_fail (p, p->components_line,
                            _("one component must be “rest”: what is left of the price"));

  /* Surcharges are ≥ 0, so the base rates are the smallest prices. */
  for (guint r = 0; r < MD_N_RATES; r++)
    if ((t->rates_defined & (1u << r)) && fixed > t->rates[r])
      {
        g_autofree char *sum = md_price_format (fixed);
        g_autofree char *rate = md_price_format (t->rates[r]);

        return _md_tariff_fail (p, p->components_line,
                                _("the fixed components add up to %s, more than the %s rate %s"),
                                sum, md_rate_to_string ((MdRate) r), rate);
      }
  return TRUE;
}

gboolean
_md_tariff_parser_finish (Parser *p)
{
  MdTariff *t = p->t;
  g_autoptr(GDateTime) valid_from = NULL;

  if (p->tariff_line == 0)
    return _md_tariff_fail (p, p->last_line, _("the file has no [tariff] section"));
  if (t->id == NULL)
    return _md_tariff_fail (p, p->tariff_line, _("[tariff] needs id="));
  if (t->name == NULL)
    return _md_tariff_fail (p, p->tariff_line, _("[tariff] needs name="));
  if (p->unit_line == 0)
    return _md_tariff_fail (p, p->tariff_line, _("[tariff] needs unit="));
  if (p->valid_from == NULL)
    return _md_tariff_fail (p, p->tariff_line, _("[tariff] needs valid-from="));
  if (t->zone == NULL)
    t->zone = p->site_zone != NULL ? g_time_zone_ref (p->site_zone) : g_time_zone_new_local ();
  if (!(valid_from = g_date_time_new_from_iso8601 (p->valid_from, t->zone)))
    return _md_tariff_fail (p, p->valid_from_line,
                            _("“%s” is not a date and time (like 2026-01-01T00:00:00+08:00)"),
                            p->valid_from);
  {
    g_autoptr(GDateTime) local = g_date_time_to_timezone (valid_from, t->zone);

    /* Canonical text writes valid-from with a ±HH:MM offset and a 4-digit
     * year; old local mean times have offsets in seconds. */
    if (g_date_time_get_year (local) < 1970 ||
        g_date_time_get_utc_offset (local) % G_TIME_SPAN_MINUTE != 0)
      return _md_tariff_fail (p, p->valid_from_line, _("“%s” is before 1970"), p->valid_from);
  }
  t->valid_from = g_date_time_to_unix (valid_from);

  if (p->rates_line == 0)
    return _md_tariff_fail (p, p->last_line, _("the file has no [rates] section"));
  if (!(t->rates_defined & (1u << MD_RATE_FLAT)))
    return _md_tariff_fail (p, p->rates_line, _("[rates] needs flat="));

  t->time_of_use = p->has_default_table;
  if (!p->has_default_table)
    {
      for (guint r = 0; r < MD_N_RATES; r++)
        if (r != MD_RATE_FLAT && (t->rates_defined & (1u << r)))
          return _md_tariff_fail (p, p->rate_line[r], _("rate “%s” needs a [periods] table"),
                                  md_rate_to_string ((MdRate) r));
      if (t->n_tables > 1)
        return _md_tariff_fail (p, p->table_line[1], _("[periods.%s] needs a [periods] table"),
                                t->tables[1].name);
      t->tables[0].n_periods = 1;
      t->tables[0].periods[0] = (MdPeriod) { 0, 24 * 60, MD_RATE_FLAT };
    }
  else
    {
      for (guint i = 0; i < t->n_tables; i++)
        if (!check_table (p, i))
          return FALSE;
      if (!check_named_tables (p))
        return FALSE;
    }

  return check_tiers (p) && check_components (p);
}

