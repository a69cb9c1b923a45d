/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include "md-money.h"

typedef struct
{
  const char   *text;
  MdParseFlags  flags;
  gint64        value;   /* expected when error < 0 */
  int           error;   /* MdMoneyError, or -1 for success */
} ParseCase;

static const ParseCase money_cases[] = {
  { "0", 0, 0, -1 },
  { "0.00", 0, 0, -1 },
  { "1", 0, 100, -1 },
  { "1.5", 0, 150, -1 },
  { "1.05", 0, 105, -1 },
  { "100.00", 0, 10000, -1 },
  { "  200 ", 0, 20000, -1 },
  { "1,234.56", 0, 123456, -1 },
  { "1,234,567.89", 0, 123456789, -1 },
  { "¥1,234.56", 0, 123456, -1 },
  { "￥8", 0, 800, -1 },
  { "¥ 8.10", 0, 810, -1 },
  { "１２３．４５", 0, 12345, -1 },
  { "007.10", 0, 710, -1 },
  { "-5.00", MD_PARSE_ALLOW_NEGATIVE, -500, -1 },
  { "-¥1,234.56", MD_PARSE_ALLOW_NEGATIVE, -123456, -1 },
  { "¥-0.01", MD_PARSE_ALLOW_NEGATIVE, -1, -1 },
  { "999999999999.99", 0, MD_MONEY_MAX, -1 },
  { "-999999999999.99", MD_PARSE_ALLOW_NEGATIVE, -MD_MONEY_MAX, -1 },
  { "0.01", MD_PARSE_POSITIVE, 1, -1 },
  /* refused */
  { "", 0, 0, MD_MONEY_ERROR_EMPTY },
  { "   ", 0, 0, MD_MONEY_ERROR_EMPTY },
  { "1.005", 0, 0, MD_MONEY_ERROR_PRECISION },
  { "1.000", 0, 0, MD_MONEY_ERROR_PRECISION },
  { "-5", 0, 0, MD_MONEY_ERROR_NEGATIVE },
  { "-0", 0, 0, MD_MONEY_ERROR_NEGATIVE },
  { "0", MD_PARSE_POSITIVE, 0, MD_MONEY_ERROR_ZERO },
  { "0.00", MD_PARSE_POSITIVE, 0, MD_MONEY_ERROR_ZERO },
  { "1000000000000.00", 0, 0, MD_MONEY_ERROR_OVERFLOW },
  { "99999999999999999999999", 0, 0, MD_MONEY_ERROR_OVERFLOW },
  { "9223372036854775808", 0, 0, MD_MONEY_ERROR_OVERFLOW },
  { "abc", 0, 0, MD_MONEY_ERROR_INVALID },
  { "1e5", 0, 0, MD_MONEY_ERROR_INVALID },
  { "1.", 0, 0, MD_MONEY_ERROR_INVALID },
  { ".5", 0, 0, MD_MONEY_ERROR_INVALID },
  { "1,23.00", 0, 0, MD_MONEY_ERROR_INVALID },
  { "12,34", 0, 0, MD_MONEY_ERROR_INVALID },
  { "1234,567", 0, 0, MD_MONEY_ERROR_INVALID },
  { ",123", 0, 0, MD_MONEY_ERROR_INVALID },
  { "1,,234", 0, 0, MD_MONEY_ERROR_INVALID },
  { "1.2.3", 0, 0, MD_MONEY_ERROR_INVALID },
  { "--5", MD_PARSE_ALLOW_NEGATIVE, 0, MD_MONEY_ERROR_INVALID },
  { "+5", 0, 0, MD_MONEY_ERROR_INVALID },
  { "5 5", 0, 0, MD_MONEY_ERROR_INVALID },
  { "0x10", 0, 0, MD_MONEY_ERROR_INVALID },
  { "1;DROP TABLE account", 0, 0, MD_MONEY_ERROR_INVALID },
  { "NaN", 0, 0, MD_MONEY_ERROR_INVALID },
  { "inf", 0, 0, MD_MONEY_ERROR_INVALID },
  { "\xff\xfe", 0, 0, MD_MONEY_ERROR_INVALID },
  { "5\xc3", 0, 0, MD_MONEY_ERROR_INVALID },
  { "$5", 0, 0, MD_MONEY_ERROR_INVALID },
};

static void
test_money_parse_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (money_cases); i++)
    {
      const ParseCase *c = &money_cases[i];
      g_autoptr(GError) error = NULL;
      MdMoney value = 12345;
      gboolean ok;

      ok = md_money_parse (c->text, c->flags, &value, &error);
      if (c->error < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (value, ==, c->value);
        }
      else
        {
          if (!g_error_matches (error, MD_MONEY_ERROR, c->error))
            g_error ("case %u “%s”: expected error %d, got %s", i, c->text, c->error,
                     error != NULL ? error->message : "success");
          g_assert_false (ok);
          g_assert_cmpint (value, ==, 12345);
          /* Messages are one line and valid UTF-8 whatever the input. */
          g_assert_true (g_utf8_validate (error->message, -1, NULL));
          g_assert_null (strchr (error->message, '\n'));
        }
    }
}

static void
test_money_parse_too_long (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strnfill (4096, '1');
  MdMoney value;

  g_assert_false (md_money_parse (text, 0, &value, &error));
  g_assert_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_INVALID);
  /* The quoted input in the message is bounded. */
  g_assert_cmpuint (strlen (error->message), <, 200);
}

static void
test_price_energy_parse (void)
{
  g_autoptr(GError) error = NULL;
  gint64 v;

  g_assert_true (md_price_parse ("0.5880", 0, &v, &error));
  g_assert_cmpint (v, ==, 5880);
  g_assert_true (md_price_parse ("0.0001", MD_PARSE_POSITIVE, &v, &error));
  g_assert_cmpint (v, ==, 1);
  g_assert_true (md_price_parse ("99999.9999", 0, &v, &error));
  g_assert_cmpint (v, ==, MD_PRICE_MAX);
  g_assert_false (md_price_parse ("0.58801", 0, &v, &error));
  g_assert_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_PRECISION);
  g_clear_error (&error);
  g_assert_false (md_price_parse ("100000", 0, &v, &error));
  g_assert_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_OVERFLOW);
  g_clear_error (&error);

  g_assert_true (md_energy_parse ("319.749", 0, &v, &error));
  g_assert_cmpint (v, ==, 319749);
  g_assert_true (md_energy_parse ("2880", 0, &v, &error));
  g_assert_cmpint (v, ==, 2880000);
  g_assert_false (md_energy_parse ("1.0001", 0, &v, &error));
  g_assert_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_PRECISION);
  g_clear_error (&error);
  g_assert_false (md_energy_parse ("¥5", 0, &v, &error));
  g_assert_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (md_volume_parse ("12.5", 0, &v, &error));
  g_assert_cmpint (v, ==, 12500);

  g_assert_true (md_decimal_parse ("8", 0, 100, 0, &v, &error));
  g_assert_cmpint (v, ==, 8);
  g_assert_false (md_decimal_parse ("8.5", 0, 100, 0, &v, &error));
  g_assert_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_PRECISION);
}

static void
test_money_format (void)
{
  static const struct { MdMoney v; MdMoneyStyle s; const char *text; } cases[] = {
    { 0, MD_MONEY_STYLE_PLAIN, "0.00" },
    { 1, MD_MONEY_STYLE_PLAIN, "0.01" },
    { -1, MD_MONEY_STYLE_PLAIN, "-0.01" },
    { 123456, MD_MONEY_STYLE_PLAIN, "1234.56" },
    { 123456, MD_MONEY_STYLE_GROUPED, "1,234.56" },
    { 123456, MD_MONEY_STYLE_CURRENCY, "¥1,234.56" },
    { -123456, MD_MONEY_STYLE_CURRENCY, "-¥1,234.56" },
    { 99999, MD_MONEY_STYLE_CURRENCY, "¥999.99" },
    { 100000, MD_MONEY_STYLE_CURRENCY, "¥1,000.00" },
    { 123456789012, MD_MONEY_STYLE_GROUPED, "1,234,567,890.12" },
    { G_MAXINT64, MD_MONEY_STYLE_PLAIN, "92233720368547758.07" },
    { G_MININT64, MD_MONEY_STYLE_PLAIN, "-92233720368547758.08" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = md_money_format (cases[i].v, cases[i].s);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_money_format_locale (void)
{
  g_autofree char *c_text = NULL;
  g_autofree char *zh_text = NULL;
  char *old = g_strdup (setlocale (LC_MONETARY, NULL));

  setlocale (LC_MONETARY, "C");
  c_text = md_money_format (123456, MD_MONEY_STYLE_LOCALE);
  g_assert_cmpstr (c_text, ==, "1234.56");

  /* The test set-up (README, .ci/run) generates the zh_CN.UTF-8 locale. */
  g_assert_nonnull (setlocale (LC_MONETARY, "zh_CN.UTF-8"));
  zh_text = md_money_format (123456, MD_MONEY_STYLE_LOCALE);
  g_assert_cmpstr (zh_text, ==, "¥1,234.56");
  setlocale (LC_MONETARY, old);
  g_free (old);
}

static void
test_unit_format (void)
{
  g_autofree char *p = md_price_format (5880);
  g_autofree char *p2 = md_price_format (1);
  g_autofree char *e = md_energy_format (319749);
  g_autofree char *e2 = md_energy_format (5);
  g_autofree char *w = md_volume_format (12500);
  g_autofree char *d = md_decimal_format (-5, 0);

  g_assert_cmpstr (p, ==, "0.5880");
  g_assert_cmpstr (p2, ==, "0.0001");
  g_assert_cmpstr (e, ==, "319.749");
  g_assert_cmpstr (e2, ==, "0.005");
  g_assert_cmpstr (w, ==, "12.500");
  g_assert_cmpstr (d, ==, "-5");
}

static void
test_checked_arithmetic (void)
{
  g_autoptr(GError) error = NULL;
  MdMoney v = 7;

  g_assert_true (md_money_add (1, 2, &v, &error));
  g_assert_cmpint (v, ==, 3);
  g_assert_false (md_money_add (G_MAXINT64, 1, &v, &error));
  g_assert_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_OVERFLOW);
  g_clear_error (&error);
  g_assert_false (md_money_sub (G_MININT64, 1, &v, &error));
  g_assert_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_OVERFLOW);
  g_clear_error (&error);
  g_assert_false (md_money_mul (G_MAXINT64 / 2 + 1, 2, &v, &error));
  g_assert_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_OVERFLOW);
  g_clear_error (&error);
  g_assert_true (md_money_mul (-3, 4, &v, &error));
  g_assert_cmpint (v, ==, -12);
}

static void
test_rounding (void)
{
  static const struct { gint64 n, d, q; } cases[] = {
    { 0, 10, 0 },
    { 4, 10, 0 },
    { 5, 10, 1 },
    { 14, 10, 1 },
    { 15, 10, 2 },
    { -4, 10, 0 },
    { -5, 10, -1 },
    { -15, 10, -2 },
    { 49999, 100000, 0 },
    { 50000, 100000, 1 },
    { -50000, 100000, -1 },
    { 1, 3, 0 },
    { 2, 3, 1 },
    { G_MAXINT64, 1, G_MAXINT64 },
    { G_MININT64, 1, G_MININT64 },
    { G_MAXINT64, 2, G_MAXINT64 / 2 + 1 },
    { G_MININT64, 2, G_MININT64 / 2 },
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 q;

      g_assert_true (md_div_round (cases[i].n, cases[i].d, &q, &error));
      g_assert_no_error (error);
      g_assert_cmpint (q, ==, cases[i].q);
    }
}

static void
test_price_cost (void)
{
  g_autoptr(GError) error = NULL;
  MdMoney cost;
  gint64 q;

  /* 80.000 kWh × 0.5880 = 47.04 */
  g_assert_true (md_price_cost (5880, 80000, &cost, &error));
  g_assert_cmpint (cost, ==, 4704);
  /* 1 Wh × 0.5880 = 0.000588 → 0.00 */
  g_assert_true (md_price_cost (5880, 1, &cost, &error));
  g_assert_cmpint (cost, ==, 0);
  /* 0.0001 × 50 kWh = 0.005 → 0.01 (half away from zero) */
  g_assert_true (md_price_cost (1, 50000, &cost, &error));
  g_assert_cmpint (cost, ==, 1);
  g_assert_true (md_price_cost (1, 49999, &cost, &error));
  g_assert_cmpint (cost, ==, 0);
  g_assert_true (md_price_cost (5880, -80000, &cost, &error));
  g_assert_cmpint (cost, ==, -4704);
  g_assert_false (md_price_cost (MD_PRICE_MAX, G_MAXINT64, &cost, &error));
  g_assert_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_OVERFLOW);
  g_clear_error (&error);

  /* ¥200 at 0.5880: 340.136 kWh costs 200.00, one Wh more costs 200.00 too
   * (200.0005 rounds down)… the boundary is found exactly. */
  g_assert_true (md_price_quantity_for (5880, 20000, &q, &error));
  g_assert_true (md_price_cost (5880, q, &cost, &error));
  g_assert_cmpint (cost, <=, 20000);
  g_assert_true (md_price_cost (5880, q + 1, &cost, &error));
  g_assert_cmpint (cost, >, 20000);
  g_assert_true (md_price_quantity_for (5880, 0, &q, &error));
  g_assert_cmpint (q, ==, 8);  /* 8 Wh cost 0.0047 → 0.00 */
  g_assert_true (md_price_quantity_for (MD_PRICE_MAX, MD_MONEY_MAX, &q, &error));
  g_assert_true (md_price_quantity_for (1, 92233720368547, &q, &error));
  g_assert_cmpint (q, ==, G_GINT64_CONSTANT (9223372036854749999));
  g_assert_false (md_price_quantity_for (1, MD_MONEY_MAX, &q, &error));
  g_assert_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_OVERFLOW);
}

/* 10^6 random cases against a 128-bit reference: format and parse agree,
 * rounding is the one rule, and quantity_for is exact. */
static void
test_money_properties (void)
{
  GRand *rand;
  guint32 seed = g_test_rand_int ();
  guint n = g_test_slow () ? 10000000 : 1000000;

  g_test_message ("seed %u, %u cases", seed, n);
  rand = g_rand_new_with_seed (seed);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 magnitude = (gint64) (((guint64) g_rand_int (rand) << 32 | g_rand_int (rand)) %
                                   (guint64) (MD_MONEY_MAX + 1));
      MdMoney v = (g_rand_boolean (rand) ? -1 : 1) * (magnitude >> g_rand_int_range (rand, 0, 47));
      MdMoneyStyle style = (MdMoneyStyle) g_rand_int_range (rand, 0, 3);
      g_autofree char *text = md_money_format (v, style);
      MdMoney back = 0;
      MdPrice price = g_rand_int_range (rand, 1, MD_PRICE_MAX);
      gint64 q;
      MdMoney cost;
      MdMoney amount = ABS (v) >> g_rand_int_range (rand, 0, 30);
      __int128 prod;
      __int128 ref;

      if (!md_money_parse (text, MD_PARSE_ALLOW_NEGATIVE, &back, &error))
        g_error ("seed %u case %u: “%s” did not parse: %s", seed, i, text, error->message);
      if (back != v)
        g_error ("seed %u case %u: %" G_GINT64_FORMAT " → “%s” → %" G_GINT64_FORMAT,
                 seed, i, v, text, back);

      /* Rounding against the reference definition. */
      q = (gint64) g_rand_int_range (rand, -10000000, 10000000);
      if (!md_price_cost (price, q, &cost, &error))
        g_error ("seed %u case %u: cost failed", seed, i);
      prod = (__int128) price * q;
      ref = (prod < 0 ? -prod : prod) * 2 + 100000;
      ref /= 200000;
      if (prod < 0)
        ref = -ref;
      if (cost != (gint64) ref)
        g_error ("seed %u case %u: %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT " → %" G_GINT64_FORMAT,
                 seed, i, price, q, cost);

      /* What an amount buys costs no more than it, and one unit more does. */
      if (!md_price_quantity_for (price, amount, &q, &error))
        g_error ("seed %u case %u: quantity failed", seed, i);
      if (!md_price_cost (price, q, &cost, &error) || cost > amount)
        g_error ("seed %u case %u: %" G_GINT64_FORMAT " buys too much", seed, i, amount);
      if (!md_price_cost (price, q + 1, &cost, &error) || cost <= amount)
        g_error ("seed %u case %u: %" G_GINT64_FORMAT " buys too little", seed, i, amount);
    }

  g_rand_free (rand);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/core/money/parse-table", test_money_parse_table);
  g_test_add_func ("/meterdesk/core/money/parse-too-long", test_money_parse_too_long);
  g_test_add_func ("/meterdesk/core/money/price-energy-parse", test_price_energy_parse);
  g_test_add_func ("/meterdesk/core/money/format", test_money_format);
  g_test_add_func ("/meterdesk/core/money/format-locale", test_money_format_locale);
  g_test_add_func ("/meterdesk/core/money/unit-format", test_unit_format);
  g_test_add_func ("/meterdesk/core/money/checked-arithmetic", test_checked_arithmetic);
  g_test_add_func ("/meterdesk/core/money/rounding", test_rounding);
  g_test_add_func ("/meterdesk/core/money/price-cost", test_price_cost);
  g_test_add_func ("/meterdesk/core/money/properties", test_money_properties);

  return g_test_run ();
}
