/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-billing.h"
#include "md-tariff-private.h"

/*
 * JSON forms of a bill (for the CLI, reports and the ledger's notes) and of
 * a billing state (stored with the account). Money, prices and quantities
 * are decimal strings, never JSON numbers.
 */

static void
member_take_string (JsonBuilder *b,
                    const char  *key,
                    char        *value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, value);
  g_free (value);
}

static void
energy_amount (JsonBuilder *b,
               MdEnergy     energy,
               MdMoney      amount)
{
  member_take_string (b, "energy", md_energy_format (energy));
  member_take_string (b, "amount", md_money_format (amount, MD_MONEY_STYLE_PLAIN));
}

static char *
format_time (MdBill *bill,
             gint64  time)
{
  g_autoptr(GDateTime) dt = NULL;

  if (bill->versions->len > 0)
    return _md_tariff_format_time (g_ptr_array_index (bill->versions, 0), time);
  dt = g_date_time_new_from_unix_utc (time);
  return dt != NULL ? g_date_time_format_iso8601 (dt) : g_strdup ("?");
}

/**
 * md_bill_to_json:
 *
 * The bill with its lines and the sums per rate, tier, version and
 * component; each set of sums adds up to "total".
 *
 * Returns: (transfer full): a JSON object
 */
JsonNode *
md_bill_to_json (MdBill *bill)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  MdEnergy version_energy[256] = { 0 };
  MdMoney version_amount[256] = { 0 };

  g_return_val_if_fail (bill != NULL, NULL);
  g_return_val_if_fail (bill->versions->len <= G_N_ELEMENTS (version_energy), NULL);

  json_builder_begin_object (b);
  member_take_string (b, "from", format_time (bill, bill->from));
  member_take_string (b, "to", format_time (bill, bill->to));
  if (bill->versions->len > 0)
    {
      MdTariff *t = g_ptr_array_index (bill->versions, 0);

      json_builder_set_member_name (b, "unit");
      json_builder_add_string_value (b, md_tariff_unit_to_string (t->unit));
    }
  member_take_string (b, "energy", md_energy_format (bill->energy));
  member_take_string (b, "total", md_money_format (bill->total, MD_MONEY_STYLE_PLAIN));

  json_builder_set_member_name (b, "versions");
  json_builder_begin_array (b);
  for (guint v = 0; v < bill->versions->len; v++)
    {
      MdTariff *t = g_ptr_array_index (bill->versions, v);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "tariff");
      json_builder_add_string_value (b, t->id);
      member_take_string (b, "valid_from", _md_tariff_format_time (t, t->valid_from));
      json_builder_set_member_name (b, "digest");
      json_builder_add_string_value (b, t->digest);
      json_builder_end_object (b);
      for (guint c = 0; c < t->n_components; c++)
        {
          guint j;

          for (j = 0; j < names->len; j++)
            if (g_str_equal (g_ptr_array_index (names, j), t->components[c].name))
              break;
          if (j == names->len)
            g_ptr_array_add (names, t->components[c].name);
        }
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "lines");
  json_builder_begin_array (b);
  for (guint i = 0; i < bill->lines->len; i++)
    {
      const MdBillLine *line = &g_array_index (bill->lines, MdBillLine, i);
      MdTariff *t = g_ptr_array_index (bill->versions, line->version);

      version_energy[line->version] += line->quantity;
      version_amount[line->version] += line->amount;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "version");
      json_builder_add_int_value (b, line->version);
      json_builder_set_member_name (b, "rate");
      json_builder_add_string_value (b, md_rate_to_string (line->rate));
      json_builder_set_member_name (b, "tier");
      json_builder_add_int_value (b, line->tier + 1);
      member_take_string (b, "quantity", md_energy_format (line->quantity));
      member_take_string (b, "price", md_price_format (line->price));
      member_take_string (b, "amount", md_money_format (line->amount, MD_MONEY_STYLE_PLAIN));
      json_builder_set_member_name (b, "components");
      json_builder_begin_object (b);
      for (guint c = 0; c < t->n_components; c++)
        member_take_string (b, t->components[c].name,
                            md_money_format (line->components[c], MD_MONEY_STYLE_PLAIN));
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "by_rate");
  json_builder_begin_object (b);
  for (guint r = 0; r < MD_N_RATES; r++)
    if (bill->energy_by_rate[r] != 0 || bill->amount_by_rate[r] != 0)
      {
        json_builder_set_member_name (b, md_rate_to_string ((MdRate) r));
        json_builder_begin_object (b);
        energy_amount (b, bill->energy_by_rate[r], bill->amount_by_rate[r]);
        json_builder_end_object (b);
      }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "by_tier");
  json_builder_begin_array (b);
  for (guint k = 0; k < MD_TARIFF_MAX_TIERS; k++)
    if (bill->energy_by_tier[k] != 0 || bill->amount_by_tier[k] != 0)
      {
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "tier");
        json_builder_add_int_value (b, k + 1);
        energy_amount (b, bill->energy_by_tier[k], bill->amount_by_tier[k]);
        json_builder_end_object (b);
      }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "by_version");
  json_builder_begin_array (b);
  for (guint v = 0; v < bill->versions->len; v++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "version");
      json_builder_add_int_value (b, v);
      energy_amount (b, version_energy[v], version_amount[v]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "by_component");
  json_builder_begin_object (b);
  for (guint j = 0; j < names->len; j++)
    member_take_string (b, g_ptr_array_index (names, j),
                        md_money_format (md_bill_get_component_total (bill,
                                                                      g_ptr_array_index (names, j)),
                                         MD_MONEY_STYLE_PLAIN));
  json_builder_end_object (b);
  json_builder_end_object (b);

  return json_builder_get_root (b);
}

/**
 * md_bill_state_to_json:
 *
 * Returns: (transfer full): the state as a JSON object, for
 *   md_bill_state_from_json()
 */
JsonNode *
md_bill_state_to_json (const MdBillState *state)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (state != NULL, NULL);

  json_builder_begin_object (b);
  if (state->has_last)
    {
      json_builder_set_member_name (b, "last_time");
      json_builder_add_int_value (b, state->last_time);
      json_builder_set_member_name (b, "rate_registers");
      json_builder_add_boolean_value (b, state->rate_registers);
      if (state->rate_registers)
        {
          json_builder_set_member_name (b, "last_values");
          json_builder_begin_array (b);
          for (guint r = 0; r < MD_N_RATES; r++)
            {
              g_autofree char *v = md_energy_format (state->last_values[r]);

              json_builder_add_string_value (b, v);
            }
          json_builder_end_array (b);
        }
      else
        member_take_string (b, "last_value", md_energy_format (state->last_value));
    }
  if (state->tier_known)
    {
      json_builder_set_member_name (b, "tier_start");
      json_builder_add_int_value (b, state->tier_start);
    }
  member_take_string (b, "used", md_energy_format (state->used));
  if (state->has_version)
    {
      json_builder_set_member_name (b, "version");
      json_builder_add_int_value (b, state->version);
      json_builder_set_member_name (b, "residuals");
      json_builder_begin_array (b);
      for (guint r = 0; r < MD_N_RATES; r++)
        for (guint k = 0; k < MD_TARIFF_MAX_TIERS; k++)
          for (guint c = 0; c < MD_TARIFF_MAX_COMPONENTS; c++)
            if (state->residual[r][k][c] != 0)
              {
                json_builder_begin_array (b);
                json_builder_add_int_value (b, r);
                json_builder_add_int_value (b, k);
                json_builder_add_int_value (b, c);
                json_builder_add_int_value (b, state->residual[r][k][c]);
                json_builder_end_array (b);
              }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);

  return json_builder_get_root (b);
}

static gboolean
get_int (JsonObject *o,
         const char *key,
         gint64     *out)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return TRUE;
}

static gboolean
get_energy (JsonNode *n,
            MdEnergy *out)
{
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) &&
         json_node_get_value_type (n) == G_TYPE_STRING &&
         md_energy_parse (json_node_get_string (n), 0, out, NULL);
}

static gboolean
state_from_object (JsonObject  *o,
                   MdBillState *st)
{
  JsonNode *n;

  if (json_object_has_member (o, "last_time"))
    {
      st->has_last = TRUE;
      if (!get_int (o, "last_time", &st->last_time))
        return FALSE;
      n = json_object_get_member (o, "rate_registers");
      if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) ||
          json_node_get_value_type (n) != G_TYPE_BOOLEAN)
        return FALSE;
      st->rate_registers = json_node_get_boolean (n);
      if (st->rate_registers)
        {
          JsonArray *a;

          n = json_object_get_member (o, "last_values");
          if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n) ||
              json_array_get_length (a = json_node_get_array (n)) != MD_N_RATES)
            return FALSE;
          for (guint r = 0; r < MD_N_RATES; r++)
            if (!get_energy (json_array_get_element (a, r), &st->last_values[r]))
              return FALSE;
        }
      else if (!get_energy (json_object_get_member (o, "last_value"), &st->last_value))
        return FALSE;
    }
  if (json_object_has_member (o, "tier_start"))
    {
      st->tier_known = TRUE;
      if (!get_int (o, "tier_start", &st->tier_start))
        return FALSE;
    }
  if (!get_energy (json_object_get_member (o, "used"), &st->used))
    return FALSE;
  if (json_object_has_member (o, "version"))
    {
      JsonArray *a;

      st->has_version = TRUE;
      if (!get_int (o, "version", &st->version))
        return FALSE;
      n = json_object_get_member (o, "residuals");
      if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
        return FALSE;
      a = json_node_get_array (n);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonNode *e = json_array_get_element (a, i);
          gint64 v[4];
          JsonArray *ea;

          if (!JSON_NODE_HOLDS_ARRAY (e))
            return FALSE;
          ea = json_node_get_array (e);
          if (json_array_get_length (ea) != 4)
            return FALSE;
          for (guint j = 0; j < 4; j++)
            {
              JsonNode *x = json_array_get_element (ea, j);

              if (!JSON_NODE_HOLDS_VALUE (x) || json_node_get_value_type (x) != G_TYPE_INT64)
                return FALSE;
              v[j] = json_node_get_int (x);
            }
          if (v[0] < 0 || v[0] >= MD_N_RATES || v[1] < 0 || v[1] >= MD_TARIFF_MAX_TIERS ||
              v[2] < 0 || v[2] >= MD_TARIFF_MAX_COMPONENTS || v[3] < 0 || v[3] >= 100000)
            return FALSE;
          st->residual[v[0]][v[1]][v[2]] = (gint32) v[3];
        }
    }
  return TRUE;
}

/**
 * md_bill_state_from_json:
 * @node: what md_bill_state_to_json() gave
 * @out_state: (out caller-allocates): the state
 *
 * Returns: %TRUE, or %FALSE with %MD_TARIFF_ERROR_STATE for a damaged state
 */
gboolean
md_bill_state_from_json (JsonNode     *node,
                         MdBillState  *out_state,
                         GError      **error)
{
  MdBillState st;

  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (out_state != NULL, FALSE);

  memset (&st, 0, sizeof st);
  if (!JSON_NODE_HOLDS_OBJECT (node) || !state_from_object (json_node_get_object (node), &st))
    {
      g_set_error_literal (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_STATE,
                           _("The billing state is damaged"));
      return FALSE;
    }
  *out_state = st;
  return TRUE;
}
