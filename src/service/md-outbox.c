/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "md-clock.h"
#include "md-service-private.h"

/*
 * The notification outbox: every alert becomes one row per configured
 * channel (setting notify.channels, default "log"). Channels are plug-ins:
 *
 * - log: the host's log (the journal under systemd);
 * - command: runs the program of setting notify.command as
 *   `PROGRAM ID KIND OBJECT RECIPIENT MESSAGE` (the message also on its
 *   standard input); exit status 0 means delivered. This is how a site
 *   hooks up an SMS gateway, e-mail or an app push.
 *
 * Delivery: the row is marked 'sending' and committed before the channel
 * runs; then 'sent', or 'pending' again with a growing delay after a
 * failure, 'failed' after notify.attempts tries. A row found 'sending' when
 * a host starts was interrupted mid-delivery: it becomes 'unknown' and is
 * never sent again (a channel that must not miss one can use the ID to
 * find out).
 */

typedef gboolean (*ChannelFunc) (MdStore     *store,
                                 gint64       id,
                                 const char  *kind,
                                 const char  *object,
                                 const char  *recipient,
                                 const char  *message,
                                 GError     **error);

static gboolean
channel_log (MdStore     *store,
             gint64       id,
             const char  *kind,
             const char  *object,
             const char  *recipient,
             const char  *message,
             GError     **error)
{
  g_message ("notification %" G_GINT64_FORMAT " [%s] %s%s%s: %s", id, kind, object,
             *recipient != '\0' ? " to " : "", recipient, message);
  return TRUE;
}

typedef struct
{
  GAsyncResult *result;
  gboolean      timed_out;
} CommandWait;

static void
exited_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CommandWait *wait = user_data;

  wait->result = g_object_ref (result);
}

static gboolean
command_timeout_cb (gpointer user_data)
{
  CommandWait *wait = user_data;

  wait->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
write_all (int          fd,
           const char  *text,
           GError     **error)
{
  gsize left = strlen (text);

  while (left > 0)
    {
      gssize n = write (fd, text, left);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = errno;

          g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                               g_strerror (saved));
          return FALSE;
        }
      text += n;
      left -= (gsize) n;
    }
  return TRUE;
}

/* An unlinked temporary file, open for reading and writing. */
static int
open_scratch (GError **error)
{
  g_autofree char *path = NULL;
  int fd;

  if ((fd = g_file_open_tmp ("md-notify-XXXXXX", &path, error)) < 0)
    return -1;
  g_unlink (path);
  return fd;
}

/* What the program wrote on its standard error, its first line at most. */
static char *
read_scratch (int fd)
{
  char buf[1024];
  gssize n;

  if (lseek (fd, 0, SEEK_SET) != 0 || (n = read (fd, buf, sizeof buf - 1)) < 0)
    return g_strdup ("");
  buf[n] = '\0';
  buf[strcspn (buf, "\n")] = '\0';
  return g_utf8_make_valid (g_strstrip (buf), -1);
}

/* The message on standard input comes from an unlinked temporary file, not
 * a pipe: a program that does not read it cannot break the host with
 * SIGPIPE. Its standard error goes to another such file, and its output
 * nowhere: the delivery ends when the program exits, even if it left a
 * child behind in the background. A program still running after
 * notify.command-timeout seconds (default 30) is killed and the delivery
 * counts as failed. */
static gboolean
channel_command (MdStore     *store,
                 gint64       id,
                 const char  *kind,
                 const char  *object,
                 const char  *recipient,
                 const char  *message,
                 GError     **error)
{
  g_autofree char *program = _md_setting_text (store, "notify.command", "");
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  guint timeout_s = (guint) CLAMP (_md_setting_int (store, "notify.command-timeout", 30), 1, 3600);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GSource) timeout = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { program, id_text, kind, object, recipient, message, NULL };
  CommandWait wait = { NULL, FALSE };
  gboolean killed = FALSE;
  gboolean ok;
  int fd, err_fd, err_child;

  if (*program == '\0')
    {
      g_set_error_literal (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_INVALID,
                           _("No program is set for the command channel (setting "
                             "notify.command)"));
      return FALSE;
    }

  if ((fd = open_scratch (error)) < 0)
    return FALSE;
  if (!write_all (fd, message, error) || lseek (fd, 0, SEEK_SET) != 0)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                             g_strerror (errno));
      close (fd);
      return FALSE;
    }

  if ((err_fd = open_scratch (error)) < 0 || (err_child = dup (err_fd)) < 0)
    {
      if (err_fd >= 0)
        {
          g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                               g_strerror (errno));
          close (err_fd);
        }
      close (fd);
      return FALSE;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_take_stdin_fd (launcher, fd);
  g_subprocess_launcher_take_stderr_fd (launcher, err_child);
  if (!(process = g_subprocess_launcher_spawnv (launcher, argv, error)))
    {
      close (err_fd);
      return FALSE;
    }

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  g_subprocess_wait_async (process, NULL, exited_cb, &wait);
  timeout = g_timeout_source_new_seconds (timeout_s);
  g_source_set_callback (timeout, command_timeout_cb, &wait, NULL);
  g_source_attach (timeout, context);
  while (wait.result == NULL)
    {
      if (wait.timed_out && !killed)
        {
          g_subprocess_force_exit (process);
          killed = TRUE;
        }
      g_main_context_iteration (context, TRUE);
    }
  g_source_destroy (timeout);
  ok = g_subprocess_wait_finish (process, wait.result, error);
  g_object_unref (wait.result);
  g_main_context_pop_thread_default (context);
  err = read_scratch (err_fd);
  close (err_fd);
  if (!ok)
    return FALSE;
  if (killed)
    {
      g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_TIMEOUT,
                   _("The notification program did not finish within %u seconds"), timeout_s);
      return FALSE;
    }
  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_FAILED,
                   _("The notification program failed (status %d): %s"),
                   g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process)
                                                        : -1,
                   err);
      return FALSE;
    }
  return TRUE;
}

static ChannelFunc
channel_lookup (const char *name)
{
  if (g_str_equal (name, "log"))
    return channel_log;
  if (g_str_equal (name, "command"))
    return channel_command;
  return NULL;
}

typedef struct
{
  gint64  id;
  char   *channel;
  char   *recipient;
  char   *kind;
  char   *object;
  char   *message;
  gint64  attempts;
  gboolean found;
} Claimed;

static void
claimed_clear (Claimed *c)
{
  g_free (c->channel);
  g_free (c->recipient);
  g_free (c->kind);
  g_free (c->object);
  g_free (c->message);
}

static gboolean
claim_txn (MdStore  *store,
           gpointer  user_data,
           GError  **error)
{
  Claimed *c = user_data;
  g_autoptr(MdStmt) pick = NULL;
  g_autoptr(MdStmt) mark = NULL;
  GError *local_error = NULL;

  c->found = FALSE;
  if (!(pick = md_store_prepare (store,
          "SELECT id, channel, recipient, kind, object, message, attempts FROM notification "
          "WHERE state = 'pending' AND next_at <= $1 ORDER BY next_at, id LIMIT 1", error)))
    return FALSE;
  md_stmt_bind_int64 (pick, 1, md_clock_now ());
  if (md_stmt_step (pick, &local_error))
    {
      claimed_clear (c);
      c->id = md_stmt_get_int64 (pick, 0);
      c->channel = g_strdup (md_stmt_get_text (pick, 1));
      c->recipient = g_strdup (md_stmt_get_text (pick, 2));
      c->kind = g_strdup (md_stmt_get_text (pick, 3));
      c->object = g_strdup (md_stmt_get_text (pick, 4));
      c->message = g_strdup (md_stmt_get_text (pick, 5));
      c->attempts = md_stmt_get_int64 (pick, 6);
      c->found = TRUE;
      md_stmt_exec (pick, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (!c->found)
    return TRUE;
  if (!(mark = md_store_prepare (store,
                                 "UPDATE notification SET state = 'sending', attempts = attempts + 1 "
                                 "WHERE id = $1 AND state = 'pending'", error)))
    return FALSE;
  md_stmt_bind_int64 (mark, 1, c->id);
  return md_stmt_exec (mark, error);
}

typedef struct
{
  gint64      id;
  const char *state;
  const char *error;
  gint64      next_at;
} Outcome;

static gboolean
outcome_txn (MdStore  *store,
             gpointer  user_data,
             GError  **error)
{
  Outcome *o = user_data;
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
      "UPDATE notification SET state = $2, last_error = $3, next_at = CAST($4 AS BIGINT), "
      "  sent_at = CASE WHEN $2 = 'sent' THEN CAST($5 AS BIGINT) ELSE sent_at END "
      "WHERE id = $1 AND state = 'sending'", error);

  if (stmt == NULL)
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, o->id);
  md_stmt_bind_text (stmt, 2, o->state);
  md_stmt_bind_text (stmt, 3, o->error != NULL ? o->error : "");
  md_stmt_bind_int64 (stmt, 4, o->next_at);
  md_stmt_bind_int64 (stmt, 5, md_clock_now ());
  return md_stmt_exec (stmt, error);
}

/* Delivers what is due, one row at a time. */
gboolean
_md_outbox_deliver_due (MdStore  *store,
                        guint    *out_sent,
                        GError  **error)
{
  gint64 max_attempts = _md_setting_int (store, "notify.attempts", 5);
  gint64 retry_s = _md_setting_int (store, "notify.retry-seconds", 10);
  guint sent = 0;

  /* Bounded, so a flood does not keep the thread from stopping. */
  for (guint round = 0; round < 100; round++)
    {
      Claimed c = { 0 };
      Outcome o = { 0 };
      g_autoptr(GError) channel_error = NULL;
      ChannelFunc func;
      gboolean ok;

      if (!md_store_write (store, claim_txn, &c, error))
        {
          claimed_clear (&c);
          return FALSE;
        }
      if (!c.found)
        {
          claimed_clear (&c);
          break;
        }

      func = channel_lookup (c.channel);
      if (func == NULL)
        {
          g_set_error (&channel_error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_INVALID,
                       _("Unknown notification channel “%s”"), c.channel);
          ok = FALSE;
        }
      else
        ok = func (store, c.id, c.kind, c.object, c.recipient, c.message, &channel_error);

      o.id = c.id;
      o.next_at = md_clock_now ();
      if (ok)
        {
          o.state = "sent";
          sent++;
        }
      else
        {
          gint64 attempts = c.attempts + 1;

          o.error = channel_error->message;
          o.state = attempts >= max_attempts || func == NULL ? "failed" : "pending";
          o.next_at += retry_s * G_USEC_PER_SEC * (1 << MIN (attempts - 1, 10));
          g_message ("notification %" G_GINT64_FORMAT " via %s, attempt %" G_GINT64_FORMAT
                     ": %s", c.id, c.channel, attempts, channel_error->message);
        }
      ok = md_store_write (store, outcome_txn, &o, error);
      claimed_clear (&c);
      if (!ok)
        return FALSE;
    }
  if (out_sent != NULL)
    *out_sent = sent;
  return TRUE;
}

static gboolean
unknown_txn (MdStore  *store,
             gpointer  user_data,
             GError  **error)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                             "UPDATE notification SET state = 'unknown', "
                                             "last_error = 'interrupted while sending' "
                                             "WHERE state = 'sending'", error);

  if (stmt == NULL)
    return FALSE;
  if (!md_stmt_exec (stmt, error))
    return FALSE;
  if (md_stmt_changes (stmt) > 0)
    g_message ("%" G_GINT64_FORMAT " notification(s) were interrupted while sending; they are "
               "not sent again", md_stmt_changes (stmt));
  return TRUE;
}

/* At start: never send twice what may have gone out. */
gboolean
_md_outbox_mark_unknown (MdStore  *store,
                         GError  **error)
{
  return md_store_write (store, unknown_txn, NULL, error);
}
