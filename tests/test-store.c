/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The store's contract, checked against the backend named by the
 * environment: SQLite in a fresh temporary directory per case when
 * MD_TEST_PG_URI is unset, PostgreSQL (a fresh schema per case in the
 * database MD_TEST_PG_URI names) when it is set. build-aux/pg-test-cluster.sh
 * starts the server. A case that only one backend has is registered only for
 * that backend.
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "md-store.h"
#include "md-store-private.h" /* MD_STORE_APPLICATION_ID, MD_STORE_MAX_ATTEMPTS */

static const char *pg_base_uri;   /* NULL: the SQLite run */

typedef struct
{
  char *dir;      /* SQLite: this case's directory */
  char *db_path;  /* SQLite: the database file in it */
  char *schema;   /* PostgreSQL: this case's schema */
  char *uri;      /* what md_store_open gets */
} Fixture;

/* ---- raw backend access, to set up and inspect behind the store's back ---- */

static PGconn *
pg_raw_connect (const char *uri)
{
  PGconn *conn = PQconnectdb (uri);

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("cannot connect to PostgreSQL at %s: %s", uri, PQerrorMessage (conn));
  return conn;
}

static void
pg_raw_exec (PGconn     *conn,
             const char *sql)
{
  PGresult *result = PQexec (conn, sql);
  ExecStatusType status = PQresultStatus (result);

  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQerrorMessage (conn));
  PQclear (result);
}

static char *
pg_raw_text (PGconn     *conn,
             const char *sql)
{
  PGresult *result = PQexec (conn, sql);
  char *text;

  if (PQresultStatus (result) != PGRES_TUPLES_OK || PQntuples (result) != 1)
    g_error ("%s: %s", sql, PQerrorMessage (conn));
  text = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  return text;
}

static sqlite3 *
sqlite_raw_open (const char *path)
{
  sqlite3 *db = NULL;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    g_error ("cannot open %s: %s", path, sqlite3_errmsg (db));
  return db;
}

static void
sqlite_raw_exec (sqlite3    *db,
                 const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static char *
sqlite_raw_text (sqlite3    *db,
                 const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  if (sqlite3_step (stmt) == SQLITE_ROW)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return text;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

/* ---- fixture ---- */

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  static guint serial;

  if (pg_base_uri != NULL)
    {
      PGconn *conn = pg_raw_connect (pg_base_uri);
      g_autofree char *sql = NULL;

      fx->schema = g_strdup_printf ("t%d_%u", (int) getpid (), ++serial);
      sql = g_strdup_printf ("CREATE SCHEMA %s", fx->schema);
      pg_raw_exec (conn, sql);
      PQfinish (conn);
      fx->uri = g_strdup_printf ("%s%soptions=-csearch_path%%3D%s", pg_base_uri,
                                 strchr (pg_base_uri, '?') != NULL ? "&" : "?", fx->schema);
    }
  else
    {
      g_autoptr(GError) error = NULL;

      fx->dir = g_dir_make_tmp ("md-store-XXXXXX", &error);
      g_assert_no_error (error);
      fx->db_path = g_build_filename (fx->dir, "meterdesk.db", NULL);
      fx->uri = g_strdup (fx->db_path);
    }
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  if (fx->schema != NULL)
    {
      PGconn *conn = pg_raw_connect (pg_base_uri);
      g_autofree char *sql = g_strdup_printf ("DROP SCHEMA %s CASCADE", fx->schema);

      pg_raw_exec (conn, sql);
      PQfinish (conn);
    }
  if (fx->dir != NULL)
    remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->db_path);
  g_free (fx->schema);
  g_free (fx->uri);
}

static gboolean
is_pg (void)
{
  return pg_base_uri != NULL;
}

static MdStore *
open_store (Fixture          *fx,
            MdStoreOpenFlags  flags)
{
  g_autoptr(GError) error = NULL;
  MdStore *store = md_store_open (fx->uri, flags, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static MdStore *
create_store (Fixture *fx)
{
  return open_store (fx, MD_STORE_OPEN_CREATE);
}

static PGconn *
fx_pg_raw (Fixture *fx)
{
  return pg_raw_connect (fx->uri);
}

static void
exec_ok (MdStore    *store,
         const char *sql)
{
  g_autoptr(GError) error = NULL;

  md_store_exec (store, sql, &error);
  g_assert_no_error (error);
}

static gint64
query_int (MdStore    *store,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  gint64 value = -1;

  g_assert_true (md_store_query_int64 (store, sql, &value, &error));
  g_assert_no_error (error);
  return value;
}

static char *
query_text (MdStore    *store,
            const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStmt) stmt = md_store_prepare (store, sql, &error);
  char *text = NULL;

  g_assert_no_error (error);
  if (md_stmt_step (stmt, &error))
    text = g_strdup (md_stmt_get_text (stmt, 0));
  g_assert_no_error (error);
  return text;
}

static const char *
blob_type (MdStore *store)
{
  return md_store_get_backend (store) == MD_STORE_BACKEND_POSTGRESQL ? "BYTEA" : "BLOB";
}

/* The backend's own code must be in the message for field reports. */
static void
assert_backend_code (const GError *error,
                     const char   *sqlite_code,
                     const char   *pg_code)
{
  g_autofree char *want = is_pg () ? g_strdup_printf ("PostgreSQL %s", pg_code)
                                   : g_strdup_printf ("SQLite %s", sqlite_code);

  g_assert_nonnull (error);
  if (strstr (error->message, want) == NULL)
    g_error ("“%s” does not name the backend code “%s”", error->message, want);
}

static GError *
exec_error (MdStore    *store,
            const char *sql)
{
  GError *error = NULL;

  g_assert_false (md_store_exec (store, sql, &error));
  g_assert_nonnull (error);
  return error;
}

/* Prepares, steps to the end and returns the error (NULL when none). */
static GError *
stmt_run_error (MdStore    *store,
                const char *sql)
{
  GError *error = NULL;
  g_autoptr(MdStmt) stmt = md_store_prepare (store, sql, &error);

  if (stmt == NULL)
    return error;
  md_stmt_exec (stmt, &error);
  return error;
}

static gint64
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

/* ---- opening ---- */

static void
test_create_reopen (Fixture       *fx,
                    gconstpointer  data)
{
  int code_version = md_store_get_code_schema_version ();
  g_autoptr(MdStore) store = NULL;
  g_autoptr(MdStore) again = NULL;

  g_assert_cmpint (code_version, >=, 1);

  store = create_store (fx);
  g_assert_cmpint (md_store_get_schema_version (store), ==, code_version);
  g_assert_cmpint (md_store_get_backend (store), ==,
                   is_pg () ? MD_STORE_BACKEND_POSTGRESQL : MD_STORE_BACKEND_SQLITE);
  g_assert_cmpstr (md_store_get_uri (store), ==, fx->uri);
  if (is_pg ())
    g_assert_null (md_store_get_path (store));
  else
    g_assert_cmpstr (md_store_get_path (store), ==, fx->db_path);
  exec_ok (store, "INSERT INTO setting (key, value) VALUES ('kept', 'yes')");
  g_clear_object (&store);

  again = open_store (fx, MD_STORE_OPEN_NONE);
  g_assert_cmpint (md_store_get_schema_version (again), ==, code_version);
  g_assert_cmpint (query_int (again, "SELECT count(*) FROM setting WHERE key = 'kept'"), ==, 1);
  g_clear_object (&again);

  /* CREATE on an existing database opens it and changes nothing. */
  again = open_store (fx, MD_STORE_OPEN_CREATE | MD_STORE_OPEN_NO_MIGRATE);
  g_assert_cmpint (md_store_get_schema_version (again), ==, code_version);
  g_assert_cmpint (query_int (again, "SELECT count(*) FROM setting"), ==, 1);
}

static void
test_migration_bookkeeping (Fixture       *fx,
                            gconstpointer  data)
{
  int code_version = md_store_get_code_schema_version ();
  g_autoptr(MdStore) store = create_store (fx);

  /* One md_schema row per applied version, each exactly once, up to ours. */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM md_schema"), ==,
                   query_int (store, "SELECT count(DISTINCT version) FROM md_schema"));
  g_assert_cmpint (query_int (store, "SELECT max(version) FROM md_schema"), ==, code_version);
  g_assert_cmpint (query_int (store, "SELECT min(version) FROM md_schema"), ==, 1);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM md_schema WHERE name = '0001-initial'"),
                   ==, 1);
  if (!is_pg ())
    g_assert_cmpint (query_int (store, "PRAGMA user_version"), ==, code_version);
  /* The seed row of the migration is there once. */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM audit_head"), ==, 1);
}

/* A migration that fails half-way leaves nothing behind. */
static void
test_migration_all_or_nothing (Fixture       *fx,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStore) store = NULL;

  /* A table the migration also creates, made beforehand, breaks it late
   * (card comes after a dozen other tables). */
  if (is_pg ())
    {
      PGconn *conn = fx_pg_raw (fx);

      pg_raw_exec (conn, "CREATE TABLE card (x BIGINT)");
      PQfinish (conn);
    }
  else
    {
      sqlite3 *db = sqlite_raw_open (fx->db_path);
      g_autofree char *sql = g_strdup_printf ("PRAGMA application_id=%d; CREATE TABLE card (x)",
                                              MD_STORE_APPLICATION_ID);

      sqlite_raw_exec (db, sql);
      sqlite3_close (db);
    }

  store = md_store_open (fx->uri, MD_STORE_OPEN_CREATE, &error);
  g_assert_null (store);
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "0001-initial"));
  assert_backend_code (error, "1", "42P07");

  if (is_pg ())
    {
      PGconn *conn = fx_pg_raw (fx);
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM pg_class c JOIN pg_namespace n "
                                              "ON n.oid = c.relnamespace WHERE n.nspname = '%s'",
                                              fx->schema);
      g_autofree char *count = pg_raw_text (conn, sql);
      g_autofree char *functions = NULL;

      g_free (sql);
      sql = g_strdup_printf ("SELECT count(*) FROM pg_proc p JOIN pg_namespace n "
                             "ON n.oid = p.pronamespace WHERE n.nspname = '%s'", fx->schema);
      functions = pg_raw_text (conn, sql);
      g_assert_cmpstr (count, ==, "1");
      g_assert_cmpstr (functions, ==, "0");
      PQfinish (conn);
    }
  else
    {
      sqlite3 *db = sqlite_raw_open (fx->db_path);
      g_autofree char *tables = sqlite_raw_text (db, "SELECT group_concat(name) FROM sqlite_schema");
      g_autofree char *version = sqlite_raw_text (db, "PRAGMA user_version");

      g_assert_cmpstr (tables, ==, "card");
      g_assert_cmpstr (version, ==, "0");
      sqlite3_close (db);
    }
}

static void
test_not_initialized (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStore) store = NULL;

  store = md_store_open (fx->uri, MD_STORE_OPEN_NONE, &error);
  g_assert_null (store);
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);

  if (is_pg ())
    {
      PGconn *conn = fx_pg_raw (fx);
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM pg_class c JOIN pg_namespace n "
                                              "ON n.oid = c.relnamespace WHERE n.nspname = '%s'",
                                              fx->schema);
      g_autofree char *count = pg_raw_text (conn, sql);

      /* Nothing was created on the way. */
      g_assert_cmpstr (count, ==, "0");
      PQfinish (conn);
    }
  else
    {
      /* Not created on the way either... */
      g_assert_false (g_file_test (fx->db_path, G_FILE_TEST_EXISTS));

      /* ...and an empty file is not a database yet, and stays untouched. */
      g_assert_true (g_file_set_contents (fx->db_path, "", 0, NULL));
      store = md_store_open (fx->uri, MD_STORE_OPEN_NONE, &error);
      g_assert_null (store);
      g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_NOT_INITIALIZED);
      g_clear_error (&error);
      {
        GStatBuf st;

        g_assert_cmpint (g_stat (fx->db_path, &st), ==, 0);
        g_assert_cmpint (st.st_size, ==, 0);
      }
    }

  /* With CREATE it is set up, and then it opens without. */
  g_clear_object (&store);
  store = create_store (fx);
  g_clear_object (&store);
  store = open_store (fx, MD_STORE_OPEN_NONE);
}

static void
test_schema_too_new (Fixture       *fx,
                     gconstpointer  data)
{
  int newer = md_store_get_code_schema_version () + 1;
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStore) store = create_store (fx);
  g_autofree char *sql = NULL;

  g_clear_object (&store);
  sql = g_strdup_printf ("INSERT INTO md_schema (version, name, applied_at) "
                         "VALUES (%d, '%04d-from-the-future', 0)", newer, newer);
  if (is_pg ())
    {
      PGconn *conn = fx_pg_raw (fx);

      pg_raw_exec (conn, sql);
      PQfinish (conn);
    }
  else
    {
      sqlite3 *db = sqlite_raw_open (fx->db_path);
      g_autofree char *pragma = g_strdup_printf ("PRAGMA user_version=%d", newer);

      sqlite_raw_exec (db, sql);
      sqlite_raw_exec (db, pragma);
      sqlite3_close (db);
    }

  for (guint i = 0; i < 3; i++)
    {
      static const MdStoreOpenFlags flags[] = {
        MD_STORE_OPEN_NONE, MD_STORE_OPEN_CREATE, MD_STORE_OPEN_NO_MIGRATE
      };

      store = md_store_open (fx->uri, flags[i], &error);
      g_assert_null (store);
      g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_SCHEMA_TOO_NEW);
      g_clear_error (&error);
    }
}

static void
test_not_ours (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStore) store = NULL;
  g_autofree char *other_path = g_build_filename (fx->dir, "other-app.db", NULL);
  sqlite3 *db;

  /* Somebody else's database: tables, no application id, rollback journal. */
  db = sqlite_raw_open (fx->db_path);
  sqlite_raw_exec (db, "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x')");
  sqlite3_close (db);

  for (guint i = 0; i < 2; i++)
    {
      store = md_store_open (fx->uri, i == 0 ? MD_STORE_OPEN_NONE : MD_STORE_OPEN_CREATE, &error);
      g_assert_null (store);
      g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_NOT_OURS);
      g_clear_error (&error);
    }

  /* Refused without being touched: still no id, still a rollback journal. */
  db = sqlite_raw_open (fx->db_path);
  {
    g_autofree char *app_id = sqlite_raw_text (db, "PRAGMA application_id");
    g_autofree char *mode = sqlite_raw_text (db, "PRAGMA journal_mode");

    g_assert_cmpstr (app_id, ==, "0");
    g_assert_cmpstr (mode, ==, "delete");
  }
  sqlite3_close (db);

  /* Another program's application id, even with no tables. */
  db = sqlite_raw_open (other_path);
  sqlite_raw_exec (db, "PRAGMA application_id=1196379972");
  sqlite3_close (db);
  store = md_store_open (other_path, MD_STORE_OPEN_CREATE, &error);
  g_assert_null (store);
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_NOT_OURS);
}

static void
test_not_sqlite (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStore) store = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261121);
  g_autofree char *after = NULL;
  gsize after_len = 0;
  guint8 junk[8192];

  for (guint i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) g_rand_int_range (rand, 0, 256);
  g_assert_true (g_file_set_contents (fx->db_path, (const char *) junk, sizeof junk, NULL));

  for (guint i = 0; i < 2; i++)
    {
      store = md_store_open (fx->uri, i == 0 ? MD_STORE_OPEN_NONE : MD_STORE_OPEN_CREATE, &error);
      g_assert_null (store);
      g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CORRUPT);
      assert_backend_code (error, "26", NULL);
      g_assert_nonnull (strstr (error->message, fx->db_path));
      g_clear_error (&error);
    }

  g_assert_true (g_file_get_contents (fx->db_path, &after, &after_len, NULL));
  g_assert_cmpmem (after, after_len, junk, sizeof junk);
}

/* md_store_open takes sqlite:PATH, sqlite://PATH and bare paths; relative
 * ones are resolved once, at open. */
static void
test_sqlite_uri_forms (Fixture       *fx,
                       gconstpointer  data)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *nested = g_build_filename (fx->dir, "a", "b", "nested.db", NULL);
  g_autofree char *nested_dir = g_path_get_dirname (nested);
  g_autofree char *rel_abs = g_build_filename (fx->dir, "relative.db", NULL);
  g_autofree char *sub = g_build_filename (fx->dir, "sub", NULL);
  g_autoptr(GError) error = NULL;
  struct {
    char *uri;
    const char *path;
  } forms[] = {
    { g_strconcat ("sqlite:", fx->db_path, NULL), fx->db_path },
    { g_strconcat ("sqlite://", fx->db_path, NULL), fx->db_path },
    { g_strdup (nested), nested },
    { g_strdup ("sqlite:relative.db"), rel_abs },
    { g_strdup ("relative.db"), rel_abs },
    { g_strdup ("./sub/../relative.db"), rel_abs },
  };
  static const char *invalid[] = { "sqlite:", "sqlite://", "mysql://localhost/db", "" };

  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  g_assert_cmpint (g_chdir (fx->dir), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autoptr(MdStore) store = md_store_open (forms[i].uri, MD_STORE_OPEN_CREATE, &error);

      g_assert_no_error (error);
      g_assert_cmpint (md_store_get_backend (store), ==, MD_STORE_BACKEND_SQLITE);
      g_assert_cmpstr (md_store_get_path (store), ==, forms[i].path);
      g_assert_cmpstr (md_store_get_uri (store), ==, forms[i].uri);
      g_assert_true (g_path_is_absolute (md_store_get_path (store)));
      g_free (forms[i].uri);
    }
  g_assert_cmpint (g_chdir (cwd), ==, 0);

  /* The relative one is where it was asked to be, not in the new cwd. */
  g_assert_true (g_file_test (rel_abs, G_FILE_TEST_IS_REGULAR));
  /* Missing folders are made private. */
  g_assert_cmpint (file_mode (nested_dir), ==, 0700);
  g_assert_cmpint (file_mode (nested), ==, 0600);

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(MdStore) store = md_store_open (invalid[i], MD_STORE_OPEN_CREATE, &error);

      g_assert_null (store);
      g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_INVALID_URI);
      g_clear_error (&error);
    }

  g_assert_true (md_store_uri_is_postgresql ("postgresql:///x?host=/tmp"));
  g_assert_true (md_store_uri_is_postgresql ("postgres://u@h/db"));
  g_assert_false (md_store_uri_is_postgresql ("sqlite:/x.db"));
  g_assert_false (md_store_uri_is_postgresql ("/var/lib/x.db"));
}

static void
test_pg_cannot_connect (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = g_strdup_printf ("postgresql:///meterdesk?host=%s/no-such-dir&"
                                          "connect_timeout=2", g_get_tmp_dir ());
  g_autoptr(MdStore) store = md_store_open (uri, MD_STORE_OPEN_CREATE, &error);

  g_assert_null (store);
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CONNECTION);
  g_assert_nonnull (strstr (error->message, "PostgreSQL"));
}

/* ---- SQLite connection settings (RELIABILITY.md A1) ---- */

static void
test_sqlite_settings (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(MdStore) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *wal = g_strconcat (fx->db_path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (fx->db_path, "-shm", NULL);
  g_autofree char *mode = NULL;

  exec_ok (store, "INSERT INTO setting (key, value) VALUES ('a', 'b')");

  /* Check on a second connection too: most of these are per connection. */
  second = open_store (fx, MD_STORE_OPEN_NONE);
  for (guint i = 0; i < 2; i++)
    {
      MdStore *s = i == 0 ? store : second;

      mode = query_text (s, "PRAGMA journal_mode");
      g_assert_cmpstr (mode, ==, "wal");
      g_clear_pointer (&mode, g_free);
      g_assert_cmpint (query_int (s, "PRAGMA synchronous"), ==, 2);
      g_assert_cmpint (query_int (s, "PRAGMA foreign_keys"), ==, 1);
      g_assert_cmpint (query_int (s, "PRAGMA busy_timeout"), ==, 5000);
      g_assert_cmpint (query_int (s, "PRAGMA trusted_schema"), ==, 0);
      g_assert_cmpint (query_int (s, "PRAGMA cell_size_check"), ==, 1);
      g_assert_cmpint (query_int (s, "PRAGMA journal_size_limit"), ==, 67108864);
      g_assert_cmpint (query_int (s, "PRAGMA application_id"), ==, MD_STORE_APPLICATION_ID);
      g_assert_cmpint (query_int (s, "PRAGMA user_version"), ==,
                       md_store_get_code_schema_version ());

      /* Defensive mode: the schema cannot be edited by hand. */
      md_store_exec (s, "PRAGMA writable_schema=ON", NULL);
      error = exec_error (s, "UPDATE sqlite_schema SET sql = 'CREATE TABLE setting (x)' "
                             "WHERE name = 'setting'");
      g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_FAILED);
      g_clear_error (&error);
      g_assert_cmpint (query_int (s, "SELECT count(*) FROM setting"), ==, 1);

      /* No extension loading from SQL. */
      error = stmt_run_error (s, "SELECT load_extension('/nonexistent/x')");
      g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, "not authorized"));
      g_clear_error (&error);
    }

  /* Private files, WAL and shared memory included. */
  g_assert_cmpint (file_mode (fx->db_path), ==, 0600);
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_cmpint (file_mode (wal), ==, 0600);
  g_assert_cmpint (file_mode (shm), ==, 0600);
}

/* ---- statements and parameters ---- */

static void
create_param_table (MdStore *store)
{
  g_autofree char *sql = g_strdup_printf ("CREATE TABLE p (id BIGINT PRIMARY KEY, i BIGINT, "
                                          "t TEXT, b %s)", blob_type (store));

  exec_ok (store, sql);
}

static void
test_params_roundtrip (Fixture       *fx,
                       gconstpointer  data)
{
  static const gint64 ints[] = {
    G_MININT64, G_MININT64 + 1, -4294967297, G_MININT32, -1, 0, 1, G_MAXINT32,
    (gint64) G_MAXINT32 + 1, G_GINT64_CONSTANT (9007199254740993), G_MAXINT64 - 1, G_MAXINT64,
  };
  static const char *texts[] = {
    "", "it's", "'; DROP TABLE p; --", "a;b", "x -- not a comment", "/* nor this */",
    "$1 $2 $$", "back\\slash", "\"quoted\"", "电费充值 水费 ¥100.00", "tab\there\nnewline",
    "     ",
  };
  static const guint8 blob_zeros[] = { 0, 0, 0 };
  static const guint8 blob_mixed[] = { 0, 1, 2, 0, 255, '\\', 'x', '\'', 0 };
  guint8 blob_all[256];
  struct { gconstpointer data; gsize len; } blobs[] = {
    { blob_zeros, sizeof blob_zeros }, { blob_mixed, sizeof blob_mixed },
    { blob_all, sizeof blob_all }, { "", 0 }, { NULL, 0 },
  };
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStmt) insert = NULL;
  g_autoptr(MdStmt) select = NULL;
  gint64 id = 0;

  for (guint i = 0; i < sizeof blob_all; i++)
    blob_all[i] = (guint8) i;
  create_param_table (store);

  /* Parameters out of order: the index is the $n, not the position. */
  insert = md_store_prepare (store, "INSERT INTO p (t, b, id, i) VALUES ($3, $4, $1, $2)", &error);
  g_assert_no_error (error);
  select = md_store_prepare (store, "SELECT i, t, b, id FROM p WHERE id = $1", &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (ints); i++, id++)
    {
      md_stmt_bind_int64 (insert, 1, id);
      md_stmt_bind_int64 (insert, 2, ints[i]);
      md_stmt_bind_null (insert, 3);
      md_stmt_bind_null (insert, 4);
      g_assert_true (md_stmt_exec (insert, &error));
      g_assert_no_error (error);
      g_assert_cmpint (md_stmt_changes (insert), ==, 1);

      md_stmt_bind_int64 (select, 1, id);
      g_assert_true (md_stmt_step (select, &error));
      g_assert_false (md_stmt_is_null (select, 0));
      g_assert_cmpint (md_stmt_get_int64 (select, 0), ==, ints[i]);
      g_assert_true (md_stmt_is_null (select, 1));
      g_assert_null (md_stmt_get_text (select, 1));
      g_assert_true (md_stmt_is_null (select, 2));
      g_assert_null (md_stmt_dup_blob (select, 2));
      g_assert_false (md_stmt_step (select, &error));
      g_assert_no_error (error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++, id++)
    {
      md_stmt_bind_int64 (insert, 1, id);
      md_stmt_bind_int64_or_null (insert, 2, 42, TRUE);
      md_stmt_bind_text (insert, 3, texts[i]);
      md_stmt_bind_null (insert, 4);
      g_assert_true (md_stmt_exec (insert, &error));
      g_assert_no_error (error);

      md_stmt_bind_int64 (select, 1, id);
      g_assert_true (md_stmt_step (select, &error));
      g_assert_true (md_stmt_is_null (select, 0));
      g_assert_false (md_stmt_is_null (select, 1));
      g_assert_cmpstr (md_stmt_get_text (select, 1), ==, texts[i]);
      g_assert_false (md_stmt_step (select, &error));
      g_assert_no_error (error);
    }

  /* Empty string and NULL text stay apart. */
  md_stmt_bind_int64 (insert, 1, id);
  md_stmt_bind_int64_or_null (insert, 2, 7, FALSE);
  md_stmt_bind_text (insert, 3, NULL);
  md_stmt_bind_null (insert, 4);
  g_assert_true (md_stmt_exec (insert, &error));
  md_stmt_bind_int64 (select, 1, id++);
  g_assert_true (md_stmt_step (select, &error));
  g_assert_cmpint (md_stmt_get_int64 (select, 0), ==, 7);
  g_assert_true (md_stmt_is_null (select, 1));
  g_assert_false (md_stmt_step (select, &error));
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM p WHERE t = ''"), ==, 1);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM p WHERE t IS NULL"), ==,
                   G_N_ELEMENTS (ints) + 1);

  for (guint i = 0; i < G_N_ELEMENTS (blobs); i++, id++)
    {
      g_autoptr(GBytes) back = NULL;

      md_stmt_bind_int64 (insert, 1, id);
      md_stmt_bind_null (insert, 2);
      md_stmt_bind_null (insert, 3);
      md_stmt_bind_blob (insert, 4, blobs[i].data, blobs[i].len);
      g_assert_true (md_stmt_exec (insert, &error));
      g_assert_no_error (error);

      md_stmt_bind_int64 (select, 1, id);
      g_assert_true (md_stmt_step (select, &error));
      /* A zero-length blob is a value, whatever pointer came with it. */
      g_assert_false (md_stmt_is_null (select, 2));
      back = md_stmt_dup_blob (select, 2);
      g_assert_nonnull (back);
      g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back),
                       blobs[i].data, blobs[i].len);
      g_assert_false (md_stmt_step (select, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM p WHERE b IS NOT NULL"), ==,
                   G_N_ELEMENTS (blobs));
}

static void
test_params_reuse (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  gint64 expected[] = { 2, 3 };
  guint n = 0;

  exec_ok (store, "CREATE TABLE q (a BIGINT, b TEXT, c BIGINT)");
  exec_ok (store, "INSERT INTO q VALUES (1, 'x', 5), (2, 'y', 7), (3, 'z', 2), (4, 'w', 9)");

  /* $2 before $1, and $2 twice. */
  stmt = md_store_prepare (store, "SELECT a FROM q WHERE a = $2 OR b = $1 OR c = $2 ORDER BY a",
                           &error);
  g_assert_no_error (error);
  md_stmt_bind_text (stmt, 1, "y");
  md_stmt_bind_int64 (stmt, 2, 2);
  while (md_stmt_step (stmt, &error))
    {
      g_assert_cmpuint (n, <, G_N_ELEMENTS (expected));
      g_assert_cmpint (md_stmt_get_int64 (stmt, 0), ==, expected[n++]);
    }
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (expected));

  /* Stepping again re-runs it with the new bindings. */
  md_stmt_bind_text (stmt, 1, "w");
  md_stmt_bind_int64 (stmt, 2, 1);
  g_assert_true (md_stmt_step (stmt, &error));
  g_assert_cmpint (md_stmt_get_int64 (stmt, 0), ==, 1);
  g_assert_true (md_stmt_step (stmt, &error));
  g_assert_cmpint (md_stmt_get_int64 (stmt, 0), ==, 4);
  g_assert_false (md_stmt_step (stmt, &error));
  g_assert_no_error (error);
  g_clear_pointer (&stmt, md_stmt_free);

  /* int64 arithmetic on a bound value beyond 32 bits. */
  stmt = md_store_prepare (store, "SELECT $1 + 1, $1 * 2, $2 - $1", &error);
  g_assert_no_error (error);
  md_stmt_bind_int64 (stmt, 1, G_GINT64_CONSTANT (3000000000));
  md_stmt_bind_int64 (stmt, 2, G_MAXINT64);
  g_assert_true (md_stmt_step (stmt, &error));
  g_assert_no_error (error);
  g_assert_cmpint (md_stmt_get_int64 (stmt, 0), ==, G_GINT64_CONSTANT (3000000001));
  g_assert_cmpint (md_stmt_get_int64 (stmt, 1), ==, G_GINT64_CONSTANT (6000000000));
  g_assert_cmpint (md_stmt_get_int64 (stmt, 2), ==, G_MAXINT64 - G_GINT64_CONSTANT (3000000000));
  g_assert_false (md_stmt_step (stmt, &error));
  g_clear_pointer (&stmt, md_stmt_free);

  /* A $n inside a string literal or a comment is not a parameter. */
  stmt = md_store_prepare (store, "SELECT $1 || ' costs US$5 -- no comment', /* $7 */ 'a''$3'\n"
                                  "  -- $9 is not here either\n", &error);
  g_assert_no_error (error);
  md_stmt_bind_text (stmt, 1, "it");
  g_assert_true (md_stmt_step (stmt, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (md_stmt_get_text (stmt, 0), ==, "it costs US$5 -- no comment");
  g_assert_cmpstr (md_stmt_get_text (stmt, 1), ==, "a'$3");
  g_assert_false (md_stmt_step (stmt, &error));
}

static void
test_pg_dollar_quotes (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStmt) stmt = NULL;

  stmt = md_store_prepare (store, "SELECT $$it's $2 and $3$$ || $1, $tag$ $4 $$ $tag$, "
                                  "\"col$5\".x$7 FROM (SELECT 1 AS x$7) AS \"col$5\"", &error);
  g_assert_no_error (error);
  md_stmt_bind_text (stmt, 1, "!");
  g_assert_true (md_stmt_step (stmt, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (md_stmt_get_text (stmt, 0), ==, "it's $2 and $3!");
  g_assert_cmpstr (md_stmt_get_text (stmt, 1), ==, " $4 $$ ");
  g_assert_cmpint (md_stmt_get_int64 (stmt, 2), ==, 1);
  g_assert_false (md_stmt_step (stmt, &error));
  g_assert_no_error (error);
}

static void
test_columns (Fixture       *fx,
              gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStmt) stmt = NULL;

  stmt = md_store_prepare (store, "SELECT key AS the_key, value, 3 AS three FROM setting "
                                  "WHERE key = $1", &error);
  g_assert_no_error (error);

  /* No row: the shape is still known once it ran. */
  md_stmt_bind_text (stmt, 1, "none");
  g_assert_false (md_stmt_step (stmt, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (md_stmt_get_n_columns (stmt), ==, 3);
  g_assert_cmpstr (md_stmt_get_column_name (stmt, 0), ==, "the_key");
  g_assert_cmpstr (md_stmt_get_column_name (stmt, 2), ==, "three");

  exec_ok (store, "INSERT INTO setting (key, value) VALUES ('k', 'v')");
  md_stmt_bind_text (stmt, 1, "k");
  g_assert_true (md_stmt_step (stmt, &error));
  g_assert_cmpuint (md_stmt_get_n_columns (stmt), ==, 3);
  g_assert_cmpstr (md_stmt_get_column_name (stmt, 1), ==, "value");
  g_assert_cmpstr (md_stmt_get_text (stmt, 1), ==, "v");
  g_assert_false (md_stmt_step (stmt, &error));
  g_assert_no_error (error);
  /* ...and after the last row. */
  g_assert_cmpuint (md_stmt_get_n_columns (stmt), ==, 3);
  g_assert_cmpstr (md_stmt_get_column_name (stmt, 0), ==, "the_key");
}

/* One statement per prepare, on both backends: nothing after a ';' runs. */
static void
test_one_statement (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStmt) stmt = NULL;

  error = stmt_run_error (store, "INSERT INTO setting (key, value) VALUES ('a', '1'); "
                                 "INSERT INTO setting (key, value) VALUES ('b', '2')");
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting"), ==, 0);

  /* A trailing ';', blanks and comments are fine. */
  stmt = md_store_prepare (store, "INSERT INTO setting (key, value) VALUES ('c', '3');  \n"
                                  "-- done\n", &error);
  g_assert_no_error (error);
  g_assert_true (md_stmt_exec (stmt, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting"), ==, 1);
}

static void
test_changes_returning_upsert (Fixture       *fx,
                               gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  gint64 id1, id2;

  exec_ok (store, "INSERT INTO counter (scope, name, value) VALUES "
                  "('t1', 'receipt', 0), ('t1', 'z', 5), ('t2', 'receipt', 9)");

  stmt = md_store_prepare (store, "UPDATE counter SET value = value + 1 WHERE scope = $1", &error);
  g_assert_no_error (error);
  md_stmt_bind_text (stmt, 1, "t1");
  g_assert_true (md_stmt_exec (stmt, &error));
  g_assert_no_error (error);
  g_assert_cmpint (md_stmt_changes (stmt), ==, 2);
  md_stmt_bind_text (stmt, 1, "nobody");
  g_assert_true (md_stmt_exec (stmt, &error));
  g_assert_cmpint (md_stmt_changes (stmt), ==, 0);
  g_clear_pointer (&stmt, md_stmt_free);

  /* The gapless receipt pattern: UPDATE … RETURNING. */
  stmt = md_store_prepare (store, "UPDATE counter SET value = value + 1 "
                                  "WHERE scope = $1 AND name = 'receipt' RETURNING value", &error);
  md_stmt_bind_text (stmt, 1, "t2");
  g_assert_true (md_stmt_step (stmt, &error));
  g_assert_cmpint (md_stmt_get_int64 (stmt, 0), ==, 10);
  g_assert_false (md_stmt_step (stmt, &error));
  g_assert_no_error (error);
  g_assert_cmpint (md_stmt_changes (stmt), ==, 1);
  g_clear_pointer (&stmt, md_stmt_free);

  stmt = md_store_prepare (store, "INSERT INTO operator (name, password_hash, password_set_at, "
                                  "created_at) VALUES ($1, 'x', 0, 0) RETURNING id, name", &error);
  g_assert_no_error (error);
  md_stmt_bind_text (stmt, 1, "alice");
  g_assert_true (md_stmt_step (stmt, &error));
  id1 = md_stmt_get_int64 (stmt, 0);
  g_assert_cmpstr (md_stmt_get_text (stmt, 1), ==, "alice");
  g_assert_false (md_stmt_step (stmt, &error));
  md_stmt_bind_text (stmt, 1, "bob");
  g_assert_true (md_stmt_step (stmt, &error));
  id2 = md_stmt_get_int64 (stmt, 0);
  g_assert_false (md_stmt_step (stmt, &error));
  g_assert_no_error (error);
  g_assert_cmpint (id1, >, 0);
  g_assert_cmpint (id2, >, id1);
  g_clear_pointer (&stmt, md_stmt_free);

  stmt = md_store_prepare (store, "INSERT INTO setting (key, value) VALUES ($1, $2) "
                                  "ON CONFLICT (key) DO NOTHING", &error);
  md_stmt_bind_text (stmt, 1, "k");
  md_stmt_bind_text (stmt, 2, "first");
  g_assert_true (md_stmt_exec (stmt, &error));
  g_assert_cmpint (md_stmt_changes (stmt), ==, 1);
  md_stmt_bind_text (stmt, 2, "second");
  g_assert_true (md_stmt_exec (stmt, &error));
  g_assert_no_error (error);
  g_assert_cmpint (md_stmt_changes (stmt), ==, 0);
  g_clear_pointer (&stmt, md_stmt_free);
  {
    g_autofree char *value = query_text (store, "SELECT value FROM setting WHERE key = 'k'");

    g_assert_cmpstr (value, ==, "first");
  }

  stmt = md_store_prepare (store, "INSERT INTO setting (key, value) VALUES ($1, $2) "
                                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value "
                                  "RETURNING value", &error);
  md_stmt_bind_text (stmt, 1, "k");
  md_stmt_bind_text (stmt, 2, "third");
  g_assert_true (md_stmt_step (stmt, &error));
  g_assert_cmpstr (md_stmt_get_text (stmt, 0), ==, "third");
  g_assert_false (md_stmt_step (stmt, &error));
  g_assert_no_error (error);
  g_assert_cmpint (md_stmt_changes (stmt), ==, 1);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting"), ==, 1);
}

/* ---- errors ---- */

static void
test_error_mapping (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  GError *error = NULL;

  exec_ok (store, "INSERT INTO setting (key, value) VALUES ('dup', '1')");
  exec_ok (store, "INSERT INTO operator (name, password_hash, password_set_at, created_at) "
                  "VALUES ('dup', 'x', 0, 0)");

  /* A UNIQUE column... */
  error = stmt_run_error (store, "INSERT INTO operator (name, password_hash, password_set_at, "
                                 "created_at) VALUES ('dup', 'y', 0, 0)");
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_UNIQUE);
  assert_backend_code (error, "2067", "23505");
  g_clear_error (&error);
  error = exec_error (store, "INSERT INTO operator (name, password_hash, password_set_at, "
                             "created_at) VALUES ('dup', 'y', 0, 0)");
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_UNIQUE);
  assert_backend_code (error, "2067", "23505");
  g_clear_error (&error);

  /* ...and a primary key, which SQLite reports under its own code. */
  error = stmt_run_error (store, "INSERT INTO setting (key, value) VALUES ('dup', '2')");
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_UNIQUE);
  assert_backend_code (error, "1555", "23505");
  g_clear_error (&error);
  error = stmt_run_error (store, "INSERT INTO counter (scope, name, value) VALUES ('a', 'b', 1), "
                                 "('a', 'b', 2)");
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_UNIQUE);
  assert_backend_code (error, "1555", "23505");
  g_clear_error (&error);

  error = stmt_run_error (store, "INSERT INTO operator_role (operator_id, role) "
                                 "VALUES (999, 'cashier')");
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_FOREIGN_KEY);
  assert_backend_code (error, "787", "23503");
  g_clear_error (&error);

  error = stmt_run_error (store, "INSERT INTO counter (scope, name, value) VALUES ('a', 'b', -1)");
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CHECK);
  assert_backend_code (error, "275", "23514");
  g_clear_error (&error);

  error = stmt_run_error (store, "INSERT INTO setting (key, value) VALUES ('n', NULL)");
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CHECK);
  assert_backend_code (error, "1299", "23502");
  g_clear_error (&error);

  error = stmt_run_error (store, "SELEC 1");
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_FAILED);
  assert_backend_code (error, "1", "42601");
  g_clear_error (&error);
  error = exec_error (store, "SELEC 1");
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_FAILED);
  assert_backend_code (error, "1", "42601");
  g_clear_error (&error);

  error = stmt_run_error (store, "SELECT * FROM no_such_table");
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_FAILED);
  assert_backend_code (error, "1", "42P01");
  g_clear_error (&error);

  /* The failed statements changed nothing. */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting"), ==, 1);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM operator"), ==, 1);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM counter"), ==, 0);
}

/* ---- transactions ---- */

static gboolean
exec_in_txn (MdStore     *store,
             const char  *sql,
             GError     **error)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store, sql, error);

  return stmt != NULL && md_stmt_exec (stmt, error);
}

static gboolean
insert_then_fail (MdStore   *store,
                  gpointer   user_data,
                  GError   **error)
{
  g_assert_true (md_store_in_transaction (store));
  if (!exec_in_txn (store, "INSERT INTO setting (key, value) VALUES ('rolled', 'back')", error))
    return FALSE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "changed my mind");
  return FALSE;
}

static gboolean
insert_committed (MdStore   *store,
                  gpointer   user_data,
                  GError   **error)
{
  return exec_in_txn (store, "INSERT INTO setting (key, value) VALUES ('committed', 'yes')",
                      error);
}

static gboolean
nested_inner (MdStore   *store,
              gpointer   user_data,
              GError   **error)
{
  g_assert_true (md_store_in_transaction (store));
  return exec_in_txn (store, "INSERT INTO setting (key, value) VALUES ('inner', '1')", error);
}

static gboolean
nested_outer (MdStore   *store,
              gpointer   user_data,
              GError   **error)
{
  gboolean fail = GPOINTER_TO_INT (user_data);

  if (!exec_in_txn (store, "INSERT INTO setting (key, value) VALUES ('outer', '1')", error))
    return FALSE;
  if (!md_store_write (store, nested_inner, NULL, error))
    return FALSE;
  /* The joined transaction did not commit on its own. */
  g_assert_true (md_store_in_transaction (store));
  if (fail)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "outer fails after inner");
      return FALSE;
    }
  return TRUE;
}

static void
test_transactions (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(MdStore) other = open_store (fx, MD_STORE_OPEN_NONE);
  g_autoptr(GError) error = NULL;

  g_assert_false (md_store_in_transaction (store));
  g_assert_true (md_store_write (store, insert_committed, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (md_store_in_transaction (store));
  /* Committed: another connection sees it. */
  g_assert_cmpint (query_int (other, "SELECT count(*) FROM setting WHERE key = 'committed'"),
                   ==, 1);

  /* The body's own error comes back unchanged, and everything rolls back. */
  g_assert_false (md_store_write (store, insert_then_fail, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (md_store_in_transaction (store));
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting WHERE key = 'rolled'"), ==, 0);
  g_assert_cmpint (query_int (other, "SELECT count(*) FROM setting WHERE key = 'rolled'"), ==, 0);

  /* A nested write joins the outer one and shares its fate. */
  g_assert_false (md_store_write (store, nested_outer, GINT_TO_POINTER (TRUE), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpint (query_int (other, "SELECT count(*) FROM setting WHERE key IN "
                                     "('outer', 'inner')"), ==, 0);
  g_assert_true (md_store_write (store, nested_outer, GINT_TO_POINTER (FALSE), &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (other, "SELECT count(*) FROM setting WHERE key IN "
                                     "('outer', 'inner')"), ==, 2);

  /* A constraint error inside the body rolls the body back too. */
  g_assert_false (md_store_write (store, insert_committed, NULL, &error));
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_UNIQUE);
  g_clear_error (&error);
  g_assert_true (md_store_write (store, nested_inner, NULL, &error) == FALSE);
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_UNIQUE);
  g_clear_error (&error);

  /* The store is still usable afterwards. */
  exec_ok (store, "INSERT INTO setting (key, value) VALUES ('after', '1')");
  g_assert_cmpint (query_int (other, "SELECT count(*) FROM setting"), ==, 4);
}

typedef struct
{
  MdStore *other;
  gint64   before;
  gint64   after;
} SnapshotData;

static gboolean
other_inserts (MdStore   *store,
               gpointer   user_data,
               GError   **error)
{
  return exec_in_txn (store, "INSERT INTO setting (key, value) VALUES ('concurrent', '1')", error);
}

static gboolean
read_twice (MdStore   *store,
            gpointer   user_data,
            GError   **error)
{
  SnapshotData *d = user_data;

  if (!md_store_query_int64 (store, "SELECT count(*) FROM setting", &d->before, error))
    return FALSE;
  /* Another connection commits a row in the middle of our read. */
  if (!md_store_write (d->other, other_inserts, NULL, error))
    return FALSE;
  return md_store_query_int64 (store, "SELECT count(*) FROM setting", &d->after, error);
}

static gboolean
write_in_read (MdStore   *store,
               gpointer   user_data,
               GError   **error)
{
  return exec_in_txn (store, "INSERT INTO setting (key, value) VALUES ('sneaky', '1')", error);
}

static void
test_read_snapshot (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(MdStore) other = open_store (fx, MD_STORE_OPEN_NONE);
  g_autoptr(GError) error = NULL;
  SnapshotData d = { other, -1, -1 };

  exec_ok (store, "INSERT INTO setting (key, value) VALUES ('a', '1')");
  g_assert_true (md_store_read (store, read_twice, &d, &error));
  g_assert_no_error (error);
  g_assert_cmpint (d.before, ==, 1);
  g_assert_cmpint (d.after, ==, 1);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting"), ==, 2);

  /* A read transaction is read-only on both backends. */
  g_assert_false (md_store_read (store, write_in_read, NULL, &error));
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_assert_cmpint (query_int (other, "SELECT count(*) FROM setting WHERE key = 'sneaky'"), ==, 0);
  /* ...and only that transaction. */
  g_assert_true (md_store_write (store, write_in_read, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (other, "SELECT count(*) FROM setting WHERE key = 'sneaky'"), ==, 1);
}

/* ---- append-only history ---- */

static void
insert_history (MdStore *store)
{
  exec_ok (store, "INSERT INTO customer (id, name, created_at) VALUES (1, 'Wang', 0)");
  exec_ok (store, "INSERT INTO usage_category (id, code, name, utility, created_at) "
                  "VALUES (1, 'res', 'Residential', 'electricity', 0)");
  exec_ok (store, "INSERT INTO account (id, no, customer_id, category_id, state, created_at) "
                  "VALUES (1, 'A-1', 1, 1, 'open', 0)");
  exec_ok (store, "INSERT INTO account_event (account_id, at, kind) VALUES (1, 1, 'open')");
  exec_ok (store, "INSERT INTO meter (id, address, utility, model, state, created_at) "
                  "VALUES (1, '000000000001', 'electricity', 'DDSY', 'stock', 0)");
  exec_ok (store, "INSERT INTO meter_event (meter_id, at, to_state) VALUES (1, 1, 'stock')");
  exec_ok (store, "INSERT INTO audit (seq, at, mono, terminal, action, prev_hash, hash) "
                  "VALUES (1, 1, 1, 'T1', 'login', 'p', 'h')");
}

static void
test_append_only (Fixture       *fx,
                  gconstpointer  data)
{
  static const char *refused[] = {
    "UPDATE audit SET action = 'nothing happened'",
    "UPDATE audit SET hash = hash WHERE seq = 1",
    "DELETE FROM audit",
    "DELETE FROM audit WHERE seq = 1",
    "UPDATE account_event SET kind = 'close'",
    "DELETE FROM account_event",
    "UPDATE meter_event SET note = 'x'",
    "DELETE FROM meter_event WHERE meter_id = 1",
  };
  g_autoptr(MdStore) store = create_store (fx);

  insert_history (store);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = stmt_run_error (store, refused[i]);

      if (error == NULL)
        g_error ("“%s” was allowed", refused[i]);
      g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CONSTRAINT);
      g_assert_nonnull (strstr (error->message, "append-only"));
    }

  g_assert_cmpint (query_int (store, "SELECT count(*) FROM audit WHERE action = 'login'"), ==, 1);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM account_event WHERE kind = 'open'"),
                   ==, 1);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM meter_event WHERE note = ''"), ==, 1);
  /* Appending still works. */
  exec_ok (store, "INSERT INTO audit (seq, at, mono, terminal, action, prev_hash, hash) "
                  "VALUES (2, 2, 2, 'T1', 'logout', 'h', 'h2')");
}

static void
test_pg_no_truncate (Fixture       *fx,
                     gconstpointer  data)
{
  static const char *tables[] = { "audit", "account_event", "meter_event" };
  g_autoptr(MdStore) store = create_store (fx);

  insert_history (store);
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("TRUNCATE %s CASCADE", tables[i]);
      g_autofree char *count = g_strdup_printf ("SELECT count(*) FROM %s", tables[i]);
      g_autoptr(GError) error = exec_error (store, sql);

      g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CONSTRAINT);
      assert_backend_code (error, NULL, "P0001");
      g_assert_cmpint (query_int (store, count), ==, 1);
    }
}

/* ---- PostgreSQL retries and lost connections ---- */

typedef struct
{
  guint attempts;
  gint64 fail_first;
} FlakyData;

static gboolean
flaky_body (MdStore   *store,
            gpointer   user_data,
            GError   **error)
{
  FlakyData *d = user_data;
  g_autoptr(MdStmt) stmt = NULL;

  d->attempts++;
  /* A leftover row from a failed attempt would make this a unique violation. */
  if (!exec_in_txn (store, "INSERT INTO setting (key, value) VALUES ('retried', 'once')", error))
    return FALSE;
  if (!(stmt = md_store_prepare (store, "SELECT md_test_flaky($1)", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, d->fail_first);
  return md_stmt_exec (stmt, error);
}

static void
create_flaky (MdStore *store)
{
  /* The sequence counts attempts outside the transactions being retried. */
  exec_ok (store, "CREATE SEQUENCE md_test_attempts");
  exec_ok (store,
           "CREATE FUNCTION md_test_flaky (fail_first bigint) RETURNS bigint "
           "LANGUAGE plpgsql AS $$\n"
           "DECLARE n bigint := nextval('md_test_attempts');\n"
           "BEGIN\n"
           "  IF n <= fail_first THEN\n"
           "    RAISE EXCEPTION 'simulated serialization failure %', n USING ERRCODE = '40001';\n"
           "  END IF;\n"
           "  RETURN n;\n"
           "END $$");
}

static void
test_pg_retry (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(GError) error = NULL;
  FlakyData d = { 0, 2 };

  create_flaky (store);
  g_assert_true (md_store_write (store, flaky_body, &d, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (d.attempts, ==, 3);
  g_assert_cmpint (query_int (store, "SELECT last_value FROM md_test_attempts"), ==, 3);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting WHERE key = 'retried'"), ==, 1);
}

static void
test_pg_retry_gives_up (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(GError) error = NULL;
  FlakyData d = { 0, G_MAXINT64 };

  create_flaky (store);
  g_assert_false (md_store_write (store, flaky_body, &d, &error));
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_RETRY);
  assert_backend_code (error, NULL, "40001");
  g_assert_cmpuint (d.attempts, ==, MD_STORE_MAX_ATTEMPTS);
  g_assert_cmpint (query_int (store, "SELECT last_value FROM md_test_attempts"), ==,
                   MD_STORE_MAX_ATTEMPTS);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting"), ==, 0);
  g_assert_false (md_store_in_transaction (store));
}

typedef struct
{
  PGconn *killer;
  gint64  pid;
} TerminateData;

static gboolean
terminate_before_commit (MdStore   *store,
                         gpointer   user_data,
                         GError   **error)
{
  TerminateData *d = user_data;
  g_autofree char *sql = NULL;
  g_autofree char *done = NULL;

  if (!exec_in_txn (store, "INSERT INTO setting (key, value) VALUES ('in-doubt', '1')", error))
    return FALSE;
  if (!md_store_query_int64 (store, "SELECT pg_backend_pid()", &d->pid, error))
    return FALSE;
  /* Waits until the backend is gone. */
  sql = g_strdup_printf ("SELECT pg_terminate_backend(%" G_GINT64_FORMAT ", 10000)", d->pid);
  done = pg_raw_text (d->killer, sql);
  g_assert_cmpstr (done, ==, "t");
  return TRUE;
}

static gboolean
insert_after (MdStore   *store,
              gpointer   user_data,
              GError   **error)
{
  return exec_in_txn (store, "INSERT INTO setting (key, value) VALUES ('after', '1')", error);
}

static void
test_pg_outcome_unknown (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(GError) error = NULL;
  TerminateData d = { fx_pg_raw (fx), 0 };
  g_autofree char *timeout = NULL;
  gint64 new_pid = 0;

  g_assert_false (md_store_write (store, terminate_before_commit, &d, &error));
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_OUTCOME_UNKNOWN);
  g_clear_error (&error);
  g_assert_false (md_store_in_transaction (store));

  /* The next transaction reconnects, with the session set up as before. */
  g_assert_true (md_store_write (store, insert_after, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (md_store_query_int64 (store, "SELECT pg_backend_pid()", &new_pid, &error));
  g_assert_cmpint (new_pid, !=, d.pid);
  timeout = query_text (store, "SHOW lock_timeout");
  g_assert_cmpstr (timeout, ==, "5s");
  g_free (timeout);
  timeout = query_text (store, "SHOW TimeZone");
  g_assert_cmpstr (timeout, ==, "UTC");
  g_free (timeout);
  timeout = query_text (store, "SHOW client_encoding");
  g_assert_cmpstr (timeout, ==, "UTF8");

  /* Killed before COMMIT was sent: the server rolled it back. */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting WHERE key = 'in-doubt'"), ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting WHERE key = 'after'"), ==, 1);
  PQfinish (d.killer);
}

/* A connection lost while idle costs no transaction: BEGIN reconnects. */
static void
test_pg_reconnect_idle (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(GError) error = NULL;
  PGconn *killer = fx_pg_raw (fx);
  gint64 pid = query_int (store, "SELECT pg_backend_pid()");
  g_autofree char *sql = g_strdup_printf ("SELECT pg_terminate_backend(%" G_GINT64_FORMAT
                                          ", 10000)", pid);
  g_autofree char *done = pg_raw_text (killer, sql);

  g_assert_cmpstr (done, ==, "t");
  g_assert_true (md_store_write (store, insert_after, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting WHERE key = 'after'"), ==, 1);
  PQfinish (killer);
}

/* PostgreSQL aborts the whole transaction on an error; a body that carries
 * on regardless must not be told its work was committed. */
static gboolean
swallow_error (MdStore   *store,
               gpointer   user_data,
               GError   **error)
{
  g_autoptr(GError) ignored = NULL;

  if (!exec_in_txn (store, "INSERT INTO setting (key, value) VALUES ('first', '1')", error))
    return FALSE;
  g_assert_false (exec_in_txn (store, "INSERT INTO setting (key, value) VALUES ('first', '2')",
                               &ignored));
  g_assert_error (ignored, MD_STORE_ERROR, MD_STORE_ERROR_UNIQUE);
  exec_in_txn (store, "INSERT INTO setting (key, value) VALUES ('second', '1')", NULL);
  return TRUE;
}

static void
test_pg_swallowed_error (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(GError) error = NULL;

  g_assert_false (md_store_write (store, swallow_error, NULL, &error));
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_FAILED);
  assert_backend_code (error, NULL, "25P02");
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting"), ==, 0);
  g_assert_false (md_store_in_transaction (store));
}

/* ---- concurrency ---- */

typedef struct
{
  const char *uri;
  guint       n;
  GError     *error;
  gint        busy_seen;
} WorkerData;

static gboolean
increment (MdStore   *store,
           gpointer   user_data,
           GError   **error)
{
  g_autoptr(MdStmt) stmt = NULL;

  /* Read-then-write, the pattern that deadlocks under deferred BEGIN. */
  if (!(stmt = md_store_prepare (store, "SELECT value FROM counter WHERE scope = 'test' "
                                        "AND name = 'n'", error)))
    return FALSE;
  if (!md_stmt_exec (stmt, error))
    return FALSE;
  return exec_in_txn (store, "UPDATE counter SET value = value + 1 WHERE scope = 'test' "
                             "AND name = 'n'", error);
}

static gpointer
increment_worker (gpointer data)
{
  WorkerData *w = data;
  g_autoptr(MdStore) store = md_store_open (w->uri, MD_STORE_OPEN_NONE, &w->error);

  for (guint i = 0; store != NULL && i < w->n; i++)
    if (!md_store_write (store, increment, NULL, &w->error))
      break;
  return NULL;
}

static void
test_concurrent_writers (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  WorkerData w[2] = { { fx->uri, 400, NULL, 0 }, { fx->uri, 400, NULL, 0 } };
  GThread *threads[2];

  exec_ok (store, "INSERT INTO counter (scope, name, value) VALUES ('test', 'n', 0)");
  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("writer", increment_worker, &w[i]);
  for (guint i = 0; i < 2; i++)
    {
      g_thread_join (threads[i]);
      g_assert_no_error (w[i].error);
    }
  g_assert_cmpint (query_int (store, "SELECT value FROM counter WHERE name = 'n'"), ==, 800);
}

typedef struct
{
  const char *uri;
  GError     *error;
} OpenData;

static gpointer
open_worker (gpointer data)
{
  OpenData *o = data;
  MdStore *store = md_store_open (o->uri, MD_STORE_OPEN_CREATE, &o->error);

  g_clear_object (&store);
  return NULL;
}

/* Several terminals starting on a fresh database at once. */
static void
test_concurrent_create (Fixture       *fx,
                        gconstpointer  data)
{
  OpenData o[4];
  GThread *threads[G_N_ELEMENTS (o)];
  g_autoptr(MdStore) store = NULL;

  for (guint round = 0; round < 5; round++)
    {
      if (!is_pg ())
        {
          g_free (fx->uri);
          fx->uri = g_strdup_printf ("%s/race-%u.db", fx->dir, round);
        }
      else if (round > 0)
        break;

      for (guint i = 0; i < G_N_ELEMENTS (o); i++)
        {
          o[i].uri = fx->uri;
          o[i].error = NULL;
          threads[i] = g_thread_new ("opener", open_worker, &o[i]);
        }
      for (guint i = 0; i < G_N_ELEMENTS (o); i++)
        {
          g_thread_join (threads[i]);
          g_assert_no_error (o[i].error);
        }
      store = open_store (fx, MD_STORE_OPEN_NONE);
      g_assert_cmpint (query_int (store, "SELECT count(*) FROM md_schema"), ==,
                       md_store_get_code_schema_version ());
      g_assert_cmpint (query_int (store, "SELECT count(*) FROM audit_head"), ==, 1);
      g_clear_object (&store);
    }
}

static gboolean
noop_write (MdStore   *store,
            gpointer   user_data,
            GError   **error)
{
  return exec_in_txn (store, "UPDATE counter SET value = value + 1", error);
}

/* A writer that holds the lock past busy_timeout makes the other fail with
 * BUSY after about 5 s: a clear failure, not a hang. */
static void
test_busy_timeout (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(MdStore) holder = open_store (fx, MD_STORE_OPEN_NONE);
  g_autoptr(GError) error = NULL;
  gint64 start, elapsed;

  exec_ok (store, "INSERT INTO counter (scope, name, value) VALUES ('test', 'n', 0)");
  exec_ok (holder, "BEGIN IMMEDIATE");
  exec_ok (holder, "UPDATE counter SET value = 100");

  start = g_get_monotonic_time ();
  g_assert_false (md_store_write (store, noop_write, NULL, &error));
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_BUSY);
  assert_backend_code (error, "5", NULL);
  g_clear_error (&error);
  g_assert_cmpint (elapsed, >=, 4500 * 1000);
  g_assert_cmpint (elapsed, <, 15 * G_USEC_PER_SEC);
  g_assert_false (md_store_in_transaction (store));

  exec_ok (holder, "ROLLBACK");
  g_assert_true (md_store_write (store, noop_write, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "SELECT value FROM counter"), ==, 1);
}

/* ---- backup and restore ---- */

typedef struct
{
  const char *uri;
  gint        stop;
  gint        written;
  GError     *error;
} BackgroundWriter;

static gpointer
background_writer (gpointer data)
{
  BackgroundWriter *b = data;
  g_autoptr(MdStore) store = md_store_open (b->uri, MD_STORE_OPEN_NONE, &b->error);
  g_autoptr(MdStmt) stmt = NULL;
  gint64 deadline;

  if (store == NULL)
    return NULL;
  if (!(stmt = md_store_prepare (store, "INSERT INTO counter (scope, name, value) "
                                        "VALUES ('bg', printf('%08d', $1), $1)", &b->error)))
    return NULL;
  /* A busy terminal: a sale every few milliseconds, for at most 20 s. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!g_atomic_int_get (&b->stop) && g_get_monotonic_time () < deadline)
    {
      md_stmt_bind_int64 (stmt, 1, b->written);
      if (!md_stmt_exec (stmt, &b->error))
        break;
      g_atomic_int_inc (&b->written);
      g_usleep (3000);
    }
  return NULL;
}

typedef struct
{
  const char *prefix;
  guint       n;
} FillData;

static gboolean
fill_settings_txn (MdStore   *store,
                   gpointer   user_data,
                   GError   **error)
{
  FillData *f = user_data;
  g_autoptr(MdStmt) stmt = md_store_prepare (store, "INSERT INTO setting (key, value) "
                                                    "VALUES ($1, $2)", error);
  g_autofree char *big = g_strnfill (3000, 'x');

  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < f->n; i++)
    {
      g_autofree char *key = g_strdup_printf ("%s%04u", f->prefix, i);

      md_stmt_bind_text (stmt, 1, key);
      md_stmt_bind_text (stmt, 2, big);
      if (!md_stmt_exec (stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* @n rows of about one page each. */
static void
fill_settings (MdStore    *store,
               const char *prefix,
               guint       n)
{
  g_autoptr(GError) error = NULL;
  FillData f = { prefix, n };

  g_assert_true (md_store_write (store, fill_settings_txn, &f, &error));
  g_assert_no_error (error);
}

static void
assert_backup_file (const char *path,
                    gint64      settings)
{
  g_autofree char *contents = NULL;
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  gsize len = 0;
  sqlite3 *db = NULL;
  char *text;

  g_assert_cmpint (file_mode (path), ==, 0600);
  /* A standalone file: rollback-journal header, no WAL beside it. */
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 100);
  g_assert_cmpmem (contents, 16, "SQLite format 3", 16);
  g_assert_cmpint (contents[18], ==, 1);
  g_assert_cmpint (contents[19], ==, 1);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  text = sqlite_raw_text (db, "PRAGMA integrity_check");
  g_assert_cmpstr (text, ==, "ok");
  g_free (text);
  text = sqlite_raw_text (db, "SELECT count(*) FROM setting");
  g_assert_cmpint (g_ascii_strtoll (text, NULL, 10), ==, settings);
  g_free (text);
  /* A consistent snapshot of the background writer: a gapless prefix. */
  text = sqlite_raw_text (db, "SELECT count(*) = coalesce(max(value) + 1, 0) FROM counter "
                              "WHERE scope = 'bg'");
  g_assert_cmpstr (text, ==, "1");
  g_free (text);
  text = sqlite_raw_text (db, "PRAGMA application_id");
  g_assert_cmpint (g_ascii_strtoll (text, NULL, 10), ==, MD_STORE_APPLICATION_ID);
  g_free (text);
  sqlite3_close (db);
}

static void
assert_no_stray_files (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, ".meterdesk-backup"))
      g_error ("stray backup file %s left in %s", name, dir);
  g_dir_close (d);
}

static void
test_backup_restore (Fixture       *fx,
                     gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(MdStore) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStmt) lookup = NULL;
  g_autofree char *backup_dir = g_build_filename (fx->dir, "backups", NULL);
  g_autofree char *backup = g_build_filename (backup_dir, "meterdesk-1.db", NULL);
  g_autofree char *cold = g_build_filename (backup_dir, "cold-copy.db", NULL);
  g_autofree char *cold_wal = g_strconcat (cold, "-wal", NULL);
  BackgroundWriter bg = { fx->uri, 0, 0, NULL };
  GThread *thread;
  g_autofree char *mode = NULL;

  g_assert_cmpint (g_mkdir (backup_dir, 0700), ==, 0);
  /* About 16 MB: a copy that cannot be done between two of the other
   * terminal's commits. */
  fill_settings (store, "k", 8000);
  exec_ok (store, "INSERT INTO setting (key, value) VALUES ('price', 'old')");

  /* Back up while another connection keeps writing: each backup completes,
   * promptly, and is a consistent snapshot. */
  thread = g_thread_new ("writer", background_writer, &bg);
  for (guint i = 0; i < 10000 && g_atomic_int_get (&bg.written) < 20; i++)
    g_usleep (1000);
  for (guint i = 0; i < 3; i++)
    {
      gint64 start = g_get_monotonic_time ();
      gint before = g_atomic_int_get (&bg.written);

      g_assert_true (md_store_backup_to (store, backup, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
      /* The writer was not held up meanwhile either. */
      for (guint j = 0; j < 10000 && g_atomic_int_get (&bg.written) < before + 5; j++)
        g_usleep (1000);
    }
  g_atomic_int_set (&bg.stop, 1);
  g_thread_join (thread);
  g_assert_no_error (bg.error);
  g_assert_cmpint (bg.written, >, 20);

  assert_backup_file (backup, 8001);
  assert_no_stray_files (backup_dir);

  /* Change the live database, with a cached statement and a second
   * connection around. */
  exec_ok (store, "UPDATE setting SET value = 'new' WHERE key = 'price'");
  exec_ok (store, "INSERT INTO setting (key, value) VALUES ('later', '1')");
  other = open_store (fx, MD_STORE_OPEN_NONE);
  lookup = md_store_prepare (store, "SELECT value FROM setting WHERE key = $1", &error);
  md_stmt_bind_text (lookup, 1, "price");
  g_assert_true (md_stmt_step (lookup, &error));
  g_assert_cmpstr (md_stmt_get_text (lookup, 0), ==, "new");
  g_clear_pointer (&lookup, md_stmt_free);

  g_assert_true (md_store_restore_from (store, backup, &error));
  g_assert_no_error (error);

  lookup = md_store_prepare (store, "SELECT value FROM setting WHERE key = $1", &error);
  md_stmt_bind_text (lookup, 1, "price");
  g_assert_true (md_stmt_step (lookup, &error));
  g_assert_cmpstr (md_stmt_get_text (lookup, 0), ==, "old");
  g_clear_pointer (&lookup, md_stmt_free);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting WHERE key = 'later'"), ==, 0);
  g_assert_cmpint (query_int (other, "SELECT count(*) FROM setting WHERE key = 'later'"), ==, 0);
  g_assert_cmpint (query_int (other, "SELECT count(*) FROM setting"), ==, 8001);
  g_assert_true (md_store_check_integrity (store, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (md_store_get_schema_version (store), ==, md_store_get_code_schema_version ());

  /* Still the live database's settings: WAL, durable, ours. */
  mode = query_text (store, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (query_int (store, "PRAGMA synchronous"), ==, 2);
  g_assert_cmpint (query_int (store, "PRAGMA application_id"), ==, MD_STORE_APPLICATION_ID);
  g_assert_cmpint (file_mode (fx->db_path), ==, 0600);

  /* And it keeps working, also after a reopen. */
  exec_ok (store, "INSERT INTO setting (key, value) VALUES ('after-restore', '1')");
  g_clear_object (&other);
  g_clear_object (&store);
  store = open_store (fx, MD_STORE_OPEN_NONE);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting"), ==, 8002);
  g_assert_true (md_store_check_integrity (store, FALSE, &error));
  g_assert_no_error (error);

  /* A plain copy of the closed database file (its header still says WAL)
   * restores too. */
  g_clear_object (&store);
  {
    g_autofree char *contents = NULL;
    gsize len = 0;

    g_assert_true (g_file_get_contents (fx->db_path, &contents, &len, NULL));
    g_assert_cmpint (contents[18], ==, 2);
    g_assert_true (g_file_set_contents_full (cold, contents, (gssize) len,
                                             G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  }
  store = open_store (fx, MD_STORE_OPEN_NONE);
  exec_ok (store, "DELETE FROM setting WHERE key = 'after-restore'");
  g_assert_true (md_store_restore_from (store, cold, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting WHERE key = 'after-restore'"),
                   ==, 1);
  g_assert_false (g_file_test (cold_wal, G_FILE_TEST_EXISTS));
}

static char *
copy_file (const char *from,
           const char *dir,
           const char *name)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  char *to = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
  g_assert_true (g_file_set_contents_full (to, contents, (gssize) len,
                                           G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  return to;
}

static void
poke_file (const char *path,
           goffset     offset,
           const void *bytes,
           gsize       len)
{
  int fd = g_open (path, O_WRONLY, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, bytes, len, offset), ==, (gssize) len);
  close (fd);
}

static void
test_restore_refuses (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(GError) error = NULL;
  g_autofree char *good = g_build_filename (fx->dir, "good.db", NULL);
  g_autofree char *truncated = NULL;
  g_autofree char *flipped = NULL;
  g_autofree char *newer = NULL;
  g_autofree char *foreign = g_build_filename (fx->dir, "foreign.db", NULL);
  g_autofree char *junk = g_build_filename (fx->dir, "junk.db", NULL);
  g_autofree char *missing = g_build_filename (fx->dir, "missing.db", NULL);
  g_autofree char *before = NULL;
  sqlite3 *db;
  GStatBuf st;
  static const guint8 garbage[16] = { 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
                                      0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef };
  g_autofree char *in_use = NULL;
  g_autofree char *in_use_wal = NULL;
  struct {
    const char *path;
    MdStoreError code;
  } cases[7];

  fill_settings (store, "k", 60);
  g_assert_true (md_store_backup_to (store, good, &error));
  g_assert_no_error (error);
  exec_ok (store, "INSERT INTO setting (key, value) VALUES ('live-only', 'x')");

  /* Cut in half. */
  truncated = copy_file (good, fx->dir, "truncated.db");
  g_assert_cmpint (g_stat (truncated, &st), ==, 0);
  g_assert_cmpint (truncate (truncated, st.st_size / 2), ==, 0);

  /* Garbage over the b-tree page headers of every page after the first. */
  flipped = copy_file (good, fx->dir, "flipped.db");
  for (goffset off = 4096; off < st.st_size; off += 4096)
    poke_file (flipped, off, garbage, sizeof garbage);

  /* From a newer program. */
  newer = copy_file (good, fx->dir, "newer.db");
  db = sqlite_raw_open (newer);
  {
    g_autofree char *sql = g_strdup_printf ("PRAGMA user_version=%d",
                                            md_store_get_code_schema_version () + 1);

    sqlite_raw_exec (db, sql);
  }
  sqlite3_close (db);

  db = sqlite_raw_open (foreign);
  sqlite_raw_exec (db, "CREATE TABLE setting (key TEXT, value TEXT); "
                       "INSERT INTO setting VALUES ('evil', '1')");
  sqlite3_close (db);

  /* A copy of a database in use, with its write-ahead log. */
  in_use = copy_file (good, fx->dir, "in-use.db");
  in_use_wal = g_strconcat (in_use, "-wal", NULL);
  g_assert_true (g_file_set_contents (in_use_wal, "not empty", -1, NULL));

  g_assert_true (g_file_set_contents (junk, "this is not a database, not even close. "
                                            "this is not a database, not even close.", -1, NULL));

  cases[0].path = truncated;  cases[0].code = MD_STORE_ERROR_CORRUPT;
  cases[1].path = flipped;    cases[1].code = MD_STORE_ERROR_CORRUPT;
  cases[2].path = newer;      cases[2].code = MD_STORE_ERROR_SCHEMA_TOO_NEW;
  cases[3].path = foreign;    cases[3].code = MD_STORE_ERROR_NOT_OURS;
  cases[4].path = junk;       cases[4].code = MD_STORE_ERROR_CORRUPT;
  cases[5].path = missing;    cases[5].code = MD_STORE_ERROR_CANT_OPEN;
  cases[6].path = in_use;     cases[6].code = MD_STORE_ERROR_CANT_OPEN;

  before = query_text (store, "SELECT group_concat(key || '=' || length(value), ',') "
                              "FROM (SELECT * FROM setting ORDER BY key)");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *after = NULL;

      g_assert_false (md_store_restore_from (store, cases[i].path, &error));
      if (!g_error_matches (error, MD_STORE_ERROR, cases[i].code))
        g_error ("restoring %s: expected code %d, got %s", cases[i].path, cases[i].code,
                 error != NULL ? error->message : "success");
      g_clear_error (&error);

      /* The live database is untouched and healthy. */
      after = query_text (store, "SELECT group_concat(key || '=' || length(value), ',') "
                                 "FROM (SELECT * FROM setting ORDER BY key)");
      g_assert_cmpstr (after, ==, before);
      g_assert_true (md_store_check_integrity (store, FALSE, &error));
      g_assert_no_error (error);
      exec_ok (store, "UPDATE counter SET value = value + 1");
    }
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting WHERE key = 'live-only'"), ==, 1);

  /* The good one still restores. */
  g_assert_true (md_store_restore_from (store, good, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM setting WHERE key = 'live-only'"), ==, 0);
}

static void
test_pg_maintenance_unsupported (Fixture       *fx,
                                 gconstpointer  data)
{
  g_autoptr(MdStore) store = create_store (fx);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "md-never-written.db", NULL);

  g_assert_false (md_store_backup_to (store, path, &error));
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (md_store_restore_from (store, path, &error));
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  /* PostgreSQL checks its own pages (initdb -k): nothing to do, no failure. */
  g_assert_true (md_store_check_integrity (store, FALSE, &error));
  g_assert_no_error (error);
}

/* ---- registration ---- */

typedef enum
{
  BOTH,
  SQLITE_ONLY,
  PG_ONLY,
} Backends;

typedef void (*CaseFunc) (Fixture *fx, gconstpointer data);

static const struct
{
  const char *name;
  Backends    backends;
  CaseFunc    func;
} cases[] = {
  { "create-reopen", BOTH, test_create_reopen },
  { "migration-bookkeeping", BOTH, test_migration_bookkeeping },
  { "migration-all-or-nothing", BOTH, test_migration_all_or_nothing },
  { "not-initialized", BOTH, test_not_initialized },
  { "schema-too-new", BOTH, test_schema_too_new },
  { "not-ours", SQLITE_ONLY, test_not_ours },
  { "not-sqlite", SQLITE_ONLY, test_not_sqlite },
  { "sqlite-uri-forms", SQLITE_ONLY, test_sqlite_uri_forms },
  { "pg-cannot-connect", PG_ONLY, test_pg_cannot_connect },
  { "sqlite-settings", SQLITE_ONLY, test_sqlite_settings },
  { "params-roundtrip", BOTH, test_params_roundtrip },
  { "params-reuse", BOTH, test_params_reuse },
  { "pg-dollar-quotes", PG_ONLY, test_pg_dollar_quotes },
  { "columns", BOTH, test_columns },
  { "one-statement", BOTH, test_one_statement },
  { "changes-returning-upsert", BOTH, test_changes_returning_upsert },
  { "error-mapping", BOTH, test_error_mapping },
  { "transactions", BOTH, test_transactions },
  { "read-snapshot", BOTH, test_read_snapshot },
  { "append-only", BOTH, test_append_only },
  { "pg-no-truncate", PG_ONLY, test_pg_no_truncate },
  { "pg-retry", PG_ONLY, test_pg_retry },
  { "pg-retry-gives-up", PG_ONLY, test_pg_retry_gives_up },
  { "pg-outcome-unknown", PG_ONLY, test_pg_outcome_unknown },
  { "pg-reconnect-idle", PG_ONLY, test_pg_reconnect_idle },
  { "pg-swallowed-error", PG_ONLY, test_pg_swallowed_error },
  { "concurrent-create", BOTH, test_concurrent_create },
  { "sqlite-concurrent-writers", SQLITE_ONLY, test_concurrent_writers },
  { "sqlite-busy-timeout", SQLITE_ONLY, test_busy_timeout },
  { "sqlite-backup-restore", SQLITE_ONLY, test_backup_restore },
  { "sqlite-restore-refuses", SQLITE_ONLY, test_restore_refuses },
  { "pg-maintenance-unsupported", PG_ONLY, test_pg_maintenance_unsupported },
};

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  pg_base_uri = g_getenv ("MD_TEST_PG_URI");
  if (pg_base_uri != NULL && *pg_base_uri == '\0')
    pg_base_uri = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = NULL;

      if ((cases[i].backends == SQLITE_ONLY && is_pg ()) ||
          (cases[i].backends == PG_ONLY && !is_pg ()))
        continue;
      path = g_strdup_printf ("/meterdesk/store/%s", cases[i].name);
      g_test_add_vtable (path, sizeof (Fixture), NULL,
                         (GTestFixtureFunc) fixture_setup,
                         (GTestFixtureFunc) cases[i].func,
                         (GTestFixtureFunc) fixture_teardown);
    }

  return g_test_run ();
}
