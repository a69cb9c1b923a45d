/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-billing.h"
#include "md-tariff-private.h"

/*
 * Quotes for a sale. A quote prices at the flat rate plus the blocks the sale
 * falls in, given the use so far in the tier period. Each line is
 * md_price_cost (price, quantity), the total is the sum of the lines, and
 * amount → energy finds the largest energy whose total is ≤ the amount, so
 * one more Wh would cost more: both directions use the same lines.
 */

/* Largest-remainder split of @amount over the components of a line. The
 * exact shares add up to price × quantity, @amount is that rounded, so the
 * floors fall short by 0..n fen and each component gets at most one more. */
static void
apportion (MdTariff *t,
           guint     tier,
           MdEnergy  quantity,
           MdMoney   amount,
           MdMoney  *out)
{
  gint64 rem[MD_TARIFF_MAX_COMPONENTS];
  gboolean bumped[MD_TARIFF_MAX_COMPONENTS] = { FALSE };
  MdMoney short_by = amount;
  guint n = t->n_components;

  for (guint k = 0; k < n; k++)
    {
      __int128 exact = (__int128) md_tariff_get_component_price (t, k, MD_RATE_FLAT, tier) *
                       quantity;

      out[k] = (MdMoney) (exact / 100000);
      rem[k] = (gint64) (exact % 100000);
      short_by -= out[k];
    }

  g_assert (short_by >= 0 && short_by <= (MdMoney) n);
  for (; short_by > 0; short_by--)
    {
      guint best = n;

      for (guint k = 0; k < n; k++)
        if (!bumped[k] && (best == n || rem[k] > rem[best]))
          best = k;
      bumped[best] = TRUE;
      out[best]++;
    }
}

static gboolean
add_line (MdQuote   *quote,
          guint      tier,
          MdEnergy   quantity,
          MdMoney    amount,
          GError   **error)
{
  MdQuoteLine *line = &quote->lines[quote->n_lines++];

  line->tier = tier;
  line->quantity = quantity;
  line->price = md_tariff_get_price (quote->tariff, MD_RATE_FLAT, tier);
  line->amount = amount;
  apportion (quote->tariff, tier, quantity, amount, line->components);
  for (guint k = 0; k < quote->tariff->n_components; k++)
    quote->components[k] += line->components[k];

  quote->energy += quantity;
  if (!md_money_add (quote->amount, amount, &quote->amount, error))
    return FALSE;
  if (quote->amount > MD_MONEY_MAX || quote->energy > MD_ENERGY_MAX)
    {
      g_set_error_literal (error, MD_MONEY_ERROR, MD_MONEY_ERROR_OVERFLOW,
                           _("The sale is too large to price"));
      return FALSE;
    }
  return TRUE;
}

static void
quote_init (MdQuote  *quote,
            MdTariff *tariff,
            MdEnergy  used,
            gint64    requested)
{
  memset (quote, 0, sizeof *quote);
  quote->kind = MD_QUOTE_ENERGY;
  quote->tariff = md_tariff_ref (tariff);
  quote->used = used;
  quote->requested = requested;
}

static gboolean
quote_fail (MdQuote *quote)
{
  md_quote_clear (quote);
  return FALSE;
}

/**
 * md_quote_for_energy:
 * @tariff: the version in force at the time of the sale
 * @used: use so far in the tier period (from purchases or readings), ≥ 0
 * @energy: Wh (or litres) to sell, > 0
 * @out_quote: (out caller-allocates): the quote; clear it with md_quote_clear()
 *
 * Prices @energy at the flat rate plus tiers: one line per block, each
 * md_price_cost() of its quantity, the amount their sum.
 *
 * Returns: %TRUE on success; %MD_MONEY_ERROR_OVERFLOW beyond the maxima
 */
gboolean
md_quote_for_energy (MdTariff  *tariff,
                     MdEnergy   used,
                     MdEnergy   energy,
                     MdQuote   *out_quote,
                     GError   **error)
{
  MdEnergy left = energy;
  MdEnergy u = used;
  guint tier;

  g_return_val_if_fail (tariff != NULL, FALSE);
  g_return_val_if_fail (used >= 0 && used <= MD_ENERGY_MAX, FALSE);
  g_return_val_if_fail (energy > 0, FALSE);
  g_return_val_if_fail (out_quote != NULL, FALSE);

  quote_init (out_quote, tariff, used, energy);
  if (energy > MD_ENERGY_MAX)
    {
      g_set_error_literal (error, MD_MONEY_ERROR, MD_MONEY_ERROR_OVERFLOW,
                           _("The sale is too large to price"));
      return quote_fail (out_quote);
    }

  for (tier = md_tariff_tier_for_use (tariff, u); left > 0; tier++)
    {
      const MdTier *block = &tariff->tiers[tier];
      MdEnergy q = block->to == MD_TIER_OPEN ? left : MIN (left, block->to - u);
      MdMoney cost;

      if (!md_price_cost (md_tariff_get_price (tariff, MD_RATE_FLAT, tier), q, &cost, error) ||
          !add_line (out_quote, tier, q, cost, error))
        return quote_fail (out_quote);
      u += q;
      left -= q;
    }
  out_quote->estimated_energy = out_quote->energy;
  return TRUE;
}

/**
 * md_quote_for_amount:
 * @tariff: the version in force at the time of the sale
 * @used: use so far in the tier period, ≥ 0
 * @amount: fen offered, > 0
 * @out_quote: (out caller-allocates): the quote; clear it with md_quote_clear()
 *
 * What @amount buys, rounded down to the Wh: the largest energy E whose
 * md_quote_for_energy() amount is ≤ @amount; E + 1 Wh would cost more. The
 * quote's amount is what E costs; at prices up to 10 yuan per unit it is
 * @amount itself, at higher prices the difference is change to return.
 *
 * Returns: %TRUE on success; %MD_MONEY_ERROR_OVERFLOW if the energy would
 *   pass %MD_ENERGY_MAX
 */
gboolean
md_quote_for_amount (MdTariff  *tariff,
                     MdEnergy   used,
                     MdMoney    amount,
                     MdQuote   *out_quote,
                     GError   **error)
{
  MdMoney budget = amount;
  MdEnergy u = used;

  g_return_val_if_fail (tariff != NULL, FALSE);
  g_return_val_if_fail (used >= 0 && used <= MD_ENERGY_MAX, FALSE);
  g_return_val_if_fail (amount > 0 && amount <= MD_MONEY_MAX, FALSE);
  g_return_val_if_fail (out_quote != NULL, FALSE);

  quote_init (out_quote, tariff, used, amount);

  for (guint tier = md_tariff_tier_for_use (tariff, u); ; tier++)
    {
      const MdTier *block = &tariff->tiers[tier];
      MdPrice price = md_tariff_get_price (tariff, MD_RATE_FLAT, tier);
      MdMoney cost;
      gint64 q;

      /* A block that fits in the budget is bought whole… */
      if (block->to != MD_TIER_OPEN)
        {
          MdEnergy room = block->to - u;

          if (!md_price_cost (price, room, &cost, error))
            return quote_fail (out_quote);
          if (cost <= budget)
            {
              if (!add_line (out_quote, tier, room, cost, error))
                return quote_fail (out_quote);
              budget -= cost;
              u += room;
              continue;
            }
        }

      /* …and the first that does not is where the energy ends. */
      if (!md_price_quantity_for (price, budget, &q, error) ||
          !md_price_cost (price, q, &cost, error))
        return quote_fail (out_quote);
      if (q > 0 && !add_line (out_quote, tier, q, cost, error))
        return quote_fail (out_quote);
      break;
    }

  out_quote->estimated_energy = out_quote->energy;
  return TRUE;
}

/**
 * md_quote_money_meter:
 * @tariff: the version in force at the time of the sale
 * @used: use so far in the tier period, ≥ 0
 * @amount: fen offered, > 0
 * @out_quote: (out caller-allocates): the quote; clear it with md_quote_clear()
 *
 * A sale to a money-type meter: the meter receives @amount itself and prices
 * its own consumption with the rates pushed to it, so @amount is exactly what
 * is charged and delivered. The lines and @estimated_energy are what
 * md_quote_for_amount() would give today, for the receipt and the screen
 * only; @energy is 0.
 *
 * Returns: %TRUE on success
 */
gboolean
md_quote_money_meter (MdTariff  *tariff,
                      MdEnergy   used,
                      MdMoney    amount,
                      MdQuote   *out_quote,
                      GError   **error)
{
  if (!md_quote_for_amount (tariff, used, amount, out_quote, error))
    return FALSE;

  out_quote->kind = MD_QUOTE_MONEY;
  out_quote->energy = 0;
  out_quote->amount = amount;
  return TRUE;
}

/**
 * md_quote_clear:
 *
 * Drops the quote's tariff reference; the quote may be cleared twice.
 */
void
md_quote_clear (MdQuote *quote)
{
  g_return_if_fail (quote != NULL);

  g_clear_pointer (&quote->tariff, md_tariff_unref);
}

static const char *
unit_label (MdTariff *tariff)
{
  return tariff->unit == MD_TARIFF_UNIT_M3 ? "m³" : "kWh";
}

/**
 * md_quote_line_to_string:
 *
 * Returns: (transfer full): a receipt line, e.g. "第1档 80.000 kWh × 0.5880 = 47.04"
 */
char *
md_quote_line_to_string (const MdQuote *quote,
                         guint          index)
{
  const MdQuoteLine *line;
  g_autofree char *q = NULL;
  g_autofree char *p = NULL;
  g_autofree char *a = NULL;

  g_return_val_if_fail (quote != NULL && quote->tariff != NULL, NULL);
  g_return_val_if_fail (index < quote->n_lines, NULL);

  line = &quote->lines[index];
  q = md_energy_format (line->quantity);
  p = md_price_format (line->price);
  a = md_money_format (line->amount, MD_MONEY_STYLE_PLAIN);
  /* Translators: a receipt line: tier number, quantity, unit, price, amount */
  return g_strdup_printf (_("Tier %u %s %s × %s = %s"),
                          line->tier + 1, q, unit_label (quote->tariff), p, a);
}

static void
add_string (JsonBuilder *b,
            const char  *key,
            char        *value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, value);
  g_free (value);
}

/**
 * md_quote_to_json:
 *
 * Money, prices and quantities are decimal strings, never JSON numbers.
 *
 * Returns: (transfer full): the quote as a JSON object
 */
JsonNode *
md_quote_to_json (const MdQuote *quote)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  MdTariff *t;

  g_return_val_if_fail (quote != NULL && quote->tariff != NULL, NULL);

  t = quote->tariff;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, quote->kind == MD_QUOTE_MONEY ? "money" : "energy");
  json_builder_set_member_name (b, "tariff");
  json_builder_add_string_value (b, t->id);
  add_string (b, "version", _md_tariff_format_time (t, t->valid_from));
  json_builder_set_member_name (b, "digest");
  json_builder_add_string_value (b, t->digest);
  json_builder_set_member_name (b, "unit");
  json_builder_add_string_value (b, md_tariff_unit_to_string (t->unit));
  add_string (b, "used", md_energy_format (quote->used));
  add_string (b, "energy", md_energy_format (quote->energy));
  add_string (b, "estimated_energy", md_energy_format (quote->estimated_energy));
  add_string (b, "amount", md_money_format (quote->amount, MD_MONEY_STYLE_PLAIN));

  json_builder_set_member_name (b, "lines");
  json_builder_begin_array (b);
  for (guint i = 0; i < quote->n_lines; i++)
    {
      const MdQuoteLine *line = &quote->lines[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "tier");
      json_builder_add_int_value (b, line->tier + 1);
      add_string (b, "quantity", md_energy_format (line->quantity));
      add_string (b, "price", md_price_format (line->price));
      add_string (b, "amount", md_money_format (line->amount, MD_MONEY_STYLE_PLAIN));
      json_builder_set_member_name (b, "components");
      json_builder_begin_object (b);
      for (guint k = 0; k < t->n_components; k++)
        add_string (b, t->components[k].name,
                    md_money_format (line->components[k], MD_MONEY_STYLE_PLAIN));
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "components");
  json_builder_begin_object (b);
  for (guint k = 0; k < t->n_components; k++)
    add_string (b, t->components[k].name,
                md_money_format (quote->components[k], MD_MONEY_STYLE_PLAIN));
  json_builder_end_object (b);
  json_builder_end_object (b);

  return json_builder_get_root (b);
}
