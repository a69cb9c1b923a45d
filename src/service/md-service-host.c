/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <unistd.h>

#include "md-clock.h"
#include "md-service-meters-private.h"

/*
 * The service host: three threads, each with its own database connection
 * (STYLE.md: one owner thread per handle; never block the database on
 * device I/O):
 *
 * - the poller: holds the lease, keeps one MdMeterBus per bus row (each
 *   with its own worker thread, which alone touches the port or gateway),
 *   queues a routine read of every installed meter once per interval and
 *   writes the answers and misses in batches, with the alarms they raise;
 * - the commands: claims queued meter commands (they run on the buses
 *   before routine reads) and resolves them;
 * - the outbox: delivers notifications.
 */

#define TICK_MS            250
#define RELOAD_USEC        (10 * G_USEC_PER_SEC)
#define BATCH_SIZE         500
#define STOP_DRAIN_USEC    (8 * G_USEC_PER_SEC)

typedef struct
{
  char       *name;
  char       *fingerprint;
  MdMeterBus *bus;
  gboolean    sweeping;
  guint       outstanding;
  guint       meters;
  gint64      started;
  gint64      next_sweep;
  guint       sweeps;
  gboolean    seen;
} BusEntry;

struct _MdServiceHost
{
  GObject          parent_instance;

  char            *uri;
  MdServiceKind    kind;
  char            *terminal;
  gboolean         standby;
  guint            poll_interval_ms;
  guint            sweeps_wanted;
  char            *holder;

  GMutex           lock;
  GCond            cond;
  GHashTable      *buses;          /* name → BusEntry, poller thread; lookups under lock */
  MdServiceStats   stats;
  gboolean         started;
  gboolean         hosting;
  gboolean         stopping;
  gboolean         first_attempt_done;
  gboolean         wake_commands;
  gboolean         wake_outbox;
  char            *other_holder;
  GError          *start_error;

  GThread         *poll_thread;
  GThread         *command_thread;
  GThread         *outbox_thread;
  GMainContext    *poll_context;
  GMainLoop       *poll_loop;

  /* Poller thread only */
  MdStore         *poll_store;
  MdSession       *poll_system;
  MdRecordContext  record;
  GArray          *pending;
  GHashTable      *profiles;
  gint64           last_reload;
  gint64           last_renew;
  gint64           interval_usec;
};

G_DEFINE_FINAL_TYPE (MdServiceHost, md_service_host, G_TYPE_OBJECT)

static void
bus_entry_free (gpointer data)
{
  BusEntry *entry = data;

  if (entry->bus != NULL)
    {
      md_meter_bus_close (entry->bus);
      g_object_unref (entry->bus);
    }
  g_free (entry->name);
  g_free (entry->fingerprint);
  g_free (entry);
}

static gboolean
is_stopping (MdServiceHost *self)
{
  gboolean stopping;

  g_mutex_lock (&self->lock);
  stopping = self->stopping;
  g_mutex_unlock (&self->lock);
  return stopping;
}

static gboolean
is_hosting (MdServiceHost *self)
{
  gboolean hosting;

  g_mutex_lock (&self->lock);
  hosting = self->hosting && !self->stopping;
  g_mutex_unlock (&self->lock);
  return hosting;
}

/* Waits up to @ms for a stop or, with @flag, a wake-up. */
static void
nap (MdServiceHost *self,
     guint          ms,
     gboolean      *flag)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  g_mutex_lock (&self->lock);
  while (!(flag != NULL && *flag) && !self->stopping)
    if (!g_cond_wait_until (&self->cond, &self->lock, until))
      break;
  if (flag != NULL)
    *flag = FALSE;
  g_mutex_unlock (&self->lock);
}

static MdStore *
open_store (MdServiceHost  *self,
            GError        **error)
{
  return md_store_open (self->uri, MD_STORE_OPEN_NONE, error);
}

/* -- the poller ----------------------------------------------------------- */

static void
flush (MdServiceHost *self)
{
  g_autoptr(GError) error = NULL;
  guint n = self->pending->len;

  if (n == 0)
    return;
  if (!_md_service_record (self->poll_store, &self->record,
                           (MdServiceSample *) self->pending->data, n, &error))
    g_warning ("could not record %u meter readings: %s", n, error->message);
  else
    {
      g_mutex_lock (&self->lock);
      self->stats.batches_written++;
      self->stats.alerts = self->record.alerts;
      g_mutex_unlock (&self->lock);
    }
  for (guint i = 0; i < n; i++)
    _md_service_sample_clear (&g_array_index (self->pending, MdServiceSample, i));
  g_array_set_size (self->pending, 0);
}

static void
check_done (MdServiceHost *self)
{
  GHashTableIter iter;
  gpointer value;
  guint least = G_MAXUINT;

  g_hash_table_iter_init (&iter, self->buses);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    least = MIN (least, ((BusEntry *) value)->sweeps);

  g_mutex_lock (&self->lock);
  /* No bus at all: every tick is a sweep of nothing. */
  if (least == G_MAXUINT)
    least = (guint) self->stats.sweeps + 1;
  self->stats.sweeps = MAX (self->stats.sweeps, least);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

typedef struct
{
  MdServiceHost  *host;
  char           *bus;
  char            address[24];
  MdMeterProfile *profile;
} ReadData;

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ReadData *data = user_data;
  MdServiceHost *self = data->host;
  g_autoptr(GError) error = NULL;
  MdMeterReading reading;
  MdServiceSample sample;
  BusEntry *entry;

  if (md_meter_read_finish (MD_METER_BUS (source), result, &reading, &error))
    {
      _md_service_sample_fill (&sample, data->address, data->profile, &reading);
      g_array_append_val (self->pending, sample);
      g_mutex_lock (&self->lock);
      self->stats.reads++;
      g_mutex_unlock (&self->lock);
    }
  else if (!g_error_matches (error, MD_METER_ERROR, MD_METER_ERROR_CLOSED))
    {
      _md_service_sample_miss (&sample, data->address, error);
      g_array_append_val (self->pending, sample);
      g_mutex_lock (&self->lock);
      self->stats.misses++;
      g_mutex_unlock (&self->lock);
    }
  if (self->pending->len >= BATCH_SIZE)
    flush (self);

  entry = g_hash_table_lookup (self->buses, data->bus);
  if (entry != NULL && entry->bus == MD_METER_BUS (source) && entry->outstanding > 0 &&
      --entry->outstanding == 0)
    {
      entry->sweeping = FALSE;
      entry->sweeps++;
      entry->next_sweep = entry->started + self->interval_usec;
      flush (self);
      g_debug ("bus %s: sweep %u of %u meters in %" G_GINT64_FORMAT " ms", entry->name,
               entry->sweeps, entry->meters, (g_get_monotonic_time () - entry->started) / 1000);
      check_done (self);
    }

  g_free (data->bus);
  md_meter_profile_unref (data->profile);
  g_free (data);
}

static MdMeterProfile *
profile_for (MdServiceHost *self,
             const char    *model)
{
  MdMeterProfile *profile;
  g_autoptr(GError) error = NULL;

  if (g_hash_table_lookup_extended (self->profiles, model, NULL, (gpointer *) &profile))
    return profile;
  profile = md_meter_profile_lookup (model, &error);
  if (profile == NULL)
    g_warning ("meter model %s: %s; its meters are not polled", model, error->message);
  g_hash_table_insert (self->profiles, g_strdup (model), profile);
  return profile;
}

static void
start_sweep (MdServiceHost *self,
             BusEntry      *entry)
{
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) md_meter_target_unref);

  if (!(stmt = md_store_prepare (self->poll_store,
                                 "SELECT m.address, COALESCE(m.unit_id, 0), m.model FROM meter m "
                                 "JOIN bus b ON b.id = m.bus_id WHERE b.name = $1 "
                                 "AND m.state = 'installed' ORDER BY m.unit_id, m.address",
                                 &error)))
    {
      g_warning ("bus %s: %s", entry->name, error->message);
      return;
    }
  md_stmt_bind_text (stmt, 1, entry->name);
  while (md_stmt_step (stmt, &error))
    {
      MdMeterProfile *profile = profile_for (self, md_stmt_get_text (stmt, 2));
      g_autoptr(GError) target_error = NULL;
      MdMeterTarget *target;

      if (profile == NULL)
        continue;
      target = md_meter_target_new (md_stmt_get_text (stmt, 0), (guint) md_stmt_get_int64 (stmt, 1),
                                    profile, &target_error);
      if (target == NULL)
        g_debug ("meter %s: %s", md_stmt_get_text (stmt, 0), target_error->message);
      else
        g_ptr_array_add (targets, target);
    }
  if (error != NULL)
    {
      g_warning ("bus %s: %s", entry->name, error->message);
      return;
    }

  entry->started = g_get_monotonic_time ();
  entry->meters = targets->len;
  if (targets->len == 0)
    {
      entry->sweeps++;
      entry->next_sweep = entry->started + self->interval_usec;
      check_done (self);
      return;
    }
  entry->sweeping = TRUE;
  entry->outstanding = targets->len;
  for (guint i = 0; i < targets->len; i++)
    {
      MdMeterTarget *target = targets->pdata[i];
      ReadData *data = g_new0 (ReadData, 1);

      data->host = self;
      data->bus = g_strdup (entry->name);
      g_strlcpy (data->address, md_meter_target_get_address (target), sizeof data->address);
      data->profile = md_meter_profile_ref (md_meter_target_get_profile (target));
      md_meter_read_async (entry->bus, target, MD_METER_OP_ROUTINE, NULL, read_done_cb, data);
    }
}

static void
reload_buses (MdServiceHost *self)
{
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer value;
  guint meters = 0;

  if (!(stmt = md_store_prepare (self->poll_store, "SELECT name FROM bus ORDER BY name", &error)))
    {
      g_warning ("buses: %s", error->message);
      return;
    }
  while (md_stmt_step (stmt, &error))
    g_ptr_array_add (names, g_strdup (md_stmt_get_text (stmt, 0)));
  if (error != NULL)
    {
      g_warning ("buses: %s", error->message);
      return;
    }

  g_hash_table_iter_init (&iter, self->buses);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((BusEntry *) value)->seen = FALSE;

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_auto(MdMeterBusSettings) settings = { 0 };
      g_autofree char *fingerprint = NULL;
      g_autoptr(GError) bus_error = NULL;
      BusEntry *entry = g_hash_table_lookup (self->buses, name);

      if (!_md_service_bus_settings (self->poll_store, name, &settings, &fingerprint, &bus_error))
        {
          g_warning ("bus %s: %s", name, bus_error->message);
          continue;
        }
      if (entry != NULL && g_strcmp0 (entry->fingerprint, fingerprint) == 0)
        {
          entry->seen = TRUE;
          continue;
        }
      if (entry != NULL && entry->sweeping)
        {
          /* Changed: reopened once the sweep under way is over. */
          entry->seen = TRUE;
          continue;
        }
      {
        MdMeterBus *bus = md_meter_bus_new (&settings, &bus_error);
        BusEntry *fresh;

        if (bus == NULL)
          {
            g_warning ("bus %s: %s", name, bus_error->message);
            continue;
          }
        fresh = g_new0 (BusEntry, 1);
        fresh->name = g_strdup (name);
        fresh->fingerprint = g_steal_pointer (&fingerprint);
        fresh->bus = bus;
        fresh->seen = TRUE;
        fresh->sweeps = entry != NULL ? entry->sweeps : 0;
        g_message ("bus %s: %s", name, entry != NULL ? "settings changed, reopened" : "opened");
        g_mutex_lock (&self->lock);
        g_hash_table_replace (self->buses, g_strdup (name), fresh);
        g_mutex_unlock (&self->lock);
      }
    }

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->buses);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      BusEntry *entry = value;

      if (!entry->seen && !entry->sweeping)
        {
          g_message ("bus %s: removed", entry->name);
          g_hash_table_iter_remove (&iter);
        }
      else
        meters += entry->meters;
    }
  self->stats.buses = g_hash_table_size (self->buses);
  self->stats.meters = meters;
  g_mutex_unlock (&self->lock);
}

static gboolean
renew_lease (MdServiceHost *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *other = NULL;
  gboolean acquired = FALSE;

  if (!_md_lease_acquire (self->poll_store, self->holder,
                          self->kind == MD_SERVICE_KIND_DAEMON ? "daemon"
                          : self->kind == MD_SERVICE_KIND_APP ? "app" : "cli",
                          &acquired, &other, &error))
    {
      /* The database is away for a moment: keep going, try again. */
      g_warning ("lease: %s", error->message);
      return TRUE;
    }
  if (!acquired)
    g_warning ("the services were taken over by %s", other);
  return acquired;
}

static gboolean
tick_cb (gpointer user_data)
{
  MdServiceHost *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer value;

  if (is_stopping (self))
    {
      g_main_loop_quit (self->poll_loop);
      return G_SOURCE_REMOVE;
    }
  if (now - self->last_renew >= MD_LEASE_RENEW_USEC)
    {
      self->last_renew = now;
      if (!renew_lease (self))
        {
          g_mutex_lock (&self->lock);
          self->hosting = FALSE;
          g_mutex_unlock (&self->lock);
          g_main_loop_quit (self->poll_loop);
          return G_SOURCE_REMOVE;
        }
    }
  if (now - self->last_reload >= RELOAD_USEC)
    {
      self->last_reload = now;
      reload_buses (self);
      if (g_hash_table_size (self->buses) == 0)
        check_done (self);
    }

  g_hash_table_iter_init (&iter, self->buses);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      BusEntry *entry = value;

      if (!entry->sweeping && now >= entry->next_sweep &&
          (self->sweeps_wanted == 0 || entry->sweeps < self->sweeps_wanted))
        start_sweep (self, entry);
    }
  flush (self);
  return G_SOURCE_CONTINUE;
}

static void
poll_hosting (MdServiceHost *self)
{
  g_autoptr(GSource) tick = NULL;
  gint64 deadline;
  guint outstanding;

  self->last_reload = 0;
  self->last_renew = g_get_monotonic_time ();
  self->interval_usec = self->poll_interval_ms > 0
                          ? (gint64) self->poll_interval_ms * 1000
                          : _md_setting_int (self->poll_store, "poll.interval-seconds", 30) *
                              G_USEC_PER_SEC;
  self->record.offline_after = (guint) CLAMP (_md_setting_int (self->poll_store,
                                                               "poll.offline-after", 3), 1, 100);

  tick = g_timeout_source_new (TICK_MS);
  g_source_set_callback (tick, tick_cb, self, NULL);
  g_source_attach (tick, self->poll_context);
  tick_cb (self);
  if (is_hosting (self))
    g_main_loop_run (self->poll_loop);
  g_source_destroy (tick);

  /* Stopping: queued reads end with CLOSED, the one on the wire finishes;
   * every answer is written before the lease goes. */
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, self->buses);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      md_meter_bus_close (((BusEntry *) value)->bus);
  }
  deadline = g_get_monotonic_time () + STOP_DRAIN_USEC;
  do
    {
      GHashTableIter iter;
      gpointer value;

      outstanding = 0;
      g_hash_table_iter_init (&iter, self->buses);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        outstanding += ((BusEntry *) value)->outstanding;
      if (outstanding > 0 && !g_main_context_iteration (self->poll_context, FALSE))
        g_usleep (1000);
    }
  while (outstanding > 0 && g_get_monotonic_time () < deadline);
  flush (self);

  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->buses);
  g_mutex_unlock (&self->lock);
}

static void
signal_first_attempt (MdServiceHost *self,
                      gboolean       hosting,
                      const char    *other,
                      GError        *error)
{
  g_mutex_lock (&self->lock);
  self->hosting = hosting;
  if (!self->first_attempt_done)
    {
      self->first_attempt_done = TRUE;
      g_free (self->other_holder);
      self->other_holder = g_strdup (other);
      if (error != NULL)
        self->start_error = g_error_copy (error);
    }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static gpointer
poll_thread (gpointer user_data)
{
  MdServiceHost *self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean announced = FALSE;

  g_main_context_push_thread_default (self->poll_context);

  if (!(self->poll_store = open_store (self, &error)))
    {
      signal_first_attempt (self, FALSE, NULL, error);
      goto out;
    }
  self->poll_system = md_session_new_system (self->poll_store, self->terminal);
  self->record.system = self->poll_system;

  while (!is_stopping (self))
    {
      g_autofree char *other = NULL;
      gboolean acquired = FALSE;

      g_clear_error (&error);
      if (!_md_lease_acquire (self->poll_store, self->holder,
                              self->kind == MD_SERVICE_KIND_DAEMON ? "daemon"
                              : self->kind == MD_SERVICE_KIND_APP ? "app" : "cli",
                              &acquired, &other, &error))
        {
          g_warning ("lease: %s", error->message);
          if (!self->standby)
            {
              signal_first_attempt (self, FALSE, NULL, error);
              break;
            }
        }
      else if (acquired)
        {
          g_autoptr(GError) start_error = NULL;

          if (!_md_command_requeue_running (self->poll_store, &start_error) ||
              !_md_outbox_mark_unknown (self->poll_store, &start_error))
            g_warning ("start: %s", start_error->message);
          g_message ("hosting the meter services (%s)", self->holder);
          signal_first_attempt (self, TRUE, NULL, NULL);
          poll_hosting (self);
          g_mutex_lock (&self->lock);
          self->hosting = FALSE;
          g_mutex_unlock (&self->lock);
          announced = FALSE;
          continue;
        }
      else
        {
          if (!self->standby)
            {
              g_autoptr(GError) busy = g_error_new (MD_SERVICE_ERROR,
                                                    MD_SERVICE_ERROR_HOSTED_ELSEWHERE,
                                                    _("The meter services already run in %s"),
                                                    other);

              signal_first_attempt (self, FALSE, other, busy);
              break;
            }
          if (!announced)
            g_message ("the meter services run in %s; standing by", other);
          announced = TRUE;
          signal_first_attempt (self, FALSE, other, NULL);
        }
      nap (self, (guint) (MD_LEASE_RENEW_USEC / 1000), NULL);
    }

  if (self->poll_store != NULL)
    {
      g_autoptr(GError) release_error = NULL;

      if (!_md_lease_release (self->poll_store, self->holder, &release_error))
        g_warning ("lease: %s", release_error->message);
    }

out:
  g_clear_object (&self->poll_system);
  g_clear_object (&self->poll_store);
  g_main_context_pop_thread_default (self->poll_context);
  return NULL;
}

/* -- commands -------------------------------------------------------------- */

static gpointer
command_thread (gpointer user_data)
{
  MdServiceHost *self = user_data;
  g_autoptr(MdStore) store = NULL;
  g_autoptr(MdSession) system = NULL;
  g_autoptr(GError) error = NULL;
  MdExecContext context = { 0 };
  gboolean pg;

  if (!(store = open_store (self, &error)))
    {
      g_warning ("commands: %s", error->message);
      return NULL;
    }
  pg = md_store_get_backend (store) == MD_STORE_BACKEND_POSTGRESQL;
  if (pg && !md_store_listen (store, MD_COMMAND_CHANNEL, &error))
    g_warning ("commands: %s", error->message);
  system = md_session_new_system (store, self->terminal);
  context.system = system;
  context.host = self;
  context.record.system = system;
  context.record.offline_after = 3;

  while (!is_stopping (self))
    {
      MdCommand command = { 0 };
      gboolean found = FALSE;

      if (!is_hosting (self))
        {
          nap (self, 200, &self->wake_commands);
          continue;
        }
      g_clear_error (&error);
      if (!_md_command_claim (store, &command, &found, &error))
        {
          g_warning ("commands: %s", error->message);
          nap (self, 1000, &self->wake_commands);
          continue;
        }
      if (found)
        {
          gboolean ok;

          g_clear_error (&error);
          ok = _md_exec_command (store, &context, &command, &error);
          if (!ok)
            g_warning ("command %" G_GINT64_FORMAT ": %s", command.id, error->message);
          g_mutex_lock (&self->lock);
          if (ok)
            self->stats.commands_done++;
          else
            self->stats.commands_failed++;
          self->stats.alerts += context.record.alerts;
          context.record.alerts = 0;
          g_mutex_unlock (&self->lock);
          _md_command_clear (&command);
          continue;
        }

      /* Nothing due: LISTEN/NOTIFY on PostgreSQL, a short poll on SQLite;
       * a command queued in this process wakes us at once either way. */
      if (pg)
        {
          g_clear_error (&error);
          if (!md_store_wait_notify (store, 200, &error) && error != NULL)
            g_warning ("commands: %s", error->message);
        }
      else
        nap (self, 200, &self->wake_commands);
    }
  return NULL;
}

/* -- outbox ---------------------------------------------------------------- */

static gpointer
outbox_thread (gpointer user_data)
{
  MdServiceHost *self = user_data;
  g_autoptr(MdStore) store = NULL;
  g_autoptr(GError) error = NULL;

  if (!(store = open_store (self, &error)))
    {
      g_warning ("outbox: %s", error->message);
      return NULL;
    }
  while (!is_stopping (self))
    {
      guint sent = 0;

      if (is_hosting (self))
        {
          g_clear_error (&error);
          if (!_md_outbox_deliver_due (store, &sent, &error))
            g_warning ("outbox: %s", error->message);
          g_mutex_lock (&self->lock);
          self->stats.notifications_sent += sent;
          g_mutex_unlock (&self->lock);
        }
      nap (self, 500, &self->wake_outbox);
    }
  return NULL;
}

/* -- object ---------------------------------------------------------------- */

static void
md_service_host_finalize (GObject *object)
{
  MdServiceHost *self = MD_SERVICE_HOST (object);

  md_service_host_stop (self);
  g_clear_pointer (&self->buses, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_array_unref);
  g_clear_pointer (&self->profiles, g_hash_table_unref);
  g_clear_pointer (&self->poll_loop, g_main_loop_unref);
  g_clear_pointer (&self->poll_context, g_main_context_unref);
  g_clear_error (&self->start_error);
  g_free (self->other_holder);
  g_free (self->uri);
  g_free (self->terminal);
  g_free (self->holder);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (md_service_host_parent_class)->finalize (object);
}

static void
md_service_host_class_init (MdServiceHostClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = md_service_host_finalize;
}

static void
md_service_host_init (MdServiceHost *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->buses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, bus_entry_free);
  self->pending = g_array_new (FALSE, TRUE, sizeof (MdServiceSample));
  self->profiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) md_meter_profile_unref);
  self->poll_context = g_main_context_new ();
  self->poll_loop = g_main_loop_new (self->poll_context, FALSE);
}

/**
 * md_service_host_new:
 * @db_uri: the database (each thread opens its own connection)
 * @options: (nullable): who hosts, how often to poll…
 *
 * Returns: (transfer full): a host, not started yet
 */
MdServiceHost *
md_service_host_new (const char             *db_uri,
                     const MdServiceOptions *options)
{
  MdServiceHost *self;
  const char *kinds[] = { "daemon", "app", "cli" };

  g_return_val_if_fail (db_uri != NULL, NULL);

  self = g_object_new (MD_TYPE_SERVICE_HOST, NULL);
  self->uri = g_strdup (db_uri);
  if (options != NULL)
    {
      self->kind = options->kind;
      self->terminal = g_strdup (options->terminal);
      self->standby = options->standby;
      self->poll_interval_ms = options->poll_interval_ms;
      self->sweeps_wanted = options->sweeps;
    }
  if (self->terminal == NULL)
    self->terminal = g_strdup ("daemon");
  self->holder = g_strdup_printf ("%s:%s:%d:%08x", kinds[self->kind], g_get_host_name (),
                                  (int) getpid (), g_random_int ());
  return self;
}

/**
 * md_service_host_start:
 *
 * Starts the threads and takes the lease. With @standby, a lease held by
 * someone else is waited for in the background (md_service_host_is_hosting()
 * says when this host took over); without, it is an error
 * (%MD_SERVICE_ERROR_HOSTED_ELSEWHERE).
 */
gboolean
md_service_host_start (MdServiceHost  *self,
                       GError        **error)
{
  g_return_val_if_fail (MD_IS_SERVICE_HOST (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  self->started = TRUE;
  self->poll_thread = g_thread_new ("md-poller", poll_thread, self);

  g_mutex_lock (&self->lock);
  while (!self->first_attempt_done)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  if (self->start_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->start_error));
      md_service_host_stop (self);
      return FALSE;
    }
  self->command_thread = g_thread_new ("md-commands", command_thread, self);
  self->outbox_thread = g_thread_new ("md-outbox", outbox_thread, self);
  return TRUE;
}

/**
 * md_service_host_stop:
 *
 * Stops cleanly: the command under way finishes (a recharge is never cut
 * between its write and its read-back), the poller writes every answer it
 * has, the lease is released. Blocks until then (at most a few seconds).
 */
void
md_service_host_stop (MdServiceHost *self)
{
  g_return_if_fail (MD_IS_SERVICE_HOST (self));

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  /* Commands first: they use the buses the poller closes. */
  g_clear_pointer (&self->command_thread, g_thread_join);
  g_clear_pointer (&self->outbox_thread, g_thread_join);
  if (self->poll_thread != NULL)
    {
      g_main_context_wakeup (self->poll_context);
      g_clear_pointer (&self->poll_thread, g_thread_join);
    }
}

gboolean
md_service_host_is_hosting (MdServiceHost *self)
{
  g_return_val_if_fail (MD_IS_SERVICE_HOST (self), FALSE);

  return is_hosting (self);
}

/**
 * md_service_host_wait_done:
 *
 * With #MdServiceOptions.sweeps, waits until every bus was swept that many
 * times and every answer written.
 *
 * Returns: %TRUE when done, %FALSE after @timeout_ms
 */
gboolean
md_service_host_wait_done (MdServiceHost *self,
                           guint          timeout_ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean done;

  g_return_val_if_fail (MD_IS_SERVICE_HOST (self), FALSE);
  g_return_val_if_fail (self->sweeps_wanted > 0, FALSE);

  g_mutex_lock (&self->lock);
  while (!(done = self->stats.sweeps >= self->sweeps_wanted) && !self->stopping)
    if (!g_cond_wait_until (&self->cond, &self->lock, until))
      break;
  g_mutex_unlock (&self->lock);
  return done;
}

/**
 * md_service_host_wake:
 *
 * Something was queued in this process: look at the queue now.
 */
void
md_service_host_wake (MdServiceHost *self)
{
  g_return_if_fail (MD_IS_SERVICE_HOST (self));

  g_mutex_lock (&self->lock);
  self->wake_commands = TRUE;
  self->wake_outbox = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
md_service_host_get_stats (MdServiceHost  *self,
                           MdServiceStats *out_stats)
{
  g_return_if_fail (MD_IS_SERVICE_HOST (self));

  g_mutex_lock (&self->lock);
  *out_stats = self->stats;
  g_mutex_unlock (&self->lock);
}

/* A reference to the open bus @name, or %NULL. */
GObject *
_md_service_host_get_bus (MdServiceHost *self,
                          const char    *name)
{
  BusEntry *entry;
  GObject *bus = NULL;

  g_mutex_lock (&self->lock);
  entry = g_hash_table_lookup (self->buses, name);
  if (entry != NULL)
    bus = g_object_ref (G_OBJECT (entry->bus));
  g_mutex_unlock (&self->lock);
  return bus;
}
