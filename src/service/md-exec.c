/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-clock.h"
#include "md-remote-medium.h"
#include "md-service-meters-private.h"

/*
 * Executing one meter command on the host's command thread. Device I/O
 * happens here with no transaction open; the outcome is written after.
 */

#define RECHARGE_RETRY_USEC  (5 * G_USEC_PER_SEC)
#define CONTROL_RETRY_USEC   (30 * G_USEC_PER_SEC)
#define CONTROL_ATTEMPTS     5

static gboolean
record_reading (MdStore              *store,
                MdExecContext        *context,
                const char           *address,
                MdMeterProfile       *profile,
                const MdMeterReading *reading)
{
  MdServiceSample sample;
  g_autoptr(GError) error = NULL;

  _md_service_sample_fill (&sample, address, profile, reading);
  if (!_md_service_record (store, &context->record, &sample, 1, &error))
    {
      g_warning ("meter %s: could not record its reading: %s", address, error->message);
      return FALSE;
    }
  return TRUE;
}

static char *
node_text (JsonNode *node)
{
  return node != NULL ? json_to_string (node, FALSE) : g_strdup ("{}");
}

static gboolean
parse_params (const char   *text,
              JsonObject  **out_object,
              GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, text, -1, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_INVALID,
                           _("The command's parameters are not an object"));
      return FALSE;
    }
  *out_object = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  return TRUE;
}

static gboolean
exec_thresholds (MdStore    *store,
                 MdCommand  *command,
                 char      **out_result,
                 GError    **error)
{
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  const char *keys[] = { "level1", "level2", "level3" };

  if (!parse_params (command->params, &params, error) ||
      !(stmt = md_store_prepare (store,
                                 "UPDATE account SET alarm1 = CAST($2 AS BIGINT), "
                                 "alarm2 = CAST($3 AS BIGINT), alarm3 = CAST($4 AS BIGINT) "
                                 "WHERE id = (SELECT account_id FROM meter WHERE id = $1)", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, command->meter_id);
  for (guint i = 0; i < 3; i++)
    {
      gboolean has = json_object_has_member (params, keys[i]);

      md_stmt_bind_int64_or_null (stmt, 2 + i,
                                  has ? json_object_get_int_member (params, keys[i]) : 0, !has);
    }
  if (!md_stmt_exec (stmt, error))
    return FALSE;
  if (md_stmt_changes (stmt) != 1)
    {
      g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_INVALID,
                   _("Meter %s belongs to no account"), command->address);
      return FALSE;
    }
  *out_result = g_strdup ("{}");
  return TRUE;
}

static gboolean
exec_device (MdStore        *store,
             MdExecContext  *context,
             MdMeterBus     *bus,
             MdMeterTarget  *target,
             MdCommand      *command,
             char          **out_result,
             GError        **error)
{
  MdMeterProfile *profile = md_meter_target_get_profile (target);
  MdMeterReading reading;
  g_autoptr(JsonNode) node = NULL;
  MdMeterControl control;

  if (g_str_equal (command->op, "set-params"))
    {
      g_autoptr(JsonObject) params = NULL;
      g_autoptr(GList) members = NULL;
      MdMeterParams set = { 0 };

      if (!parse_params (command->params, &params, error))
        return FALSE;
      members = json_object_get_members (params);
      for (GList *l = members; l != NULL; l = l->next)
        {
          MdMeterPoint point;

          if (!md_meter_point_parse (l->data, &point) || point < MD_METER_POINT_ALARM_1)
            {
              g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_INVALID,
                           _("Unknown meter parameter “%s”"), (const char *) l->data);
              return FALSE;
            }
          md_meter_params_set (&set, point, json_object_get_int_member (params, l->data));
        }
      if (!md_meter_set_params (bus, target, &set, NULL, error))
        return FALSE;
    }
  else if (!g_str_equal (command->op, "read"))
    {
      if (!md_meter_control_parse (g_str_equal (command->op, "release-keep-power")
                                     ? "keep-power-release" : command->op, &control))
        {
          g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_INVALID,
                       _("Unknown meter command “%s”"), command->op);
          return FALSE;
        }
      if (!md_meter_control (bus, target, control, NULL, error))
        return FALSE;
    }

  /* Read back what the meter now says: the board shows it at once. */
  if (!md_meter_read (bus, target, MD_METER_OP_DEFAULT, &reading, NULL,
                      g_str_equal (command->op, "read") ? error : NULL))
    {
      if (g_str_equal (command->op, "read"))
        return FALSE;
      *out_result = g_strdup ("{}");
      return TRUE;
    }
  record_reading (store, context, command->address, profile, &reading);
  node = _md_service_reading_json (command->address, profile, &reading);
  *out_result = node_text (node);
  return TRUE;
}

static gboolean
sale_state (MdStore     *store,
            gint64       sale_id,
            char       **out_state,
            gint64      *out_count,
            GError     **error)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                             "SELECT state, purchase_count FROM sale WHERE id = $1",
                                             error);
  GError *local_error = NULL;

  if (stmt == NULL)
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, sale_id);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_NOT_FOUND,
                     _("There is no sale %lld"), (long long) sale_id);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  *out_state = g_strdup (md_stmt_get_text (stmt, 0));
  *out_count = md_stmt_is_null (stmt, 1) ? 0 : md_stmt_get_int64 (stmt, 1);
  md_stmt_exec (stmt, NULL);
  return TRUE;
}

static void
recharge_failed (MdStore        *store,
                 MdExecContext  *context,
                 MdCommand      *command,
                 const char     *outcome,
                 const char     *message)
{
  g_autofree char *object = g_strdup_printf ("sale:%" G_GINT64_FORMAT, command->sale_id);
  g_autofree char *text = g_strdup_printf (_("The remote recharge of sale %lld to meter %s failed "
                                               "(%s); the sale stays pending"),
                                           (long long) command->sale_id, command->address, message);
  g_autoptr(GError) error = NULL;

  if (!_md_command_finish (store, command->id, "failed", outcome, message, NULL, 0, &error) ||
      !_md_alert_with_notice (context->system, "recharge-failure", object, text, NULL, &error))
    g_warning ("sale %" G_GINT64_FORMAT ": %s", command->sale_id, error->message);
  else
    context->record.alerts++;
}

/* A remote recharge: settles the PENDING sale from the meter itself
 * (md_vend_resolve with the remote medium): a count already at N+1 posts
 * it, N writes the same payload once more and reads it back. */
static gboolean
exec_recharge (MdStore        *store,
               MdExecContext  *context,
               MdMeterBus     *bus,
               MdMeterTarget  *target,
               MdCommand      *command,
               GError        **error)
{
  g_autofree char *state = NULL;
  g_autoptr(MdMedium) medium = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(MdSaleResult) result = { 0 };
  MdMeterReading reading;
  gboolean attempted = FALSE;
  gint64 count = 0;
  gint64 timeout_s = _md_setting_int (store, "remote.recharge-timeout-seconds", 300);

  if (!sale_state (store, command->sale_id, &state, &count, error))
    return FALSE;
  if (!g_str_equal (state, "pending") && !g_str_equal (state, "delivered"))
    return _md_command_finish (store, command->id, "done", state, "", NULL, 0, error);

  if (!_md_sale_attempted (store, command->sale_id, &attempted, error))
    return FALSE;
  if (!attempted)
    {
      /* Nothing was ever written for this sale: the meter must still show
       * the count the sale was prepared against. N+1 already would be a
       * purchase the books do not have. */
      MdDelivery d = md_meter_inspect_purchase (bus, target, count, &reading, NULL, &local_error);

      switch (d)
        {
        case MD_DELIVERY_NOT_DELIVERED:
          g_clear_error (&local_error);
          break;
        case MD_DELIVERY_DELIVERED:
          recharge_failed (store, context, command, "conflict",
                           _("the meter already shows this purchase, which was never sent"));
          return TRUE;
        case MD_DELIVERY_CONFLICT:
          recharge_failed (store, context, command, "conflict",
                           local_error != NULL ? local_error->message : "conflict");
          return TRUE;
        case MD_DELIVERY_UNKNOWN:
        default:
          goto unknown;
        }
    }

  /* Committed before anything may reach the meter. */
  if (!_md_command_mark_attempt (store, command->id, error))
    return FALSE;
  medium = md_remote_medium_new (bus, target);
  if (md_vend_resolve (context->system, command->sale_id, medium, FALSE, NULL, &result, NULL,
                       &local_error) &&
      g_strcmp0 (result.state, "posted") == 0)
    {
      g_autoptr(JsonNode) node = md_sale_result_to_json (&result);
      g_autofree char *text = node_text (node);

      if (md_remote_medium_get_last_reading (MD_REMOTE_MEDIUM (medium), &reading))
        record_reading (store, context, command->address, md_meter_target_get_profile (target),
                        &reading);
      g_message ("sale %" G_GINT64_FORMAT " delivered to meter %s (receipt %s)",
                 command->sale_id, command->address, result.receipt ? result.receipt : "");
      return _md_command_finish (store, command->id, "done", "posted", "", text, 0, error);
    }

  if (local_error != NULL && local_error->domain == MD_VEND_ERROR &&
      local_error->code == MD_VEND_ERROR_NOT_DELIVERED)
    {
      recharge_failed (store, context, command, "not-delivered", local_error->message);
      return TRUE;
    }
  if (local_error != NULL && local_error->domain == MD_VEND_ERROR &&
      local_error->code == MD_VEND_ERROR_CONFLICT)
    {
      recharge_failed (store, context, command, "conflict", local_error->message);
      return TRUE;
    }
  if (local_error != NULL && !(local_error->domain == MD_VEND_ERROR &&
                               local_error->code == MD_VEND_ERROR_UNKNOWN))
    {
      recharge_failed (store, context, command, "error", local_error->message);
      return TRUE;
    }

unknown:
  /* The meter did not answer: try again shortly, up to the deadline; the
   * read-back rules make a later attempt safe. */
  if (md_clock_now () - command->created_at > timeout_s * G_USEC_PER_SEC)
    {
      recharge_failed (store, context, command, "unknown",
                       local_error != NULL ? local_error->message : _("no answer"));
      return TRUE;
    }
  return _md_command_finish (store, command->id, "queued", "unknown",
                             local_error != NULL ? local_error->message : "", NULL,
                             md_clock_now () + RECHARGE_RETRY_USEC, error);
}

/**
 * _md_exec_command:
 *
 * Runs a claimed command and resolves its row. %FALSE only when the
 * database failed (the command stays running and is taken up again).
 */
gboolean
_md_exec_command (MdStore        *store,
                  MdExecContext  *context,
                  MdCommand      *command,
                  GError        **error)
{
  g_autoptr(MdMeterBus) bus = NULL;
  g_autoptr(MdMeterTarget) target = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *result = NULL;
  gboolean retry;

  g_debug ("command %" G_GINT64_FORMAT ": %s %s", command->id, command->op, command->address);

  if (g_str_equal (command->op, "thresholds"))
    {
      if (exec_thresholds (store, command, &result, &local_error))
        return _md_command_finish (store, command->id, "done", "ok", "", result, 0, error);
      return _md_command_finish (store, command->id, "failed", "invalid", local_error->message,
                                 NULL, 0, error);
    }

  if (command->bus == NULL ||
      !(bus = (MdMeterBus *) _md_service_host_get_bus (context->host, command->bus)))
    {
      g_autofree char *message = command->bus == NULL
        ? g_strdup (_("The meter is on no bus"))
        : g_strdup_printf (_("The bus %s is not open"), command->bus);

      if (command->sale_id != 0)
        {
          recharge_failed (store, context, command, "no-bus", message);
          return TRUE;
        }
      return _md_command_finish (store, command->id, "failed", "no-bus", message, NULL, 0, error);
    }
  if (!(target = _md_service_target (store, command, &local_error)))
    {
      if (command->sale_id != 0)
        {
          recharge_failed (store, context, command, "invalid", local_error->message);
          return TRUE;
        }
      return _md_command_finish (store, command->id, "failed", "invalid", local_error->message,
                                 NULL, 0, error);
    }

  if (g_str_equal (command->op, "recharge"))
    return exec_recharge (store, context, bus, target, command, error);

  if (!g_str_equal (command->op, "read") && !_md_command_mark_attempt (store, command->id, error))
    return FALSE;
  if (exec_device (store, context, bus, target, command, &result, &local_error))
    {
      g_message ("meter %s: %s done", command->address, command->op);
      return _md_command_finish (store, command->id, "done", "ok", "", result, 0, error);
    }

  /* What the alarms asked for (an arrears or over-power trip) is tried
   * again a few times; an operator's command reports at once. */
  retry = !g_str_equal (command->source, "operator") && !g_str_equal (command->source, "batch") &&
          command->attempts + 1 < CONTROL_ATTEMPTS &&
          !g_error_matches (local_error, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED) &&
          !g_error_matches (local_error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_INVALID);
  g_message ("meter %s: %s failed: %s", command->address, command->op, local_error->message);
  return _md_command_finish (store, command->id, retry ? "queued" : "failed",
                             _md_meter_error_outcome (local_error), local_error->message, NULL,
                             md_clock_now () + CONTROL_RETRY_USEC, error);
}
