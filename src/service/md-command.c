/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-clock.h"
#include "md-core-private.h"
#include "md-service-private.h"
#include "md-validate.h"

/*
 * The meter command queue: rows of meter_command. Whoever wants a meter
 * operation inserts one (with a NOTIFY that goes out at commit); the host
 * claims the most urgent due row, marks it running, executes it and
 * resolves it with its outcome. A row left running by a host that died is
 * queued again when the next host starts; a recharge is then settled by
 * reading the meter back first (md_vend_resolve), never by writing again
 * blindly.
 */

void
_md_command_clear (MdCommand *command)
{
  g_clear_pointer (&command->address, g_free);
  g_clear_pointer (&command->model, g_free);
  g_clear_pointer (&command->bus, g_free);
  g_clear_pointer (&command->op, g_free);
  g_clear_pointer (&command->params, g_free);
  g_clear_pointer (&command->source, g_free);
}

gboolean
_md_command_insert (MdStore                *store,
                    const MdCommandInsert  *insert,
                    gint64                 *out_id,
                    GError                **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;
  gint64 now = md_clock_now ();

  if (!(stmt = md_store_prepare (store,
          "INSERT INTO meter_command (meter_id, op, params, sale_id, batch_id, priority, source, "
          "  not_before, created_at, created_by, terminal) "
          "VALUES (CAST($1 AS BIGINT), $2, $3, CAST($4 AS BIGINT), CAST($5 AS BIGINT), "
          "  CAST($6 AS BIGINT), $7, CAST($8 AS BIGINT), CAST($9 AS BIGINT), CAST($10 AS BIGINT), "
          "  $11) RETURNING id", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, insert->meter_id);
  md_stmt_bind_text (stmt, 2, insert->op);
  md_stmt_bind_text (stmt, 3, insert->params != NULL ? insert->params : "{}");
  md_stmt_bind_int64_or_null (stmt, 4, insert->sale_id, insert->sale_id == 0);
  md_stmt_bind_int64_or_null (stmt, 5, insert->batch_id, insert->batch_id == 0);
  md_stmt_bind_int64 (stmt, 6, insert->priority);
  md_stmt_bind_text (stmt, 7, insert->source != NULL ? insert->source : "operator");
  md_stmt_bind_int64 (stmt, 8, insert->not_before > 0 ? insert->not_before : now);
  md_stmt_bind_int64 (stmt, 9, now);
  md_stmt_bind_int64_or_null (stmt, 10, insert->created_by, insert->created_by == 0);
  md_stmt_bind_text (stmt, 11, insert->terminal != NULL ? insert->terminal : "");
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_FAILED,
                             "meter_command insert returned nothing");
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (out_id != NULL)
    *out_id = md_stmt_get_int64 (stmt, 0);
  md_stmt_exec (stmt, NULL);
  return md_store_notify (store, MD_COMMAND_CHANNEL, error);
}

#define COMMAND_COLUMNS \
  "c.id, c.meter_id, m.address, COALESCE(m.unit_id, 0), m.model, b.name, c.op, c.params, " \
  "COALESCE(c.sale_id, 0), COALESCE(c.batch_id, 0), c.attempts, c.created_at, c.source "

static void
command_from_row (MdStmt    *stmt,
                  MdCommand *command)
{
  command->id = md_stmt_get_int64 (stmt, 0);
  command->meter_id = md_stmt_get_int64 (stmt, 1);
  command->address = g_strdup (md_stmt_get_text (stmt, 2));
  command->unit_id = md_stmt_get_int64 (stmt, 3);
  command->model = g_strdup (md_stmt_get_text (stmt, 4));
  command->bus = md_stmt_is_null (stmt, 5) ? NULL : g_strdup (md_stmt_get_text (stmt, 5));
  command->op = g_strdup (md_stmt_get_text (stmt, 6));
  command->params = g_strdup (md_stmt_get_text (stmt, 7));
  command->sale_id = md_stmt_get_int64 (stmt, 8);
  command->batch_id = md_stmt_get_int64 (stmt, 9);
  command->attempts = md_stmt_get_int64 (stmt, 10);
  command->created_at = md_stmt_get_int64 (stmt, 11);
  command->source = g_strdup (md_stmt_get_text (stmt, 12));
}

typedef struct
{
  MdCommand *command;
  gboolean   found;
} ClaimData;

static gboolean
claim_txn (MdStore  *store,
           gpointer  user_data,
           GError  **error)
{
  ClaimData *data = user_data;
  g_autoptr(MdStmt) pick = NULL;
  g_autoptr(MdStmt) mark = NULL;
  g_autoptr(MdStmt) load = NULL;
  GError *local_error = NULL;
  gint64 now = md_clock_now ();
  gint64 id = 0;

  data->found = FALSE;
  /* Commands of a cancelled batch are not started. */
  if (!(pick = md_store_prepare (store,
          "SELECT c.id FROM meter_command c LEFT JOIN batch bt ON bt.id = c.batch_id "
          "WHERE c.state = 'queued' AND c.not_before <= $1 AND bt.cancelled_at IS NULL "
          "ORDER BY c.priority, c.id LIMIT 1", error)))
    return FALSE;
  md_stmt_bind_int64 (pick, 1, now);
  if (md_stmt_step (pick, &local_error))
    {
      id = md_stmt_get_int64 (pick, 0);
      md_stmt_exec (pick, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (id == 0)
    return TRUE;

  if (!(mark = md_store_prepare (store,
                                 "UPDATE meter_command SET state = 'running', started_at = $2 "
                                 "WHERE id = $1 AND state = 'queued'", error)))
    return FALSE;
  md_stmt_bind_int64 (mark, 1, id);
  md_stmt_bind_int64 (mark, 2, now);
  if (!md_stmt_exec (mark, error))
    return FALSE;

  if (!(load = md_store_prepare (store,
                                 "SELECT " COMMAND_COLUMNS "FROM meter_command c "
                                 "JOIN meter m ON m.id = c.meter_id "
                                 "LEFT JOIN bus b ON b.id = m.bus_id WHERE c.id = $1", error)))
    return FALSE;
  md_stmt_bind_int64 (load, 1, id);
  if (md_stmt_step (load, &local_error))
    {
      command_from_row (load, data->command);
      data->found = TRUE;
      md_stmt_exec (load, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/* The most urgent due command, marked running. */
gboolean
_md_command_claim (MdStore    *store,
                   MdCommand  *out_command,
                   gboolean   *out_found,
                   GError    **error)
{
  ClaimData data = { out_command };

  if (!md_store_write (store, claim_txn, &data, error))
    return FALSE;
  *out_found = data.found;
  return TRUE;
}

typedef struct
{
  gint64      id;
  const char *state;
  const char *outcome;
  const char *message;
  const char *result;
  gint64      not_before;
} FinishData;

static gboolean
finish_txn (MdStore  *store,
            gpointer  user_data,
            GError  **error)
{
  FinishData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  gboolean requeue = g_str_equal (data->state, "queued");

  if (!(stmt = md_store_prepare (store,
          "UPDATE meter_command SET state = $2, outcome = $3, message = $4, "
          "  result = COALESCE($5, result), "
          "  finished_at = CASE WHEN $2 IN ('queued', 'running') THEN NULL "
          "                     ELSE CAST($6 AS BIGINT) END, "
          "  not_before = CASE WHEN $2 = 'queued' THEN CAST($7 AS BIGINT) ELSE not_before END "
          "WHERE id = $1", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, data->id);
  md_stmt_bind_text (stmt, 2, data->state);
  md_stmt_bind_text (stmt, 3, data->outcome != NULL ? data->outcome : "");
  md_stmt_bind_text (stmt, 4, data->message != NULL ? data->message : "");
  md_stmt_bind_text (stmt, 5, data->result);
  md_stmt_bind_int64 (stmt, 6, md_clock_now ());
  md_stmt_bind_int64 (stmt, 7, data->not_before);
  if (!md_stmt_exec (stmt, error))
    return FALSE;
  return md_store_notify (store, requeue ? MD_COMMAND_CHANNEL : MD_COMMAND_DONE_CHANNEL, error);
}

/* Resolves a command: "done", "failed", or "queued" again (after
 * @not_before) when it could not be settled yet. */
gboolean
_md_command_finish (MdStore     *store,
                    gint64       id,
                    const char  *state,
                    const char  *outcome,
                    const char  *message,
                    const char  *result,
                    gint64       not_before,
                    GError     **error)
{
  FinishData data = { id, state, outcome, message, result, not_before };

  return md_store_write (store, finish_txn, &data, error);
}

static gboolean
attempt_txn (MdStore  *store,
             gpointer  user_data,
             GError  **error)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                             "UPDATE meter_command SET attempts = attempts + 1 "
                                             "WHERE id = $1", error);

  if (stmt == NULL)
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, *(gint64 *) user_data);
  return md_stmt_exec (stmt, error);
}

/* Committed before a write that may reach the meter. */
gboolean
_md_command_mark_attempt (MdStore  *store,
                          gint64    id,
                          GError  **error)
{
  return md_store_write (store, attempt_txn, &id, error);
}

static gboolean
requeue_txn (MdStore  *store,
             gpointer  user_data,
             GError  **error)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                             "UPDATE meter_command SET state = 'queued' "
                                             "WHERE state = 'running'", error);

  if (stmt == NULL)
    return FALSE;
  if (!md_stmt_exec (stmt, error))
    return FALSE;
  if (md_stmt_changes (stmt) > 0)
    g_message ("%" G_GINT64_FORMAT " command(s) left running by an earlier host are queued "
               "again", md_stmt_changes (stmt));
  return TRUE;
}

/* At start: whatever a dead host left running is taken up again. */
gboolean
_md_command_requeue_running (MdStore  *store,
                             GError  **error)
{
  return md_store_write (store, requeue_txn, NULL, error);
}

/* Waits until command @id is resolved (done, failed, cancelled) or
 * @timeout_ms passes; FALSE with no error on timeout. */
gboolean
_md_command_wait (MdStore     *store,
                  gint64       id,
                  guint        timeout_ms,
                  char       **out_state,
                  char       **out_outcome,
                  char       **out_message,
                  char       **out_result,
                  GError     **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean listening = md_store_get_backend (store) == MD_STORE_BACKEND_POSTGRESQL;

  if (listening && !md_store_listen (store, MD_COMMAND_DONE_CHANNEL, error))
    return FALSE;

  for (;;)
    {
      g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                                 "SELECT state, outcome, message, result "
                                                 "FROM meter_command WHERE id = $1", error);
      GError *local_error = NULL;
      gint64 left;

      if (stmt == NULL)
        return FALSE;
      md_stmt_bind_int64 (stmt, 1, id);
      if (md_stmt_step (stmt, &local_error))
        {
          const char *state = md_stmt_get_text (stmt, 0);

          if (!g_str_equal (state, "queued") && !g_str_equal (state, "running"))
            {
              if (out_state != NULL)
                *out_state = g_strdup (state);
              if (out_outcome != NULL)
                *out_outcome = g_strdup (md_stmt_get_text (stmt, 1));
              if (out_message != NULL)
                *out_message = g_strdup (md_stmt_get_text (stmt, 2));
              if (out_result != NULL)
                *out_result = g_strdup (md_stmt_get_text (stmt, 3));
              md_stmt_exec (stmt, NULL);
              return TRUE;
            }
          md_stmt_exec (stmt, NULL);
        }
      else
        {
          if (local_error == NULL)
            g_set_error (&local_error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_NOT_FOUND,
                         _("There is no meter command %lld"), (long long) id);
          g_propagate_error (error, local_error);
          return FALSE;
        }

      left = (deadline - g_get_monotonic_time ()) / 1000;
      if (left <= 0)
        return FALSE;
      /* A NOTIFY ends the wait at once on PostgreSQL; SQLite polls. */
      if (!md_store_wait_notify (store, MIN (left, listening ? 1000 : 100), &local_error) &&
          local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
    }
}

gboolean
_md_meter_lookup (MdStore     *store,
                  const char  *address,
                  gint64      *out_meter_id,
                  MdCommand   *out_meter,
                  GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;
  gboolean found = FALSE;

  if (!(stmt = md_store_prepare (store,
                                 "SELECT m.id, m.address, COALESCE(m.unit_id, 0), m.model, b.name, "
                                 "  m.state FROM meter m LEFT JOIN bus b ON b.id = m.bus_id "
                                 "WHERE m.address = $1 ORDER BY m.id LIMIT 1", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, address);
  if (md_stmt_step (stmt, &local_error))
    {
      found = TRUE;
      *out_meter_id = md_stmt_get_int64 (stmt, 0);
      if (out_meter != NULL)
        {
          out_meter->meter_id = *out_meter_id;
          out_meter->address = g_strdup (md_stmt_get_text (stmt, 1));
          out_meter->unit_id = md_stmt_get_int64 (stmt, 2);
          out_meter->model = g_strdup (md_stmt_get_text (stmt, 3));
          out_meter->bus = md_stmt_is_null (stmt, 4) ? NULL : g_strdup (md_stmt_get_text (stmt, 4));
        }
      md_stmt_exec (stmt, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (!found)
    {
      g_autofree char *shown = md_input_quote (address);

      g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_NOT_FOUND,
                   _("There is no meter %s"), shown);
      return FALSE;
    }
  return TRUE;
}

/* Whether any command of @sale_id may have written to the meter. */
gboolean
_md_sale_attempted (MdStore   *store,
                    gint64     sale_id,
                    gboolean  *out_attempted,
                    GError   **error)
{
  gint64 n = 0;
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                             "SELECT COALESCE(MAX(attempts), 0) FROM meter_command "
                                             "WHERE sale_id = $1", error);

  if (stmt == NULL)
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, sale_id);
  if (md_stmt_step (stmt, error))
    {
      n = md_stmt_get_int64 (stmt, 0);
      md_stmt_exec (stmt, NULL);
    }
  *out_attempted = n > 0;
  return TRUE;
}

/**
 * md_service_command_list:
 * @open_only: only commands still queued or running
 *
 * Returns: (transfer full): the meter commands, newest first (at most 500)
 */
JsonNode *
md_service_command_list (MdSession  *session,
                         gboolean    open_only,
                         GError    **error)
{
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;
  return _md_query_json (md_session_get_store (session), error,
                         open_only
                           ? "SELECT c.id, m.address AS meter, c.op, c.state, c.source, "
                             "c.sale_id AS sale, c.batch_id AS batch, c.created_at AS \"created:time\", "
                             "c.outcome, c.message FROM meter_command c "
                             "JOIN meter m ON m.id = c.meter_id "
                             "WHERE c.state IN ('queued', 'running') ORDER BY c.id DESC LIMIT 500"
                           : "SELECT c.id, m.address AS meter, c.op, c.state, c.source, "
                             "c.sale_id AS sale, c.batch_id AS batch, c.created_at AS \"created:time\", "
                             "c.outcome, c.message FROM meter_command c "
                             "JOIN meter m ON m.id = c.meter_id ORDER BY c.id DESC LIMIT 500",
                         NULL);
}
