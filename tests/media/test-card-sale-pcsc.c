/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "md-card-service.h"
#include "md-card-test.h"
#include "md-ledger.h"
#include "md-pricing.h"
#include "md-register.h"
#include "md-shift.h"
#include "md-test-util.h"

/*
 * T08 with the books through the real stack: the sale (md_vend_sell()
 * through the card service) on a private pcscd (build-aux/pcscd-test.sh)
 * + vpcd + `meterdesk-sim card`. The emulator tears at every APDU k of the
 * sale's write sequence; started again on the same state file, the card is
 * presented again, and the sale is resolved. Then pcscd killed while the
 * card holds the write without answering, and another card presented for
 * a pending sale.
 */

#define PW "correct-horse"
#define ACCOUNT "200001"
#define OTHER "200002"

typedef struct
{
  MdTestDb        db;
  MdSession      *cash;
  MdSession      *staff;
  MdCardKeys     *keys;
  char           *dir;
  char           *reader;
  MdPcscLink     *link;
  MdCardService  *service;
} Fixture;

static const char *type_names[] = { "cpu", "sle4442" };

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tariffs", "res-2026.ini",
                                                 NULL);
  g_autofree char *tariff = NULL;
  MdAccountSpec spec = { ACCOUNT, "张三", "RES" };
  MdAccountSpec other = { OTHER, "李四", "RES" };

  md_test_db_setup (&f->db);
  f->cash = md_test_add_operator (&f->db, "cash", MD_ROLE_CASHIER, PW);
  f->staff = md_test_add_operator (&f->db, "staff", MD_ROLE_FINANCE | MD_ROLE_UTILIZATION, PW);
  g_assert_true (g_file_get_contents (path, &tariff, NULL, &error));
  g_assert_true (md_tariff_store_set (f->staff, tariff, -1, NULL, &error));
  g_assert_true (md_category_add (f->staff, "RES", "居民", MD_UTILITY_ELECTRICITY, "RES-2026",
                                  &error));
  spec.money_vend = TRUE;
  other.money_vend = TRUE;
  g_assert_true (md_account_open (f->staff, &spec, &error));
  g_assert_true (md_account_open (f->staff, &other, &error));
  g_assert_true (md_shift_open (f->cash, 100000, NULL, &error));
  g_assert_no_error (error);

  f->dir = g_build_filename (g_getenv ("MD_PCSCD_DIR"), "sale", NULL);
  g_mkdir_with_parents (f->dir, 0700);
  f->keys = md_card_test_keys (3);
  f->reader = md_test_reader ();
  f->link = md_pcsc_link_new (f->reader);
  f->service = md_card_service_new (MD_CARD_LINK (f->link), f->keys);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->service);
  g_clear_object (&f->link);
  g_free (f->reader);
  g_free (f->dir);
  md_card_keys_free (f->keys);
  g_clear_object (&f->cash);
  g_clear_object (&f->staff);
  md_test_db_teardown (&f->db);
}

static char *
path_of (Fixture    *f,
         const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static MdTestEmulator *
present (Fixture    *f,
         const char *state,
         const char *type,
         guint       tear_at,
         guint       stall_at,
         const char *log)
{
  MdTestEmulator *emulator = md_test_emulator_start (state, type, NULL, tear_at, 5, stall_at, log);

  md_test_wait_card (MD_CARD_LINK (f->link), TRUE);
  return emulator;
}

static void
take_out (Fixture        *f,
          MdTestEmulator *emulator)
{
  md_test_emulator_stop (emulator);
  md_test_wait_card (MD_CARD_LINK (f->link), FALSE);
}

static gint64
count_rows (Fixture    *f,
            const char *sql)
{
  return md_test_query_int (f->db.store, sql);
}

static gboolean
sell (Fixture       *f,
      const char    *account,
      MdMoney        amount,
      MdSaleResult  *result,
      GError       **error)
{
  g_autofree char *key = md_vend_new_key ();
  MdSaleRequest request = { key, account, amount, 0, MD_PAY_CASH };

  return md_card_service_sell (f->service, f->cash, &request, result, NULL, error);
}

static void
assert_books (Fixture *f)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (md_ledger_check (f->db.store, &problems, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
}

static void
card_and_books (Fixture *f,
                gint64   count)
{
  g_auto(MdCardState) st = { 0 };
  g_auto(MdCardRecord) record = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (md_card_read_state (MD_CARD_LINK (f->link), f->keys, &st, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (st.purchase_count, ==, count);
  g_assert_true (md_card_lookup (f->db.store, st.uid, &record, &error));
  g_assert_cmpint (record.purchase_count, ==, count);
}

/* The APDUs of one clean sale, from the emulator's log: where the write
 * sequence (the third session: query, prepare, deliver) starts, and the
 * last one. */
static void
write_sequence (const char *log,
                const char *type,
                guint      *out_first,
                guint      *out_last)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  const char *opening = g_str_equal (type, "cpu") ? "> 00 A4 08 0C 02 2F 02"
                                                  : "> FF A4 00 00 01 06";
  guint n = 0;
  guint sessions = 0;

  g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  *out_first = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (!g_str_has_prefix (lines[i], "> "))
        continue;
      n++;
      if (g_str_equal (lines[i], opening) && ++sessions == 3)
        *out_first = n;
    }
  *out_last = n;
  g_assert_cmpuint (*out_first, >, 0);
}

static void
test_tear (Fixture       *f,
           gconstpointer  data)
{
  const char *type = type_names[GPOINTER_TO_UINT (data)];
  g_autofree char *card = path_of (f, "tear.card");
  g_autofree char *log = path_of (f, "tear.log");
  guint first = 0;
  guint last = 0;
  guint written = 0;
  guint not_written = 0;
  guint overrides = 0;
  gint64 count = 1;

  g_unlink (card);
  g_unlink (log);
  {
    g_autoptr(MdTestEmulator) emulator = present (f, card, type, 0, 0, NULL);
    g_autoptr(JsonNode) issued = NULL;
    g_auto(MdSaleResult) r = { 0 };
    g_autoptr(GError) error = NULL;

    issued = md_card_service_issue (f->service, f->cash, ACCOUNT, NULL, &error);
    g_assert_no_error (error);
    take_out (f, emulator);
    g_clear_pointer (&emulator, md_test_emulator_free);

    /* A clean sale, logged, to count its APDUs. */
    emulator = present (f, card, type, 0, 0, log);
    g_assert_true (sell (f, ACCOUNT, 100, &r, &error));
    g_assert_no_error (error);
    take_out (f, emulator);
    write_sequence (log, type, &first, &last);
  }

  for (guint k = first; k <= last; k++)
    {
      g_autoptr(MdTestEmulator) emulator = NULL;
      g_auto(MdSaleResult) r = { 0 };
      g_autoptr(GError) error = NULL;
      gint64 sales = count_rows (f, "SELECT count(*) FROM sale");
      gint64 sale;

      md_card_service_set_flags (f->service, MD_CARD_SESSION_DEFAULT);
      emulator = present (f, card, type, k, 0, NULL);
      g_assert_false (sell (f, ACCOUNT, 200, &r, &error));
      g_assert_nonnull (error);
      g_test_message ("%s, tear at APDU %u: %s", type, k, error->message);
      g_assert_cmpint (md_test_emulator_wait (emulator), ==, 3);
      g_clear_pointer (&emulator, md_test_emulator_free);
      md_test_wait_card (MD_CARD_LINK (f->link), FALSE);

      /* The sale was written before the card was touched; it is pending. */
      g_assert_cmpint (count_rows (f, "SELECT count(*) FROM sale"), ==, sales + 1);
      g_assert_cmpstr (r.state, ==, "pending");
      sale = r.sale_id;
      md_sale_result_clear (&r);
      g_clear_error (&error);

      emulator = present (f, card, type, 0, 0, NULL);
      {
        g_auto(MdCardQuery) q = { 0 };

        g_assert_true (md_card_service_query (f->service, f->cash, &q, NULL, &error));
        g_assert_no_error (error);
        g_assert_cmpint (q.pending_sale, ==, sale);
        if (q.pending_written)
          written++;
        else
          not_written++;
      }
      if (!md_card_service_resolve (f->service, f->cash, sale, FALSE, NULL, &r, NULL, &error))
        {
          g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NOT_DELIVERED);
          g_clear_error (&error);
          md_sale_result_clear (&r);
          overrides++;
          md_card_service_set_flags (f->service, MD_CARD_SESSION_SUPERVISOR_OVERRIDE);
          g_assert_true (md_card_service_resolve (f->service, f->cash, sale, FALSE, NULL, &r,
                                                  NULL, &error));
        }
      g_assert_no_error (error);
      g_assert_cmpstr (r.state, ==, "posted");
      count++;
      card_and_books (f, count);
      take_out (f, emulator);
    }

  g_test_message ("T08 with the books through pcscd, %s: %u tear points (APDUs %u–%u), %u found "
                  "written, %u written again (%u with a PSC override), %" G_GINT64_FORMAT
                  " sales posted once each", type, last - first + 1, first, last, written,
                  not_written, overrides, count);
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM sale WHERE state = 'posted'"), ==, count);
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM sale WHERE state <> 'posted'"), ==, 0);
  g_assert_cmpuint (written, >, 0);
  g_assert_cmpuint (not_written, >, 0);
  assert_books (f);
}

typedef struct
{
  Fixture      *f;
  MdSaleResult  result;
  gboolean      ok;
  GError       *error;
} SellJob;

static gpointer
sell_thread (gpointer data)
{
  SellJob *job = data;

  job->ok = sell (job->f, ACCOUNT, 2222, &job->result, &job->error);
  return NULL;
}

static void
run_helper (const char *variable)
{
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *argv[] = { g_getenv (variable), NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
test_faults (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *card = path_of (f, "faults.card");
  g_autofree char *other = path_of (f, "faults-other.card");
  g_autofree char *log = path_of (f, "faults.log");
  g_autoptr(GError) error = NULL;
  guint first = 0;
  guint last = 0;
  gint64 sale;

  g_unlink (card);
  g_unlink (other);
  g_unlink (log);
  {
    g_autoptr(MdTestEmulator) emulator = present (f, other, "sle4442", 0, 0, NULL);
    g_autoptr(JsonNode) issued = md_card_service_issue (f->service, f->cash, OTHER, NULL, &error);

    g_assert_no_error (error);
    take_out (f, emulator);
  }
  {
    g_autoptr(MdTestEmulator) emulator = present (f, card, "sle4442", 0, 0, NULL);
    g_autoptr(JsonNode) issued = md_card_service_issue (f->service, f->cash, ACCOUNT, NULL,
                                                        &error);
    g_auto(MdSaleResult) r = { 0 };

    g_assert_no_error (error);
    take_out (f, emulator);
    g_clear_pointer (&emulator, md_test_emulator_free);
    emulator = present (f, card, "sle4442", 0, 0, log);
    g_assert_true (sell (f, ACCOUNT, 1111, &r, &error));
    take_out (f, emulator);
    write_sequence (log, "sle4442", &first, &last);
  }

  /* pcscd killed while the card holds the write without answering: the
   * sale stays pending; pcscd back, the card presented, it is posted from
   * what the card shows, never written twice. The write is the APDU before
   * the read-back's select. */
  {
    g_autoptr(MdTestEmulator) emulator = NULL;
    g_autoptr(GDataInputStream) out = NULL;
    g_autofree char *line = NULL;
    g_autofree char *apdus = NULL;
    g_auto(MdSaleResult) r = { 0 };
    SellJob job = { f };
    GThread *thread;
    guint write_at = 0;

    {
      g_auto(GStrv) lines = NULL;
      guint n = 0;

      g_assert_true (g_file_get_contents (log, &apdus, NULL, NULL));
      lines = g_strsplit (apdus, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (g_str_has_prefix (lines[i], "> ") && ++n >= first &&
            (g_str_has_prefix (lines[i], "> FF D0 00 5C") ||
             g_str_has_prefix (lines[i], "> FF D0 00 82")))
          write_at = n;
      g_clear_pointer (&apdus, g_free);
    }
    g_assert_cmpuint (write_at, >, first);
    g_unlink (log);

    emulator = present (f, card, "sle4442", 0, write_at, log);
    thread = g_thread_new ("sell", sell_thread, &job);
    out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (emulator->process));
    line = g_data_input_stream_read_line (out, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (line, ==, "stalled");
    g_assert_true (g_file_get_contents (log, &apdus, NULL, NULL));
    g_assert_nonnull (strstr (apdus, "> FF D0 00"));

    run_helper ("MD_PCSCD_STOP");
    g_thread_join (thread);
    g_assert_false (job.ok);
    g_assert_error (job.error, MD_VEND_ERROR, MD_VEND_ERROR_UNKNOWN);
    g_test_message ("pcscd killed mid-write: %s", job.error->message);
    g_clear_error (&job.error);
    g_assert_cmpstr (job.result.state, ==, "pending");
    sale = job.result.sale_id;
    md_sale_result_clear (&job.result);
    g_assert_cmpint (md_test_emulator_wait (emulator), ==, 4);
    g_clear_pointer (&emulator, md_test_emulator_free);

    run_helper ("MD_PCSCD_START");
    emulator = present (f, card, "sle4442", 0, 0, log);
    g_assert_true (md_card_service_resolve (f->service, f->cash, sale, FALSE, NULL, &r, NULL,
                                            &error));
    g_assert_no_error (error);
    g_assert_cmpstr (r.state, ==, "posted");
    card_and_books (f, 2);
    take_out (f, emulator);
  }

  /* Another card presented for a pending sale: a conflict, alerted; the
   * sale stays pending until its own card comes back. */
  {
    g_autoptr(MdTestEmulator) emulator = NULL;
    g_auto(MdSaleResult) r = { 0 };

    emulator = present (f, card, "sle4442", last, 0, NULL);
    g_assert_false (sell (f, ACCOUNT, 3333, &r, &error));
    g_clear_error (&error);
    sale = r.sale_id;
    g_assert_cmpstr (r.state, ==, "pending");
    md_sale_result_clear (&r);
    g_assert_cmpint (md_test_emulator_wait (emulator), ==, 3);
    g_clear_pointer (&emulator, md_test_emulator_free);
    md_test_wait_card (MD_CARD_LINK (f->link), FALSE);

    emulator = present (f, other, "sle4442", 0, 0, NULL);
    g_assert_false (md_card_service_resolve (f->service, f->cash, sale, FALSE, NULL, &r, NULL,
                                             &error));
    g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CONFLICT);
    g_test_message ("another card: %s", error->message);
    g_clear_error (&error);
    g_assert_cmpstr (r.state, ==, "pending");
    md_sale_result_clear (&r);
    g_assert_cmpint (count_rows (f, "SELECT count(*) FROM alert WHERE kind = 'card.conflict'"),
                     ==, 1);
    take_out (f, emulator);
    g_clear_pointer (&emulator, md_test_emulator_free);

    emulator = present (f, card, "sle4442", 0, 0, NULL);
    g_assert_true (md_card_service_resolve (f->service, f->cash, sale, FALSE, NULL, &r, NULL,
                                            &error));
    g_assert_no_error (error);
    g_assert_cmpstr (r.state, ==, "posted");
    card_and_books (f, 3);
    take_out (f, emulator);
  }
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM sale WHERE state = 'posted'"), ==, 3);
  assert_books (f);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/meterdesk/media/pcsc-sale/tear/cpu", Fixture, GUINT_TO_POINTER (0),
              fixture_setup, test_tear, fixture_teardown);
  g_test_add ("/meterdesk/media/pcsc-sale/tear/sle4442", Fixture, GUINT_TO_POINTER (1),
              fixture_setup, test_tear, fixture_teardown);
  g_test_add ("/meterdesk/media/pcsc-sale/faults", Fixture, NULL, fixture_setup, test_faults,
              fixture_teardown);
  return g_test_run ();
}
