/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include "md-ledger.h"
#include "md-meter-test-util.h"
#include "md-register.h"
#include "md-remote-medium.h"
#include "md-shift.h"
#include "md-sim-bus.h"
#include "md-test-util.h"
#include "md-pricing.h"
#include "md-vend.h"

/*
 * The remote medium: prepare, deliver and inspect against the simulator,
 * then whole sales through the core's vend state machine (a SQLite
 * database), including a sale whose answer is lost and recovered from the
 * meter.
 */

#define METER "000000000001"
#define PW "correct-horse"

typedef struct
{
  MdPtyPair     *pty;
  MdSimBus      *sim;
  MdMeterBus    *bus;
  MdMeterTarget *target;
  MdMedium      *medium;
} Fixture;

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->pty = md_pty_pair_new ();
  f->sim = md_sim_bus_new (MD_SIM_PROTOCOL_MODBUS, 11);
  md_sim_bus_add_serial (f->sim, f->pty->a, 9600, 'N');
  md_sim_bus_set_load (f->sim, 0);
  g_assert_true (md_sim_bus_add_meter (f->sim, 0, METER, 1, FALSE, NULL));
  g_assert_true (md_sim_bus_add_meter (f->sim, 0, "000000000002", 2, FALSE, NULL));
  g_assert_true (md_sim_bus_start (f->sim, &error));
  f->bus = md_test_serial_bus (MD_METER_PROTOCOL_MODBUS, f->pty->b, 150);
  f->target = md_test_target ("meterdesk-sim", METER, 1);
  f->medium = md_remote_medium_new (f->bus, f->target);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_assert_finalize_object (f->medium);
  md_meter_target_unref (f->target);
  g_assert_finalize_object (f->bus);
  md_sim_bus_free (f->sim);
  md_pty_pair_free (f->pty);
}

static MdSimMeterState
meter (Fixture *f)
{
  MdSimMeterState s;

  g_assert_true (md_sim_bus_get_meter (f->sim, METER, &s));
  return s;
}

static void
plan_init (MdVendPlan *plan,
           MdMoney     credit)
{
  memset (plan, 0, sizeof *plan);
  plan->idem = g_strdup ("k1");
  plan->account_no = g_strdup ("300001");
  plan->credit = credit;
  plan->money_kind = TRUE;
}

static gboolean
refuse_low_credit (const MdMeterReading  *reading,
                   const MdVendPlan      *plan,
                   gpointer               user_data,
                   GError               **error)
{
  gint64 credit;

  if (md_meter_reading_get (reading, MD_METER_POINT_CREDIT, &credit) &&
      credit != GPOINTER_TO_INT (user_data))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "credit %" G_GINT64_FORMAT,
                   credit);
      return FALSE;
    }
  return TRUE;
}

static void
test_medium (Fixture       *f,
             gconstpointer  data)
{
  g_auto(MdVendPlan) plan = { 0 };
  g_autoptr(GError) error = NULL;
  MdMeterReading r;

  g_assert_cmpstr (md_medium_get_kind (f->medium), ==, "remote");
  plan_init (&plan, 3000);

  /* The database's view is compared in prepare: a wrong count refuses. */
  md_remote_medium_set_expected_count (MD_REMOTE_MEDIUM (f->medium), 4);
  g_assert_false (md_medium_prepare (f->medium, &plan, NULL, &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_CONFLICT);
  g_clear_error (&error);
  md_remote_medium_set_expected_count (MD_REMOTE_MEDIUM (f->medium), 0);
  md_remote_medium_set_check_func (MD_REMOTE_MEDIUM (f->medium), refuse_low_credit,
                                   GINT_TO_POINTER (99), NULL);
  g_assert_false (md_medium_prepare (f->medium, &plan, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  md_remote_medium_set_check_func (MD_REMOTE_MEDIUM (f->medium), refuse_low_credit,
                                   GINT_TO_POINTER (10000), NULL);

  g_assert_true (md_medium_prepare (f->medium, &plan, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (plan.target, ==, METER);
  g_assert_cmpint (plan.purchase_count, ==, 1);
  g_assert_cmpint (json_object_get_int_member (plan.payload, "count_before"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (plan.payload, "credit_before"), ==, 10000);
  g_assert_true (md_remote_medium_get_last_reading (MD_REMOTE_MEDIUM (f->medium), &r));

  g_assert_cmpint (md_medium_inspect (f->medium, &plan, NULL, &error), ==,
                   MD_DELIVERY_NOT_DELIVERED);
  g_assert_cmpint (md_medium_deliver (f->medium, &plan, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_no_error (error);
  g_assert_cmpint (meter (f).credit_fen, ==, 13000);

  /* Delivering the same plan again is a no-op; inspect says delivered. */
  g_assert_cmpint (md_medium_deliver (f->medium, &plan, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_cmpuint (meter (f).recharge_writes, ==, 1);
  g_assert_cmpint (md_medium_inspect (f->medium, &plan, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);

  /* A plan of another meter, or of another kind, is not ours. */
  g_free (plan.target);
  plan.target = g_strdup ("000000000002");
  g_assert_cmpint (md_medium_deliver (f->medium, &plan, NULL, &error), ==,
                   MD_DELIVERY_CONFLICT);
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_CONFLICT);
  g_clear_error (&error);
  g_free (plan.target);
  plan.target = g_strdup (METER);
  plan.money_kind = FALSE;
  plan.energy = 1000;
  plan.purchase_count = 2;
  g_assert_cmpint (md_medium_deliver (f->medium, &plan, NULL, &error), ==,
                   MD_DELIVERY_NOT_DELIVERED);
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID);
  g_clear_error (&error);

  /* Someone else's purchase in between: inspect sees a jump. */
  md_sim_bus_set_meter_credit (f->sim, METER, 13000, 5);
  plan.money_kind = TRUE;
  g_assert_cmpint (md_medium_inspect (f->medium, &plan, NULL, &error), ==,
                   MD_DELIVERY_CONFLICT);
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_CONFLICT);
}

/* The answer to the write is lost: the read-back decides, no second
 * write. Then a meter that falls silent as it is written: unknown, never
 * a second write; the meter, read later, settles it. */
static void
test_lost_answer (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(MdVendPlan) plan = { 0 };
  g_autoptr(GError) error = NULL;

  plan_init (&plan, 2500);
  g_assert_true (md_medium_prepare (f->medium, &plan, NULL, &error));
  md_sim_bus_set_fault (f->sim, MD_SIM_FAULT_MUTE, 1.0);
  md_sim_bus_set_fault_scope (f->sim, MD_SIM_FAULT_SCOPE_WRITES);
  g_assert_cmpint (md_medium_deliver (f->medium, &plan, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_no_error (error);
  g_assert_cmpuint (meter (f).recharge_writes, ==, 1);
  g_assert_cmpint (meter (f).credit_fen, ==, 12500);

  md_sim_bus_set_fault_scope (f->sim, MD_SIM_FAULT_SCOPE_FROM_WRITE);
  plan_init (&plan, 1000);
  g_assert_true (md_medium_prepare (f->medium, &plan, NULL, &error));
  g_assert_cmpint (plan.purchase_count, ==, 2);
  g_assert_cmpint (md_medium_deliver (f->medium, &plan, NULL, &error), ==, MD_DELIVERY_UNKNOWN);
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_TIMEOUT);
  g_clear_error (&error);
  g_assert_cmpint (md_medium_inspect (f->medium, &plan, NULL, &error), ==, MD_DELIVERY_UNKNOWN);
  g_clear_error (&error);
  g_assert_cmpuint (meter (f).recharge_writes, ==, 2);

  md_sim_bus_clear_faults (f->sim);
  g_assert_cmpint (md_medium_inspect (f->medium, &plan, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_cmpint (md_medium_deliver (f->medium, &plan, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_cmpuint (meter (f).recharge_writes, ==, 2);
  g_assert_cmpuint (meter (f).recharges_accepted, ==, 2);
  g_assert_cmpuint (meter (f).blind_rewrites, ==, 0);
  g_assert_cmpint (meter (f).credit_fen, ==, 13500);
}

/* The request never reaches the meter: provably not delivered, so the
 * sale may deliver the same payload again. */
static void
test_dropped (Fixture       *f,
              gconstpointer  data)
{
  g_auto(MdVendPlan) plan = { 0 };
  g_autoptr(GError) error = NULL;

  plan_init (&plan, 700);
  g_assert_true (md_medium_prepare (f->medium, &plan, NULL, &error));
  md_sim_bus_set_fault (f->sim, MD_SIM_FAULT_DROP, 1.0);
  md_sim_bus_set_fault_scope (f->sim, MD_SIM_FAULT_SCOPE_FROM_WRITE);
  g_assert_cmpint (md_medium_deliver (f->medium, &plan, NULL, &error), ==, MD_DELIVERY_UNKNOWN);
  g_clear_error (&error);
  md_sim_bus_clear_faults (f->sim);
  g_assert_cmpint (md_medium_inspect (f->medium, &plan, NULL, &error), ==,
                   MD_DELIVERY_NOT_DELIVERED);
  g_assert_cmpint (md_medium_deliver (f->medium, &plan, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_cmpuint (meter (f).recharges_accepted, ==, 1);
  g_assert_cmpint (meter (f).credit_fen, ==, 10700);
}

static MdMedium *
lookup_remote (const char *kind,
               gpointer    user_data)
{
  return g_str_equal (kind, "remote") ? g_object_ref (user_data) : NULL;
}

/* Whole sales through md_vend_sell(): posted only once the meter counts
 * them; a lost answer leaves the sale pending until the meter is read. */
static void
test_vend (Fixture       *f,
           gconstpointer  data)
{
  MdTestDb db;
  g_autoptr(MdSession) cash = NULL;
  g_autoptr(MdSession) staff = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tariffs", "res-2026.ini",
                                                 NULL);
  g_autofree char *tariff = NULL;
  g_auto(MdSaleResult) r = { 0 };
  g_autoptr(JsonNode) summary = NULL;
  MdAccountSpec spec = { "300001", "张三", "RES" };
  MdSaleRequest req = { "sale-1", "300001", 5000, 0, MD_PAY_CASH };
  MdMoney first;

  md_test_db_setup (&db);
  cash = md_test_add_operator (&db, "cash", MD_ROLE_CASHIER, PW);
  staff = md_test_add_operator (&db, "staff",
                                MD_ROLE_FINANCE | MD_ROLE_UTILIZATION | MD_ROLE_METERING, PW);
  g_assert_true (g_file_get_contents (path, &tariff, NULL, &error));
  g_assert_true (md_tariff_store_set (staff, tariff, -1, NULL, &error));
  g_assert_true (md_category_add (staff, "RES", "居民", MD_UTILITY_ELECTRICITY, "RES-2026",
                                  &error));
  spec.money_vend = TRUE;
  g_assert_true (md_account_open (staff, &spec, &error));
  g_assert_true (md_shift_open (cash, 50000, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (md_vend_sell (cash, &req, f->medium, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.state, ==, "posted");
  g_assert_cmpint (r.purchase_count, ==, 1);
  first = r.credit;
  g_assert_cmpint (meter (f).credit_fen, ==, 10000 + first);
  g_assert_cmpuint (meter (f).purchase_count, ==, 1);

  /* The answer is lost: pending, and no second write. */
  req.idem = "sale-2";
  md_sim_bus_set_fault (f->sim, MD_SIM_FAULT_MUTE, 1.0);
  md_sim_bus_set_fault_scope (f->sim, MD_SIM_FAULT_SCOPE_FROM_WRITE);
  md_sale_result_clear (&r);
  md_vend_sell (cash, &req, f->medium, &r, NULL, &error);
  g_clear_error (&error);
  g_assert_cmpstr (r.state, ==, "pending");
  g_assert_nonnull (r.next_action);
  g_assert_cmpuint (meter (f).recharge_writes, ==, 2);

  /* Recovery reads the meter: count 2, so posted. */
  md_sim_bus_clear_faults (f->sim);
  g_assert_true (md_vend_recover (cash, lookup_remote, f->medium, &summary, &error));
  g_assert_no_error (error);
  md_sale_result_clear (&r);
  req.idem = "sale-2";
  g_assert_true (md_vend_sell (cash, &req, f->medium, &r, NULL, &error));
  g_assert_true (r.replayed);
  g_assert_cmpstr (r.state, ==, "posted");
  g_assert_cmpuint (meter (f).purchase_count, ==, 2);
  g_assert_cmpuint (meter (f).recharge_writes, ==, 2);
  g_assert_cmpuint (meter (f).recharges_accepted, ==, 2);
  g_assert_cmpint (meter (f).credit_fen, ==, 10000 + first + r.credit);

  g_clear_object (&cash);
  g_clear_object (&staff);
  md_test_db_teardown (&db);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) \
  g_test_add ("/meterdesk/meters/remote-medium/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("medium", test_medium);
  ADD ("lost-answer", test_lost_answer);
  ADD ("dropped", test_dropped);
  ADD ("vend", test_vend);
#undef ADD
  return g_test_run ();
}
