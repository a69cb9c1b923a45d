/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "md-store-private.h"

/* RELIABILITY.md A1: every connection gets these explicitly. The busy
 * timeout comes first: the others read the schema, which waits on a
 * terminal that is writing at this moment. */
#define BUSY_TIMEOUT_MS 5000
static const char *connection_pragmas[] = {
  ("PRAGMA busy_timeout=" G_STRINGIFY (BUSY_TIMEOUT_MS)),
  "PRAGMA synchronous=FULL",
  "PRAGMA foreign_keys=ON",
  "PRAGMA trusted_schema=OFF",
  "PRAGMA cell_size_check=ON",
  "PRAGMA journal_size_limit=67108864",
};

static MdStoreError
map_code (int rc)
{
  switch (rc)
    {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return MD_STORE_ERROR_UNIQUE;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return MD_STORE_ERROR_FOREIGN_KEY;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
      return MD_STORE_ERROR_CHECK;
    default:
      break;
    }

  switch (rc & 0xff)
    {
    case SQLITE_CONSTRAINT:
      return MD_STORE_ERROR_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return MD_STORE_ERROR_BUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return MD_STORE_ERROR_CORRUPT;
    case SQLITE_IOERR:
      return MD_STORE_ERROR_IO;
    case SQLITE_FULL:
      return MD_STORE_ERROR_FULL;
    case SQLITE_READONLY:
      return MD_STORE_ERROR_READ_ONLY;
    case SQLITE_CANTOPEN:
      return MD_STORE_ERROR_CANT_OPEN;
    default:
      return MD_STORE_ERROR_FAILED;
    }
}

void
_md_sqlite_set_error (MdStore  *self,
                      int       rc,
                      GError  **error)
{
  g_autofree char *code = g_strdup_printf ("SQLite %d", rc);
  const char *detail = self->sqlite != NULL ? sqlite3_errmsg (self->sqlite) : sqlite3_errstr (rc);

  _md_store_set_error_literal (error, map_code (rc), code, detail);
}

static void
stmt_array_free (gpointer data)
{
  GPtrArray *array = data;

  for (guint i = 0; i < array->len; i++)
    sqlite3_finalize (g_ptr_array_index (array, i));
  g_ptr_array_unref (array);
}

/* Create the file ourselves so it is born 0600: SQLite gives the -wal and
 * -shm files the database's own mode.
 *
 * The database path itself is never open()ed and close()d here: closing any
 * descriptor of a file drops every POSIX lock this process holds on it, so a
 * close racing with another thread's connection would silently unlock that
 * connection. Instead a private temporary file is linked into place, which
 * also makes creation atomic when several terminals start at once. */
static gboolean
create_file (const char  *path,
             GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = NULL;
  int saved_errno;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      saved_errno = errno;
      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CANT_OPEN,
                   _("Cannot create the folder %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  tmp = g_build_filename (dir, ".meterdesk-new-XXXXXX", NULL);
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CANT_OPEN,
                   _("Cannot create the database %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  close (fd);

  if (link (tmp, path) == 0 || errno == EEXIST)
    {
      g_unlink (tmp);
      return TRUE;
    }

  /* No hard links here (some removable-media file systems): an exclusive
   * create, closed at once. Only a connection that opened the new, empty
   * file within that instant could lose its locks. */
  g_unlink (tmp);
  fd = g_open (path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0)
    {
      close (fd);
      return TRUE;
    }
  if (errno == EEXIST)
    return TRUE;

  saved_errno = errno;
  g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CANT_OPEN,
               _("Cannot create the database %s: %s"), path, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
query_text (MdStore     *self,
            const char  *sql,
            char       **out,
            GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if ((rc = sqlite3_prepare_v2 (self->sqlite, sql, -1, &stmt, NULL)) != SQLITE_OK)
    {
      _md_sqlite_set_error (self, rc, error);
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc == SQLITE_DONE)
    *out = NULL;
  else
    {
      _md_sqlite_set_error (self, rc, error);
      sqlite3_finalize (stmt);
      return FALSE;
    }
  sqlite3_finalize (stmt);
  return TRUE;
}

static gboolean
query_int (MdStore     *self,
           const char  *sql,
           gint64      *out,
           GError     **error)
{
  g_autofree char *text = NULL;

  if (!query_text (self, sql, &text, error))
    return FALSE;
  *out = text != NULL ? g_ascii_strtoll (text, NULL, 10) : 0;
  return TRUE;
}

typedef enum
{
  FILE_OURS,
  FILE_EMPTY,
  FILE_FOREIGN,
} FileKind;

/* What is in the file, decided under a write lock so that a terminal
 * creating the database at this moment is waited for, not mistaken for a
 * foreign program. Claims an empty file when @create; changes nothing
 * otherwise. */
static gboolean
identify_file (MdStore   *self,
               gboolean   create,
               FileKind  *kind,
               GError   **error)
{
  gint64 app_id = 0;
  gint64 objects = 0;

  if (!query_int (self, "PRAGMA application_id", &app_id, error))
    return FALSE;
  if (app_id == MD_STORE_APPLICATION_ID)
    {
      *kind = FILE_OURS;
      return TRUE;
    }
  if (app_id != 0)
    {
      *kind = FILE_FOREIGN;
      return TRUE;
    }

  if (!_md_sqlite_exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!query_int (self, "PRAGMA application_id", &app_id, error) ||
      !query_int (self, "SELECT count(*) FROM sqlite_schema", &objects, error))
    goto rollback;

  if (app_id == MD_STORE_APPLICATION_ID)
    *kind = FILE_OURS;
  else if (app_id != 0 || objects != 0)
    *kind = FILE_FOREIGN;   /* not ours to touch */
  else
    *kind = FILE_EMPTY;

  if (*kind == FILE_EMPTY && create)
    {
      g_autofree char *sql = g_strdup_printf ("PRAGMA application_id=%d", MD_STORE_APPLICATION_ID);

      if (!_md_sqlite_exec (self, sql, error) || !_md_sqlite_exec (self, "COMMIT", error))
        goto rollback;
      *kind = FILE_OURS;
      return TRUE;
    }

  sqlite3_exec (self->sqlite, "ROLLBACK", NULL, NULL, NULL);
  return TRUE;

rollback:
  sqlite3_exec (self->sqlite, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* Switching a new database to WAL needs an exclusive lock, and SQLite does
 * not call the busy handler for it: terminals starting together on a fresh
 * file would fail at once. Retry within the same budget as busy_timeout. */
static gboolean
set_wal (MdStore  *self,
         char    **mode,
         GError  **error)
{
  gint64 deadline = g_get_monotonic_time () + BUSY_TIMEOUT_MS * 1000;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;

      if (query_text (self, "PRAGMA journal_mode=WAL", mode, &local_error))
        return TRUE;
      if (!g_error_matches (local_error, MD_STORE_ERROR, MD_STORE_ERROR_BUSY) ||
          g_get_monotonic_time () > deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_usleep (g_random_int_range (2000, 20000));
    }
}

gboolean
_md_sqlite_open (MdStore     *self,
                 const char  *path,
                 gboolean     create,
                 GError     **error)
{
  g_autofree char *mode = NULL;
  FileKind kind;
  int rc;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      if (!create)
        {
          g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_NOT_INITIALIZED,
                       _("There is no database at %s; run “meterdesk-cli init” first"), path);
          return FALSE;
        }
      if (!create_file (path, error))
        return FALSE;
    }

  /* Lower the limits before anything untrusted can reach the parser. */
  sqlite3_hard_heap_limit64 (512 * 1024 * 1024);

  rc = sqlite3_open_v2 (path, &self->sqlite,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                        NULL);
  if (rc != SQLITE_OK)
    {
      _md_sqlite_set_error (self, rc, error);
      goto fail;
    }

  sqlite3_extended_result_codes (self->sqlite, 1);
  sqlite3_db_config (self->sqlite, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config (self->sqlite, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
  sqlite3_db_config (self->sqlite, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  sqlite3_db_config (self->sqlite, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
  sqlite3_db_config (self->sqlite, SQLITE_DBCONFIG_DQS_DDL, 0, NULL);
  sqlite3_limit (self->sqlite, SQLITE_LIMIT_LENGTH, 16 * 1024 * 1024);
  sqlite3_limit (self->sqlite, SQLITE_LIMIT_SQL_LENGTH, 1024 * 1024);
  sqlite3_limit (self->sqlite, SQLITE_LIMIT_VARIABLE_NUMBER, 999);
  sqlite3_limit (self->sqlite, SQLITE_LIMIT_ATTACHED, 1);

  for (guint i = 0; i < G_N_ELEMENTS (connection_pragmas); i++)
    if (!_md_sqlite_exec (self, connection_pragmas[i], error))
      goto fail;

  /* Before anything is written: a foreign file must stay as it was (no
   * journal mode switch), and so must an empty one we may not set up. */
  if (!identify_file (self, create, &kind, error))
    goto fail;
  switch (kind)
    {
    case FILE_FOREIGN:
      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_NOT_OURS,
                   _("%s is not a Meterdesk database"), path);
      return FALSE;
    case FILE_EMPTY:
      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_NOT_INITIALIZED,
                   _("The database %s has not been set up; run “meterdesk-cli init” first"),
                   path);
      return FALSE;
    case FILE_OURS:
    default:
      break;
    }

  if (!set_wal (self, &mode, error))
    goto fail;
  if (g_strcmp0 (mode, "wal") != 0)
    {
      _md_store_set_error_literal (error, MD_STORE_ERROR_CANT_OPEN, "SQLite",
                                   "journal_mode=WAL was refused");
      goto fail;
    }

  self->sqlite_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, stmt_array_free);

  return TRUE;

fail:
  g_prefix_error (error, "%s: ", path);
  return FALSE;
}

void
_md_sqlite_close (MdStore *self)
{
  g_clear_pointer (&self->sqlite_cache, g_hash_table_unref);
  if (self->sqlite != NULL)
    {
      sqlite3_close (self->sqlite);
      self->sqlite = NULL;
    }
}

gboolean
_md_sqlite_exec (MdStore     *self,
                 const char  *sql,
                 GError     **error)
{
  char *message = NULL;
  int rc;

  rc = sqlite3_exec (self->sqlite, sql, NULL, NULL, &message);
  if (rc != SQLITE_OK)
    {
      g_autofree char *code = g_strdup_printf ("SQLite %d", sqlite3_extended_errcode (self->sqlite));

      _md_store_set_error_literal (error, map_code (sqlite3_extended_errcode (self->sqlite)), code,
                                   message != NULL ? message : sqlite3_errstr (rc));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

int
_md_sqlite_schema_version (MdStore  *self,
                           GError  **error)
{
  g_autofree char *version = NULL;

  if (!query_text (self, "PRAGMA user_version", &version, error))
    return -1;
  return version != NULL ? (int) g_ascii_strtoll (version, NULL, 10) : 0;
}

gboolean
_md_sqlite_prepare (MdStore  *self,
                    MdStmt   *stmt,
                    GError  **error)
{
  GPtrArray *idle = g_hash_table_lookup (self->sqlite_cache, stmt->sql);
  const char *tail = NULL;
  int rc;

  if (idle != NULL && idle->len > 0)
    {
      stmt->sqlite = g_ptr_array_steal_index_fast (idle, idle->len - 1);
      return TRUE;
    }

  rc = sqlite3_prepare_v3 (self->sqlite, stmt->sql, -1, SQLITE_PREPARE_PERSISTENT,
                           &stmt->sqlite, &tail);
  if (rc != SQLITE_OK)
    {
      _md_sqlite_set_error (self, rc, error);
      return FALSE;
    }
  if (stmt->sqlite == NULL)
    {
      _md_store_set_error_literal (error, MD_STORE_ERROR_FAILED, "SQLite", "empty statement");
      return FALSE;
    }

  /* SQLite would silently ignore everything after the first statement, and
   * PostgreSQL refuses it: refuse it here too. Blanks, ';' and comments
   * prepare to nothing. */
  if (tail != NULL && *tail != '\0')
    {
      sqlite3_stmt *next = NULL;

      rc = sqlite3_prepare_v2 (self->sqlite, tail, -1, &next, NULL);
      sqlite3_finalize (next);
      if (rc != SQLITE_OK || next != NULL)
        {
          _md_store_set_error_literal (error, MD_STORE_ERROR_FAILED, "SQLite",
                                       "cannot prepare more than one statement at once");
          g_clear_pointer (&stmt->sqlite, sqlite3_finalize);
          return FALSE;
        }
    }
  return TRUE;
}

void
_md_sqlite_stmt_release (MdStmt *stmt)
{
  MdStore *self = stmt->store;
  GPtrArray *idle;

  sqlite3_reset (stmt->sqlite);
  sqlite3_clear_bindings (stmt->sqlite);

  if (self->sqlite_cache == NULL)
    {
      sqlite3_finalize (stmt->sqlite);
      stmt->sqlite = NULL;
      return;
    }

  if (!(idle = g_hash_table_lookup (self->sqlite_cache, stmt->sql)))
    {
      idle = g_ptr_array_new ();
      g_hash_table_insert (self->sqlite_cache, g_strdup (stmt->sql), idle);
    }
  g_ptr_array_add (idle, g_steal_pointer (&stmt->sqlite));
}

gboolean
_md_sqlite_step (MdStmt  *stmt,
                 GError **error)
{
  int rc = sqlite3_step (stmt->sqlite);

  if (rc == SQLITE_ROW)
    return TRUE;

  if (rc == SQLITE_DONE)
    {
      stmt->changes = sqlite3_changes64 (stmt->store->sqlite);
      sqlite3_reset (stmt->sqlite);
      return FALSE;
    }

  _md_sqlite_set_error (stmt->store, sqlite3_extended_errcode (stmt->store->sqlite), error);
  sqlite3_reset (stmt->sqlite);
  return FALSE;
}

gboolean
md_store_check_integrity (MdStore   *self,
                          gboolean   quick,
                          GError   **error)
{
  g_autofree char *result = NULL;

  g_return_val_if_fail (MD_IS_STORE (self), FALSE);

  if (self->backend != MD_STORE_BACKEND_SQLITE)
    return TRUE; /* PostgreSQL checks its own pages (initdb -k) */

  if (!query_text (self, quick ? "PRAGMA quick_check" : "PRAGMA integrity_check", &result, error))
    return FALSE;
  if (g_strcmp0 (result, "ok") != 0)
    {
      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CORRUPT,
                   _("The database failed its integrity check: %s"), result);
      return FALSE;
    }

  if (!quick)
    {
      g_autofree char *fk = NULL;

      if (!query_text (self, "PRAGMA foreign_key_check", &fk, error))
        return FALSE;
      if (fk != NULL)
        {
          g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CORRUPT,
                       _("The database failed its integrity check: %s"),
                       "foreign_key_check");
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
fsync_path (const char  *path,
            gboolean     directory,
            GError     **error)
{
  int fd = g_open (path, (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC, 0);

  if (fd < 0 || fsync (fd) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_IO,
                   _("Cannot write %s to disk: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* Copies all of @from into @to in one backup step: one read snapshot of
 * the source, one write transaction on the destination.
 *
 * In WAL mode that snapshot does not hold up the terminals' writes. Copying
 * in small steps instead let every commit by another connection between two
 * steps restart the copy from the first page: on a busy shop a large
 * database never finished backing up. A lock held by another connection is
 * waited for within the busy timeout. */
static gboolean
copy_database (sqlite3     *from,
               sqlite3     *to,
               GError     **error)
{
  sqlite3_backup *backup = sqlite3_backup_init (to, "main", from, "main");
  gint64 deadline = g_get_monotonic_time () + BUSY_TIMEOUT_MS * 1000;
  int rc;

  if (backup == NULL)
    {
      g_autofree char *code = g_strdup_printf ("SQLite %d", sqlite3_extended_errcode (to));

      _md_store_set_error_literal (error, map_code (sqlite3_extended_errcode (to)), code,
                                   sqlite3_errmsg (to));
      return FALSE;
    }

  do
    {
      rc = sqlite3_backup_step (backup, -1);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        {
          if (g_get_monotonic_time () >= deadline)
            break;
          sqlite3_sleep (5);
        }
    }
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);

  sqlite3_backup_finish (backup);
  if (rc != SQLITE_DONE)
    {
      g_autofree char *code = g_strdup_printf ("SQLite %d", rc);

      _md_store_set_error_literal (error, map_code (rc), code, sqlite3_errstr (rc));
      return FALSE;
    }
  return TRUE;
}

/**
 * md_store_backup_to:
 * @path: where the backup goes; it appears there complete or not at all
 *
 * Online backup through the SQLite backup API into a temporary file next to
 * @path, fsync'd and renamed over it, then the directory fsync'd.
 */
gboolean
md_store_backup_to (MdStore     *self,
                    const char  *path,
                    GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *wal = NULL;
  sqlite3 *dest = NULL;
  gboolean ok = FALSE;
  int fd;
  int rc;

  g_return_val_if_fail (MD_IS_STORE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  /* Inside a transaction the copy would include its uncommitted changes. */
  g_return_val_if_fail (self->txn_depth == 0, FALSE);

  if (self->backend != MD_STORE_BACKEND_SQLITE)
    {
      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_UNSUPPORTED,
                   _("Back up a PostgreSQL database with pg_dump (see the admin guide)"));
      return FALSE;
    }

  dir = g_path_get_dirname (path);
  tmp = g_build_filename (dir, ".meterdesk-backup-XXXXXX", NULL);
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CANT_OPEN,
                   _("Cannot create a file in %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  close (fd);

  rc = sqlite3_open_v2 (tmp, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      _md_store_set_error_literal (error, MD_STORE_ERROR_CANT_OPEN, "SQLite", sqlite3_errstr (rc));
      goto out;
    }

  if (!copy_database (self->sqlite, dest, error))
    goto out;

  /* The copied header says WAL; make the backup a single self-contained
   * file that opens read-only anywhere, and check that it took. */
  {
    sqlite3_stmt *stmt = NULL;
    gboolean is_delete = FALSE;

    if (sqlite3_prepare_v2 (dest, "PRAGMA journal_mode=DELETE", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step (stmt) == SQLITE_ROW)
      is_delete = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "delete") == 0;
    sqlite3_finalize (stmt);
    if (!is_delete)
      {
        _md_store_set_error_literal (error, MD_STORE_ERROR_IO, "SQLite",
                                     "the backup could not leave WAL mode");
        goto out;
      }
  }
  rc = sqlite3_close (dest);
  dest = NULL;
  if (rc != SQLITE_OK)
    {
      _md_store_set_error_literal (error, MD_STORE_ERROR_IO, "SQLite", sqlite3_errstr (rc));
      goto out;
    }

  if (!fsync_path (tmp, FALSE, error))
    goto out;
  if (g_rename (tmp, path) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_IO,
                   _("Cannot move the backup to %s: %s"), path, g_strerror (saved_errno));
      goto out;
    }
  ok = fsync_path (dir, TRUE, error);

out:
  if (dest != NULL)
    sqlite3_close (dest);
  if (!ok)
    g_unlink (tmp);
  for (guint i = 0; i < 3; i++)
    {
      static const char *suffixes[] = { "-journal", "-wal", "-shm" };

      g_free (wal);
      wal = g_strconcat (tmp, suffixes[i], NULL);
      g_unlink (wal);
    }
  return ok;
}

/* Opens a candidate backup read-only and checks it is ours, whole, and not
 * from a newer program. */
static sqlite3 *
open_candidate (const char  *path,
                GError     **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autofree char *uri = NULL;
  gint64 app_id = 0;
  gint64 version = 0;
  g_autofree char *check = NULL;
  int rc;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CANT_OPEN,
                   _("There is no backup file at %s"), path);
      return NULL;
    }

  /* A copy of a live database may bring its write-ahead log. Read alone,
   * the file would lack the log's transactions; refuse it instead. */
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    GStatBuf st;

    if (g_stat (wal, &st) == 0 && st.st_size > 0)
      {
        g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CANT_OPEN,
                     _("%s has a write-ahead log beside it, so it is a database in use, not a "
                       "backup; make a backup with Meterdesk"), path);
        return NULL;
      }
  }

  /* immutable: the candidate is only read, and nothing (-wal, -shm,
   * locks) is created beside it, also on read-only media. */
  {
    g_autofree char *file_uri = g_filename_to_uri (path, NULL, NULL);

    if (file_uri == NULL)
      {
        g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CANT_OPEN,
                     _("There is no backup file at %s"), path);
        return NULL;
      }
    uri = g_strconcat (file_uri, "?immutable=1", NULL);
  }
  rc = sqlite3_open_v2 (uri, &db,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    goto fail;
  sqlite3_db_config (db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);

  rc = sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto fail;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    goto fail;
  check = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (g_strcmp0 (check, "ok") != 0)
    {
      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CORRUPT,
                   _("The backup %s failed its integrity check: %s"), path, check);
      sqlite3_close (db);
      return NULL;
    }

  if (sqlite3_prepare_v2 (db, "PRAGMA application_id", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    app_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  stmt = NULL;

  if (app_id != MD_STORE_APPLICATION_ID || version <= 0)
    {
      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_NOT_OURS,
                   _("%s is not a Meterdesk database"), path);
      sqlite3_close (db);
      return NULL;
    }
  if (version > md_store_get_code_schema_version ())
    {
      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_SCHEMA_TOO_NEW,
                   _("The backup has schema version %d but this program knows only up to %d; "
                     "install a newer Meterdesk"),
                   (int) version, md_store_get_code_schema_version ());
      sqlite3_close (db);
      return NULL;
    }

  return db;

fail:
  {
    g_autofree char *code = g_strdup_printf ("SQLite %d", rc);

    _md_store_set_error_literal (error, map_code (rc), code,
                                 db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
    g_prefix_error (error, "%s: ", path);
    if (stmt != NULL)
      sqlite3_finalize (stmt);
    if (db != NULL)
      sqlite3_close (db);
    return NULL;
  }
}

/**
 * md_store_restore_from:
 * @path: a backup made by md_store_backup_to()
 *
 * Replaces this database's content with the backup's, after checking the
 * backup (integrity, application id, schema version), then migrates it.
 * On failure the database is unchanged.
 */
gboolean
md_store_restore_from (MdStore     *self,
                       const char  *path,
                       GError     **error)
{
  sqlite3 *candidate;
  gboolean ok;
  int version;

  g_return_val_if_fail (MD_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->txn_depth == 0, FALSE);

  if (self->backend != MD_STORE_BACKEND_SQLITE)
    {
      g_set_error (error, MD_STORE_ERROR, MD_STORE_ERROR_UNSUPPORTED,
                   _("Restore a PostgreSQL database with pg_restore (see the admin guide)"));
      return FALSE;
    }

  if (!(candidate = open_candidate (path, error)))
    return FALSE;

  /* Cached statements would hold read locks on the old pages. */
  g_hash_table_remove_all (self->sqlite_cache);
  ok = copy_database (candidate, self->sqlite, error);
  sqlite3_close (candidate);
  if (!ok)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (connection_pragmas); i++)
    if (!_md_sqlite_exec (self, connection_pragmas[i], error))
      return FALSE;
  if (!md_store_check_integrity (self, TRUE, error))
    return FALSE;
  if ((version = _md_sqlite_schema_version (self, error)) < 0)
    return FALSE;
  self->schema_version = version;

  return _md_store_migrate (self, TRUE, error);
}
