/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-auth.h"
#include "md-money.h"

G_BEGIN_DECLS

/*
 * What the meters say, kept for everyone (ARCHITECTURE.md "Meters"): the
 * latest state of each meter and its readings, recorded by whoever read it,
 * and the status board (MISSION.md "Monitoring and alarms") computed from it
 * in one query for any number of meters.
 */

/* A value a reading did not carry. */
#define MD_VALUE_UNKNOWN G_MININT64

/**
 * MdMeterReading:
 * @address: the meter
 * @at: when it answered, µs since the epoch
 * @energy: the cumulative register, Wh (litres for water), or %MD_VALUE_UNKNOWN
 * @credit: fen left in a money meter, or %MD_VALUE_UNKNOWN
 * @power: active power in W, or %MD_VALUE_UNKNOWN
 * @relay: (nullable): "closed" or "tripped" (a water valve: open is "closed")
 * @keep_power: 1, 0, or -1 when not read
 */
typedef struct
{
  const char *address;
  gint64      at;
  gint64      energy;
  gint64      credit;
  gint64      power;
  const char *relay;
  int         keep_power;
} MdMeterReading;

/**
 * MdBoardRow:
 *
 * One meter on the status board. Money in fen, energy in Wh (litres);
 * @credit and @today are %MD_VALUE_UNKNOWN when nobody knows them.
 * @alarm_level is 0 (none) or the low-balance level 1–3 reached.
 */
typedef struct
{
  char     *address;
  char     *utility;
  char     *model;
  char     *bus;
  char     *site;
  char     *building;
  char     *floor;
  char     *room;
  char     *account_no;
  char     *customer;
  char     *account_state;
  gboolean  system_billing;
  gboolean  online;
  gboolean  known;          /* ever read */
  char     *relay;
  gboolean  keep_power;
  gint64    credit;
  gint64    today;
  gint64    power;
  gint64    read_at;
  guint     misses;
  int       alarm_level;
} MdBoardRow;

#define MD_ALARM_LEVEL1_DEFAULT 5000   /* ¥50.00 */
#define MD_ALARM_LEVEL2_DEFAULT 2000   /* ¥20.00 */
#define MD_ALARM_LEVEL3_DEFAULT 0      /* nothing left */

gboolean    md_meter_readings_record  (MdStore               *store,
                                       const MdMeterReading  *readings,
                                       guint                  n_readings,
                                       GError               **error);
gboolean    md_meter_miss             (MdStore               *store,
                                       const char            *address,
                                       gint64                 at,
                                       const char            *reason,
                                       guint                  offline_after,
                                       gboolean              *out_went_offline,
                                       GError               **error);
GPtrArray  *md_board_rows             (MdSession             *session,
                                       GError               **error);
int         md_alarm_level            (const gint64           thresholds[3],
                                       MdMoney                credit);
gboolean    md_alarm_thresholds       (MdStore               *store,
                                       const char            *account_no,
                                       gint64                 out_thresholds[3],
                                       GError               **error);
void        md_board_row_free         (MdBoardRow            *row);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdBoardRow, md_board_row_free)

G_END_DECLS
