/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-clock.h"
#include "md-service-meters-private.h"

/* The meter of a command row, ready for the bus: its number, unit id,
 * profile and (DL/T 645 writes) the site's password and operator code. */
MdMeterTarget *
_md_service_target (MdStore          *store,
                    const MdCommand  *meter,
                    GError          **error)
{
  g_autoptr(MdMeterProfile) profile = NULL;
  g_autoptr(MdMeterTarget) target = NULL;

  if (!(profile = md_meter_profile_lookup (meter->model, error)))
    return NULL;
  if (!(target = md_meter_target_new (meter->address, (guint) meter->unit_id, profile, error)))
    return NULL;
  if (md_meter_profile_get_protocol (profile) == MD_METER_PROTOCOL_DLT645)
    {
      g_autofree char *password = _md_setting_text (store, "dlt645.password", "");
      g_autofree char *operator_code = _md_setting_text (store, "dlt645.operator", "00000000");

      if (*password != '\0' &&
          !md_meter_target_set_auth (target, 2, password, operator_code, error))
        return NULL;
    }
  return g_steal_pointer (&target);
}

/* The settings of bus @name from its row, and a fingerprint that changes
 * with any of them (the poller reopens a bus whose row changed). */
gboolean
_md_service_bus_settings (MdStore             *store,
                          const char          *name,
                          MdMeterBusSettings  *out_settings,
                          char               **out_fingerprint,
                          GError             **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(JsonObject) row = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  GError *local_error = NULL;

  if (!(stmt = md_store_prepare (store,
                                 "SELECT name, kind, protocol, device, baud, parity, data_bits, "
                                 "stop_bits, host, port, response_timeout_ms, byte_timeout_ms, "
                                 "retries FROM bus WHERE name = $1", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, name);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_NOT_FOUND,
                     _("There is no bus %s"), name);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  for (guint i = 0; i < md_stmt_get_n_columns (stmt); i++)
    {
      const char *column = md_stmt_get_column_name (stmt, i);

      if (md_stmt_is_null (stmt, i))
        continue;
      if (md_stmt_get_column_kind (stmt, i) == MD_COLUMN_INTEGER)
        json_object_set_int_member (row, column, md_stmt_get_int64 (stmt, i));
      else
        json_object_set_string_member (row, column, md_stmt_get_text (stmt, i));
    }
  md_stmt_exec (stmt, NULL);

  if (out_fingerprint != NULL)
    {
      node = json_node_init_object (json_node_alloc (), row);
      *out_fingerprint = json_to_string (node, FALSE);
    }
  return md_meter_bus_settings_from_json (row, out_settings, error);
}

/* A bus of this process's own, for one operation when nobody hosts the
 * services (the CLI without a daemon). */
MdMeterBus *
_md_service_open_bus (MdStore     *store,
                      const char  *name,
                      GError     **error)
{
  g_auto(MdMeterBusSettings) settings = { 0 };

  if (name == NULL)
    {
      g_set_error_literal (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_INVALID,
                           _("The meter is on no bus"));
      return NULL;
    }
  if (!_md_service_bus_settings (store, name, &settings, NULL, error))
    return NULL;
  return md_meter_bus_new (&settings, error);
}

void
_md_service_sample_fill (MdServiceSample      *sample,
                         const char           *address,
                         MdMeterProfile       *profile,
                         const MdMeterReading *reading)
{
  gint64 v;

  memset (sample, 0, sizeof *sample);
  g_strlcpy (sample->address, address, sizeof sample->address);
  sample->ok = TRUE;
  sample->at = reading->read_at > 0 ? reading->read_at : md_clock_now ();
  sample->energy = sample->credit = sample->power = sample->purchase_count = MD_SAMPLE_UNKNOWN;
  sample->relay = sample->keep_power = -1;

  if (md_meter_reading_get (reading, MD_METER_POINT_ENERGY_TOTAL, &v) ||
      md_meter_reading_get (reading, MD_METER_POINT_VOLUME_TOTAL, &v))
    sample->energy = v;
  /* The state's credit is money: fen left in a money meter. */
  if (md_meter_profile_get_credit_kind (profile) == MD_METER_CREDIT_MONEY &&
      md_meter_reading_get (reading, MD_METER_POINT_CREDIT, &v))
    sample->credit = v;
  if (md_meter_reading_get (reading, MD_METER_POINT_POWER, &v))
    sample->power = v;
  if (md_meter_reading_get (reading, MD_METER_POINT_PURCHASE_COUNT, &v))
    sample->purchase_count = v;
  if (md_meter_reading_get (reading, MD_METER_POINT_SUPPLY_OFF, &v))
    sample->relay = v != 0;
  if (md_meter_reading_get (reading, MD_METER_POINT_KEEP_POWER, &v))
    sample->keep_power = v != 0;
}

void
_md_service_sample_miss (MdServiceSample *sample,
                         const char      *address,
                         const GError    *error)
{
  memset (sample, 0, sizeof *sample);
  g_strlcpy (sample->address, address, sizeof sample->address);
  sample->at = md_clock_now ();
  sample->ok = FALSE;
  sample->error = g_strdup (error != NULL ? error->message : "");
}

static void
set_owned (JsonObject *o,
           const char *key,
           char       *text)
{
  json_object_set_string_member (o, key, text);
  g_free (text);
}

/* What `meter read` prints: energy, credit, relay, purchase count, and
 * everything else the meter answered. */
JsonNode *
_md_service_reading_json (const char           *address,
                          MdMeterProfile       *profile,
                          const MdMeterReading *reading)
{
  g_autoptr(JsonNode) all = md_meter_reading_to_json (reading);
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), o);
  MdMeterCreditKind kind = md_meter_profile_get_credit_kind (profile);
  gint64 v;

  json_object_set_string_member (o, "meter", address);
  json_object_set_string_member (o, "model", md_meter_profile_get_id (profile));
  if (md_meter_reading_get (reading, MD_METER_POINT_ENERGY_TOTAL, &v))
    set_owned (o, "energy", md_energy_format (v));
  if (md_meter_reading_get (reading, MD_METER_POINT_VOLUME_TOTAL, &v))
    set_owned (o, "volume", md_energy_format (v));
  if (md_meter_reading_get (reading, MD_METER_POINT_CREDIT, &v))
    set_owned (o, "credit", kind == MD_METER_CREDIT_MONEY
                              ? md_money_format (v, MD_MONEY_STYLE_PLAIN)
                              : md_energy_format (v));
  if (md_meter_reading_get (reading, MD_METER_POINT_SUPPLY_OFF, &v))
    json_object_set_string_member (o, "relay", v ? "tripped" : "closed");
  if (md_meter_reading_get (reading, MD_METER_POINT_KEEP_POWER, &v))
    json_object_set_boolean_member (o, "keep_power", v != 0);
  if (md_meter_reading_get (reading, MD_METER_POINT_PURCHASE_COUNT, &v))
    json_object_set_int_member (o, "purchase_count", v);
  if (md_meter_reading_get (reading, MD_METER_POINT_POWER, &v))
    json_object_set_int_member (o, "power_w", v);
  json_object_set_member (o, "values", g_steal_pointer (&all));
  return node;
}

/* A stable word for the command's outcome column. */
const char *
_md_meter_error_outcome (const GError *error)
{
  if (error == NULL)
    return "ok";
  if (error->domain != MD_METER_ERROR)
    return "error";
  switch ((MdMeterError) error->code)
    {
    case MD_METER_ERROR_TIMEOUT:
      return "timeout";
    case MD_METER_ERROR_IO:
      return "io";
    case MD_METER_ERROR_PROTOCOL:
      return "protocol";
    case MD_METER_ERROR_REFUSED:
      return "refused";
    case MD_METER_ERROR_DENIED:
      return "denied";
    case MD_METER_ERROR_UNSUPPORTED:
      return "unsupported";
    case MD_METER_ERROR_INVALID:
      return "invalid";
    case MD_METER_ERROR_CONFLICT:
      return "conflict";
    case MD_METER_ERROR_UNCERTAIN:
      return "uncertain";
    case MD_METER_ERROR_CLOSED:
      return "closed";
    case MD_METER_ERROR_BUSY:
      return "busy";
    default:
      return "error";
    }
}
