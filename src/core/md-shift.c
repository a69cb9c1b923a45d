/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "md-audit.h"
#include "md-clock.h"
#include "md-core-private.h"
#include "md-ledger.h"
#include "md-shift.h"
#include "md-validate.h"
#include "md-vend-private.h"

typedef struct
{
  MdSession *session;
  MdMoney    amount;
  gint64     shift_id;
} OpenData;

static gboolean
open_txn (MdStore  *store,
          gpointer  user_data,
          GError  **error)
{
  OpenData *data = user_data;
  const char *terminal = md_session_get_terminal (data->session);
  g_autoptr(MdStmt) ensure = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *drawer = NULL;
  g_autofree char *object = NULL;
  g_autofree char *amount = md_money_format (data->amount, MD_MONEY_STYLE_PLAIN);
  g_autofree char *detail = _md_detail ("float", amount, NULL);
  GError *local_error = NULL;
  gint64 open = 0;

  if (!_md_open_shift (store, terminal, &open, NULL, error))
    return FALSE;
  if (open != 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_STATE,
                   _("A shift is already open at %s; close it first"), terminal);
      return FALSE;
    }

  /* A terminal the set-up did not know registers itself at its first shift. */
  if (!(ensure = md_store_prepare (store,
                                   "INSERT INTO terminal (id, name, created_at) VALUES ($1, $1, $2) "
                                   "ON CONFLICT DO NOTHING", error)))
    return FALSE;
  md_stmt_bind_text (ensure, 1, terminal);
  md_stmt_bind_int64 (ensure, 2, md_clock_now ());
  if (!md_stmt_exec (ensure, error))
    return FALSE;

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO shift (terminal, operator_id, opened_at, float_amount) "
                                 "VALUES ($1, $2, $3, $4) RETURNING id", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, terminal);
  md_stmt_bind_int64 (stmt, 2, md_session_get_operator_id (data->session));
  md_stmt_bind_int64 (stmt, 3, md_clock_now ());
  md_stmt_bind_int64 (stmt, 4, data->amount);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, MD_VEND_ERROR, MD_VEND_ERROR_STATE,
                             "shift insert returned nothing");
      g_propagate_error (error, local_error);
      return FALSE;
    }
  data->shift_id = md_stmt_get_int64 (stmt, 0);
  md_stmt_exec (stmt, NULL);

  if (data->amount > 0)
    {
      MdLeg legs[] = {
        { drawer = _md_pay_account ("cash", data->shift_id), data->amount, NULL },
        { "safe", -data->amount, NULL },
      };

      if (!_md_ledger_post (store, 0, data->shift_id, legs, G_N_ELEMENTS (legs), error))
        return FALSE;
    }

  object = g_strdup_printf ("shift:%lld", (long long) data->shift_id);
  return _md_audit (store, data->session, 0, "shift.open", object, detail, error);
}

/**
 * md_shift_open:
 * @float_amount: the change the drawer starts with, taken from the safe
 */
gboolean
md_shift_open (MdSession  *session,
               MdMoney     float_amount,
               JsonNode  **out_result,
               GError    **error)
{
  OpenData data = { session, float_amount };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (float_amount < 0 || float_amount > MD_MONEY_MAX)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                           _("The float is out of range"));
      return FALSE;
    }
  if (!md_session_require (session, MD_PERM_SHIFT, error) ||
      !md_store_write (md_session_get_store (session), open_txn, &data, error))
    return FALSE;

  if (out_result != NULL)
    {
      g_autofree char *id = g_strdup_printf ("%lld", (long long) data.shift_id);
      g_autofree char *amount = md_money_format (float_amount, MD_MONEY_STYLE_PLAIN);
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "shift");
      json_builder_add_int_value (builder, data.shift_id);
      json_builder_set_member_name (builder, "terminal");
      json_builder_add_string_value (builder, md_session_get_terminal (session));
      json_builder_set_member_name (builder, "float");
      json_builder_add_string_value (builder, amount);
      json_builder_end_object (builder);
      *out_result = json_builder_get_root (builder);
    }
  return TRUE;
}

typedef struct
{
  MdSession  *session;
  gboolean    cash_in;
  MdMoney     amount;
  const char *reason;
} CashData;

static gboolean
cash_txn (MdStore  *store,
          gpointer  user_data,
          GError  **error)
{
  CashData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *drawer = NULL;
  g_autofree char *object = NULL;
  g_autofree char *amount = md_money_format (data->amount, MD_MONEY_STYLE_PLAIN);
  g_autofree char *detail = _md_detail ("amount", amount, "reason", data->reason, NULL);
  gint64 shift_id = 0;
  MdMoney balance = 0;

  if (!_md_open_shift (store, md_session_get_terminal (data->session), &shift_id, NULL, error))
    return FALSE;
  if (shift_id == 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NO_SHIFT,
                   _("No shift is open at %s; open one first (shift open --float)"),
                   md_session_get_terminal (data->session));
      return FALSE;
    }
  drawer = _md_pay_account ("cash", shift_id);
  if (!data->cash_in)
    {
      if (!md_ledger_balance (store, drawer, &balance, error))
        return FALSE;
      if (balance < data->amount)
        {
          g_autofree char *have = md_money_format (balance, MD_MONEY_STYLE_CURRENCY);

          g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CREDIT,
                       _("There is not enough cash in the drawer (%s)"), have);
          return FALSE;
        }
    }

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO cash_movement (shift_id, kind, amount, reason, "
                                 "operator_id, at) VALUES ($1, $2, $3, $4, $5, $6)", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, shift_id);
  md_stmt_bind_text (stmt, 2, data->cash_in ? "in" : "out");
  md_stmt_bind_int64 (stmt, 3, data->amount);
  md_stmt_bind_text (stmt, 4, data->reason);
  md_stmt_bind_int64 (stmt, 5, md_session_get_operator_id (data->session));
  md_stmt_bind_int64 (stmt, 6, md_clock_now ());
  if (!md_stmt_exec (stmt, error))
    return FALSE;

  {
    MdLeg legs[] = {
      { drawer, data->cash_in ? data->amount : -data->amount, NULL },
      { "safe", data->cash_in ? -data->amount : data->amount, NULL },
    };

    if (!_md_ledger_post (store, 0, shift_id, legs, G_N_ELEMENTS (legs), error))
      return FALSE;
  }

  object = g_strdup_printf ("shift:%lld", (long long) shift_id);
  return _md_audit (store, data->session, 0, data->cash_in ? "shift.cash-in" : "shift.cash-out",
                    object, detail, error);
}

/**
 * md_shift_cash:
 * @cash_in: money put into the drawer (change from the safe), else taken out
 * @reason: why, required
 */
gboolean
md_shift_cash (MdSession   *session,
               gboolean     cash_in,
               MdMoney      amount,
               const char  *reason,
               GError     **error)
{
  CashData data = { session, cash_in, amount, reason };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_text (reason, _("reason"), TRUE, MD_TEXT_MAX_CHARS, error))
    return FALSE;
  if (amount <= 0 || amount > MD_MONEY_MAX)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                           _("The amount must be more than zero"));
      return FALSE;
    }
  if (!md_session_require (session, MD_PERM_SHIFT, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), cash_txn, &data, error);
}

static MdMoney
over_short_limit (MdStore *store)
{
  gint64 limit = 0;

  if (_md_lookup_id (store, &limit, NULL,
                     "SELECT CAST(value AS BIGINT) FROM setting WHERE key = 'shift.over-short-limit'",
                     NULL) && limit > 0)
    return limit;
  return MD_SHIFT_OVER_SHORT_LIMIT;
}

typedef struct
{
  MdSession  *session;
  MdMoney     counted;
  MdApproval *approval;
  gint64      shift_id;
  MdMoney     expected;
  gint64      approver_id;
} CloseData;

static gboolean
close_txn (MdStore  *store,
           gpointer  user_data,
           GError  **error)
{
  CloseData *data = user_data;
  const char *terminal = md_session_get_terminal (data->session);
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *drawer = NULL;
  g_autofree char *object = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *counted = md_money_format (data->counted, MD_MONEY_STYLE_PLAIN);
  g_autofree char *expected = NULL;
  g_autofree char *difference = NULL;
  gint64 owner = 0;
  gint64 pending = 0;
  MdMoney over_short;

  if (!_md_open_shift (store, terminal, &data->shift_id, &owner, error))
    return FALSE;
  if (data->shift_id == 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NO_SHIFT, _("No shift is open at %s"),
                   terminal);
      return FALSE;
    }
  if (owner != md_session_get_operator_id (data->session) &&
      !md_session_has_permission (data->session, MD_PERM_Z_REPORT))
    {
      g_set_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED,
                   _("Only the shift’s own operator or a supervisor may close it"));
      return FALSE;
    }
  if (!_md_lookup_id (store, &pending, error,
                      "SELECT count(*) FROM sale WHERE terminal = $1 "
                      "AND state IN ('pending', 'delivered')", terminal, NULL))
    return FALSE;
  if (pending > 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_TARGET_PENDING,
                   ngettext ("%lld sale at %s is still pending; settle it before closing",
                             "%lld sales at %s are still pending; settle them before closing",
                             pending),
                   (long long) pending, terminal);
      return FALSE;
    }

  drawer = _md_pay_account ("cash", data->shift_id);
  if (!md_ledger_balance (store, drawer, &data->expected, error))
    return FALSE;
  over_short = data->counted - data->expected;

  /* A blind count far off the books needs someone else's eyes. */
  data->approver_id = 0;
  if (ABS (over_short) > over_short_limit (store) &&
      !md_session_authorize (data->session, MD_PERM_Z_REPORT, data->approval, &data->approver_id,
                             error))
    return FALSE;

  {
    MdLeg legs[] = {
      { drawer, -data->expected, NULL },
      { "safe", data->counted, NULL },
      { "over-short", data->expected - data->counted, NULL },
    };

    if (!_md_ledger_post (store, 0, data->shift_id, legs, G_N_ELEMENTS (legs), error))
      return FALSE;
  }

  if (!(stmt = md_store_prepare (store,
                                 "UPDATE shift SET closed_at = $2, counted = $3, expected = $4, "
                                 "approver_id = $5 WHERE id = $1 AND closed_at IS NULL", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, data->shift_id);
  md_stmt_bind_int64 (stmt, 2, md_clock_now ());
  md_stmt_bind_int64 (stmt, 3, data->counted);
  md_stmt_bind_int64 (stmt, 4, data->expected);
  md_stmt_bind_int64_or_null (stmt, 5, data->approver_id, data->approver_id == 0);
  if (!md_stmt_exec (stmt, error))
    return FALSE;

  expected = md_money_format (data->expected, MD_MONEY_STYLE_PLAIN);
  difference = md_money_format (over_short, MD_MONEY_STYLE_PLAIN);
  detail = _md_detail ("counted", counted, "expected", expected, "over_short", difference, NULL);
  object = g_strdup_printf ("shift:%lld", (long long) data->shift_id);
  return _md_audit (store, data->session, data->approver_id, "shift.close", object, detail, error);
}

/**
 * md_shift_close:
 * @counted: the cash counted in the drawer, without seeing the books (blind)
 * @approval: (nullable): a supervisor's approval, needed when over or short
 *   by more than the limit (setting shift.over-short-limit, ¥10 by default)
 * @out_result: (out) (optional) (transfer full): counted, expected, over/short
 */
gboolean
md_shift_close (MdSession   *session,
                MdMoney      counted,
                MdApproval  *approval,
                JsonNode   **out_result,
                GError     **error)
{
  CloseData data = { session, counted, approval };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (counted < 0 || counted > MD_MONEY_MAX)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                           _("The counted cash is out of range"));
      return FALSE;
    }
  if (!md_session_has_permission (session, MD_PERM_Z_REPORT) &&
      !md_session_require (session, MD_PERM_SHIFT, error))
    return FALSE;
  if (!md_store_write (md_session_get_store (session), close_txn, &data, error))
    return FALSE;

  if (out_result != NULL)
    {
      g_autofree char *c = md_money_format (counted, MD_MONEY_STYLE_PLAIN);
      g_autofree char *e = md_money_format (data.expected, MD_MONEY_STYLE_PLAIN);
      g_autofree char *d = md_money_format (counted - data.expected, MD_MONEY_STYLE_PLAIN);
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "shift");
      json_builder_add_int_value (builder, data.shift_id);
      json_builder_set_member_name (builder, "counted");
      json_builder_add_string_value (builder, c);
      json_builder_set_member_name (builder, "expected");
      json_builder_add_string_value (builder, e);
      json_builder_set_member_name (builder, "over_short");
      json_builder_add_string_value (builder, d);
      json_builder_end_object (builder);
      *out_result = json_builder_get_root (builder);
    }
  return TRUE;
}

/* Totals of the sales in a set of shifts, by kind and by payment method. */
static gboolean
add_totals (MdStore     *store,
            JsonBuilder *builder,
            const char  *shift_filter,
            const char  *param,
            GError     **error)
{
  g_autofree char *by_kind = g_strconcat (
    "SELECT kind, count(*) AS count, SUM(amount) AS \"amount:money\" FROM sale "
    "WHERE state = 'posted' AND shift_id IN (", shift_filter, ") GROUP BY kind ORDER BY kind", NULL);
  g_autofree char *by_method = g_strconcat (
    "SELECT pay_method AS pay, count(*) AS count, SUM(amount) AS \"amount:money\" FROM sale "
    "WHERE state = 'posted' AND shift_id IN (", shift_filter, ") "
    "GROUP BY pay_method ORDER BY pay_method", NULL);
  g_autofree char *by_operator = g_strconcat (
    "SELECT o.name AS operator, "
    "SUM(CASE WHEN s.kind = 'sale' THEN 1 ELSE 0 END) AS sales, "
    "SUM(CASE WHEN s.kind = 'reversal' THEN 1 ELSE 0 END) AS reversals, "
    "SUM(CASE WHEN s.kind IN ('refund', 'settlement') THEN 1 ELSE 0 END) AS refunds, "
    "SUM(CASE WHEN s.approver_id IS NOT NULL THEN 1 ELSE 0 END) AS approvals "
    "FROM sale s JOIN operator o ON o.id = s.operator_id "
    "WHERE s.state = 'posted' AND s.shift_id IN (", shift_filter, ") "
    "GROUP BY o.name ORDER BY o.name", NULL);
  const struct { const char *member; const char *sql; } parts[] = {
    { "by_kind", by_kind },
    { "by_payment", by_method },
    { "by_operator", by_operator },
  };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      JsonNode *node = _md_query_json (store, error, parts[i].sql, param, NULL);

      if (node == NULL)
        return FALSE;
      json_builder_set_member_name (builder, parts[i].member);
      json_builder_add_value (builder, node);
    }
  return TRUE;
}

static void
add_money (JsonBuilder *builder,
           const char  *member,
           MdMoney      value)
{
  g_autofree char *text = md_money_format (value, MD_MONEY_STYLE_PLAIN);

  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, text);
}

/**
 * md_shift_current:
 *
 * Which shift is open at the session's terminal, for the counter's header.
 */
gboolean
md_shift_current (MdSession    *session,
                  MdShiftInfo  *out_info,
                  GError      **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (out_info != NULL, FALSE);

  memset (out_info, 0, sizeof *out_info);
  if (!md_session_require (session, MD_PERM_VIEW, error) ||
      !(stmt = md_store_prepare (md_session_get_store (session),
                                 "SELECT s.id, o.name, s.opened_at FROM shift s "
                                 "JOIN operator o ON o.id = s.operator_id "
                                 "WHERE s.terminal = $1 AND s.closed_at IS NULL", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, md_session_get_terminal (session));
  if (md_stmt_step (stmt, &local_error))
    {
      out_info->shift_id = md_stmt_get_int64 (stmt, 0);
      out_info->operator_name = g_strdup (md_stmt_get_text (stmt, 1));
      out_info->opened_at = md_stmt_get_int64 (stmt, 2);
      md_stmt_exec (stmt, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

void
md_shift_info_clear (MdShiftInfo *info)
{
  g_clear_pointer (&info->operator_name, g_free);
}

/**
 * md_shift_x_report:
 *
 * Returns: (transfer full): the open shift's figures so far (an interim
 *   report: nothing is closed or numbered)
 */
JsonNode *
md_shift_x_report (MdSession  *session,
                   GError    **error)
{
  MdStore *store;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *id = NULL;
  g_autofree char *drawer = NULL;
  gint64 shift_id = 0;
  gint64 owner = 0;
  gint64 cash_in = 0;
  gint64 cash_out = 0;
  gint64 float_amount = 0;
  MdMoney expected = 0;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_SHIFT, error))
    return NULL;
  store = md_session_get_store (session);
  if (!_md_open_shift (store, md_session_get_terminal (session), &shift_id, &owner, error))
    return NULL;
  if (shift_id == 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NO_SHIFT, _("No shift is open at %s"),
                   md_session_get_terminal (session));
      return NULL;
    }

  id = g_strdup_printf ("%lld", (long long) shift_id);
  drawer = _md_pay_account ("cash", shift_id);
  if (!md_ledger_balance (store, drawer, &expected, error) ||
      !_md_lookup_id (store, &float_amount, error,
                      "SELECT float_amount FROM shift WHERE id = CAST($1 AS BIGINT)", id, NULL) ||
      !_md_lookup_id (store, &cash_in, error,
                      "SELECT COALESCE(SUM(amount), 0) FROM cash_movement "
                      "WHERE shift_id = CAST($1 AS BIGINT) AND kind = 'in'", id, NULL) ||
      !_md_lookup_id (store, &cash_out, error,
                      "SELECT COALESCE(SUM(amount), 0) FROM cash_movement "
                      "WHERE shift_id = CAST($1 AS BIGINT) AND kind = 'out'", id, NULL))
    return NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "report");
  json_builder_add_string_value (builder, "X");
  json_builder_set_member_name (builder, "terminal");
  json_builder_add_string_value (builder, md_session_get_terminal (session));
  json_builder_set_member_name (builder, "shift");
  json_builder_add_int_value (builder, shift_id);
  add_money (builder, "float", float_amount);
  add_money (builder, "cash_in", cash_in);
  add_money (builder, "cash_out", cash_out);
  add_money (builder, "expected_cash", expected);
  if (!add_totals (store, builder, "CAST($1 AS BIGINT)", id, error))
    return NULL;
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

typedef struct
{
  MdSession *session;
  JsonNode  *report;
} ZData;

static gboolean
z_txn (MdStore  *store,
       gpointer  user_data,
       GError  **error)
{
  ZData *data = user_data;
  const char *terminal = md_session_get_terminal (data->session);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(MdStmt) counter = NULL;
  g_autoptr(MdStmt) insert = NULL;
  g_autoptr(MdStmt) assign = NULL;
  g_autoptr(MdStmt) head = NULL;
  g_autofree char *z_text = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *object = NULL;
  g_autofree char *hash = NULL;
  GError *local_error = NULL;
  gint64 open = 0;
  gint64 z_no;
  gint64 total = 0;
  gint64 previous = 0;
  gint64 shifts = 0;
  gint64 seq = 0;

  g_clear_pointer (&data->report, json_node_unref);
  if (!_md_open_shift (store, terminal, &open, NULL, error))
    return FALSE;
  if (open != 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_STATE,
                   _("Close the open shift at %s before the Z report"), terminal);
      return FALSE;
    }

  if (!_md_lookup_id (store, &shifts, error,
                      "SELECT count(*) FROM shift WHERE terminal = $1 AND z_no IS NULL", terminal,
                      NULL) ||
      !_md_lookup_id (store, &total, error,
                      "SELECT COALESCE(SUM(s.amount), 0) FROM sale s JOIN shift h ON h.id = s.shift_id "
                      "WHERE s.state = 'posted' AND h.terminal = $1 AND h.z_no IS NULL", terminal,
                      NULL) ||
      !_md_lookup_id (store, &previous, error,
                      "SELECT COALESCE(MAX(grand_total), 0) FROM z_report WHERE terminal = $1 "
                      "AND z_no = (SELECT MAX(z_no) FROM z_report WHERE terminal = $1)", terminal,
                      NULL))
    return FALSE;

  if (!(counter = md_store_prepare (store,
                                    "INSERT INTO counter (scope, name, value) VALUES ($1, 'z', 1) "
                                    "ON CONFLICT (scope, name) DO UPDATE SET value = counter.value + 1 "
                                    "RETURNING value", error)))
    return FALSE;
  md_stmt_bind_text (counter, 1, terminal);
  if (!md_stmt_step (counter, &local_error))
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, MD_VEND_ERROR, MD_VEND_ERROR_STATE, "no Z counter");
      g_propagate_error (error, local_error);
      return FALSE;
    }
  z_no = md_stmt_get_int64 (counter, 0);
  md_stmt_exec (counter, NULL);

  /* The report prints the chain's head: an anchor kept off the machine. */
  if (!(head = md_store_prepare (store, "SELECT seq, hash FROM audit_head WHERE id = 1", error)))
    return FALSE;
  if (md_stmt_step (head, NULL))
    {
      seq = md_stmt_get_int64 (head, 0);
      hash = g_strdup (md_stmt_get_text (head, 1));
      md_stmt_exec (head, NULL);
    }

  z_text = g_strdup_printf ("%lld", (long long) z_no);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "report");
  json_builder_add_string_value (builder, "Z");
  json_builder_set_member_name (builder, "terminal");
  json_builder_add_string_value (builder, terminal);
  json_builder_set_member_name (builder, "z_no");
  json_builder_add_int_value (builder, z_no);
  json_builder_set_member_name (builder, "shifts");
  json_builder_add_int_value (builder, shifts);
  add_money (builder, "total", total);
  add_money (builder, "grand_total", previous + total);
  json_builder_set_member_name (builder, "audit_seq");
  json_builder_add_int_value (builder, seq);
  json_builder_set_member_name (builder, "audit_hash");
  json_builder_add_string_value (builder, hash != NULL ? hash : "");
  if (!add_totals (store, builder,
                   "SELECT id FROM shift WHERE terminal = $1 AND z_no IS NULL", terminal, error))
    return FALSE;
  json_builder_end_object (builder);
  data->report = json_builder_get_root (builder);
  detail = json_to_string (data->report, FALSE);

  if (!(insert = md_store_prepare (store,
                                   "INSERT INTO z_report (terminal, z_no, at, operator_id, "
                                   "sales_total, grand_total, audit_seq, audit_hash, detail) "
                                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", error)))
    return FALSE;
  md_stmt_bind_text (insert, 1, terminal);
  md_stmt_bind_int64 (insert, 2, z_no);
  md_stmt_bind_int64 (insert, 3, md_clock_now ());
  md_stmt_bind_int64 (insert, 4, md_session_get_operator_id (data->session));
  md_stmt_bind_int64 (insert, 5, total);
  md_stmt_bind_int64 (insert, 6, previous + total);
  md_stmt_bind_int64 (insert, 7, seq);
  md_stmt_bind_text (insert, 8, hash != NULL ? hash : "");
  md_stmt_bind_text (insert, 9, detail);
  if (!md_stmt_exec (insert, error))
    return FALSE;

  if (!(assign = md_store_prepare (store,
                                   "UPDATE shift SET z_no = $2 WHERE terminal = $1 AND z_no IS NULL",
                                   error)))
    return FALSE;
  md_stmt_bind_text (assign, 1, terminal);
  md_stmt_bind_int64 (assign, 2, z_no);
  if (!md_stmt_exec (assign, error))
    return FALSE;

  object = g_strdup_printf ("z:%s:%s", terminal, z_text);
  {
    g_autofree char *total_text = md_money_format (total, MD_MONEY_STYLE_PLAIN);
    g_autofree char *audit_detail = _md_detail ("total", total_text, "audit_hash", hash, NULL);

    return _md_audit (store, data->session, 0, "z.report", object, audit_detail, error);
  }
}

/**
 * md_shift_z_report:
 *
 * Closes the day of this terminal: every closed shift since the last Z gets
 * this Z number; the grand total is never reset.
 *
 * Returns: (transfer full): the Z report, or %NULL with @error set
 */
JsonNode *
md_shift_z_report (MdSession  *session,
                   GError    **error)
{
  ZData data = { session };

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_Z_REPORT, error))
    return NULL;
  if (!md_store_write (md_session_get_store (session), z_txn, &data, error))
    {
      g_clear_pointer (&data.report, json_node_unref);
      return NULL;
    }
  return data.report;
}
