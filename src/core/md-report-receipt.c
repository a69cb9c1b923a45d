/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-audit.h"
#include "md-clock.h"
#include "md-core-private.h"
#include "md-pricing.h"
#include "md-report-private.h"
#include "md-shift.h"
#include "md-vend.h"

/*
 * Receipt documents, loaded from the database every time they print: a
 * posted sale (or correction) with its lines, the credit before and after
 * it, its purchase count and the hash of its `sale.post` audit row; an
 * account opening slip; the shift X and Z reports. What each field means
 * and how templates lay them out: docs/receipts.md.
 */

/* Every field a document may carry, the keys templates name. */
static const char * const field_keys[] = {
  "company", "site", "terminal", "operator", "approver", "receipt", "time", "reprint",
  "customer", "phone", "id_number", "address", "account", "category", "billing", "capacity",
  "voltage", "room", "meter", "card", "medium", "tariff", "amount", "amount_in_words", "energy",
  "water", "credit", "pay", "pay_ref", "credit_before", "credit_after", "purchase_count",
  "token", "audit_hash", "reason", "reverses", "state",
  "report", "shift", "z_no", "shifts", "float", "cash_in", "cash_out", "expected_cash", "total",
  "grand_total", "audit_seq",
  NULL
};

/**
 * md_receipt_field_keys:
 *
 * Returns: (transfer none) (array zero-terminated=1): the keys of every
 *   field any receipt document may carry
 */
const char * const *
md_receipt_field_keys (void)
{
  return field_keys;
}

/**
 * md_receipt_kind_to_string:
 *
 * Returns: the kind's name, as templates' [titles] keys spell it:
 *   "sale", "account-opening", "shift-z"…
 */
const char *
md_receipt_kind_to_string (MdReceiptKind kind)
{
  static const char * const names[] = {
    "sale", "reversal", "refund", "settlement", "offset", "grant", "carry", "account-opening",
    "shift-x", "shift-z",
  };

  g_return_val_if_fail (kind < G_N_ELEMENTS (names), NULL);
  return names[kind];
}

typedef struct
{
  const char    *key;
  const char    *label;
  MdReportType   type;
  gboolean       is_null;
  gint64         number;
  char          *text;
} Field;

static void
field_clear (gpointer data)
{
  g_free (((Field *) data)->text);
}

void
_md_fields_init (MdFields *f)
{
  f->fields = g_array_new (FALSE, TRUE, sizeof (Field));
  g_array_set_clear_func (f->fields, field_clear);
}

void
_md_fields_clear (MdFields *f)
{
  g_clear_pointer (&f->fields, g_array_unref);
}

/* A text field; %NULL or "" leaves it null (not printed). */
void
_md_fields_text (MdFields   *f,
                 const char *key,
                 const char *label,
                 const char *text)
{
  Field field = { key, label, MD_REPORT_TYPE_TEXT, text == NULL || *text == '\0', 0,
                  g_strdup (text) };

  g_array_append_val (f->fields, field);
}

void
_md_fields_int (MdFields     *f,
                const char   *key,
                const char   *label,
                MdReportType  type,
                gint64        value)
{
  Field field = { key, label, type, FALSE, value, NULL };

  g_array_append_val (f->fields, field);
}

/* The one-row table the document carries; @f is emptied. */
MdReportTable *
_md_fields_finish (MdFields  *f,
                   GTimeZone *zone)
{
  MdReportTable *table = md_report_table_new ("fields", "");
  guint row;

  md_report_table_set_timezone (table, zone);
  for (guint i = 0; i < f->fields->len; i++)
    {
      Field *field = &g_array_index (f->fields, Field, i);

      md_report_table_add_column (table, field->key, field->label, NULL, field->type,
                                  MD_REPORT_COLUMN_NONE);
    }
  row = md_report_table_append_row (table);
  for (guint i = 0; i < f->fields->len; i++)
    {
      Field *field = &g_array_index (f->fields, Field, i);

      if (field->is_null)
        continue;
      if (field->type == MD_REPORT_TYPE_TEXT)
        md_report_table_set_text (table, row, i, field->text);
      else
        md_report_table_set_int (table, row, i, field->number);
    }
  _md_fields_clear (f);
  return table;
}

MdReceipt *
_md_receipt_new (MdReceiptKind kind)
{
  MdReceipt *receipt = g_new0 (MdReceipt, 1);

  receipt->kind = kind;
  receipt->tables = g_ptr_array_new_with_free_func ((GDestroyNotify) md_report_table_unref);
  return receipt;
}

/**
 * md_receipt_free:
 * @receipt: (nullable): a document
 *
 * Frees @receipt and everything it holds.
 */
void
md_receipt_free (MdReceipt *receipt)
{
  if (receipt == NULL)
    return;
  g_free (receipt->number);
  g_clear_pointer (&receipt->fields, md_report_table_unref);
  g_ptr_array_unref (receipt->tables);
  g_free (receipt->qr_text);
  g_free (receipt);
}

/**
 * md_receipt_get_text:
 *
 * Returns: (transfer full) (nullable): the field @key as text in @style, or
 *   %NULL when the document does not carry it
 */
char *
md_receipt_get_text (const MdReceipt *receipt,
                     const char      *key,
                     MdReportStyle    style)
{
  int column;

  g_return_val_if_fail (receipt != NULL && key != NULL, NULL);

  column = md_report_table_find_column (receipt->fields, key);
  if (column < 0 || md_report_table_get_value (receipt->fields, 0, column)->is_null)
    return NULL;
  return md_report_table_format (receipt->fields, 0, column, style);
}

/**
 * md_money_to_chinese:
 *
 * Returns: (transfer full): the amount in Chinese capital numerals as
 *   written on financial documents (大写): ¥1,204.50 → "壹仟贰佰零肆元伍角整",
 *   a negative amount prefixed "负"
 */
char *
md_money_to_chinese (MdMoney amount)
{
  static const char * const digits[] = { "零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖" };
  static const char * const small[] = { "", "拾", "佰", "仟" };
  static const char * const large[] = { "", "万", "亿", "万亿" };
  GString *out = g_string_new (amount < 0 ? "负" : "");
  guint64 fen = amount < 0 ? (guint64) -(amount + 1) + 1 : (guint64) amount;
  guint64 yuan = fen / 100;
  guint jiao = (guint) (fen / 10 % 10);
  guint cents = (guint) (fen % 10);

  if (yuan > 0)
    {
      guint groups[5] = { 0 };
      int n = 0;
      gboolean zero = FALSE;

      for (guint64 y = yuan; y > 0 && n < 4; y /= 10000)
        groups[n++] = (guint) (y % 10000);
      for (int g = n - 1; g >= 0; g--)
        {
          guint v = groups[g];

          if (v == 0)
            {
              zero = TRUE;
              continue;
            }
          /* A zero between this group and the one above: its leading
           * digits, or the units of the one above (壹佰万零壹仟). */
          if (zero || (g < n - 1 && (v < 1000 || groups[g + 1] % 10 == 0)))
            g_string_append (out, "零");
          zero = FALSE;
          for (int d = 3; d >= 0; d--)
            {
              guint p = 1;
              guint digit;

              for (int i = 0; i < d; i++)
                p *= 10;
              digit = v / p % 10;
              if (digit == 0)
                {
                  if (v % p != 0 && v / p > 0)
                    zero = TRUE;
                  continue;
                }
              if (zero)
                g_string_append (out, "零");
              zero = FALSE;
              g_string_append (out, digits[digit]);
              g_string_append (out, small[d]);
            }
          g_string_append (out, large[g]);
          zero = FALSE;
        }
      g_string_append (out, "元");
    }
  if (jiao == 0 && cents == 0)
    g_string_append (out, yuan > 0 ? "整" : "零元整");
  else
    {
      if (jiao > 0)
        g_string_append_printf (out, "%s角", digits[jiao]);
      else if (yuan > 0)
        g_string_append (out, "零");
      if (cents > 0)
        g_string_append_printf (out, "%s分", digits[cents]);
      else
        g_string_append (out, "整");
    }
  return g_string_free (out, FALSE);
}

/* The first column of the first row, %NULL when there is none (or on
 * error, with @error set). */
char *
_md_query_text (MdStore     *store,
                const char  *sql,
                const char  *param,
                GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;
  char *text = NULL;

  if (!(stmt = md_store_prepare (store, sql, error)))
    return NULL;
  md_stmt_bind_text (stmt, 1, param);
  if (md_stmt_step (stmt, &local_error))
    {
      text = g_strdup (md_stmt_get_text (stmt, 0));
      md_stmt_exec (stmt, NULL);
    }
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return text;
}

/* "购物中心 3号楼 2层 205室" from an account's room, else its meter's. */
char *
_md_room_text (MdStore  *store,
               gint64    account_id,
               char    **out_site)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
    "SELECT st.name, b.name, f.name, r.name FROM room r JOIN floor f ON f.id = r.floor_id "
    "JOIN building b ON b.id = f.building_id JOIN site st ON st.id = b.site_id "
    "WHERE r.id = COALESCE((SELECT room_id FROM account WHERE id = $1), "
    "(SELECT MIN(room_id) FROM meter WHERE account_id = $1 AND state = 'installed'))", NULL);
  char *text = NULL;

  *out_site = NULL;
  if (stmt == NULL)
    return NULL;
  md_stmt_bind_int64 (stmt, 1, account_id);
  if (md_stmt_step (stmt, NULL))
    {
      text = g_strjoin (" ", md_stmt_get_text (stmt, 0), md_stmt_get_text (stmt, 1),
                        md_stmt_get_text (stmt, 2), md_stmt_get_text (stmt, 3), NULL);
      *out_site = g_strdup (md_stmt_get_text (stmt, 0));
      md_stmt_exec (stmt, NULL);
    }
  return text;
}

/* The rows' first column joined with ", ", %NULL for none. */
char *
_md_joined (MdStore    *store,
            const char *sql,
            gint64      id)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store, sql, NULL);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  if (stmt == NULL)
    return NULL;
  md_stmt_bind_int64 (stmt, 1, id);
  while (md_stmt_step (stmt, NULL))
    g_ptr_array_add (parts, g_strdup (md_stmt_get_text (stmt, 0)));
  if (parts->len == 0)
    return NULL;
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (", ", (char **) parts->pdata);
}

void
_md_receipt_add_common (MdFields   *f,
                        MdStore    *store,
                        const char *terminal,
                        const char *operator_name)
{
  g_autofree char *company = _md_query_text (store, "SELECT value FROM setting WHERE key = $1",
                                         "company.name", NULL);

  _md_fields_text (f, "company", _("Company"), company);
  _md_fields_text (f, "terminal", _("Terminal"), terminal);
  _md_fields_text (f, "operator", _("Operator"), operator_name);
}

static MdReceiptKind
kind_from_sale (const char *kind)
{
  static const struct { const char *name; MdReceiptKind kind; } kinds[] = {
    { "reversal", MD_RECEIPT_REVERSAL }, { "refund", MD_RECEIPT_REFUND },
    { "settlement", MD_RECEIPT_SETTLEMENT }, { "offset", MD_RECEIPT_OFFSET },
    { "grant", MD_RECEIPT_GRANT }, { "carry", MD_RECEIPT_CARRY },
  };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (kind, kinds[i].name) == 0)
      return kinds[i].kind;
  return MD_RECEIPT_SALE;
}

static const char *
medium_label (const char *medium)
{
  if (g_strcmp0 (medium, "card") == 0)
    return _("IC card");
  if (g_strcmp0 (medium, "remote") == 0)
    return _("Remote meter");
  if (g_strcmp0 (medium, "token") == 0)
    return _("Token");
  if (g_strcmp0 (medium, "account") == 0)
    return _("Account credit");
  return medium;
}

/* The sale's lines: energy per tier, fees, the other kinds' lines; then
 * the rate components the quote recorded (sewage, funds…). */
static MdReportTable *
sale_lines (MdStore    *store,
            gint64      sale_id,
            gboolean    water,
            const char *quote,
            GError    **error)
{
  g_autoptr(MdReportTable) table = md_report_table_new ("lines", _("Items"));
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  GError *local_error = NULL;
  guint c_item, c_quantity, c_price, c_amount;

  c_item = md_report_table_add_column (table, "item", _("Item"), NULL, MD_REPORT_TYPE_TEXT,
                                       MD_REPORT_COLUMN_KEY);
  c_quantity = md_report_table_add_column (table, "quantity", _("Quantity"),
                                           water ? "m³" : "kWh",
                                           water ? MD_REPORT_TYPE_VOLUME : MD_REPORT_TYPE_ENERGY,
                                           MD_REPORT_COLUMN_NONE);
  c_price = md_report_table_add_column (table, "price", _("Price"),
                                        water ? _("yuan/m³") : _("yuan/kWh"),
                                        MD_REPORT_TYPE_PRICE, MD_REPORT_COLUMN_NONE);
  c_amount = md_report_table_add_column (table, "amount", _("Amount"), _("yuan"),
                                         MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_NONE);

  if (!(stmt = md_store_prepare (store,
                                 "SELECT kind, description, tier, quantity, price, amount "
                                 "FROM sale_line WHERE sale_id = $1 ORDER BY line_no", error)))
    return NULL;
  md_stmt_bind_int64 (stmt, 1, sale_id);
  while (md_stmt_step (stmt, &local_error))
    {
      guint row = md_report_table_append_row (table);
      const char *kind = md_stmt_get_text (stmt, 0);
      gboolean energy = g_str_equal (kind, "energy") && md_stmt_get_int64 (stmt, 3) != 0;

      if (energy && !md_stmt_is_null (stmt, 2))
        {
          g_autofree char *tier = g_strdup_printf (_("Tier %u"),
                                                   (guint) md_stmt_get_int64 (stmt, 2) + 1);

          md_report_table_set_text (table, row, c_item, tier);
        }
      else
        md_report_table_set_text (table, row, c_item, md_stmt_get_text (stmt, 1));
      if (energy)
        {
          md_report_table_set_int (table, row, c_quantity, md_stmt_get_int64 (stmt, 3));
          md_report_table_set_int (table, row, c_price, md_stmt_get_int64 (stmt, 4));
        }
      md_report_table_set_int (table, row, c_amount, md_stmt_get_int64 (stmt, 5));
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  if (quote != NULL && json_parser_load_from_data (parser, quote, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *root = json_node_get_object (json_parser_get_root (parser));
      JsonNode *node = json_object_get_member (root, "components");
      JsonObject *components = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                               ? json_node_get_object (node) : NULL;
      g_autoptr(GList) names = components != NULL ? json_object_get_members (components) : NULL;

      /* A single component is the whole price: nothing to break down. */
      if (g_list_length (names) < 2)
        g_clear_pointer (&names, g_list_free);

      for (GList *l = names; l != NULL; l = l->next)
        {
          const char *text = json_object_get_string_member_with_default (components, l->data,
                                                                         "");
          g_autofree char *item = g_strdup_printf (_("of which %s"), (const char *) l->data);
          MdMoney amount;
          guint row;

          if (!md_money_parse (text, MD_PARSE_ALLOW_NEGATIVE, &amount, NULL))
            continue;
          row = md_report_table_append_row (table);
          md_report_table_set_text (table, row, c_item, item);
          md_report_table_set_int (table, row, c_amount, amount);
        }
    }
  return g_steal_pointer (&table);
}

#define SALE_SQL \
  "SELECT s.kind, s.state, s.terminal, s.receipt_no, s.posted_at, a.id, a.no, cu.name, " \
  "cat.name, cat.utility, a.billing, s.medium, s.target, s.pay_method, s.pay_ref, " \
  "s.amount, s.credit, s.energy, s.purchase_count, s.reason, " \
  "COALESCE(NULLIF(o.full_name, ''), o.name), COALESCE(NULLIF(ap.full_name, ''), ap.name), " \
  "rs.terminal, rs.receipt_no, tv.name, s.quote " \
  "FROM sale s JOIN account a ON a.id = s.account_id JOIN customer cu ON cu.id = a.customer_id " \
  "JOIN usage_category cat ON cat.id = a.category_id " \
  "LEFT JOIN operator o ON o.id = s.operator_id LEFT JOIN operator ap ON ap.id = s.approver_id " \
  "LEFT JOIN sale rs ON rs.id = s.ref_sale_id " \
  "LEFT JOIN tariff_version tv ON tv.id = s.tariff_version_id WHERE s.id = $1"

enum {
  S_KIND, S_STATE, S_TERMINAL, S_RECEIPT_NO, S_POSTED, S_ACCOUNT_ID, S_ACCOUNT, S_CUSTOMER,
  S_CATEGORY, S_UTILITY, S_BILLING, S_MEDIUM, S_TARGET, S_PAY, S_PAY_REF, S_AMOUNT,
  S_CREDIT, S_ENERGY, S_PURCHASE_COUNT, S_REASON, S_OPERATOR, S_APPROVER, S_REF_TERMINAL,
  S_REF_NO, S_TARIFF, S_QUOTE,
};

static gboolean
credit_around (MdStore  *store,
               gint64    sale_id,
               const char *account_no,
               MdMoney  *out_before,
               MdMoney  *out_after,
               GError  **error)
{
  g_autofree char *prepaid = g_strdup_printf ("prepaid:%s", account_no);
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  /* A liability: the credit is the negative of the ledger balance. */
  if (!(stmt = md_store_prepare (store,
                                 "SELECT COALESCE(SUM(CASE WHEN id < (SELECT MIN(id) FROM ledger "
                                 "  WHERE sale_id = $2) THEN -delta ELSE 0 END), 0), "
                                 "COALESCE(SUM(CASE WHEN sale_id = $2 THEN -delta ELSE 0 END), 0) "
                                 "FROM ledger WHERE account = $1 AND id <= (SELECT MAX(id) "
                                 "FROM ledger WHERE sale_id = $2)", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, prepaid);
  md_stmt_bind_int64 (stmt, 2, sale_id);
  if (md_stmt_step (stmt, &local_error))
    {
      *out_before = md_stmt_get_int64 (stmt, 0);
      *out_after = *out_before + md_stmt_get_int64 (stmt, 1);
      md_stmt_exec (stmt, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/* What the QR code carries (docs/receipts.md "Verifying a receipt"). */
char *
_md_receipt_qr_text (const char *kind,
                     const char *number,
                     const char *amount,
                     const char *hash)
{
  if (amount == NULL)
    return g_strdup_printf ("meterdesk:%s?no=%s&audit=%s", kind, number, hash != NULL ? hash : "");
  return g_strdup_printf ("meterdesk:%s?no=%s&amount=%s&audit=%s", kind, number, amount,
                          hash != NULL ? hash : "");
}

/**
 * md_receipt_load_sale:
 * @reprint: load it as a reprint: marked 补打, with its reprint number
 *
 * The receipt of a posted sale (or reversal, refund, settlement…), from
 * the database: needs MD_PERM_VIEW. Loading records nothing; a reprint is
 * recorded by md_receipt_record_reprint() once it has printed.
 *
 * Returns: (transfer full): the document, or %NULL with @error set
 */
MdReceipt *
md_receipt_load_sale (MdSession  *session,
                      gint64      sale_id,
                      gboolean    reprint,
                      GError    **error)
{
  MdStore *store;
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(MdReceipt) receipt = NULL;
  g_autoptr(GTimeZone) zone = NULL;
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, sale_id);
  g_autofree char *object = g_strconcat ("sale:", id_text, NULL);
  g_autofree char *hash = NULL;
  g_autofree char *room = NULL;
  g_autofree char *site = NULL;
  g_autofree char *meters = NULL;
  g_autofree char *card = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *words = NULL;
  g_autofree char *amount = NULL;
  MdReportTable *lines;
  GError *local_error = NULL;
  MdFields f;
  gint64 account_id, count;
  gboolean water, system;
  const char *state, *medium;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!_md_report_require (session, MD_PERM_VIEW, error))
    return NULL;
  store = md_session_get_store (session);
  zone = md_site_timezone (store);
  if (!(stmt = md_store_prepare (store, SALE_SQL, error)))
    return NULL;
  md_stmt_bind_int64 (stmt, 1, sale_id);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error != NULL)
        g_propagate_error (error, local_error);
      else
        g_set_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_NOT_FOUND,
                     _("There is no sale %lld"), (long long) sale_id);
      return NULL;
    }
  state = md_stmt_get_text (stmt, S_STATE);
  if (!g_str_equal (state, "posted"))
    {
      g_set_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_NO_RECEIPT,
                   g_str_equal (state, "voided")
                     ? _("Sale %lld was voided and has no receipt")
                     : _("Sale %lld is not settled yet and has no receipt"),
                   (long long) sale_id);
      return NULL;
    }

  receipt = _md_receipt_new (kind_from_sale (md_stmt_get_text (stmt, S_KIND)));
  receipt->sale_id = sale_id;
  receipt->number = md_receipt_format (md_stmt_get_text (stmt, S_TERMINAL),
                                       md_stmt_get_int64 (stmt, S_RECEIPT_NO));
  account_id = md_stmt_get_int64 (stmt, S_ACCOUNT_ID);
  water = g_strcmp0 (md_stmt_get_text (stmt, S_UTILITY), "water") == 0;
  system = g_strcmp0 (md_stmt_get_text (stmt, S_BILLING), "system") == 0;
  medium = md_stmt_get_text (stmt, S_MEDIUM);

  if (!(hash = _md_query_text (store, "SELECT hash FROM audit WHERE action = 'sale.post' "
                           "AND object = $1", object, &local_error)) && local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (reprint)
    {
      g_autofree char *done = _md_query_text (store, "SELECT CAST(count(*) AS TEXT) FROM audit "
                                          "WHERE action = 'receipt.reprint' AND object = $1",
                                          object, error);

      if (done == NULL)
        return NULL;
      receipt->reprint = TRUE;
      receipt->reprint_no = g_ascii_strtoll (done, NULL, 10) + 1;
    }

  room = _md_room_text (store, account_id, &site);
  meters = _md_joined (store, "SELECT address FROM meter WHERE account_id = $1 "
                   "AND state = 'installed' ORDER BY address", account_id);
  card = g_strcmp0 (medium, "card") == 0 ? g_strdup (md_stmt_get_text (stmt, S_TARGET))
    : _md_joined (store, "SELECT uid FROM card WHERE account_id = $1 AND status = 'active' "
              "AND kind IN ('purchase', 'replacement')", account_id);
  if (g_strcmp0 (medium, "remote") == 0)
    {
      g_free (meters);
      meters = g_strdup (md_stmt_get_text (stmt, S_TARGET));
    }
  if (!md_stmt_is_null (stmt, S_REF_NO))
    ref = md_receipt_format (md_stmt_get_text (stmt, S_REF_TERMINAL),
                             md_stmt_get_int64 (stmt, S_REF_NO));

  _md_fields_init (&f);
  _md_receipt_add_common (&f, store, md_stmt_get_text (stmt, S_TERMINAL), md_stmt_get_text (stmt, S_OPERATOR));
  _md_fields_text (&f, "site", _("Site"), site);
  _md_fields_text (&f, "approver", _("Approver"), md_stmt_get_text (stmt, S_APPROVER));
  _md_fields_text (&f, "receipt", _("Receipt"), receipt->number);
  _md_fields_int (&f, "time", _("Time"), MD_REPORT_TYPE_TIME, md_stmt_get_int64 (stmt, S_POSTED));
  if (reprint)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (md_clock_now () / G_USEC_PER_SEC);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, zone);
      g_autofree char *when = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
      g_autofree char *text = g_strdup_printf (_("reprint %lld, %s"),
                                               (long long) receipt->reprint_no, when);

      _md_fields_text (&f, "reprint", _("Reprint"), text);
    }
  _md_fields_text (&f, "customer", _("Customer"), md_stmt_get_text (stmt, S_CUSTOMER));
  _md_fields_text (&f, "account", _("Account"), md_stmt_get_text (stmt, S_ACCOUNT));
  _md_fields_text (&f, "category", _("Category"), md_stmt_get_text (stmt, S_CATEGORY));
  _md_fields_text (&f, "room", _("Room"), room);
  _md_fields_text (&f, "meter", _("Meter"), meters);
  _md_fields_text (&f, "card", _("Card"), card);
  _md_fields_text (&f, "medium", _("Medium"), medium_label (medium));
  _md_fields_text (&f, "tariff", _("Tariff"), md_stmt_get_text (stmt, S_TARIFF));
  _md_fields_int (&f, "amount", _("Amount"), MD_REPORT_TYPE_MONEY, md_stmt_get_int64 (stmt, S_AMOUNT));
  words = md_money_to_chinese (md_stmt_get_int64 (stmt, S_AMOUNT));
  _md_fields_text (&f, "amount_in_words", _("Amount in words"), words);
  if (md_stmt_get_int64 (stmt, S_ENERGY) != 0)
    _md_fields_int (&f, water ? "water" : "energy", water ? _("Water") : _("Energy"),
             water ? MD_REPORT_TYPE_VOLUME : MD_REPORT_TYPE_ENERGY,
             md_stmt_get_int64 (stmt, S_ENERGY));
  _md_fields_int (&f, "credit", _("Credit"), MD_REPORT_TYPE_MONEY, md_stmt_get_int64 (stmt, S_CREDIT));
  _md_fields_text (&f, "pay", _("Payment"), _md_pay_method_label (md_stmt_get_text (stmt, S_PAY)));
  _md_fields_text (&f, "pay_ref", _("Payment ref."), md_stmt_get_text (stmt, S_PAY_REF));
  if (system)
    {
      MdMoney before = 0, after = 0;

      if (!credit_around (store, sale_id, md_stmt_get_text (stmt, S_ACCOUNT), &before, &after,
                          error))
        {
          _md_fields_clear (&f);
          return NULL;
        }
      _md_fields_int (&f, "credit_before", _("Credit before"), MD_REPORT_TYPE_MONEY, before);
      _md_fields_int (&f, "credit_after", _("Credit after"), MD_REPORT_TYPE_MONEY, after);
    }
  count = md_stmt_get_int64 (stmt, S_PURCHASE_COUNT);
  if (md_stmt_is_null (stmt, S_PURCHASE_COUNT) && receipt->kind == MD_RECEIPT_SALE)
    {
      g_autofree char *account = g_strdup_printf ("%" G_GINT64_FORMAT, account_id);

      /* The ordinal of this purchase; the account is the only condition the
       * index can take (with state or id too SQLite may scan far more). */
      if (!_md_lookup_id (store, &count, NULL,
                          "SELECT SUM(CASE WHEN kind = 'sale' AND state = 'posted' "
                          "AND id <= CAST($2 AS BIGINT) THEN 1 ELSE 0 END) FROM sale "
                          "WHERE account_id = CAST($1 AS BIGINT)", account, id_text, NULL))
        count = 0;
    }
  if (count > 0)
    _md_fields_int (&f, "purchase_count", _("Purchase count"), MD_REPORT_TYPE_COUNT, count);
  /* The STS token of a token sale: the medium does not exist yet. */
  _md_fields_text (&f, "token", _("Token"), NULL);
  _md_fields_text (&f, "audit_hash", _("Audit hash"), hash);
  _md_fields_text (&f, "reason", _("Reason"), md_stmt_get_text (stmt, S_REASON));
  _md_fields_text (&f, "reverses", _("Reverses"), ref);

  if (!(lines = sale_lines (store, sale_id, water, md_stmt_get_text (stmt, S_QUOTE), error)))
    {
      _md_fields_clear (&f);
      return NULL;
    }
  g_ptr_array_add (receipt->tables, lines);
  receipt->fields = _md_fields_finish (&f, zone);
  amount = md_money_format (md_stmt_get_int64 (stmt, S_AMOUNT), MD_MONEY_STYLE_PLAIN);
  receipt->qr_text = _md_receipt_qr_text ("receipt", receipt->number, amount, hash);
  md_stmt_exec (stmt, NULL);
  return g_steal_pointer (&receipt);
}

typedef struct
{
  MdSession       *session;
  const MdReceipt *receipt;
} ReprintData;

static gboolean
reprint_txn (MdStore  *store,
             gpointer  user_data,
             GError  **error)
{
  ReprintData *data = user_data;
  g_autofree char *object = g_strdup_printf ("sale:%" G_GINT64_FORMAT, data->receipt->sale_id);
  g_autofree char *count = g_strdup_printf ("%lld", (long long) data->receipt->reprint_no);
  g_autofree char *detail = _md_detail ("receipt", data->receipt->number, "reprint", count, NULL);

  return _md_audit (store, data->session, 0, "receipt.reprint", object, detail, error);
}

/**
 * md_receipt_record_reprint:
 *
 * Records a reprint (补打) of @receipt in the audit chain
 * ("receipt.reprint"): call it once the reprint is out.
 */
gboolean
md_receipt_record_reprint (MdSession        *session,
                           const MdReceipt  *receipt,
                           GError          **error)
{
  ReprintData data = { session, receipt };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (receipt != NULL && receipt->reprint && receipt->sale_id > 0, FALSE);

  if (!_md_report_require (session, MD_PERM_VIEW, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), reprint_txn, &data, error);
}
