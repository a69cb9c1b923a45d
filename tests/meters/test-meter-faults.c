/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "md-meter-test-util.h"
#include "md-sim-bus.h"

/*
 * RELIABILITY.md T10: every fault of the simulator against every
 * operation, over a socat pty pair, Modbus RTU or DL/T 645 (this file is
 * built once per protocol). What must hold:
 *   - no operation takes longer than its 5 s budget (a watchdog thread
 *     aborts the run if one hangs);
 *   - a recharge write is never repeated without a read-back in between
 *     (the simulator flags any "blind rewrite"), and a meter accepts at
 *     most one recharge per purchase;
 *   - a purchase is reported delivered only when the meter's count says
 *     so, and every purchase the meter accepted is reported delivered
 *     (at once, or by inspecting after an unknown outcome);
 *   - after the faults stop, the bus works at once.
 * The seed is printed; MD_TEST_SEED replays a run.
 */

#ifndef FAULT_DLT645
#define FAULT_DLT645 0
#endif

/* DL/T 645 reads take nine exchanges where Modbus takes one: fewer
 * rounds keep both runs near a minute, with over 1000 faulted exchanges
 * between them (RELIABILITY.md T10, PR tier). */
#define ROUNDS       (FAULT_DLT645 ? 4 : 8)
#define MIXED_ROUNDS (FAULT_DLT645 ? 28 : 80)

#define SLACK_US     (300 * 1000)
#define WATCHDOG_US  (15 * G_USEC_PER_SEC)

typedef struct
{
  MdPtyPair     *pty;
  MdSimBus      *sim;
  MdMeterBus    *bus;
  MdMeterTarget *meters[2];
  const char    *addresses[2];
  gint64         count[2];
  gint64         credit[2];
  guint          purchases[2];
  guint          ops;
  double         p[MD_SIM_N_FAULTS];
  gint64         longest_us;
} Fixture;

static gsize op_started;   /* atomic: monotonic µs, 0 when no operation runs */

static gpointer
watchdog (gpointer data)
{
  for (;;)
    {
      gint64 started = (gint64) g_atomic_pointer_get (&op_started);

      if (started > 0 && g_get_monotonic_time () - started > WATCHDOG_US)
        g_error ("watchdog: an operation has run for more than %d s", (int) (WATCHDOG_US / 1000000));
      g_usleep (100000);
    }
  return NULL;
}

static void
op_begin (void)
{
  g_atomic_pointer_set (&op_started, (gsize) g_get_monotonic_time ());
}

static void
op_end (Fixture *f)
{
  gint64 started = (gint64) g_atomic_pointer_get (&op_started);
  gint64 took = g_get_monotonic_time () - started;

  g_atomic_pointer_set (&op_started, 0);
  f->ops++;
  f->longest_us = MAX (f->longest_us, took);
  if (took > (gint64) MD_METER_BUDGET_MAX_MS * 1000 + SLACK_US)
    g_error ("an operation took %" G_GINT64_FORMAT " ms, over its budget", took / 1000);
}

static void
apply_faults (Fixture *f)
{
  for (guint k = MD_SIM_FAULT_DROP; k < MD_SIM_N_FAULTS; k++)
    md_sim_bus_set_fault (f->sim, (MdSimFault) k, f->p[k]);
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *seed = g_getenv ("MD_TEST_SEED");
  guint32 s = seed != NULL ? (guint32) g_ascii_strtoull (seed, NULL, 10) : g_test_rand_int ();

  g_test_message ("seed %u (MD_TEST_SEED=%u replays it)", s, s);
  f->pty = md_pty_pair_new ();
#if FAULT_DLT645
  f->sim = md_sim_bus_new (MD_SIM_PROTOCOL_DLT645, s);
  md_sim_bus_add_serial (f->sim, f->pty->a, 9600, 'E');
  md_sim_bus_set_follow_up (f->sim, 12);   /* the energy block comes in two frames */
  f->addresses[0] = "202411110002";
  f->addresses[1] = "202411110003";
  for (guint i = 0; i < 2; i++)
    g_assert_true (md_sim_bus_add_meter (f->sim, 0, f->addresses[i], 0, FALSE, NULL));
#else
  f->sim = md_sim_bus_new (MD_SIM_PROTOCOL_MODBUS, s);
  md_sim_bus_add_serial (f->sim, f->pty->a, 9600, 'N');
  f->addresses[0] = "000000000001";
  f->addresses[1] = "000000000002";
  for (guint i = 0; i < 2; i++)
    g_assert_true (md_sim_bus_add_meter (f->sim, 0, f->addresses[i], i + 1, FALSE, NULL));
#endif
  md_sim_bus_set_load (f->sim, 0);
  md_sim_bus_start (f->sim, &error);
  g_assert_no_error (error);

  f->bus = md_test_serial_bus (FAULT_DLT645 ? MD_METER_PROTOCOL_DLT645 : MD_METER_PROTOCOL_MODBUS,
                               f->pty->b, 100);
  for (guint i = 0; i < 2; i++)
    {
      f->meters[i] = md_test_target (FAULT_DLT645 ? "meterdesk-sim-dlt645" : "meterdesk-sim",
                                     f->addresses[i], i + 1);
      if (FAULT_DLT645)
        g_assert_true (md_meter_target_set_auth (f->meters[i], 2, "123456", "00000000", NULL));
      f->credit[i] = 10000;
    }
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  for (guint i = 0; i < 2; i++)
    md_meter_target_unref (f->meters[i]);
  g_assert_finalize_object (f->bus);
  md_sim_bus_free (f->sim);
  md_pty_pair_free (f->pty);
}

/* One purchase, settled however long it takes: the verdict must match
 * what the meter did. */
static void
purchase (Fixture *f,
          guint    i)
{
  MdMeterRecharge rc = { 100 + 10 * (gint64) f->ops, f->count[i] + 1, 0 };
  MdMeterRechargeResult res;
  MdDelivery d;

  for (guint attempt = 0; ; attempt++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (attempt, <, 50);
      op_begin ();
      d = md_meter_recharge (f->bus, f->meters[i], &rc, &res, NULL, &error);
      op_end (f);
      if (d == MD_DELIVERY_CONFLICT)
        g_error ("conflict on meter %s, purchase %" G_GINT64_FORMAT ": %s", f->addresses[i],
                 rc.purchase_count, error->message);
      if (d == MD_DELIVERY_UNKNOWN)
        {
          /* Recovery: ask the meter, on a quiet line. */
          md_sim_bus_clear_faults (f->sim);
          g_clear_error (&error);
          op_begin ();
          d = md_meter_inspect_purchase (f->bus, f->meters[i], rc.purchase_count, NULL, NULL,
                                         &error);
          op_end (f);
          g_assert_no_error (error);
          g_assert_cmpint (d, !=, MD_DELIVERY_UNKNOWN);
          apply_faults (f);
        }
      if (d == MD_DELIVERY_DELIVERED)
        break;
    }
  f->count[i]++;
  f->credit[i] += rc.amount;
  f->purchases[i]++;
}

static void
check_meters (Fixture *f)
{
  for (guint i = 0; i < 2; i++)
    {
      MdSimMeterState s;

      g_assert_true (md_sim_bus_get_meter (f->sim, f->addresses[i], &s));
      g_assert_cmpuint (s.blind_rewrites, ==, 0);
      g_assert_cmpuint (s.recharges_accepted, ==, f->purchases[i]);
      g_assert_cmpuint (s.recharge_writes, ==, f->purchases[i]);
      g_assert_cmpuint (s.purchase_count, ==, f->count[i]);
      g_assert_cmpint (s.credit_fen, ==, f->credit[i]);
    }
}

static void
every_operation (Fixture *f,
                 guint    rounds)
{
  MdMeterProfile *profile = md_meter_target_get_profile (f->meters[0]);

  for (guint round = 0; round < rounds; round++)
    {
      guint i = round % 2;
      MdMeterReading r;
      MdMeterParams params = { 0 };
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autoptr(GArray) found = NULL;

      op_begin ();
      md_meter_read (f->bus, f->meters[i], MD_METER_OP_DEFAULT, &r, NULL, NULL);
      op_end (f);

      purchase (f, i);

      op_begin ();
      md_meter_control (f->bus, f->meters[i], round % 4 < 2 ? MD_METER_CONTROL_KEEP_POWER
                                                           : MD_METER_CONTROL_KEEP_POWER_RELEASE,
                        NULL, NULL);
      op_end (f);

      md_meter_params_set (&params, MD_METER_POINT_ALARM_1, 1000 + round);
      op_begin ();
      md_meter_set_params (f->bus, f->meters[i], &params, NULL, NULL);
      op_end (f);

      op_begin ();
      md_meter_inspect_purchase (f->bus, f->meters[i], f->count[i], NULL, NULL, NULL);
      op_end (f);

      if (round % 3 == 0)
        {
          op_begin ();
          md_meter_broadcast_time (f->bus, profile, now, NULL, NULL);
          op_end (f);
        }
      if (round % 3 == 1)
        {
          op_begin ();
          found = md_meter_discover (f->bus, profile, 1, 3, 2000, NULL, NULL);
          op_end (f);
        }
    }
}

/* The bus serves normally straight after the faults stop. */
static void
works_again (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  MdMeterReading r;
  gint64 start;

  memset (f->p, 0, sizeof f->p);
  md_sim_bus_clear_faults (f->sim);
  /* Late replies still on their way must not confuse the next read. */
  start = g_get_monotonic_time ();
  op_begin ();
  g_assert_true (md_meter_read (f->bus, f->meters[0], MD_METER_OP_DEFAULT, &r, NULL, &error));
  op_end (f);
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);
  g_assert_true (md_meter_reading_has (&r, MD_METER_POINT_PURCHASE_COUNT));
  for (guint i = 0; i < 2; i++)
    purchase (f, i);
}

static void
test_fault (Fixture       *f,
            gconstpointer  data)
{
  MdSimFault fault = GPOINTER_TO_UINT (data);
  MdSimMeterState s0, s1;

  f->p[fault] = 0.35;
  apply_faults (f);
  every_operation (f, ROUNDS);
  works_again (f);
  check_meters (f);

  md_sim_bus_get_meter (f->sim, f->addresses[0], &s0);
  md_sim_bus_get_meter (f->sim, f->addresses[1], &s1);
  g_test_message ("%s: %u operations, %u faulted exchanges, longest %" G_GINT64_FORMAT " ms",
                  md_sim_fault_to_string (fault), f->ops, s0.faults + s1.faults,
                  f->longest_us / 1000);
  g_assert_cmpuint (s0.faults + s1.faults, >, 0);
}

/* Every fault at once, at low rates, for longer. */
static void
test_mixed (Fixture       *f,
            gconstpointer  data)
{
  MdSimMeterState s0, s1;

  for (guint k = MD_SIM_FAULT_DROP; k < MD_SIM_N_FAULTS; k++)
    f->p[k] = 0.03;
  apply_faults (f);
  for (guint round = 0; round < MIXED_ROUNDS; round++)
    {
      MdMeterReading r;

      purchase (f, round % 2);
      op_begin ();
      md_meter_read (f->bus, f->meters[round % 2], MD_METER_OP_DEFAULT, &r, NULL, NULL);
      op_end (f);
    }
  works_again (f);
  check_meters (f);
  md_sim_bus_get_meter (f->sim, f->addresses[0], &s0);
  md_sim_bus_get_meter (f->sim, f->addresses[1], &s1);
  g_test_message ("mixed: %u operations, %u faulted of %u exchanges, longest %" G_GINT64_FORMAT
                  " ms", f->ops, s0.faults + s1.faults, s0.requests + s1.requests,
                  f->longest_us / 1000);
}

/* Garbage after every reply: the replies themselves are whole, so the
 * read before a new purchase is a read-back, and two purchases in a row
 * are not a repeated write. */
static void
test_extra_always (Fixture       *f,
                   gconstpointer  data)
{
  f->p[MD_SIM_FAULT_EXTRA] = 1.0;
  apply_faults (f);
  for (guint round = 0; round < 4; round++)
    purchase (f, 0);
  works_again (f);
  check_meters (f);
}

int
main (int   argc,
      char *argv[])
{
  const char *proto = FAULT_DLT645 ? "dlt645" : "modbus";

  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_thread_unref (g_thread_new ("watchdog", watchdog, NULL));

  for (guint k = MD_SIM_FAULT_DROP; k < MD_SIM_N_FAULTS; k++)
    {
      g_autofree char *path = g_strdup_printf ("/meterdesk/meters/faults/%s/%s", proto,
                                               md_sim_fault_to_string ((MdSimFault) k));

      g_test_add (path, Fixture, GUINT_TO_POINTER (k), setup, test_fault, teardown);
    }
  {
    g_autofree char *path = g_strdup_printf ("/meterdesk/meters/faults/%s/mixed", proto);

    g_test_add (path, Fixture, NULL, setup, test_mixed, teardown);
  }
  {
    g_autofree char *path = g_strdup_printf ("/meterdesk/meters/faults/%s/extra-always", proto);

    g_test_add (path, Fixture, NULL, setup, test_extra_always, teardown);
  }
  return g_test_run ();
}
