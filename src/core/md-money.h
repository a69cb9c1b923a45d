/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Units (ARCHITECTURE.md "Units and money"): integers only.
 *   MdMoney   fen (0.01 yuan)
 *   MdPrice   0.0001 yuan per unit (kWh or m³)
 *   MdEnergy  Wh (0.001 kWh)
 *   MdVolume  litres (0.001 m³)
 * One rounding rule everywhere: half away from zero to the fen (四舍五入).
 */
typedef gint64 MdMoney;
typedef gint64 MdPrice;
typedef gint64 MdEnergy;
typedef gint64 MdVolume;

#define MD_MONEY_MAX  ((MdMoney) 99999999999999)  /* 999,999,999,999.99 yuan */
#define MD_PRICE_MAX  ((MdPrice) 999999999)       /* 99,999.9999 yuan per unit */
#define MD_ENERGY_MAX ((MdEnergy) 999999999999999) /* 999,999,999,999.999 kWh */

#define MD_MONEY_ERROR (md_money_error_quark ())

typedef enum
{
  MD_MONEY_ERROR_EMPTY,       /* nothing but blanks */
  MD_MONEY_ERROR_INVALID,     /* not a number in the accepted forms */
  MD_MONEY_ERROR_PRECISION,   /* more decimals than the unit allows */
  MD_MONEY_ERROR_NEGATIVE,    /* a minus sign where none is allowed */
  MD_MONEY_ERROR_ZERO,        /* zero where a positive value is needed */
  MD_MONEY_ERROR_OVERFLOW,    /* beyond the unit's maximum or int64 */
} MdMoneyError;

/**
 * MdParseFlags:
 * @MD_PARSE_DEFAULT: zero and positive values only
 * @MD_PARSE_ALLOW_NEGATIVE: accept a leading minus sign
 * @MD_PARSE_POSITIVE: refuse zero (amounts of a sale, a refund…)
 */
typedef enum
{
  MD_PARSE_DEFAULT        = 0,
  MD_PARSE_ALLOW_NEGATIVE = 1 << 0,
  MD_PARSE_POSITIVE       = 1 << 1,
} MdParseFlags;

/**
 * MdMoneyStyle:
 * @MD_MONEY_STYLE_PLAIN: "1234.56", "-0.05": CLI, JSON, CSV, files
 * @MD_MONEY_STYLE_GROUPED: "1,234.56"
 * @MD_MONEY_STYLE_CURRENCY: "¥1,234.56", "-¥0.05": screens and receipts
 * @MD_MONEY_STYLE_LOCALE: CURRENCY under a zh_CN (or any non-C) LC_MONETARY,
 *   PLAIN under C/POSIX
 */
typedef enum
{
  MD_MONEY_STYLE_PLAIN,
  MD_MONEY_STYLE_GROUPED,
  MD_MONEY_STYLE_CURRENCY,
  MD_MONEY_STYLE_LOCALE,
} MdMoneyStyle;

GQuark    md_money_error_quark   (void);

/* Parsing: leading/trailing blanks ignored; an optional "¥" or "￥" prefix;
 * thousands separators "," only in correct groups of three; "." decimal
 * point; full-width digits and "．" accepted (Chinese input methods). Never
 * more decimals than the unit has: "1.005" is not money. */
gboolean  md_money_parse         (const char    *text,
                                  MdParseFlags   flags,
                                  MdMoney       *out_value,
                                  GError       **error);
gboolean  md_price_parse         (const char    *text,
                                  MdParseFlags   flags,
                                  MdPrice       *out_value,
                                  GError       **error);
gboolean  md_energy_parse        (const char    *text,
                                  MdParseFlags   flags,
                                  MdEnergy      *out_value,
                                  GError       **error);
gboolean  md_volume_parse        (const char    *text,
                                  MdParseFlags   flags,
                                  MdVolume      *out_value,
                                  GError       **error);
/* A decimal with at most @decimals places into an integer of that scale,
 * bounded by @max in absolute value; the four above are this. */
gboolean  md_decimal_parse       (const char    *text,
                                  guint          decimals,
                                  gint64         max,
                                  MdParseFlags   flags,
                                  gint64        *out_value,
                                  GError       **error);

char     *md_money_format        (MdMoney        value,
                                  MdMoneyStyle   style);
char     *md_price_format        (MdPrice        value);   /* "0.5880" */
char     *md_energy_format       (MdEnergy       value);   /* "319.749" (kWh) */
char     *md_volume_format       (MdVolume       value);   /* "12.500" (m³) */
char     *md_decimal_format      (gint64         value,
                                  guint          decimals);

/* Checked arithmetic: overflow is an error, never a wrap. */
gboolean  md_money_add           (MdMoney        a,
                                  MdMoney        b,
                                  MdMoney       *out_value,
                                  GError       **error);
gboolean  md_money_sub           (MdMoney        a,
                                  MdMoney        b,
                                  MdMoney       *out_value,
                                  GError       **error);
gboolean  md_money_mul           (MdMoney        a,
                                  gint64         factor,
                                  MdMoney       *out_value,
                                  GError       **error);

/* The one rounding rule: @numerator / @denominator rounded half away from
 * zero. @denominator > 0. Uses a 128-bit intermediate. */
gboolean  md_div_round           (gint64         numerator,
                                  gint64         denominator,
                                  gint64        *out_value,
                                  GError       **error);

/* price (0.0001 yuan/unit) × quantity (0.001 unit: Wh or litres) → fen,
 * rounded half away from zero. */
gboolean  md_price_cost          (MdPrice        price,
                                  gint64         quantity,
                                  MdMoney       *out_value,
                                  GError       **error);

/* The largest quantity (Wh or litres) whose md_price_cost() at @price is
 * ≤ @amount: what @amount buys, rounded down. @price > 0, @amount ≥ 0. */
gboolean  md_price_quantity_for  (MdPrice        price,
                                  MdMoney        amount,
                                  gint64        *out_quantity,
                                  GError       **error);

G_END_DECLS
