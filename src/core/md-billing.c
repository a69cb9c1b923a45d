/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-billing.h"
#include "md-billing-private.h"
#include "md-tariff-private.h"

/*
 * Billing of readings (后台计费).
 *
 * A plan turns a tariff history over a time range into a sorted array of
 * segments, each a stretch of time with one rate, one version and one tier
 * period, computed once per local day (the zone is consulted per day, not per
 * reading). Billing then walks readings and segments together: an interval
 * inside one segment costs two comparisons and an addition; an interval
 * across segments is split pro rata in time with a cumulative floor, so the
 * parts are whole Wh and add up to the interval's energy exactly.
 *
 * Quantities accumulate per version, rate and block; money is computed once
 * per run from them, component by component, by cumulative rounding with the
 * sub-fen residual kept in MdBillState (see charge()). docs/tariffs.md gives
 * the reasons.
 */

#define FEN_DIVISOR   100000  /* price (10⁻⁴ yuan) × Wh (10⁻³) = 10⁻⁷ yuan */
#define MAX_SPAN      (G_GINT64_CONSTANT (100) * 366 * 86400)
#define NO_VERSION    G_MAXUINT

static gint64
local_time (GTimeZone *zone,
            GDate     *date,
            guint      minutes)
{
  g_autoptr(GDateTime) dt = g_date_time_new (zone, g_date_get_year (date),
                                             g_date_get_month (date), g_date_get_day (date),
                                             (int) (minutes / 60), (int) (minutes % 60), 0);
  return g_date_time_to_unix (dt);
}

static void
push_segment (GArray *segments,
              gint64  start,
              gint64  tier_start,
              guint   version,
              MdRate  rate)
{
  Segment seg = { start, tier_start, (guint16) version, (guint8) rate };

  if (segments->len > 0)
    {
      Segment *last = &g_array_index (segments, Segment, segments->len - 1);

      /* A local time skipped by a clock change can give an empty segment. */
      if (start <= last->start)
        {
          seg.start = last->start;
          *last = seg;
          return;
        }
      if (last->tier_start == tier_start && last->version == version && last->rate == rate)
        return;
    }
  g_array_append_val (segments, seg);
}

static void
add_version_segments (MdBillPlan *self,
                      guint       vi,
                      gint64      start,
                      gint64      end)
{
  MdTariff *t = self->versions[vi].tariff;
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (start);
  g_autoptr(GDateTime) first = g_date_time_to_timezone (utc, t->zone);
  GDate date;
  gint64 day_start;
  int y, m, d;

  g_date_time_get_ymd (first, &y, &m, &d);
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
  day_start = local_time (t->zone, &date, 0);

  while (day_start < end)
    {
      const MdTouTable *table = _md_tariff_table_for_date (t, &date);
      gint64 tier_start = md_tariff_tier_period_start (t, day_start);
      GDate next = date;
      gint64 next_start;
      gboolean uniform;

      g_date_add_days (&next, 1);
      next_start = local_time (t->zone, &next, 0);
      uniform = next_start - day_start == 86400;

      for (guint i = 0; i < table->n_periods; i++)
        {
          const MdPeriod *p = &table->periods[i];
          gint64 s = uniform ? day_start + p->start * 60 : local_time (t->zone, &date, p->start);
          gint64 e = p->end == 24 * 60 ? next_start :
                     uniform ? day_start + p->end * 60 : local_time (t->zone, &date, p->end);

          if (e <= start)
            continue;
          if (s >= end)
            break;
          push_segment (self->segments, MAX (s, start), tier_start, vi, p->rate);
        }

      date = next;
      day_start = next_start;
    }
}

/**
 * md_bill_plan_new:
 * @history: the tariff's versions
 * @from: first time to bill (Unix time of the first reading)
 * @to: last time to bill (Unix time of the last reading)
 *
 * Precomputes the time-of-use periods, tier periods and version changes over
 * [@from, @to]. A plan is immutable and can be shared by threads billing
 * different meters on the same tariff.
 *
 * Returns: (transfer full) (nullable): the plan, or %NULL with
 *   %MD_TARIFF_ERROR_NOT_IN_FORCE if no version is in force at @from
 */
MdBillPlan *
md_bill_plan_new (MdTariffHistory  *history,
                  gint64            from,
                  gint64            to,
                  GError          **error)
{
  g_autoptr(MdBillPlan) self = NULL;
  guint n = 0;
  guint first = 0;
  Segment sentinel = { G_MAXINT64, 0, 0, 0 };

  g_return_val_if_fail (history != NULL, NULL);
  g_return_val_if_fail (from <= to, NULL);

  if (to - from > MAX_SPAN)
    {
      g_set_error_literal (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_READINGS,
                           _("The readings span more than 100 years"));
      return NULL;
    }
  if (md_tariff_history_lookup (history, from, error) == NULL)
    return NULL;

  n = md_tariff_history_get_n_versions (history);
  while (first + 1 < n &&
         md_tariff_get_valid_from (md_tariff_history_get_version (history, first + 1)) <= from)
    first++;

  self = g_new0 (MdBillPlan, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->from = from;
  self->to = to;
  self->versions = g_new0 (PlanVersion, n - first);
  self->segments = g_array_new (FALSE, FALSE, sizeof (Segment));

  for (guint v = first; v < n; v++)
    {
      MdTariff *t = md_tariff_history_get_version (history, v);
      gint64 start = MAX (from, t->valid_from);
      gint64 end = v + 1 < n ?
                   MIN (md_tariff_get_valid_from (md_tariff_history_get_version (history, v + 1)),
                        to + 1) :
                   to + 1;
      guint vi;

      if (t->valid_from > to)
        break;
      vi = self->n_versions++;
      self->versions[vi].tariff = md_tariff_ref (t);
      for (guint r = 0; r < MD_N_RATES; r++)
        for (guint k = 0; k < t->n_tiers; k++)
          for (guint c = 0; c < t->n_components; c++)
            self->versions[vi].prices[r][k][c] =
              md_tariff_get_component_price (t, c, (MdRate) r, k);
      if (start < end)
        add_version_segments (self, vi, start, end);
    }
  g_array_append_val (self->segments, sentinel);

  return g_steal_pointer (&self);
}

MdBillPlan *
md_bill_plan_ref (MdBillPlan *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
md_bill_plan_unref (MdBillPlan *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  for (guint i = 0; i < self->n_versions; i++)
    md_tariff_unref (self->versions[i].tariff);
  g_free (self->versions);
  g_array_unref (self->segments);
  g_free (self);
}

/**
 * md_bill_plan_get_n_segments:
 *
 * Returns: how many stretches of constant rate, version and tier period the
 *   plan holds (for diagnostics and the benchmark)
 */
guint
md_bill_plan_get_n_segments (MdBillPlan *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->segments->len - 1;
}

/**
 * md_bill_state_init:
 * @state: (out caller-allocates): the state of an account not billed before
 * @start_use: use already counted in the tier period of the first reading
 *   (the CLI's `--start-use`)
 */
void
md_bill_state_init (MdBillState *state,
                    MdEnergy     start_use)
{
  g_return_if_fail (state != NULL);
  g_return_if_fail (start_use >= 0);

  memset (state, 0, sizeof *state);
  state->used = start_use;
}

/* Money for @quantity at @price, given the sub-fen residual of all that was
 * charged before on the same rate, block and component. With X the exact
 * cumulative cost (10⁻⁷ yuan, X ≡ residual mod 10⁵), the charge is
 * round(X + price·q) − round(X): the rounding of the cumulative total, so
 * runs add up to exactly what one run over the same readings charges. All
 * values are ≥ 0, where md_div_round() is round-half-up and shifting by
 * whole fen commutes with it. */
static gboolean
charge (MdPrice    price,
        MdEnergy   quantity,
        gint32    *residual,
        MdMoney   *out,
        GError   **error)
{
  gint64 part = *residual + price * (quantity % FEN_DIVISOR);
  MdMoney whole;
  gint64 before;
  gint64 after;

  if (!md_money_mul (price, quantity / FEN_DIVISOR, &whole, error) ||
      !md_div_round (*residual, FEN_DIVISOR, &before, error) ||
      !md_div_round (part, FEN_DIVISOR, &after, error))
    return FALSE;
  *residual = (gint32) (part % FEN_DIVISOR);
  return md_money_add (whole, after - before, out, error);
}

typedef struct
{
  MdBillPlan         *plan;
  MdBillState         st;
  MdBill             *bill;
  guint               version;
  const PlanVersion  *pv;
  guint               tier;
  MdEnergy            tier_end;
  MdEnergy            qty[MD_N_RATES][MD_TARIFF_MAX_TIERS];
} Run;

static gboolean
flush (Run     *run,
       GError **error)
{
  MdBill *bill = run->bill;
  MdTariff *t;
  guint bill_version;

  if (run->version == NO_VERSION)
    return TRUE;

  t = run->pv->tariff;
  bill_version = bill->versions->len;
  g_ptr_array_add (bill->versions, md_tariff_ref (t));

  for (guint r = 0; r < MD_N_RATES; r++)
    for (guint k = 0; k < t->n_tiers; k++)
      {
        MdBillLine line = { bill_version, (MdRate) r, k, run->qty[r][k], 0, 0, { 0 } };

        if (line.quantity == 0)
          continue;
        if (!(t->rates_defined & (1u << r)))
          {
            g_set_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_READINGS,
                         _("The meter counted energy at the %s rate, "
                           "which tariff “%s” does not have"),
                         md_rate_get_label ((MdRate) r), t->id);
            return FALSE;
          }
        line.price = md_tariff_get_price (t, (MdRate) r, k);
        for (guint c = 0; c < t->n_components; c++)
          if (!charge (run->pv->prices[r][k][c], line.quantity, &run->st.residual[r][k][c],
                       &line.components[c], error) ||
              !md_money_add (line.amount, line.components[c], &line.amount, error))
            return FALSE;

        bill->energy += line.quantity;
        bill->energy_by_rate[r] += line.quantity;
        bill->energy_by_tier[k] += line.quantity;
        bill->amount_by_rate[r] += line.amount;
        bill->amount_by_tier[k] += line.amount;
        if (!md_money_add (bill->total, line.amount, &bill->total, error))
          return FALSE;
        g_array_append_val (bill->lines, line);
        run->qty[r][k] = 0;
      }
  return TRUE;
}

static void
set_tier_cursor (Run *run)
{
  MdTariff *t = run->pv->tariff;

  run->tier = md_tariff_tier_for_use (t, run->st.used);
  run->tier_end = t->tiers[run->tier].to;
}

/* Entering a segment of another version or tier period. */
static gboolean
enter (Run           *run,
       const Segment *seg,
       GError       **error)
{
  if (seg->version != run->version)
    {
      gint64 valid_from;

      if (!flush (run, error))
        return FALSE;
      run->version = seg->version;
      run->pv = &run->plan->versions[seg->version];
      valid_from = run->pv->tariff->valid_from;
      /* Residuals belong to the version that left them. */
      if (!run->st.has_version || run->st.version != valid_from)
        {
          memset (run->st.residual, 0, sizeof run->st.residual);
          run->st.has_version = TRUE;
          run->st.version = valid_from;
        }
    }
  if (!run->st.tier_known || seg->tier_start != run->st.tier_start)
    {
      if (run->st.tier_known)
        run->st.used = 0;
      run->st.tier_known = TRUE;
      run->st.tier_start = seg->tier_start;
    }
  set_tier_cursor (run);
  return TRUE;
}

/* @e Wh at @rate into the blocks, from the cursor on. */
static inline void
add_energy (Run      *run,
            MdRate    rate,
            MdEnergy  e)
{
  while (G_UNLIKELY (e >= run->tier_end - run->st.used))
    {
      MdEnergy take = run->tier_end - run->st.used;

      run->qty[rate][run->tier] += take;
      run->st.used = run->tier_end;
      e -= take;
      run->tier++;
      run->tier_end = run->pv->tariff->tiers[run->tier].to;
    }
  run->qty[rate][run->tier] += e;
  run->st.used += e;
}

static inline gboolean
same_key (const Run     *run,
          const Segment *seg)
{
  return seg->version == run->version && seg->tier_start == run->st.tier_start &&
         run->st.tier_known;
}

static const Segment *
find_segment (MdBillPlan *plan,
              gint64      time)
{
  const Segment *segs = (const Segment *) plan->segments->data;
  guint lo = 0;
  guint hi = plan->segments->len - 1;

  /* The last segment whose start is ≤ @time; segs[hi] is the sentinel. */
  while (hi - lo > 1)
    {
      guint mid = (lo + hi) / 2;

      if (segs[mid].start <= time)
        lo = mid;
      else
        hi = mid;
    }
  return &segs[lo];
}

/* Cumulative floor: piece i gets ⌊E·c_i/D⌋ − ⌊E·c_{i−1}/D⌋ where c_i is the
 * time up to the end of piece i; the pieces add up to E exactly. */
static inline MdEnergy
share (MdEnergy  e,
       gint64    elapsed,
       gint64    duration,
       MdEnergy *given)
{
  MdEnergy upto = (MdEnergy) ((__int128) e * elapsed / duration);
  MdEnergy part = upto - *given;

  *given = upto;
  return part;
}

static gboolean
bill_interval_split (Run            *run,
                     const Segment **cursor,
                     gint64          t0,
                     gint64          t1,
                     MdEnergy        e,
                     GError        **error)
{
  const Segment *s = *cursor;
  gint64 elapsed = 0;
  MdEnergy given = 0;

  for (;;)
    {
      gint64 end = MIN (s[1].start, t1);

      elapsed += end - MAX (s->start, t0);
      if (!same_key (run, s) && !enter (run, s, error))
        return FALSE;
      add_energy (run, (MdRate) s->rate, share (e, elapsed, t1 - t0, &given));
      if (end == t1)
        break;
      s++;
    }
  if (t1 == s[1].start)
    s++;
  *cursor = s;
  return TRUE;
}

static MdBill *
bill_new (gint64 from)
{
  MdBill *bill = g_new0 (MdBill, 1);

  bill->from = from;
  bill->to = from;
  bill->versions = g_ptr_array_new_with_free_func ((GDestroyNotify) md_tariff_unref);
  bill->lines = g_array_new (FALSE, FALSE, sizeof (MdBillLine));
  return bill;
}

static gboolean
reading_error (GError     **error,
               gsize        index,
               const char  *reason)
{
  g_set_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_READINGS,
               _("Reading %lu: %s"), (gulong) index + 1, reason);
  return FALSE;
}

/* Where the run starts: the state's last reading, or the first reading.
 * Returns the index of the first reading that ends an interval. */
static gboolean
open_run (Run          *run,
          gint64        first_time,
          gboolean      first_matches,
          gboolean      rate_registers,
          gsize        *skip,
          GError      **error)
{
  MdBillState *st = &run->st;

  if (!st->has_last)
    {
      *skip = 1;
      return TRUE;
    }
  if (st->rate_registers != rate_registers)
    {
      g_set_error_literal (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_STATE,
                           _("The billing state is for another kind of register"));
      return FALSE;
    }
  if (first_time < st->last_time)
    {
      g_set_error_literal (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_STATE,
                           _("The readings start before the last reading billed"));
      return FALSE;
    }
  if (first_time == st->last_time && !first_matches)
    {
      g_set_error_literal (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_STATE,
                           _("The first reading differs from the last reading "
                             "billed at the same time"));
      return FALSE;
    }
  *skip = first_time == st->last_time ? 1 : 0;
  return TRUE;
}

static MdBill *
close_run (Run          *run,
           MdBillState  *state,
           GError      **error)
{
  g_autoptr(MdBill) bill = run->bill;

  if (!flush (run, error))
    return NULL;
  *state = run->st;
  return g_steal_pointer (&bill);
}

/**
 * md_bill_readings:
 * @plan: a plan covering the readings (and the state's last reading)
 * @readings: (array length=n_readings): cumulative register readings,
 *   strictly increasing in time, never going backwards
 * @state: (inout): the account's billing state: md_bill_state_init() before
 *   the first run; updated only on success
 *
 * Bills the intervals between consecutive readings. Without a last reading
 * in @state, the first reading only opens the series; with one, the first
 * interval starts at it (a first reading at the same time must repeat it).
 *
 * Returns: (transfer full) (nullable): the bill, or %NULL with
 *   %MD_TARIFF_ERROR_READINGS, %MD_TARIFF_ERROR_STATE or an overflow
 */
MdBill *
md_bill_readings (MdBillPlan       *plan,
                  const MdReading  *readings,
                  gsize             n_readings,
                  MdBillState      *state,
                  GError          **error)
{
  Run run = { 0 };
  const Segment *seg;
  gint64 t0;
  MdEnergy v0;
  gsize i;

  g_return_val_if_fail (plan != NULL, NULL);
  g_return_val_if_fail (readings != NULL || n_readings == 0, NULL);
  g_return_val_if_fail (state != NULL, NULL);

  run.plan = plan;
  run.st = *state;
  run.version = NO_VERSION;

  if (n_readings == 0)
    return bill_new (state->has_last ? state->last_time : plan->from);
  if (!open_run (&run, readings[0].time,
                 state->has_last && readings[0].value == state->last_value, FALSE, &i, error))
    return NULL;

  t0 = state->has_last ? state->last_time : readings[0].time;
  v0 = state->has_last ? state->last_value : readings[0].value;
  if (t0 < plan->from || readings[n_readings - 1].time > plan->to)
    {
      g_set_error_literal (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_READINGS,
                           _("The readings fall outside the billing plan"));
      return NULL;
    }
  if (v0 < 0 || readings[n_readings - 1].value > MD_ENERGY_MAX)
    {
      reading_error (error, 0, _("the register is out of range"));
      return NULL;
    }

  run.bill = bill_new (t0);
  seg = find_segment (plan, t0);

  for (; i < n_readings; i++)
    {
      gint64 t1 = readings[i].time;
      MdEnergy v1 = readings[i].value;
      MdEnergy e = v1 - v0;

      if (G_UNLIKELY (t1 <= t0))
        {
          reading_error (error, i, _("the time does not move forward"));
          goto fail;
        }
      if (G_UNLIKELY (e < 0))
        {
          reading_error (error, i, _("the register goes backwards"));
          goto fail;
        }

      if (G_LIKELY (t1 <= seg[1].start))
        {
          if (G_UNLIKELY (!same_key (&run, seg)) && !enter (&run, seg, error))
            goto fail;
          add_energy (&run, (MdRate) seg->rate, e);
          if (t1 == seg[1].start)
            seg++;
        }
      else if (!bill_interval_split (&run, &seg, t0, t1, e, error))
        goto fail;

      t0 = t1;
      v0 = v1;
    }

  run.bill->to = t0;
  run.st.has_last = TRUE;
  run.st.rate_registers = FALSE;
  run.st.last_time = t0;
  run.st.last_value = v0;
  return close_run (&run, state, error);

fail:
  md_bill_free (run.bill);
  return NULL;
}

/* A rate-register interval: the meter says which rate, so time only places
 * the energy in versions and tier periods. Pieces are runs of segments with
 * one version and tier period; within a piece the rates enter the blocks in
 * the order sharp, peak, flat, valley. */
static gboolean
bill_rate_interval (Run                  *run,
                    const Segment       **cursor,
                    gint64                t0,
                    gint64                t1,
                    const MdEnergy       *e,
                    GError              **error)
{
  const Segment *s = *cursor;
  gint64 elapsed = 0;
  MdEnergy given[MD_N_RATES] = { 0 };

  for (;;)
    {
      const Segment *head = s;
      gint64 end;

      while (s[1].start < t1 && s[1].version == head->version &&
             s[1].tier_start == head->tier_start)
        s++;
      end = MIN (s[1].start, t1);
      elapsed += end - MAX (head->start, t0);
      if (!same_key (run, head) && !enter (run, head, error))
        return FALSE;
      for (guint r = 0; r < MD_N_RATES; r++)
        add_energy (run, (MdRate) r, share (e[r], elapsed, t1 - t0, &given[r]));
      if (end == t1)
        break;
      s++;
    }
  if (t1 == s[1].start)
    s++;
  *cursor = s;
  return TRUE;
}

/**
 * md_bill_rate_readings:
 * @plan: a plan covering the readings
 * @readings: (array length=n_readings): time-of-use register readings
 * @state: (inout): as for md_bill_readings()
 *
 * Bills a meter that keeps one register per rate: each register's energy is
 * priced at its rate; an interval across a version change or a tier period
 * start is split pro rata in time, per register.
 *
 * Returns: (transfer full) (nullable): the bill, or %NULL
 */
MdBill *
md_bill_rate_readings (MdBillPlan           *plan,
                       const MdRateReading  *readings,
                       gsize                 n_readings,
                       MdBillState          *state,
                       GError              **error)
{
  Run run = { 0 };
  const Segment *seg;
  gint64 t0;
  MdEnergy v0[MD_N_RATES];
  gsize i;

  g_return_val_if_fail (plan != NULL, NULL);
  g_return_val_if_fail (readings != NULL || n_readings == 0, NULL);
  g_return_val_if_fail (state != NULL, NULL);

  run.plan = plan;
  run.st = *state;
  run.version = NO_VERSION;

  if (n_readings == 0)
    return bill_new (state->has_last ? state->last_time : plan->from);
  if (!open_run (&run, readings[0].time,
                 state->has_last && memcmp (readings[0].values, state->last_values,
                                            sizeof state->last_values) == 0,
                 TRUE, &i, error))
    return NULL;

  t0 = state->has_last ? state->last_time : readings[0].time;
  memcpy (v0, state->has_last ? state->last_values : readings[0].values, sizeof v0);
  if (t0 < plan->from || readings[n_readings - 1].time > plan->to)
    {
      g_set_error_literal (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_READINGS,
                           _("The readings fall outside the billing plan"));
      return NULL;
    }
  for (guint r = 0; r < MD_N_RATES; r++)
    if (v0[r] < 0 || readings[n_readings - 1].values[r] > MD_ENERGY_MAX)
      {
        reading_error (error, 0, _("the register is out of range"));
        return NULL;
      }

  run.bill = bill_new (t0);
  seg = find_segment (plan, t0);

  for (; i < n_readings; i++)
    {
      gint64 t1 = readings[i].time;
      MdEnergy e[MD_N_RATES];

      if (t1 <= t0)
        {
          reading_error (error, i, _("the time does not move forward"));
          goto fail;
        }
      for (guint r = 0; r < MD_N_RATES; r++)
        if ((e[r] = readings[i].values[r] - v0[r]) < 0)
          {
            reading_error (error, i, _("the register goes backwards"));
            goto fail;
          }
      if (!bill_rate_interval (&run, &seg, t0, t1, e, error))
        goto fail;
      t0 = t1;
      memcpy (v0, readings[i].values, sizeof v0);
    }

  run.bill->to = t0;
  run.st.has_last = TRUE;
  run.st.rate_registers = TRUE;
  run.st.last_time = t0;
  memcpy (run.st.last_values, v0, sizeof v0);
  return close_run (&run, state, error);

fail:
  md_bill_free (run.bill);
  return NULL;
}

/**
 * md_bill_get_component_total:
 * @name: a component name ("energy" when the tariff lists none)
 *
 * Returns: the money of component @name over all lines and versions
 */
MdMoney
md_bill_get_component_total (MdBill     *bill,
                             const char *name)
{
  MdMoney sum = 0;

  g_return_val_if_fail (bill != NULL, 0);
  g_return_val_if_fail (name != NULL, 0);

  for (guint i = 0; i < bill->lines->len; i++)
    {
      const MdBillLine *line = &g_array_index (bill->lines, MdBillLine, i);
      MdTariff *t = g_ptr_array_index (bill->versions, line->version);

      for (guint c = 0; c < t->n_components; c++)
        if (g_str_equal (t->components[c].name, name))
          sum += line->components[c];
    }
  return sum;
}

void
md_bill_free (MdBill *bill)
{
  if (bill == NULL)
    return;
  g_ptr_array_unref (bill->versions);
  g_array_unref (bill->lines);
  g_free (bill);
}
