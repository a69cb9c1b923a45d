/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-modbus-frame.h"

G_DEFINE_QUARK (md-modbus-error-quark, md_modbus_error)

/* Quantity limits of the Modbus Application Protocol 1.1b3. */
#define MAX_READ_BITS       2000
#define MAX_READ_REGISTERS  125
#define MAX_WRITE_BITS      1968
#define MAX_WRITE_REGISTERS 123

static guint16
get_u16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static gboolean
in_range (guint v,
          guint max)
{
  return v >= 1 && v <= max;
}

/* 01H–04H: request `unit fn addr(2) qty(2) crc` = 8 bytes; reply
 * `unit fn n data(n) crc` = 5 + n bytes. A 03H/04H reply has an even n,
 * so 8 bytes is always a request there. */
static gboolean
decode_read (const guint8  *buf,
             gsize          len,
             MdModbusFrame *f)
{
  gboolean registers = f->function >= MD_MODBUS_FC_READ_HOLDING_REGISTERS;
  guint max = registers ? MAX_READ_REGISTERS : MAX_READ_BITS;
  gboolean request = len == 8 && in_range (get_u16 (buf + 4), max);
  gboolean reply = len >= 6 && buf[2] == len - 5 && (!registers || buf[2] % 2 == 0);

  if (request)
    {
      f->address = get_u16 (buf + 2);
      f->quantity = get_u16 (buf + 4);
    }
  if (reply)
    {
      f->byte_count = buf[2];
      memcpy (f->data, buf + 3, buf[2]);
    }
  f->kind = request && reply ? MD_MODBUS_FRAME_AMBIGUOUS
            : request ? MD_MODBUS_FRAME_REQUEST : MD_MODBUS_FRAME_REPLY;
  return request || reply;
}

/* 05H/06H: `unit fn addr(2) value(2) crc` both ways: the reply echoes. */
static gboolean
decode_write_single (const guint8  *buf,
                     gsize          len,
                     MdModbusFrame *f)
{
  if (len != 8)
    return FALSE;
  f->address = get_u16 (buf + 2);
  f->value = get_u16 (buf + 4);
  f->kind = MD_MODBUS_FRAME_AMBIGUOUS;
  /* A coil is written with FF00H (on) or 0000H (off), nothing else. */
  return f->function != MD_MODBUS_FC_WRITE_SINGLE_COIL || f->value == 0xFF00 || f->value == 0;
}

/* 0FH/10H: request `unit fn addr qty n data(n) crc` = 9 + n; reply
 * `unit fn addr qty crc` = 8. */
static gboolean
decode_write_multiple (const guint8  *buf,
                       gsize          len,
                       MdModbusFrame *f)
{
  gboolean registers = f->function == MD_MODBUS_FC_WRITE_MULTIPLE_REGISTERS;
  guint max = registers ? MAX_WRITE_REGISTERS : MAX_WRITE_BITS;
  guint qty;

  if (len < 8)
    return FALSE;
  qty = get_u16 (buf + 4);
  if (!in_range (qty, max))
    return FALSE;
  f->address = get_u16 (buf + 2);
  f->quantity = (guint16) qty;
  if (len == 8)
    {
      f->kind = MD_MODBUS_FRAME_REPLY;
      return TRUE;
    }
  if (len < 10 || buf[6] != len - 9 || buf[6] != (registers ? 2 * qty : (qty + 7) / 8))
    return FALSE;
  f->kind = MD_MODBUS_FRAME_REQUEST;
  f->byte_count = buf[6];
  memcpy (f->data, buf + 7, buf[6]);
  return TRUE;
}

/**
 * md_modbus_crc16:
 * @data: (array length=len): the bytes
 * @len: their number
 *
 * CRC-16/MODBUS: reflected polynomial A001H, initial value FFFFH. The wire
 * carries the result low byte first: `01 03 00 00 00 0A` → CRC CDC5H,
 * sent `C5 CD`.
 *
 * Returns: the CRC
 */
guint16
md_modbus_crc16 (const guint8 *data,
                 gsize         len)
{
  guint16 crc = 0xFFFF;

  g_return_val_if_fail (data != NULL || len == 0, 0);

  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (guint bit = 0; bit < 8; bit++)
        crc = (crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1;
    }
  return crc;
}

/**
 * md_modbus_frame_decode:
 * @buf: (array length=len): one RTU frame, CRC included
 * @len: its length
 * @out_frame: (out): the frame; on failure filled as far as the bytes
 *   allowed, for diagnostics only
 * @error: return location for a #GError
 *
 * Decodes a request, reply or exception reply of 01H–06H, 0FH or 10H and
 * says which it is when the length tells.
 *
 * Returns: %TRUE if the frame is well-formed and its CRC matches
 */
gboolean
md_modbus_frame_decode (const guint8   *buf,
                        gsize           len,
                        MdModbusFrame  *out_frame,
                        GError        **error)
{
  gboolean fits = FALSE;

  g_return_val_if_fail (buf != NULL || len == 0, FALSE);
  g_return_val_if_fail (out_frame != NULL, FALSE);

  memset (out_frame, 0, sizeof *out_frame);
  out_frame->size = len;

  if (len < 5)
    {
      g_set_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_TOO_SHORT,
                   _("%lu bytes are too short for a Modbus RTU frame"), (gulong) len);
      return FALSE;
    }
  if (len > MD_MODBUS_RTU_MAX)
    {
      g_set_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_TOO_LONG,
                   _("%lu bytes are too long for a Modbus RTU frame (at most 256)"),
                   (gulong) len);
      return FALSE;
    }

  out_frame->unit = buf[0];
  out_frame->function = buf[1] & ~MD_MODBUS_EXCEPTION_BIT;
  out_frame->crc = (guint16) (buf[len - 2] | (buf[len - 1] << 8));
  out_frame->crc_expected = md_modbus_crc16 (buf, len - 2);

  if (buf[1] & MD_MODBUS_EXCEPTION_BIT)
    {
      out_frame->kind = MD_MODBUS_FRAME_EXCEPTION;
      out_frame->exception = buf[2];
      fits = len == 5;
    }
  else
    {
      switch (out_frame->function)
        {
        case MD_MODBUS_FC_READ_COILS:
        case MD_MODBUS_FC_READ_DISCRETE_INPUTS:
        case MD_MODBUS_FC_READ_HOLDING_REGISTERS:
        case MD_MODBUS_FC_READ_INPUT_REGISTERS:
          fits = decode_read (buf, len, out_frame);
          break;
        case MD_MODBUS_FC_WRITE_SINGLE_COIL:
        case MD_MODBUS_FC_WRITE_SINGLE_REGISTER:
          fits = decode_write_single (buf, len, out_frame);
          break;
        case MD_MODBUS_FC_WRITE_MULTIPLE_COILS:
        case MD_MODBUS_FC_WRITE_MULTIPLE_REGISTERS:
          fits = decode_write_multiple (buf, len, out_frame);
          break;
        default:
          if (out_frame->crc != out_frame->crc_expected)
            break;
          g_set_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_FUNCTION,
                       _("Function %02XH is not one this decoder knows"), out_frame->function);
          return FALSE;
        }
    }

  /* A bad CRC says the bytes are damaged, whatever else looks wrong. */
  if (out_frame->crc != out_frame->crc_expected)
    {
      g_set_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_CRC,
                   _("Bad CRC: the frame says %02X %02X, its bytes give %02X %02X"),
                   out_frame->crc & 0xFF, out_frame->crc >> 8,
                   out_frame->crc_expected & 0xFF, out_frame->crc_expected >> 8);
      return FALSE;
    }
  if (!fits)
    {
      g_set_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_LENGTH,
                   _("%lu bytes fit neither a request nor a reply of function %02XH"),
                   (gulong) len, buf[1]);
      return FALSE;
    }
  return TRUE;
}

/**
 * md_modbus_function_name:
 * @function: a function code without the exception bit
 *
 * Returns: (nullable): its translated name, or %NULL if not decoded here
 */
const char *
md_modbus_function_name (guint8 function)
{
  switch (function)
    {
    case MD_MODBUS_FC_READ_COILS:               return _("read coils");
    case MD_MODBUS_FC_READ_DISCRETE_INPUTS:     return _("read discrete inputs");
    case MD_MODBUS_FC_READ_HOLDING_REGISTERS:   return _("read holding registers");
    case MD_MODBUS_FC_READ_INPUT_REGISTERS:     return _("read input registers");
    case MD_MODBUS_FC_WRITE_SINGLE_COIL:        return _("write single coil");
    case MD_MODBUS_FC_WRITE_SINGLE_REGISTER:    return _("write single register");
    case MD_MODBUS_FC_WRITE_MULTIPLE_COILS:     return _("write multiple coils");
    case MD_MODBUS_FC_WRITE_MULTIPLE_REGISTERS: return _("write multiple registers");
    default:                                    return NULL;
    }
}

/**
 * md_modbus_exception_name:
 * @code: an exception code
 *
 * Returns: (nullable): its translated name, or %NULL for 00H, 09H and
 *   codes above 0BH, which the protocol does not define
 */
const char *
md_modbus_exception_name (guint8 code)
{
  switch (code)
    {
    case 0x01: return _("illegal function");
    case 0x02: return _("illegal data address");
    case 0x03: return _("illegal data value");
    case 0x04: return _("server device failure");
    case 0x05: return _("acknowledge");
    case 0x06: return _("server device busy");
    case 0x07: return _("negative acknowledge");
    case 0x08: return _("memory parity error");
    case 0x0A: return _("gateway path unavailable");
    case 0x0B: return _("gateway target device failed to respond");
    default:   return NULL;
    }
}
