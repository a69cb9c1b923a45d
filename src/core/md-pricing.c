/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-clock.h"
#include "md-core-private.h"
#include "md-pricing.h"
#include "md-readings.h"
#include "md-register.h"
#include "md-validate.h"

G_DEFINE_QUARK (md-pricing-error-quark, md_pricing_error)

/**
 * md_site_timezone:
 *
 * The zone tariff files without `timezone=` are read in: the one recorded
 * when the database was created, so every window prices alike.
 *
 * Returns: (transfer full): the site's time zone
 */
GTimeZone *
md_site_timezone (MdStore *store)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                             "SELECT value FROM setting WHERE key = 'timezone'",
                                             NULL);
  GTimeZone *zone = NULL;

  if (stmt != NULL && md_stmt_step (stmt, NULL))
    {
      zone = g_time_zone_new_identifier (md_stmt_get_text (stmt, 0));
      md_stmt_exec (stmt, NULL);
    }
  return zone != NULL ? zone : g_time_zone_new_local ();
}

static char *
format_valid_from (MdTariff *tariff)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (md_tariff_get_valid_from (tariff));
  g_autoptr(GDateTime) local = g_date_time_to_timezone (dt, md_tariff_get_timezone (tariff));

  return g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
}

/**
 * md_tariff_store_history:
 *
 * Returns: (transfer full): every version of @tariff_id, oldest first, or
 *   %NULL with %MD_PRICING_ERROR_NO_TARIFF when there is none
 */
MdTariffHistory *
md_tariff_store_history (MdStore     *store,
                         const char  *tariff_id,
                         GError     **error)
{
  g_autoptr(MdTariffHistory) history = md_tariff_history_new ();
  g_autoptr(GTimeZone) zone = md_site_timezone (store);
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  if (!(stmt = md_store_prepare (store,
                                 "SELECT source FROM tariff_version WHERE tariff_id = $1 "
                                 "ORDER BY valid_from", error)))
    return NULL;
  md_stmt_bind_text (stmt, 1, tariff_id);
  while (md_stmt_step (stmt, &local_error))
    {
      g_autoptr(MdTariff) version = md_tariff_new_from_text (md_stmt_get_text (stmt, 0), -1, zone,
                                                            &local_error);

      if (version == NULL || !md_tariff_history_add (history, version, &local_error))
        {
          md_stmt_exec (stmt, NULL);
          break;
        }
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  if (md_tariff_history_get_n_versions (history) == 0)
    {
      g_autofree char *shown = md_input_quote (tariff_id);

      g_set_error (error, MD_PRICING_ERROR, MD_PRICING_ERROR_NO_TARIFF,
                   _("There is no tariff “%s”"), shown);
      return NULL;
    }
  return g_steal_pointer (&history);
}

/**
 * md_tariff_store_version_row:
 * @out_row: (out): the tariff_version row of @version
 */
gboolean
md_tariff_store_version_row (MdStore     *store,
                             MdTariff    *version,
                             gint64      *out_row,
                             GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  if (!(stmt = md_store_prepare (store,
                                 "SELECT id FROM tariff_version WHERE tariff_id = $1 "
                                 "AND valid_from = $2", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, md_tariff_get_id (version));
  md_stmt_bind_int64 (stmt, 2, md_tariff_get_valid_from (version) * G_USEC_PER_SEC);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_PRICING_ERROR, MD_PRICING_ERROR_NO_TARIFF,
                     _("There is no tariff “%s”"), md_tariff_get_id (version));
      g_propagate_error (error, local_error);
      return FALSE;
    }
  *out_row = md_stmt_get_int64 (stmt, 0);
  md_stmt_exec (stmt, NULL);
  return TRUE;
}

typedef struct
{
  MdSession *session;
  MdTariff  *tariff;
  char      *canonical;
  gboolean   unchanged;
} SetData;

static gboolean
tariff_set_txn (MdStore  *store,
                gpointer  user_data,
                GError  **error)
{
  SetData *data = user_data;
  g_autoptr(MdTariffHistory) history = NULL;
  g_autoptr(GError) missing = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("tariff:%s", md_tariff_get_id (data->tariff));
  g_autofree char *valid_from = format_valid_from (data->tariff);
  g_autofree char *detail = NULL;

  history = md_tariff_store_history (store, md_tariff_get_id (data->tariff), &missing);
  if (history == NULL && !g_error_matches (missing, MD_PRICING_ERROR, MD_PRICING_ERROR_NO_TARIFF))
    {
      g_propagate_error (error, g_steal_pointer (&missing));
      return FALSE;
    }

  if (history != NULL)
    {
      guint n = md_tariff_history_get_n_versions (history);

      for (guint i = 0; i < n; i++)
        {
          MdTariff *old = md_tariff_history_get_version (history, i);

          if (md_tariff_get_valid_from (old) != md_tariff_get_valid_from (data->tariff))
            continue;
          if (md_tariff_equal (old, data->tariff))
            {
              /* Setting the same file twice is not an error. */
              data->unchanged = TRUE;
              return TRUE;
            }
          g_set_error (error, MD_PRICING_ERROR, MD_PRICING_ERROR_HISTORY,
                       _("Tariff %s already has a different version from %s; history is never "
                         "rewritten: give the new version a later valid-from"),
                       md_tariff_get_id (data->tariff), valid_from);
          return FALSE;
        }

      if (!md_tariff_history_add (history, data->tariff, error))
        return FALSE;
    }

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO tariff_version (tariff_id, valid_from, name, unit, "
                                 "source, digest, operator_id, created_at) "
                                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, md_tariff_get_id (data->tariff));
  md_stmt_bind_int64 (stmt, 2, md_tariff_get_valid_from (data->tariff) * G_USEC_PER_SEC);
  md_stmt_bind_text (stmt, 3, md_tariff_get_name (data->tariff));
  md_stmt_bind_text (stmt, 4, md_tariff_unit_to_string (md_tariff_get_unit (data->tariff)));
  md_stmt_bind_text (stmt, 5, data->canonical);
  md_stmt_bind_text (stmt, 6, md_tariff_get_digest (data->tariff));
  md_stmt_bind_int64 (stmt, 7, md_session_get_operator_id (data->session));
  md_stmt_bind_int64 (stmt, 8, md_clock_now ());
  if (!md_stmt_exec (stmt, error))
    return FALSE;

  detail = _md_detail ("valid_from", valid_from, "digest", md_tariff_get_digest (data->tariff),
                       NULL);
  return _md_audit (store, data->session, 0, "tariff.set", object, detail, error);
}

/**
 * md_tariff_store_set:
 * @text: a tariff file (docs/tariffs.md)
 * @out_result: (out) (optional) (transfer full): what was stored
 *
 * Stores a new version of a tariff. The same file again changes nothing;
 * a different file for an existing valid-from, or one that starts before
 * the last version, is refused: history is never rewritten.
 */
gboolean
md_tariff_store_set (MdSession   *session,
                     const char  *text,
                     gssize       length,
                     JsonNode   **out_result,
                     GError     **error)
{
  MdStore *store;
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(MdTariff) tariff = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *valid_from = NULL;
  SetData data = { session };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  store = md_session_get_store (session);
  zone = md_site_timezone (store);
  if (!(tariff = md_tariff_new_from_text (text, length, zone, error)))
    return FALSE;
  if (!md_session_require (session, MD_PERM_TARIFF, error))
    return FALSE;

  data.tariff = tariff;
  data.canonical = canonical = md_tariff_to_text (tariff);
  if (!md_store_write (store, tariff_set_txn, &data, error))
    return FALSE;

  valid_from = format_valid_from (tariff);
  if (out_result != NULL)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "tariff");
      json_builder_add_string_value (builder, md_tariff_get_id (tariff));
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, md_tariff_get_name (tariff));
      json_builder_set_member_name (builder, "valid_from");
      json_builder_add_string_value (builder, valid_from);
      json_builder_set_member_name (builder, "digest");
      json_builder_add_string_value (builder, md_tariff_get_digest (tariff));
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, data.unchanged ? "unchanged" : "stored");
      json_builder_end_object (builder);
      *out_result = json_builder_get_root (builder);
    }
  return TRUE;
}

JsonNode *
md_tariff_store_list (MdSession  *session,
                      GError    **error)
{
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;

  return _md_query_json (md_session_get_store (session), error,
                         "SELECT v.tariff_id AS tariff, v.name, v.unit, "
                         "(SELECT count(*) FROM tariff_version w WHERE w.tariff_id = v.tariff_id) "
                         "  AS versions, v.valid_from AS \"latest_from:time\", "
                         "(SELECT count(*) FROM usage_category c WHERE c.tariff_code = v.tariff_id) "
                         "  AS categories "
                         "FROM tariff_version v WHERE v.valid_from = (SELECT max(w.valid_from) "
                         "FROM tariff_version w WHERE w.tariff_id = v.tariff_id) "
                         "ORDER BY v.tariff_id", NULL);
}

/**
 * md_tariff_store_show:
 *
 * Returns: (transfer full): the tariff's versions, and the canonical text
 *   and prices of the one in force now
 */
JsonNode *
md_tariff_store_show (MdSession   *session,
                      const char  *tariff_id,
                      GError     **error)
{
  MdStore *store;
  g_autoptr(MdTariffHistory) history = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) versions = NULL;
  MdTariff *current;
  gint64 now;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_validate_code (tariff_id, _("tariff id"), error) ||
      !md_session_require (session, MD_PERM_VIEW, error))
    return NULL;

  store = md_session_get_store (session);
  if (!(history = md_tariff_store_history (store, tariff_id, error)))
    return NULL;
  if (!(versions = _md_query_json (store, error,
                                   "SELECT v.valid_from AS \"valid_from:time\", v.name, v.digest, "
                                   "o.name AS operator, v.created_at AS \"created:time\" "
                                   "FROM tariff_version v LEFT JOIN operator o ON o.id = v.operator_id "
                                   "WHERE v.tariff_id = $1 ORDER BY v.valid_from", tariff_id, NULL)))
    return NULL;

  now = md_clock_now () / G_USEC_PER_SEC;
  current = md_tariff_history_lookup (history, now, NULL);
  if (current == NULL)
    current = md_tariff_history_get_version (history, 0);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "tariff");
  json_builder_add_string_value (builder, tariff_id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, md_tariff_get_name (current));
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, md_tariff_unit_to_string (md_tariff_get_unit (current)));
  json_builder_set_member_name (builder, "in_force");
  json_builder_add_boolean_value (builder, md_tariff_get_valid_from (current) <= now);
  json_builder_set_member_name (builder, "time_of_use");
  json_builder_add_boolean_value (builder, md_tariff_is_time_of_use (current));
  json_builder_set_member_name (builder, "rates");
  json_builder_begin_object (builder);
  for (MdRate r = 0; r < MD_N_RATES; r++)
    if (md_tariff_has_rate (current, r))
      {
        g_autofree char *price = md_price_format (md_tariff_get_rate (current, r));

        json_builder_set_member_name (builder, md_rate_to_string (r));
        json_builder_add_string_value (builder, price);
      }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "source");
  {
    g_autofree char *text = md_tariff_to_text (current);

    json_builder_add_string_value (builder, text);
  }
  json_builder_set_member_name (builder, "versions");
  json_builder_add_value (builder, g_steal_pointer (&versions));
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

typedef struct
{
  MdSession  *session;
  const char *account_no;
  const char *meter_address;
  const char *tariff_id;
} OverrideData;

static gboolean
override_txn (MdStore  *store,
              gpointer  user_data,
              GError  **error)
{
  OverrideData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = NULL;
  g_autofree char *detail = NULL;
  gint64 account_id = 0;
  gint64 meter_id = 0;

  if (data->tariff_id != NULL)
    {
      g_autoptr(MdTariffHistory) history = md_tariff_store_history (store, data->tariff_id, error);

      if (history == NULL)
        return FALSE;
    }

  if (data->account_no != NULL)
    {
      if (!md_account_get_state (store, data->account_no, &account_id, NULL, error))
        return FALSE;
      object = g_strdup_printf ("account:%s", data->account_no);
    }
  else
    {
      if (!_md_lookup_id (store, &meter_id, error, "SELECT id FROM meter WHERE address = $1",
                          data->meter_address, NULL))
        return FALSE;
      if (meter_id == 0)
        {
          g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                       _("There is no meter with address %s"), data->meter_address);
          return FALSE;
        }
      object = g_strdup_printf ("meter:%s", data->meter_address);
    }

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO tariff_override (account_id, meter_id, tariff_id, "
                                 "valid_from, operator_id, created_at) "
                                 "VALUES ($1, $2, $3, $4, $5, $4)", error)))
    return FALSE;
  md_stmt_bind_int64_or_null (stmt, 1, account_id, account_id == 0);
  md_stmt_bind_int64_or_null (stmt, 2, meter_id, meter_id == 0);
  md_stmt_bind_text (stmt, 3, data->tariff_id);
  md_stmt_bind_int64 (stmt, 4, md_clock_now ());
  md_stmt_bind_int64 (stmt, 5, md_session_get_operator_id (data->session));
  if (!md_stmt_exec (stmt, error))
    return FALSE;

  detail = _md_detail ("tariff", data->tariff_id, NULL);
  return _md_audit (store, data->session, 0, "tariff.override", object, detail, error);
}

/**
 * md_tariff_override_set:
 * @account_no: (nullable): an account, or
 * @meter_address: (nullable): a meter
 * @tariff_id: (nullable): the tariff that prices it from now on; %NULL
 *   returns it to its category's tariff
 */
gboolean
md_tariff_override_set (MdSession   *session,
                        const char  *account_no,
                        const char  *meter_address,
                        const char  *tariff_id,
                        GError     **error)
{
  OverrideData data = { session, account_no, meter_address, tariff_id };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if ((account_no == NULL) == (meter_address == NULL))
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED,
                           _("Name either an account or a meter"));
      return FALSE;
    }
  if (account_no != NULL && !md_validate_code (account_no, _("account number"), error))
    return FALSE;
  if (meter_address != NULL && !md_validate_text (meter_address, _("meter address"), TRUE, 14,
                                                  error))
    return FALSE;
  if (tariff_id != NULL && !md_validate_code (tariff_id, _("tariff id"), error))
    return FALSE;
  if (!md_session_require (session, MD_PERM_TARIFF, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), override_txn, &data, error);
}

/* The tariff id pricing @account_id at @at: a meter override, then an
 * account override, then the category's tariff. */
static gboolean
account_tariff_id (MdStore     *store,
                   gint64       account_id,
                   gint64       at,
                   char       **out_id,
                   gboolean    *out_money,
                   char       **out_tier_source,
                   GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;
  static const char *sql =
    "SELECT (SELECT o.tariff_id FROM tariff_override o JOIN meter m ON m.id = o.meter_id "
    "        WHERE m.account_id = a.id AND o.valid_from <= $2 "
    "        ORDER BY o.valid_from DESC, o.id DESC LIMIT 1), "
    "       (SELECT count(*) FROM tariff_override o JOIN meter m ON m.id = o.meter_id "
    "        WHERE m.account_id = a.id AND o.valid_from <= $2), "
    "       (SELECT o.tariff_id FROM tariff_override o WHERE o.account_id = a.id "
    "        AND o.valid_from <= $2 ORDER BY o.valid_from DESC, o.id DESC LIMIT 1), "
    "       (SELECT count(*) FROM tariff_override o WHERE o.account_id = a.id "
    "        AND o.valid_from <= $2), "
    "       c.tariff_code, a.vend_kind, c.tier_source, c.code "
    "FROM account a JOIN usage_category c ON c.id = a.category_id WHERE a.id = $1";
  const char *chosen = NULL;

  if (!(stmt = md_store_prepare (store, sql, error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, account_id);
  md_stmt_bind_int64 (stmt, 2, at);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                             _("There is no such account"));
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (md_stmt_get_int64 (stmt, 1) > 0)
    chosen = md_stmt_get_text (stmt, 0);
  else if (md_stmt_get_int64 (stmt, 3) > 0)
    chosen = md_stmt_get_text (stmt, 2);
  if (chosen == NULL)
    chosen = md_stmt_get_text (stmt, 4);

  if (chosen == NULL)
    {
      g_set_error (error, MD_PRICING_ERROR, MD_PRICING_ERROR_NO_TARIFF,
                   _("The usage category %s has no tariff; finance must set one"),
                   md_stmt_get_text (stmt, 7));
      md_stmt_exec (stmt, NULL);
      return FALSE;
    }

  *out_id = g_strdup (chosen);
  *out_money = g_strcmp0 (md_stmt_get_text (stmt, 5), "money") == 0;
  *out_tier_source = g_strdup (md_stmt_get_text (stmt, 6));
  md_stmt_exec (stmt, NULL);
  return TRUE;
}

/**
 * md_account_price:
 * @at: µs since the epoch
 * @out_price: (out caller-allocates): clear with md_account_price_clear()
 *
 * What prices a sale to @account_id at @at: the tariff version in force and
 * the use so far in its tier period, counted from the account's purchases
 * or from its billed readings as its category says.
 */
gboolean
md_account_price (MdStore         *store,
                  gint64           account_id,
                  gint64           at,
                  MdAccountPrice  *out_price,
                  GError         **error)
{
  g_autofree char *tariff_id = NULL;
  g_autofree char *tier_source = NULL;
  g_autoptr(MdTariffHistory) history = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  MdTariff *version;
  gint64 period_start;
  GError *local_error = NULL;

  memset (out_price, 0, sizeof *out_price);

  if (!account_tariff_id (store, account_id, at, &tariff_id, &out_price->money_kind, &tier_source,
                          error))
    return FALSE;
  if (!(history = md_tariff_store_history (store, tariff_id, error)))
    return FALSE;
  if (!(version = md_tariff_history_lookup (history, at / G_USEC_PER_SEC, error)))
    return FALSE;
  out_price->tariff = md_tariff_ref (version);
  if (!md_tariff_store_version_row (store, version, &out_price->version_row, error))
    return FALSE;

  period_start = md_tariff_tier_period_start (version, at / G_USEC_PER_SEC);
  if (period_start == G_MININT64)
    return TRUE;  /* no tiers: the use so far does not matter */
  period_start *= G_USEC_PER_SEC;

  if (g_strcmp0 (tier_source, "readings") == 0)
    stmt = md_store_prepare (store,
                             "SELECT COALESCE(SUM(energy), 0) FROM account_bill "
                             "WHERE account_id = $1 AND to_at > $2 AND to_at <= $3", error);
  else
    stmt = md_store_prepare (store,
                             "SELECT COALESCE(SUM(energy), 0) FROM sale WHERE account_id = $1 "
                             "AND state = 'posted' AND kind IN ('sale', 'reversal', 'grant') "
                             "AND posted_at >= $2 AND posted_at < $3", error);
  if (stmt == NULL)
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, account_id);
  md_stmt_bind_int64 (stmt, 2, period_start);
  md_stmt_bind_int64 (stmt, 3, at);
  if (md_stmt_step (stmt, &local_error))
    {
      out_price->used = MAX (md_stmt_get_int64 (stmt, 0), 0);
      md_stmt_exec (stmt, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

void
md_account_price_clear (MdAccountPrice *price)
{
  g_clear_pointer (&price->tariff, md_tariff_unref);
}

/**
 * md_pricing_quote:
 * @amount: fen to spend, or 0 when @energy is given
 * @energy: Wh (or litres) to buy, or 0 when @amount is given
 * @out_quote: (out caller-allocates): clear with md_quote_clear()
 * @out_version_row: (out) (optional): the tariff_version row that priced it
 *
 * Prices a sale to an open account now, from its tariff only.
 */
gboolean
md_pricing_quote (MdSession   *session,
                  const char  *account_no,
                  MdMoney      amount,
                  MdEnergy     energy,
                  MdQuote     *out_quote,
                  gint64      *out_version_row,
                  GError     **error)
{
  MdStore *store;
  g_autofree char *state = NULL;
  g_auto(MdAccountPrice) price = { 0 };
  gint64 account_id;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail ((amount > 0) != (energy > 0), FALSE);

  if (!md_validate_code (account_no, _("account number"), error) ||
      !md_session_require (session, MD_PERM_VIEW, error))
    return FALSE;

  store = md_session_get_store (session);
  if (!md_account_get_state (store, account_no, &account_id, &state, error))
    return FALSE;
  if (!g_str_equal (state, "open"))
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                   g_str_equal (state, "closed") ? _("The account %s is closed and cannot be sold to")
                                                 : _("The account %s is not open yet"),
                   account_no);
      return FALSE;
    }

  if (!md_account_price (store, account_id, md_clock_now (), &price, error))
    return FALSE;
  if (out_version_row != NULL)
    *out_version_row = price.version_row;

  if (price.money_kind)
    {
      if (energy > 0)
        {
          g_auto(MdQuote) cost = { 0 };

          if (!md_quote_for_energy (price.tariff, price.used, energy, &cost, error))
            return FALSE;
          amount = cost.amount;
        }
      return md_quote_money_meter (price.tariff, price.used, amount, out_quote, error);
    }
  if (amount > 0)
    return md_quote_for_amount (price.tariff, price.used, amount, out_quote, error);
  return md_quote_for_energy (price.tariff, price.used, energy, out_quote, error);
}

/**
 * md_pricing_bill_readings:
 * @has_start_use: @start_use overrides the file's `start-use`
 *
 * Bills a CSV file of readings with a stored tariff (`tariff bill`).
 *
 * Returns: (transfer full): the bill as JSON, or %NULL with @error set
 */
JsonNode *
md_pricing_bill_readings (MdSession   *session,
                          const char  *tariff_id,
                          const char  *readings_path,
                          gboolean     has_start_use,
                          MdEnergy     start_use,
                          GError     **error)
{
  MdStore *store;
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(MdTariffHistory) history = NULL;
  g_autoptr(MdReadings) readings = NULL;
  g_autoptr(MdBillPlan) plan = NULL;
  g_autoptr(MdBill) bill = NULL;
  MdBillState state;
  gint64 from;
  gint64 to;
  guint n;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_validate_code (tariff_id, _("tariff id"), error) ||
      !md_session_require (session, MD_PERM_REPORT, error))
    return NULL;

  store = md_session_get_store (session);
  zone = md_site_timezone (store);
  if (!(history = md_tariff_store_history (store, tariff_id, error)))
    return NULL;
  if (!(readings = md_readings_parse_file (readings_path, zone, error)))
    return NULL;
  if (readings->unit != md_tariff_get_unit (md_tariff_history_get_version (history, 0)))
    {
      g_set_error (error, MD_PRICING_ERROR, MD_PRICING_ERROR_HISTORY,
                   _("The readings are in %s but tariff %s prices %s"),
                   md_tariff_unit_to_string (readings->unit), tariff_id,
                   md_tariff_unit_to_string (md_tariff_get_unit (
                     md_tariff_history_get_version (history, 0))));
      return NULL;
    }

  if (readings->rate_registers)
    {
      n = readings->rate_readings->len;
      from = g_array_index (readings->rate_readings, MdRateReading, 0).time;
      to = g_array_index (readings->rate_readings, MdRateReading, n - 1).time;
    }
  else
    {
      n = readings->readings->len;
      from = g_array_index (readings->readings, MdReading, 0).time;
      to = g_array_index (readings->readings, MdReading, n - 1).time;
    }

  if (!(plan = md_bill_plan_new (history, from, to, error)))
    return NULL;
  md_bill_state_init (&state, has_start_use ? start_use
                                            : readings->has_start_use ? readings->start_use : 0);
  if (!(bill = md_readings_bill (readings, plan, &state, error)))
    return NULL;
  return md_bill_to_json (bill);
}

static const struct
{
  const char  *kind;
  const char  *name;
  MdFeeBasis   basis;
} builtin_fees[] = {
  { "card-replacement", N_("Card replacement fee"), MD_FEE_BASIS_FIXED },
  { "capacity-increase", N_("Capacity increase fee"), MD_FEE_BASIS_PER_KVA },
  { "transfer", N_("Transfer fee"), MD_FEE_BASIS_FIXED },
  { "meter-replacement", N_("Meter replacement fee"), MD_FEE_BASIS_FIXED },
  { "account-opening", N_("Account opening fee"), MD_FEE_BASIS_FIXED },
};

static const char * const basis_names[] = { "fixed", "per-kva", "per-m2" };
static const char * const period_names[] = { "once", "monthly" };

gboolean
md_fee_basis_parse (const char  *text,
                    MdFeeBasis  *out_basis,
                    GError     **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (basis_names); i++)
    if (g_strcmp0 (text, basis_names[i]) == 0)
      {
        *out_basis = i;
        return TRUE;
      }
  {
    g_autofree char *shown = md_input_quote (text);

    g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                 _("Unknown fee basis “%s”: use fixed, per-kva or per-m2"), shown);
  }
  return FALSE;
}

gboolean
md_fee_period_parse (const char   *text,
                     MdFeePeriod  *out_period,
                     GError      **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (period_names); i++)
    if (g_strcmp0 (text, period_names[i]) == 0)
      {
        *out_period = i;
        return TRUE;
      }
  {
    g_autofree char *shown = md_input_quote (text);

    g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                 _("Unknown fee period “%s”: use once or monthly"), shown);
  }
  return FALSE;
}

typedef struct
{
  MdSession   *session;
  const char  *kind;
  const char  *name;
  MdFeeBasis   basis;
  MdFeePeriod  period;
  MdMoney      amount;
  gint64       valid_from;
} FeeData;

static gboolean
fee_set_txn (MdStore  *store,
             gpointer  user_data,
             GError  **error)
{
  FeeData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("fee:%s", data->kind);
  g_autofree char *amount = md_money_format (data->amount, MD_MONEY_STYLE_PLAIN);
  g_autofree char *detail = NULL;
  gint64 latest = 0;

  if (!_md_lookup_id (store, &latest, error, "SELECT max(valid_from) FROM fee WHERE kind = $1",
                      data->kind, NULL))
    return FALSE;
  if (latest != 0 && data->valid_from <= latest)
    {
      g_autofree char *when = _md_format_time (latest);

      g_set_error (error, MD_PRICING_ERROR, MD_PRICING_ERROR_HISTORY,
                   _("The fee %s already has a price from %s; a new price must start later"),
                   data->kind, when);
      return FALSE;
    }

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO fee (kind, name, basis, period, amount, valid_from, "
                                 "operator_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                                 error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, data->kind);
  md_stmt_bind_text (stmt, 2, data->name);
  md_stmt_bind_text (stmt, 3, basis_names[data->basis]);
  md_stmt_bind_text (stmt, 4, period_names[data->period]);
  md_stmt_bind_int64 (stmt, 5, data->amount);
  md_stmt_bind_int64 (stmt, 6, data->valid_from);
  md_stmt_bind_int64 (stmt, 7, md_session_get_operator_id (data->session));
  md_stmt_bind_int64 (stmt, 8, md_clock_now ());
  if (!md_stmt_exec (stmt, error))
    return FALSE;

  detail = _md_detail ("name", data->name, "amount", amount, "basis", basis_names[data->basis],
                       "period", period_names[data->period], NULL);
  return _md_audit (store, data->session, 0, "fee.set", object, detail, error);
}

/**
 * md_fee_set:
 * @name: (nullable): how receipts name it; the built-in kinds have a default
 * @valid_from: µs since the epoch, 0 for now
 *
 * Sets the price of a miscellaneous fee or a custom charge item from a date.
 * Earlier prices stay as they were.
 */
gboolean
md_fee_set (MdSession    *session,
            const char   *kind,
            const char   *name,
            MdFeeBasis    basis,
            MdFeePeriod   period,
            MdMoney       amount,
            gint64        valid_from,
            GError      **error)
{
  FeeData data = { session, kind, name, basis, period, amount, valid_from };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_code (kind, _("fee kind"), error) ||
      !md_validate_text (name, _("name"), FALSE, MD_NAME_MAX_CHARS, error))
    return FALSE;
  if (amount < 0 || amount > MD_MONEY_MAX)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                           _("The fee amount is out of range"));
      return FALSE;
    }

  if (name == NULL || *name == '\0')
    {
      data.name = NULL;
      for (guint i = 0; i < G_N_ELEMENTS (builtin_fees); i++)
        if (g_str_equal (builtin_fees[i].kind, kind))
          data.name = _(builtin_fees[i].name);
      if (data.name == NULL)
        {
          g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED,
                       _("Name the charge item %s with --name"), kind);
          return FALSE;
        }
    }

  if (!md_session_require (session, MD_PERM_FEE, error))
    return FALSE;
  if (data.valid_from == 0)
    data.valid_from = md_clock_now ();
  return md_store_write (md_session_get_store (session), fee_set_txn, &data, error);
}

/**
 * md_fee_list:
 * @history: every price ever set, rather than the ones in force
 */
JsonNode *
md_fee_list (MdSession  *session,
             gboolean    history,
             GError    **error)
{
  g_autofree char *now = NULL;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;

  if (history)
    return _md_query_json (md_session_get_store (session), error,
                           "SELECT kind, name, basis, period, amount AS \"amount:money\", "
                           "valid_from AS \"valid_from:time\" FROM fee ORDER BY kind, valid_from",
                           NULL);

  now = g_strdup_printf ("%" G_GINT64_FORMAT, md_clock_now ());
  return _md_query_json (md_session_get_store (session), error,
                         "SELECT f.kind, f.name, f.basis, f.period, f.amount AS \"amount:money\", "
                         "f.valid_from AS \"valid_from:time\" FROM fee f "
                         "WHERE f.valid_from = (SELECT max(g.valid_from) FROM fee g "
                         "  WHERE g.kind = f.kind AND g.valid_from <= CAST($1 AS BIGINT)) "
                         "ORDER BY f.kind", now, NULL);
}

/**
 * md_fee_lookup:
 * @out_fee: (out caller-allocates): clear with md_fee_clear()
 *
 * The price of @kind in force at @at (µs).
 */
gboolean
md_fee_lookup (MdStore     *store,
               const char  *kind,
               gint64       at,
               MdFee       *out_fee,
               GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  memset (out_fee, 0, sizeof *out_fee);
  if (!(stmt = md_store_prepare (store,
                                 "SELECT kind, name, basis, period, amount, valid_from FROM fee "
                                 "WHERE kind = $1 AND valid_from <= $2 "
                                 "ORDER BY valid_from DESC LIMIT 1", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, kind);
  md_stmt_bind_int64 (stmt, 2, at);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        {
          g_autofree char *shown = md_input_quote (kind);

          g_set_error (&local_error, MD_PRICING_ERROR, MD_PRICING_ERROR_NO_FEE,
                       _("No price is set for the fee %s; finance must set one"), shown);
        }
      g_propagate_error (error, local_error);
      return FALSE;
    }

  out_fee->kind = g_strdup (md_stmt_get_text (stmt, 0));
  out_fee->name = g_strdup (md_stmt_get_text (stmt, 1));
  md_fee_basis_parse (md_stmt_get_text (stmt, 2), &out_fee->basis, NULL);
  md_fee_period_parse (md_stmt_get_text (stmt, 3), &out_fee->period, NULL);
  out_fee->amount = md_stmt_get_int64 (stmt, 4);
  out_fee->valid_from = md_stmt_get_int64 (stmt, 5);
  md_stmt_exec (stmt, NULL);
  return TRUE;
}

void
md_fee_clear (MdFee *fee)
{
  g_clear_pointer (&fee->kind, g_free);
  g_clear_pointer (&fee->name, g_free);
}
