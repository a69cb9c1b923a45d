/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "md-auth.h"
#include "md-medium.h"
#include "md-vend.h"

G_BEGIN_DECLS

/*
 * The always-on side (docs/daemon.md): the poller, the meter command queue,
 * alarms, the notification outbox and batch jobs. meterdesk-daemon hosts
 * them; the GTK app hosts the same services in-process when no daemon
 * does, and `meterdesk-cli poll` in the foreground.
 *
 * Who hosts is a lease row in the database (`service_lease`, name
 * "meters"), renewed every few seconds by its holder: a live lease held by
 * someone else means "a daemon (or another app) owns the buses"; the app
 * then stays on standby and takes over when the lease lapses.
 *
 * The app and the CLI never call a meter owned by a host directly: they
 * write a command row (a remote recharge in the same transaction as its
 * PENDING sale) and the host executes it; PostgreSQL LISTEN/NOTIFY, or a
 * short poll on SQLite, wakes the host.
 *
 * Hosting the services in the GTK app (when no daemon holds the lease):
 *
 *     MdServiceOptions options = { .kind = MD_SERVICE_KIND_APP,
 *                                  .terminal = terminal_id,
 *                                  .standby = TRUE };
 *     MdServiceHost *host = md_service_host_new (db_uri, &options);
 *     if (!md_service_host_start (host, &error))   // hosts, or stands by
 *       ...                                        // only a bad URI fails
 *     ...
 *     md_service_host_stop (host);                 // at shutdown
 *     g_object_unref (host);
 *
 * - Call md_service_host_new(), _start() and _stop() from one thread, the
 *   GTK main thread is fine: _start() returns once the first attempt at
 *   the lease is made (one database connection, milliseconds); the work
 *   runs on the host's own threads, each with its own connection, and
 *   nothing is dispatched on the caller's main context.
 * - With @standby, a live daemon keeps the app on standby; the app takes
 *   over by itself when the daemon's lease lapses (and gives the buses
 *   back only when it stops). md_service_host_is_hosting() and
 *   md_service_host_get_stats() may be called from any thread.
 * - md_service_host_stop() blocks until the command under way finishes
 *   (a recharge is never cut between its write and its read-back) and the
 *   answers are written: usually well under a second, at most about ten
 *   seconds, plus a notification program still running (setting
 *   notify.command-timeout). Call it from GApplication::shutdown, or from a
 *   worker thread when the UI must stay responsive.
 * - Sales, controls and batches need no handle on the host: they go
 *   through the database to whoever hosts:
 *
 *     MdMedium *m = md_service_remote_medium_new (store);   // sale page
 *     md_vend_recover (session, md_service_medium_lookup, store, …);
 *     md_service_meter_control (session, address, "trip", &error);
 *
 *   A process that queues something and hosts too may call
 *   md_service_host_wake() to have it served at once.
 *
 * and for `meterdesk --demo`, before md_service_host_start():
 *
 *     MdServiceDemo *demo = md_service_demo_start (demo_db_path, &error);
 *     ...
 *     md_service_demo_stop (demo);   // after md_service_host_stop()
 */

#define MD_SERVICE_ERROR (md_service_error_quark ())

/**
 * MdServiceError:
 * @MD_SERVICE_ERROR_HOSTED_ELSEWHERE: another process hosts the services
 * @MD_SERVICE_ERROR_NOT_FOUND: no such meter, command or batch
 * @MD_SERVICE_ERROR_INVALID: a request that cannot be carried out
 * @MD_SERVICE_ERROR_TIMEOUT: the host did not answer in time
 * @MD_SERVICE_ERROR_FAILED: the meter operation failed (the message says
 *   why)
 */
typedef enum
{
  MD_SERVICE_ERROR_HOSTED_ELSEWHERE,
  MD_SERVICE_ERROR_NOT_FOUND,
  MD_SERVICE_ERROR_INVALID,
  MD_SERVICE_ERROR_TIMEOUT,
  MD_SERVICE_ERROR_FAILED,
} MdServiceError;

/**
 * MdServiceKind:
 * @MD_SERVICE_KIND_DAEMON: meterdesk-daemon
 * @MD_SERVICE_KIND_APP: the GTK app, when no daemon runs
 * @MD_SERVICE_KIND_CLI: `meterdesk-cli poll`
 */
typedef enum
{
  MD_SERVICE_KIND_DAEMON,
  MD_SERVICE_KIND_APP,
  MD_SERVICE_KIND_CLI,
} MdServiceKind;

/**
 * MdServiceOptions:
 * @kind: who hosts
 * @terminal: (nullable): the terminal id written with alerts and audit
 *   rows; default "daemon"
 * @standby: when another process holds the lease, wait for it to lapse
 *   (daemon, app) instead of failing (CLI)
 * @poll_interval_ms: time between two sweeps of a bus; 0 for the setting
 *   `poll.interval-seconds` (default 30)
 * @sweeps: stop after this many sweeps of every bus (`poll --once`: 1); 0
 *   for no end
 */
typedef struct
{
  MdServiceKind  kind;
  const char    *terminal;
  gboolean       standby;
  guint          poll_interval_ms;
  guint          sweeps;
} MdServiceOptions;

/**
 * MdServiceStats:
 *
 * What the host has done since it started (for tests, benchmarks and the
 * daemon's log).
 */
typedef struct
{
  guint64 sweeps;
  guint64 reads;
  guint64 misses;
  guint64 batches_written;
  guint64 commands_done;
  guint64 commands_failed;
  guint64 alerts;
  guint64 notifications_sent;
  guint   buses;
  guint   meters;
} MdServiceStats;

#define MD_TYPE_SERVICE_HOST (md_service_host_get_type ())
G_DECLARE_FINAL_TYPE (MdServiceHost, md_service_host, MD, SERVICE_HOST, GObject)

GQuark          md_service_error_quark         (void);

MdServiceHost  *md_service_host_new            (const char             *db_uri,
                                                const MdServiceOptions *options);
gboolean        md_service_host_start          (MdServiceHost          *self,
                                                GError                **error);
void            md_service_host_stop           (MdServiceHost          *self);
gboolean        md_service_host_is_hosting     (MdServiceHost          *self);
gboolean        md_service_host_wait_done      (MdServiceHost          *self,
                                                guint                   timeout_ms);
void            md_service_host_wake           (MdServiceHost          *self);
void            md_service_host_get_stats      (MdServiceHost          *self,
                                                MdServiceStats         *out_stats);

/* The lease: who hosts the services now. */
gboolean        md_service_hosted              (MdStore                *store,
                                                char                  **out_holder,
                                                GError                **error);

/* Remote sales (--medium remote) and their recovery. */
MdMedium       *md_service_remote_medium_new   (MdStore                *store);
MdMedium       *md_service_medium_lookup       (const char             *kind,
                                                gpointer                store);

/* Meter commands, queued for the host (or run here when nobody hosts).
 * They wait for the meter's answer (up to setting remote.wait-seconds):
 * in the UI, call them from a worker thread (GTask). */
JsonNode       *md_service_meter_read          (MdSession              *session,
                                                const char             *address,
                                                GError                **error);
JsonNode       *md_service_meter_control       (MdSession              *session,
                                                const char             *address,
                                                const char             *control,
                                                GError                **error);
JsonNode       *md_service_command_list        (MdSession              *session,
                                                gboolean                open_only,
                                                GError                **error);

/* Batch jobs (批量操作). */
JsonNode       *md_service_batch_create        (MdSession              *session,
                                                const char             *op,
                                                JsonObject             *params,
                                                const char * const     *addresses,
                                                gint64                  scheduled_at,
                                                const char             *name,
                                                GError                **error);
JsonNode       *md_service_batch_list          (MdSession              *session,
                                                GError                **error);
JsonNode       *md_service_batch_show          (MdSession              *session,
                                                gint64                  batch_id,
                                                GError                **error);
gboolean        md_service_batch_export_csv    (MdSession              *session,
                                                gint64                  batch_id,
                                                const char             *path,
                                                GError                **error);
gboolean        md_service_batch_cancel        (MdSession              *session,
                                                gint64                  batch_id,
                                                GError                **error);
gboolean        md_service_batch_set_param     (JsonObject             *params,
                                                const char             *key,
                                                const char             *text,
                                                GError                **error);
char          **md_service_batch_select        (MdSession              *session,
                                                const char             *bus,
                                                const char             *building,
                                                gboolean                all,
                                                GError                **error);

/* Site settings of docs/daemon.md (administrators; audited). */
gboolean        md_service_setting_set         (MdSession              *session,
                                                const char             *key,
                                                const char             *value,
                                                GError                **error);

/* Diagnostics (`doctor bus`): ports, buses, who answers. Read-only. */
JsonNode       *md_service_doctor_buses        (MdSession              *session,
                                                gboolean                probe,
                                                GError                **error);

/* The demo's simulated buses (`meterdesk --demo`). */
typedef struct _MdServiceDemo MdServiceDemo;

MdServiceDemo  *md_service_demo_start          (const char             *db_path,
                                                GError                **error);
void            md_service_demo_stop           (MdServiceDemo          *demo);

G_END_DECLS
