/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "md-auth.h"
#include "md-money.h"

G_BEGIN_DECLS

/*
 * Reports (docs/reports.md): queries in the core fill a table model
 * (MdReportTable: typed columns with units, rows of integers and texts, a
 * totals row, chart hints); renderers turn a table into text, CSV, JSON
 * (here), or PDF and XLSX (src/print). Receipts (docs/receipts.md) are
 * documents loaded from the database (MdReceipt), never kept only in memory,
 * so a receipt that failed to print prints later, and a reprint (补打) is
 * the same receipt marked as such.
 *
 * Every query runs on SQLite and PostgreSQL alike; days, months and years
 * are local to the site's time zone (md_site_timezone()), cut in C, and the
 * SQL only groups by integer slots between those boundaries.
 */

#define MD_REPORT_ERROR (md_report_error_quark ())

/**
 * MdReportError:
 * @MD_REPORT_ERROR_DATE: not a date
 * @MD_REPORT_ERROR_RANGE: the range ends before it starts, or is too long
 * @MD_REPORT_ERROR_GROUP: unknown grouping (`--by`)
 * @MD_REPORT_ERROR_PERIOD: unknown period
 * @MD_REPORT_ERROR_NOT_FOUND: no such account, sale or Z report
 * @MD_REPORT_ERROR_NO_RECEIPT: the sale has no receipt (pending or voided)
 */
typedef enum
{
  MD_REPORT_ERROR_DATE,
  MD_REPORT_ERROR_RANGE,
  MD_REPORT_ERROR_GROUP,
  MD_REPORT_ERROR_PERIOD,
  MD_REPORT_ERROR_NOT_FOUND,
  MD_REPORT_ERROR_NO_RECEIPT,
} MdReportError;

/**
 * MdReportType:
 * @MD_REPORT_TYPE_TEXT: a string
 * @MD_REPORT_TYPE_COUNT: a plain integer
 * @MD_REPORT_TYPE_MONEY: fen
 * @MD_REPORT_TYPE_PRICE: 0.0001 yuan per unit
 * @MD_REPORT_TYPE_ENERGY: Wh, shown in kWh
 * @MD_REPORT_TYPE_VOLUME: litres, shown in m³
 * @MD_REPORT_TYPE_TIME: µs since the epoch, shown in the site's zone
 * @MD_REPORT_TYPE_PERCENT: 0.01 % (a change of +12.34 % is 1234)
 *
 * What a column holds. Every number is an integer in the unit of
 * md-money.h; only the formatting knows decimals.
 */
typedef enum
{
  MD_REPORT_TYPE_TEXT,
  MD_REPORT_TYPE_COUNT,
  MD_REPORT_TYPE_MONEY,
  MD_REPORT_TYPE_PRICE,
  MD_REPORT_TYPE_ENERGY,
  MD_REPORT_TYPE_VOLUME,
  MD_REPORT_TYPE_TIME,
  MD_REPORT_TYPE_PERCENT,
} MdReportType;

/**
 * MdReportColumnFlags:
 * @MD_REPORT_COLUMN_NONE: nothing special
 * @MD_REPORT_COLUMN_TOTAL: summed into the totals row
 * @MD_REPORT_COLUMN_KEY: identifies the row (a period, a group); the totals
 *   row carries its label in the first such column
 */
typedef enum
{
  MD_REPORT_COLUMN_NONE  = 0,
  MD_REPORT_COLUMN_TOTAL = 1 << 0,
  MD_REPORT_COLUMN_KEY   = 1 << 1,
} MdReportColumnFlags;

/**
 * MdReportStyle:
 * @MD_REPORT_STYLE_PLAIN: files and scripts: "1234.56", "319.749",
 *   ISO 8601 times with the offset, "12.34"
 * @MD_REPORT_STYLE_DISPLAY: screens and printed reports: "1,234.56",
 *   "2026-03-01 10:00", "+12.34%"
 * @MD_REPORT_STYLE_RECEIPT: receipts: "¥1,234.56", "2026-03-01 10:00:05"
 */
typedef enum
{
  MD_REPORT_STYLE_PLAIN,
  MD_REPORT_STYLE_DISPLAY,
  MD_REPORT_STYLE_RECEIPT,
} MdReportStyle;

/**
 * MdReportColumn:
 * @key: stable name (JSON keys, CSV of scripts), e.g. "amount"
 * @label: translated heading
 * @unit: (nullable): the unit shown next to the heading: "kWh", "m³", "元"
 */
typedef struct
{
  char                *key;
  char                *label;
  char                *unit;
  MdReportType         type;
  MdReportColumnFlags  flags;
} MdReportColumn;

/**
 * MdReportValue:
 * @is_null: no value (shown empty)
 * @number: the integer of a non-text column
 * @text: the string of a text column
 */
typedef struct
{
  gboolean  is_null;
  gint64    number;
  char     *text;
} MdReportValue;

typedef enum
{
  MD_REPORT_CHART_LINE,
  MD_REPORT_CHART_BAR,
} MdReportChartKind;

/**
 * MdReportChart:
 * @x_column: the column labelling the x axis (a period)
 * @series: (element-type guint): columns drawn, all of one type
 */
typedef struct
{
  MdReportChartKind  kind;
  char              *title;
  guint              x_column;
  GArray            *series;
} MdReportChart;

/**
 * MdReportParam:
 *
 * A line of the report's heading: "From 2026-03-01 to 2026-03-31".
 */
typedef struct
{
  char *key;
  char *label;
  char *value;
} MdReportParam;

typedef struct _MdReportTable MdReportTable;

#define MD_TYPE_REPORT_TABLE (md_report_table_get_type ())

typedef enum
{
  MD_REPORT_PERIOD_ALL,
  MD_REPORT_PERIOD_DAY,
  MD_REPORT_PERIOD_MONTH,
  MD_REPORT_PERIOD_YEAR,
} MdReportPeriod;

typedef enum
{
  MD_REPORT_BY_NONE,
  MD_REPORT_BY_LINE,
  MD_REPORT_BY_AREA,
  MD_REPORT_BY_CATEGORY,
  MD_REPORT_BY_BUILDING,
  MD_REPORT_BY_OPERATOR,
  MD_REPORT_BY_PAYMENT,
  MD_REPORT_BY_TERMINAL,
} MdReportBy;

/**
 * MdReportRange:
 * @from: the first µs, a local midnight
 * @to: the first µs after the range, a local midnight
 * @from_day: "2026-03-01", the first day
 * @to_day: "2026-03-31", the last day (inclusive)
 */
typedef struct
{
  gint64 from;
  gint64 to;
  char   from_day[11];
  char   to_day[11];
} MdReportRange;

#define MD_REPORT_MAX_DAYS (366 * 20)

GQuark                md_report_error_quark         (void);

/* The table model. */
GType                 md_report_table_get_type      (void) G_GNUC_CONST;
MdReportTable        *md_report_table_new           (const char           *kind,
                                                     const char           *title);
MdReportTable        *md_report_table_ref           (MdReportTable        *self);
void                  md_report_table_unref         (MdReportTable        *self);
const char           *md_report_table_get_kind      (MdReportTable        *self);
const char           *md_report_table_get_title     (MdReportTable        *self);
void                  md_report_table_set_timezone  (MdReportTable        *self,
                                                     GTimeZone            *zone);
GTimeZone            *md_report_table_get_timezone  (MdReportTable        *self);
void                  md_report_table_add_param     (MdReportTable        *self,
                                                     const char           *key,
                                                     const char           *label,
                                                     const char           *value);
guint                 md_report_table_get_n_params  (MdReportTable        *self);
const MdReportParam  *md_report_table_get_param     (MdReportTable        *self,
                                                     guint                 index);
guint                 md_report_table_add_column    (MdReportTable        *self,
                                                     const char           *key,
                                                     const char           *label,
                                                     const char           *unit,
                                                     MdReportType          type,
                                                     MdReportColumnFlags   flags);
guint                 md_report_table_get_n_columns (MdReportTable        *self);
const MdReportColumn *md_report_table_get_column    (MdReportTable        *self,
                                                     guint                 column);
int                   md_report_table_find_column   (MdReportTable        *self,
                                                     const char           *key);
guint                 md_report_table_append_row    (MdReportTable        *self);
guint                 md_report_table_get_n_rows    (MdReportTable        *self);
void                  md_report_table_set_int       (MdReportTable        *self,
                                                     guint                 row,
                                                     guint                 column,
                                                     gint64                value);
void                  md_report_table_set_text      (MdReportTable        *self,
                                                     guint                 row,
                                                     guint                 column,
                                                     const char           *text);
void                  md_report_table_set_null      (MdReportTable        *self,
                                                     guint                 row,
                                                     guint                 column);
const MdReportValue  *md_report_table_get_value     (MdReportTable        *self,
                                                     guint                 row,
                                                     guint                 column);
void                  md_report_table_compute_totals (MdReportTable       *self,
                                                     const char           *label);
gboolean              md_report_table_has_totals    (MdReportTable        *self);
const MdReportValue  *md_report_table_get_total     (MdReportTable        *self,
                                                     guint                 column);
void                  md_report_table_add_chart     (MdReportTable        *self,
                                                     MdReportChartKind     kind,
                                                     const char           *title,
                                                     guint                 x_column,
                                                     const guint          *series,
                                                     guint                 n_series);
guint                 md_report_table_get_n_charts  (MdReportTable        *self);
const MdReportChart  *md_report_table_get_chart     (MdReportTable        *self,
                                                     guint                 index);

char                 *md_report_format_value        (MdReportType          type,
                                                     const MdReportValue  *value,
                                                     MdReportStyle         style,
                                                     GTimeZone            *zone);
char                 *md_report_table_format        (MdReportTable        *self,
                                                     guint                 row,
                                                     guint                 column,
                                                     MdReportStyle         style);
char                 *md_report_column_heading      (const MdReportColumn *column);
JsonNode             *md_report_table_to_json       (MdReportTable        *self);
GBytes               *md_report_table_to_csv        (MdReportTable        *self);
char                 *md_report_table_to_text       (MdReportTable        *self);

/* Arguments. */
gboolean              md_report_range_parse         (MdStore              *store,
                                                     const char           *from,
                                                     const char           *to,
                                                     MdReportRange        *out_range,
                                                     GError              **error);
gboolean              md_report_period_parse        (const char           *text,
                                                     MdReportPeriod       *out_period,
                                                     GError              **error);
gboolean              md_report_by_parse            (const char           *text,
                                                     MdReportBy           *out_by,
                                                     GError              **error);
const char           *md_report_period_to_string    (MdReportPeriod        period);
const char           *md_report_by_to_string        (MdReportBy            by);

/* The reports; each needs MD_PERM_REPORT. */
MdReportTable        *md_report_sales               (MdSession            *session,
                                                     const MdReportRange  *range,
                                                     MdReportPeriod        period,
                                                     MdReportBy            by,
                                                     GError              **error);
MdReportTable        *md_report_energy              (MdSession            *session,
                                                     const char           *account_no,
                                                     const MdReportRange  *range,
                                                     MdReportPeriod        period,
                                                     GError              **error);
MdReportTable        *md_report_trail               (MdSession            *session,
                                                     const char           *account_no,
                                                     const MdReportRange  *range,
                                                     MdReportPeriod        period,
                                                     GError              **error);
MdReportTable        *md_report_shifts              (MdSession            *session,
                                                     const MdReportRange  *range,
                                                     const char           *terminal,
                                                     GError              **error);
MdReportTable        *md_report_audit_log           (MdSession            *session,
                                                     const MdReportRange  *range,
                                                     const char           *operator_name,
                                                     const char           *action_prefix,
                                                     GError              **error);
MdReportTable        *md_report_alerts              (MdSession            *session,
                                                     const MdReportRange  *range,
                                                     const char           *kind,
                                                     gboolean              open_only,
                                                     GError              **error);
MdReportTable        *md_report_offline             (MdSession            *session,
                                                     gint64                days,
                                                     GError              **error);

/**
 * MdReceiptKind:
 *
 * The documents printed through a receipt template: a sale and every kind
 * of correction (each a sale row with its own receipt number), an account
 * opening slip, and the shift X and Z reports.
 */
typedef enum
{
  MD_RECEIPT_SALE,
  MD_RECEIPT_REVERSAL,
  MD_RECEIPT_REFUND,
  MD_RECEIPT_SETTLEMENT,
  MD_RECEIPT_OFFSET,
  MD_RECEIPT_GRANT,
  MD_RECEIPT_CARRY,
  MD_RECEIPT_ACCOUNT_OPENING,
  MD_RECEIPT_SHIFT_X,
  MD_RECEIPT_SHIFT_Z,
} MdReceiptKind;

/**
 * MdReceipt:
 * @kind: what the document is
 * @number: (nullable): the receipt number as printed ("T01-000123"), the Z
 *   report's "Z T01-0003", %NULL for an X report
 * @sale_id: the sale, 0 for other documents
 * @reprint: this is a reprint (补打): same number, marked
 * @reprint_no: the how-manieth reprint (1 for the first)
 * @fields: a table of one row: each column a field of the document, keyed
 *   by the names templates use ("customer", "amount", …); a field that does
 *   not apply is absent or null
 * @tables: (element-type MdReportTable): the sale's lines; an X or Z
 *   report's breakdowns; an account's meters
 * @qr_text: (nullable): what the QR code carries (docs/receipts.md), %NULL
 *   for no code
 */
typedef struct
{
  MdReceiptKind   kind;
  char           *number;
  gint64          sale_id;
  gboolean        reprint;
  gint64          reprint_no;
  MdReportTable  *fields;
  GPtrArray      *tables;
  char           *qr_text;
} MdReceipt;

const char           *md_receipt_kind_to_string     (MdReceiptKind         kind);
const char * const   *md_receipt_field_keys         (void);
MdReceipt            *md_receipt_load_sale          (MdSession            *session,
                                                     gint64                sale_id,
                                                     gboolean              reprint,
                                                     GError              **error);
MdReceipt            *md_receipt_load_account       (MdSession            *session,
                                                     const char           *account_no,
                                                     GError              **error);
MdReceipt            *md_receipt_load_shift_x       (MdSession            *session,
                                                     GError              **error);
MdReceipt            *md_receipt_load_shift_z       (MdSession            *session,
                                                     const char           *terminal,
                                                     gint64                z_no,
                                                     GError              **error);
gboolean              md_receipt_record_reprint     (MdSession            *session,
                                                     const MdReceipt      *receipt,
                                                     GError              **error);
char                 *md_receipt_get_text           (const MdReceipt      *receipt,
                                                     const char           *key,
                                                     MdReportStyle         style);
void                  md_receipt_free               (MdReceipt            *receipt);
char                 *md_money_to_chinese           (MdMoney               amount);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdReportTable, md_report_table_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdReceipt, md_receipt_free)

G_END_DECLS
