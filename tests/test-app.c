/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include "md-application.h"

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("the application did not become ready in time");
  return G_SOURCE_REMOVE;
}

static void
ready_cb (GObject    *object,
          GParamSpec *pspec,
          gpointer    user_data)
{
  MdApplication *app = MD_APPLICATION (object);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  g_assert_true (md_application_get_ready (app));
  g_assert_nonnull (md_application_get_store (app));
  g_assert_nonnull (window);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_nonnull (strstr (md_application_get_status (app), "300 accounts, 350 meters"));
  g_application_quit (G_APPLICATION (app));
}

/* `meterdesk --demo` under Xvfb: a fresh demo database, a window showing it. */
static void
test_demo_start (void)
{
  g_autoptr(MdApplication) app = md_application_new ();
  char *argv[] = { (char *) "meterdesk", (char *) "--demo", NULL };
  guint timeout = g_timeout_add_seconds (120, timeout_cb, NULL);
  g_autofree char *demo = g_build_filename (g_get_user_cache_dir (), "meterdesk", "demo.db", NULL);

  g_signal_connect (app, "notify::ready", G_CALLBACK (ready_cb), NULL);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 2, argv), ==, 0);
  g_source_remove (timeout);
  g_assert_true (g_file_test (demo, G_FILE_TEST_IS_REGULAR));
}

/* Without a database the window says so instead of failing. */
static void
test_no_database (void)
{
  g_autoptr(MdApplication) app = md_application_new ();
  g_autofree char *missing = g_build_filename (g_get_user_data_dir (), "none.db", NULL);
  g_autofree char *db_arg = g_strdup_printf ("--db=%s", missing);
  char *argv[] = { (char *) "meterdesk", db_arg, NULL };

  g_signal_connect (app, "notify::ready", G_CALLBACK (g_application_quit), NULL);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 2, argv), ==, 0);
  g_assert_null (md_application_get_store (app));
  g_assert_nonnull (strstr (md_application_get_status (app), "meterdesk-cli init"));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data_dirs = g_strdup (g_getenv ("XDG_DATA_DIRS"));

  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* Isolation hides the system's MIME database and icon themes, which GTK
   * needs to load the application icon. */
  g_setenv ("XDG_DATA_DIRS", data_dirs ? data_dirs : "/usr/local/share:/usr/share", TRUE);

  g_test_add_func ("/meterdesk/ui/app/demo-start", test_demo_start);
  g_test_add_func ("/meterdesk/ui/app/no-database", test_no_database);

  return g_test_run ();
}
