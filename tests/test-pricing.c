/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include "md-pricing.h"
#include "md-register.h"
#include "md-test-util.h"
#include "md-validate.h"

#define PW "correct-horse"

/* 2026-06-01T12:00:00+08:00: a flat period of RES-2026 (12:00–17:00). */
#define JUNE_NOON (G_GINT64_CONSTANT (1780286400) * G_USEC_PER_SEC)

typedef struct
{
  MdTestDb   db;
  MdSession *fin;
} Fixture;

static char *
tariff_text (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tariffs", name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  return text;
}

static void
set_tariff (Fixture    *f,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (md_tariff_store_set (f->fin, text, -1, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *res = tariff_text ("res-2026.ini");
  MdAccountSpec account = { "100234", "张三", "RES" };

  md_test_db_setup (&f->db);
  f->fin = md_test_add_operator (&f->db, "fin", MD_ROLE_FINANCE | MD_ROLE_UTILIZATION, PW);
  set_tariff (f, res);
  g_assert_true (md_category_add (f->fin, "RES", "居民生活", MD_UTILITY_ELECTRICITY, "RES-2026",
                                  &error));
  g_assert_true (md_account_open (f->fin, &account, &error));
  g_assert_no_error (error);
  md_test_clock_install (JUNE_NOON);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  md_test_clock_uninstall ();
  g_clear_object (&f->fin);
  md_test_db_teardown (&f->db);
}

static char *
version_of (const char *text,
            const char *valid_from,
            const char *flat)
{
  g_autoptr(GString) s = g_string_new (text);

  g_string_replace (s, "valid-from=2026-01-01T00:00:00+08:00", valid_from, 1);
  g_string_replace (s, "flat=0.5880", flat, 1);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_versions (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *res = tariff_text ("res-2026.ini");
  g_autofree char *july = version_of (res, "valid-from=2026-07-01T00:00:00+08:00", "flat=0.6000");
  g_autofree char *same_day = version_of (res, "valid-from=2026-01-01T00:00:00+08:00",
                                          "flat=0.6100");
  g_autofree char *earlier = version_of (res, "valid-from=2025-07-01T00:00:00+08:00",
                                         "flat=0.6100");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) shown = NULL;
  g_auto(MdQuote) quote = { 0 };
  gint64 row_june = 0;
  gint64 row_july = 0;

  /* The same file twice changes nothing. */
  g_assert_true (md_tariff_store_set (f->fin, res, -1, &result, &error));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (result), "status"), ==,
                   "unchanged");

  /* History is never rewritten. */
  g_assert_false (md_tariff_store_set (f->fin, same_day, -1, NULL, &error));
  g_assert_error (error, MD_PRICING_ERROR, MD_PRICING_ERROR_HISTORY);
  g_clear_error (&error);
  g_assert_false (md_tariff_store_set (f->fin, earlier, -1, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* A new version applies from its start. */
  set_tariff (f, july);
  g_assert_true (md_pricing_quote (f->fin, "100234", 0, 100000, &quote, &row_june, &error));
  g_assert_cmpint (quote.amount, ==, 5880);
  md_quote_clear (&quote);
  md_test_clock_advance ((gint64) 31 * 24 * (gint64) 3600 * G_USEC_PER_SEC);
  g_assert_true (md_pricing_quote (f->fin, "100234", 0, 100000, &quote, &row_july, &error));
  g_assert_cmpint (quote.amount, ==, 6000);
  g_assert_cmpint (row_june, !=, row_july);

  shown = md_tariff_store_show (f->fin, "RES-2026", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (shown), "versions")), ==, 2);

  /* A bad file is refused with its line. */
  g_assert_false (md_tariff_store_set (f->fin, "[tariff]\nid=X\nbogus=1\n", -1, NULL, &error));
  g_assert_nonnull (strstr (error->message, "3"));
}

static void
test_quote (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdQuote) quote = { 0 };

  /* ¥200 at the flat rate, nothing used yet this year: all in tier 1. */
  g_assert_true (md_pricing_quote (f->fin, "100234", 20000, 0, &quote, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (quote.kind, ==, MD_QUOTE_ENERGY);
  g_assert_cmpint (quote.amount, <=, 20000);
  /* 340.144 kWh × 0.5880 = 200.0047 → ¥200.00; one Wh more would be ¥200.01. */
  g_assert_cmpint (quote.energy, ==, 340144);
  md_quote_clear (&quote);

  /* Closed or pre-registered accounts are not sold to; unknown ones neither. */
  {
    MdAccountSpec pre = { "200001", "预置", "RES" };

    pre.preregister = TRUE;
    g_assert_true (md_account_open (f->fin, &pre, &error));
    g_assert_false (md_pricing_quote (f->fin, "200001", 20000, 0, &quote, NULL, &error));
    g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE);
    g_clear_error (&error);
    g_assert_false (md_pricing_quote (f->fin, "999", 20000, 0, &quote, NULL, &error));
    g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* A category without a tariff cannot price anything. */
  {
    MdAccountSpec bare = { "300001", "无价", "BARE" };

    g_assert_true (md_category_add (f->fin, "BARE", "无价", MD_UTILITY_ELECTRICITY, NULL, &error));
    g_assert_true (md_account_open (f->fin, &bare, &error));
    g_assert_false (md_pricing_quote (f->fin, "300001", 20000, 0, &quote, NULL, &error));
    g_assert_error (error, MD_PRICING_ERROR, MD_PRICING_ERROR_NO_TARIFF);
    g_clear_error (&error);
  }

  /* A money-type account: the amount is what the meter receives. */
  {
    MdAccountSpec money = { "400001", "金额表", "RES" };

    money.money_vend = TRUE;
    g_assert_true (md_account_open (f->fin, &money, &error));
    g_assert_true (md_pricing_quote (f->fin, "400001", 20000, 0, &quote, NULL, &error));
    g_assert_cmpint (quote.kind, ==, MD_QUOTE_MONEY);
    g_assert_cmpint (quote.amount, ==, 20000);
    g_assert_cmpint (quote.estimated_energy, ==, 340144);
  }
}

static void
test_overrides (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *flat = tariff_text ("flat.ini");
  g_autoptr(GError) error = NULL;
  g_auto(MdQuote) quote = { 0 };
  g_autoptr(MdTariff) parsed = md_tariff_new_from_text (flat, -1, NULL, &error);
  MdMeterSpec meter = { "202411110002", "ADF400L", MD_UTILITY_ELECTRICITY };
  g_autoptr(MdSession) metering = md_test_add_operator (&f->db, "meter", MD_ROLE_METERING, PW);
  MdPrice flat_price;

  g_assert_no_error (error);
  flat_price = md_tariff_get_rate (parsed, MD_RATE_FLAT);
  set_tariff (f, flat);

  g_assert_false (md_tariff_override_set (f->fin, "100234", NULL, "NO-SUCH", &error));
  g_assert_error (error, MD_PRICING_ERROR, MD_PRICING_ERROR_NO_TARIFF);
  g_clear_error (&error);
  g_assert_false (md_tariff_override_set (f->fin, NULL, NULL, "RES-2026", &error));
  g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED);
  g_clear_error (&error);

  /* The account's own tariff wins over its category's… */
  g_assert_true (md_tariff_override_set (f->fin, "100234", NULL, md_tariff_get_id (parsed),
                                         &error));
  md_test_clock_advance (G_USEC_PER_SEC);
  g_assert_true (md_pricing_quote (f->fin, "100234", 0, 1000000, &quote, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (quote.lines[0].price, ==, flat_price);
  md_quote_clear (&quote);

  /* …a meter's own wins over the account's… */
  g_assert_true (md_meter_add (metering, &meter, &error));
  {
    const char *meters[] = { "202411110002", NULL };
    MdAccountSpec two = { "100235", "李四", "RES", NULL, NULL, NULL, NULL, meters };

    g_assert_true (md_account_open (f->fin, &two, &error));
  }
  g_assert_true (md_tariff_override_set (f->fin, NULL, "202411110002", md_tariff_get_id (parsed),
                                         &error));
  md_test_clock_advance (G_USEC_PER_SEC);
  g_assert_true (md_pricing_quote (f->fin, "100235", 0, 1000000, &quote, NULL, &error));
  g_assert_cmpint (quote.lines[0].price, ==, flat_price);
  md_quote_clear (&quote);

  /* …and clearing returns to the category's. */
  g_assert_true (md_tariff_override_set (f->fin, "100234", NULL, NULL, &error));
  md_test_clock_advance (G_USEC_PER_SEC);
  g_assert_true (md_pricing_quote (f->fin, "100234", 0, 1000000, &quote, NULL, &error));
  g_assert_cmpint (quote.lines[0].price, ==, 5880);
}

static void
test_fees (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdFee) fee = { 0 };
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(MdSession) cashier = md_test_add_operator (&f->db, "cash", MD_ROLE_CASHIER, PW);

  g_assert_false (md_fee_lookup (f->db.store, "card-replacement", JUNE_NOON, &fee, &error));
  g_assert_error (error, MD_PRICING_ERROR, MD_PRICING_ERROR_NO_FEE);
  g_clear_error (&error);

  g_assert_true (md_fee_set (f->fin, "card-replacement", NULL, MD_FEE_BASIS_FIXED, MD_FEE_ONCE,
                             2000, 0, &error));
  g_assert_no_error (error);
  md_test_clock_advance (G_USEC_PER_SEC);
  /* A later price applies from its date; the earlier one stays for the past. */
  g_assert_true (md_fee_set (f->fin, "card-replacement", NULL, MD_FEE_BASIS_FIXED, MD_FEE_ONCE,
                             2500, JUNE_NOON + (gint64) 3600 * G_USEC_PER_SEC, &error));
  g_assert_true (md_fee_lookup (f->db.store, "card-replacement", JUNE_NOON + 10, &fee, &error));
  g_assert_cmpint (fee.amount, ==, 2000);
  g_assert_cmpstr (fee.name, ==, "Card replacement fee");
  md_fee_clear (&fee);
  g_assert_true (md_fee_lookup (f->db.store, "card-replacement",
                                JUNE_NOON + (gint64) 3600 * G_USEC_PER_SEC, &fee, &error));
  g_assert_cmpint (fee.amount, ==, 2500);

  /* Not earlier than the last price; custom items need a name; cashiers cannot. */
  g_assert_false (md_fee_set (f->fin, "card-replacement", NULL, MD_FEE_BASIS_FIXED, MD_FEE_ONCE,
                              100, JUNE_NOON, &error));
  g_assert_error (error, MD_PRICING_ERROR, MD_PRICING_ERROR_HISTORY);
  g_clear_error (&error);
  g_assert_false (md_fee_set (f->fin, "rent", NULL, MD_FEE_BASIS_PER_M2, MD_FEE_MONTHLY, 100, 0,
                              &error));
  g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED);
  g_clear_error (&error);
  g_assert_false (md_fee_set (cashier, "transfer", NULL, MD_FEE_BASIS_FIXED, MD_FEE_ONCE, 100, 0,
                              &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);

  g_assert_true (md_fee_set (f->fin, "rent", "租金", MD_FEE_BASIS_PER_M2, MD_FEE_MONTHLY, 12000,
                             0, &error));
  list = md_fee_list (f->fin, FALSE, &error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/meterdesk/core/pricing/" path, Fixture, NULL, fixture_setup, func, \
              fixture_teardown)
  ADD ("versions", test_versions);
  ADD ("quote", test_quote);
  ADD ("overrides", test_overrides);
  ADD ("fees", test_fees);
#undef ADD

  return g_test_run ();
}
