/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-meter-link-private.h"

/*
 * Commands, parameters, time and discovery, on the bus thread. These set
 * a state (trip, a limit, the clock): doing one twice does no harm, so
 * they are retried like reads. Where the profile reads the state back,
 * a command is confirmed by reading it.
 */

static const MdDlt645ControlCommand dlt645_commands[MD_METER_N_CONTROLS] = {
  [MD_METER_CONTROL_TRIP] = MD_DLT645_CONTROL_TRIP,
  [MD_METER_CONTROL_CLOSE] = MD_DLT645_CONTROL_CLOSE,
  [MD_METER_CONTROL_KEEP_POWER] = MD_DLT645_CONTROL_KEEP_POWER,
  [MD_METER_CONTROL_KEEP_POWER_RELEASE] = MD_DLT645_CONTROL_KEEP_POWER_RELEASE,
};

static gboolean
need_auth (MdMeterTarget  *target,
           GError        **error)
{
  if (target->has_auth)
    return TRUE;
  g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_DENIED,
               _("Meter %s needs its password and operator code for writing"), target->address);
  return FALSE;
}

static gboolean
to_dlt645_time (GDateTime         *t,
                MdDlt645DateTime  *out,
                GError           **error)
{
  out->year = (guint) g_date_time_get_year (t);
  out->month = (guint8) g_date_time_get_month (t);
  out->day = (guint8) g_date_time_get_day_of_month (t);
  out->hour = (guint8) g_date_time_get_hour (t);
  out->minute = (guint8) g_date_time_get_minute (t);
  out->second = (guint8) g_date_time_get_second (t);
  if (out->year < 2000 || out->year > 2099)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                   _("The year %u cannot be sent to a meter"), out->year);
      return FALSE;
    }
  return TRUE;
}

/* After a command, the state it set, where the profile reads it. */
static gboolean
confirm_control (MdMeterOp       *op,
                 MdMeterTarget   *target,
                 MdMeterControl   control,
                 GError         **error)
{
  const MdMeterProfile *p = target->profile;
  MdMeterPoint point;
  gint64 want, v;

  switch (control)
    {
    case MD_METER_CONTROL_TRIP:
      point = MD_METER_POINT_SUPPLY_OFF;
      want = 1;
      break;
    case MD_METER_CONTROL_CLOSE:
      /* "Close allowed" waits for the customer's button: nothing to see. */
      if (p->control_method == MD_METER_METHOD_DLT645 && !p->control_close_direct)
        return TRUE;
      point = MD_METER_POINT_SUPPLY_OFF;
      want = 0;
      break;
    case MD_METER_CONTROL_KEEP_POWER:
    case MD_METER_CONTROL_KEEP_POWER_RELEASE:
      point = MD_METER_POINT_KEEP_POWER;
      want = control == MD_METER_CONTROL_KEEP_POWER;
      break;
    case MD_METER_CONTROL_MODE_LOCAL:
    case MD_METER_CONTROL_MODE_REMOTE:
    default:
      point = MD_METER_POINT_REMOTE_MODE;
      want = control == MD_METER_CONTROL_MODE_REMOTE;
      break;
    }
  if (!p->read[point].present)
    return TRUE;
  if (!_md_meter_op_read_point (op, target, point, &v, error))
    {
      g_prefix_error (error, _("The command was sent but could not be checked: "));
      return FALSE;
    }
  if (v != want)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_REFUSED,
                   _("Meter %s took the “%s” command but did not carry it out"),
                   target->address, md_meter_control_to_string (control));
      return FALSE;
    }
  return TRUE;
}

gboolean
_md_meter_op_control (MdMeterOp       *op,
                      MdMeterTarget   *target,
                      MdMeterControl   control,
                      GError         **error)
{
  const MdMeterProfile *p = target->profile;

  if (!md_meter_profile_can_control (p, control, error))
    return FALSE;

  if (p->control_method == MD_METER_METHOD_MODBUS)
    {
      const MdMeterModbusCommand *c = &p->control[control];

      if (!_md_modbus_link_write (op->modbus, op, target->unit_id, c->reg, 1, &c->value,
                                  p->control_single, MD_LINK_WRITE_IDEMPOTENT, error))
        return FALSE;
    }
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autoptr(GDateTime) until = g_date_time_add_minutes (now,
                                                            (gint) p->control_deadline_minutes);
      MdDlt645ControlCommand cmd = dlt645_commands[control];
      MdDlt645DateTime deadline;
      g_autoptr(GBytes) frame = NULL;
      MdDlt645Auth auth;
      MdDlt645Frame reply;

      if (control == MD_METER_CONTROL_CLOSE && !p->control_close_direct)
        cmd = MD_DLT645_CONTROL_CLOSE_ALLOWED;
      if (!need_auth (target, error) || !to_dlt645_time (until, &deadline, error))
        return FALSE;
      auth = target->auth;
      auth.level = p->control_level;
      frame = md_dlt645_build_control (&target->dlt645_address, &auth, cmd, 0, &deadline,
                                       MD_DLT645_BUILD_DEFAULT, error);
      if (frame == NULL ||
          !_md_dlt645_link_exchange (op->dlt645, op, frame, &target->dlt645_address,
                                     MD_DLT645_FN_CONTROL, 0, FALSE, MD_LINK_WRITE_IDEMPOTENT,
                                     &reply, error))
        return FALSE;
    }
  return confirm_control (op, target, control, error);
}

gboolean
_md_meter_op_set_params (MdMeterOp            *op,
                         MdMeterTarget        *target,
                         const MdMeterParams  *params,
                         GError              **error)
{
  const MdMeterProfile *p = target->profile;

  for (guint i = 0; i < MD_METER_N_POINTS; i++)
    if ((params->set & (G_GUINT64_CONSTANT (1) << i)) && !p->params[i].present)
      {
        g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED,
                     _("Meter model “%s” has no “%s” setting"), p->name,
                     md_meter_point_to_string ((MdMeterPoint) i));
        return FALSE;
      }
  if (p->protocol == MD_METER_PROTOCOL_DLT645 && params->set != 0 && !need_auth (target, error))
    return FALSE;

  for (guint i = 0; i < MD_METER_N_POINTS; i++)
    {
      const MdMeterPointSpec *s = &p->params[i];

      if (!(params->set & (G_GUINT64_CONSTANT (1) << i)))
        continue;
      if (p->protocol == MD_METER_PROTOCOL_MODBUS)
        {
          guint16 regs[8];
          guint n = _md_meter_point_registers (s);

          if (!md_meter_value_to_registers (&s->value, p->word_order, params->values[i], regs,
                                            error) ||
              !_md_modbus_link_write (op->modbus, op, target->unit_id, (guint16) s->address,
                                      (guint16) n, regs, FALSE, MD_LINK_WRITE_IDEMPOTENT, error))
            return FALSE;
        }
      else
        {
          guint8 bytes[16];
          g_autoptr(GBytes) frame = NULL;
          MdDlt645Frame reply;

          if (!md_meter_value_to_bytes (&s->value, params->values[i], bytes, error))
            return FALSE;
          frame = md_dlt645_build_write (&target->dlt645_address, s->address, &target->auth,
                                         bytes, s->value.size, MD_DLT645_BUILD_DEFAULT, error);
          if (frame == NULL ||
              !_md_dlt645_link_exchange (op->dlt645, op, frame, &target->dlt645_address,
                                         MD_DLT645_FN_WRITE, 0, FALSE, MD_LINK_WRITE_IDEMPOTENT,
                                         &reply, error))
            return FALSE;
        }
    }
  return TRUE;
}

gboolean
_md_meter_op_broadcast_time (MdMeterOp       *op,
                             MdMeterProfile  *profile,
                             GDateTime       *time,
                             GError         **error)
{
  MdDlt645DateTime t;

  if (profile->time_method == MD_METER_METHOD_NONE)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED,
                   _("Meter model “%s” has no known way to set its clock"), profile->name);
      return FALSE;
    }
  if (!to_dlt645_time (time, &t, error))
    return FALSE;

  if (profile->time_method == MD_METER_METHOD_MODBUS)
    {
      guint16 regs[6] = { (guint16) t.year, t.month, t.day, t.hour, t.minute, t.second };

      return _md_modbus_link_broadcast (op->modbus, op, profile->time_register, 6, regs, error);
    }
  else
    {
      g_autoptr(GBytes) frame = md_dlt645_build_broadcast_time (&t, MD_DLT645_BUILD_DEFAULT,
                                                                error);

      return frame != NULL && _md_dlt645_link_send (op->dlt645, op, frame, error);
    }
}

static void
found_serial (MdMeterFound  *f,
              gint64         serial,
              gboolean       water)
{
  g_snprintf (f->address, sizeof f->address, water ? "%014" G_GINT64_FORMAT
                                                    : "%012" G_GINT64_FORMAT, serial);
}

/* Modbus: every unit in the range gets one short probe; a unit that
 * answers, even with an exception, is there. DL/T 645: 13H to the
 * wildcard, which only works with one meter on the line. */
GArray *
_md_meter_op_discover (MdMeterOp       *op,
                       MdMeterProfile  *profile,
                       guint            first_unit,
                       guint            last_unit,
                       GError         **error)
{
  g_autoptr(GArray) found = g_array_new (FALSE, TRUE, sizeof (MdMeterFound));

  if (profile->discover_method == MD_METER_METHOD_NONE)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED,
                   _("Meter model “%s” has no way to find meters"), profile->name);
      return NULL;
    }

  if (profile->discover_method == MD_METER_METHOD_DLT645)
    {
      g_autoptr(GBytes) frame = md_dlt645_build_read_address (MD_DLT645_BUILD_DEFAULT);
      MdDlt645Frame reply;
      MdMeterFound f = { 0, "" };

      if (!_md_dlt645_link_exchange (op->dlt645, op, frame, &md_dlt645_address_wildcard,
                                     MD_DLT645_FN_READ_ADDRESS, 0, FALSE,
                                     MD_LINK_WRITE_IDEMPOTENT, &reply, error))
        return NULL;
      md_dlt645_address_format (&reply.address, f.address);
      g_array_append_val (found, f);
      return g_steal_pointer (&found);
    }

  for (guint unit = first_unit; unit <= last_unit; unit++)
    {
      const MdMeterPointSpec *probe = &profile->read[profile->discover_probe];
      const MdMeterPointSpec *serial = &profile->read[MD_METER_POINT_SERIAL];
      g_autoptr(GError) local = NULL;
      guint16 regs[8];
      MdMeterFound f = { unit, "" };

      if (op->yield != NULL)
        op->yield (op->yield_data);
      if (_md_meter_op_remaining_ms (op) <= 0 || g_cancellable_is_cancelled (op->cancellable))
        break;
      if (!_md_modbus_link_probe (op->modbus, op, unit, probe->function, (guint16) probe->address,
                                  (guint16) _md_meter_point_registers (probe),
                                  profile->discover_timeout_ms, regs, &local) &&
          !g_error_matches (local, MD_METER_ERROR, MD_METER_ERROR_REFUSED))
        {
          if (g_error_matches (local, MD_METER_ERROR, MD_METER_ERROR_IO))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return NULL;
            }
          continue;
        }
      if (serial->present)
        {
          MdMeterReadBlock block = { serial->function, (guint16) serial->address,
                                     (guint16) _md_meter_point_registers (serial) };
          MdMeterReading r;
          gint64 v;

          md_meter_reading_clear (&r);
          if (_md_modbus_link_probe (op->modbus, op, unit, block.function, block.start,
                                     block.count, profile->discover_timeout_ms, regs, NULL) &&
              _md_meter_decode_block (profile, &block, regs, &r, NULL) &&
              md_meter_reading_get (&r, MD_METER_POINT_SERIAL, &v))
            found_serial (&f, v, profile->water);
        }
      g_array_append_val (found, f);
    }
  g_cancellable_set_error_if_cancelled (op->cancellable, error);
  if (error != NULL && *error != NULL)
    return NULL;
  return g_steal_pointer (&found);
}
