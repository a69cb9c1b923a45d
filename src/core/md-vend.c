/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-clock.h"
#include "md-core-private.h"
#include "md-pricing.h"
#include "md-register.h"
#include "md-validate.h"
#include "md-vend-private.h"

G_DEFINE_QUARK (md-vend-error-quark, md_vend_error)

static const char * const pay_methods[] = {
  "cash", "bank-card", "transfer", "wechat", "alipay", "other",
};

const char *
md_pay_method_to_string (MdPayMethod method)
{
  g_return_val_if_fail (method < G_N_ELEMENTS (pay_methods), NULL);

  return pay_methods[method];
}

gboolean
md_pay_method_parse (const char   *text,
                     MdPayMethod  *out_method,
                     GError      **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (pay_methods); i++)
    if (g_strcmp0 (text, pay_methods[i]) == 0)
      {
        *out_method = i;
        return TRUE;
      }
  {
    g_autofree char *shown = md_input_quote (text);

    g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                 _("Unknown payment method “%s”: use cash, bank-card, transfer, wechat, alipay "
                   "or other"), shown);
  }
  return FALSE;
}

/**
 * md_vend_new_key:
 *
 * Returns: (transfer full): a fresh idempotency key, made when a sale
 *   screen opens and reused by every retry of that sale
 */
char *
md_vend_new_key (void)
{
  return g_uuid_string_random ();
}

/**
 * md_receipt_format:
 *
 * Returns: (transfer full): the receipt number as printed, "T01-000123"
 */
char *
md_receipt_format (const char *terminal,
                   gint64      receipt_no)
{
  return g_strdup_printf ("%s-%06" G_GINT64_FORMAT, terminal, receipt_no);
}

gboolean
_md_validate_key (const char  *idem,
                  GError     **error)
{
  if (!md_validate_text (idem, _("sale key"), TRUE, 64, error))
    return FALSE;
  for (const char *p = idem; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != ':' && *p != '_' && *p != '.')
      {
        g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_CHARACTERS,
                             _("A sale key may only contain letters, digits, “-”, “_”, “.” "
                               "and “:”"));
        return FALSE;
      }
  return TRUE;
}

char *
_md_pay_account (const char *pay_method,
                 gint64      shift_id)
{
  if (g_strcmp0 (pay_method, "cash") == 0)
    return g_strdup_printf ("cash:%" G_GINT64_FORMAT, shift_id);
  return g_strdup (pay_method);
}

void
_md_sale_row_clear (MdSaleRow *row)
{
  g_free (row->idem);
  g_free (row->terminal);
  g_free (row->kind);
  g_free (row->account_no);
  g_free (row->billing);
  g_free (row->utility);
  g_free (row->medium);
  g_free (row->target);
  g_free (row->pay_method);
  g_free (row->pay_ref);
  g_free (row->payload);
  g_free (row->quote);
  g_free (row->state);
  memset (row, 0, sizeof *row);
}

/**
 * _md_sale_load:
 * @column: "s.id" or "s.idem"
 */
gboolean
_md_sale_load (MdStore     *store,
               const char  *column,
               const char  *value,
               MdSaleRow   *row,
               gboolean    *found,
               GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *sql = NULL;
  GError *local_error = NULL;

  *found = FALSE;
  sql = g_strdup_printf ("SELECT s.id, s.idem, s.terminal, s.shift_id, s.kind, s.account_id, a.no, "
                         "a.billing, c.utility, s.medium, s.target, s.pay_method, s.pay_ref, "
                         "s.amount, s.credit, s.energy, s.purchase_count, s.payload, s.quote, "
                         "s.state, s.receipt_no, s.ref_sale_id, s.approver_id "
                         "FROM sale s JOIN account a ON a.id = s.account_id "
                         "JOIN usage_category c ON c.id = a.category_id WHERE %s = $1",
                         g_str_equal (column, "s.id") ? "s.id" : "s.idem");
  if (!(stmt = md_store_prepare (store, sql, error)))
    return FALSE;
  if (g_str_equal (column, "s.id"))
    md_stmt_bind_int64 (stmt, 1, g_ascii_strtoll (value, NULL, 10));
  else
    md_stmt_bind_text (stmt, 1, value);

  if (md_stmt_step (stmt, &local_error))
    {
      row->id = md_stmt_get_int64 (stmt, 0);
      row->idem = g_strdup (md_stmt_get_text (stmt, 1));
      row->terminal = g_strdup (md_stmt_get_text (stmt, 2));
      row->shift_id = md_stmt_get_int64 (stmt, 3);
      row->kind = g_strdup (md_stmt_get_text (stmt, 4));
      row->account_id = md_stmt_get_int64 (stmt, 5);
      row->account_no = g_strdup (md_stmt_get_text (stmt, 6));
      row->billing = g_strdup (md_stmt_get_text (stmt, 7));
      row->utility = g_strdup (md_stmt_get_text (stmt, 8));
      row->medium = g_strdup (md_stmt_get_text (stmt, 9));
      row->target = g_strdup (md_stmt_get_text (stmt, 10));
      row->pay_method = g_strdup (md_stmt_get_text (stmt, 11));
      row->pay_ref = g_strdup (md_stmt_get_text (stmt, 12));
      row->amount = md_stmt_get_int64 (stmt, 13);
      row->credit = md_stmt_get_int64 (stmt, 14);
      row->energy = md_stmt_get_int64 (stmt, 15);
      row->purchase_count = md_stmt_get_int64 (stmt, 16);
      row->payload = g_strdup (md_stmt_get_text (stmt, 17));
      row->quote = g_strdup (md_stmt_get_text (stmt, 18));
      row->state = g_strdup (md_stmt_get_text (stmt, 19));
      row->receipt_no = md_stmt_get_int64 (stmt, 20);
      row->ref_sale_id = md_stmt_get_int64 (stmt, 21);
      row->approver_id = md_stmt_get_int64 (stmt, 22);
      md_stmt_exec (stmt, NULL);
      *found = TRUE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/**
 * _md_open_shift:
 * @out_shift_id: (out): the open shift of @terminal, 0 when none
 */
gboolean
_md_open_shift (MdStore     *store,
                const char  *terminal,
                gint64      *out_shift_id,
                gint64      *out_operator_id,
                GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  *out_shift_id = 0;
  if (out_operator_id != NULL)
    *out_operator_id = 0;
  if (!(stmt = md_store_prepare (store,
                                 "SELECT id, operator_id FROM shift "
                                 "WHERE terminal = $1 AND closed_at IS NULL", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, terminal);
  if (md_stmt_step (stmt, &local_error))
    {
      *out_shift_id = md_stmt_get_int64 (stmt, 0);
      if (out_operator_id != NULL)
        *out_operator_id = md_stmt_get_int64 (stmt, 1);
      md_stmt_exec (stmt, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/**
 * _md_sale_insert_pending:
 * @out_existed: (out): the key was already used; @out_sale_id is that sale
 *
 * Inside a write transaction: the PENDING row with its exact payload and
 * lines, and its audit row. Committed before any device is touched.
 */
gboolean
_md_sale_insert_pending (MdStore             *store,
                         MdSession           *session,
                         const MdSaleInsert  *insert,
                         const MdVendPlan    *plan,
                         const MdSaleLine    *lines,
                         guint                n_lines,
                         gint64              *out_sale_id,
                         gboolean            *out_existed,
                         GError             **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *payload = md_vend_plan_to_json (plan);
  g_autofree char *object = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *amount = md_money_format (insert->amount, MD_MONEY_STYLE_PLAIN);
  GError *local_error = NULL;
  gint64 operator_id = md_session_get_operator_id (session);

  *out_existed = FALSE;

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO sale (idem, terminal, shift_id, operator_id, "
                                 "approver_id, kind, account_id, medium, target, pay_method, pay_ref, "
                                 "amount, credit, energy, tariff_version_id, purchase_count, payload, "
                                 "quote, reason, ref_sale_id, state, created_at) "
                                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
                                 "$14, $15, $16, $17, $18, $19, $20, 'pending', $21) "
                                 "ON CONFLICT (idem) DO NOTHING RETURNING id", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, insert->idem);
  md_stmt_bind_text (stmt, 2, md_session_get_terminal (session));
  md_stmt_bind_int64_or_null (stmt, 3, insert->shift_id, insert->shift_id == 0);
  md_stmt_bind_int64_or_null (stmt, 4, operator_id, operator_id == 0);
  md_stmt_bind_int64_or_null (stmt, 5, insert->approver_id, insert->approver_id == 0);
  md_stmt_bind_text (stmt, 6, insert->kind);
  md_stmt_bind_int64 (stmt, 7, insert->account_id);
  md_stmt_bind_text (stmt, 8, insert->medium);
  md_stmt_bind_text (stmt, 9, plan->target != NULL ? plan->target : "");
  md_stmt_bind_text (stmt, 10, insert->pay_method);
  md_stmt_bind_text (stmt, 11, insert->pay_ref != NULL ? insert->pay_ref : "");
  md_stmt_bind_int64 (stmt, 12, insert->amount);
  md_stmt_bind_int64 (stmt, 13, plan->credit);
  md_stmt_bind_int64 (stmt, 14, plan->energy);
  md_stmt_bind_int64_or_null (stmt, 15, insert->tariff_version_row,
                              insert->tariff_version_row == 0);
  md_stmt_bind_int64_or_null (stmt, 16, plan->purchase_count, plan->purchase_count == 0);
  md_stmt_bind_text (stmt, 17, payload);
  md_stmt_bind_text (stmt, 18, insert->quote != NULL ? insert->quote : "{}");
  md_stmt_bind_text (stmt, 19, insert->reason != NULL ? insert->reason : "");
  md_stmt_bind_int64_or_null (stmt, 20, insert->ref_sale_id, insert->ref_sale_id == 0);
  md_stmt_bind_int64 (stmt, 21, md_clock_now ());

  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      /* The key was used before: that sale is this sale. */
      *out_existed = TRUE;
      return _md_lookup_id (store, out_sale_id, error, "SELECT id FROM sale WHERE idem = $1",
                            insert->idem, NULL);
    }
  *out_sale_id = md_stmt_get_int64 (stmt, 0);
  md_stmt_exec (stmt, NULL);

  for (guint i = 0; i < n_lines; i++)
    {
      g_autoptr(MdStmt) line = NULL;

      if (!(line = md_store_prepare (store,
                                     "INSERT INTO sale_line (sale_id, line_no, kind, description, "
                                     "tier, quantity, price, amount, detail) "
                                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", error)))
        return FALSE;
      md_stmt_bind_int64 (line, 1, *out_sale_id);
      md_stmt_bind_int64 (line, 2, i + 1);
      md_stmt_bind_text (line, 3, lines[i].kind);
      md_stmt_bind_text (line, 4, lines[i].description);
      md_stmt_bind_int64_or_null (line, 5, lines[i].tier, lines[i].tier < 0);
      md_stmt_bind_int64 (line, 6, lines[i].quantity);
      md_stmt_bind_int64 (line, 7, lines[i].price);
      md_stmt_bind_int64 (line, 8, lines[i].amount);
      md_stmt_bind_text (line, 9, lines[i].detail != NULL ? lines[i].detail : "{}");
      if (!md_stmt_exec (line, error))
        return FALSE;
    }

  object = g_strdup_printf ("sale:%" G_GINT64_FORMAT, *out_sale_id);
  detail = _md_detail ("kind", insert->kind, "account", plan->account_no, "amount", amount,
                       "medium", insert->medium, "target", plan->target, "key", insert->idem,
                       NULL);
  return _md_audit (store, session, insert->approver_id, "sale.pending", object, detail, error);
}

typedef struct
{
  GPtrArray *names;   /* owned account names for the legs */
  GArray    *legs;    /* MdLeg */
} Legs;

static void
legs_add (Legs       *legs,
          char       *account,
          MdMoney     delta,
          const char *ref)
{
  MdLeg leg = { account, delta, ref };

  g_ptr_array_add (legs->names, account);
  g_array_append_val (legs->legs, leg);
}

static char *
credit_account (MdSaleRow *sale,
                const char *account_no)
{
  if (g_strcmp0 (sale->billing, "system") == 0)
    return g_strdup_printf ("prepaid:%s", account_no);
  return g_strdup_printf ("revenue:%s", sale->utility);
}

/* The legs of a posting, from the sale row and its lines. */
static gboolean
build_legs (MdStore    *store,
            MdSaleRow  *sale,
            Legs       *legs,
            GError    **error)
{
  g_autoptr(MdStmt) lines = NULL;
  GError *local_error = NULL;

  if (g_str_equal (sale->kind, "reversal"))
    {
      g_autoptr(MdStmt) orig = NULL;

      /* The negation of the original's rows, the cash paid out of this
       * shift's drawer rather than the original's. */
      if (!(orig = md_store_prepare (store,
                                     "SELECT account, delta, ref FROM ledger WHERE sale_id = $1 "
                                     "ORDER BY id", error)))
        return FALSE;
      md_stmt_bind_int64 (orig, 1, sale->ref_sale_id);
      while (md_stmt_step (orig, &local_error))
        {
          const char *account = md_stmt_get_text (orig, 0);
          char *name = g_str_has_prefix (account, "cash:") ? _md_pay_account ("cash", sale->shift_id)
                                                            : g_strdup (account);

          legs_add (legs, name, -md_stmt_get_int64 (orig, 1), sale->pay_ref);
        }
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      return TRUE;
    }

  if (g_str_equal (sale->kind, "grant") || g_str_equal (sale->kind, "carry"))
    {
      /* Free energy moves no money; the zero legs keep every posting double. */
      legs_add (legs, credit_account (sale, sale->account_no), 0, NULL);
      legs_add (legs, g_strdup_printf ("revenue:%s", sale->utility), 0, NULL);
      return TRUE;
    }

  if (g_str_equal (sale->kind, "refund") || g_str_equal (sale->kind, "settlement"))
    {
      legs_add (legs, g_strdup_printf ("prepaid:%s", sale->account_no), -sale->amount, NULL);
      legs_add (legs, _md_pay_account (sale->pay_method, sale->shift_id), sale->amount,
                sale->pay_ref);
      return TRUE;
    }

  if (g_str_equal (sale->kind, "offset"))
    {
      legs_add (legs, g_strdup_printf ("prepaid:%s", sale->account_no), -sale->credit, NULL);
    }
  else
    {
      legs_add (legs, _md_pay_account (sale->pay_method, sale->shift_id), sale->amount,
                sale->pay_ref);
      if (sale->credit != 0)
        legs_add (legs, credit_account (sale, sale->account_no), -sale->credit, NULL);
    }

  /* Fee lines go to their revenue; an offset's transfer line to the other account. */
  if (!(lines = md_store_prepare (store,
                                  "SELECT kind, amount, detail FROM sale_line WHERE sale_id = $1 "
                                  "AND kind IN ('fee', 'settlement') ORDER BY line_no", error)))
    return FALSE;
  md_stmt_bind_int64 (lines, 1, sale->id);
  while (md_stmt_step (lines, &local_error))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      const char *target = NULL;
      JsonObject *detail = NULL;

      if (json_parser_load_from_data (parser, md_stmt_get_text (lines, 2), -1, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        detail = json_node_get_object (json_parser_get_root (parser));

      if (g_str_equal (md_stmt_get_text (lines, 0), "fee"))
        {
          target = detail != NULL ? json_object_get_string_member_with_default (detail, "fee", "")
                                  : "";
          legs_add (legs, g_strdup_printf ("revenue:fee:%s", target),
                    -md_stmt_get_int64 (lines, 1), NULL);
        }
      else
        {
          target = detail != NULL ? json_object_get_string_member_with_default (detail, "to", "")
                                  : "";
          legs_add (legs, g_strdup_printf ("prepaid:%s", target), -md_stmt_get_int64 (lines, 1),
                    NULL);
        }
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (legs->legs->len < 2)
    legs_add (legs, credit_account (sale, sale->account_no), 0, NULL);
  return TRUE;
}

typedef struct
{
  MdSession   *session;
  gint64       sale_id;
  const char  *resolution;
  gboolean     already;
} PostData;

static gboolean
post_txn (MdStore  *store,
          gpointer  user_data,
          GError  **error)
{
  PostData *data = user_data;
  g_auto(MdSaleRow) sale = { 0 };
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, data->sale_id);
  g_autofree char *object = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *receipt = NULL;
  g_autofree char *amount = NULL;
  g_autoptr(MdStmt) counter = NULL;
  g_autoptr(MdStmt) update = NULL;
  Legs legs = { g_ptr_array_new_with_free_func (g_free), g_array_new (FALSE, FALSE, sizeof (MdLeg)) };
  GError *local_error = NULL;
  gboolean found = FALSE;
  gboolean ok = FALSE;
  gint64 receipt_no;

  data->already = FALSE;
  if (!_md_sale_load (store, "s.id", id_text, &sale, &found, error))
    goto out;
  if (!found)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_STATE, _("There is no sale %s"), id_text);
      goto out;
    }
  if (g_str_equal (sale.state, "posted"))
    {
      data->already = TRUE;
      ok = TRUE;
      goto out;
    }
  if (g_str_equal (sale.state, "voided"))
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_STATE,
                   _("Sale %s was voided and cannot be posted"), id_text);
      goto out;
    }

  if (!build_legs (store, &sale, &legs, error))
    goto out;

  /* Cash paid out must be in the drawer; credit taken back must be there. */
  for (guint i = 0; i < legs.legs->len; i++)
    {
      MdLeg *leg = &g_array_index (legs.legs, MdLeg, i);
      MdMoney balance = 0;

      if (leg->delta >= 0 && !(g_str_has_prefix (leg->account, "prepaid:") && leg->delta > 0))
        continue;
      if (!md_ledger_balance (store, leg->account, &balance, error))
        goto out;
      if (g_str_has_prefix (leg->account, "cash:") && balance + leg->delta < 0)
        {
          g_autofree char *have = md_money_format (balance, MD_MONEY_STYLE_CURRENCY);

          g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CREDIT,
                       _("There is not enough cash in the drawer (%s)"), have);
          goto out;
        }
      if (g_str_has_prefix (leg->account, "prepaid:") && balance + leg->delta > 0)
        {
          g_autofree char *have = md_money_format (-balance, MD_MONEY_STYLE_CURRENCY);

          g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CREDIT,
                       _("The account %s has only %s of credit"), leg->account + 8, have);
          goto out;
        }
    }

  if (!(counter = md_store_prepare (store,
                                    "INSERT INTO counter (scope, name, value) VALUES ($1, 'receipt', 1) "
                                    "ON CONFLICT (scope, name) DO UPDATE SET value = counter.value + 1 "
                                    "RETURNING value", error)))
    goto out;
  md_stmt_bind_text (counter, 1, sale.terminal);
  if (!md_stmt_step (counter, &local_error))
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, MD_VEND_ERROR, MD_VEND_ERROR_STATE,
                             "receipt counter returned nothing");
      g_propagate_error (error, local_error);
      goto out;
    }
  receipt_no = md_stmt_get_int64 (counter, 0);
  md_stmt_exec (counter, NULL);

  if (!_md_ledger_post (store, sale.id, sale.shift_id, (MdLeg *) legs.legs->data, legs.legs->len,
                        error))
    goto out;

  if (!(update = md_store_prepare (store,
                                   "UPDATE sale SET state = 'posted', receipt_no = $2, posted_at = $3, "
                                   "resolution = $4 WHERE id = $1 AND state IN ('pending', 'delivered')",
                                   error)))
    goto out;
  md_stmt_bind_int64 (update, 1, sale.id);
  md_stmt_bind_int64 (update, 2, receipt_no);
  md_stmt_bind_int64 (update, 3, md_clock_now ());
  md_stmt_bind_text (update, 4, data->resolution != NULL ? data->resolution : "");
  if (!md_stmt_exec (update, error))
    goto out;

  /* The books follow the card's purchase count (the card query compares
   * them). A reversal writes the same count N+1 again, flagged reversed:
   * the count on the card never goes back, so neither does the books'. */
  if (g_str_equal (sale.medium, "card") && sale.purchase_count > 0)
    {
      g_autoptr(MdStmt) card = NULL;

      if (!(card = md_store_prepare (store,
                                     "UPDATE card SET purchase_count = $2 "
                                     "WHERE uid = $1 AND purchase_count < $2", error)))
        goto out;
      md_stmt_bind_text (card, 1, sale.target);
      md_stmt_bind_int64 (card, 2, sale.purchase_count);
      if (!md_stmt_exec (card, error))
        goto out;
    }

  receipt = md_receipt_format (sale.terminal, receipt_no);
  amount = md_money_format (sale.amount, MD_MONEY_STYLE_PLAIN);
  object = g_strdup_printf ("sale:%" G_GINT64_FORMAT, sale.id);
  detail = _md_detail ("kind", sale.kind, "receipt", receipt, "account", sale.account_no,
                       "amount", amount, "pay", sale.pay_method, NULL);
  ok = _md_audit (store, data->session, sale.approver_id, "sale.post", object, detail, error);

out:
  g_ptr_array_unref (legs.names);
  g_array_unref (legs.legs);
  return ok;
}

gboolean
_md_sale_fill_result (MdStore       *store,
                      gint64         sale_id,
                      MdSaleResult  *out_result,
                      GError       **error)
{
  g_auto(MdSaleRow) sale = { 0 };
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, sale_id);
  gboolean found = FALSE;

  if (!_md_sale_load (store, "s.id", id_text, &sale, &found, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_STATE, _("There is no sale %s"), id_text);
      return FALSE;
    }

  md_sale_result_clear (out_result);
  out_result->sale_id = sale.id;
  out_result->idem = g_strdup (sale.idem);
  out_result->kind = g_strdup (sale.kind);
  out_result->state = g_strdup (sale.state);
  out_result->receipt_no = sale.receipt_no;
  if (sale.receipt_no > 0)
    out_result->receipt = md_receipt_format (sale.terminal, sale.receipt_no);
  out_result->amount = sale.amount;
  out_result->credit = sale.credit;
  out_result->energy = sale.energy;
  out_result->purchase_count = sale.purchase_count;
  if (g_str_equal (sale.state, "pending") || g_str_equal (sale.state, "delivered"))
    {
      if (g_str_equal (sale.medium, "card"))
        out_result->next_action = g_strdup (_("Present the card again to finish writing it"));
      else if (g_str_equal (sale.medium, "remote"))
        out_result->next_action = g_strdup (_("Read the meter back to confirm the credit"));
      else
        out_result->next_action = g_strdup (_("Resolve it to deliver the credit"));
    }
  return TRUE;
}

/**
 * _md_sale_post:
 *
 * POSTED: the ledger rows, this terminal's next receipt number and the audit
 * row, in one transaction. Posting a posted sale again changes nothing.
 */
gboolean
_md_sale_post (MdSession     *session,
               gint64         sale_id,
               const char    *resolution,
               MdSaleResult  *out_result,
               GError       **error)
{
  MdStore *store = md_session_get_store (session);
  PostData data = { session, sale_id, resolution };
  g_autoptr(GError) local_error = NULL;

  if (!md_store_write (store, post_txn, &data, &local_error))
    {
      /* RELIABILITY rule 3: look again before saying anything. */
      if (!g_error_matches (local_error, MD_STORE_ERROR, MD_STORE_ERROR_OUTCOME_UNKNOWN) ||
          !_md_sale_fill_result (store, sale_id, out_result, NULL) ||
          g_strcmp0 (out_result->state, "posted") != 0)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  return _md_sale_fill_result (store, sale_id, out_result, error);
}

typedef struct
{
  MdSession          *session;
  const MdSaleInsert *insert;
  const MdVendPlan   *plan;
  const MdSaleLine   *lines;
  guint               n_lines;
  const char         *request;
  MdMedium           *medium;
  gint64              sale_id;
  gboolean            existed;
} PendingData;

static gboolean
pending_txn (MdStore  *store,
             gpointer  user_data,
             GError  **error)
{
  PendingData *data = user_data;
  g_autofree char *state = NULL;
  gint64 account_id;
  gint64 other = 0;

  /* A key already used is answered before anything else is checked. */
  if (!_md_lookup_id (store, &data->sale_id, error, "SELECT id FROM sale WHERE idem = $1",
                      data->insert->idem, NULL))
    return FALSE;
  if (data->sale_id != 0)
    {
      g_autofree char *request = NULL;
      g_autoptr(MdStmt) stmt = md_store_prepare (store, "SELECT quote FROM sale WHERE id = $1",
                                                 error);

      if (stmt == NULL)
        return FALSE;
      md_stmt_bind_int64 (stmt, 1, data->sale_id);
      if (md_stmt_step (stmt, NULL))
        {
          g_autoptr(JsonParser) parser = json_parser_new ();

          if (json_parser_load_from_data (parser, md_stmt_get_text (stmt, 0), -1, NULL) &&
              JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
            request = g_strdup (json_object_get_string_member_with_default (
                                  json_node_get_object (json_parser_get_root (parser)),
                                  "request", ""));
          md_stmt_exec (stmt, NULL);
        }
      if (g_strcmp0 (request, data->request) != 0)
        {
          g_set_error_literal (error, MD_VEND_ERROR, MD_VEND_ERROR_KEY_REUSED,
                               _("This sale key was already used for a different sale"));
          return FALSE;
        }
      data->existed = TRUE;
      return TRUE;
    }

  /* Inside the transaction, so no other window sells to it meanwhile. */
  if (!md_account_get_state (store, data->plan->account_no, &account_id, &state, error))
    return FALSE;
  if (!g_str_equal (state, "open"))
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                   _("The account %s is not open and cannot be sold to"), data->plan->account_no);
      return FALSE;
    }

  /* One sale in flight per card or meter: the device takes one write at a
   * time. The account medium has no device; its credit moves in the posting
   * transaction itself, so windows selling to one account at the same
   * moment must not turn each other away. */
  if (data->plan->target != NULL && *data->plan->target != '\0' &&
      g_strcmp0 (data->insert->medium, "account") != 0)
    {
      if (!_md_lookup_id (store, &other, error,
                          "SELECT id FROM sale WHERE target = $1 AND medium = $2 "
                          "AND state IN ('pending', 'delivered') LIMIT 1",
                          data->plan->target, data->insert->medium, NULL))
        return FALSE;
      if (other != 0)
        {
          g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_TARGET_PENDING,
                       _("Sale %lld to %s is still pending; resolve it first (sale resolve)"),
                       (long long) other, data->plan->target);
          return FALSE;
        }
    }

  if (!_md_sale_insert_pending (store, data->session, data->insert, data->plan, data->lines,
                                data->n_lines, &data->sale_id, &data->existed, error))
    return FALSE;
  /* The medium's own rows (a queued remote recharge) commit with the sale. */
  if (!data->existed && data->medium != NULL &&
      !md_medium_record (data->medium, store, data->plan, data->sale_id, error))
    return FALSE;
  return TRUE;
}

typedef struct
{
  MdSession          *session;
  const MdSaleInsert *insert;
  const MdVendPlan   *plan;
  const MdSaleLine   *lines;
  guint               n_lines;
  gint64              sale_id;
  gboolean            existed;
} WriteData;

static gboolean
write_txn (MdStore  *store,
           gpointer  user_data,
           GError  **error)
{
  WriteData *data = user_data;

  return _md_sale_insert_pending (store, data->session, data->insert, data->plan, data->lines,
                                  data->n_lines, &data->sale_id, &data->existed, error);
}

/**
 * _md_sale_write_pending:
 *
 * The PENDING row of a reversal, refund, offset…, in its own transaction;
 * on an unknown commit outcome the key says whether it landed.
 */
gboolean
_md_sale_write_pending (MdSession           *session,
                        const MdSaleInsert  *insert,
                        const MdVendPlan    *plan,
                        const MdSaleLine    *lines,
                        guint                n_lines,
                        gint64              *out_sale_id,
                        gboolean            *out_existed,
                        GError             **error)
{
  MdStore *store = md_session_get_store (session);
  WriteData data = { session, insert, plan, lines, n_lines };
  g_autoptr(GError) local_error = NULL;

  if (!md_store_write (store, write_txn, &data, &local_error))
    {
      if (!g_error_matches (local_error, MD_STORE_ERROR, MD_STORE_ERROR_OUTCOME_UNKNOWN) ||
          !_md_lookup_id (store, &data.sale_id, NULL, "SELECT id FROM sale WHERE idem = $1",
                          insert->idem, NULL) ||
          data.sale_id == 0)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  *out_sale_id = data.sale_id;
  *out_existed = data.existed;
  return TRUE;
}

/* Delivers a PENDING sale and posts it when the medium holds the credit. */
gboolean
_md_sale_deliver_and_post (MdSession     *session,
                  gint64         sale_id,
                  MdMedium      *medium,
                  MdVendPlan    *plan,
                  MdSaleResult  *out_result,
                  GCancellable  *cancellable,
                  GError       **error)
{
  MdStore *store = md_session_get_store (session);
  g_autoptr(GError) local_error = NULL;
  MdDelivery delivery;

  plan->sale_id = sale_id;
  delivery = md_medium_deliver (medium, plan, cancellable, &local_error);

  switch (delivery)
    {
    case MD_DELIVERY_DELIVERED:
      return _md_sale_post (session, sale_id, "delivered", out_result, error);

    case MD_DELIVERY_NOT_DELIVERED:
      _md_sale_fill_result (store, sale_id, out_result, NULL);
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NOT_DELIVERED,
                   _("The credit was not delivered (%s); sale %lld is pending: retry it"),
                   local_error != NULL ? local_error->message : md_medium_get_kind (medium),
                   (long long) sale_id);
      return FALSE;

    case MD_DELIVERY_CONFLICT:
      {
        g_autofree char *object = g_strdup_printf ("sale:%lld", (long long) sale_id);
        g_autofree char *detail = _md_detail ("reason", local_error != NULL ? local_error->message
                                                                            : NULL, NULL);

        md_audit_record (session, 0, "sale.conflict", object, detail, NULL);
        _md_sale_fill_result (store, sale_id, out_result, NULL);
        g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CONFLICT,
                     _("The medium does not match sale %lld (%s); it is blocked for a supervisor"),
                     (long long) sale_id,
                     local_error != NULL ? local_error->message : md_medium_get_kind (medium));
        return FALSE;
      }

    case MD_DELIVERY_UNKNOWN:
    default:
      _md_sale_fill_result (store, sale_id, out_result, NULL);
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_UNKNOWN,
                   _("Whether the credit arrived is not known yet (%s); sale %lld stays pending "
                     "until it is checked"),
                   local_error != NULL ? local_error->message : md_medium_get_kind (medium),
                   (long long) sale_id);
      return FALSE;
    }
}

static gboolean
medium_fits_billing (MdMedium    *medium,
                     const char  *billing,
                     const char  *account_no,
                     GError     **error)
{
  gboolean account_medium = g_strcmp0 (md_medium_get_kind (medium), "account") == 0;

  if (account_medium != (g_strcmp0 (billing, "system") == 0))
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_MEDIUM,
                   account_medium
                     ? _("The account %s keeps its credit in the meter; sell to its card or meter")
                     : _("The account %s keeps its credit in the account; sell with --medium "
                         "account"),
                   account_no);
      return FALSE;
    }
  return TRUE;
}

gboolean
_md_fee_line (MdStore      *store,
          const char   *kind,
          gint64        account_id,
          MdSaleLine   *line,
          GError      **error)
{
  g_auto(MdFee) fee = { 0 };
  g_autoptr(MdStmt) stmt = NULL;
  gint64 capacity_va = 0;
  gint64 area = 0;
  MdMoney amount = 0;

  if (!md_fee_lookup (store, kind, md_clock_now (), &fee, error))
    return FALSE;

  if (!(stmt = md_store_prepare (store,
                                 "SELECT a.capacity_va, COALESCE(r.area, 0) FROM account a "
                                 "LEFT JOIN room r ON r.id = a.room_id WHERE a.id = $1", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, account_id);
  if (md_stmt_step (stmt, NULL))
    {
      capacity_va = md_stmt_get_int64 (stmt, 0);
      area = md_stmt_get_int64 (stmt, 1);
      md_stmt_exec (stmt, NULL);
    }

  switch (fee.basis)
    {
    case MD_FEE_BASIS_PER_KVA:
      if (!md_div_round (fee.amount * capacity_va, 1000, &amount, error))
        return FALSE;
      break;
    case MD_FEE_BASIS_PER_M2:
      if (!md_div_round (fee.amount * area, 100, &amount, error))
        return FALSE;
      break;
    case MD_FEE_BASIS_FIXED:
    default:
      amount = fee.amount;
      break;
    }

  line->kind = "fee";
  line->description = g_strdup (fee.name);
  line->tier = -1;
  line->quantity = fee.basis == MD_FEE_BASIS_PER_KVA ? capacity_va
                   : fee.basis == MD_FEE_BASIS_PER_M2 ? area : 1;
  line->price = fee.amount;
  line->amount = amount;
  line->detail = _md_detail ("fee", kind, NULL);
  return TRUE;
}

void
_md_sale_lines_free (GArray *lines)
{
  for (guint i = 0; i < lines->len; i++)
    {
      MdSaleLine *line = &g_array_index (lines, MdSaleLine, i);

      g_free (line->description);
      g_free (line->detail);
    }
  g_array_unref (lines);
}

/**
 * md_vend_sell:
 * @medium: what carries the credit: the account itself, a card, a meter…
 * @out_result: (out caller-allocates): the sale, also when it stays pending;
 *   clear with md_sale_result_clear()
 *
 * Sells credit to an open account at this terminal's open shift. The same
 * key again returns the same sale (posted, or settled now if it was still
 * pending) and never a second one.
 */
gboolean
md_vend_sell (MdSession            *session,
              const MdSaleRequest  *request,
              MdMedium             *medium,
              MdSaleResult         *out_result,
              GCancellable         *cancellable,
              GError              **error)
{
  MdStore *store;
  g_auto(MdQuote) quote = { 0 };
  g_auto(MdVendPlan) plan = { 0 };
  g_autoptr(GArray) lines = NULL;
  g_autoptr(JsonNode) quote_node = NULL;
  g_autofree char *quote_text = NULL;
  g_autofree char *billing = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *fee_list = NULL;
  gint64 account_id;
  gint64 shift_id;
  gint64 shift_operator;
  gint64 version_row = 0;
  MdMoney total;
  PendingData pending = { session };
  MdSaleInsert insert = { 0 };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (request != NULL, FALSE);
  g_return_val_if_fail (MD_IS_MEDIUM (medium), FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  memset (out_result, 0, sizeof *out_result);
  store = md_session_get_store (session);

  if (!_md_validate_key (request->idem, error) ||
      !md_validate_code (request->account_no, _("account number"), error) ||
      !md_validate_text (request->pay_ref, _("payment reference"), FALSE, 64, error))
    return FALSE;
  if ((request->amount > 0) == (request->energy > 0) || request->amount < 0 ||
      request->energy < 0)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED,
                           _("Sell either an amount or an energy, more than zero"));
      return FALSE;
    }
  for (guint i = 0; request->fees != NULL && request->fees[i] != NULL; i++)
    if (!md_validate_code (request->fees[i], _("fee kind"), error))
      return FALSE;
  if (!md_session_require (session, MD_PERM_SELL, error))
    return FALSE;

  fee_list = request->fees != NULL ? g_strjoinv (",", (char **) request->fees) : g_strdup ("");
  fingerprint = g_strdup_printf ("%s|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "|%s|%s|%s",
                                 request->account_no, request->amount, request->energy,
                                 md_pay_method_to_string (request->pay_method), fee_list,
                                 md_medium_get_kind (medium));

  /* A retry of a sale already recorded settles that sale, whatever changed
   * since (a tariff, the shift): it never prices or sells again. */
  {
    g_auto(MdSaleRow) existing = { 0 };
    gboolean found = FALSE;

    if (!_md_sale_load (store, "s.idem", request->idem, &existing, &found, error))
      return FALSE;
    if (found)
      {
        pending.request = fingerprint;
        pending.insert = &insert;
        insert.idem = request->idem;
        if (!md_store_read (store, pending_txn, &pending, error))
          return FALSE;
        out_result->replayed = TRUE;
        if (g_str_equal (existing.state, "pending") || g_str_equal (existing.state, "delivered"))
          {
            gboolean ok;

            if (!md_vend_plan_from_json (existing.payload, &plan, error))
              return FALSE;
            plan.idem = g_strdup (existing.idem);
            ok = _md_sale_deliver_and_post (session, existing.id, medium, &plan, out_result, cancellable,
                                   error);
            out_result->replayed = TRUE;
            return ok;
          }
        if (!_md_sale_fill_result (store, existing.id, out_result, error))
          return FALSE;
        out_result->replayed = TRUE;
        return TRUE;
      }
  }

  if (!md_account_get_state (store, request->account_no, &account_id, NULL, error))
    return FALSE;
  {
    g_autoptr(MdStmt) stmt = md_store_prepare (store, "SELECT billing FROM account WHERE id = $1",
                                               error);

    if (stmt == NULL)
      return FALSE;
    md_stmt_bind_int64 (stmt, 1, account_id);
    if (md_stmt_step (stmt, NULL))
      {
        billing = g_strdup (md_stmt_get_text (stmt, 0));
        md_stmt_exec (stmt, NULL);
      }
  }
  if (!medium_fits_billing (medium, billing, request->account_no, error))
    return FALSE;

  if (!_md_open_shift (store, md_session_get_terminal (session), &shift_id, &shift_operator, error))
    return FALSE;
  if (shift_id == 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NO_SHIFT,
                   _("No shift is open at %s; open one first (shift open --float)"),
                   md_session_get_terminal (session));
      return FALSE;
    }
  if (shift_operator != md_session_get_operator_id (session))
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NO_SHIFT,
                   _("The drawer of %s belongs to another operator’s shift"),
                   md_session_get_terminal (session));
      return FALSE;
    }

  if (!md_pricing_quote (session, request->account_no, request->amount, request->energy, &quote,
                         &version_row, error))
    return FALSE;

  lines = g_array_new (FALSE, TRUE, sizeof (MdSaleLine));
  total = quote.amount;
  if (quote.kind == MD_QUOTE_ENERGY)
    for (guint i = 0; i < quote.n_lines; i++)
      {
        MdSaleLine line = { "energy" };

        line.description = md_quote_line_to_string (&quote, i);
        line.tier = quote.lines[i].tier;
        line.quantity = quote.lines[i].quantity;
        line.price = quote.lines[i].price;
        line.amount = quote.lines[i].amount;
        g_array_append_val (lines, line);
      }
  else
    {
      MdSaleLine line = { "energy" };
      g_autofree char *estimate = md_energy_format (quote.estimated_energy);

      line.description = g_strdup (_("Credit"));
      line.tier = -1;
      line.amount = quote.amount;
      line.detail = _md_detail ("estimated_energy", estimate, NULL);
      g_array_append_val (lines, line);
    }

  for (guint i = 0; request->fees != NULL && request->fees[i] != NULL; i++)
    {
      MdSaleLine line = { 0 };

      if (!_md_fee_line (store, request->fees[i], account_id, &line, error))
        {
          _md_sale_lines_free (g_steal_pointer (&lines));
          return FALSE;
        }
      g_array_append_val (lines, line);
      if (!md_money_add (total, line.amount, &total, error))
        {
          _md_sale_lines_free (g_steal_pointer (&lines));
          return FALSE;
        }
    }

  plan.idem = g_strdup (request->idem);
  plan.account_no = g_strdup (request->account_no);
  plan.credit = quote.amount;
  plan.energy = quote.kind == MD_QUOTE_ENERGY ? quote.energy : 0;
  plan.money_kind = quote.kind == MD_QUOTE_MONEY;
  if (!md_medium_prepare (medium, &plan, cancellable, error))
    {
      _md_sale_lines_free (g_steal_pointer (&lines));
      return FALSE;
    }

  quote_node = md_quote_to_json (&quote);
  json_object_set_string_member (json_node_get_object (quote_node), "request", fingerprint);
  quote_text = json_to_string (quote_node, FALSE);

  insert.idem = request->idem;
  insert.kind = "sale";
  insert.account_id = account_id;
  insert.shift_id = shift_id;
  insert.medium = md_medium_get_kind (medium);
  insert.pay_method = md_pay_method_to_string (request->pay_method);
  insert.pay_ref = request->pay_ref;
  insert.amount = total;
  insert.tariff_version_row = version_row;
  insert.quote = quote_text;

  pending.insert = &insert;
  pending.plan = &plan;
  pending.lines = (const MdSaleLine *) lines->data;
  pending.n_lines = lines->len;
  pending.request = fingerprint;
  pending.medium = medium;

  {
    g_autoptr(GError) local_error = NULL;
    gboolean ok = md_store_write (store, pending_txn, &pending, &local_error);

    _md_sale_lines_free (g_steal_pointer (&lines));
    if (!ok)
      {
        /* Outcome unknown: the key tells whether the PENDING row landed. */
        if (!g_error_matches (local_error, MD_STORE_ERROR, MD_STORE_ERROR_OUTCOME_UNKNOWN) ||
            !_md_lookup_id (store, &pending.sale_id, NULL, "SELECT id FROM sale WHERE idem = $1",
                            request->idem, NULL) ||
            pending.sale_id == 0)
          {
            g_propagate_error (error, g_steal_pointer (&local_error));
            return FALSE;
          }
      }
  }

  if (pending.existed)
    {
      /* Another window committed this key between our look and our write. */
      g_auto(MdSaleRow) existing = { 0 };
      g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, pending.sale_id);
      gboolean found = FALSE;

      if (!_md_sale_load (store, "s.id", id_text, &existing, &found, error))
        return FALSE;
      if (!g_str_equal (existing.state, "pending"))
        {
          out_result->replayed = TRUE;
          return _md_sale_fill_result (store, existing.id, out_result, error);
        }
    }

  return _md_sale_deliver_and_post (session, pending.sale_id, medium, &plan, out_result, cancellable, error);
}

typedef struct
{
  MdSession  *session;
  gint64      sale_id;
  gint64      approver_id;
  const char *reason;
} VoidData;

static gboolean
void_txn (MdStore  *store,
          gpointer  user_data,
          GError  **error)
{
  VoidData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("sale:%lld", (long long) data->sale_id);
  g_autofree char *detail = _md_detail ("reason", data->reason, NULL);

  if (!(stmt = md_store_prepare (store,
                                 "UPDATE sale SET state = 'voided', voided_at = $2, resolution = $3, "
                                 "approver_id = COALESCE($4, approver_id) "
                                 "WHERE id = $1 AND state IN ('pending', 'delivered')", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, data->sale_id);
  md_stmt_bind_int64 (stmt, 2, md_clock_now ());
  md_stmt_bind_text (stmt, 3, data->reason);
  md_stmt_bind_int64_or_null (stmt, 4, data->approver_id, data->approver_id == 0);
  if (!md_stmt_exec (stmt, error))
    return FALSE;
  if (md_stmt_changes (stmt) != 1)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_STATE,
                   _("Sale %lld is no longer pending"), (long long) data->sale_id);
      return FALSE;
    }
  return _md_audit (store, data->session, data->approver_id, "sale.void", object, detail, error);
}

/**
 * md_vend_resolve:
 * @medium: the sale's medium, as it is now (the card presented again…)
 * @void_if_not_delivered: void the sale, rather than deliver it again, when
 *   the medium proves it was not delivered — a supervisor's decision: the
 *   operator's own reversal permission, or @approval
 * @approval: (nullable): a supervisor's approval to void
 *
 * Settles a PENDING sale from the medium itself (RELIABILITY A5): delivered
 * → posted, never written again; provably not delivered → the same payload
 * is delivered again (or the sale voided when asked); anything else leaves
 * it pending, a conflict blocks it for a supervisor.
 */
gboolean
md_vend_resolve (MdSession     *session,
                 gint64         sale_id,
                 MdMedium      *medium,
                 gboolean       void_if_not_delivered,
                 MdApproval    *approval,
                 MdSaleResult  *out_result,
                 GCancellable  *cancellable,
                 GError       **error)
{
  MdStore *store;
  g_auto(MdSaleRow) sale = { 0 };
  g_auto(MdVendPlan) plan = { 0 };
  g_autoptr(GError) local_error = NULL;
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, sale_id);
  gboolean found = FALSE;
  MdDelivery delivery;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (MD_IS_MEDIUM (medium), FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  memset (out_result, 0, sizeof *out_result);
  store = md_session_get_store (session);

  /* The program itself settles sales it delivers (the meter command queue);
   * voiding still needs a supervisor's approval below. */
  if (!md_session_is_system (session) && !md_session_has_permission (session, MD_PERM_SELL) &&
      !md_session_require (session, MD_PERM_REVERSE, error))
    return FALSE;
  if (!_md_sale_load (store, "s.id", id_text, &sale, &found, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_STATE, _("There is no sale %s"), id_text);
      return FALSE;
    }
  if (!g_str_equal (sale.state, "pending") && !g_str_equal (sale.state, "delivered"))
    return _md_sale_fill_result (store, sale.id, out_result, error);
  if (g_strcmp0 (md_medium_get_kind (medium), sale.medium) != 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_MEDIUM,
                   _("Sale %s was delivered by another medium (%s)"), id_text,
                   sale.medium);
      return FALSE;
    }

  if (!md_vend_plan_from_json (sale.payload, &plan, error))
    return FALSE;
  plan.idem = g_strdup (sale.idem);
  plan.sale_id = sale.id;

  delivery = md_medium_inspect (medium, &plan, cancellable, &local_error);
  switch (delivery)
    {
    case MD_DELIVERY_DELIVERED:
      return _md_sale_post (session, sale.id, "resolved: delivered", out_result, error);

    case MD_DELIVERY_NOT_DELIVERED:
      if (void_if_not_delivered)
        {
          VoidData data = { session, sale.id, 0, "not delivered" };

          if (!md_session_authorize (session, MD_PERM_REVERSE, approval, &data.approver_id,
                                     error) ||
              !md_store_write (store, void_txn, &data, error))
            return FALSE;
          return _md_sale_fill_result (store, sale.id, out_result, error);
        }
      /* Retry the very same payload: the medium proved it has not got it. */
      return _md_sale_deliver_and_post (session, sale.id, medium, &plan, out_result, cancellable, error);

    case MD_DELIVERY_CONFLICT:
      {
        g_autofree char *object = g_strdup_printf ("sale:%s", id_text);
        g_autofree char *detail = _md_detail ("reason", local_error != NULL ? local_error->message
                                                                            : NULL, NULL);

        md_audit_record (session, 0, "sale.conflict", object, detail, NULL);
        _md_sale_fill_result (store, sale.id, out_result, NULL);
        g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CONFLICT,
                     _("The medium does not match sale %s (%s); it is blocked for a supervisor"),
                     id_text, local_error != NULL ? local_error->message : sale.medium);
        return FALSE;
      }

    case MD_DELIVERY_UNKNOWN:
    default:
      _md_sale_fill_result (store, sale.id, out_result, NULL);
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_UNKNOWN,
                   _("Sale %s cannot be settled yet (%s)"), id_text,
                   local_error != NULL ? local_error->message : sale.medium);
      return FALSE;
    }
}

/**
 * md_vend_recover:
 * @lookup: gives the medium for a kind of sale, or %NULL when it is not
 *   reachable now
 * @out_summary: (out) (optional) (transfer full): one entry per pending sale
 *   with what happened to it
 *
 * At start-up: settles every pending sale whose medium can be reached. A
 * failure to settle one sale does not stop the others; it stays pending.
 */
gboolean
md_vend_recover (MdSession       *session,
                 MdMediumLookup   lookup,
                 gpointer         user_data,
                 JsonNode       **out_summary,
                 GError         **error)
{
  MdStore *store;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) kinds = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  store = md_session_get_store (session);
  if (!(stmt = md_store_prepare (store,
                                 "SELECT id, medium FROM sale WHERE state IN ('pending', 'delivered') "
                                 "AND terminal = $1 ORDER BY id", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, md_session_get_terminal (session));
  while (md_stmt_step (stmt, &local_error))
    {
      gint64 id = md_stmt_get_int64 (stmt, 0);

      g_array_append_val (ids, id);
      g_ptr_array_add (kinds, g_strdup (md_stmt_get_text (stmt, 1)));
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  json_builder_begin_array (builder);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(MdMedium) medium = lookup (kinds->pdata[i], user_data);
      g_auto(MdSaleResult) result = { 0 };
      g_autoptr(GError) sale_error = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "sale");
      json_builder_add_int_value (builder, g_array_index (ids, gint64, i));
      if (medium == NULL)
        {
          json_builder_set_member_name (builder, "state");
          json_builder_add_string_value (builder, "pending");
          json_builder_set_member_name (builder, "message");
          json_builder_add_string_value (builder, _("The medium cannot be reached now"));
        }
      else
        {
          md_vend_resolve (session, g_array_index (ids, gint64, i), medium, FALSE, NULL, &result,
                           NULL, &sale_error);
          json_builder_set_member_name (builder, "state");
          json_builder_add_string_value (builder, result.state != NULL ? result.state : "pending");
          if (result.receipt != NULL)
            {
              json_builder_set_member_name (builder, "receipt");
              json_builder_add_string_value (builder, result.receipt);
            }
          if (sale_error != NULL)
            {
              json_builder_set_member_name (builder, "message");
              json_builder_add_string_value (builder, sale_error->message);
            }
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  if (out_summary != NULL)
    *out_summary = json_builder_get_root (builder);
  return TRUE;
}

#define SALE_COLUMNS \
  "s.id AS sale, s.terminal, s.receipt_no, s.kind, a.no AS account, s.medium, s.target, " \
  "s.pay_method AS pay, s.pay_ref, s.amount AS \"amount:money\", s.credit AS \"credit:money\", " \
  "s.energy AS \"energy:energy\", s.purchase_count, " \
  "CASE WHEN s.state = 'posted' AND EXISTS (SELECT 1 FROM sale r WHERE r.ref_sale_id = s.id " \
  "  AND r.kind = 'reversal' AND r.state = 'posted') THEN 'reversed' " \
  "  WHEN s.state = 'posted' THEN 'committed' WHEN s.state = 'voided' THEN 'failed' " \
  "  ELSE s.state END AS state, " \
  "o.name AS operator, ap.name AS approver, s.created_at AS \"created:time\", " \
  "s.posted_at AS \"posted:time\", s.reason, s.ref_sale_id AS ref_sale, s.resolution, s.idem AS key "
#define SALE_JOINS \
  "FROM sale s JOIN account a ON a.id = s.account_id " \
  "LEFT JOIN operator o ON o.id = s.operator_id LEFT JOIN operator ap ON ap.id = s.approver_id "

/**
 * md_sale_show:
 *
 * Returns: (transfer full): the sale with its lines and ledger rows
 */
JsonNode *
md_sale_show (MdSession  *session,
              gint64      sale_id,
              GError    **error)
{
  MdStore *store;
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, sale_id);
  g_autoptr(JsonNode) rows = NULL;
  JsonObject *sale;
  JsonNode *part;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;
  store = md_session_get_store (session);
  if (!(rows = _md_query_json (store, error, "SELECT " SALE_COLUMNS SALE_JOINS
                               "WHERE s.id = CAST($1 AS BIGINT)", id_text, NULL)))
    return NULL;
  if (json_array_get_length (json_node_get_array (rows)) == 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_STATE, _("There is no sale %s"), id_text);
      return NULL;
    }
  sale = json_array_get_object_element (json_node_get_array (rows), 0);
  {
    gint64 receipt_no = json_object_get_int_member_with_default (sale, "receipt_no", 0);
    g_autofree char *receipt = receipt_no > 0
      ? md_receipt_format (json_object_get_string_member (sale, "terminal"), receipt_no) : NULL;

    json_object_remove_member (sale, "receipt_no");
    if (receipt != NULL)
      json_object_set_string_member (sale, "receipt", receipt);
    else
      json_object_set_null_member (sale, "receipt");
  }

  if (!(part = _md_query_json (store, error,
                               "SELECT line_no, kind, description, tier, "
                               "quantity AS \"quantity:energy\", price AS \"price:price\", "
                               "amount AS \"amount:money\" FROM sale_line "
                               "WHERE sale_id = CAST($1 AS BIGINT) ORDER BY line_no", id_text, NULL)))
    return NULL;
  json_object_set_member (sale, "lines", part);
  if (!(part = _md_query_json (store, error,
                               "SELECT account, delta AS \"delta:money\", ref FROM ledger "
                               "WHERE sale_id = CAST($1 AS BIGINT) ORDER BY id", id_text, NULL)))
    return NULL;
  json_object_set_member (sale, "ledger", part);

  return json_array_dup_element (json_node_get_array (rows), 0);
}

/**
 * md_sale_list:
 * @state: (nullable): pending, delivered, committed, failed or reversed
 *   (docs/cli.md)
 * @date: (nullable): YYYY-MM-DD, local time
 * @account_no: (nullable): only this account's
 * @limit: at most this many, 0 for all
 *
 * Returns: (transfer full): the sales, newest first; pending ones carry
 *   their next action ("paid but not delivered")
 */
JsonNode *
md_sale_list (MdSession   *session,
              const char  *state,
              const char  *date,
              const char  *account_no,
              guint        limit,
              GError     **error)
{
  MdStore *store;
  g_autofree char *from = g_strdup ("0");
  g_autofree char *to = g_strdup_printf ("%" G_GINT64_FORMAT, G_MAXINT64);
  const char *filter;
  g_autofree char *sql = NULL;
  JsonNode *rows;
  JsonArray *array;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (state == NULL)
    filter = "1 = 1";
  else if (g_str_equal (state, "pending"))
    filter = "s.state = 'pending'";
  else if (g_str_equal (state, "delivered"))
    filter = "s.state = 'delivered'";
  else if (g_str_equal (state, "committed"))
    filter = "s.state = 'posted'";
  else if (g_str_equal (state, "failed"))
    filter = "s.state = 'voided'";
  else if (g_str_equal (state, "reversed"))
    filter = "s.state = 'posted' AND EXISTS (SELECT 1 FROM sale r WHERE r.ref_sale_id = s.id "
             "AND r.kind = 'reversal' AND r.state = 'posted')";
  else
    {
      g_autofree char *shown = md_input_quote (state);

      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                   _("Unknown sale state “%s”: use pending, delivered, committed, failed or "
                     "reversed"), shown);
      return NULL;
    }

  if (date != NULL)
    {
      gint64 start;

      if (!md_parse_time (date, NULL, &start, error))
        return NULL;
      g_free (from);
      g_free (to);
      from = g_strdup_printf ("%" G_GINT64_FORMAT, start);
      to = g_strdup_printf ("%" G_GINT64_FORMAT, start + (gint64) 24 * 3600 * G_USEC_PER_SEC);
    }

  if (account_no != NULL && !md_validate_code (account_no, _("account number"), error))
    return NULL;
  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;
  store = md_session_get_store (session);

  {
    g_autofree char *limit_sql = limit > 0 ? g_strdup_printf (" LIMIT %u", limit) : g_strdup ("");

    sql = g_strconcat ("SELECT " SALE_COLUMNS SALE_JOINS "WHERE ", filter,
                       " AND s.created_at >= CAST($1 AS BIGINT) AND s.created_at < CAST($2 AS BIGINT)"
                       " AND ($3 = '' OR a.no = $3) ORDER BY s.id DESC", limit_sql, NULL);
  }
  if (!(rows = _md_query_json (store, error, sql, from, to, account_no != NULL ? account_no : "",
                               NULL)))
    return NULL;

  array = json_node_get_array (rows);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *row = json_array_get_object_element (array, i);
      gint64 receipt_no = json_object_get_int_member_with_default (row, "receipt_no", 0);
      const char *row_state = json_object_get_string_member (row, "state");
      const char *medium = json_object_get_string_member (row, "medium");
      g_autofree char *receipt = receipt_no > 0
        ? md_receipt_format (json_object_get_string_member (row, "terminal"), receipt_no) : NULL;

      json_object_remove_member (row, "receipt_no");
      if (receipt != NULL)
        json_object_set_string_member (row, "receipt", receipt);
      else
        json_object_set_null_member (row, "receipt");
      if (g_strcmp0 (row_state, "pending") == 0 || g_strcmp0 (row_state, "delivered") == 0)
        json_object_set_string_member (row, "next_action",
                                       g_strcmp0 (medium, "card") == 0
                                         ? _("Present the card again to finish writing it")
                                         : g_strcmp0 (medium, "remote") == 0
                                           ? _("Read the meter back to confirm the credit")
                                           : _("Resolve it to deliver the credit"));
    }
  return rows;
}

JsonNode *
md_sale_result_to_json (const MdSaleResult *result)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *amount = md_money_format (result->amount, MD_MONEY_STYLE_PLAIN);
  g_autofree char *credit = md_money_format (result->credit, MD_MONEY_STYLE_PLAIN);
  g_autofree char *energy = md_energy_format (result->energy);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sale");
  json_builder_add_int_value (builder, result->sale_id);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, result->kind);
  json_builder_set_member_name (builder, "receipt");
  if (result->receipt != NULL)
    json_builder_add_string_value (builder, result->receipt);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "amount");
  json_builder_add_string_value (builder, amount);
  json_builder_set_member_name (builder, "credit");
  json_builder_add_string_value (builder, credit);
  json_builder_set_member_name (builder, "energy");
  json_builder_add_string_value (builder, energy);
  json_builder_set_member_name (builder, "purchase_count");
  json_builder_add_int_value (builder, result->purchase_count);
  /* docs/cli.md names the states: committed and failed are posted and voided. */
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, g_strcmp0 (result->state, "posted") == 0 ? "committed"
                                          : g_strcmp0 (result->state, "voided") == 0 ? "failed"
                                          : result->state);
  json_builder_set_member_name (builder, "replayed");
  json_builder_add_boolean_value (builder, result->replayed);
  json_builder_set_member_name (builder, "key");
  json_builder_add_string_value (builder, result->idem);
  if (result->next_action != NULL)
    {
      json_builder_set_member_name (builder, "next_action");
      json_builder_add_string_value (builder, result->next_action);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

void
md_sale_result_clear (MdSaleResult *result)
{
  g_clear_pointer (&result->idem, g_free);
  g_clear_pointer (&result->kind, g_free);
  g_clear_pointer (&result->state, g_free);
  g_clear_pointer (&result->receipt, g_free);
  g_clear_pointer (&result->next_action, g_free);
  memset (result, 0, sizeof *result);
}
