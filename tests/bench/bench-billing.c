/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "md-billing.h"

/*
 * One year of 15-minute readings (35,040 intervals) for 10,000 meters on the
 * time-of-use + yearly tiers example tariff, on two threads sharing one plan.
 * Goal: ≤ 2 s wall on 2 cores. The figures are printed; the run fails only if
 * a bill does not add up or billing in two runs differs from one.
 *
 * The readings are made before the clock starts, as they would be read from
 * the database: 64 distinct series of a year, meter m bills series m % 64 with
 * its own start-use (so meters cross the tier boundaries at different times).
 */

#define INTERVALS 35040
#define N_SERIES  64

typedef struct
{
  MdBillPlan *plan;
  MdReading **series;
  guint       first_meter;
  guint       n_meters;
  /* results */
  MdMoney     total;
  MdEnergy    energy;
  gint64      bill_usec;
  guint       failures;
} Work;

static inline guint64
next_random (guint64 *s)
{
  /* xorshift64*: cheap enough not to weigh on the figure */
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * G_GUINT64_CONSTANT (2685821657736338717);
}

static void
make_readings (MdReading *r,
               gint64     start,
               guint      meter)
{
  guint64 s = G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) * (meter + 1);
  MdEnergy value = (MdEnergy) (next_random (&s) % 100000000);

  for (guint i = 0; i <= INTERVALS; i++)
    {
      r[i].time = start + (gint64) i * 900;
      r[i].value = value;
      /* 0 to 400 Wh a quarter hour: a household to a small shop */
      value += (MdEnergy) (next_random (&s) % 401);
    }
}

static gboolean
consistent (MdBill *bill)
{
  MdMoney lines = 0, rates = 0, tiers = 0;

  for (guint i = 0; i < bill->lines->len; i++)
    lines += g_array_index (bill->lines, MdBillLine, i).amount;
  for (guint r = 0; r < MD_N_RATES; r++)
    rates += bill->amount_by_rate[r];
  for (guint k = 0; k < MD_TARIFF_MAX_TIERS; k++)
    tiers += bill->amount_by_tier[k];
  return lines == bill->total && rates == bill->total && tiers == bill->total;
}

static gpointer
work_thread (gpointer data)
{
  Work *w = data;

  for (guint m = w->first_meter; m < w->first_meter + w->n_meters; m++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MdBill) bill = NULL;
      const MdReading *r = w->series[m % N_SERIES];
      MdBillState st;
      gint64 t0;

      md_bill_state_init (&st, (MdEnergy) (m % 3000) * 1000);

      t0 = g_get_monotonic_time ();
      bill = md_bill_readings (w->plan, r, INTERVALS + 1, &st, &error);
      w->bill_usec += g_get_monotonic_time () - t0;

      if (bill == NULL || !consistent (bill) || bill->energy != r[INTERVALS].value - r[0].value)
        {
          g_printerr ("meter %u: %s\n", m, error != NULL ? error->message : "sums do not add up");
          w->failures++;
          continue;
        }
      w->total += bill->total;
      w->energy += bill->energy;

      /* Every 1000th meter: the year in two runs gives the same money. */
      if (m % 1000 == 0)
        {
          g_autoptr(MdBill) a = NULL;
          g_autoptr(MdBill) b = NULL;
          guint k = 1 + (m / 1000) * 3001 % (INTERVALS - 1);

          md_bill_state_init (&st, (MdEnergy) (m % 3000) * 1000);
          a = md_bill_readings (w->plan, r, k + 1, &st, NULL);
          b = md_bill_readings (w->plan, r + k, INTERVALS + 1 - k, &st, NULL);
          if (a == NULL || b == NULL || a->total + b->total != bill->total)
            {
              g_printerr ("meter %u: two runs differ from one\n", m);
              w->failures++;
            }
        }
    }

  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MdTariff) tariff = NULL;
  g_autoptr(MdTariffHistory) history = md_tariff_history_new ();
  g_autoptr(MdBillPlan) plan = NULL;
  g_autoptr(GTimeZone) zone = g_time_zone_new_identifier ("Asia/Shanghai");
  g_autoptr(GDateTime) start_dt = g_date_time_new (zone, 2026, 1, 1, 0, 0, 0);
  const char *srcdir = g_getenv ("G_TEST_SRCDIR");
  guint n_meters = argc > 1 ? (guint) atoi (argv[1]) : 10000;
  Work work[2];
  GThread *threads[2];
  gint64 start = g_date_time_to_unix (start_dt);
  gint64 t0, t_plan, wall;
  guint failures = 0;
  MdMoney total = 0;
  MdEnergy energy = 0;
  double intervals;
  MdReading *series[N_SERIES];

  setlocale (LC_ALL, "C.UTF-8");
  path = g_build_filename (srcdir != NULL ? srcdir : "tests", "data", "tariffs", "res-2026.ini",
                           NULL);
  if (!(tariff = md_tariff_new_from_file (path, NULL, &error)) ||
      !md_tariff_history_add (history, tariff, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  for (guint i = 0; i < N_SERIES; i++)
    {
      series[i] = g_new (MdReading, INTERVALS + 1);
      make_readings (series[i], start, i);
    }

  t0 = g_get_monotonic_time ();
  plan = md_bill_plan_new (history, start, start + (gint64) INTERVALS * 900, &error);
  t_plan = g_get_monotonic_time () - t0;
  g_assert_no_error (error);

  for (guint i = 0; i < 2; i++)
    {
      memset (&work[i], 0, sizeof work[i]);
      work[i].plan = plan;
      work[i].series = series;
      work[i].first_meter = i * (n_meters / 2);
      work[i].n_meters = i == 0 ? n_meters / 2 : n_meters - n_meters / 2;
    }
  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("bill", work_thread, &work[i]);
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  wall = g_get_monotonic_time () - t0;

  for (guint i = 0; i < 2; i++)
    {
      failures += work[i].failures;
      total += work[i].total;
      energy += work[i].energy;
    }
  intervals = (double) n_meters * INTERVALS;

  {
    g_autofree char *money = md_money_format (total, MD_MONEY_STYLE_GROUPED);
    g_autofree char *kwh = md_energy_format (energy);

    g_print ("tariff %s, %u segments in the plan (built in %.1f ms)\n",
             md_tariff_get_id (tariff), md_bill_plan_get_n_segments (plan), t_plan / 1000.0);
    g_print ("%u meters × %d intervals = %.0f intervals on 2 threads\n",
             n_meters, INTERVALS, intervals);
    g_print ("wall %.3f s (goal ≤ 2 s: %s), %.1f M intervals/s\n", wall / 1e6,
             wall <= 2000000 ? "met" : "NOT met", intervals / (wall / 1e6) / 1e6);
    g_print ("in md_bill_readings(): %.3f s + %.3f s thread time, %.2f ns per interval\n",
             work[0].bill_usec / 1e6, work[1].bill_usec / 1e6,
             (work[0].bill_usec + work[1].bill_usec) * 1000.0 / intervals);
    g_print ("billed %s kWh, ¥%s; %u inconsistent\n", kwh, money, failures);
  }

  for (guint i = 0; i < N_SERIES; i++)
    g_free (series[i]);
  return failures == 0 ? 0 : 1;
}
