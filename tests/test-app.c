/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include <glib/gstdio.h>


#include "md-application.h"
#include "md-login-page.h"
#include "md-monitor.h"
#include "md-preferences.h"
#include "md-sale-dialogs.h"
#include "md-sale-page.h"
#include "md-ui-resources.h"
#include "md-vend.h"
#include "md-window.h"
#include "md-ui-test-util.h"

/* The application under Xvfb, driven through its widgets the way an
 * operator would: fields filled, rows activated, actions and dialog
 * responses, each followed by waiting for what the screen shows. */

typedef struct
{
  MdApplication *app;
  MdWindow      *window;
  MdSalePage    *sale;
  char          *expect;
} Counter;

static gboolean
page_is (gpointer data)
{
  Counter *counter = data;

  return g_strcmp0 (md_window_get_page (counter->window), counter->expect) == 0;
}

static void
wait_page (Counter    *counter,
           const char *page)
{
  g_free (counter->expect);
  counter->expect = g_strdup (page);
  wait_for (page_is, counter, page);
}

static gboolean
sale_idle (gpointer data)
{
  Counter *counter = data;

  return !md_sale_page_get_busy (counter->sale);
}


static void
wait_status (Counter    *counter,
             const char *text)
{
  wait_text ((TextGetter) md_sale_page_get_status, NULL, counter->sale, text);
}

static gboolean
shift_has (gpointer data)
{
  Counter *counter = data;
  const char *shift = md_sale_page_get_shift (counter->sale);

  return shift != NULL && strstr (shift, counter->expect) != NULL;
}

static gboolean
account_shown (gpointer data)
{
  Counter *counter = data;

  return g_strcmp0 (md_sale_page_get_account (counter->sale), counter->expect) == 0;
}

static gboolean
login_refused (gpointer data)
{
  Counter *counter = data;

  return g_strcmp0 (md_login_page_get_message (md_window_get_login_page (counter->window)),
                    "Wrong operator name or password") == 0;
}

static void
sign_in (Counter    *counter,
         const char *name,
         const char *password)
{
  GtkWidget *login = GTK_WIDGET (md_window_get_login_page (counter->window));

  fill (login, "Operator", name);
  fill (login, "Password", password);
  gtk_widget_activate_action (login, "login.sign-in", NULL);
}

/* What the database says about an account's sales, asked on the worker. */
static gpointer
sales_job (MdStore       *store,
           MdSession     *session,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  return md_sale_list (session, NULL, NULL, data, 0, error);
}

static JsonArray *
account_sales (Counter    *counter,
               const char *account_no)
{
  g_autoptr(GError) error = NULL;
  MdWorker *worker = md_application_get_worker (counter->app);
  g_autoptr(JsonNode) node = md_worker_run_sync (worker, sales_job, (gpointer) account_no,
                                                 &error);

  g_assert_no_error (error);
  return json_array_ref (json_node_get_array (node));
}

static guint
count_kind (JsonArray  *sales,
            const char *kind,
            const char *state)
{
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (sales); i++)
    {
      JsonObject *sale = json_array_get_object_element (sales, i);

      if (g_str_equal (json_object_get_string_member (sale, "kind"), kind) &&
          (state == NULL || g_str_equal (json_object_get_string_member (sale, "state"), state)))
        n++;
    }
  return n;
}

static gboolean
account_cleared (gpointer data)
{
  Counter *counter = data;

  return md_sale_page_get_account (counter->sale) == NULL;
}

static void
load_account (Counter    *counter,
              const char *account_no)
{
  md_sale_page_load_account (counter->sale, account_no);
  g_free (counter->expect);
  counter->expect = g_strdup (account_no);
  wait_for (account_shown, counter, account_no);
}

static gboolean
receipt_printed (gpointer data)
{
  Counter *counter = data;

  return md_sale_page_get_printed (counter->sale) != NULL;
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static char *
pdf_to_text (const char *path)
{
  const char *argv[] = { "pdftotext", path, "-", NULL };
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* The Counter of a running app, for a script taking one. */
static void
with_counter (MdApplication *app,
              MdWindow      *window,
              gpointer       script)
{
  Counter counter = { app, window, md_window_get_sale_page (window) };

  ((void (*) (Counter *)) script) (&counter);
  g_free (counter.expect);
}

/* A cashier's first sale of the day at the demo window. */
static void
counter_script (Counter *counter)
{
  GtkWidget *sale = GTK_WIDGET (counter->sale);
  const char *open_float[] = { "Float in yuan", "200.00", NULL };
  const char *no_approver[] = { "Reason", "wrong amount", NULL };
  const char *bad_approver[] = { "Supervisor", "supervisor", "Supervisor’s password", "guess",
                                 NULL };
  const char *approver[] = { "Supervisor", "supervisor", "Supervisor’s password", "supervisor1",
                             NULL };
  GtkWidget *amount;
  g_autoptr(JsonArray) sales = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *receipt_pdf = g_build_filename (g_get_user_cache_dir (), "receipt.pdf", NULL);
  g_autofree char *pdf_text = NULL;
  gint64 first_sale;

  /* Signing in: a wrong password keeps the sign-in screen, with a reason. */
  wait_page (counter, "login");
  sign_in (counter, "cashier", "not-the-password");
  wait_for (login_refused, counter, "the wrong password refused");
  g_assert_cmpstr (md_window_get_page (counter->window), ==, "login");
  sign_in (counter, "cashier", "cashier1");
  wait_page (counter, "main");
  g_free (counter->expect);
  counter->expect = g_strdup ("No shift open");
  wait_for (shift_has, counter, "the shift line");

  /* The first sale without a shift opens the shift dialog. */
  load_account (counter, "100003");
  amount = need_widget (sale, ADW_TYPE_ENTRY_ROW, "Amount in yuan (F5: energy)");
  gtk_editable_set_text (GTK_EDITABLE (amount), "50");
  g_signal_emit_by_name (amount, "entry-activated");
  answer_dialog (open_float, "open");
  wait_status (counter, "Shift");
  g_free (counter->expect);
  counter->expect = g_strdup ("cashier");
  wait_for (shift_has, counter, "the open shift in the header");
  sales = account_sales (counter, "100003");
  g_assert_cmpuint (count_kind (sales, "sale", NULL), ==, 0);
  g_clear_pointer (&sales, json_array_unref);

  /* Enter twice in a row (a bouncing key, an impatient cashier): one sale,
   * and its receipt comes out by itself. */
  g_settings_set_boolean (settings, "print-receipt-automatically", TRUE);
  md_sale_page_set_receipt_file (counter->sale, receipt_pdf);
  gtk_editable_set_text (GTK_EDITABLE (amount), "50");
  g_signal_emit_by_name (amount, "entry-activated");
  g_signal_emit_by_name (amount, "entry-activated");
  wait_for (sale_idle, counter, "the sale");
  wait_status (counter, "Sold: receipt T01-");
  spin (300);
  sales = account_sales (counter, "100003");
  g_assert_cmpuint (count_kind (sales, "sale", "committed"), ==, 1);
  g_clear_pointer (&sales, json_array_unref);
  first_sale = md_sale_page_get_last_sale (counter->sale);
  g_assert_cmpint (first_sale, >, 0);
  wait_for (receipt_printed, counter, "the receipt");
  pdf_text = pdf_to_text (receipt_pdf);
  g_assert_nonnull (strstr (pdf_text, md_sale_page_get_printed (counter->sale)));
  g_assert_null (strstr (pdf_text, "补打"));
  g_settings_set_boolean (settings, "print-receipt-automatically", FALSE);

  /* F10 reprints it, marked. */
  g_remove (receipt_pdf);
  gtk_widget_activate_action (sale, "sale.reprint", NULL);
  wait_for (file_exists, receipt_pdf, "the reprint");
  spin (300);
  g_free (pdf_text);
  pdf_text = pdf_to_text (receipt_pdf);
  g_assert_nonnull (strstr (pdf_text, "补打"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (amount)), ==, "");

  /* Bad input: a clear line, nothing sold. */
  gtk_editable_set_text (GTK_EDITABLE (amount), "12.345");
  gtk_widget_activate_action (sale, "sale.sell", NULL);
  wait_status (counter, "“12.345” has more than 2 decimals");
  sales = account_sales (counter, "100003");
  g_assert_cmpuint (count_kind (sales, "sale", NULL), ==, 1);
  g_clear_pointer (&sales, json_array_unref);
  gtk_editable_set_text (GTK_EDITABLE (amount), "");

  /* A meter-billed shop's credit goes to its meter, which this window
   * cannot reach without the bus: refused before any money is taken. */
  load_account (counter, "100001");
  gtk_editable_set_text (GTK_EDITABLE (amount), "20");
  gtk_widget_activate_action (sale, "sale.sell", NULL);
  wait_status (counter, "cannot be reached");
  sales = account_sales (counter, "100001");
  g_assert_cmpuint (json_array_get_length (sales), ==, 0);
  g_clear_pointer (&sales, json_array_unref);

  /* Reversal (F8): refused for a cashier alone and for a wrong supervisor
   * password; done once with the supervisor's. */
  load_account (counter, "100003");
  gtk_widget_activate_action (sale, "sale.reverse", NULL);
  answer_dialog (no_approver, "reverse");
  wait_status (counter, "permission");
  gtk_widget_activate_action (sale, "sale.reverse", NULL);
  {
    const char *fields[] = { "Reason", "wrong amount", bad_approver[0], bad_approver[1],
                             bad_approver[2], bad_approver[3], NULL };

    answer_dialog (fields, "reverse");
  }
  wait_status (counter, "password");
  sales = account_sales (counter, "100003");
  g_assert_cmpuint (count_kind (sales, "reversal", NULL), ==, 0);
  g_clear_pointer (&sales, json_array_unref);

  gtk_widget_activate_action (sale, "sale.reverse", NULL);
  {
    const char *fields[] = { "Reason", "wrong amount", approver[0], approver[1], approver[2],
                             approver[3], NULL };

    answer_dialog (fields, "reverse");
  }
  wait_status (counter, "Reversed: receipt");
  sales = account_sales (counter, "100003");
  g_assert_cmpuint (count_kind (sales, "reversal", "committed"), ==, 1);
  g_assert_cmpuint (count_kind (sales, "sale", "reversed"), ==, 1);
  g_clear_pointer (&sales, json_array_unref);

  /* Lock (Ctrl+L): signing in again goes back to the same customer. */
  gtk_widget_activate_action (GTK_WIDGET (counter->window), "win.lock", NULL);
  wait_page (counter, "login");
  sign_in (counter, "cashier", "cashier1");
  wait_page (counter, "main");
  g_assert_cmpstr (md_sale_page_get_account (counter->sale), ==, "100003");

  /* Closing the shift: a blind count equal to the drawer needs nobody. */
  gtk_widget_activate_action (sale, "sale.shift", NULL);
  {
    const char *fields[] = { "Counted cash in yuan", "200.00", NULL };

    answer_dialog (fields, "close");
  }
  wait_status (counter, "closed: counted ¥200.00, expected ¥200.00, over/short ¥0.00");
}

static void
test_counter (void)
{
  run_app (NULL, with_counter, counter_script);
}

/* Accounts: a new account opened, transferred and changed through the
 * forms; bad input refused with nothing changed; closed. */
typedef struct
{
  MdAccountsPage *page;
  const char     *expect;
} AccountsWait;


static gboolean
accounts_shows (gpointer data)
{
  AccountsWait *w = data;

  return g_strcmp0 (md_accounts_page_get_account (w->page), w->expect) == 0;
}

static gboolean
account_closed (gpointer data)
{
  return g_strcmp0 (md_accounts_page_get_account_state (data), "closed") == 0;
}

static void
accounts_wait_status (MdAccountsPage *page,
                      const char     *text)
{
  wait_text ((TextGetter) md_accounts_page_get_status, (BusyGetter) md_accounts_page_get_busy,
             page, text);
}

static void
accounts_script (Counter *counter)
{
  MdAccountsPage *page = md_window_get_accounts_page (counter->window);
  GtkWidget *widget = GTK_WIDGET (page);
  AccountsWait shows = { page, "200001" };
  const char *open_fields[] = { "Account number", "200001", "Customer name", "王小明",
                                "Phone", "13912345678",
                                "Room (SITE/BUILDING/FLOOR/ROOM)", "MALL/B5/F4/415", NULL };
  const char *transfer_fields[] = { "New customer’s name", "李大华", NULL };
  const char *bad_capacity[] = { "Capacity in kVA", "lots", NULL };
  const char *capacity[] = { "Capacity in kVA", "12.5", NULL };

  /* A cashier may look but not open accounts. */
  wait_page (counter, "login");
  sign_in (counter, "cashier", "cashier1");
  wait_page (counter, "main");
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (gtk_widget_get_ancestor (widget, ADW_TYPE_VIEW_STACK)),
                                         "accounts");
  gtk_widget_activate_action (widget, "accounts.open", NULL);
  answer_dialog (open_fields, "open");
  accounts_wait_status (page, "does not have the permission");

  /* The utilization staff can. */
  gtk_widget_activate_action (GTK_WIDGET (counter->window), "win.sign-out", NULL);
  wait_page (counter, "login");
  sign_in (counter, "staff", "staff123");
  wait_page (counter, "main");
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (
                     ADW_VIEW_STACK (gtk_widget_get_ancestor (widget, ADW_TYPE_VIEW_STACK))),
                   ==, "accounts");
  gtk_widget_activate_action (widget, "accounts.open", NULL);
  answer_dialog (open_fields, "open");
  accounts_wait_status (page, "Account 200001 opened for 王小明");
  wait_for (accounts_shows, &shows, "the new account");
  g_assert_cmpstr (md_accounts_page_get_account_state (page), ==, "open");

  gtk_widget_activate_action (widget, "accounts.transfer", NULL);
  answer_dialog (transfer_fields, "transfer");
  accounts_wait_status (page, "Account 200001 now belongs to 李大华");

  gtk_widget_activate_action (widget, "accounts.change", NULL);
  answer_dialog (bad_capacity, "change");
  accounts_wait_status (page, "lots");
  gtk_widget_activate_action (widget, "accounts.change", NULL);
  answer_dialog (capacity, "change");
  accounts_wait_status (page, "Account 200001 changed");

  gtk_widget_activate_action (widget, "accounts.close", NULL);
  answer_dialog (NULL, "close");
  accounts_wait_status (page, "Account 200001 closed");
  wait_for (account_closed, page, "the account shown closed");
}

static void
test_accounts (void)
{
  run_app (NULL, with_counter, accounts_script);
}

/* The status board: all installed meters, then what readings say, filtered
 * through its own controls. */
typedef struct
{
  MdMonitorPage *page;
  guint          shown;
} BoardWait;

static gboolean
board_ready (gpointer data)
{
  BoardWait *w = data;

  return !md_monitor_page_get_loading (w->page) && md_monitor_page_get_n_meters (w->page, NULL) > 0;
}

static gboolean
board_shows (gpointer data)
{
  BoardWait *w = data;
  guint shown = 0;

  md_monitor_page_get_n_meters (w->page, &shown);
  return !md_monitor_page_get_loading (w->page) && shown == w->shown;
}

static gpointer
readings_job (MdStore       *store,
              MdSession     *session,
              gpointer       data,
              GCancellable  *cancellable,
              GError       **error)
{
  gint64 now = g_get_real_time ();
  MdMeterReading readings[] = {
    { "202601000001", now, 1200000, 1000, 800, "tripped", 0 },
    { "202601000002", now, 2300000, 90000, 1500, "closed", 0 },
    { "202601000004", now, 500000, 30000, 100, "closed", 1 },
  };

  return md_meter_readings_record (store, readings, G_N_ELEMENTS (readings), error)
         ? GINT_TO_POINTER (1) : NULL;
}

static void
wait_board (MdMonitorPage *page,
            guint          shown)
{
  BoardWait w = { page, shown };
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  while (!board_shows (&w))
    {
      guint now_shown = 0;

      md_monitor_page_get_n_meters (page, &now_shown);
      if (g_get_monotonic_time () > deadline)
        g_error ("the board shows %u meters, not %u", now_shown, shown);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
monitor_script (Counter *counter)
{
  MdMonitorPage *page = md_window_get_monitor_page (counter->window);
  GtkWidget *widget = GTK_WIDGET (page);
  BoardWait ready = { page };
  g_autoptr(GError) error = NULL;
  GtkWidget *offline;
  GtkWidget *tripped;
  GtkWidget *alarm;

  wait_page (counter, "login");
  sign_in (counter, "staff", "staff123");
  wait_page (counter, "main");
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (gtk_widget_get_ancestor (widget, ADW_TYPE_VIEW_STACK)),
                                         "monitor");
  wait_for (board_ready, &ready, "the board");
  g_assert_cmpuint (md_monitor_page_get_n_meters (page, NULL), ==, 370);

  g_assert_nonnull (md_worker_run_sync (md_application_get_worker (counter->app), readings_job,
                                        NULL, &error));
  g_assert_no_error (error);
  gtk_widget_activate_action (widget, "monitor.refresh", NULL);

  offline = need_widget (widget, GTK_TYPE_TOGGLE_BUTTON, "Offline");
  tripped = need_widget (widget, GTK_TYPE_TOGGLE_BUTTON, "Tripped");
  alarm = need_widget (widget, GTK_TYPE_DROP_DOWN, "Low-balance alarm");

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (offline), TRUE);
  wait_board (page, 347);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (offline), FALSE);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (tripped), TRUE);
  wait_board (page, 1);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (tripped), FALSE);
  wait_board (page, 370);

  /* Meter-billed shops: ¥10.00 left is level 2 (under ¥20), ¥900.00 and
   * ¥300.00 none; the 100 system-billed shops have ¥0.00: level 3. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (alarm), 2);
  wait_board (page, 101);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (alarm), 3);
  wait_board (page, 100);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (alarm), 0);

  gtk_editable_set_text (GTK_EDITABLE (need_widget (widget, GTK_TYPE_SEARCH_ENTRY, NULL)),
                         "B2/F3/");
  wait_board (page, 17);
  md_monitor_page_select (page, "202602000095");
  g_assert_cmpstr (md_monitor_page_get_selected (page), ==, "202602000095");
}

static void
test_monitor (void)
{
  run_app (NULL, with_counter, monitor_script);
}

static void
keys_script (Counter *counter)
{
  g_autoptr(JsonArray) sales = NULL;

  keys_sign_in (counter->window, "cashier", "cashier1");
  /* F12: the float, Enter. */
  keys_open_shift (counter->window, "200");
  wait_status (counter, "with a float of ¥200.00");

  /* F3, the account, Enter; the amount, Enter. */
  xdo ("key", "F3", NULL);
  xdo ("type", "--delay", "5", "100006", NULL);
  xdo ("key", "Return", NULL);
  g_free (counter->expect);
  counter->expect = g_strdup ("100006");
  wait_for (account_shown, counter, "the account");
  xdo ("type", "--delay", "5", "88", NULL);
  xdo ("key", "Return", NULL);
  wait_status (counter, "Sold: receipt T01-");

  /* F9 sells too; Esc clears the screen for the next customer. */
  xdo ("type", "--delay", "5", "12.50", NULL);
  xdo ("key", "F9", NULL);
  wait_status (counter, "¥12.50");
  xdo ("key", "Escape", NULL);
  wait_for (account_cleared, counter, "a cleared screen");

  sales = account_sales (counter, "100006");
  g_assert_cmpuint (count_kind (sales, "sale", "committed"), ==, 2);
}

static void
test_keys (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);

  /* The sign-in screen starts empty: nobody signed in here before. */
  g_settings_reset (settings, "last-operator");
  run_app (NULL, with_counter, keys_script);
}

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
  g_assert_nonnull (strstr (md_application_get_status (app), "320 accounts, 370 meters"));
  g_assert_cmpstr (md_window_get_page (MD_WINDOW (window)), ==, "login");
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
  gboolean chosen = g_getenv ("GSK_RENDERER") == NULL;
  gboolean gpu = g_file_test ("/dev/dri", G_FILE_TEST_EXISTS) ||
                 g_file_test ("/dev/nvidiactl", G_FILE_TEST_EXISTS);
  g_autofree char *debug = g_strdup (g_getenv ("GDK_DEBUG"));
  g_autofree char *maps = NULL;

  g_signal_connect (app, "notify::ready", G_CALLBACK (ready_cb), NULL);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 2, argv), ==, 0);
  g_source_remove (timeout);
  g_assert_true (g_file_test (demo, G_FILE_TEST_IS_REGULAR));
  /* Xvfb's OpenGL is Mesa's software llvmpipe: the window draws with Cairo. */
  if (chosen)
    g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "cairo");
  /* Without a GPU device OpenGL is not even loaded; what GDK_DEBUG said
   * before is what programs started from here see. */
  g_assert_cmpstr (g_getenv ("GDK_DEBUG"), ==, debug);
  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  if (chosen && !gpu)
    {
      g_assert_null (strstr (maps, "_dri.so"));
      g_assert_null (strstr (maps, "libLLVM"));
    }
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

/* Preferences: a bad terminal id is refused, a good one saved. */
static void
test_preferences (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *id = NULL;
  MdPreferences *prefs;
  GtkWidget *terminal;

  gtk_init ();
  g_resources_register (md_ui_get_resource ());
  g_settings_reset (settings, "terminal-id");
  prefs = md_preferences_new (NULL, settings);
  gtk_window_present (GTK_WINDOW (prefs));
  terminal = need_widget (GTK_WIDGET (prefs), ADW_TYPE_ENTRY_ROW, "Sales window id");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (terminal)), ==, "T01");

  gtk_editable_set_text (GTK_EDITABLE (terminal), "窗口 1");
  g_signal_emit_by_name (terminal, "apply");
  id = g_settings_get_string (settings, "terminal-id");
  g_assert_cmpstr (id, ==, "T01");
  gtk_editable_set_text (GTK_EDITABLE (terminal), "T09");
  g_signal_emit_by_name (terminal, "apply");
  g_free (id);
  id = g_settings_get_string (settings, "terminal-id");
  g_assert_cmpstr (id, ==, "T09");

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (need_widget (GTK_WIDGET (prefs), GTK_TYPE_SPIN_BUTTON,
                                                           NULL)), 5);
  g_assert_cmpuint (g_settings_get_uint (settings, "idle-lock-minutes"), ==, 5);

  g_settings_reset (settings, "terminal-id");
  g_settings_reset (settings, "idle-lock-minutes");
  gtk_window_destroy (GTK_WINDOW (prefs));
}

/* Every screen can be built and torn down on its own, leaving nothing
 * alive: no reference cycle through templates, actions or signals. */
static void
test_screens_finalize (void)
{
  const GType types[] = { MD_TYPE_LOGIN_PAGE, MD_TYPE_SALE_PAGE, MD_TYPE_ACCOUNTS_PAGE,
                          MD_TYPE_MONITOR_PAGE, MD_TYPE_WINDOW };

  gtk_init ();
  g_resources_register (md_ui_get_resource ());

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      gboolean toplevel = g_type_is_a (types[i], GTK_TYPE_WINDOW);
      GtkWidget *page = g_object_new (types[i], NULL);
      GtkWidget *window = toplevel ? page : gtk_window_new ();
      GtkWidget *alive_window = window;
      GtkWidget *alive_page = page;

      g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &alive_window);
      g_object_add_weak_pointer (G_OBJECT (page), (gpointer *) &alive_page);
      if (!toplevel)
        gtk_window_set_child (GTK_WINDOW (window), page);
      gtk_window_present (GTK_WINDOW (window));
      spin (100);
      gtk_window_destroy (GTK_WINDOW (window));
      spin (100);
      g_assert_null (alive_page);
      g_assert_null (alive_window);
    }
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);
  {
    g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);

    /* The board and the sales here are the test's own: no poller beside
     * them (tests/test-ui-meters.c runs the window with its services). */
    g_settings_set_boolean (settings, "host-meter-services", FALSE);
  }

  g_test_add_func ("/meterdesk/ui/app/demo-start", test_demo_start);
  g_test_add_func ("/meterdesk/ui/app/no-database", test_no_database);
  g_test_add_func ("/meterdesk/ui/app/counter", test_counter);
  g_test_add_func ("/meterdesk/ui/app/keys", test_keys);
  g_test_add_func ("/meterdesk/ui/app/accounts", test_accounts);
  g_test_add_func ("/meterdesk/ui/app/monitor", test_monitor);
  g_test_add_func ("/meterdesk/ui/app/preferences", test_preferences);
  g_test_add_func ("/meterdesk/ui/app/screens-finalize", test_screens_finalize);

  return g_test_run ();
}
