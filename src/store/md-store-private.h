/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>

#include "md-store.h"

G_BEGIN_DECLS

#define MD_STORE_APPLICATION_ID 0x4D445331 /* "MDS1" */
#define MD_STORE_MAX_ATTEMPTS   5

struct _MdStore
{
  GObject         parent_instance;

  MdStoreBackend  backend;
  char           *uri;
  char           *path;            /* SQLite file, NULL for PostgreSQL */
  int             schema_version;
  guint           txn_depth;
  gboolean        txn_write;

  sqlite3        *sqlite;
  GHashTable     *sqlite_cache;    /* sql → GPtrArray of idle sqlite3_stmt */

  PGconn         *pg;
  GPtrArray      *pg_channels;     /* LISTENed, again after a reconnect */
};

struct _MdStmt
{
  MdStore      *store;             /* borrowed */
  char         *sql;
  gint64        changes;

  sqlite3_stmt *sqlite;

  guint         n_params;
  char        **pg_values;
  int          *pg_lengths;
  int          *pg_formats;
  Oid          *pg_types;
  PGresult     *pg_result;
  int           pg_row;
  gboolean      pg_executed;
};

/* Both backends */
void     _md_store_set_error_literal (GError     **error,
                                      MdStoreError code,
                                      const char  *backend_code,
                                      const char  *detail);

gboolean _md_store_migrate           (MdStore     *self,
                                      gboolean     allowed,
                                      GError     **error);

/* SQLite */
gboolean _md_sqlite_open             (MdStore     *self,
                                      const char  *path,
                                      gboolean     create,
                                      GError     **error);
void     _md_sqlite_close            (MdStore     *self);
gboolean _md_sqlite_exec             (MdStore     *self,
                                      const char  *sql,
                                      GError     **error);
int      _md_sqlite_schema_version   (MdStore     *self,
                                      GError     **error);
gboolean _md_sqlite_prepare          (MdStore     *self,
                                      MdStmt      *stmt,
                                      GError     **error);
void     _md_sqlite_stmt_release     (MdStmt      *stmt);
gboolean _md_sqlite_step             (MdStmt      *stmt,
                                      GError     **error);
void     _md_sqlite_set_error        (MdStore     *self,
                                      int          rc,
                                      GError     **error);

/* PostgreSQL */
gboolean _md_pg_open                 (MdStore     *self,
                                      const char  *uri,
                                      GError     **error);
void     _md_pg_close                (MdStore     *self);
gboolean _md_pg_exec                 (MdStore     *self,
                                      const char  *sql,
                                      GError     **error);
int      _md_pg_schema_version       (MdStore     *self,
                                      GError     **error);
gboolean _md_pg_step                 (MdStmt      *stmt,
                                      GError     **error);
gboolean _md_pg_check_result         (MdStore     *self,
                                      PGresult    *result,
                                      GError     **error);
gboolean _md_pg_connection_lost      (MdStore     *self);
gboolean _md_pg_check_not_aborted    (MdStore     *self,
                                      GError     **error);
guint    _md_pg_count_params         (const char  *sql);
gboolean _md_pg_listen               (MdStore     *self,
                                      const char  *channel,
                                      GError     **error);
gboolean _md_pg_wait_notify          (MdStore     *self,
                                      guint        timeout_ms,
                                      GError     **error);

G_END_DECLS
