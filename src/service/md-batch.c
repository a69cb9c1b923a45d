/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "md-clock.h"
#include "md-core-private.h"
#include "md-money.h"
#include "md-pricing.h"
#include "md-service-private.h"
#include "md-validate.h"

/*
 * Batch jobs (批量操作, MISSION.md): one operation over a selection of
 * meters, now or at a set time. The batch row says what and when; each
 * meter is a meter_command row with the batch's id (priority below the
 * counter's commands), so a batch is executed, retried after a host's
 * death and reported like any command, with a result per meter.
 */

static const struct
{
  const char *name;
  const char *op;
} batch_ops[] = {
  { "set-params", "set-params" },          /* prices, alarm amounts, power limit */
  { "thresholds", "thresholds" },          /* the accounts' low-balance levels */
  { "trip", "trip" },                      /* forced off */
  { "close", "close" },                    /* forced on */
  { "keep-power", "keep-power" },
  { "release-keep-power", "release-keep-power" },
  { "prepaid-mode", "mode-local" },        /* restore prepaid (local) mode */
  { "remote-mode", "mode-remote" },
  { "read", "read" },                      /* read all, export as CSV */
};

static const char * const param_names[] = {
  "alarm_1", "alarm_2", "power_limit", "price_1", "price_2", "price_3", "price_4", NULL
};
static const char * const threshold_names[] = { "level1", "level2", "level3", NULL };

static gboolean
check_params (const char  *op,
              JsonObject  *params,
              GError     **error)
{
  const char * const *allowed = g_str_equal (op, "set-params") ? param_names
                                : g_str_equal (op, "thresholds") ? threshold_names : NULL;
  g_autoptr(GList) members = params != NULL ? json_object_get_members (params) : NULL;

  if (allowed != NULL && members == NULL)
    {
      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED,
                   _("The batch operation %s needs at least one value"), op);
      return FALSE;
    }
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (params, l->data);

      if (allowed == NULL || !g_strv_contains (allowed, l->data))
        {
          g_autofree char *shown = md_input_quote (l->data);

          g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                       _("The batch operation %s takes no value %s"), op, shown);
          return FALSE;
        }
      if (json_node_get_value_type (value) != G_TYPE_INT64 || json_node_get_int (value) < 0)
        {
          g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                       _("%s must be a whole number, zero or more"), (const char *) l->data);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * md_service_batch_set_param:
 * @params: the batch's values
 * @key: a value's name: `price_1`..`price_4` (yuan, 4 decimals),
 *   `alarm_1`, `alarm_2`, `level1`..`level3` (yuan) or `power_limit` (W)
 * @text: the value as typed
 *
 * Adds one value of a `set-params` or `thresholds` batch, in the store's
 * units (0.0001 yuan, fen, W). Which keys an operation takes is checked
 * when the batch is created.
 */
gboolean
md_service_batch_set_param (JsonObject  *params,
                            const char  *key,
                            const char  *text,
                            GError     **error)
{
  gint64 v = 0;

  g_return_val_if_fail (params != NULL && key != NULL && text != NULL, FALSE);

  if (g_str_has_prefix (key, "price_"))
    {
      if (!md_price_parse (text, MD_PARSE_DEFAULT, &v, error))
        return FALSE;
    }
  else if (g_str_equal (key, "power_limit"))
    {
      if (!md_parse_int (text, key, 0, G_MAXINT32, &v, error))
        return FALSE;
    }
  else if (!md_money_parse (text, MD_PARSE_DEFAULT, &v, error))
    return FALSE;
  json_object_set_int_member (params, key, v);
  return TRUE;
}

typedef struct
{
  MdSession          *session;
  const char         *op;
  const char         *command_op;
  const char         *params;
  const char * const *addresses;
  gint64              scheduled_at;
  const char         *name;
  gint64              batch_id;
  guint               n;
} CreateData;

static gboolean
create_txn (MdStore  *store,
            gpointer  user_data,
            GError  **error)
{
  CreateData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = NULL;
  g_autofree char *count = NULL;
  g_autofree char *detail = NULL;
  GError *local_error = NULL;

  if (!(stmt = md_store_prepare (store,
          "INSERT INTO batch (name, op, params, selection, scheduled_at, created_at, created_by, "
          "  terminal) VALUES ($1, $2, $3, $4, CAST($5 AS BIGINT), CAST($6 AS BIGINT), "
          "  CAST($7 AS BIGINT), $8) RETURNING id", error)))
    return FALSE;
  count = g_strdup_printf ("%u", g_strv_length ((char **) data->addresses));
  md_stmt_bind_text (stmt, 1, data->name != NULL ? data->name : "");
  md_stmt_bind_text (stmt, 2, data->op);
  md_stmt_bind_text (stmt, 3, data->params);
  md_stmt_bind_text (stmt, 4, count);
  md_stmt_bind_int64 (stmt, 5, data->scheduled_at);
  md_stmt_bind_int64 (stmt, 6, md_clock_now ());
  md_stmt_bind_int64_or_null (stmt, 7, md_session_get_operator_id (data->session),
                              md_session_get_operator_id (data->session) == 0);
  md_stmt_bind_text (stmt, 8, md_session_get_terminal (data->session));
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_FAILED,
                             "batch insert returned nothing");
      g_propagate_error (error, local_error);
      return FALSE;
    }
  data->batch_id = md_stmt_get_int64 (stmt, 0);
  md_stmt_exec (stmt, NULL);

  data->n = 0;
  for (guint i = 0; data->addresses[i] != NULL; i++)
    {
      MdCommandInsert insert = { 0 };
      gint64 meter_id = 0;

      if (!_md_meter_lookup (store, data->addresses[i], &meter_id, NULL, error))
        return FALSE;
      insert.meter_id = meter_id;
      insert.op = data->command_op;
      insert.params = data->params;
      insert.batch_id = data->batch_id;
      insert.priority = MD_PRIORITY_BATCH;
      insert.source = "batch";
      insert.not_before = data->scheduled_at;
      insert.created_by = md_session_get_operator_id (data->session);
      insert.terminal = md_session_get_terminal (data->session);
      if (!_md_command_insert (store, &insert, NULL, error))
        return FALSE;
      data->n++;
    }

  object = g_strdup_printf ("batch:%" G_GINT64_FORMAT, data->batch_id);
  detail = _md_detail ("op", data->op, "meters", count, "params", data->params, NULL);
  return _md_audit (store, data->session, 0, "batch.create", object, detail, error);
}

/**
 * md_service_batch_create:
 * @op: set-params, thresholds, trip, close, keep-power, release-keep-power,
 *   prepaid-mode, remote-mode or read
 * @params: (nullable): for set-params alarm_1, alarm_2 (fen), power_limit
 *   (W), price_1…price_4 (0.0001 yuan); for thresholds level1…level3 (fen)
 * @addresses: (array zero-terminated=1): the meters
 * @scheduled_at: when to run it (µs since the epoch), 0 for now
 *
 * Returns: (transfer full): `{batch, op, meters, scheduled}`
 */
JsonNode *
md_service_batch_create (MdSession           *session,
                         const char          *op,
                         JsonObject          *params,
                         const char * const  *addresses,
                         gint64               scheduled_at,
                         const char          *name,
                         GError             **error)
{
  CreateData data = { session, op };
  g_autoptr(JsonNode) params_node = NULL;
  g_autofree char *params_text = NULL;
  g_autofree char *when = NULL;
  JsonObject *o;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (batch_ops); i++)
    if (g_strcmp0 (op, batch_ops[i].name) == 0)
      data.command_op = batch_ops[i].op;
  if (data.command_op == NULL)
    {
      g_autofree char *shown = md_input_quote (op != NULL ? op : "");

      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                   _("Unknown batch operation %s: use set-params, thresholds, trip, close, "
                     "keep-power, release-keep-power, prepaid-mode, remote-mode or read"), shown);
      return NULL;
    }
  if (addresses == NULL || addresses[0] == NULL)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED,
                           _("The batch selects no meter"));
      return NULL;
    }
  if (!md_validate_text (name, _("batch name"), FALSE, 64, error) ||
      !check_params (op, params, error) ||
      !md_session_require (session, MD_PERM_BATCH, error))
    return NULL;

  params_node = json_node_init_object (json_node_alloc (), params != NULL ? params
                                                                          : json_object_new ());
  if (params == NULL)
    json_object_unref (json_node_get_object (params_node));
  params_text = json_to_string (params_node, FALSE);
  data.params = params_text;
  data.addresses = addresses;
  data.scheduled_at = scheduled_at > 0 ? scheduled_at : md_clock_now ();
  data.name = name;
  if (!md_store_write (md_session_get_store (session), create_txn, &data, error))
    return NULL;

  o = json_object_new ();
  json_object_set_int_member (o, "batch", data.batch_id);
  json_object_set_string_member (o, "op", op);
  json_object_set_int_member (o, "meters", data.n);
  when = _md_format_time (data.scheduled_at);
  json_object_set_string_member (o, "scheduled", when);
  return json_node_init_object (json_node_alloc (), o);
}

#define BATCH_SUMMARY \
  "b.id AS batch, b.name, b.op, b.scheduled_at AS \"scheduled:time\", " \
  "b.created_at AS \"created:time\", o.name AS operator, " \
  "(SELECT count(*) FROM meter_command c WHERE c.batch_id = b.id) AS meters, " \
  "(SELECT count(*) FROM meter_command c WHERE c.batch_id = b.id AND c.state = 'done') AS done, " \
  "(SELECT count(*) FROM meter_command c WHERE c.batch_id = b.id AND c.state = 'failed') " \
  "  AS failed, " \
  "(SELECT count(*) FROM meter_command c WHERE c.batch_id = b.id " \
  "  AND c.state IN ('queued', 'running')) AS waiting, " \
  "CASE WHEN b.cancelled_at IS NOT NULL THEN 'cancelled' " \
  "  WHEN EXISTS (SELECT 1 FROM meter_command c WHERE c.batch_id = b.id " \
  "    AND c.state IN ('queued', 'running')) THEN " \
  "    CASE WHEN b.scheduled_at > $1 THEN 'scheduled' ELSE 'running' END " \
  "  ELSE 'finished' END AS state "

JsonNode *
md_service_batch_list (MdSession  *session,
                       GError    **error)
{
  g_autofree char *now = NULL;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;
  now = g_strdup_printf ("%" G_GINT64_FORMAT, md_clock_now ());
  return _md_query_json (md_session_get_store (session), error,
                         "SELECT " BATCH_SUMMARY "FROM batch b "
                         "LEFT JOIN operator o ON o.id = b.created_by ORDER BY b.id DESC LIMIT 200",
                         now, NULL);
}

static JsonNode *
batch_items (MdSession  *session,
             gint64      batch_id,
             GError    **error)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, batch_id);

  return _md_query_json (md_session_get_store (session), error,
                         "SELECT m.address AS meter, c.state, c.outcome, c.message, "
                         "c.finished_at AS \"finished:time\", c.result FROM meter_command c "
                         "JOIN meter m ON m.id = c.meter_id WHERE c.batch_id = $1 ORDER BY c.id",
                         id, NULL);
}

/**
 * md_service_batch_show:
 *
 * Returns: (transfer full): the batch, its progress, and one row per meter
 *   with its result
 */
JsonNode *
md_service_batch_show (MdSession  *session,
                       gint64      batch_id,
                       GError    **error)
{
  g_autofree char *now = NULL;
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, batch_id);
  g_autoptr(JsonNode) head = NULL;
  g_autoptr(JsonNode) items = NULL;
  JsonArray *rows;
  JsonObject *o;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;
  now = g_strdup_printf ("%" G_GINT64_FORMAT, md_clock_now ());
  if (!(head = _md_query_json (md_session_get_store (session), error,
                               "SELECT " BATCH_SUMMARY ", b.params FROM batch b "
                               "LEFT JOIN operator o ON o.id = b.created_by WHERE b.id = $2",
                               now, id, NULL)))
    return NULL;
  rows = json_node_get_array (head);
  if (json_array_get_length (rows) == 0)
    {
      g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_NOT_FOUND,
                   _("There is no batch %lld"), (long long) batch_id);
      return NULL;
    }
  if (!(items = batch_items (session, batch_id, error)))
    return NULL;
  o = json_object_ref (json_array_get_object_element (rows, 0));
  json_object_set_member (o, "items", g_steal_pointer (&items));
  return json_node_init_object (json_node_alloc (), o);
}

static void
csv_field (GString    *out,
           const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text != NULL ? text : ""; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static const char *
result_text (JsonObject *result,
             const char *key,
             char      **owned)
{
  JsonNode *node = result != NULL ? json_object_get_member (result, key) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return "";
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node) ? "1" : "0";
  *owned = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  return *owned;
}

/**
 * md_service_batch_export_csv:
 *
 * Writes one line per meter of the batch (readings of a read batch):
 * meter, state, outcome, energy (kWh), credit, relay, purchase count,
 * power (W), message. UTF-8, quoted fields, a header line.
 */
gboolean
md_service_batch_export_csv (MdSession   *session,
                             gint64       batch_id,
                             const char  *path,
                             GError     **error)
{
  g_autoptr(JsonNode) items = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  static const char *keys[] = { "energy", "credit", "relay", "purchase_count", "power_w" };
  JsonArray *rows;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!md_session_require (session, MD_PERM_REPORT, error))
    return FALSE;
  {
    g_autoptr(JsonNode) head = md_service_batch_show (session, batch_id, error);

    if (head == NULL)
      return FALSE;
  }
  if (!(items = batch_items (session, batch_id, error)))
    return FALSE;
  rows = json_node_get_array (items);
  g_string_append (out, "meter,state,outcome,energy_kwh,credit,relay,purchase_count,power_w,"
                        "message\n");
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *result = NULL;

      if (json_parser_load_from_data (parser, json_object_get_string_member_with_default (
                                                row, "result", "{}"), -1, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        result = json_node_get_object (json_parser_get_root (parser));

      csv_field (out, json_object_get_string_member_with_default (row, "meter", ""));
      g_string_append_c (out, ',');
      csv_field (out, json_object_get_string_member_with_default (row, "state", ""));
      g_string_append_c (out, ',');
      csv_field (out, json_object_get_string_member_with_default (row, "outcome", ""));
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          g_autofree char *owned = NULL;

          g_string_append_c (out, ',');
          csv_field (out, result_text (result, keys[k], &owned));
        }
      g_string_append_c (out, ',');
      csv_field (out, json_object_get_string_member_with_default (row, "message", ""));
      g_string_append_c (out, '\n');
    }
  return g_file_set_contents (path, out->str, (gssize) out->len, error);
}

typedef struct
{
  MdSession *session;
  gint64     id;
} CancelData;

static gboolean
cancel_txn (MdStore  *store,
            gpointer  user_data,
            GError  **error)
{
  CancelData *data = user_data;
  g_autoptr(MdStmt) batch = NULL;
  g_autoptr(MdStmt) commands = NULL;
  g_autofree char *object = g_strdup_printf ("batch:%" G_GINT64_FORMAT, data->id);

  if (!(batch = md_store_prepare (store,
                                  "UPDATE batch SET cancelled_at = $2 WHERE id = $1 "
                                  "AND cancelled_at IS NULL", error)))
    return FALSE;
  md_stmt_bind_int64 (batch, 1, data->id);
  md_stmt_bind_int64 (batch, 2, md_clock_now ());
  if (!md_stmt_exec (batch, error))
    return FALSE;
  if (md_stmt_changes (batch) != 1)
    {
      g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_NOT_FOUND,
                   _("There is no batch %lld to cancel"), (long long) data->id);
      return FALSE;
    }
  if (!(commands = md_store_prepare (store,
                                     "UPDATE meter_command SET state = 'cancelled', "
                                     "finished_at = $2 WHERE batch_id = $1 AND state = 'queued'",
                                     error)))
    return FALSE;
  md_stmt_bind_int64 (commands, 1, data->id);
  md_stmt_bind_int64 (commands, 2, md_clock_now ());
  if (!md_stmt_exec (commands, error))
    return FALSE;
  return _md_audit (store, data->session, 0, "batch.cancel", object, NULL, error);
}

/**
 * md_service_batch_cancel:
 *
 * Stops a batch: meters not started yet are left alone (the one under way
 * finishes).
 */
gboolean
md_service_batch_cancel (MdSession  *session,
                         gint64      batch_id,
                         GError    **error)
{
  CancelData data = { session, batch_id };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_session_require (session, MD_PERM_BATCH, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), cancel_txn, &data, error);
}

/**
 * md_service_batch_select:
 * @bus: (nullable): the meters of this bus
 * @building: (nullable): the meters of this building code
 * @all: every installed meter on a bus
 *
 * Returns: (transfer full): the installed meters selected, by address
 */
char **
md_service_batch_select (MdSession   *session,
                         const char  *bus,
                         const char  *building,
                         gboolean     all,
                         GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  GError *local_error = NULL;

  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;
  if (!(stmt = md_store_prepare (md_session_get_store (session),
          "SELECT m.address FROM meter m JOIN bus bu ON bu.id = m.bus_id "
          "LEFT JOIN room r ON r.id = m.room_id LEFT JOIN floor f ON f.id = r.floor_id "
          "LEFT JOIN building b ON b.id = f.building_id "
          "WHERE m.state = 'installed' AND ($1 = 1 OR bu.name = $2 OR b.code = $3) "
          "ORDER BY bu.name, m.unit_id, m.address", error)))
    return NULL;
  md_stmt_bind_int64 (stmt, 1, all ? 1 : 0);
  md_stmt_bind_text (stmt, 2, bus);
  md_stmt_bind_text (stmt, 3, building);
  while (md_stmt_step (stmt, &local_error))
    g_ptr_array_add (out, g_strdup (md_stmt_get_text (stmt, 0)));
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}
