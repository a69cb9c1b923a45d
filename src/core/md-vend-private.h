/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-ledger.h"
#include "md-vend.h"

G_BEGIN_DECLS

/* A sale row as the state machine reads it. */
typedef struct
{
  gint64   id;
  char    *idem;
  char    *terminal;
  gint64   shift_id;
  char    *kind;
  gint64   account_id;
  char    *account_no;
  char    *billing;
  char    *utility;
  char    *medium;
  char    *target;
  char    *pay_method;
  char    *pay_ref;
  MdMoney  amount;
  MdMoney  credit;
  MdEnergy energy;
  gint64   purchase_count;
  char    *payload;
  char    *quote;
  char    *state;
  gint64   receipt_no;
  gint64   ref_sale_id;
  gint64   approver_id;
} MdSaleRow;

/* What a new row needs; the state machine fills the rest. */
typedef struct
{
  const char *idem;
  const char *kind;
  gint64      account_id;
  gint64      shift_id;
  const char *medium;
  const char *pay_method;
  const char *pay_ref;
  MdMoney     amount;
  gint64      tariff_version_row;
  const char *quote;
  const char *reason;
  gint64      ref_sale_id;
  gint64      approver_id;
} MdSaleInsert;

typedef struct
{
  const char *kind;         /* sale_line kind */
  char       *description;
  gint64      tier;         /* -1 for none */
  gint64      quantity;
  gint64      price;
  MdMoney     amount;
  char       *detail;       /* JSON, nullable */
} MdSaleLine;

void      _md_sale_row_clear        (MdSaleRow           *row);
gboolean  _md_sale_load             (MdStore             *store,
                                     const char          *column,
                                     const char          *value,
                                     MdSaleRow           *row,
                                     gboolean            *found,
                                     GError             **error);
gboolean  _md_sale_insert_pending   (MdStore             *store,
                                     MdSession           *session,
                                     const MdSaleInsert  *insert,
                                     const MdVendPlan    *plan,
                                     const MdSaleLine    *lines,
                                     guint                n_lines,
                                     gint64              *out_sale_id,
                                     gboolean            *out_existed,
                                     GError             **error);
gboolean  _md_sale_post             (MdSession           *session,
                                     gint64               sale_id,
                                     const char          *resolution,
                                     MdSaleResult        *out_result,
                                     GError             **error);
gboolean  _md_sale_fill_result      (MdStore             *store,
                                     gint64               sale_id,
                                     MdSaleResult        *out_result,
                                     GError             **error);
gboolean  _md_open_shift            (MdStore             *store,
                                     const char          *terminal,
                                     gint64              *out_shift_id,
                                     gint64              *out_operator_id,
                                     GError             **error);
char     *_md_pay_account           (const char          *pay_method,
                                     gint64               shift_id);
gboolean  _md_validate_key          (const char          *idem,
                                     GError             **error);
gboolean  _md_sale_deliver_and_post (MdSession           *session,
                                     gint64               sale_id,
                                     MdMedium            *medium,
                                     MdVendPlan          *plan,
                                     MdSaleResult        *out_result,
                                     GCancellable        *cancellable,
                                     GError             **error);
gboolean  _md_fee_line              (MdStore             *store,
                                     const char          *kind,
                                     gint64               account_id,
                                     MdSaleLine          *line,
                                     GError             **error);
void      _md_sale_lines_free       (GArray              *lines);
gboolean  _md_sale_write_pending    (MdSession           *session,
                                     const MdSaleInsert  *insert,
                                     const MdVendPlan    *plan,
                                     const MdSaleLine    *lines,
                                     guint                n_lines,
                                     gint64              *out_sale_id,
                                     gboolean            *out_existed,
                                     GError             **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdSaleRow, _md_sale_row_clear)

G_END_DECLS
