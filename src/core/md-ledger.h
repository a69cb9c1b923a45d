/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-money.h"
#include "md-store.h"

G_BEGIN_DECLS

/*
 * The double-entry ledger: every posting's legs sum to zero; balances are
 * cached sums checked against the rows. A customer's prepaid credit is the
 * negative of the balance of "prepaid:<account no>" (a liability).
 */

/**
 * MdLeg:
 * @account: ledger account: "cash:<shift>", "safe", "bank-card", "transfer",
 *   "wechat", "alipay", "other", "prepaid:<no>", "revenue:electricity",
 *   "revenue:water", "revenue:fee:<kind>", "over-short"
 * @delta: fen, positive for a debit
 * @ref: (nullable): a payment reference
 */
typedef struct
{
  const char *account;
  MdMoney     delta;
  const char *ref;
} MdLeg;

gboolean   _md_ledger_post       (MdStore      *store,
                                  gint64        sale_id,
                                  gint64        shift_id,
                                  const MdLeg  *legs,
                                  guint         n_legs,
                                  GError      **error);
gboolean   md_ledger_balance     (MdStore      *store,
                                  const char   *account,
                                  MdMoney      *out_value,
                                  GError      **error);
gboolean   md_ledger_account_credit (MdStore   *store,
                                     const char *account_no,
                                     MdMoney   *out_credit,
                                     GError   **error);
gboolean   md_ledger_check       (MdStore      *store,
                                  GPtrArray   **out_problems,
                                  GError      **error);

G_END_DECLS
