/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-clock.h"
#include "md-core-private.h"
#include "md-register.h"
#include "md-validate.h"

/* The meter register: stock → installed → removed → retired, every move a
 * meter_event row. */

#define METER_COLUMNS \
  "m.address, m.utility, m.model, m.state, b.name AS bus, m.unit_id, " \
  "s.code || '/' || bl.code || '/' || f.code || '/' || r.code AS room, " \
  "a.no AS account, m.asset_no AS asset, t.code AS transformer_area, " \
  "m.created_at AS \"registered:time\" "
#define METER_JOINS \
  "FROM meter m LEFT JOIN bus b ON b.id = m.bus_id " \
  "LEFT JOIN room r ON r.id = m.room_id LEFT JOIN floor f ON f.id = r.floor_id " \
  "LEFT JOIN building bl ON bl.id = f.building_id LEFT JOIN site s ON s.id = bl.site_id " \
  "LEFT JOIN account a ON a.id = m.account_id " \
  "LEFT JOIN transformer_area t ON t.id = m.transformer_area_id "

static gboolean
validate_address (const char  *address,
                  MdUtility    utility,
                  GError     **error)
{
  return md_validate_digits (address, _("meter address"),
                             utility == MD_UTILITY_WATER ? MD_WATER_ADDRESS_DIGITS
                                                         : MD_ELECTRICITY_ADDRESS_DIGITS,
                             error);
}

/* Any meter address: 12 digits or 14 digits, decided by its length. */
static gboolean
validate_any_address (const char  *address,
                      GError     **error)
{
  if (address != NULL && strlen (address) == MD_WATER_ADDRESS_DIGITS)
    return validate_address (address, MD_UTILITY_WATER, error);
  return validate_address (address, MD_UTILITY_ELECTRICITY, error);
}

typedef struct
{
  gint64 id;
  char   state[16];
  gint64 bus_id;
  gint64 unit_id;
  gint64 room_id;
  gint64 account_id;
  char   account_state[16];
} MeterRow;

static gboolean
load_meter (MdStore     *store,
            const char  *address,
            MeterRow    *row,
            GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  if (!(stmt = md_store_prepare (store,
                                 "SELECT m.id, m.state, m.bus_id, m.unit_id, m.room_id, "
                                 "m.account_id, a.state FROM meter m "
                                 "LEFT JOIN account a ON a.id = m.account_id WHERE m.address = $1",
                                 error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, address);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                     _("There is no meter with address %s"), address);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  row->id = md_stmt_get_int64 (stmt, 0);
  g_strlcpy (row->state, md_stmt_get_text (stmt, 1), sizeof row->state);
  row->bus_id = md_stmt_get_int64 (stmt, 2);
  row->unit_id = md_stmt_get_int64 (stmt, 3);
  row->room_id = md_stmt_get_int64 (stmt, 4);
  row->account_id = md_stmt_get_int64 (stmt, 5);
  g_strlcpy (row->account_state, md_stmt_get_text (stmt, 6) ?: "", sizeof row->account_state);
  md_stmt_exec (stmt, NULL);
  return TRUE;
}

/* A Modbus unit answers once per bus: checked before the partial unique
 * index would refuse it less politely. */
static gboolean
check_unit_free (MdStore     *store,
                 gint64       meter_id,
                 gint64       bus_id,
                 gint64       unit_id,
                 GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  if (bus_id == 0 || unit_id == 0)
    return TRUE;

  if (!(stmt = md_store_prepare (store,
                                 "SELECT m.address, b.name FROM meter m JOIN bus b ON b.id = m.bus_id "
                                 "WHERE m.bus_id = $1 AND m.unit_id = $2 AND m.state = 'installed' "
                                 "AND m.id <> $3", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, bus_id);
  md_stmt_bind_int64 (stmt, 2, unit_id);
  md_stmt_bind_int64 (stmt, 3, meter_id);
  if (md_stmt_step (stmt, &local_error))
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IN_USE,
                   _("Unit %d on bus %s is already used by meter %s"), (int) unit_id,
                   md_stmt_get_text (stmt, 1), md_stmt_get_text (stmt, 0));
      md_stmt_exec (stmt, NULL);
      return FALSE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
add_event (MdStore     *store,
           MdSession   *session,
           gint64       meter_id,
           const char  *from_state,
           const char  *to_state,
           gint64       room_id,
           gint64       account_id,
           const char  *note,
           GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  gint64 operator_id = md_session_get_operator_id (session);

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO meter_event (meter_id, at, operator_id, from_state, "
                                 "to_state, room_id, account_id, note) "
                                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, meter_id);
  md_stmt_bind_int64 (stmt, 2, md_clock_now ());
  md_stmt_bind_int64_or_null (stmt, 3, operator_id, operator_id == 0);
  md_stmt_bind_text (stmt, 4, from_state);
  md_stmt_bind_text (stmt, 5, to_state);
  md_stmt_bind_int64_or_null (stmt, 6, room_id, room_id == 0);
  md_stmt_bind_int64_or_null (stmt, 7, account_id, account_id == 0);
  md_stmt_bind_text (stmt, 8, note != NULL ? note : "");
  return md_stmt_exec (stmt, error);
}

/**
 * _md_meter_attach:
 *
 * Inside a write transaction: gives the meter at @address to @account_id,
 * installing it first when it is in stock. Refuses a meter that is removed,
 * retired, or already serving another account.
 */
gboolean
_md_meter_attach (MdStore     *store,
                  MdSession   *session,
                  const char  *address,
                  gint64       account_id,
                  gint64       room_id,
                  MdUtility    utility,
                  GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(MdStmt) utility_stmt = NULL;
  MeterRow row = { 0 };
  GError *local_error = NULL;
  gboolean install;

  if (!validate_any_address (address, error) || !load_meter (store, address, &row, error))
    return FALSE;

  if (!(utility_stmt = md_store_prepare (store, "SELECT utility FROM meter WHERE id = $1", error)))
    return FALSE;
  md_stmt_bind_int64 (utility_stmt, 1, row.id);
  if (md_stmt_step (utility_stmt, &local_error) &&
      g_strcmp0 (md_stmt_get_text (utility_stmt, 0), md_utility_to_string (utility)) != 0)
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                   utility == MD_UTILITY_WATER
                     ? _("The meter %s is an electricity meter; this account is for water")
                     : _("The meter %s is a water meter; this account is for electricity"),
                   address);
      md_stmt_exec (utility_stmt, NULL);
      return FALSE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (g_str_equal (row.state, "removed") || g_str_equal (row.state, "retired"))
    {
      if (g_str_equal (row.state, "removed"))
        g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                     _("The meter %s has been removed and cannot serve an account"), address);
      else
        g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                     _("The meter %s has been retired and cannot serve an account"), address);
      return FALSE;
    }
  if (row.account_id != 0 && row.account_id != account_id &&
      !g_str_equal (row.account_state, "closed"))
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IN_USE,
                   _("The meter %s already serves another account"), address);
      return FALSE;
    }

  install = g_str_equal (row.state, "stock");
  if (install && !check_unit_free (store, row.id, row.bus_id, row.unit_id, error))
    return FALSE;

  if (!(stmt = md_store_prepare (store,
                                 "UPDATE meter SET account_id = $2, state = 'installed', "
                                 "room_id = COALESCE(room_id, $3) WHERE id = $1", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, row.id);
  md_stmt_bind_int64 (stmt, 2, account_id);
  md_stmt_bind_int64_or_null (stmt, 3, room_id, room_id == 0);
  if (!md_stmt_exec (stmt, error))
    return FALSE;

  return add_event (store, session, row.id, row.state, "installed",
                    row.room_id != 0 ? row.room_id : room_id, account_id,
                    install ? "installed for the account" : "attached to the account", error);
}

typedef struct
{
  MdSession         *session;
  const MdMeterSpec *spec;
} AddData;

static gboolean
meter_add_txn (MdStore  *store,
               gpointer  user_data,
               GError  **error)
{
  AddData *data = user_data;
  const MdMeterSpec *spec = data->spec;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("meter:%s", spec->address);
  g_autofree char *detail = NULL;
  GError *local_error = NULL;
  gint64 bus_id = 0;
  gint64 room_id = 0;
  gint64 area_id = 0;
  gint64 meter_id;
  const char *state;

  if (spec->bus != NULL)
    {
      g_autoptr(MdStmt) bus = NULL;

      if (!(bus = md_store_prepare (store, "SELECT id, protocol FROM bus WHERE name = $1", error)))
        return FALSE;
      md_stmt_bind_text (bus, 1, spec->bus);
      if (!md_stmt_step (bus, &local_error))
        {
          if (local_error == NULL)
            g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                         _("There is no bus named %s"), spec->bus);
          g_propagate_error (error, local_error);
          return FALSE;
        }
      bus_id = md_stmt_get_int64 (bus, 0);
      if (g_strcmp0 (md_stmt_get_text (bus, 1), "modbus") == 0 && spec->unit_id == 0)
        {
          g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED,
                       _("The bus %s speaks Modbus: give the meter’s unit number"), spec->bus);
          md_stmt_exec (bus, NULL);
          return FALSE;
        }
      if (g_strcmp0 (md_stmt_get_text (bus, 1), "dlt645") == 0 && spec->unit_id != 0)
        {
          g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                       _("The bus %s speaks DL/T 645, which addresses meters by their address, "
                         "not a unit number"), spec->bus);
          md_stmt_exec (bus, NULL);
          return FALSE;
        }
      md_stmt_exec (bus, NULL);
    }

  if (spec->room != NULL && !md_room_resolve (store, spec->room, &room_id, error))
    return FALSE;

  if (spec->transformer_area != NULL)
    {
      if (!_md_lookup_id (store, &area_id, error, "SELECT id FROM transformer_area WHERE code = $1",
                          spec->transformer_area, NULL))
        return FALSE;
      if (area_id == 0)
        {
          g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                       _("There is no transformer area %s"), spec->transformer_area);
          return FALSE;
        }
    }

  if (spec->asset_no != NULL)
    {
      gint64 other = 0;

      if (!_md_lookup_id (store, &other, error, "SELECT id FROM meter WHERE asset_no = $1",
                          spec->asset_no, NULL))
        return FALSE;
      if (other != 0)
        {
          g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_EXISTS,
                       _("Another meter already has asset number %s"), spec->asset_no);
          return FALSE;
        }
    }

  state = room_id != 0 ? "installed" : "stock";
  if (room_id != 0 && !check_unit_free (store, 0, bus_id, spec->unit_id, error))
    return FALSE;

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO meter (address, utility, model, bus_id, unit_id, "
                                 "asset_no, state, room_id, transformer_area_id, created_at) "
                                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                                 "ON CONFLICT DO NOTHING RETURNING id", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, spec->address);
  md_stmt_bind_text (stmt, 2, md_utility_to_string (spec->utility));
  md_stmt_bind_text (stmt, 3, spec->model);
  md_stmt_bind_int64_or_null (stmt, 4, bus_id, bus_id == 0);
  md_stmt_bind_int64_or_null (stmt, 5, spec->unit_id, spec->unit_id == 0);
  md_stmt_bind_text (stmt, 6, spec->asset_no);
  md_stmt_bind_text (stmt, 7, state);
  md_stmt_bind_int64_or_null (stmt, 8, room_id, room_id == 0);
  md_stmt_bind_int64_or_null (stmt, 9, area_id, area_id == 0);
  md_stmt_bind_int64 (stmt, 10, md_clock_now ());
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_EXISTS,
                     _("A meter with address %s is already registered"), spec->address);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  meter_id = md_stmt_get_int64 (stmt, 0);
  md_stmt_exec (stmt, NULL);

  if (!add_event (store, data->session, meter_id, NULL, state, room_id, 0, "registered", error))
    return FALSE;

  detail = _md_detail ("model", spec->model, "utility", md_utility_to_string (spec->utility),
                       "bus", spec->bus, "room", spec->room, "state", state, NULL);
  return _md_audit (store, data->session, 0, "meter.add", object, detail, error);
}

/**
 * md_meter_add:
 *
 * Registers a meter: in stock, or installed when @spec names a room.
 */
gboolean
md_meter_add (MdSession          *session,
              const MdMeterSpec  *spec,
              GError            **error)
{
  AddData data = { session, spec };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  if (!validate_address (spec->address, spec->utility, error) ||
      !md_validate_code (spec->model, _("meter model"), error))
    return FALSE;
  if (spec->bus != NULL && !md_validate_code (spec->bus, _("bus name"), error))
    return FALSE;
  if (spec->unit_id != 0 && (spec->unit_id < 1 || spec->unit_id > 247))
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                           _("A Modbus unit number is between 1 and 247"));
      return FALSE;
    }
  if (spec->unit_id != 0 && spec->bus == NULL)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED,
                           _("A unit number needs a bus"));
      return FALSE;
    }
  if (spec->asset_no != NULL && !md_validate_code (spec->asset_no, _("asset number"), error))
    return FALSE;
  if (spec->transformer_area != NULL &&
      !md_validate_code (spec->transformer_area, _("transformer area code"), error))
    return FALSE;

  if (!md_session_require (session, MD_PERM_METER, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), meter_add_txn, &data, error);
}

typedef struct
{
  MdSession  *session;
  const char *address;
  const char *room;
  const char *to_state;
  const char *reason;
} MoveData;

static gboolean
meter_move_txn (MdStore  *store,
                gpointer  user_data,
                GError  **error)
{
  MoveData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("meter:%s", data->address);
  g_autofree char *detail = NULL;
  g_autofree char *action = g_strdup_printf ("meter.%s",
                                             g_str_equal (data->to_state, "installed") ? "install"
                                             : g_str_equal (data->to_state, "removed") ? "remove"
                                             : "retire");
  MeterRow row = { 0 };
  gint64 room_id = 0;

  if (!load_meter (store, data->address, &row, error))
    return FALSE;

  if (g_str_equal (data->to_state, "installed"))
    {
      if (g_str_equal (row.state, "installed"))
        {
          g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                       _("The meter %s is already installed"), data->address);
          return FALSE;
        }
      if (g_str_equal (row.state, "retired"))
        {
          g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                       _("The meter %s has been retired"), data->address);
          return FALSE;
        }
      if (!md_room_resolve (store, data->room, &room_id, error) ||
          !check_unit_free (store, row.id, row.bus_id, row.unit_id, error))
        return FALSE;
    }
  else if (g_str_equal (data->to_state, "removed"))
    {
      if (!g_str_equal (row.state, "installed"))
        {
          g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                       _("The meter %s is not installed"), data->address);
          return FALSE;
        }
      if (row.account_id != 0 && !g_str_equal (row.account_state, "closed"))
        {
          g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IN_USE,
                       _("The meter %s serves an open account; replace it on the account first"),
                       data->address);
          return FALSE;
        }
    }
  else
    {
      if (g_str_equal (row.state, "installed"))
        {
          g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                       _("The meter %s is installed; remove it first"), data->address);
          return FALSE;
        }
      if (g_str_equal (row.state, "retired"))
        {
          g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                       _("The meter %s has been retired"), data->address);
          return FALSE;
        }
    }

  if (!(stmt = md_store_prepare (store,
                                 "UPDATE meter SET state = $2, room_id = $3, "
                                 "account_id = CASE WHEN $2 = 'installed' THEN account_id "
                                 "ELSE NULL END WHERE id = $1", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, row.id);
  md_stmt_bind_text (stmt, 2, data->to_state);
  md_stmt_bind_int64_or_null (stmt, 3, room_id, room_id == 0);
  if (!md_stmt_exec (stmt, error))
    return FALSE;

  if (!add_event (store, data->session, row.id, row.state, data->to_state,
                  room_id != 0 ? room_id : row.room_id, row.account_id, data->reason, error))
    return FALSE;

  detail = _md_detail ("from", row.state, "to", data->to_state, "room", data->room,
                       "reason", data->reason, NULL);
  return _md_audit (store, data->session, 0, action, object, detail, error);
}

static gboolean
meter_move (MoveData  *data,
            GError   **error)
{
  if (!validate_any_address (data->address, error))
    return FALSE;
  if (!md_validate_text (data->reason, _("reason"), FALSE, MD_TEXT_MAX_CHARS, error))
    return FALSE;
  if (!md_session_require (data->session, MD_PERM_METER, error))
    return FALSE;
  return md_store_write (md_session_get_store (data->session), meter_move_txn, data, error);
}

gboolean
md_meter_install (MdSession   *session,
                  const char  *address,
                  const char  *room,
                  GError     **error)
{
  MoveData data = { session, address, room, "installed", NULL };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  return meter_move (&data, error);
}

gboolean
md_meter_remove (MdSession   *session,
                 const char  *address,
                 const char  *reason,
                 GError     **error)
{
  MoveData data = { session, address, NULL, "removed", reason };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  return meter_move (&data, error);
}

gboolean
md_meter_retire (MdSession   *session,
                 const char  *address,
                 const char  *reason,
                 GError     **error)
{
  MoveData data = { session, address, NULL, "retired", reason };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  return meter_move (&data, error);
}

/**
 * md_meter_list:
 * @state: (nullable): only meters in this state
 */
JsonNode *
md_meter_list (MdSession   *session,
               const char  *state,
               GError     **error)
{
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (state != NULL && g_strcmp0 (state, "stock") != 0 && g_strcmp0 (state, "installed") != 0 &&
      g_strcmp0 (state, "removed") != 0 && g_strcmp0 (state, "retired") != 0)
    {
      g_autofree char *shown = md_input_quote (state);

      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                   _("Unknown meter state “%s”: use stock, installed, removed or retired"),
                   shown);
      return NULL;
    }
  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;

  if (state != NULL)
    return _md_query_json (md_session_get_store (session), error,
                           "SELECT " METER_COLUMNS METER_JOINS
                           "WHERE m.state = $1 ORDER BY m.address", state, NULL);
  return _md_query_json (md_session_get_store (session), error,
                         "SELECT " METER_COLUMNS METER_JOINS "ORDER BY m.address", NULL);
}

/**
 * md_meter_show:
 *
 * Returns: (transfer full): the meter with its history
 */
JsonNode *
md_meter_show (MdSession   *session,
               const char  *address,
               GError     **error)
{
  MdStore *store;
  g_autoptr(JsonNode) rows = NULL;
  g_autoptr(JsonNode) history = NULL;
  JsonObject *meter;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!validate_any_address (address, error) ||
      !md_session_require (session, MD_PERM_VIEW, error))
    return NULL;

  store = md_session_get_store (session);
  if (!(rows = _md_query_json (store, error, "SELECT " METER_COLUMNS METER_JOINS
                               "WHERE m.address = $1", address, NULL)))
    return NULL;
  if (json_array_get_length (json_node_get_array (rows)) == 0)
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                   _("There is no meter with address %s"), address);
      return NULL;
    }
  if (!(history = _md_query_json (store, error,
                                  "SELECT e.at AS \"at:time\", e.from_state AS \"from\", "
                                  "e.to_state AS \"to\", a.no AS account, o.name AS operator, "
                                  "e.note FROM meter_event e JOIN meter m ON m.id = e.meter_id "
                                  "LEFT JOIN account a ON a.id = e.account_id "
                                  "LEFT JOIN operator o ON o.id = e.operator_id "
                                  "WHERE m.address = $1 ORDER BY e.id", address, NULL)))
    return NULL;

  meter = json_array_get_object_element (json_node_get_array (rows), 0);
  json_object_set_member (meter, "history", g_steal_pointer (&history));
  return json_array_dup_element (json_node_get_array (rows), 0);
}
