/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/*
 * NEGATIVE CONTROL of T06, not the product's code path.
 *
 * Raw sqlite3 on a copy of a Meterdesk database (the same schema and the
 * same connection settings as the store: WAL, synchronous=FULL,
 * busy_timeout=5000), doing what the product must not do: a deferred BEGIN
 * that reads first (the receipt counter, a balance) and writes after, like
 * a sale that checks before it posts (RELIABILITY.md A10). With several
 * processes, the read snapshot goes stale when another one commits, and the
 * upgrade to a write lock fails at once with SQLITE_BUSY(_SNAPSHOT): the
 * busy timeout cannot help, since waiting would not make the snapshot
 * current. --immediate runs the same transactions with BEGIN IMMEDIATE, the
 * store's way, as the positive control.
 *
 *   md-deferred-begin --db FILE --terminal T --txns N [--immediate]
 *
 * Prints "DONE committed=N busy=M busy_snapshot=K first_busy=…"; a
 * transaction that hit SQLITE_BUSY is rolled back and the next one begun, as
 * a naive program would.
 */

static const char *steps[] = {
  "SELECT value FROM counter WHERE scope = ?1 AND name = 'control'",
  "SELECT COALESCE(SUM(value), 0) FROM balance WHERE account LIKE 'control:%'",
  "INSERT INTO counter (scope, name, value) VALUES (?1, 'control', 1) "
  "ON CONFLICT (scope, name) DO UPDATE SET value = counter.value + 1",
  "INSERT INTO ledger (sale_id, shift_id, account, delta, ref, at) "
  "VALUES (NULL, NULL, 'control:' || ?1, 100, '', 0)",
  "INSERT INTO ledger (sale_id, shift_id, account, delta, ref, at) "
  "VALUES (NULL, NULL, 'control:cash', -100, '', 0)",
  "INSERT INTO balance (account, value) VALUES ('control:' || ?1, 100) "
  "ON CONFLICT (account) DO UPDATE SET value = balance.value + excluded.value",
  "INSERT INTO balance (account, value) VALUES ('control:cash', -100) "
  "ON CONFLICT (account) DO UPDATE SET value = balance.value + excluded.value",
};

static int
run_step (sqlite3    *db,
          const char *sql,
          const char *terminal)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if ((rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL)) != SQLITE_OK)
    return rc;
  if (sqlite3_bind_parameter_count (stmt) > 0)
    sqlite3_bind_text (stmt, 1, terminal, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *path = NULL;
  g_autofree char *terminal = NULL;
  gint64 txns = 1000;
  gboolean immediate = FALSE;
  g_autoptr(GOptionContext) context = g_option_context_new ("- T06 negative control");
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &path, "A scratch copy of a database", "FILE" },
    { "terminal", 0, 0, G_OPTION_ARG_STRING, &terminal, "Counter scope", "T" },
    { "txns", 0, 0, G_OPTION_ARG_INT64, &txns, "Transactions", "N" },
    { "immediate", 0, 0, G_OPTION_ARG_NONE, &immediate, "BEGIN IMMEDIATE instead", NULL },
    { NULL }
  };
  static const char *pragmas[] = {
    "PRAGMA busy_timeout=5000", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
  };
  sqlite3 *db = NULL;
  gint64 committed = 0, busy = 0, busy_snapshot = 0;
  char first_busy[160] = "none";

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || path == NULL ||
      terminal == NULL)
    {
      g_printerr ("md-deferred-begin: %s\n", error != NULL ? error->message : "--db and --terminal");
      return 2;
    }
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    {
      g_printerr ("md-deferred-begin: %s\n", sqlite3_errmsg (db));
      return 1;
    }
  sqlite3_extended_result_codes (db, 1);
  for (guint i = 0; i < G_N_ELEMENTS (pragmas); i++)
    if (sqlite3_exec (db, pragmas[i], NULL, NULL, NULL) != SQLITE_OK)
      {
        g_printerr ("md-deferred-begin: %s\n", sqlite3_errmsg (db));
        return 1;
      }

  for (gint64 n = 0; n < txns; n++)
    {
      int rc = sqlite3_exec (db, immediate ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL);
      const char *where = "BEGIN";

      for (guint i = 0; rc == SQLITE_OK && i < G_N_ELEMENTS (steps); i++)
        {
          rc = run_step (db, steps[i], terminal);
          where = steps[i];
        }
      if (rc == SQLITE_OK)
        {
          rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
          where = "COMMIT";
        }
      if (rc == SQLITE_OK)
        {
          committed++;
          continue;
        }

      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      if ((rc & 0xff) != SQLITE_BUSY)
        {
          g_printerr ("md-deferred-begin: %s (%d) at %.40s\n", sqlite3_errstr (rc), rc, where);
          return 1;
        }
      if (busy++ == 0)
        g_snprintf (first_busy, sizeof first_busy, "%d(%s)@%.30s", rc, sqlite3_errstr (rc),
                    where);
      if (rc == SQLITE_BUSY_SNAPSHOT)
        busy_snapshot++;
    }

  printf ("DONE committed=%" G_GINT64_FORMAT " busy=%" G_GINT64_FORMAT
          " busy_snapshot=%" G_GINT64_FORMAT " first_busy=%s\n",
          committed, busy, busy_snapshot, first_busy);
  sqlite3_close (db);
  return 0;
}
