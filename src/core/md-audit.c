/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <string.h>

#include "md-audit.h"
#include "md-clock.h"

G_DEFINE_QUARK (md-audit-error-quark, md_audit_error)

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static void
hash_field (crypto_hash_sha256_state *state,
            const char               *value)
{
  guint32 len = value != NULL ? (guint32) strlen (value) : G_MAXUINT32;
  guint8 prefix[4] = { len >> 24, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff };

  /* Length-prefixed, so no two field lists hash the same; NULL differs from "". */
  crypto_hash_sha256_update (state, prefix, sizeof prefix);
  if (value != NULL)
    crypto_hash_sha256_update (state, (const guint8 *) value, len);
}

static void
hash_int (crypto_hash_sha256_state *state,
          gint64                    value)
{
  char text[24];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, value);
  hash_field (state, text);
}

/* The row hash covers every column but the hash itself. */
static void
compute_hash (gint64       seq,
              gint64       at,
              gint64       mono,
              const char  *terminal,
              gint64       operator_id,
              gint64       approver_id,
              const char  *action,
              const char  *object,
              const char  *detail,
              const char  *prev_hash,
              char         out_hex[MD_AUDIT_HASH_HEX_LEN + 1])
{
  crypto_hash_sha256_state state;
  guint8 digest[crypto_hash_sha256_BYTES];

  crypto_hash_sha256_init (&state);
  hash_field (&state, "meterdesk-audit-v1");
  hash_int (&state, seq);
  hash_int (&state, at);
  hash_int (&state, mono);
  hash_field (&state, terminal);
  hash_int (&state, operator_id);
  hash_int (&state, approver_id);
  hash_field (&state, action);
  hash_field (&state, object);
  hash_field (&state, detail);
  hash_field (&state, prev_hash);
  crypto_hash_sha256_final (&state, digest);

  sodium_bin2hex (out_hex, MD_AUDIT_HASH_HEX_LEN + 1, digest, sizeof digest);
}

/**
 * md_audit_append:
 * @out_seq: (out) (optional): the new row's sequence number
 *
 * Appends one row to the chain. Must run inside a write transaction: the
 * head row is updated first, which serializes every appender on both
 * backends and keeps the sequence gapless.
 */
gboolean
md_audit_append (MdStore             *store,
                 const MdAuditEntry  *entry,
                 gint64              *out_seq,
                 GError             **error)
{
  g_autoptr(MdStmt) head = NULL;
  g_autoptr(MdStmt) insert = NULL;
  g_autoptr(MdStmt) update = NULL;
  g_autofree char *prev_hash = NULL;
  char hash[MD_AUDIT_HASH_HEX_LEN + 1];
  const char *detail = entry->detail != NULL ? entry->detail : "{}";
  const char *object = entry->object != NULL ? entry->object : "";
  GError *local_error = NULL;
  gint64 seq;
  gint64 at = md_clock_now ();
  gint64 mono = md_clock_monotonic ();

  g_return_val_if_fail (MD_IS_STORE (store), FALSE);
  g_return_val_if_fail (md_store_in_transaction (store), FALSE);
  g_return_val_if_fail (entry->terminal != NULL && entry->action != NULL, FALSE);

  /* Take the head's row lock before reading it (PostgreSQL READ COMMITTED). */
  if (!(head = md_store_prepare (store,
                                 "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 "
                                 "RETURNING seq, hash", error)))
    return FALSE;
  if (!md_stmt_step (head, &local_error))
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, MD_AUDIT_ERROR, MD_AUDIT_ERROR_BROKEN,
                             _("The audit chain has no head row"));
      g_propagate_error (error, local_error);
      return FALSE;
    }
  seq = md_stmt_get_int64 (head, 0);
  prev_hash = g_strdup (md_stmt_get_text (head, 1));
  md_stmt_exec (head, NULL);

  compute_hash (seq, at, mono, entry->terminal, entry->operator_id, entry->approver_id,
                entry->action, object, detail, prev_hash, hash);

  if (!(insert = md_store_prepare (store,
                                   "INSERT INTO audit (seq, at, mono, terminal, operator_id, "
                                   "approver_id, action, object, detail, prev_hash, hash) "
                                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                                   error)))
    return FALSE;
  md_stmt_bind_int64 (insert, 1, seq);
  md_stmt_bind_int64 (insert, 2, at);
  md_stmt_bind_int64 (insert, 3, mono);
  md_stmt_bind_text (insert, 4, entry->terminal);
  md_stmt_bind_int64_or_null (insert, 5, entry->operator_id, entry->operator_id == 0);
  md_stmt_bind_int64_or_null (insert, 6, entry->approver_id, entry->approver_id == 0);
  md_stmt_bind_text (insert, 7, entry->action);
  md_stmt_bind_text (insert, 8, object);
  md_stmt_bind_text (insert, 9, detail);
  md_stmt_bind_text (insert, 10, prev_hash);
  md_stmt_bind_text (insert, 11, hash);
  if (!md_stmt_exec (insert, error))
    return FALSE;

  if (!(update = md_store_prepare (store, "UPDATE audit_head SET hash = $1 WHERE id = 1", error)))
    return FALSE;
  md_stmt_bind_text (update, 1, hash);
  if (!md_stmt_exec (update, error))
    return FALSE;

  if (out_seq != NULL)
    *out_seq = seq;
  return TRUE;
}

static void
set_broken (MdAuditReport *report,
            gint64         seq,
            char          *reason)
{
  if (report->broken_seq != 0)
    {
      g_free (reason);
      return;
    }
  report->broken_seq = seq;
  report->reason = reason;
}

typedef struct
{
  MdAuditReport *report;
} VerifyData;

static gboolean
verify_txn (MdStore  *store,
            gpointer  user_data,
            GError  **error)
{
  VerifyData *data = user_data;
  MdAuditReport *report = data->report;
  g_autoptr(MdStmt) rows = NULL;
  g_autoptr(MdStmt) head = NULL;
  char prev[MD_AUDIT_HASH_HEX_LEN + 1] = GENESIS_HASH;
  GError *local_error = NULL;
  gint64 expected = 1;

  if (!(head = md_store_prepare (store, "SELECT seq, hash FROM audit_head WHERE id = 1", error)))
    return FALSE;
  if (md_stmt_step (head, &local_error))
    {
      report->head_seq = md_stmt_get_int64 (head, 0);
      g_strlcpy (report->head_hash, md_stmt_get_text (head, 1) ?: "", sizeof report->head_hash);
      md_stmt_exec (head, NULL);
    }
  else if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  else
    set_broken (report, 1, g_strdup (_("The audit chain has no head row")));

  if (!(rows = md_store_prepare (store,
                                 "SELECT seq, at, mono, terminal, operator_id, approver_id, "
                                 "action, object, detail, prev_hash, hash FROM audit ORDER BY seq",
                                 error)))
    return FALSE;

  while (md_stmt_step (rows, &local_error))
    {
      char computed[MD_AUDIT_HASH_HEX_LEN + 1];
      gint64 seq = md_stmt_get_int64 (rows, 0);
      const char *prev_hash = md_stmt_get_text (rows, 9);
      const char *hash = md_stmt_get_text (rows, 10);

      report->rows++;
      if (report->broken_seq != 0)
        continue;

      if (seq != expected)
        {
          set_broken (report, expected,
                      seq > expected
                        ? g_strdup_printf (_("Audit row %lld is missing"), (long long) expected)
                        : g_strdup_printf (_("Audit row %lld is out of order"),
                                           (long long) seq));
          continue;
        }

      compute_hash (seq, md_stmt_get_int64 (rows, 1), md_stmt_get_int64 (rows, 2),
                    md_stmt_get_text (rows, 3), md_stmt_get_int64 (rows, 4),
                    md_stmt_get_int64 (rows, 5), md_stmt_get_text (rows, 6),
                    md_stmt_get_text (rows, 7), md_stmt_get_text (rows, 8), prev_hash, computed);

      if (g_strcmp0 (prev_hash, prev) != 0)
        set_broken (report, seq,
                    g_strdup_printf (_("Audit row %lld does not follow the row before it"),
                                    (long long) seq));
      else if (g_strcmp0 (hash, computed) != 0)
        set_broken (report, seq,
                    g_strdup_printf (_("Audit row %lld has been altered"), (long long) seq));

      g_strlcpy (prev, hash != NULL ? hash : "", sizeof prev);
      expected++;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  /* A chain that verifies but ends before the head lost its tail. */
  if (report->broken_seq == 0 && expected - 1 != report->head_seq)
    set_broken (report, expected,
                expected - 1 < report->head_seq
                  ? g_strdup_printf (_("Audit rows from %lld on are missing"),
                                     (long long) expected)
                  : g_strdup_printf (_("Audit row %lld is beyond the recorded head"),
                                     (long long) report->head_seq + 1));
  else if (report->broken_seq == 0 && g_strcmp0 (prev, report->head_hash) != 0)
    set_broken (report, expected - 1,
                g_strdup_printf (_("Audit row %lld does not match the recorded head"),
                                 (long long) expected - 1));

  return TRUE;
}

/**
 * md_audit_verify:
 * @report: (out caller-allocates): filled in; clear with md_audit_report_clear()
 *
 * Recomputes the whole chain from genesis to the head. A broken chain is
 * not a GError: the report names the first broken row. @error is for the
 * database failing to answer.
 */
gboolean
md_audit_verify (MdStore        *store,
                 MdAuditReport  *report,
                 GError        **error)
{
  VerifyData data = { report };

  g_return_val_if_fail (MD_IS_STORE (store), FALSE);
  g_return_val_if_fail (report != NULL, FALSE);

  memset (report, 0, sizeof *report);
  return md_store_read (store, verify_txn, &data, error);
}

void
md_audit_report_clear (MdAuditReport *report)
{
  g_clear_pointer (&report->reason, g_free);
}
