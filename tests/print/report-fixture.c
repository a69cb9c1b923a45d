/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-card.h"
#include "md-ledger.h"
#include "md-pricing.h"
#include "md-register.h"
#include "md-shift.h"
#include "md-vend.h"
#include "report-fixture.h"

#define PW "correct-horse"

static const char flat_tariff[] =
  "[tariff]\nid=FLAT-2024\nname=一般电价\nunit=kWh\n"
  "valid-from=2024-01-01T00:00:00+08:00\ntimezone=Asia/Shanghai\n[rates]\nflat=0.5000\n";
static const char water_tariff[] =
  "[tariff]\nid=WATER-2024\nname=居民用水\nunit=m3\n"
  "valid-from=2024-01-01T00:00:00+08:00\ntimezone=Asia/Shanghai\n[rates]\nflat=3.0000\n"
  "[components]\nwater=rest\nsewage=1.0000\n";

gint64
report_fixture_time (const char *iso)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

/* The fake clock moves forward to @iso. */
void
report_fixture_at (ReportFixture *f,
                   const char    *iso)
{
  gint64 t = report_fixture_time (iso);

  g_assert_cmpint (t, >=, f->now);
  md_test_clock_advance (t - f->now);
  f->now = t;
}

gint64
report_fixture_sell (ReportFixture *f,
                     MdMedium      *medium,
                     const char    *account,
                     MdMoney        amount,
                     MdPayMethod    pay)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdSaleResult) r = { 0 };
  g_autofree char *key = md_vend_new_key ();
  MdSaleRequest request = { key, account, amount, 0, pay };

  g_assert_true (md_vend_sell (f->staff, &request, medium, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.state, ==, "posted");
  return r.sale_id;
}

/* The first column of the first row, with two integer parameters. */
gint64
report_fixture_query (ReportFixture *f,
                      const char    *sql,
                      gint64         a,
                      gint64         b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStmt) stmt = md_store_prepare (f->db.store, sql, &error);
  gint64 value = 0;

  g_assert_no_error (error);
  md_stmt_bind_int64 (stmt, 1, a);
  md_stmt_bind_int64 (stmt, 2, b);
  g_assert_true (md_stmt_step (stmt, &error));
  g_assert_no_error (error);
  value = md_stmt_get_int64 (stmt, 0);
  md_stmt_exec (stmt, NULL);
  return value;
}

static void
open_account (ReportFixture *f,
              const char    *no,
              const char    *name,
              const char    *category,
              const char    *meter,
              const char    *room,
              gboolean       system)
{
  g_autoptr(GError) error = NULL;
  const char *meters[] = { meter, NULL };
  MdAccountSpec spec = { no, name, category };

  spec.meters = meter != NULL ? meters : NULL;
  spec.room = room;
  spec.phone = "13800000000";
  spec.id_number = "110101199003074512";
  spec.system_billing = system;
  g_assert_true (md_account_open (f->staff, &spec, &error));
  g_assert_no_error (error);
}

static void
add_meter (ReportFixture *f,
           const char    *address,
           MdUtility      utility,
           const char    *room,
           const char    *area)
{
  g_autoptr(GError) error = NULL;
  MdMeterSpec spec = { address, "ADF400L", utility };

  spec.room = room;
  spec.transformer_area = area;
  g_assert_true (md_meter_add (f->staff, &spec, &error));
  g_assert_no_error (error);
}

/* Daily readings of February as billed runs, as system billing writes them. */
static void
add_readings (ReportFixture *f,
              int            year,
              MdEnergy       per_day)
{
  g_autoptr(GError) error = NULL;
  gint64 account = report_fixture_query (f, "SELECT id FROM account WHERE no = '100001' "
                                         "AND 0 = $1 AND 0 = $2", 0, 0);
  gint64 meter = report_fixture_query (f, "SELECT id FROM meter WHERE address = '202411110001' "
                                       "AND 0 = $1 AND 0 = $2", 0, 0);

  for (int day = 1; day <= 28; day++)
    {
      g_autofree char *from = g_strdup_printf ("%d-02-%02dT00:00:00+08:00", year, day);
      g_autofree char *to = day < 28 ? g_strdup_printf ("%d-02-%02dT00:00:00+08:00", year, day + 1)
                                     : g_strdup_printf ("%d-03-01T00:00:00+08:00", year);
      g_autoptr(MdStmt) stmt = md_store_prepare (f->db.store,
                                                 "INSERT INTO account_bill (account_id, meter_id, "
                                                 "from_at, to_at, energy, amount, state, "
                                                 "created_at) VALUES ($1, $2, $3, $4, $5, $6, "
                                                 "'billed', $4)", &error);

      md_stmt_bind_int64 (stmt, 1, account);
      md_stmt_bind_int64 (stmt, 2, meter);
      md_stmt_bind_int64 (stmt, 3, report_fixture_time (from));
      md_stmt_bind_int64 (stmt, 4, report_fixture_time (to));
      md_stmt_bind_int64 (stmt, 5, per_day);
      md_stmt_bind_int64 (stmt, 6, per_day / 20);  /* ¥0.50 a kWh: Wh / 20 fen */
      g_assert_true (md_stmt_exec (stmt, &error));
      g_assert_no_error (error);
    }
}

void
report_fixture_setup (ReportFixture *f)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdSaleResult) r = { 0 };

  md_test_db_setup (&f->db);
  g_assert_true (md_store_exec (f->db.store,
                                "UPDATE setting SET value = 'Asia/Shanghai' WHERE key = 'timezone'",
                                &error));
  f->staff = md_test_add_operator (&f->db, "staff", MD_ROLE_ALL & ~MD_ROLE_ADMIN, PW);
  f->cash = md_test_add_operator (&f->db, "cash", MD_ROLE_CASHIER, PW);
  f->account = md_account_medium_new ();
  f->card = md_fake_medium_new ("card");
  f->now = report_fixture_time ("2025-01-01T08:00:00+08:00");
  md_test_clock_install (f->now);

  g_assert_true (md_site_add (f->staff, "MALL", "购物中心", "科技路 8 号", &error));
  g_assert_true (md_building_add (f->staff, "MALL", "B3", "3号楼", &error));
  g_assert_true (md_building_add (f->staff, "MALL", "B4", "4号楼", &error));
  g_assert_true (md_floor_add (f->staff, "MALL", "B3", "F2", "2层", &error));
  g_assert_true (md_floor_add (f->staff, "MALL", "B4", "F1", "1层", &error));
  g_assert_true (md_room_add (f->staff, "MALL", "B3", "F2", "205", "205室", 5650, &error));
  g_assert_true (md_room_add (f->staff, "MALL", "B4", "F1", "101", "101室", 0, &error));
  g_assert_true (md_line_add (f->staff, "L1", "一号线", &error));
  g_assert_true (md_line_add (f->staff, "L2", "二号线", &error));
  g_assert_true (md_transformer_area_add (f->staff, "TA1", "一号台区", "L1", &error));
  g_assert_true (md_transformer_area_add (f->staff, "TA2", "二号台区", "L2", &error));
  g_assert_no_error (error);
  add_meter (f, "202411110001", MD_UTILITY_ELECTRICITY, "MALL/B3/F2/205", "TA1");
  add_meter (f, "202411110002", MD_UTILITY_ELECTRICITY, "MALL/B4/F1/101", "TA2");
  add_meter (f, "30000000000001", MD_UTILITY_WATER, "MALL/B4/F1/101", NULL);
  g_assert_true (md_tariff_store_set (f->staff, flat_tariff, -1, NULL, &error));
  g_assert_true (md_tariff_store_set (f->staff, water_tariff, -1, NULL, &error));
  g_assert_true (md_category_add (f->staff, "RES", "居民生活", MD_UTILITY_ELECTRICITY,
                                  "FLAT-2024", &error));
  g_assert_true (md_category_add (f->staff, "COM", "商业", MD_UTILITY_ELECTRICITY, "FLAT-2024",
                                  &error));
  g_assert_true (md_category_add (f->staff, "WAT", "居民用水", MD_UTILITY_WATER, "WATER-2024",
                                  &error));
  g_assert_no_error (error);
  open_account (f, "100001", "张三", "RES", "202411110001", "MALL/B3/F2/205", TRUE);
  open_account (f, "200001", "李四", "RES", "202411110002", NULL, FALSE);
  open_account (f, "300001", "王五商店", "COM", NULL, NULL, TRUE);
  open_account (f, "400001", "赵六", "WAT", "30000000000001", NULL, TRUE);

  report_fixture_at (f, "2025-02-10T08:00:00+08:00");
  g_assert_true (md_shift_open (f->staff, 50000, NULL, &error));
  g_assert_no_error (error);
  report_fixture_at (f, "2025-02-10T10:00:00+08:00");
  report_fixture_sell (f, f->account, "100001", 10000, MD_PAY_CASH);

  /* Half past midnight on 1 February in Shanghai: still January in UTC. */
  report_fixture_at (f, "2026-02-01T00:30:00+08:00");
  report_fixture_sell (f, f->account, "100001", 5000, MD_PAY_CASH);
  report_fixture_at (f, "2026-02-10T09:00:00+08:00");
  f->sale_feb10 = report_fixture_sell (f, f->account, "100001", 20000, MD_PAY_WECHAT);
  f->sale_card = report_fixture_sell (f, MD_MEDIUM (f->card), "200001", 10000, MD_PAY_CASH);
  f->sale_reversed = report_fixture_sell (f, f->account, "300001", 8000, MD_PAY_BANK_CARD);
  f->sale_water = report_fixture_sell (f, f->account, "400001", 3000, MD_PAY_ALIPAY);
  g_assert_true (md_alert_raise (f->staff, "card.mismatch", "card:CARD-200001",
                                 "purchase count differs", &error));
  g_assert_no_error (error);

  report_fixture_at (f, "2026-02-11T14:00:00+08:00");
  g_assert_true (md_vend_reverse (f->staff, f->sale_reversed, f->account, "wrong account", NULL,
                                  NULL, &r, &error));
  g_assert_no_error (error);
  f->reversal = r.sale_id;
  md_sale_result_clear (&r);
  g_assert_true (md_vend_refund (f->staff, "100001", 2000, MD_PAY_CASH, "moving out", NULL, NULL,
                                 &r, &error));
  g_assert_no_error (error);
  f->refund = r.sale_id;

  report_fixture_at (f, "2026-03-05T11:00:00+08:00");
  report_fixture_sell (f, f->account, "100001", 6000, MD_PAY_CASH);

  add_readings (f, 2025, 8000);
  add_readings (f, 2026, 10000);
}

void
report_fixture_teardown (ReportFixture *f)
{
  g_clear_object (&f->card);
  g_clear_object (&f->account);
  g_clear_object (&f->staff);
  g_clear_object (&f->cash);
  md_test_clock_uninstall ();
  md_test_db_teardown (&f->db);
}
