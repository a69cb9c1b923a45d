/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-pricing.h"
#include "md-report-private.h"
#include "md-validate.h"

G_DEFINE_QUARK (md-report-error-quark, md_report_error)

static const char * const period_names[] = { "all", "day", "month", "year" };
static const char * const by_names[] = {
  "none", "line", "area", "category", "building", "operator", "payment", "terminal",
};

/* "2026", "2026-03" or "2026-03-15" → the first or the last day it names. */
static gboolean
parse_day (const char  *text,
           gboolean     last,
           GDate       *out_date,
           GError     **error)
{
  gsize len = text != NULL ? strlen (text) : 0;
  guint year = 0, month = 1, day = 1;
  gboolean ok = len == 4 || len == 7 || len == 10;

  for (gsize i = 0; ok && i < len; i++)
    ok = (i == 4 || i == 7) ? text[i] == '-' : g_ascii_isdigit (text[i]);
  if (ok)
    {
      year = (guint) g_ascii_strtoull (text, NULL, 10);
      if (len >= 7)
        month = (guint) g_ascii_strtoull (text + 5, NULL, 10);
      if (len == 10)
        day = (guint) g_ascii_strtoull (text + 8, NULL, 10);
      ok = year >= 1970 && year <= 9998 && g_date_valid_dmy (day, month, year);
    }
  if (!ok)
    {
      g_autofree char *shown = md_input_quote (text != NULL ? text : "");

      g_set_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_DATE,
                   _("“%s” is not a date: use YYYY-MM-DD, YYYY-MM or YYYY"), shown);
      return FALSE;
    }

  g_date_clear (out_date, 1);
  g_date_set_dmy (out_date, day, month, year);
  if (last && len == 4)
    g_date_set_dmy (out_date, 31, 12, year);
  else if (last && len == 7)
    g_date_set_dmy (out_date, g_date_get_days_in_month (month, year), month, year);
  return TRUE;
}

static gint64
local_midnight (GTimeZone   *zone,
                const GDate *date)
{
  g_autoptr(GDateTime) dt = g_date_time_new (zone, g_date_get_year (date),
                                             g_date_get_month (date), g_date_get_day (date),
                                             0, 0, 0);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

/**
 * md_report_range_parse:
 * @from: the first day: YYYY-MM-DD, or YYYY-MM / YYYY for its first day
 * @to: the last day, inclusive: YYYY-MM-DD, or YYYY-MM / YYYY for its last
 *
 * Days are local to the site's zone: `--from 2026-03 --to 2026-03` is
 * March, `--from 2026 --to 2026` the year.
 */
gboolean
md_report_range_parse (MdStore        *store,
                       const char     *from,
                       const char     *to,
                       MdReportRange  *out_range,
                       GError        **error)
{
  g_autoptr(GTimeZone) zone = md_site_timezone (store);
  GDate first, last;

  if (!parse_day (from, FALSE, &first, error) || !parse_day (to, TRUE, &last, error))
    return FALSE;

  g_date_strftime (out_range->from_day, sizeof out_range->from_day, "%Y-%m-%d", &first);
  g_date_strftime (out_range->to_day, sizeof out_range->to_day, "%Y-%m-%d", &last);
  if (g_date_compare (&last, &first) < 0)
    {
      g_set_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_RANGE,
                   _("The range ends (%s) before it starts (%s)"), out_range->to_day,
                   out_range->from_day);
      return FALSE;
    }
  if (g_date_days_between (&first, &last) >= MD_REPORT_MAX_DAYS)
    {
      g_set_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_RANGE,
                   ngettext ("The range is too long: at most %d day",
                             "The range is too long: at most %d days", MD_REPORT_MAX_DAYS),
                   MD_REPORT_MAX_DAYS);
      return FALSE;
    }

  g_date_add_days (&last, 1);
  out_range->from = local_midnight (zone, &first);
  out_range->to = local_midnight (zone, &last);
  return TRUE;
}

/**
 * md_report_period_parse:
 * @text: day, month, year or all
 *
 * Returns: %FALSE with %MD_REPORT_ERROR_PERIOD for anything else
 */
gboolean
md_report_period_parse (const char      *text,
                        MdReportPeriod  *out_period,
                        GError         **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (period_names); i++)
    if (g_strcmp0 (text, period_names[i]) == 0)
      {
        *out_period = (MdReportPeriod) i;
        return TRUE;
      }
  {
    g_autofree char *shown = md_input_quote (text != NULL ? text : "");

    g_set_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_PERIOD,
                 _("Unknown period “%s”: use day, month, year or all"), shown);
  }
  return FALSE;
}

/**
 * md_report_by_parse:
 * @text: line, area, category, building, operator, payment, terminal or
 *   none
 *
 * Returns: %FALSE with %MD_REPORT_ERROR_GROUP for anything else
 */
gboolean
md_report_by_parse (const char  *text,
                    MdReportBy  *out_by,
                    GError     **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (by_names); i++)
    if (g_strcmp0 (text, by_names[i]) == 0)
      {
        *out_by = (MdReportBy) i;
        return TRUE;
      }
  {
    g_autofree char *shown = md_input_quote (text != NULL ? text : "");

    g_set_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_GROUP,
                 _("Unknown grouping “%s”: use line, area, category, building, operator, "
                   "payment or terminal"), shown);
  }
  return FALSE;
}

/**
 * md_report_period_to_string:
 *
 * Returns: the period's name, as md_report_period_parse() reads it
 */
const char *
md_report_period_to_string (MdReportPeriod period)
{
  g_return_val_if_fail (period < G_N_ELEMENTS (period_names), NULL);
  return period_names[period];
}

/**
 * md_report_by_to_string:
 *
 * Returns: the grouping's name, as md_report_by_parse() reads it
 */
const char *
md_report_by_to_string (MdReportBy by)
{
  g_return_val_if_fail (by < G_N_ELEMENTS (by_names), NULL);
  return by_names[by];
}

static gint64
gcd64 (gint64 a,
       gint64 b)
{
  while (b != 0)
    {
      gint64 t = a % b;

      a = b;
      b = t;
    }
  return a;
}

static void
buckets_finish (MdReportBuckets *b)
{
  b->origin = g_array_index (b->bounds, gint64, 0);
  b->step = 0;
  for (guint i = 1; i < b->bounds->len; i++)
    b->step = gcd64 (g_array_index (b->bounds, gint64, i) - b->origin, b->step);
  if (b->step <= 0)
    b->step = G_USEC_PER_SEC;
}

static MdReportBuckets *
buckets_alloc (void)
{
  MdReportBuckets *b = g_new0 (MdReportBuckets, 1);

  b->bounds = g_array_new (FALSE, FALSE, sizeof (gint64));
  b->labels = g_ptr_array_new_with_free_func (g_free);
  return b;
}

/**
 * _md_report_buckets_new:
 *
 * The first bucket starts at the range's start and the last ends at its
 * end, whatever the period: `--from 2026-03-15 --period month` has a first
 * bucket "2026-03" from the 15th.
 */
MdReportBuckets *
_md_report_buckets_new (GTimeZone            *zone,
                        const MdReportRange  *range,
                        MdReportPeriod        period)
{
  MdReportBuckets *b = buckets_alloc ();
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (range->from / G_USEC_PER_SEC);
  g_autoptr(GDateTime) start = g_date_time_to_timezone (utc, zone);
  GDate date;

  g_array_append_val (b->bounds, range->from);
  if (period == MD_REPORT_PERIOD_ALL)
    {
      g_ptr_array_add (b->labels, g_str_equal (range->from_day, range->to_day)
                                    ? g_strdup (range->from_day)
                                    : g_strdup_printf ("%s – %s", range->from_day, range->to_day));
      g_array_append_val (b->bounds, range->to);
      buckets_finish (b);
      return b;
    }

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, g_date_time_get_day_of_month (start), g_date_time_get_month (start),
                  g_date_time_get_year (start));
  for (;;)
    {
      gint64 next;

      if (period == MD_REPORT_PERIOD_DAY)
        {
          g_ptr_array_add (b->labels, g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (&date),
                                                       g_date_get_month (&date),
                                                       g_date_get_day (&date)));
          g_date_add_days (&date, 1);
        }
      else if (period == MD_REPORT_PERIOD_MONTH)
        {
          g_ptr_array_add (b->labels, g_strdup_printf ("%04u-%02u", g_date_get_year (&date),
                                                       g_date_get_month (&date)));
          g_date_set_day (&date, 1);
          g_date_add_months (&date, 1);
        }
      else
        {
          g_ptr_array_add (b->labels, g_strdup_printf ("%04u", g_date_get_year (&date)));
          g_date_set_dmy (&date, 1, 1, g_date_get_year (&date) + 1);
        }
      next = local_midnight (zone, &date);
      if (next >= range->to)
        {
          g_array_append_val (b->bounds, range->to);
          break;
        }
      g_array_append_val (b->bounds, next);
    }
  buckets_finish (b);
  return b;
}

/**
 * _md_report_buckets_years_back:
 *
 * Returns: (transfer full): the same buckets a year earlier (same labels),
 *   for a year-over-year comparison; 29 February maps to the 28th
 */
MdReportBuckets *
_md_report_buckets_years_back (MdReportBuckets *buckets,
                               GTimeZone       *zone)
{
  MdReportBuckets *b = buckets_alloc ();

  for (guint i = 0; i < buckets->bounds->len; i++)
    {
      gint64 t = g_array_index (buckets->bounds, gint64, i);
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (t / G_USEC_PER_SEC);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, zone);
      g_autoptr(GDateTime) back = g_date_time_add_years (local, -1);
      gint64 value = g_date_time_to_unix (back) * G_USEC_PER_SEC;

      g_array_append_val (b->bounds, value);
    }
  for (guint i = 0; i < buckets->labels->len; i++)
    g_ptr_array_add (b->labels, g_strdup (buckets->labels->pdata[i]));
  buckets_finish (b);
  return b;
}

guint
_md_report_buckets_count (MdReportBuckets *buckets)
{
  return buckets->labels->len;
}

gint64
_md_report_buckets_start (MdReportBuckets *buckets)
{
  return g_array_index (buckets->bounds, gint64, 0);
}

gint64
_md_report_buckets_end (MdReportBuckets *buckets)
{
  return g_array_index (buckets->bounds, gint64, buckets->bounds->len - 1);
}

/**
 * _md_report_buckets_find:
 *
 * Returns: the bucket of a slot the SQL grouped by, G_MAXUINT outside
 */
guint
_md_report_buckets_find (MdReportBuckets *buckets,
                         gint64           slot)
{
  gint64 t = buckets->origin + slot * buckets->step;
  guint lo = 0, hi = buckets->bounds->len - 1;

  if (t < g_array_index (buckets->bounds, gint64, 0) ||
      t >= g_array_index (buckets->bounds, gint64, hi))
    return G_MAXUINT;
  /* bounds[lo] <= t < bounds[hi] */
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (buckets->bounds, gint64, mid) <= t)
        lo = mid;
      else
        hi = mid;
    }
  return lo;
}

void
_md_report_buckets_free (MdReportBuckets *buckets)
{
  g_array_unref (buckets->bounds);
  g_ptr_array_unref (buckets->labels);
  g_free (buckets);
}

gboolean
_md_report_require (MdSession     *session,
                    MdPermission   permission,
                    GError       **error)
{
  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  return md_session_require (session, permission, error);
}

/* A table showing times in the site's zone. */
MdReportTable *
_md_report_table_new (MdStore    *store,
                      const char *kind,
                      const char *title)
{
  MdReportTable *table = md_report_table_new (kind, title);
  g_autoptr(GTimeZone) zone = md_site_timezone (store);

  md_report_table_set_timezone (table, zone);
  return table;
}

void
_md_report_add_range (MdReportTable       *table,
                      const MdReportRange *range,
                      MdReportPeriod       period)
{
  const char *periods[] = { N_("whole range"), N_("day"), N_("month"), N_("year") };

  md_report_table_add_param (table, "from", _("From"), range->from_day);
  md_report_table_add_param (table, "to", _("To"), range->to_day);
  md_report_table_add_param (table, "period", _("Period"), _(periods[period]));
}

const char *
_md_pay_method_label (const char *method)
{
  static const struct { const char *method; const char *label; } labels[] = {
    { "cash", N_("Cash") },
    { "bank-card", N_("Bank card") },
    { "transfer", N_("Transfer") },
    { "wechat", N_("WeChat Pay") },
    { "alipay", N_("Alipay") },
    { "other", N_("Other") },
    { "account", N_("Account credit") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_strcmp0 (method, labels[i].method) == 0)
      return _(labels[i].label);
  return method;
}

/**
 * _md_report_percent_change:
 * @out_change: (out): (now − before) / before in 0.01 %, rounded half away
 *   from zero
 *
 * Returns: %FALSE when there is nothing to compare with (@before is 0)
 */
gboolean
_md_report_percent_change (gint64  now,
                           gint64  before,
                           gint64 *out_change)
{
  gint64 diff;

  if (before == 0 || __builtin_sub_overflow (now, before, &diff) ||
      __builtin_mul_overflow (diff, (gint64) 10000, &diff))
    return FALSE;
  return md_div_round (diff, ABS (before), out_change, NULL);
}

/* The sales report. */

#define ACCOUNT_METERS \
  "LEFT JOIN (SELECT account_id, MIN(room_id) AS room_id, MIN(transformer_area_id) AS area_id " \
  "  FROM meter WHERE account_id IS NOT NULL GROUP BY account_id) am ON am.account_id = a.id "
#define ACCOUNT_ROOM \
  "LEFT JOIN room r ON r.id = COALESCE(a.room_id, am.room_id) " \
  "LEFT JOIN floor f ON f.id = r.floor_id LEFT JOIN building b ON b.id = f.building_id " \
  "LEFT JOIN site st ON st.id = b.site_id "

typedef struct
{
  const char *key_sql;
  const char *name_sql;
  const char *joins;
  const char *label;
  const char *name_label;
} Group;

static const Group groups[] = {
  [MD_REPORT_BY_NONE] = { "NULL", "NULL", "", NULL, NULL },
  [MD_REPORT_BY_LINE] = { "ln.code", "ln.name",
    ACCOUNT_METERS "LEFT JOIN transformer_area ta ON ta.id = am.area_id "
    "LEFT JOIN line ln ON ln.id = ta.line_id ", N_("Line"), N_("Line name") },
  [MD_REPORT_BY_AREA] = { "ta.code", "ta.name",
    ACCOUNT_METERS "LEFT JOIN transformer_area ta ON ta.id = am.area_id ",
    N_("Transformer area"), N_("Area name") },
  [MD_REPORT_BY_CATEGORY] = { "c.code", "c.name", "", N_("Category"), N_("Category name") },
  [MD_REPORT_BY_BUILDING] = { "st.code || '/' || b.code", "st.name || ' ' || b.name",
    ACCOUNT_METERS ACCOUNT_ROOM, N_("Building"), N_("Building name") },
  [MD_REPORT_BY_OPERATOR] = { "o.name", "o.full_name",
    "LEFT JOIN operator o ON o.id = s.operator_id ", N_("Operator"), N_("Full name") },
  [MD_REPORT_BY_PAYMENT] = { "s.pay_method", "NULL", "", N_("Payment"), N_("Payment method") },
  [MD_REPORT_BY_TERMINAL] = { "s.terminal", "t.name", "LEFT JOIN terminal t ON t.id = s.terminal ",
    N_("Terminal"), N_("Terminal name") },
};

enum { SUM_COUNT, SUM_ENERGY, SUM_WATER, SUM_SALES, SUM_REVERSALS, SUM_REFUNDS, SUM_NET, N_SUMS };

typedef struct
{
  guint   bucket;
  char   *key;
  char   *name;
  gint64  sums[N_SUMS];
} SalesAcc;

static void
sales_acc_free (gpointer data)
{
  SalesAcc *acc = data;

  g_free (acc->key);
  g_free (acc->name);
  g_free (acc);
}

static int
sales_acc_compare (gconstpointer a,
                   gconstpointer b)
{
  const SalesAcc *x = *(SalesAcc * const *) a;
  const SalesAcc *y = *(SalesAcc * const *) b;

  if (x->bucket != y->bucket)
    return x->bucket < y->bucket ? -1 : 1;
  if ((x->key == NULL) != (y->key == NULL))
    return x->key == NULL ? 1 : -1;   /* the unassigned come last */
  return g_strcmp0 (x->key, y->key);
}

static gboolean
sales_rows (MdStore          *store,
            MdReportBuckets  *buckets,
            MdReportBy        by,
            GPtrArray        *out,
            GError          **error)
{
  g_autoptr(GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *sql = NULL;
  GError *local_error = NULL;

  sql = g_strconcat (
    "SELECT (s.posted_at - CAST($1 AS BIGINT)) / CAST($2 AS BIGINT), ",
    groups[by].key_sql, ", ", groups[by].name_sql, ", "
    "SUM(CASE WHEN s.kind = 'sale' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN s.kind IN ('sale', 'reversal') AND c.utility = 'electricity' "
    "  THEN s.energy ELSE 0 END), "
    "SUM(CASE WHEN s.kind IN ('sale', 'reversal') AND c.utility = 'water' "
    "  THEN s.energy ELSE 0 END), "
    "SUM(CASE WHEN s.kind = 'sale' THEN s.amount ELSE 0 END), "
    "SUM(CASE WHEN s.kind = 'reversal' THEN s.amount ELSE 0 END), "
    "SUM(CASE WHEN s.kind IN ('refund', 'settlement') THEN s.amount ELSE 0 END), "
    "SUM(s.amount) "
    "FROM sale s JOIN account a ON a.id = s.account_id "
    "JOIN usage_category c ON c.id = a.category_id ", groups[by].joins,
    /* Posted is "has a receipt number" (md_ledger_check() holds them to
     * it); said so, SQLite does not walk the whole sale_state index. */
    "WHERE s.receipt_no IS NOT NULL AND s.posted_at >= CAST($1 AS BIGINT) "
    "AND s.posted_at < CAST($3 AS BIGINT) GROUP BY 1, 2, 3", NULL);
  if (!(stmt = md_store_prepare (store, sql, error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, buckets->origin);
  md_stmt_bind_int64 (stmt, 2, buckets->step);
  md_stmt_bind_int64 (stmt, 3, _md_report_buckets_end (buckets));

  while (md_stmt_step (stmt, &local_error))
    {
      guint bucket = _md_report_buckets_find (buckets, md_stmt_get_int64 (stmt, 0));
      const char *key = md_stmt_is_null (stmt, 1) ? NULL : md_stmt_get_text (stmt, 1);
      g_autofree char *id = NULL;
      SalesAcc *acc;

      if (bucket == G_MAXUINT)
        continue;
      id = g_strdup_printf ("%u\x1f%s", bucket, key != NULL ? key : "\x1e");
      if (!(acc = g_hash_table_lookup (index, id)))
        {
          acc = g_new0 (SalesAcc, 1);
          acc->bucket = bucket;
          acc->key = g_strdup (key);
          if (by == MD_REPORT_BY_PAYMENT)
            acc->name = g_strdup (_md_pay_method_label (key));
          else if (!md_stmt_is_null (stmt, 2))
            acc->name = g_strdup (md_stmt_get_text (stmt, 2));
          g_hash_table_insert (index, g_steal_pointer (&id), acc);
          g_ptr_array_add (out, acc);
        }
      for (guint i = 0; i < N_SUMS; i++)
        acc->sums[i] += md_stmt_get_int64 (stmt, 3 + i);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  g_ptr_array_sort (out, sales_acc_compare);
  return TRUE;
}

/**
 * md_report_sales:
 * @period: one row per day, month or year (or the whole range) and group
 * @by: the grouping: feeder line, transformer area, usage category,
 *   building, operator, payment method or terminal
 *
 * Posted sales by the time they were posted. Amounts are what was paid
 * in (sales and fees, negative for reversals and refunds), so the "net"
 * column sums to the ledger's payment legs of those sales. Lines, areas
 * and buildings are the account's current ones (through its meters when
 * the account has no room of its own).
 *
 * Returns: (transfer full): the table, empty for an empty period
 */
MdReportTable *
md_report_sales (MdSession            *session,
                 const MdReportRange  *range,
                 MdReportPeriod        period,
                 MdReportBy            by,
                 GError              **error)
{
  MdStore *store;
  g_autoptr(MdReportTable) table = NULL;
  g_autoptr(MdReportBuckets) buckets = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (sales_acc_free);
  g_autoptr(GTimeZone) zone = NULL;
  gint64 water = 0;
  guint c_period, c_key = 0, c_name = 0, c_sums[N_SUMS];

  g_return_val_if_fail (range != NULL, NULL);
  g_return_val_if_fail (by < G_N_ELEMENTS (groups), NULL);

  if (!_md_report_require (session, MD_PERM_REPORT, error))
    return NULL;
  store = md_session_get_store (session);
  zone = md_site_timezone (store);
  buckets = _md_report_buckets_new (zone, range, period);
  if (!md_store_query_int64 (store, "SELECT count(*) FROM usage_category WHERE utility = 'water'",
                             &water, error) ||
      !sales_rows (store, buckets, by, rows, error))
    return NULL;

  table = _md_report_table_new (store, "sales", _("Sales"));
  _md_report_add_range (table, range, period);
  if (by != MD_REPORT_BY_NONE)
    md_report_table_add_param (table, "by", _("By"), _(groups[by].label));

  c_period = md_report_table_add_column (table, "period", _("Period"), NULL, MD_REPORT_TYPE_TEXT,
                                         MD_REPORT_COLUMN_KEY);
  if (by != MD_REPORT_BY_NONE)
    {
      c_key = md_report_table_add_column (table, by_names[by], _(groups[by].label), NULL,
                                          MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_KEY);
      c_name = md_report_table_add_column (table, "name", _(groups[by].name_label), NULL,
                                           MD_REPORT_TYPE_TEXT, MD_REPORT_COLUMN_NONE);
    }
  c_sums[SUM_COUNT] = md_report_table_add_column (table, "count", _("Sales"), NULL,
                                                  MD_REPORT_TYPE_COUNT, MD_REPORT_COLUMN_TOTAL);
  c_sums[SUM_ENERGY] = md_report_table_add_column (table, "energy", _("Energy"), "kWh",
                                                   MD_REPORT_TYPE_ENERGY, MD_REPORT_COLUMN_TOTAL);
  c_sums[SUM_WATER] = water > 0
    ? md_report_table_add_column (table, "water", _("Water"), "m³", MD_REPORT_TYPE_VOLUME,
                                  MD_REPORT_COLUMN_TOTAL)
    : G_MAXUINT;
  c_sums[SUM_SALES] = md_report_table_add_column (table, "sales", _("Sales amount"), _("yuan"),
                                                  MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_TOTAL);
  c_sums[SUM_REVERSALS] = md_report_table_add_column (table, "reversals", _("Reversals"),
                                                      _("yuan"), MD_REPORT_TYPE_MONEY,
                                                      MD_REPORT_COLUMN_TOTAL);
  c_sums[SUM_REFUNDS] = md_report_table_add_column (table, "refunds", _("Refunds"), _("yuan"),
                                                    MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_TOTAL);
  c_sums[SUM_NET] = md_report_table_add_column (table, "net", _("Net received"), _("yuan"),
                                                MD_REPORT_TYPE_MONEY, MD_REPORT_COLUMN_TOTAL);

  for (guint i = 0; i < rows->len; i++)
    {
      SalesAcc *acc = rows->pdata[i];
      guint row = md_report_table_append_row (table);

      md_report_table_set_text (table, row, c_period, buckets->labels->pdata[acc->bucket]);
      if (by != MD_REPORT_BY_NONE)
        {
          md_report_table_set_text (table, row, c_key,
                                    acc->key != NULL ? acc->key : _("(unassigned)"));
          md_report_table_set_text (table, row, c_name, acc->name);
        }
      for (guint s = 0; s < N_SUMS; s++)
        if (c_sums[s] != G_MAXUINT)
          md_report_table_set_int (table, row, c_sums[s], acc->sums[s]);
    }
  md_report_table_compute_totals (table, _("Total"));

  if (by == MD_REPORT_BY_NONE && period != MD_REPORT_PERIOD_ALL)
    md_report_table_add_chart (table, MD_REPORT_CHART_BAR, _("Net received"), c_period,
                               &c_sums[SUM_NET], 1);
  else if (by != MD_REPORT_BY_NONE && period == MD_REPORT_PERIOD_ALL)
    md_report_table_add_chart (table, MD_REPORT_CHART_BAR, _("Net received"), c_key,
                               &c_sums[SUM_NET], 1);
  return g_steal_pointer (&table);
}
