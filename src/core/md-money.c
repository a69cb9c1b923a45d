/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <string.h>

#include "md-money.h"

G_DEFINE_QUARK (md-money-error-quark, md_money_error)

#define MAX_INPUT_LENGTH 64

/* Input shown back in an error: valid UTF-8, one line, not too long. */
static char *
quote_input (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, MIN (strlen (text), MAX_INPUT_LENGTH));

  for (char *p = valid; *p; p++)
    if (*p == '\n' || *p == '\r' || *p == '\t')
      *p = ' ';
  return g_steal_pointer (&valid);
}

/* Map the full-width forms a Chinese input method produces onto ASCII and drop
 * blanks at both ends. Returns NULL for invalid UTF-8. */
static char *
normalize (const char *text)
{
  GString *out;
  const char *p;

  if (!g_utf8_validate (text, -1, NULL))
    return NULL;

  out = g_string_sized_new (strlen (text));
  for (p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= 0xFF10 && c <= 0xFF19)
        g_string_append_c (out, (char) ('0' + (c - 0xFF10)));
      else if (c == 0xFF0E)
        g_string_append_c (out, '.');
      else if (c == 0xFF0C)
        g_string_append_c (out, ',');
      else if (c == 0xFF0D || c == 0x2212)
        g_string_append_c (out, '-');
      else if (c == 0x3000)
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, c);
    }

  g_strstrip (out->str);
  out->len = strlen (out->str);
  return g_string_free (out, FALSE);
}

static gboolean
skip_prefix (const char **p,
             const char  *prefix)
{
  if (g_str_has_prefix (*p, prefix))
    {
      *p += strlen (prefix);
      return TRUE;
    }
  return FALSE;
}

static gboolean
skip_currency (const char **p)
{
  return skip_prefix (p, "¥") || skip_prefix (p, "￥");
}

static gboolean
decimal_parse (const char    *text,
               guint          decimals,
               gint64         max,
               MdParseFlags   flags,
               gboolean       currency,
               gint64        *out_value,
               GError       **error)
{
  g_autofree char *norm = NULL;
  g_autofree char *shown = NULL;
  const char *p;
  gboolean negative = FALSE;
  guint64 value = 0;
  guint int_digits = 0;
  guint group = 0;
  gboolean grouped = FALSE;
  guint frac_digits = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (decimals <= 6, FALSE);
  g_return_val_if_fail (max > 0, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);

  shown = quote_input (text);

  if (!(norm = normalize (text)) || strlen (norm) > MAX_INPUT_LENGTH)
    goto invalid;

  if (norm[0] == '\0')
    {
      g_set_error_literal (error, MD_MONEY_ERROR, MD_MONEY_ERROR_EMPTY, _("A value is required"));
      return FALSE;
    }

  p = norm;
  /* "-¥5.00" (as formatted) and "¥-5.00" are both accepted. */
  if (currency)
    skip_currency (&p);
  if (*p == '-')
    {
      negative = TRUE;
      p++;
      if (currency)
        skip_currency (&p);
    }
  while (*p == ' ')
    p++;

  /* Integer part, with commas only between correct groups of three. */
  for (; *p; p++)
    {
      if (g_ascii_isdigit (*p))
        {
          guint digit = (guint) (*p - '0');

          if (value > (G_MAXUINT64 - digit) / 10)
            goto overflow;
          value = value * 10 + digit;
          int_digits++;
          group++;
          if (grouped && group > 3)
            goto invalid;
        }
      else if (*p == ',')
        {
          if (group == 0 || group > 3 || (grouped && group != 3))
            goto invalid;
          grouped = TRUE;
          group = 0;
        }
      else
        break;
    }

  if (int_digits == 0 || (grouped && group != 3))
    goto invalid;

  if (*p == '.')
    {
      p++;
      for (; g_ascii_isdigit (*p); p++)
        {
          guint digit = (guint) (*p - '0');

          frac_digits++;
          if (frac_digits > decimals)
            continue;
          if (value > (G_MAXUINT64 - digit) / 10)
            goto overflow;
          value = value * 10 + digit;
        }
      if (frac_digits == 0)
        goto invalid;
    }

  if (*p != '\0')
    goto invalid;

  if (frac_digits > decimals)
    {
      if (decimals == 0)
        g_set_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_PRECISION,
                     _("“%s” must be a whole number"), shown);
      else
        g_set_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_PRECISION,
                     ngettext ("“%s” has more than %u decimal",
                               "“%s” has more than %u decimals", decimals),
                     shown, decimals);
      return FALSE;
    }

  for (guint i = frac_digits; i < decimals; i++)
    {
      if (value > G_MAXUINT64 / 10)
        goto overflow;
      value *= 10;
    }

  if (value > (guint64) max)
    goto overflow;

  if (negative && !(flags & MD_PARSE_ALLOW_NEGATIVE))
    {
      g_set_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_NEGATIVE,
                   _("“%s” must not be negative"), shown);
      return FALSE;
    }

  if (value == 0 && (flags & MD_PARSE_POSITIVE))
    {
      g_set_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_ZERO,
                   _("“%s” must be more than zero"), shown);
      return FALSE;
    }

  *out_value = negative ? -(gint64) value : (gint64) value;
  return TRUE;

invalid:
  g_set_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_INVALID,
               _("“%s” is not a number"), shown);
  return FALSE;

overflow:
  g_set_error (error, MD_MONEY_ERROR, MD_MONEY_ERROR_OVERFLOW,
               _("“%s” is too large"), shown);
  return FALSE;
}

gboolean
md_decimal_parse (const char    *text,
                  guint          decimals,
                  gint64         max,
                  MdParseFlags   flags,
                  gint64        *out_value,
                  GError       **error)
{
  return decimal_parse (text, decimals, max, flags, FALSE, out_value, error);
}

/**
 * md_money_parse:
 * @text: "100", "100.5", "1,234.56", "¥1,234.56", "-5.00" (with
 *   %MD_PARSE_ALLOW_NEGATIVE)…
 *
 * Parses yuan with at most 2 decimals into fen.
 */
gboolean
md_money_parse (const char    *text,
                MdParseFlags   flags,
                MdMoney       *out_value,
                GError       **error)
{
  return decimal_parse (text, 2, MD_MONEY_MAX, flags, TRUE, out_value, error);
}

/**
 * md_price_parse:
 *
 * Parses yuan per unit with at most 4 decimals into 0.0001 yuan.
 */
gboolean
md_price_parse (const char    *text,
                MdParseFlags   flags,
                MdPrice       *out_value,
                GError       **error)
{
  return decimal_parse (text, 4, MD_PRICE_MAX, flags, TRUE, out_value, error);
}

/**
 * md_energy_parse:
 *
 * Parses kWh with at most 3 decimals into Wh.
 */
gboolean
md_energy_parse (const char    *text,
                 MdParseFlags   flags,
                 MdEnergy      *out_value,
                 GError       **error)
{
  return decimal_parse (text, 3, MD_ENERGY_MAX, flags, FALSE, out_value, error);
}

/**
 * md_volume_parse:
 *
 * Parses m³ with at most 3 decimals into litres.
 */
gboolean
md_volume_parse (const char    *text,
                 MdParseFlags   flags,
                 MdVolume      *out_value,
                 GError       **error)
{
  return decimal_parse (text, 3, MD_ENERGY_MAX, flags, FALSE, out_value, error);
}

static void
append_grouped (GString *out,
                guint64  whole)
{
  char digits[24];
  int n = g_snprintf (digits, sizeof digits, "%" G_GUINT64_FORMAT, whole);

  for (int i = 0; i < n; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
}

static char *
format_scaled (gint64       value,
               guint        decimals,
               gboolean     grouped,
               const char  *currency)
{
  GString *out = g_string_new (NULL);
  guint64 magnitude = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;
  guint64 scale = 1;
  guint64 whole;
  guint64 frac;

  for (guint i = 0; i < decimals; i++)
    scale *= 10;
  whole = magnitude / scale;
  frac = magnitude % scale;

  if (value < 0)
    g_string_append_c (out, '-');
  if (currency != NULL)
    g_string_append (out, currency);
  if (grouped)
    append_grouped (out, whole);
  else
    g_string_append_printf (out, "%" G_GUINT64_FORMAT, whole);
  if (decimals > 0)
    g_string_append_printf (out, ".%0*" G_GUINT64_FORMAT, (int) decimals, frac);

  return g_string_free (out, FALSE);
}

char *
md_decimal_format (gint64 value,
                   guint  decimals)
{
  g_return_val_if_fail (decimals <= 6, NULL);

  return format_scaled (value, decimals, FALSE, NULL);
}

static gboolean
locale_is_c (void)
{
  const char *name = setlocale (LC_MONETARY, NULL);

  return name == NULL || g_str_equal (name, "C") || g_str_equal (name, "POSIX") ||
         g_str_has_prefix (name, "C.");
}

/**
 * md_money_format:
 *
 * Returns: (transfer full): @value fen as text in @style
 */
char *
md_money_format (MdMoney      value,
                 MdMoneyStyle style)
{
  if (style == MD_MONEY_STYLE_LOCALE)
    style = locale_is_c () ? MD_MONEY_STYLE_PLAIN : MD_MONEY_STYLE_CURRENCY;

  switch (style)
    {
    case MD_MONEY_STYLE_GROUPED:
      return format_scaled (value, 2, TRUE, NULL);
    case MD_MONEY_STYLE_CURRENCY:
      return format_scaled (value, 2, TRUE, "¥");
    case MD_MONEY_STYLE_PLAIN:
    case MD_MONEY_STYLE_LOCALE:
    default:
      return format_scaled (value, 2, FALSE, NULL);
    }
}

char *
md_price_format (MdPrice value)
{
  return format_scaled (value, 4, FALSE, NULL);
}

char *
md_energy_format (MdEnergy value)
{
  return format_scaled (value, 3, FALSE, NULL);
}

char *
md_volume_format (MdVolume value)
{
  return format_scaled (value, 3, FALSE, NULL);
}

static gboolean
set_overflow (GError **error)
{
  g_set_error_literal (error, MD_MONEY_ERROR, MD_MONEY_ERROR_OVERFLOW,
                       _("The amount is too large to compute"));
  return FALSE;
}

gboolean
md_money_add (MdMoney   a,
              MdMoney   b,
              MdMoney  *out_value,
              GError  **error)
{
  if (__builtin_add_overflow (a, b, out_value))
    return set_overflow (error);
  return TRUE;
}

gboolean
md_money_sub (MdMoney   a,
              MdMoney   b,
              MdMoney  *out_value,
              GError  **error)
{
  if (__builtin_sub_overflow (a, b, out_value))
    return set_overflow (error);
  return TRUE;
}

gboolean
md_money_mul (MdMoney   a,
              gint64    factor,
              MdMoney  *out_value,
              GError  **error)
{
  if (__builtin_mul_overflow (a, factor, out_value))
    return set_overflow (error);
  return TRUE;
}

static gboolean
div_round_128 (__int128   numerator,
               gint64     denominator,
               gint64    *out_value,
               GError   **error)
{
  __int128 q = numerator / denominator;
  __int128 r = numerator % denominator;
  __int128 abs_r = r < 0 ? -r : r;

  /* Half away from zero: a remainder of at least half moves the magnitude up. */
  if (2 * abs_r >= denominator)
    q += numerator < 0 ? -1 : 1;

  if (q > G_MAXINT64 || q < G_MININT64)
    return set_overflow (error);
  *out_value = (gint64) q;
  return TRUE;
}

/**
 * md_div_round:
 *
 * The project's single rounding rule, half away from zero (四舍五入).
 */
gboolean
md_div_round (gint64   numerator,
              gint64   denominator,
              gint64  *out_value,
              GError **error)
{
  g_return_val_if_fail (denominator > 0, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);

  return div_round_128 (numerator, denominator, out_value, error);
}

/* 0.0001 yuan × 0.001 unit = 1e-7 yuan; a fen is 1e-2 yuan. */
#define COST_DIVISOR 100000

gboolean
md_price_cost (MdPrice   price,
               gint64    quantity,
               MdMoney  *out_value,
               GError  **error)
{
  g_return_val_if_fail (out_value != NULL, FALSE);

  return div_round_128 ((__int128) price * quantity, COST_DIVISOR, out_value, error);
}

gboolean
md_price_quantity_for (MdPrice   price,
                       MdMoney   amount,
                       gint64   *out_quantity,
                       GError  **error)
{
  __int128 q;

  g_return_val_if_fail (price > 0, FALSE);
  g_return_val_if_fail (amount >= 0, FALSE);
  g_return_val_if_fail (out_quantity != NULL, FALSE);

  /* round(price·q / 1e5) ≤ amount  ⇔  price·q < (amount + ½)·1e5
   *                                 ⇔  price·q ≤ amount·1e5 + 49999 */
  q = ((__int128) amount * COST_DIVISOR + COST_DIVISOR / 2 - 1) / price;
  if (q > G_MAXINT64)
    return set_overflow (error);
  *out_quantity = (gint64) q;
  return TRUE;
}
