/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-rel-check.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "md-audit.h"
#include "md-ledger.h"
#include "md-store.h"
#include "md-vend.h"

typedef enum
{
  EXPECT_STARTED,
  EXPECT_ACKED,
  EXPECT_ABSENT,
} ExpectKind;

typedef struct
{
  ExpectKind  kind;
  char       *receipt;   /* EXPECT_ACKED */
  gboolean    seen;
} Expect;

static void
expect_free (gpointer data)
{
  Expect *e = data;

  g_free (e->receipt);
  g_free (e);
}

void
md_rel_report_init (MdRelReport *report)
{
  memset (report, 0, sizeof *report);
  report->lost = g_ptr_array_new_with_free_func (g_free);
  report->in_doubt = g_ptr_array_new_with_free_func (g_free);
  report->problems = g_ptr_array_new_with_free_func (g_free);
}

void
md_rel_report_clear (MdRelReport *report)
{
  g_clear_pointer (&report->lost, g_ptr_array_unref);
  g_clear_pointer (&report->in_doubt, g_ptr_array_unref);
  g_clear_pointer (&report->problems, g_ptr_array_unref);
}

G_GNUC_PRINTF (2, 3)
static void
problem (MdRelReport *report,
         const char  *format,
         ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (report->problems, g_strdup_vprintf (format, args));
  va_end (args);
}

/**
 * md_rel_key_amount:
 * @key: "<terminal>-<i>"
 *
 * Returns: what the seller sells under @key: ¥(1 + i % 50), in fen; -1 for
 *   a key the seller does not make
 */
gint64
md_rel_key_amount (const char *key)
{
  const char *dash = strrchr (key, '-');
  char *end = NULL;
  gint64 i;

  if (dash == NULL || dash[1] == '\0')
    return -1;
  i = g_ascii_strtoll (dash + 1, &end, 10);
  if (*end != '\0' || i < 0)
    return -1;
  return (1 + i % 50) * 100;
}

static GHashTable *
load_expectations (const char  *path,
                   GError     **error)
{
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                      expect_free);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], " ", -1);
      guint n = g_strv_length (f);
      Expect *e;

      if (n == 0 || *f[0] == '\0')
        continue;
      e = g_new0 (Expect, 1);
      if (g_str_equal (f[0], "acked") && n == 3)
        {
          e->kind = EXPECT_ACKED;
          e->receipt = g_strdup (f[2]);
        }
      else if (g_str_equal (f[0], "started") && n == 2)
        e->kind = EXPECT_STARTED;
      else if (g_str_equal (f[0], "absent") && n == 2)
        e->kind = EXPECT_ABSENT;
      else
        {
          g_free (e);
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: cannot read “%s”", path,
                       i + 1, lines[i]);
          return NULL;
        }
      g_hash_table_replace (keys, g_strdup (f[1]), e);
    }
  return g_steal_pointer (&keys);
}

typedef struct
{
  const char *sql;
  const char *what;
} Query;

/* Each row is a broken invariant; the first column names it. */
static const Query queries[] = {
  { "SELECT idem FROM sale GROUP BY idem HAVING count(*) > 1",
    "INV-2: key %s is in the database more than once" },
  { "SELECT terminal FROM sale WHERE receipt_no IS NOT NULL GROUP BY terminal "
    "HAVING count(DISTINCT receipt_no) <> count(*)",
    "INV-3: terminal %s printed one receipt number twice" },
  { "SELECT a.no FROM account a WHERE a.billing = 'system' AND "
    "COALESCE((SELECT -value FROM balance b WHERE b.account = 'prepaid:' || a.no), 0) <> "
    "COALESCE((SELECT SUM(credit) FROM sale s WHERE s.account_id = a.id AND s.state = 'posted'), 0)",
    "INV-6: the credit of account %s is not the sum of its posted sales" },
  { "SELECT object FROM audit WHERE action = 'sale.post' GROUP BY object HAVING count(*) > 1",
    "INV-6: %s was posted more than once in the audit log" },
  { "SELECT CAST(p AS TEXT) FROM (SELECT (SELECT count(*) FROM sale WHERE state = 'posted') AS p, "
    "(SELECT count(*) FROM audit WHERE action = 'sale.post') AS a) WHERE p <> a",
    "INV-5: %s posted sales, but another number of sale.post audit rows" },
};

static gboolean
run_queries (MdStore      *store,
             MdRelReport  *report,
             GError      **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autoptr(MdStmt) stmt = md_store_prepare (store, queries[i].sql, error);
      GError *local_error = NULL;

      if (stmt == NULL)
        return FALSE;
      while (md_stmt_step (stmt, &local_error))
        {
          GString *line = g_string_new (queries[i].what);

          g_string_replace (line, "%s", md_stmt_get_text (stmt, 0), 1);
          g_ptr_array_add (report->problems, g_string_free (line, FALSE));
        }
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_sales (MdStore          *store,
             GHashTable       *expect,
             MdRelCheckFlags   flags,
             MdRelReport      *report,
             GError          **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (!(stmt = md_store_prepare (store,
                                 "SELECT idem, terminal, state, receipt_no, amount, kind FROM sale "
                                 "ORDER BY id", error)))
    return FALSE;
  while (md_stmt_step (stmt, &local_error))
    {
      const char *idem = md_stmt_get_text (stmt, 0);
      const char *state = md_stmt_get_text (stmt, 2);
      gint64 receipt_no = md_stmt_get_int64 (stmt, 3);
      gint64 amount = md_stmt_get_int64 (stmt, 4);
      Expect *e = g_hash_table_lookup (expect, idem);

      report->sales++;
      if (g_str_equal (state, "posted"))
        report->posted++;
      else if (g_str_equal (state, "pending") || g_str_equal (state, "delivered"))
        {
          report->pending++;
          if (flags & MD_REL_CHECK_FINAL)
            problem (report, "INV-6: sale %s is still %s after the final recovery", idem, state);
        }
      else
        problem (report, "INV-6: sale %s is %s, and nothing here voids", idem, state);

      if (!g_str_equal (md_stmt_get_text (stmt, 5), "sale"))
        problem (report, "INV-2: %s is a %s, and nothing here makes one", idem,
                 md_stmt_get_text (stmt, 5));
      if (amount != md_rel_key_amount (idem))
        problem (report, "INV-2: sale %s is for %" G_GINT64_FORMAT " fen, not what was sold",
                 idem, amount);

      if (e == NULL)
        {
          problem (report, "INV-2: sale %s exists, but its key was never started", idem);
          continue;
        }
      e->seen = TRUE;
      switch (e->kind)
        {
        case EXPECT_ACKED:
          {
            g_autofree char *receipt = md_receipt_format (md_stmt_get_text (stmt, 1), receipt_no);

            /* The cashier was told "sold": anything but posted is a lost sale. */
            if (!g_str_equal (state, "posted"))
              {
                g_ptr_array_add (report->lost, g_strdup (idem));
                if (!(flags & MD_REL_CHECK_ALLOW_LOST))
                  problem (report, "INV-2: ACKed sale %s (%s) is %s", idem, e->receipt, state);
              }
            else if (!g_str_equal (receipt, e->receipt))
              problem (report, "INV-2: ACKed sale %s was printed as %s but is %s", idem,
                       e->receipt, receipt);
          }
          break;
        case EXPECT_STARTED:
          g_ptr_array_add (report->in_doubt, g_strdup (idem));
          break;
        case EXPECT_ABSENT:
          problem (report, "INV-2: sale %s was reported absent after its failure, but it is %s",
                   idem, state);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  g_hash_table_iter_init (&iter, expect);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Expect *e = value;

      if (e->kind != EXPECT_ACKED)
        continue;
      report->acked++;
      if (e->seen)
        continue;
      g_ptr_array_add (report->lost, g_strdup (key));
      if (!(flags & MD_REL_CHECK_ALLOW_LOST))
        problem (report, "INV-2: ACKed sale %s (%s) is lost", (char *) key, e->receipt);
    }
  g_ptr_array_sort (report->lost, (GCompareFunc) g_strcmp0);
  return TRUE;
}

/**
 * md_rel_check:
 *
 * Opens @db_path without any fault, as the next start of the program
 * would, and checks every invariant. A broken invariant is a line in
 * @report's problems, not an error: @error is for a checker that could not
 * run (a missing file).
 */
gboolean
md_rel_check (const char       *db_path,
              const char       *expect_path,
              MdRelCheckFlags   flags,
              MdRelReport      *report,
              GError          **error)
{
  g_autoptr(GHashTable) expect = NULL;
  g_autoptr(MdStore) store = NULL;
  g_autoptr(GPtrArray) ledger_problems = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(MdAuditReport) audit = { 0 };

  if (!(expect = load_expectations (expect_path, error)))
    return FALSE;

  /* INV-1: it opens (WAL recovery included), and it is whole. */
  if (!(store = md_store_open (db_path, MD_STORE_OPEN_NO_MIGRATE, &local_error)))
    {
      problem (report, "INV-1: the database does not open: %s", local_error->message);
      return TRUE;
    }
  if (!md_store_check_integrity (store, FALSE, &local_error))
    {
      problem (report, "INV-1: %s", local_error->message);
      return TRUE;
    }

  /* INV-2, and INV-6 for the state of each sale. */
  if (!check_sales (store, expect, flags, report, error))
    return FALSE;

  /* INV-3, INV-4, INV-6: the books. */
  if (!md_ledger_check (store, &ledger_problems, error))
    return FALSE;
  for (guint i = 0; i < ledger_problems->len; i++)
    problem (report, "INV-3/4/6: %s", (char *) g_ptr_array_index (ledger_problems, i));
  if (!run_queries (store, report, error))
    return FALSE;

  /* INV-5: the audit chain, genesis to head. */
  if (!md_audit_verify (store, &audit, error))
    return FALSE;
  report->audit_rows = audit.rows;
  if (audit.broken_seq != 0)
    problem (report, "INV-5: the audit chain breaks at row %" G_GINT64_FORMAT ": %s",
             audit.broken_seq, audit.reason != NULL ? audit.reason : "");

  return TRUE;
}

static void
add_strings (JsonBuilder *builder,
             const char  *name,
             GPtrArray   *strings)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < strings->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (strings, i));
  json_builder_end_array (builder);
}

/**
 * md_rel_report_to_json:
 *
 * Returns: (transfer full): the report as one line of JSON, for the harness
 */
char *
md_rel_report_to_json (const MdRelReport *report)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, report->problems->len == 0);
  json_builder_set_member_name (builder, "sales");
  json_builder_add_int_value (builder, report->sales);
  json_builder_set_member_name (builder, "posted");
  json_builder_add_int_value (builder, report->posted);
  json_builder_set_member_name (builder, "pending");
  json_builder_add_int_value (builder, report->pending);
  json_builder_set_member_name (builder, "acked");
  json_builder_add_int_value (builder, report->acked);
  json_builder_set_member_name (builder, "audit_rows");
  json_builder_add_int_value (builder, report->audit_rows);
  add_strings (builder, "lost", report->lost);
  add_strings (builder, "in_doubt", report->in_doubt);
  add_strings (builder, "problems", report->problems);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}
