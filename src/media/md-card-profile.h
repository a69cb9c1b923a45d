/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "md-card-keys.h"
#include "md-card-link.h"
#include "md-card-record.h"

G_BEGIN_DECLS

/**
 * MdCardSession:
 *
 * One conversation with one card: connected, inside a PC/SC transaction,
 * its profile detected and its UID read. Every read and write of card data
 * goes through a session; close it soon (other programs wait).
 */
typedef struct _MdCardSession MdCardSession;

/**
 * MdCardArea:
 * @MD_CARD_AREA_ISSUE: the issue record (one copy)
 * @MD_CARD_AREA_PURCHASE: the two purchase slots
 * @MD_CARD_AREA_METER: the meter's two write-back slots
 */
typedef enum
{
  MD_CARD_AREA_ISSUE,
  MD_CARD_AREA_PURCHASE,
  MD_CARD_AREA_METER,
} MdCardArea;

/**
 * MdCardImage:
 *
 * The raw bytes of a card's areas as a profile reads them, before any
 * MAC is checked. A length shorter than the record means the card holds
 * less (a truncated file).
 */
typedef struct
{
  guint8 issue[MD_CARD_ISSUE_SIZE];
  gsize  issue_len;
  guint8 purchase[2][MD_CARD_PURCHASE_SIZE];
  gsize  purchase_len[2];
  guint8 meter[2][MD_CARD_METER_SIZE];
  gsize  meter_len[2];
} MdCardImage;

#define MD_TYPE_CARD_PROFILE (md_card_profile_get_type ())
G_DECLARE_INTERFACE (MdCardProfile, md_card_profile, MD, CARD_PROFILE, GObject)

/**
 * MdCardProfileInterface:
 * @get_name: "cpu", "sle4442": stored in the `card` table's profile column
 * @match_atr: whether a card with this ATR is one of this profile's
 * @open: at the start of a session: select what needs selecting, read the
 *   card's UID into the session
 * @read_image: the raw bytes of every area
 * @write_area: write one area (@slot 0 or 1 for the two-slot areas); a
 *   memory card's PSC is presented here, under the rules of
 *   docs/card-profiles.md
 * @personalize: at issue, before anything is written: what the card needs
 *   once (an SLE4442's serial protected and its PSC changed from the
 *   factory code)
 *
 * A card layout. The profile only moves bytes; the records, their MACs
 * and the two-slot rule are the same for every profile (#MdCardSession).
 * Adding a profile: docs/card-profiles.md "Adding a profile".
 */
struct _MdCardProfileInterface
{
  GTypeInterface parent_iface;

  const char * (*get_name)    (MdCardProfile  *self);
  gboolean     (*match_atr)   (MdCardProfile  *self,
                               GBytes         *atr);
  gboolean     (*open)        (MdCardProfile  *self,
                               MdCardSession  *session,
                               GError        **error);
  gboolean     (*read_image)  (MdCardProfile  *self,
                               MdCardSession  *session,
                               MdCardImage    *image,
                               GError        **error);
  gboolean     (*write_area)  (MdCardProfile  *self,
                               MdCardSession  *session,
                               MdCardArea      area,
                               guint           slot,
                               const guint8   *data,
                               gsize           len,
                               GError        **error);
  gboolean     (*personalize) (MdCardProfile  *self,
                               MdCardSession  *session,
                               GError        **error);
};

/**
 * MdCardSessionFlags:
 * @MD_CARD_SESSION_DEFAULT: the safe rules
 * @MD_CARD_SESSION_SUPERVISOR_OVERRIDE: a supervisor allows presenting an
 *   SLE4442's PSC although fewer than 3 tries remain (never the last try
 *   when the PSC is uncertain)
 */
typedef enum
{
  MD_CARD_SESSION_DEFAULT             = 0,
  MD_CARD_SESSION_SUPERVISOR_OVERRIDE = 1 << 0,
} MdCardSessionFlags;

/**
 * MdCardDamage:
 * @MD_CARD_DAMAGE_PURCHASE_SLOT: a purchase slot fails its MAC beside a valid one
 *   (a torn write that was not completed, or tampering)
 * @MD_CARD_DAMAGE_METER_SLOT: the same in the meter's write-back
 */
typedef enum
{
  MD_CARD_DAMAGE_PURCHASE_SLOT = 1 << 0,
  MD_CARD_DAMAGE_METER_SLOT    = 1 << 1,
} MdCardDamage;

/**
 * MdCardState:
 * @profile: "cpu" or "sle4442"
 * @uid: the card's UID (serial) in upper-case hex
 * @kind: %MD_CARD_KIND_BLANK for a card never issued (then only @profile,
 *   @uid and @psc_tries are set)
 * @account_no: the account the card belongs to ("" for technicians' cards)
 * @money: the credit is money (fen); else energy (Wh, or litres for water)
 * @generation: 0 for the first card of an account, +1 per replacement
 * @params: a setting card's parameters
 * @has_purchase: the card holds a purchase record
 * @purchase_count: the count of the last purchase written (N)
 * @credit: that purchase's credit, fen or Wh; 0 when reversed
 * @vend_id: its vend id in hex (md_card_vend_id_from_key())
 * @reversed: that purchase was taken back before the meter loaded it
 * @purchase_skipped: how many purchases directly before it were reversed:
 *   a meter that has not loaded them goes past them to this one
 * @has_write_back: a meter has written its state back
 * @load_count: the purchase count the meter loaded last
 * @remaining: the meter's credit left when it wrote back (may be negative)
 * @cumulative: the meter's total use, Wh or litres
 * @meter_status: #MdCardMeterStatus bits
 * @meter_result: what the meter did with the card last time
 * @meter_id: the meter's address, 12 digits
 * @meter_generation: the card generation the meter accepts
 * @damage: #MdCardDamage bits
 * @psc_tries: an SLE4442's PSC tries left (3 when intact), -1 for other cards
 *
 * What a card holds, every record's MAC verified. Comparing it with the
 * database (write-back, purchase count) is the caller's job.
 */
typedef struct
{
  char              *profile;
  char              *uid;
  MdCardKind         kind;
  char              *account_no;
  gboolean           money;
  guint              generation;
  MdCardParams       params;
  gboolean           has_purchase;
  gint64             purchase_count;
  gint64             credit;
  char              *vend_id;
  gboolean           reversed;
  guint              purchase_skipped;
  guint32            purchase_seq;
  gboolean           has_write_back;
  gint64             load_count;
  gint64             remaining;
  gint64             cumulative;
  guint              meter_status;
  MdCardMeterResult  meter_result;
  char              *meter_id;
  guint              meter_generation;
  guint32            meter_seq;
  guint              damage;
  int                psc_tries;
} MdCardState;

/**
 * MdCardIssue:
 * @kind: what the card becomes
 * @account_no: (nullable): the account, for purchase and replacement cards
 * @money: the account buys money rather than energy
 * @generation: 0 for a first card; a replacement gets the lost card's + 1
 * @purchase_count: the count the card starts at: the account's purchase
 *   count so far (0 for a new account)
 * @params: for a setting card
 */
typedef struct
{
  MdCardKind    kind;
  const char   *account_no;
  gboolean      money;
  guint         generation;
  gint64        purchase_count;
  MdCardParams  params;
} MdCardIssue;

/**
 * MdCardPurchase:
 * @expected_count: the purchase count the card must show now (N), or -1
 * @purchase_count: the count to write: N+1 (a reversal writes the same N+1)
 * @credit: fen or Wh; 0 for a reversal
 * @vend_key: the sale's idempotency key (its hash is the vend id on the card)
 * @reverses_vend_id: (nullable): for a reversal, the vend id (hex, as in
 *   #MdCardState) of the sale taken back; the card must still show that
 *   sale, not yet loaded by the meter
 */
typedef struct
{
  gint64       expected_count;
  gint64       purchase_count;
  gint64       credit;
  const char  *vend_key;
  const char  *reverses_vend_id;
} MdCardPurchase;

const char     *md_card_profile_get_name      (MdCardProfile       *self);
gboolean        md_card_profile_match_atr     (MdCardProfile       *self,
                                               GBytes              *atr);
GPtrArray      *md_card_profile_list          (void);
MdCardProfile  *md_card_profile_for_atr       (GBytes              *atr);
MdCardProfile  *md_card_profile_new_cpu       (void);
MdCardProfile  *md_card_profile_new_sle4442   (void);

MdCardSession  *md_card_session_open          (MdCardLink          *link,
                                               const MdCardKeys    *keys,
                                               MdCardSessionFlags   flags,
                                               GCancellable        *cancellable,
                                               GError             **error);
void            md_card_session_close         (MdCardSession       *session);
const char     *md_card_session_get_uid       (MdCardSession       *session);
MdCardProfile  *md_card_session_get_profile   (MdCardSession       *session);
guint           md_card_session_get_apdu_count (MdCardSession      *session);

gboolean        md_card_session_read          (MdCardSession       *session,
                                               MdCardState         *out_state,
                                               GError             **error);
gboolean        md_card_session_issue         (MdCardSession       *session,
                                               const MdCardIssue   *issue,
                                               GError             **error);
gboolean        md_card_session_write_replacement (MdCardSession   *session,
                                               const char          *account_no,
                                               gboolean             money,
                                               guint                generation,
                                               gint64               purchase_count,
                                               GError             **error);
gboolean        md_card_session_write_params  (MdCardSession       *session,
                                               const MdCardParams  *params,
                                               GError             **error);
gboolean        md_card_session_write_check   (MdCardSession       *session,
                                               GError             **error);
gboolean        md_card_session_write_clear   (MdCardSession       *session,
                                               GError             **error);
gboolean        md_card_session_erase         (MdCardSession       *session,
                                               GError             **error);
gboolean        md_card_session_write_purchase (MdCardSession      *session,
                                               const MdCardPurchase *purchase,
                                               GError             **error);
gboolean        md_card_session_write_back    (MdCardSession       *session,
                                               const MdCardMeterRecord *record,
                                               GError             **error);

gboolean        md_card_read_state            (MdCardLink          *link,
                                               const MdCardKeys    *keys,
                                               MdCardState         *out_state,
                                               GCancellable        *cancellable,
                                               GError             **error);

void            md_card_state_clear           (MdCardState         *state);
JsonNode       *md_card_state_to_json         (const MdCardState   *state);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdCardState, md_card_state_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdCardSession, md_card_session_close)

G_END_DECLS
