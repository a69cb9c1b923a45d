/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gstdio.h>

#include "md-audit.h"
#include "md-office-page.h"
#include "md-pricing.h"
#include "md-register.h"
#include "md-reports-page.h"
#include "md-shift.h"
#include "md-ui-resources.h"
#include "md-ui-test-util.h"
#include "md-vend.h"
#include "md-window.h"

/* The back office and the reports under Xvfb, on a database made with the
 * core API and a real worker: files chosen in the file chooser, dialogs
 * answered by their buttons, and every result checked both on screen and
 * in the database (or the file written). */

#define ADMIN_PW    "admin-pass1"
#define FINANCE_PW  "finance-pass1"
#define CASHIER_PW  "cashier-pass1"
#define STAFF_PW    "staff-pass1"

static const char good_tariff[] =
  "[tariff]\nid=RES-2026\nname=居民生活用电\nunit=kWh\n"
  "valid-from=2026-01-01T00:00:00+08:00\n[rates]\nflat=0.5880\n";
static const char next_tariff[] =
  "[tariff]\nid=RES-2026\nname=居民生活用电\nunit=kWh\n"
  "valid-from=2030-01-01T00:00:00+08:00\n[rates]\nflat=0.6000\n";
static const char bad_tariff[] =
  "[tariff]\nid=RES-2026\nname=居民生活用电\nunit=kWh\n"
  "valid-from=2031-01-01T00:00:00+08:00\n[rates]\nflat=abc\n";

typedef struct
{
  char       *dir;
  MdStore    *store;
  MdWorker   *worker;
  GtkWidget  *window;
  GtkWidget  *page;
  char       *expect;
  MdMoney     sold;      /* the sum of the sales made */
} Fixture;

/* ---- the database ---- */

static void
must (gboolean  ok,
      GError   *error)
{
  g_assert_no_error (error);
  g_assert_true (ok);
}

static void
sell (MdSession  *session,
      MdMedium   *medium,
      const char *account,
      MdMoney     amount,
      MdPayMethod pay)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdSaleResult) result = { 0 };
  g_autofree char *key = md_vend_new_key ();
  MdSaleRequest request = { key, account, amount, 0, pay };

  must (md_vend_sell (session, &request, medium, &result, NULL, &error), error);
  g_assert_cmpstr (result.state, ==, "posted");
}

static void
open_account (MdSession  *session,
              const char *no,
              const char *name)
{
  g_autoptr(GError) error = NULL;
  MdAccountSpec spec = { no, name, "RES" };

  spec.phone = "13800000000";
  spec.system_billing = TRUE;
  must (md_account_open (session, &spec, &error), error);
}

/* The database every test starts from, made once: an administrator, a
 * finance officer, a cashier and a staff member who runs the site (sites,
 * meters, accounts, reports); a tariff, a category, a fee, three
 * system-billed accounts and three sales at T01. Each test gets a copy. */
static char *template_dir;
static char *template_db;

#define SOLD (10000 + 5050 + 2000)

static void
make_template (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStore) store = NULL;
  g_autoptr(MdSession) admin = NULL;
  g_autoptr(MdSession) finance = NULL;
  g_autoptr(MdSession) staff = NULL;
  g_autoptr(MdMedium) account = md_account_medium_new ();
  g_autofree char *path = NULL;

  template_dir = g_dir_make_tmp ("meterdesk-office-template-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (template_dir, "made.db", NULL);
  template_db = g_build_filename (template_dir, "template.db", NULL);
  store = md_store_open (path, MD_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  must (md_operator_create_first_admin (store, "T01", "admin", ADMIN_PW, &error), error);
  admin = md_session_login (store, "T01", "admin", ADMIN_PW, &error);
  g_assert_no_error (error);
  must (md_operator_add (admin, "finance", "李财务", MD_ROLE_FINANCE | MD_ROLE_SUPERVISOR,
                         FINANCE_PW, NULL, &error), error);
  must (md_operator_add (admin, "cashier", "王芳", MD_ROLE_CASHIER, CASHIER_PW, NULL, &error),
        error);
  must (md_operator_add (admin, "staff", "张工",
                         MD_ROLE_SUPERVISOR | MD_ROLE_UTILIZATION | MD_ROLE_METERING,
                         STAFF_PW, NULL, &error), error);
  finance = md_session_login (store, "T01", "finance", FINANCE_PW, &error);
  g_assert_no_error (error);
  staff = md_session_login (store, "T01", "staff", STAFF_PW, &error);
  g_assert_no_error (error);

  must (md_tariff_store_set (finance, good_tariff, -1, NULL, &error), error);
  must (md_category_add (finance, "RES", "居民生活", MD_UTILITY_ELECTRICITY, "RES-2026", &error),
        error);
  must (md_fee_set (finance, "card-replacement", NULL, MD_FEE_BASIS_FIXED, MD_FEE_ONCE, 2000, 0,
                    &error), error);
  open_account (staff, "100001", "张三");
  open_account (staff, "100002", "李四");
  open_account (staff, "100003", "王五");
  must (md_shift_open (staff, 20000, NULL, &error), error);
  sell (staff, account, "100001", 10000, MD_PAY_CASH);
  sell (staff, account, "100002", 5050, MD_PAY_WECHAT);
  sell (staff, account, "100003", 2000, MD_PAY_ALIPAY);
  must (md_store_backup_to (store, template_db, &error), error);
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      g_unlink (file);
    }
  g_rmdir (path);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) from = NULL;
  g_autoptr(GFile) to = NULL;
  g_autofree char *path = NULL;

  /* The file chooser saves GTK's (empty) list of recent files where it was
   * made, in the home of the first test that opened one. */
  {
    g_autofree char *recent = NULL;
    g_autofree char *recent_dir = NULL;

    g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
    g_object_get (gtk_recent_manager_get_default (), "filename", &recent, NULL);
    recent_dir = g_path_get_dirname (recent);
    g_assert_cmpint (g_mkdir_with_parents (recent_dir, 0700), ==, 0);
  }

  if (template_db == NULL)
    make_template ();
  f->dir = g_dir_make_tmp ("meterdesk-office-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "meterdesk.db", NULL);
  from = g_file_new_for_path (template_db);
  to = g_file_new_for_path (path);
  must (g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, &error), error);
  f->store = md_store_open (path, MD_STORE_OPEN_NONE, &error);
  g_assert_no_error (error);
  f->sold = SOLD;
  f->worker = md_worker_new (f->store);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  /* Nothing holds the page or the worker once the jobs in flight are done. */
  if (f->page != NULL)
    {
      GtkWidget *page = f->page;

      g_object_add_weak_pointer (G_OBJECT (page), (gpointer *) &f->page);
      g_object_unref (page);
      while (f->page != NULL)
        g_main_context_iteration (NULL, TRUE);
    }
  g_assert_finalize_object (f->worker);
  g_assert_finalize_object (f->store);
  remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->expect);
}

static char *
file_in (Fixture    *f,
         const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static char *
write_file (Fixture    *f,
            const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = file_in (f, name);

  must (g_file_set_contents (path, contents, -1, &error), error);
  return path;
}

/* ---- the worker, from the test ---- */

typedef struct
{
  const char *name;
  const char *password;
} Login;

static gpointer
login_job (MdStore       *store,
           MdSession     *session,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  Login *login = data;

  return md_session_login (store, "T01", login->name, login->password, error);
}

static void
sign_in (Fixture    *f,
         const char *name,
         const char *password)
{
  g_autoptr(GError) error = NULL;
  Login login = { name, password };
  g_autoptr(MdSession) session = md_worker_run_sync (f->worker, login_job, &login, &error);

  g_assert_no_error (error);
  md_worker_set_session (f->worker, session);
  /* As the window does after a sign-in: the page on screen looks again. */
  if (MD_IS_OFFICE_PAGE (f->page))
    md_office_page_refresh (MD_OFFICE_PAGE (f->page));
  else if (MD_IS_REPORTS_PAGE (f->page))
    md_reports_page_refresh (MD_REPORTS_PAGE (f->page));
}

/* Whether @name can sign in with @password now: NULL, or why not. */
static char *
login_refusal (Fixture    *f,
               const char *name,
               const char *password)
{
  g_autoptr(GError) error = NULL;
  Login login = { name, password };
  g_autoptr(MdSession) session = md_worker_run_sync (f->worker, login_job, &login, &error);

  return session != NULL ? NULL : g_strdup (error->message);
}

typedef JsonNode *(*ListFunc) (MdSession *session,
                               GError   **error);

static gpointer
list_job (MdStore       *store,
          MdSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  ListFunc func = (ListFunc) data;

  return func (session, error);
}

/* A list as the signed-in operator sees it in the database. */
static JsonArray *
list (Fixture  *f,
      ListFunc  func)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_sync (f->worker, list_job, (gpointer) func, &error);

  g_assert_no_error (error);
  return json_array_ref (json_node_get_array (node));
}

static JsonObject *
find_in (JsonArray  *array,
         const char *member,
         const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (o, member, NULL), value) == 0)
        return o;
    }
  return NULL;
}

static JsonNode *
fees_history (MdSession *session,
              GError   **error)
{
  return md_fee_list (session, FALSE, error);
}

/* ---- the screen ---- */

static void
show_page (Fixture   *f,
           GtkWidget *page)
{
  f->page = g_object_ref_sink (page);
  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1366, 768);
  gtk_window_set_child (GTK_WINDOW (f->window), page);
  gtk_window_present (GTK_WINDOW (f->window));
}

static gboolean
office_idle (gpointer data)
{
  Fixture *f = data;

  return gtk_widget_get_mapped (f->page) && !md_office_page_get_busy (MD_OFFICE_PAGE (f->page));
}

static gboolean
reports_idle (gpointer data)
{
  Fixture *f = data;

  return gtk_widget_get_mapped (f->page) && !md_reports_page_get_busy (MD_REPORTS_PAGE (f->page));
}

static void
office_section (Fixture    *f,
                const char *section)
{
  md_office_page_set_section (MD_OFFICE_PAGE (f->page), section);
  wait_for (office_idle, f, section);
}

static const char *
page_status (Fixture *f)
{
  if (MD_IS_OFFICE_PAGE (f->page))
    return md_office_page_get_status (MD_OFFICE_PAGE (f->page));
  return md_reports_page_get_status (MD_REPORTS_PAGE (f->page));
}

static gboolean
status_has (gpointer data)
{
  Fixture *f = data;
  const char *status = page_status (f);

  return status != NULL && strstr (status, f->expect) != NULL &&
         (MD_IS_OFFICE_PAGE (f->page) ? office_idle (f) : reports_idle (f));
}

static void
wait_status (Fixture    *f,
             const char *text)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  g_free (f->expect);
  f->expect = g_strdup (text);
  while (!status_has (f))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for “%s” in the status line; it says “%s”", text,
                 page_status (f));
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_LABEL (child) && gtk_widget_get_mapped (child) &&
          strstr (gtk_label_get_text (GTK_LABEL (child)), text) != NULL)
        return child;
      if ((found = find_label (child, text)) != NULL)
        return found;
    }
  return NULL;
}

static gboolean
label_shown (gpointer data)
{
  Fixture *f = data;

  return find_label (f->page, f->expect) != NULL;
}

static void
wait_label (Fixture    *f,
            const char *text)
{
  g_autofree char *what = g_strdup_printf ("“%s” on screen", text);

  g_free (f->expect);
  f->expect = g_strdup (text);
  wait_for (label_shown, f, what);
}

static GtkWidget *
row (Fixture    *f,
     const char *title)
{
  return need_widget (f->page, ADW_TYPE_PREFERENCES_ROW, title);
}

static gboolean
row_shown (gpointer data)
{
  Fixture *f = data;

  return find_widget (f->page, ADW_TYPE_PREFERENCES_ROW, f->expect) != NULL;
}

static void
wait_row (Fixture    *f,
          const char *title)
{
  g_autofree char *what = g_strdup_printf ("the row “%s”", title);

  g_free (f->expect);
  f->expect = g_strdup (title);
  wait_for (row_shown, f, what);
}

static const char *
subtitle_of (GtkWidget *widget)
{
  if (ADW_IS_EXPANDER_ROW (widget))
    return adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (widget));
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (widget));
}

/* The dialog on screen: a choice or a check by its row's title. */
static void
dialog_choose (const char *title,
               guint       index)
{
  GtkWidget *combo;

  wait_for (dialog_shown, NULL, "a dialog");
  combo = need_widget (GTK_WIDGET (find_dialog ()), ADW_TYPE_COMBO_ROW, title);
  adw_combo_row_set_selected (ADW_COMBO_ROW (combo), index);
}

static void
dialog_check (const char *title,
              gboolean    active)
{
  GtkWidget *row_widget;

  wait_for (dialog_shown, NULL, "a dialog");
  row_widget = need_widget (GTK_WIDGET (find_dialog ()), ADW_TYPE_ACTION_ROW, title);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (need_widget (row_widget, GTK_TYPE_CHECK_BUTTON,
                                                              NULL)), active);
}

/* ---- the file chooser (GTK's own dialog under Xvfb) ---- */

static GtkFileChooser *
find_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return GTK_FILE_CHOOSER (window);
    }
  return NULL;
}

static gboolean
chooser_shown (gpointer data)
{
  return find_chooser () != NULL;
}

static gboolean
chooser_gone (gpointer data)
{
  return find_chooser () == NULL;
}

static gboolean
chooser_ready (gpointer data)
{
  g_autoptr(GFile) folder = gtk_file_chooser_get_current_folder (data);

  return folder != NULL;
}

/* Chooses @path in the file chooser the page opened, and accepts. The
 * chooser loads its first folder on its own: the file is chosen again
 * until the chooser shows it selected. */
static void
choose_file (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) parent = g_file_get_parent (file);
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;
  gint64 next_try = 0;
  GtkFileChooser *chooser;

  wait_for (chooser_shown, NULL, "the file chooser");
  chooser = find_chooser ();
  wait_for (chooser_ready, chooser, "the file chooser’s first folder");
  for (;;)
    {
      g_autoptr(GFile) chosen = gtk_file_chooser_get_file (chooser);
      g_autoptr(GError) error = NULL;

      if (chosen != NULL && g_file_equal (chosen, file))
        {
          g_autoptr(GFile) still = NULL;

          /* Still so a moment later: nothing of the chooser's own was late. */
          spin (200);
          still = gtk_file_chooser_get_file (chooser);
          if (still != NULL && g_file_equal (still, file))
            break;
        }
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out choosing %s", path);
      if (g_get_monotonic_time () >= next_try)
        {
          if (gtk_file_chooser_get_action (chooser) == GTK_FILE_CHOOSER_ACTION_SAVE)
            {
              g_autofree char *name = g_file_get_basename (file);

              must (gtk_file_chooser_set_current_folder (chooser, parent, &error), error);
              gtk_file_chooser_set_current_name (chooser, name);
            }
          else
            must (gtk_file_chooser_set_file (chooser, file, &error), error);
          next_try = g_get_monotonic_time () + G_USEC_PER_SEC / 4;
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  wait_for (chooser_gone, NULL, "the file chooser to close");
}

/* ---- the back office ---- */

static void
office (Fixture    *f,
        const char *operator_name,
        const char *password,
        const char *section)
{
  GtkWidget *page = g_object_new (MD_TYPE_OFFICE_PAGE, NULL);

  sign_in (f, operator_name, password);
  md_office_page_set_worker (MD_OFFICE_PAGE (page), f->worker);
  md_office_page_set_section (MD_OFFICE_PAGE (page), section);
  show_page (f, page);
  wait_for (office_idle, f, "the back office");
}

static gint64
tariff_versions (Fixture *f)
{
  g_autoptr(JsonArray) tariffs = list (f, md_tariff_store_list);
  JsonObject *res = find_in (tariffs, "tariff", "RES-2026");

  g_assert_cmpuint (json_array_get_length (tariffs), ==, 1);
  g_assert_nonnull (res);
  return json_object_get_int_member (res, "versions");
}

static void
test_tariffs (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *next = write_file (f, "res-2030.ini", next_tariff);
  g_autofree char *bad = write_file (f, "bad.ini", bad_tariff);
  g_autofree char *history = write_file (f, "rewrite.ini", good_tariff);
  GtkWidget *tariff;

  office (f, "finance", FINANCE_PW, "tariffs");
  tariff = row (f, "RES-2026");
  g_assert_nonnull (strstr (subtitle_of (tariff), "1 version"));

  /* A new version from a file: stored, listed, its versions on expanding. */
  gtk_widget_activate_action (f->page, "office.load-tariff", NULL);
  choose_file (next);
  wait_status (f, "Tariff RES-2026: the version from 2030-01-01");
  g_assert_cmpint (tariff_versions (f), ==, 2);
  tariff = row (f, "RES-2026");
  g_assert_nonnull (strstr (subtitle_of (tariff), "2 versions"));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (tariff), TRUE);
  wait_label (f, "In force");
  wait_label (f, "Coming");
  wait_label (f, "Flat ¥0.5880/kWh");

  /* A bad file: its line and reason shown as a row, nothing changed. */
  gtk_widget_activate_action (f->page, "office.load-tariff", NULL);
  choose_file (bad);
  wait_status (f, "bad.ini: line 7: “abc” is not a number");
  g_assert_nonnull (strstr (subtitle_of (row (f, "line 7: “abc” is not a number")), "bad.ini"));
  g_assert_cmpint (tariff_versions (f), ==, 2);

  /* The same start with other prices would rewrite history: refused. */
  {
    g_autofree char *changed = g_strdup (good_tariff);

    memcpy (strstr (changed, "0.5880"), "0.5990", 6);
    g_assert_true (g_file_set_contents (history, changed, -1, NULL));
  }
  gtk_widget_activate_action (f->page, "office.load-tariff", NULL);
  choose_file (history);
  wait_status (f, "rewrite.ini: ");
  g_assert_cmpint (tariff_versions (f), ==, 2);

  /* The search keeps what matches. */
  gtk_editable_set_text (GTK_EDITABLE (need_widget (f->page, GTK_TYPE_SEARCH_ENTRY, NULL)),
                         "no-such-tariff");
  spin (300);
  g_assert_null (find_widget (f->page, ADW_TYPE_PREFERENCES_ROW, "RES-2026"));
  gtk_editable_set_text (GTK_EDITABLE (need_widget (f->page, GTK_TYPE_SEARCH_ENTRY, NULL)),
                         "居民");
  wait_row (f, "RES-2026");
}

static void
test_categories_and_fees (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(JsonArray) categories = NULL;
  g_autoptr(JsonArray) fees = NULL;
  JsonObject *category;
  const char *fields[] = { "Code", "COM", "Name", "商业用电", NULL };
  const char *amount[] = { "Amount in yuan", "25.50", NULL };
  const char *bad_amount[] = { "Amount in yuan", "25.505", NULL };

  office (f, "finance", FINANCE_PW, "categories");
  row (f, "RES");

  /* A category with its tariff chosen from the tariffs there are. */
  gtk_widget_activate_action (f->page, "office.add-category", NULL);
  dialog_choose ("Tariff", 1);
  answer_dialog (fields, "add");
  wait_status (f, "Usage category COM is added");
  wait_row (f, "COM");
  g_assert_nonnull (strstr (subtitle_of (row (f, "COM")), "tariff RES-2026"));
  categories = list (f, md_category_list);
  category = find_in (categories, "code", "COM");
  g_assert_nonnull (category);
  g_assert_cmpstr (json_object_get_string_member (category, "tariff"), ==, "RES-2026");
  g_assert_cmpstr (json_object_get_string_member (category, "name"), ==, "商业用电");

  /* A fee's amount: typed money goes through the money parser. */
  office_section (f, "fees");
  gtk_widget_activate (row (f, "Card replacement fee"));
  answer_dialog (bad_amount, "set");
  wait_status (f, "more than 2 decimals");
  gtk_widget_activate (row (f, "Card replacement fee"));
  answer_dialog (amount, "set");
  wait_status (f, "is ¥25.50 from now on");
  wait_label (f, "¥25.50");
  fees = list (f, fees_history);
  g_assert_cmpstr (json_object_get_string_member (find_in (fees, "kind", "card-replacement"),
                                                  "amount"), ==, "25.50");
}

static void
test_operators (Fixture       *f,
                gconstpointer  data)
{
  const char *fields[] = { "Sign-in name", "wang", "Full name", "王小明", "Password", "wang-pass1",
                           "Password again", "wang-pass1", NULL };
  const char *reset[] = { "New password", "wang-pass2", "New password again", "wang-pass2",
                          NULL };
  const char *mismatch[] = { "New password", "wang-pass3", "New password again", "wang-pass4",
                             NULL };
  g_autofree char *refusal = NULL;

  office (f, "admin", ADMIN_PW, "operators");
  row (f, "finance");

  /* Add an operator: a cashier and a meter reader. */
  gtk_widget_activate_action (f->page, "office.add-operator", NULL);
  dialog_check ("Metering", TRUE);
  answer_dialog (fields, "add");
  wait_status (f, "Operator wang is added");
  wait_row (f, "wang");
  g_assert_nonnull (strstr (subtitle_of (row (f, "wang")), "Cashier, Metering"));
  g_assert_null (login_refusal (f, "wang", "wang-pass1"));

  /* Reset the password: the old one stops working, the new one works. */
  gtk_widget_activate_action (f->page, "office.operator-password", "s", "wang");
  answer_dialog (mismatch, "reset");
  wait_status (f, "The two passwords are not the same");
  g_assert_null (login_refusal (f, "wang", "wang-pass1"));
  gtk_widget_activate_action (f->page, "office.operator-password", "s", "wang");
  answer_dialog (reset, "reset");
  wait_status (f, "The password of wang is reset");
  refusal = login_refusal (f, "wang", "wang-pass1");
  g_assert_nonnull (refusal);
  g_assert_null (login_refusal (f, "wang", "wang-pass2"));

  /* Locked by wrong passwords, unlocked here. */
  for (guint i = 0; i < MD_LOCKOUT_FAILURES; i++)
    g_free (login_refusal (f, "wang", "not-it"));
  g_clear_pointer (&refusal, g_free);
  refusal = login_refusal (f, "wang", "wang-pass2");
  g_assert_nonnull (refusal);
  gtk_widget_activate_action (f->page, "office.refresh", NULL);
  wait_label (f, "Locked out");
  gtk_widget_activate_action (f->page, "office.operator-unlock", "s", "wang");
  wait_status (f, "wang is unlocked");
  g_assert_null (login_refusal (f, "wang", "wang-pass2"));

  /* Roles: the meter reader becomes a utilization clerk. */
  gtk_widget_activate_action (f->page, "office.operator-roles", "s", "wang");
  dialog_check ("Utilization", TRUE);
  dialog_check ("Metering", FALSE);
  answer_dialog (NULL, "save");
  wait_status (f, "wang now has the roles: Cashier, Utilization");
  g_assert_nonnull (strstr (subtitle_of (row (f, "wang")), "Cashier, Utilization"));

  /* Deactivating asks first; cancelled, nothing happens. */
  gtk_widget_activate_action (f->page, "office.operator-deactivate", "s", "wang");
  answer_dialog (NULL, "cancel");
  g_assert_null (login_refusal (f, "wang", "wang-pass2"));
  gtk_widget_activate_action (f->page, "office.operator-deactivate", "s", "wang");
  answer_dialog (NULL, "deactivate");
  wait_status (f, "wang can no longer sign in");
  g_clear_pointer (&refusal, g_free);
  refusal = login_refusal (f, "wang", "wang-pass2");
  g_assert_nonnull (refusal);
  wait_label (f, "Deactivated");
  gtk_widget_activate_action (f->page, "office.operator-activate", "s", "wang");
  wait_status (f, "wang can sign in again");
  g_assert_null (login_refusal (f, "wang", "wang-pass2"));

  /* Terminals and buses are the administrator's too. */
  office_section (f, "terminals");
  gtk_widget_activate_action (f->page, "office.add-terminal", NULL);
  {
    const char *terminal[] = { "Terminal id", "T02", "Name", "二号窗口", NULL };

    answer_dialog (terminal, "add");
  }
  wait_status (f, "Terminal T02 is added");
  wait_row (f, "T02");

  office_section (f, "buses");
  gtk_widget_activate_action (f->page, "office.add-bus", NULL);
  {
    const char *bus[] = { "Name", "BUS1", "Serial device", "/dev/ttyUSB1", "Baud rate", "2400",
                          NULL };

    dialog_choose ("Protocol", 1);
    dialog_choose ("Parity", 2);
    answer_dialog (bus, "add");
  }
  wait_status (f, "Bus BUS1 is added");
  wait_row (f, "BUS1");
  g_assert_nonnull (strstr (subtitle_of (row (f, "BUS1")), "DL/T 645-2007 · serial "
                                                           "/dev/ttyUSB1, 2400 baud, parity E"));
  gtk_widget_activate_action (f->page, "office.add-bus", NULL);
  {
    const char *gateway[] = { "Name", "GW1", "Gateway (HOST:PORT)", "10.0.0.9", NULL };

    dialog_choose ("Connection", 1);
    answer_dialog (gateway, "add");
  }
  wait_status (f, "Write the gateway as HOST:PORT");
  gtk_widget_activate_action (f->page, "office.add-bus", NULL);
  {
    const char *gateway[] = { "Name", "GW1", "Gateway (HOST:PORT)", "10.0.0.9:502", NULL };

    dialog_choose ("Connection", 1);
    answer_dialog (gateway, "add");
  }
  wait_status (f, "Bus GW1 is added");
  wait_row (f, "GW1");
  g_assert_nonnull (strstr (subtitle_of (row (f, "GW1")), "TCP gateway 10.0.0.9:502"));
}

/* A cashier sees what they may see; the rest is the core's refusal. */
static void
test_cashier (Fixture       *f,
              gconstpointer  data)
{
  office (f, "cashier", CASHIER_PW, "operators");
  wait_label (f, "cashier does not have the permission “Manage operators”");
  g_assert_null (find_widget (f->page, ADW_TYPE_PREFERENCES_ROW, "admin"));
  g_assert_false (gtk_widget_get_sensitive (need_widget (f->page, GTK_TYPE_BUTTON,
                                                         "_Add Operator…")));

  office_section (f, "tariffs");
  row (f, "RES-2026");
  g_assert_false (gtk_widget_get_sensitive (need_widget (f->page, GTK_TYPE_BUTTON,
                                                         "_Load Tariff File…")));
  office_section (f, "backup");
  g_assert_false (gtk_widget_get_sensitive (need_widget (f->page, GTK_TYPE_BUTTON,
                                                         "_Back Up…")));
  g_assert_false (gtk_widget_get_sensitive (need_widget (f->page, GTK_TYPE_BUTTON,
                                                         "_Restore…")));
}

static const char bad_site[] =
  "type,site,building,floor,code,name,address,area-m2\n"
  "site,,,,PARK,工业园,科技路 8 号,\n"
  "building,PARK,,,B1,1号楼,,\n"
  "room,PARK,B1,,101,101室,,\n";
static const char good_site[] =
  "type,site,building,floor,code,name,address,area-m2\n"
  "site,,,,PARK,工业园,科技路 8 号,\n"
  "building,PARK,,,B1,1号楼,,\n"
  "floor,PARK,B1,,F1,1层,,\n"
  "room,PARK,B1,F1,101,101室,,25.50\n"
  "room,PARK,B1,F1,102,102室,,25.50\n";

static void
test_import (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *bad = write_file (f, "site-bad.csv", bad_site);
  g_autofree char *good = write_file (f, "site.csv", good_site);
  g_autoptr(JsonArray) sites = NULL;

  office (f, "staff", STAFF_PW, "import");

  /* A bad line: the file and line, and nothing imported. */
  gtk_widget_activate_action (f->page, "office.import", NULL);
  choose_file (bad);
  wait_status (f, "site-bad.csv:4: a “room” row needs a value in the “floor” column");
  g_assert_nonnull (strstr (subtitle_of (row (f, "site-bad.csv:4: a “room” row needs a value "
                                                 "in the “floor” column")),
                            "Nothing was imported"));
  sites = list (f, md_site_list);
  g_assert_cmpuint (json_array_get_length (sites), ==, 0);
  g_clear_pointer (&sites, json_array_unref);

  /* Fixed: how many of each. */
  gtk_widget_activate_action (f->page, "office.import", NULL);
  choose_file (good);
  wait_status (f, "Imported 5 rows from site.csv");
  g_assert_nonnull (find_label (row (f, "Rooms"), "2"));
  g_assert_null (find_label (row (f, "Sites"), "2"));
  g_assert_nonnull (find_label (row (f, "Sites"), "1"));
  sites = list (f, md_site_list);
  g_assert_cmpuint (json_array_get_length (sites), >, 0);
}

/* A workbook, as Excel saves it, through the same file chooser; a file
 * that only looks like one is refused in one line. */
static void
test_import_xlsx (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *good = file_in (f, "rooms.xlsx");
  g_autofree char *bad = write_file (f, "meters.xlsx", "PK\003\004 not a zip archive at all");
  const char *argv[] = {
    "/usr/bin/python3", "-c",
    "import sys, openpyxl\n"
    "wb = openpyxl.Workbook()\n"
    "ws = wb.active\n"
    "for row in [['type', 'site', 'building', 'floor', 'code', 'name', 'area-m2'],\n"
    "            ['site', None, None, None, 'PARK', '工业园', None],\n"
    "            ['building', 'PARK', None, None, 'B1', '1号楼', None],\n"
    "            ['floor', 'PARK', 'B1', None, 'F1', '1层', None],\n"
    "            ['room', 'PARK', 'B1', 'F1', 101, '101室', 25.5]]:\n"
    "    ws.append(row)\n"
    "wb.save(sys.argv[1])\n",
    good, NULL
  };
  g_autoptr(JsonArray) sites = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  office (f, "staff", STAFF_PW, "import");
  gtk_widget_activate_action (f->page, "office.import", NULL);
  choose_file (bad);
  wait_status (f, "meters.xlsx: not an XLSX workbook that can be read (a damaged ZIP archive)");
  sites = list (f, md_site_list);
  g_assert_cmpuint (json_array_get_length (sites), ==, 0);
  g_clear_pointer (&sites, json_array_unref);

  gtk_widget_activate_action (f->page, "office.import", NULL);
  choose_file (good);
  wait_status (f, "Imported 4 rows from rooms.xlsx");
  g_assert_nonnull (find_label (row (f, "Rooms"), "1"));
  sites = list (f, md_site_list);
  g_assert_cmpuint (json_array_get_length (sites), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (sites, 0),
                                                  "path"), ==, "PARK/B1/F1/101");
}

static guint restored_signals;

static void
restored_cb (void)
{
  restored_signals++;
}

static void
test_backup_restore (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *backup = file_in (f, "backup.db");
  g_autoptr(JsonArray) terminals = NULL;
  g_autoptr(GError) error = NULL;
  const char *wrong_password[] = { "Administrator", "admin", "Administrator’s password", "guess",
                                   NULL };
  const char *not_admin[] = { "Administrator", "finance", "Administrator’s password", FINANCE_PW,
                              NULL };
  const char *admin[] = { "Administrator", "admin", "Administrator’s password", ADMIN_PW, NULL };

  office (f, "admin", ADMIN_PW, "backup");
  g_signal_connect (f->page, "database-restored", G_CALLBACK (restored_cb), NULL);
  gtk_widget_activate_action (f->page, "office.backup", NULL);
  choose_file (backup);
  wait_status (f, "Backup written to backup.db");
  g_assert_true (g_file_test (backup, G_FILE_TEST_IS_REGULAR));

  /* Something done after the backup… */
  terminals = list (f, md_terminal_list);
  g_assert_cmpuint (json_array_get_length (terminals), ==, 1);
  g_clear_pointer (&terminals, json_array_unref);
  office_section (f, "terminals");
  gtk_widget_activate_action (f->page, "office.add-terminal", NULL);
  {
    const char *terminal[] = { "Terminal id", "T09", NULL };

    answer_dialog (terminal, "add");
  }
  wait_status (f, "Terminal T09 is added");
  office_section (f, "backup");

  /* …is gone after the restore, which an administrator approves. */
  gtk_widget_activate_action (f->page, "office.restore", NULL);
  choose_file (backup);
  answer_dialog (wrong_password, "restore");
  wait_status (f, "backup.db: ");
  gtk_widget_activate_action (f->page, "office.restore", NULL);
  choose_file (backup);
  answer_dialog (not_admin, "restore");
  wait_status (f, "finance does not have the permission “Restore the database”");
  terminals = list (f, md_terminal_list);
  g_assert_cmpuint (json_array_get_length (terminals), ==, 2);
  g_clear_pointer (&terminals, json_array_unref);
  g_assert_cmpuint (restored_signals, ==, 0);

  gtk_widget_activate_action (f->page, "office.restore", NULL);
  choose_file (backup);
  answer_dialog (admin, "restore");
  wait_status (f, "The database is restored from backup.db, approved by admin");
  g_assert_cmpuint (restored_signals, ==, 1);
  terminals = list (f, md_terminal_list);
  g_assert_cmpuint (json_array_get_length (terminals), ==, 1);
  g_assert_null (find_in (terminals, "id", "T09"));

  /* The restored chain holds and records the restore. */
  {
    g_auto(MdAuditReport) report = { 0 };

    g_assert_true (md_audit_verify (f->store, &report, &error));
    g_assert_no_error (error);
    g_assert_cmpint (report.broken_seq, ==, 0);
  }
}

/* ---- reports ---- */

static void
reports (Fixture    *f,
         const char *operator_name,
         const char *password)
{
  GtkWidget *page = g_object_new (MD_TYPE_REPORTS_PAGE, NULL);

  sign_in (f, operator_name, password);
  md_reports_page_set_worker (MD_REPORTS_PAGE (page), f->worker);
  show_page (f, page);
  wait_for (reports_idle, f, "the reports");
}

static char *
day (int offset)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, offset);

  return g_date_time_format (then, "%Y-%m-%d");
}

static char *
run (const char *argv0,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status;
  va_list ap;

  va_start (ap, argv0);
  for (const char *arg = argv0; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static void
export (Fixture    *f,
        const char *format,
        const char *path)
{
  g_autofree char *display = g_path_get_basename (path);
  g_autofree char *saved = g_strdup_printf ("Saved as %s", display);

  gtk_widget_activate_action (f->page, "reports.export", "s", format);
  choose_file (path);
  wait_status (f, saved);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

static void
test_sales_report (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *from = day (-1);
  g_autofree char *to = day (1);
  g_autofree char *csv_path = file_in (f, "sales.csv");
  g_autofree char *xlsx_path = file_in (f, "sales.xlsx");
  g_autofree char *pdf_path = file_in (f, "sales.pdf");
  g_autofree char *print_path = file_in (f, "printed.pdf");
  g_autofree char *x_path = file_in (f, "x-report.pdf");
  g_autofree char *csv = NULL;
  g_autofree char *text = NULL;
  g_autofree char *sold = md_money_format (f->sold, MD_MONEY_STYLE_PLAIN);
  MdReportTable *table;
  int net;

  reports (f, "finance", FINANCE_PW);
  g_assert_false (gtk_widget_get_sensitive (need_widget (f->page, GTK_TYPE_BUTTON, "_CSV…")));

  /* Mistakes are one line, before or from the core. */
  md_reports_page_set_report (MD_REPORTS_PAGE (f->page), "energy");
  gtk_widget_activate_action (f->page, "reports.run", NULL);
  wait_status (f, "Give the account number");
  md_reports_page_set_report (MD_REPORTS_PAGE (f->page), "sales");
  fill (f->page, "From (YYYY-MM-DD)", "2026-13-01");
  gtk_widget_activate_action (f->page, "reports.run", NULL);
  wait_status (f, "2026-13-01");
  g_assert_null (md_reports_page_get_table (MD_REPORTS_PAGE (f->page)));

  /* Sales by payment method: the totals are the sales made. */
  fill (f->page, "From (YYYY-MM-DD)", from);
  fill (f->page, "To (YYYY-MM-DD, included)", to);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "Grouped by")), MD_REPORT_BY_PAYMENT);
  gtk_widget_activate_action (f->page, "reports.run", NULL);
  wait_status (f, "3 rows");
  table = md_reports_page_get_table (MD_REPORTS_PAGE (f->page));
  g_assert_nonnull (table);
  net = md_report_table_find_column (table, "net");
  g_assert_cmpint (net, >=, 0);
  g_assert_true (md_report_table_has_totals (table));
  g_assert_cmpint (md_report_table_get_total (table, net)->number, ==, f->sold);
  g_assert_cmpint (md_report_table_get_total (table, md_report_table_find_column (table,
                                                                                 "sales"))->number,
                   ==, f->sold);
  /* On screen: the rows by payment method and the totals in bold. */
  wait_label (f, "WeChat");
  {
    GtkWidget *total = find_label (f->page, "170.50");

    g_assert_nonnull (total);
    g_assert_true (gtk_widget_has_css_class (total, "heading"));
  }

  /* CSV: the totals row last, amounts plain. */
  export (f, "csv", csv_path);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  {
    g_auto(GStrv) lines = g_strsplit (g_strchomp (csv), "\r\n", -1);
    guint n = g_strv_length (lines);

    g_assert_cmpuint (n, ==, 5);
    g_assert_nonnull (strstr (lines[n - 1], sold));
  }

  /* XLSX: read back by another program; the net received of the totals. */
  export (f, "xlsx", xlsx_path);
  text = run ("/usr/bin/python3", "-c",
              "import sys, openpyxl\n"
              "sheet = openpyxl.load_workbook(sys.argv[1]).worksheets[0]\n"
              "rows = list(sheet.iter_rows(values_only=True))\n"
              "col = [i for i, h in enumerate(rows[0]) if h and h.startswith('Net received')][0]\n"
              "print('%.2f' % rows[-1][col])\n", xlsx_path, NULL);
  g_assert_cmpstr (g_strstrip (text), ==, sold);
  g_clear_pointer (&text, g_free);

  /* PDF, and the same pages through the print operation. */
  export (f, "pdf", pdf_path);
  text = run ("pdftotext", pdf_path, "-", NULL);
  g_assert_nonnull (strstr (text, "170.50"));
  g_clear_pointer (&text, g_free);

  md_reports_page_set_print_to_file (MD_REPORTS_PAGE (f->page), print_path);
  gtk_widget_activate_action (f->page, "reports.print", NULL);
  wait_status (f, "Printed to printed.pdf");
  text = run ("pdftotext", print_path, "-", NULL);
  g_assert_nonnull (strstr (text, "170.50"));
  g_assert_nonnull (strstr (text, "WeChat"));
  g_clear_pointer (&text, g_free);

  /* The X report of the shift the sales were made in. */
  sign_in (f, "staff", STAFF_PW);
  md_reports_page_set_print_to_file (MD_REPORTS_PAGE (f->page), x_path);
  gtk_widget_activate_action (f->page, "reports.print-x", NULL);
  wait_status (f, "Printed to x-report.pdf");
  text = run ("pdftotext", x_path, "-", NULL);
  g_assert_nonnull (strstr (text, "170.50"));
  g_clear_pointer (&text, g_free);

  /* No Z report yet: the core says so. */
  gtk_widget_activate_action (f->page, "reports.print-z", NULL);
  wait_for (reports_idle, f, "the Z report");
  g_assert_null (strstr (md_reports_page_get_status (MD_REPORTS_PAGE (f->page)), "Printed"));
}

/* ---- leaks ---- */

static void
test_pages_finalize (Fixture       *f,
                     gconstpointer  data)
{
  const GType types[] = { MD_TYPE_OFFICE_PAGE, MD_TYPE_REPORTS_PAGE };
  const char * const sections[] = { "tariffs", "fees", "categories", "operators", "terminals",
                                     "buses", "import", "backup" };

  sign_in (f, "admin", ADMIN_PW);
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    for (guint with_worker = 0; with_worker < 2; with_worker++)
      {
        GtkWidget *page = g_object_new (types[i], NULL);
        GtkWidget *window = gtk_window_new ();
        GtkWidget *alive_page = page;
        GtkWidget *alive_window = window;

        g_object_add_weak_pointer (G_OBJECT (page), (gpointer *) &alive_page);
        g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &alive_window);
        if (with_worker && types[i] == MD_TYPE_OFFICE_PAGE)
          md_office_page_set_worker (MD_OFFICE_PAGE (page), f->worker);
        else if (with_worker)
          md_reports_page_set_worker (MD_REPORTS_PAGE (page), f->worker);
        gtk_window_set_child (GTK_WINDOW (window), page);
        gtk_window_present (GTK_WINDOW (window));
        spin (100);
        /* Every section asks the database; the page goes while they run. */
        if (types[i] == MD_TYPE_OFFICE_PAGE)
          for (guint s = 0; s < G_N_ELEMENTS (sections); s++)
            md_office_page_set_section (MD_OFFICE_PAGE (page), sections[s]);
        else if (with_worker)
          gtk_widget_activate_action (page, "reports.run", NULL);
        gtk_window_destroy (GTK_WINDOW (window));
        g_assert_null (alive_window);
        while (alive_page != NULL)
          g_main_context_iteration (NULL, TRUE);
      }
}

/* ---- in the main window ---- */

/* The view switcher's button for a work page, as the header shows it. */
static GtkWidget *
switcher_button (GtkWidget  *root,
                 const char *title)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_TOGGLE_BUTTON (child) && find_label (child, title) != NULL &&
          gtk_widget_get_mapped (child))
        return child;
      if ((found = switcher_button (child, title)) != NULL)
        return found;
    }
  return NULL;
}

static gboolean
window_view_ready (gpointer data)
{
  Fixture *f = data;
  MdWindow *window = MD_WINDOW (f->window);

  if (g_strcmp0 (md_window_get_view (window), f->expect) != 0)
    return FALSE;
  if (g_str_equal (f->expect, "office"))
    return gtk_widget_get_mapped (GTK_WIDGET (md_window_get_office_page (window))) &&
           !md_office_page_get_busy (md_window_get_office_page (window));
  return gtk_widget_get_mapped (GTK_WIDGET (md_window_get_reports_page (window))) &&
         !md_reports_page_get_busy (md_window_get_reports_page (window));
}

/* Click a work page's button in the header and wait for the page. */
static void
window_open (Fixture    *f,
             const char *title,
             const char *view)
{
  GtkWidget *button = switcher_button (f->window, title);

  if (button == NULL)
    g_error ("no “%s” button in the header", title);
  gtk_widget_activate (button);
  g_free (f->expect);
  f->expect = g_strdup (view);
  wait_for (window_view_ready, f, view);
}

static gboolean
report_has_table (gpointer data)
{
  Fixture *f = data;
  MdReportsPage *page = md_window_get_reports_page (MD_WINDOW (f->window));

  return !md_reports_page_get_busy (page) && md_reports_page_get_table (page) != NULL;
}

/* Finance (a supervisor too) and the site staff reach the reports and the
 * back office from the header and work in them; a cashier is not offered
 * either, nor can switch to them. */
static void
test_window (Fixture       *f,
             gconstpointer  data)
{
  static const struct
  {
    const char *name;
    const char *password;
    gboolean    office;
    gboolean    reports;
  } operators[] = {
    { "finance", FINANCE_PW, TRUE, TRUE },
    { "staff", STAFF_PW, TRUE, TRUE },
    { "admin", ADMIN_PW, TRUE, TRUE },
    { "cashier", CASHIER_PW, FALSE, FALSE },
  };
  MdWindow *window = md_window_new (NULL);

  f->window = GTK_WIDGET (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1366, 768);
  gtk_window_present (GTK_WINDOW (window));
  md_window_set_worker (window, f->worker, "T01", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (operators); i++)
    {
      sign_in_as (window, operators[i].name, operators[i].password);
      g_assert_cmpint (md_window_has_view (window, "office"), ==, operators[i].office);
      g_assert_cmpint (md_window_has_view (window, "reports"), ==, operators[i].reports);
      spin (50);
      if (operators[i].reports)
        {
          window_open (f, "Reports", "reports");
          /* Today's sales, from the page the window shows. */
          gtk_widget_activate_action (GTK_WIDGET (md_window_get_reports_page (window)),
                                      "reports.run", NULL);
          wait_for (report_has_table, f, "a report in the window");
        }
      else
        g_assert_null (switcher_button (f->window, "Reports"));
      if (operators[i].office)
        {
          window_open (f, "Back Office", "office");
          g_assert_nonnull (md_office_page_get_section (md_window_get_office_page (window)));
        }
      else
        g_assert_null (switcher_button (f->window, "Back Office"));
      if (!operators[i].office && !operators[i].reports)
        {
          /* The cashier's pages are there, theirs are not. */
          g_assert_nonnull (switcher_button (f->window, "Sell"));
          g_assert_cmpstr (md_window_get_view (window), ==, "sale");
        }
      gtk_widget_activate_action (f->window, "win.sign-out", NULL);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data_dirs = g_strdup (g_getenv ("XDG_DATA_DIRS"));
  int status;

  setlocale (LC_ALL, "C.UTF-8");
  /* The site and this computer in China: times shown as the office sees them. */
  g_setenv ("TZ", "Asia/Shanghai", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* Isolation hides the system's MIME database and icon themes, which GTK
   * and its file chooser need. */
  g_setenv ("XDG_DATA_DIRS", data_dirs ? data_dirs : "/usr/local/share:/usr/share", TRUE);
  /* GSettings looks in the isolated data dirs only; the file chooser needs
   * GTK's own schemas from the system's. */
  {
    g_auto(GStrv) dirs = g_strsplit (g_getenv ("XDG_DATA_DIRS"), G_SEARCHPATH_SEPARATOR_S, -1);
    g_autoptr(GString) schemas = g_string_new (g_getenv ("GSETTINGS_SCHEMA_DIR"));

    for (guint i = 0; dirs[i] != NULL; i++)
      {
        g_autofree char *dir = g_build_filename (dirs[i], "glib-2.0", "schemas", NULL);

        if (schemas->len > 0)
          g_string_append (schemas, G_SEARCHPATH_SEPARATOR_S);
        g_string_append (schemas, dir);
      }
    g_setenv ("GSETTINGS_SCHEMA_DIR", schemas->str, TRUE);
  }
  /* And the MIME database, which GIO reads once, in whichever test is the
   * first to guess a file's type (GTK for an icon, the file chooser). */
  {
    g_auto(GStrv) dirs = g_strsplit (g_getenv ("XDG_DATA_DIRS"), G_SEARCHPATH_SEPARATOR_S, -1);
    g_autoptr(GPtrArray) mime = g_ptr_array_new_with_free_func (g_free);

    for (guint i = 0; dirs[i] != NULL; i++)
      g_ptr_array_add (mime, g_build_filename (dirs[i], "mime", NULL));
    g_ptr_array_add (mime, NULL);
    g_content_type_set_mime_dirs ((const char * const *) mime->pdata);
  }
  adw_init ();
  /* Each test has its own home: the file chooser keeps no recent files
   * across them. */
  g_object_set (gtk_settings_get_default (), "gtk-recent-files-enabled", FALSE, NULL);
  g_resources_register (md_ui_get_resource ());

  g_test_add ("/meterdesk/ui/office/pages-finalize", Fixture, NULL, fixture_setup,
              test_pages_finalize, fixture_teardown);
  g_test_add ("/meterdesk/ui/office/tariffs", Fixture, NULL, fixture_setup, test_tariffs,
              fixture_teardown);
  g_test_add ("/meterdesk/ui/office/categories-fees", Fixture, NULL, fixture_setup,
              test_categories_and_fees, fixture_teardown);
  g_test_add ("/meterdesk/ui/office/operators", Fixture, NULL, fixture_setup, test_operators,
              fixture_teardown);
  g_test_add ("/meterdesk/ui/office/cashier", Fixture, NULL, fixture_setup, test_cashier,
              fixture_teardown);
  g_test_add ("/meterdesk/ui/office/import", Fixture, NULL, fixture_setup, test_import,
              fixture_teardown);
  g_test_add ("/meterdesk/ui/office/backup-restore", Fixture, NULL, fixture_setup,
              test_backup_restore, fixture_teardown);
  g_test_add ("/meterdesk/ui/office/import-xlsx", Fixture, NULL, fixture_setup, test_import_xlsx,
              fixture_teardown);
  g_test_add ("/meterdesk/ui/office/window", Fixture, NULL, fixture_setup, test_window,
              fixture_teardown);
  g_test_add ("/meterdesk/ui/reports/sales", Fixture, NULL, fixture_setup, test_sales_report,
              fixture_teardown);

  status = g_test_run ();
  if (template_dir != NULL)
    remove_dir (template_dir);
  return status;
}
