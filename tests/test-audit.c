/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <sqlite3.h>

#include "md-audit.h"
#include "md-auth.h"
#include "md-test-util.h"

static void
append_rows (MdTestDb *db,
             guint     n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *object = g_strdup_printf ("thing:%u", i);

      g_assert_true (md_audit_record (db->admin, i % 3 == 0 ? 0 : 7, "test.event", object,
                                      "{\"n\":1}", &error));
      g_assert_no_error (error);
    }
}

static void
verify (MdTestDb       *db,
        MdAuditReport  *report)
{
  g_autoptr(GError) error = NULL;

  md_audit_report_clear (report);
  g_assert_true (md_audit_verify (db->store, report, &error));
  g_assert_no_error (error);
}

/* Tampering happens behind the program's back, as someone with the sqlite3
 * tool would: a second connection that first drops the triggers. */
static void
tamper (MdTestDb   *db,
        const char *sql)
{
  sqlite3 *raw = NULL;
  char *message = NULL;
  g_autofree char *script = g_strconcat ("DROP TRIGGER IF EXISTS audit_no_update;"
                                         "DROP TRIGGER IF EXISTS audit_no_delete;", sql, NULL);

  g_assert_cmpint (sqlite3_open (db->uri, &raw), ==, SQLITE_OK);
  if (sqlite3_exec (raw, script, NULL, NULL, &message) != SQLITE_OK)
    g_error ("tamper: %s", message);
  sqlite3_close (raw);
}

static void
test_chain_holds (void)
{
  MdTestDb db = { 0 };
  g_auto(MdAuditReport) report = { 0 };
  g_autoptr(GError) error = NULL;

  md_test_db_setup (&db);
  append_rows (&db, 20);
  verify (&db, &report);
  g_assert_cmpint (report.broken_seq, ==, 0);
  g_assert_null (report.reason);
  /* database.init + operator.add + 20 */
  g_assert_cmpint (report.rows, ==, 22);
  g_assert_cmpint (report.head_seq, ==, 22);
  g_assert_cmpuint (strlen (report.head_hash), ==, MD_AUDIT_HASH_HEX_LEN);

  /* The program itself cannot rewrite history. */
  g_assert_false (md_store_exec (db.store, "UPDATE audit SET action = 'x' WHERE seq = 3", &error));
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  g_assert_false (md_store_exec (db.store, "DELETE FROM audit WHERE seq = 3", &error));
  g_assert_error (error, MD_STORE_ERROR, MD_STORE_ERROR_CONSTRAINT);

  md_test_db_teardown (&db);
}

static void
test_tamper_cases (void)
{
  static const struct
  {
    const char *sql;
    gint64      broken;
  } cases[] = {
    { "UPDATE audit SET object = 'thing:999' WHERE seq = 7;", 7 },
    { "UPDATE audit SET at = at + 1 WHERE seq = 12;", 12 },
    { "UPDATE audit SET operator_id = NULL WHERE seq = 5;", 5 },
    { "UPDATE audit SET detail = '{\"n\":2}' WHERE seq = 30;", 30 },
    { "DELETE FROM audit WHERE seq = 9;", 9 },
    /* swap rows 10 and 11 entirely but for their numbers */
    { "UPDATE audit SET seq = 1000 WHERE seq = 10; UPDATE audit SET seq = 10 WHERE seq = 11;"
      "UPDATE audit SET seq = 11 WHERE seq = 1000;", 10 },
    /* cut the tail */
    { "DELETE FROM audit WHERE seq > 25;", 26 },
    /* recompute nothing, just point the head elsewhere */
    { "UPDATE audit_head SET hash = '00' WHERE id = 1;", 32 },
    /* a forged row appended after the head */
    { "INSERT INTO audit SELECT seq + 1, at, mono, terminal, operator_id, approver_id, action, "
      "object, detail, hash, hash FROM audit WHERE seq = 32;", 33 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MdTestDb db = { 0 };
      g_auto(MdAuditReport) report = { 0 };

      md_test_db_setup (&db);
      append_rows (&db, 30);
      verify (&db, &report);
      g_assert_cmpint (report.broken_seq, ==, 0);

      tamper (&db, cases[i].sql);
      verify (&db, &report);
      if (report.broken_seq != cases[i].broken)
        g_error ("case %u (%s): broken at %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT,
                 i, cases[i].sql, report.broken_seq, cases[i].broken);
      g_assert_nonnull (report.reason);
      md_test_db_teardown (&db);
    }
}

/* T15: every single-row mutation of a 1,000-row log is found at that row. */
static void
test_every_row (void)
{
  MdTestDb db = { 0 };
  g_auto(MdAuditReport) report = { 0 };
  sqlite3 *raw = NULL;
  gint64 n;

  md_test_db_setup (&db);
  append_rows (&db, 998);
  verify (&db, &report);
  n = report.head_seq;
  g_assert_cmpint (n, ==, 1000);

  tamper (&db, "");
  g_assert_cmpint (sqlite3_open (db.uri, &raw), ==, SQLITE_OK);
  for (gint64 seq = 1; seq <= n; seq++)
    {
      g_autofree char *change = g_strdup_printf ("UPDATE audit SET terminal = 'T99' "
                                                 "WHERE seq = %" G_GINT64_FORMAT, seq);
      g_autofree char *undo = g_strdup_printf ("UPDATE audit SET terminal = 'T01' "
                                               "WHERE seq = %" G_GINT64_FORMAT, seq);

      g_assert_cmpint (sqlite3_exec (raw, change, NULL, NULL, NULL), ==, SQLITE_OK);
      verify (&db, &report);
      g_assert_cmpint (report.broken_seq, ==, seq);
      g_assert_cmpint (sqlite3_exec (raw, undo, NULL, NULL, NULL), ==, SQLITE_OK);
    }
  verify (&db, &report);
  g_assert_cmpint (report.broken_seq, ==, 0);
  sqlite3_close (raw);
  md_test_db_teardown (&db);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/core/audit/chain-holds", test_chain_holds);
  g_test_add_func ("/meterdesk/core/audit/tamper-cases", test_tamper_cases);
  g_test_add_func ("/meterdesk/core/audit/every-row", test_every_row);

  return g_test_run ();
}
