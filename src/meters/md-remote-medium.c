/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-remote-medium.h"

/*
 * The remote medium (远程预付费): the sale's credit goes to a meter on an
 * RS-485 bus or behind a gateway. prepare reads the meter's purchase count
 * N and its credit and lets the caller compare them with the database;
 * the plan then carries the meter's number and N+1. deliver is
 * md_meter_recharge(): one write of the amount with N+1, then the count
 * read back, never a blind rewrite. inspect reads the count: N+1
 * delivered, N not, anything else a conflict, silence unknown.
 */

struct _MdRemoteMedium
{
  GObject              parent_instance;

  MdMeterBus          *bus;
  MdMeterTarget       *target;
  gint64               expected_count;
  gint64               tolerance;
  MdRemoteMediumCheck  check;
  gpointer             check_data;
  GDestroyNotify       check_destroy;

  GMutex               mutex;
  MdMeterReading       last;
  gboolean             has_last;
};

static void md_remote_medium_iface_init (MdMediumInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MdRemoteMedium, md_remote_medium, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MD_TYPE_MEDIUM,
                                                      md_remote_medium_iface_init))

static void
remember (MdRemoteMedium       *self,
          const MdMeterReading *reading)
{
  g_mutex_lock (&self->mutex);
  self->last = *reading;
  self->has_last = TRUE;
  g_mutex_unlock (&self->mutex);
}

static const char *
remote_get_kind (MdMedium *medium)
{
  return "remote";
}

/* The amount in the meter's credit units, or an error if the sale's kind
 * and the meter's do not match. */
static gboolean
plan_amount (MdRemoteMedium  *self,
             const MdVendPlan *plan,
             gint64          *out_amount,
             GError         **error)
{
  MdMeterProfile *profile = md_meter_target_get_profile (self->target);
  MdMeterCreditKind kind = md_meter_profile_get_credit_kind (profile);

  if (plan->money_kind && kind == MD_METER_CREDIT_MONEY)
    *out_amount = plan->credit;
  else if (!plan->money_kind && (kind == MD_METER_CREDIT_ENERGY || kind == MD_METER_CREDIT_VOLUME))
    *out_amount = plan->energy;
  else
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                   _("Meter %s keeps %s credit; the sale delivers %s"),
                   md_meter_target_get_address (self->target),
                   md_meter_credit_kind_to_string (kind), plan->money_kind ? "money" : "energy");
      return FALSE;
    }
  if (*out_amount <= 0)
    {
      g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                           _("A remote recharge needs a positive amount"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
remote_prepare (MdMedium      *medium,
                MdVendPlan    *plan,
                GCancellable  *cancellable,
                GError       **error)
{
  MdRemoteMedium *self = MD_REMOTE_MEDIUM (medium);
  MdMeterProfile *profile = md_meter_target_get_profile (self->target);
  MdMeterReading reading;
  gint64 amount, n, credit;

  if (!md_meter_profile_can_recharge (profile, error) ||
      !plan_amount (self, plan, &amount, error) ||
      !md_meter_read (self->bus, self->target, MD_METER_OP_DEFAULT, &reading, cancellable, error))
    return FALSE;
  remember (self, &reading);
  if (!md_meter_reading_get (&reading, MD_METER_POINT_PURCHASE_COUNT, &n))
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL,
                   _("Meter %s did not report its purchase count"),
                   md_meter_target_get_address (self->target));
      return FALSE;
    }
  if (self->expected_count >= 0 && n != self->expected_count)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_CONFLICT,
                   _("Meter %s shows purchase count %lld; the records say %lld"),
                   md_meter_target_get_address (self->target), (long long) n,
                   (long long) self->expected_count);
      return FALSE;
    }
  if (self->check != NULL && !self->check (&reading, plan, self->check_data, error))
    return FALSE;

  g_free (plan->target);
  plan->target = g_strdup (md_meter_target_get_address (self->target));
  plan->purchase_count = n + 1;
  g_clear_pointer (&plan->payload, json_object_unref);
  plan->payload = json_object_new ();
  json_object_set_string_member (plan->payload, "model", md_meter_profile_get_id (profile));
  json_object_set_int_member (plan->payload, "unit", md_meter_target_get_unit_id (self->target));
  json_object_set_int_member (plan->payload, "count_before", n);
  if (md_meter_reading_get (&reading, MD_METER_POINT_CREDIT, &credit))
    json_object_set_int_member (plan->payload, "credit_before", credit);
  return TRUE;
}

static gboolean
plan_is_ours (MdRemoteMedium  *self,
              const MdVendPlan *plan,
              GError         **error)
{
  if (g_strcmp0 (plan->target, md_meter_target_get_address (self->target)) != 0 ||
      plan->purchase_count < 1)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_CONFLICT,
                   _("The sale was prepared for meter %s, not %s"),
                   plan->target != NULL ? plan->target : "",
                   md_meter_target_get_address (self->target));
      return FALSE;
    }
  return TRUE;
}

static MdDelivery
remote_deliver (MdMedium      *medium,
                MdVendPlan    *plan,
                GCancellable  *cancellable,
                GError       **error)
{
  MdRemoteMedium *self = MD_REMOTE_MEDIUM (medium);
  MdMeterRecharge recharge = { 0, plan->purchase_count, self->tolerance };

  if (!plan_is_ours (self, plan, error))
    return MD_DELIVERY_CONFLICT;
  if (!plan_amount (self, plan, &recharge.amount, error))
    return MD_DELIVERY_NOT_DELIVERED;
  return md_meter_recharge (self->bus, self->target, &recharge, NULL, cancellable, error);
}

static MdDelivery
remote_inspect (MdMedium      *medium,
                MdVendPlan    *plan,
                GCancellable  *cancellable,
                GError       **error)
{
  MdRemoteMedium *self = MD_REMOTE_MEDIUM (medium);
  MdMeterReading reading;
  MdDelivery d;

  if (!plan_is_ours (self, plan, error))
    return MD_DELIVERY_CONFLICT;
  d = md_meter_inspect_purchase (self->bus, self->target, plan->purchase_count, &reading,
                                 cancellable, error);
  if (d != MD_DELIVERY_UNKNOWN)
    remember (self, &reading);
  return d;
}

static void
md_remote_medium_iface_init (MdMediumInterface *iface)
{
  iface->get_kind = remote_get_kind;
  iface->prepare = remote_prepare;
  iface->deliver = remote_deliver;
  iface->inspect = remote_inspect;
}

static void
md_remote_medium_finalize (GObject *object)
{
  MdRemoteMedium *self = MD_REMOTE_MEDIUM (object);

  if (self->check_destroy != NULL)
    self->check_destroy (self->check_data);
  g_clear_object (&self->bus);
  g_clear_pointer (&self->target, md_meter_target_unref);
  g_mutex_clear (&self->mutex);
  G_OBJECT_CLASS (md_remote_medium_parent_class)->finalize (object);
}

static void
md_remote_medium_class_init (MdRemoteMediumClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = md_remote_medium_finalize;
}

static void
md_remote_medium_init (MdRemoteMedium *self)
{
  self->expected_count = -1;
  self->tolerance = MD_REMOTE_MEDIUM_DEFAULT_TOLERANCE;
  g_mutex_init (&self->mutex);
}

/**
 * md_remote_medium_new:
 * @bus: the meter's bus (one per port or gateway, shared by all its
 *   meters)
 * @target: the meter: number, unit id, profile (and DL/T 645 password)
 *
 * Returns: (transfer full): a medium for md_vend…() that credits @target
 */
MdMedium *
md_remote_medium_new (MdMeterBus    *bus,
                      MdMeterTarget *target)
{
  MdRemoteMedium *self;

  g_return_val_if_fail (MD_IS_METER_BUS (bus), NULL);
  g_return_val_if_fail (target != NULL, NULL);

  self = g_object_new (MD_TYPE_REMOTE_MEDIUM, NULL);
  self->bus = g_object_ref (bus);
  self->target = md_meter_target_ref (target);
  return MD_MEDIUM (self);
}

/**
 * md_remote_medium_set_expected_count:
 * @self: a remote medium
 * @purchase_count: the count the database says the meter has (N), or -1
 *   not to compare
 *
 * prepare refuses the sale with %MD_METER_ERROR_CONFLICT when the meter
 * shows another count (a purchase the database does not know, or a
 * meter swapped).
 */
void
md_remote_medium_set_expected_count (MdRemoteMedium *self,
                                     gint64          purchase_count)
{
  g_return_if_fail (MD_IS_REMOTE_MEDIUM (self));

  self->expected_count = purchase_count;
}

/**
 * md_remote_medium_set_check_func:
 * @self: a remote medium
 * @func: (nullable): called in prepare with the meter's reading
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * Any other comparison of meter and database (the credit, the serial…).
 */
void
md_remote_medium_set_check_func (MdRemoteMedium      *self,
                                 MdRemoteMediumCheck  func,
                                 gpointer             user_data,
                                 GDestroyNotify       destroy)
{
  g_return_if_fail (MD_IS_REMOTE_MEDIUM (self));

  if (self->check_destroy != NULL)
    self->check_destroy (self->check_data);
  self->check = func;
  self->check_data = user_data;
  self->check_destroy = destroy;
}

/**
 * md_remote_medium_set_credit_tolerance:
 * @self: a remote medium
 * @tolerance: consumption allowed between the credit readings before and
 *   after a recharge, in the meter's credit units (default 500: 5 yuan,
 *   0.5 kWh or 0.5 m³)
 */
void
md_remote_medium_set_credit_tolerance (MdRemoteMedium *self,
                                       gint64          tolerance)
{
  g_return_if_fail (MD_IS_REMOTE_MEDIUM (self));
  g_return_if_fail (tolerance >= 0);

  self->tolerance = tolerance;
}

/**
 * md_remote_medium_get_last_reading:
 * @self: a remote medium
 * @out_reading: (out caller-allocates): what prepare or inspect last read
 *
 * Returns: %TRUE if there was one
 */
gboolean
md_remote_medium_get_last_reading (MdRemoteMedium *self,
                                   MdMeterReading *out_reading)
{
  gboolean has;

  g_return_val_if_fail (MD_IS_REMOTE_MEDIUM (self), FALSE);

  g_mutex_lock (&self->mutex);
  has = self->has_last;
  if (has)
    *out_reading = self->last;
  g_mutex_unlock (&self->mutex);
  return has;
}
