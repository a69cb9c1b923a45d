/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "md-dlt645.h"
#include "md-frame-decode.h"

/* The DL/T 645 receiver over arbitrary bytes, run the way a link runs it.
 * Besides ASan/UBSan it checks that every accepted frame is exactly what
 * the builder makes of its meaning (the decoder and the encoder agree, so
 * nothing is accepted that the checks do not cover), and that consumed
 * counts always move forward and stay inside the buffer. */
static void
receive (const guint8 *data,
         gsize         size)
{
  gsize off = 0;

  while (off < size)
    {
      MdDlt645Frame f;
      gsize consumed = G_MAXSIZE;
      GError *error = NULL;
      MdDlt645Decode r = md_dlt645_decode (data + off, size - off, &f, &consumed, &error);

      FUZZ_CHECK (consumed <= size - off);
      switch (r)
        {
        case MD_DLT645_DECODE_OK:
          {
            GBytes *built = md_dlt645_build (&f.address, f.control, f.data, f.length, 0, NULL);

            FUZZ_CHECK (error == NULL);
            FUZZ_CHECK (f.start + f.size == consumed);
            FUZZ_CHECK (g_bytes_get_size (built) == f.size);
            FUZZ_CHECK (memcmp (g_bytes_get_data (built, NULL), data + off + f.start, f.size) == 0);
            g_bytes_unref (built);
            off += consumed;
          }
          break;
        case MD_DLT645_DECODE_BAD:
          FUZZ_CHECK (error != NULL && error->domain == MD_DLT645_ERROR);
          FUZZ_CHECK (consumed > f.start);
          g_clear_error (&error);
          off += consumed;
          break;
        case MD_DLT645_DECODE_NEED_MORE:
        default:
          FUZZ_CHECK (error == NULL);
          /* At the end of the bytes a waiting frame start times out. */
          off += consumed == size - off ? consumed : consumed + 1;
          break;
        }
    }
}

/* BCD decode and encode agree on every valid input. */
static void
bcd_round_trip (const guint8 *data,
                gsize         size)
{
  gsize n = MIN (size, 9);

  for (guint signed_flag = 0; n > 0 && signed_flag < 2; signed_flag++)
    {
      MdDlt645BcdFlags flags = signed_flag ? MD_DLT645_BCD_SIGNED : MD_DLT645_BCD_DEFAULT;
      guint8 back[9];
      gint64 v;

      if (!md_dlt645_bcd_decode (data, n, flags, &v, NULL))
        continue;
      FUZZ_CHECK (md_dlt645_bcd_encode (v, flags, back, n, NULL));
      /* "-0" has no encoding of its own. */
      if (!(signed_flag && v == 0))
        FUZZ_CHECK (memcmp (back, data, n) == 0);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  MdFrameDecodeResult *result;

  receive (data, size);
  bcd_round_trip (data, size);

  result = md_frame_decode_bytes (MD_FRAME_PROTOCOL_DLT645, data, size, NULL);
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
