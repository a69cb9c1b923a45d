/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "md-modbus-frame.h"
#include "md-sim-bus-private.h"

/* The simulator parses what masters send it: RTU request framing, the
 * Modbus PDU handler and the DL/T 645 slave, on one meter, over arbitrary
 * bytes. Its counters must stay consistent whatever comes in. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  MdSimMeter m;
  gsize off = 0;

  _md_sim_meter_init (&m, "202411110002", 0, 1, FALSE, 1000, 10000, 6000);

  /* RTU: frames one after another, as a serial port delivers them. */
  while (off < size)
    {
      gssize len = _md_sim_rtu_frame_length (data + off, size - off);
      MdSimEffect fx;
      GByteArray *reply;

      if (len <= 0 || (gsize) len > size - off || len < 4)
        break;
      FUZZ_CHECK (len <= 9 + 255);
      reply = _md_sim_modbus_handle (&m, data + off + 1, (gsize) len - 3, &fx);
      FUZZ_CHECK (reply->len >= 2 && reply->len <= 2 + 250);
      _md_sim_rtu_wrap (reply, data[off]);
      FUZZ_CHECK (md_modbus_frame_decode (reply->data, reply->len, &(MdModbusFrame) { 0 }, NULL) ||
                  reply->len > MD_MODBUS_RTU_MAX);
      g_byte_array_unref (reply);
      off += (gsize) len;
    }
  FUZZ_CHECK (m.recharges_accepted <= m.recharge_writes);
  FUZZ_CHECK (m.count == m.recharges_accepted);

  /* DL/T 645: whatever frames the codec finds. */
  for (off = 0; off < size;)
    {
      MdDlt645Frame f;
      gsize consumed = 0;
      MdDlt645Decode d = md_dlt645_decode (data + off, size - off, &f, &consumed, NULL);

      if (d == MD_DLT645_DECODE_OK && !f.from_slave)
        {
          MdSimEffect fx;
          GByteArray *reply = _md_sim_dlt645_handle (&m, "123456", data[0] % 8, &f, &fx);
          MdDlt645Frame back;
          gsize used;

          FUZZ_CHECK (md_dlt645_decode (reply->data, reply->len, &back, &used, NULL) ==
                      MD_DLT645_DECODE_OK);
          FUZZ_CHECK (back.from_slave && back.function == f.function);
          g_byte_array_unref (reply);
        }
      if (consumed == 0)
        consumed = 1;
      off += consumed;
    }
  FUZZ_CHECK (m.count == m.recharges_accepted);
  _md_sim_meter_clear (&m);
  return 0;
}
