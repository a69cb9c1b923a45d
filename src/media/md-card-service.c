/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-card-service.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-card-private.h"
#include "md-pcsc.h"
#include "md-pricing.h"
#include "md-validate.h"

/*
 * The card service (md-card-service.h): the card query, the card as a
 * sale's medium, issue, replacement and the technicians' cards. The order
 * of every write is chosen so that a card pulled out, a link that drops or
 * a killed process leaves something that running the same command again
 * finishes, never a second credit:
 *
 *  - issue: the card first, then the register; a torn issue is issued again
 *    (the register refuses nothing it has not recorded);
 *  - replacement: the fee under a key made of the lost card's UID (charged
 *    once however often it is run), then the card, then the register;
 *  - sale: the vend state machine (md-vend.c): PENDING, the card, POSTED.
 */

struct _MdCardService
{
  GObject             parent_instance;

  MdCardLink         *link;
  MdCardKeys         *keys;
  MdCardSessionFlags  flags;
  MdSession          *session;   /* for md_card_service_lookup_medium() */
};

G_DEFINE_FINAL_TYPE (MdCardService, md_card_service, G_TYPE_OBJECT)

/* The card as a sale's medium, with the books beside it: the query before
 * a sale, security events and alerts on what the card shows. */
#define MD_TYPE_CARD_SALE_MEDIUM (md_card_sale_medium_get_type ())
G_DECLARE_FINAL_TYPE (MdCardSaleMedium, md_card_sale_medium, MD, CARD_SALE_MEDIUM, GObject)

struct _MdCardSaleMedium
{
  GObject         parent_instance;

  MdCardService  *service;
  MdSession      *session;      /* nullable: no books, no events */
  MdCardMedium   *inner;
  gboolean        recovering;   /* another card in the reader is no conflict */
};

static void md_card_sale_medium_iface_init (MdMediumInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MdCardSaleMedium, md_card_sale_medium, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MD_TYPE_MEDIUM,
                                                      md_card_sale_medium_iface_init))

static gboolean
is_customer_card (MdCardKind kind)
{
  return kind == MD_CARD_KIND_PURCHASE || kind == MD_CARD_KIND_REPLACEMENT;
}

/* The card errors that are security events (T09), by a stable word. */
static const char *
tamper_reason (const GError *error)
{
  if (error == NULL || error->domain != MD_CARD_ERROR)
    return NULL;
  switch (error->code)
    {
    case MD_CARD_ERROR_BAD_MAC:
      return "bad-mac";
    case MD_CARD_ERROR_FOREIGN:
      return "foreign";
    case MD_CARD_ERROR_TRUNCATED:
      return "truncated";
    case MD_CARD_ERROR_FORMAT:
      return "format";
    case MD_CARD_ERROR_ROLLBACK:
      return "rollback";
    default:
      return NULL;
    }
}

static void
record_tamper (MdSession    *session,
               const char   *uid,
               const GError *error)
{
  g_autoptr(GError) local_error = NULL;

  if (session == NULL || uid == NULL || tamper_reason (error) == NULL)
    return;
  if (!md_card_record_tamper (session, uid, tamper_reason (error), error->message, &local_error))
    g_warning ("could not record a card security event: %s", local_error->message);
}

static void
raise_alert (MdSession   *session,
             const char  *kind,
             const char  *uid,
             const char  *message)
{
  g_autofree char *object = g_strdup_printf ("card:%s", uid != NULL ? uid : "");
  g_autoptr(GError) local_error = NULL;

  if (session != NULL && !md_alert_raise (session, kind, object, message, &local_error))
    g_warning ("could not raise an alert: %s", local_error->message);
}

static char *
vend_id_hex (const char *idem)
{
  guint8 vend_id[MD_CARD_VEND_ID_SIZE];
  char *hex = g_malloc (MD_CARD_VEND_ID_SIZE * 2 + 1);

  md_card_vend_id_from_key (idem, vend_id);
  for (guint i = 0; i < MD_CARD_VEND_ID_SIZE; i++)
    g_snprintf (hex + 2 * i, 3, "%02X", vend_id[i]);
  return hex;
}

static MdCardSession *
open_session (MdCardService  *self,
              GCancellable   *cancellable,
              GError        **error)
{
  return md_card_session_open (self->link, self->keys, self->flags, cancellable, error);
}

/* Reads the card in its own session, released before the books are
 * touched. Data that fails its checks is recorded as a security event. */
static gboolean
read_card (MdCardService  *self,
           MdSession      *session,
           MdCardState    *out_state,
           GCancellable   *cancellable,
           GError        **error)
{
  g_autoptr(MdCardSession) card = NULL;
  g_autofree char *uid = NULL;
  GError *local_error = NULL;

  memset (out_state, 0, sizeof *out_state);
  if (!(card = open_session (self, cancellable, error)))
    return FALSE;
  if (md_card_session_read (card, out_state, &local_error))
    return TRUE;

  uid = g_strdup (md_card_session_get_uid (card));
  g_clear_pointer (&card, md_card_session_close);
  record_tamper (session, uid, local_error);
  g_propagate_error (error, local_error);
  return FALSE;
}

/* The UID of the card in the reader, whatever its data: for events about
 * a card whose data could not be read. */
static char *
peek_uid (MdCardService *self)
{
  g_autoptr(MdCardSession) card = open_session (self, NULL, NULL);

  return card != NULL ? g_strdup (md_card_session_get_uid (card)) : NULL;
}

/* ---------------------------------------------------------------------- */
/* The card query */

void
md_card_query_clear (MdCardQuery *query)
{
  md_card_state_clear (&query->card);
  md_card_record_clear (&query->record);
  g_clear_pointer (&query->problems, g_ptr_array_unref);
  g_clear_pointer (&query->meter_account, g_free);
  memset (query, 0, sizeof *query);
}

static void
add_problem (MdCardQuery *query,
             char        *line)
{
  g_ptr_array_add (query->problems, line);
}

/* A technician's card: is it the one the books know, and what did the
 * meter that checked it load? */
static gboolean
judge_tool_card (MdSession    *session,
                 MdCardQuery  *query,
                 GError      **error)
{
  MdStore *store = md_session_get_store (session);
  const MdCardState *st = &query->card;
  MdCardFacts facts = { st->uid, NULL, -1, -1, -1 };
  g_autoptr(GPtrArray) problems = NULL;

  if (!md_card_check (session, &facts, &query->record, &problems, error))
    return FALSE;
  for (guint i = 0; i < problems->len; i++)
    add_problem (query, g_strdup (problems->pdata[i]));
  if (g_strcmp0 (query->record.kind, md_card_kind_to_string (st->kind)) != 0)
    {
      g_autofree char *line = g_strdup_printf (_("The card is a %s card, the books say %s"),
                                               md_card_kind_to_string (st->kind),
                                               query->record.kind);

      raise_alert (session, "card.mismatch", st->uid, line);
      add_problem (query, g_steal_pointer (&line));
    }

  /* A check card carries what a meter loaded: compare it with the sales
   * to that meter's account. */
  if (st->kind == MD_CARD_KIND_CHECK && st->has_write_back && query->meter_account != NULL)
    {
      g_auto(MdCardRecord) card = { 0 };
      g_autoptr(GError) local_error = NULL;

      if (md_card_of_account (store, query->meter_account, &card, &local_error) &&
          st->load_count > card.purchase_count)
        {
          g_autofree char *line =
            g_strdup_printf (_("Meter %s has loaded %lld purchases, but account %s bought only "
                               "%lld"), st->meter_id, (long long) st->load_count,
                             query->meter_account, (long long) card.purchase_count);

          raise_alert (session, "card.mismatch", st->uid, line);
          add_problem (query, g_steal_pointer (&line));
        }
      else if (local_error != NULL &&
               !g_error_matches (local_error, MD_CARD_REGISTER_ERROR,
                                 MD_CARD_REGISTER_ERROR_UNKNOWN_CARD))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  query->blocked = query->problems->len > 0;
  return TRUE;
}

/* The card query's comparison, once the card is read (RELIABILITY A5, T09). */
static gboolean
judge_card (MdSession    *session,
            MdCardQuery  *query,
            GError      **error)
{
  MdStore *store = md_session_get_store (session);
  const MdCardState *st = &query->card;
  MdCardFacts facts = { st->uid, st->account_no, -1, st->generation, -1 };
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *pending_idem = NULL;
  gint64 pending_count = 0;

  query->problems = g_ptr_array_new_with_free_func (g_free);

  if (!md_card_lookup (store, st->uid, &query->record, &local_error))
    {
      if (!g_error_matches (local_error, MD_CARD_REGISTER_ERROR,
                            MD_CARD_REGISTER_ERROR_UNKNOWN_CARD))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      md_card_record_clear (&query->record);
      if (st->kind == MD_CARD_KIND_BLANK)
        return TRUE;
      {
        g_autofree char *line =
          g_strdup_printf (_("The card %s is not registered here: its issue was not finished, "
                             "or it comes from another system"), st->uid);

        if (is_customer_card (st->kind))
          raise_alert (session, "card.unknown", st->uid, line);
        add_problem (query, g_steal_pointer (&line));
      }
      query->blocked = TRUE;
      return TRUE;
    }
  query->registered = TRUE;

  if (st->kind == MD_CARD_KIND_BLANK)
    {
      if (g_str_equal (query->record.status, "active"))
        add_problem (query, g_strdup_printf (_("The card %s holds nothing, but the books have it "
                                               "in use; issue it again"), st->uid));
      query->blocked = TRUE;
      return TRUE;
    }

  if (st->has_write_back &&
      !md_card_meter_account (store, st->meter_id, &query->meter_account, error))
    return FALSE;

  if (!is_customer_card (st->kind))
    return judge_tool_card (session, query, error);

  if (st->has_purchase)
    facts.purchase_count = st->purchase_count;
  if (st->has_write_back)
    facts.load_count = st->load_count;

  /* A sale to this card not yet settled: the card may show its purchase
   * already, the books not yet. */
  if (!md_card_pending_sale (store, st->uid, &query->pending_sale, &pending_count, &pending_idem,
                             error))
    return FALSE;
  if (query->pending_sale != 0)
    {
      g_autofree char *hex = vend_id_hex (pending_idem);

      query->pending_written = st->has_purchase && st->purchase_count == pending_count &&
                               g_ascii_strcasecmp (st->vend_id, hex) == 0;
      if (query->pending_written || facts.purchase_count == query->record.purchase_count)
        facts.purchase_count = -1;
    }

  /* An older image of the card: refused, a security event. */
  if (facts.purchase_count >= 0 && facts.purchase_count < query->record.purchase_count)
    {
      GError *rollback = g_error_new (MD_CARD_ERROR, MD_CARD_ERROR_ROLLBACK,
                                      _("The card shows purchase %lld but purchase %lld was sold: "
                                        "an older copy of the card, refused"),
                                      (long long) facts.purchase_count,
                                      (long long) query->record.purchase_count);

      record_tamper (session, st->uid, rollback);
      g_propagate_error (error, rollback);
      return FALSE;
    }

  if (!md_card_check (session, &facts, &query->record, &problems, error))
    return FALSE;
  for (guint i = 0; i < problems->len; i++)
    add_problem (query, g_strdup (problems->pdata[i]));

  if (query->meter_account != NULL && g_strcmp0 (query->meter_account, st->account_no) != 0)
    {
      g_autofree char *line = g_strdup_printf (_("The card was last read by meter %s, which "
                                                 "belongs to account %s"), st->meter_id,
                                               query->meter_account);

      raise_alert (session, "card.mismatch", st->uid, line);
      add_problem (query, g_steal_pointer (&line));
    }

  if (query->pending_sale != 0)
    add_problem (query, query->pending_written
                          ? g_strdup_printf (_("Sale %lld is on the card but not posted yet; "
                                               "resolve it (sale resolve %lld)"),
                                             (long long) query->pending_sale,
                                             (long long) query->pending_sale)
                          : g_strdup_printf (_("Sale %lld to this card is not written yet; "
                                               "resolve it with the card in the reader (sale "
                                               "resolve %lld)"),
                                             (long long) query->pending_sale,
                                             (long long) query->pending_sale));

  query->blocked = query->problems->len > 0;
  query->sellable = !query->blocked && g_str_equal (query->record.status, "active");
  return TRUE;
}

/**
 * md_card_service_query:
 * @out_query: (out caller-allocates): clear with md_card_query_clear()
 *
 * The card query (读卡, 卡查询): reads the card in the reader and compares
 * it with the books. Disagreements are lines in @out_query's problems,
 * each raised as an alert, and block sales to the card. A card whose data
 * fails its checks, or that is an older image than the books know, is
 * refused with its MD_CARD_ERROR and recorded as a security event.
 *
 * Returns: %FALSE with an error for a card that cannot be read (no card,
 *   no reader, a link failure), a refused card, or the database
 */
gboolean
md_card_service_query (MdCardService  *self,
                       MdSession      *session,
                       MdCardQuery    *out_query,
                       GCancellable   *cancellable,
                       GError        **error)
{
  g_return_val_if_fail (MD_IS_CARD_SERVICE (self), FALSE);
  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (out_query != NULL, FALSE);

  memset (out_query, 0, sizeof *out_query);
  if (!md_session_require (session, MD_PERM_VIEW, error) ||
      !read_card (self, session, &out_query->card, cancellable, error))
    return FALSE;
  if (!judge_card (session, out_query, error))
    {
      md_card_query_clear (out_query);
      return FALSE;
    }
  return TRUE;
}

static void
add_amount (JsonBuilder  *b,
            const char   *key,
            gboolean      money,
            gint64        value)
{
  g_autofree char *text = money ? md_money_format (value, MD_MONEY_STYLE_PLAIN)
                                : md_energy_format (value);

  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, text);
}

static void
add_string (JsonBuilder *b,
            const char  *key,
            const char  *value)
{
  json_builder_set_member_name (b, key);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b,
         const char  *key,
         gint64       value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, value);
}

static void
add_bool (JsonBuilder *b,
          const char  *key,
          gboolean     value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_boolean_value (b, value);
}

/* What a card holds, as the CLI shows it (docs/cli.md units: money in
 * yuan, energy in kWh, as decimal strings). */
static void
add_card_members (JsonBuilder       *b,
                  const MdCardState *st)
{
  add_string (b, "uid", st->uid);
  add_string (b, "profile", st->profile);
  add_string (b, "kind", md_card_kind_to_string (st->kind));
  if (st->psc_tries >= 0)
    add_int (b, "psc_tries", st->psc_tries);
  if (st->kind == MD_CARD_KIND_BLANK)
    return;
  add_string (b, "account", st->account_no);
  add_string (b, "unit", st->money ? "yuan" : "kWh");
  add_int (b, "generation", st->generation);
  if (st->kind == MD_CARD_KIND_SETTING)
    {
      add_amount (b, "hoard_limit", st->money, st->params.capacity);
      add_amount (b, "alarm1", st->money, st->params.alarm1);
      add_amount (b, "alarm2", st->money, st->params.alarm2);
      add_int (b, "power_limit_w", st->params.power_limit);
    }
  if (st->has_purchase)
    {
      add_int (b, "purchase_count", st->purchase_count);
      add_amount (b, "credit", st->money, st->credit);
      add_string (b, "vend_id", st->vend_id);
      add_bool (b, "reversed", st->reversed);
    }
  if (st->has_write_back)
    {
      add_string (b, "meter", st->meter_id);
      add_int (b, "load_count", st->load_count);
      add_amount (b, "remaining", st->money, st->remaining);
      add_amount (b, "cumulative", FALSE, st->cumulative);
      add_string (b, "meter_result", md_card_meter_result_to_string (st->meter_result));
      add_int (b, "meter_status", st->meter_status);
      add_int (b, "meter_generation", st->meter_generation);
    }
  add_bool (b, "damaged", st->damage != 0);
}

static JsonNode *
card_result (const MdCardState *st,
             const char        *status)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string (b, "status", status);
  add_card_members (b, st);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/**
 * md_card_query_to_json:
 *
 * Returns: (transfer full): the query as one object: the card's fields
 *   (money in yuan or energy in kWh as decimal strings, the meter's
 *   write-back), the books' view ("registered", "card_status",
 *   "books_purchase_count", "books_generation"), "problems", "blocked",
 *   "sellable" and "pending_sale"
 */
JsonNode *
md_card_query_to_json (const MdCardQuery *query)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (query != NULL, NULL);

  json_builder_begin_object (b);
  add_card_members (b, &query->card);
  add_bool (b, "registered", query->registered);
  if (query->registered)
    {
      add_string (b, "card_status", query->record.status);
      add_string (b, "books_account", query->record.account_no);
      add_int (b, "books_purchase_count", query->record.purchase_count);
      add_int (b, "books_generation", query->record.generation);
    }
  if (query->meter_account != NULL)
    add_string (b, "meter_account", query->meter_account);
  add_bool (b, "blocked", query->blocked);
  add_bool (b, "sellable", query->sellable);
  json_builder_set_member_name (b, "pending_sale");
  if (query->pending_sale != 0)
    json_builder_add_int_value (b, query->pending_sale);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "problems");
  json_builder_begin_array (b);
  for (guint i = 0; query->problems != NULL && i < query->problems->len; i++)
    json_builder_add_string_value (b, query->problems->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---------------------------------------------------------------------- */
/* The card as a sale's medium */

static const char *
sale_medium_get_kind (MdMedium *medium)
{
  return "card";
}

/* Before the PENDING commit: the card query first (a card that disagrees
 * with the books is refused, with its alert), then the medium's own checks
 * against the account's card in the books. */
static gboolean
sale_medium_prepare (MdMedium      *medium,
                     MdVendPlan    *plan,
                     GCancellable  *cancellable,
                     GError       **error)
{
  MdCardSaleMedium *self = MD_CARD_SALE_MEDIUM (medium);
  g_auto(MdCardQuery) query = { 0 };
  g_auto(MdCardRecord) active = { 0 };
  GError *local_error = NULL;

  if (self->session == NULL)
    return md_medium_prepare (MD_MEDIUM (self->inner), plan, cancellable, error);

  if (!md_card_service_query (self->service, self->session, &query, cancellable, error))
    return FALSE;
  if (query.card.kind == MD_CARD_KIND_BLANK)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BLANK, _("The card has not been issued"));
      return FALSE;
    }
  if (query.pending_sale != 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_TARGET_PENDING,
                   _("Sale %lld to card %s is still pending; resolve it first (sale resolve %lld)"),
                   (long long) query.pending_sale, query.card.uid, (long long) query.pending_sale);
      return FALSE;
    }
  if (query.problems->len > 0)
    {
      g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_MISMATCH,
                   _("%s: the sale is refused"), (const char *) query.problems->pdata[0]);
      return FALSE;
    }

  if (!md_card_of_account (md_session_get_store (self->session), plan->account_no, &active,
                           &local_error))
    {
      /* The card speaks for itself: another account's card, a technician's… */
      if (!g_error_matches (local_error, MD_CARD_REGISTER_ERROR,
                            MD_CARD_REGISTER_ERROR_UNKNOWN_CARD))
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      g_clear_error (&local_error);
      if (!md_medium_prepare (MD_MEDIUM (self->inner), plan, cancellable, error))
        return FALSE;
      g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_UNKNOWN_CARD,
                   _("The account %s has no card in use"), plan->account_no);
      return FALSE;
    }
  md_card_medium_set_expected (self->inner, active.uid, active.purchase_count,
                               (gint) active.generation);
  return md_medium_prepare (MD_MEDIUM (self->inner), plan, cancellable, error);
}

/* What the card showed, for a supervisor: a security event for data that
 * fails its checks, an alert for any other conflict. */
static MdDelivery
note_delivery (MdCardSaleMedium  *self,
               const MdVendPlan  *plan,
               MdDelivery         delivery,
               GError           **error)
{
  const GError *e = error != NULL ? *error : NULL;
  const MdCardState *st;

  if (delivery != MD_DELIVERY_CONFLICT || e == NULL || self->session == NULL)
    return delivery;
  if (tamper_reason (e) != NULL)
    {
      g_autofree char *uid = peek_uid (self->service);

      record_tamper (self->session, uid != NULL ? uid : plan->target, e);
      return delivery;
    }
  st = md_card_medium_get_state (self->inner);
  {
    g_autofree char *line = g_strdup_printf (_("Sale %lld: %s"), (long long) plan->sale_id,
                                             e->message);

    raise_alert (self->session, "card.conflict", st != NULL ? st->uid : plan->target, line);
  }
  return delivery;
}

static MdDelivery
sale_medium_deliver (MdMedium      *medium,
                     MdVendPlan    *plan,
                     GCancellable  *cancellable,
                     GError       **error)
{
  MdCardSaleMedium *self = MD_CARD_SALE_MEDIUM (medium);
  GError *local_error = NULL;
  MdDelivery d = md_medium_deliver (MD_MEDIUM (self->inner), plan, cancellable, &local_error);

  d = note_delivery (self, plan, d, &local_error);
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return d;
}

static MdDelivery
sale_medium_inspect (MdMedium      *medium,
                     MdVendPlan    *plan,
                     GCancellable  *cancellable,
                     GError       **error)
{
  MdCardSaleMedium *self = MD_CARD_SALE_MEDIUM (medium);
  GError *local_error = NULL;
  MdDelivery d = md_medium_inspect (MD_MEDIUM (self->inner), plan, cancellable, &local_error);

  /* Settling every pending sale with the one card in the reader: the
   * others' cards are simply not here. */
  if (self->recovering && d == MD_DELIVERY_CONFLICT &&
      g_error_matches (local_error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_CARD))
    {
      g_clear_error (&local_error);
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NO_CARD,
                   _("The card of this sale (%s) is not in the reader"),
                   plan->target != NULL ? plan->target : "-");
      return MD_DELIVERY_UNKNOWN;
    }
  d = note_delivery (self, plan, d, &local_error);
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return d;
}

static void
md_card_sale_medium_iface_init (MdMediumInterface *iface)
{
  iface->get_kind = sale_medium_get_kind;
  iface->prepare = sale_medium_prepare;
  iface->deliver = sale_medium_deliver;
  iface->inspect = sale_medium_inspect;
}

static void
md_card_sale_medium_finalize (GObject *object)
{
  MdCardSaleMedium *self = MD_CARD_SALE_MEDIUM (object);

  g_clear_object (&self->inner);
  g_clear_object (&self->session);
  g_clear_object (&self->service);
  G_OBJECT_CLASS (md_card_sale_medium_parent_class)->finalize (object);
}

static void
md_card_sale_medium_class_init (MdCardSaleMediumClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = md_card_sale_medium_finalize;
}

static void
md_card_sale_medium_init (MdCardSaleMedium *self)
{
}

static MdMedium *
sale_medium_new (MdCardService *service,
                 MdSession     *session,
                 gboolean       recovering)
{
  MdCardSaleMedium *self = g_object_new (MD_TYPE_CARD_SALE_MEDIUM, NULL);

  self->service = g_object_ref (service);
  self->session = session != NULL ? g_object_ref (session) : NULL;
  self->inner = md_card_medium_new (service->link, service->keys);
  md_card_medium_set_flags (self->inner, service->flags);
  self->recovering = recovering;
  return MD_MEDIUM (self);
}

/**
 * md_card_medium_for_sale:
 * @session: the operator's session: the books to compare the card with,
 *   and where alerts and security events go
 * @link: the reader the customer's card is in
 * @keys: the site's master key
 * @account_no: the account sold to
 *
 * The card medium of a sale (md_vend_sell()), of its recovery
 * (md_vend_resolve()) and of its reversal (md_vend_reverse()). Before the
 * sale is written it runs the card query and refuses a card that
 * disagrees with the books, then checks the card is the account's card in
 * use with the purchase count and generation of the books; after the sale
 * is POSTED the books' count follows the card.
 *
 * Returns: (transfer full): the medium, of kind "card"; %NULL with an
 *   error for an unknown account
 */
MdMedium *
md_card_medium_for_sale (MdSession         *session,
                         MdCardLink        *link,
                         const MdCardKeys  *keys,
                         const char        *account_no,
                         GError           **error)
{
  g_autoptr(MdCardService) service = NULL;
  g_auto(MdCardAccount) account = { 0 };

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);
  g_return_val_if_fail (MD_IS_CARD_LINK (link), NULL);
  g_return_val_if_fail (keys != NULL, NULL);

  if (!md_card_account_lookup (md_session_get_store (session), account_no, &account, error))
    return NULL;
  service = md_card_service_new (link, keys);
  return sale_medium_new (service, session, FALSE);
}

/**
 * md_card_service_lookup_medium:
 * @kind: a sale's medium kind
 * @service: (type MdCardService): the service
 *
 * An #MdMediumLookup for md_vend_recover() and the app's worker
 * (md_worker_set_medium_lookup()): "card" gives the card medium on the
 * service's reader (events go to the session given with
 * md_card_service_set_session()), "account" and "none" their own media;
 * other kinds cannot be reached from here.
 *
 * Returns: (transfer full) (nullable): the medium
 */
MdMedium *
md_card_service_lookup_medium (const char *kind,
                               gpointer    service)
{
  MdCardService *self = service;

  g_return_val_if_fail (MD_IS_CARD_SERVICE (self), NULL);

  if (g_strcmp0 (kind, "card") == 0)
    return sale_medium_new (self, self->session, TRUE);
  if (g_strcmp0 (kind, "account") == 0)
    return md_account_medium_new ();
  if (g_strcmp0 (kind, "none") == 0)
    return md_none_medium_new ();
  return NULL;
}

/**
 * md_card_service_sell:
 *
 * md_vend_sell() to the card in the reader, through
 * md_card_medium_for_sale(): refused before anything is written when the
 * card disagrees with the books.
 */
gboolean
md_card_service_sell (MdCardService        *self,
                      MdSession            *session,
                      const MdSaleRequest  *request,
                      MdSaleResult         *out_result,
                      GCancellable         *cancellable,
                      GError              **error)
{
  g_autoptr(MdMedium) medium = NULL;

  g_return_val_if_fail (MD_IS_CARD_SERVICE (self), FALSE);
  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (request != NULL && out_result != NULL, FALSE);

  memset (out_result, 0, sizeof *out_result);
  medium = sale_medium_new (self, session, FALSE);
  return md_vend_sell (session, request, medium, out_result, cancellable, error);
}

/**
 * md_card_service_resolve:
 *
 * md_vend_resolve() of a card sale with the card in the reader: posted if
 * the card holds it, written again (the same purchase) if it provably does
 * not, or voided with @void_if_not_delivered. Another card in the reader
 * is a conflict: alerted, the sale stays pending.
 */
gboolean
md_card_service_resolve (MdCardService  *self,
                         MdSession      *session,
                         gint64          sale_id,
                         gboolean        void_if_not_delivered,
                         MdApproval     *approval,
                         MdSaleResult   *out_result,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_autoptr(MdMedium) medium = NULL;

  g_return_val_if_fail (MD_IS_CARD_SERVICE (self), FALSE);
  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  medium = sale_medium_new (self, session, FALSE);
  return md_vend_resolve (session, sale_id, medium, void_if_not_delivered, approval, out_result,
                          cancellable, error);
}

typedef struct
{
  MdCardService *service;
  MdSession     *session;
} Recovery;

static MdMedium *
recovery_lookup (const char *kind,
                 gpointer    user_data)
{
  Recovery *r = user_data;

  if (g_strcmp0 (kind, "card") == 0)
    return sale_medium_new (r->service, r->session, TRUE);
  return md_card_service_lookup_medium (kind, r->service);
}

/**
 * md_card_service_recover:
 * @out_summary: (out) (optional) (transfer full): one entry per pending sale
 *
 * md_vend_recover() with the card in the reader: card sales to that card
 * are settled; those to cards not in the reader stay pending.
 */
gboolean
md_card_service_recover (MdCardService  *self,
                         MdSession      *session,
                         JsonNode      **out_summary,
                         GError        **error)
{
  Recovery r = { self, session };

  g_return_val_if_fail (MD_IS_CARD_SERVICE (self), FALSE);
  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  return md_vend_recover (session, recovery_lookup, &r, out_summary, error);
}

/**
 * md_card_service_reverse:
 * @idem: (nullable): the reversal's key, %NULL for a new one
 *
 * Reverses a card sale (撤销) with the card in the reader: only while the
 * card still shows that purchase and its meter has not loaded it. The card
 * then holds the same purchase count, credit 0, marked reversed; the books'
 * count stays with the card's.
 */
gboolean
md_card_service_reverse (MdCardService  *self,
                         MdSession      *session,
                         gint64          sale_id,
                         const char     *reason,
                         const char     *idem,
                         MdApproval     *approval,
                         MdSaleResult   *out_result,
                         GError        **error)
{
  g_autoptr(JsonNode) sale = NULL;
  g_autoptr(MdMedium) medium = NULL;
  g_auto(MdCardState) st = { 0 };
  JsonObject *o;
  const char *target;
  gint64 count;

  g_return_val_if_fail (MD_IS_CARD_SERVICE (self), FALSE);
  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  memset (out_result, 0, sizeof *out_result);
  if (!(sale = md_sale_show (session, sale_id, error)))
    return FALSE;
  o = json_node_get_object (sale);
  if (g_strcmp0 (json_object_get_string_member_with_default (o, "medium", ""), "card") != 0)
    {
      g_set_error (error, MD_VEND_ERROR, MD_VEND_ERROR_MEDIUM,
                   _("Sale %lld was not sold to a card"), (long long) sale_id);
      return FALSE;
    }
  target = json_object_get_string_member_with_default (o, "target", "");
  count = json_object_get_int_member_with_default (o, "purchase_count", 0);

  /* The card answers for itself before anything is recorded. */
  if (g_strcmp0 (json_object_get_string_member_with_default (o, "kind", ""), "sale") == 0 &&
      g_strcmp0 (json_object_get_string_member_with_default (o, "state", ""), "committed") == 0)
    {
      if (!read_card (self, session, &st, NULL, error))
        return FALSE;
      if (g_ascii_strcasecmp (st.uid, target) != 0)
        {
          g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_CARD,
                       _("Sale %lld went to card %s; card %s is in the reader"),
                       (long long) sale_id, target, st.uid);
          return FALSE;
        }
      if (st.has_write_back && st.load_count >= count)
        {
          g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NOT_REVERSIBLE,
                       _("The meter has already loaded purchase %lld: sale %lld cannot be "
                         "reversed"), (long long) count, (long long) sale_id);
          return FALSE;
        }
      if (!st.has_purchase || st.purchase_count != count)
        {
          g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NOT_REVERSIBLE,
                       _("The card no longer shows sale %lld (it shows purchase %lld): it cannot "
                         "be reversed"), (long long) sale_id, (long long) st.purchase_count);
          return FALSE;
        }
    }

  medium = sale_medium_new (self, session, FALSE);
  return md_vend_reverse (session, sale_id, medium, reason, idem, approval, out_result, error);
}

/* ---------------------------------------------------------------------- */
/* Issuing cards */

/* Read back what was just written: only the read-back proves it. */
static gboolean
verify_written (MdCardSession      *card,
                const MdCardIssue  *issue,
                MdCardState        *out_state,
                GError            **error)
{
  if (!md_card_session_read (card, out_state, error))
    return FALSE;
  if (out_state->kind != issue->kind ||
      g_strcmp0 (out_state->account_no, issue->account_no != NULL ? issue->account_no : "") != 0 ||
      out_state->generation != issue->generation ||
      (is_customer_card (issue->kind) &&
       (!out_state->has_purchase || out_state->purchase_count != issue->purchase_count)))
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_VERIFY,
                   _("The card does not read back as written; issue it again"));
      return FALSE;
    }
  return TRUE;
}

/* Whatever the card held is about to be written over: a card failing its
 * MAC (a torn issue) may be, a link failure may not. */
static gboolean
read_before_write (MdCardSession  *card,
                   MdCardState    *out_state,
                   gboolean       *out_readable,
                   GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  *out_readable = md_card_session_read (card, out_state, &local_error);
  if (!*out_readable && (md_card_error_is_transport (local_error) ||
                         local_error->domain != MD_CARD_ERROR))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static const char *
profile_of (MdCardSession *card)
{
  return md_card_profile_get_name (md_card_session_get_profile (card));
}

/**
 * md_card_service_issue:
 * @account_no: the account the card is for
 * @profile: (nullable): "cpu" or "sle4442": refuse a card of another kind
 *
 * Issues the card in the reader (发卡) as the account's first card: it is
 * written and read back, then recorded. The card is refused when the books
 * would refuse it (the account has a card in use, is not open, keeps its
 * credit in the account; the card is known here already). A card whose
 * data fails its MAC is written over: that is what a torn issue leaves, and
 * running the issue again finishes it; running it again after it finished
 * changes nothing ("status": "already issued").
 *
 * Returns: (transfer full): the card as written, with "status"
 */
JsonNode *
md_card_service_issue (MdCardService  *self,
                       MdSession      *session,
                       const char     *account_no,
                       const char     *profile,
                       GError        **error)
{
  MdStore *store;
  g_autoptr(MdCardSession) card = NULL;
  g_auto(MdCardAccount) account = { 0 };
  g_auto(MdCardState) before = { 0 };
  g_auto(MdCardState) after = { 0 };
  g_autofree char *uid = NULL;
  g_autofree char *card_profile = NULL;
  MdCardIssue issue = { MD_CARD_KIND_PURCHASE };
  gboolean readable = FALSE;
  gboolean done = FALSE;

  g_return_val_if_fail (MD_IS_CARD_SERVICE (self), NULL);
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  store = md_session_get_store (session);
  if (profile != NULL && !g_str_equal (profile, "cpu") && !g_str_equal (profile, "sle4442"))
    {
      g_autofree char *shown = md_input_quote (profile);

      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                   _("Unknown card profile “%s”: use cpu or sle4442"), shown);
      return NULL;
    }
  if (!md_session_require (session, MD_PERM_CARD, error) ||
      !md_card_account_lookup (store, account_no, &account, error))
    return NULL;

  if (!(card = open_session (self, NULL, error)))
    return NULL;
  uid = g_strdup (md_card_session_get_uid (card));
  card_profile = g_strdup (profile_of (card));
  if (profile != NULL && !g_str_equal (profile, card_profile))
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_KIND,
                   _("The card in the reader is a %s card, not a %s card"), card_profile, profile);
      return NULL;
    }
  if (!read_before_write (card, &before, &readable, error) ||
      !md_card_issue_allowed (session, account_no, uid, &done, error))
    return NULL;

  issue.account_no = account_no;
  issue.money = account.money;
  if (done)
    {
      g_auto(MdCardRecord) active = { 0 };

      if (!md_card_of_account (store, account_no, &active, error))
        return NULL;
      if (readable && is_customer_card (before.kind) &&
          g_strcmp0 (before.account_no, account_no) == 0 && before.has_purchase &&
          before.generation == active.generation)
        return card_result (&before, "already issued");
      /* Recorded, but the card lost its data since: write the same again. */
      md_card_kind_parse (active.kind, &issue.kind);
      issue.generation = active.generation;
      issue.purchase_count = active.purchase_count;
    }

  if (!md_card_session_issue (card, &issue, error) ||
      !verify_written (card, &issue, &after, error))
    return NULL;
  g_clear_pointer (&card, md_card_session_close);

  if (!done && !md_card_record_issue (session, account_no, after.uid, card_profile, error))
    return NULL;
  return card_result (&after, done ? "written again" : "issued");
}

/**
 * md_card_service_replace:
 * @pay_method: how the replacement fee is paid
 * @pay_ref: (nullable): the payment's reference
 *
 * The replacement card (补卡) for the account's lost card, once the
 * waiting period is over (setting card.lost-wait-hours): the
 * card-replacement fee is charged (md_vend_charge(), once per lost card,
 * whatever happens next; no fee when finance has set none), the card in
 * the reader is written with the next generation and the lost card's
 * purchase count, read back, and recorded. A meter that reads it refuses
 * the lost card from then on. Run again after a failure, it finishes the
 * same replacement without charging twice.
 *
 * Returns: (transfer full): the new card as written, with "status",
 *   "replaces" (the lost card) and "fee" (the fee's sale, or null)
 */
JsonNode *
md_card_service_replace (MdCardService  *self,
                         MdSession      *session,
                         const char     *account_no,
                         MdPayMethod     pay_method,
                         const char     *pay_ref,
                         GError        **error)
{
  MdStore *store;
  g_auto(MdCardRecord) lost = { 0 };
  g_auto(MdCardRecord) known = { 0 };
  g_auto(MdCardAccount) account = { 0 };
  g_auto(MdCardState) before = { 0 };
  g_auto(MdCardState) after = { 0 };
  g_auto(MdSaleResult) fee = { 0 };
  g_autoptr(MdCardSession) card = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *uid = NULL;
  g_autofree char *card_profile = NULL;
  g_autofree char *key = NULL;
  const char *fees[] = { "card-replacement", NULL };
  MdCardIssue issue = { MD_CARD_KIND_REPLACEMENT };
  gboolean charged = TRUE;
  gboolean readable = FALSE;

  g_return_val_if_fail (MD_IS_CARD_SERVICE (self), NULL);
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  store = md_session_get_store (session);
  if (!md_card_replacement_allowed (session, account_no, &lost, &local_error))
    {
      g_auto(MdCardRecord) active = { 0 };
      g_autofree char *in_reader = NULL;

      /* Run again after it finished: the card in the reader is already the
       * account's replacement. */
      if (g_error_matches (local_error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE) &&
          md_card_of_account (store, account_no, &active, NULL) &&
          g_strcmp0 (active.kind, "replacement") == 0 &&
          (in_reader = peek_uid (self)) != NULL && g_ascii_strcasecmp (in_reader, active.uid) == 0 &&
          read_card (self, session, &after, NULL, NULL))
        return card_result (&after, "already replaced");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!md_card_account_lookup (store, account_no, &account, error))
    return NULL;

  /* The new card: not the lost one, not one known here. */
  if (!(card = open_session (self, NULL, error)))
    return NULL;
  uid = g_strdup (md_card_session_get_uid (card));
  card_profile = g_strdup (profile_of (card));
  if (!read_before_write (card, &before, &readable, error))
    return NULL;
  g_clear_pointer (&card, md_card_session_close);
  if (g_ascii_strcasecmp (uid, lost.uid) == 0)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_CARD,
                   _("This is the lost card %s itself; a replacement needs another card"), uid);
      return NULL;
    }
  if (md_card_lookup (store, uid, &known, &local_error))
    {
      g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE,
                   _("The card %s is already registered (account %s, %s); use another card"),
                   uid, known.account_no != NULL ? known.account_no : "-", known.status);
      return NULL;
    }
  if (!g_error_matches (local_error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_UNKNOWN_CARD))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_clear_error (&local_error);

  /* The fee, once per lost card. */
  key = g_strdup_printf ("card-replace:%s", lost.uid);
  if (!md_vend_charge (session, account_no, fees, pay_method, pay_ref, key, &fee, &local_error))
    {
      if (!g_error_matches (local_error, MD_PRICING_ERROR, MD_PRICING_ERROR_NO_FEE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      charged = FALSE;
    }

  /* The same card as checked above, then written and read back. */
  if (!(card = open_session (self, NULL, error)))
    return NULL;
  if (g_ascii_strcasecmp (md_card_session_get_uid (card), uid) != 0)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_CARD,
                   _("The card was changed; put card %s back in the reader"), uid);
      return NULL;
    }
  issue.account_no = account_no;
  issue.money = account.money;
  issue.generation = lost.generation + 1;
  issue.purchase_count = lost.purchase_count;
  if (!md_card_session_issue (card, &issue, error) ||
      !verify_written (card, &issue, &after, error))
    return NULL;
  g_clear_pointer (&card, md_card_session_close);

  if (!md_card_record_replacement (session, account_no, after.uid, card_profile, error))
    return NULL;

  result = card_result (&after, "replaced");
  json_object_set_string_member (json_node_get_object (result), "replaces", lost.uid);
  if (charged)
    json_object_set_member (json_node_get_object (result), "fee", md_sale_result_to_json (&fee));
  else
    json_object_set_null_member (json_node_get_object (result), "fee");
  return g_steal_pointer (&result);
}

/* A technician's card: never over a customer's card the books still know. */
static JsonNode *
write_tool (MdCardService       *self,
            MdSession           *session,
            MdCardKind           kind,
            const char          *account_no,
            gboolean             money,
            const MdCardParams  *params,
            GError             **error)
{
  g_autoptr(MdCardSession) card = NULL;
  g_auto(MdCardRecord) known = { 0 };
  g_auto(MdCardState) before = { 0 };
  g_auto(MdCardState) after = { 0 };
  g_autoptr(GError) local_error = NULL;
  g_autofree char *uid = NULL;
  g_autofree char *card_profile = NULL;
  MdCardIssue issue = { kind, account_no, money, 0, 0 };
  gboolean readable = FALSE;

  if (!md_session_require (session, kind == MD_CARD_KIND_CHECK ? MD_PERM_METER_READ
                                                               : MD_PERM_METER_CONTROL, error))
    return NULL;
  if (params != NULL)
    issue.params = *params;

  if (!(card = open_session (self, NULL, error)))
    return NULL;
  uid = g_strdup (md_card_session_get_uid (card));
  card_profile = g_strdup (profile_of (card));
  if (!read_before_write (card, &before, &readable, error))
    return NULL;
  if (md_card_lookup (md_session_get_store (session), uid, &known, &local_error))
    {
      MdCardKind known_kind = MD_CARD_KIND_BLANK;

      if (md_card_kind_parse (known.kind, &known_kind) && is_customer_card (known_kind) &&
          !g_str_equal (known.status, "retired"))
        {
          g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE,
                       _("The card %s is a customer's card (account %s); it cannot become a "
                         "technician's card"), uid, known.account_no != NULL ? known.account_no
                                                                             : "-");
          return NULL;
        }
    }
  else if (!g_error_matches (local_error, MD_CARD_REGISTER_ERROR,
                             MD_CARD_REGISTER_ERROR_UNKNOWN_CARD))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (!md_card_session_issue (card, &issue, error) ||
      !verify_written (card, &issue, &after, error))
    return NULL;
  g_clear_pointer (&card, md_card_session_close);

  if (!md_card_record_tool (session, after.uid, card_profile, md_card_kind_to_string (kind),
                            account_no, error))
    return NULL;
  return card_result (&after, "written");
}

static gboolean
params_fit (gint64       value,
            gboolean     money,
            const char  *what,
            GError     **error)
{
  if (value < 0 || value > MD_CARD_AMOUNT_MAX)
    {
      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                   money ? _("%s must be between 0 and 42949672.95 yuan")
                         : _("%s must be between 0 and 4294967.295 kWh"), what);
      return FALSE;
    }
  return TRUE;
}

/**
 * md_card_service_write_setting:
 * @params: alarm levels and the hoarding limit in the account's unit; the
 *   power limit, or -1 for the account's capacity
 *
 * Makes the card in the reader a setting card (设置卡) for the account's
 * meter. Needs the right to control meters.
 *
 * Returns: (transfer full): the card as written
 */
JsonNode *
md_card_service_write_setting (MdCardService           *self,
                               MdSession               *session,
                               const char              *account_no,
                               const MdCardToolParams  *params,
                               GError                 **error)
{
  g_auto(MdCardAccount) account = { 0 };
  MdCardParams p = { 0 };

  g_return_val_if_fail (MD_IS_CARD_SERVICE (self), NULL);
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);
  g_return_val_if_fail (params != NULL, NULL);

  if (!md_card_account_lookup (md_session_get_store (session), account_no, &account, error))
    return NULL;
  p.capacity = params->hoard_limit;
  p.alarm1 = params->alarm1;
  p.alarm2 = params->alarm2;
  p.power_limit = params->power_limit >= 0 ? params->power_limit : account.capacity_va;
  if (!params_fit (p.capacity, account.money, _("The hoarding limit"), error) ||
      !params_fit (p.alarm1, account.money, _("The first alarm level"), error) ||
      !params_fit (p.alarm2, account.money, _("The second alarm level"), error))
    return NULL;
  if (p.power_limit > MD_CARD_AMOUNT_MAX)
    {
      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                   _("The power limit must be at most 4294967295 W"));
      return NULL;
    }
  return write_tool (self, session, MD_CARD_KIND_SETTING, account_no, account.money, &p, error);
}

/**
 * md_card_service_write_check:
 *
 * Makes the card in the reader a check card (检查卡): a meter writes its
 * state onto it, and the card query compares that with the books. Needs the
 * right to read meters.
 *
 * Returns: (transfer full): the card as written
 */
JsonNode *
md_card_service_write_check (MdCardService  *self,
                             MdSession      *session,
                             GError        **error)
{
  g_return_val_if_fail (MD_IS_CARD_SERVICE (self), NULL);
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  return write_tool (self, session, MD_CARD_KIND_CHECK, NULL, FALSE, NULL, error);
}

/**
 * md_card_service_write_clear:
 *
 * Makes the card in the reader a clear card (清零卡): a meter that reads
 * it forgets its account, credit and purchase count (before a meter is
 * given to a new account). Needs the right to control meters.
 *
 * Returns: (transfer full): the card as written
 */
JsonNode *
md_card_service_write_clear (MdCardService  *self,
                             MdSession      *session,
                             GError        **error)
{
  g_return_val_if_fail (MD_IS_CARD_SERVICE (self), NULL);
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  return write_tool (self, session, MD_CARD_KIND_CLEAR, NULL, FALSE, NULL, error);
}

/* ---------------------------------------------------------------------- */
/* Keys, readers, the service */

/**
 * md_card_key_path:
 * @path: (nullable): a path given by the user
 *
 * Returns: (transfer full): @path, else `$MD_CARD_KEY`, else
 *   md_card_keys_default_path()
 */
char *
md_card_key_path (const char *path)
{
  const char *env = g_getenv ("MD_CARD_KEY");

  if (path != NULL && *path != '\0')
    return g_strdup (path);
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return md_card_keys_default_path ();
}

/**
 * md_card_key_create:
 * @path: (nullable): see md_card_key_path()
 * @out_path: (out) (transfer full) (optional): where the key is
 * @out_created: (out) (optional): a new key was made; %FALSE when a key was
 *   there already (it is kept: a key is never replaced)
 *
 * Makes the site's card master key if there is none (mode 0600 in a
 * directory of mode 0700). An existing key is loaded to check it is whole
 * and private.
 */
gboolean
md_card_key_create (const char  *path,
                    char       **out_path,
                    gboolean    *out_created,
                    GError     **error)
{
  g_autofree char *where = md_card_key_path (path);
  gboolean created = FALSE;

  if (g_file_test (where, G_FILE_TEST_EXISTS))
    {
      g_autoptr(MdCardKeys) keys = md_card_keys_load (where, error);

      if (keys == NULL)
        return FALSE;
    }
  else
    {
      if (!md_card_keys_create (where, error))
        return FALSE;
      created = TRUE;
    }
  if (out_created != NULL)
    *out_created = created;
  if (out_path != NULL)
    *out_path = g_steal_pointer (&where);
  return TRUE;
}

/**
 * md_card_key_load:
 * @path: (nullable): see md_card_key_path()
 *
 * Returns: (transfer full): the site's card master key, or %NULL with
 *   %MD_CARD_ERROR_KEYS
 */
MdCardKeys *
md_card_key_load (const char  *path,
                  GError     **error)
{
  g_autofree char *where = md_card_key_path (path);

  if (!g_file_test (where, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_KEYS,
                   _("There is no card master key at %s: it is made by meterdesk-cli init; copy "
                     "the site's key there, or give --card-key PATH"), where);
      return NULL;
    }
  return md_card_keys_load (where, error);
}

/**
 * md_card_reader_open:
 * @name: (nullable): a reader's name as PC/SC lists it (a unique part of it
 *   will do), %NULL for the first reader
 *
 * Returns: (transfer full): a link to the card in that reader, or %NULL
 *   with %MD_CARD_ERROR_NO_SERVICE or %MD_CARD_ERROR_NO_READER
 */
MdCardLink *
md_card_reader_open (const char  *name,
                     GError     **error)
{
  g_auto(GStrv) readers = md_pcsc_list_readers (error);
  const char *found = NULL;
  guint matches = 0;

  if (readers == NULL)
    return NULL;
  if (readers[0] == NULL)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NO_READER,
                   _("No card reader is connected"));
      return NULL;
    }
  if (name == NULL)
    return MD_CARD_LINK (md_pcsc_link_new (readers[0]));

  for (guint i = 0; readers[i] != NULL; i++)
    if (g_str_equal (readers[i], name))
      return MD_CARD_LINK (md_pcsc_link_new (readers[i]));
  for (guint i = 0; readers[i] != NULL; i++)
    if (strstr (readers[i], name) != NULL)
      {
        found = readers[i];
        matches++;
      }
  if (matches == 1)
    return MD_CARD_LINK (md_pcsc_link_new (found));

  {
    g_autofree char *list = g_strjoinv ("; ", readers);
    g_autofree char *shown = md_input_quote (name);

    g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NO_READER,
                 matches > 1 ? _("More than one card reader matches “%s”: %s")
                             : _("There is no card reader “%s”; connected: %s"), shown, list);
  }
  return NULL;
}

static void
md_card_service_finalize (GObject *object)
{
  MdCardService *self = MD_CARD_SERVICE (object);

  g_clear_object (&self->link);
  g_clear_object (&self->session);
  md_card_keys_free (self->keys);
  G_OBJECT_CLASS (md_card_service_parent_class)->finalize (object);
}

static void
md_card_service_class_init (MdCardServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = md_card_service_finalize;
}

static void
md_card_service_init (MdCardService *self)
{
}

/**
 * md_card_service_new:
 * @link: the reader: md_card_reader_open(), or an emulated one (the demo)
 * @keys: the site's master key (copied)
 *
 * Returns: (transfer full): the service
 */
MdCardService *
md_card_service_new (MdCardLink       *link,
                     const MdCardKeys *keys)
{
  MdCardService *self;

  g_return_val_if_fail (MD_IS_CARD_LINK (link), NULL);
  g_return_val_if_fail (keys != NULL, NULL);

  self = g_object_new (MD_TYPE_CARD_SERVICE, NULL);
  self->link = g_object_ref (link);
  self->keys = md_card_keys_copy (keys);
  return self;
}

/**
 * md_card_service_open:
 * @reader: (nullable): see md_card_reader_open()
 * @key_path: (nullable): see md_card_key_path()
 *
 * The service on a PC/SC reader with the site's key loaded.
 *
 * Returns: (transfer full): the service, or %NULL with an %MD_CARD_ERROR
 */
MdCardService *
md_card_service_open (const char  *reader,
                      const char  *key_path,
                      GError     **error)
{
  g_autoptr(MdCardKeys) keys = NULL;
  g_autoptr(MdCardLink) link = NULL;

  if (!(keys = md_card_key_load (key_path, error)) ||
      !(link = md_card_reader_open (reader, error)))
    return NULL;
  return md_card_service_new (link, keys);
}

/**
 * md_card_service_get_link:
 *
 * Returns: (transfer none): the reader
 */
MdCardLink *
md_card_service_get_link (MdCardService *self)
{
  g_return_val_if_fail (MD_IS_CARD_SERVICE (self), NULL);

  return self->link;
}

/**
 * md_card_service_get_keys:
 *
 * Returns: (transfer none): the master key, for the service's own media
 */
const MdCardKeys *
md_card_service_get_keys (MdCardService *self)
{
  g_return_val_if_fail (MD_IS_CARD_SERVICE (self), NULL);

  return self->keys;
}

/**
 * md_card_service_set_session:
 * @session: (nullable): the operator signed in
 *
 * The session md_card_service_lookup_medium()'s media report alerts and
 * security events to (the app sets it at sign-in).
 */
void
md_card_service_set_session (MdCardService *self,
                             MdSession     *session)
{
  g_return_if_fail (MD_IS_CARD_SERVICE (self));

  g_set_object (&self->session, session);
}

/**
 * md_card_service_set_flags:
 * @flags: %MD_CARD_SESSION_SUPERVISOR_OVERRIDE once a supervisor approved
 *   writing an SLE4442 with fewer than 3 PSC tries left
 *
 * The session flags of every write that follows.
 */
void
md_card_service_set_flags (MdCardService      *self,
                           MdCardSessionFlags  flags)
{
  g_return_if_fail (MD_IS_CARD_SERVICE (self));

  self->flags = flags;
}

static char *
hex_bytes (GBytes *bytes)
{
  GString *s = g_string_new (NULL);
  gsize n = 0;
  const guint8 *data = bytes != NULL ? g_bytes_get_data (bytes, &n) : NULL;

  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%s%02X", i > 0 ? " " : "", data[i]);
  return g_string_free (s, FALSE);
}

/* One reader, read only: what is there and what answers. */
static void
probe_reader (JsonBuilder       *b,
              const char        *name,
              const MdCardKeys  *keys)
{
  g_autoptr(MdPcscLink) link = md_pcsc_link_new (name);
  g_autoptr(MdCardSession) card = NULL;
  g_autoptr(GBytes) atr = NULL;
  g_autoptr(MdCardProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MdCardKeys) none = NULL;
  g_auto(MdCardState) st = { 0 };
  g_autofree char *atr_hex = NULL;

  json_builder_begin_object (b);
  add_string (b, "reader", name);
  if (!md_card_link_connect (MD_CARD_LINK (link), NULL, &error))
    {
      add_bool (b, "card_present", FALSE);
      if (!g_error_matches (error, MD_CARD_ERROR, MD_CARD_ERROR_NO_CARD))
        add_string (b, "note", error->message);
      json_builder_end_object (b);
      return;
    }
  add_bool (b, "card_present", TRUE);
  atr = md_card_link_get_atr (MD_CARD_LINK (link));
  atr_hex = hex_bytes (atr);
  add_string (b, "atr", atr_hex);
  profile = md_card_profile_for_atr (atr);
  add_string (b, "profile", profile != NULL ? md_card_profile_get_name (profile) : NULL);
  if (profile == NULL)
    {
      add_string (b, "note", _("No profile knows this card"));
      json_builder_end_object (b);
      return;
    }

  /* Opening a session only selects and reads; without the site's key the
   * records cannot be checked, but the card still answers. */
  if (keys == NULL)
    {
      guint8 zero[MD_CARD_MASTER_KEY_SIZE] = { 0 };

      keys = none = md_card_keys_new_from_data (zero, sizeof zero);
    }
  if (!(card = md_card_session_open (MD_CARD_LINK (link), keys, MD_CARD_SESSION_DEFAULT, NULL,
                                     &error)))
    {
      add_string (b, "note", error->message);
      json_builder_end_object (b);
      return;
    }
  add_string (b, "uid", md_card_session_get_uid (card));
  if (none != NULL)
    {
      if (card->psc_tries >= 0)
        add_int (b, "psc_tries", card->psc_tries);
      add_string (b, "note", _("Without the site's card key the card's data is not checked"));
    }
  else if (md_card_session_read (card, &st, &error))
    {
      if (st.psc_tries >= 0)
        add_int (b, "psc_tries", st.psc_tries);
      add_string (b, "kind", md_card_kind_to_string (st.kind));
      if (st.kind != MD_CARD_KIND_BLANK)
        add_string (b, "account", st.account_no);
      add_bool (b, "readable", TRUE);
    }
  else
    {
      if (card->psc_tries >= 0)
        add_int (b, "psc_tries", card->psc_tries);
      add_bool (b, "readable", FALSE);
      add_string (b, "note", error->message);
    }
  json_builder_end_object (b);
}

/**
 * md_card_readers_probe:
 * @keys: (nullable): the site's key, to check the cards' data
 *
 * What `doctor` shows of the card side, reading only (no PSC is ever
 * presented, nothing is written): pcscd, every reader, the card in it, its
 * ATR and profile, an SLE4442's PSC error counter, and whether its data
 * checks out under the site's key.
 *
 * Returns: (transfer full): an object: "pcscd" ("running" or why not) and
 *   "readers", an array
 */
JsonNode *
md_card_readers_probe (const MdCardKeys  *keys,
                       GError           **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) readers = md_pcsc_list_readers (&local_error);

  json_builder_begin_object (b);
  add_string (b, "pcscd", readers != NULL ? "running" : local_error->message);
  json_builder_set_member_name (b, "readers");
  json_builder_begin_array (b);
  for (guint i = 0; readers != NULL && readers[i] != NULL; i++)
    probe_reader (b, readers[i], keys);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
