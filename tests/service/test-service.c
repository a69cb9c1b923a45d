/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>
#include <string.h>

#include "md-monitor.h"
#include "md-pricing.h"
#include "md-register.h"
#include "md-service.h"
#include "md-shift.h"
#include "md-sim-bus.h"
#include "md-test-util.h"
#include "md-validate.h"

/* From tests/meters/md-meter-test-util.h, whose meter-layer header cannot
 * sit beside md-monitor.h (both name a type MdMeterReading). */
typedef struct
{
  char        *dir;
  char        *a;
  char        *b;
  GSubprocess *socat;
} MdPtyPair;

MdPtyPair    *md_pty_pair_new          (void);
void          md_pty_pair_free         (MdPtyPair          *pair);

/*
 * The services against the bus simulator (in this process, Modbus TCP
 * gateway or a socat pty pair) on a real database (SQLite, and PostgreSQL
 * in the -postgresql run): the poller fills the status board, a silent
 * meter goes offline with one alert, remote sales go through the command
 * queue, alarms are raised once per crossing, arrears trip and close, the
 * outbox delivers exactly once, batches keep a result per meter.
 */

#define PW      "secret-123"
#define M1      "202601000001"   /* account A1, credit in the meter */
#define M2      "202601000002"   /* account A2, system billing */
#define M3      "202601000003"   /* no account */
#define SILENT  "202601000009"   /* on the bus, but nobody answers */
#define WAIT_MS 20000

typedef struct
{
  MdTestDb       db;
  MdSimBus      *sim;
  MdPtyPair     *pty;
  MdSession     *staff;
  MdSession     *cash;
  MdServiceHost *host;
} Fixture;

static void
setup_site (Fixture    *f,
            const char *device,
            guint       port)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tariffs",
                                                 "res-2026.ini", NULL);
  g_autofree char *tariff = NULL;
  MdBusSpec bus = { "BUS1", "modbus", device, device != NULL ? 9600 : 0, device != NULL ? 'N' : 0,
                    device == NULL ? "127.0.0.1" : NULL, port };
  const char *addresses[] = { M1, M2, M3, SILENT };
  const guint units[] = { 1, 2, 3, 9 };
  const char *m1[] = { M1, NULL };
  const char *m2[] = { M2, NULL };
  MdAccountSpec a1 = { "A1", "张三", "RES", "13800000001", NULL, NULL, NULL, m1 };
  MdAccountSpec a2 = { "A2", "李四", "RES", "13800000002", NULL, NULL, NULL, m2 };

  md_test_db_setup (&f->db);
  f->staff = md_test_add_operator (&f->db, "staff", MD_ROLE_FINANCE | MD_ROLE_UTILIZATION |
                                   MD_ROLE_METERING, PW);
  f->cash = md_test_add_operator (&f->db, "cash", MD_ROLE_CASHIER, PW);
  g_assert_true (g_file_get_contents (path, &tariff, NULL, &error));
  g_assert_true (md_tariff_store_set (f->staff, tariff, -1, NULL, &error));
  g_assert_true (md_category_add (f->staff, "RES", "居民", MD_UTILITY_ELECTRICITY, "RES-2026",
                                  &error));
  g_assert_true (md_site_add (f->staff, "S", "Site", "", &error));
  g_assert_true (md_building_add (f->staff, "S", "B1", "B1", &error));
  g_assert_true (md_floor_add (f->staff, "S", "B1", "F1", "F1", &error));
  g_assert_true (md_bus_add (f->staff, &bus, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autofree char *room = g_strdup_printf ("10%u", i + 1);
      g_autofree char *room_path = g_strdup_printf ("S/B1/F1/%s", room);
      MdMeterSpec meter = { addresses[i], "meterdesk-sim", MD_UTILITY_ELECTRICITY, "BUS1",
                            units[i], room_path };

      g_assert_true (md_room_add (f->staff, "S", "B1", "F1", room, room, 0, &error));
      g_assert_true (md_meter_add (f->staff, &meter, &error));
      g_assert_no_error (error);
    }
  a1.money_vend = TRUE;
  a2.system_billing = TRUE;
  g_assert_true (md_account_open (f->staff, &a1, &error));
  g_assert_true (md_account_open (f->staff, &a2, &error));
  g_assert_true (md_service_setting_set (f->db.admin, "poll.offline-after", "2", &error));
  g_assert_true (md_shift_open (f->cash, 50000, NULL, &error));
  g_assert_no_error (error);
}

static void
start_sim (Fixture  *f,
           gboolean  serial)
{
  g_autoptr(GError) error = NULL;
  const char *addresses[] = { M1, M2, M3 };

  f->sim = md_sim_bus_new (MD_SIM_PROTOCOL_MODBUS, 7);
  if (serial)
    {
      f->pty = md_pty_pair_new ();
      md_sim_bus_add_serial (f->sim, f->pty->a, 9600, 'N');
    }
  else
    md_sim_bus_add_gateway (f->sim, "127.0.0.1", 0);
  md_sim_bus_set_load (f->sim, 0);
  md_sim_bus_set_initial (f->sim, 10000, 6850);
  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    g_assert_true (md_sim_bus_add_meter (f->sim, 0, addresses[i], i + 1, FALSE, NULL));
  g_assert_true (md_sim_bus_start (f->sim, &error));
  g_assert_no_error (error);
}

static void
setup_tcp (Fixture       *f,
           gconstpointer  data)
{
  start_sim (f, FALSE);
  setup_site (f, NULL, md_sim_bus_get_port_number (f->sim, 0));
}

static void
setup_pty (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *device = NULL;

  start_sim (f, TRUE);
  /* A bus's device is a path under /dev/: the pty itself, not socat's link. */
  device = g_file_read_link (f->pty->b, NULL);
  g_assert_nonnull (device);
  g_assert_true (g_str_has_prefix (device, "/dev/"));
  setup_site (f, device, 0);
}

static void
start_host (Fixture *f)
{
  MdServiceOptions options = { MD_SERVICE_KIND_CLI, "T99", FALSE, 150 };
  g_autoptr(GError) error = NULL;

  f->host = md_service_host_new (f->db.uri, &options);
  g_assert_true (md_service_host_start (f->host, &error));
  g_assert_no_error (error);
  g_assert_true (md_service_host_is_hosting (f->host));
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  if (f->host != NULL)
    {
      md_service_host_stop (f->host);
      g_assert_finalize_object (f->host);
    }
  md_sim_bus_stop (f->sim);
  md_sim_bus_free (f->sim);
  g_clear_pointer (&f->pty, md_pty_pair_free);
  g_clear_object (&f->staff);
  g_clear_object (&f->cash);
  md_test_db_teardown (&f->db);
}

static gint64
query (Fixture    *f,
       const char *sql,
       const char *param)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStmt) stmt = md_store_prepare (f->db.store, sql, &error);
  gint64 value = -1;

  g_assert_no_error (error);
  if (param != NULL)
    md_stmt_bind_text (stmt, 1, param);
  if (md_stmt_step (stmt, &error))
    {
      value = md_stmt_is_null (stmt, 0) ? -1 : md_stmt_get_int64 (stmt, 0);
      md_stmt_exec (stmt, NULL);
    }
  g_assert_no_error (error);
  return value;
}

static gint64
alerts (Fixture    *f,
        const char *kind)
{
  return query (f, "SELECT count(*) FROM alert WHERE kind = $1", kind);
}

static gint64
alerts_of (Fixture    *f,
           const char *object)
{
  return query (f, "SELECT count(*) FROM alert WHERE object = $1", object);
}

static guint64
sweeps (Fixture *f)
{
  MdServiceStats s;

  md_service_host_get_stats (f->host, &s);
  return s.sweeps;
}

/* Lets the host sweep every bus @n more times. */
static void
wait_sweeps (Fixture *f,
             guint    n)
{
  guint64 until = sweeps (f) + n;
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (sweeps (f) < until)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
}

/* Waits until @sql (one integer) gives @expected. */
static void
wait_for (Fixture    *f,
          const char *sql,
          const char *param,
          gint64      expected)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  gint64 value;

  while ((value = query (f, sql, param)) != expected)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%s [%s]: %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT, sql,
                 param != NULL ? param : "", value, expected);
      g_usleep (20000);
    }
}

static MdSimMeterState
sim_meter (Fixture    *f,
           const char *address)
{
  MdSimMeterState s;

  g_assert_true (md_sim_bus_get_meter (f->sim, address, &s));
  return s;
}

static const MdBoardRow *
board_row (GPtrArray  *rows,
           const char *address)
{
  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (((MdBoardRow *) rows->pdata[i])->address, address))
      return rows->pdata[i];
  g_assert_not_reached ();
  return NULL;
}

#define STATE_SQL(col) \
  "SELECT ms." col " FROM meter_state ms JOIN meter m ON m.id = ms.meter_id WHERE m.address = $1"

/* The board shows what the simulator's meters say; the silent meter goes
 * offline after two misses, with one alert however long it stays so. */
static void
test_poller (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  const MdBoardRow *row;

  md_sim_bus_set_meter_credit (f->sim, M1, 12345, 0);
  start_host (f);
  wait_for (f, STATE_SQL ("online"), M1, 1);
  wait_for (f, STATE_SQL ("misses"), SILENT, 2);
  wait_sweeps (f, 3);

  rows = md_board_rows (f->staff, &error);
  g_assert_no_error (error);
  row = board_row (rows, M1);
  g_assert_true (row->online);
  g_assert_cmpint (row->credit, ==, sim_meter (f, M1).credit_fen);
  g_assert_cmpint (row->credit, ==, 12345);
  g_assert_cmpstr (row->relay, ==, "closed");
  g_assert_true (board_row (rows, M3)->online);
  g_assert_false (board_row (rows, SILENT)->online);
  g_assert_cmpuint (board_row (rows, SILENT)->misses, >=, 4);

  g_assert_cmpint (alerts (f, "offline"), ==, 1);
  g_assert_cmpint (query (f, "SELECT count(*) FROM alert WHERE object = $1", "meter:" SILENT), ==,
                   1);
  g_assert_cmpint (query (f, "SELECT count(*) FROM meter_reading r JOIN meter m "
                             "ON m.id = r.meter_id WHERE m.address = $1", M1), >=, 3);
}

static gint64
sale_count (Fixture    *f,
            const char *idem)
{
  return query (f, "SELECT count(*) FROM sale WHERE idem = $1", idem);
}

/* A remote sale through the command queue ends posted exactly once; with
 * no host, the same medium sells on the bus directly. */
static void
test_remote_sale (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(MdMedium) medium = md_service_remote_medium_new (f->db.store);
  g_autoptr(GError) error = NULL;
  g_auto(MdSaleResult) r = { 0 };
  MdSaleRequest req = { "remote-1", "A1", 5000, 0, MD_PAY_CASH };
  gint64 credit;

  start_host (f);
  g_assert_true (md_service_hosted (f->db.store, NULL, &error));
  credit = sim_meter (f, M1).credit_fen;
  g_assert_true (md_vend_sell (f->cash, &req, medium, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.state, ==, "posted");
  g_assert_cmpint (r.purchase_count, ==, 1);
  g_assert_nonnull (r.receipt);
  g_assert_cmpuint (sim_meter (f, M1).purchase_count, ==, 1);
  g_assert_cmpuint (sim_meter (f, M1).recharges_accepted, ==, 1);
  g_assert_cmpint (sim_meter (f, M1).credit_fen, ==, credit + r.credit);
  g_assert_cmpint (sale_count (f, "remote-1"), ==, 1);
  /* The recharge command and the read before it, both done. */
  g_assert_cmpint (query (f, "SELECT count(*) FROM meter_command WHERE op = $1 AND state = 'done'",
                          "recharge"), ==, 1);

  /* The same key again: the same sale, nothing sent. */
  md_sale_result_clear (&r);
  g_assert_true (md_vend_sell (f->cash, &req, medium, &r, NULL, &error));
  g_assert_true (r.replayed);
  g_assert_cmpstr (r.state, ==, "posted");
  g_assert_cmpuint (sim_meter (f, M1).recharges_accepted, ==, 1);

  /* Nobody hosts: directly on the bus. */
  md_service_host_stop (f->host);
  g_clear_object (&f->host);
  g_assert_false (md_service_hosted (f->db.store, NULL, &error));
  {
    g_autoptr(MdMedium) direct = md_service_remote_medium_new (f->db.store);
    MdSaleRequest again = { "remote-2", "A1", 3000, 0, MD_PAY_CASH };

    md_sale_result_clear (&r);
    g_assert_true (md_vend_sell (f->cash, &again, direct, &r, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (r.state, ==, "posted");
    g_assert_cmpint (r.purchase_count, ==, 2);
    g_assert_cmpuint (sim_meter (f, M1).recharges_accepted, ==, 2);
    g_assert_cmpint (query (f, "SELECT count(*) FROM meter_command WHERE op = $1", "recharge"),
                     ==, 1);
  }
}

/* Low balance: one alert per level crossed, not one per poll; after a
 * recharge the next crossing raises again. */
static void
test_low_balance (Fixture       *f,
                  gconstpointer  data)
{
  start_host (f);
  wait_for (f, STATE_SQL ("online"), M1, 1);
  g_assert_cmpint (alerts_of (f, "account:A1"), ==, 0);

  md_sim_bus_set_meter_credit (f->sim, M1, 4000, 0);    /* ≤ ¥50: level 1 */
  wait_for (f, "SELECT count(*) FROM alert WHERE object = $1", "account:A1", 1);
  wait_sweeps (f, 3);
  g_assert_cmpint (alerts_of (f, "account:A1"), ==, 1);

  md_sim_bus_set_meter_credit (f->sim, M1, 1500, 0);    /* ≤ ¥20: level 2 */
  wait_for (f, "SELECT count(*) FROM alert WHERE object = $1", "account:A1", 2);
  wait_sweeps (f, 3);
  g_assert_cmpint (alerts_of (f, "account:A1"), ==, 2);

  md_sim_bus_set_meter_credit (f->sim, M1, 8000, 1);    /* recharged */
  wait_for (f, "SELECT level FROM alarm_state WHERE object = $1", "account:A1", 0);
  wait_sweeps (f, 2);
  g_assert_cmpint (alerts_of (f, "account:A1"), ==, 2);

  md_sim_bus_set_meter_credit (f->sim, M1, 4500, 1);    /* level 1 again */
  wait_for (f, "SELECT count(*) FROM alert WHERE object = $1", "account:A1", 3);
  wait_sweeps (f, 2);
  g_assert_cmpint (alerts_of (f, "account:A1"), ==, 3);
  /* Every alert also went to the outbox (channel log by default). */
  g_assert_cmpint (query (f, "SELECT count(*) FROM notification WHERE object = $1", "account:A1"),
                   ==, 3);
}

/* System billing: no credit → tripped (one alert); a sale to the account
 * → closed again. */
static void
test_arrears (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(MdMedium) account = md_account_medium_new ();
  g_autoptr(GError) error = NULL;
  g_auto(MdSaleResult) r = { 0 };
  MdSaleRequest req = { "account-1", "A2", 3000, 0, MD_PAY_CASH };
  gint64 deadline;

  start_host (f);
  wait_for (f, STATE_SQL ("relay = 'tripped'"), M2, 1);
  g_assert_true (sim_meter (f, M2).supply_off);
  g_assert_false (sim_meter (f, M1).supply_off);
  wait_sweeps (f, 3);
  g_assert_cmpint (alerts (f, "arrears"), ==, 1);
  g_assert_cmpint (query (f, "SELECT count(*) FROM meter_command WHERE op = $1", "trip"), ==, 1);

  g_assert_true (md_vend_sell (f->cash, &req, account, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.state, ==, "posted");
  wait_for (f, STATE_SQL ("relay = 'closed'"), M2, 1);
  deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  while (sim_meter (f, M2).supply_off && g_get_monotonic_time () < deadline)
    g_usleep (20000);
  g_assert_false (sim_meter (f, M2).supply_off);
  g_assert_cmpint (query (f, "SELECT count(*) FROM meter_command WHERE op = $1", "close"), ==, 1);
  wait_sweeps (f, 2);
  g_assert_cmpint (alerts (f, "arrears"), ==, 1);
}

/* The command channel runs the site's program with the alert in its
 * arguments and the message on standard input: the first run fails and is
 * retried, every notification is delivered exactly once. A program that
 * never reads its input is fine too. */
static void
test_outbox (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("md-outbox-XXXXXX", &error);
  g_autofree char *script = g_build_filename (dir, "notify.sh", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *failed = g_build_filename (dir, "failed", NULL);
  g_autofree char *text = g_strdup_printf ("#!/bin/sh\n"
                                           "if [ ! -e '%s' ]; then touch '%s'; exit 3; fi\n"
                                           "echo \"$1 $2 $3 $4|$(cat)\" >> '%s'\n",
                                           failed, failed, out);
  g_autofree char *lines = NULL;
  g_autofree char *offline = NULL;
  g_autofree char *offline_id = NULL;
  gint64 sent;

  g_assert_true (g_file_set_contents (script, text, -1, &error));
  g_assert_cmpint (g_chmod (script, 0700), ==, 0);
  g_assert_true (md_service_setting_set (f->db.admin, "notify.channels", "log,command", &error));
  g_assert_true (md_service_setting_set (f->db.admin, "notify.command", script, &error));
  g_assert_true (md_service_setting_set (f->db.admin, "notify.retry-seconds", "0", &error));
  g_assert_true (md_service_setting_set (f->db.admin, "notify.staff", "13900000000", &error));
  g_assert_no_error (error);

  start_host (f);
  /* A2 (no credit, system billing) raises low-balance and arrears; the
   * silent meter goes offline: three alerts, each on both channels. */
  wait_for (f, "SELECT count(*) FROM notification WHERE channel = $1 AND state = 'sent'",
            "command", 3);
  wait_sweeps (f, 3);
  g_usleep (1200 * 1000);

  g_assert_cmpint (query (f, "SELECT count(*) FROM alert WHERE kind <> $1", "-"), ==, 3);
  g_assert_cmpint (query (f, "SELECT count(*) FROM notification WHERE channel = $1 "
                             "AND state = 'sent'", "log"), ==, 3);
  sent = query (f, "SELECT count(*) FROM notification WHERE channel = $1 AND state = 'sent'",
                "command");
  g_assert_cmpint (sent, ==, 3);
  /* One failed attempt in all, retried. */
  g_assert_cmpint (query (f, "SELECT sum(attempts) FROM notification WHERE channel = $1",
                          "command"), ==, sent + 1);
  g_assert_true (g_file_test (failed, G_FILE_TEST_EXISTS));

  g_assert_true (g_file_get_contents (out, &lines, NULL, &error));
  {
    g_auto(GStrv) split = g_strsplit (lines, "\n", -1);

    g_assert_cmpuint (g_strv_length (split), ==, sent + 1);   /* exactly once each */
  }
  offline_id = g_strdup_printf ("%" G_GINT64_FORMAT,
                                query (f, "SELECT id FROM notification WHERE channel = 'command' "
                                          "AND kind = $1", "offline"));
  offline = g_strdup_printf ("%s offline meter:" SILENT " 13900000000|Meter " SILENT
                             " stopped answering", offline_id);
  g_assert_nonnull (strstr (lines, offline));
  g_assert_nonnull (strstr (lines, " arrears meter:" M2 " 13800000002|"));

  /* A program that ignores its input and exits at once, leaving a child
   * in the background that holds its output and error open: delivered
   * when the program exits, not when the child does, nor counted failed
   * at the timeout. */
  {
    g_autofree char *pid_file = g_build_filename (dir, "child.pid", NULL);
    g_autofree char *body = g_strdup_printf ("#!/bin/sh\nsleep 300 &\necho $! > '%s'\n"
                                             "echo started; echo started >&2\nexit 0\n",
                                             pid_file);
    g_autofree char *pid = NULL;

    g_assert_true (g_file_set_contents_full (script, body, -1, G_FILE_SET_CONTENTS_NONE, 0700,
                                            &error));
    g_assert_true (md_service_setting_set (f->db.admin, "notify.command-timeout", "2", &error));
    g_assert_no_error (error);
    md_sim_bus_set_meter_credit (f->sim, M1, 1000, 0);    /* ≤ ¥20: a new alert */
    wait_for (f, "SELECT count(*) FROM notification WHERE channel = $1 AND object = 'account:A1' "
                 "AND state = 'sent'", "command", 1);
    g_assert_cmpint (query (f, "SELECT attempts FROM notification WHERE channel = $1 "
                               "AND object = 'account:A1'", "command"), ==, 1);
    g_assert_true (g_file_get_contents (pid_file, &pid, NULL, &error));
    kill ((pid_t) g_ascii_strtoll (pid, NULL, 10), SIGTERM);
    g_unlink (pid_file);
  }

  g_unlink (out);
  g_unlink (failed);
  g_unlink (script);
  g_rmdir (dir);
}

/* A batch: one result per meter, failures included; CSV export; a batch
 * for later waits, and is cancelled. */
static void
test_batch (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) later = NULL;
  g_autoptr(JsonNode) shown = NULL;
  g_autoptr(JsonObject) params = json_object_new ();
  g_autofree char *dir = g_dir_make_tmp ("md-batch-XXXXXX", &error);
  g_autofree char *csv = g_build_filename (dir, "read.csv", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  const char *all[] = { M1, M2, M3, SILENT, NULL };
  const char *two[] = { M1, M3, NULL };
  gint64 id, later_id;

  start_host (f);
  created = md_service_batch_create (f->staff, "read", NULL, all, 0, "read all", &error);
  g_assert_no_error (error);
  id = json_object_get_int_member (json_node_get_object (created), "batch");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (created), "meters"), ==, 4);

  json_object_set_int_member (params, "alarm_1", 6000);
  later = md_service_batch_create (f->staff, "set-params", params, two,
                                   g_get_real_time () + (gint64) 3600 * G_USEC_PER_SEC, NULL, &error);
  g_assert_no_error (error);
  later_id = json_object_get_int_member (json_node_get_object (later), "batch");

  wait_for (f, "SELECT count(*) FROM meter_command WHERE batch_id = CAST($1 AS BIGINT) "
               "AND state IN ('queued', 'running')", "1", 0);
  shown = md_service_batch_show (f->staff, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (shown), "state"), ==,
                   "finished");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (shown), "done"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (shown), "failed"), ==, 1);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (
                     json_node_get_object (shown), "items")), ==, 4);

  g_assert_true (md_service_batch_export_csv (f->staff, id, csv, &error));
  g_assert_true (g_file_get_contents (csv, &text, NULL, &error));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 6);     /* header, 4 meters, "" */
  g_assert_true (g_str_has_prefix (lines[1], "\"" M1 "\",\"done\",\"ok\","));
  g_assert_true (strstr (lines[1], "\"100.00\"") != NULL);
  g_assert_true (g_str_has_prefix (lines[4], "\"" SILENT "\",\"failed\","));

  /* The scheduled one has not run; cancelled, it never will. */
  g_clear_pointer (&shown, json_node_unref);
  shown = md_service_batch_show (f->staff, later_id, &error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (shown), "state"), ==,
                   "scheduled");
  g_assert_cmpint (sim_meter (f, M1).alarm_1, !=, 6000);
  g_assert_true (md_service_batch_cancel (f->staff, later_id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query (f, "SELECT count(*) FROM meter_command WHERE state = $1", "cancelled"),
                   ==, 2);

  /* Bad input: refused, nothing queued. */
  g_assert_null (md_service_batch_create (f->staff, "melt", NULL, all, 0, NULL, &error));
  g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_null (md_service_batch_create (f->cash, "trip", NULL, all, 0, NULL, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);

  g_unlink (csv);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, set, fn) \
  g_test_add ("/meterdesk/service/" path, Fixture, NULL, set, fn, teardown)
  ADD ("poller-tcp", setup_tcp, test_poller);
  ADD ("poller-pty", setup_pty, test_poller);
  ADD ("remote-sale", setup_tcp, test_remote_sale);
  ADD ("low-balance", setup_tcp, test_low_balance);
  ADD ("arrears", setup_tcp, test_arrears);
  ADD ("outbox", setup_tcp, test_outbox);
  ADD ("batch", setup_tcp, test_batch);
#undef ADD

  return g_test_run ();
}
