/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "md-billing.h"
#include "md-readings.h"

#include "test-tariff-util.h"

/* ----------------------------------------------------------------- billing */

/* Why the sums of @bill do not add up, or NULL. */
static const char *
bill_inconsistency (MdBill *bill)
{
  MdMoney lines = 0, rates = 0, tiers = 0, comps = 0;
  MdEnergy energy = 0;

  for (guint i = 0; i < bill->lines->len; i++)
    {
      const MdBillLine *l = &g_array_index (bill->lines, MdBillLine, i);
      MdTariff *t = g_ptr_array_index (bill->versions, l->version);
      MdMoney parts = 0;

      for (guint c = 0; c < md_tariff_get_n_components (t); c++)
        parts += l->components[c];
      if (parts != l->amount)
        return "the components of a line do not add up to it";
      if (l->price != md_tariff_get_price (t, l->rate, l->tier))
        return "a line's price is not the tariff's";
      lines += l->amount;
      energy += l->quantity;
    }
  for (guint r = 0; r < MD_N_RATES; r++)
    rates += bill->amount_by_rate[r];
  for (guint k = 0; k < MD_TARIFF_MAX_TIERS; k++)
    tiers += bill->amount_by_tier[k];

  /* Per component name, across versions. */
  {
    g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
    GHashTableIter iter;
    gpointer name;

    for (guint v = 0; v < bill->versions->len; v++)
      {
        MdTariff *t = g_ptr_array_index (bill->versions, v);

        for (guint c = 0; c < md_tariff_get_n_components (t); c++)
          g_hash_table_add (names, (gpointer) md_tariff_get_component_name (t, c));
      }
    g_hash_table_iter_init (&iter, names);
    while (g_hash_table_iter_next (&iter, &name, NULL))
      comps += md_bill_get_component_total (bill, name);
  }

  if (lines != bill->total)
    return "Σ lines ≠ total";
  if (rates != bill->total)
    return "Σ per rate ≠ total";
  if (tiers != bill->total)
    return "Σ per tier ≠ total";
  if (comps != bill->total)
    return "Σ per component ≠ total";
  if (energy != bill->energy)
    return "Σ quantities ≠ energy";
  return NULL;
}

static void
assert_bill_consistent (MdBill *bill)
{
  g_assert_null (bill_inconsistency (bill));
}

static MdBill *
bill_series (MdTariffHistory *h,
             const MdReading *r,
             gsize            n,
             MdEnergy         start_use)
{
  g_autoptr(MdBillPlan) plan = md_bill_plan_new (h, r[0].time, r[n - 1].time, NULL);
  g_autoptr(GError) error = NULL;
  MdBillState st;
  MdBill *bill;

  g_assert_nonnull (plan);
  md_bill_state_init (&st, start_use);
  bill = md_bill_readings (plan, r, n, &st, &error);
  g_assert_no_error (error);
  assert_bill_consistent (bill);
  return bill;
}

static MdEnergy
line_quantity (MdBill *bill,
               guint   version,
               MdRate  rate,
               guint   tier)
{
  for (guint i = 0; i < bill->lines->len; i++)
    {
      const MdBillLine *l = &g_array_index (bill->lines, MdBillLine, i);

      if (l->version == version && l->rate == rate && l->tier == tier)
        return l->quantity;
    }
  return 0;
}

typedef struct
{
  const char *file;
  MdEnergy    start_use;
  const char *t0;
  const char *t1;
  MdEnergy    energy;
  struct { MdRate rate; guint tier; MdEnergy quantity; } lines[6];
} IntervalCase;

static const IntervalCase interval_cases[] = {
  /* across midnight: 21:00-24:00 flat, then valley */
  { "res-2026.ini", 0, "2026-03-02T23:00:00", "2026-03-03T01:00:00", 10000,
    { { MD_RATE_FLAT, 0, 5000 }, { MD_RATE_VALLEY, 0, 5000 } } },
  { "res-2026.ini", 0, "2026-03-02T23:00:00", "2026-03-03T01:00:00", 7,
    { { MD_RATE_FLAT, 0, 3 }, { MD_RATE_VALLEY, 0, 4 } } },
  /* across a period edge at 08:00: the cumulative floor gives valley ⌊1001/2⌋ */
  { "res-2026.ini", 0, "2026-03-02T07:45:00", "2026-03-02T08:15:00", 1001,
    { { MD_RATE_VALLEY, 0, 500 }, { MD_RATE_FLAT, 0, 501 } } },
  /* three pieces: flat 1 h, sharp 2 h, flat 1 h */
  { "res-2026.ini", 0, "2026-03-02T09:00:00", "2026-03-02T13:00:00", 1000,
    { { MD_RATE_FLAT, 0, 500 }, { MD_RATE_SHARP, 0, 500 } } },
  /* exactly onto the tier boundary, then one Wh across it */
  { "res-2026.ini", 2879000, "2026-03-02T10:00:00", "2026-03-02T10:15:00", 1000,
    { { MD_RATE_SHARP, 0, 1000 } } },
  { "res-2026.ini", 2879999, "2026-03-02T10:00:00", "2026-03-02T10:15:00", 2,
    { { MD_RATE_SHARP, 0, 1 }, { MD_RATE_SHARP, 1, 1 } } },
  /* the tier year restarts at midnight on 01-01 (flat until then) */
  { "res-2026.ini", 5000000, "2026-12-31T23:45:00", "2027-01-01T00:15:00", 1000,
    { { MD_RATE_FLAT, 2, 500 }, { MD_RATE_VALLEY, 0, 500 } } },
  /* the seasonal switch (and the monthly tier reset) at 07-01 00:00, with
   * 1 kWh left in June's first block */
  { "full.ini", 999000, "2026-06-30T12:00:00", "2026-07-01T12:00:00", 24000,
    { { MD_RATE_FLAT, 0, 4000 }, { MD_RATE_FLAT, 1, 5000 }, { MD_RATE_PEAK, 1, 4000 },
      { MD_RATE_VALLEY, 0, 8000 }, { MD_RATE_VALLEY, 1, 2000 }, { MD_RATE_SHARP, 0, 1000 } } },
  /* 29 February (a Tuesday), then the tier month restarts on 03-01 */
  { "full.ini", 999000, "2028-02-28T23:00:00", "2028-03-01T01:00:00", 26000,
    { { MD_RATE_VALLEY, 0, 2000 }, { MD_RATE_VALLEY, 1, 10000 }, { MD_RATE_FLAT, 1, 10000 },
      { MD_RATE_PEAK, 1, 4000 } } },
};

static void
test_billing_intervals (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (interval_cases); i++)
    {
      const IntervalCase *c = &interval_cases[i];
      g_autoptr(MdTariff) t = test_load_tariff (c->file);
      g_autoptr(MdTariffHistory) h = test_history_of (t, NULL);
      MdReading r[2] = { { test_unix_at (c->t0), 1000000 }, { test_unix_at (c->t1), 1000000 + c->energy } };
      g_autoptr(MdBill) bill = bill_series (h, r, 2, c->start_use);
      guint n = 0;

      g_assert_cmpint (bill->energy, ==, c->energy);
      for (guint l = 0; l < G_N_ELEMENTS (c->lines) && c->lines[l].quantity > 0; l++, n++)
        if (line_quantity (bill, 0, c->lines[l].rate, c->lines[l].tier) != c->lines[l].quantity)
          g_error ("case %u line %u: %s tier %u has %" G_GINT64_FORMAT, i, l,
                   md_rate_to_string (c->lines[l].rate), c->lines[l].tier + 1,
                   line_quantity (bill, 0, c->lines[l].rate, c->lines[l].tier));
      g_assert_cmpuint (bill->lines->len, ==, n);
    }
}

/* A zone with clock changes: 02:30 does not exist on 2026-03-29 in Berlin
 * and 02:30 happens twice on 2026-10-25. Billing across them still puts every
 * Wh somewhere and adds up. */
static void
test_billing_clock_change (void)
{
  static const char text[] =
    "[tariff]\nid=DST\nname=DST\nunit=kWh\nvalid-from=2026-01-01T00:00:00\n"
    "timezone=Europe/Berlin\n[rates]\nflat=0.3000\nvalley=0.1000\n"
    "[periods]\n00:00-02:30=valley\n02:30-24:00=flat\n";
  g_autoptr(MdTariff) t = test_tariff_from_text (text);
  g_autoptr(MdTariffHistory) h = test_history_of (t, NULL);
  g_autoptr(GTimeZone) berlin = g_time_zone_new_identifier ("Europe/Berlin");
  static const char * const days[] = { "2026-03-29", "2026-10-25" };

  for (guint i = 0; i < G_N_ELEMENTS (days); i++)
    {
      g_autofree char *a = g_strdup_printf ("%sT00:00:00", days[i]);
      g_autofree char *b = g_strdup_printf ("%sT06:00:00", days[i]);
      g_autoptr(GDateTime) da = g_date_time_new_from_iso8601 (a, berlin);
      g_autoptr(GDateTime) db = g_date_time_new_from_iso8601 (b, berlin);
      MdReading r[] = {
        { g_date_time_to_unix (da), 0 },
        { g_date_time_to_unix (da) + 3600, 1000 },
        { g_date_time_to_unix (db), 7000 },
      };
      g_autoptr(MdBill) bill = bill_series (h, r, G_N_ELEMENTS (r), 0);

      g_assert_cmpint (bill->energy, ==, 7000);
      g_assert_cmpint (bill->energy_by_rate[MD_RATE_VALLEY], >, 1000);
      g_assert_cmpint (bill->energy_by_rate[MD_RATE_FLAT], >, 0);
    }
}

static void
test_billing_money (void)
{
  g_autoptr(MdTariff) t = test_load_tariff ("res-2026.ini");
  g_autoptr(MdTariffHistory) h = test_history_of (t, NULL);
  MdReading r[] = {
    { test_unix_at ("2026-03-02T23:00:00"), 0 },
    { test_unix_at ("2026-03-03T01:00:00"), 10000 },
  };
  g_autoptr(MdBill) bill = bill_series (h, r, 2, 0);
  g_autoptr(JsonNode) json = md_bill_to_json (bill);
  g_autofree char *text = json_to_string (json, FALSE);

  /* 5 kWh × 0.5880 = 2.94 and 5 kWh × 0.3080 = 1.54 */
  g_assert_cmpint (bill->amount_by_rate[MD_RATE_FLAT], ==, 294);
  g_assert_cmpint (bill->amount_by_rate[MD_RATE_VALLEY], ==, 154);
  g_assert_cmpint (bill->total, ==, 448);
  g_assert_nonnull (strstr (text, "\"total\":\"4.48\""));
  g_assert_nonnull (strstr (text, "\"by_component\":{\"energy\":\"4.48\"}"));
  g_assert_nonnull (strstr (text, "\"from\":\"2026-03-02T23:00:00+08:00\""));
}

static const char v2_text[] =
  "[tariff]\nid=RES-2026\nname=居民生活用电\nunit=kWh\n"
  "valid-from=2026-07-01T12:00:00+08:00\ntimezone=Asia/Shanghai\n"
  "[rates]\nsharp=0.9800\npeak=0.8800\nflat=0.6880\nvalley=0.3080\n"
  "[periods]\n00:00-08:00=valley\n08:00-10:00=flat\n10:00-12:00=sharp\n12:00-17:00=flat\n"
  "17:00-21:00=peak\n21:00-24:00=flat\n"
  "[tiers]\nperiod=year\nstart=01-01\n0-2880=0\n2880-4800=0.0500\n4800-=0.3000\n"
  "[components]\nenergy=rest\nfunds=0.0290\n";

static void
test_billing_version_change (void)
{
  g_autoptr(MdTariff) v1 = test_load_tariff ("res-2026.ini");
  g_autoptr(MdTariff) v2 = test_tariff_from_text (v2_text);
  g_autoptr(MdTariffHistory) h = test_history_of (v1, v2, NULL);
  MdReading r[] = {
    { test_unix_at ("2026-07-01T11:30:00"), 5000 },
    { test_unix_at ("2026-07-01T12:30:00"), 6001 },
  };
  g_autoptr(MdBill) bill = bill_series (h, r, 2, 2879800);
  const MdBillLine *l;

  /* Half an hour of sharp under version 1, half an hour of flat under
   * version 2; the tier year goes on across the change. */
  g_assert_cmpuint (bill->versions->len, ==, 2);
  g_assert_true (g_ptr_array_index (bill->versions, 0) == v1);
  g_assert_true (g_ptr_array_index (bill->versions, 1) == v2);
  g_assert_cmpint (line_quantity (bill, 0, MD_RATE_SHARP, 0), ==, 200);
  g_assert_cmpint (line_quantity (bill, 0, MD_RATE_SHARP, 1), ==, 300);
  g_assert_cmpint (line_quantity (bill, 1, MD_RATE_FLAT, 1), ==, 501);
  g_assert_cmpuint (bill->lines->len, ==, 3);

  l = &g_array_index (bill->lines, MdBillLine, 2);
  g_assert_cmpint (l->price, ==, 6880 + 500);
  /* 0.501 kWh: funds 0.0290 → 0.0145 → 0.01; energy 0.7090 → 0.3552 → 0.36 */
  g_assert_cmpint (l->components[0], ==, 36);
  g_assert_cmpint (l->components[1], ==, 1);
  g_assert_cmpint (l->amount, ==, 37);
}

static void
test_billing_rate_registers (void)
{
  g_autoptr(MdTariff) v1 = test_load_tariff ("res-2026.ini");
  g_autoptr(MdTariff) v2 = test_tariff_from_text (v2_text);
  g_autoptr(MdTariffHistory) h = test_history_of (v1, v2, NULL);
  MdRateReading r[] = {
    { test_unix_at ("2026-07-01T11:30:00"), { 100, 200, 300, 400 } },
    { test_unix_at ("2026-07-01T12:30:00"), { 200, 200, 1301, 400 } },
  };
  g_autoptr(MdBillPlan) plan = md_bill_plan_new (h, r[0].time, r[1].time, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MdBill) bill = NULL;
  g_autoptr(MdTariff) flat = test_load_tariff ("flat.ini");
  g_autoptr(MdTariffHistory) hf = test_history_of (flat, NULL);
  g_autoptr(MdBillPlan) plan_f = NULL;
  g_autoptr(MdBill) none = NULL;
  MdBillState st;

  md_bill_state_init (&st, 0);
  bill = md_bill_rate_readings (plan, r, 2, &st, &error);
  g_assert_no_error (error);
  assert_bill_consistent (bill);
  g_assert_cmpint (line_quantity (bill, 0, MD_RATE_SHARP, 0), ==, 50);
  g_assert_cmpint (line_quantity (bill, 0, MD_RATE_FLAT, 0), ==, 500);
  g_assert_cmpint (line_quantity (bill, 1, MD_RATE_SHARP, 0), ==, 50);
  g_assert_cmpint (line_quantity (bill, 1, MD_RATE_FLAT, 0), ==, 501);
  g_assert_true (st.rate_registers);

  /* Energy on a register the tariff has no rate for is refused. */
  plan_f = md_bill_plan_new (hf, r[0].time, r[1].time, NULL);
  r[1].values[MD_RATE_VALLEY] = 500;
  md_bill_state_init (&st, 0);
  none = md_bill_rate_readings (plan_f, r, 2, &st, &error);
  g_assert_null (none);
  g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_READINGS);
}

static void
test_billing_errors (void)
{
  g_autoptr(MdTariff) t = test_load_tariff ("res-2026.ini");
  g_autoptr(MdTariffHistory) h = test_history_of (t, NULL);
  gint64 base = test_unix_at ("2026-03-02T00:00:00");
  g_autoptr(MdBillPlan) plan = md_bill_plan_new (h, base, base + 86400, NULL);
  MdReading backwards[] = { { base, 100 }, { base + 900, 99 } };
  MdReading still[] = { { base, 100 }, { base, 100 } };
  MdReading outside[] = { { base, 100 }, { base + 86401, 200 } };
  MdReading first[] = { { base, 100 }, { base + 900, 200 } };
  MdReading other[] = { { base + 900, 201 }, { base + 1800, 300 } };
  MdReading earlier[] = { { base + 600, 150 }, { base + 1800, 300 } };
  MdBillState st;
  MdBillState before;
  g_autoptr(GError) error = NULL;
  g_autoptr(MdBill) ok = NULL;

  md_bill_state_init (&st, 0);
  g_assert_null (md_bill_readings (plan, backwards, 2, &st, &error));
  g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_READINGS);
  g_clear_error (&error);
  g_assert_null (md_bill_readings (plan, still, 2, &st, &error));
  g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_READINGS);
  g_clear_error (&error);
  g_assert_null (md_bill_readings (plan, outside, 2, &st, &error));
  g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_READINGS);
  g_clear_error (&error);
  g_assert_false (st.has_last);

  ok = md_bill_readings (plan, first, 2, &st, &error);
  g_assert_no_error (error);
  before = st;
  g_assert_null (md_bill_readings (plan, other, 2, &st, &error));
  g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_STATE);
  g_clear_error (&error);
  g_assert_null (md_bill_readings (plan, earlier, 2, &st, &error));
  g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_STATE);
  g_clear_error (&error);
  /* A failed run leaves the state alone. */
  g_assert_cmpint (st.last_time, ==, before.last_time);
  g_assert_cmpint (st.used, ==, before.used);

  /* A damaged stored state is refused. */
  {
    g_autoptr(JsonNode) bad = json_from_string ("{\"used\":\"1.0\",\"version\":1,"
                                                "\"residuals\":[[0,0,0,100000]]}", NULL);
    g_autoptr(JsonNode) worse = json_from_string ("[1,2]", NULL);
    MdBillState loaded;

    g_assert_false (md_bill_state_from_json (bad, &loaded, &error));
    g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_STATE);
    g_clear_error (&error);
    g_assert_false (md_bill_state_from_json (worse, &loaded, &error));
    g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_STATE);
    g_clear_error (&error);
  }

  /* No version before 2026. */
  g_assert_null (md_bill_plan_new (h, test_unix_at ("2025-12-31T23:00:00"), base, &error));
  g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_NOT_IN_FORCE);
}

/* ------------------------------------------------------- halves property */

typedef struct
{
  gint64   version;
  MdRate   rate;
  guint    tier;
  MdEnergy quantity;
  MdMoney  amount;
  MdMoney  components[MD_TARIFF_MAX_COMPONENTS];
} Sum;

static void
add_bill (GArray *sums,
          MdBill *bill)
{
  for (guint i = 0; i < bill->lines->len; i++)
    {
      const MdBillLine *l = &g_array_index (bill->lines, MdBillLine, i);
      gint64 version = md_tariff_get_valid_from (g_ptr_array_index (bill->versions, l->version));
      Sum *s = NULL;

      for (guint j = 0; j < sums->len && s == NULL; j++)
        {
          Sum *x = &g_array_index (sums, Sum, j);

          if (x->version == version && x->rate == l->rate && x->tier == l->tier)
            s = x;
        }
      if (s == NULL)
        {
          Sum z = { version, l->rate, l->tier, 0, 0, { 0 } };

          g_array_append_val (sums, z);
          s = &g_array_index (sums, Sum, sums->len - 1);
        }
      s->quantity += l->quantity;
      s->amount += l->amount;
      for (guint c = 0; c < MD_TARIFF_MAX_COMPONENTS; c++)
        s->components[c] += l->components[c];
    }
}

static gboolean
sums_equal (GArray *a,
            GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      Sum *x = &g_array_index (a, Sum, i);
      gboolean found = FALSE;

      for (guint j = 0; j < b->len; j++)
        {
          Sum *y = &g_array_index (b, Sum, j);

          if (x->version == y->version && x->rate == y->rate && x->tier == y->tier)
            found = memcmp (x, y, sizeof *x) == 0;
        }
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static gboolean
states_equal (const MdBillState *a,
              const MdBillState *b)
{
  return a->has_last == b->has_last && a->last_time == b->last_time &&
         a->last_value == b->last_value && a->tier_known == b->tier_known &&
         a->tier_start == b->tier_start && a->used == b->used &&
         a->has_version == b->has_version && a->version == b->version &&
         memcmp (a->residual, b->residual, sizeof a->residual) == 0;
}

static MdTariffHistory *
random_history (GRand *rand)
{
  MdTariffHistory *h = md_tariff_history_new ();
  guint n = (guint) g_rand_int_range (rand, 1, 4);
  gint64 start = test_unix_at ("2026-01-01T00:00:00");

  for (guint v = 0; v < n; v++)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (start);
      g_autoptr(GTimeZone) zone = g_time_zone_new_identifier ("Asia/Shanghai");
      g_autoptr(GDateTime) local = g_date_time_to_timezone (dt, zone);
      g_autofree char *iso = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
      g_autofree char *text = test_random_tariff_text (rand, iso);
      g_autofree char *kwh = NULL;
      char *unit = strstr (text, "unit=m3");
      g_autoptr(MdTariff) t = NULL;

      if (unit != NULL)
        {
          g_auto(GStrv) parts = g_strsplit (text, "unit=m3", 2);

          kwh = g_strjoinv ("unit=kWh", parts);
        }
      t = test_tariff_from_text (kwh != NULL ? kwh : text);
      g_assert_true (md_tariff_history_add (h, t, NULL));
      start += g_rand_int_range (rand, 3600, 40 * 86400);
    }
  return h;
}

/* The same property for time-of-use registers: the interval energy spread
 * over the rates every version defines. */
static void
check_rate_halves (MdTariffHistory *h,
                   MdBillPlan      *plan,
                   const MdReading *r,
                   guint            n,
                   guint            k,
                   MdEnergy         start_use,
                   GRand           *rand,
                   guint32          seed,
                   guint            series)
{
  g_autofree MdRateReading *rr = g_new0 (MdRateReading, n);
  g_autoptr(MdBill) whole = NULL;
  g_autoptr(MdBill) first = NULL;
  g_autoptr(MdBill) second = NULL;
  g_autoptr(GArray) sum_whole = g_array_new (FALSE, TRUE, sizeof (Sum));
  g_autoptr(GArray) sum_halves = g_array_new (FALSE, TRUE, sizeof (Sum));
  g_autoptr(GError) error = NULL;
  MdBillState st_whole, st_half;
  guint allowed = 0xf;

  for (guint v = 0; v < md_tariff_history_get_n_versions (h); v++)
    for (guint rate = 0; rate < MD_N_RATES; rate++)
      if (!md_tariff_has_rate (md_tariff_history_get_version (h, v), (MdRate) rate))
        allowed &= ~(1u << rate);

  rr[0].time = r[0].time;
  for (guint j = 1; j < n; j++)
    {
      MdEnergy e = r[j].value - r[j - 1].value;

      rr[j] = rr[j - 1];
      rr[j].time = r[j].time;
      for (guint rate = 0; rate < MD_N_RATES && e > 0; rate++)
        if (allowed & (1u << rate))
          {
            MdEnergy part = rate == MD_RATE_VALLEY || rate == MD_RATE_FLAT ?
                            e : g_rand_int_range (rand, 0, (gint32) MIN (e, G_MAXINT32 - 1) + 1);

            rr[j].values[rate] += part;
            e -= part;
          }
      if (e > 0)
        rr[j].values[MD_RATE_FLAT] += e;
    }

  md_bill_state_init (&st_whole, start_use);
  whole = md_bill_rate_readings (plan, rr, n, &st_whole, &error);
  if (whole == NULL)
    g_error ("seed %u series %u: %s", seed, series, error->message);
  md_bill_state_init (&st_half, start_use);
  first = md_bill_rate_readings (plan, rr, k + 1, &st_half, &error);
  if (first == NULL)
    g_error ("seed %u series %u: %s", seed, series, error->message);
  second = md_bill_rate_readings (plan, rr + k, n - k, &st_half, &error);
  if (second == NULL)
    g_error ("seed %u series %u: %s", seed, series, error->message);
  if (bill_inconsistency (whole) != NULL || bill_inconsistency (first) != NULL ||
      bill_inconsistency (second) != NULL)
    g_error ("seed %u series %u: rate registers: a bill does not add up", seed, series);
  if (whole->energy != r[n - 1].value - r[0].value)
    g_error ("seed %u series %u: rate registers: energy billed ≠ registers moved", seed, series);

  add_bill (sum_whole, whole);
  add_bill (sum_halves, first);
  add_bill (sum_halves, second);
  if (!sums_equal (sum_whole, sum_halves) || st_whole.used != st_half.used ||
      memcmp (st_whole.residual, st_half.residual, sizeof st_whole.residual) != 0)
    g_error ("seed %u series %u: rate registers: halves at %u differ", seed, series, k);
}

/* Random histories and readings: every sum adds up, and billing a series in
 * two runs (the second with the first's state, through JSON) gives the same
 * lines and state as one run. */
static void
test_billing_properties (void)
{
  guint32 seed = g_test_rand_int ();
  GRand *rand = g_rand_new_with_seed (seed);
  guint n_series = g_test_slow () ? 100000 : 10000;
  guint64 intervals = 0;

  g_test_message ("seed %u, %u series", seed, n_series);
  for (guint i = 0; i < n_series; i++)
    {
      g_autoptr(MdTariffHistory) h = random_history (rand);
      guint n = (guint) g_rand_int_range (rand, 2, 200);
      g_autofree MdReading *r = g_new (MdReading, n);
      g_autoptr(MdBillPlan) plan = NULL;
      g_autoptr(MdBill) whole = NULL;
      g_autoptr(MdBill) first = NULL;
      g_autoptr(MdBill) second = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) sum_whole = g_array_new (FALSE, TRUE, sizeof (Sum));
      g_autoptr(GArray) sum_halves = g_array_new (FALSE, TRUE, sizeof (Sum));
      g_autoptr(JsonNode) json = NULL;
      MdEnergy start_use = g_rand_int_range (rand, 0, 10) == 0 ? 0 : g_rand_int_range (rand, 0,
                                                                                       6000000);
      MdBillState st_whole, st_half;
      guint k = (guint) g_rand_int_range (rand, 0, (gint32) n);

      r[0].time = test_unix_at ("2026-01-01T00:00:00") + g_rand_int_range (rand, 0, 86400 * 20);
      r[0].value = g_rand_int_range (rand, 0, 1000000);
      for (guint j = 1; j < n; j++)
        {
          gint64 step = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 1, 3 * 86400) :
                                                              900 * g_rand_int_range (rand, 1, 5);
          MdEnergy e = g_rand_int_range (rand, 0, 8) == 0 ? 0 :
                       g_rand_int_range (rand, 0, 8) == 0 ? g_rand_int_range (rand, 0, 2000000) :
                       g_rand_int_range (rand, 0, 3000);

          r[j].time = r[j - 1].time + step;
          r[j].value = r[j - 1].value + e;
        }
      intervals += n - 1;

      plan = md_bill_plan_new (h, r[0].time, r[n - 1].time, &error);
      if (plan == NULL)
        g_error ("seed %u series %u: %s", seed, i, error->message);

      md_bill_state_init (&st_whole, start_use);
      whole = md_bill_readings (plan, r, n, &st_whole, &error);
      if (whole == NULL)
        g_error ("seed %u series %u: %s", seed, i, error->message);
      if (bill_inconsistency (whole) != NULL)
        g_error ("seed %u series %u: %s", seed, i, bill_inconsistency (whole));
      if (whole->energy != r[n - 1].value - r[0].value)
        g_error ("seed %u series %u: energy billed ≠ register moved", seed, i);

      /* Split at reading k: the second run starts with that reading again
       * (or right after it), with the first run's state. */
      md_bill_state_init (&st_half, start_use);
      first = md_bill_readings (plan, r, k + 1, &st_half, &error);
      if (first == NULL)
        g_error ("seed %u series %u: %s", seed, i, error->message);
      json = md_bill_state_to_json (&st_half);
      memset (&st_half, 0xA5, sizeof st_half);
      g_assert_true (md_bill_state_from_json (json, &st_half, NULL));
      if (g_rand_boolean (rand))
        second = md_bill_readings (plan, r + k, n - k, &st_half, &error);
      else
        second = md_bill_readings (plan, r + k + 1, n - k - 1, &st_half, &error);
      if (second == NULL)
        g_error ("seed %u series %u: %s", seed, i, error->message);
      if (bill_inconsistency (first) != NULL || bill_inconsistency (second) != NULL)
        g_error ("seed %u series %u: a half does not add up", seed, i);

      add_bill (sum_whole, whole);
      add_bill (sum_halves, first);
      add_bill (sum_halves, second);
      if (first->total + second->total != whole->total || !sums_equal (sum_whole, sum_halves))
        g_error ("seed %u series %u: halves at %u give %" G_GINT64_FORMAT " + %" G_GINT64_FORMAT
                 " ≠ %" G_GINT64_FORMAT, seed, i, k, first->total, second->total, whole->total);
      if (!states_equal (&st_whole, &st_half))
        g_error ("seed %u series %u: states differ after halves at %u", seed, i, k);

      check_rate_halves (h, plan, r, n, k, start_use, rand, seed, i);
    }
  g_test_message ("%" G_GUINT64_FORMAT " intervals billed", intervals);
  g_rand_free (rand);
}

/* ---------------------------------------------------------------- readings */

static void
test_readings_parse (void)
{
  static const char csv[] =
    "# start-use=2880.5\n"
    "timestamp,kwh\n"
    "2026-03-02T00:00:00+08:00,100.000\n"
    "2026-03-02 00:15:00,100.5\n"
    "\"2026-03-02T00:30:00\",  101\n"
    "2026-03-01T16:45:00Z,101.001\n"
    "\n";
  static const char rates_csv[] =
    "timestamp,kwh,sharp,peak,flat,valley\r\n"
    "2026-03-02T00:00:00,10,1,2,3,4\r\n"
    "2026-03-02T01:00:00,11,1,2,3,5\r\n";
  g_autoptr(GTimeZone) zone = g_time_zone_new_identifier ("Asia/Shanghai");
  g_autoptr(GError) error = NULL;
  g_autoptr(MdReadings) r = md_readings_parse (csv, -1, zone, &error);
  g_autoptr(MdReadings) rr = NULL;
  g_autoptr(MdTariff) t = test_load_tariff ("res-2026.ini");
  g_autoptr(MdTariffHistory) h = test_history_of (t, NULL);
  g_autoptr(MdBillPlan) plan = NULL;
  g_autoptr(MdBill) bill = NULL;
  MdBillState st;

  g_assert_no_error (error);
  g_assert_true (r->has_start_use);
  g_assert_cmpint (r->start_use, ==, 2880500);
  g_assert_false (r->rate_registers);
  g_assert_cmpuint (r->readings->len, ==, 4);
  g_assert_cmpint (g_array_index (r->readings, MdReading, 1).time, ==,
                   test_unix_at ("2026-03-02T00:15:00"));
  g_assert_cmpint (g_array_index (r->readings, MdReading, 2).value, ==, 101000);
  g_assert_cmpint (g_array_index (r->readings, MdReading, 3).time, ==,
                   test_unix_at ("2026-03-02T00:45:00"));

  plan = md_bill_plan_new (h, test_unix_at ("2026-03-02T00:00:00"),
                           test_unix_at ("2026-03-02T00:45:00"),
                           NULL);
  md_bill_state_init (&st, r->start_use);
  bill = md_readings_bill (r, plan, &st, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bill->energy, ==, 1001);
  g_assert_cmpint (line_quantity (bill, 0, MD_RATE_VALLEY, 1), ==, 1001);

  rr = md_readings_parse (rates_csv, -1, zone, &error);
  g_assert_no_error (error);
  g_assert_true (rr->rate_registers);
  g_assert_true (rr->has_total);
  g_assert_cmpuint (rr->rate_readings->len, ==, 2);
  g_assert_cmpint (g_array_index (rr->rate_readings, MdRateReading, 1).values[MD_RATE_VALLEY],
                   ==, 5000);
}

static void
test_readings_bad (void)
{
  static const struct { const char *csv; guint line; const char *reason; } cases[] = {
    { "timestamp,kwh\n2026-03-02T00:00:00,10\n2026-03-02T00:15:00,9.999\n", 3, "backwards" },
    { "timestamp,kwh\n2026-03-02T00:00:00,10\n2026-03-02T00:00:00,11\n", 3, "repeats" },
    { "timestamp,kwh\n2026-03-02T00:15:00,10\n2026-03-02T00:00:00,11\n", 3, "before" },
    { "timestamp,kwh\n2026-03-02T00:00:00,1.0001\n", 2, "decimals" },
    { "timestamp,kwh\n2026-03-02T00:00:00,abc\n", 2, "not a number" },
    { "timestamp,kwh\n2026-03-02T00:00:00,-1\n", 2, "negative" },
    { "timestamp,kwh\n2026-03-02T00:00:00\n", 2, "fields" },
    { "timestamp,kwh\n2026-02-30T00:00:00,1\n", 2, "date and time" },
    { "timestamp,kwh\n2026-03-02T00:00:00.5,1\n", 2, "fraction" },
    { "# start-use=1\n\ntimestamp,kw\n", 3, "unknown column" },
    { "time,kwh\n", 1, "timestamp" },
    { "timestamp,kwh,sharp\n", 1, "all four" },
    { "# start-use=1.2345\ntimestamp,kwh\n", 1, "decimals" },
    { "timestamp,kwh\n2026-03-02T00:00:00,1\n\"2026-03-02T00:15:00,2\n", 3, "" },
    { "timestamp,kwh,sharp,peak,flat,valley\n2026-03-02T00:00:00,1,1,1,1,1\n"
      "2026-03-02T00:15:00,2,2,0,2,2\n", 3, "backwards" },
    { "timestamp,kwh\n2026-03-02T00:00:00,1\n2026-03-02T00:15:00,\xff\n", 3, "UTF-8" },
    { "# nothing\n", 1, "no header" },
  };
  g_autoptr(GTimeZone) zone = g_time_zone_new_identifier ("Asia/Shanghai");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MdReadings) r = md_readings_parse (cases[i].csv, -1, zone, &error);
      g_autofree char *prefix = g_strdup_printf ("line %u: ", cases[i].line);

      if (r != NULL)
        g_error ("case %u: accepted", i);
      g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_READINGS);
      if (!g_str_has_prefix (error->message, prefix) || !strstr (error->message, cases[i].reason))
        g_error ("case %u: got “%s”, expected “%s%s”", i, error->message, prefix, cases[i].reason);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("TZ", "Asia/Shanghai", TRUE);
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/core/billing/intervals", test_billing_intervals);
  g_test_add_func ("/meterdesk/core/billing/clock-change", test_billing_clock_change);
  g_test_add_func ("/meterdesk/core/billing/money", test_billing_money);
  g_test_add_func ("/meterdesk/core/billing/version-change", test_billing_version_change);
  g_test_add_func ("/meterdesk/core/billing/rate-registers", test_billing_rate_registers);
  g_test_add_func ("/meterdesk/core/billing/errors", test_billing_errors);
  g_test_add_func ("/meterdesk/core/billing/properties", test_billing_properties);
  g_test_add_func ("/meterdesk/core/billing/readings-parse", test_readings_parse);
  g_test_add_func ("/meterdesk/core/billing/readings-bad", test_readings_bad);

  return g_test_run ();
}
