/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "md-demo.h"
#include "md-pricing.h"
#include "md-register.h"

/* The demo site (`meterdesk --demo`): a shopping mall with five buildings,
 * 300 prepaid shop meters and 50 metering (sub-)meters on five RS485 lines,
 * each behind a Modbus TCP gateway (通讯管理机) on this computer, served by
 * the bus simulator when the app starts in demo mode (md-service-demo.c
 * points the buses at its ports); the meters are of the simulator's own
 * documented model (meterdesk-sim),
 * two feeder lines and four transformer areas, ready to sell to. Every third
 * shop is billed by the system (后台计费: the credit is kept on the account
 * and the meter is tripped remotely); the others keep it in the meter. */

#define N_BUILDINGS        5
#define FLOORS_PER_BUILDING 4
#define SHOPS_PER_FLOOR    15
#define METERING_PER_BUS   10

static const struct
{
  const char *name;
  MdRole      roles;
  const char *password;
  const char *full_name;
} demo_operators[] = {
  { "cashier", MD_ROLE_CASHIER, "cashier1", N_("Wang Fang (cashier)") },
  { "supervisor", MD_ROLE_SUPERVISOR, "supervisor1", N_("Li Qiang (supervisor)") },
  { "finance", MD_ROLE_FINANCE, "finance1", N_("Zhao Min (finance)") },
  { "staff", MD_ROLE_UTILIZATION | MD_ROLE_METERING, "staff123", N_("Chen Gang (utilization)") },
};

/* Illustrative tariffs for the demo site, not any utility's real prices. */
static const char residential_tariff[] =
  "[tariff]\n"
  "id=RES-2026\n"
  "name=居民生活用电\n"
  "unit=kWh\n"
  "valid-from=2026-01-01T00:00:00+08:00\n"
  "timezone=Asia/Shanghai\n"
  "[rates]\n"
  "sharp=0.8800\n"
  "peak=0.7800\n"
  "flat=0.5880\n"
  "valley=0.3080\n"
  "[periods]\n"
  "00:00-08:00=valley\n"
  "08:00-10:00=flat\n"
  "10:00-12:00=sharp\n"
  "12:00-17:00=flat\n"
  "17:00-21:00=peak\n"
  "21:00-24:00=flat\n"
  "[tiers]\n"
  "period=year\n"
  "start=01-01\n"
  "0-2880=0.0000\n"
  "2880-4800=0.0500\n"
  "4800-=0.3000\n";

static const char commercial_tariff[] =
  "[tariff]\n"
  "id=COM-2026\n"
  "name=一般工商业用电\n"
  "unit=kWh\n"
  "valid-from=2026-01-01T00:00:00+08:00\n"
  "timezone=Asia/Shanghai\n"
  "[rates]\n"
  "peak=1.0650\n"
  "flat=0.6850\n"
  "valley=0.3150\n"
  "[periods]\n"
  "00:00-08:00=valley\n"
  "08:00-11:00=flat\n"
  "11:00-13:00=peak\n"
  "13:00-19:00=flat\n"
  "19:00-21:00=peak\n"
  "21:00-24:00=flat\n"
  "[components]\n"
  "energy=rest\n"
  "funds=0.0296\n";

#define RESIDENCE_FLOORS   2
#define FLATS_PER_FLOOR    10

/* The staff residence (员工公寓): households with card meters (卡表), no bus;
 * their credit goes on the customer's card. Accounts 200101…200210. */
static gboolean
populate_residence (MdSession  *s,
                    GError    **error)
{
  static const char *surnames[] = { "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高", "郑" };

  if (!md_building_add (s, "MALL", "R1", _("Staff residence"), error))
    return FALSE;
  for (guint f = 1; f <= RESIDENCE_FLOORS; f++)
    {
      g_autofree char *floor = g_strdup_printf ("F%u", f);
      g_autofree char *fname = g_strdup_printf (_("Floor %u"), f);

      if (!md_floor_add (s, "MALL", "R1", floor, fname, error))
        return FALSE;
      for (guint r = 1; r <= FLATS_PER_FLOOR; r++)
        {
          guint flat = f * 100 + r;
          g_autofree char *room = g_strdup_printf ("%u", flat);
          g_autofree char *rname = g_strdup_printf (_("Flat %u"), flat);
          g_autofree char *path = g_strdup_printf ("MALL/R1/%s/%s", floor, room);
          g_autofree char *address = g_strdup_printf ("202699%06u", flat);
          g_autofree char *no = g_strdup_printf ("20%04u", flat);
          g_autofree char *holder = g_strdup_printf ("%s%s", surnames[r % 10],
                                                     f == 1 ? "伟" : "敏");
          g_autofree char *phone = g_strdup_printf ("1390000%04u", flat);
          const char *meters[] = { address, NULL };
          MdMeterSpec meter = { address, "card-cpu", MD_UTILITY_ELECTRICITY, NULL, 0, path };
          MdAccountSpec account = { no, holder, "RES", phone, NULL, NULL, path, meters, 8000 };

          if (!md_room_add (s, "MALL", "R1", floor, room, rname, 6000, error) ||
              !md_meter_add (s, &meter, error) ||
              !md_account_open (s, &account, error))
            return FALSE;
        }
    }
  return TRUE;
}

typedef struct
{
  MdSession *admin;
  MdSession *staff;
  MdSession *finance;
} Demo;

static gboolean
populate_txn (MdStore  *store,
              gpointer  user_data,
              GError  **error)
{
  Demo *demo = user_data;
  MdSession *s = demo->staff;
  static const char *shop_surnames[] = { "张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴" };
  static const char *shop_kinds[] = { "服饰", "餐饮", "超市", "书店", "药房", "电器", "茶饮", "美发" };

  /* The system-billed shops start with no credit: in the demo they are not
   * tripped for arrears until an operator turns it on (docs/daemon.md). */
  {
    g_autoptr(MdStmt) setting = md_store_prepare (store,
                                                  "INSERT INTO setting (key, value) "
                                                  "VALUES ('alarm.arrears-trip', '0')", error);

    if (setting == NULL || !md_stmt_exec (setting, error))
      return FALSE;
  }

  if (!md_site_add (s, "MALL", _("Riverside Shopping Mall"), _("1 Riverside Road"), error) ||
      !md_line_add (s, "L10", _("10 kV line 1"), error) ||
      !md_line_add (s, "L11", _("10 kV line 2"), error))
    return FALSE;

  for (guint a = 1; a <= 4; a++)
    {
      g_autofree char *code = g_strdup_printf ("TA%u", a);
      g_autofree char *name = g_strdup_printf (_("Transformer area %u"), a);

      if (!md_transformer_area_add (s, code, name, a <= 2 ? "L10" : "L11", error))
        return FALSE;
    }

  if (!md_tariff_store_set (demo->finance, residential_tariff, -1, NULL, error) ||
      !md_tariff_store_set (demo->finance, commercial_tariff, -1, NULL, error) ||
      !md_fee_set (demo->finance, "card-replacement", NULL, MD_FEE_BASIS_FIXED, MD_FEE_ONCE, 2000,
                   0, error) ||
      !md_fee_set (demo->finance, "capacity-increase", NULL, MD_FEE_BASIS_PER_KVA, MD_FEE_ONCE,
                   5000, 0, error) ||
      !md_fee_set (demo->finance, "property", _("Property fee"), MD_FEE_BASIS_PER_M2,
                   MD_FEE_MONTHLY, 350, 0, error))
    return FALSE;

  if (!md_category_add (demo->finance, "COM", _("Commercial"), MD_UTILITY_ELECTRICITY, "COM-2026",
                        error) ||
      !md_category_add (demo->finance, "RES", _("Residential"), MD_UTILITY_ELECTRICITY, "RES-2026",
                        error) ||
      !md_category_add (demo->finance, "PUB", _("Public areas"), MD_UTILITY_ELECTRICITY,
                        "COM-2026", error))
    return FALSE;

  for (guint b = 1; b <= N_BUILDINGS; b++)
    {
      g_autofree char *building = g_strdup_printf ("B%u", b);
      g_autofree char *bname = g_strdup_printf (_("Building %u"), b);
      g_autofree char *bus = g_strdup_printf ("BUS%u", b);
      g_autofree char *area = g_strdup_printf ("TA%u", (b - 1) % 4 + 1);
      MdBusSpec bus_spec = { bus, "modbus", NULL, 0, 0, "127.0.0.1", 15020 + b };

      if (!md_building_add (s, "MALL", building, bname, error) ||
          !md_bus_add (s, &bus_spec, error))
        return FALSE;

      for (guint f = 1; f <= FLOORS_PER_BUILDING; f++)
        {
          g_autofree char *floor = g_strdup_printf ("F%u", f);
          g_autofree char *fname = g_strdup_printf (_("Floor %u"), f);

          if (!md_floor_add (s, "MALL", building, floor, fname, error))
            return FALSE;

          for (guint r = 1; r <= SHOPS_PER_FLOOR; r++)
            {
              guint shop = ((b - 1) * FLOORS_PER_BUILDING + (f - 1)) * SHOPS_PER_FLOOR + r;
              guint unit = (f - 1) * SHOPS_PER_FLOOR + r;
              g_autofree char *room = g_strdup_printf ("%u%02u", f, r);
              g_autofree char *rname = g_strdup_printf (_("Shop %u%02u"), f, r);
              g_autofree char *path = g_strdup_printf ("MALL/%s/%s/%s", building, floor, room);
              g_autofree char *address = g_strdup_printf ("2026%02u%06u", b, shop);
              g_autofree char *no = g_strdup_printf ("10%04u", shop);
              g_autofree char *holder = g_strdup_printf ("%s%s%u", shop_surnames[shop % 10],
                                                         shop_kinds[shop % 8], shop);
              g_autofree char *phone = g_strdup_printf ("1380000%04u", shop);
              const char *meters[] = { address, NULL };
              MdMeterSpec meter = { address, "meterdesk-sim", MD_UTILITY_ELECTRICITY, bus, unit,
                                    path, NULL, area };
              MdAccountSpec account = { no, holder, "COM", phone, NULL, NULL, path, meters,
                                        (shop % 3 + 1) * 10000, NULL, shop % 3 == 0 };

              if (!md_room_add (s, "MALL", building, floor, room, rname, 2000 + (shop % 7) * 1000,
                                error) ||
                  !md_meter_add (s, &meter, error) ||
                  !md_account_open (s, &account, error))
                return FALSE;
            }
        }

      /* Metering meters: floors' and public areas' sub-meters on the same bus. */
      for (guint m = 1; m <= METERING_PER_BUS; m++)
        {
          g_autofree char *address = g_strdup_printf ("2026%02u9%05u", b, m);
          MdMeterSpec meter = { address, "meterdesk-sim", MD_UTILITY_ELECTRICITY, bus,
                                FLOORS_PER_BUILDING * SHOPS_PER_FLOOR + m, NULL, NULL, area };
          g_autofree char *path = g_strdup_printf ("MALL/%s/F%u/%u%02u", building,
                                                   (m - 1) % FLOORS_PER_BUILDING + 1,
                                                   (m - 1) % FLOORS_PER_BUILDING + 1, m);

          meter.room = path;
          if (!md_meter_add (s, &meter, error))
            return FALSE;
        }
    }

  return populate_residence (s, error);
}

/**
 * md_demo_populate:
 * @admin: the demo database's administrator
 *
 * Fills a new database with the demo site and operators (docs/user-guide.md
 * lists their passwords: this is a demo database, never a real one).
 */
gboolean
md_demo_populate (MdSession  *admin,
                  GError    **error)
{
  MdStore *store = md_session_get_store (admin);
  Demo demo = { admin };
  gboolean ok;

  g_return_val_if_fail (MD_IS_SESSION (admin), FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (demo_operators); i++)
    if (!md_operator_add (admin, demo_operators[i].name, _(demo_operators[i].full_name),
                          demo_operators[i].roles, demo_operators[i].password, NULL, error))
      return FALSE;

  demo.staff = md_session_login (store, md_session_get_terminal (admin), "staff", "staff123",
                                 error);
  if (demo.staff == NULL)
    return FALSE;
  demo.finance = md_session_login (store, md_session_get_terminal (admin), "finance", "finance1",
                                   error);
  if (demo.finance == NULL)
    {
      g_object_unref (demo.staff);
      return FALSE;
    }

  ok = md_store_write (store, populate_txn, &demo, error);

  g_object_unref (demo.staff);
  g_object_unref (demo.finance);
  return ok;
}

/**
 * md_demo_create:
 * @path: the SQLite file; an existing one is replaced
 *
 * Returns: (transfer full): the administrator's session on a fresh demo
 *   database, or %NULL with @error set
 */
MdSession *
md_demo_create (const char  *path,
                GError     **error)
{
  g_autoptr(MdStore) store = NULL;
  g_autoptr(MdSession) admin = NULL;
  const char *suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      if (g_file_test (file, G_FILE_TEST_EXISTS) && g_remove (file) != 0)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                       _("Cannot replace the demo database %s"), file);
          return NULL;
        }
    }

  if (!(store = md_store_open (path, MD_STORE_OPEN_CREATE, error)))
    return NULL;
  if (!md_operator_create_first_admin (store, "T01", "admin", "admin123", error))
    return NULL;
  if (!(admin = md_session_login (store, "T01", "admin", "admin123", error)))
    return NULL;
  if (!md_demo_populate (admin, error))
    return NULL;

  return g_steal_pointer (&admin);
}
