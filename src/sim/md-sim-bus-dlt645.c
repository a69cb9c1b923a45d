/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "md-sim-bus-private.h"

/*
 * The simulator's DL/T 645-2007 slave (docs/meters.md "The simulator's
 * DL/T 645 meters"): the identifiers of the generic money-prepaid profile,
 * 14H writes of the alarm amounts and of the simulator's own plaintext
 * recharge (DI 0F000001), the 1CH control block with its password and
 * deadline, 13H, and 12H follow-up frames when replies are split.
 */

static void
put_bcd (GByteArray *a,
         gint64      v,
         gsize       n)
{
  guint8 b[8] = { 0 };

  if (v < 0)
    v = 0;
  md_dlt645_bcd_encode (v, MD_DLT645_BCD_DEFAULT, b, n, NULL);
  g_byte_array_append (a, b, (guint) n);
}

/* The value of @di, or FALSE if this meter has none. */
static gboolean
di_value (const MdSimMeter *m,
          guint32           di,
          GByteArray       *out)
{
  gint64 fen = _md_sim_meter_credit_fen (m);

  switch (di)
    {
    case 0x00000000:
    case 0x00010000:
      put_bcd (out, _md_sim_meter_energy (m, -1) / 10, 4);
      return TRUE;
    case 0x00010100: case 0x00010200: case 0x00010300: case 0x00010400:
      put_bcd (out, _md_sim_meter_energy (m, (gint) ((di >> 8) & 0xFF) - 1) / 10, 4);
      return TRUE;
    case 0x0001FF00:
      put_bcd (out, _md_sim_meter_energy (m, -1) / 10, 4);
      for (gint i = 0; i < 4; i++)
        put_bcd (out, _md_sim_meter_energy (m, i) / 10, 4);
      return TRUE;
    case 0x02010100:
      put_bcd (out, 2200, 2);
      return TRUE;
    case 0x02020100:
      put_bcd (out, _md_sim_meter_power (m) * 10000 / 2200, 3);
      return TRUE;
    case 0x02030000:
      put_bcd (out, _md_sim_meter_power (m) * 10, 3);
      return TRUE;
    case 0x04000503:
      {
        guint16 w = (guint16) (2 << 8);   /* money prepaid */
        guint8 b[2];

        if (m->supply_off)
          w |= (1 << 4) | (1 << 6);
        if (m->keep_power)
          w |= 1 << 12;
        b[0] = w & 0xFF;
        b[1] = w >> 8;
        g_byte_array_append (out, b, 2);
        return TRUE;
      }
    case 0x00900200:
      put_bcd (out, fen, 4);
      return TRUE;
    case 0x00900201:
      put_bcd (out, -fen, 4);
      return TRUE;
    case 0x03330201:
      put_bcd (out, m->count, 2);
      return TRUE;
    case 0x03330601:
      put_bcd (out, m->purchased_fen, 4);
      return TRUE;
    case 0x04001001:
      put_bcd (out, _md_sim_meter_param32 (m, MD_SIM_PARAM_ALARM_1), 4);
      return TRUE;
    case 0x04001002:
      put_bcd (out, _md_sim_meter_param32 (m, MD_SIM_PARAM_ALARM_2), 4);
      return TRUE;
    case 0x04000401:
      g_byte_array_append (out, m->dl_address.bytes, MD_DLT645_ADDRESS_LEN);
      return TRUE;
    default:
      return FALSE;
    }
}

static GByteArray *
reply (const MdSimMeter *m,
       guint8            control,
       const guint8     *data,
       gsize             len)
{
  GBytes *b = md_dlt645_build (&m->dl_address, control, data, len, MD_DLT645_BUILD_PREAMBLE,
                               NULL);

  return g_bytes_unref_to_array (b);
}

GByteArray *
_md_sim_dlt645_error (MdSimMeter          *m,
                      const MdDlt645Frame *req,
                      guint8               err)
{
  return reply (m, (guint8) (req->function | MD_DLT645_C_FROM_SLAVE | MD_DLT645_C_ABNORMAL),
                &err, 1);
}

static GByteArray *
control_error (MdSimMeter *m,
               guint16     word)
{
  guint8 b[2] = { (guint8) (word & 0xFF), (guint8) (word >> 8) };

  return reply (m, 0xDC, b, 2);
}

static gboolean
auth_ok (const guint8 *auth,
         const char   *password)
{
  MdDlt645Auth want;

  if (!md_dlt645_auth_parse (2, password, "00000000", &want, NULL))
    return FALSE;
  return auth[0] == 2 && memcmp (auth + 1, want.password, 3) == 0;
}

/* Replies longer than @split bytes go out in pieces: the first with the
 * follow-up bit, the rest on 12H. */
static GByteArray *
read_reply (MdSimMeter *m,
            guint32     di,
            GByteArray *value,
            guint       split)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint8 dib[4] = { di & 0xFF, (di >> 8) & 0xFF, (di >> 16) & 0xFF, di >> 24 };
  gboolean more = split > 0 && value->len > split;
  guint first = more ? split : value->len;

  g_byte_array_append (data, dib, 4);
  g_byte_array_append (data, value->data, first);
  g_clear_pointer (&m->pending, g_byte_array_unref);
  if (more)
    {
      m->pending = g_byte_array_new ();
      g_byte_array_append (m->pending, value->data + first, value->len - first);
      m->pending_di = di;
    }
  return reply (m, more ? 0xB1 : 0x91, data->data, data->len);
}

static GByteArray *
follow_up (MdSimMeter          *m,
           const MdDlt645Frame *req,
           guint                split)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint32 di = md_dlt645_frame_get_di (req);
  guint take;
  gboolean more;

  if (m->pending == NULL || req->length != 5 || di != m->pending_di || split == 0)
    return _md_sim_dlt645_error (m, req, MD_DLT645_ERR_NO_DATA);
  take = MIN (split, m->pending->len);
  more = m->pending->len > take;
  g_byte_array_append (data, req->data, 4);
  g_byte_array_append (data, m->pending->data, take);
  g_byte_array_append (data, &req->data[4], 1);
  g_byte_array_remove_range (m->pending, 0, take);
  if (!more)
    g_clear_pointer (&m->pending, g_byte_array_unref);
  return reply (m, more ? 0xB2 : 0x92, data->data, data->len);
}

static GByteArray *
write_data (MdSimMeter          *m,
            const char          *password,
            const MdDlt645Frame *req,
            MdSimEffect         *fx)
{
  const guint8 *value = req->data + 12;
  guint32 di = md_dlt645_frame_get_di (req);
  gsize n = req->length >= 12 ? req->length - 12u : 0;
  gint64 a, c;

  if (req->length < 12)
    return _md_sim_dlt645_error (m, req, MD_DLT645_ERR_OTHER);
  if (!auth_ok (req->data + 4, password))
    return _md_sim_dlt645_error (m, req, MD_DLT645_ERR_PASSWORD);

  switch (di)
    {
    case 0x04001001:
    case 0x04001002:
      if (n != 4 || !md_dlt645_bcd_decode (value, 4, MD_DLT645_BCD_DEFAULT, &a, NULL))
        return _md_sim_dlt645_error (m, req, MD_DLT645_ERR_OTHER);
      {
        guint p = di == 0x04001001 ? MD_SIM_PARAM_ALARM_1 : MD_SIM_PARAM_ALARM_2;

        m->params[p] = (guint16) (a >> 16);
        m->params[p + 1] = (guint16) (a & 0xFFFF);
      }
      break;
    case MD_SIM_DI_RECHARGE:
      if (n != 8 || !md_dlt645_bcd_decode (value, 4, MD_DLT645_BCD_DEFAULT, &a, NULL) ||
          !md_dlt645_bcd_decode (value + 4, 4, MD_DLT645_BCD_DEFAULT, &c, NULL))
        return _md_sim_dlt645_error (m, req, MD_DLT645_ERR_OTHER);
      fx->recharge_write = TRUE;
      m->recharge_writes++;
      if (!_md_sim_meter_recharge (m, a, c))
        return _md_sim_dlt645_error (m, req, MD_DLT645_ERR_OTHER);
      break;
    default:
      return _md_sim_dlt645_error (m, req, MD_DLT645_ERR_NO_DATA);
    }
  return reply (m, 0x94, NULL, 0);
}

static gint64
bcd_byte (guint8 b)
{
  return (b >> 4) * 10 + (b & 0x0F);
}

static GByteArray *
control (MdSimMeter          *m,
         const char          *password,
         const MdDlt645Frame *req)
{
  const guint8 *d = req->data;
  g_autoptr(GDateTime) deadline = NULL;
  guint8 one = MD_DLT645_ERR_OTHER;

  if (req->length != 16)
    return reply (m, 0xDC, &one, 1);
  if (!auth_ok (d, password))
    return control_error (m, 0x0004);

  /* N3..N8: ss mm hh DD MM YY, the command's validity deadline. */
  deadline = g_date_time_new_local (2000 + (gint) bcd_byte (d[15]), (gint) bcd_byte (d[14]),
                                    (gint) bcd_byte (d[13]), (gint) bcd_byte (d[12]),
                                    (gint) bcd_byte (d[11]), (gdouble) bcd_byte (d[10]));
  if (deadline == NULL || g_date_time_to_unix (deadline) < _md_sim_meter_now (m))
    return control_error (m, 0x0010);

  switch (d[8])
    {
    case MD_DLT645_CONTROL_TRIP:
    case MD_DLT645_CONTROL_TRIP_RESUME_1D:
    case MD_DLT645_CONTROL_TRIP_RESUME_1E:
      if (!_md_sim_meter_set_supply (m, TRUE))
        return control_error (m, 0x0020);
      break;
    case MD_DLT645_CONTROL_CLOSE_ALLOWED:
    case MD_DLT645_CONTROL_CLOSE:
      if (!_md_sim_meter_set_supply (m, FALSE))
        return reply (m, 0xDC, &one, 1);
      break;
    case MD_DLT645_CONTROL_KEEP_POWER:
      _md_sim_meter_set_keep_power (m, TRUE);
      break;
    case MD_DLT645_CONTROL_KEEP_POWER_RELEASE:
      _md_sim_meter_set_keep_power (m, FALSE);
      break;
    case MD_DLT645_CONTROL_ALARM:
    case MD_DLT645_CONTROL_ALARM_RELEASE:
      break;
    default:
      return reply (m, 0xDC, &one, 1);
    }
  return reply (m, 0x9C, NULL, 0);
}

/**
 * _md_sim_dlt645_handle:
 * @m: the meter addressed (or the only one, for 13H)
 * @password: the meter's password, six digits
 * @split: data bytes per frame before follow-ups, 0 for never
 * @req: the master's frame
 * @fx: (out): what the request did
 *
 * Returns: (transfer full): the reply frame, with preamble
 */
GByteArray *
_md_sim_dlt645_handle (MdSimMeter          *m,
                       const char          *password,
                       guint                split,
                       const MdDlt645Frame *req,
                       MdSimEffect         *fx)
{
  memset (fx, 0, sizeof *fx);
  switch (req->function)
    {
    case MD_DLT645_FN_READ:
      {
        g_autoptr(GByteArray) value = g_byte_array_new ();
        guint32 di = md_dlt645_frame_get_di (req);

        if (req->length < 4 || !di_value (m, di, value))
          return _md_sim_dlt645_error (m, req, MD_DLT645_ERR_NO_DATA);
        fx->count_read = di == 0x03330201;
        return read_reply (m, di, value, split);
      }
    case MD_DLT645_FN_READ_FOLLOW_UP:
      return follow_up (m, req, split);
    case MD_DLT645_FN_READ_ADDRESS:
      return reply (m, 0x93, m->dl_address.bytes, MD_DLT645_ADDRESS_LEN);
    case MD_DLT645_FN_WRITE:
      return write_data (m, password, req, fx);
    case MD_DLT645_FN_CONTROL:
      return control (m, password, req);
    default:
      return _md_sim_dlt645_error (m, req, MD_DLT645_ERR_OTHER);
    }
}

/* After a fault changed a frame's address or control code: a correct
 * checksum again, so only the change is wrong. */
void
_md_sim_dlt645_reframe (GByteArray *frame)
{
  guint start = 0;
  guint8 sum = 0;
  guint l;

  while (start < frame->len && frame->data[start] != 0x68)
    start++;
  if (start + 12 > frame->len)
    return;
  l = frame->data[start + 9];
  if (start + 12 + l > frame->len)
    return;
  for (guint i = start; i < start + 10 + l; i++)
    sum += frame->data[i];
  frame->data[start + 10 + l] = sum;
}
