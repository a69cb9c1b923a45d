/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-dlt645.h"
#include "md-meter-types.h"
#include "md-meter-value.h"

#ifndef __SIZEOF_INT128__
#error "the float32 conversion needs a 128-bit integer type"
#endif

typedef unsigned __int128 u128;

static void
set_range_error (GError **error,
                 gint64   value)
{
  g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
               _("The value %lld does not fit the meter's register"), (long long) value);
}

static guint64
magnitude (gint64 v)
{
  return v < 0 ? (guint64) 0 - (guint64) v : (guint64) v;
}

static guint
bit_length (u128 v)
{
  guint n = 0;

  while (v != 0)
    {
      n++;
      v >>= 1;
    }
  return n;
}

/* |a| × b ÷ c, rounded half away from zero, in 128 bits. */
static gboolean
mul_div_round (gint64   a,
               gint64   b,
               gint64   c,
               gint64  *out,
               GError **error)
{
  gboolean negative = a < 0;
  u128 num = (u128) magnitude (a) * (u128) b;
  u128 q = num / (u128) c;
  u128 r = num % (u128) c;

  if (2 * r >= (u128) c)
    q++;
  if (q > (u128) G_MAXINT64)
    {
      g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                           _("The meter's value is too large"));
      return FALSE;
    }
  *out = negative ? -(gint64) q : (gint64) q;
  return TRUE;
}

/**
 * md_meter_scale_apply:
 * @raw: the wire's integer
 * @mul: multiplier
 * @div: divisor
 * @out_value: (out): @raw × @mul ÷ @div, rounded half away from zero
 * @error: return location for a #GError
 *
 * Returns: %FALSE on overflow
 */
gboolean
md_meter_scale_apply (gint64   raw,
                      gint64   mul,
                      gint64   div,
                      gint64  *out_value,
                      GError **error)
{
  g_return_val_if_fail (mul > 0 && div > 0, FALSE);

  return mul_div_round (raw, mul, div, out_value, error);
}

/**
 * md_meter_scale_invert:
 * @value: a value in project units
 * @mul: the spec's multiplier
 * @div: the spec's divisor
 * @out_raw: (out): the wire's integer, @value × @div ÷ @mul
 * @error: return location for a #GError
 *
 * Returns: %FALSE when @value is finer than the wire carries: a meter
 *   is never sent a rounded amount
 */
gboolean
md_meter_scale_invert (gint64   value,
                       gint64   mul,
                       gint64   div,
                       gint64  *out_raw,
                       GError **error)
{
  gboolean negative = value < 0;
  u128 num;

  g_return_val_if_fail (mul > 0 && div > 0, FALSE);

  num = (u128) magnitude (value) * (u128) div;
  if (num % (u128) mul != 0)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                   _("The value %lld is finer than the meter's register carries (steps of "
                     "%lld)"), (long long) value, (long long) (mul / div > 0 ? mul / div : 1));
      return FALSE;
    }
  num /= (u128) mul;
  if (num > (u128) G_MAXINT64)
    {
      set_range_error (error, value);
      return FALSE;
    }
  *out_raw = negative ? -(gint64) num : (gint64) num;
  return TRUE;
}

/**
 * md_meter_f32_to_scaled:
 * @bits: the float32's bit pattern
 * @mul: multiplier into project units (1000 for kWh → Wh)
 * @div: divisor
 * @out_value: (out): the float's exact value × @mul ÷ @div, rounded once,
 *   half away from zero
 * @error: return location for a #GError
 *
 * No floating-point arithmetic: the float is decomposed into m·2^e and the
 * product is formed in 128-bit integers.
 *
 * Returns: %FALSE for NaN, infinities and values beyond int64
 */
gboolean
md_meter_f32_to_scaled (guint32   bits,
                        gint64    mul,
                        gint64    div,
                        gint64   *out_value,
                        GError  **error)
{
  gboolean negative = (bits >> 31) != 0;
  guint exponent = (bits >> 23) & 0xFF;
  guint32 m = bits & 0x7FFFFF;
  int e;
  u128 num, den, q, r;

  g_return_val_if_fail (mul > 0 && div > 0 && mul <= MD_METER_SCALE_MAX &&
                        div <= MD_METER_SCALE_MAX, FALSE);

  if (exponent == 0xFF)
    {
      g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL,
                           _("The meter sent a float that is not a number"));
      return FALSE;
    }
  if (exponent == 0)
    e = -149;
  else
    {
      m |= 1u << 23;
      e = (int) exponent - 150;
    }

  num = (u128) m * (u128) mul;   /* < 2^24 · 2^40 */
  den = (u128) div;
  if (e >= 0)
    {
      if (e > 60 || bit_length (num) + (guint) e > 126)
        {
          g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                               _("The meter's value is too large"));
          return FALSE;
        }
      num <<= e;
    }
  else if (-e > 66)
    {
      /* num < 2^64 and den ≥ 2^67: less than half a unit. */
      *out_value = 0;
      return TRUE;
    }
  else
    den <<= -e;

  q = num / den;
  r = num % den;
  if (2 * r >= den)
    q++;
  if (q > (u128) G_MAXINT64)
    {
      g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                           _("The meter's value is too large"));
      return FALSE;
    }
  *out_value = negative ? -(gint64) q : (gint64) q;
  return TRUE;
}

/**
 * md_meter_f32_from_scaled:
 * @value: a value in project units
 * @mul: the spec's multiplier
 * @div: the spec's divisor
 * @out_bits: (out): the float32 nearest to @value × @div ÷ @mul, ties to
 *   even
 * @error: return location for a #GError
 *
 * Returns: %FALSE when the value is out of the float's or the
 *   computation's range
 */
gboolean
md_meter_f32_from_scaled (gint64    value,
                          gint64    mul,
                          gint64    div,
                          guint32  *out_bits,
                          GError  **error)
{
  gboolean negative = value < 0;
  u128 num, den, q, r, n, d;
  int e;
  guint biased;

  g_return_val_if_fail (mul > 0 && div > 0 && mul <= MD_METER_SCALE_MAX &&
                        div <= MD_METER_SCALE_MAX, FALSE);

  if (value == 0)
    {
      *out_bits = 0;
      return TRUE;
    }
  num = (u128) magnitude (value) * (u128) div;
  den = (u128) mul;
  if (bit_length (num) > 62)
    {
      set_range_error (error, value);
      return FALSE;
    }

  /* Find e with 2^23 ≤ num ÷ (den·2^e) < 2^24. */
  e = (int) bit_length (num) - (int) bit_length (den) - 24;
  for (;;)
    {
      n = num;
      d = den;
      if (e < 0)
        n <<= -e;
      else
        d <<= e;
      q = n / d;
      if (q >= ((u128) 1 << 24))
        e++;
      else if (q < ((u128) 1 << 23))
        e--;
      else
        break;
    }
  r = n % d;
  if (2 * r > d || (2 * r == d && (q & 1) != 0))
    q++;
  if (q == ((u128) 1 << 24))
    {
      q >>= 1;
      e++;
    }

  biased = (guint) (e + 150);
  if (e + 150 <= 0 || biased >= 0xFF)
    {
      set_range_error (error, value);
      return FALSE;
    }
  *out_bits = (negative ? 0x80000000u : 0) | (biased << 23) | ((guint32) q & 0x7FFFFF);
  return TRUE;
}

/**
 * md_meter_value_registers:
 * @spec: a Modbus value spec
 *
 * Returns: how many 16-bit registers the value takes
 */
guint
md_meter_value_registers (const MdMeterValueSpec *spec)
{
  return (spec->size + 1) / 2;
}

static guint32
join32 (const guint16    *regs,
        MdMeterWordOrder  order)
{
  if (order == MD_METER_WORD_ORDER_LOW_FIRST)
    return (guint32) regs[0] | ((guint32) regs[1] << 16);
  return ((guint32) regs[0] << 16) | regs[1];
}

static void
split32 (guint32           v,
         MdMeterWordOrder  order,
         guint16          *regs)
{
  if (order == MD_METER_WORD_ORDER_LOW_FIRST)
    {
      regs[0] = v & 0xFFFF;
      regs[1] = v >> 16;
    }
  else
    {
      regs[0] = v >> 16;
      regs[1] = v & 0xFFFF;
    }
}

static gboolean
finish_read (const MdMeterValueSpec  *spec,
             gint64                   raw,
             gint64                  *out_value,
             GError                 **error)
{
  if (spec->bit >= 0)
    {
      *out_value = (raw >> spec->bit) & 1;
      return TRUE;
    }
  return mul_div_round (raw, spec->mul, spec->div, out_value, error);
}

/* Big-endian packed BCD across registers: "0000 0123 4567" → 1234567. */
static gboolean
bcd_from_registers (const guint16  *regs,
                    guint           size,
                    gint64         *out,
                    GError        **error)
{
  gint64 v = 0;

  for (guint i = 0; i < size; i++)
    {
      guint8 b = (i % 2 == 0) ? regs[i / 2] >> 8 : regs[i / 2] & 0xFF;

      if ((b >> 4) > 9 || (b & 0x0F) > 9)
        {
          g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL,
                       _("The meter sent %02X where a BCD byte belongs"), b);
          return FALSE;
        }
      v = v * 100 + (b >> 4) * 10 + (b & 0x0F);
    }
  *out = v;
  return TRUE;
}

/**
 * md_meter_value_from_registers:
 * @spec: the value's spec (a Modbus type)
 * @order: word order of 32-bit types
 * @regs: md_meter_value_registers() registers, as read
 * @out_value: (out): the value in project units
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
md_meter_value_from_registers (const MdMeterValueSpec  *spec,
                               MdMeterWordOrder         order,
                               const guint16           *regs,
                               gint64                  *out_value,
                               GError                 **error)
{
  gint64 raw;

  switch (spec->type)
    {
    case MD_METER_VALUE_U16:
      raw = regs[0];
      break;
    case MD_METER_VALUE_I16:
      raw = (gint16) regs[0];
      break;
    case MD_METER_VALUE_U32:
      raw = join32 (regs, order);
      break;
    case MD_METER_VALUE_I32:
      raw = (gint32) join32 (regs, order);
      break;
    case MD_METER_VALUE_F32:
      if (spec->bit >= 0)
        {
          g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                               _("A float register has no bits"));
          return FALSE;
        }
      return md_meter_f32_to_scaled (join32 (regs, order), spec->mul, spec->div, out_value, error);
    case MD_METER_VALUE_BCD:
      if (!bcd_from_registers (regs, spec->size, &raw, error))
        return FALSE;
      break;
    case MD_METER_VALUE_SBCD:
    case MD_METER_VALUE_WORD:
    default:
      g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                           _("This value type does not exist in Modbus registers"));
      return FALSE;
    }
  return finish_read (spec, raw, out_value, error);
}

/**
 * md_meter_value_to_registers:
 * @spec: the value's spec (a Modbus type, no bit)
 * @order: word order of 32-bit types
 * @value: the value in project units
 * @out_regs: (out caller-allocates): md_meter_value_registers() registers
 * @error: return location for a #GError
 *
 * Returns: %FALSE if @value is finer than the register or out of its range
 */
gboolean
md_meter_value_to_registers (const MdMeterValueSpec  *spec,
                             MdMeterWordOrder         order,
                             gint64                   value,
                             guint16                 *out_regs,
                             GError                 **error)
{
  gint64 raw;

  if (spec->bit >= 0)
    {
      g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                           _("A single bit cannot be written on its own"));
      return FALSE;
    }
  if (spec->type == MD_METER_VALUE_F32)
    {
      guint32 bits;

      if (!md_meter_f32_from_scaled (value, spec->mul, spec->div, &bits, error))
        return FALSE;
      split32 (bits, order, out_regs);
      return TRUE;
    }
  if (!md_meter_scale_invert (value, spec->mul, spec->div, &raw, error))
    return FALSE;

  switch (spec->type)
    {
    case MD_METER_VALUE_U16:
      if (raw < 0 || raw > G_MAXUINT16)
        break;
      out_regs[0] = (guint16) raw;
      return TRUE;
    case MD_METER_VALUE_I16:
      if (raw < G_MININT16 || raw > G_MAXINT16)
        break;
      out_regs[0] = (guint16) (gint16) raw;
      return TRUE;
    case MD_METER_VALUE_U32:
      if (raw < 0 || raw > G_MAXUINT32)
        break;
      split32 ((guint32) raw, order, out_regs);
      return TRUE;
    case MD_METER_VALUE_I32:
      if (raw < G_MININT32 || raw > G_MAXINT32)
        break;
      split32 ((guint32) (gint32) raw, order, out_regs);
      return TRUE;
    case MD_METER_VALUE_BCD:
      {
        gint64 v = raw;

        if (raw < 0)
          break;
        for (guint i = 0; i < md_meter_value_registers (spec); i++)
          out_regs[i] = 0;
        for (gint i = spec->size - 1; i >= 0; i--)
          {
            guint8 b = (guint8) (((v / 10) % 10) << 4 | (v % 10));

            v /= 100;
            if (i % 2 == 0)
              out_regs[i / 2] |= (guint16) (b << 8);
            else
              out_regs[i / 2] |= b;
          }
        if (v != 0)
          break;
        return TRUE;
      }
    case MD_METER_VALUE_F32:
    case MD_METER_VALUE_SBCD:
    case MD_METER_VALUE_WORD:
    default:
      g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                           _("This value type does not exist in Modbus registers"));
      return FALSE;
    }
  set_range_error (error, value);
  return FALSE;
}

/**
 * md_meter_value_from_bytes:
 * @spec: the value's spec (a DL/T 645 type)
 * @bytes: @spec->size bytes, 33H already taken off, least significant first
 * @out_value: (out): the value in project units
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
md_meter_value_from_bytes (const MdMeterValueSpec  *spec,
                           const guint8            *bytes,
                           gint64                  *out_value,
                           GError                 **error)
{
  g_autoptr(GError) local = NULL;
  gint64 raw = 0;

  switch (spec->type)
    {
    case MD_METER_VALUE_BCD:
    case MD_METER_VALUE_SBCD:
      if (!md_dlt645_bcd_decode (bytes, spec->size,
                                 spec->type == MD_METER_VALUE_SBCD ? MD_DLT645_BCD_SIGNED
                                                                   : MD_DLT645_BCD_DEFAULT,
                                 &raw, &local))
        {
          g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL, "%s", local->message);
          return FALSE;
        }
      break;
    case MD_METER_VALUE_WORD:
      for (gint i = spec->size - 1; i >= 0; i--)
        raw = (raw << 8) | bytes[i];
      break;
    case MD_METER_VALUE_U16:
    case MD_METER_VALUE_I16:
    case MD_METER_VALUE_U32:
    case MD_METER_VALUE_I32:
    case MD_METER_VALUE_F32:
    default:
      g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                           _("This value type does not exist in DL/T 645 data"));
      return FALSE;
    }
  return finish_read (spec, raw, out_value, error);
}

/**
 * md_meter_value_to_bytes:
 * @spec: the value's spec (a DL/T 645 type, no bit)
 * @value: the value in project units
 * @out_bytes: (out caller-allocates): @spec->size bytes, least significant
 *   first, without the 33H
 * @error: return location for a #GError
 *
 * Returns: %FALSE if @value is finer than the field or out of its range
 */
gboolean
md_meter_value_to_bytes (const MdMeterValueSpec  *spec,
                         gint64                   value,
                         guint8                  *out_bytes,
                         GError                 **error)
{
  g_autoptr(GError) local = NULL;
  gint64 raw;

  if (spec->bit >= 0)
    {
      g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                           _("A single bit cannot be written on its own"));
      return FALSE;
    }
  if (!md_meter_scale_invert (value, spec->mul, spec->div, &raw, error))
    return FALSE;

  switch (spec->type)
    {
    case MD_METER_VALUE_BCD:
    case MD_METER_VALUE_SBCD:
      if (!md_dlt645_bcd_encode (raw,
                                 spec->type == MD_METER_VALUE_SBCD ? MD_DLT645_BCD_SIGNED
                                                                   : MD_DLT645_BCD_DEFAULT,
                                 out_bytes, spec->size, &local))
        {
          g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID, "%s", local->message);
          return FALSE;
        }
      return TRUE;
    case MD_METER_VALUE_WORD:
      if (raw < 0 || (spec->size < 8 && raw >= (G_GINT64_CONSTANT (1) << (8 * spec->size))))
        {
          set_range_error (error, value);
          return FALSE;
        }
      for (guint i = 0; i < spec->size; i++)
        out_bytes[i] = (guint8) (raw >> (8 * i));
      return TRUE;
    case MD_METER_VALUE_U16:
    case MD_METER_VALUE_I16:
    case MD_METER_VALUE_U32:
    case MD_METER_VALUE_I32:
    case MD_METER_VALUE_F32:
    default:
      g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                           _("This value type does not exist in DL/T 645 data"));
      return FALSE;
    }
}
