/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-dlt645.h"
#include "md-dlt645-private.h"

G_DEFINE_QUARK (md-dlt645-error-quark, md_dlt645_error)

#define FRAME_START 0x68
#define FRAME_END   0x16
#define PREAMBLE    0xFE
#define SCRAMBLE    0x33

const MdDlt645Address md_dlt645_address_wildcard = { { 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA } };
const MdDlt645Address md_dlt645_address_broadcast = { { 0x99, 0x99, 0x99, 0x99, 0x99, 0x99 } };

static guint8
checksum (const guint8 *p,
          gsize         len)
{
  guint8 sum = 0;

  for (gsize i = 0; i < len; i++)
    sum += p[i];
  return sum;
}

static void
put_di (guint8  *out,
        guint32  di)
{
  out[0] = di & 0xFF;
  out[1] = (di >> 8) & 0xFF;
  out[2] = (di >> 16) & 0xFF;
  out[3] = (di >> 24) & 0xFF;
}

/* Digits (and, with @hex_ok, A–F) into bytes least significant first:
 * "123456" → 56 34 12. */
static gboolean
digits_to_bytes (const char *text,
                 gboolean    hex_ok,
                 guint8     *out,
                 gsize       n_bytes)
{
  if (text == NULL || strlen (text) != n_bytes * 2)
    return FALSE;

  for (gsize i = 0; i < n_bytes; i++)
    {
      const char *pair = text + 2 * (n_bytes - 1 - i);
      int hi = g_ascii_xdigit_value (pair[0]);
      int lo = g_ascii_xdigit_value (pair[1]);

      if (hi < 0 || lo < 0 || (!hex_ok && (hi > 9 || lo > 9)))
        return FALSE;
      out[i] = (guint8) ((hi << 4) | lo);
    }
  return TRUE;
}

static gboolean
check_date_time (const MdDlt645DateTime  *t,
                 GError                 **error)
{
  if (t->year < 2000 || t->year > 2099 ||
      t->month < 1 || t->month > 12 ||
      t->day < 1 || t->day > 31 ||
      t->hour > 23 || t->minute > 59 || t->second > 59)
    {
      g_set_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_RANGE,
                   _("Date %u-%02u-%02u %02u:%02u:%02u cannot be sent to a meter"),
                   t->year, t->month, t->day, t->hour, t->minute, t->second);
      return FALSE;
    }
  return TRUE;
}

/* ss mm hh DD MM YY, seconds first (PROTOCOLS.md A.2 08H, A.3 N3..N8). */
static void
put_date_time (guint8                 *out,
               const MdDlt645DateTime *t)
{
  out[0] = _md_dlt645_to_bcd (t->second);
  out[1] = _md_dlt645_to_bcd (t->minute);
  out[2] = _md_dlt645_to_bcd (t->hour);
  out[3] = _md_dlt645_to_bcd (t->day);
  out[4] = _md_dlt645_to_bcd (t->month);
  out[5] = _md_dlt645_to_bcd (t->year % 100);
}

static void
put_auth (guint8             *out,
          const MdDlt645Auth *auth)
{
  out[0] = auth->level;
  memcpy (out + 1, auth->password, 3);
  memcpy (out + 4, auth->operator_code, 4);
}

/* Error words the reply carries, by function and L (PROTOCOLS.md A.2). A
 * DCH or C3H reply with L = 1 is the generic ERR: 3JL sends that for a
 * control refused without the ciphertext path. */
static gboolean
read_reply_error (MdDlt645Frame  *frame,
                  GError        **error)
{
  if (!frame->from_slave)
    return TRUE;

  if (frame->abnormal)
    {
      if (frame->length == 1)
        {
          frame->reply_error = MD_DLT645_REPLY_ERROR_ERR;
          frame->error_code = frame->data[0];
          return TRUE;
        }
      if (frame->length == 2 &&
          (frame->function == MD_DLT645_FN_CONTROL || frame->function == MD_DLT645_FN_SECURITY))
        {
          frame->reply_error = frame->function == MD_DLT645_FN_CONTROL
                               ? MD_DLT645_REPLY_ERROR_CONTROL
                               : MD_DLT645_REPLY_ERROR_SECURITY;
          frame->error_code = (guint16) (frame->data[0] | (frame->data[1] << 8));
          return TRUE;
        }
      g_set_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_MALFORMED,
                   _("Error reply %02XH carries %u data bytes; expected 1 or 2"),
                   frame->control, frame->length);
      return FALSE;
    }

  if (frame->function == MD_DLT645_FN_CONTROL)
    {
      if (frame->length == 2)
        {
          frame->has_exec_info = TRUE;
          frame->exec_info = (guint16) (frame->data[0] | (frame->data[1] << 8));
        }
      else if (frame->length != 0)
        {
          g_set_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_MALFORMED,
                       _("Control reply %02XH carries %u data bytes; expected 0 or 2"),
                       frame->control, frame->length);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * md_dlt645_address_parse:
 * @text: 12 decimal digits, most significant first ("202411110002"), or
 *   "AAAAAAAAAAAA" for the wildcard
 * @out_address: (out): the address in wire order
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
md_dlt645_address_parse (const char       *text,
                         MdDlt645Address  *out_address,
                         GError          **error)
{
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_address != NULL, FALSE);

  if (g_ascii_strcasecmp (text, "AAAAAAAAAAAA") == 0)
    {
      *out_address = md_dlt645_address_wildcard;
      return TRUE;
    }
  if (!digits_to_bytes (text, FALSE, out_address->bytes, MD_DLT645_ADDRESS_LEN))
    {
      g_autofree char *shown = g_utf8_make_valid (text, MIN (strlen (text), 32));

      g_set_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_ADDRESS,
                   _("Meter address “%s” is not 12 digits"), shown);
      return FALSE;
    }
  return TRUE;
}

/**
 * md_dlt645_address_format:
 * @address: an address
 * @out_text: (out caller-allocates): 12 characters and a NUL; digits for a
 *   BCD address, hex digits (AAAAAAAAAAAA…) otherwise
 */
void
md_dlt645_address_format (const MdDlt645Address *address,
                          char                   out_text[13])
{
  static const char hex[] = "0123456789ABCDEF";

  for (guint i = 0; i < MD_DLT645_ADDRESS_LEN; i++)
    {
      guint8 b = address->bytes[MD_DLT645_ADDRESS_LEN - 1 - i];

      out_text[2 * i] = hex[b >> 4];
      out_text[2 * i + 1] = hex[b & 0x0F];
    }
  out_text[12] = '\0';
}

/**
 * md_dlt645_address_is_bcd:
 * @address: an address
 *
 * Returns: %TRUE if every byte is two decimal digits (a meter number, or
 *   the broadcast 99…99), %FALSE for the AA…AA wildcard and the like
 */
gboolean
md_dlt645_address_is_bcd (const MdDlt645Address *address)
{
  for (guint i = 0; i < MD_DLT645_ADDRESS_LEN; i++)
    if (!_md_dlt645_is_bcd_byte (address->bytes[i]))
      return FALSE;
  return TRUE;
}

/**
 * md_dlt645_auth_parse:
 * @level: PA
 * @password: 6 hex digits, most significant first ("123456")
 * @operator_code: 8 hex digits, most significant first ("00000000")
 * @out_auth: (out): the block in wire order
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
md_dlt645_auth_parse (guint8         level,
                      const char    *password,
                      const char    *operator_code,
                      MdDlt645Auth  *out_auth,
                      GError       **error)
{
  g_return_val_if_fail (out_auth != NULL, FALSE);

  out_auth->level = level;
  /* The password itself never goes into a message. */
  if (!digits_to_bytes (password, TRUE, out_auth->password, 3))
    {
      g_set_error_literal (error, MD_DLT645_ERROR, MD_DLT645_ERROR_RANGE,
                           _("The meter password must be 6 hex digits"));
      return FALSE;
    }
  if (!digits_to_bytes (operator_code, TRUE, out_auth->operator_code, 4))
    {
      g_set_error_literal (error, MD_DLT645_ERROR, MD_DLT645_ERROR_RANGE,
                           _("The operator code must be 8 hex digits"));
      return FALSE;
    }
  return TRUE;
}

/**
 * md_dlt645_build:
 * @address: the meter address
 * @control: the control code C
 * @data: (array length=data_len) (nullable): DATA before scrambling
 * @data_len: 0..255
 * @flags: whether to send the FE wake-up preamble
 * @error: return location for a #GError
 *
 * Frames @data: `68 A0..A5 68 C L DATA+33H CS 16`.
 *
 * Returns: (transfer full): the bytes to send, or %NULL if @data is too long
 */
GBytes *
md_dlt645_build (const MdDlt645Address  *address,
                 guint8                  control,
                 const guint8           *data,
                 gsize                   data_len,
                 MdDlt645BuildFlags      flags,
                 GError                **error)
{
  guint8 frame[MD_DLT645_FRAME_MAX];
  gsize pre = (flags & MD_DLT645_BUILD_PREAMBLE) ? MD_DLT645_PREAMBLE_LEN : 0;
  guint8 *f = frame + pre;

  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (data != NULL || data_len == 0, NULL);

  if (data_len > MD_DLT645_DATA_MAX)
    {
      g_set_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_TOO_LONG,
                   _("%lu data bytes do not fit in one frame (at most 255)"),
                   (gulong) data_len);
      return NULL;
    }

  memset (frame, PREAMBLE, pre);
  f[0] = FRAME_START;
  memcpy (f + 1, address->bytes, MD_DLT645_ADDRESS_LEN);
  f[7] = FRAME_START;
  f[8] = control;
  f[9] = (guint8) data_len;
  for (gsize i = 0; i < data_len; i++)
    f[10 + i] = (guint8) (data[i] + SCRAMBLE);
  f[10 + data_len] = checksum (f, 10 + data_len);
  f[11 + data_len] = FRAME_END;

  return g_bytes_new (frame, pre + MD_DLT645_OVERHEAD + data_len);
}

/**
 * md_dlt645_build_read:
 * @address: the meter address
 * @di: the data identifier
 * @params: (array length=params_len) (nullable): optional parameters after
 *   the DI (load-profile reads and the like)
 * @params_len: their length
 * @flags: build flags
 * @error: return location for a #GError
 *
 * Read data, 11H.
 *
 * Returns: (transfer full): the request, or %NULL if @params is too long
 */
GBytes *
md_dlt645_build_read (const MdDlt645Address  *address,
                      guint32                 di,
                      const guint8           *params,
                      gsize                   params_len,
                      MdDlt645BuildFlags      flags,
                      GError                **error)
{
  guint8 data[MD_DLT645_DATA_MAX];

  g_return_val_if_fail (params != NULL || params_len == 0, NULL);

  if (params_len > MD_DLT645_DATA_MAX - 4)
    {
      g_set_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_TOO_LONG,
                   _("%lu data bytes do not fit in one frame (at most 255)"),
                   (gulong) params_len + 4);
      return NULL;
    }
  put_di (data, di);
  if (params_len > 0)
    memcpy (data + 4, params, params_len);
  return md_dlt645_build (address, MD_DLT645_FN_READ, data, 4 + params_len, flags, error);
}

/**
 * md_dlt645_build_read_follow_up:
 * @address: the meter address
 * @di: the data identifier being read
 * @seq: the frame sequence number
 * @flags: build flags
 *
 * Read follow-up data, 12H, after a reply with D5 set.
 *
 * Returns: (transfer full): the request
 */
GBytes *
md_dlt645_build_read_follow_up (const MdDlt645Address *address,
                                guint32                di,
                                guint8                 seq,
                                MdDlt645BuildFlags     flags)
{
  guint8 data[5];

  put_di (data, di);
  data[4] = seq;
  return md_dlt645_build (address, MD_DLT645_FN_READ_FOLLOW_UP, data, sizeof data, flags, NULL);
}

/**
 * md_dlt645_build_read_address:
 * @flags: build flags
 *
 * Read communication address, 13H, to the wildcard AA…AA.
 *
 * Returns: (transfer full): the request
 */
GBytes *
md_dlt645_build_read_address (MdDlt645BuildFlags flags)
{
  return md_dlt645_build (&md_dlt645_address_wildcard, MD_DLT645_FN_READ_ADDRESS,
                          NULL, 0, flags, NULL);
}

/**
 * md_dlt645_build_write:
 * @address: the meter address
 * @di: the data identifier
 * @auth: PA, password and operator code
 * @value: (array length=value_len): the value, already encoded
 * @value_len: its length
 * @flags: build flags
 * @error: return location for a #GError
 *
 * Write data, 14H: `DI(4) PA P0-P2 C0-C3 value`.
 *
 * Returns: (transfer full): the request, or %NULL if @value is too long
 */
GBytes *
md_dlt645_build_write (const MdDlt645Address  *address,
                       guint32                 di,
                       const MdDlt645Auth     *auth,
                       const guint8           *value,
                       gsize                   value_len,
                       MdDlt645BuildFlags      flags,
                       GError                **error)
{
  guint8 data[MD_DLT645_DATA_MAX];

  g_return_val_if_fail (auth != NULL, NULL);
  g_return_val_if_fail (value != NULL || value_len == 0, NULL);

  if (value_len > MD_DLT645_DATA_MAX - 12)
    {
      g_set_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_TOO_LONG,
                   _("%lu data bytes do not fit in one frame (at most 255)"),
                   (gulong) value_len + 12);
      return NULL;
    }
  put_di (data, di);
  put_auth (data + 4, auth);
  if (value_len > 0)
    memcpy (data + 12, value, value_len);
  return md_dlt645_build (address, MD_DLT645_FN_WRITE, data, 12 + value_len, flags, error);
}

/**
 * md_dlt645_build_control:
 * @address: the meter address
 * @auth: PA, password and operator code
 * @command: N1
 * @n2: N2: reserved (0), or the resume time in 5-minute units for 1DH/1EH
 * @deadline: N3..N8, the time after which the meter must refuse the command
 * @flags: build flags
 * @error: return location for a #GError
 *
 * Trip, close, alarm and keep-power control, 1CH, with the 16-byte block
 * `PA P0-P2 C0-C3 N1 N2 ss mm hh DD MM YY` (PROTOCOLS.md A.3).
 *
 * Returns: (transfer full): the request, or %NULL for an impossible deadline
 */
GBytes *
md_dlt645_build_control (const MdDlt645Address   *address,
                         const MdDlt645Auth      *auth,
                         MdDlt645ControlCommand   command,
                         guint8                   n2,
                         const MdDlt645DateTime  *deadline,
                         MdDlt645BuildFlags       flags,
                         GError                 **error)
{
  guint8 data[16];

  g_return_val_if_fail (auth != NULL, NULL);
  g_return_val_if_fail (deadline != NULL, NULL);

  if (!check_date_time (deadline, error))
    return NULL;
  put_auth (data, auth);
  data[8] = (guint8) command;
  data[9] = n2;
  put_date_time (data + 10, deadline);
  return md_dlt645_build (address, MD_DLT645_FN_CONTROL, data, sizeof data, flags, error);
}

/**
 * md_dlt645_build_broadcast_time:
 * @now: the time to set
 * @flags: build flags
 * @error: return location for a #GError
 *
 * Broadcast time, 08H, to 99…99 with 6 bytes `ss mm hh DD MM YY` (the
 * 5-byte variant of one public implementation conflicts with 3JL's slave).
 * Meters do not reply.
 *
 * Returns: (transfer full): the request, or %NULL for an impossible time
 */
GBytes *
md_dlt645_build_broadcast_time (const MdDlt645DateTime  *now,
                                MdDlt645BuildFlags       flags,
                                GError                 **error)
{
  guint8 data[6];

  g_return_val_if_fail (now != NULL, NULL);

  if (!check_date_time (now, error))
    return NULL;
  put_date_time (data, now);
  return md_dlt645_build (&md_dlt645_address_broadcast, MD_DLT645_FN_BROADCAST_TIME,
                          data, sizeof data, flags, error);
}

/**
 * md_dlt645_build_freeze:
 * @address: the meter address, or 99…99
 * @when: the 4 data bytes as sent before scrambling. 600888 names them
 *   mmhhDDMM and 3JL reads 99 99 99 99 as "freeze now"; the field meaning is
 *   not verified, so the caller supplies the bytes.
 * @flags: build flags
 *
 * Freeze, 16H.
 *
 * Returns: (transfer full): the request
 */
GBytes *
md_dlt645_build_freeze (const MdDlt645Address *address,
                        const guint8           when[4],
                        MdDlt645BuildFlags     flags)
{
  g_return_val_if_fail (when != NULL, NULL);

  return md_dlt645_build (address, MD_DLT645_FN_FREEZE, when, 4, flags, NULL);
}

/**
 * md_dlt645_build_change_baud:
 * @address: the meter address
 * @z: the baud-rate bit field: %MD_DLT645_BAUD_2400, %MD_DLT645_BAUD_4800,
 *   %MD_DLT645_BAUD_9600, or a raw value for the unverified bits
 * @flags: build flags
 *
 * Change baud rate, 17H.
 *
 * Returns: (transfer full): the request
 */
GBytes *
md_dlt645_build_change_baud (const MdDlt645Address *address,
                             guint8                 z,
                             MdDlt645BuildFlags     flags)
{
  return md_dlt645_build (address, MD_DLT645_FN_CHANGE_BAUD, &z, 1, flags, NULL);
}

/**
 * md_dlt645_decode:
 * @buf: (array length=len): bytes received
 * @len: their number
 * @out_frame: (out): the frame; on %MD_DLT645_DECODE_BAD it is filled as far
 *   as the bytes allowed, for diagnostics only
 * @out_consumed: (out): bytes the caller may drop: through the 16H on OK,
 *   the noise before a possible frame start on NEED_MORE, through the bad
 *   frame's first 68H (or its 16H for %MD_DLT645_ERROR_MALFORMED) on BAD
 * @error: return location for a #GError, set on %MD_DLT645_DECODE_BAD only
 *
 * Finds the first frame in @buf. Any number of FEH and other bytes before
 * `68 A0..A5 68` are skipped. L is checked against @len, then CS (the sum of
 * the bytes from the first 68H to the last data byte), then the final 16H.
 * Never reads outside @buf.
 *
 * A frame start that is only noise (68 … 68 with a wrong L) makes the
 * decoder wait for bytes that never come. When a link's reply timeout
 * expires on NEED_MORE with `out_frame->size > 0`, drop `consumed + 1`
 * bytes and decode the rest again.
 *
 * Returns: the outcome
 */
MdDlt645Decode
md_dlt645_decode (const guint8   *buf,
                  gsize           len,
                  MdDlt645Frame  *out_frame,
                  gsize          *out_consumed,
                  GError        **error)
{
  g_return_val_if_fail (buf != NULL || len == 0, MD_DLT645_DECODE_NEED_MORE);
  g_return_val_if_fail (out_frame != NULL, MD_DLT645_DECODE_NEED_MORE);
  g_return_val_if_fail (out_consumed != NULL, MD_DLT645_DECODE_NEED_MORE);

  memset (out_frame, 0, sizeof *out_frame);

  for (gsize i = 0; i < len; i++)
    {
      const guint8 *f = buf + i;
      gsize avail = len - i;
      guint8 l;

      if (f[0] != FRAME_START)
        continue;
      if (avail >= 8 && f[7] != FRAME_START)
        continue;

      out_frame->start = i;
      *out_consumed = i;
      if (avail < 10)
        return MD_DLT645_DECODE_NEED_MORE;

      l = f[9];
      out_frame->size = MD_DLT645_OVERHEAD + l;
      if (avail < out_frame->size)
        return MD_DLT645_DECODE_NEED_MORE;

      memcpy (out_frame->address.bytes, f + 1, MD_DLT645_ADDRESS_LEN);
      out_frame->control = f[8];
      out_frame->function = f[8] & MD_DLT645_C_FUNCTION;
      out_frame->follow_up = (f[8] & MD_DLT645_C_FOLLOW_UP) != 0;
      out_frame->abnormal = (f[8] & MD_DLT645_C_ABNORMAL) != 0;
      out_frame->from_slave = (f[8] & MD_DLT645_C_FROM_SLAVE) != 0;
      out_frame->length = l;
      for (guint j = 0; j < l; j++)
        out_frame->data[j] = (guint8) (f[10 + j] - SCRAMBLE);
      out_frame->checksum = f[10 + l];
      out_frame->checksum_expected = checksum (f, 10 + (gsize) l);

      if (out_frame->checksum != out_frame->checksum_expected)
        {
          *out_consumed = i + 1;
          g_set_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_CHECKSUM,
                       _("Bad checksum: the frame says %02X, its bytes sum to %02X"),
                       out_frame->checksum, out_frame->checksum_expected);
          return MD_DLT645_DECODE_BAD;
        }
      if (f[11 + l] != FRAME_END)
        {
          *out_consumed = i + 1;
          g_set_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_END,
                       _("The frame ends with %02X instead of 16"), f[11 + l]);
          return MD_DLT645_DECODE_BAD;
        }

      *out_consumed = i + out_frame->size;
      if (!read_reply_error (out_frame, error))
        return MD_DLT645_DECODE_BAD;
      return MD_DLT645_DECODE_OK;
    }

  out_frame->start = len;
  *out_consumed = len;
  return MD_DLT645_DECODE_NEED_MORE;
}

/**
 * md_dlt645_frame_get_di:
 * @frame: a decoded frame with at least 4 data bytes
 *
 * Returns: the data identifier at the start of @frame's data, or 0 if it
 *   carries fewer than 4 bytes
 */
guint32
md_dlt645_frame_get_di (const MdDlt645Frame *frame)
{
  g_return_val_if_fail (frame != NULL, 0);

  if (frame->length < 4)
    return 0;
  return (guint32) frame->data[0] | ((guint32) frame->data[1] << 8) |
         ((guint32) frame->data[2] << 16) | ((guint32) frame->data[3] << 24);
}
