/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-store.h"

G_BEGIN_DECLS

#define MD_AUDIT_ERROR (md_audit_error_quark ())

typedef enum
{
  MD_AUDIT_ERROR_BROKEN,
} MdAuditError;

#define MD_AUDIT_HASH_HEX_LEN 64

/**
 * MdAuditEntry:
 * @terminal: the sales window (or "system")
 * @operator_id: who acted, 0 for the system
 * @approver_id: the supervisor who approved, 0 for none
 * @action: dotted verb, e.g. "account.open", "login.failed"
 * @object: what it acted on, e.g. "account:100234"
 * @detail: (nullable): a JSON object with the particulars, %NULL for "{}"
 */
typedef struct
{
  const char *terminal;
  gint64      operator_id;
  gint64      approver_id;
  const char *action;
  const char *object;
  const char *detail;
} MdAuditEntry;

/**
 * MdAuditReport:
 * @rows: rows checked
 * @head_seq: the last sequence number recorded in the head
 * @head_hash: the head hash, hex
 * @broken_seq: the first broken row, 0 when the chain holds
 * @reason: (nullable): why it is broken, translated
 */
typedef struct
{
  gint64  rows;
  gint64  head_seq;
  char    head_hash[MD_AUDIT_HASH_HEX_LEN + 1];
  gint64  broken_seq;
  char   *reason;
} MdAuditReport;

GQuark    md_audit_error_quark    (void);

gboolean  md_audit_append         (MdStore             *store,
                                   const MdAuditEntry  *entry,
                                   gint64              *out_seq,
                                   GError             **error);
gboolean  md_audit_verify         (MdStore             *store,
                                   MdAuditReport       *report,
                                   GError             **error);
void      md_audit_report_clear   (MdAuditReport       *report);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdAuditReport, md_audit_report_clear)

G_END_DECLS
