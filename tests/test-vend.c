/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include "md-audit.h"
#include "md-fake-medium.h"
#include "md-ledger.h"
#include "md-pricing.h"
#include "md-register.h"
#include "md-shift.h"
#include "md-test-util.h"
#include "md-validate.h"
#include "md-vend.h"

#define PW "correct-horse"

typedef struct
{
  MdTestDb      db;
  MdSession    *cash;    /* cashier at T01, shift open with ¥500 */
  MdSession    *boss;    /* supervisor */
  MdSession    *staff;   /* finance, utilization, metering */
  MdMedium     *account;
  MdFakeMedium *card;
} Fixture;

static void
assert_books (Fixture *f)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(MdAuditReport) report = { 0 };

  g_assert_true (md_ledger_check (f->db.store, &problems, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("%s", (char *) problems->pdata[i]);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_true (md_audit_verify (f->db.store, &report, &error));
  g_assert_cmpint (report.broken_seq, ==, 0);
}

static void
open_account (Fixture    *f,
              const char *no,
              gboolean    system,
              gboolean    money)
{
  g_autoptr(GError) error = NULL;
  MdAccountSpec spec = { no, "张三", "RES" };

  spec.system_billing = system;
  spec.money_vend = money;
  g_assert_true (md_account_open (f->staff, &spec, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tariffs", "res-2026.ini",
                                                 NULL);
  g_autofree char *tariff = NULL;

  md_test_db_setup (&f->db);
  f->cash = md_test_add_operator (&f->db, "cash", MD_ROLE_CASHIER, PW);
  f->boss = md_test_add_operator (&f->db, "boss", MD_ROLE_SUPERVISOR, PW);
  f->staff = md_test_add_operator (&f->db, "staff",
                                   MD_ROLE_FINANCE | MD_ROLE_UTILIZATION | MD_ROLE_METERING, PW);
  g_assert_true (g_file_get_contents (path, &tariff, NULL, &error));
  g_assert_true (md_tariff_store_set (f->staff, tariff, -1, NULL, &error));
  g_assert_true (md_category_add (f->staff, "RES", "居民", MD_UTILITY_ELECTRICITY, "RES-2026",
                                  &error));
  g_assert_no_error (error);
  open_account (f, "100001", TRUE, FALSE);   /* credit in the account */
  open_account (f, "200001", FALSE, FALSE);  /* energy on a card */
  open_account (f, "300001", FALSE, TRUE);   /* money on a card */
  g_assert_true (md_shift_open (f->cash, 50000, NULL, &error));
  g_assert_no_error (error);
  f->account = md_account_medium_new ();
  f->card = md_fake_medium_new ("card");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->card);
  g_clear_object (&f->account);
  g_clear_object (&f->cash);
  g_clear_object (&f->boss);
  g_clear_object (&f->staff);
  md_test_clock_uninstall ();
  md_test_db_teardown (&f->db);
}

static gboolean
sell (Fixture       *f,
      MdSession     *who,
      MdMedium      *medium,
      const char    *key,
      const char    *account,
      MdMoney        amount,
      MdSaleResult  *result,
      GError       **error)
{
  MdSaleRequest request = { key, account, amount, 0, MD_PAY_CASH };

  md_sale_result_clear (result);
  return md_vend_sell (who, &request, medium, result, NULL, error);
}

static MdMoney
account_credit (Fixture    *f,
                const char *no)
{
  g_autofree char *name = g_strdup_printf ("prepaid:%s", no);
  MdMoney balance = 0;

  g_assert_true (md_ledger_balance (f->db.store, name, &balance, NULL));
  return -balance;
}

static void
test_sell_account (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdSaleResult) r = { 0 };
  g_auto(MdSaleResult) again = { 0 };
  MdSaleRequest other = { "k1", "100001", 30000, 0, MD_PAY_CASH };

  g_assert_true (sell (f, f->cash, f->account, "k1", "100001", 20000, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.state, ==, "posted");
  g_assert_cmpstr (r.receipt, ==, "T01-000001");
  g_assert_cmpint (r.amount, ==, 20000);
  g_assert_false (r.replayed);
  g_assert_cmpint (account_credit (f, "100001"), ==, 20000);

  /* T18: the same key again is the same sale, never a second one. */
  g_assert_true (sell (f, f->cash, f->account, "k1", "100001", 20000, &again, &error));
  g_assert_true (again.replayed);
  g_assert_cmpint (again.sale_id, ==, r.sale_id);
  g_assert_cmpstr (again.receipt, ==, "T01-000001");
  g_assert_cmpint (account_credit (f, "100001"), ==, 20000);

  /* …and a key cannot be reused for something else. */
  md_sale_result_clear (&again);
  g_assert_false (md_vend_sell (f->cash, &other, f->account, &again, NULL, &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_KEY_REUSED);
  g_clear_error (&error);

  g_assert_true (sell (f, f->cash, f->account, "k2", "100001", 5000, &r, &error));
  g_assert_cmpstr (r.receipt, ==, "T01-000002");
  assert_books (f);
}

static void
test_sell_refused (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdSaleResult) r = { 0 };
  g_autoptr(MdSession) other = md_test_add_operator (&f->db, "cash2", MD_ROLE_CASHIER, PW);
  MdSaleRequest both = { "kx", "100001", 100, 100, MD_PAY_CASH };
  MdSaleRequest zero = { "ky", "100001", 0, 0, MD_PAY_CASH };

  /* Another cashier cannot sell from this drawer. */
  g_assert_false (sell (f, other, f->account, "k1", "100001", 100, &r, &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NO_SHIFT);
  g_clear_error (&error);
  /* Finance may not sell at all. */
  g_assert_false (sell (f, f->staff, f->account, "k1", "100001", 100, &r, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);
  /* The credit of a meter-billed account is not in the account, and back. */
  g_assert_false (sell (f, f->cash, f->account, "k1", "200001", 100, &r, &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_MEDIUM);
  g_clear_error (&error);
  g_assert_false (sell (f, f->cash, MD_MEDIUM (f->card), "k1", "100001", 100, &r, &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_MEDIUM);
  g_clear_error (&error);
  /* Bad requests. */
  g_assert_false (md_vend_sell (f->cash, &both, f->account, &r, NULL, &error));
  g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED);
  g_clear_error (&error);
  g_assert_false (md_vend_sell (f->cash, &zero, f->account, &r, NULL, &error));
  g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED);
  g_clear_error (&error);
  g_assert_false (sell (f, f->cash, f->account, "bad key!", "100001", 100, &r, &error));
  g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_CHARACTERS);
  g_clear_error (&error);
  g_assert_false (sell (f, f->cash, f->account, "k1", "999", 100, &r, &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* A mismatching card is refused before anything is recorded. */
  md_fake_medium_set_mismatch (f->card, TRUE);
  g_assert_false (sell (f, f->cash, MD_MEDIUM (f->card), "k1", "200001", 100, &r, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  {
    g_autoptr(JsonNode) list = md_sale_list (f->cash, NULL, NULL, NULL, 0, &error);

    g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 0);
  }
  assert_books (f);
}

static void
test_energy_card (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdSaleResult) r = { 0 };
  g_autoptr(JsonNode) shown = NULL;
  JsonArray *lines;

  /* ¥200 buys 340.144 kWh at the first tier; the card gets the energy. */
  g_assert_true (sell (f, f->cash, MD_MEDIUM (f->card), "e1", "200001", 20000, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r.energy, ==, 340144);
  g_assert_cmpint (r.purchase_count, ==, 1);
  g_assert_cmpint (md_fake_medium_get_energy (f->card, "CARD-200001"), ==, 340144);
  g_assert_cmpint (md_fake_medium_get_count (f->card, "CARD-200001"), ==, 1);

  shown = md_sale_show (f->cash, r.sale_id, &error);
  lines = json_object_get_array_member (json_node_get_object (shown), "lines");
  g_assert_cmpuint (json_array_get_length (lines), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (lines, 0),
                                                  "amount"), ==, "200.00");

  /* The next sale counts the energy bought this year towards the tiers. */
  g_assert_true (sell (f, f->cash, MD_MEDIUM (f->card), "e2", "200001", 200000, &r, &error));
  g_assert_cmpint (r.purchase_count, ==, 2);
  {
    g_autoptr(JsonNode) second = md_sale_show (f->cash, r.sale_id, &error);

    lines = json_object_get_array_member (json_node_get_object (second), "lines");
    g_assert_cmpuint (json_array_get_length (lines), ==, 2);
  }

  /* A money-type card receives the amount. */
  g_assert_true (sell (f, f->cash, MD_MEDIUM (f->card), "m1", "300001", 5000, &r, &error));
  g_assert_cmpint (r.energy, ==, 0);
  g_assert_cmpint (md_fake_medium_get_credit (f->card, "CARD-300001"), ==, 5000);
  assert_books (f);
}

static void
test_not_delivered (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdSaleResult) r = { 0 };
  g_auto(MdSaleResult) other = { 0 };
  gint64 pending;

  md_fake_medium_set_fault (f->card, MD_FAKE_FAIL_BEFORE_WRITE);
  g_assert_false (sell (f, f->cash, MD_MEDIUM (f->card), "n1", "300001", 5000, &r, &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NOT_DELIVERED);
  g_clear_error (&error);
  g_assert_cmpstr (r.state, ==, "pending");
  g_assert_null (r.receipt);
  g_assert_nonnull (r.next_action);
  pending = r.sale_id;

  /* Nothing else is sold to that card while a sale to it is pending. */
  g_assert_false (sell (f, f->cash, MD_MEDIUM (f->card), "n2", "300001", 100, &other, &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_TARGET_PENDING);
  g_clear_error (&error);

  /* It shows on the "paid but not delivered" list… */
  {
    g_autoptr(JsonNode) list = md_sale_list (f->cash, "pending", NULL, NULL, 0, &error);

    g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  }

  /* …and the card presented again settles it with the same payload. */
  g_assert_true (md_vend_resolve (f->cash, pending, MD_MEDIUM (f->card), FALSE, NULL, &r, NULL,
                                  &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.state, ==, "posted");
  g_assert_cmpstr (r.receipt, ==, "T01-000001");
  g_assert_cmpint (md_fake_medium_get_writes (f->card), ==, 1);
  g_assert_cmpint (md_fake_medium_get_credit (f->card, "CARD-300001"), ==, 5000);

  /* The cashier's retry with the same key finds it posted. */
  g_assert_true (sell (f, f->cash, MD_MEDIUM (f->card), "n1", "300001", 5000, &r, &error));
  g_assert_true (r.replayed);
  g_assert_cmpint (md_fake_medium_get_writes (f->card), ==, 1);
  assert_books (f);
}

static void
test_lost_answer (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdSaleResult) r = { 0 };

  /* Written, but the answer was lost: never write again, read it back. */
  md_fake_medium_set_fault (f->card, MD_FAKE_FAIL_AFTER_WRITE);
  g_assert_false (sell (f, f->cash, MD_MEDIUM (f->card), "u1", "300001", 7000, &r, &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_UNKNOWN);
  g_clear_error (&error);
  g_assert_cmpstr (r.state, ==, "pending");
  g_assert_cmpint (md_fake_medium_get_writes (f->card), ==, 1);

  /* The same key retried: the card shows the purchase, it is posted once. */
  g_assert_true (sell (f, f->cash, MD_MEDIUM (f->card), "u1", "300001", 7000, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.state, ==, "posted");
  g_assert_cmpint (md_fake_medium_get_writes (f->card), ==, 1);
  g_assert_cmpint (md_fake_medium_get_credit (f->card, "CARD-300001"), ==, 7000);
  assert_books (f);
}

static void
test_conflict_and_void (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdApproval) approval = NULL;
  g_auto(MdSaleResult) r = { 0 };
  gint64 pending;

  md_fake_medium_set_fault (f->card, MD_FAKE_SILENT);
  g_assert_false (sell (f, f->cash, MD_MEDIUM (f->card), "c1", "300001", 1000, &r, &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_UNKNOWN);
  g_clear_error (&error);
  pending = r.sale_id;

  /* Another card in the reader: blocked, still pending, audited. */
  md_fake_medium_set_fault (f->card, MD_FAKE_FOREIGN);
  g_assert_false (md_vend_resolve (f->cash, pending, MD_MEDIUM (f->card), FALSE, NULL, &r, NULL,
                                   &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpstr (r.state, ==, "pending");

  /* The right card shows it never got it: a supervisor voids it. */
  md_fake_medium_set_fault (f->card, MD_FAKE_OK);
  g_assert_false (md_vend_resolve (f->cash, pending, MD_MEDIUM (f->card), TRUE, NULL, &r, NULL,
                                   &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);
  approval = md_session_request_approval (f->cash, MD_PERM_REVERSE, "boss", PW, &error);
  g_assert_no_error (error);
  g_assert_true (md_vend_resolve (f->cash, pending, MD_MEDIUM (f->card), TRUE, approval, &r, NULL,
                                  &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.state, ==, "voided");
  g_assert_null (r.receipt);
  g_assert_cmpint (md_fake_medium_get_writes (f->card), ==, 0);

  /* A voided sale stays voided; receipts stay gapless after it. */
  g_assert_true (sell (f, f->cash, MD_MEDIUM (f->card), "c2", "300001", 1000, &r, &error));
  g_assert_cmpstr (r.receipt, ==, "T01-000001");
  assert_books (f);
}

static void
test_reverse (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdApproval) mine = NULL;
  g_autoptr(MdApproval) approval = NULL;
  g_auto(MdSaleResult) sale = { 0 };
  g_auto(MdSaleResult) r = { 0 };
  MdMoney drawer_before;

  g_assert_true (sell (f, f->cash, f->account, "r1", "100001", 20000, &sale, &error));
  g_assert_true (md_ledger_balance (f->db.store, "cash:1", &drawer_before, NULL));

  /* A cashier needs a supervisor, and not themselves. */
  g_assert_false (md_vend_reverse (f->cash, sale.sale_id, NULL, "wrong account", NULL, NULL, &r,
                                   &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);
  g_assert_null (md_session_request_approval (f->cash, MD_PERM_REVERSE, "cash", PW, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_APPROVAL);
  g_clear_error (&error);
  g_assert_false (md_vend_reverse (f->cash, sale.sale_id, NULL, "", NULL, NULL, &r, &error));
  g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED);
  g_clear_error (&error);

  approval = md_session_request_approval (f->cash, MD_PERM_REVERSE, "boss", PW, &error);
  g_assert_true (md_vend_reverse (f->cash, sale.sale_id, NULL, "wrong account", NULL, approval, &r,
                                  &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.kind, ==, "reversal");
  g_assert_cmpstr (r.receipt, ==, "T01-000002");
  g_assert_cmpint (r.amount, ==, -20000);
  g_assert_cmpint (account_credit (f, "100001"), ==, 0);
  {
    MdMoney drawer;

    g_assert_true (md_ledger_balance (f->db.store, "cash:1", &drawer, NULL));
    g_assert_cmpint (drawer, ==, drawer_before - 20000);
  }

  /* Once only; the approval was used up. */
  g_assert_false (md_vend_reverse (f->boss, sale.sale_id, NULL, "again", NULL, NULL, &r, &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NOT_REVERSIBLE);
  g_clear_error (&error);
  g_assert_true (sell (f, f->cash, f->account, "r2", "100001", 10000, &sale, &error));
  g_assert_false (md_vend_reverse (f->cash, sale.sale_id, NULL, "again", NULL, approval, &r,
                                   &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_APPROVAL);
  g_clear_error (&error);

  /* Credit partly used (a fee settled from it): no reversal. */
  g_assert_true (md_fee_set (f->staff, "transfer", NULL, MD_FEE_BASIS_FIXED, MD_FEE_ONCE, 1000, 0,
                             &error));
  g_assert_true (md_vend_offset (f->cash, "100001", "transfer", NULL, 0, NULL, &r, &error));
  g_assert_no_error (error);
  g_assert_false (md_vend_reverse (f->boss, sale.sale_id, NULL, "too late", NULL, NULL, &r,
                                   &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NOT_REVERSIBLE);
  g_clear_error (&error);

  {
    g_autoptr(JsonNode) reversed = md_sale_list (f->cash, "reversed", NULL, NULL, 0, &error);

    g_assert_cmpuint (json_array_get_length (json_node_get_array (reversed)), ==, 1);
  }
  assert_books (f);
}

static void
test_refund_offset_grant (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdApproval) approval = NULL;
  g_auto(MdSaleResult) r = { 0 };

  open_account (f, "100002", TRUE, FALSE);
  g_assert_true (sell (f, f->cash, f->account, "s1", "100001", 30000, &r, &error));

  /* Refund: not more than the credit, not without a supervisor. */
  g_assert_false (md_vend_refund (f->cash, "100001", 40000, MD_PAY_CASH, "moving", NULL, NULL, &r,
                                  &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CREDIT);
  g_clear_error (&error);
  g_assert_false (md_vend_refund (f->cash, "100001", 10000, MD_PAY_CASH, "moving", NULL, NULL, &r,
                                  &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);
  approval = md_session_request_approval (f->cash, MD_PERM_REFUND, "boss", PW, &error);
  g_assert_true (md_vend_refund (f->cash, "100001", 10000, MD_PAY_CASH, "moving", NULL, approval,
                                 &r, &error));
  g_assert_no_error (error);
  g_assert_cmpint (account_credit (f, "100001"), ==, 20000);

  /* More cash than the drawer holds cannot be paid out. */
  g_assert_true (md_shift_cash (f->cash, FALSE, 68000, "to the safe", &error));
  g_assert_false (md_vend_refund (f->boss, "100001", 5000, MD_PAY_CASH, "all", NULL, NULL, &r,
                                  &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CREDIT);
  g_clear_error (&error);

  /* Offset: move credit to another account (a supervisor's call). */
  g_assert_false (md_vend_offset (f->cash, "100001", NULL, "100002", 5000, NULL, &r, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);
  g_assert_true (md_vend_offset (f->boss, "100001", NULL, "100002", 5000, NULL, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpint (account_credit (f, "100002"), ==, 5000);

  /* The free quota comes once a month. */
  g_assert_true (md_vend_grant (f->staff, "100001", 10000, "2026-11", NULL, &r, &error));
  g_assert_no_error (error);
  g_assert_false (r.replayed);
  g_assert_true (md_vend_grant (f->staff, "100001", 10000, "2026-11", NULL, &r, &error));
  g_assert_true (r.replayed);
  g_assert_false (md_vend_grant (f->staff, "100001", 10000, "2026-13", NULL, &r, &error));
  g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT);
  g_clear_error (&error);
  assert_books (f);
}

static void
test_close_and_replace (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdApproval) approval = NULL;
  g_auto(MdSaleResult) r = { 0 };
  MdMeterSpec old_meter = { "000000000001", "ADF400L", MD_UTILITY_ELECTRICITY };
  MdMeterSpec new_meter = { "000000000002", "ADF400L", MD_UTILITY_ELECTRICITY };
  const char *meters[] = { "000000000001", NULL };
  MdAccountSpec spec = { "200002", "李四", "RES", NULL, NULL, NULL, NULL, meters };

  g_autoptr(MdSession) util = md_test_add_operator (&f->db, "util", MD_ROLE_UTILIZATION, PW);

  g_assert_true (sell (f, f->cash, f->account, "s1", "100001", 30000, &r, &error));

  /* Closing settles the credit first, with a supervisor. */
  g_assert_false (md_vend_close_account (util, "100001", MD_PAY_CASH, NULL, NULL, &r, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);
  approval = md_session_request_approval (util, MD_PERM_REFUND, "boss", PW, &error);
  g_assert_no_error (error);
  g_assert_true (md_vend_close_account (util, "100001", MD_PAY_CASH, NULL, approval, &r,
                                        &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.kind, ==, "settlement");
  g_assert_cmpint (r.amount, ==, -30000);
  g_assert_cmpint (account_credit (f, "100001"), ==, 0);
  g_assert_false (sell (f, f->cash, f->account, "s2", "100001", 100, &r, &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE);
  g_clear_error (&error);

  /* Replacing a card-billed account's meter carries its credit, once. */
  g_assert_true (md_meter_add (f->staff, &old_meter, &error));
  g_assert_true (md_meter_add (f->staff, &new_meter, &error));
  g_assert_true (md_account_open (f->staff, &spec, &error));
  g_assert_no_error (error);
  g_assert_true (md_vend_replace_meter (f->staff, "200002", "000000000001", "000000000002", 1234,
                                        MD_MEDIUM (f->card), "carry-1", &r, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.kind, ==, "carry");
  g_assert_cmpint (md_fake_medium_get_credit (f->card, "CARD-200002"), ==, 1234);
  {
    g_autoptr(JsonNode) account = md_account_show (f->staff, "200002", &error);
    JsonArray *list = json_object_get_array_member (json_node_get_object (account), "meters");

    g_assert_cmpuint (json_array_get_length (list), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0),
                                                    "address"), ==, "000000000002");
  }
  g_assert_false (md_vend_replace_meter (f->staff, "200002", "000000000001", "000000000002", 0,
                                         NULL, NULL, &r, &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  assert_books (f);
}

static void
test_shift (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdApproval) approval = NULL;
  g_auto(MdSaleResult) r = { 0 };
  g_autoptr(JsonNode) x = NULL;
  g_autoptr(JsonNode) z1 = NULL;
  g_autoptr(JsonNode) z2 = NULL;
  JsonNode *closed = NULL;

  g_assert_false (md_shift_open (f->cash, 100, NULL, &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_STATE);
  g_clear_error (&error);

  g_assert_true (sell (f, f->cash, f->account, "s1", "100001", 10000, &r, &error));
  g_assert_true (md_shift_cash (f->cash, FALSE, 2000, "change to the safe", &error));
  g_assert_false (md_shift_cash (f->cash, FALSE, 999999, "too much", &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CREDIT);
  g_clear_error (&error);

  x = md_shift_x_report (f->cash, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (x), "expected_cash"), ==,
                   "580.00");

  /* Z needs the shift closed; a count ¥20 short needs a supervisor. */
  z1 = md_shift_z_report (f->boss, &error);
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_STATE);
  g_clear_error (&error);
  g_assert_false (md_shift_close (f->cash, 56000, NULL, NULL, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);
  approval = md_session_request_approval (f->cash, MD_PERM_Z_REPORT, "boss", PW, &error);
  g_assert_true (md_shift_close (f->cash, 56000, approval, &closed, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (closed), "over_short"), ==,
                   "-20.00");
  json_node_unref (closed);

  z1 = md_shift_z_report (f->boss, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (z1), "z_no"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (z1), "grand_total"), ==,
                   "100.00");

  /* The next day adds to the grand total, never resets it. */
  g_assert_true (md_shift_open (f->cash, 0, NULL, &error));
  g_assert_true (sell (f, f->cash, f->account, "s2", "100001", 5000, &r, &error));
  g_assert_true (md_shift_close (f->cash, 5000, NULL, NULL, &error));
  g_assert_no_error (error);
  z2 = md_shift_z_report (f->boss, &error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (z2), "z_no"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (z2), "total"), ==, "50.00");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (z2), "grand_total"), ==,
                   "150.00");

  /* Selling needs an open shift. */
  g_assert_false (sell (f, f->cash, f->account, "s3", "100001", 100, &r, &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NO_SHIFT);
  g_clear_error (&error);
  assert_books (f);
}

/* At start-up every pending sale that can be settled is settled. */
static MdMedium *
lookup_card (const char *kind,
             gpointer    user_data)
{
  return g_strcmp0 (kind, "card") == 0 ? g_object_ref (MD_MEDIUM (user_data)) : NULL;
}

static void
test_recover (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) summary = NULL;
  g_auto(MdSaleResult) r = { 0 };

  md_fake_medium_set_fault (f->card, MD_FAKE_FAIL_AFTER_WRITE);
  g_assert_false (sell (f, f->cash, MD_MEDIUM (f->card), "p1", "300001", 1000, &r, &error));
  g_clear_error (&error);
  md_fake_medium_set_fault (f->card, MD_FAKE_FAIL_BEFORE_WRITE);
  g_assert_false (sell (f, f->cash, MD_MEDIUM (f->card), "p2", "200001", 1000, &r, &error));
  g_clear_error (&error);

  g_assert_true (md_vend_recover (f->cash, lookup_card, f->card, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (summary)), ==, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (json_node_get_array (summary), i), "state"),
                     ==, "posted");
  /* One write each: the first sale's card already had it. */
  g_assert_cmpint (md_fake_medium_get_writes (f->card), ==, 2);
  assert_books (f);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/meterdesk/core/vend/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("sell-account", test_sell_account);
  ADD ("sell-refused", test_sell_refused);
  ADD ("energy-card", test_energy_card);
  ADD ("not-delivered", test_not_delivered);
  ADD ("lost-answer", test_lost_answer);
  ADD ("conflict-and-void", test_conflict_and_void);
  ADD ("reverse", test_reverse);
  ADD ("refund-offset-grant", test_refund_offset_grant);
  ADD ("close-and-replace", test_close_and_replace);
  ADD ("shift", test_shift);
  ADD ("recover", test_recover);
#undef ADD

  return g_test_run ();
}
