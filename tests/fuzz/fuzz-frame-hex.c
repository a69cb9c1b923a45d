/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "md-frame-decode.h"

/* md_frame_decode() from typed text: hex parsing, then both protocols. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  char *text = g_strndup ((const char *) data, size);
  GError *error = NULL;
  GBytes *bytes = md_frame_parse_hex (text, &error);

  if (bytes)
    {
      FUZZ_CHECK (g_bytes_get_size (bytes) > 0);
      FUZZ_CHECK (g_bytes_get_size (bytes) <= MD_FRAME_HEX_MAX);
      FUZZ_CHECK (g_bytes_get_size (bytes) <= size / 2);
      g_bytes_unref (bytes);
    }
  else
    {
      /* A one-line message a cashier can read. */
      FUZZ_CHECK (error != NULL && g_utf8_validate (error->message, -1, NULL));
      FUZZ_CHECK (strchr (error->message, '\n') == NULL);
      g_clear_error (&error);
    }

  for (guint p = 0; p < 2; p++)
    {
      MdFrameDecodeResult *result = md_frame_decode (p ? MD_FRAME_PROTOCOL_MODBUS_RTU
                                                       : MD_FRAME_PROTOCOL_DLT645, text, NULL);

      if (result)
        {
          char *out = md_frame_decode_result_to_text (result);
          JsonNode *json = md_frame_decode_result_to_json (result);
          char *json_text = json_to_string (json, FALSE);

          FUZZ_CHECK (g_utf8_validate (out, -1, NULL));
          g_free (json_text);
          g_free (out);
          json_node_unref (json);
          md_frame_decode_result_free (result);
        }
    }
  g_free (text);
  return 0;
}
