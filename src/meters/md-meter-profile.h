/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "md-meter-types.h"

G_BEGIN_DECLS

/*
 * Meter model profiles: one INI file per model under data/meters/ (format:
 * docs/meters.md). A new model is a data file, not code.
 */

#define MD_METER_PROFILE_ERROR (md_meter_profile_error_quark ())

/**
 * MdMeterProfileError:
 * @MD_METER_PROFILE_ERROR_NOT_FOUND: no profile with that id on the path
 * @MD_METER_PROFILE_ERROR_SYNTAX: a line that is not a section, a key or a
 *   comment
 * @MD_METER_PROFILE_ERROR_INVALID: a key or value the format does not allow
 * @MD_METER_PROFILE_ERROR_SOURCE: (strict loading only) a key without a
 *   `; source:` comment
 *
 * Every message starts with `file:line: `.
 */
typedef enum
{
  MD_METER_PROFILE_ERROR_NOT_FOUND,
  MD_METER_PROFILE_ERROR_SYNTAX,
  MD_METER_PROFILE_ERROR_INVALID,
  MD_METER_PROFILE_ERROR_SOURCE,
} MdMeterProfileError;

/**
 * MdMeterProfileFlags:
 * @MD_METER_PROFILE_DEFAULT: load what the format allows
 * @MD_METER_PROFILE_REQUIRE_SOURCES: also require a `; source:` comment
 *   right above every key but id, name and base (the shipped profiles are
 *   checked this way)
 */
typedef enum
{
  MD_METER_PROFILE_DEFAULT         = 0,
  MD_METER_PROFILE_REQUIRE_SOURCES = 1 << 0,
} MdMeterProfileFlags;

typedef struct _MdMeterProfile MdMeterProfile;

#define MD_TYPE_METER_PROFILE (md_meter_profile_get_type ())

GType              md_meter_profile_get_type        (void) G_GNUC_CONST;
GQuark             md_meter_profile_error_quark     (void);

MdMeterProfile    *md_meter_profile_ref             (MdMeterProfile       *profile);
void               md_meter_profile_unref           (MdMeterProfile       *profile);

MdMeterProfile    *md_meter_profile_load_file       (const char           *path,
                                                     MdMeterProfileFlags   flags,
                                                     GError              **error);
MdMeterProfile    *md_meter_profile_load_data       (const char           *name,
                                                     const char           *text,
                                                     gssize                length,
                                                     MdMeterProfileFlags   flags,
                                                     GError              **error);
MdMeterProfile    *md_meter_profile_lookup          (const char           *id,
                                                     GError              **error);
char             **md_meter_profile_list_ids        (void);
char             **md_meter_profile_search_path     (void);

const char        *md_meter_profile_get_id          (const MdMeterProfile *profile);
const char        *md_meter_profile_get_name        (const MdMeterProfile *profile);
MdMeterProtocol    md_meter_profile_get_protocol    (const MdMeterProfile *profile);
gboolean           md_meter_profile_is_water        (const MdMeterProfile *profile);
MdMeterCreditKind  md_meter_profile_get_credit_kind (const MdMeterProfile *profile);
gboolean           md_meter_profile_can_read        (const MdMeterProfile *profile,
                                                     MdMeterPoint          point);
gboolean           md_meter_profile_can_set         (const MdMeterProfile *profile,
                                                     MdMeterPoint          point);
gboolean           md_meter_profile_can_recharge    (const MdMeterProfile *profile,
                                                     GError              **error);
gboolean           md_meter_profile_can_control     (const MdMeterProfile *profile,
                                                     MdMeterControl        control,
                                                     GError              **error);
gboolean           md_meter_profile_can_broadcast_time (const MdMeterProfile *profile);
gboolean           md_meter_profile_can_discover    (const MdMeterProfile *profile);
JsonNode          *md_meter_profile_to_json         (const MdMeterProfile *profile);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdMeterProfile, md_meter_profile_unref)

G_END_DECLS
