/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-meter-bus-private.h"

/*
 * One bus, one owner thread (STYLE.md "Threads and devices"): the modbus_t
 * or the serial port is opened, used and closed by the bus's worker only.
 * Operations arrive on a GAsyncQueue sorted by priority (commands before
 * routine reads, then first come first served), run with a budget of at
 * most 5 s each, and come back through a GTask (async) or a condition
 * variable (sync).
 */

struct _MdMeterBus
{
  GObject             parent_instance;

  MdMeterBusSettings  settings;
  GAsyncQueue        *queue;
  GThread            *thread;
  gssize              next_seq;   /* atomic */
  gint                closed;     /* atomic */

  /* Worker only */
  MdModbusLink       *modbus;
  MdDlt645Link       *dlt645;
  MdMeterBusStats     worker_stats;

  GMutex              stats_mutex;
  MdMeterBusStats     stats;
};

G_DEFINE_FINAL_TYPE (MdMeterBus, md_meter_bus, G_TYPE_OBJECT)

void
_md_meter_job_free (gpointer data)
{
  MdMeterJob *job = data;

  g_clear_pointer (&job->target, md_meter_target_unref);
  g_clear_pointer (&job->profile, md_meter_profile_unref);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->time, g_date_time_unref);
  g_clear_error (&job->error);
  g_clear_pointer (&job->found, g_array_unref);
  g_mutex_clear (&job->mutex);
  g_cond_clear (&job->cond);
  g_free (job);
}

MdMeterJob *
_md_meter_job_new (MdMeterJobKind          kind,
                   MdMeterOpFlags   flags,
                   MdMeterTarget   *target,
                   GCancellable    *cancellable)
{
  MdMeterJob *job = g_new0 (MdMeterJob, 1);

  job->kind = kind;
  job->priority = (flags & MD_METER_OP_ROUTINE) ? PRIORITY_ROUTINE : PRIORITY_COMMAND;
  job->target = target != NULL ? md_meter_target_ref (target) : NULL;
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  job->delivery = MD_DELIVERY_UNKNOWN;
  g_mutex_init (&job->mutex);
  g_cond_init (&job->cond);
  return job;
}

static gint
compare_jobs (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  const MdMeterJob *x = a, *y = b;

  if (x->priority != y->priority)
    return x->priority < y->priority ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq ? 1 : 0;
}

static gboolean
release_task_cb (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

/* Hands the job back: to the GTask's context, or to the waiting caller. */
static void
complete (MdMeterJob *job)
{
  if (job->task != NULL)
    {
      GTask *task = g_steal_pointer (&job->task);
      GSource *release;

      if (job->error != NULL)
        g_task_return_error (task, g_steal_pointer (&job->error));
      else
        g_task_return_boolean (task, TRUE);
      /* Our reference goes in the task's own context, after its callback:
       * never here, where the last reference of the task (and so of the
       * bus it holds) would be dropped on the bus's own thread. */
      release = g_idle_source_new ();
      g_source_set_priority (release, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (release, release_task_cb, task, NULL);
      g_source_attach (release, g_task_get_context (task));
      g_source_unref (release);
      return;
    }
  g_mutex_lock (&job->mutex);
  job->done = TRUE;
  g_cond_signal (&job->cond);
  g_mutex_unlock (&job->mutex);
}

static gboolean
ensure_link (MdMeterBus  *self,
             GError     **error)
{
  if (self->settings.protocol == MD_METER_PROTOCOL_MODBUS)
    {
      if (self->modbus == NULL)
        self->modbus = _md_modbus_link_new (&self->settings, error);
      return self->modbus != NULL;
    }
  if (self->dlt645 == NULL)
    self->dlt645 = _md_dlt645_link_new (&self->settings, error);
  return self->dlt645 != NULL;
}

static void run_job (MdMeterBus *self,
                     MdMeterJob        *job);

typedef struct
{
  MdMeterBus *self;
  MdMeterOp  *op;
} YieldData;

/* Between discovery probes: run queued commands, stop on close. */
static void
yield_cb (gpointer data)
{
  YieldData *y = data;

  for (;;)
    {
      MdMeterJob *next = g_async_queue_try_pop (y->self->queue);

      if (next == NULL)
        return;
      if (next->priority != PRIORITY_COMMAND || next->kind == JOB_DISCOVER)
        {
          if (next->kind == JOB_STOP)
            y->op->deadline = g_get_monotonic_time ();
          g_async_queue_push_sorted (y->self->queue, next, compare_jobs, NULL);
          return;
        }
      run_job (y->self, next);
      complete (next);
    }
}

static void
run_job (MdMeterBus *self,
         MdMeterJob        *job)
{
  MdMeterOp op = { 0 };
  YieldData y = { self, &op };
  MdMeterProfile *profile = job->target != NULL ? job->target->profile : job->profile;

  op.settings = &self->settings;
  op.cancellable = job->cancellable;
  op.stats = &self->worker_stats;
  op.deadline = g_get_monotonic_time () + (gint64) self->settings.budget_ms * 1000;
  op.yield = yield_cb;
  op.yield_data = &y;

  if (g_cancellable_set_error_if_cancelled (job->cancellable, &job->error))
    return;
  if (profile != NULL && md_meter_profile_get_protocol (profile) != self->settings.protocol)
    {
      g_set_error (&job->error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                   _("Meter model “%s” speaks %s; bus %s speaks %s"),
                   md_meter_profile_get_name (profile),
                   md_meter_protocol_to_string (md_meter_profile_get_protocol (profile)),
                   self->settings.name != NULL ? self->settings.name : "",
                   md_meter_protocol_to_string (self->settings.protocol));
      return;
    }
  if (!ensure_link (self, &job->error))
    return;
  op.modbus = self->modbus;
  op.dlt645 = self->dlt645;

  switch (job->kind)
    {
    case JOB_READ:
      job->ok = _md_meter_op_read (&op, job->target, &job->reading, &job->error);
      break;
    case JOB_RECHARGE:
      job->delivery = _md_meter_op_recharge (&op, job->target, &job->recharge, &job->result,
                                             &job->error);
      break;
    case JOB_INSPECT:
      job->delivery = _md_meter_op_inspect (&op, job->target, job->count, &job->reading,
                                            &job->error);
      break;
    case JOB_CONTROL:
      job->ok = _md_meter_op_control (&op, job->target, job->control, &job->error);
      break;
    case JOB_PARAMS:
      job->ok = _md_meter_op_set_params (&op, job->target, &job->params, &job->error);
      break;
    case JOB_TIME:
      job->ok = _md_meter_op_broadcast_time (&op, job->profile, job->time, &job->error);
      break;
    case JOB_DISCOVER:
      op.deadline = g_get_monotonic_time () + (gint64) job->max_ms * 1000;
      job->found = _md_meter_op_discover (&op, job->profile, job->first_unit, job->last_unit,
                                          &job->error);
      job->ok = job->found != NULL;
      break;
    case JOB_STOP:
    default:
      g_assert_not_reached ();
    }

  /* A delivery verdict comes with an explaining error or none; the
   * error is the verdict's, not a failure of the call. */
  self->worker_stats.operations++;
  if (job->error != NULL && job->kind != JOB_RECHARGE && job->kind != JOB_INSPECT)
    self->worker_stats.failed_operations++;
  if ((job->kind == JOB_RECHARGE || job->kind == JOB_INSPECT) &&
      job->delivery != MD_DELIVERY_DELIVERED)
    self->worker_stats.failed_operations++;

  g_mutex_lock (&self->stats_mutex);
  self->stats = self->worker_stats;
  g_mutex_unlock (&self->stats_mutex);
}

static gpointer
worker (gpointer data)
{
  MdMeterBus *self = data;
  MdMeterJob *job;

  while ((job = g_async_queue_pop (self->queue))->kind != JOB_STOP)
    {
      run_job (self, job);
      complete (job);
    }
  _md_meter_job_free (job);

  /* Closed: whatever is still queued fails. */
  while ((job = g_async_queue_try_pop (self->queue)) != NULL)
    {
      g_set_error (&job->error, MD_METER_ERROR, MD_METER_ERROR_CLOSED,
                   _("The bus was closed before the operation ran"));
      complete (job);
    }
  g_clear_pointer (&self->modbus, _md_modbus_link_free);
  g_clear_pointer (&self->dlt645, _md_dlt645_link_free);
  return NULL;
}

static void
push (MdMeterBus *self,
      MdMeterJob        *job)
{
  if (g_atomic_int_get (&self->closed))
    {
      g_set_error (&job->error, MD_METER_ERROR, MD_METER_ERROR_CLOSED,
                   _("The bus is closed"));
      complete (job);
      return;
    }
  job->seq = (guint64) g_atomic_pointer_add (&self->next_seq, 1);
  g_async_queue_push_sorted (self->queue, job, compare_jobs, NULL);
}

/* Synchronous: queue, wait, hand the job to the caller (who frees it). */
MdMeterJob *
_md_meter_bus_run_sync (MdMeterBus *self,
                        MdMeterJob        *job)
{
  push (self, job);
  g_mutex_lock (&job->mutex);
  while (!job->done)
    g_cond_wait (&job->cond, &job->mutex);
  g_mutex_unlock (&job->mutex);
  return job;
}

void
_md_meter_bus_run_async (MdMeterBus          *self,
                         MdMeterJob                 *job,
                         gpointer             source_tag,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  /* The task owns the job; the task's one reference is the worker's,
   * dropped once complete() has returned the result. Nothing here may
   * touch the job after push(). */
  job->task = g_task_new (self, job->cancellable, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
  g_task_set_task_data (job->task, job, _md_meter_job_free);
  push (self, job);
}

MdMeterJob *
_md_meter_bus_finish (MdMeterBus    *self,
                      GAsyncResult  *result,
                      gpointer       source_tag,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return g_task_get_task_data (G_TASK (result));
}

static void
md_meter_bus_dispose (GObject *object)
{
  md_meter_bus_close (MD_METER_BUS (object));
  G_OBJECT_CLASS (md_meter_bus_parent_class)->dispose (object);
}

static void
md_meter_bus_finalize (GObject *object)
{
  MdMeterBus *self = MD_METER_BUS (object);

  g_async_queue_unref (self->queue);
  md_meter_bus_settings_clear (&self->settings);
  g_mutex_clear (&self->stats_mutex);
  G_OBJECT_CLASS (md_meter_bus_parent_class)->finalize (object);
}

static void
md_meter_bus_class_init (MdMeterBusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = md_meter_bus_dispose;
  object_class->finalize = md_meter_bus_finalize;
}

static void
md_meter_bus_init (MdMeterBus *self)
{
  self->queue = g_async_queue_new ();
  g_mutex_init (&self->stats_mutex);
}

/**
 * md_meter_bus_new:
 * @settings: how to reach the bus; copied
 * @error: return location for a #GError
 *
 * Starts the bus's worker thread. The port or connection is opened by the
 * worker when the first operation needs it, and opened again after a
 * failure, so a bus that is unplugged now works once it is back.
 *
 * Returns: (transfer full): the bus, or %NULL if @settings are invalid
 */
MdMeterBus *
md_meter_bus_new (const MdMeterBusSettings  *settings,
                  GError                   **error)
{
  MdMeterBus *self;
  g_autofree char *thread_name = NULL;

  g_return_val_if_fail (settings != NULL, NULL);

  if (!md_meter_bus_settings_validate (settings, error))
    return NULL;
  self = g_object_new (MD_TYPE_METER_BUS, NULL);
  md_meter_bus_settings_copy (&self->settings, settings);
  if (self->settings.name == NULL)
    self->settings.name = g_strdup (settings->transport == MD_METER_TRANSPORT_TCP
                                    ? settings->host : settings->device);
  thread_name = g_strdup_printf ("md-bus-%.6s", self->settings.name);
  self->thread = g_thread_new (thread_name, worker, self);
  return self;
}

/**
 * md_meter_bus_close:
 * @self: a bus
 *
 * Stops the worker after the operation it is running; queued operations
 * fail with %MD_METER_ERROR_CLOSED. Closes the port. Idempotent; the
 * bus's last reference closes it too.
 */
void
md_meter_bus_close (MdMeterBus *self)
{
  MdMeterJob *stop;

  g_return_if_fail (MD_IS_METER_BUS (self));

  if (!g_atomic_int_compare_and_exchange (&self->closed, 0, 1))
    return;
  stop = _md_meter_job_new (JOB_STOP, MD_METER_OP_DEFAULT, NULL, NULL);
  stop->priority = PRIORITY_STOP;
  g_async_queue_push_sorted (self->queue, stop, compare_jobs, NULL);
  g_thread_join (g_steal_pointer (&self->thread));
}

/**
 * md_meter_bus_get_settings:
 *
 * Returns: (transfer none): the bus's settings
 */
const MdMeterBusSettings *
md_meter_bus_get_settings (MdMeterBus *self)
{
  g_return_val_if_fail (MD_IS_METER_BUS (self), NULL);

  return &self->settings;
}

/**
 * md_meter_bus_get_stats:
 * @self: a bus
 * @out_stats: (out caller-allocates): the counters after the last
 *   finished operation
 */
void
md_meter_bus_get_stats (MdMeterBus      *self,
                        MdMeterBusStats *out_stats)
{
  g_return_if_fail (MD_IS_METER_BUS (self));

  g_mutex_lock (&self->stats_mutex);
  *out_stats = self->stats;
  g_mutex_unlock (&self->stats_mutex);
}

/**
 * md_meter_bus_get_queued:
 *
 * Returns: operations waiting for the worker
 */
guint
md_meter_bus_get_queued (MdMeterBus *self)
{
  gint n = g_async_queue_length (self->queue);

  return n > 0 ? (guint) n : 0;
}
