/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "md-card-test.h"
#include "md-vend.h"

/*
 * A card purchase end to end through pcscd + vpcd + the emulator: the card
 * medium's prepare (read and check the card) and deliver (write purchase
 * N+1, read it back). Software time per sale, p50 and p99 over 200 sales
 * per profile; the goal is 300 ms. Run by build-aux/pcscd-test.sh from
 * `meson test --benchmark`.
 */

#define RUNS 200

static int
compare (const void *a,
         const void *b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

int
main (int   argc,
      char *argv[])
{
  static const char *types[] = { "cpu", "sle4442" };
  g_autoptr(MdCardKeys) keys = md_card_test_keys (0);
  g_autofree char *reader = md_test_reader ();
  g_autoptr(MdPcscLink) link = md_pcsc_link_new (reader);
  int failed = 0;

  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autofree char *state = g_build_filename (g_getenv ("MD_PCSCD_DIR"), types[t], NULL);
      g_autoptr(MdTestEmulator) emulator = NULL;
      g_autoptr(MdCardMedium) medium = md_card_medium_new (MD_CARD_LINK (link), keys);
      gint64 times[RUNS];

      emulator = md_test_emulator_start (state, types[t], NULL, 0, 0, 0, NULL);
      md_test_wait_card (MD_CARD_LINK (link), TRUE);
      md_card_test_issue (MD_CARD_LINK (link), keys, MD_CARD_KIND_PURCHASE, MD_TEST_ACCOUNT, 0,
                          0);

      for (guint i = 0; i < RUNS; i++)
        {
          g_auto(MdVendPlan) plan = { 0 };
          g_autoptr(GError) error = NULL;
          gint64 start = g_get_monotonic_time ();

          md_card_medium_set_expected (medium, NULL, i, 0);
          md_card_test_plan (&plan, MD_TEST_ACCOUNT, 1000 + i);
          if (!md_medium_prepare (MD_MEDIUM (medium), &plan, NULL, &error) ||
              md_medium_deliver (MD_MEDIUM (medium), &plan, NULL, &error) !=
                MD_DELIVERY_DELIVERED)
            {
              fprintf (stderr, "sale %u failed: %s\n", i, error != NULL ? error->message : "?");
              return 1;
            }
          times[i] = g_get_monotonic_time () - start;
          if (md_card_medium_get_state (MD_CARD_MEDIUM (medium))->purchase_count != i + 1)
            {
              fprintf (stderr, "sale %u did not read back\n", i);
              return 1;
            }
        }
      qsort (times, RUNS, sizeof times[0], compare);
      printf ("card purchase through pcscd, %s: %d sales, p50 %.1f ms, p99 %.1f ms, max %.1f ms "
              "(goal 300 ms)\n", types[t], RUNS, times[RUNS / 2] / 1000.0,
              times[RUNS * 99 / 100] / 1000.0, times[RUNS - 1] / 1000.0);
      if (times[RUNS * 99 / 100] > 300 * 1000)
        printf ("  over the goal\n");
      md_test_emulator_stop (emulator);
      md_test_wait_card (MD_CARD_LINK (link), FALSE);
    }
  return failed;
}
