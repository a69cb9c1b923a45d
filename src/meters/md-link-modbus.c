/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <modbus.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "md-meter-link-private.h"

/*
 * Modbus through libmodbus, RTU or TCP, with the error recovery of
 * libmodbus switched off: retries, flushing and the operation budget are
 * ours. Every exchange waits for the bus's inter-frame silence, gets the
 * smaller of the bus's response timeout and what the budget has left, and
 * is classified: retried (timeouts, garbage), final (exceptions 01–03), or,
 * for a write sent once, "uncertain" (the meter may have applied it).
 */

struct _MdModbusLink
{
  const MdMeterBusSettings *settings;
  modbus_t                 *ctx;
  gboolean                  rtu;
  gboolean                  connected;
  gboolean                  ever_connected;
  gint64                    last_activity;
};

typedef enum
{
  OUTCOME_RETRY,        /* nothing useful came back: try again */
  OUTCOME_FINAL,        /* the meter answered no: do not retry */
  OUTCOME_RECONNECT,    /* the connection broke */
} Outcome;

MdModbusLink *
_md_modbus_link_new (const MdMeterBusSettings  *settings,
                     GError                   **error)
{
  MdModbusLink *link = g_new0 (MdModbusLink, 1);

  link->settings = settings;
  link->rtu = settings->transport == MD_METER_TRANSPORT_SERIAL;
  if (link->rtu)
    link->ctx = modbus_new_rtu (settings->device, (int) settings->baud, settings->parity,
                                (int) settings->data_bits, (int) settings->stop_bits);
  else
    {
      g_autofree char *service = g_strdup_printf ("%u", settings->port);

      link->ctx = modbus_new_tcp_pi (settings->host, service);
    }
  if (link->ctx == NULL)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO,
                   _("Cannot set up Modbus on %s: %s"),
                   link->rtu ? settings->device : settings->host, modbus_strerror (errno));
      g_free (link);
      return NULL;
    }
  modbus_set_error_recovery (link->ctx, MODBUS_ERROR_RECOVERY_NONE);
  modbus_set_byte_timeout (link->ctx, settings->byte_timeout_ms / 1000,
                           (settings->byte_timeout_ms % 1000) * 1000);
  return link;
}

void
_md_modbus_link_free (MdModbusLink *link)
{
  if (link == NULL)
    return;
  if (link->connected)
    modbus_close (link->ctx);
  modbus_free (link->ctx);
  g_free (link);
}

static const char *
where (MdModbusLink *link)
{
  return link->rtu ? link->settings->device : link->settings->host;
}

static gboolean
ensure_connected (MdModbusLink  *link,
                  MdMeterOp     *op,
                  GError       **error)
{
  if (link->connected)
    return TRUE;
  if (modbus_connect (link->ctx) < 0)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO, _("Cannot open %s: %s"),
                   where (link), modbus_strerror (errno));
      return FALSE;
    }
  if (link->ever_connected)
    op->stats->reconnects++;
  link->connected = TRUE;
  link->ever_connected = TRUE;
  link->last_activity = 0;
  return TRUE;
}

static void
disconnect (MdModbusLink *link)
{
  if (!link->connected)
    return;
  modbus_close (link->ctx);
  link->connected = FALSE;
}

/* The bus stays silent for the inter-frame gap before each request. */
static void
wait_gap (MdModbusLink *link)
{
  gint64 gap = link->rtu ? md_meter_bus_settings_gap_us (link->settings)
                         : link->settings->inter_frame_us;
  gint64 wait = link->last_activity + gap - g_get_monotonic_time ();

  if (link->last_activity > 0 && wait > 0)
    g_usleep ((gulong) wait);
}

/* Response timeout for one attempt: the bus's, cut to what the budget
 * leaves once the reply's own wire time is set aside. */
static gboolean
arm_timeout (MdModbusLink  *link,
             MdMeterOp     *op,
             guint          want_ms,
             guint          reply_bytes,
             GError       **error)
{
  gint64 left = _md_meter_op_remaining_ms (op);
  gint64 wire = link->rtu ? (gint64) reply_bytes * md_meter_bus_settings_char_us (link->settings)
                            / 1000 + 1 : 0;
  gint64 ms = MIN ((gint64) want_ms, left - wire);

  if (ms < 5)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_TIMEOUT,
                   _("The meter did not answer within the operation's %u ms"),
                   op->settings->budget_ms);
      return FALSE;
    }
  modbus_set_response_timeout (link->ctx, (guint32) (ms / 1000), (guint32) (ms % 1000) * 1000);
  return TRUE;
}

static void
done_exchange (MdModbusLink *link,
               MdMeterOp    *op)
{
  link->last_activity = g_get_monotonic_time ();
  op->stats->exchanges++;
}

/* Maps libmodbus's errno to our error and what to do next. */
static Outcome
classify (MdModbusLink  *link,
          MdMeterOp     *op,
          int            err,
          guint          unit,
          GError       **error)
{
  const char *text = modbus_strerror (err);

  switch (err)
    {
    case ETIMEDOUT:
      op->stats->timeouts++;
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_TIMEOUT,
                   _("Meter %u on %s did not answer: %s"), unit, where (link), text);
      return OUTCOME_RETRY;
    case EMBBADCRC:
    case EMBBADDATA:
    case EMBBADEXC:
    case EMBUNKEXC:
    case EMBMDATA:
    case EMBBADSLAVE:
      op->stats->protocol_errors++;
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL,
                   _("Meter %u on %s sent a bad reply: %s"), unit, where (link), text);
      return OUTCOME_RETRY;
    case EMBXILFUN:
    case EMBXILADD:
    case EMBXILVAL:
      op->stats->refusals++;
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_REFUSED,
                   _("Meter %u on %s refused: %s"), unit, where (link), text);
      return OUTCOME_FINAL;
    case EMBXSBUSY:
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_BUSY,
                   _("Meter %u on %s is busy: %s"), unit, where (link), text);
      return OUTCOME_RETRY;
    case EMBXSFAIL:
    case EMBXACK:
    case EMBXNACK:
    case EMBXMEMPAR:
    case EMBXGPATH:
    case EMBXGTAR:
      op->stats->protocol_errors++;
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL,
                   _("Meter %u on %s failed: %s"), unit, where (link), text);
      return OUTCOME_RETRY;
    default:
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO,
                   _("Modbus on %s failed: %s"), where (link), text);
      return OUTCOME_RECONNECT;
    }
}

/* A write that was never acted on: the meter said so, or the gateway
 * could not reach it. */
static gboolean
definitely_not_applied (int err)
{
  return err == EMBXILFUN || err == EMBXILADD || err == EMBXILVAL || err == EMBXSBUSY ||
         err == EMBXGPATH;
}

/* Throws away what came in. On a serial line only the input: libmodbus's
 * flush (TCIOFLUSH) would also drop a broadcast still on its way out. */
static void
flush_input (MdModbusLink *link)
{
  if (!link->connected)
    return;
  if (link->rtu)
    tcflush (modbus_get_socket (link->ctx), TCIFLUSH);
  else
    modbus_flush (link->ctx);
}

static void
before_attempt (MdModbusLink *link,
                guint         attempt)
{
  /* Flush before every RTU request (the line must be clean) and before
   * every TCP retry (a late reply must not answer the next request). */
  if (link->rtu || attempt > 0)
    flush_input (link);
  wait_gap (link);
}

static gboolean
backoff (MdModbusLink *link,
         MdMeterOp    *op,
         guint         attempt)
{
  op->stats->retries++;
  return _md_meter_op_sleep (op, _md_meter_op_backoff_ms (op, attempt));
}

gboolean
_md_modbus_link_read (MdModbusLink  *link,
                      MdMeterOp     *op,
                      guint          unit,
                      guint8         function,
                      guint16        address,
                      guint16        count,
                      guint16       *out_regs,
                      GError       **error)
{
  g_autoptr(GError) last = NULL;

  for (guint attempt = 0; attempt < MAX (op->settings->retries, 1); attempt++)
    {
      int rc, err;

      g_clear_error (&last);
      if (attempt > 0 && !backoff (link, op, attempt))
        break;
      if (!_md_meter_op_check (op, &last))
        break;
      if (!ensure_connected (link, op, &last))
        continue;
      before_attempt (link, attempt);
      if (!arm_timeout (link, op, op->settings->response_timeout_ms, 5 + 2 * count, &last))
        break;

      modbus_set_slave (link->ctx, (int) unit);
      if (function == 4)
        rc = modbus_read_input_registers (link->ctx, address, count, out_regs);
      else
        rc = modbus_read_registers (link->ctx, address, count, out_regs);
      err = errno;
      done_exchange (link, op);
      if (rc == count)
        return TRUE;
      if (rc >= 0)
        err = EMBBADDATA;

      switch (classify (link, op, err, unit, &last))
        {
        case OUTCOME_FINAL:
          g_propagate_error (error, g_steal_pointer (&last));
          return FALSE;
        case OUTCOME_RECONNECT:
          disconnect (link);
          break;
        case OUTCOME_RETRY:
        default:
          break;
        }
    }

  if (last == NULL)
    g_set_error (&last, MD_METER_ERROR, MD_METER_ERROR_TIMEOUT,
                 _("The meter did not answer within the operation's %u ms"),
                 op->settings->budget_ms);
  g_propagate_error (error, g_steal_pointer (&last));
  return FALSE;
}

gboolean
_md_modbus_link_write (MdModbusLink   *link,
                       MdMeterOp      *op,
                       guint           unit,
                       guint16         address,
                       guint16         count,
                       const guint16  *regs,
                       gboolean        single,
                       MdLinkWrite     kind,
                       GError        **error)
{
  g_autoptr(GError) last = NULL;
  guint attempts = kind == MD_LINK_WRITE_ONCE ? 1 : MAX (op->settings->retries, 1);

  g_return_val_if_fail (!single || count == 1, FALSE);

  for (guint attempt = 0; attempt < attempts; attempt++)
    {
      int rc, err;
      Outcome outcome;

      g_clear_error (&last);
      if (attempt > 0 && !backoff (link, op, attempt))
        break;
      if (!_md_meter_op_check (op, &last))
        break;
      if (!ensure_connected (link, op, &last))
        continue;
      before_attempt (link, attempt);
      if (!arm_timeout (link, op, op->settings->response_timeout_ms, 8, &last))
        break;

      /* From here on the meter may act on the request. */
      modbus_set_slave (link->ctx, (int) unit);
      if (single)
        rc = modbus_write_register (link->ctx, address, regs[0]);
      else
        rc = modbus_write_registers (link->ctx, address, count, regs);
      err = errno;
      done_exchange (link, op);
      if (rc == (single ? 1 : count))
        return TRUE;
      if (rc >= 0)
        err = EMBBADDATA;

      outcome = classify (link, op, err, unit, &last);
      if (outcome == OUTCOME_RECONNECT)
        disconnect (link);
      if (kind == MD_LINK_WRITE_ONCE)
        {
          if (definitely_not_applied (err))
            break;
          op->stats->uncertain_writes++;
          g_prefix_error (&last, "%s ", _("The meter may or may not have applied the write:"));
          last->code = MD_METER_ERROR_UNCERTAIN;
          break;
        }
      if (outcome == OUTCOME_FINAL)
        break;
    }

  if (last == NULL)
    g_set_error (&last, MD_METER_ERROR, kind == MD_LINK_WRITE_ONCE ? MD_METER_ERROR_UNCERTAIN
                                                                   : MD_METER_ERROR_TIMEOUT,
                 _("The meter did not answer within the operation's %u ms"),
                 op->settings->budget_ms);
  g_propagate_error (error, g_steal_pointer (&last));
  return FALSE;
}

/* Unit 0: every meter acts, none answers, so nothing is awaited. */
gboolean
_md_modbus_link_broadcast (MdModbusLink   *link,
                           MdMeterOp      *op,
                           guint16         address,
                           guint16         count,
                           const guint16  *regs,
                           GError        **error)
{
  guint8 raw[6 + 2 * 123 + 1];
  int len = 0;

  g_return_val_if_fail (count >= 1 && count <= 123, FALSE);

  if (!ensure_connected (link, op, error))
    return FALSE;
  before_attempt (link, 0);

  raw[len++] = 0;
  raw[len++] = 0x10;
  raw[len++] = address >> 8;
  raw[len++] = address & 0xFF;
  raw[len++] = count >> 8;
  raw[len++] = count & 0xFF;
  raw[len++] = (guint8) (2 * count);
  for (guint i = 0; i < count; i++)
    {
      raw[len++] = regs[i] >> 8;
      raw[len++] = regs[i] & 0xFF;
    }
  modbus_set_slave (link->ctx, 0);
  if (modbus_send_raw_request (link->ctx, raw, len) < 0)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO, _("Modbus on %s failed: %s"),
                   where (link), modbus_strerror (errno));
      disconnect (link);
      return FALSE;
    }
  /* Out on the wire before anything else; then give the meters the time
   * to act before the next request. */
  if (link->rtu)
    tcdrain (modbus_get_socket (link->ctx));
  done_exchange (link, op);
  if (link->rtu)
    link->last_activity += (gint64) (len + 2) * md_meter_bus_settings_char_us (link->settings);
  return TRUE;
}

/* One try with its own short timeout: discovery. */
gboolean
_md_modbus_link_probe (MdModbusLink  *link,
                       MdMeterOp     *op,
                       guint          unit,
                       guint8         function,
                       guint16        address,
                       guint16        count,
                       guint          timeout_ms,
                       guint16       *out_regs,
                       GError       **error)
{
  int rc, err;

  if (!_md_meter_op_check (op, error) || !ensure_connected (link, op, error))
    return FALSE;
  before_attempt (link, 1);
  if (!arm_timeout (link, op, timeout_ms, 5 + 2 * count, error))
    return FALSE;
  modbus_set_slave (link->ctx, (int) unit);
  rc = function == 4 ? modbus_read_input_registers (link->ctx, address, count, out_regs)
                     : modbus_read_registers (link->ctx, address, count, out_regs);
  err = errno;
  done_exchange (link, op);
  if (rc == count)
    return TRUE;
  if (classify (link, op, rc >= 0 ? EMBBADDATA : err, unit, error) == OUTCOME_RECONNECT)
    disconnect (link);
  return FALSE;
}

/* After a write whose reply went missing: let a late reply arrive and
 * throw it away, so it cannot pass for the read-back's answer. Waits for
 * a quiet line (a response timeout without a byte), within the budget. */
void
_md_modbus_link_drain (MdModbusLink *link,
                       MdMeterOp    *op)
{
  int fd;
  gint64 quiet_until;
  guint quiet_ms = MIN (op->settings->response_timeout_ms,
                        (guint) MAX (_md_meter_op_remaining_ms (op) / 4, 0));

  if (!link->connected || (fd = modbus_get_socket (link->ctx)) < 0)
    return;

  quiet_until = g_get_monotonic_time () + (gint64) quiet_ms * 1000;
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      struct pollfd pfd = { fd, POLLIN, 0 };
      guint8 junk[256];

      if (now >= quiet_until || _md_meter_op_remaining_ms (op) <= 0)
        break;
      if (poll (&pfd, 1, (int) ((quiet_until - now + 999) / 1000)) <= 0)
        break;
      if (read (fd, junk, sizeof junk) <= 0)
        break;
      quiet_until = g_get_monotonic_time () + (gint64) quiet_ms * 1000;
      if (quiet_until > op->deadline)
        quiet_until = op->deadline;
    }
  flush_input (link);
  link->last_activity = g_get_monotonic_time ();
}
