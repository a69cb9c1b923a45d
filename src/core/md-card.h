/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "md-auth.h"
#include "md-money.h"

G_BEGIN_DECLS

/*
 * The card register (the database side of 卡式预付费): which card belongs to
 * which account, its purchase count and generation, lost and replaced cards,
 * and the card query that compares what a card says with the books. Writing
 * the card itself is src/media's; these services record it.
 */

#define MD_CARD_REGISTER_ERROR (md_card_register_error_quark ())

typedef enum
{
  MD_CARD_REGISTER_ERROR_UNKNOWN_CARD,
  MD_CARD_REGISTER_ERROR_BLOCKED,
  MD_CARD_REGISTER_ERROR_MISMATCH,
  MD_CARD_REGISTER_ERROR_WAIT,
  MD_CARD_REGISTER_ERROR_STATE,
} MdCardRegisterError;

#define MD_CARD_LOST_WAIT_USEC ((gint64) 24 * 3600 * G_USEC_PER_SEC)

/**
 * MdCardRecord:
 * @uid: the card's UID/serial, hex
 * @account_no: the account it belongs to
 * @kind: "purchase", "replacement", "check", "setting" or "clear"
 * @status: "active", "lost", "replaced" or "retired"
 * @purchase_count: purchases written to it so far, by the books
 * @generation: 0 for the first card, +1 for each replacement
 */
typedef struct
{
  gint64  id;
  char   *uid;
  char   *account_no;
  char   *kind;
  char   *profile;
  char   *status;
  gint64  purchase_count;
  gint64  generation;
  gint64  lost_at;
} MdCardRecord;

/**
 * MdCardFacts:
 *
 * What a card says about itself (read by a card profile), to compare with
 * the books. Counts are -1 when the card does not carry them.
 */
typedef struct
{
  const char *uid;
  const char *account_no;
  gint64      purchase_count;
  gint64      generation;
  gint64      load_count;
} MdCardFacts;

/**
 * MdCardAccount:
 * @account_no: the account
 * @state: "preregistered", "open" or "closed"
 * @billing: "meter" (credit on the card and in the meter) or "system"
 * @money: sales deliver money (fen) rather than energy (Wh, litres)
 * @capacity_va: the contracted capacity in VA, 0 when not given
 *
 * What the card services need to know of an account to write its cards.
 */
typedef struct
{
  gint64    id;
  char     *account_no;
  char     *state;
  char     *billing;
  gboolean  money;
  gint64    capacity_va;
} MdCardAccount;

GQuark      md_card_register_error_quark (void);

gboolean    md_card_account_lookup       (MdStore           *store,
                                          const char        *account_no,
                                          MdCardAccount     *out_account,
                                          GError           **error);
void        md_card_account_clear        (MdCardAccount     *account);
gboolean    md_card_issue_allowed        (MdSession         *session,
                                          const char        *account_no,
                                          const char        *uid,
                                          gboolean          *out_done,
                                          GError           **error);
gboolean    md_card_record_tool          (MdSession         *session,
                                          const char        *uid,
                                          const char        *profile,
                                          const char        *kind,
                                          const char        *account_no,
                                          GError           **error);
gboolean    md_card_pending_sale         (MdStore           *store,
                                          const char        *uid,
                                          gint64            *out_sale_id,
                                          gint64            *out_purchase_count,
                                          char             **out_idem,
                                          GError           **error);
gboolean    md_card_meter_account        (MdStore           *store,
                                          const char        *meter_address,
                                          char             **out_account_no,
                                          GError           **error);
gboolean    md_card_record_tamper        (MdSession         *session,
                                          const char        *uid,
                                          const char        *reason,
                                          const char        *message,
                                          GError           **error);

gboolean    md_card_lookup               (MdStore           *store,
                                          const char        *uid,
                                          MdCardRecord      *out_record,
                                          GError           **error);
gboolean    md_card_of_account           (MdStore           *store,
                                          const char        *account_no,
                                          MdCardRecord      *out_record,
                                          GError           **error);
gboolean    md_card_check                (MdSession         *session,
                                          const MdCardFacts *facts,
                                          MdCardRecord      *out_record,
                                          GPtrArray        **out_problems,
                                          GError           **error);
gboolean    md_card_record_issue         (MdSession         *session,
                                          const char        *account_no,
                                          const char        *uid,
                                          const char        *profile,
                                          GError           **error);
gboolean    md_card_report_lost          (MdSession         *session,
                                          const char        *account_no,
                                          GError           **error);
gboolean    md_card_replacement_allowed  (MdSession         *session,
                                          const char        *account_no,
                                          MdCardRecord      *out_lost,
                                          GError           **error);
gboolean    md_card_record_replacement   (MdSession         *session,
                                          const char        *account_no,
                                          const char        *new_uid,
                                          const char        *profile,
                                          GError           **error);
gboolean    md_alert_raise               (MdSession         *session,
                                          const char        *kind,
                                          const char        *object,
                                          const char        *message,
                                          GError           **error);
JsonNode   *md_alert_list                (MdSession         *session,
                                          gboolean           open_only,
                                          GError           **error);
gboolean    md_alert_acknowledge         (MdSession         *session,
                                          gint64             alert_id,
                                          GError           **error);
void        md_card_record_clear         (MdCardRecord      *record);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdCardRecord, md_card_record_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdCardAccount, md_card_account_clear)

G_END_DECLS
