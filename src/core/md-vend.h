/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "md-auth.h"
#include "md-medium.h"

G_BEGIN_DECLS

/*
 * The sale (ARCHITECTURE.md "The sale"): an idempotency key from the moment
 * the sale screen opens; a quote from the account's tariff; PENDING committed
 * with the exact payload before any device is touched; delivery through an
 * MdMedium; POSTED in one transaction with the balanced ledger rows, this
 * terminal's gapless receipt number and the audit row. VOIDED only with proof
 * of non-delivery. Corrections are new rows, never edits.
 */

#define MD_VEND_ERROR (md_vend_error_quark ())

typedef enum
{
  MD_VEND_ERROR_NO_SHIFT,
  MD_VEND_ERROR_KEY_REUSED,
  MD_VEND_ERROR_TARGET_PENDING,
  MD_VEND_ERROR_NOT_DELIVERED,
  MD_VEND_ERROR_UNKNOWN,
  MD_VEND_ERROR_CONFLICT,
  MD_VEND_ERROR_STATE,
  MD_VEND_ERROR_NOT_REVERSIBLE,
  MD_VEND_ERROR_CREDIT,
  MD_VEND_ERROR_MEDIUM,
} MdVendError;

typedef enum
{
  MD_PAY_CASH,
  MD_PAY_BANK_CARD,
  MD_PAY_TRANSFER,
  MD_PAY_WECHAT,
  MD_PAY_ALIPAY,
  MD_PAY_OTHER,
} MdPayMethod;

/**
 * MdSaleRequest:
 * @idem: the key created when the sale screen opened (md_vend_new_key());
 *   every retry of this sale reuses it
 * @amount: fen to spend, or 0 when @energy is given
 * @energy: Wh (litres) to buy, or 0 when @amount is given
 * @pay_ref: (nullable): the payment's reference (POS slip, transfer no.)
 * @fees: (nullable) (array zero-terminated=1): fee kinds to charge with it
 */
typedef struct
{
  const char         *idem;
  const char         *account_no;
  MdMoney             amount;
  MdEnergy            energy;
  MdPayMethod         pay_method;
  const char         *pay_ref;
  const char * const *fees;
} MdSaleRequest;

/**
 * MdSaleResult:
 * @receipt: "T01-000123" once posted, else %NULL
 * @state: "pending", "posted" or "voided"
 * @replayed: the key had been used: this is that earlier sale, unchanged
 * @next_action: (nullable): for a pending sale, what settles it
 */
typedef struct
{
  gint64    sale_id;
  char     *idem;
  char     *kind;
  char     *state;
  char     *receipt;
  gint64    receipt_no;
  MdMoney   amount;
  MdMoney   credit;
  MdEnergy  energy;
  gint64    purchase_count;
  gboolean  replayed;
  char     *next_action;
} MdSaleResult;

/* Finds the medium of a pending sale for recovery, by the kind stored with it. */
typedef MdMedium *(*MdMediumLookup) (const char *kind,
                                     gpointer    user_data);

GQuark       md_vend_error_quark       (void);

const char  *md_pay_method_to_string   (MdPayMethod          method);
gboolean     md_pay_method_parse       (const char          *text,
                                        MdPayMethod         *out_method,
                                        GError             **error);
char        *md_vend_new_key           (void);
char        *md_receipt_format         (const char          *terminal,
                                        gint64               receipt_no);

gboolean     md_vend_sell              (MdSession           *session,
                                        const MdSaleRequest *request,
                                        MdMedium            *medium,
                                        MdSaleResult        *out_result,
                                        GCancellable        *cancellable,
                                        GError             **error);
gboolean     md_vend_resolve           (MdSession           *session,
                                        gint64               sale_id,
                                        MdMedium            *medium,
                                        gboolean             void_if_not_delivered,
                                        MdApproval          *approval,
                                        MdSaleResult        *out_result,
                                        GCancellable        *cancellable,
                                        GError             **error);
gboolean     md_vend_recover           (MdSession           *session,
                                        MdMediumLookup       lookup,
                                        gpointer             user_data,
                                        JsonNode           **out_summary,
                                        GError             **error);
gboolean     md_vend_reverse           (MdSession           *session,
                                        gint64               sale_id,
                                        MdMedium            *medium,
                                        const char          *reason,
                                        const char          *idem,
                                        MdApproval          *approval,
                                        MdSaleResult        *out_result,
                                        GError             **error);
gboolean     md_vend_refund            (MdSession           *session,
                                        const char          *account_no,
                                        MdMoney              amount,
                                        MdPayMethod          pay_method,
                                        const char          *reason,
                                        const char          *idem,
                                        MdApproval          *approval,
                                        MdSaleResult        *out_result,
                                        GError             **error);
gboolean     md_vend_offset            (MdSession           *session,
                                        const char          *account_no,
                                        const char          *fee_kind,
                                        const char          *to_account_no,
                                        MdMoney              amount,
                                        const char          *idem,
                                        MdSaleResult        *out_result,
                                        GError             **error);
gboolean     md_vend_charge            (MdSession           *session,
                                        const char          *account_no,
                                        const char * const  *fees,
                                        MdPayMethod          pay_method,
                                        const char          *pay_ref,
                                        const char          *idem,
                                        MdSaleResult        *out_result,
                                        GError             **error);
gboolean     md_vend_grant             (MdSession           *session,
                                        const char          *account_no,
                                        MdEnergy             energy,
                                        const char          *period,
                                        MdMedium            *medium,
                                        MdSaleResult        *out_result,
                                        GError             **error);
gboolean     md_vend_close_account     (MdSession           *session,
                                        const char          *account_no,
                                        MdPayMethod          pay_method,
                                        const char          *idem,
                                        MdApproval          *approval,
                                        MdSaleResult        *out_result,
                                        GError             **error);
gboolean     md_vend_replace_meter     (MdSession           *session,
                                        const char          *account_no,
                                        const char          *old_address,
                                        const char          *new_address,
                                        MdMoney              carry,
                                        MdMedium            *medium,
                                        const char          *idem,
                                        MdSaleResult        *out_result,
                                        GError             **error);

JsonNode    *md_sale_show              (MdSession           *session,
                                        gint64               sale_id,
                                        GError             **error);
JsonNode    *md_sale_list              (MdSession           *session,
                                        const char          *state,
                                        const char          *date,
                                        const char          *account_no,
                                        guint                limit,
                                        GError             **error);
JsonNode    *md_sale_result_to_json    (const MdSaleResult  *result);
void         md_sale_result_clear      (MdSaleResult        *result);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdSaleResult, md_sale_result_clear)

G_END_DECLS
