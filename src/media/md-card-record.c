/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-card-record.h"

#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <string.h>

static const guint8 issue_domain[4] = { 'M', 'D', 'I', 0x01 };
static const guint8 purchase_domain[4] = { 'M', 'D', 'P', 0x01 };
static const guint8 meter_domain[4] = { 'M', 'D', 'M', 0x01 };

static const char *kind_names[] = {
  [MD_CARD_KIND_BLANK] = "blank",
  [MD_CARD_KIND_PURCHASE] = "purchase",
  [MD_CARD_KIND_REPLACEMENT] = "replacement",
  [MD_CARD_KIND_CHECK] = "check",
  [MD_CARD_KIND_SETTING] = "setting",
  [MD_CARD_KIND_CLEAR] = "clear",
};

static const char *result_names[] = {
  [MD_CARD_RESULT_NONE] = "none",
  [MD_CARD_RESULT_LOADED] = "loaded",
  [MD_CARD_RESULT_NOTHING_NEW] = "nothing-new",
  [MD_CARD_RESULT_REFUSED_COUNT] = "refused-count",
  [MD_CARD_RESULT_REFUSED_GENERATION] = "refused-generation",
  [MD_CARD_RESULT_REFUSED_ACCOUNT] = "refused-account",
  [MD_CARD_RESULT_REFUSED_CAPACITY] = "refused-capacity",
  [MD_CARD_RESULT_CHECKED] = "checked",
  [MD_CARD_RESULT_SET] = "set",
  [MD_CARD_RESULT_CLEARED] = "cleared",
};

static void
put32 (guint8  *p,
       guint32  v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static guint32
get32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
put16 (guint8  *p,
       guint16  v)
{
  p[0] = v >> 8;
  p[1] = v;
}

static guint16
get16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

const char *
md_card_kind_to_string (MdCardKind kind)
{
  if ((guint) kind < G_N_ELEMENTS (kind_names))
    return kind_names[kind];
  return "unknown";
}

/**
 * md_card_kind_parse:
 * @text: "purchase", "replacement", "check", "setting", "clear" or "blank",
 *   the words of the `card` table
 *
 * Returns: %TRUE when @text names a kind
 */
gboolean
md_card_kind_parse (const char *text,
                    MdCardKind *out_kind)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (kind_names); i++)
    if (g_str_equal (text, kind_names[i]))
      {
        *out_kind = i;
        return TRUE;
      }
  return FALSE;
}

const char *
md_card_meter_result_to_string (MdCardMeterResult result)
{
  if ((guint) result < G_N_ELEMENTS (result_names))
    return result_names[result];
  return "unknown";
}

/**
 * md_card_vend_id_from_key:
 * @idem: a sale's idempotency key
 * @out: (out caller-allocates): the first 8 bytes of SHA-256(@idem)
 *
 * The vend id written with a purchase: it tells, at recovery, whether the
 * record on the card is this sale's.
 */
void
md_card_vend_id_from_key (const char *idem,
                          guint8      out[MD_CARD_VEND_ID_SIZE])
{
  guint8 hash[crypto_hash_sha256_BYTES];

  g_return_if_fail (idem != NULL);

  crypto_hash_sha256 (hash, (const guint8 *) idem, strlen (idem));
  memcpy (out, hash, MD_CARD_VEND_ID_SIZE);
}

/**
 * md_card_record_is_empty:
 *
 * Returns: %TRUE when @bytes are all 00 or all FF: never written, or erased
 */
gboolean
md_card_record_is_empty (const guint8 *bytes,
                         gsize         len)
{
  gboolean zeros = TRUE;
  gboolean ones = TRUE;

  for (gsize i = 0; i < len; i++)
    {
      zeros = zeros && bytes[i] == 0x00;
      ones = ones && bytes[i] == 0xFF;
    }
  return zeros || ones;
}

/**
 * md_card_pick_slot:
 * @valid: whether each slot holds a record whose MAC verified
 * @seq: the sequence numbers of the slots
 *
 * The two-slot rule: of the valid slots, the one with the newer sequence
 * number (compared modulo 2^32) is the current record.
 *
 * Returns: 0 or 1, or -1 when neither slot is valid
 */
int
md_card_pick_slot (const gboolean valid[2],
                   const guint32  seq[2])
{
  if (valid[0] && valid[1])
    return (gint32) (seq[1] - seq[0]) > 0 ? 1 : 0;
  if (valid[0])
    return 0;
  if (valid[1])
    return 1;
  return -1;
}

static gboolean
mac_ok (const MdCardKeys *keys,
        const guint8     *uid,
        gsize             uid_len,
        const guint8     *domain,
        const guint8     *bytes,
        gsize             size,
        const guint8     *bind)
{
  guint8 mac[MD_CARD_MAC_SIZE];

  md_card_keys_mac (keys, uid, uid_len, domain, bytes, size - MD_CARD_MAC_SIZE, bind,
                    bind != NULL ? MD_CARD_MAC_SIZE : 0, mac);
  return sodium_memcmp (mac, bytes + size - MD_CARD_MAC_SIZE, MD_CARD_MAC_SIZE) == 0;
}

static gboolean
amount_fits (gint64       value,
             const char  *what,
             GError     **error)
{
  if (value < 0 || value > MD_CARD_AMOUNT_MAX)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID,
                   _("The %s %lld does not fit on a card (0 to 4294967295)"), what,
                   (long long) value);
      return FALSE;
    }
  return TRUE;
}

/**
 * md_card_issue_record_encode:
 * @uid: (array length=uid_len): the card's UID
 * @out: (out caller-allocates): the 72 bytes to write
 *
 * Returns: %FALSE with %MD_CARD_ERROR_INVALID when a value does not fit
 */
gboolean
md_card_issue_record_encode (const MdCardKeys         *keys,
                             const guint8             *uid,
                             gsize                     uid_len,
                             const MdCardIssueRecord  *record,
                             guint8                    out[MD_CARD_ISSUE_SIZE],
                             GError                  **error)
{
  gsize account_len = strlen (record->account_no);

  g_return_val_if_fail (uid_len >= 2, FALSE);

  if (record->kind < MD_CARD_KIND_PURCHASE || record->kind > MD_CARD_KIND_CLEAR)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID,
                   _("A card cannot be issued as a “%s” card"), md_card_kind_to_string (record->kind));
      return FALSE;
    }
  if (account_len > MD_CARD_ACCOUNT_MAX)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID,
                   _("The account number %s is too long for a card (at most %d characters)"),
                   record->account_no, MD_CARD_ACCOUNT_MAX);
      return FALSE;
    }
  for (gsize i = 0; i < account_len; i++)
    if (record->account_no[i] <= 0x20 || record->account_no[i] >= 0x7F)
      {
        g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID,
                     _("The account number %s cannot be written on a card (ASCII letters and "
                       "digits only)"), record->account_no);
        return FALSE;
      }
  if (record->generation > G_MAXUINT16)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID,
                   _("The card generation %u is beyond 65535"), record->generation);
      return FALSE;
    }
  if (!amount_fits (record->params.capacity, _("capacity"), error) ||
      !amount_fits (record->params.alarm1, _("alarm level"), error) ||
      !amount_fits (record->params.alarm2, _("alarm level"), error) ||
      !amount_fits (record->params.power_limit, _("power limit"), error))
    return FALSE;

  memset (out, 0, MD_CARD_ISSUE_SIZE);
  out[0] = MD_CARD_FORMAT_VERSION;
  out[1] = record->kind;
  out[2] = record->money ? 0x01 : 0x00;
  put16 (out + 4, record->generation);
  out[6] = uid[uid_len - 2];
  out[7] = uid[uid_len - 1];
  memcpy (out + 8, record->account_no, account_len);
  put32 (out + 40, record->params.capacity);
  put32 (out + 44, record->params.alarm1);
  put32 (out + 48, record->params.alarm2);
  put32 (out + 52, record->params.power_limit);
  md_card_keys_mac (keys, uid, uid_len, issue_domain, out, MD_CARD_ISSUE_SIZE - MD_CARD_MAC_SIZE,
                    NULL, 0, out + MD_CARD_ISSUE_SIZE - MD_CARD_MAC_SIZE);
  return TRUE;
}

/**
 * md_card_issue_record_decode:
 * @bytes: (array length=len): what the card holds
 *
 * Checks the MAC, then reads the fields.
 *
 * Returns: %FALSE with %MD_CARD_ERROR_TRUNCATED, %MD_CARD_ERROR_BLANK,
 *   %MD_CARD_ERROR_FOREIGN (written for another UID, or under another
 *   site's key), %MD_CARD_ERROR_BAD_MAC or %MD_CARD_ERROR_FORMAT
 */
gboolean
md_card_issue_record_decode (const MdCardKeys   *keys,
                             const guint8       *uid,
                             gsize               uid_len,
                             const guint8       *bytes,
                             gsize               len,
                             MdCardIssueRecord  *out_record,
                             GError            **error)
{
  MdCardIssueRecord r = { 0 };
  gsize account_len = 0;

  g_return_val_if_fail (uid_len >= 2, FALSE);

  if (len < MD_CARD_ISSUE_SIZE)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_TRUNCATED,
                   _("The card's issue record is cut short (%u of %d bytes)"), (guint) len,
                   MD_CARD_ISSUE_SIZE);
      return FALSE;
    }
  if (md_card_record_is_empty (bytes, MD_CARD_ISSUE_SIZE))
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BLANK, _("The card has not been issued"));
      return FALSE;
    }
  if (!mac_ok (keys, uid, uid_len, issue_domain, bytes, MD_CARD_ISSUE_SIZE, NULL))
    {
      /* Only a diagnosis: the UID tag says whose data this was meant for. */
      if (bytes[6] != uid[uid_len - 2] || bytes[7] != uid[uid_len - 1])
        g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_FOREIGN,
                     _("The card holds data written for another card: a copy, refused"));
      else
        g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BAD_MAC,
                     _("The card's issue record fails its check (MAC): altered, damaged, or "
                       "issued under another site's key"));
      return FALSE;
    }

  if (bytes[0] != MD_CARD_FORMAT_VERSION)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_FORMAT,
                   _("The card uses layout version %u, which this program does not know"),
                   bytes[0]);
      return FALSE;
    }
  if (bytes[1] < MD_CARD_KIND_PURCHASE || bytes[1] > MD_CARD_KIND_CLEAR ||
      (bytes[2] & ~0x01) != 0 || bytes[3] != 0)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_FORMAT,
                   _("The card's issue record carries values this program does not know"));
      return FALSE;
    }
  while (account_len < MD_CARD_ACCOUNT_MAX && bytes[8 + account_len] != 0)
    {
      guint8 c = bytes[8 + account_len];

      if (c <= 0x20 || c >= 0x7F)
        {
          g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_FORMAT,
                       _("The card's account number is not readable"));
          return FALSE;
        }
      account_len++;
    }
  for (gsize i = account_len; i < MD_CARD_ACCOUNT_MAX; i++)
    if (bytes[8 + i] != 0)
      {
        g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_FORMAT,
                     _("The card's account number is not readable"));
        return FALSE;
      }

  r.kind = bytes[1];
  r.money = (bytes[2] & 0x01) != 0;
  r.generation = get16 (bytes + 4);
  memcpy (r.account_no, bytes + 8, account_len);
  r.account_no[account_len] = '\0';
  r.params.capacity = get32 (bytes + 40);
  r.params.alarm1 = get32 (bytes + 44);
  r.params.alarm2 = get32 (bytes + 48);
  r.params.power_limit = get32 (bytes + 52);
  *out_record = r;
  return TRUE;
}

/**
 * md_card_purchase_record_encode:
 * @issue_mac: the 16 MAC bytes of the card's issue record
 * @out: (out caller-allocates): the 38 bytes to write
 */
void
md_card_purchase_record_encode (const MdCardKeys           *keys,
                                const guint8               *uid,
                                gsize                       uid_len,
                                const guint8               *issue_mac,
                                const MdCardPurchaseRecord *record,
                                guint8                      out[MD_CARD_PURCHASE_SIZE])
{
  memset (out, 0, MD_CARD_PURCHASE_SIZE);
  out[0] = record->reversed ? 0x01 : 0x00;
  out[1] = record->skipped;
  put32 (out + 2, record->seq);
  put32 (out + 6, record->purchase_count);
  put32 (out + 10, record->credit);
  memcpy (out + 14, record->vend_id, MD_CARD_VEND_ID_SIZE);
  md_card_keys_mac (keys, uid, uid_len, purchase_domain, out,
                    MD_CARD_PURCHASE_SIZE - MD_CARD_MAC_SIZE, issue_mac, MD_CARD_MAC_SIZE,
                    out + MD_CARD_PURCHASE_SIZE - MD_CARD_MAC_SIZE);
}

/**
 * md_card_purchase_record_decode:
 *
 * Returns: %FALSE with %MD_CARD_ERROR_TRUNCATED, %MD_CARD_ERROR_BLANK (never
 *   written), %MD_CARD_ERROR_BAD_MAC or %MD_CARD_ERROR_FORMAT
 */
gboolean
md_card_purchase_record_decode (const MdCardKeys      *keys,
                                const guint8          *uid,
                                gsize                  uid_len,
                                const guint8          *issue_mac,
                                const guint8          *bytes,
                                gsize                  len,
                                MdCardPurchaseRecord  *out_record,
                                GError               **error)
{
  if (len < MD_CARD_PURCHASE_SIZE)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_TRUNCATED,
                   _("The card's purchase record is cut short (%u of %d bytes)"), (guint) len,
                   MD_CARD_PURCHASE_SIZE);
      return FALSE;
    }
  if (md_card_record_is_empty (bytes, MD_CARD_PURCHASE_SIZE))
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BLANK,
                   _("The card holds no purchase record"));
      return FALSE;
    }
  if (!mac_ok (keys, uid, uid_len, purchase_domain, bytes, MD_CARD_PURCHASE_SIZE, issue_mac))
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BAD_MAC,
                   _("The card's purchase record fails its check (MAC): altered or damaged"));
      return FALSE;
    }
  if ((bytes[0] & ~0x01) != 0 || (bytes[1] != 0 && bytes[1] >= get32 (bytes + 6)))
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_FORMAT,
                   _("The card's purchase record carries values this program does not know"));
      return FALSE;
    }

  out_record->reversed = (bytes[0] & 0x01) != 0;
  out_record->skipped = bytes[1];
  out_record->seq = get32 (bytes + 2);
  out_record->purchase_count = get32 (bytes + 6);
  out_record->credit = get32 (bytes + 10);
  memcpy (out_record->vend_id, bytes + 14, MD_CARD_VEND_ID_SIZE);
  return TRUE;
}

void
md_card_meter_record_encode (const MdCardKeys        *keys,
                             const guint8            *uid,
                             gsize                    uid_len,
                             const guint8            *issue_mac,
                             const MdCardMeterRecord *record,
                             guint8                   out[MD_CARD_METER_SIZE])
{
  memset (out, 0, MD_CARD_METER_SIZE);
  out[0] = record->status;
  out[1] = record->result;
  put32 (out + 2, record->seq);
  put32 (out + 6, record->load_count);
  put32 (out + 10, (guint32) record->remaining);
  put32 (out + 14, record->cumulative);
  memcpy (out + 18, record->meter_id, MD_CARD_METER_ID_SIZE);
  put16 (out + 24, record->generation);
  md_card_keys_mac (keys, uid, uid_len, meter_domain, out, MD_CARD_METER_SIZE - MD_CARD_MAC_SIZE,
                    issue_mac, MD_CARD_MAC_SIZE, out + MD_CARD_METER_SIZE - MD_CARD_MAC_SIZE);
}

gboolean
md_card_meter_record_decode (const MdCardKeys   *keys,
                             const guint8       *uid,
                             gsize               uid_len,
                             const guint8       *issue_mac,
                             const guint8       *bytes,
                             gsize               len,
                             MdCardMeterRecord  *out_record,
                             GError            **error)
{
  if (len < MD_CARD_METER_SIZE)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_TRUNCATED,
                   _("The meter's write-back on the card is cut short (%u of %d bytes)"),
                   (guint) len, MD_CARD_METER_SIZE);
      return FALSE;
    }
  if (md_card_record_is_empty (bytes, MD_CARD_METER_SIZE))
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BLANK,
                   _("No meter has written back to the card yet"));
      return FALSE;
    }
  if (!mac_ok (keys, uid, uid_len, meter_domain, bytes, MD_CARD_METER_SIZE, issue_mac))
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BAD_MAC,
                   _("The meter's write-back on the card fails its check (MAC): altered or "
                     "damaged"));
      return FALSE;
    }
  if ((bytes[0] & ~0x1F) != 0 || bytes[1] > MD_CARD_RESULT_CLEARED || bytes[26] != 0 ||
      bytes[27] != 0)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_FORMAT,
                   _("The meter's write-back carries values this program does not know"));
      return FALSE;
    }

  out_record->status = bytes[0];
  out_record->result = bytes[1];
  out_record->seq = get32 (bytes + 2);
  out_record->load_count = get32 (bytes + 6);
  out_record->remaining = (gint32) get32 (bytes + 10);
  out_record->cumulative = get32 (bytes + 14);
  memcpy (out_record->meter_id, bytes + 18, MD_CARD_METER_ID_SIZE);
  out_record->generation = get16 (bytes + 24);
  return TRUE;
}
