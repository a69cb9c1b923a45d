/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "md-meter-test-util.h"

/*
 * Interop with peers that share no code with us: our master against
 * pymodbus serving the ADF400L map (RTU on a socat pty pair, and TCP), and
 * mbpoll reading and writing our simulator (RTU and TCP), which proves the
 * simulator speaks real Modbus. The simulator runs as its own process
 * here, as in the field.
 */

static char *
server_script (void)
{
  return md_test_source_path ("tests", "meters", "adf400l_server.py", NULL);
}

static char *
sim_program (void)
{
  return md_test_build_path ("src", "sim", "meterdesk-sim", NULL);
}

/* The peer needs a moment to start: read until it answers. */
static void
read_until_up (MdMeterBus     *bus,
               MdMeterTarget  *t,
               MdMeterReading *r)
{
  gint64 until = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  g_autoptr(GError) error = NULL;

  while (!md_meter_read (bus, t, MD_METER_OP_DEFAULT, r, NULL, &error))
    {
      if (g_get_monotonic_time () > until)
        g_error ("the peer never answered: %s", error->message);
      g_clear_error (&error);
      g_usleep (100000);
    }
}

static gint64
get (const MdMeterReading *r,
     MdMeterPoint          p)
{
  gint64 v = G_MININT64;

  g_assert_true (md_meter_reading_get (r, p, &v));
  return v;
}

/* The same reads and recharge, whatever carries them. */
static void
adf400l_exchange (MdMeterBus *bus,
                  const char *profile)
{
  g_autoptr(MdMeterTarget) t1 = md_test_target (profile, "000000000001", 1);
  g_autoptr(MdMeterTarget) t4 = md_test_target (profile, "000000000004", 4);
  g_autoptr(GError) error = NULL;
  MdMeterRecharge rc = { 2000, 6, 0 };
  MdMeterRechargeResult res;
  MdMeterReading r;

  read_until_up (bus, t1, &r);
  g_assert_cmpint (get (&r, MD_METER_POINT_ENERGY_TOTAL), ==, 1234560);   /* 1234.56 kWh */
  g_assert_cmpint (get (&r, MD_METER_POINT_CREDIT), ==, 10000);
  g_assert_cmpint (get (&r, MD_METER_POINT_PURCHASED_TOTAL), ==, 50000);
  g_assert_cmpint (get (&r, MD_METER_POINT_PURCHASE_COUNT), ==, 5);
  g_assert_cmpint (get (&r, MD_METER_POINT_VOLTAGE), ==, 2201);
  g_assert_cmpint (get (&r, MD_METER_POINT_CURRENT), ==, 5120);
  g_assert_cmpint (get (&r, MD_METER_POINT_POWER), ==, 3300);

  /* A signed register across two words: an overdraft. */
  g_assert_true (md_meter_read (bus, t4, MD_METER_OP_DEFAULT, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (get (&r, MD_METER_POINT_CREDIT), ==, -250);

  g_assert_cmpint (md_meter_recharge (bus, t1, &rc, &res, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_no_error (error);
  g_assert_cmpint (res.count_before, ==, 5);
  g_assert_cmpint (res.credit_after, ==, 12000);
  g_assert_cmpuint (res.writes, ==, 1);
  g_assert_true (md_meter_read (bus, t1, MD_METER_OP_DEFAULT, &r, NULL, &error));
  g_assert_cmpint (get (&r, MD_METER_POINT_CREDIT), ==, 12000);
  g_assert_cmpint (get (&r, MD_METER_POINT_PURCHASED_TOTAL), ==, 52000);
  g_assert_cmpint (get (&r, MD_METER_POINT_PURCHASE_COUNT), ==, 6);

  /* Repeating the sale finds it delivered and writes nothing. */
  g_assert_cmpint (md_meter_recharge (bus, t1, &rc, &res, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_cmpuint (res.writes, ==, 0);
  g_assert_cmpint (md_meter_inspect_purchase (bus, t1, 7, NULL, NULL, &error), ==,
                   MD_DELIVERY_NOT_DELIVERED);

  /* The control word, as the profile maps it. */
  g_assert_true (md_meter_control (bus, t1, MD_METER_CONTROL_TRIP, NULL, &error));
  g_assert_no_error (error);

  /* Unit 4 starts from count 0. */
  rc.purchase_count = 1;
  rc.amount = 1000;
  g_assert_cmpint (md_meter_recharge (bus, t4, &rc, &res, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_cmpint (res.credit_after, ==, 750);
}

static void
test_pymodbus_rtu (void)
{
  g_autoptr(MdPtyPair) pty = md_pty_pair_new ();
  g_autofree char *script = server_script ();
  g_autoptr(GError) error = NULL;
  GSubprocess *server;
  MdMeterBus *bus;

  server = md_test_spawn (&error, "/usr/bin/python3", script, "--serial", pty->a, NULL);
  g_assert_no_error (error);
  bus = md_test_serial_bus (MD_METER_PROTOCOL_MODBUS, pty->b, 0);
  adf400l_exchange (bus, "acrel-adf400l");
  g_assert_finalize_object (bus);
  md_test_stop (server);
}

static void
test_pymodbus_tcp (void)
{
  g_autofree char *script = server_script ();
  g_autofree char *port = NULL;
  g_autoptr(GError) error = NULL;
  guint p = md_test_free_port ();
  GSubprocess *server;
  MdMeterBus *bus;

  port = g_strdup_printf ("%u", p);
  server = md_test_spawn (&error, "/usr/bin/python3", script, "--tcp", port, NULL);
  g_assert_no_error (error);
  bus = md_test_tcp_bus (p, 0);
  adf400l_exchange (bus, "acrel-adf400l");
  g_assert_finalize_object (bus);
  md_test_stop (server);
}

/* The ADF400L's word order is [U]: a site that finds it low-first writes
 * a two-line profile, and the same exchange works. Read with the default
 * profile, the same registers give other numbers. */
static void
test_pymodbus_low_first (void)
{
  g_autofree char *script = server_script ();
  g_autofree char *dir = g_dir_make_tmp ("md-profiles-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "adf-lowfirst.ini", NULL);
  g_autofree char *port = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MdMeterTarget) wrong = NULL;
  guint p = md_test_free_port ();
  GSubprocess *server;
  MdMeterBus *bus;
  MdMeterReading r;

  g_assert_true (g_file_set_contents (file, "[profile]\nid = adf-lowfirst\nname = ADF400L, "
                                      "low word first\nbase = acrel-adf400l\n"
                                      "word_order = low-first\n", -1, NULL));
  g_setenv ("MD_METER_PROFILE_PATH", dir, TRUE);
  port = g_strdup_printf ("%u", p);
  server = md_test_spawn (&error, "/usr/bin/python3", script, "--tcp", port, "--word-order",
                          "low", NULL);
  g_assert_no_error (error);
  bus = md_test_tcp_bus (p, 0);
  adf400l_exchange (bus, "adf-lowfirst");

  wrong = md_test_target ("acrel-adf400l", "000000000001", 1);
  g_assert_true (md_meter_read (bus, wrong, MD_METER_OP_DEFAULT, &r, NULL, &error));
  g_assert_cmpint (get (&r, MD_METER_POINT_ENERGY_TOTAL), !=, 1234560);
  g_assert_cmpint (get (&r, MD_METER_POINT_CREDIT), !=, 12000);

  g_assert_finalize_object (bus);
  md_test_stop (server);
  g_unsetenv ("MD_METER_PROFILE_PATH");
  g_remove (file);
  g_rmdir (dir);
}

static char *
mbpoll (const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status;

  g_ptr_array_add (argv, (gpointer) "mbpoll");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("mbpoll failed:\n%s", out);
  return out;
}

static void
assert_line (const char *out,
             const char *line)
{
  if (strstr (out, line) == NULL)
    g_error ("mbpoll did not print “%s”:\n%s", line, out);
}

/* mbpoll, an independent master, reads the simulator's map and writes its
 * recharge block; our master sees the result. */
static void
mbpoll_session (const char *const *target,
                MdMeterBus        *bus)
{
  g_autoptr(MdMeterTarget) t = md_test_target ("meterdesk-sim", "000000000002", 2);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  MdMeterReading r;

  /* Unit 2: magic, map version, and credit/count from 0x001A. */
  for (guint i = 0; target[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) target[i]);
  g_ptr_array_add (args, NULL);
  {
    const char *read_id[] = { "-a", "2", "-0", "-r", "0", "-c", "2", "-t", "4", "-1", NULL };
    g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
    g_auto(GStrv) argv = NULL;

    g_strv_builder_addv (b, read_id);
    g_strv_builder_addv (b, (const char **) args->pdata);
    argv = g_strv_builder_end (b);
    out = mbpoll ((const char *const *) argv);
    assert_line (out, "[0]: \t19780");   /* 0x4D44, "MD" */
    assert_line (out, "[1]: \t1");
    g_clear_pointer (&out, g_free);
  }
  {
    const char *read_credit[] = { "-a", "2", "-0", "-r", "26", "-c", "3", "-t", "4", "-1", NULL };
    g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
    g_auto(GStrv) argv = NULL;

    g_strv_builder_addv (b, read_credit);
    g_strv_builder_addv (b, (const char **) args->pdata);
    argv = g_strv_builder_end (b);
    out = mbpoll ((const char *const *) argv);
    assert_line (out, "[26]: \t0");
    assert_line (out, "[27]: \t4242");
    assert_line (out, "[28]: \t0");
    g_clear_pointer (&out, g_free);
  }
  {
    /* Recharge 10.00 yuan with count 1: one 10H write of 0x0200–0x0202. */
    const char *recharge[] = { "-a", "2", "-0", "-r", "512", "-t", "4", "-1", NULL };
    const char *values[] = { "0", "1000", "1", NULL };
    g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
    g_auto(GStrv) argv = NULL;

    g_strv_builder_addv (b, recharge);
    g_strv_builder_addv (b, (const char **) args->pdata);
    g_strv_builder_addv (b, values);
    argv = g_strv_builder_end (b);
    out = mbpoll ((const char *const *) argv);
    g_clear_pointer (&out, g_free);
  }

  read_until_up (bus, t, &r);
  g_assert_cmpint (get (&r, MD_METER_POINT_CREDIT), ==, 5242);
  g_assert_cmpint (get (&r, MD_METER_POINT_PURCHASE_COUNT), ==, 1);
  g_assert_true (md_meter_read (bus, t, MD_METER_OP_DEFAULT, &r, NULL, &error));
}

static void
test_mbpoll_rtu (void)
{
  g_autoptr(MdPtyPair) pty = md_pty_pair_new ();
  g_autofree char *sim = sim_program ();
  g_autofree char *dir = g_dir_make_tmp ("md-sim-XXXXXX", NULL);
  g_autofree char *ready = g_build_filename (dir, "ready.json", NULL);
  g_autoptr(GError) error = NULL;
  const char *target[] = { "-m", "rtu", "-b", "9600", "-P", "none", "-o", "1", pty->b, NULL };
  GSubprocess *p;
  MdMeterBus *bus;

  p = md_test_spawn (&error, sim, "bus", "--serial", pty->a, "--meters", "2", "--load", "0",
                     "--credit", "4242", "--ready-file", ready, NULL);
  g_assert_no_error (error);
  g_assert_true (md_test_wait_for_file (ready, 10000));
  bus = md_test_serial_bus (MD_METER_PROTOCOL_MODBUS, pty->b, 0);
  mbpoll_session (target, bus);
  g_assert_finalize_object (bus);
  md_test_stop (p);
  g_remove (ready);
  g_rmdir (dir);
}

static guint
ready_port (const char *ready)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *port;

  g_assert_true (json_parser_load_from_file (parser, ready, NULL));
  port = json_array_get_object_element (json_object_get_array_member (
           json_node_get_object (json_parser_get_root (parser)), "ports"), 0);
  return (guint) json_object_get_int_member (port, "port");
}

static void
test_mbpoll_tcp (void)
{
  g_autofree char *sim = sim_program ();
  g_autofree char *dir = g_dir_make_tmp ("md-sim-XXXXXX", NULL);
  g_autofree char *ready = g_build_filename (dir, "ready.json", NULL);
  g_autofree char *port = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *p;
  MdMeterBus *bus;

  p = md_test_spawn (&error, sim, "bus", "--gateways", "1", "--meters", "3", "--load", "0",
                     "--credit", "4242", "--ready-file", ready, NULL);
  g_assert_no_error (error);
  g_assert_true (md_test_wait_for_file (ready, 10000));
  port = g_strdup_printf ("%u", ready_port (ready));
  {
    const char *target[] = { "-m", "tcp", "-p", port, "-o", "1", "127.0.0.1", NULL };

    bus = md_test_tcp_bus (ready_port (ready), 0);
    mbpoll_session (target, bus);
  }
  g_assert_finalize_object (bus);
  md_test_stop (p);
  g_remove (ready);
  g_rmdir (dir);
}

/* The simulator as a process keeps its meters' state across a restart,
 * in the state file, when asked. */
static void
test_sim_state_file (void)
{
  g_autoptr(MdPtyPair) pty = md_pty_pair_new ();
  g_autoptr(MdMeterTarget) t = md_test_target ("meterdesk-sim-dlt645", "000000000001", 0);
  g_autofree char *sim = sim_program ();
  g_autofree char *dir = g_dir_make_tmp ("md-sim-XXXXXX", NULL);
  g_autofree char *state = g_build_filename (dir, "state.ini", NULL);
  g_autofree char *ready = g_build_filename (dir, "ready.json", NULL);
  g_autoptr(GError) error = NULL;
  MdMeterRecharge rc = { 700, 1, 0 };
  MdMeterReading r;

  g_assert_true (md_meter_target_set_auth (t, 2, "123456", "00000000", NULL));
  for (guint round = 0; round < 2; round++)
    {
      GSubprocess *p = md_test_spawn (&error, sim, "bus", "--protocol", "dlt645", "--serial",
                                      pty->a, "--baud", "9600", "--load", "0", "--state", state,
                                      "--ready-file", ready, NULL);
      MdMeterBus *bus;

      g_assert_no_error (error);
      g_assert_true (md_test_wait_for_file (ready, 10000));
      bus = md_test_serial_bus (MD_METER_PROTOCOL_DLT645, pty->b, 0);
      read_until_up (bus, t, &r);
      if (round == 0)
        {
          g_assert_cmpint (get (&r, MD_METER_POINT_PURCHASE_COUNT), ==, 0);
          g_assert_cmpint (md_meter_recharge (bus, t, &rc, NULL, NULL, &error), ==,
                           MD_DELIVERY_DELIVERED);
          g_assert_no_error (error);
        }
      else
        {
          g_assert_cmpint (get (&r, MD_METER_POINT_PURCHASE_COUNT), ==, 1);
          g_assert_cmpint (get (&r, MD_METER_POINT_CREDIT), ==, 10700);
        }
      g_assert_finalize_object (bus);
      md_test_stop (p);
      g_remove (ready);
    }
  g_assert_true (g_file_test (state, G_FILE_TEST_EXISTS));
  g_remove (state);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/meters/interop/pymodbus-rtu", test_pymodbus_rtu);
  g_test_add_func ("/meterdesk/meters/interop/pymodbus-tcp", test_pymodbus_tcp);
  g_test_add_func ("/meterdesk/meters/interop/pymodbus-low-first", test_pymodbus_low_first);
  g_test_add_func ("/meterdesk/meters/interop/mbpoll-rtu", test_mbpoll_rtu);
  g_test_add_func ("/meterdesk/meters/interop/mbpoll-tcp", test_mbpoll_tcp);
  g_test_add_func ("/meterdesk/meters/interop/sim-state-file", test_sim_state_file);
  return g_test_run ();
}
