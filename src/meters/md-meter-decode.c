/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-meter-link-private.h"

/*
 * Replies to values: the registers of one Modbus read block, or the data
 * of one DL/T 645 identifier, into a reading. Pure functions (fuzzed):
 * libmodbus and the codec have checked the frame; what is checked here is
 * that every value the profile expects is there and well-formed.
 */

/**
 * _md_meter_decode_block:
 * @profile: the meter's profile
 * @block: one request of the profile's read plan
 * @regs: @block->count registers as read
 * @reading: (inout): gets every point of @block
 * @error: return location for a #GError
 *
 * Returns: %FALSE if a value is malformed (bad BCD, NaN)
 */
gboolean
_md_meter_decode_block (const MdMeterProfile    *profile,
                        const MdMeterReadBlock  *block,
                        const guint16           *regs,
                        MdMeterReading          *reading,
                        GError                 **error)
{
  for (guint i = 0; i < MD_METER_N_POINTS; i++)
    {
      const MdMeterPointSpec *s = &profile->read[i];
      guint n;
      gint64 v;

      if (!s->present || s->function != block->function || s->address < block->start)
        continue;
      n = _md_meter_point_registers (s);
      if (s->address + n > (guint) block->start + block->count)
        continue;
      if (!md_meter_value_from_registers (&s->value, profile->word_order,
                                          regs + (s->address - block->start), &v, error))
        {
          g_prefix_error (error, "%s: ", md_meter_point_to_string ((MdMeterPoint) i));
          return FALSE;
        }
      md_meter_reading_set (reading, (MdMeterPoint) i, v);
    }
  return TRUE;
}

/**
 * _md_meter_decode_di:
 * @profile: the meter's profile
 * @di: the data identifier read
 * @data: its value bytes (after the DI, 33H off, follow-ups appended)
 * @len: how many
 * @reading: (inout): gets every point of @di
 * @error: return location for a #GError
 *
 * Returns: %FALSE if the data is too short or malformed
 */
gboolean
_md_meter_decode_di (const MdMeterProfile  *profile,
                     guint32                di,
                     const guint8          *data,
                     gsize                  len,
                     MdMeterReading        *reading,
                     GError               **error)
{
  for (guint i = 0; i < MD_METER_N_POINTS; i++)
    {
      const MdMeterPointSpec *s = &profile->read[i];
      gint64 v;

      if (!s->present || s->address != di)
        continue;
      if (s->offset + s->value.size > len)
        {
          g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL,
                       _("%s: the meter sent %u bytes for %08X, %u expected"),
                       md_meter_point_to_string ((MdMeterPoint) i), (guint) len, di,
                       s->offset + s->value.size);
          return FALSE;
        }
      if (!md_meter_value_from_bytes (&s->value, data + s->offset, &v, error))
        {
          g_prefix_error (error, "%s: ", md_meter_point_to_string ((MdMeterPoint) i));
          return FALSE;
        }
      md_meter_reading_set (reading, (MdMeterPoint) i, v);
    }
  return TRUE;
}
