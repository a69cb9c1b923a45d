/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-meter-types.h"

G_DEFINE_QUARK (md-meter-error-quark, md_meter_error)

/* Names as written in profiles, JSON and the CLI: stable, never translated. */
static const char * const point_names[MD_METER_N_POINTS] = {
  [MD_METER_POINT_ENERGY_TOTAL] = "energy_total",
  [MD_METER_POINT_ENERGY_RATE_1] = "energy_rate_1",
  [MD_METER_POINT_ENERGY_RATE_2] = "energy_rate_2",
  [MD_METER_POINT_ENERGY_RATE_3] = "energy_rate_3",
  [MD_METER_POINT_ENERGY_RATE_4] = "energy_rate_4",
  [MD_METER_POINT_VOLUME_TOTAL] = "volume_total",
  [MD_METER_POINT_CREDIT] = "credit",
  [MD_METER_POINT_PURCHASE_COUNT] = "purchase_count",
  [MD_METER_POINT_PURCHASED_TOTAL] = "purchased_total",
  [MD_METER_POINT_SUPPLY_OFF] = "supply_off",
  [MD_METER_POINT_KEEP_POWER] = "keep_power",
  [MD_METER_POINT_REMOTE_MODE] = "remote_mode",
  [MD_METER_POINT_POWER] = "power",
  [MD_METER_POINT_VOLTAGE] = "voltage",
  [MD_METER_POINT_CURRENT] = "current",
  [MD_METER_POINT_SERIAL] = "serial",
  [MD_METER_POINT_ALARM_1] = "alarm_1",
  [MD_METER_POINT_ALARM_2] = "alarm_2",
  [MD_METER_POINT_POWER_LIMIT] = "power_limit",
  [MD_METER_POINT_PRICE_1] = "price_1",
  [MD_METER_POINT_PRICE_2] = "price_2",
  [MD_METER_POINT_PRICE_3] = "price_3",
  [MD_METER_POINT_PRICE_4] = "price_4",
};

static const char * const control_names[MD_METER_N_CONTROLS] = {
  [MD_METER_CONTROL_TRIP] = "trip",
  [MD_METER_CONTROL_CLOSE] = "close",
  [MD_METER_CONTROL_KEEP_POWER] = "keep-power",
  [MD_METER_CONTROL_KEEP_POWER_RELEASE] = "keep-power-release",
  [MD_METER_CONTROL_MODE_LOCAL] = "mode-local",
  [MD_METER_CONTROL_MODE_REMOTE] = "mode-remote",
};

/**
 * md_meter_protocol_to_string:
 * @protocol: a protocol
 *
 * Returns: "modbus" or "dlt645", as in the bus table
 */
const char *
md_meter_protocol_to_string (MdMeterProtocol protocol)
{
  return protocol == MD_METER_PROTOCOL_DLT645 ? "dlt645" : "modbus";
}

/**
 * md_meter_protocol_parse:
 * @text: "modbus" or "dlt645", as in the bus table
 * @out_protocol: (out): the protocol
 *
 * Returns: %TRUE if @text names a protocol
 */
gboolean
md_meter_protocol_parse (const char      *text,
                         MdMeterProtocol *out_protocol)
{
  if (g_strcmp0 (text, "modbus") == 0)
    *out_protocol = MD_METER_PROTOCOL_MODBUS;
  else if (g_strcmp0 (text, "dlt645") == 0)
    *out_protocol = MD_METER_PROTOCOL_DLT645;
  else
    return FALSE;
  return TRUE;
}

/**
 * md_meter_credit_kind_to_string:
 * @kind: a credit kind
 *
 * Returns: "none", "money", "energy" or "volume"
 */
const char *
md_meter_credit_kind_to_string (MdMeterCreditKind kind)
{
  switch (kind)
    {
    case MD_METER_CREDIT_MONEY:
      return "money";
    case MD_METER_CREDIT_ENERGY:
      return "energy";
    case MD_METER_CREDIT_VOLUME:
      return "volume";
    case MD_METER_CREDIT_NONE:
    default:
      return "none";
    }
}

/**
 * md_meter_point_to_string:
 * @point: a point
 *
 * Returns: the point's name in profiles and JSON ("energy_total"…)
 */
const char *
md_meter_point_to_string (MdMeterPoint point)
{
  g_return_val_if_fail (point < MD_METER_N_POINTS, NULL);

  return point_names[point];
}

/**
 * md_meter_point_parse:
 * @text: a point's name ("credit")
 * @out_point: (out): the point
 *
 * Returns: %TRUE if @text names a point
 */
gboolean
md_meter_point_parse (const char   *text,
                      MdMeterPoint *out_point)
{
  for (guint i = 0; i < MD_METER_N_POINTS; i++)
    if (g_strcmp0 (text, point_names[i]) == 0)
      {
        *out_point = (MdMeterPoint) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * md_meter_point_unit:
 * @point: a point
 * @credit_kind: the profile's credit kind, for credit and alarm points
 *
 * Returns: the unit of the point's values, as a symbol for JSON and logs
 *   ("Wh", "fen", "0.1V"…); "" for counts and flags
 */
const char *
md_meter_point_unit (MdMeterPoint      point,
                     MdMeterCreditKind credit_kind)
{
  switch (point)
    {
    case MD_METER_POINT_ENERGY_TOTAL:
    case MD_METER_POINT_ENERGY_RATE_1:
    case MD_METER_POINT_ENERGY_RATE_2:
    case MD_METER_POINT_ENERGY_RATE_3:
    case MD_METER_POINT_ENERGY_RATE_4:
      return "Wh";
    case MD_METER_POINT_VOLUME_TOTAL:
      return "L";
    case MD_METER_POINT_CREDIT:
    case MD_METER_POINT_PURCHASED_TOTAL:
    case MD_METER_POINT_ALARM_1:
    case MD_METER_POINT_ALARM_2:
      switch (credit_kind)
        {
        case MD_METER_CREDIT_ENERGY:
          return "Wh";
        case MD_METER_CREDIT_VOLUME:
          return "L";
        case MD_METER_CREDIT_MONEY:
        case MD_METER_CREDIT_NONE:
        default:
          return "fen";
        }
    case MD_METER_POINT_POWER:
    case MD_METER_POINT_POWER_LIMIT:
      return "W";
    case MD_METER_POINT_VOLTAGE:
      return "0.1V";
    case MD_METER_POINT_CURRENT:
      return "mA";
    case MD_METER_POINT_PRICE_1:
    case MD_METER_POINT_PRICE_2:
    case MD_METER_POINT_PRICE_3:
    case MD_METER_POINT_PRICE_4:
      return "0.0001yuan";
    case MD_METER_POINT_PURCHASE_COUNT:
    case MD_METER_POINT_SUPPLY_OFF:
    case MD_METER_POINT_KEEP_POWER:
    case MD_METER_POINT_REMOTE_MODE:
    case MD_METER_POINT_SERIAL:
    case MD_METER_N_POINTS:
    default:
      return "";
    }
}

/**
 * md_meter_control_to_string:
 * @control: a command
 *
 * Returns: its name in JSON and the CLI ("trip", "keep-power"…)
 */
const char *
md_meter_control_to_string (MdMeterControl control)
{
  g_return_val_if_fail (control < MD_METER_N_CONTROLS, NULL);

  return control_names[control];
}

/**
 * md_meter_control_parse:
 * @text: "trip", "close", "keep-power", "keep-power-release", "mode-local"
 *   or "mode-remote"
 * @out_control: (out): the command
 *
 * Returns: %TRUE if @text names a command
 */
gboolean
md_meter_control_parse (const char     *text,
                        MdMeterControl *out_control)
{
  for (guint i = 0; i < MD_METER_N_CONTROLS; i++)
    if (g_strcmp0 (text, control_names[i]) == 0)
      {
        *out_control = (MdMeterControl) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * md_meter_reading_clear:
 * @reading: a reading
 *
 * Empties @reading: no point present.
 */
void
md_meter_reading_clear (MdMeterReading *reading)
{
  memset (reading, 0, sizeof *reading);
}

/**
 * md_meter_reading_has:
 * @reading: a reading
 * @point: a point
 *
 * Returns: %TRUE if the meter answered @point
 */
gboolean
md_meter_reading_has (const MdMeterReading *reading,
                      MdMeterPoint          point)
{
  g_return_val_if_fail (point < MD_METER_N_POINTS, FALSE);

  return (reading->present & (G_GUINT64_CONSTANT (1) << point)) != 0;
}

/**
 * md_meter_reading_get:
 * @reading: a reading
 * @point: the point wanted
 * @out_value: (out) (optional): its value
 *
 * Returns: %TRUE if the reading has @point
 */
gboolean
md_meter_reading_get (const MdMeterReading *reading,
                      MdMeterPoint          point,
                      gint64               *out_value)
{
  if (!md_meter_reading_has (reading, point))
    return FALSE;
  if (out_value != NULL)
    *out_value = reading->values[point];
  return TRUE;
}

/**
 * md_meter_reading_set:
 * @reading: a reading
 * @point: a point
 * @value: its value in project units
 *
 * Marks @point present with @value.
 */
void
md_meter_reading_set (MdMeterReading *reading,
                      MdMeterPoint    point,
                      gint64          value)
{
  g_return_if_fail (point < MD_METER_N_POINTS);

  reading->present |= G_GUINT64_CONSTANT (1) << point;
  reading->values[point] = value;
}

/**
 * md_meter_reading_to_json:
 * @reading: a reading
 *
 * Returns: (transfer full): an object with a member per point present
 *   (integers in project units; flags as booleans; the serial as a string)
 *   and "read_at" in µs since the epoch
 */
JsonNode *
md_meter_reading_to_json (const MdMeterReading *reading)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  for (guint i = 0; i < MD_METER_N_POINTS; i++)
    {
      if (!md_meter_reading_has (reading, (MdMeterPoint) i))
        continue;
      json_builder_set_member_name (b, point_names[i]);
      switch ((MdMeterPoint) i)
        {
        case MD_METER_POINT_SUPPLY_OFF:
        case MD_METER_POINT_KEEP_POWER:
        case MD_METER_POINT_REMOTE_MODE:
          json_builder_add_boolean_value (b, reading->values[i] != 0);
          break;
        case MD_METER_POINT_SERIAL:
          {
            g_autofree char *digits = g_strdup_printf ("%012" G_GINT64_FORMAT,
                                                       reading->values[i]);
            json_builder_add_string_value (b, digits);
          }
          break;
        case MD_METER_POINT_ENERGY_TOTAL:
        case MD_METER_POINT_ENERGY_RATE_1:
        case MD_METER_POINT_ENERGY_RATE_2:
        case MD_METER_POINT_ENERGY_RATE_3:
        case MD_METER_POINT_ENERGY_RATE_4:
        case MD_METER_POINT_VOLUME_TOTAL:
        case MD_METER_POINT_CREDIT:
        case MD_METER_POINT_PURCHASE_COUNT:
        case MD_METER_POINT_PURCHASED_TOTAL:
        case MD_METER_POINT_POWER:
        case MD_METER_POINT_VOLTAGE:
        case MD_METER_POINT_CURRENT:
        case MD_METER_POINT_ALARM_1:
        case MD_METER_POINT_ALARM_2:
        case MD_METER_POINT_POWER_LIMIT:
        case MD_METER_POINT_PRICE_1:
        case MD_METER_POINT_PRICE_2:
        case MD_METER_POINT_PRICE_3:
        case MD_METER_POINT_PRICE_4:
        case MD_METER_N_POINTS:
        default:
          json_builder_add_int_value (b, reading->values[i]);
          break;
        }
    }
  json_builder_set_member_name (b, "read_at");
  json_builder_add_int_value (b, reading->read_at);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
