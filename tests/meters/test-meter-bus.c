/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "md-meter-test-util.h"
#include "md-remote-medium.h"
#include "md-serial-port.h"
#include "md-sim-bus.h"

/*
 * The bus worker and every operation against the simulator over a socat
 * pty pair (Modbus RTU and DL/T 645) and over Modbus TCP.
 */

#define E1 "000000000001"
#define E2 "000000000002"
#define E3 "000000000003"
#define W4 "00000000000004"

typedef struct
{
  MdPtyPair  *pty;
  MdSimBus   *sim;
  MdMeterBus *bus;
} Fixture;

static void
modbus_setup (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->pty = md_pty_pair_new ();
  f->sim = md_sim_bus_new (MD_SIM_PROTOCOL_MODBUS, 7);
  md_sim_bus_add_serial (f->sim, f->pty->a, 9600, 'N');
  g_assert_true (md_sim_bus_add_meter (f->sim, 0, E1, 1, FALSE, NULL));
  g_assert_true (md_sim_bus_add_meter (f->sim, 0, E2, 2, FALSE, NULL));
  g_assert_true (md_sim_bus_add_meter (f->sim, 0, E3, 3, FALSE, NULL));
  g_assert_true (md_sim_bus_add_meter (f->sim, 0, W4, 4, TRUE, NULL));
  md_sim_bus_start (f->sim, &error);
  g_assert_no_error (error);
  f->bus = md_test_serial_bus (MD_METER_PROTOCOL_MODBUS, f->pty->b, 200);
}

static void
dlt645_setup (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->pty = md_pty_pair_new ();
  f->sim = md_sim_bus_new (MD_SIM_PROTOCOL_DLT645, 7);
  md_sim_bus_add_serial (f->sim, f->pty->a, 9600, 'E');
  md_sim_bus_set_follow_up (f->sim, GPOINTER_TO_UINT (data));
  g_assert_true (md_sim_bus_add_meter (f->sim, 0, "202411110002", 0, FALSE, NULL));
  md_sim_bus_start (f->sim, &error);
  g_assert_no_error (error);
  f->bus = md_test_serial_bus (MD_METER_PROTOCOL_DLT645, f->pty->b, 200);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_assert_finalize_object (f->bus);
  md_sim_bus_free (f->sim);
  md_pty_pair_free (f->pty);
}

static MdSimMeterState
sim_state (Fixture    *f,
           const char *address)
{
  MdSimMeterState s;

  g_assert_true (md_sim_bus_get_meter (f->sim, address, &s));
  return s;
}

static gint64
get (const MdMeterReading *r,
     MdMeterPoint          p)
{
  gint64 v = -1;

  g_assert_true (md_meter_reading_get (r, p, &v));
  return v;
}

static void
test_read (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(MdMeterTarget) t = md_test_target ("meterdesk-sim", E2, 2);
  g_autoptr(GError) error = NULL;
  MdSimMeterState s;
  MdMeterReading r;

  md_sim_bus_advance (f->sim, 3600);   /* an hour at the seeded load */
  s = sim_state (f, E2);
  g_assert_true (md_meter_read (f->bus, t, MD_METER_OP_DEFAULT, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (get (&r, MD_METER_POINT_SERIAL), ==, 2);
  g_assert_cmpint (get (&r, MD_METER_POINT_ENERGY_TOTAL), ==, s.energy_wh);
  g_assert_cmpint (s.energy_wh, ==, s.power_w);     /* W for one hour = Wh */
  g_assert_cmpint (get (&r, MD_METER_POINT_ENERGY_RATE_3), ==, s.energy_wh);
  g_assert_cmpint (get (&r, MD_METER_POINT_CREDIT), ==, s.credit_fen);
  /* 10000 fen − energy × 0.6 yuan/kWh, whole fen */
  g_assert_cmpint (s.credit_fen, ==, 10000 - (s.energy_wh * 6000 + 99999) / 100000);
  g_assert_cmpint (get (&r, MD_METER_POINT_PURCHASE_COUNT), ==, 0);
  g_assert_cmpint (get (&r, MD_METER_POINT_SUPPLY_OFF), ==, 0);
  g_assert_cmpint (get (&r, MD_METER_POINT_POWER), ==, s.power_w);
  g_assert_cmpint (get (&r, MD_METER_POINT_VOLTAGE), ==, 2200);
  g_assert_cmpint (get (&r, MD_METER_POINT_CURRENT), ==, s.power_w * 10000 / 2200);
  g_assert_cmpint (r.read_at, >, 0);

  {
    g_autoptr(JsonNode) json = md_meter_reading_to_json (&r);
    JsonObject *o = json_node_get_object (json);

    g_assert_cmpstr (json_object_get_string_member (o, "serial"), ==, E2);
    g_assert_false (json_object_get_boolean_member (o, "supply_off"));
  }
}

static void
test_recharge (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(MdMeterTarget) t = md_test_target ("meterdesk-sim", E1, 1);
  MdMeterRecharge rc = { 5000, 1, 0 };
  MdMeterRechargeResult res;
  g_autoptr(GError) error = NULL;
  MdSimMeterState s;

  g_assert_cmpint (md_meter_recharge (f->bus, t, &rc, &res, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_no_error (error);
  s = sim_state (f, E1);
  g_assert_cmpint (s.credit_fen, ==, 15000);
  g_assert_cmpuint (s.purchase_count, ==, 1);
  g_assert_cmpuint (s.recharge_writes, ==, 1);
  g_assert_cmpint (res.count_before, ==, 0);
  g_assert_cmpint (res.count_after, ==, 1);
  g_assert_true (res.has_credit);
  g_assert_cmpint (res.credit_after - res.credit_before, ==, 5000);
  g_assert_cmpuint (res.writes, ==, 1);

  /* Again with the same count: already there, nothing written. */
  g_assert_cmpint (md_meter_recharge (f->bus, t, &rc, &res, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_cmpuint (res.writes, ==, 0);
  g_assert_cmpuint (sim_state (f, E1).recharge_writes, ==, 1);

  /* A count that skips one: the meter is not where the sale thinks. */
  rc.purchase_count = 3;
  g_assert_cmpint (md_meter_recharge (f->bus, t, &rc, &res, NULL, &error), ==,
                   MD_DELIVERY_CONFLICT);
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_CONFLICT);
  g_clear_error (&error);

  /* Amounts finer than the register or not positive never go out. */
  rc.purchase_count = 2;
  rc.amount = 0;
  g_assert_cmpint (md_meter_recharge (f->bus, t, &rc, &res, NULL, &error), ==,
                   MD_DELIVERY_NOT_DELIVERED);
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID);
  g_assert_cmpuint (sim_state (f, E1).recharge_writes, ==, 1);
  g_clear_error (&error);

  /* Inspect: N+1 delivered, N not, other conflict. */
  g_assert_cmpint (md_meter_inspect_purchase (f->bus, t, 1, NULL, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_cmpint (md_meter_inspect_purchase (f->bus, t, 2, NULL, NULL, &error), ==,
                   MD_DELIVERY_NOT_DELIVERED);
  g_assert_cmpint (md_meter_inspect_purchase (f->bus, t, 7, NULL, NULL, &error), ==,
                   MD_DELIVERY_CONFLICT);
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_CONFLICT);
}

static void
test_control (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(MdMeterTarget) t = md_test_target ("meterdesk-sim", E3, 3);
  g_autoptr(GError) error = NULL;

  g_assert_true (md_meter_control (f->bus, t, MD_METER_CONTROL_TRIP, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (sim_state (f, E3).supply_off);
  g_assert_true (md_meter_control (f->bus, t, MD_METER_CONTROL_CLOSE, NULL, &error));
  g_assert_false (sim_state (f, E3).supply_off);

  /* Keep-power refuses a trip. */
  g_assert_true (md_meter_control (f->bus, t, MD_METER_CONTROL_KEEP_POWER, NULL, &error));
  g_assert_true (sim_state (f, E3).keep_power);
  g_assert_false (md_meter_control (f->bus, t, MD_METER_CONTROL_TRIP, NULL, &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_REFUSED);
  g_clear_error (&error);
  g_assert_false (sim_state (f, E3).supply_off);
  g_assert_true (md_meter_control (f->bus, t, MD_METER_CONTROL_KEEP_POWER_RELEASE, NULL, &error));
  g_assert_false (sim_state (f, E3).keep_power);

  g_assert_true (md_meter_control (f->bus, t, MD_METER_CONTROL_MODE_REMOTE, NULL, &error));
  g_assert_true (sim_state (f, E3).remote_mode);
  g_assert_true (md_meter_control (f->bus, t, MD_METER_CONTROL_MODE_LOCAL, NULL, &error));
  g_assert_false (sim_state (f, E3).remote_mode);
  g_assert_no_error (error);
}

static void
test_params (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(MdMeterTarget) t = md_test_target ("meterdesk-sim", E1, 1);
  g_autoptr(MdMeterTarget) w = md_test_target ("meterdesk-sim-water", W4, 4);
  g_autoptr(GError) error = NULL;
  MdMeterParams p = { 0 };
  MdSimMeterState s;

  md_meter_params_set (&p, MD_METER_POINT_ALARM_1, 2000);
  md_meter_params_set (&p, MD_METER_POINT_ALARM_2, 500);
  md_meter_params_set (&p, MD_METER_POINT_POWER_LIMIT, 8000);
  md_meter_params_set (&p, MD_METER_POINT_PRICE_2, 8125);
  g_assert_true (md_meter_set_params (f->bus, t, &p, NULL, &error));
  g_assert_no_error (error);
  s = sim_state (f, E1);
  g_assert_cmpint (s.alarm_1, ==, 2000);
  g_assert_cmpint (s.alarm_2, ==, 500);
  g_assert_cmpint (s.power_limit_w, ==, 8000);
  g_assert_cmpint (s.price[1], ==, 8125);
  g_assert_cmpint (s.price[0], ==, 6000);

  /* The water profile has no power limit. */
  g_assert_false (md_meter_set_params (f->bus, w, &p, NULL, &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED);
}

/* Water: litres, a valve, and local against remote control. */
static void
test_water (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(MdMeterTarget) w = md_test_target ("meterdesk-sim-water", W4, 4);
  g_autoptr(GError) error = NULL;
  MdMeterReading r;
  MdSimMeterState s;

  /* Remote mode: the meter never closes its valve itself. */
  g_assert_true (md_meter_control (f->bus, w, MD_METER_CONTROL_MODE_REMOTE, NULL, &error));
  md_sim_bus_set_meter_credit (f->sim, W4, 1, 0);
  md_sim_bus_advance (f->sim, 24 * 3600);
  s = sim_state (f, W4);
  g_assert_cmpint (s.credit_fen, <, 0);
  g_assert_false (s.supply_off);
  g_assert_true (md_meter_read (f->bus, w, MD_METER_OP_DEFAULT, &r, NULL, &error));
  g_assert_cmpint (get (&r, MD_METER_POINT_VOLUME_TOTAL), ==, s.energy_wh);
  g_assert_cmpint (get (&r, MD_METER_POINT_VOLUME_TOTAL), >, 0);
  g_assert_false (md_meter_reading_has (&r, MD_METER_POINT_ENERGY_TOTAL));
  g_assert_cmpint (get (&r, MD_METER_POINT_REMOTE_MODE), ==, 1);
  g_assert_cmpint (get (&r, MD_METER_POINT_SUPPLY_OFF), ==, 0);

  /* Remote mode: the valve closes on command… */
  g_assert_true (md_meter_control (f->bus, w, MD_METER_CONTROL_TRIP, NULL, &error));
  g_assert_true (sim_state (f, W4).supply_off);
  /* …and opens on command, credit or not. */
  g_assert_true (md_meter_control (f->bus, w, MD_METER_CONTROL_CLOSE, NULL, &error));
  g_assert_false (sim_state (f, W4).supply_off);

  /* Local mode: at zero credit the meter closes the valve itself. */
  g_assert_true (md_meter_control (f->bus, w, MD_METER_CONTROL_MODE_LOCAL, NULL, &error));
  g_assert_no_error (error);
  md_sim_bus_advance (f->sim, 60);
  g_assert_true (sim_state (f, W4).supply_off);
  g_assert_false (md_meter_control (f->bus, w, MD_METER_CONTROL_CLOSE, NULL, &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_REFUSED);
  g_clear_error (&error);

  /* A recharge opens it again. */
  {
    MdMeterRecharge rc = { 10000, 1, MD_REMOTE_MEDIUM_DEFAULT_TOLERANCE };

    g_assert_cmpint (md_meter_recharge (f->bus, w, &rc, NULL, NULL, &error), ==,
                     MD_DELIVERY_DELIVERED);
    g_assert_no_error (error);
    g_assert_false (sim_state (f, W4).supply_off);
  }
}

/* Energy runs the credit down; at zero the relay trips unless keep-power. */
static void
test_consumption (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(MdMeterTarget) t1 = md_test_target ("meterdesk-sim", E1, 1);
  g_autoptr(MdMeterTarget) t2 = md_test_target ("meterdesk-sim", E2, 2);
  g_autoptr(GError) error = NULL;
  MdMeterReading r;

  /* 10 fen: about 170 Wh at 0.6 yuan/kWh, less than an hour's use. */
  md_sim_bus_set_meter_credit (f->sim, E1, 10, 0);
  md_sim_bus_set_meter_credit (f->sim, E2, 10, 0);
  g_assert_true (md_meter_control (f->bus, t2, MD_METER_CONTROL_KEEP_POWER, NULL, &error));
  md_sim_bus_advance (f->sim, 3600);
  g_assert_true (md_meter_read (f->bus, t1, MD_METER_OP_DEFAULT, &r, NULL, &error));
  g_assert_cmpint (get (&r, MD_METER_POINT_SUPPLY_OFF), ==, 1);
  g_assert_cmpint (get (&r, MD_METER_POINT_POWER), ==, 0);
  g_assert_true (md_meter_read (f->bus, t2, MD_METER_OP_DEFAULT, &r, NULL, &error));
  g_assert_cmpint (get (&r, MD_METER_POINT_SUPPLY_OFF), ==, 0);
  g_assert_cmpint (get (&r, MD_METER_POINT_KEEP_POWER), ==, 1);
  g_assert_cmpint (get (&r, MD_METER_POINT_CREDIT), <, 0);
  g_assert_no_error (error);
}

static void
test_broadcast_time (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(MdMeterProfile) p = md_meter_profile_lookup ("meterdesk-sim", NULL);
  g_autoptr(GDateTime) t = g_date_time_new_local (2030, 1, 2, 3, 4, 5);
  g_autoptr(GError) error = NULL;
  gint64 want = g_date_time_to_unix (t) - g_get_real_time () / G_USEC_PER_SEC;

  g_assert_true (md_meter_broadcast_time (f->bus, p, t, NULL, &error));
  g_assert_no_error (error);
  /* No reply to wait for: the next request proves the meters got it. */
  {
    g_autoptr(MdMeterTarget) t3 = md_test_target ("meterdesk-sim", E3, 3);
    MdMeterReading r;

    g_assert_true (md_meter_read (f->bus, t3, MD_METER_OP_DEFAULT, &r, NULL, &error));
  }
  for (const char *const *a = (const char *const[]) { E1, E2, E3, NULL }; *a; a++)
    g_assert_cmpint (ABS (sim_state (f, *a).clock_offset_s - want), <=, 2);
}

static void
test_discover (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(MdMeterProfile) p = md_meter_profile_lookup ("meterdesk-sim", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) found = NULL;
  gint64 start = g_get_monotonic_time ();

  found = md_meter_discover (f->bus, p, 1, 10, 5000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 4);
  g_assert_cmpuint (g_array_index (found, MdMeterFound, 0).unit_id, ==, 1);
  g_assert_cmpstr (g_array_index (found, MdMeterFound, 0).address, ==, E1);
  g_assert_cmpstr (g_array_index (found, MdMeterFound, 3).address, ==, "000000000004");
  /* Six silent units at the profile's 100 ms probe: about 0.6 s. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);

  /* The time bound holds even when the range does not fit in it. */
  start = g_get_monotonic_time ();
  g_clear_pointer (&found, g_array_unref);
  found = md_meter_discover (f->bus, p, 1, 247, 500, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 900000);
}

typedef struct
{
  GPtrArray *order;
  guint      pending;
} Order;

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Order *o = user_data;
  MdMeterReading r;

  g_assert_true (md_meter_read_finish (MD_METER_BUS (source), result, &r, NULL));
  g_ptr_array_add (o->order, g_strdup ("read"));
  o->pending--;
}

static void
control_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Order *o = user_data;

  g_assert_true (md_meter_control_finish (MD_METER_BUS (source), result, NULL));
  g_ptr_array_add (o->order, g_strdup ("command"));
  o->pending--;
}

/* Twenty routine reads queued, then a command: it overtakes them all but
 * the one already running. */
static void
test_priority (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(MdMeterTarget) t = md_test_target ("meterdesk-sim", E1, 1);
  Order o = { g_ptr_array_new_with_free_func (g_free), 0 };
  guint index = 0;

  for (guint i = 0; i < 20; i++, o.pending++)
    md_meter_read_async (f->bus, t, MD_METER_OP_ROUTINE, NULL, read_done_cb, &o);
  md_meter_control_async (f->bus, t, MD_METER_CONTROL_KEEP_POWER, NULL, control_done_cb, &o);
  o.pending++;
  while (o.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  /* The tasks let go of the bus in this context, after their callbacks. */
  while (G_OBJECT (f->bus)->ref_count > 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_ptr_array_find_with_equal_func (o.order, "command", g_str_equal, &index));
  g_assert_cmpuint (index, <=, 2);
  g_ptr_array_unref (o.order);
}

static void
test_cancel_and_close (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(MdMeterTarget) t = md_test_target ("meterdesk-sim", E1, 1);
  g_autoptr(GCancellable) c = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  MdMeterRecharge rc = { 100, 1, 0 };
  MdMeterReading r;

  g_cancellable_cancel (c);
  g_assert_false (md_meter_read (f->bus, t, MD_METER_OP_DEFAULT, &r, c, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (md_meter_recharge (f->bus, t, &rc, NULL, c, &error), ==, MD_DELIVERY_UNKNOWN);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (sim_state (f, E1).recharge_writes, ==, 0);

  /* A DL/T 645 profile on a Modbus bus is refused before any I/O. */
  {
    g_autoptr(MdMeterTarget) d = md_test_target ("dlt645-2007-prepaid", "202411110002", 0);

    g_assert_false (md_meter_read (f->bus, d, MD_METER_OP_DEFAULT, &r, NULL, &error));
    g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID);
    g_clear_error (&error);
  }

  md_meter_bus_close (f->bus);
  md_meter_bus_close (f->bus);
  g_assert_false (md_meter_read (f->bus, t, MD_METER_OP_DEFAULT, &r, NULL, &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_CLOSED);
}

/* A gateway: the same map over Modbus TCP, and a unit nobody answers. */
static void
test_tcp (void)
{
  g_autoptr(MdSimBus) sim = md_sim_bus_new (MD_SIM_PROTOCOL_MODBUS, 3);
  g_autoptr(MdMeterTarget) t = md_test_target ("meterdesk-sim", E1, 17);
  g_autoptr(MdMeterTarget) absent = md_test_target ("meterdesk-sim", E2, 18);
  g_autoptr(GError) error = NULL;
  g_autoptr(MdMeterBus) bus = NULL;
  MdMeterRecharge rc = { 2500, 1, 0 };
  MdMeterReading r;
  MdSimMeterState s;

  md_sim_bus_add_gateway (sim, "127.0.0.1", 0);
  g_assert_true (md_sim_bus_add_meter (sim, 0, E1, 17, FALSE, NULL));
  g_assert_true (md_sim_bus_start (sim, &error));
  bus = md_test_tcp_bus (md_sim_bus_get_port_number (sim, 0), 200);

  g_assert_true (md_meter_read (bus, t, MD_METER_OP_DEFAULT, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (get (&r, MD_METER_POINT_CREDIT), ==, 10000);
  g_assert_cmpint (md_meter_recharge (bus, t, &rc, NULL, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_true (md_sim_bus_get_meter (sim, E1, &s));
  g_assert_cmpint (s.credit_fen, ==, 12500);

  g_assert_false (md_meter_read (bus, absent, MD_METER_OP_DEFAULT, &r, NULL, &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL);
  g_assert_finalize_object (g_steal_pointer (&bus));
}

static MdMeterTarget *
dlt_target (const char *profile,
            const char *password)
{
  MdMeterTarget *t = md_test_target (profile, "202411110002", 0);

  g_assert_true (md_meter_target_set_auth (t, 2, password, "00000000", NULL));
  return t;
}

static void
test_dlt645 (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(MdMeterTarget) t = dlt_target ("meterdesk-sim-dlt645", "123456");
  g_autoptr(MdMeterTarget) generic = dlt_target ("dlt645-2007-prepaid", "123456");
  g_autoptr(MdMeterTarget) wrong = dlt_target ("meterdesk-sim-dlt645", "654321");
  g_autoptr(GError) error = NULL;
  MdMeterRecharge rc = { 3000, 1, 0 };
  MdMeterReading r;
  MdSimMeterState s;

  md_sim_bus_advance (f->sim, 7200);
  s = sim_state (f, "202411110002");
  g_assert_true (md_meter_read (f->bus, generic, MD_METER_OP_DEFAULT, &r, NULL, &error));
  g_assert_no_error (error);
  /* The energy block 0001FF00, in 0.01 kWh: the Wh are rounded down. */
  g_assert_cmpint (get (&r, MD_METER_POINT_ENERGY_TOTAL), ==, s.energy_wh / 10 * 10);
  g_assert_cmpint (get (&r, MD_METER_POINT_ENERGY_RATE_3), ==, s.rate_wh[2] / 10 * 10);
  g_assert_cmpint (get (&r, MD_METER_POINT_ENERGY_RATE_1), ==, 0);
  g_assert_cmpint (get (&r, MD_METER_POINT_CREDIT), ==, s.credit_fen);
  g_assert_cmpint (get (&r, MD_METER_POINT_POWER), ==, s.power_w);
  g_assert_cmpint (get (&r, MD_METER_POINT_VOLTAGE), ==, 2200);
  g_assert_cmpint (get (&r, MD_METER_POINT_SERIAL), ==, G_GINT64_CONSTANT (202411110002));
  g_assert_cmpint (get (&r, MD_METER_POINT_SUPPLY_OFF), ==, 0);

  /* The generic profile does not fake a recharge. */
  g_assert_cmpint (md_meter_recharge (f->bus, generic, &rc, NULL, NULL, &error), ==,
                   MD_DELIVERY_NOT_DELIVERED);
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  /* The simulator's plaintext recharge: a wrong password never gets in. */
  g_assert_cmpint (md_meter_recharge (f->bus, wrong, &rc, NULL, NULL, &error), ==,
                   MD_DELIVERY_NOT_DELIVERED);
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_DENIED);
  g_clear_error (&error);
  g_assert_cmpint (md_meter_recharge (f->bus, t, &rc, NULL, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_no_error (error);
  s = sim_state (f, "202411110002");
  g_assert_cmpuint (s.purchase_count, ==, 1);
  g_assert_cmpuint (s.recharges_accepted, ==, 1);

  /* 1CH control with its deadline; keep-power refuses a trip (0020). */
  g_assert_true (md_meter_control (f->bus, t, MD_METER_CONTROL_TRIP, NULL, &error));
  g_assert_true (sim_state (f, "202411110002").supply_off);
  g_assert_true (md_meter_control (f->bus, t, MD_METER_CONTROL_CLOSE, NULL, &error));
  g_assert_true (md_meter_control (f->bus, t, MD_METER_CONTROL_KEEP_POWER, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (md_meter_control (f->bus, t, MD_METER_CONTROL_TRIP, NULL, &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_REFUSED);
  g_clear_error (&error);
  g_assert_false (md_meter_control (f->bus, wrong, MD_METER_CONTROL_KEEP_POWER_RELEASE, NULL,
                                    &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_DENIED);
  g_clear_error (&error);
  g_assert_false (md_meter_control (f->bus, t, MD_METER_CONTROL_MODE_REMOTE, NULL, &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  /* Alarm amounts by 14H. */
  {
    MdMeterParams p = { 0 };

    md_meter_params_set (&p, MD_METER_POINT_ALARM_1, 1500);
    g_assert_true (md_meter_set_params (f->bus, t, &p, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (sim_state (f, "202411110002").alarm_1, ==, 1500);
  }

  /* 13H finds the one meter on the line. */
  {
    g_autoptr(GArray) found = md_meter_discover (f->bus, md_meter_target_get_profile (t), 0, 0,
                                                 2000, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 1);
    g_assert_cmpstr (g_array_index (found, MdMeterFound, 0).address, ==, "202411110002");
  }

  /* Broadcast time (08H, no reply) moves the meter's clock past the
   * command's deadline: the meter refuses it (0010). */
  {
    g_autoptr(GDateTime) later = g_date_time_add_years (g_date_time_new_now_local (), 1);

    g_assert_true (md_meter_broadcast_time (f->bus, md_meter_target_get_profile (t), later, NULL,
                                            &error));
    g_assert_no_error (error);
    g_assert_false (md_meter_control (f->bus, t, MD_METER_CONTROL_KEEP_POWER_RELEASE, NULL,
                                      &error));
    g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_REFUSED);
    g_assert_nonnull (strstr (error->message, "DC"));
  }
}

static void
test_serial_ports (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ports = md_serial_port_list (&error);
  g_autoptr(MdSerialPortInfo) info = NULL;
  g_autoptr(JsonNode) json = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < ports->len; i++)
    {
      MdSerialPortInfo *p = ports->pdata[i];

      g_assert_true (g_str_has_prefix (p->name, "/dev/"));
      g_assert_nonnull (p->transport);
    }
  info = md_serial_port_describe (f->pty->b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->transport, ==, "pseudo-terminal");
  g_assert_cmpint (info->usb_vid, ==, -1);
  json = md_serial_port_info_to_json (info);
  g_assert_false (json_object_has_member (json_node_get_object (json), "usb_vid"));

  g_assert_null (md_serial_port_describe ("/dev/null", &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_IO);
}

static void
test_settings (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(MdMeterBusSettings) s = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser,
                 "{\"name\":\"b1\",\"kind\":\"serial\",\"protocol\":\"dlt645\","
                 "\"device\":\"/dev/ttyUSB0\",\"baud\":2400,\"parity\":\"E\",\"host\":null,"
                 "\"port\":null,\"response_timeout_ms\":800,\"retries\":2}", -1, NULL));
  g_assert_true (md_meter_bus_settings_from_json (json_node_get_object (
                   json_parser_get_root (parser)), &s, &error));
  g_assert_no_error (error);
  g_assert_cmpint (s.protocol, ==, MD_METER_PROTOCOL_DLT645);
  g_assert_cmpuint (s.response_timeout_ms, ==, 800);
  g_assert_cmpuint (s.retries, ==, 2);
  /* 8E1 at 2400 baud: 11 bits, 4584 µs a character, 3.5 of them. */
  g_assert_cmpuint (md_meter_bus_settings_char_us (&s), ==, 4584);
  g_assert_cmpuint (md_meter_bus_settings_gap_us (&s), ==, 16044);
  s.baud = 38400;
  g_assert_cmpuint (md_meter_bus_settings_gap_us (&s), ==, 1750);
  s.budget_ms = 6000;
  g_assert_false (md_meter_bus_settings_validate (&s, &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID);
  g_clear_error (&error);
  md_meter_bus_settings_clear (&s);

  g_assert_true (json_parser_load_from_data (parser,
                 "{\"name\":\"g\",\"kind\":\"tcp\",\"protocol\":\"dlt645\",\"host\":\"10.0.0.2\","
                 "\"port\":502}", -1, NULL));
  g_assert_false (md_meter_bus_settings_from_json (json_node_get_object (
                    json_parser_get_root (parser)), &s, &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn, setup) \
  g_test_add ("/meterdesk/meters/bus/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("read", test_read, modbus_setup);
  ADD ("recharge", test_recharge, modbus_setup);
  ADD ("control", test_control, modbus_setup);
  ADD ("params", test_params, modbus_setup);
  ADD ("water", test_water, modbus_setup);
  ADD ("consumption", test_consumption, modbus_setup);
  ADD ("broadcast-time", test_broadcast_time, modbus_setup);
  ADD ("discover", test_discover, modbus_setup);
  ADD ("priority", test_priority, modbus_setup);
  ADD ("cancel-and-close", test_cancel_and_close, modbus_setup);
  ADD ("dlt645", test_dlt645, dlt645_setup);
  ADD ("serial-ports", test_serial_ports, modbus_setup);
#undef ADD
  g_test_add ("/meterdesk/meters/bus/dlt645-follow-up", Fixture, GUINT_TO_POINTER (6),
              dlt645_setup, test_dlt645, teardown);
  g_test_add_func ("/meterdesk/meters/bus/tcp", test_tcp);
  g_test_add_func ("/meterdesk/meters/bus/settings", test_settings);
  return g_test_run ();
}
