/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "md-meter-link-private.h"

/* Our handling of Modbus replies: libmodbus has checked the frame; the
 * registers are turned into values by the profile. Input: one byte picks
 * a shipped profile and the word order, the rest are registers, big-endian.
 * Every block of the read plan is decoded; flags come out 0 or 1, and any
 * value that decodes writes back to the same registers when the type is
 * writable and exact. */
static const char * const profiles[] = {
  "meterdesk-sim", "meterdesk-sim-water", "acrel-adf400l", "acrel-adf400l-1p", "acrel-ddsy1352",
  "eastron-sdm320y",
};

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static MdMeterProfile *loaded[G_N_ELEMENTS (profiles)];
  MdMeterProfile *p;
  guint16 regs[MD_MODBUS_READ_MAX];
  MdMeterReading r;

  if (size < 1)
    return 0;
  if (loaded[0] == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
      {
        loaded[i] = md_meter_profile_lookup (profiles[i], NULL);
        FUZZ_CHECK (loaded[i] != NULL);
      }
  p = loaded[data[0] % G_N_ELEMENTS (profiles)];
  p->word_order = (data[0] & 0x80) ? MD_METER_WORD_ORDER_LOW_FIRST : MD_METER_WORD_ORDER_HIGH_FIRST;
  data++;
  size--;

  memset (regs, 0, sizeof regs);
  for (gsize i = 0; i + 1 < size && i / 2 < G_N_ELEMENTS (regs); i += 2)
    regs[i / 2] = (guint16) ((data[i] << 8) | data[i + 1]);

  md_meter_reading_clear (&r);
  for (guint b = 0; b < p->n_blocks; b++)
    {
      GError *error = NULL;

      if (!_md_meter_decode_block (p, &p->blocks[b], regs, &r, &error))
        {
          FUZZ_CHECK (error != NULL && error->domain == MD_METER_ERROR);
          g_error_free (error);
          continue;
        }
    }

  for (guint i = 0; i < MD_METER_N_POINTS; i++)
    {
      const MdMeterPointSpec *s = &p->read[i];
      gint64 v;
      guint16 back[8];

      if (!md_meter_reading_get (&r, (MdMeterPoint) i, &v))
        continue;
      FUZZ_CHECK (s->present);
      if (s->value.bit >= 0)
        {
          FUZZ_CHECK (v == 0 || v == 1);
          continue;
        }
      /* Integer registers with a pure multiplier go back exactly. */
      if (s->value.type != MD_METER_VALUE_F32 && s->value.div == 1)
        {
          const guint16 *orig = NULL;
          guint n = md_meter_value_registers (&s->value);

          for (guint b = 0; b < p->n_blocks; b++)
            if (p->blocks[b].function == s->function && s->address >= p->blocks[b].start &&
                s->address + n <= (guint) p->blocks[b].start + p->blocks[b].count)
              orig = regs + (s->address - p->blocks[b].start);
          FUZZ_CHECK (orig != NULL);
          FUZZ_CHECK (md_meter_value_to_registers (&s->value, p->word_order, v, back, NULL));
          FUZZ_CHECK (memcmp (back, orig, n * sizeof (guint16)) == 0);
        }
    }
  json_node_unref (md_meter_reading_to_json (&r));
  return 0;
}
