/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-report.h"

G_BEGIN_DECLS

/*
 * Periods cut in C, grouped in SQL: the buckets (days, months, years, or
 * the whole range) are local to the site's zone; @step is the largest
 * length every boundary is a whole multiple of from @origin (a day without
 * daylight saving, an hour with it), so the SQL groups rows by the integer
 * slot (t - origin) / step, the same on both backends, and no slot straddles
 * a boundary.
 */
typedef struct
{
  gint64     origin;
  gint64     step;
  GArray    *bounds;   /* gint64, one more than the buckets */
  GPtrArray *labels;   /* char *, one per bucket */
} MdReportBuckets;

MdReportBuckets *_md_report_buckets_new        (GTimeZone            *zone,
                                                const MdReportRange  *range,
                                                MdReportPeriod        period);
MdReportBuckets *_md_report_buckets_years_back (MdReportBuckets      *buckets,
                                                GTimeZone            *zone);
guint            _md_report_buckets_count      (MdReportBuckets      *buckets);
gint64           _md_report_buckets_start      (MdReportBuckets      *buckets);
gint64           _md_report_buckets_end        (MdReportBuckets      *buckets);
guint            _md_report_buckets_find       (MdReportBuckets      *buckets,
                                                gint64                slot);
void             _md_report_buckets_free       (MdReportBuckets      *buckets);

gboolean         _md_report_require            (MdSession            *session,
                                                MdPermission          permission,
                                                GError              **error);
MdReportTable   *_md_report_table_new          (MdStore              *store,
                                                const char           *kind,
                                                const char           *title);
void             _md_report_add_range          (MdReportTable        *table,
                                                const MdReportRange  *range,
                                                MdReportPeriod        period);
void             _md_report_table_set_total    (MdReportTable        *table,
                                                guint                 column,
                                                gboolean              is_null,
                                                gint64                value);
const char      *_md_pay_method_label          (const char           *method);
gboolean         _md_report_percent_change     (gint64                now,
                                                gint64                before,
                                                gint64               *out_change);

/* Receipt documents (md-report-receipt.c, md-report-slip.c). */
typedef struct
{
  GArray *fields;
} MdFields;

void             _md_fields_init               (MdFields             *f);
void             _md_fields_clear              (MdFields             *f);
void             _md_fields_text               (MdFields             *f,
                                                const char           *key,
                                                const char           *label,
                                                const char           *text);
void             _md_fields_int                (MdFields             *f,
                                                const char           *key,
                                                const char           *label,
                                                MdReportType          type,
                                                gint64                value);
MdReportTable   *_md_fields_finish             (MdFields             *f,
                                                GTimeZone            *zone);
MdReceipt       *_md_receipt_new               (MdReceiptKind         kind);
void             _md_receipt_add_common        (MdFields             *f,
                                                MdStore              *store,
                                                const char           *terminal,
                                                const char           *operator_name);
char            *_md_receipt_qr_text           (const char           *kind,
                                                const char           *number,
                                                const char           *amount,
                                                const char           *hash);
char            *_md_query_text                (MdStore              *store,
                                                const char           *sql,
                                                const char           *param,
                                                GError              **error);
char            *_md_room_text                 (MdStore              *store,
                                                gint64                account_id,
                                                char                **out_site);
char            *_md_joined                    (MdStore              *store,
                                                const char           *sql,
                                                gint64                id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdReportBuckets, _md_report_buckets_free)

G_END_DECLS
