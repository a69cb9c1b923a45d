/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "md-meter-types.h"
#include "md-meter-value.h"

static MdMeterValueSpec
spec (MdMeterValueType type,
      guint8           size,
      gint64           mul,
      gint64           div)
{
  MdMeterValueSpec s = { type, size, -1, mul, div };

  return s;
}

static void
test_integers (void)
{
  MdMeterValueSpec u32 = spec (MD_METER_VALUE_U32, 4, 10, 1);
  MdMeterValueSpec i32 = spec (MD_METER_VALUE_I32, 4, 1, 1);
  MdMeterValueSpec i16 = spec (MD_METER_VALUE_I16, 2, 1, 1);
  const guint16 hi_first[] = { 0x0001, 0x86A0 };   /* 100000 */
  const guint16 lo_first[] = { 0x86A0, 0x0001 };
  const guint16 minus[] = { 0xFFFF, 0xFFFE };      /* -2 */
  const guint16 minus16[] = { 0x8000 };
  guint16 out[2];
  gint64 v;

  g_assert_true (md_meter_value_from_registers (&u32, MD_METER_WORD_ORDER_HIGH_FIRST, hi_first,
                                                &v, NULL));
  g_assert_cmpint (v, ==, 1000000);   /* 1000.00 kWh in 0.01 kWh → Wh */
  g_assert_true (md_meter_value_from_registers (&u32, MD_METER_WORD_ORDER_LOW_FIRST, lo_first,
                                                &v, NULL));
  g_assert_cmpint (v, ==, 1000000);
  g_assert_true (md_meter_value_from_registers (&i32, MD_METER_WORD_ORDER_HIGH_FIRST, minus,
                                                &v, NULL));
  g_assert_cmpint (v, ==, -2);
  g_assert_true (md_meter_value_from_registers (&i16, MD_METER_WORD_ORDER_HIGH_FIRST, minus16,
                                                &v, NULL));
  g_assert_cmpint (v, ==, -32768);

  /* Writing goes back exactly, or refuses. */
  g_assert_true (md_meter_value_to_registers (&u32, MD_METER_WORD_ORDER_LOW_FIRST, 1000000, out,
                                              NULL));
  g_assert_cmpuint (out[0], ==, 0x86A0);
  g_assert_cmpuint (out[1], ==, 0x0001);
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (md_meter_value_to_registers (&u32, MD_METER_WORD_ORDER_HIGH_FIRST, 1005, out,
                                                 &error));
    g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID);
  }
  {
    g_autoptr(GError) error = NULL;
    MdMeterValueSpec u16 = spec (MD_METER_VALUE_U16, 2, 1, 1);

    g_assert_false (md_meter_value_to_registers (&u16, MD_METER_WORD_ORDER_HIGH_FIRST, 65536, out,
                                                 &error));
    g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID);
  }
}

static void
test_bits_and_division (void)
{
  MdMeterValueSpec flag = { MD_METER_VALUE_U16, 2, 2, 1, 1 };
  MdMeterValueSpec tenth = spec (MD_METER_VALUE_I16, 2, 1, 10);
  const guint16 status[] = { 0x0004 };
  const guint16 fifteen[] = { 15 };
  const guint16 minus15[] = { (guint16) -15 };
  gint64 v;

  g_assert_true (md_meter_value_from_registers (&flag, MD_METER_WORD_ORDER_HIGH_FIRST, status, &v,
                                                NULL));
  g_assert_cmpint (v, ==, 1);
  /* Division rounds half away from zero, once. */
  g_assert_true (md_meter_value_from_registers (&tenth, MD_METER_WORD_ORDER_HIGH_FIRST, fifteen,
                                                &v, NULL));
  g_assert_cmpint (v, ==, 2);
  g_assert_true (md_meter_value_from_registers (&tenth, MD_METER_WORD_ORDER_HIGH_FIRST, minus15,
                                                &v, NULL));
  g_assert_cmpint (v, ==, -2);
}

static void
test_bcd (void)
{
  MdMeterValueSpec bcd8 = spec (MD_METER_VALUE_BCD, 8, 1, 1);
  MdMeterValueSpec dl_bcd4 = spec (MD_METER_VALUE_BCD, 4, 10, 1);
  MdMeterValueSpec word = { MD_METER_VALUE_WORD, 2, 12, 1, 1 };
  const guint16 serial[] = { 0x0000, 0x2024, 0x1111, 0x0002 };
  const guint8 energy[] = { 0x03, 0x50, 0x00, 0x00 };   /* 50.03 kWh, LSB first */
  const guint8 status3[] = { 0x00, 0x10 };
  const guint16 bad[] = { 0x00A0, 0, 0, 0 };
  guint16 regs[4];
  guint8 bytes[4];
  gint64 v;

  g_assert_true (md_meter_value_from_registers (&bcd8, MD_METER_WORD_ORDER_HIGH_FIRST, serial, &v,
                                                NULL));
  g_assert_cmpint (v, ==, G_GINT64_CONSTANT (202411110002));
  g_assert_true (md_meter_value_to_registers (&bcd8, MD_METER_WORD_ORDER_HIGH_FIRST, v, regs,
                                              NULL));
  g_assert_cmpmem (regs, sizeof regs, serial, sizeof serial);
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (md_meter_value_from_registers (&bcd8, MD_METER_WORD_ORDER_HIGH_FIRST, bad, &v,
                                                   &error));
    g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL);
  }

  g_assert_true (md_meter_value_from_bytes (&dl_bcd4, energy, &v, NULL));
  g_assert_cmpint (v, ==, 50030);
  g_assert_true (md_meter_value_to_bytes (&dl_bcd4, 50030, bytes, NULL));
  g_assert_cmpmem (bytes, 4, energy, 4);
  g_assert_true (md_meter_value_from_bytes (&word, status3, &v, NULL));
  g_assert_cmpint (v, ==, 1);
}

static guint32
bits_of (float f)
{
  guint32 b;

  memcpy (&b, &f, sizeof b);
  return b;
}

static void
test_float_exact (void)
{
  static const struct { guint32 bits; gint64 mul; gint64 div; gint64 want; } cases[] = {
    { 0x41200000, 1, 1, 10 },                 /* the SDM manual's 10.0 */
    { 0x40A00000, 1, 1, 5 },                  /* and 5.0 */
    { 0x42C80000, 100, 1, 10000 },            /* 100 yuan → fen */
    { 0x3DCCCCCD, 1000, 1, 100 },             /* 0.1f kWh = 0.100000001490116… → 100 Wh */
    { 0x449A5225, 1000, 1, 1234567 },         /* 1234.567f kWh = 1234.5670166015625 → Wh */
    { 0xC49A5225, 1000, 1, -1234567 },
    { 0x3F000000, 1, 1, 1 },                  /* 0.5 rounds away from zero */
    { 0xBF000000, 1, 1, -1 },
    { 0x3EFFFFFF, 1, 1, 0 },                  /* just under 0.5 */
    { 0x00000001, 1000, 1, 0 },               /* the smallest subnormal */
    { 0x00000000, 1000, 1, 0 },
    { 0x80000000, 1000, 1, 0 },               /* -0 */
    { 0x4B800000, 1, 1, 16777216 },           /* 2^24 */
    { 0x5E800000, 1, 1, G_GINT64_CONSTANT (4611686018427387904) },  /* 2^62 */
    { 0x435C0000, 10, 1, 2200 },              /* 220 V → 0.1 V */
    { 0x41100000, 1, 10, 1 },                 /* 9 W /10 → 0.9 → 1 */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 v = -99;

      g_assert_true (md_meter_f32_to_scaled (cases[i].bits, cases[i].mul, cases[i].div, &v,
                                             &error));
      g_assert_no_error (error);
      g_assert_cmpint (v, ==, cases[i].want);
    }

  {
    g_autoptr(GError) error = NULL;
    gint64 v;

    g_assert_false (md_meter_f32_to_scaled (0x7FC00000, 1, 1, &v, &error));   /* NaN */
    g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL);
  }
  {
    g_autoptr(GError) error = NULL;
    gint64 v;

    g_assert_false (md_meter_f32_to_scaled (0x7F7FFFFF, 1, 1, &v, &error));   /* FLT_MAX */
    g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID);
  }
}

/* Writing a float: value ÷ scale to the nearest float, then read back with
 * the same scale gives the value again, for amounts a float can carry. The
 * reference for "nearest" is the C compiler's own conversion of an exact
 * decimal, checked bit for bit. */
static void
test_float_round_trip (void)
{
  GRand *rand = g_rand_new_with_seed (645);
  static const struct { gint64 value; gint64 mul; float f; } exact[] = {
    { 5000, 100, 50.0f },
    { 1234, 100, 12.34f },
    { 1, 100, 0.01f },
    { -1, 100, -0.01f },
    { 123456, 1000, 123.456f },
    { 9999999, 100, 99999.99f },
    { 6543, 10000, 0.6543f },
  };

  for (guint i = 0; i < G_N_ELEMENTS (exact); i++)
    {
      guint32 bits;

      g_assert_true (md_meter_f32_from_scaled (exact[i].value, exact[i].mul, 1, &bits, NULL));
      g_assert_cmphex (bits, ==, bits_of (exact[i].f));
    }

  for (guint i = 0; i < 200000; i++)
    {
      gint64 fen = g_rand_int_range (rand, -1000000, 1000000);
      guint32 bits;
      gint64 back;

      g_assert_true (md_meter_f32_from_scaled (fen, 100, 1, &bits, NULL));
      g_assert_true (md_meter_f32_to_scaled (bits, 100, 1, &back, NULL));
      g_assert_cmpint (back, ==, fen);
    }
  g_rand_free (rand);
}

static void
test_scale_overflow (void)
{
  g_autoptr(GError) error = NULL;
  gint64 v;

  g_assert_false (md_meter_scale_apply (G_MAXINT64 / 2, 10, 1, &v, &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID);
  g_assert_true (md_meter_scale_apply (G_MININT64 + 1, 1, 1, &v, NULL));
  g_assert_cmpint (v, ==, G_MININT64 + 1);
  g_assert_true (md_meter_scale_invert (-1230, 10, 1, &v, NULL));
  g_assert_cmpint (v, ==, -123);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/meters/value/integers", test_integers);
  g_test_add_func ("/meterdesk/meters/value/bits-and-division", test_bits_and_division);
  g_test_add_func ("/meterdesk/meters/value/bcd", test_bcd);
  g_test_add_func ("/meterdesk/meters/value/float-exact", test_float_exact);
  g_test_add_func ("/meterdesk/meters/value/float-round-trip", test_float_round_trip);
  g_test_add_func ("/meterdesk/meters/value/scale-overflow", test_scale_overflow);
  return g_test_run ();
}
