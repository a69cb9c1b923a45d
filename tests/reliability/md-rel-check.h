/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The invariant checker every reliability test runs after each fault
 * (RELIABILITY.md B, INV-1 … INV-6 as far as the account medium reaches).
 *
 * The expectations file is what the harness knows from the sellers' output,
 * one line each:
 *   acked KEY RECEIPT   the cashier was told KEY is sold, on receipt RECEIPT
 *   started KEY         KEY was handed to md_vend_sell, with no answer (yet)
 *   absent KEY          a seller looked KEY up after a failure and said it
 *                       was not sold
 * A key not listed was never started.
 */

typedef enum
{
  MD_REL_CHECK_NONE       = 0,
  MD_REL_CHECK_FINAL      = 1 << 0,  /* no sale may still be pending */
  MD_REL_CHECK_ALLOW_LOST = 1 << 1,  /* count lost ACKed sales, do not fail on them */
} MdRelCheckFlags;

typedef struct
{
  guint      sales;
  guint      posted;
  guint      pending;
  guint      acked;
  guint      audit_rows;
  GPtrArray *lost;       /* ACKed keys not posted in the database */
  GPtrArray *in_doubt;   /* started, not ACKed, and present */
  GPtrArray *problems;   /* every broken invariant, one line each */
} MdRelReport;

void      md_rel_report_init   (MdRelReport      *report);
void      md_rel_report_clear  (MdRelReport      *report);
gboolean  md_rel_check         (const char       *db_path,
                                const char       *expect_path,
                                MdRelCheckFlags   flags,
                                MdRelReport      *report,
                                GError          **error);
char     *md_rel_report_to_json (const MdRelReport *report);
gint64    md_rel_key_amount    (const char       *key);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdRelReport, md_rel_report_clear)

G_END_DECLS
