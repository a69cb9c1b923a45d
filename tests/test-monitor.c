/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include "md-ledger.h"
#include "md-monitor.h"
#include "md-pricing.h"
#include "md-register.h"
#include "md-shift.h"
#include "md-test-util.h"
#include "md-vend.h"

#define PW "correct-horse"
#define HOUR ((gint64) 3600 * G_USEC_PER_SEC)
#define MINUTE ((gint64) 60 * G_USEC_PER_SEC)
/* 2026-03-10 10:00 in Shanghai (UTC+8, no summer time) */
#define T0 (G_GINT64_CONSTANT (1773108000) * G_USEC_PER_SEC)

typedef struct
{
  MdTestDb   db;
  MdSession *staff;
  MdSession *cash;
} Fixture;

static void
add_shop (Fixture    *f,
          gint64      unit,
          const char *room,
          const char *address,
          const char *account_no,
          gboolean    system_billing)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup_printf ("MALL/B1/F1/%s", room);
  const char *meters[] = { address, NULL };
  MdMeterSpec meter = { address, "ADF400L", MD_UTILITY_ELECTRICITY, "BUS1", unit, path };
  MdAccountSpec account = { account_no, "商户", "COM", NULL, NULL, NULL, path, meters, 0, NULL,
                            system_billing };

  md_room_add (f->staff, "MALL", "B1", "F1", room, room, 0, &error);
  g_assert_no_error (error);
  md_meter_add (f->staff, &meter, &error);
  g_assert_no_error (error);
  md_account_open (f->staff, &account, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tariffs", "res-2026.ini",
                                                 NULL);
  g_autofree char *tariff = NULL;
  MdBusSpec bus = { "BUS1", "modbus", "/dev/ttyUSB0" };

  md_test_db_setup (&f->db);
  md_test_clock_install (T0);
  g_assert_true (md_store_exec (f->db.store,
                                "UPDATE setting SET value = 'Asia/Shanghai' WHERE key = 'timezone'",
                                &error));
  f->staff = md_test_add_operator (&f->db, "staff", MD_ROLE_FINANCE | MD_ROLE_UTILIZATION |
                                   MD_ROLE_METERING, PW);
  f->cash = md_test_add_operator (&f->db, "cash", MD_ROLE_CASHIER, PW);
  g_assert_true (g_file_get_contents (path, &tariff, NULL, &error));
  g_assert_true (md_tariff_store_set (f->staff, tariff, -1, NULL, &error));
  g_assert_true (md_category_add (f->staff, "COM", "商业", MD_UTILITY_ELECTRICITY, "RES-2026",
                                  &error));
  g_assert_true (md_site_add (f->staff, "MALL", "商场", NULL, &error));
  g_assert_true (md_building_add (f->staff, "MALL", "B1", "一号楼", &error));
  g_assert_true (md_floor_add (f->staff, "MALL", "B1", "F1", "一层", &error));
  g_assert_true (md_bus_add (f->staff, &bus, &error));
  g_assert_no_error (error);
  add_shop (f, 1, "101", "202601000001", "100001", FALSE);
  add_shop (f, 2, "102", "202601000002", "100002", TRUE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->staff);
  g_clear_object (&f->cash);
  md_test_clock_uninstall ();
  md_test_db_teardown (&f->db);
}

static MdBoardRow *
board_row (GPtrArray  *rows,
           const char *address)
{
  for (guint i = 0; i < rows->len; i++)
    {
      MdBoardRow *row = rows->pdata[i];

      if (g_strcmp0 (row->address, address) == 0)
        return row;
    }
  g_assert_not_reached ();
}

static GPtrArray *
board (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = md_board_rows (f->cash, &error);

  g_assert_no_error (error);
  g_assert_nonnull (rows);
  return rows;
}

static gint64
count_rows (Fixture    *f,
            const char *sql)
{
  return md_test_query_int (f->db.store, sql);
}

/* Never read: on the board, offline and unknown; a reading brings it online
 * with what it said, and unread values keep the last known. */
static void
test_record (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = board (f);
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GPtrArray) later = NULL;
  MdBoardRow *row = board_row (before, "202601000001");
  MdMeterReading first = { "202601000001", T0, 1000000, 12345, 2200, "closed", 0 };
  MdMeterReading partial = { "202601000001", T0 + HOUR, MD_VALUE_UNKNOWN, MD_VALUE_UNKNOWN,
                             MD_VALUE_UNKNOWN, NULL, -1 };
  MdMeterReading unknown[] = {
    { "202601000002", T0, 5000, MD_VALUE_UNKNOWN, MD_VALUE_UNKNOWN, NULL, -1 },
    { "999999999999", T0, 5000, MD_VALUE_UNKNOWN, MD_VALUE_UNKNOWN, NULL, -1 },
  };

  g_assert_cmpuint (before->len, ==, 2);
  g_assert_false (row->known);
  g_assert_false (row->online);
  g_assert_cmpint (row->credit, ==, MD_VALUE_UNKNOWN);
  g_assert_cmpint (row->today, ==, MD_VALUE_UNKNOWN);
  g_assert_cmpstr (row->room, ==, "101");
  g_assert_cmpstr (row->bus, ==, "BUS1");

  g_assert_true (md_meter_readings_record (f->db.store, &first, 1, &error));
  g_assert_no_error (error);
  after = board (f);
  row = board_row (after, "202601000001");
  g_assert_true (row->online);
  g_assert_cmpint (row->credit, ==, 12345);
  g_assert_cmpstr (row->relay, ==, "closed");
  g_assert_cmpint (row->power, ==, 2200);
  g_assert_cmpint (row->today, ==, 0);
  g_assert_cmpint (row->read_at, ==, T0);

  g_assert_true (md_meter_readings_record (f->db.store, &partial, 1, &error));
  later = board (f);
  row = board_row (later, "202601000001");
  g_assert_cmpint (row->credit, ==, 12345);
  g_assert_cmpstr (row->relay, ==, "closed");
  g_assert_cmpint (row->read_at, ==, T0 + HOUR);
  /* Only readings of the register are kept as history. */
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM meter_reading"), ==, 1);

  /* An unknown meter in a batch: the whole batch is refused, nothing kept. */
  g_assert_false (md_meter_readings_record (f->db.store, unknown, 2, &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND);
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM meter_state"), ==, 1);
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM meter_reading"), ==, 1);
}

/* Today's use runs from the last reading before the site's midnight. */
static void
test_today (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  /* 23:30 and 23:50 on the 10th, 00:10 and 09:00 on the 11th, Shanghai */
  MdMeterReading readings[] = {
    { "202601000001", T0 + 13 * HOUR + 30 * MINUTE, 1000000, MD_VALUE_UNKNOWN,
      MD_VALUE_UNKNOWN, NULL, -1 },
    { "202601000001", T0 + 13 * HOUR + 50 * MINUTE, 1000500, MD_VALUE_UNKNOWN,
      MD_VALUE_UNKNOWN, NULL, -1 },
    { "202601000001", T0 + 14 * HOUR + 10 * MINUTE, 1000800, MD_VALUE_UNKNOWN,
      MD_VALUE_UNKNOWN, NULL, -1 },
    { "202601000001", T0 + 23 * HOUR, 1004000, MD_VALUE_UNKNOWN, MD_VALUE_UNKNOWN, NULL, -1 },
  };
  g_autoptr(GPtrArray) rows = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (readings); i++)
    g_assert_true (md_meter_readings_record (f->db.store, &readings[i], 1, &error));
  g_assert_no_error (error);

  md_test_clock_advance (23 * HOUR);
  rows = board (f);
  g_assert_cmpint (board_row (rows, "202601000001")->today, ==, 1004000 - 1000500);

  /* The next day with no reading yet: today's use is not known. */
  md_test_clock_advance (24 * HOUR);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = board (f);
  g_assert_cmpint (board_row (rows, "202601000001")->today, ==, MD_VALUE_UNKNOWN);
}

/* Misses: offline after the set number in a row, reported once; an answer
 * brings it back and clears the count. */
static void
test_miss (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  MdMeterReading reading = { "202601000001", T0, 1000, MD_VALUE_UNKNOWN, MD_VALUE_UNKNOWN, NULL, -1 };
  gboolean went = TRUE;
  g_autoptr(GPtrArray) rows = NULL;

  g_assert_true (md_meter_readings_record (f->db.store, &reading, 1, &error));
  for (guint i = 1; i <= 5; i++)
    {
      g_assert_true (md_meter_miss (f->db.store, "202601000001", T0 + i * G_USEC_PER_SEC,
                                    "no reply", 3, &went, &error));
      g_assert_no_error (error);
      g_assert_cmpint (went, ==, i == 3);
    }
  rows = board (f);
  g_assert_false (board_row (rows, "202601000001")->online);
  g_assert_cmpuint (board_row (rows, "202601000001")->misses, ==, 5);

  g_assert_true (md_meter_readings_record (f->db.store, &reading, 1, &error));
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = board (f);
  g_assert_true (board_row (rows, "202601000001")->online);
  g_assert_cmpuint (board_row (rows, "202601000001")->misses, ==, 0);

  /* A meter never read that does not answer is offline from the start. */
  g_assert_true (md_meter_miss (f->db.store, "202601000002", T0, "no reply", 3, &went, &error));
  g_assert_false (went);
  g_assert_false (md_meter_miss (f->db.store, "000000000000", T0, "no reply", 3, &went, &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND);
}

/* Credit: the ledger's under system billing, the meter's otherwise; the
 * low-balance level from the account's thresholds or the site's. */
static void
test_alarm_levels (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdMedium) medium = md_account_medium_new ();
  g_auto(MdSaleResult) result = { 0 };
  MdSaleRequest request = { "k1", "100002", 3000, 0, MD_PAY_CASH };
  MdMeterReading low = { "202601000001", T0, 1000, 1500, MD_VALUE_UNKNOWN, "closed", -1 };
  g_autoptr(GPtrArray) rows = NULL;
  const gint64 thresholds[3] = { 5000, 2000, 0 };

  g_assert_cmpint (md_alarm_level (thresholds, 5001), ==, 0);
  g_assert_cmpint (md_alarm_level (thresholds, 5000), ==, 1);
  g_assert_cmpint (md_alarm_level (thresholds, 2000), ==, 2);
  g_assert_cmpint (md_alarm_level (thresholds, 0), ==, 3);
  g_assert_cmpint (md_alarm_level (thresholds, -100), ==, 3);

  g_assert_true (md_shift_open (f->cash, 0, NULL, &error));
  g_assert_true (md_vend_sell (f->cash, &request, medium, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (md_meter_readings_record (f->db.store, &low, 1, &error));

  rows = board (f);
  g_assert_cmpint (board_row (rows, "202601000002")->credit, ==, 3000);
  g_assert_true (board_row (rows, "202601000002")->system_billing);
  g_assert_cmpint (board_row (rows, "202601000002")->alarm_level, ==, 1);
  g_assert_cmpint (board_row (rows, "202601000001")->credit, ==, 1500);
  g_assert_cmpint (board_row (rows, "202601000001")->alarm_level, ==, 2);

  /* The account's own thresholds win over the site's settings. */
  g_assert_true (md_store_exec (f->db.store,
                                "UPDATE account SET alarm1 = 1000, alarm2 = 500 WHERE no = '100001'",
                                &error));
  g_assert_true (md_store_exec (f->db.store,
                                "INSERT INTO setting (key, value) VALUES ('alarm.level1', '2500')",
                                &error));
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = board (f);
  g_assert_cmpint (board_row (rows, "202601000001")->alarm_level, ==, 0);
  g_assert_cmpint (board_row (rows, "202601000002")->alarm_level, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/meterdesk/core/monitor/record", Fixture, NULL, fixture_setup, test_record,
              fixture_teardown);
  g_test_add ("/meterdesk/core/monitor/today", Fixture, NULL, fixture_setup, test_today,
              fixture_teardown);
  g_test_add ("/meterdesk/core/monitor/miss", Fixture, NULL, fixture_setup, test_miss,
              fixture_teardown);
  g_test_add ("/meterdesk/core/monitor/alarm-levels", Fixture, NULL, fixture_setup,
              test_alarm_levels, fixture_teardown);

  return g_test_run ();
}
