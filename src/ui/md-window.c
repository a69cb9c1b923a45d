/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "md-accounts-page.h"
#include "md-login-page.h"
#include "md-monitor-page.h"
#include "md-office-page.h"
#include "md-preferences.h"
#include "md-reports-page.h"
#include "md-sale-page.h"
#include "md-ui-util.h"
#include "md-window.h"

/* One window per sales counter: a status page while the database opens,
 * then sign-in, then the work pages of the operator signed in. */

#define IDLE_CHECK_SECONDS 15
#define IDLE_LOCK_DEFAULT_MINUTES 15

struct _MdWindow
{
  AdwApplicationWindow  parent_instance;

  /* template widgets */
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar   *switcher_bar;
  GtkButton            *lock_button;
  GtkLabel             *operator_label;
  GtkLabel             *shift_label;
  GtkStack             *pages;
  AdwStatusPage        *status;
  MdLoginPage          *login_page;
  AdwViewStack         *views;
  AdwViewStackPage     *sale_view;
  MdSalePage           *sale_page;
  AdwViewStackPage     *accounts_view;
  MdAccountsPage       *accounts_page;
  AdwViewStackPage     *monitor_view;
  MdMonitorPage        *monitor_page;
  AdwViewStackPage     *reports_view;
  MdReportsPage        *reports_page;
  AdwViewStackPage     *office_view;
  MdOfficePage         *office_page;

  /* owned */
  MdWorker             *worker;
  GSettings            *settings;   /* NULL when the schema is not installed */
  char                 *terminal;
  char                 *operator_name;
  gint64                last_input;
  guint                 idle_source;
};

G_DEFINE_FINAL_TYPE (MdWindow, md_window, ADW_TYPE_APPLICATION_WINDOW)

static void update_switcher_bar (MdWindow *self);

static void
show_signed_out (MdWindow   *self,
                 const char *operator_name,
                 const char *reason)
{
  g_clear_handle_id (&self->idle_source, g_source_remove);
  if (self->worker != NULL)
    md_worker_set_session (self->worker, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->lock_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->operator_label), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->shift_label), FALSE);
  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, FALSE);
  update_switcher_bar (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.lock", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", FALSE);
  gtk_stack_set_visible_child_name (self->pages, "login");
  md_login_page_reset (self->login_page, operator_name, reason);
}

static guint
idle_lock_minutes (MdWindow *self)
{
  return self->settings != NULL ? g_settings_get_uint (self->settings, "idle-lock-minutes")
                                : IDLE_LOCK_DEFAULT_MINUTES;
}

/* The window locks by itself after the set minutes without input (PCI DSS
 * 8.2.8): signing in again is needed, the sale screen is kept. */
static gboolean
idle_check_cb (gpointer user_data)
{
  MdWindow *self = user_data;
  gint64 idle = g_get_monotonic_time () - self->last_input;

  if (idle >= (gint64) idle_lock_minutes (self) * 60 * G_USEC_PER_SEC)
    {
      self->idle_source = 0;
      md_window_lock (self, _("Locked after a period without use: sign in again"));
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
input_cb (GtkEventController *controller,
          gpointer            user_data)
{
  MdWindow *self = user_data;

  self->last_input = g_get_monotonic_time ();
  return GDK_EVENT_PROPAGATE;
}

static gboolean
input_key_cb (GtkEventControllerKey *controller,
              guint                  keyval,
              guint                  keycode,
              GdkModifierType        state,
              gpointer               user_data)
{
  return input_cb (GTK_EVENT_CONTROLLER (controller), user_data);
}

static void
input_click_cb (GtkGestureClick *gesture,
                int              n_press,
                double           x,
                double           y,
                gpointer         user_data)
{
  input_cb (GTK_EVENT_CONTROLLER (gesture), user_data);
}

static void
shift_changed_cb (MdWindow *self)
{
  const char *shift = md_sale_page_get_shift (self->sale_page);

  gtk_label_set_text (self->shift_label, shift != NULL ? shift : "");
  gtk_widget_set_visible (GTK_WIDGET (self->shift_label), shift != NULL);
}

/* The bottom switcher stands in for the header's when the window is narrow,
 * and only when there is more than one page to switch to. */
static void
update_switcher_bar (MdWindow *self)
{
  g_autoptr(GtkSelectionModel) pages = adw_view_stack_get_pages (self->views);
  guint visible = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (pages)); i++)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (pages), i);

      visible += adw_view_stack_page_get_visible (page) ? 1 : 0;
    }
  adw_view_switcher_bar_set_reveal (self->switcher_bar,
                                    visible > 1 &&
                                    adw_view_switcher_title_get_view_switcher_enabled (self->switcher_title) &&
                                    adw_view_switcher_title_get_title_visible (self->switcher_title));
}

/* The page shown is brought up to date: other windows may have changed
 * what it shows. */
static void
refresh_view (MdWindow *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->views);

  if (self->worker == NULL || g_strcmp0 (gtk_stack_get_visible_child_name (self->pages), "main") != 0)
    return;
  if (g_strcmp0 (name, "sale") == 0)
    {
      md_sale_page_refresh (self->sale_page);
      md_sale_page_focus (self->sale_page);
    }
  else if (g_strcmp0 (name, "accounts") == 0)
    md_accounts_page_refresh (self->accounts_page);
  else if (g_strcmp0 (name, "monitor") == 0)
    md_monitor_page_refresh (self->monitor_page);
  else if (g_strcmp0 (name, "reports") == 0)
    md_reports_page_refresh (self->reports_page);
  else if (g_strcmp0 (name, "office") == 0)
    md_office_page_refresh (self->office_page);
}

static void
view_changed_cb (MdWindow *self)
{
  refresh_view (self);
}

/* The back office is for those who keep the site's tables, its operators,
 * its settings or its backups; each of its sections asks for its own. */
static gboolean
may_use_office (MdSession *session)
{
  static const MdPermission office[] = {
    MD_PERM_TARIFF, MD_PERM_FEE, MD_PERM_CATEGORY, MD_PERM_OPERATOR, MD_PERM_SETTINGS,
    MD_PERM_SITE, MD_PERM_BACKUP, MD_PERM_RESTORE,
  };

  for (guint i = 0; i < G_N_ELEMENTS (office); i++)
    if (md_session_has_permission (session, office[i]))
      return TRUE;
  return FALSE;
}

static void
signed_in_cb (MdWindow  *self,
              MdSession *session)
{
  g_autofree char *who = NULL;

  md_worker_set_session (self->worker, session);
  g_free (self->operator_name);
  self->operator_name = g_strdup (md_session_get_operator_name (session));
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "last-operator", self->operator_name);

  /* TRANSLATORS: the header: "Window T01 · wangfang" */
  who = g_strdup_printf (_("Window %s · %s"), self->terminal, self->operator_name);
  gtk_label_set_text (self->operator_label, who);
  gtk_widget_set_visible (GTK_WIDGET (self->operator_label), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->lock_button), TRUE);
  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.lock", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", TRUE);
  /* Each operator sees the pages of their roles; a cashier starts at the
   * counter, the others at the accounts. */
  adw_view_stack_page_set_visible (self->sale_view,
                                   md_session_has_permission (session, MD_PERM_SELL));
  adw_view_stack_page_set_visible (self->accounts_view,
                                   md_session_has_permission (session, MD_PERM_VIEW));
  adw_view_stack_page_set_visible (self->monitor_view,
                                   md_session_has_permission (session, MD_PERM_METER_READ) ||
                                   md_session_has_permission (session, MD_PERM_ALARM));
  adw_view_stack_page_set_visible (self->reports_view,
                                   md_session_has_permission (session, MD_PERM_REPORT));
  adw_view_stack_page_set_visible (self->office_view, may_use_office (session));
  update_switcher_bar (self);
  gtk_stack_set_visible_child_name (self->pages, "main");
  adw_view_stack_set_visible_child_name (self->views,
                                         md_session_has_permission (session, MD_PERM_SELL)
                                         ? "sale" : "accounts");
  refresh_view (self);

  self->last_input = g_get_monotonic_time ();
  g_clear_handle_id (&self->idle_source, g_source_remove);
  self->idle_source = g_timeout_add_seconds (IDLE_CHECK_SECONDS, idle_check_cb, self);
}

static void
lock_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  md_window_lock (MD_WINDOW (widget), NULL);
}

static void
sign_out_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  MdWindow *self = MD_WINDOW (widget);

  md_sale_page_new_sale (self->sale_page);
  show_signed_out (self, NULL, NULL);
}

static void
preferences_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  MdWindow *self = MD_WINDOW (widget);

  gtk_window_present (GTK_WINDOW (md_preferences_new (GTK_WINDOW (self), self->settings)));
}

static void
save_size (MdWindow *self)
{
  int width, height;

  if (self->settings == NULL)
    return;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", MAX (width, 1));
  g_settings_set_int (self->settings, "window-height", MAX (height, 1));
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
md_window_close_request (GtkWindow *window)
{
  save_size (MD_WINDOW (window));
  return GTK_WINDOW_CLASS (md_window_parent_class)->close_request (window);
}

static void
md_window_dispose (GObject *object)
{
  MdWindow *self = MD_WINDOW (object);

  g_clear_handle_id (&self->idle_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), MD_TYPE_WINDOW);
  g_clear_object (&self->worker);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (md_window_parent_class)->dispose (object);
}

static void
md_window_finalize (GObject *object)
{
  MdWindow *self = MD_WINDOW (object);

  g_free (self->terminal);
  g_free (self->operator_name);

  G_OBJECT_CLASS (md_window_parent_class)->finalize (object);
}

static void
md_window_class_init (MdWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = md_window_dispose;
  object_class->finalize = md_window_finalize;
  window_class->close_request = md_window_close_request;

  g_type_ensure (MD_TYPE_ACCOUNTS_PAGE);
  g_type_ensure (MD_TYPE_LOGIN_PAGE);
  g_type_ensure (MD_TYPE_MONITOR_PAGE);
  g_type_ensure (MD_TYPE_OFFICE_PAGE);
  g_type_ensure (MD_TYPE_REPORTS_PAGE);
  g_type_ensure (MD_TYPE_SALE_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/meterdesk/Meterdesk/ui/md-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MdWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, lock_button);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, operator_label);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, shift_label);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, status);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, login_page);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, views);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, sale_view);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, sale_page);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, accounts_view);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, accounts_page);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, monitor_view);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, monitor_page);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, reports_view);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, reports_page);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, office_view);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, office_page);
  gtk_widget_class_bind_template_callback (widget_class, signed_in_cb);
  gtk_widget_class_bind_template_callback (widget_class, shift_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, view_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, update_switcher_bar);

  gtk_widget_class_install_action (widget_class, "win.lock", NULL, lock_activated);
  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_activated);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.preferences", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.lock",
                                       NULL);
}

static void
md_window_init (MdWindow *self)
{
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  if ((self->settings = md_ui_settings_new ()) != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }

  /* Any key or click counts as use, wherever it lands. */
  gtk_event_controller_set_propagation_phase (key, GTK_PHASE_CAPTURE);
  g_signal_connect (key, "key-pressed", G_CALLBACK (input_key_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "pressed", G_CALLBACK (input_click_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.lock", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", FALSE);
  /* Without the installed schema there is nothing to set. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.preferences", self->settings != NULL);
}

MdWindow *
md_window_new (GtkApplication *application)
{
  return g_object_new (MD_TYPE_WINDOW, "application", application, NULL);
}

/**
 * md_window_set_status:
 *
 * What the application is doing and what it found, until an operator can
 * sign in; and why nobody can, when the database cannot be used.
 */
void
md_window_set_status (MdWindow   *self,
                      const char *icon_name,
                      const char *title,
                      const char *description)
{
  g_return_if_fail (MD_IS_WINDOW (self));

  adw_status_page_set_icon_name (self->status, icon_name);
  adw_status_page_set_title (self->status, title);
  adw_status_page_set_description (self->status, description);
  gtk_stack_set_visible_child_name (self->pages, "status");
}

const char *
md_window_get_status_description (MdWindow *self)
{
  g_return_val_if_fail (MD_IS_WINDOW (self), NULL);

  return adw_status_page_get_description (self->status);
}

/**
 * md_window_set_worker:
 * @hint: (nullable): shown on the sign-in screen, e.g. the demo operators
 *
 * The database is ready: operators can sign in at @terminal.
 */
void
md_window_set_worker (MdWindow   *self,
                      MdWorker   *worker,
                      const char *terminal,
                      const char *hint)
{
  g_autofree char *last = NULL;

  g_return_if_fail (MD_IS_WINDOW (self));
  g_return_if_fail (MD_IS_WORKER (worker));

  g_set_object (&self->worker, worker);
  g_free (self->terminal);
  self->terminal = g_strdup (terminal);
  md_login_page_set_worker (self->login_page, worker);
  md_login_page_set_terminal (self->login_page, terminal);
  md_sale_page_set_worker (self->sale_page, worker);
  md_sale_page_set_settings (self->sale_page, self->settings);
  md_accounts_page_set_worker (self->accounts_page, worker);
  md_monitor_page_set_worker (self->monitor_page, worker);
  md_reports_page_set_worker (self->reports_page, worker);
  md_office_page_set_worker (self->office_page, worker);
  md_login_page_set_hint (self->login_page, hint);
  if (self->settings != NULL)
    last = g_settings_get_string (self->settings, "last-operator");
  show_signed_out (self, last, NULL);
}

/**
 * md_window_lock:
 * @reason: (nullable): shown on the sign-in screen
 *
 * Ends the operator's session but keeps the screen's work: the same or
 * another operator signs in to go on.
 */
void
md_window_lock (MdWindow   *self,
                const char *reason)
{
  g_return_if_fail (MD_IS_WINDOW (self));

  if (self->worker == NULL)
    return;
  show_signed_out (self, self->operator_name, reason != NULL ? reason : _("Locked"));
}

/**
 * md_window_get_page:
 *
 * Returns: "status", "login" or "main"
 */
const char *
md_window_get_page (MdWindow *self)
{
  g_return_val_if_fail (MD_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->pages);
}

MdLoginPage *
md_window_get_login_page (MdWindow *self)
{
  g_return_val_if_fail (MD_IS_WINDOW (self), NULL);

  return self->login_page;
}

MdMonitorPage *
md_window_get_monitor_page (MdWindow *self)
{
  g_return_val_if_fail (MD_IS_WINDOW (self), NULL);

  return self->monitor_page;
}

MdAccountsPage *
md_window_get_accounts_page (MdWindow *self)
{
  g_return_val_if_fail (MD_IS_WINDOW (self), NULL);

  return self->accounts_page;
}

MdSalePage *
md_window_get_sale_page (MdWindow *self)
{
  g_return_val_if_fail (MD_IS_WINDOW (self), NULL);

  return self->sale_page;
}

MdReportsPage *
md_window_get_reports_page (MdWindow *self)
{
  g_return_val_if_fail (MD_IS_WINDOW (self), NULL);

  return self->reports_page;
}

MdOfficePage *
md_window_get_office_page (MdWindow *self)
{
  g_return_val_if_fail (MD_IS_WINDOW (self), NULL);

  return self->office_page;
}

/**
 * md_window_get_view:
 *
 * Returns: (nullable): the work page shown: "sale", "accounts", "monitor",
 *   "reports" or "office"
 */
const char *
md_window_get_view (MdWindow *self)
{
  g_return_val_if_fail (MD_IS_WINDOW (self), NULL);

  return adw_view_stack_get_visible_child_name (self->views);
}

/**
 * md_window_has_view:
 * @name: a work page's name, as md_window_get_view() gives it
 *
 * Returns: whether the operator signed in is offered that page
 */
gboolean
md_window_has_view (MdWindow   *self,
                    const char *name)
{
  GtkWidget *child;

  g_return_val_if_fail (MD_IS_WINDOW (self), FALSE);

  child = adw_view_stack_get_child_by_name (self->views, name);
  return child != NULL && adw_view_stack_page_get_visible (adw_view_stack_get_page (self->views,
                                                                                    child));
}
