/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <unistd.h>

#include "md-clock.h"
#include "md-core-private.h"
#include "md-settings.h"
#include "md-service-private.h"

G_DEFINE_QUARK (md-service-error-quark, md_service_error)

void
_md_service_sample_clear (MdServiceSample *sample)
{
  g_clear_pointer (&sample->error, g_free);
}

gint64
_md_setting_int (MdStore    *store,
                 const char *key,
                 gint64      fallback)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store, "SELECT value FROM setting WHERE key = $1",
                                             NULL);
  gint64 value = fallback;

  if (stmt == NULL)
    return fallback;
  md_stmt_bind_text (stmt, 1, key);
  if (md_stmt_step (stmt, NULL))
    {
      const char *text = md_stmt_get_text (stmt, 0);
      char *end = NULL;
      gint64 parsed = g_ascii_strtoll (text, &end, 10);

      if (end != text && *end == '\0')
        value = parsed;
      else
        g_warning ("setting %s: not a whole number: %s", key, text);
      md_stmt_exec (stmt, NULL);
    }
  return value;
}

char *
_md_setting_text (MdStore    *store,
                  const char *key,
                  const char *fallback)
{
  char *value = NULL;

  _md_lookup_text (store, &value, NULL, "SELECT value FROM setting WHERE key = $1", key, NULL);
  return value != NULL ? value : g_strdup (fallback);
}

typedef struct
{
  const char *holder;
  const char *kind;
  gboolean    acquired;
  char       *other;
} LeaseData;

static gboolean
acquire_txn (MdStore  *store,
             gpointer  user_data,
             GError  **error)
{
  LeaseData *data = user_data;
  g_autoptr(MdStmt) look = NULL;
  g_autoptr(MdStmt) take = NULL;
  gint64 now = md_clock_now ();
  GError *local_error = NULL;

  data->acquired = FALSE;
  g_clear_pointer (&data->other, g_free);
  if (!(look = md_store_prepare (store,
                                 "SELECT holder, expires_at FROM service_lease WHERE name = $1",
                                 error)))
    return FALSE;
  md_stmt_bind_text (look, 1, MD_LEASE_NAME);
  if (md_stmt_step (look, &local_error))
    {
      const char *holder = md_stmt_get_text (look, 0);
      gint64 expires = md_stmt_get_int64 (look, 1);

      if (!g_str_equal (holder, data->holder) && expires > now)
        data->other = g_strdup (holder);
      md_stmt_exec (look, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (data->other != NULL)
    return TRUE;

  if (!(take = md_store_prepare (store,
          "INSERT INTO service_lease (name, holder, kind, host, pid, acquired_at, renewed_at, "
          "  expires_at) VALUES ($1, $2, $3, $4, CAST($5 AS BIGINT), CAST($6 AS BIGINT), "
          "  CAST($6 AS BIGINT), CAST($7 AS BIGINT)) "
          "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, kind = excluded.kind, "
          "  host = excluded.host, pid = excluded.pid, "
          "  acquired_at = CASE WHEN service_lease.holder = excluded.holder "
          "    THEN service_lease.acquired_at ELSE excluded.acquired_at END, "
          "  renewed_at = excluded.renewed_at, expires_at = excluded.expires_at",
          error)))
    return FALSE;
  md_stmt_bind_text (take, 1, MD_LEASE_NAME);
  md_stmt_bind_text (take, 2, data->holder);
  md_stmt_bind_text (take, 3, data->kind);
  md_stmt_bind_text (take, 4, g_get_host_name ());
  md_stmt_bind_int64 (take, 5, getpid ());
  md_stmt_bind_int64 (take, 6, now);
  md_stmt_bind_int64 (take, 7, now + MD_LEASE_TTL_USEC);
  if (!md_stmt_exec (take, error))
    return FALSE;
  data->acquired = TRUE;
  return TRUE;
}

/* Takes or renews the lease; @out_other says who holds it otherwise. */
gboolean
_md_lease_acquire (MdStore     *store,
                   const char  *holder,
                   const char  *kind,
                   gboolean    *out_acquired,
                   char       **out_other,
                   GError     **error)
{
  LeaseData data = { holder, kind };

  if (!md_store_write (store, acquire_txn, &data, error))
    {
      g_free (data.other);
      return FALSE;
    }
  *out_acquired = data.acquired;
  if (out_other != NULL)
    *out_other = g_steal_pointer (&data.other);
  g_free (data.other);
  return TRUE;
}

static gboolean
release_txn (MdStore  *store,
             gpointer  user_data,
             GError  **error)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                             "DELETE FROM service_lease WHERE name = $1 "
                                             "AND holder = $2", error);

  if (stmt == NULL)
    return FALSE;
  md_stmt_bind_text (stmt, 1, MD_LEASE_NAME);
  md_stmt_bind_text (stmt, 2, user_data);
  return md_stmt_exec (stmt, error);
}

gboolean
_md_lease_release (MdStore     *store,
                   const char  *holder,
                   GError     **error)
{
  return md_store_write (store, release_txn, (gpointer) holder, error);
}

/**
 * md_service_hosted:
 * @out_holder: (out) (optional) (transfer full): who holds the lease
 *   ("daemon:HOST:PID…")
 *
 * Whether a daemon, an app or `meterdesk-cli poll` hosts the services now
 * (a lease renewed within its lifetime).
 *
 * Returns: %TRUE when hosted; %FALSE with @error unset when not
 */
gboolean
md_service_hosted (MdStore  *store,
                   char    **out_holder,
                   GError  **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;
  gboolean hosted = FALSE;

  g_return_val_if_fail (MD_IS_STORE (store), FALSE);

  if (out_holder != NULL)
    *out_holder = NULL;
  if (!(stmt = md_store_prepare (store,
                                 "SELECT holder FROM service_lease WHERE name = $1 "
                                 "AND expires_at > $2", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, MD_LEASE_NAME);
  md_stmt_bind_int64 (stmt, 2, md_clock_now ());
  if (md_stmt_step (stmt, &local_error))
    {
      hosted = TRUE;
      if (out_holder != NULL)
        *out_holder = g_strdup (md_stmt_get_text (stmt, 0));
      md_stmt_exec (stmt, NULL);
    }
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return hosted;
}

/**
 * md_service_setting_set:
 * @key: a setting of docs/daemon.md ("notify.command", "poll.interval-seconds"…)
 *
 * Changes a site setting (administrators), audited: md_setting_set().
 */
gboolean
md_service_setting_set (MdSession   *session,
                        const char  *key,
                        const char  *value,
                        GError     **error)
{
  return md_setting_set (session, key, value, error);
}
