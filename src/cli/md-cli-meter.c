/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <string.h>

#include "md-cli.h"
#include "md-money.h"
#include "md-pricing.h"
#include "md-service.h"
#include "md-validate.h"

/* Meters over their buses, the services and batch jobs (docs/cli.md
 * "Meters, polling and batch jobs"). */

/**
 * md_cli_remote_medium:
 *
 * `--medium remote`: through the meter command queue when a daemon (or an
 * app) hosts the services, else on the meter's bus directly.
 */
MdMedium *
md_cli_remote_medium (MdCli *cli)
{
  return md_service_remote_medium_new (cli->store);
}

static JsonNode *
run_meter_read (MdCli   *cli,
                char   **args,
                GError **error)
{
  g_autoptr(GPtrArray) p = NULL;

  if (!md_cli_parse (args, NULL, 0, 1, 1, &p, error))
    return NULL;
  return md_service_meter_read (cli->session, p->pdata[0], error);
}

static JsonNode *
run_meter_control (MdCli   *cli,
                   char   **args,
                   GError **error)
{
  g_autoptr(GPtrArray) p = NULL;

  if (!md_cli_parse (args, NULL, 0, 2, 2, &p, error))
    return NULL;
  return md_service_meter_control (cli->session, p->pdata[0], p->pdata[1], error);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static JsonNode *
stats_json (MdServiceHost *host)
{
  MdServiceStats s;
  JsonObject *o = json_object_new ();

  md_service_host_get_stats (host, &s);
  json_object_set_int_member (o, "buses", s.buses);
  json_object_set_int_member (o, "meters", s.meters);
  json_object_set_int_member (o, "sweeps", (gint64) s.sweeps);
  json_object_set_int_member (o, "reads", (gint64) s.reads);
  json_object_set_int_member (o, "misses", (gint64) s.misses);
  json_object_set_int_member (o, "commands", (gint64) s.commands_done);
  json_object_set_int_member (o, "alerts", (gint64) s.alerts);
  return json_node_init_object (json_node_alloc (), o);
}

static JsonNode *
run_poll (MdCli   *cli,
          char   **args,
          GError **error)
{
  gboolean once = FALSE;
  const char *interval_text = NULL;
  MdCliOption options[] = {
    { "once", MD_CLI_FLAG, &once },
    { "interval", MD_CLI_VALUE, &interval_text },
  };
  MdServiceOptions service = { MD_SERVICE_KIND_CLI };
  g_autoptr(MdServiceHost) host = NULL;
  gint64 interval = 0;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (interval_text != NULL &&
      !md_parse_int (interval_text, _("interval"), 1, 86400, &interval, error))
    return NULL;
  if (!md_session_require (cli->session, MD_PERM_METER_READ, error))
    return NULL;

  service.terminal = md_session_get_terminal (cli->session);
  service.sweeps = once ? 1 : 0;
  service.poll_interval_ms = (guint) interval * 1000;
  host = md_service_host_new (cli->db_uri, &service);
  if (!md_service_host_start (host, error))
    return NULL;

  if (once)
    {
      /* Commands queued meanwhile are served too, until every bus was read. */
      if (!md_service_host_wait_done (host, 10 * 60 * 1000))
        {
          md_service_host_stop (host);
          g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_FAILED,
                               _("The buses were not all read within ten minutes"));
          return NULL;
        }
    }
  else
    {
      g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

      g_unix_signal_add (SIGTERM, quit_cb, loop);
      g_unix_signal_add (SIGINT, quit_cb, loop);
      g_main_loop_run (loop);
    }
  md_service_host_stop (host);
  return stats_json (host);
}

/* KEY=VALUE for a batch: money in yuan (alarm amounts, thresholds), prices
 * with 4 decimals, the power limit in W. */
static gboolean
parse_set (const char  *text,
           JsonObject  *params,
           GError     **error)
{
  const char *eq = strchr (text, '=');
  g_autofree char *key = NULL;

  if (eq == NULL || eq == text)
    {
      g_autofree char *shown = md_input_quote (text);

      g_set_error (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                   _("Give --set KEY=VALUE, not %s"), shown);
      return FALSE;
    }
  key = g_strndup (text, eq - text);
  return md_service_batch_set_param (params, key, eq + 1, error);
}

static JsonNode *
run_batch_create (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  g_autoptr(GPtrArray) p = NULL;
  g_autoptr(GPtrArray) meters = NULL;
  g_autoptr(GPtrArray) sets = NULL;
  g_autoptr(JsonObject) params = json_object_new ();
  g_auto(GStrv) selected = NULL;
  const char *bus = NULL;
  const char *building = NULL;
  const char *at = NULL;
  const char *name = NULL;
  gboolean all = FALSE;
  gint64 when = 0;
  MdCliOption options[] = {
    { "meter", MD_CLI_LIST, &meters },
    { "bus", MD_CLI_VALUE, &bus },
    { "building", MD_CLI_VALUE, &building },
    { "all", MD_CLI_FLAG, &all },
    { "set", MD_CLI_LIST, &sets },
    { "at", MD_CLI_VALUE, &at },
    { "name", MD_CLI_VALUE, &name },
  };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error))
    return NULL;
  if ((meters != NULL) + (bus != NULL) + (building != NULL) + all != 1)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Select the meters with --meter ADDRESS…, --bus NAME, --building "
                             "CODE or --all"));
      return NULL;
    }
  for (guint i = 0; sets != NULL && i < sets->len; i++)
    if (!parse_set (sets->pdata[i], params, error))
      return NULL;
  if (at != NULL)
    {
      g_autoptr(GTimeZone) zone = md_site_timezone (cli->store);

      if (!md_parse_time (at, zone, &when, error))
        return NULL;
    }
  if (meters != NULL)
    {
      g_ptr_array_add (meters, NULL);
      return md_service_batch_create (cli->session, p->pdata[0], params,
                                      (const char * const *) meters->pdata, when, name, error);
    }
  if (!(selected = md_service_batch_select (cli->session, bus, building, all, error)))
    return NULL;
  return md_service_batch_create (cli->session, p->pdata[0], params,
                                  (const char * const *) selected, when, name, error);
}

static JsonNode *
run_batch_list (MdCli   *cli,
                char   **args,
                GError **error)
{
  if (!md_cli_parse (args, NULL, 0, 0, 0, NULL, error))
    return NULL;
  return md_service_batch_list (cli->session, error);
}

static gboolean
parse_batch_id (const char  *text,
                gint64      *out_id,
                GError     **error)
{
  return md_parse_int (text, _("batch number"), 1, G_MAXINT64, out_id, error);
}

static JsonNode *
run_batch_show (MdCli   *cli,
                char   **args,
                GError **error)
{
  g_autoptr(GPtrArray) p = NULL;
  const char *csv = NULL;
  MdCliOption options[] = { { "csv", MD_CLI_VALUE, &csv } };
  gint64 id;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error) ||
      !parse_batch_id (p->pdata[0], &id, error))
    return NULL;
  if (csv != NULL)
    {
      if (!md_service_batch_export_csv (cli->session, id, csv, error))
        return NULL;
      return md_cli_result ("batch", p->pdata[0], "file", csv, NULL);
    }
  return md_service_batch_show (cli->session, id, error);
}

static JsonNode *
run_batch_cancel (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  g_autoptr(GPtrArray) p = NULL;
  gint64 id;

  if (!md_cli_parse (args, NULL, 0, 1, 1, &p, error) || !parse_batch_id (p->pdata[0], &id, error) ||
      !md_service_batch_cancel (cli->session, id, error))
    return NULL;
  return md_cli_result ("batch", p->pdata[0], "state", "cancelled", NULL);
}

static JsonNode *
run_command_list (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  gboolean open = FALSE;
  MdCliOption options[] = { { "open", MD_CLI_FLAG, &open } };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  return md_service_command_list (cli->session, open, error);
}

/**
 * md_cli_doctor_buses:
 *
 * The bus part of `doctor`, for whichever command prints the whole
 * diagnosis: ports, buses, which meters answer.
 */
JsonNode *
md_cli_doctor_buses (MdCli     *cli,
                     gboolean   probe,
                     GError   **error)
{
  return md_service_doctor_buses (cli->session, probe, error);
}

static JsonNode *
run_doctor_bus (MdCli   *cli,
                char   **args,
                GError **error)
{
  gboolean probe = FALSE;
  MdCliOption options[] = { { "probe", MD_CLI_FLAG, &probe } };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  return md_cli_doctor_buses (cli, probe, error);
}

static JsonNode *
run_service_status (MdCli   *cli,
                    char   **args,
                    GError **error)
{
  g_autofree char *holder = NULL;
  GError *local_error = NULL;
  gboolean hosted;

  if (!md_cli_parse (args, NULL, 0, 0, 0, NULL, error) ||
      !md_session_require (cli->session, MD_PERM_VIEW, error))
    return NULL;
  hosted = md_service_hosted (cli->store, &holder, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return md_cli_result ("state", hosted ? "hosted" : "not-hosted", "host", holder, NULL);
}

const MdCliCommand md_cli_meter_commands[] = {
  { "meter read", "ADDRESS", N_("Read a meter now over its bus"), MD_CLI_NEEDS_OPERATOR,
    run_meter_read },
  { "meter control", "ADDRESS trip|close|keep-power|release-keep-power",
    N_("Trip, close or keep the power of a meter"), MD_CLI_NEEDS_OPERATOR, run_meter_control },
  { "poll", "[--once] [--interval SECONDS]",
    N_("Poll every bus here (once, or until stopped) when no daemon does"),
    MD_CLI_NEEDS_OPERATOR, run_poll },
  { "batch create", "OP (--meter ADDRESS… | --bus NAME | --building CODE | --all) "
                    "[--set KEY=VALUE]… [--at TIME] [--name TEXT]",
    N_("Queue one operation over many meters, now or at a set time"), MD_CLI_NEEDS_OPERATOR,
    run_batch_create },
  { "batch list", "", N_("List the batch jobs with their progress"), MD_CLI_NEEDS_OPERATOR,
    run_batch_list },
  { "batch show", "ID [--csv FILE]", N_("Show a batch job with the result of every meter"),
    MD_CLI_NEEDS_OPERATOR, run_batch_show },
  { "batch cancel", "ID", N_("Cancel the meters of a batch job not started yet"),
    MD_CLI_NEEDS_OPERATOR, run_batch_cancel },
  { "command list", "[--open]", N_("List the meter commands and their outcome"),
    MD_CLI_NEEDS_OPERATOR, run_command_list },
  { "doctor bus", "[--probe]",
    N_("Serial ports, buses and which meters answer (reads only)"), MD_CLI_NEEDS_OPERATOR,
    run_doctor_bus },
  { "service status", "", N_("Whether a daemon or an app hosts the meter services"),
    MD_CLI_NEEDS_OPERATOR, run_service_status },
};
const guint md_cli_n_meter_commands = G_N_ELEMENTS (md_cli_meter_commands);
