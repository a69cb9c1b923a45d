/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MD_STORE_ERROR (md_store_error_quark ())

/**
 * MdStoreError:
 *
 * Store failures. The message always carries the backend's own code
 * ("SQLite 2067", "PostgreSQL 23505") so a field report can be traced.
 */
typedef enum
{
  MD_STORE_ERROR_FAILED,
  MD_STORE_ERROR_INVALID_URI,
  MD_STORE_ERROR_CANT_OPEN,
  MD_STORE_ERROR_NOT_INITIALIZED,
  MD_STORE_ERROR_NOT_OURS,
  MD_STORE_ERROR_SCHEMA_TOO_NEW,
  MD_STORE_ERROR_BUSY,
  MD_STORE_ERROR_RETRY,
  MD_STORE_ERROR_UNIQUE,
  MD_STORE_ERROR_FOREIGN_KEY,
  MD_STORE_ERROR_CHECK,
  MD_STORE_ERROR_CONSTRAINT,
  MD_STORE_ERROR_CORRUPT,
  MD_STORE_ERROR_IO,
  MD_STORE_ERROR_FULL,
  MD_STORE_ERROR_CONNECTION,
  MD_STORE_ERROR_OUTCOME_UNKNOWN,
  MD_STORE_ERROR_READ_ONLY,
  MD_STORE_ERROR_UNSUPPORTED,
} MdStoreError;

typedef enum
{
  MD_STORE_BACKEND_SQLITE,
  MD_STORE_BACKEND_POSTGRESQL,
} MdStoreBackend;

/**
 * MdStoreOpenFlags:
 * @MD_STORE_OPEN_NONE: open an existing database, migrating it when it is older
 * @MD_STORE_OPEN_CREATE: create the database (SQLite) or its schema (PostgreSQL)
 * @MD_STORE_OPEN_NO_MIGRATE: refuse a database whose schema is older instead of
 *   migrating it (backup inspection, restore checks)
 */
typedef enum
{
  MD_STORE_OPEN_NONE       = 0,
  MD_STORE_OPEN_CREATE     = 1 << 0,
  MD_STORE_OPEN_NO_MIGRATE = 1 << 1,
} MdStoreOpenFlags;

#define MD_TYPE_STORE (md_store_get_type ())
G_DECLARE_FINAL_TYPE (MdStore, md_store, MD, STORE, GObject)

typedef struct _MdStmt MdStmt;

/**
 * MdColumnKind:
 *
 * What a result column holds in the current row, the same on both backends.
 */
typedef enum
{
  MD_COLUMN_NULL,
  MD_COLUMN_INTEGER,
  MD_COLUMN_TEXT,
  MD_COLUMN_BLOB,
} MdColumnKind;

/**
 * MdStoreTxnFunc:
 *
 * The body of a transaction. It may run more than once when the backend asks
 * for a retry (PostgreSQL 40001/40P01), so it must only touch the database.
 * Return %FALSE with @error set to roll back.
 *
 * A statement that fails inside the body ends the whole transaction on
 * PostgreSQL (SQLite undoes just that statement). A body that carries on
 * and returns %TRUE gets %MD_STORE_ERROR_FAILED ("PostgreSQL 25P02") rather
 * than a commit; to tolerate an expected conflict, avoid it in SQL
 * (`ON CONFLICT DO NOTHING`, `WHERE NOT EXISTS`).
 */
typedef gboolean (*MdStoreTxnFunc) (MdStore  *store,
                                    gpointer  user_data,
                                    GError  **error);

GQuark          md_store_error_quark           (void);

MdStore        *md_store_open                  (const char        *uri,
                                                MdStoreOpenFlags   flags,
                                                GError           **error);
MdStoreBackend  md_store_get_backend           (MdStore           *self);
const char     *md_store_get_uri               (MdStore           *self);
const char     *md_store_get_path              (MdStore           *self);
int             md_store_get_schema_version    (MdStore           *self);
int             md_store_get_code_schema_version (void);
char           *md_store_default_uri           (void);
gboolean        md_store_uri_is_postgresql     (const char        *uri);

gboolean        md_store_write                 (MdStore           *self,
                                                MdStoreTxnFunc     func,
                                                gpointer           user_data,
                                                GError           **error);
gboolean        md_store_read                  (MdStore           *self,
                                                MdStoreTxnFunc     func,
                                                gpointer           user_data,
                                                GError           **error);
gboolean        md_store_in_transaction        (MdStore           *self);
gboolean        md_store_exec                  (MdStore           *self,
                                                const char        *sql,
                                                GError           **error);

MdStmt         *md_store_prepare               (MdStore           *self,
                                                const char        *sql,
                                                GError           **error);

void            md_stmt_bind_int64             (MdStmt            *stmt,
                                                guint              index,
                                                gint64             value);
void            md_stmt_bind_text              (MdStmt            *stmt,
                                                guint              index,
                                                const char        *value);
void            md_stmt_bind_blob              (MdStmt            *stmt,
                                                guint              index,
                                                gconstpointer      data,
                                                gsize              len);
void            md_stmt_bind_null              (MdStmt            *stmt,
                                                guint              index);
void            md_stmt_bind_int64_or_null     (MdStmt            *stmt,
                                                guint              index,
                                                gint64             value,
                                                gboolean           is_null);
gboolean        md_stmt_step                   (MdStmt            *stmt,
                                                GError           **error);
gboolean        md_stmt_exec                   (MdStmt            *stmt,
                                                GError           **error);
gint64          md_stmt_changes                (MdStmt            *stmt);
guint           md_stmt_get_n_columns          (MdStmt            *stmt);
const char     *md_stmt_get_column_name        (MdStmt            *stmt,
                                                guint              column);
gboolean        md_stmt_is_null                (MdStmt            *stmt,
                                                guint              column);
MdColumnKind    md_stmt_get_column_kind        (MdStmt            *stmt,
                                                guint              column);
gint64          md_stmt_get_int64              (MdStmt            *stmt,
                                                guint              column);
const char     *md_stmt_get_text               (MdStmt            *stmt,
                                                guint              column);
GBytes         *md_stmt_dup_blob               (MdStmt            *stmt,
                                                guint              column);
void            md_stmt_free                   (MdStmt            *stmt);

/* Wake-ups between processes (ARCHITECTURE.md "Programs"): PostgreSQL
 * LISTEN/NOTIFY; on SQLite notify does nothing and the listener polls. */
gboolean        md_store_notify                (MdStore           *self,
                                                const char        *channel,
                                                GError           **error);
gboolean        md_store_listen                (MdStore           *self,
                                                const char        *channel,
                                                GError           **error);
gboolean        md_store_wait_notify           (MdStore           *self,
                                                guint              timeout_ms,
                                                GError           **error);

gboolean        md_store_query_int64           (MdStore           *self,
                                                const char        *sql,
                                                gint64            *out_value,
                                                GError           **error);

/* SQLite maintenance. On PostgreSQL backup and restore answer
 * MD_STORE_ERROR_UNSUPPORTED (use pg_dump), and the integrity check passes:
 * the server checks its own pages (initdb -k). */
gboolean        md_store_check_integrity       (MdStore           *self,
                                                gboolean           quick,
                                                GError           **error);
gboolean        md_store_backup_to             (MdStore           *self,
                                                const char        *path,
                                                GError           **error);
gboolean        md_store_restore_from          (MdStore           *self,
                                                const char        *path,
                                                GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdStmt, md_stmt_free)

G_END_DECLS
