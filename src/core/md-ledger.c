/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-clock.h"
#include "md-ledger.h"

/**
 * _md_ledger_post:
 * @sale_id: the sale the legs belong to, 0 for a cash movement
 * @shift_id: the cash shift they fall in, 0 for none
 *
 * Inside a write transaction: appends balanced legs and moves the cached
 * balances with them. Unbalanced legs are a programming error.
 */
gboolean
_md_ledger_post (MdStore      *store,
                 gint64        sale_id,
                 gint64        shift_id,
                 const MdLeg  *legs,
                 guint         n_legs,
                 GError      **error)
{
  MdMoney sum = 0;
  gint64 now = md_clock_now ();

  g_return_val_if_fail (md_store_in_transaction (store), FALSE);
  g_return_val_if_fail (n_legs >= 2, FALSE);

  for (guint i = 0; i < n_legs; i++)
    if (!md_money_add (sum, legs[i].delta, &sum, error))
      return FALSE;
  /* Fail-stop: a posting that does not balance means money is wrong. */
  g_assert_cmpint (sum, ==, 0);

  for (guint i = 0; i < n_legs; i++)
    {
      g_autoptr(MdStmt) row = NULL;
      g_autoptr(MdStmt) balance = NULL;

      if (!(row = md_store_prepare (store,
                                    "INSERT INTO ledger (sale_id, shift_id, account, delta, ref, at) "
                                    "VALUES ($1, $2, $3, $4, $5, $6)", error)))
        return FALSE;
      md_stmt_bind_int64_or_null (row, 1, sale_id, sale_id == 0);
      md_stmt_bind_int64_or_null (row, 2, shift_id, shift_id == 0);
      md_stmt_bind_text (row, 3, legs[i].account);
      md_stmt_bind_int64 (row, 4, legs[i].delta);
      md_stmt_bind_text (row, 5, legs[i].ref != NULL ? legs[i].ref : "");
      md_stmt_bind_int64 (row, 6, now);
      if (!md_stmt_exec (row, error))
        return FALSE;

      if (!(balance = md_store_prepare (store,
                                        "INSERT INTO balance (account, value) VALUES ($1, $2) "
                                        "ON CONFLICT (account) DO UPDATE "
                                        "SET value = balance.value + excluded.value", error)))
        return FALSE;
      md_stmt_bind_text (balance, 1, legs[i].account);
      md_stmt_bind_int64 (balance, 2, legs[i].delta);
      if (!md_stmt_exec (balance, error))
        return FALSE;
    }

  return TRUE;
}

/**
 * md_ledger_balance:
 * @out_value: (out): the cached balance, 0 for an account never posted to
 */
gboolean
md_ledger_balance (MdStore     *store,
                   const char  *account,
                   MdMoney     *out_value,
                   GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  *out_value = 0;
  if (!(stmt = md_store_prepare (store, "SELECT value FROM balance WHERE account = $1", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, account);
  if (md_stmt_step (stmt, &local_error))
    {
      *out_value = md_stmt_get_int64 (stmt, 0);
      md_stmt_exec (stmt, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  const char *sql;
  const char *message;   /* printf with the first column, a text */
} Check;

/* RELIABILITY INV-3, INV-4 and INV-6, each a query whose rows are problems. */
static const Check checks[] = {
  { "SELECT 'all' FROM (SELECT COALESCE(SUM(delta), 0) AS total FROM ledger) t WHERE total <> 0",
    N_("The ledger does not sum to zero (%s)") },
  { "SELECT CAST(sale_id AS TEXT) FROM ledger WHERE sale_id IS NOT NULL GROUP BY sale_id "
    "HAVING SUM(delta) <> 0 OR count(*) < 2",
    N_("The postings of sale %s do not balance") },
  { "SELECT CAST(id AS TEXT) FROM sale s WHERE state = 'posted' "
    "AND (SELECT count(*) FROM ledger l WHERE l.sale_id = s.id) < 2",
    N_("Posted sale %s has no ledger rows") },
  { "SELECT CAST(id AS TEXT) FROM sale s WHERE state <> 'posted' "
    "AND EXISTS (SELECT 1 FROM ledger l WHERE l.sale_id = s.id)",
    N_("Sale %s is not posted but has ledger rows") },
  { "SELECT b.account FROM balance b LEFT JOIN "
    "(SELECT account, SUM(delta) AS total FROM ledger GROUP BY account) x "
    "ON x.account = b.account WHERE b.value <> COALESCE(x.total, 0) "
    "UNION SELECT x.account FROM (SELECT account FROM ledger GROUP BY account) x "
    "WHERE NOT EXISTS (SELECT 1 FROM balance b WHERE b.account = x.account)",
    N_("The cached balance of %s differs from its ledger rows") },
  { "SELECT account FROM balance WHERE account LIKE 'prepaid:%' AND value > 0",
    N_("The prepaid credit of %s is negative") },
  { "SELECT CAST(id AS TEXT) FROM sale WHERE (state = 'posted') <> (receipt_no IS NOT NULL)",
    N_("Sale %s has a receipt number that does not match its state") },
  { "SELECT terminal FROM sale WHERE receipt_no IS NOT NULL GROUP BY terminal "
    "HAVING max(receipt_no) <> count(*) OR min(receipt_no) <> 1",
    N_("The receipt numbers of terminal %s have a gap") },
  { "SELECT s.terminal FROM (SELECT terminal, max(receipt_no) AS last FROM sale "
    "WHERE receipt_no IS NOT NULL GROUP BY terminal) s "
    "LEFT JOIN counter c ON c.scope = s.terminal AND c.name = 'receipt' "
    "WHERE COALESCE(c.value, 0) <> s.last",
    N_("The receipt counter of terminal %s does not match its last receipt") },
  { "SELECT CAST(s.id AS TEXT) FROM shift s WHERE s.closed_at IS NOT NULL "
    "AND COALESCE((SELECT value FROM balance b WHERE b.account = 'cash:' || CAST(s.id AS TEXT)), 0) <> 0",
    N_("The drawer of closed shift %s is not empty in the ledger") },
  { "SELECT CAST(ref_sale_id AS TEXT) FROM sale WHERE kind = 'reversal' AND state = 'posted' "
    "GROUP BY ref_sale_id HAVING count(*) > 1",
    N_("Sale %s is reversed more than once") },
};

/* The message's one %s is the offending row; not a printf format, so the
 * table can hold translatable text. */
static char *
problem_text (const char *message,
              const char *what)
{
  GString *out = g_string_new (_(message));

  g_string_replace (out, "%s", what != NULL ? what : "", 1);
  return g_string_free (out, FALSE);
}

/**
 * md_ledger_account_credit:
 * @out_credit: (out): the customer's prepaid credit held in the account
 *   (后台计费), the negative of the "prepaid:<no>" balance
 */
gboolean
md_ledger_account_credit (MdStore     *store,
                          const char  *account_no,
                          MdMoney     *out_credit,
                          GError     **error)
{
  g_autofree char *prepaid = g_strdup_printf ("prepaid:%s", account_no);
  MdMoney balance = 0;

  if (!md_ledger_balance (store, prepaid, &balance, error))
    return FALSE;
  *out_credit = -balance;
  return TRUE;
}

/**
 * md_ledger_check:
 * @out_problems: (out) (transfer full) (element-type utf8): one translated
 *   line per broken invariant; empty when the books hold
 *
 * Runs the ledger and sale invariants: the ledger sums to zero, every
 * posting balances, balances equal their rows, no prepaid credit below
 * zero, receipt numbers gapless per terminal, states consistent.
 */
gboolean
md_ledger_check (MdStore     *store,
                 GPtrArray  **out_problems,
                 GError     **error)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      g_autoptr(MdStmt) stmt = NULL;
      GError *local_error = NULL;

      if (!(stmt = md_store_prepare (store, checks[i].sql, error)))
        return FALSE;
      while (md_stmt_step (stmt, &local_error))
        g_ptr_array_add (problems, problem_text (checks[i].message, md_stmt_get_text (stmt, 0)));
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
    }

  *out_problems = g_steal_pointer (&problems);
  return TRUE;
}
