/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define _GNU_SOURCE 1
#include <glib/gstdio.h>
#include <sched.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "md-meter-bus.h"

/*
 * One full read sweep of N simulated meters behind Modbus TCP gateways.
 *
 *   bench-meter-sweep GATEWAYS UNITS
 *
 * A gateway (通讯管理机) fronts RS-485 lines; each line is a TCP port of
 * its own, and Modbus gives it at most 247 unit ids, so 100,000 meters are
 * 500 ports × 200 units (10,000: 50 × 200). The simulator runs as its own
 * process; this process is the master: one MdMeterBus (one thread, one
 * connection) per port, every meter's full read queued at once as routine
 * work. The master is pinned to one CPU, so it uses one core at most.
 * Goal: 100,000 meters in ≤ 60 s. Prints wall and CPU time of the master
 * and of the simulator; fails only if a read fails or reads wrong values.
 */

typedef struct
{
  guint     pending;
  guint     failed;
  guint     wrong;
  GMainLoop *loop;
} Sweep;

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Sweep *s = user_data;
  g_autoptr(GError) error = NULL;
  MdMeterReading r;
  gint64 credit;

  if (!md_meter_read_finish (MD_METER_BUS (source), result, &r, &error))
    {
      if (s->failed++ < 5)
        g_printerr ("read failed: %s\n", error->message);
    }
  else if (!md_meter_reading_get (&r, MD_METER_POINT_CREDIT, &credit) || credit != 4242)
    s->wrong++;
  if (--s->pending == 0)
    g_main_loop_quit (s->loop);
}

static double
cpu_seconds (int who)
{
  struct rusage u;

  getrusage (who, &u);
  return (double) u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 +
         (double) u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

int
main (int   argc,
      char *argv[])
{
  guint gateways = argc > 1 ? (guint) atoi (argv[1]) : 50;
  guint units = argc > 2 ? (guint) atoi (argv[2]) : 200;
  g_autofree char *sim = g_build_filename (g_getenv ("MD_BUILD_ROOT"), "src", "sim",
                                           "meterdesk-sim", NULL);
  g_autofree char *dir = g_dir_make_tmp ("md-sweep-XXXXXX", NULL);
  g_autofree char *ready = g_build_filename (dir, "ready.json", NULL);
  g_autofree char *g_text = g_strdup_printf ("%u", gateways);
  g_autofree char *u_text = g_strdup_printf ("%u", units);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(MdMeterProfile) profile = NULL;
  g_autoptr(GPtrArray) buses = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func (
    (GDestroyNotify) md_meter_target_unref);
  JsonArray *ports;
  Sweep s = { 0 };
  gint64 t0, t1;
  double cpu0, cpu1, sim_cpu;
  struct rlimit nofile;
  guint n = gateways * units;
  int pinned = -1;

  setlocale (LC_ALL, "C.UTF-8");
  if (getrlimit (RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max)
    {
      nofile.rlim_cur = nofile.rlim_max;
      setrlimit (RLIMIT_NOFILE, &nofile);
    }

  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  p = g_subprocess_launcher_spawn (launcher, &error, sim, "bus", "--gateways", g_text,
                                   "--meters", u_text, "--load", "0", "--credit", "4242",
                                   "--ready-file", ready, NULL);
  g_assert_no_error (error);

  /* The master on one CPU (the simulator, started before, is not). */
  {
    cpu_set_t allowed, one;

    if (sched_getaffinity (0, sizeof allowed, &allowed) == 0)
      for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET (c, &allowed))
          {
            CPU_ZERO (&one);
            CPU_SET (c, &one);
            g_assert_cmpint (sched_setaffinity (0, sizeof one, &one), ==, 0);
            pinned = c;
            break;
          }
  }
  for (guint i = 0; i < 300 && !g_file_test (ready, G_FILE_TEST_EXISTS); i++)
    g_usleep (50000);
  g_assert_true (json_parser_load_from_file (parser, ready, &error));
  ports = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                        "ports");
  g_assert_cmpuint (json_array_get_length (ports), ==, gateways);

  profile = md_meter_profile_lookup ("meterdesk-sim", &error);
  g_assert_no_error (error);
  for (guint g = 0; g < gateways; g++)
    {
      g_auto(MdMeterBusSettings) settings = { 0 };
      JsonObject *port = json_array_get_object_element (ports, g);

      md_meter_bus_settings_init (&settings, MD_METER_PROTOCOL_MODBUS);
      md_meter_bus_settings_set_tcp (&settings, "127.0.0.1",
                                     (guint) json_object_get_int_member (port, "port"));
      g_ptr_array_add (buses, md_meter_bus_new (&settings, &error));
      g_assert_no_error (error);
      for (guint u = 0; u < units; u++)
        {
          g_autofree char *address = g_strdup_printf ("%012u", g * units + u + 1);

          g_ptr_array_add (targets, md_meter_target_new (address, u + 1, profile, &error));
          g_assert_no_error (error);
        }
    }

  s.loop = g_main_loop_new (NULL, FALSE);
  s.pending = n;
  cpu0 = cpu_seconds (RUSAGE_SELF);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    md_meter_read_async (buses->pdata[i / units], targets->pdata[i], MD_METER_OP_ROUTINE, NULL,
                         read_done_cb, &s);
  g_main_loop_run (s.loop);
  t1 = g_get_monotonic_time ();
  cpu1 = cpu_seconds (RUSAGE_SELF);
  for (guint i = 0; i < buses->len; i++)
    while (G_OBJECT (buses->pdata[i])->ref_count > 1)
      g_main_context_iteration (NULL, TRUE);

  g_ptr_array_set_size (buses, 0);
  g_subprocess_send_signal (p, SIGTERM);
  g_subprocess_wait (p, NULL, NULL);
  sim_cpu = cpu_seconds (RUSAGE_CHILDREN);

  {
    double wall = (t1 - t0) / 1e6;

    printf ("sweep: %u meters behind %u gateway ports × %u units; master on CPU %d\n", n,
            gateways, units, pinned);
    printf ("  wall %.2f s, %.0f reads/s\n", wall, n / wall);
    printf ("  master CPU %.2f s (%.2f cores), %.1f µs per read\n", cpu1 - cpu0,
            (cpu1 - cpu0) / wall, (cpu1 - cpu0) * 1e6 / n);
    printf ("  simulator CPU %.2f s\n", sim_cpu);
    printf ("  failed %u, wrong %u\n", s.failed, s.wrong);
    if (n >= 100000)
      printf ("  goal ≤ 60 s on one core: %s\n", wall <= 60 && pinned >= 0 ? "met" : "NOT MET");
  }
  g_main_loop_unref (s.loop);
  g_remove (ready);
  g_rmdir (dir);
  return s.failed == 0 && s.wrong == 0 ? 0 : 1;
}
