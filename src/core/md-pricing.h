/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "md-auth.h"
#include "md-billing.h"
#include "md-tariff.h"

G_BEGIN_DECLS

/*
 * Pricing in the database: tariff versions as finance sets them, the
 * tariff that prices an account (its category's, or an override), the use
 * so far in its tier period, quotes, and fees. The cashier never types a
 * price: every amount comes from here.
 */

#define MD_PRICING_ERROR (md_pricing_error_quark ())

typedef enum
{
  MD_PRICING_ERROR_NO_TARIFF,
  MD_PRICING_ERROR_HISTORY,
  MD_PRICING_ERROR_NO_FEE,
} MdPricingError;

typedef enum
{
  MD_FEE_BASIS_FIXED,
  MD_FEE_BASIS_PER_KVA,
  MD_FEE_BASIS_PER_M2,
} MdFeeBasis;

typedef enum
{
  MD_FEE_ONCE,
  MD_FEE_MONTHLY,
} MdFeePeriod;

/**
 * MdFee:
 * @kind: "card-replacement", "capacity-increase", "transfer",
 *   "meter-replacement", "account-opening", or a custom charge item
 * @amount: fen; per kVA or per m² for those bases
 * @valid_from: µs since the epoch
 */
typedef struct
{
  char        *kind;
  char        *name;
  MdFeeBasis   basis;
  MdFeePeriod  period;
  MdMoney      amount;
  gint64       valid_from;
} MdFee;

/**
 * MdAccountPrice:
 * @tariff: (transfer full): the version in force
 * @version_row: its tariff_version row id, recorded on every sale
 * @used: use so far in the tier period (Wh or litres)
 * @money_kind: the sale delivers money (money-type meter, system billing)
 */
typedef struct
{
  MdTariff *tariff;
  gint64    version_row;
  MdEnergy  used;
  gboolean  money_kind;
} MdAccountPrice;

GQuark      md_pricing_error_quark       (void);

GTimeZone  *md_site_timezone             (MdStore          *store);

gboolean    md_tariff_store_set          (MdSession        *session,
                                          const char       *text,
                                          gssize            length,
                                          JsonNode        **out_result,
                                          GError          **error);
MdTariffHistory *md_tariff_store_history (MdStore          *store,
                                          const char       *tariff_id,
                                          GError          **error);
gboolean    md_tariff_store_version_row  (MdStore          *store,
                                          MdTariff         *version,
                                          gint64           *out_row,
                                          GError          **error);
JsonNode   *md_tariff_store_list         (MdSession        *session,
                                          GError          **error);
JsonNode   *md_tariff_store_show         (MdSession        *session,
                                          const char       *tariff_id,
                                          GError          **error);
gboolean    md_tariff_override_set       (MdSession        *session,
                                          const char       *account_no,
                                          const char       *meter_address,
                                          const char       *tariff_id,
                                          GError          **error);

gboolean    md_account_price             (MdStore          *store,
                                          gint64            account_id,
                                          gint64            at,
                                          MdAccountPrice   *out_price,
                                          GError          **error);
void        md_account_price_clear       (MdAccountPrice   *price);
gboolean    md_pricing_quote             (MdSession        *session,
                                          const char       *account_no,
                                          MdMoney           amount,
                                          MdEnergy          energy,
                                          MdQuote          *out_quote,
                                          gint64           *out_version_row,
                                          GError          **error);
JsonNode   *md_pricing_bill_readings     (MdSession        *session,
                                          const char       *tariff_id,
                                          const char       *readings_path,
                                          gboolean          has_start_use,
                                          MdEnergy          start_use,
                                          GError          **error);

gboolean    md_fee_basis_parse           (const char       *text,
                                          MdFeeBasis       *out_basis,
                                          GError          **error);
gboolean    md_fee_period_parse          (const char       *text,
                                          MdFeePeriod      *out_period,
                                          GError          **error);
gboolean    md_fee_set                   (MdSession        *session,
                                          const char       *kind,
                                          const char       *name,
                                          MdFeeBasis        basis,
                                          MdFeePeriod       period,
                                          MdMoney           amount,
                                          gint64            valid_from,
                                          GError          **error);
JsonNode   *md_fee_list                  (MdSession        *session,
                                          gboolean          history,
                                          GError          **error);
gboolean    md_fee_lookup                (MdStore          *store,
                                          const char       *kind,
                                          gint64            at,
                                          MdFee            *out_fee,
                                          GError          **error);
void        md_fee_clear                 (MdFee            *fee);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdAccountPrice, md_account_price_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdFee, md_fee_clear)

G_END_DECLS
