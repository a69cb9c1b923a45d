/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>

#include "md-pricing.h"
#include "md-register.h"
#include "md-test-util.h"
#include "md-validate.h"

#define PW "correct-horse"

typedef struct
{
  MdTestDb   db;
  MdSession *staff;   /* metering + utilization + finance: sets a site up */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  md_test_db_setup (&f->db);
  f->staff = md_test_add_operator (&f->db, "staff",
                                   MD_ROLE_METERING | MD_ROLE_UTILIZATION | MD_ROLE_FINANCE, PW);

  md_site_add (f->staff, "MALL", "购物中心", "人民路 1 号", &error);
  g_assert_no_error (error);
  g_assert_true (md_building_add (f->staff, "MALL", "B3", "3号楼", &error));
  g_assert_true (md_floor_add (f->staff, "MALL", "B3", "F2", "2层", &error));
  g_assert_true (md_room_add (f->staff, "MALL", "B3", "F2", "205", "205室", 5650, &error));
  g_assert_true (md_room_add (f->staff, "MALL", "B3", "F2", "206", "206室", 0, &error));
  g_assert_no_error (error);
  {
    MdBusSpec bus = { "BUS1", "modbus", "/dev/ttyUSB0" };
    MdBusSpec dlt = { "BUS2", "dlt645", "/dev/ttyUSB1" };

    g_assert_true (md_bus_add (f->staff, &bus, &error));
    g_assert_true (md_bus_add (f->staff, &dlt, &error));
  }
  {
    g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tariffs", "res-2026.ini",
                                                   NULL);
    g_autofree char *text = NULL;

    g_assert_true (g_file_get_contents (path, &text, NULL, &error));
    g_assert_true (md_tariff_store_set (f->staff, text, -1, NULL, &error));
    g_assert_no_error (error);
  }
  g_assert_true (md_category_add (f->staff, "RES", "居民生活", MD_UTILITY_ELECTRICITY, "RES-2026",
                                  &error));
  g_assert_false (md_category_add (f->staff, "RES2", "居民生活", MD_UTILITY_ELECTRICITY,
                                   "NO-SUCH", &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (md_category_add (f->staff, "WAT", "居民用水", MD_UTILITY_WATER, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->staff);
  md_test_db_teardown (&f->db);
}

static void
add_meter (Fixture     *f,
           const char  *address,
           const char  *bus,
           gint64       unit,
           const char  *room)
{
  g_autoptr(GError) error = NULL;
  MdMeterSpec spec = { address, "ADF400L", MD_UTILITY_ELECTRICITY, bus, unit, room };

  g_assert_true (md_meter_add (f->staff, &spec, &error));
  g_assert_no_error (error);
}

static void
test_meter_address (Fixture       *f,
                    gconstpointer  data)
{
  static const char *bad[] = {
    "", "12345678901", "1234567890123", "12345678901A", "１２３４５６７８９０１２", "12345678901 ",
    "-12345678901", "1234'; DROP", "\xff\xfe" "1234567890",
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      MdMeterSpec spec = { bad[i], "ADF400L", MD_UTILITY_ELECTRICITY };

      g_assert_false (md_meter_add (f->staff, &spec, &error));
      g_assert_true (error->domain == MD_INPUT_ERROR);
      g_clear_error (&error);
    }

  /* Water meters have 14-digit addresses. */
  {
    MdMeterSpec water12 = { "123456789012", "WM", MD_UTILITY_WATER };
    MdMeterSpec water14 = { "12345678901234", "WM", MD_UTILITY_WATER };

    g_assert_false (md_meter_add (f->staff, &water12, &error));
    g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT);
    g_clear_error (&error);
    g_assert_true (md_meter_add (f->staff, &water14, &error));
    g_assert_no_error (error);
  }
}

static void
test_meter_lifecycle (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) shown = NULL;
  JsonArray *history;

  add_meter (f, "202411110002", NULL, 0, NULL);

  /* A second registration of the same address is refused. */
  {
    MdMeterSpec again = { "202411110002", "ADF400L", MD_UTILITY_ELECTRICITY };

    g_assert_false (md_meter_add (f->staff, &again, &error));
    g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_EXISTS);
    g_clear_error (&error);
  }

  g_assert_true (md_meter_install (f->staff, "202411110002", "MALL/B3/F2/205", &error));
  g_assert_no_error (error);
  /* Not twice. */
  g_assert_false (md_meter_install (f->staff, "202411110002", "MALL/B3/F2/206", &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE);
  g_clear_error (&error);
  /* Nor retired while installed. */
  g_assert_false (md_meter_retire (f->staff, "202411110002", NULL, &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE);
  g_clear_error (&error);

  g_assert_true (md_meter_remove (f->staff, "202411110002", "broken display", &error));
  g_assert_true (md_meter_retire (f->staff, "202411110002", "scrapped", &error));
  g_assert_no_error (error);
  g_assert_false (md_meter_install (f->staff, "202411110002", "MALL/B3/F2/206", &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE);
  g_clear_error (&error);

  shown = md_meter_show (f->staff, "202411110002", &error);
  g_assert_no_error (error);
  history = json_object_get_array_member (json_node_get_object (shown), "history");
  g_assert_cmpuint (json_array_get_length (history), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (history, 3), "to"),
                   ==, "retired");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (shown), "state"), ==,
                   "retired");

  g_assert_false (md_meter_install (f->staff, "999999999999", "MALL/B3/F2/206", &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  add_meter (f, "202411110003", NULL, 0, NULL);
  g_assert_false (md_meter_install (f->staff, "202411110003", "MALL/B3/F9/206", &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (md_meter_install (f->staff, "202411110003", "MALL/B3/206", &error));
  g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT);
}

static void
test_meter_bus_units (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  add_meter (f, "000000000001", "BUS1", 1, "MALL/B3/F2/205");

  /* One unit answers once per bus. */
  {
    MdMeterSpec clash = { "000000000002", "ADF400L", MD_UTILITY_ELECTRICITY, "BUS1", 1,
                          "MALL/B3/F2/206" };
    MdMeterSpec no_unit = { "000000000003", "ADF400L", MD_UTILITY_ELECTRICITY, "BUS1", 0 };
    MdMeterSpec dlt_unit = { "000000000004", "DLT", MD_UTILITY_ELECTRICITY, "BUS2", 5 };
    MdMeterSpec bad_unit = { "000000000005", "ADF400L", MD_UTILITY_ELECTRICITY, "BUS1", 248 };
    MdMeterSpec no_bus = { "000000000006", "ADF400L", MD_UTILITY_ELECTRICITY, "NOBUS", 2 };

    g_assert_false (md_meter_add (f->staff, &clash, &error));
    g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IN_USE);
    g_clear_error (&error);
    g_assert_false (md_meter_add (f->staff, &no_unit, &error));
    g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED);
    g_clear_error (&error);
    g_assert_false (md_meter_add (f->staff, &dlt_unit, &error));
    g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT);
    g_clear_error (&error);
    g_assert_false (md_meter_add (f->staff, &bad_unit, &error));
    g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE);
    g_clear_error (&error);
    g_assert_false (md_meter_add (f->staff, &no_bus, &error));
    g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND);
    g_clear_error (&error);

    /* In stock the unit may repeat; installing it may not. */
    clash.room = NULL;
    g_assert_true (md_meter_add (f->staff, &clash, &error));
    g_assert_false (md_meter_install (f->staff, "000000000002", "MALL/B3/F2/206", &error));
    g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IN_USE);
  }
}

static void
test_bus_validation (Fixture       *f,
                     gconstpointer  data)
{
  static const MdBusSpec bad[] = {
    { "", "modbus", "/dev/ttyS0" },
    { "B x", "modbus", "/dev/ttyS0" },
    { "B3", "bacnet", "/dev/ttyS0" },
    { "B3", "modbus", NULL },
    { "B3", "modbus", "/dev/ttyS0", 0, 0, "10.0.0.1", 502 },
    { "B3", "modbus", "ttyS0" },
    { "B3", "modbus", "/dev/ttyS0", 1234 },
    { "B3", "modbus", "/dev/ttyS0", 9600, 'X' },
    { "B3", "modbus", NULL, 0, 0, "10.0.0.1", 0 },
    { "B3", "modbus", NULL, 0, 0, "10.0.0.1;rm", 502 },
    { "B3", "dlt645", NULL, 0, 0, "10.0.0.1", 502 },
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (md_bus_add (f->staff, &bad[i], &error));
      if (error->domain != MD_INPUT_ERROR)
        g_error ("case %u: %s", i, error->message);
      g_clear_error (&error);
    }

  {
    MdBusSpec gateway = { "GW1", "modbus", NULL, 0, 0, "192.168.1.20", 502 };
    g_autoptr(JsonNode) list = NULL;

    g_assert_true (md_bus_add (f->staff, &gateway, &error));
    g_assert_false (md_bus_add (f->staff, &gateway, &error));
    g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_EXISTS);
    g_clear_error (&error);
    list = md_bus_list (f->staff, &error);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 3);
    /* DL/T 645 serial default: 2400 8E1 */
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (
                       json_node_get_array (list), 1), "baud"), ==, 2400);
  }
}

static void
test_account_lifecycle (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) shown = NULL;
  const char *meters[] = { "202411110002", NULL };
  MdAccountSpec spec = { "100234", "张三", "RES", "13800000000", NULL, NULL, "MALL/B3/F2/205",
                         meters, 8000 };
  JsonObject *account;

  add_meter (f, "202411110002", NULL, 0, NULL);
  g_assert_true (md_account_open (f->staff, &spec, &error));
  g_assert_no_error (error);

  shown = md_account_show (f->staff, "100234", &error);
  g_assert_no_error (error);
  account = json_node_get_object (shown);
  g_assert_cmpstr (json_object_get_string_member (account, "name"), ==, "张三");
  g_assert_cmpstr (json_object_get_string_member (account, "state"), ==, "open");
  g_assert_cmpstr (json_object_get_string_member (account, "capacity_kva"), ==, "8.000");
  g_assert_cmpstr (json_object_get_string_member (account, "room"), ==, "MALL/B3/F2/205");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (account, "meters")), ==,
                    1);

  /* The meter now serves this account and was installed for it. */
  {
    g_autoptr(JsonNode) meter = md_meter_show (f->staff, "202411110002", &error);

    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (meter), "state"), ==,
                     "installed");
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (meter), "account"),
                     ==, "100234");
  }

  /* Another account cannot take the same meter, nor the same number. */
  {
    MdAccountSpec other = { "100235", "李四", "RES", NULL, NULL, NULL, NULL, meters };
    MdAccountSpec same_no = { "100234", "李四", "RES" };

    g_assert_false (md_account_open (f->staff, &other, &error));
    g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IN_USE);
    g_clear_error (&error);
    g_assert_false (md_account_open (f->staff, &same_no, &error));
    g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_EXISTS);
    g_clear_error (&error);
  }

  /* A water meter does not serve an electricity account. */
  {
    MdMeterSpec water = { "12345678901234", "WM", MD_UTILITY_WATER };
    const char *water_meters[] = { "12345678901234", NULL };
    MdAccountSpec mixed = { "100236", "王五", "RES", NULL, NULL, NULL, NULL, water_meters };

    g_assert_true (md_meter_add (f->staff, &water, &error));
    g_assert_false (md_account_open (f->staff, &mixed, &error));
    g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE);
    g_clear_error (&error);
  }

  /* A meter cannot be removed while it serves an open account. */
  g_assert_false (md_meter_remove (f->staff, "202411110002", NULL, &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IN_USE);
  g_clear_error (&error);

  /* Transfer keeps the account, changes the holder, keeps the history. */
  g_assert_true (md_account_transfer (f->staff, "100234", "赵六", "13900000000", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (md_account_change (f->staff, "100234", NULL, 12500, &error));
  g_assert_no_error (error);
  g_assert_false (md_account_change (f->staff, "100234", "WAT", 0, &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE);
  g_clear_error (&error);
  g_assert_false (md_account_change (f->staff, "100234", NULL, 0, &error));
  g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED);
  g_clear_error (&error);
  g_assert_false (md_account_change (f->staff, "100234", "NOPE", 0, &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_clear_pointer (&shown, json_node_unref);
  shown = md_account_show (f->staff, "100234", &error);
  account = json_node_get_object (shown);
  g_assert_cmpstr (json_object_get_string_member (account, "name"), ==, "赵六");
  g_assert_cmpstr (json_object_get_string_member (account, "capacity_kva"), ==, "12.500");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (account, "history")), ==,
                    3);

  /* Find it by part of the phone, the room or the meter. */
  {
    static const char *searches[] = { "1390000", "MALL/B3", "411110002", "赵", "100234" };

    for (guint i = 0; i < G_N_ELEMENTS (searches); i++)
      {
        g_autoptr(JsonNode) found = md_account_list (f->staff, searches[i], &error);

        g_assert_no_error (error);
        g_assert_cmpuint (json_array_get_length (json_node_get_array (found)), ==, 1);
      }
    {
      g_autoptr(JsonNode) none = md_account_list (f->staff, "%", &error);

      g_assert_cmpuint (json_array_get_length (json_node_get_array (none)), ==, 0);
    }
  }
}

/* A limited search gives the first accounts in number order. */
static void
test_account_search_limit (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  static const char *numbers[] = { "100303", "100301", "100302" };

  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      MdAccountSpec spec = { numbers[i], "张三", "RES" };

      g_assert_true (md_account_open (f->staff, &spec, &error));
      g_assert_no_error (error);
    }
  for (guint limit = 0; limit <= 4; limit++)
    {
      g_autoptr(JsonNode) found = md_account_search (f->staff, "1003", limit, &error);
      JsonArray *array;

      g_assert_no_error (error);
      array = json_node_get_array (found);
      g_assert_cmpuint (json_array_get_length (array), ==, limit == 0 ? 3 : MIN (limit, 3));
      if (limit > 0)
        g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                        "account"), ==, "100301");
    }
}

static void
test_account_preregister (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  MdAccountSpec spec = { "200001", "预置户", "RES" };

  spec.preregister = TRUE;
  g_assert_true (md_account_open (f->staff, &spec, &error));
  g_assert_true (md_account_activate (f->staff, "200001", &error));
  g_assert_no_error (error);
  g_assert_false (md_account_activate (f->staff, "200001", &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE);
}

static void
test_account_bad_input (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *long_name = g_strnfill (MD_NAME_MAX_CHARS + 1, 'x');
  const char *dup[] = { "202411110002", "202411110002", NULL };
  MdAccountSpec bad[] = {
    { "", "张三", "RES" },
    { "10 0", "张三", "RES" },
    { "100300", "", "RES" },
    { "100300", long_name, "RES" },
    { "100300", "张\n三", "RES" },
    { "100300", "张三", "RES", "138-0000-0000x" },
    { "100300", "张三", "NOPE" },
    { "100300", "张三", "RES", NULL, NULL, NULL, "MALL/B3/F2/999" },
    { "100300", "张三", "RES", NULL, NULL, NULL, NULL, dup },
    { "100300", "张三", "RES", NULL, NULL, NULL, NULL, NULL, -5 },
    { "100300", "\xe5\xbc", "RES" },
  };
  g_autoptr(GError) error = NULL;

  add_meter (f, "202411110002", NULL, 0, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) list = NULL;

      g_assert_false (md_account_open (f->staff, &bad[i], &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
      /* and nothing was left behind */
      list = md_account_list (f->staff, NULL, &error);
      g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 0);
    }
}

static char *
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  return path;
}

static gint64
count (MdStore    *store,
       const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);

  return md_test_query_int (store, sql);
}

static void
test_import (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("md-import-XXXXXX", &error);
  g_autoptr(JsonNode) summary = NULL;
  /* One file with a type column, out of order, with a BOM, CRLF and quotes. */
  g_autofree char *mixed = write_file (dir, "site.csv",
    "\xef\xbb\xbftype,site,building,floor,code,name,address,area-m2,line\r\n"
    "room,PARK,A,1,101,\"101室, 东\",,32.50,\r\n"
    "site,,,,PARK,工业园,\"科技路 \"\"8\"\" 号\",,\r\n"
    "building,PARK,,,A,A栋,,,\r\n"
    "floor,PARK,A,,1,1层,,,\r\n"
    "line,,,,L1,一号线,,,\r\n"
    "area,,,,TA1,一号台区,,,L1\r\n"
    "\r\n");
  g_autofree char *buses = write_file (dir, "buses.csv",
    "name,protocol,device,baud,parity,host,port\n"
    "RS1,modbus,/dev/ttyUSB3,9600,N,,\n"
    "GW9,modbus,,,,10.1.1.9,502\n");
  g_autofree char *meters = write_file (dir, "meters.csv",
    "address,model,utility,bus,unit,room,asset,transformer-area\n"
    "300000000001,ADF400L,electricity,RS1,1,PARK/A/1/101,AS-1,TA1\n"
    "300000000002,ADF400L,,GW9,7,,,\n"
    "30000000000001,WM-SIM,water,,,,,\n");
  const char *paths[] = { meters, buses, mixed, NULL };

  md_site_import_csv (f->staff, paths, &summary, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (summary), "meter"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (summary), "room"), ==, 1);
  g_assert_cmpint (count (f->db.store, "meter"), ==, 3);
  g_assert_cmpint (count (f->db.store, "bus"), ==, 4);

  {
    g_autoptr(JsonNode) m = md_meter_show (f->staff, "300000000001", &error);
    JsonObject *o = json_node_get_object (m);

    g_assert_cmpstr (json_object_get_string_member (o, "room"), ==, "PARK/A/1/101");
    g_assert_cmpstr (json_object_get_string_member (o, "transformer_area"), ==, "TA1");
    g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "installed");
  }

  g_unlink (mixed);
  g_unlink (buses);
  g_unlink (meters);
  g_rmdir (dir);
}

static void
test_import_refused (Fixture       *f,
                     gconstpointer  data)
{
  static const struct
  {
    const char *name;
    const char *contents;
    const char *where;   /* expected in the message */
  } cases[] = {
    { "things.csv", "code,name\nX,Y\n", "things.csv" },
    { "sites.csv", "code,name\nS1,一\nS2\n", "sites.csv:3" },
    { "sites.csv", "code,name\nS1,一\nS1,二\n", "sites.csv:3" },
    { "rooms.csv", "site,building,floor,code,name\nMALL,B3,F9,1,x\n", "rooms.csv:2" },
    { "meters.csv", "address,model\n20241111000X,ADF400L\n", "meters.csv:2" },
    { "meters.csv", "address,model,unit,bus\n111111111111,M,abc,BUS1\n", "meters.csv:2" },
    { "mixed.csv", "type,code,name\nsite,S9,九\ngarage,G,x\n", "mixed.csv:3" },
    { "sites.csv", "code,name\n\"S1,一\n", "sites.csv:2" },
    { "sites.csv", "code,name\nS1,\xff\xfe\n", "sites.csv:2" },
    { "sites.csv", "", "sites.csv" },
    { "sites.csv", "code,name\nS1,一,extra\n", "sites.csv:2" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("md-import-XXXXXX", &error);
      g_autofree char *path = write_file (dir, cases[i].name, cases[i].contents);
      const char *paths[] = { path, NULL };
      JsonNode *summary = NULL;
      gint64 sites = count (f->db.store, "site");

      g_assert_false (md_site_import_csv (f->staff, paths, &summary, &error));
      g_assert_null (summary);
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].where) == NULL)
        g_error ("case %u: “%s” does not name %s", i, error->message, cases[i].where);
      g_assert_null (strchr (error->message, '\n'));
      /* all or nothing */
      g_assert_cmpint (count (f->db.store, "site"), ==, sites);
      g_unlink (path);
      g_rmdir (dir);
    }
}

/* Times as operators type them: a date, a time to the minute, ISO 8601;
 * anything else is refused with the format. */
static void
test_parse_time (void)
{
  g_autoptr(GTimeZone) shanghai = g_time_zone_new_identifier ("+08:00");
  g_autoptr(GError) error = NULL;
  gint64 usec = 0;

  /* 2026-12-01T00:00:00+08:00 is 1796054400 s since the epoch. */
  g_assert_true (md_parse_time ("2026-12-01", shanghai, &usec, &error));
  g_assert_no_error (error);
  g_assert_cmpint (usec, ==, G_GINT64_CONSTANT (1796054400) * G_USEC_PER_SEC);
  g_assert_true (md_parse_time ("2026-12-01 02:30", shanghai, &usec, &error));
  g_assert_cmpint (usec, ==, (G_GINT64_CONSTANT (1796054400) + 9000) * G_USEC_PER_SEC);
  g_assert_true (md_parse_time ("2026-12-01T02:30", shanghai, &usec, &error));
  g_assert_cmpint (usec, ==, (G_GINT64_CONSTANT (1796054400) + 9000) * G_USEC_PER_SEC);
  g_assert_true (md_parse_time ("2026-12-01T02:30:15+00:00", shanghai, &usec, &error));
  g_assert_cmpint (usec, ==, (G_GINT64_CONSTANT (1796054400) + 8 * 3600 + 9015) * G_USEC_PER_SEC);

  usec = 42;
  for (guint i = 0; i < 4; i++)
    {
      const char *bad[] = { "tomorrow 8am", "2026-12-01 25:00", "2026-13-01", "2026-12-01 2:30" };

      g_assert_false (md_parse_time (bad[i], shanghai, &usec, &error));
      g_assert_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT);
      g_assert_nonnull (strstr (error->message, "YYYY-MM-DD HH:MM"));
      g_assert_cmpint (usec, ==, 42);
      g_clear_error (&error);
    }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/meterdesk/core/register/" path, Fixture, NULL, fixture_setup, func, \
              fixture_teardown)
  ADD ("meter-address", test_meter_address);
  ADD ("meter-lifecycle", test_meter_lifecycle);
  ADD ("meter-bus-units", test_meter_bus_units);
  ADD ("bus-validation", test_bus_validation);
  ADD ("account-lifecycle", test_account_lifecycle);
  ADD ("account-preregister", test_account_preregister);
  ADD ("account-search-limit", test_account_search_limit);
  ADD ("account-bad-input", test_account_bad_input);
  ADD ("import", test_import);
  ADD ("import-refused", test_import_refused);
#undef ADD
  g_test_add_func ("/meterdesk/core/validate/parse-time", test_parse_time);

  return g_test_run ();
}
