/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-meter-link-private.h"

/* Bus settings (the bus table's row plus finer timing) and meter targets. */

G_DEFINE_BOXED_TYPE (MdMeterTarget, md_meter_target, md_meter_target_ref, md_meter_target_unref)

/**
 * md_meter_bus_settings_init:
 * @settings: (out caller-allocates): settings to fill
 * @protocol: the bus's protocol
 *
 * Fills in the defaults: a serial bus at 9600 8N1 (Modbus) or 2400 8E1
 * (DL/T 645, PROTOCOLS.md A.1), 500 ms response and 50 ms byte timeouts,
 * 3 attempts with a 100/200 ms back-off, 3.5 characters between frames,
 * a 5 s budget per operation, 4 FEH of preamble. Free with
 * md_meter_bus_settings_clear().
 */
void
md_meter_bus_settings_init (MdMeterBusSettings *settings,
                            MdMeterProtocol     protocol)
{
  memset (settings, 0, sizeof *settings);
  settings->protocol = protocol;
  settings->transport = MD_METER_TRANSPORT_SERIAL;
  settings->baud = protocol == MD_METER_PROTOCOL_DLT645 ? 2400 : 9600;
  settings->parity = protocol == MD_METER_PROTOCOL_DLT645 ? 'E' : 'N';
  settings->data_bits = 8;
  settings->stop_bits = 1;
  settings->port = 502;
  settings->response_timeout_ms = 500;
  settings->byte_timeout_ms = 50;
  settings->retries = 3;
  settings->backoff_ms = 100;
  settings->inter_frame_us = 0;
  settings->budget_ms = MD_METER_BUDGET_MAX_MS;
  settings->preamble = 4;
  settings->wake_up_ms = 0;
}

/**
 * md_meter_bus_settings_set_serial:
 * @settings: settings
 * @device: the serial device
 * @baud: bits per second, 0 to keep the protocol's default
 * @parity: 'N', 'E' or 'O', 0 to keep the default
 *
 * Makes @settings a serial bus.
 */
void
md_meter_bus_settings_set_serial (MdMeterBusSettings *settings,
                                  const char         *device,
                                  guint               baud,
                                  char                parity)
{
  settings->transport = MD_METER_TRANSPORT_SERIAL;
  g_free (settings->device);
  settings->device = g_strdup (device);
  if (baud > 0)
    settings->baud = baud;
  if (parity != 0)
    settings->parity = parity;
}

/**
 * md_meter_bus_settings_set_tcp:
 * @settings: settings
 * @host: the gateway's host
 * @port: its TCP port
 *
 * Makes @settings a Modbus TCP gateway bus.
 */
void
md_meter_bus_settings_set_tcp (MdMeterBusSettings *settings,
                               const char         *host,
                               guint               port)
{
  settings->transport = MD_METER_TRANSPORT_TCP;
  g_free (settings->host);
  settings->host = g_strdup (host);
  settings->port = port;
}

/**
 * md_meter_bus_settings_clear:
 * @settings: settings
 *
 * Frees the strings of @settings.
 */
void
md_meter_bus_settings_clear (MdMeterBusSettings *settings)
{
  g_clear_pointer (&settings->name, g_free);
  g_clear_pointer (&settings->device, g_free);
  g_clear_pointer (&settings->host, g_free);
}

/**
 * md_meter_bus_settings_copy:
 * @dest: (out caller-allocates): the copy
 * @src: settings
 *
 * Copies @src, strings included.
 */
void
md_meter_bus_settings_copy (MdMeterBusSettings       *dest,
                            const MdMeterBusSettings *src)
{
  *dest = *src;
  dest->name = g_strdup (src->name);
  dest->device = g_strdup (src->device);
  dest->host = g_strdup (src->host);
}

/**
 * md_meter_bus_settings_char_us:
 * @settings: serial settings
 *
 * Returns: the time one character takes on the wire, µs: start bit, data
 *   bits, parity, stop bits (10 bits at 8N1, 11 at 8E1)
 */
guint
md_meter_bus_settings_char_us (const MdMeterBusSettings *settings)
{
  guint bits = 1 + settings->data_bits + (settings->parity != 'N' ? 1 : 0) + settings->stop_bits;

  return (bits * 1000000 + settings->baud - 1) / MAX (settings->baud, 1);
}

/**
 * md_meter_bus_settings_gap_us:
 * @settings: bus settings
 *
 * Returns: the silence kept before each request: 3.5 characters on a
 *   serial bus (1750 µs above 19200 baud, as the Modbus serial line guide
 *   recommends), or @inter_frame_us if longer; on TCP just @inter_frame_us
 */
guint
md_meter_bus_settings_gap_us (const MdMeterBusSettings *settings)
{
  guint t35;

  if (settings->transport == MD_METER_TRANSPORT_TCP)
    return settings->inter_frame_us;
  t35 = settings->baud > 19200 ? 1750 : (7 * md_meter_bus_settings_char_us (settings) + 1) / 2;
  return MAX (settings->inter_frame_us, t35);
}

static gboolean
invalid (GError     **error,
         const char  *what)
{
  g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID, _("Bus setting: %s"), what);
  return FALSE;
}

/**
 * md_meter_bus_settings_validate:
 * @settings: settings to check
 * @error: return location for a #GError
 *
 * Returns: %TRUE if a bus can be opened with @settings
 */
gboolean
md_meter_bus_settings_validate (const MdMeterBusSettings  *settings,
                                GError                   **error)
{
  static const guint rates[] = { 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200 };
  gboolean known = FALSE;

  if (settings->transport == MD_METER_TRANSPORT_TCP)
    {
      if (settings->protocol != MD_METER_PROTOCOL_MODBUS)
        return invalid (error, _("a gateway bus speaks Modbus TCP"));
      if (settings->host == NULL || *settings->host == '\0')
        return invalid (error, _("a gateway bus needs a host"));
      if (settings->port < 1 || settings->port > 65535)
        return invalid (error, _("the port must be between 1 and 65535"));
    }
  else
    {
      if (settings->device == NULL || *settings->device == '\0')
        return invalid (error, _("a serial bus needs a device"));
      for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
        known |= rates[i] == settings->baud;
      if (!known)
        return invalid (error, _("unsupported baud rate"));
      if (strchr ("NEO", settings->parity) == NULL || settings->parity == '\0')
        return invalid (error, _("the parity must be N, E or O"));
      if (settings->data_bits != 7 && settings->data_bits != 8)
        return invalid (error, _("data bits must be 7 or 8"));
      if (settings->stop_bits != 1 && settings->stop_bits != 2)
        return invalid (error, _("stop bits must be 1 or 2"));
    }
  if (settings->response_timeout_ms < 10 || settings->response_timeout_ms > 5000)
    return invalid (error, _("the response timeout must be 10–5000 ms"));
  if (settings->byte_timeout_ms < 1 || settings->byte_timeout_ms > 1000)
    return invalid (error, _("the byte timeout must be 1–1000 ms"));
  if (settings->retries < 1 || settings->retries > 5)
    return invalid (error, _("attempts must be 1–5"));
  if (settings->backoff_ms > 2000)
    return invalid (error, _("the back-off must be at most 2000 ms"));
  if (settings->inter_frame_us > 1000000)
    return invalid (error, _("the inter-frame delay must be at most 1 s"));
  if (settings->budget_ms < 100 || settings->budget_ms > MD_METER_BUDGET_MAX_MS)
    return invalid (error, _("the operation budget must be 100–5000 ms"));
  if (settings->preamble > 8)
    return invalid (error, _("the preamble is 0–8 bytes"));
  if (settings->wake_up_ms > 2000)
    return invalid (error, _("the wake-up wait must be at most 2000 ms"));
  return TRUE;
}

static gboolean
json_uint (JsonObject  *row,
           const char  *member,
           guint       *inout)
{
  JsonNode *node = json_object_get_member (row, member);
  gint64 v;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0 || v > G_MAXINT)
    return FALSE;
  *inout = (guint) v;
  return TRUE;
}

static const char *
json_string (JsonObject *row,
             const char *member)
{
  JsonNode *node = json_object_get_member (row, member);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/**
 * md_meter_bus_settings_from_json:
 * @row: a bus as `md_bus_list()` returns it (columns of the bus table:
 *   name, kind, protocol, device, baud, parity, data_bits, stop_bits, host,
 *   port, response_timeout_ms, byte_timeout_ms, retries), optionally with
 *   backoff_ms, inter_frame_us, budget_ms, preamble, wake_up_ms
 * @out_settings: (out caller-allocates): the settings; NULL columns keep
 *   their defaults
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the row makes valid settings
 */
gboolean
md_meter_bus_settings_from_json (JsonObject          *row,
                                 MdMeterBusSettings  *out_settings,
                                 GError             **error)
{
  MdMeterProtocol protocol;
  const char *kind = json_string (row, "kind");
  const char *parity = json_string (row, "parity");
  static const char * const numbers[] = {
    "baud", "data_bits", "stop_bits", "port", "response_timeout_ms", "byte_timeout_ms",
    "retries", "backoff_ms", "inter_frame_us", "budget_ms", "preamble", "wake_up_ms",
  };
  guint *fields[G_N_ELEMENTS (numbers)];

  if (!md_meter_protocol_parse (json_string (row, "protocol"), &protocol))
    {
      memset (out_settings, 0, sizeof *out_settings);
      return invalid (error, _("the protocol is modbus or dlt645"));
    }
  md_meter_bus_settings_init (out_settings, protocol);
  out_settings->name = g_strdup (json_string (row, "name"));
  if (g_strcmp0 (kind, "tcp") == 0 || (kind == NULL && json_string (row, "host") != NULL))
    md_meter_bus_settings_set_tcp (out_settings, json_string (row, "host"), 502);
  else
    md_meter_bus_settings_set_serial (out_settings, json_string (row, "device"), 0, 0);
  if (parity != NULL && strlen (parity) == 1)
    out_settings->parity = parity[0];

  fields[0] = &out_settings->baud;
  fields[1] = &out_settings->data_bits;
  fields[2] = &out_settings->stop_bits;
  fields[3] = &out_settings->port;
  fields[4] = &out_settings->response_timeout_ms;
  fields[5] = &out_settings->byte_timeout_ms;
  fields[6] = &out_settings->retries;
  fields[7] = &out_settings->backoff_ms;
  fields[8] = &out_settings->inter_frame_us;
  fields[9] = &out_settings->budget_ms;
  fields[10] = &out_settings->preamble;
  fields[11] = &out_settings->wake_up_ms;
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    if (!json_uint (row, numbers[i], fields[i]))
      {
        g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                     _("Bus setting: “%s” is not a number"), numbers[i]);
        return FALSE;
      }
  return md_meter_bus_settings_validate (out_settings, error);
}

/**
 * md_meter_target_new:
 * @address: the meter number (12 digits electricity, 14 water); for a
 *   DL/T 645 profile, the DL/T 645 address
 * @unit_id: the Modbus unit 1–247 (ignored for DL/T 645)
 * @profile: the meter's model profile
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the target
 */
MdMeterTarget *
md_meter_target_new (const char      *address,
                     guint            unit_id,
                     MdMeterProfile  *profile,
                     GError         **error)
{
  MdMeterTarget *t;
  MdDlt645Address dl;
  gboolean digits = address != NULL && *address != '\0' && strlen (address) <= 20;

  g_return_val_if_fail (profile != NULL, NULL);

  for (const char *c = address; digits && *c; c++)
    digits = g_ascii_isdigit (*c);
  if (!digits)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                   _("“%s” is not a meter number"), address != NULL ? address : "");
      return NULL;
    }
  if (md_meter_profile_get_protocol (profile) == MD_METER_PROTOCOL_DLT645)
    {
      g_autoptr(GError) local = NULL;

      if (!md_dlt645_address_parse (address, &dl, &local))
        {
          g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID, "%s", local->message);
          return NULL;
        }
    }
  else if (unit_id < 1 || unit_id > 247)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                   _("Modbus unit %u is not between 1 and 247"), unit_id);
      return NULL;
    }

  t = g_new0 (MdMeterTarget, 1);
  g_atomic_ref_count_init (&t->ref);
  t->address = g_strdup (address);
  t->unit_id = unit_id;
  t->profile = md_meter_profile_ref (profile);
  if (md_meter_profile_get_protocol (profile) == MD_METER_PROTOCOL_DLT645)
    {
      t->dlt645_address = dl;
      t->has_dlt645_address = TRUE;
    }
  return t;
}

/**
 * md_meter_target_ref:
 * @target: a target
 *
 * Returns: (transfer full): @target
 */
MdMeterTarget *
md_meter_target_ref (MdMeterTarget *target)
{
  g_return_val_if_fail (target != NULL, NULL);

  g_atomic_ref_count_inc (&target->ref);
  return target;
}

/**
 * md_meter_target_unref:
 * @target: (transfer full): a target
 *
 * The password and operator code are wiped when the last reference goes.
 */
void
md_meter_target_unref (MdMeterTarget *target)
{
  g_return_if_fail (target != NULL);

  if (!g_atomic_ref_count_dec (&target->ref))
    return;
  md_meter_profile_unref (target->profile);
  g_free (target->address);
  memset (&target->auth, 0, sizeof target->auth);
  g_free (target);
}

/**
 * md_meter_target_set_auth:
 * @target: a DL/T 645 target, before it is handed to a bus
 * @level: PA, the password level (2 for plaintext)
 * @password: six digits ("123456")
 * @operator_code: eight digits
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the password and operator code are well-formed
 */
gboolean
md_meter_target_set_auth (MdMeterTarget  *target,
                          guint8          level,
                          const char     *password,
                          const char     *operator_code,
                          GError        **error)
{
  g_autoptr(GError) local = NULL;

  if (!md_dlt645_auth_parse (level, password, operator_code, &target->auth, &local))
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID, "%s", local->message);
      return FALSE;
    }
  target->has_auth = TRUE;
  return TRUE;
}

/**
 * md_meter_target_get_address:
 * @target: a target
 *
 * Returns: the meter number
 */
const char *
md_meter_target_get_address (const MdMeterTarget *target)
{
  return target->address;
}

/**
 * md_meter_target_get_unit_id:
 * @target: a target
 *
 * Returns: the Modbus unit id (0 for DL/T 645)
 */
guint
md_meter_target_get_unit_id (const MdMeterTarget *target)
{
  return target->unit_id;
}

/**
 * md_meter_target_get_profile:
 *
 * Returns: (transfer none): the target's profile
 */
MdMeterProfile *
md_meter_target_get_profile (const MdMeterTarget *target)
{
  return target->profile;
}

/**
 * md_meter_params_set:
 * @params: parameters to write
 * @point: alarm_1, alarm_2, power_limit or price_1…price_4
 * @value: its value in project units
 */
void
md_meter_params_set (MdMeterParams *params,
                     MdMeterPoint   point,
                     gint64         value)
{
  g_return_if_fail (point < MD_METER_N_POINTS);

  params->set |= G_GUINT64_CONSTANT (1) << point;
  params->values[point] = value;
}
