/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-meter-bus.h"
#include "md-service-private.h"

G_BEGIN_DECLS

/* The parts of the service layer that speak to meters: never included
 * together with md-monitor.h (both name a type MdMeterReading). */

MdMeterTarget *_md_service_target       (MdStore               *store,
                                         const MdCommand       *meter,
                                         GError               **error);
MdMeterBus    *_md_service_open_bus     (MdStore               *store,
                                         const char            *name,
                                         GError               **error);
gboolean       _md_service_bus_settings (MdStore               *store,
                                         const char            *name,
                                         MdMeterBusSettings    *out_settings,
                                         char                 **out_fingerprint,
                                         GError               **error);
void           _md_service_sample_fill  (MdServiceSample       *sample,
                                         const char            *address,
                                         MdMeterProfile        *profile,
                                         const MdMeterReading  *reading);
void           _md_service_sample_miss  (MdServiceSample       *sample,
                                         const char            *address,
                                         const GError          *error);
JsonNode      *_md_service_reading_json (const char            *address,
                                         MdMeterProfile        *profile,
                                         const MdMeterReading  *reading);
const char    *_md_meter_error_outcome  (const GError          *error);

G_END_DECLS
