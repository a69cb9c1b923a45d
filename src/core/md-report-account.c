/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-pricing.h"
#include "md-report-private.h"

/*
 * Per-account reports: energy (or water) use by period with the same
 * periods a year earlier, and the combined money and energy trail with
 * opening and closing credit. Purchases come from the account's posted
 * sales, use from its billed readings (account_bill), credit from the
 * ledger when the account holds it (system-side billing).
 */

typedef struct
{
  gint64  id;
  char   *name;
  char   *billing;
  char   *utility;
} AccountInfo;

static void
account_info_clear (AccountInfo *info)
{
  g_free (info->name);
  g_free (info->billing);
  g_free (info->utility);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AccountInfo, account_info_clear)

static gboolean
load_account (MdStore      *store,
              const char   *no,
              AccountInfo  *out,
              GError      **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  if (!(stmt = md_store_prepare (store,
                                 "SELECT a.id, cu.name, a.billing, c.utility FROM account a "
                                 "JOIN customer cu ON cu.id = a.customer_id "
                                 "JOIN usage_category c ON c.id = a.category_id WHERE a.no = $1",
                                 error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, no);
  if (md_stmt_step (stmt, &local_error))
    {
      out->id = md_stmt_get_int64 (stmt, 0);
      out->name = g_strdup (md_stmt_get_text (stmt, 1));
      out->billing = g_strdup (md_stmt_get_text (stmt, 2));
      out->utility = g_strdup (md_stmt_get_text (stmt, 3));
      md_stmt_exec (stmt, NULL);
      return TRUE;
    }
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  else
    g_set_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_NOT_FOUND, _("There is no account %s"),
                 no);
  return FALSE;
}

/* Steps @stmt (slot, sum…; $1 origin, $2 step, $3 end bound here, $4 by
 * the caller) and adds each row into @sums[bucket * n_sums + i]. */
static gboolean
sum_by_bucket (MdStmt           *stmt,
               MdReportBuckets  *buckets,
               guint             n_sums,
               gint64           *sums,
               GError          **error)
{
  GError *local_error = NULL;

  md_stmt_bind_int64 (stmt, 1, buckets->origin);
  md_stmt_bind_int64 (stmt, 2, buckets->step);
  md_stmt_bind_int64 (stmt, 3, _md_report_buckets_end (buckets));
  while (md_stmt_step (stmt, &local_error))
    {
      guint bucket = _md_report_buckets_find (buckets, md_stmt_get_int64 (stmt, 0));

      if (bucket == G_MAXUINT)
        continue;
      for (guint i = 0; i < n_sums; i++)
        sums[bucket * n_sums + i] += md_stmt_get_int64 (stmt, 1 + i);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

#define PURCHASES_SQL \
  "SELECT (posted_at - CAST($1 AS BIGINT)) / CAST($2 AS BIGINT), SUM(energy), " \
  "SUM(CASE WHEN kind = 'sale' THEN credit ELSE 0 END), " \
  "SUM(CASE WHEN kind <> 'sale' THEN credit ELSE 0 END) " \
  "FROM sale WHERE account_id = CAST($4 AS BIGINT) AND state = 'posted' " \
  "AND kind IN ('sale', 'reversal', 'grant', 'carry', 'refund', 'offset', 'settlement') " \
  "AND posted_at >= CAST($1 AS BIGINT) AND posted_at < CAST($3 AS BIGINT) GROUP BY 1"
/* A billed run belongs to the period its end falls in: (start, end]. */
#define BILLS_SQL \
  "SELECT (to_at - 1 - CAST($1 AS BIGINT)) / CAST($2 AS BIGINT), SUM(energy), SUM(amount) " \
  "FROM account_bill WHERE account_id = CAST($4 AS BIGINT) " \
  "AND to_at > CAST($1 AS BIGINT) AND to_at <= CAST($3 AS BIGINT) GROUP BY 1"

enum { P_ENERGY, P_PAID, P_OTHER, N_P };
enum { B_ENERGY, B_AMOUNT, N_B };

static gboolean
account_sums (MdStore          *store,
              gint64            account_id,
              MdReportBuckets  *buckets,
              gint64           *purchases,
              gint64           *bills,
              GError          **error)
{
  g_autoptr(MdStmt) p = NULL;
  g_autoptr(MdStmt) b = NULL;

  if (!(p = md_store_prepare (store, PURCHASES_SQL, error)))
    return FALSE;
  md_stmt_bind_int64 (p, 4, account_id);
  if (!sum_by_bucket (p, buckets, N_P, purchases, error))
    return FALSE;
  if (!(b = md_store_prepare (store, BILLS_SQL, error)))
    return FALSE;
  md_stmt_bind_int64 (b, 4, account_id);
  return sum_by_bucket (b, buckets, N_B, bills, error);
}

static void
add_account_param (MdReportTable     *table,
                   const char        *no,
                   const AccountInfo *info)
{
  g_autofree char *text = g_strdup_printf ("%s %s", no, info->name);

  md_report_table_add_param (table, "account", _("Account"), text);
}

static void
set_change (MdReportTable *table,
            guint          row,
            guint          column,
            gint64         now,
            gint64         before)
{
  gint64 change;

  if (_md_report_percent_change (now, before, &change))
    md_report_table_set_int (table, row, column, change);
}

/**
 * md_report_energy:
 *
 * Energy (kWh) or water (m³) of one account by period: bought (posted
 * sales, grants and corrections) and used (billed readings), each beside
 * the same period a year earlier and the change in percent; with a bar
 * chart of bought against used and a line chart of the year over year.
 *
 * Returns: (transfer full): the table, or %NULL with @error set
 */
MdReportTable *
md_report_energy (MdSession            *session,
                  const char           *account_no,
                  const MdReportRange  *range,
                  MdReportPeriod        period,
                  GError              **error)
{
  MdStore *store;
  g_auto(AccountInfo) info = { 0 };
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(MdReportBuckets) now = NULL;
  g_autoptr(MdReportBuckets) before = NULL;
  g_autoptr(MdReportTable) table = NULL;
  g_autofree gint64 *p = NULL, *b = NULL, *p_before = NULL, *b_before = NULL;
  gboolean water;
  gboolean has_bills = FALSE;
  MdReportType type;
  const char *unit;
  guint n, c_period, c_bought, c_paid, c_used, c_billed, c_bought_ly, c_used_ly, c_bought_chg,
        c_used_chg;

  g_return_val_if_fail (account_no != NULL && range != NULL, NULL);

  if (!_md_report_require (session, MD_PERM_REPORT, error))
    return NULL;
  store = md_session_get_store (session);
  if (!load_account (store, account_no, &info, error))
    return NULL;
  zone = md_site_timezone (store);
  now = _md_report_buckets_new (zone, range, period);
  before = _md_report_buckets_years_back (now, zone);
  n = _md_report_buckets_count (now);
  p = g_new0 (gint64, n * N_P);
  b = g_new0 (gint64, n * N_B);
  p_before = g_new0 (gint64, n * N_P);
  b_before = g_new0 (gint64, n * N_B);
  if (!account_sums (store, info.id, now, p, b, error) ||
      !account_sums (store, info.id, before, p_before, b_before, error))
    return NULL;

  water = g_strcmp0 (info.utility, "water") == 0;
  type = water ? MD_REPORT_TYPE_VOLUME : MD_REPORT_TYPE_ENERGY;
  unit = water ? "m³" : "kWh";
  table = _md_report_table_new (store, "energy", water ? _("Water use") : _("Energy use"));
  add_account_param (table, account_no, &info);
  _md_report_add_range (table, range, period);

  c_period = md_report_table_add_column (table, "period", _("Period"), NULL, MD_REPORT_TYPE_TEXT,
                                         MD_REPORT_COLUMN_KEY);
  c_bought = md_report_table_add_column (table, "purchased", _("Purchased"), unit, type,
                                         MD_REPORT_COLUMN_TOTAL);
  c_paid = md_report_table_add_column (table, "paid", _("Paid"), _("yuan"), MD_REPORT_TYPE_MONEY,
                                       MD_REPORT_COLUMN_TOTAL);
  c_used = md_report_table_add_column (table, "consumed", _("Consumed"), unit, type,
                                       MD_REPORT_COLUMN_TOTAL);
  c_billed = md_report_table_add_column (table, "billed", _("Billed"), _("yuan"),
                                         MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_TOTAL);
  c_bought_ly = md_report_table_add_column (table, "purchased_last_year",
                                            _("Purchased a year earlier"), unit, type,
                                            MD_REPORT_COLUMN_TOTAL);
  c_used_ly = md_report_table_add_column (table, "consumed_last_year",
                                          _("Consumed a year earlier"), unit, type,
                                          MD_REPORT_COLUMN_TOTAL);
  c_bought_chg = md_report_table_add_column (table, "purchased_change", _("Purchases change"),
                                             NULL, MD_REPORT_TYPE_PERCENT, MD_REPORT_COLUMN_NONE);
  c_used_chg = md_report_table_add_column (table, "consumed_change", _("Use change"), NULL,
                                           MD_REPORT_TYPE_PERCENT, MD_REPORT_COLUMN_NONE);

  for (guint i = 0; i < n; i++)
    {
      guint row = md_report_table_append_row (table);

      md_report_table_set_text (table, row, c_period, now->labels->pdata[i]);
      md_report_table_set_int (table, row, c_bought, p[i * N_P + P_ENERGY]);
      md_report_table_set_int (table, row, c_paid, p[i * N_P + P_PAID] + p[i * N_P + P_OTHER]);
      md_report_table_set_int (table, row, c_used, b[i * N_B + B_ENERGY]);
      md_report_table_set_int (table, row, c_billed, b[i * N_B + B_AMOUNT]);
      md_report_table_set_int (table, row, c_bought_ly, p_before[i * N_P + P_ENERGY]);
      md_report_table_set_int (table, row, c_used_ly, b_before[i * N_B + B_ENERGY]);
      set_change (table, row, c_bought_chg, p[i * N_P + P_ENERGY], p_before[i * N_P + P_ENERGY]);
      set_change (table, row, c_used_chg, b[i * N_B + B_ENERGY], b_before[i * N_B + B_ENERGY]);
      has_bills = has_bills || b[i * N_B + B_ENERGY] != 0 || b_before[i * N_B + B_ENERGY] != 0;
    }
  md_report_table_compute_totals (table, _("Total"));
  {
    gint64 change;
    const MdReportValue *tb = md_report_table_get_total (table, c_bought);
    const MdReportValue *tbl = md_report_table_get_total (table, c_bought_ly);
    const MdReportValue *tu = md_report_table_get_total (table, c_used);
    const MdReportValue *tul = md_report_table_get_total (table, c_used_ly);

    if (_md_report_percent_change (tb->number, tbl->number, &change))
      _md_report_table_set_total (table, c_bought_chg, FALSE, change);
    if (_md_report_percent_change (tu->number, tul->number, &change))
      _md_report_table_set_total (table, c_used_chg, FALSE, change);
  }

  {
    guint bars[] = { c_bought, c_used };
    guint lines[] = { has_bills ? c_used : c_bought, has_bills ? c_used_ly : c_bought_ly };

    md_report_table_add_chart (table, MD_REPORT_CHART_BAR, _("Purchased and consumed"), c_period,
                               bars, G_N_ELEMENTS (bars));
    md_report_table_add_chart (table, MD_REPORT_CHART_LINE, _("Year over year"), c_period, lines,
                               G_N_ELEMENTS (lines));
  }
  return g_steal_pointer (&table);
}

#define LEDGER_SQL \
  "SELECT (l.at - CAST($1 AS BIGINT)) / CAST($2 AS BIGINT), " \
  "SUM(CASE WHEN s.kind = 'sale' THEN -l.delta ELSE 0 END), " \
  "SUM(CASE WHEN l.sale_id IS NOT NULL AND s.kind <> 'sale' THEN -l.delta ELSE 0 END), " \
  "SUM(CASE WHEN l.sale_id IS NULL THEN -l.delta ELSE 0 END) " \
  "FROM ledger l LEFT JOIN sale s ON s.id = l.sale_id " \
  "WHERE l.account = $4 AND l.at >= CAST($1 AS BIGINT) AND l.at < CAST($3 AS BIGINT) GROUP BY 1"

enum { L_PAID, L_OTHER, L_DEDUCTED, N_L };

static gboolean
query_int (MdStore     *store,
           const char  *sql,
           const char  *text,
           gint64       number,
           gint64      *out_value,
           GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  *out_value = 0;
  if (!(stmt = md_store_prepare (store, sql, error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, text);
  md_stmt_bind_int64 (stmt, 2, number);
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

/**
 * md_report_trail:
 *
 * The combined money and energy trail of one account by period: opening
 * credit, money paid in, corrections (reversals, refunds, offsets,
 * settlement), deductions, closing credit; energy bought and used, and
 * what the readings were billed. Credit is the ledger's for a
 * system-billed account (closing = opening + paid in + corrections +
 * deductions, to the fen); for credit held in a meter or card the books do
 * not know it, and the trail shows the energy balance instead when the
 * account has readings.
 *
 * Returns: (transfer full): the table, or %NULL with @error set
 */
MdReportTable *
md_report_trail (MdSession            *session,
                 const char           *account_no,
                 const MdReportRange  *range,
                 MdReportPeriod        period,
                 GError              **error)
{
  MdStore *store;
  g_auto(AccountInfo) info = { 0 };
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(MdReportBuckets) buckets = NULL;
  g_autoptr(MdReportTable) table = NULL;
  g_autofree gint64 *p = NULL, *b = NULL, *l = NULL;
  g_autofree char *prepaid = g_strdup_printf ("prepaid:%s", account_no);
  gboolean system, water, energy_known = FALSE;
  gint64 credit = 0, energy = 0;
  MdReportType type;
  const char *unit;
  guint n, c_period, c_open, c_paid, c_other, c_deducted, c_close, c_bought, c_used, c_billed,
        c_balance;

  g_return_val_if_fail (account_no != NULL && range != NULL, NULL);

  if (!_md_report_require (session, MD_PERM_REPORT, error))
    return NULL;
  store = md_session_get_store (session);
  if (!load_account (store, account_no, &info, error))
    return NULL;
  zone = md_site_timezone (store);
  buckets = _md_report_buckets_new (zone, range, period);
  n = _md_report_buckets_count (buckets);
  p = g_new0 (gint64, n * N_P);
  b = g_new0 (gint64, n * N_B);
  l = g_new0 (gint64, n * N_L);
  system = g_strcmp0 (info.billing, "system") == 0;
  if (!account_sums (store, info.id, buckets, p, b, error))
    return NULL;

  if (system)
    {
      g_autoptr(MdStmt) stmt = NULL;

      if (!query_int (store, "SELECT COALESCE(SUM(-delta), 0) FROM ledger "
                      "WHERE account = $1 AND at < CAST($2 AS BIGINT)", prepaid, range->from,
                      &credit, error) ||
          !(stmt = md_store_prepare (store, LEDGER_SQL, error)))
        return NULL;
      md_stmt_bind_text (stmt, 4, prepaid);
      if (!sum_by_bucket (stmt, buckets, N_L, l, error))
        return NULL;
    }
  else
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, info.id);
      gint64 bought = 0, used = 0, any = 0;

      /* The energy left is known from readings only: bought minus used. */
      if (!query_int (store, "SELECT count(*) FROM account_bill WHERE account_id = "
                      "CAST($1 AS BIGINT) AND to_at <= CAST($2 AS BIGINT)", id,
                      range->to, &any, error) ||
          !query_int (store, "SELECT COALESCE(SUM(energy), 0) FROM sale WHERE account_id = "
                      "CAST($1 AS BIGINT) AND state = 'posted' AND posted_at < CAST($2 AS BIGINT)",
                      id, range->from, &bought, error) ||
          !query_int (store, "SELECT COALESCE(SUM(energy), 0) FROM account_bill WHERE account_id = "
                      "CAST($1 AS BIGINT) AND to_at <= CAST($2 AS BIGINT)", id, range->from,
                      &used, error))
        return NULL;
      energy_known = any > 0;
      energy = bought - used;
    }

  water = g_strcmp0 (info.utility, "water") == 0;
  type = water ? MD_REPORT_TYPE_VOLUME : MD_REPORT_TYPE_ENERGY;
  unit = water ? "m³" : "kWh";
  table = _md_report_table_new (store, "trail", _("Account trail"));
  add_account_param (table, account_no, &info);
  _md_report_add_range (table, range, period);
  md_report_table_add_param (table, "credit", _("Credit balance"),
                             system ? _("held in the account; from the ledger")
                                    : _("held in the meter or on the card; not in the books"));
  c_period = md_report_table_add_column (table, "period", _("Period"), NULL, MD_REPORT_TYPE_TEXT,
                                         MD_REPORT_COLUMN_KEY);
  c_open = md_report_table_add_column (table, "opening", _("Opening credit"), _("yuan"),
                                       MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_NONE);
  c_paid = md_report_table_add_column (table, "paid_in", _("Paid in"), _("yuan"),
                                       MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_TOTAL);
  c_other = md_report_table_add_column (table, "corrections", _("Corrections"), _("yuan"),
                                        MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_TOTAL);
  c_deducted = md_report_table_add_column (table, "deductions", _("Deductions"), _("yuan"),
                                           MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_TOTAL);
  c_close = md_report_table_add_column (table, "closing", _("Closing credit"), _("yuan"),
                                        MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_NONE);
  c_bought = md_report_table_add_column (table, "purchased", _("Purchased"), unit, type,
                                         MD_REPORT_COLUMN_TOTAL);
  c_used = md_report_table_add_column (table, "consumed", _("Consumed"), unit, type,
                                       MD_REPORT_COLUMN_TOTAL);
  c_billed = md_report_table_add_column (table, "billed", _("Billed"), _("yuan"),
                                         MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_TOTAL);
  c_balance = md_report_table_add_column (table, "energy_balance", _("Energy left"), unit, type,
                                          MD_REPORT_COLUMN_NONE);

  for (guint i = 0; i < n; i++)
    {
      guint row = md_report_table_append_row (table);

      md_report_table_set_text (table, row, c_period, buckets->labels->pdata[i]);
      if (system)
        {
          md_report_table_set_int (table, row, c_open, credit);
          md_report_table_set_int (table, row, c_paid, l[i * N_L + L_PAID]);
          md_report_table_set_int (table, row, c_other, l[i * N_L + L_OTHER]);
          md_report_table_set_int (table, row, c_deducted, l[i * N_L + L_DEDUCTED]);
          credit += l[i * N_L + L_PAID] + l[i * N_L + L_OTHER] + l[i * N_L + L_DEDUCTED];
          md_report_table_set_int (table, row, c_close, credit);
        }
      else
        {
          md_report_table_set_int (table, row, c_paid, p[i * N_P + P_PAID]);
          md_report_table_set_int (table, row, c_other, p[i * N_P + P_OTHER]);
          energy += p[i * N_P + P_ENERGY] - b[i * N_B + B_ENERGY];
          if (energy_known)
            md_report_table_set_int (table, row, c_balance, energy);
        }
      md_report_table_set_int (table, row, c_bought, p[i * N_P + P_ENERGY]);
      md_report_table_set_int (table, row, c_used, b[i * N_B + B_ENERGY]);
      md_report_table_set_int (table, row, c_billed, b[i * N_B + B_AMOUNT]);
    }
  md_report_table_compute_totals (table, _("Total"));
  if (n > 0 && system)
    {
      _md_report_table_set_total (table, c_open, FALSE,
                                  md_report_table_get_value (table, 0, c_open)->number);
      _md_report_table_set_total (table, c_close, FALSE, credit);
    }
  if (n > 0 && !system)
    {
      _md_report_table_set_total (table, c_deducted, TRUE, 0);
      if (energy_known)
        _md_report_table_set_total (table, c_balance, FALSE, energy);
    }

  {
    guint series[] = { c_bought, c_used };

    md_report_table_add_chart (table, MD_REPORT_CHART_BAR, _("Purchased and consumed"), c_period,
                               series, G_N_ELEMENTS (series));
  }
  return g_steal_pointer (&table);
}
