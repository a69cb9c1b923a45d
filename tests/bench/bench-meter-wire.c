/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "md-meter-bus.h"

/*
 * RS-485 efficiency: reads per second on wire-timed simulated buses,
 * against the wire's own limit.
 *
 *   bench-meter-wire BUSES METERS SECONDS [PARITY]
 *
 * Each bus is a socat pty pair; the simulator (its own process, one thread
 * per port) paces every reply byte at 9600 baud (10 bits a character at
 * 8N1, 11 at 8E1) and answers 3.5 characters after the request would have
 * ended on a wire. The master reads its meters round-robin, one full read
 * (one 03H request of the profile's block) after another, keeping 3.5
 * characters of silence between frames.
 *
 * The limit per bus: (request + reply characters + 2 × 3.5 characters of
 * silence) per read. Goal: ≥ 90 % of it, on every bus, all buses at once.
 * Fails only if a read fails.
 */

#define BAUD 9600

typedef struct
{
  MdMeterBus  *bus;
  GPtrArray   *targets;
  guint        next;
  guint        reads;
  guint        failed;
  gint64       until;
  gint64       last_done;
  guint       *running;
} Line;

static void read_done_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data);

static void
next_read (Line *l)
{
  md_meter_read_async (l->bus, l->targets->pdata[l->next++ % l->targets->len],
                       MD_METER_OP_DEFAULT, NULL, read_done_cb, l);
}

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Line *l = user_data;
  g_autoptr(GError) error = NULL;
  MdMeterReading r;

  if (md_meter_read_finish (MD_METER_BUS (source), result, &r, &error))
    l->reads++;
  else if (l->failed++ < 3)
    g_printerr ("read failed: %s\n", error->message);
  l->last_done = g_get_monotonic_time ();
  if (l->last_done < l->until)
    next_read (l);
  else
    --*l->running;
}

static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static GSubprocess *
spawn (GError  **error,
       char    **argv)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);

  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, error);
}

int
main (int   argc,
      char *argv[])
{
  guint n_buses = argc > 1 ? (guint) atoi (argv[1]) : 4;
  guint n_meters = argc > 2 ? (guint) atoi (argv[2]) : 8;
  guint seconds = argc > 3 ? (guint) atoi (argv[3]) : 15;
  char parity = argc > 4 ? argv[4][0] : 'N';
  g_autofree char *sim = g_build_filename (g_getenv ("MD_BUILD_ROOT"), "src", "sim",
                                           "meterdesk-sim", NULL);
  g_autofree char *dir = g_dir_make_tmp ("md-wire-XXXXXX", NULL);
  g_autofree char *ready = g_build_filename (dir, "ready.json", NULL);
  g_autoptr(GPtrArray) socats = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) sim_argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MdMeterProfile) profile = NULL;
  Line *lines = g_new0 (Line, n_buses);
  guint running = n_buses, total = 0, failed = 0;
  guint bits = parity == 'N' ? 10 : 11;
  double char_s = (double) bits / BAUD, worst = 1.0;
  guint block, request = 8, reply;
  double per_read, limit;

  setlocale (LC_ALL, "C.UTF-8");
  profile = md_meter_profile_lookup ("meterdesk-sim", &error);
  g_assert_no_error (error);
  /* One 03H request of the profile's block (0x0004–0x0024, see
   * docs/meters.md): 8 bytes out, 5 + 2n back. */
  block = 0x0025 - 0x0004;
  reply = 5 + 2 * block;
  per_read = (request + reply + 7.0) * char_s;
  limit = 1.0 / per_read;

  g_ptr_array_add (sim_argv, g_strdup (sim));
  g_ptr_array_add (sim_argv, g_strdup ("bus"));
  for (guint b = 0; b < n_buses; b++)
    {
      g_autofree char *a = g_strdup_printf ("%s/tty%uA", dir, b);
      g_autofree char *link_a = g_strdup_printf ("pty,raw,echo=0,link=%s", a);
      g_autofree char *link_b = g_strdup_printf ("pty,raw,echo=0,link=%s/tty%uB", dir, b);
      char *sargv[] = { (char *) "socat", link_a, link_b, NULL };

      g_ptr_array_add (socats, spawn (&error, sargv));
      g_assert_no_error (error);
      g_ptr_array_add (sim_argv, g_strdup ("--serial"));
      g_ptr_array_add (sim_argv, g_steal_pointer (&a));
    }
  for (guint b = 0; b < n_buses; b++)
    {
      g_autofree char *a = g_strdup_printf ("%s/tty%uA", dir, b);
      g_autofree char *bb = g_strdup_printf ("%s/tty%uB", dir, b);

      for (guint i = 0; i < 200 && !(g_file_test (a, G_FILE_TEST_EXISTS) &&
                                     g_file_test (bb, G_FILE_TEST_EXISTS)); i++)
        g_usleep (10000);
    }
  g_ptr_array_add (sim_argv, g_strdup ("--meters"));
  g_ptr_array_add (sim_argv, g_strdup_printf ("%u", n_meters));
  g_ptr_array_add (sim_argv, g_strdup ("--baud"));
  g_ptr_array_add (sim_argv, g_strdup_printf ("%u", BAUD));
  g_ptr_array_add (sim_argv, g_strdup ("--parity"));
  g_ptr_array_add (sim_argv, g_strdup_printf ("%c", parity));
  g_ptr_array_add (sim_argv, g_strdup ("--wire-timing"));
  g_ptr_array_add (sim_argv, g_strdup ("--load"));
  g_ptr_array_add (sim_argv, g_strdup ("0"));
  g_ptr_array_add (sim_argv, g_strdup ("--ready-file"));
  g_ptr_array_add (sim_argv, g_strdup (ready));
  g_ptr_array_add (sim_argv, NULL);
  p = spawn (&error, (char **) sim_argv->pdata);
  g_assert_no_error (error);
  for (guint i = 0; i < 300 && !g_file_test (ready, G_FILE_TEST_EXISTS); i++)
    g_usleep (20000);

  for (guint b = 0; b < n_buses; b++)
    {
      g_auto(MdMeterBusSettings) settings = { 0 };
      g_autofree char *device = g_strdup_printf ("%s/tty%uB", dir, b);

      md_meter_bus_settings_init (&settings, MD_METER_PROTOCOL_MODBUS);
      md_meter_bus_settings_set_serial (&settings, device, BAUD, parity);
      lines[b].bus = md_meter_bus_new (&settings, &error);
      g_assert_no_error (error);
      lines[b].targets = g_ptr_array_new_with_free_func ((GDestroyNotify) md_meter_target_unref);
      lines[b].running = &running;
      for (guint m = 0; m < n_meters; m++)
        {
          g_autofree char *address = g_strdup_printf ("%012u", b * n_meters + m + 1);

          g_ptr_array_add (lines[b].targets, md_meter_target_new (address, m + 1, profile, &error));
        }
    }

  /* Warm up each line (open the port), then measure. */
  for (guint b = 0; b < n_buses; b++)
    {
      MdMeterReading r;

      if (!md_meter_read (lines[b].bus, lines[b].targets->pdata[0], MD_METER_OP_DEFAULT, &r, NULL,
                          &error))
        g_error ("bus %u does not answer: %s", b, error->message);
    }
  {
    gint64 start = g_get_monotonic_time ();

    for (guint b = 0; b < n_buses; b++)
      {
        lines[b].until = start + (gint64) seconds * G_USEC_PER_SEC;
        next_read (&lines[b]);
      }
    while (running > 0)
      g_main_context_iteration (context, TRUE);
    for (guint b = 0; b < n_buses; b++)
      while (G_OBJECT (lines[b].bus)->ref_count > 1)
        g_main_context_iteration (context, TRUE);

    printf ("RS-485 efficiency: %u buses × %u meters at %u baud 8%c1 (%u bits a character), "
            "%u s\n", n_buses, n_meters, BAUD, parity, bits, seconds);
    printf ("  one read: %u + %u bytes + 2 × 3.5 characters = %.1f ms on the wire: limit %.2f "
            "reads/s a bus\n", request, reply, per_read * 1000, limit);
    for (guint b = 0; b < n_buses; b++)
      {
        double took = (lines[b].last_done - start) / 1e6;
        double rate = lines[b].reads / took;

        printf ("  bus %u: %u reads in %.2f s = %.2f reads/s, %.1f %% of the limit\n", b,
                lines[b].reads, took, rate, 100 * rate / limit);
        worst = MIN (worst, rate / limit);
        total += lines[b].reads;
        failed += lines[b].failed;
      }
    printf ("  all buses: %.2f reads/s (limit %.2f); failed %u\n",
            total / (double) seconds, limit * n_buses, failed);
    printf ("  goal ≥ 90 %% on every bus: %s (worst %.1f %%)\n", worst >= 0.9 ? "met" : "NOT MET",
            100 * worst);
  }

  for (guint b = 0; b < n_buses; b++)
    {
      g_object_unref (lines[b].bus);
      g_ptr_array_unref (lines[b].targets);
    }
  g_free (lines);
  g_subprocess_send_signal (p, SIGTERM);
  g_subprocess_wait (p, NULL, NULL);
  for (guint i = 0; i < socats->len; i++)
    {
      g_subprocess_send_signal (socats->pdata[i], SIGTERM);
      g_subprocess_wait (socats->pdata[i], NULL, NULL);
    }
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);

        g_remove (path);
      }
    g_rmdir (dir);
  }
  return failed == 0 ? 0 : 1;
}
