/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-meter-link-private.h"

/*
 * The DL/T 645 link's receive path, without I/O: bytes in, the reply to
 * our request out. Preamble, noise, broken frames, our own echo and other
 * meters' frames are skipped (the codec resyncs on 68H…68H); a frame
 * counts as the reply only if it comes from a slave, from the meter asked
 * (unless we asked the wildcard), with the function asked, and, for
 * normal replies that carry one, the data identifier asked.
 */

void
_md_dlt645_rx_init (MdDlt645Rx            *rx,
                    const MdDlt645Address *address,
                    guint8                 function,
                    guint32                di,
                    gboolean               check_di)
{
  memset (rx, 0, sizeof *rx);
  rx->address = *address;
  rx->any_address = memcmp (address, &md_dlt645_address_wildcard, sizeof *address) == 0;
  rx->function = function;
  rx->di = di;
  rx->check_di = check_di;
}

static gboolean
is_our_reply (const MdDlt645Rx    *rx,
              const MdDlt645Frame *f)
{
  if (!f->from_slave || f->function != rx->function)
    return FALSE;
  if (!rx->any_address && memcmp (&f->address, &rx->address, sizeof f->address) != 0)
    return FALSE;
  if (rx->check_di && !f->abnormal &&
      (f->length < 4 || md_dlt645_frame_get_di (f) != rx->di))
    return FALSE;
  return TRUE;
}

static void
drop (MdDlt645Rx *rx,
      gsize       n)
{
  n = MIN (n, rx->len);
  memmove (rx->buf, rx->buf + n, rx->len - n);
  rx->len -= n;
}

/**
 * _md_dlt645_rx_feed:
 * @rx: the receive state of one request
 * @data: bytes just read
 * @len: how many
 * @out_frame: (out): the reply, when %MD_DLT645_RX_DONE
 *
 * Returns: %MD_DLT645_RX_DONE when @out_frame is the reply (normal or
 *   error); bytes after it stay in @rx
 */
MdDlt645RxStatus
_md_dlt645_rx_feed (MdDlt645Rx     *rx,
                    const guint8   *data,
                    gsize           len,
                    MdDlt645Frame  *out_frame)
{
  gboolean more = TRUE;

  while (more)
    {
      gsize room = sizeof rx->buf - rx->len;
      gsize take = MIN (room, len);

      if (take == 0 && len > 0)
        {
          /* Cannot happen with well-formed input: a pending frame is at
           * most MD_DLT645_FRAME_MAX bytes. Keep the newest half. */
          drop (rx, rx->len / 2);
          continue;
        }
      memcpy (rx->buf + rx->len, data, take);
      rx->len += take;
      data += take;
      len -= take;
      more = len > 0;

      for (;;)
        {
          gsize consumed = 0;
          MdDlt645Decode d = md_dlt645_decode (rx->buf, rx->len, out_frame, &consumed, NULL);

          drop (rx, consumed);
          if (d == MD_DLT645_DECODE_NEED_MORE)
            break;
          if (d == MD_DLT645_DECODE_BAD)
            {
              rx->bad_frames++;
              continue;
            }
          if (is_our_reply (rx, out_frame))
            return MD_DLT645_RX_DONE;
          rx->stray_frames++;
        }
    }
  return MD_DLT645_RX_NEED_MORE;
}

/**
 * _md_dlt645_reply_check:
 * @frame: our reply
 * @error: the meter's refusal, translated
 *
 * Returns: %FALSE for an error reply
 */
gboolean
_md_dlt645_reply_check (const MdDlt645Frame  *frame,
                        GError              **error)
{
  g_autofree char *what = NULL;
  MdMeterError code = MD_METER_ERROR_REFUSED;

  if (!frame->abnormal)
    return TRUE;

  switch (frame->reply_error)
    {
    case MD_DLT645_REPLY_ERROR_ERR:
      what = md_dlt645_err_describe ((guint8) frame->error_code);
      if (frame->error_code & MD_DLT645_ERR_PASSWORD)
        code = MD_METER_ERROR_DENIED;
      else if (frame->error_code & MD_DLT645_ERR_NO_DATA)
        code = MD_METER_ERROR_UNSUPPORTED;
      break;
    case MD_DLT645_REPLY_ERROR_CONTROL:
      what = md_dlt645_control_error_describe (frame->error_code);
      if (frame->error_code & (0x0002 | 0x0004))
        code = MD_METER_ERROR_DENIED;
      break;
    case MD_DLT645_REPLY_ERROR_SECURITY:
      what = md_dlt645_security_error_describe (frame->error_code);
      if (frame->error_code & (0x0004 | 0x0008))
        code = MD_METER_ERROR_DENIED;
      break;
    case MD_DLT645_REPLY_ERROR_NONE:
    default:
      what = g_strdup (_("unspecified error"));
      break;
    }
  g_set_error (error, MD_METER_ERROR, code, _("The meter refused (%02XH): %s"), frame->control,
               what);
  return FALSE;
}

/**
 * _md_dlt645_follow_up_append:
 * @acc: the data assembled so far
 * @frame: a normal reply to 12H: DI, data, then the frame's sequence byte
 * @di: the data identifier being read
 * @seq: the sequence number asked for
 * @error: return location for a #GError
 *
 * Returns: %FALSE if @frame is not the follow-up asked for
 */
gboolean
_md_dlt645_follow_up_append (GByteArray           *acc,
                             const MdDlt645Frame  *frame,
                             guint32               di,
                             guint8                seq,
                             GError              **error)
{
  if (frame->abnormal || frame->function != MD_DLT645_FN_READ_FOLLOW_UP || frame->length < 5 ||
      md_dlt645_frame_get_di (frame) != di || frame->data[frame->length - 1] != seq)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL,
                   _("Follow-up frame %u of %08X does not fit"), seq, di);
      return FALSE;
    }
  if (acc->len + frame->length - 5u > 4096)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL,
                   _("The meter sends more follow-up data than any value has"));
      return FALSE;
    }
  g_byte_array_append (acc, frame->data + 4, frame->length - 5u);
  return TRUE;
}
