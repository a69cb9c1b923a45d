/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-meter-bus-private.h"

/*
 * The public operations: each queues a job for the bus's worker. The
 * synchronous forms wait for it (never call them on the UI thread); the
 * _async forms complete in the caller's thread-default main context.
 * A GCancellable stops an operation before it starts and between its
 * exchanges, but never between a recharge write and its read-back.
 */

static gboolean
propagate (MdMeterJob  *job,
           GError     **error)
{
  if (job->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&job->error));
      return FALSE;
    }
  return TRUE;
}

/**
 * md_meter_read:
 * @bus: the meter's bus
 * @target: the meter
 * @flags: %MD_METER_OP_ROUTINE for polling, so commands go first
 * @out_reading: (out caller-allocates): every point the profile reads
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads energy (total and per rate), credit, purchase count, relay state,
 * power, voltage, current… as the profile maps them, in integer units.
 *
 * Returns: %TRUE on success
 */
gboolean
md_meter_read (MdMeterBus      *bus,
               MdMeterTarget   *target,
               MdMeterOpFlags   flags,
               MdMeterReading  *out_reading,
               GCancellable    *cancellable,
               GError         **error)
{
  g_autoptr(MdMeterJob) job = NULL;

  g_return_val_if_fail (MD_IS_METER_BUS (bus), FALSE);
  g_return_val_if_fail (target != NULL && out_reading != NULL, FALSE);

  job = _md_meter_bus_run_sync (bus, _md_meter_job_new (JOB_READ, flags, target, cancellable));
  *out_reading = job->reading;
  return propagate (job, error);
}

/**
 * md_meter_read_async:
 * @bus: the meter's bus
 * @target: the meter
 * @flags: %MD_METER_OP_ROUTINE for polling
 * @cancellable: (nullable): a #GCancellable
 * @callback: called in the thread-default context
 * @user_data: for @callback
 *
 * The asynchronous form of md_meter_read().
 */
void
md_meter_read_async (MdMeterBus          *bus,
                     MdMeterTarget       *target,
                     MdMeterOpFlags       flags,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_return_if_fail (MD_IS_METER_BUS (bus));
  g_return_if_fail (target != NULL);

  _md_meter_bus_run_async (bus, _md_meter_job_new (JOB_READ, flags, target, cancellable),
                           md_meter_read_async, callback, user_data);
}

/**
 * md_meter_read_finish:
 * @bus: a bus
 * @result: the result
 * @out_reading: (out caller-allocates): the reading
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
md_meter_read_finish (MdMeterBus      *bus,
                      GAsyncResult    *result,
                      MdMeterReading  *out_reading,
                      GError         **error)
{
  MdMeterJob *job = _md_meter_bus_finish (bus, result, md_meter_read_async, error);

  if (job == NULL)
    return FALSE;
  *out_reading = job->reading;
  return TRUE;
}

static MdMeterJob *
recharge_job (MdMeterTarget          *target,
              const MdMeterRecharge  *recharge,
              GCancellable           *cancellable)
{
  MdMeterJob *job = _md_meter_job_new (JOB_RECHARGE, MD_METER_OP_DEFAULT, target, cancellable);

  job->recharge = *recharge;
  return job;
}

/**
 * md_meter_recharge:
 * @bus: the meter's bus
 * @target: the meter
 * @recharge: amount, the purchase count N+1 to write, and the credit
 *   tolerance
 * @out_result: (out caller-allocates) (optional): counts and credits seen
 * @cancellable: (nullable): stops the recharge only before its write
 * @error: return location for a #GError explaining any verdict but
 *   %MD_DELIVERY_DELIVERED
 *
 * Remote recharge (RELIABILITY.md rule 9): reads the purchase count; if
 * it is N writes the amount and N+1 in one request, then reads the count
 * back. A write is never repeated unless the count was read back as N.
 *
 * Returns: %MD_DELIVERY_DELIVERED when the meter's count reads N+1 (and
 *   its credit rose by the amount, where the profile reads it; also when
 *   an earlier attempt had already delivered); %MD_DELIVERY_NOT_DELIVERED
 *   when the count provably still reads N; %MD_DELIVERY_CONFLICT when it
 *   reads anything else; %MD_DELIVERY_UNKNOWN when the meter could not be
 *   read back in time: read it again later with md_meter_inspect_purchase()
 */
MdDelivery
md_meter_recharge (MdMeterBus             *bus,
                   MdMeterTarget          *target,
                   const MdMeterRecharge  *recharge,
                   MdMeterRechargeResult  *out_result,
                   GCancellable           *cancellable,
                   GError                **error)
{
  g_autoptr(MdMeterJob) job = NULL;

  g_return_val_if_fail (MD_IS_METER_BUS (bus), MD_DELIVERY_UNKNOWN);
  g_return_val_if_fail (target != NULL && recharge != NULL, MD_DELIVERY_UNKNOWN);

  job = _md_meter_bus_run_sync (bus, recharge_job (target, recharge, cancellable));
  if (out_result != NULL)
    *out_result = job->result;
  propagate (job, error);
  return job->delivery;
}

/**
 * md_meter_recharge_async:
 * @bus: the meter's bus
 * @target: the meter
 * @recharge: amount, purchase count N+1, credit tolerance
 * @cancellable: (nullable): stops it only before its write
 * @callback: called in the thread-default context
 * @user_data: for @callback
 *
 * The asynchronous form of md_meter_recharge().
 */
void
md_meter_recharge_async (MdMeterBus             *bus,
                         MdMeterTarget          *target,
                         const MdMeterRecharge  *recharge,
                         GCancellable           *cancellable,
                         GAsyncReadyCallback     callback,
                         gpointer                user_data)
{
  g_return_if_fail (MD_IS_METER_BUS (bus));
  g_return_if_fail (target != NULL && recharge != NULL);

  _md_meter_bus_run_async (bus, recharge_job (target, recharge, cancellable),
                           md_meter_recharge_async, callback, user_data);
}

/**
 * md_meter_recharge_finish:
 *
 * Returns: the verdict, as md_meter_recharge(); %MD_DELIVERY_UNKNOWN
 *   with @error if the operation could not run (bus closed, cancelled)
 */
MdDelivery
md_meter_recharge_finish (MdMeterBus             *bus,
                          GAsyncResult           *result,
                          MdMeterRechargeResult  *out_result,
                          GError                **error)
{
  MdMeterJob *job;

  g_return_val_if_fail (g_task_is_valid (result, bus), MD_DELIVERY_UNKNOWN);

  /* The verdict stands with or without its explaining error. */
  job = g_task_get_task_data (G_TASK (result));
  if (out_result != NULL)
    *out_result = job->result;
  g_task_propagate_boolean (G_TASK (result), error);
  return job->delivery;
}

/**
 * md_meter_inspect_purchase:
 * @bus: the meter's bus
 * @target: the meter
 * @purchase_count: N+1, the count a sale would have left
 * @out_reading: (out caller-allocates) (optional): the last count read
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Recovery: has the meter got this sale? N must be seen twice, by two
 * differently shaped requests, before it counts.
 *
 * Returns: DELIVERED (count N+1), NOT_DELIVERED (N), CONFLICT (other),
 *   UNKNOWN (silent)
 */
MdDelivery
md_meter_inspect_purchase (MdMeterBus      *bus,
                           MdMeterTarget   *target,
                           gint64           purchase_count,
                           MdMeterReading  *out_reading,
                           GCancellable    *cancellable,
                           GError         **error)
{
  g_autoptr(MdMeterJob) job = NULL;
  MdMeterJob *j;

  g_return_val_if_fail (MD_IS_METER_BUS (bus), MD_DELIVERY_UNKNOWN);
  g_return_val_if_fail (target != NULL && purchase_count >= 1, MD_DELIVERY_UNKNOWN);

  j = _md_meter_job_new (JOB_INSPECT, MD_METER_OP_DEFAULT, target, cancellable);
  j->count = purchase_count;
  job = _md_meter_bus_run_sync (bus, j);
  if (out_reading != NULL)
    *out_reading = job->reading;
  propagate (job, error);
  return job->delivery;
}

static MdMeterJob *
control_job (MdMeterTarget  *target,
             MdMeterControl  control,
             GCancellable   *cancellable)
{
  MdMeterJob *job = _md_meter_job_new (JOB_CONTROL, MD_METER_OP_DEFAULT, target, cancellable);

  job->control = control;
  return job;
}

/**
 * md_meter_control:
 * @bus: the meter's bus
 * @target: the meter
 * @control: trip, close, keep-power, keep-power release, local or remote
 *   mode (for a water meter, trip closes the valve and close opens it)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Sends the command (a register write, or the DL/T 645 1CH block with its
 * validity deadline) and, where the profile reads the state, checks it.
 *
 * Returns: %TRUE if the meter carried out the command
 */
gboolean
md_meter_control (MdMeterBus      *bus,
                  MdMeterTarget   *target,
                  MdMeterControl   control,
                  GCancellable    *cancellable,
                  GError         **error)
{
  g_autoptr(MdMeterJob) job = NULL;

  g_return_val_if_fail (MD_IS_METER_BUS (bus), FALSE);
  g_return_val_if_fail (target != NULL && control < MD_METER_N_CONTROLS, FALSE);

  job = _md_meter_bus_run_sync (bus, control_job (target, control, cancellable));
  return propagate (job, error);
}

/**
 * md_meter_control_async:
 * @bus: the meter's bus
 * @target: the meter
 * @control: the command
 * @cancellable: (nullable): a #GCancellable
 * @callback: called in the thread-default context
 * @user_data: for @callback
 *
 * The asynchronous form of md_meter_control().
 */
void
md_meter_control_async (MdMeterBus          *bus,
                        MdMeterTarget       *target,
                        MdMeterControl       control,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (MD_IS_METER_BUS (bus));

  _md_meter_bus_run_async (bus, control_job (target, control, cancellable),
                           md_meter_control_async, callback, user_data);
}

/**
 * md_meter_control_finish:
 * @bus: a bus
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the meter carried out the command
 */
gboolean
md_meter_control_finish (MdMeterBus    *bus,
                         GAsyncResult  *result,
                         GError       **error)
{
  return _md_meter_bus_finish (bus, result, md_meter_control_async, error) != NULL;
}

static MdMeterJob *
params_job (MdMeterTarget        *target,
            const MdMeterParams  *params,
            GCancellable         *cancellable)
{
  MdMeterJob *job = _md_meter_job_new (JOB_PARAMS, MD_METER_OP_DEFAULT, target, cancellable);

  job->params = *params;
  return job;
}

/**
 * md_meter_set_params:
 * @bus: the meter's bus
 * @target: the meter
 * @params: alarm amounts, power limit, prices to write
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: %TRUE when every parameter was written
 */
gboolean
md_meter_set_params (MdMeterBus           *bus,
                     MdMeterTarget        *target,
                     const MdMeterParams  *params,
                     GCancellable         *cancellable,
                     GError              **error)
{
  g_autoptr(MdMeterJob) job = NULL;

  g_return_val_if_fail (MD_IS_METER_BUS (bus), FALSE);
  g_return_val_if_fail (target != NULL && params != NULL, FALSE);

  job = _md_meter_bus_run_sync (bus, params_job (target, params, cancellable));
  return propagate (job, error);
}

/**
 * md_meter_set_params_async:
 * @bus: the meter's bus
 * @target: the meter
 * @params: the parameters to write
 * @cancellable: (nullable): a #GCancellable
 * @callback: called in the thread-default context
 * @user_data: for @callback
 *
 * The asynchronous form of md_meter_set_params().
 */
void
md_meter_set_params_async (MdMeterBus           *bus,
                           MdMeterTarget        *target,
                           const MdMeterParams  *params,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (MD_IS_METER_BUS (bus));

  _md_meter_bus_run_async (bus, params_job (target, params, cancellable),
                           md_meter_set_params_async, callback, user_data);
}

/**
 * md_meter_set_params_finish:
 * @bus: a bus
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: %TRUE when every parameter was written
 */
gboolean
md_meter_set_params_finish (MdMeterBus    *bus,
                            GAsyncResult  *result,
                            GError       **error)
{
  return _md_meter_bus_finish (bus, result, md_meter_set_params_async, error) != NULL;
}

static MdMeterJob *
time_job (MdMeterProfile *profile,
          GDateTime      *time,
          GCancellable   *cancellable)
{
  MdMeterJob *job = _md_meter_job_new (JOB_TIME, MD_METER_OP_DEFAULT, NULL, cancellable);

  job->profile = md_meter_profile_ref (profile);
  job->time = g_date_time_ref (time);
  return job;
}

/**
 * md_meter_broadcast_time:
 * @bus: a bus
 * @profile: the profile of the bus's meters
 * @time: the local time to set
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Sets every meter's clock at once: DL/T 645 08H to 999999999999, or a
 * Modbus write to unit 0. Nobody answers a broadcast, so success means it
 * was sent.
 *
 * Returns: %TRUE when sent
 */
gboolean
md_meter_broadcast_time (MdMeterBus      *bus,
                         MdMeterProfile  *profile,
                         GDateTime       *time,
                         GCancellable    *cancellable,
                         GError         **error)
{
  g_autoptr(MdMeterJob) job = NULL;

  g_return_val_if_fail (MD_IS_METER_BUS (bus), FALSE);
  g_return_val_if_fail (profile != NULL && time != NULL, FALSE);

  job = _md_meter_bus_run_sync (bus, time_job (profile, time, cancellable));
  return propagate (job, error);
}

/**
 * md_meter_broadcast_time_async:
 * @bus: a bus
 * @profile: the profile of the bus's meters
 * @time: the local time to set
 * @cancellable: (nullable): a #GCancellable
 * @callback: called in the thread-default context
 * @user_data: for @callback
 *
 * The asynchronous form of md_meter_broadcast_time().
 */
void
md_meter_broadcast_time_async (MdMeterBus          *bus,
                               MdMeterProfile      *profile,
                               GDateTime           *time,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (MD_IS_METER_BUS (bus));

  _md_meter_bus_run_async (bus, time_job (profile, time, cancellable),
                           md_meter_broadcast_time_async, callback, user_data);
}

/**
 * md_meter_broadcast_time_finish:
 * @bus: a bus
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: %TRUE when sent
 */
gboolean
md_meter_broadcast_time_finish (MdMeterBus    *bus,
                                GAsyncResult  *result,
                                GError       **error)
{
  return _md_meter_bus_finish (bus, result, md_meter_broadcast_time_async, error) != NULL;
}

static MdMeterJob *
discover_job (MdMeterProfile *profile,
              guint           first_unit,
              guint           last_unit,
              guint           max_ms,
              GCancellable   *cancellable)
{
  MdMeterJob *job = _md_meter_job_new (JOB_DISCOVER, MD_METER_OP_ROUTINE, NULL, cancellable);

  job->profile = md_meter_profile_ref (profile);
  job->first_unit = CLAMP (first_unit, 1, 247);
  job->last_unit = CLAMP (last_unit, 1, 247);
  job->max_ms = CLAMP (max_ms, 100, 10 * 60 * 1000);
  return job;
}

/**
 * md_meter_discover:
 * @bus: a bus
 * @profile: the profile to probe with
 * @first_unit: first Modbus unit to try (0: the profile's)
 * @last_unit: last Modbus unit to try (0: the profile's)
 * @max_ms: time bound of the whole scan (100 ms – 10 min)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Modbus: probes each unit with a short timeout; commands queued during
 * the scan run between probes. DL/T 645: 13H read address, which works
 * with one meter on the line.
 *
 * Returns: (transfer full) (element-type MdMeterFound): the meters that
 *   answered (those found before @max_ms ran out)
 */
GArray *
md_meter_discover (MdMeterBus      *bus,
                   MdMeterProfile  *profile,
                   guint            first_unit,
                   guint            last_unit,
                   guint            max_ms,
                   GCancellable    *cancellable,
                   GError         **error)
{
  g_autoptr(MdMeterJob) job = NULL;

  g_return_val_if_fail (MD_IS_METER_BUS (bus), NULL);
  g_return_val_if_fail (profile != NULL, NULL);

  job = _md_meter_bus_run_sync (bus, discover_job (profile,
                                                   first_unit ? first_unit
                                                              : profile->discover_first,
                                                   last_unit ? last_unit : profile->discover_last,
                                                   max_ms, cancellable));
  if (!propagate (job, error))
    return NULL;
  return g_steal_pointer (&job->found);
}

/**
 * md_meter_discover_async:
 * @bus: a bus
 * @profile: the profile to probe with
 * @first_unit: first unit (0: the profile's)
 * @last_unit: last unit (0: the profile's)
 * @max_ms: time bound of the scan
 * @cancellable: (nullable): a #GCancellable
 * @callback: called in the thread-default context
 * @user_data: for @callback
 *
 * The asynchronous form of md_meter_discover().
 */
void
md_meter_discover_async (MdMeterBus          *bus,
                         MdMeterProfile      *profile,
                         guint                first_unit,
                         guint                last_unit,
                         guint                max_ms,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (MD_IS_METER_BUS (bus));

  _md_meter_bus_run_async (bus, discover_job (profile,
                                              first_unit ? first_unit : profile->discover_first,
                                              last_unit ? last_unit : profile->discover_last,
                                              max_ms, cancellable),
                           md_meter_discover_async, callback, user_data);
}

/**
 * md_meter_discover_finish:
 *
 * Returns: (transfer full) (element-type MdMeterFound): see
 *   md_meter_discover()
 */
GArray *
md_meter_discover_finish (MdMeterBus    *bus,
                          GAsyncResult  *result,
                          GError       **error)
{
  MdMeterJob *job = _md_meter_bus_finish (bus, result, md_meter_discover_async, error);

  if (job == NULL)
    return NULL;
  return g_array_ref (job->found);
}
