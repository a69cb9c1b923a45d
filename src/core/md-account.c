/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-clock.h"
#include "md-core-private.h"
#include "md-register.h"
#include "md-validate.h"

/* Usage categories, customers and accounts. An account is pre-registered,
 * open or closed; every change leaves an account_event row. */

#define MD_CAPACITY_MAX_VA G_GINT64_CONSTANT (100000000) /* 100,000 kVA */

/**
 * md_capacity_parse:
 * @text: kVA with at most 3 decimals, e.g. "8" or "12.5"
 * @out_va: (out): the capacity in VA
 */
gboolean
md_capacity_parse (const char  *text,
                   gint64      *out_va,
                   GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (md_decimal_parse (text, 3, MD_CAPACITY_MAX_VA, MD_PARSE_POSITIVE, out_va, &local_error))
    return TRUE;

  g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT, _("Capacity (kVA): %s"),
               local_error->message);
  return FALSE;
}

typedef struct
{
  MdSession  *session;
  const char *code;
  const char *name;
  MdUtility   utility;
  const char *tariff;
} CategoryData;

static gboolean
category_add_txn (MdStore  *store,
                  gpointer  user_data,
                  GError  **error)
{
  CategoryData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("category:%s", data->code);
  g_autofree char *detail = _md_detail ("name", data->name,
                                        "utility", md_utility_to_string (data->utility),
                                        "tariff", data->tariff, NULL);
  GError *local_error = NULL;

  if (data->tariff != NULL)
    {
      gint64 found = 0;

      if (!_md_lookup_id (store, &found, error,
                          "SELECT count(*) FROM tariff_version WHERE tariff_id = $1",
                          data->tariff, NULL))
        return FALSE;
      if (found == 0)
        {
          g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                       _("There is no tariff “%s”; set it with “tariff set” first"), data->tariff);
          return FALSE;
        }
    }

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO usage_category (code, name, utility, tariff_code, "
                                 "created_at) VALUES ($1, $2, $3, $4, $5) "
                                 "ON CONFLICT DO NOTHING RETURNING id", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, data->code);
  md_stmt_bind_text (stmt, 2, data->name);
  md_stmt_bind_text (stmt, 3, md_utility_to_string (data->utility));
  md_stmt_bind_text (stmt, 4, data->tariff);
  md_stmt_bind_int64 (stmt, 5, md_clock_now ());
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_EXISTS,
                     _("A usage category with code %s already exists"), data->code);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  md_stmt_exec (stmt, NULL);

  return _md_audit (store, data->session, 0, "category.add", object, detail, error);
}

/**
 * md_category_add:
 * @tariff: (nullable): the id of the tariff that prices this category
 *
 * Adds a usage category (用电性质): what a customer uses the supply for,
 * which selects the tariff.
 */
gboolean
md_category_add (MdSession   *session,
                 const char  *code,
                 const char  *name,
                 MdUtility    utility,
                 const char  *tariff,
                 GError     **error)
{
  CategoryData data = { session, code, name, utility, tariff };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_code (code, _("category code"), error) ||
      !md_validate_text (name, _("name"), TRUE, MD_NAME_MAX_CHARS, error))
    return FALSE;
  if (tariff != NULL && !md_validate_code (tariff, _("tariff id"), error))
    return FALSE;
  if (!md_session_require (session, MD_PERM_CATEGORY, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), category_add_txn, &data, error);
}

JsonNode *
md_category_list (MdSession  *session,
                  GError    **error)
{
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;

  return _md_query_json (md_session_get_store (session), error,
                         "SELECT c.code, c.name, c.utility, c.tariff_code AS tariff, "
                         "(SELECT count(*) FROM account a WHERE a.category_id = c.id "
                         " AND a.state <> 'closed') AS accounts "
                         "FROM usage_category c ORDER BY c.code", NULL);
}

static gboolean
account_event (MdStore     *store,
               MdSession   *session,
               gint64       account_id,
               const char  *kind,
               const char  *detail,
               GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  gint64 operator_id = md_session_get_operator_id (session);

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO account_event (account_id, at, operator_id, kind, "
                                 "detail) VALUES ($1, $2, $3, $4, $5)", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, account_id);
  md_stmt_bind_int64 (stmt, 2, md_clock_now ());
  md_stmt_bind_int64_or_null (stmt, 3, operator_id, operator_id == 0);
  md_stmt_bind_text (stmt, 4, kind);
  md_stmt_bind_text (stmt, 5, detail != NULL ? detail : "{}");
  return md_stmt_exec (stmt, error);
}

static gboolean
insert_customer (MdStore     *store,
                 const char  *name,
                 const char  *phone,
                 const char  *id_number,
                 const char  *address,
                 gint64      *out_id,
                 GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO customer (name, phone, id_number, address, created_at) "
                                 "VALUES ($1, $2, $3, $4, $5) RETURNING id", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, name);
  md_stmt_bind_text (stmt, 2, phone != NULL ? phone : "");
  md_stmt_bind_text (stmt, 3, id_number != NULL ? id_number : "");
  md_stmt_bind_text (stmt, 4, address != NULL ? address : "");
  md_stmt_bind_int64 (stmt, 5, md_clock_now ());
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                             "customer insert returned no id");
      g_propagate_error (error, local_error);
      return FALSE;
    }
  *out_id = md_stmt_get_int64 (stmt, 0);
  md_stmt_exec (stmt, NULL);
  return TRUE;
}

typedef struct
{
  MdSession           *session;
  const MdAccountSpec *spec;
} OpenData;

static gboolean
account_open_txn (MdStore  *store,
                  gpointer  user_data,
                  GError  **error)
{
  OpenData *data = user_data;
  const MdAccountSpec *spec = data->spec;
  g_autoptr(MdStmt) category = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("account:%s", spec->no);
  g_autofree char *meters = spec->meters != NULL ? g_strjoinv (",", (char **) spec->meters)
                                                 : g_strdup ("");
  g_autofree char *detail = NULL;
  GError *local_error = NULL;
  gint64 category_id;
  gint64 customer_id;
  gint64 account_id;
  gint64 room_id = 0;
  gint64 now = md_clock_now ();
  MdUtility utility;
  const char *state = spec->preregister ? "preregistered" : "open";

  if (!(category = md_store_prepare (store, "SELECT id, utility FROM usage_category WHERE code = $1",
                                     error)))
    return FALSE;
  md_stmt_bind_text (category, 1, spec->category);
  if (!md_stmt_step (category, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                     _("There is no usage category %s"), spec->category);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  category_id = md_stmt_get_int64 (category, 0);
  utility = g_strcmp0 (md_stmt_get_text (category, 1), "water") == 0 ? MD_UTILITY_WATER
                                                                     : MD_UTILITY_ELECTRICITY;
  md_stmt_exec (category, NULL);

  if (spec->room != NULL && !md_room_resolve (store, spec->room, &room_id, error))
    return FALSE;

  if (!insert_customer (store, spec->name, spec->phone, spec->id_number, spec->address,
                        &customer_id, error))
    return FALSE;

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO account (no, customer_id, category_id, state, billing, "
                                 "room_id, address, capacity_va, voltage_level, opened_at, "
                                 "created_at, vend_kind) "
                                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
                                 "ON CONFLICT DO NOTHING RETURNING id", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, spec->no);
  md_stmt_bind_int64 (stmt, 2, customer_id);
  md_stmt_bind_int64 (stmt, 3, category_id);
  md_stmt_bind_text (stmt, 4, state);
  md_stmt_bind_text (stmt, 5, spec->system_billing ? "system" : "meter");
  md_stmt_bind_int64_or_null (stmt, 6, room_id, room_id == 0);
  md_stmt_bind_text (stmt, 7, spec->address != NULL ? spec->address : "");
  md_stmt_bind_int64 (stmt, 8, spec->capacity_va);
  md_stmt_bind_text (stmt, 9, spec->voltage_level != NULL ? spec->voltage_level : "");
  md_stmt_bind_int64_or_null (stmt, 10, now, spec->preregister);
  md_stmt_bind_int64 (stmt, 11, now);
  md_stmt_bind_text (stmt, 12, spec->system_billing || spec->money_vend ? "money" : "energy");
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_EXISTS,
                     _("An account numbered %s already exists"), spec->no);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  account_id = md_stmt_get_int64 (stmt, 0);
  md_stmt_exec (stmt, NULL);

  for (guint i = 0; spec->meters != NULL && spec->meters[i] != NULL; i++)
    {
      for (guint j = 0; j < i; j++)
        if (g_str_equal (spec->meters[i], spec->meters[j]))
          {
            g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                         _("The meter %s is listed twice"), spec->meters[i]);
            return FALSE;
          }
      if (!_md_meter_attach (store, data->session, spec->meters[i], account_id, room_id, utility,
                             error))
        return FALSE;
    }

  detail = _md_detail ("name", spec->name, "category", spec->category, "state", state,
                       "meters", meters, "room", spec->room, NULL);
  if (!account_event (store, data->session, account_id, spec->preregister ? "preregister" : "open",
                      detail, error))
    return FALSE;
  return _md_audit (store, data->session, 0,
                    spec->preregister ? "account.preregister" : "account.open",
                    object, detail, error);
}

static gboolean
validate_customer (const char  *name,
                   const char  *phone,
                   const char  *id_number,
                   GError     **error)
{
  return md_validate_text (name, _("customer name"), TRUE, MD_NAME_MAX_CHARS, error) &&
         md_validate_phone (phone, error) &&
         md_validate_text (id_number, _("ID number"), FALSE, 32, error);
}

/**
 * md_account_open:
 *
 * Opens an account (开户) for a new customer with its meters, or
 * pre-registers it (@spec->preregister) to open later in one step.
 */
gboolean
md_account_open (MdSession            *session,
                 const MdAccountSpec  *spec,
                 GError              **error)
{
  OpenData data = { session, spec };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  if (!md_validate_code (spec->no, _("account number"), error) ||
      !validate_customer (spec->name, spec->phone, spec->id_number, error) ||
      !md_validate_code (spec->category, _("category code"), error) ||
      !md_validate_text (spec->address, _("address"), FALSE, MD_TEXT_MAX_CHARS, error) ||
      !md_validate_text (spec->voltage_level, _("voltage level"), FALSE, 16, error))
    return FALSE;
  if (spec->capacity_va < 0 || spec->capacity_va > MD_CAPACITY_MAX_VA)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                           _("The capacity is out of range"));
      return FALSE;
    }
  for (guint i = 0; spec->meters != NULL && spec->meters[i] != NULL; i++)
    if (!md_validate_text (spec->meters[i], _("meter address"), TRUE, 14, error))
      return FALSE;

  if (!md_session_require (session, MD_PERM_ACCOUNT, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), account_open_txn, &data, error);
}

/**
 * md_account_get_state:
 * @out_state: (out) (transfer full): "preregistered", "open" or "closed"
 *
 * Looks an account up by number; a missing account is a NOT_FOUND error.
 */
gboolean
md_account_get_state (MdStore     *store,
                      const char  *no,
                      gint64      *out_id,
                      char       **out_state,
                      GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  if (!(stmt = md_store_prepare (store, "SELECT id, state FROM account WHERE no = $1", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, no);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                     _("There is no account %s"), no);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  *out_id = md_stmt_get_int64 (stmt, 0);
  if (out_state != NULL)
    *out_state = g_strdup (md_stmt_get_text (stmt, 1));
  md_stmt_exec (stmt, NULL);
  return TRUE;
}

typedef struct
{
  MdSession  *session;
  const char *no;
  const char *name;
  const char *phone;
  const char *id_number;
  const char *category;
  gint64      capacity_va;
  gboolean    activate;
} ChangeData;

static gboolean
require_not_closed (const char  *no,
                    const char  *state,
                    GError     **error)
{
  if (g_strcmp0 (state, "closed") == 0)
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                   _("The account %s is closed"), no);
      return FALSE;
    }
  return TRUE;
}

static gboolean
account_activate_txn (MdStore  *store,
                      gpointer  user_data,
                      GError  **error)
{
  ChangeData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *state = NULL;
  g_autofree char *object = g_strdup_printf ("account:%s", data->no);
  gint64 id;

  if (!md_account_get_state (store, data->no, &id, &state, error))
    return FALSE;
  if (!g_str_equal (state, "preregistered"))
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                   _("The account %s is not pre-registered"), data->no);
      return FALSE;
    }
  if (!(stmt = md_store_prepare (store,
                                 "UPDATE account SET state = 'open', opened_at = $2 WHERE id = $1",
                                 error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, id);
  md_stmt_bind_int64 (stmt, 2, md_clock_now ());
  if (!md_stmt_exec (stmt, error) ||
      !account_event (store, data->session, id, "open", NULL, error))
    return FALSE;
  return _md_audit (store, data->session, 0, "account.open", object, NULL, error);
}

/**
 * md_account_activate:
 *
 * Opens a pre-registered account in one step.
 */
gboolean
md_account_activate (MdSession   *session,
                     const char  *no,
                     GError     **error)
{
  ChangeData data = { session, no };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_code (no, _("account number"), error) ||
      !md_session_require (session, MD_PERM_ACCOUNT, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), account_activate_txn, &data, error);
}

static gboolean
account_transfer_txn (MdStore  *store,
                      gpointer  user_data,
                      GError  **error)
{
  ChangeData *data = user_data;
  g_autoptr(MdStmt) old = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *state = NULL;
  g_autofree char *old_name = NULL;
  g_autofree char *object = g_strdup_printf ("account:%s", data->no);
  g_autofree char *detail = NULL;
  GError *local_error = NULL;
  gint64 id;
  gint64 customer_id;

  if (!md_account_get_state (store, data->no, &id, &state, error) ||
      !require_not_closed (data->no, state, error))
    return FALSE;

  if (!(old = md_store_prepare (store,
                                "SELECT c.name, c.address FROM account a "
                                "JOIN customer c ON c.id = a.customer_id WHERE a.id = $1", error)))
    return FALSE;
  md_stmt_bind_int64 (old, 1, id);
  if (!md_stmt_step (old, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                     _("There is no account %s"), data->no);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  old_name = g_strdup (md_stmt_get_text (old, 0));
  {
    g_autofree char *address = g_strdup (md_stmt_get_text (old, 1));

    md_stmt_exec (old, NULL);
    if (!insert_customer (store, data->name, data->phone, data->id_number, address, &customer_id,
                          error))
      return FALSE;
  }

  if (!(stmt = md_store_prepare (store, "UPDATE account SET customer_id = $2 WHERE id = $1", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, id);
  md_stmt_bind_int64 (stmt, 2, customer_id);
  if (!md_stmt_exec (stmt, error))
    return FALSE;

  detail = _md_detail ("from", old_name, "to", data->name, NULL);
  if (!account_event (store, data->session, id, "transfer", detail, error))
    return FALSE;
  return _md_audit (store, data->session, 0, "account.transfer", object, detail, error);
}

/**
 * md_account_transfer:
 *
 * Ownership transfer (过户): the account, its meters, cards and credit
 * stay; the holder changes. The former holder remains in the history.
 */
gboolean
md_account_transfer (MdSession   *session,
                     const char  *no,
                     const char  *name,
                     const char  *phone,
                     const char  *id_number,
                     GError     **error)
{
  ChangeData data = { session, no, name, phone, id_number };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_code (no, _("account number"), error) ||
      !validate_customer (name, phone, id_number, error) ||
      !md_session_require (session, MD_PERM_ACCOUNT, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), account_transfer_txn, &data, error);
}

static gboolean
account_change_txn (MdStore  *store,
                    gpointer  user_data,
                    GError  **error)
{
  ChangeData *data = user_data;
  g_autoptr(MdStmt) old = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *state = NULL;
  g_autofree char *old_category = NULL;
  g_autofree char *old_capacity = NULL;
  g_autofree char *new_capacity = NULL;
  g_autofree char *object = g_strdup_printf ("account:%s", data->no);
  g_autofree char *detail = NULL;
  GError *local_error = NULL;
  gint64 id;
  gint64 category_id = 0;
  gint64 capacity;

  if (!md_account_get_state (store, data->no, &id, &state, error) ||
      !require_not_closed (data->no, state, error))
    return FALSE;

  if (!(old = md_store_prepare (store,
                                "SELECT c.code, a.capacity_va, c.utility FROM account a "
                                "JOIN usage_category c ON c.id = a.category_id WHERE a.id = $1",
                                error)))
    return FALSE;
  md_stmt_bind_int64 (old, 1, id);
  if (!md_stmt_step (old, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                     _("There is no account %s"), data->no);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  old_category = g_strdup (md_stmt_get_text (old, 0));
  capacity = md_stmt_get_int64 (old, 1);
  {
    g_autofree char *utility = g_strdup (md_stmt_get_text (old, 2));

    md_stmt_exec (old, NULL);

    if (data->category != NULL)
      {
        g_autoptr(MdStmt) cat = NULL;

        if (!(cat = md_store_prepare (store,
                                      "SELECT id, utility FROM usage_category WHERE code = $1",
                                      error)))
          return FALSE;
        md_stmt_bind_text (cat, 1, data->category);
        if (!md_stmt_step (cat, &local_error))
          {
            if (local_error == NULL)
              g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                           _("There is no usage category %s"), data->category);
            g_propagate_error (error, local_error);
            return FALSE;
          }
        category_id = md_stmt_get_int64 (cat, 0);
        if (g_strcmp0 (utility, md_stmt_get_text (cat, 1)) != 0)
          {
            g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                         _("The category %s is for another utility than the account’s"),
                         data->category);
            md_stmt_exec (cat, NULL);
            return FALSE;
          }
        md_stmt_exec (cat, NULL);
      }
  }

  if (!(stmt = md_store_prepare (store,
                                 "UPDATE account SET category_id = COALESCE($2, category_id), "
                                 "capacity_va = COALESCE($3, capacity_va) WHERE id = $1", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, id);
  md_stmt_bind_int64_or_null (stmt, 2, category_id, category_id == 0);
  md_stmt_bind_int64_or_null (stmt, 3, data->capacity_va, data->capacity_va == 0);
  if (!md_stmt_exec (stmt, error))
    return FALSE;

  old_capacity = md_decimal_format (capacity, 3);
  new_capacity = md_decimal_format (data->capacity_va > 0 ? data->capacity_va : capacity, 3);
  detail = _md_detail ("category_from", old_category,
                       "category_to", data->category != NULL ? data->category : old_category,
                       "capacity_kva_from", old_capacity, "capacity_kva_to", new_capacity, NULL);
  if (!account_event (store, data->session, id, "change", detail, error))
    return FALSE;
  return _md_audit (store, data->session, 0, "account.change", object, detail, error);
}

/**
 * md_account_change:
 * @category: (nullable): the new usage category (改类)
 * @capacity_va: the new capacity in VA (增容/减容), or 0 to keep it
 */
gboolean
md_account_change (MdSession   *session,
                   const char  *no,
                   const char  *category,
                   gint64       capacity_va,
                   GError     **error)
{
  ChangeData data = { session, no, NULL, NULL, NULL, category, capacity_va };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_code (no, _("account number"), error))
    return FALSE;
  if (category != NULL && !md_validate_code (category, _("category code"), error))
    return FALSE;
  if (category == NULL && capacity_va == 0)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED,
                           _("Nothing to change: give a new category or capacity"));
      return FALSE;
    }
  if (capacity_va < 0 || capacity_va > MD_CAPACITY_MAX_VA)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                           _("The capacity is out of range"));
      return FALSE;
    }
  if (!md_session_require (session, MD_PERM_ACCOUNT, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), account_change_txn, &data, error);
}

#define ACCOUNT_COLUMNS \
  "a.no AS account, c.name, c.phone, c.id_number, cat.code AS category, cat.name AS category_name, " \
  "cat.utility, a.state, a.billing, a.vend_kind AS vend, " \
  "s.code || '/' || b.code || '/' || f.code || '/' || r.code AS room, a.address, " \
  "a.capacity_va AS \"capacity_kva:kva\", a.voltage_level, a.opened_at AS \"opened:time\", " \
  "a.closed_at AS \"closed:time\" "
#define ACCOUNT_JOINS \
  "FROM account a JOIN customer c ON c.id = a.customer_id " \
  "JOIN usage_category cat ON cat.id = a.category_id " \
  "LEFT JOIN room r ON r.id = a.room_id LEFT JOIN floor f ON f.id = r.floor_id " \
  "LEFT JOIN building b ON b.id = f.building_id LEFT JOIN site s ON s.id = b.site_id "

/**
 * md_account_show:
 *
 * Returns: (transfer full): the account with its customer, meters, cards
 *   and history
 */
JsonNode *
md_account_show (MdSession   *session,
                 const char  *no,
                 GError     **error)
{
  MdStore *store;
  g_autoptr(JsonNode) rows = NULL;
  JsonObject *account;
  static const struct { const char *member; const char *sql; } parts[] = {
    { "meters",
      "SELECT m.address, m.utility, m.model, m.state, bus.name AS bus, m.unit_id "
      "FROM meter m JOIN account a ON a.id = m.account_id LEFT JOIN bus ON bus.id = m.bus_id "
      "WHERE a.no = $1 ORDER BY m.address" },
    { "cards",
      "SELECT k.uid, k.kind, k.profile, k.status, k.purchase_count, k.issued_at AS \"issued:time\" "
      "FROM card k JOIN account a ON a.id = k.account_id WHERE a.no = $1 ORDER BY k.id" },
    { "history",
      "SELECT e.at AS \"at:time\", e.kind, o.name AS operator, e.detail "
      "FROM account_event e JOIN account a ON a.id = e.account_id "
      "LEFT JOIN operator o ON o.id = e.operator_id WHERE a.no = $1 ORDER BY e.id" },
  };

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_validate_code (no, _("account number"), error) ||
      !md_session_require (session, MD_PERM_VIEW, error))
    return NULL;

  store = md_session_get_store (session);
  if (!(rows = _md_query_json (store, error, "SELECT " ACCOUNT_COLUMNS ACCOUNT_JOINS
                               "WHERE a.no = $1", no, NULL)))
    return NULL;
  if (json_array_get_length (json_node_get_array (rows)) == 0)
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                   _("There is no account %s"), no);
      return NULL;
    }

  account = json_array_get_object_element (json_node_get_array (rows), 0);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      JsonNode *part = _md_query_json (store, error, parts[i].sql, no, NULL);

      if (part == NULL)
        return NULL;
      json_object_set_member (account, parts[i].member, part);
    }

  return json_array_dup_element (json_node_get_array (rows), 0);
}

/**
 * md_account_search:
 * @search: (nullable): part of an account number, name, phone, meter address
 *   or room path (F3 at the counter)
 * @limit: the most accounts returned, in account number order; 0 for all
 *
 * Returns: (transfer full): an array of accounts, or %NULL with an error
 */
JsonNode *
md_account_search (MdSession   *session,
                   const char  *search,
                   guint        limit,
                   GError     **error)
{
  g_autofree char *pattern = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *limit_clause = NULL;
  GString *escaped;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_validate_text (search, _("search text"), FALSE, MD_NAME_MAX_CHARS, error) ||
      !md_session_require (session, MD_PERM_VIEW, error))
    return NULL;

  /* LIKE metacharacters in the search are literal. */
  escaped = g_string_new ("%");
  for (const char *p = search != NULL ? search : ""; *p; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (escaped, '\\');
      g_string_append_c (escaped, *p);
    }
  g_string_append_c (escaped, '%');
  pattern = g_utf8_strdown (escaped->str, -1);
  g_string_free (escaped, TRUE);

  limit_clause = limit > 0 ? g_strdup_printf (" LIMIT %u", limit) : g_strdup ("");
  sql = g_strconcat ("SELECT " ACCOUNT_COLUMNS ACCOUNT_JOINS
                     "WHERE lower(a.no) LIKE $1 ESCAPE '\\' "
                     "OR lower(c.name) LIKE $1 ESCAPE '\\' "
                     "OR c.phone LIKE $1 ESCAPE '\\' "
                     "OR lower(s.code || '/' || b.code || '/' || f.code || '/' || r.code) "
                     "   LIKE $1 ESCAPE '\\' "
                     "OR EXISTS (SELECT 1 FROM meter m "
                     "  LEFT JOIN room mr ON mr.id = m.room_id "
                     "  LEFT JOIN floor mf ON mf.id = mr.floor_id "
                     "  LEFT JOIN building mb ON mb.id = mf.building_id "
                     "  LEFT JOIN site ms ON ms.id = mb.site_id "
                     "  WHERE m.account_id = a.id AND (m.address LIKE $1 ESCAPE '\\' "
                     "  OR lower(ms.code || '/' || mb.code || '/' || mf.code || '/' || mr.code) "
                     "     LIKE $1 ESCAPE '\\')) "
                     "ORDER BY a.no", limit_clause, NULL);
  return _md_query_json (md_session_get_store (session), error, sql, pattern, NULL);
}

/**
 * md_account_list:
 * @search: (nullable): as md_account_search(), every account that matches
 */
JsonNode *
md_account_list (MdSession   *session,
                 const char  *search,
                 GError     **error)
{
  return md_account_search (session, search, 0, error);
}
