/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "md-sim-bus.h"

/*
 * `meterdesk-sim bus`: N simulated meters on serial ports (one end of a
 * socat pty pair each) or behind Modbus TCP gateways. docs/meters.md
 * describes the options; the ready file tells scripts where to connect.
 */

typedef struct
{
  char      *protocol;
  char     **serial;
  int        baud;
  char      *parity;
  int        gateways;
  char      *listen;
  int        port_base;
  int        meters;
  int        first_unit;
  char      *address_base;
  int        water;
  gint64     seed;
  gint64     load;
  gint64     credit;
  gint64     price;
  int        tick_ms;
  int        tick_seconds;
  char      *password;
  int        follow_up;
  char     **faults;
  char      *fault_scope;
  int        exception;
  int        late_min_ms;
  int        late_max_ms;
  gboolean   wire_timing;
  char      *state;
  char      *ready_file;
  int        duration;
} Options;

typedef struct
{
  GMainLoop  *loop;
  MdSimBus   *bus;
  const char *state;
} Run;

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (((Run *) data)->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
save_cb (gpointer data)
{
  Run *run = data;
  g_autoptr(GError) error = NULL;

  if (run->state != NULL && !md_sim_bus_save_state (run->bus, run->state, &error))
    g_printerr ("meterdesk-sim: %s\n", error->message);
  return G_SOURCE_CONTINUE;
}

static char *
meter_address (const char *base,
               guint       k,
               gboolean    water)
{
  guint64 n = g_ascii_strtoull (base, NULL, 10) + k;

  return g_strdup_printf (water ? "%014" G_GUINT64_FORMAT : "%012" G_GUINT64_FORMAT, n);
}

static gboolean
write_ready (const Options  *o,
             MdSimBus       *bus,
             guint           n_ports,
             GError        **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  guint gw = 0;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "protocol");
  json_builder_add_string_value (b, o->protocol);
  json_builder_set_member_name (b, "meters_per_port");
  json_builder_add_int_value (b, o->meters);
  json_builder_set_member_name (b, "first_unit");
  json_builder_add_int_value (b, o->first_unit);
  json_builder_set_member_name (b, "address_base");
  json_builder_add_string_value (b, o->address_base);
  json_builder_set_member_name (b, "water_per_port");
  json_builder_add_int_value (b, o->water);
  json_builder_set_member_name (b, "ports");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_ports; i++)
    {
      gboolean serial = o->serial != NULL && i < g_strv_length (o->serial);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, serial ? "serial" : "tcp");
      if (serial)
        {
          json_builder_set_member_name (b, "device");
          json_builder_add_string_value (b, o->serial[i]);
        }
      else
        {
          json_builder_set_member_name (b, "host");
          json_builder_add_string_value (b, o->listen);
          json_builder_set_member_name (b, "port");
          json_builder_add_int_value (b, md_sim_bus_get_port_number (bus, i));
          gw++;
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, TRUE);
  return g_file_set_contents (o->ready_file, text, -1, error);
}

int
md_sim_bus_main (int    argc,
                 char **argv)
{
  Options o = { 0 };
  GOptionEntry entries[] = {
    { "protocol", 0, 0, G_OPTION_ARG_STRING, &o.protocol, "modbus (default) or dlt645", "P" },
    { "serial", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.serial, "Serve a serial port (repeat)",
      "DEVICE" },
    { "baud", 0, 0, G_OPTION_ARG_INT, &o.baud, "Serial speed (9600 Modbus, 2400 DL/T 645)", "N" },
    { "parity", 0, 0, G_OPTION_ARG_STRING, &o.parity, "N, E or O", "P" },
    { "gateways", 0, 0, G_OPTION_ARG_INT, &o.gateways, "Modbus TCP gateways to open", "N" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &o.listen, "Gateway address (127.0.0.1)", "HOST" },
    { "port-base", 0, 0, G_OPTION_ARG_INT, &o.port_base, "First gateway port (0: any free)",
      "PORT" },
    { "meters", 0, 0, G_OPTION_ARG_INT, &o.meters, "Meters per port or gateway (1)", "N" },
    { "first-unit", 0, 0, G_OPTION_ARG_INT, &o.first_unit, "Unit id of the first meter (1)", "U" },
    { "address-base", 0, 0, G_OPTION_ARG_STRING, &o.address_base,
      "Number of the first meter (000000000001)", "DIGITS" },
    { "water", 0, 0, G_OPTION_ARG_INT, &o.water, "The last N meters of each port are water",
      "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &o.seed, "Seed of loads and faults (1)", "S" },
    { "load", 0, 0, G_OPTION_ARG_INT64, &o.load, "Mean load, W (water: a tenth, L/h)", "W" },
    { "credit", 0, 0, G_OPTION_ARG_INT64, &o.credit, "Start credit, fen (10000)", "FEN" },
    { "price", 0, 0, G_OPTION_ARG_INT64, &o.price, "Price, 0.0001 yuan per kWh or m³ (6000)",
      "P" },
    { "tick-ms", 0, 0, G_OPTION_ARG_INT, &o.tick_ms, "Consume every MS ms (0: never)", "MS" },
    { "tick-seconds", 0, 0, G_OPTION_ARG_INT, &o.tick_seconds, "Simulated seconds per tick (1)",
      "S" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &o.password, "DL/T 645 password (123456)", "PWD" },
    { "follow-up", 0, 0, G_OPTION_ARG_INT, &o.follow_up,
      "DL/T 645: split replies after N data bytes (0: never)", "N" },
    { "fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.faults, "Inject KIND with probability P",
      "KIND=P" },
    { "fault-scope", 0, 0, G_OPTION_ARG_STRING, &o.fault_scope,
      "Faults hit all requests (default), writes, or every request from-write on", "SCOPE" },
    { "exception", 0, 0, G_OPTION_ARG_INT, &o.exception, "Exception code of the fault (0: any)",
      "CODE" },
    { "late-min-ms", 0, 0, G_OPTION_ARG_INT, &o.late_min_ms, "Earliest late reply (600)", "MS" },
    { "late-max-ms", 0, 0, G_OPTION_ARG_INT, &o.late_max_ms, "Latest late reply (3000)", "MS" },
    { "wire-timing", 0, 0, G_OPTION_ARG_NONE, &o.wire_timing,
      "Pace serial replies at the line's speed", NULL },
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &o.state,
      "Load meter state from FILE if it exists; save it there on SIGUSR1 and at exit", "FILE" },
    { "ready-file", 0, 0, G_OPTION_ARG_FILENAME, &o.ready_file,
      "Write the ports (JSON) to FILE once serving", "FILE" },
    { "duration", 0, 0, G_OPTION_ARG_INT, &o.duration, "Exit after S seconds (0: on SIGTERM)",
      "S" },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- simulated meters on a bus");
  g_autoptr(GError) error = NULL;
  g_autoptr(MdSimBus) bus = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  Run run;
  guint n_serial, n_ports;
  MdSimProtocol protocol;

  o.protocol = g_strdup ("modbus");
  o.listen = g_strdup ("127.0.0.1");
  o.meters = 1;
  o.first_unit = 1;
  o.address_base = g_strdup ("000000000001");
  o.seed = 1;
  o.load = 1000;
  o.credit = 10000;
  o.price = 6000;
  o.tick_seconds = 1;
  o.password = g_strdup ("123456");
  o.late_min_ms = 600;
  o.late_max_ms = 3000;

  /* A gateway per TCP port: hundreds of listeners and connections. */
  {
    struct rlimit nofile;

    if (getrlimit (RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max)
      {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit (RLIMIT_NOFILE, &nofile);
      }
  }

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("meterdesk-sim bus: %s\n", error->message);
      return 2;
    }
  protocol = g_strcmp0 (o.protocol, "dlt645") == 0 ? MD_SIM_PROTOCOL_DLT645
                                                    : MD_SIM_PROTOCOL_MODBUS;
  n_serial = o.serial != NULL ? g_strv_length (o.serial) : 0;
  if ((g_strcmp0 (o.protocol, "modbus") != 0 && protocol != MD_SIM_PROTOCOL_DLT645) ||
      n_serial + (guint) MAX (o.gateways, 0) == 0 || o.meters < 1 ||
      (protocol == MD_SIM_PROTOCOL_MODBUS && o.first_unit + o.meters - 1 > 247))
    {
      g_printerr ("meterdesk-sim bus: give --serial or --gateways, at most 247 meters a port, "
                  "--protocol modbus or dlt645\n");
      return 2;
    }

  bus = md_sim_bus_new (protocol, (guint32) o.seed);
  md_sim_bus_set_load (bus, o.load);
  md_sim_bus_set_initial (bus, o.credit, o.price);
  md_sim_bus_set_tick (bus, (guint) MAX (o.tick_ms, 0), (guint) MAX (o.tick_seconds, 1));
  md_sim_bus_set_password (bus, o.password);
  md_sim_bus_set_follow_up (bus, (guint) MAX (o.follow_up, 0));
  md_sim_bus_set_late_range (bus, (guint) MAX (o.late_min_ms, 0), (guint) MAX (o.late_max_ms, 0));
  md_sim_bus_set_wire_timing (bus, o.wire_timing);
  md_sim_bus_set_exception (bus, (guint8) CLAMP (o.exception, 0, 255));
  for (guint i = 0; o.faults != NULL && o.faults[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (o.faults[i], "=", 2);
      MdSimFault f;

      if (g_strv_length (kv) != 2 || !md_sim_fault_parse (kv[0], &f) || f == MD_SIM_FAULT_NONE)
        {
          g_printerr ("meterdesk-sim bus: unknown fault “%s”\n", o.faults[i]);
          return 2;
        }
      md_sim_bus_set_fault (bus, f, g_ascii_strtod (kv[1], NULL));
    }
  if (o.fault_scope != NULL)
    {
      if (g_str_equal (o.fault_scope, "all"))
        md_sim_bus_set_fault_scope (bus, MD_SIM_FAULT_SCOPE_ALL);
      else if (g_str_equal (o.fault_scope, "writes"))
        md_sim_bus_set_fault_scope (bus, MD_SIM_FAULT_SCOPE_WRITES);
      else if (g_str_equal (o.fault_scope, "from-write"))
        md_sim_bus_set_fault_scope (bus, MD_SIM_FAULT_SCOPE_FROM_WRITE);
      else
        {
          g_printerr ("meterdesk-sim bus: unknown fault scope “%s”\n", o.fault_scope);
          return 2;
        }
    }

  for (guint i = 0; i < n_serial; i++)
    md_sim_bus_add_serial (bus, o.serial[i], (guint) MAX (o.baud, 0),
                           o.parity != NULL ? o.parity[0] : 0);
  for (guint i = 0; i < (guint) MAX (o.gateways, 0); i++)
    md_sim_bus_add_gateway (bus, o.listen, o.port_base > 0 ? (guint) o.port_base + i : 0);
  n_ports = n_serial + (guint) MAX (o.gateways, 0);

  for (guint p = 0, k = 0; p < n_ports; p++)
    for (guint j = 0; j < (guint) o.meters; j++, k++)
      {
        gboolean water = protocol == MD_SIM_PROTOCOL_MODBUS &&
                         j >= (guint) o.meters - (guint) CLAMP (o.water, 0, o.meters);
        g_autofree char *address = meter_address (o.address_base, k, water);

        if (!md_sim_bus_add_meter (bus, p, address, (guint) o.first_unit + j, water, &error))
          {
            g_printerr ("meterdesk-sim bus: %s\n", error->message);
            return 2;
          }
      }

  if (o.state != NULL && g_file_test (o.state, G_FILE_TEST_EXISTS) &&
      !md_sim_bus_load_state (bus, o.state, &error))
    {
      g_printerr ("meterdesk-sim bus: %s\n", error->message);
      return 1;
    }
  if (!md_sim_bus_start (bus, &error) ||
      (o.ready_file != NULL && !write_ready (&o, bus, n_ports, &error)))
    {
      g_printerr ("meterdesk-sim bus: %s\n", error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  run.bus = bus;
  run.state = o.state;
  g_unix_signal_add (SIGINT, quit_cb, &run);
  g_unix_signal_add (SIGTERM, quit_cb, &run);
  g_unix_signal_add (SIGUSR1, save_cb, &run);
  if (o.duration > 0)
    g_timeout_add_seconds ((guint) o.duration, quit_cb, &run);
  g_main_loop_run (loop);

  md_sim_bus_stop (bus);
  save_cb (&run);
  g_free (o.protocol);
  g_strfreev (o.serial);
  g_free (o.parity);
  g_free (o.listen);
  g_free (o.address_base);
  g_free (o.password);
  g_strfreev (o.faults);
  g_free (o.fault_scope);
  g_free (o.state);
  g_free (o.ready_file);
  return 0;
}
