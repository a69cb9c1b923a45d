/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-clock.h"
#include "md-core-private.h"
#include "md-register.h"
#include "md-validate.h"

G_DEFINE_QUARK (md-register-error-quark, md_register_error)

const char *
md_utility_to_string (MdUtility utility)
{
  return utility == MD_UTILITY_WATER ? "water" : "electricity";
}

gboolean
md_utility_parse (const char  *text,
                  MdUtility   *out_utility,
                  GError     **error)
{
  if (g_strcmp0 (text, "electricity") == 0)
    *out_utility = MD_UTILITY_ELECTRICITY;
  else if (g_strcmp0 (text, "water") == 0)
    *out_utility = MD_UTILITY_WATER;
  else
    {
      g_autofree char *shown = md_input_quote (text);

      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                   _("Unknown utility “%s”: use electricity or water"), shown);
      return FALSE;
    }
  return TRUE;
}

/* One generic "insert a named thing under a parent" transaction covers
 * sites, buildings, floors, rooms, lines and transformer areas. */
typedef struct
{
  MdSession   *session;
  const char  *kind;          /* audit object prefix; the action is "<kind>.add" */
  const char  *object;        /* audit object name */
  const char  *parent_sql;    /* (nullable) finds the parent id from parent_params */
  const char  *parent_params[3];
  const char  *parent_missing;
  gboolean     parent_optional;
  const char  *insert_sql;    /* $1 parent id (or unused), $2 code, $3 name, $4 now, $5 extra */
  const char  *code;
  const char  *name;
  const char  *extra_text;
  gint64       extra_int;
  gboolean     extra_is_int;
  const char  *exists_message;
} InsertData;

static gboolean
insert_txn (MdStore  *store,
            gpointer  user_data,
            GError  **error)
{
  InsertData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("%s:%s", data->kind, data->object);
  g_autofree char *detail = _md_detail ("name", data->name, NULL);
  GError *local_error = NULL;
  gint64 parent_id = 0;

  if (data->parent_sql != NULL)
    {
      if (!_md_lookup_id (store, &parent_id, error, data->parent_sql, data->parent_params[0],
                          data->parent_params[1], data->parent_params[2], NULL))
        return FALSE;
      if (parent_id == 0 && !data->parent_optional)
        {
          g_set_error_literal (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                               data->parent_missing);
          return FALSE;
        }
    }

  if (!(stmt = md_store_prepare (store, data->insert_sql, error)))
    return FALSE;
  if (strstr (data->insert_sql, "$1") != NULL)
    md_stmt_bind_int64_or_null (stmt, 1, parent_id, parent_id == 0);
  md_stmt_bind_text (stmt, 2, data->code);
  md_stmt_bind_text (stmt, 3, data->name);
  md_stmt_bind_int64 (stmt, 4, md_clock_now ());
  if (strstr (data->insert_sql, "$5") != NULL)
    {
      if (data->extra_is_int)
        md_stmt_bind_int64 (stmt, 5, data->extra_int);
      else
        md_stmt_bind_text (stmt, 5, data->extra_text != NULL ? data->extra_text : "");
    }

  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_EXISTS,
                             data->exists_message);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  md_stmt_exec (stmt, NULL);

  {
    g_autofree char *action = g_strconcat (data->kind, ".add", NULL);

    return _md_audit (store, data->session, 0, action, object, detail, error);
  }
}

static gboolean
validate_code_name (const char  *code,
                    const char  *code_field,
                    const char  *name,
                    GError     **error)
{
  if (!md_validate_code (code, code_field, error))
    return FALSE;
  return md_validate_text (name, _("name"), TRUE, MD_NAME_MAX_CHARS, error);
}

static gboolean
run_insert (InsertData  *data,
            GError     **error)
{
  if (!md_session_require (data->session, MD_PERM_SITE, error))
    return FALSE;
  return md_store_write (md_session_get_store (data->session), insert_txn, data, error);
}

gboolean
md_site_add (MdSession   *session,
             const char  *code,
             const char  *name,
             const char  *address,
             GError     **error)
{
  g_autofree char *exists = NULL;
  InsertData data = { session, "site", code };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!validate_code_name (code, _("site code"), name, error) ||
      !md_validate_text (address, _("address"), FALSE, MD_TEXT_MAX_CHARS, error))
    return FALSE;

  exists = g_strdup_printf (_("A site with code %s already exists"), code);
  data.insert_sql = "INSERT INTO site (code, name, created_at, address) VALUES ($2, $3, $4, $5) "
                    "ON CONFLICT DO NOTHING RETURNING id";
  data.code = code;
  data.name = name;
  data.extra_text = address;
  data.exists_message = exists;
  return run_insert (&data, error);
}

#define SITE_ID_SQL "SELECT id FROM site WHERE code = $1"
#define BUILDING_ID_SQL \
  "SELECT b.id FROM building b JOIN site s ON s.id = b.site_id WHERE s.code = $1 AND b.code = $2"
#define FLOOR_ID_SQL \
  "SELECT f.id FROM floor f JOIN building b ON b.id = f.building_id " \
  "JOIN site s ON s.id = b.site_id WHERE s.code = $1 AND b.code = $2 AND f.code = $3"

gboolean
md_building_add (MdSession   *session,
                 const char  *site,
                 const char  *code,
                 const char  *name,
                 GError     **error)
{
  g_autofree char *object = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *exists = NULL;
  InsertData data = { session, "building" };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_code (site, _("site code"), error) ||
      !validate_code_name (code, _("building code"), name, error))
    return FALSE;

  data.object = object = g_strdup_printf ("%s/%s", site, code);
  data.parent_sql = SITE_ID_SQL;
  data.parent_params[0] = site;
  data.parent_missing = missing = g_strdup_printf (_("There is no site %s"), site);
  data.insert_sql = "INSERT INTO building (site_id, code, name, created_at) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id";
  data.code = code;
  data.name = name;
  data.exists_message = exists = g_strdup_printf (_("The building %s already exists"), object);
  return run_insert (&data, error);
}

gboolean
md_floor_add (MdSession   *session,
              const char  *site,
              const char  *building,
              const char  *code,
              const char  *name,
              GError     **error)
{
  g_autofree char *object = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *exists = NULL;
  InsertData data = { session, "floor" };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_code (site, _("site code"), error) ||
      !md_validate_code (building, _("building code"), error) ||
      !validate_code_name (code, _("floor code"), name, error))
    return FALSE;

  data.object = object = g_strdup_printf ("%s/%s/%s", site, building, code);
  data.parent_sql = BUILDING_ID_SQL;
  data.parent_params[0] = site;
  data.parent_params[1] = building;
  data.parent_missing = missing = g_strdup_printf (_("There is no building %s/%s"), site, building);
  data.insert_sql = "INSERT INTO floor (building_id, code, name, created_at) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id";
  data.code = code;
  data.name = name;
  data.exists_message = exists = g_strdup_printf (_("The floor %s already exists"), object);
  return run_insert (&data, error);
}

/**
 * md_room_add:
 * @area: floor area in 0.01 m² (for per-area charges and apportionment)
 */
gboolean
md_room_add (MdSession   *session,
             const char  *site,
             const char  *building,
             const char  *floor,
             const char  *code,
             const char  *name,
             gint64       area,
             GError     **error)
{
  g_autofree char *object = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *exists = NULL;
  InsertData data = { session, "room" };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_code (site, _("site code"), error) ||
      !md_validate_code (building, _("building code"), error) ||
      !md_validate_code (floor, _("floor code"), error) ||
      !validate_code_name (code, _("room code"), name, error))
    return FALSE;
  if (area < 0 || area > G_GINT64_CONSTANT (100000000000))
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                           _("The room area is out of range"));
      return FALSE;
    }

  data.object = object = g_strdup_printf ("%s/%s/%s/%s", site, building, floor, code);
  data.parent_sql = FLOOR_ID_SQL;
  data.parent_params[0] = site;
  data.parent_params[1] = building;
  data.parent_params[2] = floor;
  data.parent_missing = missing = g_strdup_printf (_("There is no floor %s/%s/%s"),
                                                   site, building, floor);
  data.insert_sql = "INSERT INTO room (floor_id, code, name, created_at, area) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id";
  data.code = code;
  data.name = name;
  data.extra_int = area;
  data.extra_is_int = TRUE;
  data.exists_message = exists = g_strdup_printf (_("The room %s already exists"), object);
  return run_insert (&data, error);
}

gboolean
md_line_add (MdSession   *session,
             const char  *code,
             const char  *name,
             GError     **error)
{
  g_autofree char *exists = NULL;
  InsertData data = { session, "line", code };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!validate_code_name (code, _("line code"), name, error))
    return FALSE;

  data.insert_sql = "INSERT INTO line (code, name, created_at) VALUES ($2, $3, $4) "
                    "ON CONFLICT DO NOTHING RETURNING id";
  data.code = code;
  data.name = name;
  data.exists_message = exists = g_strdup_printf (_("A feeder line with code %s already exists"),
                                                  code);
  return run_insert (&data, error);
}

gboolean
md_transformer_area_add (MdSession   *session,
                         const char  *code,
                         const char  *name,
                         const char  *line,
                         GError     **error)
{
  g_autofree char *missing = NULL;
  g_autofree char *exists = NULL;
  InsertData data = { session, "transformer-area", code };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!validate_code_name (code, _("transformer area code"), name, error))
    return FALSE;
  if (line != NULL && *line != '\0')
    {
      if (!md_validate_code (line, _("line code"), error))
        return FALSE;
      data.parent_sql = "SELECT id FROM line WHERE code = $1";
      data.parent_params[0] = line;
      data.parent_missing = missing = g_strdup_printf (_("There is no feeder line %s"), line);
    }

  data.insert_sql = "INSERT INTO transformer_area (line_id, code, name, created_at) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id";
  data.code = code;
  data.name = name;
  data.exists_message = exists = g_strdup_printf (_("A transformer area with code %s already "
                                                    "exists"), code);
  return run_insert (&data, error);
}

/**
 * md_site_list:
 *
 * Returns: (transfer full): every room with its path, or %NULL with @error set
 */
JsonNode *
md_site_list (MdSession  *session,
              GError    **error)
{
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;

  return _md_query_json (md_session_get_store (session), error,
                         "SELECT s.code AS site, s.name AS site_name, b.code AS building, "
                         "b.name AS building_name, f.code AS floor, r.code AS room, "
                         "r.name AS name, r.area AS \"area_m2:area\", "
                         "s.code || '/' || b.code || '/' || f.code || '/' || r.code AS path "
                         "FROM site s LEFT JOIN building b ON b.site_id = s.id "
                         "LEFT JOIN floor f ON f.building_id = b.id "
                         "LEFT JOIN room r ON r.floor_id = f.id "
                         "ORDER BY s.code, b.code, f.code, r.code", NULL);
}

/**
 * md_room_resolve:
 * @path: SITE/BUILDING/FLOOR/ROOM
 */
gboolean
md_room_resolve (MdStore     *store,
                 const char  *path,
                 gint64      *out_id,
                 GError     **error)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *shown = md_input_quote (path);

  if (!md_validate_text (path, _("room"), TRUE, 4 * MD_CODE_MAX_CHARS + 3, error))
    return FALSE;

  parts = g_strsplit (path, "/", -1);
  if (g_strv_length (parts) != 4)
    {
      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                   _("The room “%s” must be written SITE/BUILDING/FLOOR/ROOM"), shown);
      return FALSE;
    }

  if (!_md_lookup_id (store, out_id, error,
                      "SELECT r.id FROM room r JOIN floor f ON f.id = r.floor_id "
                      "JOIN building b ON b.id = f.building_id JOIN site s ON s.id = b.site_id "
                      "WHERE s.code = $1 AND b.code = $2 AND f.code = $3 AND r.code = $4",
                      parts[0], parts[1], parts[2], parts[3], NULL))
    return FALSE;
  if (*out_id == 0)
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                   _("There is no room %s"), shown);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  MdSession       *session;
  const MdBusSpec *spec;
  gint64           baud;
  char             parity[2];
} BusData;

static gboolean
bus_add_txn (MdStore  *store,
             gpointer  user_data,
             GError  **error)
{
  BusData *data = user_data;
  const MdBusSpec *spec = data->spec;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("bus:%s", spec->name);
  g_autofree char *port = g_strdup_printf ("%" G_GINT64_FORMAT, spec->port);
  g_autofree char *baud = g_strdup_printf ("%" G_GINT64_FORMAT, data->baud);
  g_autofree char *detail = NULL;
  GError *local_error = NULL;
  gboolean serial = spec->device != NULL;

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO bus (name, kind, protocol, device, baud, parity, "
                                 "data_bits, stop_bits, host, port, created_at) "
                                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                                 "ON CONFLICT DO NOTHING RETURNING id", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, spec->name);
  md_stmt_bind_text (stmt, 2, serial ? "serial" : "tcp");
  md_stmt_bind_text (stmt, 3, spec->protocol);
  md_stmt_bind_text (stmt, 4, spec->device);
  md_stmt_bind_int64_or_null (stmt, 5, data->baud, !serial);
  md_stmt_bind_text (stmt, 6, serial ? data->parity : NULL);
  md_stmt_bind_int64_or_null (stmt, 7, 8, !serial);
  md_stmt_bind_int64_or_null (stmt, 8, 1, !serial);
  md_stmt_bind_text (stmt, 9, spec->host);
  md_stmt_bind_int64_or_null (stmt, 10, spec->port, serial);
  md_stmt_bind_int64 (stmt, 11, md_clock_now ());
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_EXISTS,
                     _("A bus named %s already exists"), spec->name);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  md_stmt_exec (stmt, NULL);

  detail = serial ? _md_detail ("protocol", spec->protocol, "device", spec->device,
                                "baud", baud, "parity", data->parity, NULL)
                  : _md_detail ("protocol", spec->protocol, "host", spec->host, "port", port, NULL);
  return _md_audit (store, data->session, 0, "bus.add", object, detail, error);
}

/**
 * md_bus_add:
 *
 * Registers an RS485 bus on a local serial port, or a Modbus TCP gateway
 * (通讯管理机) port. Serial defaults: 9600 8N1 for Modbus, 2400 8E1 for
 * DL/T 645 (PROTOCOLS.md A.1).
 */
gboolean
md_bus_add (MdSession        *session,
            const MdBusSpec  *spec,
            GError          **error)
{
  BusData data = { session, spec };
  gboolean dlt645;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  if (!md_validate_code (spec->name, _("bus name"), error))
    return FALSE;
  if (g_strcmp0 (spec->protocol, "modbus") != 0 && g_strcmp0 (spec->protocol, "dlt645") != 0)
    {
      g_autofree char *shown = md_input_quote (spec->protocol);

      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                   _("Unknown protocol “%s”: use modbus or dlt645"), shown);
      return FALSE;
    }
  dlt645 = g_str_equal (spec->protocol, "dlt645");

  if ((spec->device == NULL) == (spec->host == NULL))
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED,
                           _("A bus needs either a serial device or a gateway address"));
      return FALSE;
    }

  if (spec->device != NULL)
    {
      static const gint64 rates[] = { 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200 };
      gboolean known = FALSE;

      if (!md_validate_text (spec->device, _("serial device"), TRUE, 200, error))
        return FALSE;
      if (!g_str_has_prefix (spec->device, "/dev/"))
        {
          g_autofree char *shown = md_input_quote (spec->device);

          g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                       _("The serial device “%s” must be a path under /dev/"), shown);
          return FALSE;
        }
      data.baud = spec->baud > 0 ? spec->baud : dlt645 ? 2400 : 9600;
      for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
        known |= rates[i] == data.baud;
      if (!known)
        {
          g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                               _("The baud rate must be one of 1200, 2400, 4800, 9600, 19200, "
                                 "38400, 57600 or 115200"));
          return FALSE;
        }
      data.parity[0] = spec->parity != 0 ? spec->parity : dlt645 ? 'E' : 'N';
      if (strchr ("NEO", data.parity[0]) == NULL)
        {
          g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                               _("The parity must be N, E or O"));
          return FALSE;
        }
    }
  else
    {
      if (dlt645)
        {
          g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                               _("A gateway bus speaks Modbus TCP; DL/T 645 needs a serial "
                                 "device"));
          return FALSE;
        }
      if (!md_validate_text (spec->host, _("gateway host"), TRUE, 253, error))
        return FALSE;
      for (const char *p = spec->host; *p; p++)
        if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != ':')
          {
            g_autofree char *shown = md_input_quote (spec->host);

            g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                         _("“%s” is not a host name or address"), shown);
            return FALSE;
          }
      if (spec->port < 1 || spec->port > 65535)
        {
          g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                               _("The gateway port must be between 1 and 65535"));
          return FALSE;
        }
    }

  if (!md_session_require (session, MD_PERM_SITE, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), bus_add_txn, &data, error);
}

JsonNode *
md_bus_list (MdSession  *session,
             GError    **error)
{
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;

  return _md_query_json (md_session_get_store (session), error,
                         "SELECT b.name, b.kind, b.protocol, b.device, b.baud, b.parity, "
                         "b.host, b.port, b.response_timeout_ms, b.retries, "
                         "(SELECT count(*) FROM meter m WHERE m.bus_id = b.id "
                         " AND m.state = 'installed') AS meters "
                         "FROM bus b ORDER BY b.name", NULL);
}

typedef struct
{
  MdSession  *session;
  const char *id;
  const char *name;
} TerminalData;

static gboolean
terminal_add_txn (MdStore  *store,
                  gpointer  user_data,
                  GError  **error)
{
  TerminalData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("terminal:%s", data->id);
  g_autofree char *detail = _md_detail ("name", data->name, NULL);
  GError *local_error = NULL;

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO terminal (id, name, created_at) VALUES ($1, $2, $3) "
                                 "ON CONFLICT DO NOTHING RETURNING id", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, data->id);
  md_stmt_bind_text (stmt, 2, data->name);
  md_stmt_bind_int64 (stmt, 3, md_clock_now ());
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_EXISTS,
                     _("The terminal %s already exists"), data->id);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  md_stmt_exec (stmt, NULL);

  return _md_audit (store, data->session, 0, "terminal.add", object, detail, error);
}

gboolean
md_terminal_add (MdSession   *session,
                 const char  *id,
                 const char  *name,
                 GError     **error)
{
  TerminalData data = { session, id, name };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_code (id, _("terminal id"), error) ||
      !md_validate_text (name, _("name"), TRUE, MD_NAME_MAX_CHARS, error))
    return FALSE;
  if (strlen (id) > 16)
    {
      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_TOO_LONG,
                   _("The terminal id is too long (at most %d characters)"), 16);
      return FALSE;
    }
  if (!md_session_require (session, MD_PERM_SETTINGS, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), terminal_add_txn, &data, error);
}

JsonNode *
md_terminal_list (MdSession  *session,
                  GError    **error)
{
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;

  return _md_query_json (md_session_get_store (session), error,
                         "SELECT id, name, created_at AS \"created:time\" FROM terminal ORDER BY id",
                         NULL);
}
