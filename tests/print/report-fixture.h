/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-fake-medium.h"
#include "md-test-util.h"
#include "md-vend.h"

G_BEGIN_DECLS

/*
 * A small site with a year and a bit of sales, for the report and receipt
 * tests: four accounts (system-billed electricity, an energy card, a
 * system-billed shop without meter or room, system-billed water), sales
 * across a year and a local-midnight boundary, a reversal, a refund, daily
 * readings of one account in February 2025 and 2026, and an alert. Times
 * are Asia/Shanghai.
 */
typedef struct
{
  MdTestDb      db;
  MdSession    *staff;     /* every role but admin; sells at T01 */
  MdSession    *cash;      /* a cashier: no reports */
  MdMedium     *account;
  MdFakeMedium *card;
  gint64        now;
  gint64        sale_feb10;     /* 100001, ¥200.00, WeChat */
  gint64        sale_card;      /* 200001, ¥100.00 cash, an energy card */
  gint64        sale_reversed;  /* 300001, ¥80.00 bank card, reversed */
  gint64        reversal;
  gint64        refund;         /* 100001, ¥20.00 cash */
  gint64        sale_water;     /* 400001, ¥30.00 Alipay */
} ReportFixture;

void    report_fixture_setup     (ReportFixture *f);
void    report_fixture_teardown  (ReportFixture *f);
void    report_fixture_at        (ReportFixture *f,
                                  const char    *iso);
gint64  report_fixture_sell      (ReportFixture *f,
                                  MdMedium      *medium,
                                  const char    *account,
                                  MdMoney        amount,
                                  MdPayMethod    pay);
gint64  report_fixture_query     (ReportFixture *f,
                                  const char    *sql,
                                  gint64         a,
                                  gint64         b);
gint64  report_fixture_time      (const char    *iso);

G_END_DECLS
