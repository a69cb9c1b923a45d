/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "md-auth.h"

G_BEGIN_DECLS

/*
 * Site settings kept in the database (the `setting` table): the few
 * numbers a site may tune, each checked against its range, and the meter
 * services' texts (notification channels and program, docs/daemon.md);
 * every change in the audit chain. Only an administrator changes them.
 */

gboolean   md_setting_set   (MdSession   *session,
                             const char  *key,
                             const char  *value,
                             GError     **error);
JsonNode  *md_setting_list  (MdSession   *session,
                             GError     **error);

G_END_DECLS
