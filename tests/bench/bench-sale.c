/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "md-ledger.h"
#include "md-pricing.h"
#include "md-register.h"
#include "md-shift.h"
#include "md-store.h"
#include "md-vend.h"

/*
 * 10,000 sales through md_vend_sell with the account medium on SQLite: one
 * process, one terminal, three system-billed accounts, ¥1…¥50 each, every
 * sale its own key. Goal: p99 ≤ 20 ms a sale and ≥ 200 sales/s. The
 * database is a fresh file in the temporary directory, on the real disk, so
 * the two commits of each sale (PENDING, then POSTED) pay the disk's fsync.
 * The figures are printed; the run fails only on a wrong result: a sale not
 * posted, a receipt out of 1…N, or md_ledger_check finding a problem.
 *
 * A second, shorter run on /dev/shm (tmpfs, where fsync costs nothing)
 * shows how much of the time is the disk's.
 */

#define N_SALES      10000
#define N_SALES_SHM  2000
#define PASSWORD     "bench-secret"
#define TERMINAL     "B1"

static const char *accounts[] = { "100001", "100002", "100003" };

static MdSession *
login (MdStore    *store,
       const char *name)
{
  g_autoptr(GError) error = NULL;
  MdSession *session = md_session_login (store, TERMINAL, name, PASSWORD, &error);

  g_assert_no_error (error);
  return session;
}

/* A database with a cashier whose shift is open and three system-billed
 * accounts on the RES-2026 tariff. */
static MdSession *
setup (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStore) store = NULL;
  g_autoptr(MdSession) admin = NULL;
  g_autoptr(MdSession) fin = NULL;
  g_autofree char *tariff_path = NULL;
  g_autofree char *tariff = NULL;
  MdSession *cashier;

  tariff_path = g_build_filename (g_getenv ("MD_SOURCE_ROOT") ?: ".", "tests", "data", "tariffs",
                                  "res-2026.ini", NULL);
  g_assert_true (g_file_get_contents (tariff_path, &tariff, NULL, &error));

  store = md_store_open (path, MD_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  g_assert_true (md_operator_create_first_admin (store, TERMINAL, "admin", PASSWORD, &error));
  admin = login (store, "admin");
  g_assert_true (md_operator_add (admin, "fin", NULL, MD_ROLE_FINANCE | MD_ROLE_UTILIZATION,
                                  PASSWORD, NULL, &error));
  g_assert_true (md_operator_add (admin, "cash", NULL, MD_ROLE_CASHIER, PASSWORD, NULL, &error));
  g_assert_no_error (error);
  fin = login (store, "fin");
  g_assert_true (md_tariff_store_set (fin, tariff, -1, NULL, &error));
  g_assert_true (md_category_add (fin, "RES", "Residential", MD_UTILITY_ELECTRICITY, "RES-2026",
                                  &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (accounts); i++)
    {
      MdAccountSpec spec = { accounts[i], "Bench", "RES" };

      spec.system_billing = TRUE;
      g_assert_true (md_account_open (fin, &spec, &error));
      g_assert_no_error (error);
    }
  cashier = login (store, "cash");
  g_assert_true (md_shift_open (cashier, 10000, NULL, &error));
  g_assert_no_error (error);
  return cashier;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static double
percentile_ms (GArray *sorted,
               double  p)
{
  guint index = (guint) (p * (sorted->len - 1) + 0.5);

  return g_array_index (sorted, gint64, index) / 1000.0;
}

/* Sells @n sales in a fresh database under @dir; prints the figures;
 * returns the number of wrong results. */
static guint
run (const char *dir,
     const char *label,
     guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdSession) cashier = NULL;
  g_autoptr(MdMedium) medium = md_account_medium_new ();
  g_autoptr(GArray) latency = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  g_autoptr(GPtrArray) problems = NULL;
  g_autofree char *path = g_build_filename (dir, "bench.db", NULL);
  MdStore *store;
  gint64 start, total;
  gint64 count = 0, low = 0, high = 0, counter = 0;
  guint wrong = 0;
  gboolean receipts_ok;
  double p50, p90, p99, rate;

  cashier = setup (path);
  store = md_session_get_store (cashier);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key = g_strdup_printf ("%s-%u", TERMINAL, i);
      g_auto(MdSaleResult) result = { 0 };
      MdSaleRequest request = { key, accounts[i % G_N_ELEMENTS (accounts)],
                                (MdMoney) (1 + i % 50) * 100 };
      gint64 t0 = g_get_monotonic_time ();
      gint64 dt;

      request.pay_method = MD_PAY_CASH;
      if (!md_vend_sell (cashier, &request, medium, &result, NULL, &error))
        {
          g_printerr ("sale %s failed: %s\n", key, error->message);
          g_clear_error (&error);
          wrong++;
          continue;
        }
      dt = g_get_monotonic_time () - t0;
      g_array_append_val (latency, dt);
      if (g_strcmp0 (result.state, "posted") != 0 || result.receipt_no != (gint64) i + 1 ||
          result.replayed)
        {
          g_printerr ("sale %s: %s, receipt %" G_GINT64_FORMAT "\n", key, result.state,
                      result.receipt_no);
          wrong++;
        }
    }
  total = g_get_monotonic_time () - start;

  if (!md_store_query_int64 (store, "SELECT count(*) FROM sale WHERE receipt_no IS NOT NULL",
                             &count, &error) ||
      !md_store_query_int64 (store, "SELECT min(receipt_no) FROM sale", &low, &error) ||
      !md_store_query_int64 (store, "SELECT max(receipt_no) FROM sale", &high, &error) ||
      !md_store_query_int64 (store, "SELECT value FROM counter WHERE scope = 'B1' "
                             "AND name = 'receipt'", &counter, &error))
    g_error ("%s", error->message);
  receipts_ok = count == n && low == 1 && high == n && counter == n;
  if (!receipts_ok)
    {
      g_printerr ("receipts: %" G_GINT64_FORMAT " from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                  ", counter %" G_GINT64_FORMAT ", not 1…%u\n", count, low, high, counter, n);
      wrong++;
    }
  if (!md_ledger_check (store, &problems, &error))
    g_error ("%s", error->message);
  for (guint i = 0; i < problems->len; i++)
    {
      g_printerr ("ledger: %s\n", (char *) g_ptr_array_index (problems, i));
      wrong++;
    }

  g_array_sort (latency, compare_gint64);
  p50 = percentile_ms (latency, 0.50);
  p90 = percentile_ms (latency, 0.90);
  p99 = percentile_ms (latency, 0.99);
  rate = n / (total / (double) G_USEC_PER_SEC);
  g_print ("bench-sale %s: %u sales in %.2f s: %.0f sales/s; per sale p50 %.2f ms, p90 %.2f ms, "
           "p99 %.2f ms, max %.2f ms\n",
           label, n, total / (double) G_USEC_PER_SEC, rate, p50, p90, p99,
           g_array_index (latency, gint64, latency->len - 1) / 1000.0);
  g_print ("bench-sale %s: goal p99 ≤ 20 ms %s, goal ≥ 200 sales/s %s; receipts 1…%u %s, "
           "ledger check %s\n",
           label, p99 <= 20.0 ? "met" : "NOT met", rate >= 200.0 ? "met" : "NOT met", n,
           receipts_ok ? "exactly" : "WRONG", problems->len == 0 ? "clean" : "FAILED");

  g_clear_object (&cashier);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
  }
  return wrong;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  guint wrong;

  setlocale (LC_ALL, "");

  dir = g_dir_make_tmp ("meterdesk-bench-XXXXXX", &error);
  g_assert_no_error (error);
  wrong = run (dir, "disk", N_SALES);
  g_rmdir (dir);

  if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) && g_access ("/dev/shm", W_OK) == 0)
    {
      g_autofree char *shm_dir = g_build_filename ("/dev/shm", "meterdesk-bench-XXXXXX", NULL);

      if (g_mkdtemp (shm_dir) != NULL)
        {
          wrong += run (shm_dir, "tmpfs", N_SALES_SHM);
          g_rmdir (shm_dir);
        }
    }

  if (wrong > 0)
    {
      g_printerr ("bench-sale: %u wrong results\n", wrong);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}
