/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-card.h"
#include "md-card-medium.h"
#include "md-vend.h"

G_BEGIN_DECLS

/*
 * The card service: what the sales counter does with cards, written once
 * for the CLI and the app. It joins a reader (#MdCardLink: a PC/SC reader,
 * or the demo's emulated one), the site's master key and the books
 * (src/core md-card.h, md-vend.h):
 *
 *  - the card query (卡查询): read the card, compare it with the books;
 *  - the card as the medium of a sale, its recovery and its reversal;
 *  - issue (发卡), replacement (补卡) with its fee, and the technicians'
 *    setting, check and clear cards.
 *
 * Every call blocks on the reader and the database: the app makes them on
 * its worker thread (MdWorker), never on the UI thread; the CLI makes them
 * directly. One thread uses a service at a time. Messages in errors are
 * translated and fit on one line, for the cashier.
 *
 * Security events: a card whose data fails its MAC, was copied from another
 * card, was written under another site's key, or shows a purchase count
 * below the books' (an older image) is refused with its own MD_CARD_ERROR
 * and recorded: an audit row "card.tamper" and an alert, in one
 * transaction (md_card_record_tamper()). A card that disagrees with the
 * books otherwise (lost, replaced, another generation, a meter that loaded
 * more than was sold…) blocks sales to it and raises an alert.
 */

#define MD_TYPE_CARD_SERVICE (md_card_service_get_type ())
G_DECLARE_FINAL_TYPE (MdCardService, md_card_service, MD, CARD_SERVICE, GObject)

/**
 * MdCardQuery:
 * @card: what the card holds, every MAC verified
 * @registered: the card is in the card register; @record is filled
 * @record: the card as the books know it
 * @problems: (element-type utf8): one translated line per disagreement
 *   with the books; each was raised as an alert
 * @blocked: a sale to this card must be refused (problems, or a sale to it
 *   still pending)
 * @sellable: a customer's card in use, registered, not blocked
 * @pending_sale: a card sale (or reversal) to this card not yet settled,
 *   0 when none
 * @pending_written: that sale's purchase is on the card (posting it is all
 *   that is left); else it is not written yet
 * @meter_account: (nullable): the account of the meter that wrote the
 *   card's write-back, when that meter is known here
 *
 * The answer of the card query, for the counter's card panel
 * (md_card_query_to_json() for the CLI).
 */
typedef struct
{
  MdCardState   card;
  gboolean      registered;
  MdCardRecord  record;
  GPtrArray    *problems;
  gboolean      blocked;
  gboolean      sellable;
  gint64        pending_sale;
  gboolean      pending_written;
  char         *meter_account;
} MdCardQuery;

/**
 * MdCardToolParams:
 * @alarm1: the first low-credit alarm level, fen or Wh (the account's
 *   unit); 0 for none
 * @alarm2: the second level, 0 for none
 * @hoard_limit: the most credit the meter may hold (囤积上限), 0 for none
 * @power_limit: watts, or -1 for the account's capacity (1 VA = 1 W)
 *
 * What a setting card carries beyond the account's own values.
 */
typedef struct
{
  gint64 alarm1;
  gint64 alarm2;
  gint64 hoard_limit;
  gint64 power_limit;
} MdCardToolParams;

char           *md_card_key_path               (const char           *path);
gboolean        md_card_key_create             (const char           *path,
                                                char                **out_path,
                                                gboolean             *out_created,
                                                GError              **error);
MdCardKeys     *md_card_key_load               (const char           *path,
                                                GError              **error);
MdCardLink     *md_card_reader_open            (const char           *name,
                                                GError              **error);

MdCardService  *md_card_service_new            (MdCardLink           *link,
                                                const MdCardKeys     *keys);
MdCardService  *md_card_service_open           (const char           *reader,
                                                const char           *key_path,
                                                GError              **error);
MdCardLink     *md_card_service_get_link       (MdCardService        *self);
const MdCardKeys *md_card_service_get_keys     (MdCardService        *self);
void            md_card_service_set_session    (MdCardService        *self,
                                                MdSession            *session);
void            md_card_service_set_flags      (MdCardService        *self,
                                                MdCardSessionFlags    flags);

gboolean        md_card_service_query          (MdCardService        *self,
                                                MdSession            *session,
                                                MdCardQuery          *out_query,
                                                GCancellable         *cancellable,
                                                GError              **error);

MdMedium       *md_card_medium_for_sale        (MdSession            *session,
                                                MdCardLink           *link,
                                                const MdCardKeys     *keys,
                                                const char           *account_no,
                                                GError              **error);
MdMedium       *md_card_service_lookup_medium  (const char           *kind,
                                                gpointer              service);
gboolean        md_card_service_sell           (MdCardService        *self,
                                                MdSession            *session,
                                                const MdSaleRequest  *request,
                                                MdSaleResult         *out_result,
                                                GCancellable         *cancellable,
                                                GError              **error);
gboolean        md_card_service_resolve        (MdCardService        *self,
                                                MdSession            *session,
                                                gint64                sale_id,
                                                gboolean              void_if_not_delivered,
                                                MdApproval           *approval,
                                                MdSaleResult         *out_result,
                                                GCancellable         *cancellable,
                                                GError              **error);
gboolean        md_card_service_recover        (MdCardService        *self,
                                                MdSession            *session,
                                                JsonNode            **out_summary,
                                                GError              **error);
gboolean        md_card_service_reverse        (MdCardService        *self,
                                                MdSession            *session,
                                                gint64                sale_id,
                                                const char           *reason,
                                                const char           *idem,
                                                MdApproval           *approval,
                                                MdSaleResult         *out_result,
                                                GError              **error);

JsonNode       *md_card_service_issue          (MdCardService        *self,
                                                MdSession            *session,
                                                const char           *account_no,
                                                const char           *profile,
                                                GError              **error);
JsonNode       *md_card_service_replace        (MdCardService        *self,
                                                MdSession            *session,
                                                const char           *account_no,
                                                MdPayMethod           pay_method,
                                                const char           *pay_ref,
                                                GError              **error);
JsonNode       *md_card_service_write_setting  (MdCardService        *self,
                                                MdSession            *session,
                                                const char           *account_no,
                                                const MdCardToolParams *params,
                                                GError              **error);
JsonNode       *md_card_service_write_check    (MdCardService        *self,
                                                MdSession            *session,
                                                GError              **error);
JsonNode       *md_card_service_write_clear    (MdCardService        *self,
                                                MdSession            *session,
                                                GError              **error);

JsonNode       *md_card_readers_probe          (const MdCardKeys     *keys,
                                                GError              **error);

JsonNode       *md_card_query_to_json          (const MdCardQuery    *query);
void            md_card_query_clear            (MdCardQuery          *query);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdCardQuery, md_card_query_clear)

G_END_DECLS
