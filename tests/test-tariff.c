/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "md-billing.h"
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
      MdRate rate = md_tariff_rate_at (t, test_unix_at (cases[i].time));

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
  g_assert_cmpint (md_tariff_rate_at (t, test_unix_at ("2028-02-28T23:59:59")), ==, MD_RATE_FLAT);
  g_assert_cmpint (md_tariff_rate_at (t, test_unix_at ("2028-02-29T00:00:00")), ==, MD_RATE_VALLEY);
  g_assert_cmpint (md_tariff_rate_at (t, test_unix_at ("2028-02-29T23:59:59")), ==, MD_RATE_VALLEY);
  g_assert_cmpint (md_tariff_rate_at (t, test_unix_at ("2028-03-01T00:00:00")), ==, MD_RATE_FLAT);
  g_assert_cmpint (md_tariff_rate_at (t, test_unix_at ("2027-02-28T12:00:00")), ==, MD_RATE_FLAT);
  g_assert_cmpint (md_tariff_rate_at (t, test_unix_at ("2027-03-01T12:00:00")), ==, MD_RATE_FLAT);
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

      g_assert_cmpint (md_tariff_tier_period_start (t, test_unix_at (cases[i].time)), ==,
                       test_unix_at (cases[i].start));
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
test_tariff_comments (void)
{
  static const char text[] =
    "\xef\xbb\xbf; leading comment\r\n"
    "# another\r\n"
    "[tariff]   ; header comment\r\n"
    "id = B3.lighting\r\n"
    "name=3#楼公共照明 ;a comment after a blank\r\n"
    "unit=m³\r\n"
    "valid-from=2026-01-01T00:00:00+08:00\r\n"
    "timezone=+08:00\r\n"
    "[rates]\r\n"
    "平=1.5\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(MdTariff) t = md_tariff_new_from_text (text, -1, NULL, &error);
  g_autofree char *canon = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (md_tariff_get_id (t), ==, "B3.lighting");
  g_assert_cmpstr (md_tariff_get_name (t), ==, "3#楼公共照明");
  g_assert_cmpint (md_tariff_get_unit (t), ==, MD_TARIFF_UNIT_M3);
  g_assert_cmpint (md_tariff_get_rate (t, MD_RATE_FLAT), ==, 15000);
  g_assert_false (md_tariff_is_time_of_use (t));
  canon = md_tariff_to_text (t);
  g_assert_nonnull (strstr (canon, "unit=m3\n"));
  g_assert_nonnull (strstr (canon, "flat=1.5000\n"));
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
  g_autoptr(MdTariff) v2 = test_tariff_with_valid_from ("res-2026.ini",
                                                        "2026-07-01T00:00:00+08:00");
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

  g_assert_null (md_tariff_history_lookup (h, test_unix_at ("2025-12-31T23:59:59"), &error));
  g_assert_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_NOT_IN_FORCE);
  g_clear_error (&error);
  g_assert_true (md_tariff_history_lookup (h, test_unix_at ("2026-01-01T00:00:00"), NULL) == v1);
  g_assert_true (md_tariff_history_lookup (h, test_unix_at ("2026-06-30T23:59:59"), NULL) == v1);
  g_assert_true (md_tariff_history_lookup (h, test_unix_at ("2026-07-01T00:00:00"), NULL) == v2);
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

/* ------------------------------------------------------------------ quotes */

static void
test_quote_example (void)
{
  g_autoptr(MdTariff) t = test_load_tariff ("res-2026.ini");
  g_auto(MdQuote) q = { 0 };
  g_auto(MdQuote) back = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *l0 = NULL;
  g_autofree char *l1 = NULL;

  /* ¥200 with 2800 kWh used this year: 80 kWh left in block 1, then block 2
   * at 0.5880 + 0.0500. 239.757 kWh at 0.6380 cost 152.9650 → 152.96 (the
   * last Wh that still rounds to ¥152.96); 239.758 kWh would be 152.97. */
  g_assert_true (md_quote_for_amount (t, 2800000, 20000, &q, &error));
  g_assert_no_error (error);
  g_assert_cmpint (q.kind, ==, MD_QUOTE_ENERGY);
  g_assert_cmpuint (q.n_lines, ==, 2);
  g_assert_cmpuint (q.lines[0].tier, ==, 0);
  g_assert_cmpint (q.lines[0].quantity, ==, 80000);
  g_assert_cmpint (q.lines[0].price, ==, 5880);
  g_assert_cmpint (q.lines[0].amount, ==, 4704);
  g_assert_cmpuint (q.lines[1].tier, ==, 1);
  g_assert_cmpint (q.lines[1].quantity, ==, 239757);
  g_assert_cmpint (q.lines[1].price, ==, 6380);
  g_assert_cmpint (q.lines[1].amount, ==, 15296);
  g_assert_cmpint (q.energy, ==, 319757);
  g_assert_cmpint (q.amount, ==, 20000);
  g_assert_cmpint (q.components[0], ==, 20000);

  l0 = md_quote_line_to_string (&q, 0);
  l1 = md_quote_line_to_string (&q, 1);
  g_assert_cmpstr (l0, ==, "Tier 1 80.000 kWh × 0.5880 = 47.04");
  g_assert_cmpstr (l1, ==, "Tier 2 239.757 kWh × 0.6380 = 152.96");

  /* Energy → amount gives the same lines; one more Wh costs more. */
  g_assert_true (md_quote_for_energy (t, 2800000, 319757, &back, &error));
  g_assert_cmpint (back.amount, ==, 20000);
  md_quote_clear (&back);
  g_assert_true (md_quote_for_energy (t, 2800000, 319758, &back, &error));
  g_assert_cmpint (back.amount, ==, 20001);
}

static const char tiny_text[] =
  "[tariff]\nid=TINY\nname=Tiny\nunit=kWh\nvalid-from=2026-01-01T00:00:00+08:00\n"
  "timezone=Asia/Shanghai\n[rates]\nflat=0.0001\n";
static const char huge_text[] =
  "[tariff]\nid=HUGE\nname=Huge\nunit=kWh\nvalid-from=2026-01-01T00:00:00+08:00\n"
  "timezone=Asia/Shanghai\n[rates]\nflat=99999.9999\n";

typedef struct
{
  const char *tariff;       /* file name, or "tiny"/"huge" */
  gboolean    by_energy;
  MdEnergy    used;
  gint64      requested;
  gboolean    overflow;
  MdEnergy    energy;
  MdMoney     amount;
  guint       n_lines;
  MdEnergy    last_quantity;
} QuoteCase;

static const QuoteCase quote_cases[] = {
  /* exactly a whole block, then one Wh over */
  { "res-2026.ini", TRUE, 0, 2880000, FALSE, 2880000, 169344, 1, 2880000 },
  { "res-2026.ini", TRUE, 0, 2880001, FALSE, 2880001, 169344, 2, 1 },
  /* starting exactly on a boundary: all in the next block */
  { "res-2026.ini", TRUE, 2880000, 1000, FALSE, 1000, 64, 1, 1000 },
  { "res-2026.ini", TRUE, 4799999, 2, FALSE, 2, 0, 2, 1 },
  { "res-2026.ini", TRUE, 100000000, 1000, FALSE, 1000, 89, 1, 1000 },
  /* ¥1693.44 buys block 1 exactly, and the Wh of block 2 that cost 0.00 */
  { "res-2026.ini", FALSE, 0, 169344, FALSE, 2880007, 169344, 2, 7 },
  { "res-2026.ini", FALSE, 2880000, 1, FALSE, 23, 1, 1, 23 },
  /* a 0.0001-yuan rate: one fen buys 149.999 kWh */
  { "tiny", FALSE, 0, 1, FALSE, 149999, 1, 1, 149999 },
  { "tiny", TRUE, 0, MD_ENERGY_MAX, FALSE, MD_ENERGY_MAX, 10000000000, 1, MD_ENERGY_MAX },
  { "tiny", FALSE, 0, MD_MONEY_MAX, TRUE, 0, 0, 0, 0 },
  /* the largest amount at the largest price */
  /* 1 Wh costs ¥100: what is left of the amount (¥99.99) is change */
  { "huge", FALSE, 0, MD_MONEY_MAX, FALSE, 10000000009, 99999999990000, 1, 10000000009 },
  { "huge", TRUE, 0, MD_ENERGY_MAX, TRUE, 0, 0, 0, 0 },
  { "res-2026.ini", FALSE, 0, MD_MONEY_MAX, TRUE, 0, 0, 0, 0 },
};

static MdTariff *
case_tariff (const char *name)
{
  if (g_str_equal (name, "tiny"))
    return test_tariff_from_text (tiny_text);
  if (g_str_equal (name, "huge"))
    return test_tariff_from_text (huge_text);
  return test_load_tariff (name);
}

static void
test_quote_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (quote_cases); i++)
    {
      const QuoteCase *c = &quote_cases[i];
      g_autoptr(MdTariff) t = case_tariff (c->tariff);
      g_autoptr(GError) error = NULL;
      g_auto(MdQuote) q = { 0 };
      gboolean ok;

      if (c->by_energy)
        ok = md_quote_for_energy (t, c->used, c->requested, &q, &error);
      else
        ok = md_quote_for_amount (t, c->used, c->requested, &q, &error);

      if (c->overflow)
        {
          g_assert_false (ok);
          g_assert_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_OVERFLOW);
          g_assert_null (q.tariff);
          continue;
        }
      if (!ok)
        g_error ("case %u: %s", i, error->message);
      if (q.energy != c->energy || q.amount != c->amount || q.n_lines != c->n_lines ||
          q.lines[q.n_lines - 1].quantity != c->last_quantity)
        g_error ("case %u: got %" G_GINT64_FORMAT " Wh, %" G_GINT64_FORMAT " fen, %u lines",
                 i, q.energy, q.amount, q.n_lines);
    }
}

static void
test_quote_money_meter (void)
{
  g_autoptr(MdTariff) t = test_load_tariff ("res-2026.ini");
  g_auto(MdQuote) q = { 0 };
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *text = NULL;

  g_assert_true (md_quote_money_meter (t, 2800000, 20000, &q, NULL));
  g_assert_cmpint (q.kind, ==, MD_QUOTE_MONEY);
  g_assert_cmpint (q.amount, ==, 20000);
  g_assert_cmpint (q.energy, ==, 0);
  g_assert_cmpint (q.estimated_energy, ==, 319757);
  g_assert_cmpuint (q.n_lines, ==, 2);

  json = md_quote_to_json (&q);
  text = json_to_string (json, FALSE);
  g_assert_nonnull (strstr (text, "\"kind\":\"money\""));
  g_assert_nonnull (strstr (text, "\"amount\":\"200.00\""));
  g_assert_nonnull (strstr (text, "\"estimated_energy\":\"319.757\""));
  g_assert_nonnull (strstr (text, "\"version\":\"2026-01-01T00:00:00+08:00\""));
}

static void
test_quote_components (void)
{
  g_autoptr(MdTariff) t = test_load_tariff ("water.ini");
  g_auto(MdQuote) q = { 0 };

  /* 10 m³ used this month; 20 m³ more: 5 in block 1, 7.5 in 2, 7.5 in 3. */
  g_assert_true (md_quote_for_energy (t, 10000, 20000, &q, NULL));
  g_assert_cmpuint (q.n_lines, ==, 3);
  g_assert_cmpint (q.lines[0].amount, ==, 1725);    /* 5 × 3.45 */
  g_assert_cmpint (q.lines[1].amount, ==, 3713);    /* 7.5 × 4.95 = 37.125 */
  g_assert_cmpint (q.lines[2].amount, ==, 6038);    /* 7.5 × 8.05 = 60.375 */
  g_assert_cmpint (q.amount, ==, 1725 + 3713 + 6038);
  for (guint i = 0; i < q.n_lines; i++)
    {
      MdMoney sum = 0;

      for (guint k = 0; k < 3; k++)
        sum += q.lines[i].components[k];
      g_assert_cmpint (sum, ==, q.lines[i].amount);
    }
  /* Sewage 1.36 and the resource fee 0.35 per m³: in blocks 2 and 3 the
   * line is half a fen over the floors, and the resource fee has the
   * largest remainder (0.5 fen against 0). */
  g_assert_cmpint (q.components[1], ==, 680 + 1020 + 1020);
  g_assert_cmpint (q.components[2], ==, 175 + 263 + 263);
}

/* 10⁵ random tariffs and amounts. */
static void
test_quote_properties (void)
{
  guint32 seed = g_test_rand_int ();
  GRand *rand = g_rand_new_with_seed (seed);
  guint n = g_test_slow () ? 1000000 : 100000;
  MdTariff *t = NULL;

  g_test_message ("seed %u, %u cases", seed, n);
  for (guint i = 0; i < n; i++)
    {
      g_auto(MdQuote) q = { 0 };
      g_auto(MdQuote) more = { 0 };
      g_auto(MdQuote) back = { 0 };
      g_auto(MdQuote) plus = { 0 };
      g_autoptr(GError) error = NULL;
      MdEnergy used;
      MdMoney y;
      MdMoney sum = 0;
      MdEnergy energy = 0;

      if (i % 4 == 0)
        {
          g_autofree char *text = test_random_tariff_text (rand, "2026-01-01T00:00:00+08:00");

          g_clear_pointer (&t, md_tariff_unref);
          t = test_tariff_from_text (text);
        }

      used = g_rand_int_range (rand, 0, 10) == 0 ?
             md_tariff_get_tier (t, (guint) g_rand_int_range (rand, 0,
                                                              (gint32) md_tariff_get_n_tiers (t)))->from :
             g_rand_int_range (rand, 0, 20000000);
      y = g_rand_boolean (rand) ? g_rand_int_range (rand, 1, 100) :
                                  g_rand_int_range (rand, 1, G_MAXINT32);

      if (!md_quote_for_amount (t, used, y, &q, &error))
        g_error ("seed %u case %u: %s", seed, i, error->message);

      /* Σ lines = total; each line is price × quantity; components add up. */
      for (guint l = 0; l < q.n_lines; l++)
        {
          MdMoney cost;
          MdMoney parts = 0;

          g_assert_true (md_price_cost (q.lines[l].price, q.lines[l].quantity, &cost, NULL));
          if (cost != q.lines[l].amount)
            g_error ("seed %u case %u: line %u is not price × quantity", seed, i, l);
          for (guint k = 0; k < md_tariff_get_n_components (t); k++)
            parts += q.lines[l].components[k];
          if (parts != q.lines[l].amount)
            g_error ("seed %u case %u: components of line %u do not add up", seed, i, l);
          sum += q.lines[l].amount;
          energy += q.lines[l].quantity;
        }
      if (sum != q.amount || energy != q.energy)
        g_error ("seed %u case %u: Σ lines ≠ total", seed, i);

      /* What y buys costs ≤ y, one more Wh costs > y; within a fen here. */
      if (q.amount > y || y - q.amount > 1)
        g_error ("seed %u case %u: ¥%" G_GINT64_FORMAT " buys something costing %" G_GINT64_FORMAT,
                 seed, i, y, q.amount);
      if (q.energy > 0)
        {
          if (!md_quote_for_energy (t, used, q.energy, &back, &error) || back.amount != q.amount)
            g_error ("seed %u case %u: energy → amount differs", seed, i);
        }
      if (!md_quote_for_energy (t, used, q.energy + 1, &plus, &error) || plus.amount <= y)
        g_error ("seed %u case %u: one more Wh still costs ≤ %" G_GINT64_FORMAT, seed, i, y);

      /* More money never buys less energy. */
      if (!md_quote_for_amount (t, used, y + g_rand_int_range (rand, 0, 1000), &more, &error) ||
          more.energy < q.energy)
        g_error ("seed %u case %u: more money bought less energy", seed, i);
    }
  g_clear_pointer (&t, md_tariff_unref);
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
  g_test_add_func ("/meterdesk/core/tariff/comments", test_tariff_comments);
  g_test_add_func ("/meterdesk/core/tariff/site-zone", test_tariff_site_zone);
  g_test_add_func ("/meterdesk/core/tariff/history", test_tariff_history);
  g_test_add_func ("/meterdesk/core/tariff/mutations", test_tariff_mutations);
  g_test_add_func ("/meterdesk/core/tariff/random-round-trip", test_tariff_random_round_trip);
  g_test_add_func ("/meterdesk/core/tariff/quote-example", test_quote_example);
  g_test_add_func ("/meterdesk/core/tariff/quote-table", test_quote_table);
  g_test_add_func ("/meterdesk/core/tariff/quote-money-meter", test_quote_money_meter);
  g_test_add_func ("/meterdesk/core/tariff/quote-components", test_quote_components);
  g_test_add_func ("/meterdesk/core/tariff/quote-properties", test_quote_properties);

  return g_test_run ();
}
