/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-card.h"
#include "md-clock.h"
#include "md-ledger.h"
#include "md-monitor.h"
#include "md-money.h"
#include "md-service-private.h"

/*
 * What the poller and the commands read goes into the core's meter state
 * store (md_meter_readings_record(), md_meter_miss()), and the alarms it
 * sets off are raised in the same transaction (MISSION.md "Monitoring and
 * alarms"): low balance in three levels per account, once per crossing;
 * arrears trip of a system-billed account at zero credit unless keep-power,
 * and the close once it has credit again; over-power trip; offline. Every
 * alert goes to the alert table and, for each channel, to the outbox.
 */

static const char * const notify_kinds_customer[] = { "low-balance", "arrears", NULL };

static gboolean
enqueue_notifications (MdStore     *store,
                       gint64       alert_id,
                       const char  *kind,
                       const char  *object,
                       const char  *message,
                       const char  *customer_phone,
                       GError     **error)
{
  g_autofree char *channels = _md_setting_text (store, "notify.channels", "log");
  g_autofree char *staff = _md_setting_text (store, "notify.staff", "");
  g_auto(GStrv) list = g_strsplit (channels, ",", -1);
  gboolean customer = g_strv_contains (notify_kinds_customer, kind) &&
                      customer_phone != NULL && *customer_phone != '\0';
  gint64 now = md_clock_now ();

  for (guint i = 0; list[i] != NULL; i++)
    {
      g_autoptr(MdStmt) stmt = NULL;
      const char *channel = g_strstrip (list[i]);

      if (*channel == '\0')
        continue;
      if (!(stmt = md_store_prepare (store,
              "INSERT INTO notification (alert_id, channel, recipient, kind, object, message, "
              "  next_at, created_at) VALUES (CAST($1 AS BIGINT), $2, $3, $4, $5, $6, "
              "  CAST($7 AS BIGINT), CAST($7 AS BIGINT))", error)))
        return FALSE;
      md_stmt_bind_int64_or_null (stmt, 1, alert_id, alert_id == 0);
      md_stmt_bind_text (stmt, 2, channel);
      md_stmt_bind_text (stmt, 3, customer ? customer_phone : staff);
      md_stmt_bind_text (stmt, 4, kind);
      md_stmt_bind_text (stmt, 5, object);
      md_stmt_bind_text (stmt, 6, message);
      md_stmt_bind_int64 (stmt, 7, now);
      if (!md_stmt_exec (stmt, error))
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  MdSession  *system;
  const char *kind;
  const char *object;
  const char *message;
  const char *phone;
} AlertData;

static gboolean
alert_txn (MdStore  *store,
           gpointer  user_data,
           GError  **error)
{
  AlertData *data = user_data;
  gint64 alert_id = 0;

  if (!md_alert_raise (data->system, data->kind, data->object, data->message, error) ||
      !md_store_query_int64 (store, "SELECT COALESCE(MAX(id), 0) FROM alert", &alert_id, error))
    return FALSE;
  g_message ("alert %s %s: %s", data->kind, data->object, data->message);
  return enqueue_notifications (store, alert_id, data->kind, data->object, data->message,
                                data->phone, error);
}

/* An alert and its notifications, in the caller's transaction if any. */
gboolean
_md_alert_with_notice (MdSession   *system,
                       const char  *kind,
                       const char  *object,
                       const char  *message,
                       const char  *customer_phone,
                       GError     **error)
{
  AlertData data = { system, kind, object, message, customer_phone };

  return md_store_write (md_session_get_store (system), alert_txn, &data, error);
}

static gboolean
set_alarm_state (MdStore     *store,
                 const char  *object,
                 const char  *kind,
                 gint64       level,
                 GError     **error)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
      "INSERT INTO alarm_state (object, kind, level, since) VALUES ($1, $2, CAST($3 AS BIGINT), "
      "  CAST($4 AS BIGINT)) ON CONFLICT (object, kind) DO UPDATE SET level = excluded.level, "
      "  since = excluded.since", error);

  if (stmt == NULL)
    return FALSE;
  md_stmt_bind_text (stmt, 1, object);
  md_stmt_bind_text (stmt, 2, kind);
  md_stmt_bind_int64 (stmt, 3, level);
  md_stmt_bind_int64 (stmt, 4, md_clock_now ());
  return md_stmt_exec (stmt, error);
}

static gboolean
queue_control (MdStore     *store,
               MdSession   *system,
               gint64       meter_id,
               const char  *op,
               const char  *source,
               GError     **error)
{
  MdCommandInsert insert = { meter_id, op, "{}", 0, 0, MD_PRIORITY_ALARM, source, 0, 0,
                             md_session_get_terminal (system) };
  gint64 open = 0;
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                             "SELECT count(*) FROM meter_command WHERE meter_id = $1 "
                                             "AND op = $2 AND state IN ('queued', 'running')",
                                             error);

  if (stmt == NULL)
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, meter_id);
  md_stmt_bind_text (stmt, 2, op);
  if (md_stmt_step (stmt, NULL))
    {
      open = md_stmt_get_int64 (stmt, 0);
      md_stmt_exec (stmt, NULL);
    }
  if (open > 0)
    return TRUE;
  return _md_command_insert (store, &insert, NULL, error);
}

enum {
  A_METER_ID, A_ACCOUNT, A_STATE, A_BILLING, A_ALARM1, A_ALARM2, A_ALARM3, A_PHONE, A_CREDIT,
  A_RELAY, A_KEEP, A_POWER, A_BALANCE, A_LIMIT, A_LOW, A_ARREARS, A_OVER,
};

/* The alarms of one meter that has just answered. */
static gboolean
evaluate (MdStore          *store,
          MdRecordContext  *context,
          const char       *address,
          const gint64      site[3],
          gint64            site_limit,
          GError          **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *account = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *account_object = NULL;
  g_autofree char *meter_object = g_strdup_printf ("meter:%s", address);
  GError *local_error = NULL;
  gboolean open_account, system_billing, keep_power, tripped;
  gint64 meter_id, credit, power, limit, low, arrears, over;
  gint64 thresholds[3];

  if (!(stmt = md_store_prepare (store,
          "SELECT m.id, a.no, a.state, a.billing, a.alarm1, a.alarm2, a.alarm3, c.phone, "
          "  ms.credit, ms.relay, ms.keep_power, ms.power, bl.value, m.power_limit, "
          "  (SELECT level FROM alarm_state WHERE object = 'account:' || a.no "
          "     AND kind = 'low-balance'), "
          "  (SELECT level FROM alarm_state WHERE object = 'meter:' || m.address "
          "     AND kind = 'arrears'), "
          "  (SELECT level FROM alarm_state WHERE object = 'meter:' || m.address "
          "     AND kind = 'over-power') "
          "FROM meter m JOIN meter_state ms ON ms.meter_id = m.id "
          "LEFT JOIN account a ON a.id = m.account_id "
          "LEFT JOIN customer c ON c.id = a.customer_id "
          "LEFT JOIN balance bl ON bl.account = 'prepaid:' || a.no "
          "WHERE m.address = $1 AND m.state = 'installed'", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, address);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      return TRUE;
    }

  meter_id = md_stmt_get_int64 (stmt, A_METER_ID);
  account = md_stmt_is_null (stmt, A_ACCOUNT) ? NULL : g_strdup (md_stmt_get_text (stmt, A_ACCOUNT));
  open_account = account != NULL && g_strcmp0 (md_stmt_get_text (stmt, A_STATE), "open") == 0;
  system_billing = g_strcmp0 (md_stmt_get_text (stmt, A_BILLING), "system") == 0;
  phone = md_stmt_is_null (stmt, A_PHONE) ? NULL : g_strdup (md_stmt_get_text (stmt, A_PHONE));
  for (guint i = 0; i < 3; i++)
    thresholds[i] = md_stmt_is_null (stmt, A_ALARM1 + i) ? site[i]
                                                          : md_stmt_get_int64 (stmt, A_ALARM1 + i);
  if (system_billing)
    credit = md_stmt_is_null (stmt, A_BALANCE) ? 0 : -md_stmt_get_int64 (stmt, A_BALANCE);
  else
    credit = md_stmt_is_null (stmt, A_CREDIT) ? MD_SAMPLE_UNKNOWN
                                              : md_stmt_get_int64 (stmt, A_CREDIT);
  tripped = g_strcmp0 (md_stmt_get_text (stmt, A_RELAY), "tripped") == 0;
  keep_power = md_stmt_get_int64 (stmt, A_KEEP) != 0;
  power = md_stmt_is_null (stmt, A_POWER) ? MD_SAMPLE_UNKNOWN : md_stmt_get_int64 (stmt, A_POWER);
  limit = md_stmt_is_null (stmt, A_LIMIT) ? site_limit : md_stmt_get_int64 (stmt, A_LIMIT);
  low = md_stmt_is_null (stmt, A_LOW) ? 0 : md_stmt_get_int64 (stmt, A_LOW);
  arrears = md_stmt_is_null (stmt, A_ARREARS) ? 0 : md_stmt_get_int64 (stmt, A_ARREARS);
  over = md_stmt_is_null (stmt, A_OVER) ? 0 : md_stmt_get_int64 (stmt, A_OVER);
  md_stmt_exec (stmt, NULL);

  if (open_account && credit != MD_SAMPLE_UNKNOWN)
    {
      int level = md_alarm_level (thresholds, credit);

      account_object = g_strdup_printf ("account:%s", account);
      if (level > low)
        {
          g_autofree char *shown = md_money_format (credit, MD_MONEY_STYLE_CURRENCY);
          g_autofree char *message = g_strdup_printf (_("Account %s has %s of credit left: "
                                                        "low-balance level %d"),
                                                      account, shown, level);

          if (!_md_alert_with_notice (context->system, "low-balance", account_object, message,
                                      phone, error))
            return FALSE;
          context->alerts++;
        }
      /* Down again after a recharge: the next crossing raises anew. */
      if (level != low && !set_alarm_state (store, account_object, "low-balance", level, error))
        return FALSE;
    }

  /* Arrears (后台计费): the system trips the meter at zero credit and closes
   * it once the account has credit again. */
  if (open_account && system_billing && context->arrears_trip)
    {
      if (credit <= 0 && !keep_power && arrears == 0)
        {
          g_autofree char *shown = md_money_format (credit, MD_MONEY_STYLE_CURRENCY);
          g_autofree char *message = g_strdup_printf (_("Account %s is in arrears (%s): meter %s "
                                                        "is tripped"), account, shown, address);

          if (!set_alarm_state (store, meter_object, "arrears", 1, error) ||
              (!tripped && !queue_control (store, context->system, meter_id, "trip", "arrears",
                                           error)) ||
              !_md_alert_with_notice (context->system, "arrears", meter_object, message, phone,
                                      error))
            return FALSE;
          context->alerts++;
        }
      else if (credit > 0 && arrears != 0)
        {
          g_message ("account %s has credit again: closing meter %s", account, address);
          if (!set_alarm_state (store, meter_object, "arrears", 0, error) ||
              !queue_control (store, context->system, meter_id, "close", "arrears", error))
            return FALSE;
        }
    }

  /* Over-power: a load above the meter's limit trips it (not under
   * keep-power); it stays tripped until someone closes it. */
  if (limit > 0 && power != MD_SAMPLE_UNKNOWN)
    {
      if (power > limit && !keep_power && !tripped && over == 0)
        {
          g_autofree char *message = g_strdup_printf (_("Meter %s draws %lld W, over its limit "
                                                        "of %lld W: it is tripped"),
                                                      address, (long long) power,
                                                      (long long) limit);

          if (!set_alarm_state (store, meter_object, "over-power", 1, error) ||
              !queue_control (store, context->system, meter_id, "trip", "over-power", error) ||
              !_md_alert_with_notice (context->system, "over-power", meter_object, message, NULL,
                                      error))
            return FALSE;
          context->alerts++;
        }
      else if (over != 0 && !tripped && power <= limit &&
               !set_alarm_state (store, meter_object, "over-power", 0, error))
        return FALSE;
    }
  return TRUE;
}

/* A meter that has not answered once since it was installed is offline
 * too: md_meter_miss() only tells an online meter going offline. Said
 * once, at the miss that reaches @offline_after. */
static gboolean
never_answered (MdStore     *store,
                const char  *address,
                guint        offline_after,
                gboolean    *out_offline,
                GError     **error)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                             "SELECT ms.misses FROM meter_state ms "
                                             "JOIN meter m ON m.id = ms.meter_id "
                                             "WHERE m.address = $1 AND ms.read_at IS NULL", error);
  GError *local_error = NULL;

  *out_offline = FALSE;
  if (stmt == NULL)
    return FALSE;
  md_stmt_bind_text (stmt, 1, address);
  if (md_stmt_step (stmt, &local_error))
    {
      *out_offline = md_stmt_get_int64 (stmt, 0) == offline_after;
      md_stmt_exec (stmt, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  MdRecordContext *context;
  MdServiceSample *samples;
  guint            n;
} RecordData;

static gboolean
record_txn (MdStore  *store,
            gpointer  user_data,
            GError  **error)
{
  RecordData *data = user_data;
  g_autoptr(GArray) readings = g_array_sized_new (FALSE, TRUE, sizeof (MdMeterReading), data->n);
  gint64 site[3];
  gint64 site_limit;

  /* The site's thresholds, once per batch (md_alarm_thresholds() per
   * account would read them again for every meter). */
  site[0] = _md_setting_int (store, "alarm.level1", MD_ALARM_LEVEL1_DEFAULT);
  site[1] = _md_setting_int (store, "alarm.level2", MD_ALARM_LEVEL2_DEFAULT);
  site[2] = _md_setting_int (store, "alarm.level3", MD_ALARM_LEVEL3_DEFAULT);
  site_limit = _md_setting_int (store, "alarm.power-limit", 0);
  data->context->arrears_trip = _md_setting_int (store, "alarm.arrears-trip", 1) != 0;

  for (guint i = 0; i < data->n; i++)
    {
      MdServiceSample *s = &data->samples[i];
      MdMeterReading r = { 0 };

      if (!s->ok)
        continue;
      r.address = s->address;
      r.at = s->at;
      r.energy = s->energy == MD_SAMPLE_UNKNOWN ? MD_VALUE_UNKNOWN : s->energy;
      r.credit = s->credit == MD_SAMPLE_UNKNOWN ? MD_VALUE_UNKNOWN : s->credit;
      r.power = s->power == MD_SAMPLE_UNKNOWN ? MD_VALUE_UNKNOWN : s->power;
      r.relay = s->relay < 0 ? NULL : s->relay ? "tripped" : "closed";
      r.keep_power = s->keep_power;
      g_array_append_val (readings, r);
    }
  if (!md_meter_readings_record (store, (MdMeterReading *) readings->data, readings->len, error))
    return FALSE;

  for (guint i = 0; i < data->n; i++)
    {
      MdServiceSample *s = &data->samples[i];

      if (s->ok)
        {
          if (!evaluate (store, data->context, s->address, site, site_limit, error))
            return FALSE;
        }
      else
        {
          gboolean went_offline = FALSE;

          if (!md_meter_miss (store, s->address, s->at, s->error, data->context->offline_after,
                              &went_offline, error))
            return FALSE;
          if (!went_offline && !never_answered (store, s->address, data->context->offline_after,
                                                &went_offline, error))
            return FALSE;
          if (went_offline)
            {
              g_autofree char *object = g_strdup_printf ("meter:%s", s->address);
              g_autofree char *message = g_strdup_printf (_("Meter %s stopped answering (%s)"),
                                                          s->address,
                                                          s->error != NULL ? s->error : "");

              if (!_md_alert_with_notice (data->context->system, "offline", object, message, NULL,
                                          error))
                return FALSE;
              data->context->alerts++;
            }
        }
    }
  return TRUE;
}

/* One batch of answers and misses, with their alarms, in one transaction. */
gboolean
_md_service_record (MdStore          *store,
                    MdRecordContext  *context,
                    MdServiceSample  *samples,
                    guint             n_samples,
                    GError          **error)
{
  RecordData data = { context, samples, n_samples };
  guint alerts = context->alerts;

  if (n_samples == 0)
    return TRUE;
  if (!md_store_write (store, record_txn, &data, error))
    {
      /* A transaction that ran again must not count twice. */
      context->alerts = alerts;
      return FALSE;
    }
  return TRUE;
}
