/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <poll.h>

#include "md-store-private.h"

static MdStoreError
map_sqlstate (const char *state)
{
  if (state == NULL)
    return MD_STORE_ERROR_CONNECTION;
  if (g_str_equal (state, "23505"))
    return MD_STORE_ERROR_UNIQUE;
  if (g_str_equal (state, "23503"))
    return MD_STORE_ERROR_FOREIGN_KEY;
  if (g_str_equal (state, "23514") || g_str_equal (state, "23502"))
    return MD_STORE_ERROR_CHECK;
  if (g_str_has_prefix (state, "23") || g_str_equal (state, "P0001"))
    return MD_STORE_ERROR_CONSTRAINT;
  if (g_str_equal (state, "40001") || g_str_equal (state, "40P01"))
    return MD_STORE_ERROR_RETRY;
  if (g_str_equal (state, "55P03") || g_str_equal (state, "57014"))
    return MD_STORE_ERROR_BUSY;
  if (g_str_has_prefix (state, "08") || g_str_has_prefix (state, "57P"))
    return MD_STORE_ERROR_CONNECTION;
  if (g_str_equal (state, "53100"))
    return MD_STORE_ERROR_FULL;
  if (g_str_has_prefix (state, "58"))
    return MD_STORE_ERROR_IO;
  if (g_str_has_prefix (state, "XX"))
    return MD_STORE_ERROR_CORRUPT;
  if (g_str_equal (state, "25006"))
    return MD_STORE_ERROR_READ_ONLY;
  return MD_STORE_ERROR_FAILED;
}

/* libpq's messages end in a newline and may span lines; the user gets one. */
static char *
one_line (const char *message)
{
  g_autofree char *copy = g_strdup (message != NULL ? message : "");
  char *nl = strchr (copy, '\n');

  if (nl != NULL)
    *nl = '\0';
  return g_strdup (g_strstrip (copy));
}

static void
set_connection_error (MdStore  *self,
                      GError  **error)
{
  g_autofree char *detail = one_line (self->pg != NULL ? PQerrorMessage (self->pg) : NULL);

  _md_store_set_error_literal (error, MD_STORE_ERROR_CONNECTION, "PostgreSQL", detail);
}

gboolean
_md_pg_check_result (MdStore   *self,
                     PGresult  *result,
                     GError   **error)
{
  ExecStatusType status;
  const char *state;
  g_autofree char *code = NULL;
  g_autofree char *detail = NULL;

  if (result == NULL)
    {
      set_connection_error (self, error);
      return FALSE;
    }

  status = PQresultStatus (result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY)
    return TRUE;

  state = PQresultErrorField (result, PG_DIAG_SQLSTATE);
  code = g_strdup_printf ("PostgreSQL %s", state != NULL ? state : "connection");
  detail = one_line (PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY) ?: PQerrorMessage (self->pg));
  _md_store_set_error_literal (error, map_sqlstate (state), code, detail);
  return FALSE;
}

static void
notice_cb (void       *arg,
           const char *message)
{
  g_debug ("postgresql: %s", message);
}

/* Every session, the first and each one after a reconnect, is set up the
 * same way. */
static gboolean
setup_session (MdStore  *self,
               GError  **error)
{
  /* Lock waits are bounded like SQLite's busy_timeout; a runaway query is
   * stopped rather than left to hang a sales window. */
  static const char *setup =
    "SET client_min_messages = warning;"
    "SET lock_timeout = '5s';"
    "SET statement_timeout = '300s';"
    "SET idle_in_transaction_session_timeout = '60s';"
    "SET TIME ZONE 'UTC';";
  PGresult *result;
  gboolean ok;

  if (PQsetClientEncoding (self->pg, "UTF8") != 0)
    {
      set_connection_error (self, error);
      return FALSE;
    }
  result = PQexec (self->pg, setup);
  ok = _md_pg_check_result (self, result, error);
  PQclear (result);

  /* A new session has forgotten what the old one listened to. */
  for (guint i = 0; ok && self->pg_channels != NULL && i < self->pg_channels->len; i++)
    {
      g_autofree char *sql = g_strdup_printf ("LISTEN %s", (char *) self->pg_channels->pdata[i]);

      result = PQexec (self->pg, sql);
      ok = _md_pg_check_result (self, result, error);
      PQclear (result);
    }
  return ok;
}

gboolean
_md_pg_open (MdStore     *self,
             const char  *uri,
             GError     **error)
{
  self->pg = PQconnectdb (uri);
  if (self->pg == NULL || PQstatus (self->pg) != CONNECTION_OK)
    {
      set_connection_error (self, error);
      return FALSE;
    }
  /* Kept across PQreset(). */
  PQsetNoticeProcessor (self->pg, notice_cb, NULL);

  return setup_session (self, error);
}

void
_md_pg_close (MdStore *self)
{
  g_clear_pointer (&self->pg, PQfinish);
}

static gboolean
ensure_connected (MdStore  *self,
                  GError  **error)
{
  if (PQstatus (self->pg) == CONNECTION_OK)
    return TRUE;

  /* Reconnect only between transactions; inside one the outcome is the
   * caller's to decide. */
  if (self->txn_depth > 0)
    {
      set_connection_error (self, error);
      return FALSE;
    }
  PQreset (self->pg);
  if (PQstatus (self->pg) != CONNECTION_OK)
    {
      set_connection_error (self, error);
      return FALSE;
    }
  /* A new session starts from the server's defaults: no lock timeout, the
   * server's time zone and encoding. */
  g_debug ("reconnected to PostgreSQL");
  return setup_session (self, error);
}

gboolean
_md_pg_connection_lost (MdStore *self)
{
  return PQstatus (self->pg) != CONNECTION_OK;
}

/* After an error PostgreSQL ignores the rest of the transaction, and COMMIT
 * then quietly rolls back: tell that apart before committing. */
gboolean
_md_pg_check_not_aborted (MdStore  *self,
                          GError  **error)
{
  if (PQtransactionStatus (self->pg) != PQTRANS_INERROR)
    return TRUE;

  _md_store_set_error_literal (error, MD_STORE_ERROR_FAILED, "PostgreSQL 25P02",
                               _("a statement in the transaction failed, so all of it was "
                                 "rolled back"));
  return FALSE;
}

gboolean
_md_pg_exec (MdStore     *self,
             const char  *sql,
             GError     **error)
{
  PGresult *result;
  gboolean ok;

  if (!ensure_connected (self, error))
    return FALSE;

  result = PQexec (self->pg, sql);
  ok = _md_pg_check_result (self, result, error);
  PQclear (result);
  return ok;
}

int
_md_pg_schema_version (MdStore  *self,
                       GError  **error)
{
  gint64 exists = 0;
  gint64 version = 0;

  if (!md_store_query_int64 (self, "SELECT to_regclass('md_schema') IS NOT NULL", &exists, error))
    return -1;
  if (!exists)
    return 0;
  if (!md_store_query_int64 (self, "SELECT COALESCE(MAX(version), 0) FROM md_schema", &version,
                             error))
    return -1;
  return (int) version;
}

gboolean
_md_pg_step (MdStmt  *stmt,
             GError **error)
{
  MdStore *self = stmt->store;

  if (!stmt->pg_executed)
    {
      PGresult *result;

      g_clear_pointer (&stmt->pg_result, PQclear);
      if (!ensure_connected (self, error))
        return FALSE;

      result = PQexecParams (self->pg, stmt->sql, (int) stmt->n_params, stmt->pg_types,
                             (const char * const *) stmt->pg_values, stmt->pg_lengths,
                             stmt->pg_formats, 0);
      stmt->pg_executed = TRUE;
      if (!_md_pg_check_result (self, result, error))
        {
          PQclear (result);
          stmt->pg_executed = FALSE;
          return FALSE;
        }
      stmt->pg_result = result;
      stmt->pg_row = -1;
      stmt->changes = g_ascii_strtoll (PQcmdTuples (result), NULL, 10);
    }

  if (stmt->pg_row + 1 < PQntuples (stmt->pg_result))
    {
      stmt->pg_row++;
      return TRUE;
    }

  /* Like sqlite3_reset(): stepping again re-runs the statement. The result
   * stays until then for the column count and names, as SQLite keeps them. */
  stmt->pg_row = PQntuples (stmt->pg_result);
  stmt->pg_executed = FALSE;
  return FALSE;
}

static gboolean
is_ident_start (guchar c)
{
  return g_ascii_isalpha (c) || c == '_' || c >= 0x80;
}

static gboolean
is_ident_char (guchar c)
{
  return is_ident_start (c) || g_ascii_isdigit (c) || c == '$';
}

/* Skips a quoted string or identifier opened just before @p; a doubled
 * quote is part of it, and with @backslash so is a backslash escape. */
static const char *
skip_quoted (const char *p,
             char        quote,
             gboolean    backslash)
{
  for (; *p != '\0'; p++)
    {
      if (backslash && *p == '\\' && p[1] != '\0')
        p++;
      else if (*p == quote)
        {
          if (p[1] != quote)
            return p + 1;
          p++;
        }
    }
  return p;
}

/**
 * _md_pg_count_params:
 *
 * The highest `$n` in @sql, skipping string literals (also E'' ones),
 * quoted identifiers, comments, dollar-quoted text and identifiers that
 * contain `$`, as PostgreSQL's own lexer does: libpq needs the number of
 * parameters before the server sees the SQL, and a wrong count makes the
 * server refuse the statement.
 */
guint
_md_pg_count_params (const char *sql)
{
  const char *p = sql;
  guint64 max = 0;

  while (*p != '\0')
    {
      guchar c = (guchar) *p;

      if (c == '\'')
        p = skip_quoted (p + 1, '\'', FALSE);
      else if ((c == 'E' || c == 'e') && p[1] == '\'')
        p = skip_quoted (p + 2, '\'', TRUE);
      else if (c == '"')
        p = skip_quoted (p + 1, '"', FALSE);
      else if (c == '-' && p[1] == '-')
        {
          while (*p != '\0' && *p != '\n')
            p++;
        }
      else if (c == '/' && p[1] == '*')
        {
          guint depth = 1;

          for (p += 2; *p != '\0' && depth > 0; p++)
            {
              if (p[0] == '/' && p[1] == '*')
                depth++, p++;
              else if (p[0] == '*' && p[1] == '/')
                depth--, p++;
            }
        }
      else if (c == '$' && g_ascii_isdigit (p[1]))
        {
          char *end = NULL;
          guint64 n = g_ascii_strtoull (p + 1, &end, 10);

          max = MAX (max, n);
          p = end;
        }
      else if (c == '$')
        {
          /* $$…$$ or $tag$…$tag$ */
          const char *q = p + 1;

          if (is_ident_start ((guchar) *q))
            while (is_ident_char ((guchar) *q) && *q != '$')
              q++;
          if (*q == '$')
            {
              g_autofree char *tag = g_strndup (p, (gsize) (q - p + 1));
              const char *close = strstr (q + 1, tag);

              p = close != NULL ? close + strlen (tag) : q + 1 + strlen (q + 1);
            }
          else
            p++;
        }
      else if (is_ident_start (c))
        {
          while (is_ident_char ((guchar) *p))
            p++;
        }
      else
        p++;
    }

  /* PostgreSQL's own limit; a larger number is an error the server reports. */
  return (guint) MIN (max, 65535);
}

/* @channel is checked by the caller: an identifier of [a-z_]. */
gboolean
_md_pg_listen (MdStore     *self,
               const char  *channel,
               GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("LISTEN %s", channel);

  if (!_md_pg_exec (self, sql, error))
    return FALSE;
  if (self->pg_channels == NULL)
    self->pg_channels = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < self->pg_channels->len; i++)
    if (g_str_equal (self->pg_channels->pdata[i], channel))
      return TRUE;
  g_ptr_array_add (self->pg_channels, g_strdup (channel));
  return TRUE;
}

static gboolean
drain_notifies (MdStore *self)
{
  PGnotify *notify;
  gboolean got = FALSE;

  while ((notify = PQnotifies (self->pg)) != NULL)
    {
      got = TRUE;
      PQfreemem (notify);
    }
  return got;
}

gboolean
_md_pg_wait_notify (MdStore  *self,
                    guint     timeout_ms,
                    GError  **error)
{
  struct pollfd pfd = { 0 };
  int rc;

  if (!ensure_connected (self, error))
    return FALSE;
  if (drain_notifies (self))
    return TRUE;

  pfd.fd = PQsocket (self->pg);
  pfd.events = POLLIN;
  if (pfd.fd < 0)
    {
      set_connection_error (self, error);
      return FALSE;
    }
  do
    rc = poll (&pfd, 1, (int) timeout_ms);
  while (rc < 0 && errno == EINTR);
  if (rc <= 0)
    return FALSE;
  if (PQconsumeInput (self->pg) == 0)
    {
      set_connection_error (self, error);
      return FALSE;
    }
  return drain_notifies (self);
}
