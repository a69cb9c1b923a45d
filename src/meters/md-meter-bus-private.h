/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-meter-link-private.h"

G_BEGIN_DECLS

/* The queue's items, shared by md-meter-bus.c (the worker) and
 * md-meter-bus-ops.c (the public operations). */

typedef enum
{
  JOB_READ,
  JOB_RECHARGE,
  JOB_INSPECT,
  JOB_CONTROL,
  JOB_PARAMS,
  JOB_TIME,
  JOB_DISCOVER,
  JOB_STOP,
} MdMeterJobKind;

enum
{
  PRIORITY_STOP = -1,
  PRIORITY_COMMAND = 0,
  PRIORITY_ROUTINE = 1,
};

typedef struct
{
  MdMeterJobKind                kind;
  int                    priority;
  guint64                seq;
  MdMeterTarget         *target;
  MdMeterProfile        *profile;
  GCancellable          *cancellable;

  MdMeterRecharge        recharge;
  MdMeterControl         control;
  MdMeterParams          params;
  GDateTime             *time;
  gint64                 count;
  guint                  first_unit;
  guint                  last_unit;
  guint                  max_ms;

  gboolean               ok;
  MdDelivery             delivery;
  GError                *error;
  MdMeterReading         reading;
  MdMeterRechargeResult  result;
  GArray                *found;

  GTask                 *task;
  GMutex                 mutex;
  GCond                  cond;
  gboolean               done;
} MdMeterJob;

MdMeterJob      *_md_meter_job_new        (MdMeterJobKind               kind,
                                    MdMeterOpFlags        flags,
                                    MdMeterTarget        *target,
                                    GCancellable         *cancellable);
void      _md_meter_job_free       (gpointer              data);
MdMeterJob      *_md_meter_bus_run_sync   (MdMeterBus           *self,
                                    MdMeterJob                  *job);
void      _md_meter_bus_run_async  (MdMeterBus           *self,
                                    MdMeterJob                  *job,
                                    gpointer              source_tag,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
MdMeterJob      *_md_meter_bus_finish     (MdMeterBus           *self,
                                    GAsyncResult         *result,
                                    gpointer              source_tag,
                                    GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdMeterJob, _md_meter_job_free)

G_END_DECLS
