/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-service.h"

G_BEGIN_DECLS

/* Neither the core's record of a reading (md-monitor.h) nor the meter
 * layer's (md-meter-types.h): the poller's own, so that a file needs only
 * one of the two headers. */
#define MD_SAMPLE_UNKNOWN G_MININT64

typedef struct
{
  char     address[24];
  gint64   at;
  gboolean ok;
  gint64   energy;
  gint64   credit;
  gint64   power;
  gint64   purchase_count;
  int      relay;             /* -1 unknown, 0 closed, 1 tripped */
  int      keep_power;        /* -1 unknown */
  char    *error;             /* a miss: why */
} MdServiceSample;

void      _md_service_sample_clear   (MdServiceSample *sample);

/* Settings of the site (`setting` table), read once per use. */
gint64    _md_setting_int            (MdStore       *store,
                                      const char    *key,
                                      gint64         fallback);
char     *_md_setting_text           (MdStore       *store,
                                      const char    *key,
                                      const char    *fallback);

#define MD_LEASE_NAME          "meters"
#define MD_LEASE_TTL_USEC      (30 * G_USEC_PER_SEC)
#define MD_LEASE_RENEW_USEC    (5 * G_USEC_PER_SEC)
#define MD_COMMAND_CHANNEL     "meterdesk_command"
#define MD_COMMAND_DONE_CHANNEL "meterdesk_command_done"

gboolean  _md_lease_acquire          (MdStore       *store,
                                      const char    *holder,
                                      const char    *kind,
                                      gboolean      *out_acquired,
                                      char         **out_other,
                                      GError       **error);
gboolean  _md_lease_release          (MdStore       *store,
                                      const char    *holder,
                                      GError       **error);

/* Recording what the poller and the commands read, with the alarms they
 * raise, in one transaction per batch (md-service-record.c). */
typedef struct
{
  MdSession *system;
  guint      offline_after;
  guint      alerts;
  gboolean   arrears_trip;
} MdRecordContext;

gboolean  _md_service_record         (MdStore          *store,
                                      MdRecordContext  *context,
                                      MdServiceSample  *samples,
                                      guint             n_samples,
                                      GError          **error);
gboolean  _md_alert_with_notice      (MdSession        *system,
                                      const char       *kind,
                                      const char       *object,
                                      const char       *message,
                                      const char       *customer_phone,
                                      GError          **error);

/* The command queue (md-command.c). */
typedef struct
{
  gint64  id;
  gint64  meter_id;
  char   *address;
  gint64  unit_id;
  char   *model;
  char   *bus;
  char   *op;
  char   *params;
  gint64  sale_id;
  gint64  batch_id;
  gint64  attempts;
  gint64  created_at;
  char   *source;
} MdCommand;

void      _md_command_clear          (MdCommand     *command);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdCommand, _md_command_clear)

typedef struct
{
  gint64      meter_id;
  const char *op;
  const char *params;
  gint64      sale_id;
  gint64      batch_id;
  int         priority;
  const char *source;
  gint64      not_before;
  gint64      created_by;
  const char *terminal;
} MdCommandInsert;

#define MD_PRIORITY_SALE    0
#define MD_PRIORITY_COMMAND 1
#define MD_PRIORITY_ALARM   2
#define MD_PRIORITY_BATCH   5

gboolean  _md_command_insert         (MdStore               *store,
                                      const MdCommandInsert *insert,
                                      gint64                *out_id,
                                      GError               **error);
gboolean  _md_command_claim          (MdStore       *store,
                                      MdCommand     *out_command,
                                      gboolean      *out_found,
                                      GError       **error);
gboolean  _md_command_finish         (MdStore       *store,
                                      gint64         id,
                                      const char    *state,
                                      const char    *outcome,
                                      const char    *message,
                                      const char    *result,
                                      gint64         not_before,
                                      GError       **error);
gboolean  _md_command_mark_attempt   (MdStore       *store,
                                      gint64         id,
                                      GError       **error);
gboolean  _md_command_requeue_running (MdStore      *store,
                                      GError       **error);
gboolean  _md_command_wait           (MdStore       *store,
                                      gint64         id,
                                      guint          timeout_ms,
                                      char         **out_state,
                                      char         **out_outcome,
                                      char         **out_message,
                                      char         **out_result,
                                      GError       **error);
gboolean  _md_meter_lookup           (MdStore       *store,
                                      const char    *address,
                                      gint64        *out_meter_id,
                                      MdCommand     *out_meter,
                                      GError       **error);
gboolean  _md_sale_attempted         (MdStore       *store,
                                      gint64         sale_id,
                                      gboolean      *out_attempted,
                                      GError       **error);

/* The outbox (md-outbox.c). */
gboolean  _md_outbox_deliver_due     (MdStore       *store,
                                      guint         *out_sent,
                                      GError       **error);
gboolean  _md_outbox_mark_unknown    (MdStore       *store,
                                      GError       **error);

/* Executing a command on the host (md-exec.c). */
typedef struct _MdServiceHostBuses MdServiceHostBuses;

typedef struct
{
  MdSession      *system;
  MdServiceHost  *host;
  MdRecordContext record;
} MdExecContext;

gboolean  _md_exec_command           (MdStore        *store,
                                      MdExecContext  *context,
                                      MdCommand      *command,
                                      GError        **error);

/* The host's buses, shared by the poller and the command thread. */
GObject  *_md_service_host_get_bus   (MdServiceHost  *self,
                                      const char     *name);

G_END_DECLS
