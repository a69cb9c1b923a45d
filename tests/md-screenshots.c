/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "md-application.h"
#include "md-ui-test-util.h"
#include "md-window.h"

/* The user guides' screenshots: the demo driven through its screens under
 * Xvfb in the current locale, each screen rendered by GTK itself to a PNG.
 * build-aux/screenshots.sh runs it for zh_CN and English. */

static const char *out_dir;
static guint n_shots;

static gboolean
drawn (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

static void
shot (GtkWidget  *window,
      const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_strdup_printf ("%s/%s.png", out_dir, name);
  int width, height;

  /* Let the last change be laid out and drawn. */
  wait_for (drawn, window, "the window on screen");
  spin (400);
  /* A widget between two layouts draws nothing: try again after a frame. */
  for (guint tries = 0; node == NULL && tries < 50; tries++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      if (tries > 0)
        spin (100);
      width = gtk_widget_get_width (window);
      height = gtk_widget_get_height (window);
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  if (node == NULL)
    g_error ("nothing drawn for %s", name);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    g_error ("cannot write %s", path);
  g_print ("%s\n", path);
  n_shots++;
}

static gboolean
sale_idle (gpointer data)
{
  return !md_sale_page_get_busy (data) && md_sale_page_get_account (data) != NULL;
}

static gboolean
card_read (gpointer data)
{
  return md_sale_page_get_card_account (data) != NULL && !md_sale_page_get_busy (data);
}

static gboolean
accounts_loaded (gpointer data)
{
  return md_accounts_page_get_account (data) != NULL;
}

static gboolean
board_loaded (gpointer data)
{
  return !md_monitor_page_get_loading (data) && md_monitor_page_get_n_meters (data, NULL) > 0;
}

static gboolean
report_ready (gpointer data)
{
  return !md_reports_page_get_busy (data) && md_reports_page_get_table (data) != NULL;
}

static gboolean
office_ready (gpointer data)
{
  return gtk_widget_get_mapped (data) && !md_office_page_get_busy (data);
}

static gboolean
status_set (gpointer data)
{
  return md_sale_page_get_status (data) != NULL && *md_sale_page_get_status (data) != '\0';
}

static void
sign_in (MdWindow   *window,
         const char *name,
         const char *password)
{
  GtkWidget *login = GTK_WIDGET (md_window_get_login_page (window));

  fill (login, _("Operator"), name);
  fill (login, _("Password"), password);
  gtk_widget_activate_action (login, "login.sign-in", NULL);
  wait_for (page_is_main, window, "the main page");
}

static void
show_view (MdWindow   *window,
           const char *name)
{
  GtkWidget *stack = gtk_widget_get_ancestor (GTK_WIDGET (md_window_get_sale_page (window)),
                                              ADW_TYPE_VIEW_STACK);

  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (stack), name);
}

static void
cancel_dialog (void)
{
  AdwMessageDialog *dialog = find_dialog ();

  adw_message_dialog_response (dialog, "cancel");
  gtk_window_close (GTK_WINDOW (dialog));
  wait_for (dialog_gone, NULL, "the dialog to close");
}

static void
script (MdWindow *window)
{
  MdSalePage *sale = md_window_get_sale_page (window);
  MdAccountsPage *accounts = md_window_get_accounts_page (window);
  MdReportsPage *reports = md_window_get_reports_page (window);
  MdOfficePage *office = md_window_get_office_page (window);
  GtkWidget *amount;
  const char *float_field[] = { _("Float in yuan"), "500.00", NULL };

  /* Sign-in */
  wait_for (page_is_login, window, "the sign-in screen");
  shot (GTK_WIDGET (window), "login");
  sign_in (window, "cashier", "cashier1");

  /* The shift */
  gtk_widget_activate_action (GTK_WIDGET (sale), "sale.shift", NULL);
  wait_for (dialog_shown, NULL, "the shift dialog");
  fill (GTK_WIDGET (find_dialog ()), float_field[0], float_field[1]);
  shot (GTK_WIDGET (find_dialog ()), "shift-open");
  answer_dialog (NULL, "open");
  wait_for (status_set, sale, "the shift");

  /* A sale */
  md_sale_page_load_account (sale, "100003");
  wait_for (sale_idle, sale, "the account");
  amount = need_widget (GTK_WIDGET (sale), ADW_TYPE_ENTRY_ROW, _("Amount in yuan (F5: energy)"));
  gtk_editable_set_text (GTK_EDITABLE (amount), "200");
  spin (800);
  shot (GTK_WIDGET (window), "counter");
  g_signal_emit_by_name (amount, "entry-activated");
  spin (300);
  wait_for (sale_idle, sale, "the sale");
  shot (GTK_WIDGET (window), "counter-sold");

  /* Reversal asks a supervisor */
  gtk_widget_activate_action (GTK_WIDGET (sale), "sale.reverse", NULL);
  wait_for (dialog_shown, NULL, "the reversal dialog");
  fill (GTK_WIDGET (find_dialog ()), _("Reason"),
        g_str_has_prefix (setlocale (LC_MESSAGES, NULL), "zh") ? "金额录错" : "Wrong amount");
  fill (GTK_WIDGET (find_dialog ()), _("Supervisor"), "supervisor");
  shot (GTK_WIDGET (find_dialog ()), "reverse");
  cancel_dialog ();

  /* A card sale: the demo card in its reader, read and sold to. */
  md_sale_page_load_account (sale, "200101");
  wait_for (sale_idle, sale, "the card account");
  gtk_widget_activate_action (GTK_WIDGET (sale), "sale.demo-insert", NULL);
  wait_for (card_read, sale, "the card");
  gtk_editable_set_text (GTK_EDITABLE (amount), "50");
  g_signal_emit_by_name (amount, "entry-activated");
  spin (300);
  wait_for (sale_idle, sale, "the card sale");
  spin (800);
  shot (GTK_WIDGET (window), "counter-card");

  /* Accounts, as the utilization staff */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.sign-out", NULL);
  wait_for (page_is_login, window, "the sign-in screen");
  sign_in (window, "staff", "staff123");
  show_view (window, "accounts");
  md_accounts_page_show_account (accounts, "100003");
  wait_for (accounts_loaded, accounts, "the account");
  shot (GTK_WIDGET (window), "accounts");
  gtk_widget_activate_action (GTK_WIDGET (accounts), "accounts.open", NULL);
  wait_for (dialog_shown, NULL, "the open-account form");
  shot (GTK_WIDGET (find_dialog ()), "open-account");
  cancel_dialog ();

  /* The status board */
  show_view (window, "monitor");
  wait_for (board_loaded, md_window_get_monitor_page (window), "the board");
  md_monitor_page_select (md_window_get_monitor_page (window), "202601000003");
  shot (GTK_WIDGET (window), "monitor");

  /* A batch for the night: the floor's low-balance levels */
  gtk_editable_set_text (GTK_EDITABLE (need_widget (GTK_WIDGET (md_window_get_monitor_page (window)),
                                                    GTK_TYPE_SEARCH_ENTRY, NULL)), "B1/F1/");
  spin (500);
  gtk_widget_activate_action (GTK_WIDGET (md_window_get_monitor_page (window)), "monitor.batch",
                              NULL);
  wait_for (dialog_shown, NULL, "the batch dialog");
  {
    GtkWidget *dialog = GTK_WIDGET (find_dialog ());

    choose (dialog, _("Operation"), _("Low-balance levels"));
    fill (dialog, _("Name (optional)"),
          g_str_has_prefix (setlocale (LC_MESSAGES, NULL), "zh") ? "一楼报警级别" : "F1 alarm levels");
    fill (dialog, _("Start at (YYYY-MM-DD HH:MM; empty: now)"), "2026-12-01 02:00");
    fill (dialog, _("Low-balance level 1 (yuan)"), "30");
    fill (dialog, _("Low-balance level 2 (yuan)"), "10");
    spin (300);
    shot (dialog, "batch");
  }
  cancel_dialog ();

  /* Reports and the back office, as finance */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.sign-out", NULL);
  wait_for (page_is_login, window, "the sign-in screen");
  sign_in (window, "finance", "finance1");
  show_view (window, "reports");
  md_reports_page_set_report (reports, "sales");
  adw_combo_row_set_selected (ADW_COMBO_ROW (need_widget (GTK_WIDGET (reports), ADW_TYPE_COMBO_ROW,
                                                          _("Grouped by"))),
                              MD_REPORT_BY_PAYMENT);
  gtk_widget_activate_action (GTK_WIDGET (reports), "reports.run", NULL);
  wait_for (report_ready, reports, "the report");
  shot (GTK_WIDGET (window), "reports");
  show_view (window, "office");
  md_office_page_set_section (office, "tariffs");
  wait_for (office_ready, office, "the tariffs");
  shot (GTK_WIDGET (window), "office");
}

static void
ready_cb (GObject    *object,
          GParamSpec *pspec,
          gpointer    user_data)
{
  MdWindow *window = MD_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (object)));

  /* No transition caught half-way in a picture. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  script (window);
  g_application_quit (G_APPLICATION (object));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(MdApplication) app = NULL;
  char *app_argv[] = { (char *) "meterdesk", (char *) "--demo", NULL };
  const char *localedir = g_getenv ("MD_LOCALEDIR");
  g_autofree char *cache = NULL;

  if (argc != 2)
    {
      g_printerr ("usage: md-screenshots OUT_DIR\n");
      return 2;
    }
  out_dir = argv[1];
  g_mkdir_with_parents (out_dir, 0755);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A private demo database, never the user's. */
  cache = g_dir_make_tmp ("md-screenshots-XXXXXX", NULL);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  app = md_application_new ();
  g_signal_connect (app, "notify::ready", G_CALLBACK (ready_cb), NULL);
  if (g_application_run (G_APPLICATION (app), 2, app_argv) != 0)
    return 1;
  g_print ("%u screenshots\n", n_shots);
  return 0;
}
