/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-clock.h"
#include "md-core-private.h"
#include "md-serial-port.h"
#include "md-service-meters-private.h"
#include "md-validate.h"

/*
 * `meter read`, `meter control` and `doctor bus`: through the host when one
 * runs the services (it owns the buses), else on a bus opened here for the
 * one operation.
 */

#define WAIT_MS 20000

static JsonNode *
parse_result (const char  *text,
              GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, text, -1, error))
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

typedef struct
{
  MdCommandInsert *insert;
  gint64           id;
} QueueData;

static gboolean
queue_txn (MdStore  *store,
           gpointer  user_data,
           GError  **error)
{
  QueueData *data = user_data;

  return _md_command_insert (store, data->insert, &data->id, error);
}

/* Queues @op for the host and waits for its result. */
static JsonNode *
through_host (MdSession   *session,
              gint64       meter_id,
              const char  *address,
              const char  *op,
              GError     **error)
{
  MdStore *store = md_session_get_store (session);
  MdCommandInsert insert = { meter_id, op, "{}", 0, 0, MD_PRIORITY_COMMAND, "operator", 0,
                             md_session_get_operator_id (session),
                             md_session_get_terminal (session) };
  QueueData data = { &insert };
  g_autofree char *state = NULL;
  g_autofree char *outcome = NULL;
  g_autofree char *message = NULL;
  g_autofree char *result = NULL;

  if (!md_store_write (store, queue_txn, &data, error))
    return NULL;
  if (!_md_command_wait (store, data.id, WAIT_MS, &state, &outcome, &message, &result, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_TIMEOUT,
                     _("Meter %s: the service host has not done it yet (command %lld)"),
                     address, (long long) data.id);
      return NULL;
    }
  if (!g_str_equal (state, "done"))
    {
      g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_FAILED, _("Meter %s: %s"), address,
                   *message != '\0' ? message : outcome);
      return NULL;
    }
  return parse_result (result, error);
}

static gboolean
record_here (MdSession            *session,
             const char           *address,
             MdMeterProfile       *profile,
             const MdMeterReading *reading,
             GError              **error)
{
  g_autoptr(MdSession) system = md_session_new_system (md_session_get_store (session),
                                                       md_session_get_terminal (session));
  MdRecordContext context = { system, 3 };
  MdServiceSample sample;

  _md_service_sample_fill (&sample, address, profile, reading);
  return _md_service_record (md_session_get_store (session), &context, &sample, 1, error);
}

static JsonNode *
run (MdSession   *session,
     const char  *address,
     const char  *op,
     GError     **error)
{
  MdStore *store = md_session_get_store (session);
  g_auto(MdCommand) meter = { 0 };
  g_autoptr(GError) local_error = NULL;
  g_autoptr(MdMeterBus) bus = NULL;
  g_autoptr(MdMeterTarget) target = NULL;
  MdMeterReading reading;
  gint64 meter_id;
  gboolean hosted;

  if (!md_validate_code (address, _("meter"), error) ||
      !_md_meter_lookup (store, address, &meter_id, &meter, error))
    return NULL;
  hosted = md_service_hosted (store, NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (hosted)
    return through_host (session, meter_id, address, op, error);

  if (!(bus = _md_service_open_bus (store, meter.bus, error)) ||
      !(target = _md_service_target (store, &meter, error)))
    return NULL;
  if (!g_str_equal (op, "read"))
    {
      MdMeterControl control;

      md_meter_control_parse (g_str_equal (op, "release-keep-power") ? "keep-power-release" : op,
                              &control);
      if (!md_meter_control (bus, target, control, NULL, error))
        return NULL;
    }
  if (!md_meter_read (bus, target, MD_METER_OP_DEFAULT, &reading, NULL, error))
    return NULL;
  if (!record_here (session, address, md_meter_target_get_profile (target), &reading, error))
    return NULL;
  md_meter_bus_close (bus);
  return _md_service_reading_json (address, md_meter_target_get_profile (target), &reading);
}

/**
 * md_service_meter_read:
 * @address: the meter number
 *
 * Reads the meter now over its bus (through the host when one runs) and
 * records what it said.
 *
 * Returns: (transfer full): energy, credit, relay, purchase count and all
 *   values read
 */
JsonNode *
md_service_meter_read (MdSession   *session,
                       const char  *address,
                       GError     **error)
{
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_METER_READ, error))
    return NULL;
  return run (session, address, "read", error);
}

/**
 * md_service_meter_control:
 * @control: trip, close, keep-power, release-keep-power, mode-local or
 *   mode-remote
 *
 * Returns: (transfer full): the meter's state afterwards
 */
JsonNode *
md_service_meter_control (MdSession   *session,
                          const char  *address,
                          const char  *control,
                          GError     **error)
{
  static const char * const controls[] = { "trip", "close", "keep-power", "release-keep-power",
                                            "mode-local", "mode-remote", NULL };
  g_autofree char *object = NULL;
  g_autofree char *detail = NULL;
  JsonNode *node;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (control == NULL || !g_strv_contains (controls, control))
    {
      g_autofree char *shown = md_input_quote (control != NULL ? control : "");

      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                   _("Unknown meter command %s: use trip, close, keep-power or "
                     "release-keep-power"), shown);
      return NULL;
    }
  if (!md_session_require (session, MD_PERM_METER_CONTROL, error))
    return NULL;
  if (!(node = run (session, address, control, error)))
    return NULL;
  object = g_strdup_printf ("meter:%s", address);
  detail = _md_detail ("control", control, NULL);
  md_audit_record (session, 0, "meter.control", object, detail, NULL);
  return node;
}

static JsonNode *
ports_json (GError **error)
{
  g_autoptr(GPtrArray) ports = md_serial_port_list (error);
  JsonArray *array;

  if (ports == NULL)
    return NULL;
  array = json_array_new ();
  for (guint i = 0; i < ports->len; i++)
    json_array_add_element (array, md_serial_port_info_to_json (ports->pdata[i]));
  return json_node_init_array (json_node_alloc (), array);
}

/* One bus: what answers. Hosted, from the poller's last minute; else by
 * reading each installed meter once (reads only). */
static JsonObject *
probe_bus (MdStore     *store,
           const char  *name,
           gboolean     probe,
           GError     **error)
{
  JsonObject *o = json_object_new ();
  JsonArray *answered = json_array_new ();
  JsonArray *silent = json_array_new ();
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(MdMeterBus) bus = NULL;
  GError *local_error = NULL;
  gint64 fresh = md_clock_now () - 60 * G_USEC_PER_SEC;

  json_object_set_string_member (o, "bus", name);
  if (probe)
    {
      g_autoptr(GError) bus_error = NULL;

      if (!(bus = _md_service_open_bus (store, name, &bus_error)))
        json_object_set_string_member (o, "message", bus_error->message);
    }
  if (!(stmt = md_store_prepare (store,
                                 "SELECT m.address, COALESCE(m.unit_id, 0), m.model, "
                                 "  COALESCE(ms.online, 0), COALESCE(ms.read_at, 0) "
                                 "FROM meter m JOIN bus b ON b.id = m.bus_id "
                                 "LEFT JOIN meter_state ms ON ms.meter_id = m.id "
                                 "WHERE b.name = $1 AND m.state = 'installed' ORDER BY m.unit_id",
                                 error)))
    {
      json_object_unref (o);
      json_array_unref (answered);
      json_array_unref (silent);
      return NULL;
    }
  md_stmt_bind_text (stmt, 1, name);
  while (md_stmt_step (stmt, &local_error))
    {
      const char *address = md_stmt_get_text (stmt, 0);
      gboolean ok;

      if (bus != NULL)
        {
          MdCommand meter = { 0, 0, (char *) address, md_stmt_get_int64 (stmt, 1),
                              (char *) md_stmt_get_text (stmt, 2) };
          g_autoptr(MdMeterTarget) target = _md_service_target (store, &meter, NULL);
          MdMeterReading reading;

          ok = target != NULL && md_meter_read (bus, target, MD_METER_OP_DEFAULT, &reading, NULL,
                                                NULL);
        }
      else
        ok = md_stmt_get_int64 (stmt, 3) != 0 && md_stmt_get_int64 (stmt, 4) >= fresh;
      json_array_add_string_element (ok ? answered : silent, address);
    }
  if (bus != NULL)
    md_meter_bus_close (bus);
  json_object_set_int_member (o, "meters", json_array_get_length (answered) +
                                           json_array_get_length (silent));
  json_object_set_int_member (o, "answered", json_array_get_length (answered));
  json_object_set_string_member (o, "source", probe ? "probe" : "poller");
  json_object_set_array_member (o, "answering", answered);
  json_object_set_array_member (o, "silent", silent);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      json_object_unref (o);
      return NULL;
    }
  return o;
}

/**
 * md_service_doctor_buses:
 * @probe: read every meter once where this process may (nobody hosts the
 *   services); else what the poller saw in the last minute
 *
 * The bus part of `doctor`: serial ports with their USB identity, the
 * buses, and which meters answer. Reads only: nothing is written to a meter.
 *
 * Returns: (transfer full): `{ports: […], buses: […], hosted_by}`
 */
JsonNode *
md_service_doctor_buses (MdSession  *session,
                         gboolean    probe,
                         GError    **error)
{
  MdStore *store;
  g_autoptr(JsonNode) ports = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *holder = NULL;
  GError *local_error = NULL;
  JsonObject *root;
  JsonArray *buses;
  gboolean hosted;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;
  store = md_session_get_store (session);
  hosted = md_service_hosted (store, &holder, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (!(ports = ports_json (error)) ||
      !(stmt = md_store_prepare (store, "SELECT name FROM bus ORDER BY name", error)))
    return NULL;
  while (md_stmt_step (stmt, &local_error))
    g_ptr_array_add (names, g_strdup (md_stmt_get_text (stmt, 0)));
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  root = json_object_new ();
  buses = json_array_new ();
  json_object_set_member (root, "ports", g_steal_pointer (&ports));
  json_object_set_string_member (root, "hosted_by", hosted ? holder : "");
  for (guint i = 0; i < names->len; i++)
    {
      JsonObject *bus = probe_bus (store, names->pdata[i], probe && !hosted, error);

      if (bus == NULL)
        {
          json_object_unref (root);
          json_array_unref (buses);
          return NULL;
        }
      json_array_add_object_element (buses, bus);
    }
  json_object_set_array_member (root, "buses", buses);
  return json_node_init_object (json_node_alloc (), root);
}
