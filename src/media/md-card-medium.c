/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-card-medium.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/*
 * Cards as the sale's medium (RELIABILITY.md A5): prepare reads the card and
 * checks it against what the caller knows from the database; deliver
 * writes purchase N+1 with the sale's vend id and reads it back; inspect
 * tells, from the card alone, whether a pending sale reached it.
 */

struct _MdCardMedium
{
  GObject             parent_instance;

  MdCardLink         *link;
  MdCardKeys         *keys;
  MdCardSessionFlags  flags;
  char               *expected_uid;
  gint64              expected_count;
  gint                expected_generation;
  MdCardState         state;
  gboolean            have_state;
};

static void md_card_medium_iface_init (MdMediumInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MdCardMedium, md_card_medium, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MD_TYPE_MEDIUM, md_card_medium_iface_init))

static gboolean
is_customer_card (MdCardKind kind)
{
  return kind == MD_CARD_KIND_PURCHASE || kind == MD_CARD_KIND_REPLACEMENT;
}

/* Reads the card in a fresh session, keeping the state for the caller. */
static MdCardSession *
open_and_read (MdCardMedium  *self,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(MdCardSession) session = NULL;

  if (self->have_state)
    md_card_state_clear (&self->state);
  self->have_state = FALSE;

  if (!(session = md_card_session_open (self->link, self->keys, self->flags, cancellable, error)))
    return NULL;
  if (!md_card_session_read (session, &self->state, error))
    return NULL;
  self->have_state = TRUE;
  return g_steal_pointer (&session);
}

static gint64
amount_of (const MdVendPlan *plan)
{
  return plan->money_kind ? plan->credit : plan->energy;
}

static const char *
card_get_kind (MdMedium *medium)
{
  return "card";
}

static gboolean
card_prepare (MdMedium      *medium,
              MdVendPlan    *plan,
              GCancellable  *cancellable,
              GError       **error)
{
  MdCardMedium *self = MD_CARD_MEDIUM (medium);
  g_autoptr(MdCardSession) session = NULL;
  const MdCardState *st = &self->state;
  gint64 amount = amount_of (plan);

  if (!(session = open_and_read (self, cancellable, error)))
    return FALSE;

  if (st->kind == MD_CARD_KIND_BLANK)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BLANK, _("The card has not been issued"));
      return FALSE;
    }
  if (!is_customer_card (st->kind))
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_KIND,
                   _("This is a %s card, not a customer's card"), md_card_kind_to_string (st->kind));
      return FALSE;
    }
  if (g_strcmp0 (st->account_no, plan->account_no) != 0)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_ACCOUNT,
                   _("This card belongs to account %s, not %s"), st->account_no, plan->account_no);
      return FALSE;
    }
  if ((self->expected_uid != NULL && g_ascii_strcasecmp (self->expected_uid, st->uid) != 0) ||
      (self->expected_generation >= 0 && (guint) self->expected_generation != st->generation))
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NOT_ACTIVE,
                   _("This card (%s) is not the active card of account %s: lost or replaced"),
                   st->uid, plan->account_no);
      return FALSE;
    }
  if (!st->has_purchase)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BLANK,
                   _("The card's issue was not finished; issue it again"));
      return FALSE;
    }
  if (st->money != plan->money_kind)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_KIND,
                   st->money ? _("This card carries money, but the account buys energy")
                             : _("This card carries energy, but the account buys money"));
      return FALSE;
    }
  if (amount <= 0 || amount > MD_CARD_AMOUNT_MAX)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID,
                   _("The amount %lld cannot be written on a card (1 to 4294967295)"),
                   (long long) amount);
      return FALSE;
    }
  if (self->expected_count >= 0 && st->purchase_count != self->expected_count)
    {
      g_set_error (error, MD_CARD_ERROR,
                   st->purchase_count < self->expected_count ? MD_CARD_ERROR_ROLLBACK
                                                             : MD_CARD_ERROR_COUNT_JUMP,
                   st->purchase_count < self->expected_count
                     ? _("The card shows purchase %lld but purchase %lld was sold: an older copy "
                         "of the card, refused")
                     : _("The card shows purchase %lld but only %lld were sold: refused"),
                   (long long) st->purchase_count, (long long) self->expected_count);
      return FALSE;
    }
  if (st->purchase_count >= MD_CARD_AMOUNT_MAX)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID,
                   _("The card's purchase count is exhausted; issue a new card"));
      return FALSE;
    }

  {
    guint8 vend_id[MD_CARD_VEND_ID_SIZE];
    char hex[MD_CARD_VEND_ID_SIZE * 2 + 1];

    md_card_vend_id_from_key (plan->idem, vend_id);
    for (guint i = 0; i < MD_CARD_VEND_ID_SIZE; i++)
      g_snprintf (hex + 2 * i, 3, "%02X", vend_id[i]);

    g_free (plan->target);
    plan->target = g_strdup (st->uid);
    plan->purchase_count = st->purchase_count + 1;
    g_clear_pointer (&plan->payload, json_object_unref);
    plan->payload = json_object_new ();
    json_object_set_string_member (plan->payload, "profile", st->profile);
    json_object_set_string_member (plan->payload, "uid", st->uid);
    json_object_set_string_member (plan->payload, "vend_id", hex);
    json_object_set_int_member (plan->payload, "previous_count", st->purchase_count);
    json_object_set_int_member (plan->payload, "generation", st->generation);
    json_object_set_string_member (plan->payload, "unit", st->money ? "fen" : "wh");
  }
  return TRUE;
}

static gboolean
vend_id_is (const MdCardState *st,
            const char        *idem)
{
  guint8 vend_id[MD_CARD_VEND_ID_SIZE];
  char hex[MD_CARD_VEND_ID_SIZE * 2 + 1];

  md_card_vend_id_from_key (idem, vend_id);
  for (guint i = 0; i < MD_CARD_VEND_ID_SIZE; i++)
    g_snprintf (hex + 2 * i, 3, "%02X", vend_id[i]);
  return st->vend_id != NULL && g_ascii_strcasecmp (st->vend_id, hex) == 0;
}

static const char *
original_vend_id (const MdVendPlan *plan)
{
  if (plan->payload == NULL)
    return NULL;
  return json_object_get_string_member_with_default (plan->payload, "vend_id", NULL);
}

/* What the card shows for @plan, read a moment ago. */
static MdDelivery
judge (const MdCardState  *st,
       const MdVendPlan   *plan,
       GError            **error)
{
  gboolean reversal = plan->credit < 0 || plan->energy < 0;
  const char *original = original_vend_id (plan);

  if (plan->target == NULL || g_ascii_strcasecmp (st->uid, plan->target) != 0)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_CARD,
                   _("Another card (%s) is in the reader; the sale went to card %s"), st->uid,
                   plan->target != NULL ? plan->target : "-");
      return MD_DELIVERY_CONFLICT;
    }
  if (!is_customer_card (st->kind) || !st->has_purchase)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_KIND,
                   _("Card %s no longer holds purchases (it is a %s card)"), st->uid,
                   md_card_kind_to_string (st->kind));
      return MD_DELIVERY_CONFLICT;
    }
  if (st->purchase_count == plan->purchase_count && vend_id_is (st, plan->idem))
    return MD_DELIVERY_DELIVERED;
  if (!reversal && st->purchase_count == plan->purchase_count - 1)
    return MD_DELIVERY_NOT_DELIVERED;
  if (reversal && st->purchase_count == plan->purchase_count && !st->reversed &&
      original != NULL && g_ascii_strcasecmp (st->vend_id, original) == 0)
    return MD_DELIVERY_NOT_DELIVERED;

  g_set_error (error, MD_CARD_ERROR,
               st->purchase_count < plan->purchase_count - 1 ? MD_CARD_ERROR_ROLLBACK
                                                             : MD_CARD_ERROR_COUNT_JUMP,
               _("Card %s shows purchase %lld, not this sale's purchase %lld"), st->uid,
               (long long) st->purchase_count, (long long) plan->purchase_count);
  return MD_DELIVERY_CONFLICT;
}

/* A card that cannot be read proves nothing: the sale stays pending. Data
 * that fails its checks is an alarm. */
static MdDelivery
read_failure (const GError *error)
{
  if (md_card_error_is_transport (error) || error->domain != MD_CARD_ERROR)
    return MD_DELIVERY_UNKNOWN;
  switch ((MdCardError) error->code)
    {
    case MD_CARD_ERROR_UNSUPPORTED:
    case MD_CARD_ERROR_BLANK:
    case MD_CARD_ERROR_BAD_MAC:
    case MD_CARD_ERROR_FOREIGN:
    case MD_CARD_ERROR_TRUNCATED:
    case MD_CARD_ERROR_FORMAT:
      return MD_DELIVERY_CONFLICT;
    case MD_CARD_ERROR_NO_SERVICE:
    case MD_CARD_ERROR_NO_READER:
    case MD_CARD_ERROR_NO_CARD:
    case MD_CARD_ERROR_REMOVED:
    case MD_CARD_ERROR_RESET:
    case MD_CARD_ERROR_BUSY:
    case MD_CARD_ERROR_TIMEOUT:
    case MD_CARD_ERROR_UNRESPONSIVE:
    case MD_CARD_ERROR_TRANSPORT:
    case MD_CARD_ERROR_STATUS:
    case MD_CARD_ERROR_ROLLBACK:
    case MD_CARD_ERROR_COUNT_JUMP:
    case MD_CARD_ERROR_WRONG_CARD:
    case MD_CARD_ERROR_WRONG_ACCOUNT:
    case MD_CARD_ERROR_WRONG_KIND:
    case MD_CARD_ERROR_NOT_ACTIVE:
    case MD_CARD_ERROR_LOCKED:
    case MD_CARD_ERROR_PSC_TRIES:
    case MD_CARD_ERROR_PSC_REJECTED:
    case MD_CARD_ERROR_INVALID:
    case MD_CARD_ERROR_VERIFY:
    case MD_CARD_ERROR_NOT_REVERSIBLE:
    case MD_CARD_ERROR_KEYS:
    default:
      return MD_DELIVERY_UNKNOWN;
    }
}

static MdDelivery
card_inspect (MdMedium      *medium,
              MdVendPlan    *plan,
              GCancellable  *cancellable,
              GError       **error)
{
  MdCardMedium *self = MD_CARD_MEDIUM (medium);
  g_autoptr(MdCardSession) session = NULL;
  GError *local_error = NULL;

  if (!(session = open_and_read (self, cancellable, &local_error)))
    {
      MdDelivery d = read_failure (local_error);

      g_propagate_error (error, local_error);
      return d;
    }
  return judge (&self->state, plan, error);
}

static MdDelivery
card_deliver (MdMedium      *medium,
              MdVendPlan    *plan,
              GCancellable  *cancellable,
              GError       **error)
{
  MdCardMedium *self = MD_CARD_MEDIUM (medium);
  g_autoptr(MdCardSession) session = NULL;
  gboolean reversal = plan->credit < 0 || plan->energy < 0;
  MdCardPurchase purchase = { 0 };
  GError *local_error = NULL;
  MdDelivery before;

  g_return_val_if_fail (plan->idem != NULL, MD_DELIVERY_UNKNOWN);

  if (!(session = open_and_read (self, cancellable, &local_error)))
    {
      MdDelivery d = read_failure (local_error);

      g_propagate_error (error, local_error);
      return d;
    }

  /* Like every retry: read first, write only what is missing. */
  before = judge (&self->state, plan, error);
  if (before != MD_DELIVERY_NOT_DELIVERED)
    return before;

  purchase.vend_key = plan->idem;
  purchase.purchase_count = plan->purchase_count;
  if (reversal)
    purchase.reverses_vend_id = original_vend_id (plan);
  else
    {
      purchase.expected_count = plan->purchase_count - 1;
      purchase.credit = amount_of (plan);
    }

  if (!md_card_session_write_purchase (session, &purchase, &local_error))
    {
      /* A failed link may have carried the write; a refusal did not. */
      MdDelivery d = md_card_error_is_transport (local_error) ? MD_DELIVERY_UNKNOWN
                                                              : MD_DELIVERY_NOT_DELIVERED;

      g_propagate_error (error, local_error);
      return d;
    }

  md_card_state_clear (&self->state);
  self->have_state = FALSE;
  if (!md_card_session_read (session, &self->state, &local_error))
    {
      MdDelivery d = md_card_error_is_transport (local_error) ? MD_DELIVERY_UNKNOWN
                                                              : MD_DELIVERY_CONFLICT;

      g_propagate_error (error, local_error);
      return d;
    }
  self->have_state = TRUE;

  switch (judge (&self->state, plan, &local_error))
    {
    case MD_DELIVERY_DELIVERED:
      return MD_DELIVERY_DELIVERED;
    case MD_DELIVERY_NOT_DELIVERED:
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_VERIFY,
                   _("The purchase did not read back from the card; nothing was credited"));
      return MD_DELIVERY_NOT_DELIVERED;
    case MD_DELIVERY_CONFLICT:
    case MD_DELIVERY_UNKNOWN:
    default:
      g_propagate_error (error, local_error);
      return MD_DELIVERY_CONFLICT;
    }
}

static void
md_card_medium_iface_init (MdMediumInterface *iface)
{
  iface->get_kind = card_get_kind;
  iface->prepare = card_prepare;
  iface->deliver = card_deliver;
  iface->inspect = card_inspect;
}

static void
md_card_medium_finalize (GObject *object)
{
  MdCardMedium *self = MD_CARD_MEDIUM (object);

  g_clear_object (&self->link);
  md_card_keys_free (self->keys);
  g_free (self->expected_uid);
  md_card_state_clear (&self->state);
  G_OBJECT_CLASS (md_card_medium_parent_class)->finalize (object);
}

static void
md_card_medium_class_init (MdCardMediumClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = md_card_medium_finalize;
}

static void
md_card_medium_init (MdCardMedium *self)
{
  self->expected_count = -1;
  self->expected_generation = -1;
}

/**
 * md_card_medium_new:
 * @link: the reader the cashier uses
 * @keys: the site's master key (copied)
 *
 * The card medium of a sale (md_vend_sell()) and of its recovery
 * (md_vend_resolve(), md_vend_recover(), md_vend_reverse()). Before a sale,
 * tell it what the database knows with md_card_medium_set_expected().
 *
 * Returns: (transfer full): the medium, of kind "card"
 */
MdCardMedium *
md_card_medium_new (MdCardLink       *link,
                    const MdCardKeys *keys)
{
  MdCardMedium *self;

  g_return_val_if_fail (MD_IS_CARD_LINK (link), NULL);
  g_return_val_if_fail (keys != NULL, NULL);

  self = g_object_new (MD_TYPE_CARD_MEDIUM, NULL);
  self->link = g_object_ref (link);
  self->keys = md_card_keys_copy (keys);
  return self;
}

/**
 * md_card_medium_set_expected:
 * @uid: (nullable): the UID of the account's active card, %NULL to accept
 *   any card issued to the account
 * @purchase_count: the card's purchase count in the database, -1 if unknown
 * @generation: the active card's generation, -1 if unknown
 *
 * What prepare checks the card against: a lost or replaced card (another
 * UID or generation) and an older copy of the card (a lower count) are
 * refused before the sale is written.
 */
void
md_card_medium_set_expected (MdCardMedium *self,
                             const char   *uid,
                             gint64        purchase_count,
                             gint          generation)
{
  g_return_if_fail (MD_IS_CARD_MEDIUM (self));

  g_free (self->expected_uid);
  self->expected_uid = g_strdup (uid);
  self->expected_count = purchase_count;
  self->expected_generation = generation;
}

/**
 * md_card_medium_set_flags:
 * @flags: %MD_CARD_SESSION_SUPERVISOR_OVERRIDE with a supervisor's approval
 */
void
md_card_medium_set_flags (MdCardMedium       *self,
                          MdCardSessionFlags  flags)
{
  g_return_if_fail (MD_IS_CARD_MEDIUM (self));

  self->flags = flags;
}

/**
 * md_card_medium_get_state:
 *
 * Returns: (nullable): the card as the last prepare, deliver or inspect
 *   read it: its write-back is for the caller to compare with the database
 */
const MdCardState *
md_card_medium_get_state (MdCardMedium *self)
{
  g_return_val_if_fail (MD_IS_CARD_MEDIUM (self), NULL);

  return self->have_state ? &self->state : NULL;
}
