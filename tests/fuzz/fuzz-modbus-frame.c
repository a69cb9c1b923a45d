/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz.h"
#include "md-frame-decode.h"
#include "md-modbus-frame.h"

/* The Modbus RTU frame decoder over arbitrary bytes. A frame it accepts
 * must carry a matching CRC, and the diagnostics built on it must hold up. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  MdModbusFrame f;
  MdFrameDecodeResult *result;

  if (md_modbus_frame_decode (data, size, &f, NULL))
    {
      FUZZ_CHECK (size >= 5 && size <= MD_MODBUS_RTU_MAX);
      FUZZ_CHECK (f.crc == f.crc_expected);
      FUZZ_CHECK (f.crc == md_modbus_crc16 (data, size - 2));
      FUZZ_CHECK (f.byte_count <= size);
      FUZZ_CHECK (f.kind != MD_MODBUS_FRAME_EXCEPTION || size == 5);
    }

  result = md_frame_decode_bytes (MD_FRAME_PROTOCOL_MODBUS_RTU, data, size, NULL);
  if (result)
    {
      char *text = md_frame_decode_result_to_text (result);
      JsonNode *json = md_frame_decode_result_to_json (result);

      FUZZ_CHECK (g_utf8_validate (text, -1, NULL));
      g_free (text);
      json_node_unref (json);
      md_frame_decode_result_free (result);
    }
  return 0;
}
