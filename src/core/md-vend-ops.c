/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-clock.h"
#include "md-core-private.h"
#include "md-register.h"
#include "md-validate.h"
#include "md-vend-private.h"

/* Corrections and settlements: every one a new row through the same state
 * machine as a sale — reversal (撤销), refund (退费), offset (充抵), free
 * quota grants, account closing with settlement, meter replacement. */

typedef struct
{
  gint64  id;
  char   *state;
  char   *billing;
  char   *utility;
} AccountRow;

static void
account_row_clear (AccountRow *row)
{
  g_clear_pointer (&row->state, g_free);
  g_clear_pointer (&row->billing, g_free);
  g_clear_pointer (&row->utility, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AccountRow, account_row_clear)

static gboolean
load_account (MdStore     *store,
              const char  *no,
              AccountRow  *row,
              GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  if (!(stmt = md_store_prepare (store,
                                 "SELECT a.id, a.state, a.billing, c.utility FROM account a "
                                 "JOIN usage_category c ON c.id = a.category_id WHERE a.no = $1",
                                 error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, no);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                     _("There is no account %s"), no);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  row->id = md_stmt_get_int64 (stmt, 0);
  row->state = g_strdup (md_stmt_get_text (stmt, 1));
  row->billing = g_strdup (md_stmt_get_text (stmt, 2));
  row->utility = g_strdup (md_stmt_get_text (stmt, 3));
  md_stmt_exec (stmt, NULL);
  return TRUE;
}

static gboolean
require_system_billing (AccountRow  *row,
                        const char  *no,
                        GError     **error)
{
  if (g_strcmp0 (row->billing, "system") != 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_MEDIUM,
                   _("The credit of account %s is in its meter or card, not in the account"), no);
      return FALSE;
    }
  return TRUE;
}

static gboolean
require_shift (MdSession  *session,
               gint64     *out_shift_id,
               GError    **error)
{
  if (!_md_open_shift (md_session_get_store (session), md_session_get_terminal (session),
                       out_shift_id, NULL, error))
    return FALSE;
  if (*out_shift_id == 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NO_SHIFT,
                   _("No shift is open at %s; open one first (shift open --float)"),
                   md_session_get_terminal (session));
      return FALSE;
    }
  return TRUE;
}

static gboolean
credit_of (MdStore     *store,
           const char  *no,
           MdMoney     *out_credit,
           GError     **error)
{
  g_autofree char *account = g_strdup_printf ("prepaid:%s", no);
  MdMoney balance;

  if (!md_ledger_balance (store, account, &balance, error))
    return FALSE;
  *out_credit = -balance;
  return TRUE;
}

/* Writes the PENDING row, then delivers and posts it; a key used before
 * gives that earlier operation back. */
static gboolean
run_operation (MdSession           *session,
               const MdSaleInsert  *insert,
               MdVendPlan          *plan,
               const MdSaleLine    *lines,
               guint                n_lines,
               MdMedium            *medium,
               MdSaleResult        *out_result,
               GError             **error)
{
  MdStore *store = md_session_get_store (session);
  gint64 sale_id = 0;
  gboolean existed = FALSE;

  if (!_md_sale_write_pending (session, insert, plan, lines, n_lines, &sale_id, &existed, error))
    return FALSE;
  if (existed)
    {
      if (!_md_sale_fill_result (store, sale_id, out_result, error))
        return FALSE;
      out_result->replayed = TRUE;
      if (g_strcmp0 (out_result->state, "pending") != 0)
        return TRUE;
    }
  return _md_sale_deliver_and_post (session, sale_id, medium, plan, out_result, NULL, error);
}

static char *
key_or_new (const char *idem)
{
  return idem != NULL ? g_strdup (idem) : md_vend_new_key ();
}

/**
 * md_vend_reverse:
 * @medium: (nullable): the medium the sale went to, to take the credit back;
 *   %NULL for the account medium
 * @reason: why, required
 * @idem: (nullable): the key of this reversal, %NULL for a new one
 * @approval: (nullable): a supervisor's approval when the operator may not
 *   reverse alone
 *
 * Reverses a posted sale (撤销) while its credit is provably unconsumed: a
 * new row with the negated amounts, its own receipt number, the money paid
 * back by the original method (cash out of this terminal's drawer).
 */
gboolean
md_vend_reverse (MdSession     *session,
                 gint64         sale_id,
                 MdMedium      *medium,
                 const char    *reason,
                 const char    *idem,
                 MdApproval    *approval,
                 MdSaleResult  *out_result,
                 GError       **error)
{
  MdStore *store;
  g_autoptr(MdMedium) account_medium = NULL;
  g_auto(MdSaleRow) sale = { 0 };
  g_auto(MdVendPlan) plan = { 0 };
  g_autoptr(GArray) lines = NULL;
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, sale_id);
  g_autofree char *key = key_or_new (idem);
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;
  MdSaleInsert insert = { 0 };
  gboolean found = FALSE;
  gint64 other = 0;
  gint64 shift_id = 0;
  gboolean ok;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  memset (out_result, 0, sizeof *out_result);
  store = md_session_get_store (session);

  if (!md_validate_text (reason, _("reason"), TRUE, MD_TEXT_MAX_CHARS, error) ||
      !_md_validate_key (key, error))
    return FALSE;
  if (!_md_sale_load (store, "s.id", id_text, &sale, &found, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_STATE, _("There is no sale %s"), id_text);
      return FALSE;
    }
  if (!g_str_equal (sale.kind, "sale") || !g_str_equal (sale.state, "posted"))
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NOT_REVERSIBLE,
                   _("Only a committed sale of credit can be reversed, and sale %s is not one"),
                   id_text);
      return FALSE;
    }
  if (!_md_lookup_id (store, &other, error,
                      "SELECT id FROM sale WHERE ref_sale_id = CAST($1 AS BIGINT) "
                      "AND kind = 'reversal' AND state <> 'voided' AND idem <> $2",
                      id_text, key, NULL))
    return FALSE;
  if (other != 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NOT_REVERSIBLE,
                   _("Sale %s is already reversed (sale %lld)"), id_text, (long long) other);
      return FALSE;
    }

  if (medium == NULL)
    medium = account_medium = g_str_equal (sale.medium, "none") ? md_none_medium_new ()
                                                                : md_account_medium_new ();
  if (g_strcmp0 (md_medium_get_kind (medium), sale.medium) != 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_MEDIUM,
                   _("Sale %s was delivered by another medium (%s)"), id_text,
                   sale.medium);
      return FALSE;
    }

  /* Provably unconsumed: the account still holds the credit. Cards and
   * meters answer for themselves when the reversal is delivered. */
  if (g_str_equal (sale.medium, "account"))
    {
      MdMoney credit;

      if (!credit_of (store, sale.account_no, &credit, error))
        return FALSE;
      if (credit < sale.credit)
        {
          g_autofree char *have = md_money_format (credit, MD_MONEY_STYLE_CURRENCY);

          g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NOT_REVERSIBLE,
                       _("Sale %s cannot be reversed: part of its credit is used (the account "
                         "holds %s); refund the rest instead"), id_text, have);
          return FALSE;
        }
    }

  if (!md_session_authorize (session, MD_PERM_REVERSE, approval, &insert.approver_id, error))
    return FALSE;
  if (!require_shift (session, &shift_id, error))
    return FALSE;

  /* The negated lines of the original. */
  lines = g_array_new (FALSE, TRUE, sizeof (MdSaleLine));
  if (!(stmt = md_store_prepare (store,
                                 "SELECT kind, description, tier, quantity, price, amount, detail "
                                 "FROM sale_line WHERE sale_id = $1 ORDER BY line_no", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, sale.id);
  while (md_stmt_step (stmt, &local_error))
    {
      MdSaleLine line = { 0 };
      const char *kind = md_stmt_get_text (stmt, 0);

      line.kind = g_str_equal (kind, "fee") ? "fee" : "energy";
      line.description = g_strdup (md_stmt_get_text (stmt, 1));
      line.tier = md_stmt_is_null (stmt, 2) ? -1 : md_stmt_get_int64 (stmt, 2);
      line.quantity = -md_stmt_get_int64 (stmt, 3);
      line.price = md_stmt_get_int64 (stmt, 4);
      line.amount = -md_stmt_get_int64 (stmt, 5);
      line.detail = g_strdup (md_stmt_get_text (stmt, 6));
      g_array_append_val (lines, line);
    }
  if (local_error != NULL)
    {
      _md_sale_lines_free (g_steal_pointer (&lines));
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (!md_vend_plan_from_json (sale.payload, &plan, error))
    {
      _md_sale_lines_free (g_steal_pointer (&lines));
      return FALSE;
    }
  plan.idem = g_strdup (key);
  plan.credit = -sale.credit;
  plan.energy = -sale.energy;

  insert.idem = key;
  insert.kind = "reversal";
  insert.account_id = sale.account_id;
  insert.shift_id = shift_id;
  insert.medium = sale.medium;
  insert.pay_method = sale.pay_method;
  insert.pay_ref = sale.pay_ref;
  insert.amount = -sale.amount;
  insert.reason = reason;
  insert.ref_sale_id = sale.id;

  ok = run_operation (session, &insert, &plan, (MdSaleLine *) lines->data, lines->len, medium,
                      out_result, error);
  _md_sale_lines_free (g_steal_pointer (&lines));
  return ok;
}

/**
 * md_vend_refund:
 * @amount: fen to give back, at most the account's credit
 *
 * Refunds unused credit (退费) of a system-billed account, with a
 * supervisor's approval; paid out by @pay_method (cash from this drawer).
 */
gboolean
md_vend_refund (MdSession     *session,
                const char    *account_no,
                MdMoney        amount,
                MdPayMethod    pay_method,
                const char    *reason,
                const char    *idem,
                MdApproval    *approval,
                MdSaleResult  *out_result,
                GError       **error)
{
  MdStore *store;
  g_auto(AccountRow) account = { 0 };
  g_auto(MdVendPlan) plan = { 0 };
  g_autoptr(MdMedium) medium = md_account_medium_new ();
  g_autofree char *key = key_or_new (idem);
  g_autofree char *amount_text = md_money_format (amount, MD_MONEY_STYLE_PLAIN);
  MdSaleLine line = { "refund" };
  MdSaleInsert insert = { 0 };
  gint64 shift_id = 0;
  MdMoney credit;
  gboolean ok;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  memset (out_result, 0, sizeof *out_result);
  store = md_session_get_store (session);

  if (!md_validate_code (account_no, _("account number"), error) ||
      !md_validate_text (reason, _("reason"), TRUE, MD_TEXT_MAX_CHARS, error) ||
      !_md_validate_key (key, error))
    return FALSE;
  if (amount <= 0 || amount > MD_MONEY_MAX)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                           _("A refund must be more than zero"));
      return FALSE;
    }
  if (!load_account (store, account_no, &account, error) ||
      !require_system_billing (&account, account_no, error) ||
      !credit_of (store, account_no, &credit, error))
    return FALSE;
  if (credit < amount)
    {
      g_autofree char *have = md_money_format (credit, MD_MONEY_STYLE_CURRENCY);

      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CREDIT,
                   _("The account %s has only %s of credit"), account_no, have);
      return FALSE;
    }
  if (!md_session_authorize (session, MD_PERM_REFUND, approval, &insert.approver_id, error) ||
      !require_shift (session, &shift_id, error))
    return FALSE;

  plan.idem = g_strdup (key);
  plan.account_no = g_strdup (account_no);
  plan.target = g_strdup (account_no);
  plan.credit = -amount;

  line.description = (char *) _("Refund of credit");
  line.tier = -1;
  line.amount = -amount;

  insert.idem = key;
  insert.kind = "refund";
  insert.account_id = account.id;
  insert.shift_id = shift_id;
  insert.medium = "account";
  insert.pay_method = md_pay_method_to_string (pay_method);
  insert.amount = -amount;
  insert.reason = reason;

  ok = run_operation (session, &insert, &plan, &line, 1, medium, out_result, error);
  (void) amount_text;
  return ok;
}

/**
 * md_vend_offset:
 * @fee_kind: (nullable): settle this fee from the account's credit, or
 * @to_account_no: (nullable): move credit to this account
 * @amount: fen; 0 takes the fee's price
 *
 * Offset (充抵): settles one amount against another without money changing
 * hands — a fee paid from the account's credit, or credit moved between two
 * system-billed accounts (which needs the refund permission or approval).
 */
gboolean
md_vend_offset (MdSession     *session,
                const char    *account_no,
                const char    *fee_kind,
                const char    *to_account_no,
                MdMoney        amount,
                const char    *idem,
                MdSaleResult  *out_result,
                GError       **error)
{
  MdStore *store;
  g_auto(AccountRow) account = { 0 };
  g_auto(MdVendPlan) plan = { 0 };
  g_autoptr(MdMedium) medium = md_account_medium_new ();
  g_autofree char *key = key_or_new (idem);
  MdSaleLine line = { 0 };
  MdSaleInsert insert = { 0 };
  MdMoney credit;
  gboolean ok;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  memset (out_result, 0, sizeof *out_result);
  store = md_session_get_store (session);

  if (!md_validate_code (account_no, _("account number"), error) || !_md_validate_key (key, error))
    return FALSE;
  if ((fee_kind == NULL) == (to_account_no == NULL))
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED,
                           _("Offset either a fee or a transfer to another account"));
      return FALSE;
    }
  if (amount < 0 || amount > MD_MONEY_MAX || (to_account_no != NULL && amount == 0))
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                           _("The amount to offset is out of range"));
      return FALSE;
    }
  if (!load_account (store, account_no, &account, error) ||
      !require_system_billing (&account, account_no, error))
    return FALSE;

  if (fee_kind != NULL)
    {
      if (!md_validate_code (fee_kind, _("fee kind"), error) ||
          !md_session_require (session, MD_PERM_SELL, error) ||
          !_md_fee_line (store, fee_kind, account.id, &line, error))
        return FALSE;
      if (amount != 0)
        line.amount = amount;
    }
  else
    {
      g_auto(AccountRow) to = { 0 };

      if (!md_validate_code (to_account_no, _("account number"), error) ||
          !load_account (store, to_account_no, &to, error) ||
          !require_system_billing (&to, to_account_no, error) ||
          !md_session_require (session, MD_PERM_REFUND, error))
        return FALSE;
      if (g_str_equal (to_account_no, account_no) || !g_str_equal (to.state, "open"))
        {
          g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                       _("Credit can only move to another open account"));
          return FALSE;
        }
      line.kind = "settlement";
      line.description = g_strdup_printf (_("Credit moved to account %s"), to_account_no);
      line.tier = -1;
      line.amount = amount;
      line.detail = _md_detail ("to", to_account_no, NULL);
    }

  if (!credit_of (store, account_no, &credit, error))
    goto fail;
  if (credit < line.amount)
    {
      g_autofree char *have = md_money_format (credit, MD_MONEY_STYLE_CURRENCY);

      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CREDIT,
                   _("The account %s has only %s of credit"), account_no, have);
      goto fail;
    }

  plan.idem = g_strdup (key);
  plan.account_no = g_strdup (account_no);
  plan.target = g_strdup (account_no);
  plan.credit = -line.amount;

  insert.idem = key;
  insert.kind = "offset";
  insert.account_id = account.id;
  insert.medium = "account";
  insert.pay_method = "account";
  insert.amount = 0;

  ok = run_operation (session, &insert, &plan, &line, 1, medium, out_result, error);
  g_free (line.description);
  g_free (line.detail);
  return ok;

fail:
  g_free (line.description);
  g_free (line.detail);
  return FALSE;
}

/**
 * md_vend_grant:
 * @energy: Wh (litres) granted free
 * @period: "YYYY-MM": at most one grant per account and period
 * @medium: (nullable): where the energy goes; %NULL for the account
 *
 * The free monthly basic quota (每月免费基础电量): a zero-price line
 * through the vend state machine, keyed by account and period so it is
 * never granted twice.
 */
gboolean
md_vend_grant (MdSession     *session,
               const char    *account_no,
               MdEnergy       energy,
               const char    *period,
               MdMedium      *medium,
               MdSaleResult  *out_result,
               GError       **error)
{
  MdStore *store;
  g_auto(AccountRow) account = { 0 };
  g_auto(MdVendPlan) plan = { 0 };
  g_autoptr(MdMedium) account_medium = NULL;
  g_autofree char *key = NULL;
  g_autofree char *quantity = NULL;
  MdSaleLine line = { "grant" };
  MdSaleInsert insert = { 0 };
  gint64 year = 0;
  gint64 month = 0;
  gboolean ok;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  memset (out_result, 0, sizeof *out_result);
  store = md_session_get_store (session);

  if (!md_validate_code (account_no, _("account number"), error))
    return FALSE;
  if (period == NULL || strlen (period) != 7 || period[4] != '-' ||
      !md_parse_int ((char[]) { period[0], period[1], period[2], period[3], 0 }, _("year"), 2000,
                     2999, &year, NULL) ||
      !md_parse_int (period + 5, _("month"), 1, 12, &month, NULL))
    {
      g_autofree char *shown = md_input_quote (period);

      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                   _("“%s” is not a month (YYYY-MM)"), shown);
      return FALSE;
    }
  if (energy <= 0 || energy > MD_ENERGY_MAX)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                           _("A free quota must be more than zero"));
      return FALSE;
    }
  if (!md_session_require (session, MD_PERM_BATCH, error) ||
      !load_account (store, account_no, &account, error))
    return FALSE;
  if (!g_str_equal (account.state, "open"))
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                   _("The account %s is not open"), account_no);
      return FALSE;
    }
  if (medium == NULL)
    medium = account_medium = md_account_medium_new ();

  key = g_strdup_printf ("grant:%s:%s", account_no, period);
  quantity = md_energy_format (energy);

  plan.idem = g_strdup (key);
  plan.account_no = g_strdup (account_no);
  plan.energy = energy;
  if (!md_medium_prepare (medium, &plan, NULL, error))
    return FALSE;

  line.description = g_strdup_printf (_("Free quota for %s"), period);
  line.tier = -1;
  line.quantity = energy;

  insert.idem = key;
  insert.kind = "grant";
  insert.account_id = account.id;
  insert.medium = md_medium_get_kind (medium);
  insert.pay_method = "account";
  insert.amount = 0;
  insert.reason = period;

  ok = run_operation (session, &insert, &plan, &line, 1, medium, out_result, error);
  g_free (line.description);
  (void) quantity;
  return ok;
}

typedef struct
{
  MdSession  *session;
  gint64      account_id;
  const char *no;
} CloseData;

static gboolean
close_txn (MdStore  *store,
           gpointer  user_data,
           GError  **error)
{
  CloseData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(MdStmt) cards = NULL;
  g_autoptr(MdStmt) event = NULL;
  g_autofree char *object = g_strdup_printf ("account:%s", data->no);
  gint64 pending = 0;
  MdMoney credit;

  if (!_md_lookup_id (store, &pending, error,
                      "SELECT count(*) FROM sale s JOIN account a ON a.id = s.account_id "
                      "WHERE a.no = $1 AND s.state IN ('pending', 'delivered')", data->no, NULL))
    return FALSE;
  if (pending > 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_TARGET_PENDING,
                   _("The account %s has sales still pending; settle them first"), data->no);
      return FALSE;
    }
  if (!credit_of (store, data->no, &credit, error))
    return FALSE;
  if (credit != 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CREDIT,
                   _("The account %s still holds credit"), data->no);
      return FALSE;
    }

  if (!(stmt = md_store_prepare (store,
                                 "UPDATE account SET state = 'closed', closed_at = $2 "
                                 "WHERE id = $1 AND state <> 'closed'", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, data->account_id);
  md_stmt_bind_int64 (stmt, 2, md_clock_now ());
  if (!md_stmt_exec (stmt, error))
    return FALSE;

  /* Its cards stop working; its meters are free for a new account. */
  if (!(cards = md_store_prepare (store,
                                  "UPDATE card SET status = 'retired' WHERE account_id = $1 "
                                  "AND status = 'active'", error)))
    return FALSE;
  md_stmt_bind_int64 (cards, 1, data->account_id);
  if (!md_stmt_exec (cards, error))
    return FALSE;

  if (!(event = md_store_prepare (store,
                                  "INSERT INTO account_event (account_id, at, operator_id, kind, "
                                  "detail) VALUES ($1, $2, $3, 'close', '{}')", error)))
    return FALSE;
  md_stmt_bind_int64 (event, 1, data->account_id);
  md_stmt_bind_int64 (event, 2, md_clock_now ());
  md_stmt_bind_int64 (event, 3, md_session_get_operator_id (data->session));
  if (!md_stmt_exec (event, error))
    return FALSE;

  return _md_audit (store, data->session, 0, "account.close", object, NULL, error);
}

/**
 * md_vend_close_account:
 * @out_result: (out caller-allocates): the settlement, when there was credit
 *   to pay back (sale_id 0 otherwise)
 *
 * Closes an account (销户). A system-billed account's remaining credit is
 * settled first: paid back by @pay_method, with the refund permission or a
 * supervisor's approval. A meter-billed account's credit is in its meter:
 * clear it there first.
 */
gboolean
md_vend_close_account (MdSession     *session,
                       const char    *account_no,
                       MdPayMethod    pay_method,
                       const char    *idem,
                       MdApproval    *approval,
                       MdSaleResult  *out_result,
                       GError       **error)
{
  MdStore *store;
  g_auto(AccountRow) account = { 0 };
  g_autofree char *key = key_or_new (idem);
  CloseData data = { session, 0, account_no };
  MdMoney credit = 0;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  memset (out_result, 0, sizeof *out_result);
  store = md_session_get_store (session);

  if (!md_validate_code (account_no, _("account number"), error) ||
      !_md_validate_key (key, error) ||
      !md_session_require (session, MD_PERM_ACCOUNT, error) ||
      !load_account (store, account_no, &account, error))
    return FALSE;
  if (g_str_equal (account.state, "closed"))
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                   _("The account %s is closed"), account_no);
      return FALSE;
    }
  data.account_id = account.id;

  if (g_str_equal (account.billing, "system") && !credit_of (store, account_no, &credit, error))
    return FALSE;

  if (credit > 0)
    {
      g_auto(MdVendPlan) plan = { 0 };
      g_autoptr(MdMedium) medium = md_account_medium_new ();
      MdSaleLine line = { "settlement" };
      MdSaleInsert insert = { 0 };
      gint64 shift_id = 0;

      if (!md_session_authorize (session, MD_PERM_REFUND, approval, &insert.approver_id, error) ||
          !require_shift (session, &shift_id, error))
        return FALSE;

      plan.idem = g_strdup (key);
      plan.account_no = g_strdup (account_no);
      plan.target = g_strdup (account_no);
      plan.credit = -credit;
      line.description = (char *) _("Settlement of the remaining credit");
      line.tier = -1;
      line.amount = -credit;
      insert.idem = key;
      insert.kind = "settlement";
      insert.account_id = account.id;
      insert.shift_id = shift_id;
      insert.medium = "account";
      insert.pay_method = md_pay_method_to_string (pay_method);
      insert.amount = -credit;
      insert.reason = _("Account closed");
      if (!run_operation (session, &insert, &plan, &line, 1, medium, out_result, error))
        return FALSE;
    }

  return md_store_write (store, close_txn, &data, error);
}

typedef struct
{
  MdSession  *session;
  const char *no;
  const char *old_address;
  const char *new_address;
} ReplaceData;

static gboolean
replace_txn (MdStore  *store,
             gpointer  user_data,
             GError  **error)
{
  ReplaceData *data = user_data;
  g_autoptr(MdStmt) old = NULL;
  g_autoptr(MdStmt) remove = NULL;
  g_autoptr(MdStmt) event = NULL;
  g_autofree char *object = g_strdup_printf ("account:%s", data->no);
  g_autofree char *detail = _md_detail ("old", data->old_address, "new", data->new_address, NULL);
  g_autofree char *state = NULL;
  GError *local_error = NULL;
  gint64 account_id;
  gint64 meter_id;
  gint64 room_id;
  const char *utility;
  MdUtility kind;

  if (!md_account_get_state (store, data->no, &account_id, &state, error))
    return FALSE;
  if (!g_str_equal (state, "open"))
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                   _("The account %s is not open"), data->no);
      return FALSE;
    }

  if (!(old = md_store_prepare (store,
                                "SELECT id, room_id, utility FROM meter WHERE address = $1 "
                                "AND account_id = $2 AND state = 'installed'", error)))
    return FALSE;
  md_stmt_bind_text (old, 1, data->old_address);
  md_stmt_bind_int64 (old, 2, account_id);
  if (!md_stmt_step (old, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                     _("The meter %s does not serve account %s"), data->old_address, data->no);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  meter_id = md_stmt_get_int64 (old, 0);
  room_id = md_stmt_get_int64 (old, 1);
  utility = md_stmt_get_text (old, 2);
  kind = g_strcmp0 (utility, "water") == 0 ? MD_UTILITY_WATER : MD_UTILITY_ELECTRICITY;
  md_stmt_exec (old, NULL);

  if (!(remove = md_store_prepare (store,
                                   "UPDATE meter SET state = 'removed', account_id = NULL, "
                                   "room_id = NULL WHERE id = $1", error)))
    return FALSE;
  md_stmt_bind_int64 (remove, 1, meter_id);
  if (!md_stmt_exec (remove, error))
    return FALSE;

  if (!(event = md_store_prepare (store,
                                  "INSERT INTO meter_event (meter_id, at, operator_id, from_state, "
                                  "to_state, room_id, account_id, note) "
                                  "VALUES ($1, $2, $3, 'installed', 'removed', $4, $5, $6)", error)))
    return FALSE;
  md_stmt_bind_int64 (event, 1, meter_id);
  md_stmt_bind_int64 (event, 2, md_clock_now ());
  md_stmt_bind_int64 (event, 3, md_session_get_operator_id (data->session));
  md_stmt_bind_int64_or_null (event, 4, room_id, room_id == 0);
  md_stmt_bind_int64 (event, 5, account_id);
  md_stmt_bind_text (event, 6, "replaced");
  if (!md_stmt_exec (event, error))
    return FALSE;

  if (!_md_meter_attach (store, data->session, data->new_address, account_id, room_id, kind,
                         error))
    return FALSE;

  {
    g_autoptr(MdStmt) history = NULL;

    if (!(history = md_store_prepare (store,
                                      "INSERT INTO account_event (account_id, at, operator_id, kind, "
                                      "detail) VALUES ($1, $2, $3, 'replace-meter', $4)", error)))
      return FALSE;
    md_stmt_bind_int64 (history, 1, account_id);
    md_stmt_bind_int64 (history, 2, md_clock_now ());
    md_stmt_bind_int64 (history, 3, md_session_get_operator_id (data->session));
    md_stmt_bind_text (history, 4, detail);
    if (!md_stmt_exec (history, error))
      return FALSE;
  }

  return _md_audit (store, data->session, 0, "account.replace-meter", object, detail, error);
}

/**
 * md_vend_replace_meter:
 * @carry: fen of credit the old meter still held (read from it at removal),
 *   carried to the new meter; 0 for none, and always 0 for a system-billed
 *   account, whose credit is in the account
 * @medium: (nullable): what delivers @carry to the new meter
 * @out_result: (out caller-allocates): the carry, when there is one
 *
 * Meter replacement (换表): the old meter is removed, the new one installed
 * in its room for the account, and the old meter's remaining credit carried
 * over through the vend state machine, never twice.
 */
gboolean
md_vend_replace_meter (MdSession     *session,
                       const char    *account_no,
                       const char    *old_address,
                       const char    *new_address,
                       MdMoney        carry,
                       MdMedium      *medium,
                       const char    *idem,
                       MdSaleResult  *out_result,
                       GError       **error)
{
  MdStore *store;
  g_auto(AccountRow) account = { 0 };
  ReplaceData data = { session, account_no, old_address, new_address };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  memset (out_result, 0, sizeof *out_result);
  store = md_session_get_store (session);

  if (!md_validate_code (account_no, _("account number"), error) ||
      !md_validate_text (old_address, _("meter address"), TRUE, 14, error) ||
      !md_validate_text (new_address, _("meter address"), TRUE, 14, error) ||
      !md_session_require (session, MD_PERM_METER, error) ||
      !load_account (store, account_no, &account, error))
    return FALSE;
  if (carry < 0 || carry > MD_MONEY_MAX)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                           _("The credit to carry is out of range"));
      return FALSE;
    }
  if (carry > 0 && (g_str_equal (account.billing, "system") || medium == NULL))
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_MEDIUM,
                   g_str_equal (account.billing, "system")
                     ? _("The credit of account %s is in the account; there is nothing to carry")
                     : _("Say which medium carries the credit to the new meter of account %s"),
                   account_no);
      return FALSE;
    }

  if (!md_store_write (store, replace_txn, &data, error))
    return FALSE;

  if (carry > 0)
    {
      g_autofree char *key = key_or_new (idem);
      g_auto(MdVendPlan) plan = { 0 };
      MdSaleLine line = { "carry" };
      MdSaleInsert insert = { 0 };
      gboolean ok;

      plan.idem = g_strdup (key);
      plan.account_no = g_strdup (account_no);
      plan.credit = carry;
      plan.money_kind = TRUE;
      if (!md_medium_prepare (medium, &plan, NULL, error))
        return FALSE;
      line.description = g_strdup_printf (_("Credit carried from meter %s"), old_address);
      line.tier = -1;
      line.amount = carry;
      insert.idem = key;
      insert.kind = "carry";
      insert.account_id = account.id;
      insert.medium = md_medium_get_kind (medium);
      insert.pay_method = "account";
      insert.amount = 0;
      insert.reason = old_address;
      ok = run_operation (session, &insert, &plan, &line, 1, medium, out_result, error);
      g_free (line.description);
      return ok;
    }
  return TRUE;
}

/**
 * md_vend_charge:
 * @fees: (array zero-terminated=1): the fee kinds to charge
 *
 * A sale of fees alone (a replacement card, a transfer, a capacity
 * increase…) at this terminal's shift: paid, posted, with a receipt, and
 * crediting nothing.
 */
gboolean
md_vend_charge (MdSession           *session,
                const char          *account_no,
                const char * const  *fees,
                MdPayMethod          pay_method,
                const char          *pay_ref,
                const char          *idem,
                MdSaleResult        *out_result,
                GError             **error)
{
  MdStore *store;
  g_auto(AccountRow) account = { 0 };
  g_auto(MdVendPlan) plan = { 0 };
  g_autoptr(MdMedium) medium = md_none_medium_new ();
  g_autoptr(GArray) lines = NULL;
  g_autofree char *key = key_or_new (idem);
  MdSaleInsert insert = { 0 };
  gint64 shift_id = 0;
  gint64 shift_operator = 0;
  MdMoney total = 0;
  gboolean ok;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  memset (out_result, 0, sizeof *out_result);
  store = md_session_get_store (session);

  if (!md_validate_code (account_no, _("account number"), error) || !_md_validate_key (key, error) ||
      !md_validate_text (pay_ref, _("payment reference"), FALSE, 64, error))
    return FALSE;
  if (fees == NULL || fees[0] == NULL)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED,
                           _("Name at least one fee to charge"));
      return FALSE;
    }
  for (guint i = 0; fees[i] != NULL; i++)
    if (!md_validate_code (fees[i], _("fee kind"), error))
      return FALSE;
  if (!md_session_require (session, MD_PERM_SELL, error) ||
      !load_account (store, account_no, &account, error))
    return FALSE;
  if (g_str_equal (account.state, "closed"))
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                   _("The account %s is closed"), account_no);
      return FALSE;
    }
  if (!_md_open_shift (store, md_session_get_terminal (session), &shift_id, &shift_operator,
                       error))
    return FALSE;
  if (shift_id == 0 || shift_operator != md_session_get_operator_id (session))
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NO_SHIFT,
                   _("No shift of yours is open at %s; open one first (shift open --float)"),
                   md_session_get_terminal (session));
      return FALSE;
    }

  lines = g_array_new (FALSE, TRUE, sizeof (MdSaleLine));
  for (guint i = 0; fees[i] != NULL; i++)
    {
      MdSaleLine line = { 0 };

      if (!_md_fee_line (store, fees[i], account.id, &line, error))
        {
          _md_sale_lines_free (g_steal_pointer (&lines));
          return FALSE;
        }
      g_array_append_val (lines, line);
      total += line.amount;
    }

  plan.idem = g_strdup (key);
  plan.account_no = g_strdup (account_no);
  plan.target = g_strdup ("");

  insert.idem = key;
  insert.kind = "sale";
  insert.account_id = account.id;
  insert.shift_id = shift_id;
  insert.medium = "none";
  insert.pay_method = md_pay_method_to_string (pay_method);
  insert.pay_ref = pay_ref;
  insert.amount = total;

  ok = run_operation (session, &insert, &plan, (MdSaleLine *) lines->data, lines->len, medium,
                      out_result, error);
  _md_sale_lines_free (g_steal_pointer (&lines));
  return ok;
}
