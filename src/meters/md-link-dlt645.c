/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-meter-link-private.h"

/*
 * DL/T 645-2007 master over a serial port: the FEH preamble before each
 * request, the inter-frame silence, the receive path of md-dlt645-rx.c,
 * retries for what may be repeated, follow-up frames (12H) assembled.
 */

#define MAX_FOLLOW_UPS 32
#define WAKE_IDLE_US   (60 * G_USEC_PER_SEC)

struct _MdDlt645Link
{
  const MdMeterBusSettings *settings;
  MdSerialIo               *io;
  gint64                    last_activity;
  gboolean                  ever_open;
};

MdDlt645Link *
_md_dlt645_link_new (const MdMeterBusSettings  *settings,
                     GError                   **error)
{
  MdDlt645Link *link = g_new0 (MdDlt645Link, 1);

  link->settings = settings;
  return link;
}

void
_md_dlt645_link_free (MdDlt645Link *link)
{
  if (link == NULL)
    return;
  _md_serial_io_close (link->io);
  g_free (link);
}

static gboolean
ensure_open (MdDlt645Link  *link,
             MdMeterOp     *op,
             GError       **error)
{
  if (link->io != NULL)
    return TRUE;
  link->io = _md_serial_io_open (link->settings, error);
  if (link->io == NULL)
    return FALSE;
  if (link->ever_open)
    op->stats->reconnects++;
  link->ever_open = TRUE;
  link->last_activity = 0;
  g_debug ("%s: DL/T 645 on %s through %s", link->settings->name, link->settings->device,
           _md_serial_io_backend (link->io));
  return TRUE;
}

static void
close_io (MdDlt645Link *link)
{
  g_clear_pointer (&link->io, _md_serial_io_close);
}

static gint64
wire_us (MdDlt645Link *link,
         gsize         bytes)
{
  return (gint64) bytes * md_meter_bus_settings_char_us (link->settings);
}

static gboolean
send_frame (MdDlt645Link  *link,
            MdMeterOp     *op,
            GBytes        *frame,
            GError       **error)
{
  const MdMeterBusSettings *s = link->settings;
  gsize len;
  const guint8 *bytes = g_bytes_get_data (frame, &len);
  g_autofree guint8 *wire = g_malloc (len + s->preamble);
  gint64 now = g_get_monotonic_time ();
  gint64 wait = link->last_activity + md_meter_bus_settings_gap_us (s) - now;

  if (link->last_activity > 0 && wait > 0)
    g_usleep ((gulong) wait);

  /* A meter asleep after a long silence gets the preamble alone first. */
  if (s->wake_up_ms > 0 && (link->last_activity == 0 ||
                            now - link->last_activity > WAKE_IDLE_US))
    {
      guint8 fe[8];

      memset (fe, 0xFE, sizeof fe);
      if (!_md_serial_io_write (link->io, fe, MAX (s->preamble, 4u), 1000, error))
        return FALSE;
      if (!_md_meter_op_sleep (op, s->wake_up_ms))
        return _md_meter_op_check (op, error);
    }

  memset (wire, 0xFE, s->preamble);
  memcpy (wire + s->preamble, bytes, len);
  _md_serial_io_flush_input (link->io);
  if (!_md_serial_io_write (link->io, wire, len + s->preamble,
                            (guint) (wire_us (link, len + s->preamble) / 1000) + 1000, error))
    return FALSE;
  link->last_activity = g_get_monotonic_time ();
  op->stats->exchanges++;
  return TRUE;
}

/* Reads until @rx has our reply. The first byte must come within the
 * response timeout; after each byte, the window stays open for the byte
 * timeout plus a character. Never past the operation's deadline. */
static gboolean
receive (MdDlt645Link   *link,
         MdMeterOp      *op,
         MdDlt645Rx     *rx,
         MdDlt645Frame  *out_frame,
         GError        **error)
{
  const MdMeterBusSettings *s = link->settings;
  gint64 until = g_get_monotonic_time () + (gint64) s->response_timeout_ms * 1000;
  guint8 buf[256];

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 stop = MIN (until, op->deadline);
      gssize n;

      if (now >= stop)
        break;
      n = _md_serial_io_read (link->io, buf, sizeof buf, (guint) MAX ((stop - now) / 1000, 1),
                              error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        continue;
      link->last_activity = g_get_monotonic_time ();
      until = MAX (until, link->last_activity + (gint64) s->byte_timeout_ms * 1000 +
                          wire_us (link, 1));
      if (_md_dlt645_rx_feed (rx, buf, (gsize) n, out_frame) == MD_DLT645_RX_DONE)
        {
          op->stats->stray_frames += rx->stray_frames;
          op->stats->protocol_errors += rx->bad_frames;
          return TRUE;
        }
    }

  op->stats->stray_frames += rx->stray_frames;
  op->stats->protocol_errors += rx->bad_frames;
  op->stats->timeouts++;
  if (rx->stray_frames > 0 || rx->bad_frames > 0)
    g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL,
                 _("No reply from the meter: only %u broken frames and %u frames that were "
                   "not its reply"), rx->bad_frames, rx->stray_frames);
  else
    g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_TIMEOUT,
                 _("The meter did not answer on %s"), s->device);
  return FALSE;
}

/**
 * _md_dlt645_link_exchange:
 * @request: the frame, without preamble
 * @kind: %MD_LINK_WRITE_ONCE for what must not be repeated blindly: one
 *   attempt, and a missing reply is %MD_METER_ERROR_UNCERTAIN
 *
 * Returns: %TRUE with @out_frame the meter's normal reply; %FALSE with the
 *   meter's refusal, a timeout or an I/O error
 */
gboolean
_md_dlt645_link_exchange (MdDlt645Link           *link,
                          MdMeterOp              *op,
                          GBytes                 *request,
                          const MdDlt645Address  *address,
                          guint8                  function,
                          guint32                 di,
                          gboolean                check_di,
                          MdLinkWrite             kind,
                          MdDlt645Frame          *out_frame,
                          GError                **error)
{
  g_autoptr(GError) last = NULL;
  guint attempts = kind == MD_LINK_WRITE_ONCE ? 1 : MAX (op->settings->retries, 1);
  gboolean sent = FALSE;

  for (guint attempt = 0; attempt < attempts; attempt++)
    {
      MdDlt645Rx rx;

      g_clear_error (&last);
      if (attempt > 0)
        {
          op->stats->retries++;
          if (!_md_meter_op_sleep (op, _md_meter_op_backoff_ms (op, attempt)))
            break;
        }
      if (!_md_meter_op_check (op, &last))
        break;
      if (_md_meter_op_remaining_ms (op) < 5)
        {
          g_set_error (&last, MD_METER_ERROR, MD_METER_ERROR_TIMEOUT,
                       _("The meter did not answer within the operation's %u ms"),
                       op->settings->budget_ms);
          break;
        }
      if (!ensure_open (link, op, &last))
        continue;
      if (!send_frame (link, op, request, &last))
        {
          close_io (link);
          continue;
        }
      sent = TRUE;
      _md_dlt645_rx_init (&rx, address, function, di, check_di);
      if (receive (link, op, &rx, out_frame, &last))
        {
          if (_md_dlt645_reply_check (out_frame, error))
            return TRUE;
          op->stats->refusals++;
          return FALSE;
        }
      if (last->code == MD_METER_ERROR_IO)
        close_io (link);
    }

  if (last == NULL)
    g_set_error (&last, MD_METER_ERROR, MD_METER_ERROR_TIMEOUT,
                 _("The meter did not answer within the operation's %u ms"),
                 op->settings->budget_ms);
  if (kind == MD_LINK_WRITE_ONCE && sent)
    {
      op->stats->uncertain_writes++;
      g_prefix_error (&last, "%s ", _("The meter may or may not have applied the write:"));
      last->code = MD_METER_ERROR_UNCERTAIN;
    }
  g_propagate_error (error, g_steal_pointer (&last));
  return FALSE;
}

/**
 * _md_dlt645_link_read:
 * @out_data: (out caller-allocates): the value's bytes, 33H taken off,
 *   follow-up frames appended
 *
 * Reads one data identifier with 11H, then 12H while the meter says more
 * follows.
 */
gboolean
_md_dlt645_link_read (MdDlt645Link           *link,
                      MdMeterOp              *op,
                      const MdDlt645Address  *address,
                      guint32                 di,
                      GByteArray             *out_data,
                      GError                **error)
{
  g_autoptr(GBytes) request = md_dlt645_build_read (address, di, NULL, 0,
                                                     MD_DLT645_BUILD_DEFAULT, error);
  MdDlt645Frame frame;
  gboolean more;

  if (request == NULL)
    return FALSE;
  if (!_md_dlt645_link_exchange (link, op, request, address, MD_DLT645_FN_READ, di, TRUE,
                                 MD_LINK_WRITE_IDEMPOTENT, &frame, error))
    return FALSE;
  g_byte_array_set_size (out_data, 0);
  g_byte_array_append (out_data, frame.data + 4, frame.length - 4u);
  more = frame.follow_up;

  for (guint seq = 1; more; seq++)
    {
      g_autoptr(GBytes) next = NULL;

      if (seq > MAX_FOLLOW_UPS)
        {
          g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL,
                       _("The meter sends more than %u follow-up frames"), MAX_FOLLOW_UPS);
          return FALSE;
        }
      next = md_dlt645_build_read_follow_up (address, di, (guint8) seq, MD_DLT645_BUILD_DEFAULT);
      if (!_md_dlt645_link_exchange (link, op, next, address, MD_DLT645_FN_READ_FOLLOW_UP, di,
                                     TRUE, MD_LINK_WRITE_IDEMPOTENT, &frame, error) ||
          !_md_dlt645_follow_up_append (out_data, &frame, di, (guint8) seq, error))
        return FALSE;
      more = frame.follow_up;
    }
  return TRUE;
}

/* A frame nobody answers (08H broadcast time). */
gboolean
_md_dlt645_link_send (MdDlt645Link  *link,
                      MdMeterOp     *op,
                      GBytes        *frame,
                      GError       **error)
{
  gsize len = g_bytes_get_size (frame);

  if (!_md_meter_op_check (op, error) || !ensure_open (link, op, error))
    return FALSE;
  if (!send_frame (link, op, frame, error))
    {
      close_io (link);
      return FALSE;
    }
  /* Every meter on the line acts on it: give them the frame's time again. */
  link->last_activity += wire_us (link, len);
  return TRUE;
}

/* Let a late reply arrive and drop it, until the line has been quiet for
 * a response timeout (within the budget). */
void
_md_dlt645_link_drain (MdDlt645Link *link,
                       MdMeterOp    *op)
{
  guint quiet_ms = MIN (op->settings->response_timeout_ms,
                        (guint) MAX (_md_meter_op_remaining_ms (op) / 4, 0));
  guint8 junk[256];

  if (link->io == NULL)
    return;
  for (;;)
    {
      gint64 left = _md_meter_op_remaining_ms (op);
      gssize n;

      if (left <= 0 || quiet_ms == 0)
        break;
      n = _md_serial_io_read (link->io, junk, sizeof junk, (guint) MIN ((gint64) quiet_ms, left),
                              NULL);
      if (n <= 0)
        break;
      link->last_activity = g_get_monotonic_time ();
    }
  _md_serial_io_flush_input (link->io);
}
