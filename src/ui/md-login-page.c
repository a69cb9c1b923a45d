/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "md-login-page.h"

struct _MdLoginPage
{
  GtkWidget             parent_instance;

  /* template widgets */
  AdwStatusPage        *status;
  AdwEntryRow          *operator_row;
  AdwPasswordEntryRow  *password_row;
  GtkLabel             *message;
  GtkSpinner           *spinner;

  /* owned */
  MdWorker             *worker;
  char                 *terminal;
  char                 *hint;
  GCancellable         *cancellable;
};

G_DEFINE_FINAL_TYPE (MdLoginPage, md_login_page, GTK_TYPE_WIDGET)

enum {
  SIGNED_IN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  char *terminal;
  char *name;
  char *password;
} LoginData;

static void
login_data_free (gpointer pointer)
{
  LoginData *data = pointer;

  g_free (data->terminal);
  g_free (data->name);
  if (data->password != NULL)
    {
      memset (data->password, 0, strlen (data->password));
      g_free (data->password);
    }
  g_free (data);
}

static gpointer
login_job (MdStore       *store,
           MdSession     *session,
           gpointer       user_data,
           GCancellable  *cancellable,
           GError       **error)
{
  LoginData *data = user_data;

  return md_session_login (store, data->terminal, data->name, data->password, error);
}

static void
set_busy (MdLoginPage *self,
          gboolean     busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "login.sign-in", !busy);
}

static void
show_message (MdLoginPage *self,
              const char  *text)
{
  gtk_label_set_text (self->message, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message), text != NULL && *text != '\0');
}

static void
login_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(MdLoginPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(MdSession) session = NULL;

  session = md_worker_run_finish (MD_WORKER (source), result, &error);
  set_busy (self, FALSE);

  if (session == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      show_message (self, error->message);
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return;
    }

  show_message (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  g_signal_emit (self, signals[SIGNED_IN], 0, session);
}

/**
 * md_login_page_sign_in:
 *
 * Checks the credentials on the worker; "signed-in" follows on success.
 */
void
md_login_page_sign_in (MdLoginPage *self,
                       const char  *operator_name,
                       const char  *password)
{
  LoginData *data;

  g_return_if_fail (MD_IS_LOGIN_PAGE (self));
  g_return_if_fail (self->worker != NULL);

  data = g_new0 (LoginData, 1);
  data->terminal = g_strdup (self->terminal != NULL ? self->terminal : "T01");
  data->name = g_strdup (operator_name);
  data->password = g_strdup (password);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  set_busy (self, TRUE);
  show_message (self, NULL);
  md_worker_run (self->worker, login_job, data, login_data_free, g_object_unref,
                 self->cancellable, login_done_cb, g_object_ref (self));
}

static void
sign_in_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  MdLoginPage *self = MD_LOGIN_PAGE (widget);
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->operator_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  if (*name == '\0')
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->operator_row));
      return;
    }
  md_login_page_sign_in (self, name, password);
}

static void
operator_activated_cb (MdLoginPage *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
password_activated_cb (MdLoginPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "login.sign-in", NULL);
}

static void
md_login_page_dispose (GObject *object)
{
  MdLoginPage *self = MD_LOGIN_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), MD_TYPE_LOGIN_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->worker);
  g_clear_pointer (&self->terminal, g_free);
  g_clear_pointer (&self->hint, g_free);

  G_OBJECT_CLASS (md_login_page_parent_class)->dispose (object);
}

static void
md_login_page_class_init (MdLoginPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = md_login_page_dispose;

  /**
   * MdLoginPage::signed-in:
   * @session: the operator's new session
   */
  signals[SIGNED_IN] = g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, MD_TYPE_SESSION);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/meterdesk/Meterdesk/ui/md-login-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, MdLoginPage, status);
  gtk_widget_class_bind_template_child (widget_class, MdLoginPage, operator_row);
  gtk_widget_class_bind_template_child (widget_class, MdLoginPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, MdLoginPage, message);
  gtk_widget_class_bind_template_child (widget_class, MdLoginPage, spinner);
  gtk_widget_class_bind_template_callback (widget_class, operator_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, password_activated_cb);

  gtk_widget_class_install_action (widget_class, "login.sign-in", NULL, sign_in_activated);
}

static void
md_login_page_init (MdLoginPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
md_login_page_set_worker (MdLoginPage *self,
                          MdWorker    *worker)
{
  g_return_if_fail (MD_IS_LOGIN_PAGE (self));

  g_set_object (&self->worker, worker);
}

static void
update_description (MdLoginPage *self)
{
  g_autofree char *title = g_strdup_printf (_("Sales window %s"),
                                            self->terminal != NULL ? self->terminal : "");
  g_autofree char *text = self->hint != NULL ? g_strdup_printf ("%s\n\n%s", title, self->hint)
                                             : g_steal_pointer (&title);

  adw_status_page_set_description (self->status, text);
}

void
md_login_page_set_terminal (MdLoginPage *self,
                            const char  *terminal)
{
  g_return_if_fail (MD_IS_LOGIN_PAGE (self));

  g_free (self->terminal);
  self->terminal = g_strdup (terminal);
  update_description (self);
}

/**
 * md_login_page_set_hint:
 * @hint: (nullable): a line under the window's name, e.g. the demo operators
 */
void
md_login_page_set_hint (MdLoginPage *self,
                        const char  *hint)
{
  g_return_if_fail (MD_IS_LOGIN_PAGE (self));

  g_free (self->hint);
  self->hint = g_strdup (hint);
  update_description (self);
}

/**
 * md_login_page_reset:
 * @operator_name: (nullable): offered in the operator field
 * @reason: (nullable): why signing in again, e.g. the idle lock
 */
void
md_login_page_reset (MdLoginPage *self,
                     const char  *operator_name,
                     const char  *reason)
{
  g_return_if_fail (MD_IS_LOGIN_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->operator_row), operator_name ? operator_name : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  show_message (self, reason);
  gtk_widget_grab_focus (operator_name != NULL && *operator_name != '\0'
                           ? GTK_WIDGET (self->password_row)
                           : GTK_WIDGET (self->operator_row));
}

/**
 * md_login_page_get_message:
 *
 * Returns: (nullable): why the last sign-in failed, or the reason shown
 */
const char *
md_login_page_get_message (MdLoginPage *self)
{
  g_return_val_if_fail (MD_IS_LOGIN_PAGE (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->message))
         ? gtk_label_get_text (self->message) : NULL;
}
