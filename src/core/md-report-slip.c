/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-clock.h"
#include "md-pricing.h"
#include "md-report-private.h"
#include "md-shift.h"
#include "md-validate.h"

/*
 * Documents that are not sales but print through the same templates: the
 * account opening slip (开户凭证), and the shift X and Z reports.
 */

/* "110101********1234": enough to recognise, not to copy. */
static char *
mask_id_number (const char *id)
{
  glong n = id != NULL ? g_utf8_strlen (id, -1) : 0;
  GString *out;

  if (n == 0)
    return NULL;
  if (n <= 8)
    return g_strdup (id);
  out = g_string_new (NULL);
  for (glong i = 0; i < n; i++)
    {
      const char *p = g_utf8_offset_to_pointer (id, i);

      if (i < 6 || i >= n - 4)
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      else
        g_string_append_c (out, '*');
    }
  return g_string_free (out, FALSE);
}

static MdReportTable *
account_meters (MdStore  *store,
                gint64    account_id,
                GError  **error)
{
  g_autoptr(MdReportTable) table = md_report_table_new ("meters", _("Meters"));
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  md_report_table_add_column (table, "meter", _("Meter"), NULL, MD_REPORT_TYPE_TEXT,
                              MD_REPORT_COLUMN_KEY);
  md_report_table_add_column (table, "utility", _("Utility"), NULL, MD_REPORT_TYPE_TEXT,
                              MD_REPORT_COLUMN_NONE);
  md_report_table_add_column (table, "model", _("Model"), NULL, MD_REPORT_TYPE_TEXT,
                              MD_REPORT_COLUMN_NONE);
  if (!(stmt = md_store_prepare (store,
                                 "SELECT address, utility, model FROM meter WHERE account_id = $1 "
                                 "AND state = 'installed' ORDER BY address", error)))
    return NULL;
  md_stmt_bind_int64 (stmt, 1, account_id);
  while (md_stmt_step (stmt, &local_error))
    {
      guint row = md_report_table_append_row (table);
      gboolean water = g_str_equal (md_stmt_get_text (stmt, 1), "water");

      md_report_table_set_text (table, row, 0, md_stmt_get_text (stmt, 0));
      md_report_table_set_text (table, row, 1, water ? _("Water") : _("Electricity"));
      md_report_table_set_text (table, row, 2, md_stmt_get_text (stmt, 2));
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&table);
}

#define ACCOUNT_SQL \
  "SELECT a.id, cu.name, cu.phone, cu.id_number, COALESCE(NULLIF(a.address, ''), cu.address), " \
  "cat.name, a.billing, a.capacity_va, a.voltage_level, COALESCE(a.opened_at, a.created_at), " \
  "a.state, au.hash, au.terminal, COALESCE(NULLIF(o.full_name, ''), o.name) " \
  "FROM account a JOIN customer cu ON cu.id = a.customer_id " \
  "JOIN usage_category cat ON cat.id = a.category_id " \
  "LEFT JOIN audit au ON au.seq = (SELECT MAX(seq) FROM audit WHERE object = 'account:' || a.no " \
  "  AND action IN ('account.open', 'account.preregister')) " \
  "LEFT JOIN operator o ON o.id = au.operator_id WHERE a.no = $1"

/**
 * md_receipt_load_account:
 *
 * The account opening slip: the customer, the account and its meters, and
 * the hash of the audit row that opened it. Needs MD_PERM_VIEW.
 *
 * Returns: (transfer full): the document, or %NULL with @error set
 */
MdReceipt *
md_receipt_load_account (MdSession   *session,
                         const char  *account_no,
                         GError     **error)
{
  MdStore *store;
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(MdReceipt) receipt = NULL;
  g_autoptr(GTimeZone) zone = NULL;
  g_autofree char *room = NULL;
  g_autofree char *site = NULL;
  g_autofree char *meters = NULL;
  g_autofree char *card = NULL;
  g_autofree char *masked = NULL;
  g_autofree char *capacity = NULL;
  MdReportTable *table;
  GError *local_error = NULL;
  MdFields f;
  gint64 account_id;
  const char *state;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);
  g_return_val_if_fail (account_no != NULL, NULL);

  if (!_md_report_require (session, MD_PERM_VIEW, error))
    return NULL;
  store = md_session_get_store (session);
  zone = md_site_timezone (store);
  if (!(stmt = md_store_prepare (store, ACCOUNT_SQL, error)))
    return NULL;
  md_stmt_bind_text (stmt, 1, account_no);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error != NULL)
        g_propagate_error (error, local_error);
      else
        g_set_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_NOT_FOUND,
                     _("There is no account %s"), account_no);
      return NULL;
    }

  account_id = md_stmt_get_int64 (stmt, 0);
  receipt = _md_receipt_new (MD_RECEIPT_ACCOUNT_OPENING);
  receipt->number = g_strdup (account_no);
  room = _md_room_text (store, account_id, &site);
  meters = _md_joined (store, "SELECT address FROM meter WHERE account_id = $1 "
                       "AND state = 'installed' ORDER BY address", account_id);
  card = _md_joined (store, "SELECT uid FROM card WHERE account_id = $1 AND status = 'active' "
                     "AND kind IN ('purchase', 'replacement')", account_id);
  masked = mask_id_number (md_stmt_get_text (stmt, 3));
  if (md_stmt_get_int64 (stmt, 7) > 0)
    {
      g_autofree char *kva = md_decimal_format (md_stmt_get_int64 (stmt, 7), 3);

      capacity = g_strdup_printf ("%s kVA", kva);
    }
  state = md_stmt_get_text (stmt, 10);

  _md_fields_init (&f);
  _md_receipt_add_common (&f, store, md_stmt_get_text (stmt, 12), md_stmt_get_text (stmt, 13));
  _md_fields_text (&f, "site", _("Site"), site);
  _md_fields_int (&f, "time", _("Time"), MD_REPORT_TYPE_TIME, md_stmt_get_int64 (stmt, 9));
  _md_fields_text (&f, "customer", _("Customer"), md_stmt_get_text (stmt, 1));
  _md_fields_text (&f, "phone", _("Phone"), md_stmt_get_text (stmt, 2));
  _md_fields_text (&f, "id_number", _("ID number"), masked);
  _md_fields_text (&f, "address", _("Address"), md_stmt_get_text (stmt, 4));
  _md_fields_text (&f, "account", _("Account"), account_no);
  _md_fields_text (&f, "category", _("Category"), md_stmt_get_text (stmt, 5));
  _md_fields_text (&f, "billing", _("Billing"),
                   g_strcmp0 (md_stmt_get_text (stmt, 6), "system") == 0
                     ? _("credit held in the account (system-side billing)")
                     : _("credit held in the meter or on the card"));
  _md_fields_text (&f, "capacity", _("Capacity"), capacity);
  _md_fields_text (&f, "voltage", _("Voltage level"), md_stmt_get_text (stmt, 8));
  _md_fields_text (&f, "room", _("Room"), room);
  _md_fields_text (&f, "meter", _("Meter"), meters);
  _md_fields_text (&f, "card", _("Card"), card);
  _md_fields_text (&f, "state", _("State"),
                   g_strcmp0 (state, "open") == 0 ? _("open")
                   : g_strcmp0 (state, "closed") == 0 ? _("closed") : _("pre-registered"));
  _md_fields_text (&f, "audit_hash", _("Audit hash"), md_stmt_get_text (stmt, 11));
  receipt->qr_text = _md_receipt_qr_text ("account", account_no, NULL,
                                          md_stmt_get_text (stmt, 11));
  md_stmt_exec (stmt, NULL);

  if (!(table = account_meters (store, account_id, error)))
    {
      _md_fields_clear (&f);
      return NULL;
    }
  g_ptr_array_add (receipt->tables, table);
  receipt->fields = _md_fields_finish (&f, zone);
  return g_steal_pointer (&receipt);
}

static gint64
money_member (JsonObject *object,
              const char *member)
{
  MdMoney value = 0;

  if (!md_money_parse (json_object_get_string_member_with_default (object, member, "0"),
                       MD_PARSE_ALLOW_NEGATIVE, &value, NULL))
    return 0;
  return value;
}

static const char *
kind_label (const char *kind)
{
  static const struct { const char *kind; const char *label; } labels[] = {
    { "sale", N_("Sales") }, { "reversal", N_("Reversals") }, { "refund", N_("Refunds") },
    { "settlement", N_("Settlements") }, { "offset", N_("Offsets") }, { "grant", N_("Grants") },
    { "carry", N_("Carried credit") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_strcmp0 (kind, labels[i].kind) == 0)
      return _(labels[i].label);
  return kind;
}

/* A breakdown of the X/Z JSON ("by_kind"…) as a table; @columns are
 * "key:type" with a label each. */
static MdReportTable *
breakdown (JsonObject        *report,
           const char        *member,
           const char        *title,
           const char * const *columns,
           const char * const *labels)
{
  MdReportTable *table = md_report_table_new (member, title);
  JsonNode *node = json_object_get_member (report, member);
  JsonArray *rows = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  guint n = g_strv_length ((char **) columns);

  for (guint c = 0; c < n; c++)
    {
      const char *colon = strchr (columns[c], ':');
      g_autofree char *key = g_strndup (columns[c], colon - columns[c]);
      MdReportType type = g_str_equal (colon + 1, "money") ? MD_REPORT_TYPE_MONEY
                        : g_str_equal (colon + 1, "count") ? MD_REPORT_TYPE_COUNT
                        : MD_REPORT_TYPE_TEXT;

      md_report_table_add_column (table, key, _(labels[c]),
                                  type == MD_REPORT_TYPE_MONEY ? _("yuan") : NULL, type,
                                  c == 0 ? MD_REPORT_COLUMN_KEY : MD_REPORT_COLUMN_NONE);
    }
  for (guint r = 0; rows != NULL && r < json_array_get_length (rows); r++)
    {
      JsonObject *object = json_array_get_object_element (rows, r);
      guint row = md_report_table_append_row (table);

      for (guint c = 0; c < n; c++)
        {
          const MdReportColumn *column = md_report_table_get_column (table, c);

          if (column->type == MD_REPORT_TYPE_MONEY)
            md_report_table_set_int (table, row, c, money_member (object, column->key));
          else if (column->type == MD_REPORT_TYPE_COUNT)
            md_report_table_set_int (table, row, c,
                                     json_object_get_int_member_with_default (object, column->key,
                                                                              0));
          else
            {
              const char *text = json_object_get_string_member_with_default (object, column->key,
                                                                             NULL);

              if (g_str_equal (member, "by_kind"))
                text = kind_label (text);
              else if (g_str_equal (member, "by_payment"))
                text = _md_pay_method_label (text);
              md_report_table_set_text (table, row, c, text);
            }
        }
    }
  return table;
}

static MdReceipt *
shift_receipt (MdStore       *store,
               JsonObject    *report,
               MdReceiptKind  kind,
               const char    *operator_name,
               gint64         at)
{
  static const char * const kind_columns[] = { "kind:text", "count:count", "amount:money", NULL };
  static const char * const kind_labels[] = { N_("Kind"), N_("Count"), N_("Amount") };
  static const char * const pay_columns[] = { "pay:text", "count:count", "amount:money", NULL };
  static const char * const pay_labels[] = { N_("Payment"), N_("Count"), N_("Amount") };
  static const char * const op_columns[] = {
    "operator:text", "sales:count", "reversals:count", "refunds:count", "approvals:count", NULL,
  };
  static const char * const op_labels[] = {
    N_("Operator"), N_("Sales"), N_("Reversals"), N_("Refunds"), N_("Approvals"),
  };
  g_autoptr(GTimeZone) zone = md_site_timezone (store);
  MdReceipt *receipt = _md_receipt_new (kind);
  const char *terminal = json_object_get_string_member_with_default (report, "terminal", "");
  MdFields f;

  _md_fields_init (&f);
  _md_receipt_add_common (&f, store, terminal, operator_name);
  _md_fields_text (&f, "report", _("Report"),
                   kind == MD_RECEIPT_SHIFT_Z ? _("Z (end of day)") : _("X (shift so far)"));
  _md_fields_int (&f, "time", _("Time"), MD_REPORT_TYPE_TIME, at);
  if (kind == MD_RECEIPT_SHIFT_X)
    {
      _md_fields_int (&f, "shift", _("Shift"), MD_REPORT_TYPE_COUNT,
                      json_object_get_int_member_with_default (report, "shift", 0));
      _md_fields_int (&f, "float", _("Float"), MD_REPORT_TYPE_MONEY,
                      money_member (report, "float"));
      _md_fields_int (&f, "cash_in", _("Cash in"), MD_REPORT_TYPE_MONEY,
                      money_member (report, "cash_in"));
      _md_fields_int (&f, "cash_out", _("Cash out"), MD_REPORT_TYPE_MONEY,
                      money_member (report, "cash_out"));
      _md_fields_int (&f, "expected_cash", _("Expected cash"), MD_REPORT_TYPE_MONEY,
                      money_member (report, "expected_cash"));
    }
  else
    {
      gint64 z_no = json_object_get_int_member_with_default (report, "z_no", 0);
      g_autofree char *total = md_money_format (money_member (report, "total"),
                                                MD_MONEY_STYLE_PLAIN);
      const char *hash = json_object_get_string_member_with_default (report, "audit_hash", "");

      receipt->number = g_strdup_printf ("Z %s-%04lld", terminal, (long long) z_no);
      _md_fields_text (&f, "receipt", _("Receipt"), receipt->number);
      _md_fields_int (&f, "z_no", _("Z number"), MD_REPORT_TYPE_COUNT, z_no);
      _md_fields_int (&f, "shifts", _("Shifts"), MD_REPORT_TYPE_COUNT,
                      json_object_get_int_member_with_default (report, "shifts", 0));
      _md_fields_int (&f, "total", _("Total"), MD_REPORT_TYPE_MONEY,
                      money_member (report, "total"));
      _md_fields_int (&f, "grand_total", _("Grand total"), MD_REPORT_TYPE_MONEY,
                      money_member (report, "grand_total"));
      _md_fields_int (&f, "audit_seq", _("Audit row"), MD_REPORT_TYPE_COUNT,
                      json_object_get_int_member_with_default (report, "audit_seq", 0));
      _md_fields_text (&f, "audit_hash", _("Audit hash"), hash);
      receipt->qr_text = _md_receipt_qr_text ("z", receipt->number + 2, total, hash);
    }
  receipt->fields = _md_fields_finish (&f, zone);
  g_ptr_array_add (receipt->tables, breakdown (report, "by_kind", _("By kind"), kind_columns,
                                               kind_labels));
  g_ptr_array_add (receipt->tables, breakdown (report, "by_payment", _("By payment"),
                                               pay_columns, pay_labels));
  g_ptr_array_add (receipt->tables, breakdown (report, "by_operator", _("By operator"),
                                               op_columns, op_labels));
  return receipt;
}

/**
 * md_receipt_load_shift_x:
 *
 * The X report of this terminal's open shift (md_shift_x_report()) as a
 * document to print. Needs MD_PERM_SHIFT.
 *
 * Returns: (transfer full): the document, or %NULL with @error set
 */
MdReceipt *
md_receipt_load_shift_x (MdSession  *session,
                         GError    **error)
{
  g_autoptr(JsonNode) report = NULL;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!(report = md_shift_x_report (session, error)))
    return NULL;
  return shift_receipt (md_session_get_store (session), json_node_get_object (report),
                        MD_RECEIPT_SHIFT_X, md_session_get_operator_name (session),
                        md_clock_now ());
}

/**
 * md_receipt_load_shift_z:
 * @terminal: (nullable): the terminal, this session's when %NULL
 * @z_no: the Z number, 0 for the latest
 *
 * A Z report as it was recorded (z_report), to print or print again.
 * Needs MD_PERM_Z_REPORT or MD_PERM_REPORT.
 *
 * Returns: (transfer full): the document, or %NULL with @error set
 */
MdReceipt *
md_receipt_load_shift_z (MdSession   *session,
                         const char  *terminal,
                         gint64       z_no,
                         GError     **error)
{
  MdStore *store;
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *operator_name = NULL;
  GError *local_error = NULL;
  JsonNode *root;
  gint64 at;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_has_permission (session, MD_PERM_Z_REPORT) &&
      !_md_report_require (session, MD_PERM_REPORT, error))
    return NULL;
  if (terminal == NULL)
    terminal = md_session_get_terminal (session);
  store = md_session_get_store (session);
  if (!(stmt = md_store_prepare (store,
                                 "SELECT z.at, COALESCE(NULLIF(o.full_name, ''), o.name), z.detail "
                                 "FROM z_report z LEFT JOIN operator o ON o.id = z.operator_id "
                                 "WHERE z.terminal = $1 AND (CAST($2 AS BIGINT) = 0 "
                                 "OR z.z_no = CAST($2 AS BIGINT)) ORDER BY z.z_no DESC LIMIT 1",
                                 error)))
    return NULL;
  md_stmt_bind_text (stmt, 1, terminal);
  md_stmt_bind_int64 (stmt, 2, z_no);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error != NULL)
        g_propagate_error (error, local_error);
      else if (z_no > 0)
        g_set_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_NOT_FOUND,
                     _("There is no Z report %lld at %s"), (long long) z_no, terminal);
      else
        g_set_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_NOT_FOUND,
                     _("There is no Z report at %s yet"), terminal);
      return NULL;
    }
  at = md_stmt_get_int64 (stmt, 0);
  operator_name = g_strdup (md_stmt_get_text (stmt, 1));
  root = json_parser_load_from_data (parser, md_stmt_get_text (stmt, 2), -1, &local_error)
    ? json_parser_get_root (parser) : NULL;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_NOT_FOUND,
                   _("The Z report at %s cannot be read: %s"), terminal,
                   local_error != NULL ? local_error->message : "");
      g_clear_error (&local_error);
      return NULL;
    }
  md_stmt_exec (stmt, NULL);
  return shift_receipt (store, json_node_get_object (root), MD_RECEIPT_SHIFT_Z, operator_name,
                        at);
}
