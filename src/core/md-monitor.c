/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-clock.h"
#include "md-core-private.h"
#include "md-monitor.h"
#include "md-pricing.h"
#include "md-validate.h"

static void
bind_value (MdStmt *stmt,
            guint   index,
            gint64  value)
{
  md_stmt_bind_int64_or_null (stmt, index, value, value == MD_VALUE_UNKNOWN);
}

/* The site-local day of @at, "YYYY-MM-DD": a day's use runs from the last
 * reading before its midnight. */
static char *
local_day (GTimeZone *zone,
           gint64     at)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (at / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, zone);

  return g_date_time_format (local, "%Y-%m-%d");
}

typedef struct
{
  const MdMeterReading *readings;
  guint                 n;
} RecordData;

static gboolean
record_txn (MdStore  *store,
            gpointer  user_data,
            GError  **error)
{
  RecordData *data = user_data;
  g_autoptr(GTimeZone) zone = md_site_timezone (store);
  g_autoptr(MdStmt) state = NULL;
  g_autoptr(MdStmt) reading = NULL;

  if (!(state = md_store_prepare (store,
          "INSERT INTO meter_state (meter_id, online, relay, keep_power, energy, credit, power, "
          "  read_at, tried_at, misses, last_error, day, day_start) "
          "SELECT m.id, 1, $2, COALESCE(CAST($3 AS BIGINT), 0), CAST($4 AS BIGINT), "
          "  CAST($5 AS BIGINT), CAST($6 AS BIGINT), CAST($7 AS BIGINT), CAST($7 AS BIGINT), 0, '', "
          "  $8, CAST($4 AS BIGINT) "
          "FROM meter m WHERE m.address = $1 "
          "ON CONFLICT (meter_id) DO UPDATE SET online = 1, "
          "  relay = COALESCE(excluded.relay, meter_state.relay), "
          "  keep_power = COALESCE(CAST($3 AS BIGINT), meter_state.keep_power), "
          "  energy = COALESCE(excluded.energy, meter_state.energy), "
          "  credit = COALESCE(excluded.credit, meter_state.credit), "
          "  power = COALESCE(excluded.power, meter_state.power), "
          "  read_at = excluded.read_at, tried_at = excluded.tried_at, misses = 0, last_error = '', "
          "  day = excluded.day, "
          "  day_start = CASE WHEN meter_state.day = excluded.day THEN meter_state.day_start "
          "                   ELSE COALESCE(meter_state.energy, excluded.energy) END",
          error)) ||
      !(reading = md_store_prepare (store,
          "INSERT INTO meter_reading (meter_id, at, energy, credit, relay) "
          "SELECT id, CAST($2 AS BIGINT), CAST($3 AS BIGINT), CAST($4 AS BIGINT), $5 "
          "FROM meter WHERE address = $1", error)))
    return FALSE;

  for (guint i = 0; i < data->n; i++)
    {
      const MdMeterReading *r = &data->readings[i];
      g_autofree char *day = local_day (zone, r->at);

      md_stmt_bind_text (state, 1, r->address);
      md_stmt_bind_text (state, 2, r->relay);
      md_stmt_bind_int64_or_null (state, 3, r->keep_power, r->keep_power < 0);
      bind_value (state, 4, r->energy);
      bind_value (state, 5, r->credit);
      bind_value (state, 6, r->power);
      md_stmt_bind_int64 (state, 7, r->at);
      md_stmt_bind_text (state, 8, day);
      if (!md_stmt_exec (state, error))
        return FALSE;
      if (md_stmt_changes (state) == 0)
        {
          g_autofree char *shown = md_input_quote (r->address);

          g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                       _("There is no meter %s"), shown);
          return FALSE;
        }
      if (r->energy == MD_VALUE_UNKNOWN)
        continue;
      md_stmt_bind_text (reading, 1, r->address);
      md_stmt_bind_int64 (reading, 2, r->at);
      md_stmt_bind_int64 (reading, 3, r->energy);
      bind_value (reading, 4, r->credit);
      md_stmt_bind_text (reading, 5, r->relay);
      if (!md_stmt_exec (reading, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * md_meter_readings_record:
 * @readings: (array length=n_readings): what meters answered
 *
 * Records the answers in one transaction (a poller writes a sweep in
 * batches): each meter is online again, its state updated with what was
 * read (unread values keep the last known), and a reading appended when the
 * register was read.
 */
gboolean
md_meter_readings_record (MdStore               *store,
                          const MdMeterReading  *readings,
                          guint                  n_readings,
                          GError               **error)
{
  RecordData data = { readings, n_readings };

  g_return_val_if_fail (MD_IS_STORE (store), FALSE);
  g_return_val_if_fail (readings != NULL || n_readings == 0, FALSE);

  if (n_readings == 0)
    return TRUE;
  return md_store_write (store, record_txn, &data, error);
}

typedef struct
{
  const char *address;
  gint64      at;
  const char *reason;
  guint       offline_after;
  gboolean    went_offline;
} MissData;

static gboolean
miss_txn (MdStore  *store,
          gpointer  user_data,
          GError  **error)
{
  MissData *data = user_data;
  g_autoptr(MdStmt) lookup = NULL;
  g_autoptr(MdStmt) update = NULL;
  GError *local_error = NULL;
  gint64 meter_id = 0;
  gboolean online = FALSE;
  gint64 misses = 0;

  if (!(lookup = md_store_prepare (store,
                                   "SELECT m.id, COALESCE(ms.online, 0), COALESCE(ms.misses, 0) "
                                   "FROM meter m LEFT JOIN meter_state ms ON ms.meter_id = m.id "
                                   "WHERE m.address = $1", error)))
    return FALSE;
  md_stmt_bind_text (lookup, 1, data->address);
  if (md_stmt_step (lookup, &local_error))
    {
      meter_id = md_stmt_get_int64 (lookup, 0);
      online = md_stmt_get_int64 (lookup, 1) != 0;
      misses = md_stmt_get_int64 (lookup, 2);
      md_stmt_exec (lookup, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (meter_id == 0)
    {
      g_autofree char *shown = md_input_quote (data->address);

      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                   _("There is no meter %s"), shown);
      return FALSE;
    }

  misses++;
  data->went_offline = online && misses >= data->offline_after;
  if (!(update = md_store_prepare (store,
          "INSERT INTO meter_state (meter_id, online, tried_at, misses, last_error) "
          "VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), CAST($4 AS BIGINT), $5) "
          "ON CONFLICT (meter_id) DO UPDATE SET online = excluded.online, "
          "  tried_at = excluded.tried_at, misses = excluded.misses, "
          "  last_error = excluded.last_error", error)))
    return FALSE;
  md_stmt_bind_int64 (update, 1, meter_id);
  md_stmt_bind_int64 (update, 2, online && misses < data->offline_after ? 1 : 0);
  md_stmt_bind_int64 (update, 3, data->at);
  md_stmt_bind_int64 (update, 4, misses);
  md_stmt_bind_text (update, 5, data->reason != NULL ? data->reason : "");
  return md_stmt_exec (update, error);
}

/**
 * md_meter_miss:
 * @offline_after: misses in a row after which the meter is offline
 * @out_went_offline: (out) (optional): %TRUE when this miss took the meter
 *   offline (an offline alarm is due)
 *
 * Records that @address did not answer.
 */
gboolean
md_meter_miss (MdStore     *store,
               const char  *address,
               gint64       at,
               const char  *reason,
               guint        offline_after,
               gboolean    *out_went_offline,
               GError     **error)
{
  MissData data = { address, at, reason, MAX (offline_after, 1), FALSE };

  g_return_val_if_fail (MD_IS_STORE (store), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  if (!md_store_write (store, miss_txn, &data, error))
    return FALSE;
  if (out_went_offline != NULL)
    *out_went_offline = data.went_offline;
  return TRUE;
}

/**
 * md_alarm_level:
 * @thresholds: fen at or under which levels 1, 2 and 3 are reached
 *
 * Returns: the low-balance level @credit reaches, 0 for none
 */
int
md_alarm_level (const gint64 thresholds[3],
                MdMoney      credit)
{
  for (int level = 3; level >= 1; level--)
    if (credit <= thresholds[level - 1])
      return level;
  return 0;
}

static void
site_thresholds (MdStore *store,
                 gint64   out[3])
{
  static const char *keys[] = { "alarm.level1", "alarm.level2", "alarm.level3" };
  const gint64 defaults[] = { MD_ALARM_LEVEL1_DEFAULT, MD_ALARM_LEVEL2_DEFAULT,
                              MD_ALARM_LEVEL3_DEFAULT };

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                                 "SELECT CAST(value AS BIGINT) FROM setting "
                                                 "WHERE key = $1", NULL);

      out[i] = defaults[i];
      if (stmt == NULL)
        continue;
      md_stmt_bind_text (stmt, 1, keys[i]);
      if (md_stmt_step (stmt, NULL))
        {
          out[i] = md_stmt_get_int64 (stmt, 0);
          md_stmt_exec (stmt, NULL);
        }
    }
}

/**
 * md_alarm_thresholds:
 * @out_thresholds: (out caller-allocates) (array fixed-size=3): levels 1–3
 *
 * The account's own thresholds, the site's settings where it has none.
 */
gboolean
md_alarm_thresholds (MdStore     *store,
                     const char  *account_no,
                     gint64       out_thresholds[3],
                     GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  site_thresholds (store, out_thresholds);
  if (!(stmt = md_store_prepare (store, "SELECT alarm1, alarm2, alarm3 FROM account WHERE no = $1",
                                 error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, account_no);
  if (md_stmt_step (stmt, &local_error))
    {
      for (guint i = 0; i < 3; i++)
        if (!md_stmt_is_null (stmt, i))
          out_thresholds[i] = md_stmt_get_int64 (stmt, i);
      md_stmt_exec (stmt, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

void
md_board_row_free (MdBoardRow *row)
{
  if (row == NULL)
    return;
  g_free (row->address);
  g_free (row->utility);
  g_free (row->model);
  g_free (row->bus);
  g_free (row->site);
  g_free (row->building);
  g_free (row->floor);
  g_free (row->room);
  g_free (row->account_no);
  g_free (row->customer);
  g_free (row->account_state);
  g_free (row->relay);
  g_free (row);
}

enum {
  B_ADDRESS, B_UTILITY, B_MODEL, B_BUS, B_SITE, B_BUILDING, B_FLOOR, B_ROOM, B_ACCOUNT,
  B_CUSTOMER, B_STATE, B_BILLING, B_STATE_ID, B_ONLINE, B_RELAY, B_KEEP, B_ENERGY, B_CREDIT,
  B_POWER, B_READ_AT, B_MISSES, B_DAY, B_DAY_START, B_BALANCE, B_ALARM1,
};

static char *
dup_text (MdStmt *stmt,
          guint   column)
{
  return md_stmt_is_null (stmt, column) ? NULL : g_strdup (md_stmt_get_text (stmt, column));
}

static gint64
get_value (MdStmt *stmt,
           guint   column)
{
  return md_stmt_is_null (stmt, column) ? MD_VALUE_UNKNOWN : md_stmt_get_int64 (stmt, column);
}

/**
 * md_board_rows:
 *
 * The status board: every installed meter with its room, account, online
 * state, relay, credit (the account's under system billing, the meter's
 * otherwise), today's use and low-balance level — one query, in site,
 * building, floor, room order. Filtering is the caller's (it has all rows).
 *
 * Returns: (transfer full) (element-type MdBoardRow): the rows
 */
GPtrArray *
md_board_rows (MdSession  *session,
               GError    **error)
{
  MdStore *store;
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) md_board_row_free);
  g_autoptr(GTimeZone) zone = NULL;
  g_autofree char *today = NULL;
  GError *local_error = NULL;
  gint64 site[3];

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;
  store = md_session_get_store (session);
  zone = md_site_timezone (store);
  today = local_day (zone, md_clock_now ());
  site_thresholds (store, site);

  if (!(stmt = md_store_prepare (store,
          "SELECT m.address, m.utility, m.model, bus.name, s.code, b.code, f.code, r.code, "
          "  a.no, c.name, a.state, a.billing, ms.meter_id, ms.online, ms.relay, ms.keep_power, "
          "  ms.energy, ms.credit, ms.power, ms.read_at, ms.misses, ms.day, ms.day_start, "
          "  bl.value, a.alarm1, a.alarm2, a.alarm3 "
          "FROM meter m "
          "LEFT JOIN meter_state ms ON ms.meter_id = m.id "
          "LEFT JOIN account a ON a.id = m.account_id "
          "LEFT JOIN customer c ON c.id = a.customer_id "
          "LEFT JOIN room r ON r.id = m.room_id "
          "LEFT JOIN floor f ON f.id = r.floor_id "
          "LEFT JOIN building b ON b.id = f.building_id "
          "LEFT JOIN site s ON s.id = b.site_id "
          "LEFT JOIN bus ON bus.id = m.bus_id "
          "LEFT JOIN balance bl ON bl.account = 'prepaid:' || a.no "
          "WHERE m.state = 'installed' "
          "ORDER BY s.code, b.code, f.code, r.code, m.address", error)))
    return NULL;

  while (md_stmt_step (stmt, &local_error))
    {
      MdBoardRow *row = g_new0 (MdBoardRow, 1);
      gint64 thresholds[3];
      gint64 energy = get_value (stmt, B_ENERGY);
      gint64 day_start = get_value (stmt, B_DAY_START);

      row->address = dup_text (stmt, B_ADDRESS);
      row->utility = dup_text (stmt, B_UTILITY);
      row->model = dup_text (stmt, B_MODEL);
      row->bus = dup_text (stmt, B_BUS);
      row->site = dup_text (stmt, B_SITE);
      row->building = dup_text (stmt, B_BUILDING);
      row->floor = dup_text (stmt, B_FLOOR);
      row->room = dup_text (stmt, B_ROOM);
      row->account_no = dup_text (stmt, B_ACCOUNT);
      row->customer = dup_text (stmt, B_CUSTOMER);
      row->account_state = dup_text (stmt, B_STATE);
      row->system_billing = g_strcmp0 (md_stmt_get_text (stmt, B_BILLING), "system") == 0;
      row->known = !md_stmt_is_null (stmt, B_STATE_ID);
      row->online = row->known && md_stmt_get_int64 (stmt, B_ONLINE) != 0;
      row->relay = dup_text (stmt, B_RELAY);
      row->keep_power = row->known && md_stmt_get_int64 (stmt, B_KEEP) != 0;
      row->power = get_value (stmt, B_POWER);
      row->read_at = get_value (stmt, B_READ_AT);
      row->misses = row->known ? (guint) md_stmt_get_int64 (stmt, B_MISSES) : 0;

      if (row->system_billing)
        row->credit = md_stmt_is_null (stmt, B_BALANCE) ? 0 : -md_stmt_get_int64 (stmt, B_BALANCE);
      else
        row->credit = get_value (stmt, B_CREDIT);

      row->today = MD_VALUE_UNKNOWN;
      if (energy != MD_VALUE_UNKNOWN && day_start != MD_VALUE_UNKNOWN &&
          g_strcmp0 (md_stmt_get_text (stmt, B_DAY), today) == 0)
        row->today = energy - day_start;

      for (guint i = 0; i < 3; i++)
        thresholds[i] = md_stmt_is_null (stmt, B_ALARM1 + i) ? site[i]
                                                              : md_stmt_get_int64 (stmt, B_ALARM1 + i);
      if (row->account_no != NULL && g_strcmp0 (row->account_state, "open") == 0 &&
          row->credit != MD_VALUE_UNKNOWN)
        row->alarm_level = md_alarm_level (thresholds, row->credit);

      g_ptr_array_add (rows, row);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}
