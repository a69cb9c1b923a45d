/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-clock.h"
#include "md-remote-medium.h"
#include "md-service-meters-private.h"

/*
 * The "remote" medium of the app and the CLI (--medium remote). Any meter
 * of the site, found from the plan (the account's meter when selling, the
 * sale's target when settling):
 *
 * - when a host runs the services (a daemon, or the app itself), through
 *   the meter command queue: prepare asks the host for a fresh reading of
 *   the meter (its purchase count N), record writes the recharge command
 *   in the same transaction as the PENDING sale, deliver and inspect wait
 *   for the host to settle it (the host reads back before it writes);
 * - when nobody hosts them, directly: this process opens the meter's bus
 *   for the sale and uses md_remote_medium (docs/meters.md).
 */

#define DEFAULT_WAIT_SECONDS 20

typedef struct _MdServiceMedium MdServiceMedium;

struct _MdServiceMedium
{
  GObject     parent_instance;

  MdStore    *store;
  gboolean    queued;
  MdMedium   *direct;
  char       *direct_address;
};

#define MD_TYPE_SERVICE_MEDIUM (md_service_medium_get_type ())
G_DECLARE_FINAL_TYPE (MdServiceMedium, md_service_medium, MD, SERVICE_MEDIUM, GObject)

static void md_service_medium_iface_init (MdMediumInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MdServiceMedium, md_service_medium, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MD_TYPE_MEDIUM,
                                                      md_service_medium_iface_init))

static const char *
service_get_kind (MdMedium *medium)
{
  return "remote";
}

static guint
wait_ms (MdServiceMedium *self)
{
  return (guint) CLAMP (_md_setting_int (self->store, "remote.wait-seconds", DEFAULT_WAIT_SECONDS),
                        1, 600) * 1000;
}

/* The account's meter that takes remote recharges. */
static gboolean
account_meter (MdServiceMedium  *self,
               const char       *account_no,
               MdCommand        *out_meter,
               GError          **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  if (!(stmt = md_store_prepare (self->store,
                                 "SELECT m.id, m.address, COALESCE(m.unit_id, 0), m.model, b.name "
                                 "FROM meter m JOIN account a ON a.id = m.account_id "
                                 "LEFT JOIN bus b ON b.id = m.bus_id "
                                 "WHERE a.no = $1 AND m.state = 'installed' AND m.bus_id IS NOT NULL "
                                 "ORDER BY m.id", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, account_no);
  while (md_stmt_step (stmt, &local_error))
    {
      g_autoptr(MdMeterProfile) profile = md_meter_profile_lookup (md_stmt_get_text (stmt, 3), NULL);

      if (profile == NULL || !md_meter_profile_can_recharge (profile, NULL))
        continue;
      out_meter->meter_id = md_stmt_get_int64 (stmt, 0);
      out_meter->address = g_strdup (md_stmt_get_text (stmt, 1));
      out_meter->unit_id = md_stmt_get_int64 (stmt, 2);
      out_meter->model = g_strdup (md_stmt_get_text (stmt, 3));
      out_meter->bus = g_strdup (md_stmt_get_text (stmt, 4));
      md_stmt_exec (stmt, NULL);
      return TRUE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_INVALID,
               _("The account %s has no meter on a bus that takes remote recharges"), account_no);
  return FALSE;
}

/* The purchase count the books know for @address: the last remote sale
 * posted to it, or -1 when there is none. */
static gint64
books_count (MdStore    *store,
             const char *address)
{
  gint64 count = -1;
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                             "SELECT MAX(purchase_count) FROM sale WHERE target = $1 "
                                             "AND medium = 'remote' AND state = 'posted' "
                                             "AND kind = 'sale'", NULL);

  if (stmt == NULL)
    return -1;
  md_stmt_bind_text (stmt, 1, address);
  if (md_stmt_step (stmt, NULL))
    {
      if (!md_stmt_is_null (stmt, 0))
        count = md_stmt_get_int64 (stmt, 0);
      md_stmt_exec (stmt, NULL);
    }
  return count;
}

static gboolean
ensure_direct (MdServiceMedium  *self,
               const MdCommand  *meter,
               GError          **error)
{
  g_autoptr(MdMeterBus) bus = NULL;
  g_autoptr(MdMeterTarget) target = NULL;

  if (self->direct != NULL && g_strcmp0 (self->direct_address, meter->address) == 0)
    return TRUE;
  if (!(bus = _md_service_open_bus (self->store, meter->bus, error)) ||
      !(target = _md_service_target (self->store, meter, error)))
    return FALSE;
  g_clear_object (&self->direct);
  self->direct = md_remote_medium_new (bus, target);
  g_free (self->direct_address);
  self->direct_address = g_strdup (meter->address);
  return TRUE;
}

static gboolean
insert_txn (MdStore  *store,
            gpointer  user_data,
            GError  **error)
{
  gpointer *args = user_data;

  return _md_command_insert (store, args[0], args[1], error);
}

static gboolean
queue_and_wait (MdServiceMedium  *self,
                const MdCommandInsert *insert,
                gint64           *out_id,
                char            **out_state,
                char            **out_outcome,
                char            **out_message,
                char            **out_result,
                GError          **error)
{
  gint64 id = *out_id;
  gpointer args[2] = { (gpointer) insert, &id };

  if (id == 0 && !md_store_write (self->store, insert_txn, args, error))
    return FALSE;
  *out_id = id;
  return _md_command_wait (self->store, id, wait_ms (self), out_state, out_outcome, out_message,
                           out_result, error);
}

static gboolean
service_prepare (MdMedium      *medium,
                 MdVendPlan    *plan,
                 GCancellable  *cancellable,
                 GError       **error)
{
  MdServiceMedium *self = (MdServiceMedium *) medium;
  g_auto(MdCommand) meter = { 0 };
  g_autoptr(MdMeterProfile) profile = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *state = NULL;
  g_autofree char *outcome = NULL;
  g_autofree char *message = NULL;
  g_autofree char *result = NULL;
  g_autoptr(JsonParser) parser = NULL;
  MdCommandInsert insert = { 0 };
  MdMeterCreditKind kind;
  JsonObject *reading;
  gint64 id = 0;
  gint64 n;

  if (!account_meter (self, plan->account_no, &meter, error))
    return FALSE;

  self->queued = md_service_hosted (self->store, NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!self->queued)
    {
      gint64 books = books_count (self->store, meter.address);

      if (!ensure_direct (self, &meter, error))
        return FALSE;
      md_remote_medium_set_expected_count (MD_REMOTE_MEDIUM (self->direct), books);
      return md_medium_prepare (self->direct, plan, cancellable, error);
    }

  if (!(profile = md_meter_profile_lookup (meter.model, error)) ||
      !md_meter_profile_can_recharge (profile, error))
    return FALSE;
  kind = md_meter_profile_get_credit_kind (profile);
  if ((plan->money_kind && kind != MD_METER_CREDIT_MONEY) ||
      (!plan->money_kind && kind == MD_METER_CREDIT_MONEY))
    {
      g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_INVALID,
                   _("Meter %s keeps %s credit; the sale delivers %s"), meter.address,
                   md_meter_credit_kind_to_string (kind), plan->money_kind ? "money" : "energy");
      return FALSE;
    }

  /* A fresh reading from the host: the count N the sale is prepared
   * against (the host checks it again before it writes). */
  insert.meter_id = meter.meter_id;
  insert.op = "read";
  insert.priority = MD_PRIORITY_SALE;
  insert.source = "sale";
  insert.terminal = "";
  if (!queue_and_wait (self, &insert, &id, &state, &outcome, &message, &result, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_TIMEOUT,
                     _("Meter %s was not read in time by the service host"), meter.address);
      return FALSE;
    }
  if (!g_str_equal (state, "done"))
    {
      g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_FAILED,
                   _("Meter %s could not be read: %s"), meter.address, message);
      return FALSE;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, result, -1, error))
    return FALSE;
  reading = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (reading, "purchase_count"))
    {
      g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_FAILED,
                   _("Meter %s did not report its purchase count"), meter.address);
      return FALSE;
    }
  n = json_object_get_int_member (reading, "purchase_count");

  g_free (plan->target);
  plan->target = g_strdup (meter.address);
  plan->purchase_count = n + 1;
  g_clear_pointer (&plan->payload, json_object_unref);
  plan->payload = json_object_new ();
  json_object_set_string_member (plan->payload, "model", meter.model);
  json_object_set_int_member (plan->payload, "unit", meter.unit_id);
  json_object_set_int_member (plan->payload, "count_before", n);
  json_object_set_boolean_member (plan->payload, "queued", TRUE);
  return TRUE;
}

typedef struct
{
  MdServiceMedium  *self;
  const MdVendPlan *plan;
  gint64            sale_id;
} RecordData;

static gboolean
service_record (MdMedium          *medium,
                MdStore           *store,
                const MdVendPlan  *plan,
                gint64             sale_id,
                GError           **error)
{
  MdServiceMedium *self = (MdServiceMedium *) medium;
  MdCommandInsert insert = { 0 };
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *terminal = NULL;
  gint64 meter_id = 0;

  if (!self->queued)
    return TRUE;
  if (!_md_meter_lookup (store, plan->target, &meter_id, NULL, error) ||
      !(stmt = md_store_prepare (store, "SELECT terminal, operator_id FROM sale WHERE id = $1",
                                 error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, sale_id);
  if (md_stmt_step (stmt, error))
    {
      terminal = g_strdup (md_stmt_get_text (stmt, 0));
      insert.created_by = md_stmt_is_null (stmt, 1) ? 0 : md_stmt_get_int64 (stmt, 1);
      md_stmt_exec (stmt, NULL);
    }
  insert.meter_id = meter_id;
  insert.op = "recharge";
  insert.sale_id = sale_id;
  insert.priority = MD_PRIORITY_SALE;
  insert.source = "sale";
  insert.terminal = terminal != NULL ? terminal : "";
  return _md_command_insert (store, &insert, NULL, error);
}

static gboolean
open_recharge (MdStore  *store,
               gint64    sale_id,
               gint64   *out_id,
               GError  **error)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                             "SELECT id FROM meter_command WHERE sale_id = $1 "
                                             "AND state IN ('queued', 'running')", error);

  *out_id = 0;
  if (stmt == NULL)
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, sale_id);
  if (md_stmt_step (stmt, error))
    {
      *out_id = md_stmt_get_int64 (stmt, 0);
      md_stmt_exec (stmt, NULL);
    }
  return error == NULL || *error == NULL;
}

/* The host settles the sale; this waits and tells what it found. */
static MdDelivery
queued_settle (MdServiceMedium  *self,
               MdVendPlan       *plan,
               GError          **error)
{
  MdCommandInsert insert = { 0 };
  g_autofree char *state = NULL;
  g_autofree char *outcome = NULL;
  g_autofree char *message = NULL;
  gint64 id = 0;
  gint64 meter_id = 0;

  if (!_md_meter_lookup (self->store, plan->target, &meter_id, NULL, error) ||
      !open_recharge (self->store, plan->sale_id, &id, error))
    return MD_DELIVERY_UNKNOWN;
  insert.meter_id = meter_id;
  insert.op = "recharge";
  insert.sale_id = plan->sale_id;
  insert.priority = MD_PRIORITY_SALE;
  insert.source = "sale";
  insert.terminal = "";
  if (!queue_and_wait (self, &insert, &id, &state, &outcome, &message, NULL, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_TIMEOUT,
                     _("The service host is still delivering to meter %s"), plan->target);
      return MD_DELIVERY_UNKNOWN;
    }
  if (g_str_equal (state, "done"))
    return MD_DELIVERY_DELIVERED;
  g_set_error_literal (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_FAILED,
                       *message != '\0' ? message : outcome);
  if (g_str_equal (outcome, "not-delivered"))
    return MD_DELIVERY_NOT_DELIVERED;
  if (g_str_equal (outcome, "conflict"))
    return MD_DELIVERY_CONFLICT;
  return MD_DELIVERY_UNKNOWN;
}

static MdDelivery
direct_for_plan (MdServiceMedium  *self,
                 MdVendPlan       *plan,
                 gboolean          deliver,
                 GCancellable     *cancellable,
                 GError          **error)
{
  g_auto(MdCommand) meter = { 0 };
  gint64 meter_id;

  if (!_md_meter_lookup (self->store, plan->target != NULL ? plan->target : "", &meter_id, &meter,
                         error) ||
      !ensure_direct (self, &meter, error))
    return MD_DELIVERY_UNKNOWN;
  return deliver ? md_medium_deliver (self->direct, plan, cancellable, error)
                 : md_medium_inspect (self->direct, plan, cancellable, error);
}

static MdDelivery
service_deliver (MdMedium      *medium,
                 MdVendPlan    *plan,
                 GCancellable  *cancellable,
                 GError       **error)
{
  MdServiceMedium *self = (MdServiceMedium *) medium;

  if (self->queued || md_service_hosted (self->store, NULL, NULL))
    return queued_settle (self, plan, error);
  return direct_for_plan (self, plan, TRUE, cancellable, error);
}

static MdDelivery
service_inspect (MdMedium      *medium,
                 MdVendPlan    *plan,
                 GCancellable  *cancellable,
                 GError       **error)
{
  MdServiceMedium *self = (MdServiceMedium *) medium;
  gint64 id = 0;

  /* A command of this sale still open is the host's to settle. */
  if (!open_recharge (self->store, plan->sale_id, &id, error))
    return MD_DELIVERY_UNKNOWN;
  if (id != 0 || md_service_hosted (self->store, NULL, NULL))
    return queued_settle (self, plan, error);
  return direct_for_plan (self, plan, FALSE, cancellable, error);
}

static void
md_service_medium_iface_init (MdMediumInterface *iface)
{
  iface->get_kind = service_get_kind;
  iface->prepare = service_prepare;
  iface->deliver = service_deliver;
  iface->inspect = service_inspect;
  iface->record = service_record;
}

static void
md_service_medium_finalize (GObject *object)
{
  MdServiceMedium *self = (MdServiceMedium *) object;

  g_clear_object (&self->direct);
  g_clear_object (&self->store);
  g_free (self->direct_address);
  G_OBJECT_CLASS (md_service_medium_parent_class)->finalize (object);
}

static void
md_service_medium_class_init (MdServiceMediumClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = md_service_medium_finalize;
}

static void
md_service_medium_init (MdServiceMedium *self)
{
}

/**
 * md_service_remote_medium_new:
 * @store: the caller's connection (the one its session sells with)
 *
 * The medium for `--medium remote`: through the meter command queue when a
 * host runs the services, else directly on the meter's bus.
 *
 * Returns: (transfer full): a medium of kind "remote"
 */
MdMedium *
md_service_remote_medium_new (MdStore *store)
{
  MdServiceMedium *self;

  g_return_val_if_fail (MD_IS_STORE (store), NULL);

  self = g_object_new (MD_TYPE_SERVICE_MEDIUM, NULL);
  self->store = g_object_ref (store);
  return MD_MEDIUM (self);
}

/**
 * md_service_medium_lookup:
 * @kind: the medium stored with a pending sale
 * @store: (type MdStore): the caller's store
 *
 * An #MdMediumLookup for md_vend_recover(): "remote" sales through the
 * service host (or their meter directly), "account" sales by themselves;
 * %NULL for media this process cannot reach (cards, tokens).
 *
 * Returns: (transfer full) (nullable): the medium
 */
MdMedium *
md_service_medium_lookup (const char *kind,
                          gpointer    store)
{
  if (g_strcmp0 (kind, "remote") == 0)
    return md_service_remote_medium_new (MD_STORE (store));
  if (g_strcmp0 (kind, "account") == 0)
    return md_account_medium_new ();
  return NULL;
}
