/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include "md-card.h"
#include "md-fake-medium.h"
#include "md-ledger.h"
#include "md-pricing.h"
#include "md-register.h"
#include "md-shift.h"
#include "md-test-util.h"
#include "md-validate.h"
#include "md-vend.h"

#define PW "correct-horse"
#define T0 (G_GINT64_CONSTANT (1790000000) * G_USEC_PER_SEC)

typedef struct
{
  MdTestDb   db;
  MdSession *cash;
  MdSession *staff;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tariffs", "res-2026.ini",
                                                 NULL);
  g_autofree char *tariff = NULL;
  MdAccountSpec spec = { "200001", "张三", "RES" };

  md_test_db_setup (&f->db);
  md_test_clock_install (T0);
  f->cash = md_test_add_operator (&f->db, "cash", MD_ROLE_CASHIER, PW);
  f->staff = md_test_add_operator (&f->db, "staff", MD_ROLE_FINANCE | MD_ROLE_UTILIZATION, PW);
  g_assert_true (g_file_get_contents (path, &tariff, NULL, &error));
  g_assert_true (md_tariff_store_set (f->staff, tariff, -1, NULL, &error));
  g_assert_true (md_category_add (f->staff, "RES", "居民", MD_UTILITY_ELECTRICITY, "RES-2026",
                                  &error));
  g_assert_true (md_account_open (f->staff, &spec, &error));
  g_assert_true (md_fee_set (f->staff, "card-replacement", NULL, MD_FEE_BASIS_FIXED, MD_FEE_ONCE,
                             2000, 0, &error));
  g_assert_true (md_shift_open (f->cash, 10000, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->cash);
  g_clear_object (&f->staff);
  md_test_clock_uninstall ();
  md_test_db_teardown (&f->db);
}

static void
test_lifecycle (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdFakeMedium) card = md_fake_medium_new ("card");
  g_auto(MdCardRecord) record = { 0 };
  g_auto(MdSaleResult) r = { 0 };
  MdSaleRequest request = { "c1", "200001", 10000, 0, MD_PAY_CASH };

  /* Issue: one card in use per account; UIDs are hex and unique. */
  g_assert_true (md_card_record_issue (f->cash, "200001", "A1B2C3D4", "sle4442", &error));
  g_assert_no_error (error);
  g_assert_false (md_card_record_issue (f->cash, "200001", "A1B2C3D5", "sle4442", &error));
  g_assert_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE);
  g_clear_error (&error);
  g_assert_false (md_card_record_issue (f->cash, "200001", "XYZ", "sle4442", &error));
  g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT);
  g_clear_error (&error);

  /* A posted card sale moves the books' purchase count with the card's. */
  md_fake_medium_set_uid (card, "A1B2C3D4");
  g_assert_true (md_vend_sell (f->cash, &request, MD_MEDIUM (card), &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (md_card_lookup (f->db.store, "A1B2C3D4", &record, &error));
  g_assert_cmpint (record.purchase_count, ==, 1);

  /* Lost: blocked at once; replaced only after the waiting period. */
  g_assert_true (md_card_report_lost (f->cash, "200001", &error));
  g_assert_no_error (error);
  {
    g_auto(MdCardRecord) lost = { 0 };

    g_assert_false (md_card_replacement_allowed (f->staff, "200001", &lost, &error));
    g_assert_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_WAIT);
    g_clear_error (&error);
  }
  g_assert_false (md_card_record_replacement (f->cash, "200001", "B0000001", "sle4442", &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);

  md_test_clock_advance (MD_CARD_LOST_WAIT_USEC + G_USEC_PER_SEC);
  g_assert_true (md_card_record_replacement (f->staff, "200001", "B0000001", "sle4442", &error));
  g_assert_no_error (error);
  g_assert_true (md_card_lookup (f->db.store, "B0000001", &record, &error));
  g_assert_cmpint (record.generation, ==, 1);
  g_assert_cmpint (record.purchase_count, ==, 1);
  g_assert_cmpstr (record.kind, ==, "replacement");
  g_assert_true (md_card_lookup (f->db.store, "A1B2C3D4", &record, &error));
  g_assert_cmpstr (record.status, ==, "replaced");

  /* The replacement fee is a sale of its own, with a receipt. */
  {
    const char *fees[] = { "card-replacement", NULL };

    g_assert_true (md_vend_charge (f->cash, "200001", fees, MD_PAY_CASH, NULL, NULL, &r, &error));
    g_assert_no_error (error);
    g_assert_cmpint (r.amount, ==, 2000);
    g_assert_nonnull (r.receipt);
  }
}

static void
test_card_query (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdCardRecord) record = { 0 };
  g_autoptr(GPtrArray) problems = NULL;
  MdCardFacts good = { "A1B2C3D4", "200001", 0, 0, 0 };
  MdCardFacts counted = { "A1B2C3D4", "200001", 3, 0, 0 };
  MdCardFacts other = { "A1B2C3D4", "999999", 0, 0, -1 };
  MdCardFacts old = { "A1B2C3D4", "200001", 0, 0, -1 };

  g_assert_true (md_card_record_issue (f->cash, "200001", "A1B2C3D4", "sle4442", &error));
  g_assert_true (md_card_check (f->cash, &good, &record, &problems, &error));
  g_assert_cmpuint (problems->len, ==, 0);
  g_clear_pointer (&problems, g_ptr_array_unref);

  g_assert_true (md_card_check (f->cash, &counted, &record, &problems, &error));
  g_assert_cmpuint (problems->len, ==, 1);
  g_clear_pointer (&problems, g_ptr_array_unref);
  g_assert_true (md_card_check (f->cash, &other, &record, &problems, &error));
  g_assert_cmpuint (problems->len, ==, 1);
  g_clear_pointer (&problems, g_ptr_array_unref);

  g_assert_true (md_card_report_lost (f->cash, "200001", &error));
  g_assert_true (md_card_check (f->cash, &old, &record, &problems, &error));
  g_assert_cmpuint (problems->len, ==, 1);
  g_clear_pointer (&problems, g_ptr_array_unref);

  {
    MdCardFacts unknown = { "FFFF", NULL, -1, -1, -1 };

    g_assert_false (md_card_check (f->cash, &unknown, &record, &problems, &error));
    g_assert_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_UNKNOWN_CARD);
    g_clear_error (&error);
  }

  /* Each disagreement raised an alert for a supervisor to acknowledge. */
  {
    g_autoptr(JsonNode) alerts = md_alert_list (f->staff, TRUE, &error);
    g_autoptr(MdSession) boss = md_test_add_operator (&f->db, "boss", MD_ROLE_SUPERVISOR, PW);
    JsonArray *array = json_node_get_array (alerts);

    g_assert_cmpuint (json_array_get_length (array), ==, 3);
    g_assert_false (md_alert_acknowledge (f->cash, 1, &error));
    g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
    g_clear_error (&error);
    g_assert_true (md_alert_acknowledge (boss, 1, &error));
    g_assert_false (md_alert_acknowledge (boss, 1, &error));
    g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND);
  }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/meterdesk/core/card-register/lifecycle", Fixture, NULL, fixture_setup,
              test_lifecycle, fixture_teardown);
  g_test_add ("/meterdesk/core/card-register/card-query", Fixture, NULL, fixture_setup,
              test_card_query, fixture_teardown);

  return g_test_run ();
}
