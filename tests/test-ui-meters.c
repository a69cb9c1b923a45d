/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include <glib/gstdio.h>

#include "md-application.h"
#include "md-card.h"
#include "md-login-page.h"
#include "md-monitor-page.h"
#include "md-sale-page.h"
#include "md-service.h"
#include "md-window.h"
#include "md-ui-test-util.h"

/* The Meters page with the meter services running in the window (the
 * default): the demo's simulated Modbus TCP gateways answer for every shop
 * meter, the in-process poller fills the board, and the side panel's
 * controls, the alarms and the batches reach the simulator. */

#define SHOP_METER "202601000001"
#define SHOP_ACCOUNT "100001"

typedef struct
{
  MdApplication *app;
  MdWindow      *window;
  MdMonitorPage *page;
  MdSalePage    *sale;
  const char    *expect;
  guint          count;
} Meters;

static void
sign_in (Meters     *m,
         const char *name,
         const char *password)
{
  sign_in_as (m->window, name, password);
}

static void
sign_out (Meters *m)
{
  gtk_widget_activate_action (GTK_WIDGET (m->window), "win.sign-out", NULL);
  wait_for (page_is_login, m->window, "the sign-in screen");
}

static void
show_meters (Meters *m)
{
  GtkWidget *stack = gtk_widget_get_ancestor (GTK_WIDGET (m->page), ADW_TYPE_VIEW_STACK);

  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (stack), "monitor");
}

/* What the side panel shows for the selected meter, by the row's title. */
static const char *
side_value (Meters     *m,
            const char *title)
{
  GtkWidget *row = find_widget (GTK_WIDGET (m->page), ADW_TYPE_ACTION_ROW, title);

  return row != NULL ? adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) : NULL;
}

/* Refreshes the board until the shop meter shows @m->expect as its
 * "Online" value with a balance: what the poller has read. */
static gboolean
meter_polled (gpointer data)
{
  Meters *m = data;
  static gint64 last;
  const char *balance;

  if (md_monitor_page_get_loading (m->page))
    return FALSE;
  md_monitor_page_select (m->page, SHOP_METER);
  balance = side_value (m, "Balance");
  if (g_strcmp0 (side_value (m, "Online"), "online") == 0 && balance != NULL &&
      g_str_has_prefix (balance, "¥"))
    return TRUE;
  if (g_get_monotonic_time () - last > G_USEC_PER_SEC)
    {
      last = g_get_monotonic_time ();
      md_monitor_page_refresh (m->page);
    }
  return FALSE;
}

static gboolean
status_has (gpointer data)
{
  Meters *m = data;
  const char *status = md_monitor_page_get_status (m->page);

  return status != NULL && strstr (status, m->expect) != NULL;
}

static void
wait_status (Meters     *m,
             const char *text)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  m->expect = text;
  while (!status_has (m))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for “%s” in the status line; it says “%s”", text,
                 md_monitor_page_get_status (m->page));
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
side_is (gpointer data)
{
  Meters *m = data;

  return !md_monitor_page_get_loading (m->page) &&
         g_strcmp0 (md_monitor_page_get_selected (m->page), SHOP_METER) == 0 &&
         g_strcmp0 (side_value (m, "Relay"), m->expect) == 0;
}

static void
press (GtkWidget  *root,
       const char *label)
{
  GtkWidget *button = need_widget (root, GTK_TYPE_BUTTON, label);

  g_assert_true (gtk_widget_is_sensitive (button));
  gtk_widget_activate (button);
}

/* "¥1,234.56" → 123456 fen */
static gint64
fen (const char *money)
{
  g_autoptr(GString) digits = g_string_new (NULL);

  g_assert_nonnull (money);
  for (const char *p = money; *p; p++)
    if (g_ascii_isdigit (*p) || *p == '-')
      g_string_append_c (digits, *p);
  return g_ascii_strtoll (digits->str, NULL, 10);
}

static gint64
read_balance (Meters *m)
{
  md_monitor_page_select (m->page, SHOP_METER);
  press (GTK_WIDGET (m->page), "Read Now");
  wait_status (m, "Meter " SHOP_METER ": balance ");
  /* The board is read again after the answer: the side panel shows it. */
  m->expect = "on";
  wait_for (side_is, m, "the board after the reading");
  return fen (side_value (m, "Balance"));
}

/* ---- the database's side, asked on the worker ---- */

static gpointer
alerts_job (MdStore       *store,
            MdSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  return md_alert_list (session, FALSE, error);
}

static guint
acknowledged_alerts (Meters *m)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_sync (md_application_get_worker (m->app), alerts_job,
                                                 NULL, &error);
  JsonArray *alerts;
  guint n = 0;

  g_assert_no_error (error);
  alerts = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (alerts); i++)
    {
      JsonNode *by = json_object_get_member (json_array_get_object_element (alerts, i),
                                             "acknowledged_by");

      if (by != NULL && !JSON_NODE_HOLDS_NULL (by) &&
          g_strcmp0 (json_node_get_string (by), "staff") == 0)
        n++;
    }
  return n;
}

static gpointer
batch_job (MdStore       *store,
           MdSession     *session,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  return md_service_batch_show (session, *(gint64 *) data, error);
}

static JsonObject *
batch_show (Meters *m,
            gint64  id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_sync (md_application_get_worker (m->app), batch_job,
                                                 &id, &error);

  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (node));
}

static gboolean
alerts_open (gpointer data)
{
  Meters *m = data;

  if (md_monitor_page_get_n_alerts (m->page) > 0)
    return TRUE;
  if (!md_monitor_page_get_loading (m->page))
    md_monitor_page_refresh (m->page);
  return FALSE;
}

static gboolean
alarms_listed (gpointer data)
{
  AdwMessageDialog *dialog = find_dialog ();

  return dialog != NULL && find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, "Acknowledge");
}

static gboolean
board_loaded (gpointer data)
{
  Meters *m = data;

  return !md_monitor_page_get_loading (m->page);
}

static gboolean
board_filtered (gpointer data)
{
  Meters *m = data;
  guint shown = 0;

  md_monitor_page_get_n_meters (m->page, &shown);
  return !md_monitor_page_get_loading (m->page) && shown > 0 && shown < m->count;
}

/* The row of the batch titled @m->expect in the batches' list. */
static GtkWidget *
batch_row (Meters *m)
{
  AdwMessageDialog *dialog = find_dialog ();

  return dialog != NULL ? find_widget (GTK_WIDGET (dialog), ADW_TYPE_EXPANDER_ROW, m->expect)
                        : NULL;
}

/* The batches' list shows the batch finished, opened with each meter. */
static gboolean
batch_listed (gpointer data)
{
  GtkWidget *row = batch_row (data);

  if (row == NULL)
    return FALSE;
  if (!adw_expander_row_get_expanded (ADW_EXPANDER_ROW (row)))
    {
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
      return FALSE;
    }
  return g_str_has_prefix (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), "finished") &&
         find_widget (row, ADW_TYPE_ACTION_ROW, SHOP_METER) != NULL &&
         find_widget (row, GTK_TYPE_BUTTON, "Export CSV…") != NULL;
}

/* The batches' list shows the batch scheduled, with its Cancel button. */
static gboolean
batch_waiting (gpointer data)
{
  GtkWidget *row = batch_row (data);

  return row != NULL &&
         g_str_has_prefix (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), "scheduled") &&
         strstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), "starts ") != NULL &&
         find_widget (row, GTK_TYPE_BUTTON, "Cancel") != NULL;
}

static gpointer
batches_job (MdStore       *store,
             MdSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  return md_service_batch_list (session, error);
}

static guint
count_batches (Meters *m)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_sync (md_application_get_worker (m->app), batches_job,
                                                 NULL, &error);

  g_assert_no_error (error);
  return json_array_get_length (json_node_get_array (node));
}

/* Chooses the batch dialog's operation by its label. */
static void
choose_op (const char *label)
{
  choose (GTK_WIDGET (find_dialog ()), "Operation", label);
}

static gpointer
level1_job (MdStore       *store,
            MdSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store, "SELECT a.alarm1 FROM account a "
                                                    "JOIN meter m ON m.account_id = a.id "
                                                    "WHERE m.address = $1", error);
  gint64 *level = g_new (gint64, 1);

  *level = -1;
  if (stmt != NULL)
    {
      md_stmt_bind_text (stmt, 1, data);
      if (md_stmt_step (stmt, error))
        *level = md_stmt_get_int64 (stmt, 0);
    }
  return level;
}

/* The first low-balance level of the account of @address, in fen. */
static gint64
account_level1 (Meters     *m,
                const char *address)
{
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *level = md_worker_run_sync (md_application_get_worker (m->app), level1_job,
                                                 (gpointer) address, &error);

  g_assert_no_error (error);
  return *level;
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static void
meters_script (Meters *m)
{
  GtkWidget *page = GTK_WIDGET (m->page);
  const char *open_float[] = { "Float in yuan", "200.00", NULL };
  g_autofree char *csv_path = g_build_filename (g_get_user_cache_dir (), "batch.csv", NULL);
  g_autofree char *csv = NULL;
  g_autofree char *batch_title = NULL;
  g_autoptr(JsonObject) batch = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *button;
  JsonArray *items;
  gint64 before, after, batch_id;
  guint acknowledged_before;
  guint n_batches;

  /* Staff: the poller's first sweep puts the shop meter online, with its
   * credit. */
  sign_in (m, "staff", "staff123");
  show_meters (m);
  wait_for (meter_polled, m, "the shop meter read by the poller");
  before = read_balance (m);
  g_test_message ("%s: balance %s before the sale", SHOP_METER, side_value (m, "Balance"));

  /* Trip (confirmed), then close: the simulated meter's relay follows. */
  press (page, "Trip…");
  answer_dialog (NULL, "trip");
  wait_status (m, "Meter " SHOP_METER ": balance ");
  g_assert_nonnull (strstr (md_monitor_page_get_status (m->page), "relay tripped"));
  m->expect = "tripped";
  wait_for (side_is, m, "the relay tripped on the board");
  press (page, "Close");
  wait_status (m, "relay on");
  m->expect = "on";
  wait_for (side_is, m, "the relay on again");

  /* Keep-power (confirmed) and its release. */
  press (page, "Keep Power…");
  answer_dialog (NULL, "keep-power");
  m->expect = "on (kept on)";
  wait_for (side_is, m, "the meter kept on");
  press (page, "Release Keep Power");
  m->expect = "on";
  wait_for (side_is, m, "keep-power released");

  /* An alert acknowledged from the Alarms list. */
  wait_for (alerts_open, m, "an open alert");
  acknowledged_before = acknowledged_alerts (m);
  press (page, "Open alarms");
  wait_for (alarms_listed, NULL, "the alarms listed");
  /* Clicked at once: the list may be rebuilt while a button's activation
   * is still under way. */
  g_signal_emit_by_name (need_widget (GTK_WIDGET (find_dialog ()), GTK_TYPE_BUTTON, "Acknowledge"),
                         "clicked");
  wait_status (m, "Alarm acknowledged");
  g_assert_cmpuint (acknowledged_alerts (m), ==, acknowledged_before + 1);
  answer_dialog (NULL, "close");

  /* A read batch over what the filter shows. */
  gtk_editable_set_text (GTK_EDITABLE (need_widget (page, GTK_TYPE_SEARCH_ENTRY, NULL)), "B1/F1/");
  m->count = md_monitor_page_get_n_meters (m->page, NULL);
  wait_for (board_filtered, m, "the filtered board");
  md_monitor_page_get_n_meters (m->page, &m->count);
  g_assert_cmpuint (m->count, >, 1);
  press (page, "Batch…");
  {
    g_autofree char *body = g_strdup_printf ("acts on the %u meters", m->count);

    wait_for (dialog_shown, NULL, "the batch dialog");
    g_assert_nonnull (strstr (adw_message_dialog_get_body (find_dialog ()), body));
  }
  {
    const char *fields[] = { "Name (optional)", "B1 F1 reading", NULL };

    answer_dialog (fields, "create");
  }
  wait_status (m, "Batch ");
  batch_id = md_monitor_page_get_last_batch (m->page);
  g_assert_cmpint (batch_id, >, 0);
  md_monitor_page_set_export_file (m->page, csv_path);
  press (page, "Batches");
  batch_title = g_strdup_printf ("%lld · read · B1 F1 reading", (long long) batch_id);
  m->expect = batch_title;
  wait_for (batch_listed, m, "the batch finished in the list");
  g_signal_emit_by_name (need_widget (GTK_WIDGET (find_dialog ()), GTK_TYPE_BUTTON, "Export CSV…"),
                         "clicked");
  wait_status (m, "Batch results exported");
  wait_for (file_exists, csv_path, "the CSV");
  answer_dialog (NULL, "close");

  batch = batch_show (m, batch_id);
  g_assert_cmpint (json_object_get_int_member (batch, "meters"), ==, m->count);
  g_assert_cmpint (json_object_get_int_member (batch, "done"), ==, m->count);
  g_assert_cmpint (json_object_get_int_member (batch, "failed"), ==, 0);
  items = json_object_get_array_member (batch, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, m->count);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      g_assert_cmpstr (json_object_get_string_member (item, "state"), ==, "done");
      g_assert_nonnull (json_object_get_string_member (item, "meter"));
    }
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, &error));
  g_assert_no_error (error);
  {
    g_auto(GStrv) lines = g_strsplit (g_strchomp (csv), "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, m->count + 1);
    g_assert_nonnull (strstr (csv, "\"" SHOP_METER "\""));
  }
  /* The accounts' low-balance levels: a value that is not money is
   * refused and creates nothing; then level 1 at ¥30 for the meters
   * shown. The values asked for follow the operation chosen. */
  n_batches = count_batches (m);
  press (page, "Batch…");
  wait_for (dialog_shown, NULL, "the batch dialog");
  choose_op ("Write meter parameters");
  g_assert_true (gtk_widget_get_visible (need_widget (GTK_WIDGET (find_dialog ()),
                                                     ADW_TYPE_ENTRY_ROW, "Power limit (W)")));
  g_assert_false (gtk_widget_get_visible (need_widget (GTK_WIDGET (find_dialog ()),
                                                      ADW_TYPE_ENTRY_ROW,
                                                      "Low-balance level 1 (yuan)")));
  choose_op ("Low-balance levels");
  g_assert_false (gtk_widget_get_visible (need_widget (GTK_WIDGET (find_dialog ()),
                                                      ADW_TYPE_ENTRY_ROW, "Power limit (W)")));
  {
    const char *fields[] = { "Low-balance level 1 (yuan)", "thirty", NULL };

    answer_dialog (fields, "create");
  }
  wait_status (m, "thirty");
  g_assert_cmpuint (count_batches (m), ==, n_batches);
  press (page, "Batch…");
  wait_for (dialog_shown, NULL, "the batch dialog");
  choose_op ("Low-balance levels");
  {
    const char *fields[] = { "Low-balance level 1 (yuan)", "30", NULL };

    answer_dialog (fields, "create");
  }
  wait_status (m, "Batch ");
  g_assert_cmpint (md_monitor_page_get_last_batch (m->page), >, batch_id);
  batch_id = md_monitor_page_get_last_batch (m->page);
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

    do
      {
        g_clear_pointer (&batch, json_object_unref);
        batch = batch_show (m, batch_id);
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        spin (50);
      }
    while (json_object_get_int_member (batch, "done") + json_object_get_int_member (batch, "failed")
           < (gint64) m->count);
  }
  /* The floor's metering meters belong to no account: each says so. */
  g_assert_cmpint (json_object_get_int_member (batch, "done"), >, 0);
  items = json_object_get_array_member (batch, "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_strcmp0 (json_object_get_string_member (item, "state"), "done") != 0)
        g_assert_nonnull (strstr (json_object_get_string_member (item, "message"),
                                  "belongs to no account"));
    }
  g_assert_cmpint (account_level1 (m, SHOP_METER), ==, 3000);

  /* A batch for later: a start time that is not one is refused and
   * creates nothing; one for tomorrow waits, and is cancelled before it
   * starts, every meter left out. */
  n_batches = count_batches (m);
  press (page, "Batch…");
  {
    const char *fields[] = { "Start at (YYYY-MM-DD HH:MM; empty: now)", "tomorrow 8am", NULL };

    wait_for (dialog_shown, NULL, "the batch dialog");
    answer_dialog (fields, "create");
  }
  wait_status (m, "is not a date");
  g_assert_cmpuint (count_batches (m), ==, n_batches);
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_local ();
    g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
    g_autofree char *at = g_date_time_format (tomorrow, "%Y-%m-%d %H:%M");
    const char *fields[] = { "Name (optional)", "Night reading",
                             "Start at (YYYY-MM-DD HH:MM; empty: now)", at, NULL };

    press (page, "Batch…");
    wait_for (dialog_shown, NULL, "the batch dialog");
    answer_dialog (fields, "create");
  }
  wait_status (m, "Batch ");
  g_assert_cmpint (md_monitor_page_get_last_batch (m->page), >, batch_id);
  batch_id = md_monitor_page_get_last_batch (m->page);
  g_assert_cmpuint (count_batches (m), ==, n_batches + 1);
  press (page, "Batches");
  g_clear_pointer (&batch_title, g_free);
  batch_title = g_strdup_printf ("%lld · read · Night reading", (long long) batch_id);
  m->expect = batch_title;
  wait_for (batch_waiting, m, "the batch for tomorrow in the list");
  g_signal_emit_by_name (need_widget (batch_row (m), GTK_TYPE_BUTTON, "Cancel"), "clicked");
  wait_status (m, "Batch cancelled");
  answer_dialog (NULL, "close");
  g_clear_pointer (&batch, json_object_unref);
  batch = batch_show (m, batch_id);
  g_assert_cmpstr (json_object_get_string_member (batch, "state"), ==, "cancelled");
  g_assert_cmpint (json_object_get_int_member (batch, "done"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (batch, "failed"), ==, 0);
  items = json_object_get_array_member (batch, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, m->count);
  for (guint i = 0; i < json_array_get_length (items); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, i),
                                                    "state"), ==, "cancelled");

  gtk_editable_set_text (GTK_EDITABLE (need_widget (page, GTK_TYPE_SEARCH_ENTRY, NULL)), "");
  sign_out (m);

  /* The cashier: the controls are greyed, with the reason, from the
   * moment the page is asked for, not only once the board is read. */
  sign_in (m, "cashier", "cashier1");
  g_assert_cmpstr (md_monitor_page_get_selected (m->page), ==, SHOP_METER);
  md_monitor_page_refresh (m->page);
  button = need_widget (page, GTK_TYPE_BUTTON, "Trip…");
  g_assert_true (md_monitor_page_get_loading (m->page));
  g_assert_false (gtk_widget_is_sensitive (button));
  wait_for (board_loaded, m, "the board for the cashier");
  g_assert_false (gtk_widget_is_sensitive (button));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==,
                   "You do not have the permission for this");

  /* A remote sale at the counter to the meter-billed shop. */
  gtk_widget_activate_action (GTK_WIDGET (m->sale), "sale.shift", NULL);
  answer_dialog (open_float, "open");
  md_sale_page_load_account (m->sale, SHOP_ACCOUNT);
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

    while (g_strcmp0 (md_sale_page_get_account (m->sale), SHOP_ACCOUNT) != 0)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_main_context_iteration (NULL, FALSE);
      }
  }
  gtk_editable_set_text (GTK_EDITABLE (need_widget (GTK_WIDGET (m->sale), ADW_TYPE_ENTRY_ROW,
                                                    "Amount in yuan (F5: energy)")), "100");
  gtk_widget_activate_action (GTK_WIDGET (m->sale), "sale.sell", NULL);
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

    while (md_sale_page_get_status (m->sale) == NULL ||
           strstr (md_sale_page_get_status (m->sale), "Sold:") == NULL)
      {
        if (g_get_monotonic_time () > deadline)
          g_error ("the sale did not end: “%s”", md_sale_page_get_status (m->sale));
        g_main_context_iteration (NULL, FALSE);
        g_usleep (1000);
      }
  }
  sign_out (m);

  /* Staff again: the meter's credit, read back, went up by the sale less
   * what the shop used meanwhile. */
  sign_in (m, "staff", "staff123");
  show_meters (m);
  after = read_balance (m);
  g_test_message ("%s: balance %s after selling ¥100.00", SHOP_METER, side_value (m, "Balance"));
  g_assert_cmpint (after, >, before + 5000);
  g_assert_cmpint (after, <=, before + 10000);
}

static void
ready_cb (GObject    *object,
          GParamSpec *pspec,
          gpointer    user_data)
{
  Meters *m = user_data;

  m->window = MD_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (object)));
  m->page = md_window_get_monitor_page (m->window);
  m->sale = md_window_get_sale_page (m->window);
  meters_script (m);
  g_application_quit (G_APPLICATION (object));
}

static void
test_meters (void)
{
  g_autoptr(MdApplication) app = md_application_new ();
  char *argv[] = { (char *) "meterdesk", (char *) "--demo", NULL };
  Meters m = { app };

  g_signal_connect (app, "notify::ready", G_CALLBACK (ready_cb), &m);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 2, argv), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/meterdesk/ui/meters/services", test_meters);

  return g_test_run ();
}
