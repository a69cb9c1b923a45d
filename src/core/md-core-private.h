/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "md-auth.h"
#include "md-register.h"
#include "md-store.h"

G_BEGIN_DECLS

gboolean   _md_lookup_id        (MdStore     *store,
                                 gint64      *out_id,
                                 GError     **error,
                                 const char  *sql,
                                 ...) G_GNUC_NULL_TERMINATED;
gboolean   _md_lookup_text      (MdStore     *store,
                                 char       **out_text,
                                 GError     **error,
                                 const char  *sql,
                                 ...) G_GNUC_NULL_TERMINATED;
char      *_md_detail           (const char  *first_key,
                                 ...) G_GNUC_NULL_TERMINATED;
JsonNode  *_md_rows_to_json     (MdStmt      *stmt,
                                 GError     **error);
JsonNode  *_md_query_json       (MdStore     *store,
                                 GError     **error,
                                 const char  *sql,
                                 ...) G_GNUC_NULL_TERMINATED;
char      *_md_format_time      (gint64       usec);
gboolean   _md_audit            (MdStore     *store,
                                 MdSession   *session,
                                 gint64       approver_id,
                                 const char  *action,
                                 const char  *object,
                                 const char  *detail,
                                 GError     **error);

gboolean   _md_meter_attach     (MdStore     *store,
                                 MdSession   *session,
                                 const char  *address,
                                 gint64       account_id,
                                 gint64       room_id,
                                 MdUtility    utility,
                                 GError     **error);

G_END_DECLS
