/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-medium.h"

G_DEFINE_INTERFACE (MdMedium, md_medium, G_TYPE_OBJECT)

static void
md_medium_default_init (MdMediumInterface *iface)
{
}

const char *
md_medium_get_kind (MdMedium *self)
{
  g_return_val_if_fail (MD_IS_MEDIUM (self), NULL);

  return MD_MEDIUM_GET_IFACE (self)->get_kind (self);
}

gboolean
md_medium_prepare (MdMedium      *self,
                   MdVendPlan    *plan,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_return_val_if_fail (MD_IS_MEDIUM (self), FALSE);
  g_return_val_if_fail (plan != NULL, FALSE);

  return MD_MEDIUM_GET_IFACE (self)->prepare (self, plan, cancellable, error);
}

MdDelivery
md_medium_deliver (MdMedium      *self,
                   MdVendPlan    *plan,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_return_val_if_fail (MD_IS_MEDIUM (self), MD_DELIVERY_UNKNOWN);
  g_return_val_if_fail (plan != NULL, MD_DELIVERY_UNKNOWN);

  return MD_MEDIUM_GET_IFACE (self)->deliver (self, plan, cancellable, error);
}

MdDelivery
md_medium_inspect (MdMedium      *self,
                   MdVendPlan    *plan,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_return_val_if_fail (MD_IS_MEDIUM (self), MD_DELIVERY_UNKNOWN);
  g_return_val_if_fail (plan != NULL, MD_DELIVERY_UNKNOWN);

  return MD_MEDIUM_GET_IFACE (self)->inspect (self, plan, cancellable, error);
}

/**
 * md_medium_record:
 * @store: the store, inside the write transaction of the PENDING sale
 * @sale_id: the new sale
 *
 * Lets the medium write its own rows with the PENDING sale (optional).
 */
gboolean
md_medium_record (MdMedium          *self,
                  MdStore           *store,
                  const MdVendPlan  *plan,
                  gint64             sale_id,
                  GError           **error)
{
  MdMediumInterface *iface;

  g_return_val_if_fail (MD_IS_MEDIUM (self), FALSE);
  g_return_val_if_fail (plan != NULL, FALSE);

  iface = MD_MEDIUM_GET_IFACE (self);
  if (iface->record == NULL)
    return TRUE;
  return iface->record (self, store, plan, sale_id, error);
}

const char *
md_delivery_to_string (MdDelivery delivery)
{
  switch (delivery)
    {
    case MD_DELIVERY_DELIVERED:
      return "delivered";
    case MD_DELIVERY_NOT_DELIVERED:
      return "not-delivered";
    case MD_DELIVERY_CONFLICT:
      return "conflict";
    case MD_DELIVERY_UNKNOWN:
    default:
      return "unknown";
    }
}

void
md_vend_plan_clear (MdVendPlan *plan)
{
  g_clear_pointer (&plan->idem, g_free);
  g_clear_pointer (&plan->account_no, g_free);
  g_clear_pointer (&plan->target, g_free);
  g_clear_pointer (&plan->payload, json_object_unref);
}

/**
 * md_vend_plan_to_json:
 *
 * Returns: (transfer full): the plan as stored with the PENDING sale
 */
char *
md_vend_plan_to_json (const MdVendPlan *plan)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "account");
  json_builder_add_string_value (builder, plan->account_no);
  json_builder_set_member_name (builder, "target");
  json_builder_add_string_value (builder, plan->target != NULL ? plan->target : "");
  json_builder_set_member_name (builder, "credit");
  json_builder_add_int_value (builder, plan->credit);
  json_builder_set_member_name (builder, "energy");
  json_builder_add_int_value (builder, plan->energy);
  json_builder_set_member_name (builder, "money");
  json_builder_add_boolean_value (builder, plan->money_kind);
  json_builder_set_member_name (builder, "purchase_count");
  json_builder_add_int_value (builder, plan->purchase_count);
  json_builder_set_member_name (builder, "medium");
  if (plan->payload != NULL)
    {
      JsonNode *node = json_node_init_object (json_node_alloc (), plan->payload);

      json_builder_add_value (builder, node);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/**
 * md_vend_plan_from_json:
 * @out_plan: (out caller-allocates): filled but for @sale_id and @idem
 */
gboolean
md_vend_plan_from_json (const char  *text,
                        MdVendPlan  *out_plan,
                        GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;
  JsonNode *medium;

  if (!json_parser_load_from_data (parser, text, -1, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           "the vend payload is not an object");
      return FALSE;
    }

  o = json_node_get_object (json_parser_get_root (parser));
  out_plan->account_no = g_strdup (json_object_get_string_member_with_default (o, "account", ""));
  out_plan->target = g_strdup (json_object_get_string_member_with_default (o, "target", ""));
  out_plan->credit = json_object_get_int_member_with_default (o, "credit", 0);
  out_plan->energy = json_object_get_int_member_with_default (o, "energy", 0);
  out_plan->money_kind = json_object_get_boolean_member_with_default (o, "money", FALSE);
  out_plan->purchase_count = json_object_get_int_member_with_default (o, "purchase_count", 0);
  medium = json_object_get_member (o, "medium");
  if (medium != NULL && JSON_NODE_HOLDS_OBJECT (medium))
    out_plan->payload = json_object_ref (json_node_get_object (medium));
  return TRUE;
}

struct _MdAccountMedium
{
  GObject parent_instance;
};

static void md_account_medium_iface_init (MdMediumInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MdAccountMedium, md_account_medium, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MD_TYPE_MEDIUM, md_account_medium_iface_init))

static const char *
account_get_kind (MdMedium *self)
{
  return "account";
}

static gboolean
account_prepare (MdMedium      *self,
                 MdVendPlan    *plan,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_free (plan->target);
  plan->target = g_strdup (plan->account_no);
  plan->purchase_count = 0;
  return TRUE;
}

/* The credit reaches the account in the posting transaction, together with
 * the ledger rows: there is nothing to write before. */
static MdDelivery
account_deliver (MdMedium      *self,
                 MdVendPlan    *plan,
                 GCancellable  *cancellable,
                 GError       **error)
{
  return MD_DELIVERY_DELIVERED;
}

/* A sale still PENDING has, by construction, credited nothing: posting it
 * is the delivery. */
static MdDelivery
account_inspect (MdMedium      *self,
                 MdVendPlan    *plan,
                 GCancellable  *cancellable,
                 GError       **error)
{
  return MD_DELIVERY_NOT_DELIVERED;
}

static void
md_account_medium_iface_init (MdMediumInterface *iface)
{
  iface->get_kind = account_get_kind;
  iface->prepare = account_prepare;
  iface->deliver = account_deliver;
  iface->inspect = account_inspect;
}

static void
md_account_medium_class_init (MdAccountMediumClass *klass)
{
}

static void
md_account_medium_init (MdAccountMedium *self)
{
}

/**
 * md_account_medium_new:
 *
 * Returns: (transfer full): the account medium
 */
MdMedium *
md_account_medium_new (void)
{
  return g_object_new (MD_TYPE_ACCOUNT_MEDIUM, NULL);
}

/* The none medium: fees and charges that credit nothing. Delivered by the
 * posting itself, like the account medium, but for any account. */
typedef struct
{
  GObject parent_instance;
} MdNoneMedium;

typedef struct
{
  GObjectClass parent_class;
} MdNoneMediumClass;

static void md_none_medium_iface_init (MdMediumInterface *iface);
static GType md_none_medium_get_type (void);

G_DEFINE_TYPE_WITH_CODE (MdNoneMedium, md_none_medium, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (MD_TYPE_MEDIUM, md_none_medium_iface_init))

static const char *
none_get_kind (MdMedium *self)
{
  return "none";
}

static gboolean
none_prepare (MdMedium      *self,
              MdVendPlan    *plan,
              GCancellable  *cancellable,
              GError       **error)
{
  g_free (plan->target);
  plan->target = g_strdup ("");
  plan->purchase_count = 0;
  return TRUE;
}

static void
md_none_medium_iface_init (MdMediumInterface *iface)
{
  iface->get_kind = none_get_kind;
  iface->prepare = none_prepare;
  iface->deliver = account_deliver;
  iface->inspect = account_inspect;
}

static void
md_none_medium_class_init (MdNoneMediumClass *klass)
{
}

static void
md_none_medium_init (MdNoneMedium *self)
{
}

/**
 * md_none_medium_new:
 *
 * Returns: (transfer full): the medium of a sale of fees alone
 */
MdMedium *
md_none_medium_new (void)
{
  return g_object_new (md_none_medium_get_type (), NULL);
}
