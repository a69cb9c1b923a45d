/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "md-daemon.h"
#include "md-service.h"
#include "md-store.h"

/*
 * meterdesk-daemon (ARCHITECTURE.md "Programs"): hosts the services of
 * md-service.h until SIGTERM or SIGINT, then stops cleanly: the command
 * under way finishes, every reading is written, the lease is released.
 * Logs go to stderr, which systemd puts in the journal.
 */

typedef struct
{
  GMainLoop     *loop;
  MdServiceHost *host;
  int            signal;
} Daemon;

static gboolean
signal_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_message ("stopping");
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
stats_cb (gpointer user_data)
{
  Daemon *daemon = user_data;
  MdServiceStats s;

  md_service_host_get_stats (daemon->host, &s);
  if (md_service_host_is_hosting (daemon->host))
    g_message ("%u buses, %u meters; %" G_GUINT64_FORMAT " sweeps, %" G_GUINT64_FORMAT
               " reads, %" G_GUINT64_FORMAT " misses, %" G_GUINT64_FORMAT " commands, %"
               G_GUINT64_FORMAT " alerts, %" G_GUINT64_FORMAT " notifications", s.buses, s.meters,
               s.sweeps, s.reads, s.misses, s.commands_done, s.alerts, s.notifications_sent);
  return G_SOURCE_CONTINUE;
}

int
md_daemon_main (int    argc,
                char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *terminal = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MdServiceHost) host = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  gboolean version = FALSE;
  gint interval = 0;
  gint stats_seconds = 300;
  MdServiceOptions options = { MD_SERVICE_KIND_DAEMON };
  Daemon daemon = { 0 };
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &db,
      N_("The database: a SQLite path or postgresql://… (default: $MD_DB)"), N_("URI") },
    { "terminal", 0, 0, G_OPTION_ARG_STRING, &terminal,
      N_("The terminal id written with alerts (default: daemon)"), N_("ID") },
    { "interval", 0, 0, G_OPTION_ARG_INT, &interval,
      N_("Seconds between two reads of a meter (default: setting poll.interval-seconds)"),
      N_("SECONDS") },
    { "stats", 0, 0, G_OPTION_ARG_INT, &stats_seconds,
      N_("Log what was done every this many seconds, 0 never (default 300)"), N_("SECONDS") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version"), NULL },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Polls the meter buses, runs meter commands, "
                                           "alarms, notifications and batch jobs."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("meterdesk-daemon: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("meterdesk-daemon %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (db == NULL || *db == '\0')
    {
      g_free (db);
      db = g_strdup (g_getenv ("MD_DB"));
    }
  if (db == NULL || *db == '\0')
    {
      g_free (db);
      db = md_store_default_uri ();
    }
  if (interval < 0 || stats_seconds < 0)
    {
      g_printerr ("meterdesk-daemon: %s\n", _("Give a number of seconds, zero or more"));
      return 2;
    }

  /* A daemon started while another hosts the services waits its turn. */
  options.terminal = terminal;
  options.standby = TRUE;
  options.poll_interval_ms = (guint) interval * 1000;
  host = md_service_host_new (db, &options);
  if (!md_service_host_start (host, &error))
    {
      g_printerr ("meterdesk-daemon: %s\n", error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  daemon.loop = loop;
  daemon.host = host;
  g_unix_signal_add (SIGTERM, signal_cb, &daemon);
  g_unix_signal_add (SIGINT, signal_cb, &daemon);
  if (stats_seconds > 0)
    g_timeout_add_seconds ((guint) stats_seconds, stats_cb, &daemon);
  g_message ("meterdesk-daemon %s started on %s", PACKAGE_VERSION,
             md_store_uri_is_postgresql (db) ? "PostgreSQL" : db);
  g_main_loop_run (loop);

  md_service_host_stop (host);
  stats_cb (&daemon);
  g_message ("stopped");
  return 0;
}
