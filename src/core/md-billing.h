/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "md-money.h"
#include "md-tariff.h"

G_BEGIN_DECLS

/*
 * Pricing: quotes for a sale, and billing of meter readings (后台计费).
 * docs/tariffs.md explains the rounding rules and why they add up.
 */

/**
 * MdQuoteKind:
 * @MD_QUOTE_ENERGY: an energy-type sale: the meter (or card) receives
 *   @energy, priced at the flat rate plus tiers
 * @MD_QUOTE_MONEY: a money-type meter receives the amount itself and prices
 *   its own consumption with the rates pushed to it; the energy and lines of
 *   the quote are an estimate for display only
 */
typedef enum
{
  MD_QUOTE_ENERGY,
  MD_QUOTE_MONEY,
} MdQuoteKind;

/**
 * MdQuoteLine:
 * @tier: block index (0 is 第1档)
 * @quantity: Wh or litres in this block
 * @price: flat rate + the block's surcharge
 * @amount: md_price_cost (@price, @quantity)
 * @components: @amount split over the tariff's components (largest remainder,
 *   ties to the first listed); they add up to @amount
 */
typedef struct
{
  guint     tier;
  MdEnergy  quantity;
  MdPrice   price;
  MdMoney   amount;
  MdMoney   components[MD_TARIFF_MAX_COMPONENTS];
} MdQuoteLine;

/**
 * MdQuote:
 * @kind: energy-type sale or money-type meter
 * @tariff: (transfer full): the version that priced the quote
 * @used: use in the tier period before the sale
 * @requested: what was asked: an amount (fen) for md_quote_for_amount() and
 *   md_quote_money_meter(), a quantity for md_quote_for_energy()
 * @energy: what the meter receives (energy kind); 0 for the money kind
 * @amount: what the customer pays: the sum of the lines for the energy kind,
 *   the requested amount for the money kind
 * @estimated_energy: money kind: what the amount buys at the flat rate and
 *   tiers today, for display; equal to @energy for the energy kind
 * @n_lines: number of lines, one per block touched
 * @lines: the breakdown
 * @components: per component, the sum over the lines
 */
typedef struct
{
  MdQuoteKind  kind;
  MdTariff    *tariff;
  MdEnergy     used;
  gint64       requested;
  MdEnergy     energy;
  MdMoney      amount;
  MdEnergy     estimated_energy;
  guint        n_lines;
  MdQuoteLine  lines[MD_TARIFF_MAX_TIERS];
  MdMoney      components[MD_TARIFF_MAX_COMPONENTS];
} MdQuote;

gboolean   md_quote_for_amount      (MdTariff        *tariff,
                                     MdEnergy         used,
                                     MdMoney          amount,
                                     MdQuote         *out_quote,
                                     GError         **error);
gboolean   md_quote_for_energy      (MdTariff        *tariff,
                                     MdEnergy         used,
                                     MdEnergy         energy,
                                     MdQuote         *out_quote,
                                     GError         **error);
gboolean   md_quote_money_meter     (MdTariff        *tariff,
                                     MdEnergy         used,
                                     MdMoney          amount,
                                     MdQuote         *out_quote,
                                     GError         **error);
void       md_quote_clear           (MdQuote         *quote);
char      *md_quote_line_to_string  (const MdQuote   *quote,
                                     guint            index);
JsonNode  *md_quote_to_json         (const MdQuote   *quote);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdQuote, md_quote_clear)

/**
 * MdReading:
 * @time: Unix time of the reading
 * @value: the cumulative register, Wh or litres
 */
typedef struct
{
  gint64    time;
  MdEnergy  value;
} MdReading;

/**
 * MdRateReading:
 * @time: Unix time of the reading
 * @values: the cumulative time-of-use registers, indexed by #MdRate
 */
typedef struct
{
  gint64    time;
  MdEnergy  values[MD_N_RATES];
} MdRateReading;

/**
 * MdBillState:
 *
 * What billing carries from one run to the next, so that billing a series
 * of readings gives exactly what billing it in two runs does. Store it with
 * the account (md_bill_state_to_json()); treat the fields as read-only.
 *
 * @has_last: a previous run ended at @last_time
 * @rate_registers: that run billed time-of-use registers
 * @last_time: time of the last reading billed
 * @last_value: its register (single-register runs)
 * @last_values: its registers (time-of-use register runs)
 * @tier_known: @tier_start is known; before the first run the tier period is
 *   the one containing the first reading
 * @tier_start: start of the tier period @used counts in
 * @used: cumulative use in that tier period
 * @has_version: @residual belongs to the version starting at @version
 * @version: valid-from of that version
 * @residual: the sub-fen part (in 10⁻⁷ yuan, 0 ≤ r < 100000) of the exact
 *   cumulative cost of each rate, tier and component of that version
 */
typedef struct
{
  gboolean  has_last;
  gboolean  rate_registers;
  gint64    last_time;
  MdEnergy  last_value;
  MdEnergy  last_values[MD_N_RATES];
  gboolean  tier_known;
  gint64    tier_start;
  MdEnergy  used;
  gboolean  has_version;
  gint64    version;
  gint32    residual[MD_N_RATES][MD_TARIFF_MAX_TIERS][MD_TARIFF_MAX_COMPONENTS];
} MdBillState;

/**
 * MdBillLine:
 * @version: index into #MdBill.versions
 * @rate: the time-of-use rate
 * @tier: the block
 * @quantity: Wh or litres
 * @price: rate + block surcharge
 * @amount: the sum of @components
 * @components: money per component of the version
 */
typedef struct
{
  guint     version;
  MdRate    rate;
  guint     tier;
  MdEnergy  quantity;
  MdPrice   price;
  MdMoney   amount;
  MdMoney   components[MD_TARIFF_MAX_COMPONENTS];
} MdBillLine;

/**
 * MdBill:
 * @from: time of the first reading of the run (the state's last reading if
 *   there was one)
 * @to: time of the last reading
 * @energy: the quantity billed
 * @total: the money billed: the sum of all lines, of @amount_by_rate, of
 *   @amount_by_tier
 * @versions: (element-type MdTariff): the versions that priced the lines
 * @lines: (element-type MdBillLine): one line per version, rate and block
 *   with use, in that order
 * @energy_by_rate: quantity per rate
 * @amount_by_rate: money per rate
 * @energy_by_tier: quantity per block index
 * @amount_by_tier: money per block index
 */
typedef struct
{
  gint64     from;
  gint64     to;
  MdEnergy   energy;
  MdMoney    total;
  GPtrArray *versions;
  GArray    *lines;
  MdEnergy   energy_by_rate[MD_N_RATES];
  MdMoney    amount_by_rate[MD_N_RATES];
  MdEnergy   energy_by_tier[MD_TARIFF_MAX_TIERS];
  MdMoney    amount_by_tier[MD_TARIFF_MAX_TIERS];
} MdBill;

typedef struct _MdBillPlan MdBillPlan;

void         md_bill_state_init      (MdBillState      *state,
                                      MdEnergy          start_use);
JsonNode    *md_bill_state_to_json   (const MdBillState *state);
gboolean     md_bill_state_from_json (JsonNode         *node,
                                      MdBillState      *out_state,
                                      GError          **error);

MdBillPlan  *md_bill_plan_new        (MdTariffHistory  *history,
                                      gint64            from,
                                      gint64            to,
                                      GError          **error);
MdBillPlan  *md_bill_plan_ref        (MdBillPlan       *self);
void         md_bill_plan_unref      (MdBillPlan       *self);
guint        md_bill_plan_get_n_segments (MdBillPlan *self);

MdBill      *md_bill_readings        (MdBillPlan       *plan,
                                      const MdReading  *readings,
                                      gsize             n_readings,
                                      MdBillState      *state,
                                      GError          **error);
MdBill      *md_bill_rate_readings   (MdBillPlan       *plan,
                                      const MdRateReading *readings,
                                      gsize             n_readings,
                                      MdBillState      *state,
                                      GError          **error);
MdMoney      md_bill_get_component_total (MdBill     *bill,
                                      const char       *name);
void         md_bill_free            (MdBill           *bill);
JsonNode    *md_bill_to_json         (MdBill           *bill);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdBill, md_bill_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdBillPlan, md_bill_plan_unref)

G_END_DECLS
