/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "md-clock.h"
#include "md-test-util.h"

#define ADMIN_PASSWORD "admin-secret"

static void
reset_postgresql (const char *uri)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStore) store = NULL;

  /* An empty database has no schema yet: open with CREATE, then drop all. */
  store = md_store_open (uri, MD_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  g_assert_true (md_store_exec (store, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;",
                                &error));
  g_assert_no_error (error);
}

/**
 * md_test_db_setup:
 *
 * A fresh database with an administrator "admin": a temporary SQLite file,
 * or, when MD_TEST_PG_URI is set (build-aux/pg-test-cluster.sh), that
 * PostgreSQL database, emptied first.
 */
void
md_test_db_setup (MdTestDb *db)
{
  g_autoptr(GError) error = NULL;
  const char *pg = g_getenv ("MD_TEST_PG_URI");

  if (pg != NULL && *pg != '\0')
    {
      reset_postgresql (pg);
      db->uri = g_strdup (pg);
    }
  else
    {
      db->dir = g_dir_make_tmp ("meterdesk-test-XXXXXX", &error);
      g_assert_no_error (error);
      db->uri = g_build_filename (db->dir, "meterdesk.db", NULL);
    }

  db->store = md_store_open (db->uri, MD_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  g_assert_true (md_operator_create_first_admin (db->store, "T01", "admin", ADMIN_PASSWORD,
                                                 &error));
  g_assert_no_error (error);
  db->admin = md_session_login (db->store, "T01", "admin", ADMIN_PASSWORD, &error);
  g_assert_no_error (error);
}

void
md_test_db_teardown (MdTestDb *db)
{
  g_clear_object (&db->admin);
  g_clear_object (&db->store);
  if (db->dir != NULL)
    {
      g_autofree char *wal = g_strconcat (db->uri, "-wal", NULL);
      g_autofree char *shm = g_strconcat (db->uri, "-shm", NULL);

      g_unlink (db->uri);
      g_unlink (wal);
      g_unlink (shm);
      g_rmdir (db->dir);
    }
  g_clear_pointer (&db->dir, g_free);
  g_clear_pointer (&db->uri, g_free);
}

/**
 * md_test_add_operator:
 *
 * Returns: (transfer full): a session of a new operator with @roles
 */
MdSession *
md_test_add_operator (MdTestDb    *db,
                      const char  *name,
                      MdRole       roles,
                      const char  *password)
{
  g_autoptr(GError) error = NULL;
  MdSession *session;

  g_assert_true (md_operator_add (db->admin, name, NULL, roles, password, NULL, &error));
  g_assert_no_error (error);
  session = md_session_login (db->store, "T01", name, password, &error);
  g_assert_no_error (error);
  return session;
}

static gint64 fake_wall;
static gint64 fake_monotonic;

static gint64
wall_cb (gpointer user_data)
{
  return fake_wall;
}

static gint64
monotonic_cb (gpointer user_data)
{
  return fake_monotonic;
}

void
md_test_clock_install (gint64 wall_usec)
{
  fake_wall = wall_usec;
  fake_monotonic = 1000 * G_USEC_PER_SEC;
  md_clock_set_for_testing (wall_cb, monotonic_cb, NULL);
}

void
md_test_clock_advance (gint64 usec)
{
  fake_wall += usec;
  fake_monotonic += usec;
}

void
md_test_clock_uninstall (void)
{
  md_clock_set_for_testing (NULL, NULL, NULL);
}

/* The first column of the first row of @sql, a count or a sum. */
gint64
md_test_query_int (MdStore    *store,
                   const char *sql)
{
  g_autoptr(GError) error = NULL;
  gint64 value = -1;

  g_assert_true (md_store_query_int64 (store, sql, &value, &error));
  g_assert_no_error (error);
  return value;
}
