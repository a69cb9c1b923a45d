/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-card-private.h"

/* A card's records once their MACs are checked. */
typedef struct
{
  MdCardIssueRecord     issue;
  guint8                issue_mac[MD_CARD_MAC_SIZE];
  int                   purchase_slot;   /* -1: none */
  MdCardPurchaseRecord  purchase;
  int                   meter_slot;      /* -1: none */
  MdCardMeterRecord     meter;
  guint                 damage;
} Decoded;

/**
 * md_card_session_open:
 * @link: the reader (or emulated card) to talk through
 * @keys: the site's master key
 * @flags: %MD_CARD_SESSION_SUPERVISOR_OVERRIDE only with a supervisor's approval
 *
 * Connects to the card in the reader, starts a transaction (other
 * programs wait until md_card_session_close()), finds the card's profile
 * from its ATR and reads its UID.
 *
 * Returns: (transfer full): the session, or %NULL with an %MD_CARD_ERROR
 */
MdCardSession *
md_card_session_open (MdCardLink          *link,
                      const MdCardKeys    *keys,
                      MdCardSessionFlags   flags,
                      GCancellable        *cancellable,
                      GError             **error)
{
  g_autoptr(MdCardSession) session = NULL;
  g_autoptr(GBytes) atr = NULL;

  g_return_val_if_fail (MD_IS_CARD_LINK (link), NULL);
  g_return_val_if_fail (keys != NULL, NULL);

  if (!md_card_link_connect (link, cancellable, error))
    return NULL;

  session = g_new0 (MdCardSession, 1);
  session->link = g_object_ref (link);
  session->keys = md_card_keys_copy (keys);
  session->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  session->flags = flags;
  session->psc_tries = -1;

  if (!md_card_link_begin (link, error))
    return NULL;
  session->in_transaction = TRUE;

  atr = md_card_link_get_atr (link);
  session->profile = md_card_profile_for_atr (atr);
  if (session->profile == NULL)
    {
      g_autofree char *hex = NULL;

      if (atr != NULL)
        {
          gsize n;
          const guint8 *a = g_bytes_get_data (atr, &n);
          GString *s = g_string_new (NULL);

          for (gsize i = 0; i < n; i++)
            g_string_append_printf (s, "%s%02X", i > 0 ? " " : "", a[i]);
          hex = g_string_free (s, FALSE);
        }
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_UNSUPPORTED,
                   _("This kind of card is not supported (ATR %s)"), hex != NULL ? hex : "-");
      return NULL;
    }
  if (!MD_CARD_PROFILE_GET_IFACE (session->profile)->open (session->profile, session, error))
    return NULL;
  return g_steal_pointer (&session);
}

/**
 * md_card_session_close:
 *
 * Ends the transaction and frees the session. The card stays connected
 * for the next session when it is still in the reader.
 */
void
md_card_session_close (MdCardSession *session)
{
  if (session == NULL)
    return;
  if (session->in_transaction)
    md_card_link_end (session->link, NULL);
  g_clear_object (&session->profile);
  g_clear_object (&session->link);
  g_clear_object (&session->cancellable);
  md_card_keys_free (session->keys);
  g_free (session->uid_hex);
  g_free (session);
}

/**
 * md_card_session_get_uid:
 *
 * Returns: the card's UID in upper-case hex: the `card` table's uid
 */
const char *
md_card_session_get_uid (MdCardSession *session)
{
  g_return_val_if_fail (session != NULL, NULL);

  return session->uid_hex;
}

/**
 * md_card_session_get_profile:
 *
 * Returns: (transfer none): the card's profile
 */
MdCardProfile *
md_card_session_get_profile (MdCardSession *session)
{
  g_return_val_if_fail (session != NULL, NULL);

  return session->profile;
}

/**
 * md_card_session_get_apdu_count:
 *
 * Returns: the APDUs sent so far in this session
 */
guint
md_card_session_get_apdu_count (MdCardSession *session)
{
  g_return_val_if_fail (session != NULL, 0);

  return session->apdu_count;
}

static gboolean
read_image (MdCardSession  *session,
            MdCardImage    *image,
            GError        **error)
{
  if (session->image_valid)
    {
      *image = session->image;
      return TRUE;
    }
  memset (image, 0, sizeof *image);
  if (!MD_CARD_PROFILE_GET_IFACE (session->profile)->read_image (session->profile, session,
                                                                 image, error))
    return FALSE;
  session->image = *image;
  session->image_valid = TRUE;
  return TRUE;
}

static gboolean
write_area (MdCardSession  *session,
            MdCardArea      area,
            guint           slot,
            const guint8   *data,
            gsize           len,
            GError        **error)
{
  /* Whatever happens, the next read goes to the card. */
  session->image_valid = FALSE;
  return MD_CARD_PROFILE_GET_IFACE (session->profile)->write_area (session->profile, session,
                                                                   area, slot, data, len, error);
}

/* Records from raw bytes: every MAC first, then the two-slot rule. A
 * damaged slot beside a valid one is a torn write left unfinished (or
 * tampering the database will see); no valid purchase slot at all is an
 * error. */
static gboolean
decode (MdCardSession      *session,
        const MdCardImage  *image,
        Decoded            *out,
        GError            **error)
{
  gboolean valid[2] = { FALSE, FALSE };
  guint32 seq[2] = { 0, 0 };
  MdCardPurchaseRecord p[2];
  MdCardMeterRecord m[2];
  GError *first = NULL;

  memset (out, 0, sizeof *out);
  if (!md_card_issue_record_decode (session->keys, session->uid, MD_CARD_UID_SIZE, image->issue,
                                    image->issue_len, &out->issue, error))
    return FALSE;
  memcpy (out->issue_mac, image->issue + MD_CARD_ISSUE_SIZE - MD_CARD_MAC_SIZE, MD_CARD_MAC_SIZE);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (image->purchase_len[i] < MD_CARD_PURCHASE_SIZE)
        return md_card_purchase_record_decode (session->keys, session->uid, MD_CARD_UID_SIZE,
                                               out->issue_mac, image->purchase[i],
                                               image->purchase_len[i], &p[i], error);
      if (md_card_record_is_empty (image->purchase[i], MD_CARD_PURCHASE_SIZE))
        continue;
      valid[i] = md_card_purchase_record_decode (session->keys, session->uid, MD_CARD_UID_SIZE,
                                                 out->issue_mac, image->purchase[i],
                                                 MD_CARD_PURCHASE_SIZE, &p[i], &local_error);
      if (valid[i])
        seq[i] = p[i].seq;
      else
        {
          out->damage |= MD_CARD_DAMAGE_PURCHASE_SLOT;
          if (first == NULL)
            first = g_steal_pointer (&local_error);
        }
    }
  out->purchase_slot = md_card_pick_slot (valid, seq);
  if (out->purchase_slot < 0 && first != NULL)
    {
      g_propagate_error (error, first);
      return FALSE;
    }
  g_clear_error (&first);
  if (out->purchase_slot >= 0)
    out->purchase = p[out->purchase_slot];

  valid[0] = valid[1] = FALSE;
  for (guint i = 0; i < 2; i++)
    {
      if (image->meter_len[i] < MD_CARD_METER_SIZE)
        return md_card_meter_record_decode (session->keys, session->uid, MD_CARD_UID_SIZE,
                                            out->issue_mac, image->meter[i], image->meter_len[i],
                                            &m[i], error);
      if (md_card_record_is_empty (image->meter[i], MD_CARD_METER_SIZE))
        continue;
      valid[i] = md_card_meter_record_decode (session->keys, session->uid, MD_CARD_UID_SIZE,
                                              out->issue_mac, image->meter[i], MD_CARD_METER_SIZE,
                                              &m[i], NULL);
      if (valid[i])
        seq[i] = m[i].seq;
      else
        out->damage |= MD_CARD_DAMAGE_METER_SLOT;
    }
  out->meter_slot = md_card_pick_slot (valid, seq);
  if (out->meter_slot >= 0)
    out->meter = m[out->meter_slot];
  return TRUE;
}

static char *
hex_string (const guint8 *bytes,
            gsize         len)
{
  char *s = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    g_snprintf (s + 2 * i, 3, "%02X", bytes[i]);
  return s;
}

static char *
meter_id_string (const guint8 *bcd)
{
  char *s = g_malloc (MD_CARD_METER_ID_SIZE * 2 + 1);

  for (guint i = 0; i < MD_CARD_METER_ID_SIZE; i++)
    {
      s[2 * i] = "0123456789ABCDEF"[bcd[i] >> 4];
      s[2 * i + 1] = "0123456789ABCDEF"[bcd[i] & 0x0F];
    }
  s[MD_CARD_METER_ID_SIZE * 2] = '\0';
  return s;
}

static void
fill_state (MdCardSession *session,
            const Decoded *d,
            MdCardState   *st)
{
  st->kind = d->issue.kind;
  st->account_no = g_strdup (d->issue.account_no);
  st->money = d->issue.money;
  st->generation = d->issue.generation;
  st->params = d->issue.params;
  st->damage = d->damage;
  st->has_purchase = d->purchase_slot >= 0;
  if (st->has_purchase)
    {
      st->purchase_count = d->purchase.purchase_count;
      st->credit = d->purchase.credit;
      st->vend_id = hex_string (d->purchase.vend_id, MD_CARD_VEND_ID_SIZE);
      st->reversed = d->purchase.reversed;
      st->purchase_skipped = d->purchase.skipped;
      st->purchase_seq = d->purchase.seq;
    }
  st->has_write_back = d->meter_slot >= 0;
  if (st->has_write_back)
    {
      st->load_count = d->meter.load_count;
      st->remaining = d->meter.remaining;
      st->cumulative = d->meter.cumulative;
      st->meter_status = d->meter.status;
      st->meter_result = d->meter.result;
      st->meter_id = meter_id_string (d->meter.meter_id);
      st->meter_generation = d->meter.generation;
      st->meter_seq = d->meter.seq;
    }
}

/**
 * md_card_session_read:
 * @out_state: (out caller-allocates): cleared with md_card_state_clear()
 *
 * Reads the card and checks every record's MAC before reading it. A blank
 * card reads as %MD_CARD_KIND_BLANK, not as an error.
 *
 * Returns: %FALSE with an %MD_CARD_ERROR: a link error, or one of
 *   %MD_CARD_ERROR_BAD_MAC, %MD_CARD_ERROR_FOREIGN, %MD_CARD_ERROR_TRUNCATED,
 *   %MD_CARD_ERROR_FORMAT for data that cannot be trusted
 */
gboolean
md_card_session_read (MdCardSession  *session,
                      MdCardState    *out_state,
                      GError        **error)
{
  MdCardImage image;
  g_autoptr(GError) local_error = NULL;
  Decoded d;

  g_return_val_if_fail (session != NULL, FALSE);
  g_return_val_if_fail (out_state != NULL, FALSE);

  memset (out_state, 0, sizeof *out_state);
  if (!read_image (session, &image, error))
    return FALSE;

  out_state->profile = g_strdup (md_card_profile_get_name (session->profile));
  out_state->uid = g_strdup (session->uid_hex);
  out_state->psc_tries = session->psc_tries;
  if (!decode (session, &image, &d, &local_error))
    {
      if (g_error_matches (local_error, MD_CARD_ERROR, MD_CARD_ERROR_BLANK) &&
          md_card_record_is_empty (image.issue, MIN (image.issue_len, MD_CARD_ISSUE_SIZE)))
        {
          out_state->kind = MD_CARD_KIND_BLANK;
          out_state->account_no = g_strdup ("");
          return TRUE;
        }
      md_card_state_clear (out_state);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  fill_state (session, &d, out_state);
  return TRUE;
}

static gboolean
read_decoded (MdCardSession  *session,
              Decoded        *d,
              GError        **error)
{
  MdCardImage image;

  return read_image (session, &image, error) && decode (session, &image, d, error);
}

static gboolean
is_customer_card (MdCardKind kind)
{
  return kind == MD_CARD_KIND_PURCHASE || kind == MD_CARD_KIND_REPLACEMENT;
}

/**
 * md_card_session_issue:
 * @issue: what the card becomes
 *
 * Issues the card: a customer's purchase card, a replacement, or a
 * technician's check, setting or clear card. Whatever the card held is
 * erased first. A purchase or replacement card starts with a purchase
 * record at @issue's purchase count with no credit, so the meter that has
 * loaded that many purchases accepts the next one written on it.
 *
 * Returns: %TRUE once written (read the card back to be sure)
 */
gboolean
md_card_session_issue (MdCardSession      *session,
                       const MdCardIssue  *issue,
                       GError            **error)
{
  static const guint8 zeros[MD_CARD_ISSUE_SIZE] = { 0 };
  MdCardIssueRecord record = { 0 };
  guint8 issue_bytes[MD_CARD_ISSUE_SIZE];
  guint8 purchase_bytes[MD_CARD_PURCHASE_SIZE];
  MdCardPurchaseRecord first = { 0 };
  const char *account = issue->account_no != NULL ? issue->account_no : "";

  g_return_val_if_fail (session != NULL, FALSE);
  g_return_val_if_fail (issue != NULL, FALSE);

  if (is_customer_card (issue->kind) && *account == '\0')
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID,
                   _("A customer's card needs an account number"));
      return FALSE;
    }
  if (issue->purchase_count < 0 || issue->purchase_count > MD_CARD_AMOUNT_MAX)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID,
                   _("The purchase count %lld does not fit on a card"),
                   (long long) issue->purchase_count);
      return FALSE;
    }
  record.kind = issue->kind;
  record.money = issue->money;
  record.generation = issue->generation;
  if (strlen (account) > MD_CARD_ACCOUNT_MAX)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID,
                   _("The account number %s is too long for a card (at most %d characters)"),
                   account, MD_CARD_ACCOUNT_MAX);
      return FALSE;
    }
  g_strlcpy (record.account_no, account, sizeof record.account_no);
  if (issue->kind == MD_CARD_KIND_SETTING)
    record.params = issue->params;

  /* Personalising may give the card its serial: encode only afterwards. */
  session->image_valid = FALSE;
  if (!MD_CARD_PROFILE_GET_IFACE (session->profile)->personalize (session->profile, session, error))
    return FALSE;
  if (!md_card_issue_record_encode (session->keys, session->uid, MD_CARD_UID_SIZE, &record,
                                    issue_bytes, error))
    return FALSE;

  /* Old records first, so none of them can count under the new issue. */
  if (!write_area (session, MD_CARD_AREA_PURCHASE, 0, zeros, MD_CARD_PURCHASE_SIZE, error) ||
      !write_area (session, MD_CARD_AREA_PURCHASE, 1, zeros, MD_CARD_PURCHASE_SIZE, error) ||
      !write_area (session, MD_CARD_AREA_METER, 0, zeros, MD_CARD_METER_SIZE, error) ||
      !write_area (session, MD_CARD_AREA_METER, 1, zeros, MD_CARD_METER_SIZE, error) ||
      !write_area (session, MD_CARD_AREA_ISSUE, 0, issue_bytes, MD_CARD_ISSUE_SIZE, error))
    return FALSE;

  if (!is_customer_card (issue->kind))
    return TRUE;
  first.seq = 1;
  first.purchase_count = issue->purchase_count;
  md_card_purchase_record_encode (session->keys, session->uid, MD_CARD_UID_SIZE,
                                  issue_bytes + MD_CARD_ISSUE_SIZE - MD_CARD_MAC_SIZE, &first,
                                  purchase_bytes);
  return write_area (session, MD_CARD_AREA_PURCHASE, 0, purchase_bytes, MD_CARD_PURCHASE_SIZE,
                     error);
}

/**
 * md_card_session_write_replacement:
 * @generation: the lost card's generation + 1
 * @purchase_count: the account's purchase count so far
 *
 * Issues a replacement card (补卡). Once a meter has read it, the meter
 * refuses every card of an older generation.
 */
gboolean
md_card_session_write_replacement (MdCardSession  *session,
                                   const char     *account_no,
                                   gboolean        money,
                                   guint           generation,
                                   gint64          purchase_count,
                                   GError        **error)
{
  MdCardIssue issue = { MD_CARD_KIND_REPLACEMENT, account_no, money, generation, purchase_count };

  return md_card_session_issue (session, &issue, error);
}

/**
 * md_card_session_write_params:
 *
 * Makes the card a setting card carrying @params (设置卡).
 */
gboolean
md_card_session_write_params (MdCardSession       *session,
                              const MdCardParams  *params,
                              GError             **error)
{
  MdCardIssue issue = { MD_CARD_KIND_SETTING };

  g_return_val_if_fail (params != NULL, FALSE);

  issue.params = *params;
  return md_card_session_issue (session, &issue, error);
}

/**
 * md_card_session_write_check:
 *
 * Makes the card a check card (检查卡): a meter writes its state onto it.
 */
gboolean
md_card_session_write_check (MdCardSession  *session,
                             GError        **error)
{
  MdCardIssue issue = { MD_CARD_KIND_CHECK };

  return md_card_session_issue (session, &issue, error);
}

/**
 * md_card_session_write_clear:
 *
 * Makes the card a clear card (清零卡): a meter that reads it forgets its
 * credit, purchase count and account.
 */
gboolean
md_card_session_write_clear (MdCardSession  *session,
                             GError        **error)
{
  MdCardIssue issue = { MD_CARD_KIND_CLEAR };

  return md_card_session_issue (session, &issue, error);
}

/**
 * md_card_session_erase:
 *
 * Returns the card to blank (for retiring it or issuing it again). An
 * SLE4442 keeps its site PSC.
 */
gboolean
md_card_session_erase (MdCardSession  *session,
                       GError        **error)
{
  static const guint8 zeros[MD_CARD_ISSUE_SIZE] = { 0 };

  g_return_val_if_fail (session != NULL, FALSE);

  return write_area (session, MD_CARD_AREA_ISSUE, 0, zeros, MD_CARD_ISSUE_SIZE, error) &&
         write_area (session, MD_CARD_AREA_PURCHASE, 0, zeros, MD_CARD_PURCHASE_SIZE, error) &&
         write_area (session, MD_CARD_AREA_PURCHASE, 1, zeros, MD_CARD_PURCHASE_SIZE, error) &&
         write_area (session, MD_CARD_AREA_METER, 0, zeros, MD_CARD_METER_SIZE, error) &&
         write_area (session, MD_CARD_AREA_METER, 1, zeros, MD_CARD_METER_SIZE, error);
}

static gboolean
check_count (gint64   have,
             gint64   expected,
             GError **error)
{
  if (expected < 0 || have == expected)
    return TRUE;
  g_set_error (error, MD_CARD_ERROR,
               have < expected ? MD_CARD_ERROR_ROLLBACK : MD_CARD_ERROR_COUNT_JUMP,
               have < expected
                 ? _("The card shows purchase %lld but purchase %lld was sold: an older copy of "
                     "the card, refused")
                 : _("The card shows purchase %lld but only %lld were sold: refused"),
               (long long) have, (long long) expected);
  return FALSE;
}

/**
 * md_card_session_write_purchase:
 *
 * Writes a purchase (or a reversal) into the slot that does not hold the
 * current record, so a torn write leaves the current record whole. Writing
 * a purchase the card already shows (same count, same vend id) does
 * nothing. Read the card back afterwards: only the read-back proves it.
 *
 * Returns: %FALSE with an %MD_CARD_ERROR; after a link error the write may
 *   or may not have reached the card
 */
gboolean
md_card_session_write_purchase (MdCardSession         *session,
                                const MdCardPurchase  *purchase,
                                GError               **error)
{
  MdCardPurchaseRecord record = { 0 };
  guint8 bytes[MD_CARD_PURCHASE_SIZE];
  guint8 vend_id[MD_CARD_VEND_ID_SIZE];
  Decoded d;

  g_return_val_if_fail (session != NULL, FALSE);
  g_return_val_if_fail (purchase != NULL && purchase->vend_key != NULL, FALSE);

  if (!read_decoded (session, &d, error))
    return FALSE;
  if (!is_customer_card (d.issue.kind))
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_KIND,
                   _("A %s card cannot carry a purchase"), md_card_kind_to_string (d.issue.kind));
      return FALSE;
    }
  if (d.purchase_slot < 0)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BLANK,
                   _("The card's issue was not finished; issue it again"));
      return FALSE;
    }
  if (purchase->purchase_count < 1 || purchase->purchase_count > MD_CARD_AMOUNT_MAX ||
      purchase->credit < 0 || purchase->credit > MD_CARD_AMOUNT_MAX)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID,
                   _("The purchase (count %lld, credit %lld) does not fit on a card"),
                   (long long) purchase->purchase_count, (long long) purchase->credit);
      return FALSE;
    }

  md_card_vend_id_from_key (purchase->vend_key, vend_id);
  if (d.purchase.purchase_count == purchase->purchase_count &&
      memcmp (d.purchase.vend_id, vend_id, MD_CARD_VEND_ID_SIZE) == 0)
    return TRUE;

  record.purchase_count = purchase->purchase_count;
  memcpy (record.vend_id, vend_id, MD_CARD_VEND_ID_SIZE);
  if (purchase->reverses_vend_id != NULL)
    {
      g_autofree char *shown = hex_string (d.purchase.vend_id, MD_CARD_VEND_ID_SIZE);

      if (d.purchase.purchase_count != purchase->purchase_count ||
          g_ascii_strcasecmp (shown, purchase->reverses_vend_id) != 0 || d.purchase.reversed)
        {
          g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NOT_REVERSIBLE,
                       _("The card no longer shows the purchase to reverse (it shows purchase "
                         "%lu)"), (gulong) d.purchase.purchase_count);
          return FALSE;
        }
      if (d.meter_slot >= 0 && d.meter.load_count >= purchase->purchase_count)
        {
          g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NOT_REVERSIBLE,
                       _("The meter has already loaded purchase %lld: it cannot be reversed"),
                       (long long) purchase->purchase_count);
          return FALSE;
        }
      record.reversed = TRUE;
      record.credit = 0;
      record.skipped = d.purchase.skipped;
    }
  else
    {
      if (!check_count (d.purchase.purchase_count, purchase->expected_count, error))
        return FALSE;
      if (purchase->purchase_count != (gint64) d.purchase.purchase_count + 1)
        {
          g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_COUNT_JUMP,
                       _("Purchase %lld cannot follow purchase %lu on the card"),
                       (long long) purchase->purchase_count, (gulong) d.purchase.purchase_count);
          return FALSE;
        }
      /* Reversed purchases just before this one carry nothing: a meter
       * that has not seen them may go past them (docs/card-profiles.md). */
      if (d.purchase.reversed && d.purchase.skipped >= G_MAXUINT8 - 1)
        {
          g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID,
                       _("Too many reversed purchases in a row on this card; put it into the "
                         "meter once first"));
          return FALSE;
        }
      record.skipped = d.purchase.reversed ? d.purchase.skipped + 1 : 0;
      record.credit = purchase->credit;
    }

  record.seq = d.purchase.seq + 1;
  md_card_purchase_record_encode (session->keys, session->uid, MD_CARD_UID_SIZE, d.issue_mac,
                                  &record, bytes);
  return write_area (session, MD_CARD_AREA_PURCHASE, 1 - d.purchase_slot, bytes,
                     MD_CARD_PURCHASE_SIZE, error);
}

/**
 * md_card_session_write_back:
 * @record: the meter's state; its sequence number is ignored
 *
 * What a meter does after reading a card: write its state into the
 * write-back slot not holding the current one. The simulated meter uses
 * it; meter firmware does the same (docs/card-profiles.md).
 */
gboolean
md_card_session_write_back (MdCardSession            *session,
                            const MdCardMeterRecord  *record,
                            GError                  **error)
{
  MdCardMeterRecord r;
  guint8 bytes[MD_CARD_METER_SIZE];
  Decoded d;
  guint slot;

  g_return_val_if_fail (session != NULL && record != NULL, FALSE);

  if (!read_decoded (session, &d, error))
    return FALSE;
  r = *record;
  r.seq = d.meter_slot >= 0 ? d.meter.seq + 1 : 1;
  slot = d.meter_slot >= 0 ? 1 - d.meter_slot : 0;
  md_card_meter_record_encode (session->keys, session->uid, MD_CARD_UID_SIZE, d.issue_mac, &r,
                               bytes);
  return write_area (session, MD_CARD_AREA_METER, slot, bytes, MD_CARD_METER_SIZE, error);
}

void
md_card_state_clear (MdCardState *state)
{
  g_clear_pointer (&state->profile, g_free);
  g_clear_pointer (&state->uid, g_free);
  g_clear_pointer (&state->account_no, g_free);
  g_clear_pointer (&state->vend_id, g_free);
  g_clear_pointer (&state->meter_id, g_free);
}

/**
 * md_card_state_to_json:
 *
 * Returns: (transfer full): the state as an object, for the CLI's JSON
 */
JsonNode *
md_card_state_to_json (const MdCardState *state)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "profile");
  json_builder_add_string_value (b, state->profile);
  json_builder_set_member_name (b, "uid");
  json_builder_add_string_value (b, state->uid);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, md_card_kind_to_string (state->kind));
  if (state->psc_tries >= 0)
    {
      json_builder_set_member_name (b, "psc_tries");
      json_builder_add_int_value (b, state->psc_tries);
    }
  if (state->kind != MD_CARD_KIND_BLANK)
    {
      json_builder_set_member_name (b, "account");
      json_builder_add_string_value (b, state->account_no);
      json_builder_set_member_name (b, "unit");
      json_builder_add_string_value (b, state->money ? "fen" : "wh");
      json_builder_set_member_name (b, "generation");
      json_builder_add_int_value (b, state->generation);
      if (state->kind == MD_CARD_KIND_SETTING)
        {
          json_builder_set_member_name (b, "capacity");
          json_builder_add_int_value (b, state->params.capacity);
          json_builder_set_member_name (b, "alarm1");
          json_builder_add_int_value (b, state->params.alarm1);
          json_builder_set_member_name (b, "alarm2");
          json_builder_add_int_value (b, state->params.alarm2);
          json_builder_set_member_name (b, "power_limit");
          json_builder_add_int_value (b, state->params.power_limit);
        }
      if (state->has_purchase)
        {
          json_builder_set_member_name (b, "purchase_count");
          json_builder_add_int_value (b, state->purchase_count);
          json_builder_set_member_name (b, "credit");
          json_builder_add_int_value (b, state->credit);
          json_builder_set_member_name (b, "vend_id");
          json_builder_add_string_value (b, state->vend_id);
          json_builder_set_member_name (b, "reversed");
          json_builder_add_boolean_value (b, state->reversed);
        }
      if (state->has_write_back)
        {
          json_builder_set_member_name (b, "write_back");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "meter");
          json_builder_add_string_value (b, state->meter_id);
          json_builder_set_member_name (b, "load_count");
          json_builder_add_int_value (b, state->load_count);
          json_builder_set_member_name (b, "remaining");
          json_builder_add_int_value (b, state->remaining);
          json_builder_set_member_name (b, "cumulative");
          json_builder_add_int_value (b, state->cumulative);
          json_builder_set_member_name (b, "status");
          json_builder_add_int_value (b, state->meter_status);
          json_builder_set_member_name (b, "result");
          json_builder_add_string_value (b, md_card_meter_result_to_string (state->meter_result));
          json_builder_set_member_name (b, "generation");
          json_builder_add_int_value (b, state->meter_generation);
          json_builder_end_object (b);
        }
      json_builder_set_member_name (b, "damaged");
      json_builder_add_boolean_value (b, state->damage != 0);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/**
 * md_card_read_state:
 * @out_state: (out caller-allocates): cleared with md_card_state_clear()
 *
 * Reads the card in @link in a session of its own: what `card read`
 * shows, and what the caller compares with the database.
 */
gboolean
md_card_read_state (MdCardLink        *link,
                    const MdCardKeys  *keys,
                    MdCardState       *out_state,
                    GCancellable      *cancellable,
                    GError           **error)
{
  g_autoptr(MdCardSession) session = md_card_session_open (link, keys, MD_CARD_SESSION_DEFAULT,
                                                           cancellable, error);

  memset (out_state, 0, sizeof *out_state);
  return session != NULL && md_card_session_read (session, out_state, error);
}
