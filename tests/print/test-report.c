/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "md-ledger.h"
#include "md-report.h"
#include "md-shift.h"
#include "md-validate.h"
#include "report-fixture.h"

/* The report queries, on SQLite and (tests/meson.build pg_too) PostgreSQL:
 * totals against the ledger, local days, empty periods, bad input. One
 * database for the whole run: building it costs the password hashes. */

static ReportFixture fixture;

static MdReportRange
range (const char *from,
       const char *to)
{
  g_autoptr(GError) error = NULL;
  MdReportRange r;

  g_assert_true (md_report_range_parse (fixture.db.store, from, to, &r, &error));
  g_assert_no_error (error);
  return r;
}

static gint64
total (MdReportTable *table,
       const char    *key)
{
  int column = md_report_table_find_column (table, key);

  g_assert_cmpint (column, >=, 0);
  g_assert_true (md_report_table_has_totals (table));
  return md_report_table_get_total (table, column)->number;
}

static gint64
cell (MdReportTable *table,
      guint          row,
      const char    *key)
{
  int column = md_report_table_find_column (table, key);

  g_assert_cmpint (column, >=, 0);
  return md_report_table_get_value (table, row, column)->number;
}

static const char *
text (MdReportTable *table,
      guint          row,
      const char    *key)
{
  int column = md_report_table_find_column (table, key);

  g_assert_cmpint (column, >=, 0);
  return md_report_table_get_value (table, row, column)->text;
}

/* The row whose @key column reads @value, or -1. */
static int
find_row (MdReportTable *table,
          const char    *key,
          const char    *value)
{
  for (guint r = 0; r < md_report_table_get_n_rows (table); r++)
    if (g_strcmp0 (text (table, r, key), value) == 0)
      return (int) r;
  return -1;
}

static void
assert_books (void)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (md_ledger_check (fixture.db.store, &problems, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("%s", (char *) problems->pdata[i]);
  g_assert_cmpuint (problems->len, ==, 0);
}

/* What the payment legs of the ledger took in for sales posted in @r. */
static gint64
ledger_taken (const MdReportRange *r)
{
  return report_fixture_query (&fixture,
                               "SELECT COALESCE(SUM(l.delta), 0) FROM ledger l "
                               "JOIN sale s ON s.id = l.sale_id WHERE s.state = 'posted' "
                               "AND s.posted_at >= $1 AND s.posted_at < $2 "
                               "AND (l.account LIKE 'cash:%' OR l.account IN ('bank-card', "
                               "'transfer', 'wechat', 'alipay', 'other'))", r->from, r->to);
}

static void
test_sales_totals (void)
{
  MdReportRange feb = range ("2026-02", "2026-02");
  gint64 taken = ledger_taken (&feb);
  gint64 sold = report_fixture_query (&fixture,
                                      "SELECT COALESCE(SUM(amount), 0) FROM sale "
                                      "WHERE state = 'posted' AND kind = 'sale' "
                                      "AND posted_at >= $1 AND posted_at < $2", feb.from, feb.to);
  gint64 energy = report_fixture_query (&fixture,
                                        "SELECT COALESCE(SUM(energy), 0) FROM sale "
                                        "WHERE state = 'posted' AND kind IN ('sale', 'reversal') "
                                        "AND posted_at >= $1 AND posted_at < $2", feb.from,
                                        feb.to);

  assert_books ();
  g_assert_cmpint (taken, ==, 36000);
  g_assert_cmpint (sold, ==, 46000);
  /* What ¥100 buys at ¥0.50: the most Wh that still round to ¥100.00. */
  g_assert_cmpint (energy, ==, 200009);

  /* Every grouping and period adds up to the same ledger figures. */
  for (MdReportBy by = MD_REPORT_BY_NONE; by <= MD_REPORT_BY_TERMINAL; by++)
    for (MdReportPeriod p = MD_REPORT_PERIOD_ALL; p <= MD_REPORT_PERIOD_YEAR; p++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(MdReportTable) t = md_report_sales (fixture.staff, &feb, p, by, &error);

        g_assert_no_error (error);
        g_assert_cmpint (total (t, "net"), ==, taken);
        g_assert_cmpint (total (t, "sales"), ==, sold);
        g_assert_cmpint (total (t, "reversals"), ==, -8000);
        g_assert_cmpint (total (t, "refunds"), ==, -2000);
        g_assert_cmpint (total (t, "count"), ==, 5);
        g_assert_cmpint (total (t, "energy"), ==, energy);
        g_assert_cmpint (total (t, "water"), ==, 0);
      }
}

static void
test_sales_groups (void)
{
  g_autoptr(GError) error = NULL;
  MdReportRange feb = range ("2026-02-01", "2026-02-28");
  static const struct { MdReportBy by; const char *key; const char *group; gint64 net; } cases[] = {
    { MD_REPORT_BY_LINE, "line", "L1", 23000 },
    { MD_REPORT_BY_LINE, "line", "L2", 10000 },
    { MD_REPORT_BY_AREA, "area", "TA2", 10000 },
    { MD_REPORT_BY_CATEGORY, "category", "RES", 33000 },
    { MD_REPORT_BY_CATEGORY, "category", "COM", 0 },
    { MD_REPORT_BY_CATEGORY, "category", "WAT", 3000 },
    { MD_REPORT_BY_BUILDING, "building", "MALL/B3", 23000 },
    { MD_REPORT_BY_BUILDING, "building", "MALL/B4", 13000 },
    { MD_REPORT_BY_PAYMENT, "payment", "cash", 13000 },
    { MD_REPORT_BY_PAYMENT, "payment", "wechat", 20000 },
    { MD_REPORT_BY_PAYMENT, "payment", "bank-card", 0 },
    { MD_REPORT_BY_PAYMENT, "payment", "alipay", 3000 },
    { MD_REPORT_BY_OPERATOR, "operator", "staff", 36000 },
    { MD_REPORT_BY_TERMINAL, "terminal", "T01", 36000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MdReportTable) t = md_report_sales (fixture.staff, &feb, MD_REPORT_PERIOD_ALL,
                                                    cases[i].by, &error);
      int row;

      g_assert_no_error (error);
      row = find_row (t, cases[i].key, cases[i].group);
      g_assert_cmpint (row, >=, 0);
      g_assert_cmpint (cell (t, row, "net"), ==, cases[i].net);
    }

  /* The shop without a meter or room is unassigned, and comes last. */
  {
    g_autoptr(MdReportTable) t = md_report_sales (fixture.staff, &feb, MD_REPORT_PERIOD_ALL,
                                                  MD_REPORT_BY_LINE, &error);
    guint last = md_report_table_get_n_rows (t) - 1;

    g_assert_cmpuint (md_report_table_get_n_rows (t), ==, 3);
    g_assert_cmpint (cell (t, last, "net"), ==, 3000);
    g_assert_cmpint (cell (t, last, "count"), ==, 2);
  }

  /* By day: the days with sales, in order. */
  {
    g_autoptr(MdReportTable) t = md_report_sales (fixture.staff, &feb, MD_REPORT_PERIOD_DAY,
                                                  MD_REPORT_BY_NONE, &error);

    g_assert_cmpuint (md_report_table_get_n_rows (t), ==, 3);
    g_assert_cmpstr (text (t, 0, "period"), ==, "2026-02-01");
    g_assert_cmpint (cell (t, 0, "net"), ==, 5000);
    g_assert_cmpstr (text (t, 1, "period"), ==, "2026-02-10");
    g_assert_cmpint (cell (t, 1, "net"), ==, 41000);
    g_assert_cmpstr (text (t, 2, "period"), ==, "2026-02-11");
    g_assert_cmpint (cell (t, 2, "net"), ==, -10000);
    g_assert_cmpuint (md_report_table_get_n_charts (t), ==, 1);
  }
}

/* Days are the site's: 00:30 on 1 February in Shanghai is February. */
static void
test_local_days (void)
{
  g_autoptr(GError) error = NULL;
  MdReportRange jan = range ("2026-01-01", "2026-01-31");
  MdReportRange year = range ("2026", "2026");
  g_autoptr(MdReportTable) t = md_report_sales (fixture.staff, &jan, MD_REPORT_PERIOD_ALL,
                                                MD_REPORT_BY_NONE, &error);
  g_autoptr(MdReportTable) months = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (md_report_table_get_n_rows (t), ==, 0);
  g_assert_cmpint (ledger_taken (&jan), ==, 0);

  months = md_report_sales (fixture.staff, &year, MD_REPORT_PERIOD_MONTH, MD_REPORT_BY_NONE,
                            &error);
  g_assert_cmpuint (md_report_table_get_n_rows (months), ==, 2);
  g_assert_cmpstr (text (months, 0, "period"), ==, "2026-02");
  g_assert_cmpstr (text (months, 1, "period"), ==, "2026-03");
  g_assert_cmpint (cell (months, 1, "net"), ==, 6000);
  g_assert_cmpint (total (months, "net"), ==, ledger_taken (&year));
}

static void
test_empty (void)
{
  g_autoptr(GError) error = NULL;
  MdReportRange r = range ("2024-01-01", "2024-01-31");
  g_autoptr(MdReportTable) t = md_report_sales (fixture.staff, &r, MD_REPORT_PERIOD_DAY,
                                                MD_REPORT_BY_CATEGORY, &error);
  g_autoptr(GBytes) csv = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *shown = NULL;
  gsize size;
  const char *data;

  g_assert_no_error (error);
  g_assert_cmpuint (md_report_table_get_n_rows (t), ==, 0);
  g_assert_cmpint (total (t, "net"), ==, 0);
  csv = md_report_table_to_csv (t);
  data = g_bytes_get_data (csv, &size);
  g_assert_true (g_str_has_prefix (data, "\xef\xbb\xbf"));
  /* The heading line and nothing else. */
  g_assert_cmpint ((const char *) memchr (data, '\n', size) - data, ==, (gssize) size - 1);
  json = md_report_table_to_json (t);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (json), "rows")), ==, 0);
  shown = md_report_table_to_text (t);
  g_assert_nonnull (strstr (shown, "(none)"));
}

static void
test_bad_input (void)
{
  g_autoptr(GError) error = NULL;
  MdReportRange r;
  MdReportBy by;
  MdReportPeriod period;

  g_assert_false (md_report_range_parse (fixture.db.store, "2026-03-01", "2026-02-01", &r, &error));
  g_assert_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_RANGE);
  g_clear_error (&error);
  for (guint i = 0; i < 6; i++)
    {
      const char *bad[] = { "2026-02-30", "2026/02/01", "", "26-02-01", "2026-13", "20260201" };

      g_assert_false (md_report_range_parse (fixture.db.store, bad[i], "2026-03-01", &r, &error));
      g_assert_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_DATE);
      g_clear_error (&error);
    }
  g_assert_false (md_report_range_parse (fixture.db.store, "1990", "2026", &r, &error));
  g_assert_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_RANGE);
  g_clear_error (&error);
  g_assert_false (md_report_by_parse ("street", &by, &error));
  g_assert_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_GROUP);
  g_clear_error (&error);
  g_assert_false (md_report_period_parse ("week", &period, &error));
  g_assert_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_PERIOD);
  g_clear_error (&error);

  /* A cashier runs no reports; an unknown account is named. */
  r = range ("2026-02", "2026-02");
  g_assert_null (md_report_sales (fixture.cash, &r, MD_REPORT_PERIOD_ALL, MD_REPORT_BY_NONE,
                                  &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);
  g_assert_null (md_report_energy (fixture.staff, "999999", &r, MD_REPORT_PERIOD_DAY, &error));
  g_assert_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_NOT_FOUND);
}

static void
test_energy (void)
{
  g_autoptr(GError) error = NULL;
  MdReportRange feb = range ("2026-02", "2026-02");
  g_autoptr(MdReportTable) days = md_report_energy (fixture.staff, "100001", &feb,
                                                    MD_REPORT_PERIOD_DAY, &error);
  g_autoptr(MdReportTable) month = NULL;
  g_autoptr(MdReportTable) card = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (md_report_table_get_n_rows (days), ==, 28);
  g_assert_cmpint (cell (days, 0, "consumed"), ==, 10000);
  g_assert_cmpint (cell (days, 0, "consumed_last_year"), ==, 8000);
  g_assert_cmpint (cell (days, 0, "consumed_change"), ==, 2500);
  g_assert_cmpint (cell (days, 27, "billed"), ==, 500);
  g_assert_cmpint (total (days, "consumed"), ==, 280000);
  g_assert_cmpint (total (days, "consumed_last_year"), ==, 224000);
  g_assert_cmpint (total (days, "consumed_change"), ==, 2500);
  /* Money credited: ¥50 + ¥200 − the ¥20 refund. */
  g_assert_cmpint (total (days, "paid"), ==, 23000);
  g_assert_cmpuint (md_report_table_get_n_charts (days), ==, 2);

  month = md_report_energy (fixture.staff, "100001", &feb, MD_REPORT_PERIOD_MONTH, &error);
  g_assert_cmpuint (md_report_table_get_n_rows (month), ==, 1);
  g_assert_cmpint (cell (month, 0, "consumed"), ==, 280000);

  /* The energy card bought 200.009 kWh at ¥0.50. */
  card = md_report_energy (fixture.staff, "200001", &feb, MD_REPORT_PERIOD_MONTH, &error);
  g_assert_cmpint (cell (card, 0, "purchased"), ==, 200009);
  g_assert_true (md_report_table_get_value (card, 0, md_report_table_find_column (
                   card, "consumed_change"))->is_null);
}

static void
test_trail (void)
{
  g_autoptr(GError) error = NULL;
  MdReportRange q1 = range ("2026-01", "2026-03");
  g_autoptr(MdReportTable) t = md_report_trail (fixture.staff, "100001", &q1,
                                                MD_REPORT_PERIOD_MONTH, &error);
  g_autoptr(MdReportTable) card = NULL;
  MdMoney balance = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (md_report_table_get_n_rows (t), ==, 3);
  g_assert_cmpint (cell (t, 0, "opening"), ==, 10000);
  g_assert_cmpint (cell (t, 0, "closing"), ==, 10000);
  g_assert_cmpint (cell (t, 1, "paid_in"), ==, 25000);
  g_assert_cmpint (cell (t, 1, "corrections"), ==, -2000);
  g_assert_cmpint (cell (t, 1, "closing"), ==, 33000);
  g_assert_cmpint (cell (t, 1, "consumed"), ==, 280000);
  g_assert_cmpint (cell (t, 1, "billed"), ==, 14000);
  g_assert_cmpint (cell (t, 2, "closing"), ==, 39000);
  for (guint r = 0; r < 3; r++)
    g_assert_cmpint (cell (t, r, "closing"), ==,
                     cell (t, r, "opening") + cell (t, r, "paid_in") + cell (t, r, "corrections") +
                     cell (t, r, "deductions"));
  for (guint r = 1; r < 3; r++)
    g_assert_cmpint (cell (t, r, "opening"), ==, cell (t, r - 1, "closing"));
  g_assert_true (md_ledger_balance (fixture.db.store, "prepaid:100001", &balance, &error));
  g_assert_cmpint (total (t, "closing"), ==, -balance);

  /* Credit on a card is not in the books: energy left instead, unknown
   * without readings. */
  card = md_report_trail (fixture.staff, "200001", &q1, MD_REPORT_PERIOD_MONTH, &error);
  g_assert_true (md_report_table_get_value (card, 1, md_report_table_find_column (
                   card, "closing"))->is_null);
  g_assert_cmpint (cell (card, 1, "paid_in"), ==, 10000);
  g_assert_cmpint (cell (card, 1, "purchased"), ==, 200009);
}

static void
test_logs (void)
{
  g_autoptr(GError) error = NULL;
  MdReportRange day = range ("2026-02-10", "2026-02-10");
  MdReportRange all = range ("2025", "2026");
  g_autoptr(MdReportTable) posts = md_report_audit_log (fixture.staff, &day, NULL, "sale.post",
                                                        &error);
  g_autoptr(MdReportTable) none = NULL;
  g_autoptr(MdReportTable) alerts = NULL;
  g_autoptr(MdReportTable) shifts = NULL;
  g_autoptr(MdReportTable) offline = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (md_report_table_get_n_rows (posts), ==, 4);
  g_assert_cmpstr (text (posts, 0, "action"), ==, "sale.post");
  g_assert_cmpstr (text (posts, 0, "operator"), ==, "staff");
  none = md_report_audit_log (fixture.staff, &day, "cash", NULL, &error);
  g_assert_cmpuint (md_report_table_get_n_rows (none), ==, 0);
  g_assert_null (md_report_audit_log (fixture.staff, &day, "nobody", NULL, &error));
  g_assert_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (md_report_audit_log (fixture.cash, &day, NULL, NULL, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);

  alerts = md_report_alerts (fixture.staff, &all, NULL, TRUE, &error);
  g_assert_cmpuint (md_report_table_get_n_rows (alerts), ==, 1);
  g_assert_cmpstr (text (alerts, 0, "kind"), ==, "card.mismatch");
  g_clear_pointer (&alerts, md_report_table_unref);
  alerts = md_report_alerts (fixture.staff, &all, "offline", FALSE, &error);
  g_assert_cmpuint (md_report_table_get_n_rows (alerts), ==, 0);

  shifts = md_report_shifts (fixture.staff, &all, NULL, &error);
  g_assert_cmpuint (md_report_table_get_n_rows (shifts), ==, 1);
  g_assert_cmpint (cell (shifts, 0, "float"), ==, 50000);
  g_assert_cmpint (cell (shifts, 0, "sales"), ==, ledger_taken (&all));

  /* Now is 5 March; the readings of meter …0001 end on 1 March. */
  offline = md_report_offline (fixture.staff, 1, &error);
  g_assert_cmpuint (md_report_table_get_n_rows (offline), ==, 3);
  g_assert_cmpstr (text (offline, 0, "meter"), ==, "202411110001");
  g_assert_cmpint (cell (offline, 0, "days_silent"), ==, 4);
  g_clear_pointer (&offline, md_report_table_unref);
  offline = md_report_offline (fixture.staff, 10, &error);
  g_assert_cmpuint (md_report_table_get_n_rows (offline), ==, 2);
}

static void
test_formats (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdReportTable) t = md_report_table_new ("test", "Test");
  g_autoptr(GBytes) csv = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *json_text = NULL;
  g_autofree char *shown = NULL;
  guint row;

  md_report_table_add_column (t, "name", "Name", NULL, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_KEY);
  md_report_table_add_column (t, "amount", "Amount", "yuan", MD_REPORT_TYPE_MONEY,
                              MD_REPORT_COLUMN_TOTAL);
  md_report_table_add_column (t, "energy", "Energy", "kWh", MD_REPORT_TYPE_ENERGY,
                              MD_REPORT_COLUMN_TOTAL);
  row = md_report_table_append_row (t);
  md_report_table_set_text (t, row, 0, "=HYPERLINK(\"x\"),\"张三\"");
  md_report_table_set_int (t, row, 1, -123456);
  md_report_table_set_int (t, row, 2, 1234567);
  row = md_report_table_append_row (t);
  md_report_table_set_text (t, row, 0, "李四");
  md_report_table_set_int (t, row, 1, 5);
  md_report_table_compute_totals (t, "合计");

  csv = md_report_table_to_csv (t);
  g_assert_cmpstr (g_bytes_get_data (csv, NULL), ==,
                   "\xef\xbb\xbfName,Amount (yuan),Energy (kWh)\r\n"
                   "\"'=HYPERLINK(\"\"x\"\"),\"\"张三\"\"\",-1234.56,1234.567\r\n"
                   "李四,0.05,\r\n"
                   "合计,-1234.51,1234.567\r\n");
  json = md_report_table_to_json (t);
  json_text = json_to_string (json, FALSE);
  g_assert_nonnull (strstr (json_text, "\"amount\":\"-1234.56\""));
  g_assert_nonnull (strstr (json_text, "\"totals\":{\"name\":\"合计\",\"amount\":\"-1234.51\""));
  shown = md_report_table_to_text (t);
  g_assert_nonnull (strstr (shown, "-1,234.56"));
  g_assert_nonnull (strstr (shown, "1,234.567"));
  (void) error;
}

static void
test_money_words (void)
{
  static const struct { MdMoney fen; const char *words; } cases[] = {
    { 0, "零元整" },
    { 5, "伍分" },
    { 50, "伍角整" },
    { 105, "壹元零伍分" },
    { 1000, "壹拾元整" },
    { 20000, "贰佰元整" },
    { 10050, "壹佰元伍角整" },
    { 120450, "壹仟贰佰零肆元伍角整" },
    { 100100000, "壹佰万零壹仟元整" },
    { 10000000, "壹拾万元整" },
    { 10010000, "壹拾万零壹佰元整" },
    { 1000000100, "壹仟万零壹元整" },
    { 10000000100, "壹亿零壹元整" },
    { 12345678909, "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元零玖分" },
    { -3456, "负叁拾肆元伍角陆分" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *words = md_money_to_chinese (cases[i].fen);

      g_assert_cmpstr (words, ==, cases[i].words);
    }
}


static char *
field (const MdReceipt *receipt,
       const char      *key)
{
  return md_receipt_get_text (receipt, key, MD_REPORT_STYLE_PLAIN);
}

/* The receipt documents' SQL, on both backends. Last: it closes the shift. */
static void
test_receipts (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdReceipt) sale = md_receipt_load_sale (fixture.staff, fixture.sale_feb10, FALSE,
                                                    &error);
  g_autoptr(MdReceipt) reversal = NULL;
  g_autoptr(MdReceipt) reprint = NULL;
  g_autoptr(MdReceipt) slip = NULL;
  g_autoptr(MdReceipt) x = NULL;
  g_autoptr(MdReceipt) z = NULL;
  g_autoptr(JsonNode) z_json = NULL;
  g_autofree char *before = NULL, *after = NULL, *count = NULL, *words = NULL, *room = NULL;
  g_autofree char *reverses = NULL, *id = NULL, *expected = NULL, *z_total = NULL;
  g_autofree char *drawer = NULL;
  MdMoney cash = 0;

  g_assert_no_error (error);
  g_assert_cmpint (sale->kind, ==, MD_RECEIPT_SALE);
  before = field (sale, "credit_before");
  after = field (sale, "credit_after");
  count = field (sale, "purchase_count");
  words = field (sale, "amount_in_words");
  room = field (sale, "room");
  g_assert_cmpstr (before, ==, "150.00");
  g_assert_cmpstr (after, ==, "350.00");
  g_assert_cmpstr (count, ==, "3");
  g_assert_cmpstr (words, ==, "贰佰元整");
  g_assert_cmpstr (room, ==, "购物中心 3号楼 2层 205室");
  g_assert_true (g_str_has_prefix (sale->qr_text, "meterdesk:receipt?no="));
  g_assert_cmpuint (sale->tables->len, ==, 1);

  reversal = md_receipt_load_sale (fixture.staff, fixture.reversal, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (reversal->kind, ==, MD_RECEIPT_REVERSAL);
  reverses = field (reversal, "reverses");
  g_assert_nonnull (reverses);
  g_assert_cmpstr (reverses, !=, reversal->number);

  reprint = md_receipt_load_sale (fixture.staff, fixture.sale_card, TRUE, &error);
  g_assert_cmpint (reprint->reprint_no, ==, 1);
  g_assert_true (md_receipt_record_reprint (fixture.staff, reprint, &error));
  g_assert_no_error (error);
  g_clear_pointer (&reprint, md_receipt_free);
  reprint = md_receipt_load_sale (fixture.staff, fixture.sale_card, TRUE, &error);
  g_assert_cmpint (reprint->reprint_no, ==, 2);

  slip = md_receipt_load_account (fixture.staff, "100001", &error);
  g_assert_no_error (error);
  id = field (slip, "id_number");
  g_assert_cmpstr (id, ==, "110101********4512");
  g_assert_true (g_str_has_prefix (slip->qr_text, "meterdesk:account?no=100001&audit="));
  g_assert_cmpuint (strlen (slip->qr_text), ==, strlen ("meterdesk:account?no=100001&audit=") + 64);

  x = md_receipt_load_shift_x (fixture.staff, &error);
  g_assert_no_error (error);
  expected = field (x, "expected_cash");
  drawer = g_strdup_printf ("cash:%" G_GINT64_FORMAT,
                            report_fixture_query (&fixture, "SELECT MAX(id) FROM shift "
                                                  "WHERE $1 = $2", 0, 0));
  g_assert_true (md_ledger_balance (fixture.db.store, drawer, &cash, &error));
  {
    g_autofree char *text = md_money_format (cash, MD_MONEY_STYLE_PLAIN);

    g_assert_cmpstr (expected, ==, text);
  }
  g_assert_true (md_shift_close (fixture.staff, cash, NULL, NULL, &error));
  z_json = md_shift_z_report (fixture.staff, &error);
  g_assert_no_error (error);
  z = md_receipt_load_shift_z (fixture.staff, NULL, 0, &error);
  g_assert_no_error (error);
  z_total = field (z, "total");
  g_assert_cmpstr (z_total, ==, json_object_get_string_member (json_node_get_object (z_json),
                                                               "total"));
  g_assert_cmpuint (z->tables->len, ==, 3);
  assert_books ();
}

int
main (int   argc,
      char *argv[])
{
  int status;

  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/core/report/money-words", test_money_words);
  g_test_add_func ("/meterdesk/core/report/formats", test_formats);
  g_test_add_func ("/meterdesk/core/report/sales-totals", test_sales_totals);
  g_test_add_func ("/meterdesk/core/report/sales-groups", test_sales_groups);
  g_test_add_func ("/meterdesk/core/report/local-days", test_local_days);
  g_test_add_func ("/meterdesk/core/report/empty", test_empty);
  g_test_add_func ("/meterdesk/core/report/bad-input", test_bad_input);
  g_test_add_func ("/meterdesk/core/report/energy", test_energy);
  g_test_add_func ("/meterdesk/core/report/trail", test_trail);
  g_test_add_func ("/meterdesk/core/report/logs", test_logs);
  g_test_add_func ("/meterdesk/core/report/receipts", test_receipts);

  report_fixture_setup (&fixture);
  status = g_test_run ();
  report_fixture_teardown (&fixture);
  return status;
}
