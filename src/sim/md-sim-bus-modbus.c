/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "md-modbus-frame.h"
#include "md-sim-bus-private.h"

/*
 * The simulator's Modbus slave: request framing for RTU, and the PDU
 * handling shared by RTU and TCP: 03H/04H read the map, 06H and 10H write
 * it, anything else is exception 01. Pure functions on a meter.
 */

/**
 * _md_sim_rtu_frame_length:
 * @buf: bytes received so far, a frame starting at @buf[0]
 * @len: how many
 *
 * Returns: the request's length once it is known, 0 if more bytes are
 *   needed to tell, -1 for a function this slave cannot frame
 */
gssize
_md_sim_rtu_frame_length (const guint8 *buf,
                          gsize         len)
{
  if (len < 2)
    return 0;
  switch (buf[1])
    {
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06:
      return 8;
    case 0x0F: case 0x10:
      if (len < 7)
        return 0;
      return 9 + (gssize) buf[6];
    default:
      return -1;
    }
}

GByteArray *
_md_sim_modbus_exception (guint8 function,
                          guint8 code)
{
  GByteArray *r = g_byte_array_sized_new (8);
  guint8 b[2] = { (guint8) (function | 0x80), code };

  g_byte_array_append (r, b, 2);
  return r;
}

static guint16
be16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static void
put16 (GByteArray *a,
       guint16     v)
{
  guint8 b[2] = { (guint8) (v >> 8), (guint8) (v & 0xFF) };

  g_byte_array_append (a, b, 2);
}

/**
 * _md_sim_modbus_handle:
 * @m: the meter addressed
 * @pdu: function code and data
 * @len: bytes of @pdu
 * @fx: (out): what the request did
 *
 * Returns: (transfer full): the reply PDU (maybe an exception)
 */
GByteArray *
_md_sim_modbus_handle (MdSimMeter    *m,
                       const guint8  *pdu,
                       gsize          len,
                       MdSimEffect   *fx)
{
  guint8 fc = len > 0 ? pdu[0] : 0;
  GByteArray *r;

  memset (fx, 0, sizeof *fx);
  switch (fc)
    {
    case 0x03:
    case 0x04:
      {
        guint addr, qty;

        if (len != 5)
          return _md_sim_modbus_exception (fc, 0x03);
        addr = be16 (pdu + 1);
        qty = be16 (pdu + 3);
        if (qty < 1 || qty > 125)
          return _md_sim_modbus_exception (fc, 0x03);
        r = g_byte_array_sized_new (2 + 2 * qty);
        g_byte_array_append (r, &fc, 1);
        {
          guint8 bc = (guint8) (2 * qty);

          g_byte_array_append (r, &bc, 1);
        }
        for (guint i = 0; i < qty; i++)
          {
            guint16 v;

            if (!_md_sim_meter_read_reg (m, addr + i, &v))
              {
                g_byte_array_unref (r);
                return _md_sim_modbus_exception (fc, 0x02);
              }
            put16 (r, v);
          }
        fx->count_read = addr <= 0x001C && addr + qty > 0x001C;
        return r;
      }
    case 0x06:
      {
        guint16 v;
        guint8 code;

        if (len != 5)
          return _md_sim_modbus_exception (fc, 0x03);
        v = be16 (pdu + 3);
        code = _md_sim_meter_write_regs (m, be16 (pdu + 1), &v, 1, TRUE, fx);
        if (code != 0)
          return _md_sim_modbus_exception (fc, code);
        r = g_byte_array_sized_new (5);
        g_byte_array_append (r, pdu, 5);
        return r;
      }
    case 0x10:
      {
        guint16 v[123];
        guint qty;
        guint8 code;

        if (len < 6)
          return _md_sim_modbus_exception (fc, 0x03);
        qty = be16 (pdu + 3);
        if (qty < 1 || qty > 123 || pdu[5] != 2 * qty || len != 6 + 2 * (gsize) qty)
          return _md_sim_modbus_exception (fc, 0x03);
        for (guint i = 0; i < qty; i++)
          v[i] = be16 (pdu + 6 + 2 * i);
        code = _md_sim_meter_write_regs (m, be16 (pdu + 1), v, qty, FALSE, fx);
        if (code != 0)
          return _md_sim_modbus_exception (fc, code);
        r = g_byte_array_sized_new (5);
        g_byte_array_append (r, pdu, 5);
        return r;
      }
    default:
      return _md_sim_modbus_exception (fc, 0x01);
    }
}

/* Unit 0: every meter acts on a write, none answers. */
void
_md_sim_modbus_broadcast (MdSimMeter   **meters,
                          guint          n,
                          const guint8  *pdu,
                          gsize          len)
{
  if (len < 1 || (pdu[0] != 0x06 && pdu[0] != 0x10))
    return;
  for (guint i = 0; i < n; i++)
    {
      MdSimEffect fx;

      g_byte_array_unref (_md_sim_modbus_handle (meters[i], pdu, len, &fx));
    }
}

/* Unit id in front, CRC behind (low byte first). */
void
_md_sim_rtu_wrap (GByteArray *pdu,
                  guint8      unit)
{
  guint16 crc;
  guint8 tail[2];

  g_byte_array_prepend (pdu, &unit, 1);
  crc = md_modbus_crc16 (pdu->data, pdu->len);
  tail[0] = crc & 0xFF;
  tail[1] = crc >> 8;
  g_byte_array_append (pdu, tail, 2);
}
