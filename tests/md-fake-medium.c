/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-fake-medium.h"

typedef struct
{
  gint64     count;
  MdMoney    credit;
  MdEnergy   energy;
  GPtrArray *keys;
} Target;

struct _MdFakeMedium
{
  GObject      parent_instance;

  char        *kind;
  GHashTable  *targets;
  MdFakeFault  fault;
  gboolean     mismatch;
  guint        writes;
  char        *uid;
};

static void md_fake_medium_iface_init (MdMediumInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MdFakeMedium, md_fake_medium, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MD_TYPE_MEDIUM, md_fake_medium_iface_init))

static void
target_free (gpointer data)
{
  Target *t = data;

  g_ptr_array_unref (t->keys);
  g_free (t);
}

static Target *
target_for (MdFakeMedium *self,
            const char   *name)
{
  Target *t = g_hash_table_lookup (self->targets, name);

  if (t == NULL)
    {
      t = g_new0 (Target, 1);
      t->keys = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (self->targets, g_strdup (name), t);
    }
  return t;
}

static gboolean
has_key (Target     *t,
         const char *key)
{
  for (guint i = 0; i < t->keys->len; i++)
    if (g_str_equal (t->keys->pdata[i], key))
      return TRUE;
  return FALSE;
}

static const char *
fake_get_kind (MdMedium *medium)
{
  return MD_FAKE_MEDIUM (medium)->kind;
}

/* The "card" of an account is named after it; prepare reads its count. */
static gboolean
fake_prepare (MdMedium      *medium,
              MdVendPlan    *plan,
              GCancellable  *cancellable,
              GError       **error)
{
  MdFakeMedium *self = MD_FAKE_MEDIUM (medium);
  Target *t;

  if (plan->target == NULL || *plan->target == '\0')
    {
      g_free (plan->target);
      plan->target = self->uid != NULL ? g_strdup (self->uid)
                                       : g_strdup_printf ("CARD-%s", plan->account_no);
    }
  if (self->mismatch)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the card's write-back does not match the database");
      return FALSE;
    }
  t = target_for (self, plan->target);
  plan->purchase_count = t->count + 1;
  return TRUE;
}

static MdDelivery
fake_inspect (MdMedium      *medium,
              MdVendPlan    *plan,
              GCancellable  *cancellable,
              GError       **error)
{
  MdFakeMedium *self = MD_FAKE_MEDIUM (medium);
  Target *t = target_for (self, plan->target);

  if (self->fault == MD_FAKE_FOREIGN)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "another card is in the reader");
      return MD_DELIVERY_CONFLICT;
    }
  if (self->fault == MD_FAKE_SILENT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no card");
      return MD_DELIVERY_UNKNOWN;
    }
  if (has_key (t, plan->idem))
    return MD_DELIVERY_DELIVERED;
  if (plan->purchase_count == 0 || t->count == plan->purchase_count - 1)
    return MD_DELIVERY_NOT_DELIVERED;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "purchase count %lld, expected %lld",
               (long long) t->count, (long long) plan->purchase_count - 1);
  return MD_DELIVERY_CONFLICT;
}

static MdDelivery
fake_deliver (MdMedium      *medium,
              MdVendPlan    *plan,
              GCancellable  *cancellable,
              GError       **error)
{
  MdFakeMedium *self = MD_FAKE_MEDIUM (medium);
  MdFakeFault fault = self->fault;
  Target *t = target_for (self, plan->target);
  MdDelivery before;

  /* A fault hits one delivery. */
  self->fault = MD_FAKE_OK;

  switch (fault)
    {
    case MD_FAKE_FAIL_BEFORE_WRITE:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "card removed before writing");
      return MD_DELIVERY_NOT_DELIVERED;
    case MD_FAKE_SILENT:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no answer");
      return MD_DELIVERY_UNKNOWN;
    case MD_FAKE_FOREIGN:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "another card is in the reader");
      return MD_DELIVERY_CONFLICT;
    case MD_FAKE_OK:
    case MD_FAKE_FAIL_AFTER_WRITE:
    default:
      break;
    }

  /* Like a real card: read first, write only what is missing. */
  before = fake_inspect (medium, plan, cancellable, error);
  if (before != MD_DELIVERY_NOT_DELIVERED)
    return before;

  self->writes++;
  if (plan->purchase_count > 0)
    t->count = plan->purchase_count;
  t->credit += plan->credit;
  t->energy += plan->energy;
  g_ptr_array_add (t->keys, g_strdup (plan->idem));

  if (fault == MD_FAKE_FAIL_AFTER_WRITE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the answer was lost");
      return MD_DELIVERY_UNKNOWN;
    }
  return MD_DELIVERY_DELIVERED;
}

static void
md_fake_medium_iface_init (MdMediumInterface *iface)
{
  iface->get_kind = fake_get_kind;
  iface->prepare = fake_prepare;
  iface->deliver = fake_deliver;
  iface->inspect = fake_inspect;
}

static void
md_fake_medium_finalize (GObject *object)
{
  MdFakeMedium *self = MD_FAKE_MEDIUM (object);

  g_free (self->kind);
  g_free (self->uid);
  g_hash_table_unref (self->targets);
  G_OBJECT_CLASS (md_fake_medium_parent_class)->finalize (object);
}

static void
md_fake_medium_class_init (MdFakeMediumClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = md_fake_medium_finalize;
}

static void
md_fake_medium_init (MdFakeMedium *self)
{
  self->targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, target_free);
}

MdFakeMedium *
md_fake_medium_new (const char *kind)
{
  MdFakeMedium *self = g_object_new (MD_TYPE_FAKE_MEDIUM, NULL);

  self->kind = g_strdup (kind);
  return self;
}

void
md_fake_medium_set_fault (MdFakeMedium *self,
                          MdFakeFault   fault)
{
  self->fault = fault;
}

void
md_fake_medium_set_uid (MdFakeMedium *self,
                        const char   *uid)
{
  g_free (self->uid);
  self->uid = g_strdup (uid);
}

void
md_fake_medium_set_mismatch (MdFakeMedium *self,
                             gboolean      mismatch)
{
  self->mismatch = mismatch;
}

guint
md_fake_medium_get_writes (MdFakeMedium *self)
{
  return self->writes;
}

gint64
md_fake_medium_get_count (MdFakeMedium *self,
                          const char   *target)
{
  return target_for (self, target)->count;
}

MdMoney
md_fake_medium_get_credit (MdFakeMedium *self,
                           const char   *target)
{
  return target_for (self, target)->credit;
}

MdEnergy
md_fake_medium_get_energy (MdFakeMedium *self,
                           const char   *target)
{
  return target_for (self, target)->energy;
}
