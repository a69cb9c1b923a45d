/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-settings.h"

#include <glib/gi18n-lib.h>

#include "md-card.h"
#include "md-core-private.h"
#include "md-monitor.h"
#include "md-shift.h"
#include "md-validate.h"

typedef enum
{
  KIND_NUMBER,
  KIND_TEXT,
  KIND_SECRET,    /* text, never shown */
} Kind;

typedef struct
{
  const char *key;
  gint64      min;
  gint64      max;
  gint64      fallback;
  const char *summary;
  Kind        kind;
  const char *text_fallback;
} Known;

static const Known known[] = {
  { "card.lost-wait-hours", 0, 8760, MD_CARD_LOST_WAIT_USEC / ((gint64) 3600 * G_USEC_PER_SEC),
    N_("Hours between reporting a card lost and issuing its replacement") },
  { "shift.over-short-limit", 0, G_GINT64_CONSTANT (100000000), MD_SHIFT_OVER_SHORT_LIMIT,
    N_("Fen a closing count may be over or short without a supervisor") },
  /* The meter services (docs/daemon.md). */
  { "poll.interval-seconds", 1, 86400, 30, N_("Seconds between two sweeps of a meter bus") },
  { "poll.offline-after", 1, 100, 3, N_("Missed reads in a row before a meter is offline") },
  { "alarm.level1", 0, G_GINT64_CONSTANT (100000000), MD_ALARM_LEVEL1_DEFAULT,
    N_("Low-balance level 1, fen of credit left") },
  { "alarm.level2", 0, G_GINT64_CONSTANT (100000000), MD_ALARM_LEVEL2_DEFAULT,
    N_("Low-balance level 2, fen of credit left") },
  { "alarm.level3", 0, G_GINT64_CONSTANT (100000000), MD_ALARM_LEVEL3_DEFAULT,
    N_("Low-balance level 3, fen of credit left") },
  { "alarm.arrears-trip", 0, 1, 1,
    N_("Trip the meters of system-billed accounts in arrears (1) or only alert (0)") },
  { "alarm.power-limit", 0, 10000000, 0,
    N_("Over-power limit in W of meters without their own, 0 for none") },
  { "notify.channels", 0, 0, 0, N_("Notification channels, comma-separated: log, command"),
    KIND_TEXT, "log" },
  { "notify.command", 0, 0, 0, N_("The program the command channel runs"), KIND_TEXT, "" },
  { "notify.command-timeout", 1, 3600, 30,
    N_("Seconds before the notification program is stopped") },
  { "notify.staff", 0, 0, 0, N_("Who gets the alerts not about a customer's account"),
    KIND_TEXT, "" },
  { "notify.attempts", 1, 100, 5, N_("Tries before a notification counts as failed") },
  { "notify.retry-seconds", 0, 86400, 10,
    N_("Seconds before a failed notification is tried again, doubled each time") },
  { "remote.wait-seconds", 1, 600, 20,
    N_("Seconds the counter waits for a remote recharge or a meter command") },
  { "remote.recharge-timeout-seconds", 10, 86400, 300,
    N_("Seconds the service host keeps trying a remote recharge") },
  { "dlt645.operator", 0, 0, 0, N_("DL/T 645 operator code written with parameters"), KIND_TEXT,
    "00000000" },
  { "dlt645.password", 0, 0, 0, N_("DL/T 645 password for writes"), KIND_SECRET, "" },
};

static const Known *
find_known (const char  *key,
            GError     **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_strcmp0 (known[i].key, key) == 0)
      return &known[i];
  {
    g_autofree char *shown = md_input_quote (key);

    g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                 _("Unknown setting “%s”; see setting list"), shown);
  }
  return NULL;
}

typedef struct
{
  MdSession  *session;
  const char *key;
  char       *value;
  gboolean    secret;
} SetData;

static gboolean
set_txn (MdStore  *store,
         gpointer  user_data,
         GError  **error)
{
  SetData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("setting:%s", data->key);
  /* A secret's value stays out of the audit chain. */
  g_autofree char *detail = _md_detail ("value", data->secret ? "********" : data->value, NULL);

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO setting (key, value) VALUES ($1, $2) "
                                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, data->key);
  md_stmt_bind_text (stmt, 2, data->value);
  return md_stmt_exec (stmt, error) &&
         _md_audit (store, data->session, 0, "setting.set", object, detail, error);
}

/**
 * md_setting_set:
 * @key: one of the keys md_setting_list() shows
 * @value: a whole number in the key's range, or the text of a text
 *   setting (notify.command…)
 *
 * Changes a site setting (an administrator).
 */
gboolean
md_setting_set (MdSession   *session,
                const char  *key,
                const char  *value,
                GError     **error)
{
  g_autofree char *normal = NULL;
  const Known *k;
  gint64 number;
  SetData data = { session, key };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!(k = find_known (key, error)))
    return FALSE;
  if (k->kind != KIND_NUMBER)
    {
      if (!md_validate_text (value, key, FALSE, 1024, error) ||
          !md_session_require (session, MD_PERM_SETTINGS, error))
        return FALSE;
      data.value = normal = g_strdup (value != NULL ? value : "");
      data.secret = k->kind == KIND_SECRET;
      return md_store_write (md_session_get_store (session), set_txn, &data, error);
    }
  if (!md_parse_int (value, key, k->min, k->max, &number, error) ||
      !md_session_require (session, MD_PERM_SETTINGS, error))
    return FALSE;
  data.value = normal = g_strdup_printf ("%" G_GINT64_FORMAT, number);
  return md_store_write (md_session_get_store (session), set_txn, &data, error);
}

static gboolean
text_value (MdStore     *store,
            const char  *key,
            char       **out_text,
            GError     **error)
{
  return _md_lookup_text (store, out_text, error, "SELECT value FROM setting WHERE key = $1", key,
                          NULL);
}

/**
 * md_setting_list:
 *
 * Returns: (transfer full): every setting a site may change, with its
 *   value (or the default) and what it does
 */
JsonNode *
md_setting_list (MdSession  *session,
                 GError    **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  MdStore *store;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;
  store = md_session_get_store (session);

  json_builder_begin_array (builder);
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    {
      g_autofree char *fallback = g_strdup_printf ("%" G_GINT64_FORMAT, known[i].fallback);
      gint64 value = G_MININT64;

      if (known[i].kind != KIND_NUMBER)
        {
          g_autofree char *text = NULL;

          if (!text_value (store, known[i].key, &text, error))
            return NULL;
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "key");
          json_builder_add_string_value (builder, known[i].key);
          json_builder_set_member_name (builder, "value");
          if (known[i].kind == KIND_SECRET)
            json_builder_add_string_value (builder, text != NULL && *text != '\0' ? "********"
                                                                                 : "");
          else
            json_builder_add_string_value (builder, text != NULL ? text
                                                                 : known[i].text_fallback);
          json_builder_set_member_name (builder, "default");
          json_builder_add_string_value (builder, known[i].text_fallback);
          json_builder_set_member_name (builder, "description");
          json_builder_add_string_value (builder, _(known[i].summary));
          json_builder_end_object (builder);
          continue;
        }
      if (!_md_lookup_id (store, &value, error,
                          "SELECT COALESCE((SELECT CAST(value AS BIGINT) FROM setting "
                          "WHERE key = $1), -9223372036854775807 - 1)", known[i].key, NULL))
        return NULL;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "key");
      json_builder_add_string_value (builder, known[i].key);
      json_builder_set_member_name (builder, "value");
      json_builder_add_int_value (builder, value != G_MININT64 ? value : known[i].fallback);
      json_builder_set_member_name (builder, "default");
      json_builder_add_string_value (builder, fallback);
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, _(known[i].summary));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}
