/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "md-meter-link-private.h"

/* The DL/T 645 link's receive path beyond the codec: bytes arrive in
 * chunks of any size (first byte: the chunk size; second: what is asked),
 * the receiver must pick out only a reply from the meter asked, with the
 * function and data identifier asked; follow-up data is appended only
 * when it fits; values decode by the generic profile or fail cleanly. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static MdMeterProfile *profile;
  static const guint32 dis[] = {
    0x0001FF00, 0x00900200, 0x03330201, 0x04000503, 0x02010100, 0x02020100, 0x02030000,
    0x04000401,
  };
  static const guint8 functions[] = { 0x11, 0x12, 0x13, 0x14, 0x1C };
  MdDlt645Address address;
  MdDlt645Rx rx;
  guint chunk;
  guint32 di;
  guint8 fn;
  GByteArray *acc;

  if (size < 2)
    return 0;
  if (profile == NULL)
    profile = md_meter_profile_lookup ("dlt645-2007-prepaid", NULL);
  FUZZ_CHECK (profile != NULL);
  chunk = 1 + data[0] % 64;
  di = dis[data[1] % G_N_ELEMENTS (dis)];
  fn = functions[(data[1] >> 3) % G_N_ELEMENTS (functions)];
  if (data[1] & 0x80)
    address = md_dlt645_address_wildcard;
  else
    md_dlt645_address_parse ("202411110002", &address, NULL);
  data += 2;
  size -= 2;

  acc = g_byte_array_new ();
  _md_dlt645_rx_init (&rx, &address, fn, di, fn == 0x11 || fn == 0x12);
  for (gsize off = 0; off < size; off += chunk)
    {
      MdDlt645Frame f;
      gsize n = MIN ((gsize) chunk, size - off);

      if (_md_dlt645_rx_feed (&rx, data + off, n, &f) != MD_DLT645_RX_DONE)
        continue;
      FUZZ_CHECK (f.from_slave && f.function == fn);
      FUZZ_CHECK (rx.any_address || memcmp (&f.address, &address, sizeof address) == 0);
      FUZZ_CHECK (rx.len <= sizeof rx.buf);
      if (!f.abnormal && (fn == 0x11 || fn == 0x12))
        FUZZ_CHECK (f.length >= 4 && md_dlt645_frame_get_di (&f) == di);

      {
        GError *error = NULL;

        if (!_md_dlt645_reply_check (&f, &error))
          {
            FUZZ_CHECK (f.abnormal && error != NULL && error->domain == MD_METER_ERROR);
            g_error_free (error);
            continue;
          }
      }
      if (fn == 0x11)
        {
          MdMeterReading r;
          GError *error = NULL;

          md_meter_reading_clear (&r);
          if (!_md_meter_decode_di (profile, di, f.data + 4, f.length - 4u, &r, &error))
            {
              FUZZ_CHECK (error != NULL);
              g_error_free (error);
            }
        }
      if (fn == 0x12)
        {
          guint before = acc->len;
          GError *error = NULL;

          if (_md_dlt645_follow_up_append (acc, &f, di, f.length > 0 ? f.data[f.length - 1] : 0,
                                           &error))
            FUZZ_CHECK (acc->len == before + f.length - 5u && acc->len <= 4096);
          else
            {
              FUZZ_CHECK (acc->len == before);
              g_error_free (error);
            }
        }
      _md_dlt645_rx_init (&rx, &address, fn, di, fn == 0x11 || fn == 0x12);
    }
  g_byte_array_unref (acc);
  return 0;
}
