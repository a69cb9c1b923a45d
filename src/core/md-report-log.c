/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-clock.h"
#include "md-report-private.h"

#define DAY_USEC ((gint64) 24 * 3600 * G_USEC_PER_SEC)

/*
 * List reports straight from their tables: cash shifts, the operation log
 * (the audit chain), alerts, and meters that have gone quiet.
 */

typedef struct
{
  const char          *key;
  const char          *label;
  gboolean             money_unit;
  MdReportType         type;
  MdReportColumnFlags  flags;
} ColumnSpec;

static void
add_columns (MdReportTable    *table,
             const ColumnSpec *specs,
             guint             n)
{
  for (guint i = 0; i < n; i++)
    md_report_table_add_column (table, specs[i].key, _(specs[i].label),
                                specs[i].money_unit ? _("yuan") : NULL, specs[i].type,
                                specs[i].flags);
}

/* One table row per result row, column for column. */
static gboolean
fill_rows (MdReportTable  *table,
           MdStmt         *stmt,
           GError        **error)
{
  guint n = md_report_table_get_n_columns (table);
  GError *local_error = NULL;

  while (md_stmt_step (stmt, &local_error))
    {
      guint row = md_report_table_append_row (table);

      for (guint c = 0; c < n; c++)
        {
          if (md_stmt_is_null (stmt, c))
            continue;
          if (md_report_table_get_column (table, c)->type == MD_REPORT_TYPE_TEXT)
            md_report_table_set_text (table, row, c, md_stmt_get_text (stmt, c));
          else
            md_report_table_set_int (table, row, c, md_stmt_get_int64 (stmt, c));
        }
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static const ColumnSpec shift_columns[] = {
  { "terminal", N_("Terminal"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_KEY },
  { "shift", N_("Shift"), FALSE, MD_REPORT_TYPE_COUNT, MD_REPORT_COLUMN_NONE },
  { "operator", N_("Operator"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "opened", N_("Opened"), FALSE, MD_REPORT_TYPE_TIME, MD_REPORT_COLUMN_NONE },
  { "closed", N_("Closed"), FALSE, MD_REPORT_TYPE_TIME, MD_REPORT_COLUMN_NONE },
  { "float", N_("Float"), TRUE, MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_TOTAL },
  { "sales", N_("Net received"), TRUE, MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_TOTAL },
  { "expected", N_("Expected cash"), TRUE, MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_TOTAL },
  { "counted", N_("Counted"), TRUE, MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_TOTAL },
  { "over_short", N_("Over/short"), TRUE, MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_TOTAL },
  { "z_no", N_("Z number"), FALSE, MD_REPORT_TYPE_COUNT, MD_REPORT_COLUMN_NONE },
};

/**
 * md_report_shifts:
 * @terminal: (nullable): one terminal, or all
 *
 * The cash shifts opened in @range: float, what was taken in, the drawer
 * expected and counted at close, over/short and the Z number.
 *
 * Returns: (transfer full): the table, or %NULL with @error set
 */
MdReportTable *
md_report_shifts (MdSession            *session,
                  const MdReportRange  *range,
                  const char           *terminal,
                  GError              **error)
{
  MdStore *store;
  g_autoptr(MdReportTable) table = NULL;
  g_autoptr(MdStmt) stmt = NULL;

  if (!_md_report_require (session, MD_PERM_REPORT, error))
    return NULL;
  store = md_session_get_store (session);
  if (!(stmt = md_store_prepare (store,
                                 "SELECT h.terminal, h.id, o.name, h.opened_at, h.closed_at, "
                                 "h.float_amount, (SELECT COALESCE(SUM(s.amount), 0) FROM sale s "
                                 "  WHERE s.shift_id = h.id AND s.state = 'posted'), "
                                 "h.expected, h.counted, h.counted - h.expected, h.z_no "
                                 "FROM shift h LEFT JOIN operator o ON o.id = h.operator_id "
                                 "WHERE h.opened_at >= CAST($1 AS BIGINT) "
                                 "AND h.opened_at < CAST($2 AS BIGINT) "
                                 "AND ($3 = '' OR h.terminal = $3) ORDER BY h.opened_at, h.id",
                                 error)))
    return NULL;
  md_stmt_bind_int64 (stmt, 1, range->from);
  md_stmt_bind_int64 (stmt, 2, range->to);
  md_stmt_bind_text (stmt, 3, terminal != NULL ? terminal : "");

  table = _md_report_table_new (store, "shifts", _("Cash shifts"));
  _md_report_add_range (table, range, MD_REPORT_PERIOD_ALL);
  if (terminal != NULL)
    md_report_table_add_param (table, "terminal", _("Terminal"), terminal);
  add_columns (table, shift_columns, G_N_ELEMENTS (shift_columns));
  if (!fill_rows (table, stmt, error))
    return NULL;
  md_report_table_compute_totals (table, _("Total"));
  return g_steal_pointer (&table);
}

static gboolean
operator_exists (MdStore     *store,
                 const char  *name,
                 GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  if (!(stmt = md_store_prepare (store, "SELECT id FROM operator WHERE name = $1", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, name);
  if (md_stmt_step (stmt, &local_error))
    {
      md_stmt_exec (stmt, NULL);
      return TRUE;
    }
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  else
    g_set_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_NOT_FOUND, _("There is no operator %s"),
                 name);
  return FALSE;
}

static const ColumnSpec audit_columns[] = {
  { "seq", N_("Audit row"), FALSE, MD_REPORT_TYPE_COUNT, MD_REPORT_COLUMN_NONE },
  { "at", N_("Time"), FALSE, MD_REPORT_TYPE_TIME, MD_REPORT_COLUMN_NONE },
  { "terminal", N_("Terminal"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "operator", N_("Operator"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "approver", N_("Approver"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "action", N_("Action"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "object", N_("Object"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "detail", N_("Detail"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
};

/**
 * md_report_audit_log:
 * @operator_name: (nullable): only this operator's actions
 * @action_prefix: (nullable): only actions starting so ("sale.", "receipt.")
 *
 * The operation log: the audit chain's rows in @range, oldest first. Needs
 * the audit permission as well as the report one.
 *
 * Returns: (transfer full): the table, or %NULL with @error set
 */
MdReportTable *
md_report_audit_log (MdSession            *session,
                     const MdReportRange  *range,
                     const char           *operator_name,
                     const char           *action_prefix,
                     GError              **error)
{
  MdStore *store;
  g_autoptr(MdReportTable) table = NULL;
  g_autoptr(MdStmt) stmt = NULL;

  if (!_md_report_require (session, MD_PERM_REPORT, error) ||
      !_md_report_require (session, MD_PERM_AUDIT, error))
    return NULL;
  store = md_session_get_store (session);
  if (operator_name != NULL && !operator_exists (store, operator_name, error))
    return NULL;
  if (!(stmt = md_store_prepare (store,
                                 "SELECT a.seq, a.at, a.terminal, o.name, ap.name, a.action, "
                                 "a.object, a.detail FROM audit a "
                                 "LEFT JOIN operator o ON o.id = a.operator_id "
                                 "LEFT JOIN operator ap ON ap.id = a.approver_id "
                                 "WHERE a.at >= CAST($1 AS BIGINT) AND a.at < CAST($2 AS BIGINT) "
                                 "AND ($3 = '' OR o.name = $3) "
                                 "AND ($4 = '' OR substr(a.action, 1, length($4)) = $4) "
                                 "ORDER BY a.seq", error)))
    return NULL;
  md_stmt_bind_int64 (stmt, 1, range->from);
  md_stmt_bind_int64 (stmt, 2, range->to);
  md_stmt_bind_text (stmt, 3, operator_name != NULL ? operator_name : "");
  md_stmt_bind_text (stmt, 4, action_prefix != NULL ? action_prefix : "");

  table = _md_report_table_new (store, "audit", _("Operation log"));
  _md_report_add_range (table, range, MD_REPORT_PERIOD_ALL);
  if (operator_name != NULL)
    md_report_table_add_param (table, "operator", _("Operator"), operator_name);
  if (action_prefix != NULL)
    md_report_table_add_param (table, "action", _("Action"), action_prefix);
  add_columns (table, audit_columns, G_N_ELEMENTS (audit_columns));
  if (!fill_rows (table, stmt, error))
    return NULL;
  return g_steal_pointer (&table);
}

static const ColumnSpec alert_columns[] = {
  { "alert", N_("Alert"), FALSE, MD_REPORT_TYPE_COUNT, MD_REPORT_COLUMN_NONE },
  { "at", N_("Time"), FALSE, MD_REPORT_TYPE_TIME, MD_REPORT_COLUMN_NONE },
  { "terminal", N_("Terminal"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "kind", N_("Kind"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "object", N_("Object"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "message", N_("Message"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "acknowledged", N_("Acknowledged"), FALSE, MD_REPORT_TYPE_TIME, MD_REPORT_COLUMN_NONE },
  { "acknowledged_by", N_("Acknowledged by"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
};

/**
 * md_report_alerts:
 * @kind: (nullable): only alerts of this kind ("card.mismatch"…)
 * @open_only: only those not yet acknowledged
 *
 * The alarm history: alerts raised in @range, oldest first.
 *
 * Returns: (transfer full): the table, or %NULL with @error set
 */
MdReportTable *
md_report_alerts (MdSession            *session,
                  const MdReportRange  *range,
                  const char           *kind,
                  gboolean              open_only,
                  GError              **error)
{
  MdStore *store;
  g_autoptr(MdReportTable) table = NULL;
  g_autoptr(MdStmt) stmt = NULL;

  if (!_md_report_require (session, MD_PERM_REPORT, error))
    return NULL;
  store = md_session_get_store (session);
  if (!(stmt = md_store_prepare (store,
                                 "SELECT l.id, l.at, l.terminal, l.kind, l.object, l.message, "
                                 "l.acknowledged_at, o.name FROM alert l "
                                 "LEFT JOIN operator o ON o.id = l.acknowledged_by "
                                 "WHERE l.at >= CAST($1 AS BIGINT) AND l.at < CAST($2 AS BIGINT) "
                                 "AND ($3 = '' OR l.kind = $3) "
                                 "AND (CAST($4 AS BIGINT) = 0 OR l.acknowledged_at IS NULL) "
                                 "ORDER BY l.id", error)))
    return NULL;
  md_stmt_bind_int64 (stmt, 1, range->from);
  md_stmt_bind_int64 (stmt, 2, range->to);
  md_stmt_bind_text (stmt, 3, kind != NULL ? kind : "");
  md_stmt_bind_int64 (stmt, 4, open_only ? 1 : 0);

  table = _md_report_table_new (store, "alerts", _("Alarm history"));
  _md_report_add_range (table, range, MD_REPORT_PERIOD_ALL);
  if (kind != NULL)
    md_report_table_add_param (table, "kind", _("Kind"), kind);
  if (open_only)
    md_report_table_add_param (table, "open", _("Shown"), _("not yet acknowledged"));
  add_columns (table, alert_columns, G_N_ELEMENTS (alert_columns));
  if (!fill_rows (table, stmt, error))
    return NULL;
  return g_steal_pointer (&table);
}

static const ColumnSpec offline_columns[] = {
  { "meter", N_("Meter"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "utility", N_("Utility"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "model", N_("Model"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "account", N_("Account"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "room", N_("Room"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "bus", N_("Bus"), FALSE, MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE },
  { "last_reading", N_("Last reading"), FALSE, MD_REPORT_TYPE_TIME, MD_REPORT_COLUMN_NONE },
  { "days_silent", N_("Days without reading"), FALSE, MD_REPORT_TYPE_COUNT,
    MD_REPORT_COLUMN_NONE },
};

/**
 * md_report_offline:
 * @days: how long without a reading makes a meter suspect
 *
 * Installed meters without a billed reading for @days days, or none at all.
 * The schema has no online state yet (the bus poller will record it):
 * until then the last billed reading is what the books know.
 *
 * Returns: (transfer full): the table, or %NULL with @error set
 */
MdReportTable *
md_report_offline (MdSession  *session,
                   gint64      days,
                   GError    **error)
{
  MdStore *store;
  g_autoptr(MdReportTable) table = NULL;
  g_autoptr(MdReportTable) all = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *limit = NULL;
  gint64 now = md_clock_now ();
  guint n_columns;

  g_return_val_if_fail (days >= 0 && days <= MD_REPORT_MAX_DAYS, NULL);

  if (!_md_report_require (session, MD_PERM_REPORT, error))
    return NULL;
  store = md_session_get_store (session);
  /* The newest reading of each meter: the account's bills, newest first
   * on the (account_id, to_at) index. */
  if (!(stmt = md_store_prepare (store,
                                 "SELECT m.address, m.utility, m.model, a.no, "
                                 "st.code || '/' || b.code || '/' || f.code || '/' || r.code, "
                                 "bu.name, (SELECT bl.to_at FROM account_bill bl "
                                 "  WHERE bl.account_id = m.account_id AND bl.meter_id = m.id "
                                 "  ORDER BY bl.to_at DESC LIMIT 1), NULL "
                                 "FROM meter m LEFT JOIN account a ON a.id = m.account_id "
                                 "LEFT JOIN bus bu ON bu.id = m.bus_id "
                                 "LEFT JOIN room r ON r.id = m.room_id "
                                 "LEFT JOIN floor f ON f.id = r.floor_id "
                                 "LEFT JOIN building b ON b.id = f.building_id "
                                 "LEFT JOIN site st ON st.id = b.site_id "
                                 "WHERE m.state = 'installed' ORDER BY m.address", error)))
    return NULL;

  all = md_report_table_new ("offline", "");
  add_columns (all, offline_columns, G_N_ELEMENTS (offline_columns));
  if (!fill_rows (all, stmt, error))
    return NULL;

  table = _md_report_table_new (store, "offline", _("Meters without readings"));
  limit = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%lld day", "%lld days", days),
                           (long long) days);
  md_report_table_add_param (table, "days", _("Silent for at least"), limit);
  md_report_table_add_param (table, "note", _("Note"),
                             _("Meters have no online state yet: a meter is listed when its last "
                               "billed reading is older than the limit, or when it has none"));
  add_columns (table, offline_columns, G_N_ELEMENTS (offline_columns));
  n_columns = md_report_table_get_n_columns (all);
  for (guint r = 0; r < md_report_table_get_n_rows (all); r++)
    {
      const MdReportValue *last = md_report_table_get_value (all, r, 6);
      guint row;

      if (!last->is_null && now - last->number < days * DAY_USEC)
        continue;
      row = md_report_table_append_row (table);
      for (guint c = 0; c < n_columns; c++)
        {
          const MdReportValue *v = md_report_table_get_value (all, r, c);

          if (v->is_null)
            continue;
          if (md_report_table_get_column (all, c)->type == MD_REPORT_TYPE_TEXT)
            md_report_table_set_text (table, row, c, v->text);
          else
            md_report_table_set_int (table, row, c, v->number);
        }
      if (!last->is_null)
        md_report_table_set_int (table, row, 7, (now - last->number) / DAY_USEC);
    }
  return g_steal_pointer (&table);
}
