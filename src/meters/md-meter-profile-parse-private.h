/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-meter-profile-private.h"

G_BEGIN_DECLS

/* Shared by the two halves of the profile parser: md-meter-profile-parse.c
 * (lines, sections, [profile] and inheritance) and md-meter-profile-spec.c
 * (value specs, and the whole-profile rules). */

typedef struct
{
  char  *section;
  char  *key;
  char  *value;
  guint  line;
} Entry;

typedef struct
{
  const char          *name;
  MdMeterProfileFlags  flags;
  MdMeterProfile      *p;
  GArray              *entries;
  GHashTable          *section_lines;
} Parser;

gboolean        _md_profile_fail              (GError              **error,
                                               const char           *name,
                                               guint                 line,
                                               gint                  code,
                                               const char           *format,
                                               ...) G_GNUC_PRINTF (5, 6);
const Entry    *_md_profile_find_entry        (Parser               *ps,
                                               const char           *section,
                                               const char           *key);
guint           _md_profile_section_line      (Parser               *ps,
                                               const char           *section);
gboolean        _md_profile_parse_uint        (const char           *s,
                                               guint64               max,
                                               guint64              *out);
gboolean        _md_profile_parse_di          (const char           *s,
                                               guint32              *out);
gboolean        _md_profile_parse_spec        (Parser               *ps,
                                               const Entry          *e,
                                               gboolean              relative,
                                               MdMeterPointSpec     *out,
                                               GError              **error);
gboolean        _md_profile_parse_point_entry (Parser               *ps,
                                               const Entry          *e,
                                               gboolean              params,
                                               GError              **error);
gboolean        _md_profile_parse_choice      (Parser               *ps,
                                               const Entry          *e,
                                               const char          **choices,
                                               guint                *out,
                                               GError              **error);
gboolean        _md_profile_parse_number      (Parser               *ps,
                                               const Entry          *e,
                                               guint64               min,
                                               guint64               max,
                                               guint                *out,
                                               GError              **error);
gboolean        _md_profile_parse_method      (Parser               *ps,
                                               const Entry          *e,
                                               gboolean              esam_ok,
                                               MdMeterMethod        *out,
                                               GError              **error);
gboolean        _md_profile_check_profile     (Parser               *ps,
                                               GError              **error);

G_END_DECLS
