/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "md-billing.h"

G_BEGIN_DECLS

/**
 * MdReadings:
 * @unit: the unit of the total column ("kwh" or "m3"); kWh when the file
 *   has only rate columns
 * @has_total: the file has a total register column
 * @rate_registers: the file has the four columns sharp, peak, flat, valley;
 *   @rate_readings holds them and billing uses them
 * @has_start_use: a "# start-use=…" line came before the header
 * @start_use: its value, Wh or litres
 * @readings: (element-type MdReading): total register readings (when
 *   @has_total)
 * @rate_readings: (element-type MdRateReading): rate register readings
 *   (when @rate_registers)
 *
 * A readings file, checked: times strictly increasing, registers never going
 * backwards.
 */
typedef struct
{
  MdTariffUnit  unit;
  gboolean      has_total;
  gboolean      rate_registers;
  gboolean      has_start_use;
  MdEnergy      start_use;
  GArray       *readings;
  GArray       *rate_readings;
} MdReadings;

MdReadings  *md_readings_parse       (const char  *text,
                                      gssize       length,
                                      GTimeZone   *zone,
                                      GError     **error);
MdReadings  *md_readings_parse_file  (const char  *path,
                                      GTimeZone   *zone,
                                      GError     **error);
void         md_readings_free        (MdReadings  *readings);
MdBill      *md_readings_bill        (MdReadings  *readings,
                                      MdBillPlan  *plan,
                                      MdBillState *state,
                                      GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdReadings, md_readings_free)

G_END_DECLS
