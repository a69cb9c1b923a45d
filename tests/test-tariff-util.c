/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "md-billing.h"
#include "test-tariff-util.h"

/* A tariff from tests/data/tariffs; the test fails if it does not parse. */
MdTariff *
test_load_tariff (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tariffs", name, NULL);
  g_autoptr(GError) error = NULL;
  MdTariff *t = md_tariff_new_from_file (path, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (t);
  return t;
}

/* The same file as a later version. */
MdTariff *
test_tariff_with_valid_from (const char *name,
                             const char *valid_from)
{
  g_autoptr(MdTariff) t = test_load_tariff (name);
  g_autofree char *text = md_tariff_to_text (t);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *joined = NULL;
  g_autoptr(GError) error = NULL;
  MdTariff *v;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "valid-from="))
      {
        g_free (lines[i]);
        lines[i] = g_strconcat ("valid-from=", valid_from, NULL);
      }
  joined = g_strjoinv ("\n", lines);
  v = md_tariff_new_from_text (joined, -1, NULL, &error);
  g_assert_no_error (error);
  return v;
}

static const char * const rate_names[] = { "sharp", "peak", "flat", "valley" };

static void
append_price (GString *out,
              gint64   price)
{
  g_string_append_printf (out, "%" G_GINT64_FORMAT ".%04" G_GINT64_FORMAT, price / 10000,
                          price % 10000);
}

static void
append_table (GString *out,
              GRand   *rand)
{
  guint n = (guint) g_rand_int_range (rand, 1, 15);
  guint cuts[16];
  guint m = 0;

  /* n − 1 distinct cut points, some on the quarter hour, some anywhere. */
  while (m < n - 1)
    {
      guint c = g_rand_boolean (rand) ? (guint) g_rand_int_range (rand, 1, 96) * 15 :
                                        (guint) g_rand_int_range (rand, 1, 1440);
      gboolean dup = FALSE;

      for (guint i = 0; i < m; i++)
        dup |= cuts[i] == c;
      if (!dup)
        cuts[m++] = c;
    }
  for (guint i = 1; i < m; i++)
    for (guint j = i; j > 0 && cuts[j - 1] > cuts[j]; j--)
      {
        guint tmp = cuts[j];

        cuts[j] = cuts[j - 1];
        cuts[j - 1] = tmp;
      }
  for (guint i = 0; i < n; i++)
    {
      guint s = i == 0 ? 0 : cuts[i - 1];
      guint e = i == n - 1 ? 1440 : cuts[i];

      g_string_append_printf (out, "%02u:%02u-%02u:%02u=%s\n", s / 60, s % 60, e / 60, e % 60,
                              rate_names[g_rand_int_range (rand, 0, 4)]);
    }
}

/* A random valid tariff: flat or time-of-use (sometimes with a season and a
 * weekend table), with or without tiers and components; prices up to 10
 * yuan, sometimes 0.0001. */
char *
test_random_tariff_text (GRand      *rand,
                         const char *valid_from)
{
  GString *out = g_string_new (NULL);
  gboolean tou = g_rand_int_range (rand, 0, 10) < 6;
  gint64 rates[4];
  gint64 min_rate = G_MAXINT64;

  g_string_append_printf (out, "[tariff]\nid=RND\nname=随机 %u\nunit=%s\nvalid-from=%s\n"
                          "timezone=Asia/Shanghai\n[rates]\n",
                          g_rand_int (rand), g_rand_boolean (rand) ? "kWh" : "m3", valid_from);
  for (guint r = 0; r < 4; r++)
    {
      rates[r] = g_rand_int_range (rand, 0, 20) == 0 ? 1 : g_rand_int_range (rand, 1, 100001);
      if (tou || r == 2)
        {
          g_string_append_printf (out, "%s=", rate_names[r]);
          append_price (out, rates[r]);
          g_string_append_c (out, '\n');
          min_rate = MIN (min_rate, rates[r]);
        }
    }

  if (tou)
    {
      g_string_append (out, "[periods]\n");
      append_table (out, rand);
      if (g_rand_boolean (rand))
        {
          guint from = (guint) g_rand_int_range (rand, 1, 13);
          guint to = (guint) g_rand_int_range (rand, 1, 13);

          g_string_append_printf (out, "[periods.season]\nfrom=%02u-01\nto=%02u-%02u\n", from,
                                  to, (guint) g_rand_int_range (rand, 1, 29));
          append_table (out, rand);
        }
      if (g_rand_boolean (rand))
        {
          g_string_append (out,
                           "[periods.weekend]\ndays=sat,sun\nholidays=2026-10-01,2027-01-01\n");
          append_table (out, rand);
        }
    }

  if (g_rand_int_range (rand, 0, 10) < 7)
    {
      guint n = (guint) g_rand_int_range (rand, 2, 9);
      gint64 bound = 0;

      if (g_rand_boolean (rand))
        g_string_append_printf (out, "[tiers]\nperiod=year\nstart=%02d-01\n",
                                g_rand_int_range (rand, 1, 13));
      else
        g_string_append_printf (out, "[tiers]\nperiod=month\nstart=%02d\n",
                                g_rand_int_range (rand, 1, 29));
      for (guint i = 0; i < n; i++)
        {
          gint64 next = bound + g_rand_int_range (rand, 1, 3000000);

          if (i == n - 1)
            g_string_append_printf (out, "%" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT "-=",
                                    bound / 1000, bound % 1000);
          else
            g_string_append_printf (out, "%" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT "-%"
                                    G_GINT64_FORMAT ".%03" G_GINT64_FORMAT "=",
                                    bound / 1000, bound % 1000, next / 1000, next % 1000);
          append_price (out, i == 0 ? 0 : g_rand_int_range (rand, 0, 5001));
          g_string_append_c (out, '\n');
          bound = next;
        }
    }

  if (g_rand_boolean (rand))
    {
      guint n = (guint) g_rand_int_range (rand, 1, 4);
      gint64 left = min_rate;

      g_string_append (out, "[components]\n");
      for (guint i = 0; i < n; i++)
        {
          gint64 part = g_rand_int_range (rand, 0, (gint32) MIN (left, 5000) + 1);

          g_string_append_printf (out, "part%u=", i);
          append_price (out, part);
          g_string_append_c (out, '\n');
          left -= part;
        }
      g_string_append (out, "energy=rest\n");
    }

  return g_string_free (out, FALSE);
}

gint64
test_unix_at (const char *iso)
{
  g_autoptr(GTimeZone) zone = g_time_zone_new_identifier ("Asia/Shanghai");
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (iso, zone);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt);
}

MdTariff *
test_tariff_from_text (const char *text)
{
  g_autoptr(GError) error = NULL;
  MdTariff *t = md_tariff_new_from_text (text, -1, NULL, &error);

  g_assert_no_error (error);
  return t;
}

MdTariffHistory *
test_history_of (MdTariff *first,
                 ...)
{
  MdTariffHistory *h = md_tariff_history_new ();
  va_list args;

  va_start (args, first);
  for (MdTariff *t = first; t != NULL; t = va_arg (args, MdTariff *))
    g_assert_true (md_tariff_history_add (h, t, NULL));
  va_end (args);
  return h;
}
