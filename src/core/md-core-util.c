/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "md-audit.h"
#include "md-core-private.h"
#include "md-money.h"

static MdStmt *
prepare_with_text_params (MdStore     *store,
                          const char  *sql,
                          va_list      args,
                          GError     **error)
{
  MdStmt *stmt;
  const char *param;
  guint index = 1;

  if (!(stmt = md_store_prepare (store, sql, error)))
    return NULL;
  while ((param = va_arg (args, const char *)) != NULL)
    md_stmt_bind_text (stmt, index++, param);
  return stmt;
}

/* The first column of the first row of @sql, with text parameters $1, $2…
 * from @args up to a %NULL: into @out_id or @out_text, whichever is given;
 * a missing row leaves it as it is. */
static gboolean
lookup_first (MdStore     *store,
              gint64      *out_id,
              char       **out_text,
              GError     **error,
              const char  *sql,
              va_list      args)
{
  g_autoptr(MdStmt) stmt = prepare_with_text_params (store, sql, args, error);
  GError *local_error = NULL;

  if (stmt == NULL)
    return FALSE;
  if (md_stmt_step (stmt, &local_error))
    {
      if (out_id != NULL)
        *out_id = md_stmt_get_int64 (stmt, 0);
      else
        *out_text = g_strdup (md_stmt_get_text (stmt, 0));
      md_stmt_exec (stmt, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/**
 * _md_lookup_id:
 * @out_id: (out): the first column of the first row, 0 when there is none
 * @...: text parameters $1, $2…, then %NULL
 *
 * Returns: %FALSE only when the database fails; a missing row gives 0
 */
gboolean
_md_lookup_id (MdStore     *store,
               gint64      *out_id,
               GError     **error,
               const char  *sql,
               ...)
{
  va_list args;
  gboolean ok;

  *out_id = 0;
  va_start (args, sql);
  ok = lookup_first (store, out_id, NULL, error, sql, args);
  va_end (args);
  return ok;
}

/**
 * _md_lookup_text:
 * @out_text: (out) (transfer full) (nullable): the first column of the
 *   first row, %NULL when there is none
 * @...: text parameters $1, $2…, then %NULL
 *
 * Returns: %FALSE only when the database fails; a missing row gives %NULL
 */
gboolean
_md_lookup_text (MdStore     *store,
                 char       **out_text,
                 GError     **error,
                 const char  *sql,
                 ...)
{
  va_list args;
  gboolean ok;

  *out_text = NULL;
  va_start (args, sql);
  ok = lookup_first (store, NULL, out_text, error, sql, args);
  va_end (args);
  return ok;
}

/**
 * _md_detail:
 * @first_key: the first key, followed by its value (a string or %NULL),
 *   more pairs, and %NULL
 *
 * Returns: (transfer full): a JSON object text for an audit row's detail
 */
char *
_md_detail (const char *first_key,
            ...)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  const char *key;
  va_list args;

  json_builder_begin_object (builder);
  va_start (args, first_key);
  for (key = first_key; key != NULL; key = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);

      json_builder_set_member_name (builder, key);
      if (value != NULL)
        json_builder_add_string_value (builder, value);
      else
        json_builder_add_null_value (builder);
    }
  va_end (args);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/**
 * _md_format_time:
 *
 * Returns: (transfer full): ISO 8601 local time with offset, seconds precision
 */
char *
_md_format_time (gint64 usec)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);

  if (dt == NULL)
    return g_strdup ("");
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S%:z");
}

/* A column alias "name:kind" formats the integer as the project's units:
 * money (fen → "12.30"), price, energy, volume, time (µs → ISO 8601), bool. */
static void
add_value (JsonBuilder *builder,
           MdStmt      *stmt,
           guint        column,
           const char  *kind)
{
  MdColumnKind column_kind = md_stmt_get_column_kind (stmt, column);
  gint64 value;

  if (column_kind == MD_COLUMN_NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }

  if (kind == NULL)
    {
      if (column_kind == MD_COLUMN_INTEGER)
        json_builder_add_int_value (builder, md_stmt_get_int64 (stmt, column));
      else
        json_builder_add_string_value (builder, md_stmt_get_text (stmt, column));
      return;
    }

  value = md_stmt_get_int64 (stmt, column);
  if (g_str_equal (kind, "bool"))
    json_builder_add_boolean_value (builder, value != 0);
  else
    {
      g_autofree char *text = NULL;

      if (g_str_equal (kind, "money"))
        text = md_money_format (value, MD_MONEY_STYLE_PLAIN);
      else if (g_str_equal (kind, "price"))
        text = md_price_format (value);
      else if (g_str_equal (kind, "energy"))
        text = md_energy_format (value);
      else if (g_str_equal (kind, "volume"))
        text = md_volume_format (value);
      else if (g_str_equal (kind, "kva"))
        text = md_decimal_format (value, 3);
      else if (g_str_equal (kind, "area"))
        text = md_decimal_format (value, 2);
      else if (g_str_equal (kind, "time"))
        text = _md_format_time (value);
      else
        g_return_if_reached ();
      json_builder_add_string_value (builder, text);
    }
}

/**
 * _md_rows_to_json:
 *
 * Steps @stmt to the end and turns each row into an object keyed by column
 * name (see add_value() for "name:kind" aliases).
 *
 * Returns: (transfer full): a JSON array, or %NULL with @error set
 */
JsonNode *
_md_rows_to_json (MdStmt  *stmt,
                  GError **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GError *local_error = NULL;

  json_builder_begin_array (builder);
  while (md_stmt_step (stmt, &local_error))
    {
      guint n = md_stmt_get_n_columns (stmt);

      json_builder_begin_object (builder);
      for (guint i = 0; i < n; i++)
        {
          const char *name = md_stmt_get_column_name (stmt, i);
          const char *colon = strchr (name, ':');

          if (colon != NULL)
            {
              g_autofree char *key = g_strndup (name, colon - name);

              json_builder_set_member_name (builder, key);
              add_value (builder, stmt, i, colon + 1);
            }
          else
            {
              json_builder_set_member_name (builder, name);
              add_value (builder, stmt, i, NULL);
            }
        }
      json_builder_end_object (builder);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  json_builder_end_array (builder);

  return json_builder_get_root (builder);
}

/**
 * _md_query_json:
 * @...: text parameters $1, $2…, then %NULL
 *
 * Returns: (transfer full): the rows as a JSON array, or %NULL with @error set
 */
JsonNode *
_md_query_json (MdStore     *store,
                GError     **error,
                const char  *sql,
                ...)
{
  g_autoptr(MdStmt) stmt = NULL;
  va_list args;

  va_start (args, sql);
  stmt = prepare_with_text_params (store, sql, args, error);
  va_end (args);
  if (stmt == NULL)
    return NULL;
  return _md_rows_to_json (stmt, error);
}

/**
 * _md_audit:
 *
 * Appends an audit row for @session's operator inside the current write
 * transaction.
 */
gboolean
_md_audit (MdStore     *store,
           MdSession   *session,
           gint64       approver_id,
           const char  *action,
           const char  *object,
           const char  *detail,
           GError     **error)
{
  MdAuditEntry entry = {
    md_session_get_terminal (session),
    md_session_get_operator_id (session),
    approver_id,
    action,
    object,
    detail,
  };

  return md_audit_append (store, &entry, NULL, error);
}
