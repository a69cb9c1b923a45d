/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <gdk/x11/gdkx.h>

#include "md-ui-test-util.h"

void
wait_for (Condition    condition,
          gpointer     data,
          const char  *what)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Until @get (@object) — a page's status line — contains @text and
 * @busy (@object), when given, is %FALSE; a timeout shows what it says. */
void
wait_text (TextGetter   get,
           BusyGetter   busy,
           gpointer     object,
           const char  *text)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  for (;;)
    {
      const char *now = get (object);

      if (now != NULL && strstr (now, text) != NULL && (busy == NULL || !busy (object)))
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for “%s”; it says “%s”", text, now);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* g_test_init() for the window's tests: the C locale, isolated
 * directories (with the system's data directories kept: GTK needs the MIME
 * database and the icon themes), and no receipt printing unless a test
 * asks for it, to a file. */
void
ui_test_init (int    *argc,
              char ***argv)
{
  g_autofree char *data_dirs = g_strdup (g_getenv ("XDG_DATA_DIRS"));
  g_autoptr(GSettings) settings = NULL;

  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_setenv ("XDG_DATA_DIRS", data_dirs ? data_dirs : "/usr/local/share:/usr/share", TRUE);
  settings = g_settings_new (APPLICATION_ID);
  g_settings_set_boolean (settings, "print-receipt-automatically", FALSE);
}

typedef struct
{
  AppScript script;
  gpointer  data;
} AppRun;

static void
app_ready_cb (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  AppRun *run = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (object));

  run->script (MD_APPLICATION (object), MD_WINDOW (window), run->data);
  g_application_quit (G_APPLICATION (object));
}

/* Runs the app on @db (%NULL: `--demo`) and @script once it is ready;
 * the app quits when the script returns. */
void
run_app (const char *db,
         AppScript   script,
         gpointer    data)
{
  g_autoptr(MdApplication) app = md_application_new ();
  g_autofree char *db_arg = db != NULL ? g_strdup_printf ("--db=%s", db) : NULL;
  char *argv[] = { (char *) "meterdesk", db != NULL ? db_arg : (char *) "--demo", NULL };
  AppRun run = { script, data };

  g_signal_connect (app, "notify::ready", G_CALLBACK (app_ready_cb), &run);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 2, argv), ==, 0);
}

void
spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* The first descendant of @root of @type whose title (a preferences row) or
 * label (a button) is @title; any of @type when @title is %NULL. */
GtkWidget *
find_widget (GtkWidget  *root,
             GType       type,
             const char *title)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        {
          const char *text = NULL;

          if (ADW_IS_PREFERENCES_ROW (child))
            text = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child));
          else if (GTK_IS_BUTTON (child))
            text = gtk_button_get_label (GTK_BUTTON (child));
          if (title == NULL || g_strcmp0 (text, title) == 0 ||
              g_strcmp0 (gtk_widget_get_tooltip_text (child), title) == 0)
            return child;
        }
      if ((found = find_widget (child, type, title)) != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
need_widget (GtkWidget  *root,
             GType       type,
             const char *title)
{
  GtkWidget *widget = find_widget (root, type, title);

  if (widget == NULL)
    g_error ("no %s “%s” on screen", g_type_name (type), title ? title : "*");
  return widget;
}

AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}

gboolean
dialog_gone (gpointer data)
{
  return find_dialog () == NULL;
}

void
fill (GtkWidget  *root,
      const char *title,
      const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (need_widget (root, ADW_TYPE_PREFERENCES_ROW, title)), text);
}

/* Answers the dialog on screen: fills its fields, then @response. */
void
answer_dialog (const char * const *fields,
               const char         *response)
{
  AdwMessageDialog *dialog;

  wait_for (dialog_shown, NULL, "a dialog");
  dialog = find_dialog ();
  for (guint i = 0; fields != NULL && fields[i] != NULL; i += 2)
    fill (GTK_WIDGET (dialog), fields[i], fields[i + 1]);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, response));
  gtk_widget_activate (need_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON,
                                    adw_message_dialog_get_response_label (dialog, response)));
  wait_for (dialog_gone, NULL, "the dialog to close");
}

/* Chooses @label in the combo row titled @title, whose model is a
 * GtkStringList. */
void
choose (GtkWidget  *root,
        const char *title,
        const char *label)
{
  AdwComboRow *row = ADW_COMBO_ROW (need_widget (root, ADW_TYPE_COMBO_ROW, title));
  GListModel *labels = adw_combo_row_get_model (row);

  for (guint i = 0; i < g_list_model_get_n_items (labels); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (labels), i), label) == 0)
      {
        adw_combo_row_set_selected (row, i);
        return;
      }
  g_error ("“%s” has no choice “%s”", title, label);
}

/* Real key events: xdotool types into the X server (XTEST) and GTK reads
 * them as from a keyboard. Nothing else touches the window. */
void
xdo (const char *first,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  va_list ap;
  int status;

  g_ptr_array_add (argv, (gpointer) "xdotool");
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

char *
xid_of (GtkWidget *window)
{
  return g_strdup_printf ("%lu",
                          (gulong) gdk_x11_surface_get_xid (gtk_native_get_surface (
                                                              GTK_NATIVE (window))));
}

/* No window manager runs under Xvfb: give the dialog the keyboard as one
 * would. */
void
focus_dialog (void)
{
  g_autofree char *xid = NULL;

  spin (100);
  xid = xid_of (GTK_WIDGET (find_dialog ()));
  xdo ("windowfocus", "--sync", xid, NULL);
}

/* Conditions on an MdWindow: the sign-in screen, or the main screen
 * shows. */
gboolean
page_is_login (gpointer window)
{
  return g_strcmp0 (md_window_get_page (window), "login") == 0;
}

gboolean
page_is_main (gpointer window)
{
  return g_strcmp0 (md_window_get_page (window), "main") == 0;
}

/* Signs in through the sign-in screen's fields and action, and waits for
 * the work pages. */
void
sign_in_as (MdWindow   *window,
            const char *name,
            const char *password)
{
  GtkWidget *login = GTK_WIDGET (md_window_get_login_page (window));

  wait_for (page_is_login, window, "the sign-in screen");
  fill (login, "Operator", name);
  fill (login, "Password", password);
  gtk_widget_activate_action (login, "login.sign-in", NULL);
  wait_for (page_is_main, window, "signing in");
}

/* Signs in from the keyboard: the operator, Enter, the password, Enter. */
void
keys_sign_in (MdWindow   *window,
              const char *name,
              const char *password)
{
  g_autofree char *xid = xid_of (GTK_WIDGET (window));

  wait_for (page_is_login, window, "the sign-in screen");
  xdo ("windowfocus", "--sync", xid, NULL);
  xdo ("type", "--delay", "5", name, NULL);
  xdo ("key", "Return", NULL);
  xdo ("type", "--delay", "5", password, NULL);
  xdo ("key", "Return", NULL);
  wait_for (page_is_main, window, "signing in");
}

/* Opens the shift from the keyboard: F12, the float, Enter; the keyboard
 * is given back to the window. */
void
keys_open_shift (MdWindow   *window,
                 const char *float_yuan)
{
  g_autofree char *xid = xid_of (GTK_WIDGET (window));

  xdo ("key", "F12", NULL);
  wait_for (dialog_shown, NULL, "the shift dialog");
  focus_dialog ();
  xdo ("type", "--delay", "5", float_yuan, NULL);
  xdo ("key", "Return", NULL);
  wait_for (dialog_gone, NULL, "the shift dialog to close");
  xdo ("windowfocus", "--sync", xid, NULL);
}
