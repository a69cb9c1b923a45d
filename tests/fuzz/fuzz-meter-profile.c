/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz.h"
#include "md-dlt645.h"
#include "md-meter-profile-private.h"

/* The profile loader over arbitrary text: it must refuse with a
 * `name:line: reason` error or return a profile whose read plan stays
 * within what one Modbus request or DL/T 645 frame can carry. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GError *error = NULL;
  MdMeterProfile *p = md_meter_profile_load_data ("fuzz.ini", (const char *) data, (gssize) size,
                                                  MD_METER_PROFILE_DEFAULT, &error);

  if (p == NULL)
    {
      FUZZ_CHECK (error != NULL && g_str_has_prefix (error->message, "fuzz.ini:"));
      g_error_free (error);
      return 0;
    }
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (p->id != NULL && p->name != NULL);
  FUZZ_CHECK (p->n_blocks <= MD_METER_N_POINTS && p->n_dis <= MD_METER_MAX_DIS);
  for (guint i = 0; i < p->n_blocks; i++)
    {
      FUZZ_CHECK (p->blocks[i].count >= 1 && p->blocks[i].count <= MD_MODBUS_READ_MAX);
      FUZZ_CHECK ((guint) p->blocks[i].start + p->blocks[i].count <= 0x10000);
    }
  for (guint i = 0; i < p->n_dis; i++)
    FUZZ_CHECK (p->dis[i].length <= MD_DLT645_DATA_MAX);
  json_node_unref (md_meter_profile_to_json (p));
  md_meter_profile_unref (p);
  return 0;
}
