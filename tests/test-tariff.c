/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "md-tariff.h"

#include "test-tariff-util.h"

static void
test_tariff_example (void)
{
  g_autoptr(MdTariff) t = test_load_tariff ("res-2026.ini");

  g_assert_cmpstr (md_tariff_get_id (t), ==, "RES-2026");
  g_assert_cmpstr (md_tariff_get_name (t), ==, "居民生活用电");
  g_assert_cmpint (md_tariff_get_unit (t), ==, MD_TARIFF_UNIT_KWH);
  /* 2026-01-01T00:00:00+08:00 */
  g_assert_cmpint (md_tariff_get_valid_from (t), ==, 1767196800);
  g_assert_cmpstr (md_tariff_get_timezone_name (t), ==, "Asia/Shanghai");
  g_assert_true (md_tariff_is_time_of_use (t));
  g_assert_cmpint (md_tariff_get_rate (t, MD_RATE_SHARP), ==, 8800);
  g_assert_cmpint (md_tariff_get_rate (t, MD_RATE_PEAK), ==, 7800);
  g_assert_cmpint (md_tariff_get_rate (t, MD_RATE_FLAT), ==, 5880);
  g_assert_cmpint (md_tariff_get_rate (t, MD_RATE_VALLEY), ==, 3080);

  g_assert_cmpint (md_tariff_get_tier_period (t), ==, MD_TIER_PERIOD_YEAR);
  g_assert_cmpuint (md_tariff_get_n_tiers (t), ==, 3);
  g_assert_cmpint (md_tariff_get_tier (t, 0)->from, ==, 0);
  g_assert_cmpint (md_tariff_get_tier (t, 0)->to, ==, 2880000);
  g_assert_cmpint (md_tariff_get_tier (t, 1)->surcharge, ==, 500);
  g_assert_cmpint (md_tariff_get_tier (t, 2)->to, ==, MD_TIER_OPEN);
  g_assert_cmpint (md_tariff_get_price (t, MD_RATE_PEAK, 2), ==, 7800 + 3000);

  /* Exactly on a boundary: the 2880th kWh is the last of block 1. */
  g_assert_cmpuint (md_tariff_tier_for_use (t, 0), ==, 0);
  g_assert_cmpuint (md_tariff_tier_for_use (t, 2879999), ==, 0);
  g_assert_cmpuint (md_tariff_tier_for_use (t, 2880000), ==, 1);
  g_assert_cmpuint (md_tariff_tier_for_use (t, 4800000), ==, 2);

  g_assert_cmpuint (md_tariff_get_n_components (t), ==, 1);
  g_assert_cmpstr (md_tariff_get_component_name (t, 0), ==, "energy");
  g_assert_true (md_tariff_component_is_rest (t, 0));
  g_assert_cmpint (md_tariff_get_component_price (t, 0, MD_RATE_VALLEY, 1), ==, 3580);
  g_assert_cmpuint (strlen (md_tariff_get_digest (t)), ==, 64);
}

static const char canonical_example[] =
  "[tariff]\n"
  "id=RES-2026\n"
  "name=居民生活用电\n"
  "unit=kWh\n"
  "valid-from=2026-01-01T00:00:00+08:00\n"
  "timezone=Asia/Shanghai\n"
  "\n"
  "[rates]\n"
  "sharp=0.8800\n"
  "peak=0.7800\n"
  "flat=0.5880\n"
  "valley=0.3080\n"
  "\n"
  "[periods]\n"
  "00:00-08:00=valley\n"
  "08:00-10:00=flat\n"
  "10:00-12:00=sharp\n"
  "12:00-17:00=flat\n"
  "17:00-21:00=peak\n"
  "21:00-24:00=flat\n"
  "\n"
  "[tiers]\n"
  "period=year\n"
  "start=01-01\n"
  "0-2880=0.0000\n"
  "2880-4800=0.0500\n"
  "4800-=0.3000\n";

static void
test_tariff_canonical (void)
{
  static const char * const files[] = { "res-2026.ini", "flat.ini", "water.ini", "full.ini" };
  g_autoptr(MdTariff) example = test_load_tariff ("res-2026.ini");
  g_autofree char *text = md_tariff_to_text (example);

  g_assert_cmpstr (text, ==, canonical_example);

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(MdTariff) t = test_load_tariff (files[i]);
      g_autofree char *once = md_tariff_to_text (t);
      g_autoptr(GError) error = NULL;
      g_autoptr(MdTariff) again = md_tariff_new_from_text (once, -1, NULL, &error);
      g_autofree char *twice = NULL;

      g_assert_no_error (error);
      twice = md_tariff_to_text (again);
      g_assert_cmpstr (once, ==, twice);
      g_assert_true (md_tariff_equal (t, again));
      g_assert_cmpstr (md_tariff_get_digest (t), ==, md_tariff_get_digest (again));
      g_assert_cmpint (md_tariff_get_valid_from (t), ==, md_tariff_get_valid_from (again));
    }
}

/* Every tests/data/tariffs/bad-*.ini says on its first line which line and
 * reason the parser must give: "; expect: line N: reason". */
static void
test_tariff_bad_files (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "data", "tariffs", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      g_autofree char *expect_line = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(MdTariff) t = NULL;
      const char *expect;
      const char *reason;
      char *nl;

      if (!g_str_has_prefix (name, "bad-") || !g_str_has_suffix (name, ".ini"))
        continue;
      path = g_build_filename (dir, name, NULL);
      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      g_assert_true (g_str_has_prefix (text, "; expect: "));
      expect = text + strlen ("; expect: ");
      nl = strchr (expect, '\n');
      expect_line = g_strndup (expect, (gsize) (nl - expect));
      reason = strstr (expect_line, ": ") + 2;

      t = md_tariff_new_from_file (path, NULL, &error);
      if (t != NULL)
        g_error ("%s: accepted, expected “%s”", name, expect_line);
      g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_FILE);
      if (!g_str_has_prefix (error->message, expect_line) &&
          !(strncmp (error->message, expect_line, (gsize) (reason - expect_line)) == 0 &&
            strstr (error->message, reason) != NULL))
        g_error ("%s: got “%s”, expected “%s”", name, error->message, expect_line);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      count++;
    }
  g_test_message ("%u bad files refused as expected", count);
  g_assert_cmpuint (count, >=, 45);
}

static gint64
unix_at (const char *iso)
{
  g_autoptr(GTimeZone) zone = g_time_zone_new_identifier ("Asia/Shanghai");
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (iso, zone);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt);
}

static void
test_tariff_rate_at (void)
{
  static const struct { const char *file; const char *time; MdRate rate; } cases[] = {
    { "res-2026.ini", "2026-03-02T00:00:00", MD_RATE_VALLEY },
    { "res-2026.ini", "2026-03-02T07:59:59", MD_RATE_VALLEY },
    { "res-2026.ini", "2026-03-02T08:00:00", MD_RATE_FLAT },
    { "res-2026.ini", "2026-03-02T10:30:00", MD_RATE_SHARP },
    { "res-2026.ini", "2026-03-02T20:59:59", MD_RATE_PEAK },
    { "res-2026.ini", "2026-03-02T23:59:59", MD_RATE_FLAT },
    { "res-2026.ini", "2026-03-02T00:00:00Z", MD_RATE_FLAT },   /* 08:00 in Shanghai */
    { "flat.ini", "2026-03-02T10:30:00", MD_RATE_FLAT },
    /* full.ini: default table on weekdays outside summer */
    { "full.ini", "2026-06-30T12:00:00", MD_RATE_FLAT },        /* Tuesday */
    { "full.ini", "2026-07-01T12:00:00", MD_RATE_SHARP },       /* summer starts */
    { "full.ini", "2026-09-30T23:59:59", MD_RATE_FLAT },        /* last summer second */
    { "full.ini", "2026-09-30T12:00:00", MD_RATE_SHARP },
    { "full.ini", "2026-10-01T12:00:00", MD_RATE_VALLEY },      /* holiday, Thursday */
    { "full.ini", "2026-10-05T12:00:00", MD_RATE_VALLEY },      /* holiday, Monday */
    { "full.ini", "2026-10-06T12:00:00", MD_RATE_FLAT },        /* Tuesday */
    { "full.ini", "2026-10-03T20:00:00", MD_RATE_VALLEY },      /* Saturday */
    { "full.ini", "2026-10-10T20:00:00", MD_RATE_PEAK },        /* make-up workday */
    { "full.ini", "2026-09-27T12:00:00", MD_RATE_SHARP },       /* make-up workday in summer */
    { "full.ini", "2026-08-01T12:00:00", MD_RATE_VALLEY },      /* Saturday in summer */
    { "full.ini", "2028-02-29T20:00:00", MD_RATE_PEAK },        /* leap day, Tuesday */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MdTariff) t = test_load_tariff (cases[i].file);
      MdRate rate = md_tariff_rate_at (t, unix_at (cases[i].time));

      if (rate != cases[i].rate)
        g_error ("case %u %s %s: got %s", i, cases[i].file, cases[i].time,
                 md_rate_to_string (rate));
    }
}

static void
test_tariff_leap_day_season (void)
{
  static const char text[] =
    "[tariff]\nid=LEAP\nname=Leap\nunit=kWh\nvalid-from=2024-01-01T00:00:00\n"
    "timezone=Asia/Shanghai\n"
    "[rates]\nflat=0.5000\nvalley=0.2000\n"
    "[periods]\n00:00-24:00=flat\n"
    "[periods.leap]\nfrom=02-29\nto=02-29\n00:00-24:00=valley\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(MdTariff) t = md_tariff_new_from_text (text, -1, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (md_tariff_rate_at (t, unix_at ("2028-02-28T23:59:59")), ==, MD_RATE_FLAT);
  g_assert_cmpint (md_tariff_rate_at (t, unix_at ("2028-02-29T00:00:00")), ==, MD_RATE_VALLEY);
  g_assert_cmpint (md_tariff_rate_at (t, unix_at ("2028-02-29T23:59:59")), ==, MD_RATE_VALLEY);
  g_assert_cmpint (md_tariff_rate_at (t, unix_at ("2028-03-01T00:00:00")), ==, MD_RATE_FLAT);
  g_assert_cmpint (md_tariff_rate_at (t, unix_at ("2027-02-28T12:00:00")), ==, MD_RATE_FLAT);
  g_assert_cmpint (md_tariff_rate_at (t, unix_at ("2027-03-01T12:00:00")), ==, MD_RATE_FLAT);
}

static void
test_tariff_tier_period_start (void)
{
  static const struct { const char *file; const char *time; const char *start; } cases[] = {
    { "res-2026.ini", "2026-06-15T12:00:00", "2026-01-01T00:00:00" },
    { "res-2026.ini", "2026-01-01T00:00:00", "2026-01-01T00:00:00" },
    { "res-2026.ini", "2025-12-31T23:59:59", "2025-01-01T00:00:00" },
    { "water.ini", "2026-03-14T23:59:59", "2026-02-15T00:00:00" },
    { "water.ini", "2026-03-15T00:00:00", "2026-03-15T00:00:00" },
    { "water.ini", "2026-01-10T00:00:00", "2025-12-15T00:00:00" },
    { "full.ini", "2028-02-29T12:00:00", "2028-02-01T00:00:00" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MdTariff) t = test_load_tariff (cases[i].file);

      g_assert_cmpint (md_tariff_tier_period_start (t, unix_at (cases[i].time)), ==,
                       unix_at (cases[i].start));
    }

  {
    g_autoptr(MdTariff) flat = test_load_tariff ("flat.ini");

    g_assert_cmpint (md_tariff_tier_period_start (flat, 0), ==, G_MININT64);
  }
}

static void
test_tariff_components (void)
{
  g_autoptr(MdTariff) water = test_load_tariff ("water.ini");
  g_autoptr(MdTariff) full = test_load_tariff ("full.ini");

  g_assert_cmpint (md_tariff_get_unit (water), ==, MD_TARIFF_UNIT_M3);
  g_assert_cmpuint (md_tariff_get_n_components (water), ==, 3);
  g_assert_cmpstr (md_tariff_get_component_name (water, 0), ==, "water");
  g_assert_true (md_tariff_component_is_rest (water, 0));
  g_assert_cmpint (md_tariff_get_component_price (water, 0, MD_RATE_FLAT, 0), ==, 17400);
  g_assert_cmpint (md_tariff_get_component_price (water, 0, MD_RATE_FLAT, 2), ==, 17400 + 46000);
  g_assert_cmpint (md_tariff_get_component_price (water, 1, MD_RATE_FLAT, 2), ==, 13600);
  g_assert_cmpint (md_tariff_get_component_price (water, 2, MD_RATE_FLAT, 1), ==, 3500);
  g_assert_cmpint (md_tariff_get_tier (water, 1)->to, ==, 22500);

  /* Whatever the rate and tier, the components add up to the price. */
  for (guint r = 0; r < MD_N_RATES; r++)
    for (guint k = 0; k < md_tariff_get_n_tiers (full); k++)
      {
        MdPrice sum = 0;

        for (guint c = 0; c < md_tariff_get_n_components (full); c++)
          {
            MdPrice part = md_tariff_get_component_price (full, c, (MdRate) r, k);

            g_assert_cmpint (part, >=, 0);
            sum += part;
          }
        g_assert_cmpint (sum, ==, md_tariff_get_price (full, (MdRate) r, k));
      }
}

static void
test_tariff_site_zone (void)
{
  static const char text[] =
    "[tariff]\nid=LOCAL\nname=Local\nunit=kWh\nvalid-from=2026-01-01T00:00:00\n"
    "[rates]\nflat=0.5000\n";
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GTimeZone) shanghai = g_time_zone_new_identifier ("Asia/Shanghai");
  g_autoptr(MdTariff) a = md_tariff_new_from_text (text, -1, utc, NULL);
  g_autoptr(MdTariff) b = md_tariff_new_from_text (text, -1, shanghai, NULL);
  g_autoptr(MdTariff) c = md_tariff_new_from_text (text, -1, NULL, NULL);
  g_autofree char *text_b = md_tariff_to_text (b);

  g_assert_null (md_tariff_get_timezone_name (a));
  g_assert_cmpint (md_tariff_get_valid_from (a), ==, 1767225600);
  g_assert_cmpint (md_tariff_get_valid_from (b), ==, 1767196800);
  /* main() sets TZ=Asia/Shanghai: the process's zone is the default. */
  g_assert_cmpint (md_tariff_get_valid_from (c), ==, 1767196800);
  g_assert_nonnull (strstr (text_b, "valid-from=2026-01-01T00:00:00+08:00\n"));
  g_assert_null (strstr (text_b, "timezone="));
}

static void
test_tariff_history (void)
{
  g_autoptr(MdTariffHistory) h = md_tariff_history_new ();
  g_autoptr(MdTariff) v1 = test_load_tariff ("res-2026.ini");
  g_autoptr(MdTariff) v2 = test_tariff_with_valid_from ("res-2026.ini", "2026-07-01T00:00:00+08:00");
  g_autoptr(MdTariff) water = test_load_tariff ("water.ini");
  g_autoptr(GError) error = NULL;

  g_assert_true (md_tariff_history_add (h, v1, &error));
  g_assert_false (md_tariff_history_add (h, v1, &error));
  g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_HISTORY);
  g_clear_error (&error);
  g_assert_false (md_tariff_history_add (h, water, &error));
  g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_HISTORY);
  g_clear_error (&error);
  g_assert_true (md_tariff_history_add (h, v2, &error));
  g_assert_cmpuint (md_tariff_history_get_n_versions (h), ==, 2);

  g_assert_null (md_tariff_history_lookup (h, unix_at ("2025-12-31T23:59:59"), &error));
  g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_NOT_IN_FORCE);
  g_clear_error (&error);
  g_assert_true (md_tariff_history_lookup (h, unix_at ("2026-01-01T00:00:00"), NULL) == v1);
  g_assert_true (md_tariff_history_lookup (h, unix_at ("2026-06-30T23:59:59"), NULL) == v1);
  g_assert_true (md_tariff_history_lookup (h, unix_at ("2026-07-01T00:00:00"), NULL) == v2);
  g_assert_true (md_tariff_history_get_version (h, 1) == v2);
}

/* Random mutations of a good file: never a crash, and every refusal names a
 * line of the file. */
static void
test_tariff_mutations (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tariffs", "full.ini", NULL);
  g_autofree char *text = NULL;
  gsize length;
  guint32 seed = g_test_rand_int ();
  GRand *rand = g_rand_new_with_seed (seed);
  guint accepted = 0;

  g_test_message ("seed %u", seed);
  g_assert_true (g_file_get_contents (path, &text, &length, NULL));

  for (guint i = 0; i < 20000; i++)
    {
      g_autofree char *copy = g_memdup2 (text, length + 1);
      g_autoptr(GError) error = NULL;
      g_autoptr(MdTariff) t = NULL;
      guint n = (guint) g_rand_int_range (rand, 1, 4);
      guint lines = 1;

      for (guint j = 0; j < n; j++)
        {
          gsize at = (gsize) g_rand_int_range (rand, 0, (gint32) length);
          static const char pool[] = "0123456789-:=;[]., \nabcxyz\t#";

          copy[at] = g_rand_boolean (rand) ? pool[g_rand_int_range (rand, 0, sizeof pool - 1)] :
                                             (char) g_rand_int_range (rand, 1, 256);
        }
      for (const char *c = copy; *c; c++)
        lines += *c == '\n';

      t = md_tariff_new_from_text (copy, -1, NULL, &error);
      if (t != NULL)
        {
          g_autofree char *canon = md_tariff_to_text (t);
          g_autoptr(MdTariff) again = md_tariff_new_from_text (canon, -1, NULL, &error);

          if (again == NULL || !md_tariff_equal (t, again))
            g_error ("seed %u case %u: canonical text does not round-trip (%s):\n%s", seed, i,
                     error != NULL ? error->message : "differs", canon);
          accepted++;
        }
      else
        {
          guint line = 0;

          if (sscanf (error->message, "line %u: ", &line) != 1 || line < 1 || line > lines)
            g_error ("seed %u case %u: “%s” does not name a line", seed, i, error->message);
        }
    }
  g_test_message ("%u mutations still parsed", accepted);
  g_rand_free (rand);
}

/* Random tariffs written as text: parse, canonical text, parse again. */
static void
test_tariff_random_round_trip (void)
{
  guint32 seed = g_test_rand_int ();
  GRand *rand = g_rand_new_with_seed (seed);

  g_test_message ("seed %u", seed);
  for (guint i = 0; i < 5000; i++)
    {
      g_autofree char *text = test_random_tariff_text (rand, "2026-01-01T00:00:00+08:00");
      g_autoptr(GError) error = NULL;
      g_autoptr(MdTariff) t = md_tariff_new_from_text (text, -1, NULL, &error);
      g_autofree char *canon = NULL;
      g_autoptr(MdTariff) again = NULL;
      g_autofree char *canon2 = NULL;

      if (t == NULL)
        g_error ("seed %u case %u: %s\n%s", seed, i, error->message, text);
      canon = md_tariff_to_text (t);
      again = md_tariff_new_from_text (canon, -1, NULL, &error);
      if (again == NULL)
        g_error ("seed %u case %u: %s\n%s", seed, i, error->message, canon);
      canon2 = md_tariff_to_text (again);
      if (!g_str_equal (canon, canon2))
        g_error ("seed %u case %u: canonical text changed:\n%s\n%s", seed, i, canon, canon2);
    }
  g_rand_free (rand);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("TZ", "Asia/Shanghai", TRUE);
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/core/tariff/example", test_tariff_example);
  g_test_add_func ("/meterdesk/core/tariff/canonical", test_tariff_canonical);
  g_test_add_func ("/meterdesk/core/tariff/bad-files", test_tariff_bad_files);
  g_test_add_func ("/meterdesk/core/tariff/rate-at", test_tariff_rate_at);
  g_test_add_func ("/meterdesk/core/tariff/leap-day-season", test_tariff_leap_day_season);
  g_test_add_func ("/meterdesk/core/tariff/tier-period-start", test_tariff_tier_period_start);
  g_test_add_func ("/meterdesk/core/tariff/components", test_tariff_components);
  g_test_add_func ("/meterdesk/core/tariff/site-zone", test_tariff_site_zone);
  g_test_add_func ("/meterdesk/core/tariff/history", test_tariff_history);
  g_test_add_func ("/meterdesk/core/tariff/mutations", test_tariff_mutations);
  g_test_add_func ("/meterdesk/core/tariff/random-round-trip", test_tariff_random_round_trip);

  return g_test_run ();
}
