/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "md-card-keys.h"

G_BEGIN_DECLS

/*
 * The records both reference profiles store (docs/card-profiles.md): one
 * issue record, two purchase slots written by the sales counter, two
 * write-back slots written by the meter. Every record ends in a 16-byte
 * MAC under the card's own key; purchase and write-back records are bound
 * to the issue record's MAC. The MAC is checked before any field is read.
 */

#define MD_CARD_UID_SIZE          8
#define MD_CARD_ACCOUNT_MAX       32
#define MD_CARD_VEND_ID_SIZE      8
#define MD_CARD_METER_ID_SIZE     6
#define MD_CARD_ISSUE_SIZE        72
#define MD_CARD_PURCHASE_SIZE     38
#define MD_CARD_METER_SIZE        44
#define MD_CARD_FORMAT_VERSION    1
#define MD_CARD_AMOUNT_MAX        ((gint64) G_MAXUINT32)

/**
 * MdCardKind:
 * @MD_CARD_KIND_BLANK: not issued (no issue record)
 * @MD_CARD_KIND_PURCHASE: a customer's card (购电卡)
 * @MD_CARD_KIND_REPLACEMENT: a customer's card issued after a loss (补卡), one
 *   generation up: the meter then refuses the older cards
 * @MD_CARD_KIND_CHECK: a technician's card the meter writes its state onto (检查卡)
 * @MD_CARD_KIND_SETTING: a technician's card carrying meter parameters (设置卡)
 * @MD_CARD_KIND_CLEAR: a technician's card that clears the meter's purchase state (清零卡)
 */
typedef enum
{
  MD_CARD_KIND_BLANK = 0,
  MD_CARD_KIND_PURCHASE = 1,
  MD_CARD_KIND_REPLACEMENT = 2,
  MD_CARD_KIND_CHECK = 3,
  MD_CARD_KIND_SETTING = 4,
  MD_CARD_KIND_CLEAR = 5,
} MdCardKind;

/**
 * MdCardParams:
 * @capacity: the most credit the meter may hold (囤积上限), fen or Wh; 0 = no limit
 * @alarm1: the first low-credit alarm level
 * @alarm2: the second (trip warning) level
 * @power_limit: watts; 0 = no limit
 *
 * Meter parameters carried by a setting card. Each fits in 32 bits.
 */
typedef struct
{
  gint64 capacity;
  gint64 alarm1;
  gint64 alarm2;
  gint64 power_limit;
} MdCardParams;

typedef struct
{
  MdCardKind    kind;
  gboolean      money;
  guint         generation;
  char          account_no[MD_CARD_ACCOUNT_MAX + 1];
  MdCardParams  params;
} MdCardIssueRecord;

/* @skipped: how many purchases directly before this one were reversed
 * (they carry no credit; a meter that has not seen them skips them) */
typedef struct
{
  guint32  seq;
  guint32  purchase_count;
  guint32  credit;
  guint8   vend_id[MD_CARD_VEND_ID_SIZE];
  gboolean reversed;
  guint8   skipped;
} MdCardPurchaseRecord;

/**
 * MdCardMeterStatus:
 * @MD_CARD_METER_RELAY_OPEN: the meter has cut the supply
 * @MD_CARD_METER_ALARM1: credit at or under the first alarm level
 * @MD_CARD_METER_ALARM2: credit at or under the second alarm level
 * @MD_CARD_METER_EXHAUSTED: no credit left
 * @MD_CARD_METER_TAMPER: the meter saw a tamper event
 */
typedef enum
{
  MD_CARD_METER_RELAY_OPEN = 1 << 0,
  MD_CARD_METER_ALARM1     = 1 << 1,
  MD_CARD_METER_ALARM2     = 1 << 2,
  MD_CARD_METER_EXHAUSTED  = 1 << 3,
  MD_CARD_METER_TAMPER     = 1 << 4,
} MdCardMeterStatus;

/**
 * MdCardMeterResult:
 * @MD_CARD_RESULT_NONE: no write-back yet
 * @MD_CARD_RESULT_LOADED: the meter loaded the purchase on the card
 * @MD_CARD_RESULT_NOTHING_NEW: the purchase had been loaded before
 * @MD_CARD_RESULT_REFUSED_COUNT: refused: the purchase count is not the meter's + 1
 * @MD_CARD_RESULT_REFUSED_GENERATION: refused: a card of an older generation
 * @MD_CARD_RESULT_REFUSED_ACCOUNT: refused: the card is for another account
 * @MD_CARD_RESULT_REFUSED_CAPACITY: refused: the credit would pass the capacity
 * @MD_CARD_RESULT_CHECKED: a check card read the meter
 * @MD_CARD_RESULT_SET: a setting card set the parameters
 * @MD_CARD_RESULT_CLEARED: a clear card cleared the meter
 *
 * What the meter did with the card the last time, written back with its state.
 */
typedef enum
{
  MD_CARD_RESULT_NONE = 0,
  MD_CARD_RESULT_LOADED = 1,
  MD_CARD_RESULT_NOTHING_NEW = 2,
  MD_CARD_RESULT_REFUSED_COUNT = 3,
  MD_CARD_RESULT_REFUSED_GENERATION = 4,
  MD_CARD_RESULT_REFUSED_ACCOUNT = 5,
  MD_CARD_RESULT_REFUSED_CAPACITY = 6,
  MD_CARD_RESULT_CHECKED = 7,
  MD_CARD_RESULT_SET = 8,
  MD_CARD_RESULT_CLEARED = 9,
} MdCardMeterResult;

typedef struct
{
  guint32  seq;
  guint8   status;
  guint8   result;
  guint32  load_count;
  gint32   remaining;
  guint32  cumulative;
  guint8   meter_id[MD_CARD_METER_ID_SIZE];
  guint16  generation;
} MdCardMeterRecord;

const char  *md_card_kind_to_string          (MdCardKind                  kind);
gboolean     md_card_kind_parse              (const char                 *text,
                                              MdCardKind                 *out_kind);
const char  *md_card_meter_result_to_string  (MdCardMeterResult           result);

void         md_card_vend_id_from_key        (const char                 *idem,
                                              guint8                      out[MD_CARD_VEND_ID_SIZE]);
gboolean     md_card_record_is_empty         (const guint8               *bytes,
                                              gsize                       len);
int          md_card_pick_slot               (const gboolean              valid[2],
                                              const guint32               seq[2]);

gboolean     md_card_issue_record_encode     (const MdCardKeys           *keys,
                                              const guint8               *uid,
                                              gsize                       uid_len,
                                              const MdCardIssueRecord    *record,
                                              guint8                      out[MD_CARD_ISSUE_SIZE],
                                              GError                    **error);
gboolean     md_card_issue_record_decode     (const MdCardKeys           *keys,
                                              const guint8               *uid,
                                              gsize                       uid_len,
                                              const guint8               *bytes,
                                              gsize                       len,
                                              MdCardIssueRecord          *out_record,
                                              GError                    **error);
void         md_card_purchase_record_encode  (const MdCardKeys           *keys,
                                              const guint8               *uid,
                                              gsize                       uid_len,
                                              const guint8               *issue_mac,
                                              const MdCardPurchaseRecord *record,
                                              guint8                      out[MD_CARD_PURCHASE_SIZE]);
gboolean     md_card_purchase_record_decode  (const MdCardKeys           *keys,
                                              const guint8               *uid,
                                              gsize                       uid_len,
                                              const guint8               *issue_mac,
                                              const guint8               *bytes,
                                              gsize                       len,
                                              MdCardPurchaseRecord       *out_record,
                                              GError                    **error);
void         md_card_meter_record_encode     (const MdCardKeys           *keys,
                                              const guint8               *uid,
                                              gsize                       uid_len,
                                              const guint8               *issue_mac,
                                              const MdCardMeterRecord    *record,
                                              guint8                      out[MD_CARD_METER_SIZE]);
gboolean     md_card_meter_record_decode     (const MdCardKeys           *keys,
                                              const guint8               *uid,
                                              gsize                       uid_len,
                                              const guint8               *issue_mac,
                                              const guint8               *bytes,
                                              gsize                       len,
                                              MdCardMeterRecord          *out_record,
                                              GError                    **error);

G_END_DECLS
