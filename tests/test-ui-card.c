/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include "md-accounts-page.h"
#include "md-application.h"
#include "md-card.h"
#include "md-card-desk.h"
#include "md-sale-page.h"
#include "md-ui-util.h"
#include "md-vend.h"
#include "md-window.h"
#include "md-ui-test-util.h"

/* Card sales at the demo window (`meterdesk --demo`), through the demo's
 * emulated reader and each card's simulated meter: the sale is refused
 * until the customer's card is read, the card read fills the card panel,
 * a sale goes on the card and the meter loads it, and a card reported lost
 * is refused at the counter. */

typedef struct
{
  MdApplication *app;
  MdWindow      *window;
  MdSalePage    *sale;
  char          *expect;
} Card;



static void
wait_status (Card       *card,
             const char *text)
{
  wait_text ((TextGetter) md_sale_page_get_status, NULL, card->sale, text);
}

static gboolean
account_shown (gpointer data)
{
  Card *card = data;

  return g_strcmp0 (md_sale_page_get_account (card->sale), card->expect) == 0;
}

static gboolean
sale_idle (gpointer data)
{
  Card *card = data;

  return !md_sale_page_get_busy (card->sale);
}

typedef struct
{
  const char *account_no;
  gint64      count;
} BooksCount;

/* The card register's purchase count and the account's posted card sales. */
static gpointer
books_job (MdStore       *store,
           MdSession     *session,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  BooksCount *books = data;
  g_auto(MdCardRecord) record = { 0 };

  if (!md_card_of_account (store, books->account_no, &record, error))
    return NULL;
  books->count = record.purchase_count;
  return books;
}

static gint64
books_count (Card       *card,
             const char *account_no)
{
  g_autoptr(GError) error = NULL;
  BooksCount books = { account_no, -1 };

  g_assert_nonnull (md_worker_run_sync (md_application_get_worker (card->app), books_job, &books,
                                        &error));
  g_assert_no_error (error);
  return books.count;
}

static gpointer
committed_job (MdStore       *store,
               MdSession     *session,
               gpointer       data,
               GCancellable  *cancellable,
               GError       **error)
{
  return md_sale_list (session, NULL, NULL, data, 0, error);
}

static guint
committed_sales (Card       *card,
                 const char *account_no)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_sync (md_application_get_worker (card->app),
                                                 committed_job, (gpointer) account_no, &error);
  JsonArray *sales;
  guint n = 0;

  g_assert_no_error (error);
  sales = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (sales); i++)
    {
      JsonObject *sale = json_array_get_object_element (sales, i);

      if (g_str_equal (json_object_get_string_member (sale, "kind"), "sale") &&
          g_str_equal (json_object_get_string_member (sale, "state"), "committed"))
        n++;
    }
  return n;
}

static gpointer
lost_job (MdStore       *store,
          MdSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  return md_card_report_lost (session, data, error) ? data : NULL;
}

static void
sell (Card       *card,
      const char *yuan)
{
  GtkWidget *amount = need_widget (GTK_WIDGET (card->sale), ADW_TYPE_ENTRY_ROW,
                                   "Amount in yuan (F5: energy)");

  gtk_editable_set_text (GTK_EDITABLE (amount), yuan);
  gtk_widget_activate_action (GTK_WIDGET (card->sale), "sale.sell", NULL);
}

/* Looks the account up again now and then: the services raise its alarms
 * on their first sweep, soon after the start. */
static gboolean
alarm_shown (gpointer data)
{
  Card *card = data;
  const char *alarms = md_sale_page_get_alarms (card->sale);
  static gint64 last;

  if (alarms != NULL && strstr (alarms, card->expect) != NULL)
    return TRUE;
  if (g_get_monotonic_time () - last > G_USEC_PER_SEC)
    {
      last = g_get_monotonic_time ();
      md_sale_page_load_account (card->sale, "100003");
    }
  return FALSE;
}

static void
card_script (Card *card)
{
  GtkWidget *sale = GTK_WIDGET (card->sale);
  const char *open_float[] = { "Float in yuan", "100.00", NULL };

  sign_in_as (card->window, "cashier", "cashier1");

  /* The demo shows its card buttons. */
  g_assert_true (gtk_widget_is_visible (need_widget (sale, GTK_TYPE_BUTTON,
                                                     "Insert the customer’s card")));

  /* A customer's open alarms show at the counter: shop 100003 (system
   * billing, no credit) is at the third low-balance level. */
  g_free (card->expect);
  card->expect = g_strdup ("Account 100003 has ¥0.00 of credit left: low-balance level 3");
  wait_for (alarm_shown, card, "the low-balance alarm of account 100003");

  /* A card customer found by number: no sale until the card is read. */
  md_sale_page_load_account (card->sale, "200101");
  g_free (card->expect);
  card->expect = g_strdup ("200101");
  wait_for (account_shown, card, "account 200101");
  spin (100);
  gtk_widget_activate_action (sale, "sale.shift", NULL);
  answer_dialog (open_float, "open");
  wait_status (card, "Shift");
  sell (card, "30");
  wait_status (card, "Insert this customer’s card and read it (F4)");
  g_assert_cmpuint (committed_sales (card, "200101"), ==, 0);

  /* The card goes in (issued on first use in the demo) and is read by
   * itself: the panel shows it and the sale goes on the card. */
  gtk_widget_activate_action (sale, "sale.demo-insert", NULL);
  wait_status (card, "Card read: enter the amount");
  g_assert_cmpstr (md_sale_page_get_card_account (card->sale), ==, "200101");
  g_assert_null (md_sale_page_get_card_refusal (card->sale));
  g_assert_true (gtk_widget_is_visible (need_widget (sale, ADW_TYPE_ACTION_ROW,
                                                     "On the card, not yet in the meter")));
  g_assert_cmpint (books_count (card, "200101"), ==, 0);
  sell (card, "30");
  wait_status (card, "Sold: receipt");
  wait_for (sale_idle, card, "the sale to finish");
  spin (300);
  g_assert_cmpuint (committed_sales (card, "200101"), ==, 1);
  g_assert_cmpint (books_count (card, "200101"), ==, 1);
  /* The re-read after the sale keeps the sale's message. */
  g_assert_nonnull (strstr (md_sale_page_get_status (card->sale), "Sold: receipt"));

  /* The customer takes the card home; the meter loads the purchase. */
  gtk_widget_activate_action (sale, "sale.demo-meter", NULL);
  wait_status (card, "The meter loaded the purchase (1 loaded so far)");
  g_assert_null (md_sale_page_get_card_account (card->sale));

  /* With the card out, no sale; F4 says what is wrong. */
  sell (card, "20");
  wait_status (card, "Insert this customer’s card");
  gtk_widget_activate_action (sale, "sale.read-card", NULL);
  wait_status (card, "No card");

  /* The second purchase; the card shows the meter's write-back. */
  gtk_widget_activate_action (sale, "sale.demo-insert", NULL);
  wait_status (card, "Card read: enter the amount");
  sell (card, "20");
  wait_status (card, "Sold: receipt");
  wait_for (sale_idle, card, "the sale to finish");
  spin (300);
  g_assert_cmpuint (committed_sales (card, "200101"), ==, 2);
  g_assert_cmpint (books_count (card, "200101"), ==, 2);

  /* Reported lost: the card is refused at the counter, nothing is sold. */
  {
    g_autoptr(GError) error = NULL;

    md_worker_run_sync (md_application_get_worker (card->app), lost_job, (gpointer) "200101",
                        &error);
    g_assert_no_error (error);
  }
  gtk_widget_activate_action (sale, "sale.read-card", NULL);
  spin (100);
  g_free (card->expect);
  card->expect = g_strdup ("200101");
  wait_for (account_shown, card, "account 200101");
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

    while (md_sale_page_get_card_refusal (card->sale) == NULL)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_main_context_iteration (NULL, FALSE);
      }
  }
  sell (card, "20");
  spin (300);
  g_assert_cmpstr (md_sale_page_get_status (card->sale), ==,
                   md_sale_page_get_card_refusal (card->sale));
  g_assert_cmpuint (committed_sales (card, "200101"), ==, 2);
}


static void
accounts_wait (Card       *card,
               const char *text)
{
  wait_text ((TextGetter) md_accounts_page_get_status, (BusyGetter) md_accounts_page_get_busy,
             md_window_get_accounts_page (card->window), text);
}

static gboolean
accounts_shows (gpointer data)
{
  Card *card = data;

  return g_strcmp0 (md_accounts_page_get_account (md_window_get_accounts_page (card->window)),
                    card->expect) == 0;
}

typedef struct
{
  GtkWidget  *page;
  const char *label;
} ButtonWait;

/* The accounts page's detail is loaded again after each change: wait for
 * the button its new state enables. */
static gboolean
button_enabled (gpointer data)
{
  ButtonWait *w = data;
  GtkWidget *button = find_widget (w->page, GTK_TYPE_BUTTON, w->label);

  return button != NULL && gtk_widget_is_sensitive (button);
}

static void
activate_button (GtkWidget  *page,
                 const char *label)
{
  ButtonWait w = { page, label };

  wait_for (button_enabled, &w, label);
  g_signal_emit_by_name (find_widget (page, GTK_TYPE_BUTTON, label), "clicked");
}

/* The site's waiting period before a replacement card, in hours. */
static gpointer
wait_job (MdStore       *store,
          MdSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                             "INSERT INTO setting (key, value) "
                                             "VALUES ('card.lost-wait-hours', $1) "
                                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                             error);

  if (stmt == NULL)
    return NULL;
  md_stmt_bind_text (stmt, 1, data);
  return md_stmt_exec (stmt, error) ? data : NULL;
}

/* Utilization staff issue a card, report it lost and replace it; the
 * replacement then sells at the counter. */
static void
accounts_script (Card *card)
{
  MdAccountsPage *page = md_window_get_accounts_page (card->window);
  GtkWidget *widget = GTK_WIDGET (page);
  AdwViewStack *views = ADW_VIEW_STACK (gtk_widget_get_ancestor (widget, ADW_TYPE_VIEW_STACK));
  const char *open_float[] = { "Float in yuan", "100.00", NULL };
  g_autoptr(GError) error = NULL;

  sign_in_as (card->window, "staff", "staff123");
  md_accounts_page_show_account (page, "200102");
  g_free (card->expect);
  card->expect = g_strdup ("200102");
  wait_for (accounts_shows, card, "account 200102");
  spin (100);

  /* No card yet: none to report lost. */
  gtk_widget_activate_action (widget, "accounts.card-lost", NULL);
  spin (100);
  g_assert_null (find_dialog ());
  activate_button (widget, "Issue…");
  answer_dialog (NULL, "issue");
  accounts_wait (card, "issued to account 200102");
  g_assert_cmpint (books_count (card, "200102"), ==, 0);

  /* A setting card: a bad power limit is refused; the account's capacity
   * goes on a card of its own, the customer's card untouched. */
  {
    const char *bad[] = { "Power limit in watts (empty: the account’s capacity)", "lots", NULL };

    activate_button (widget, "Setting Card…");
    answer_dialog (bad, "setting");
    accounts_wait (card, "“lots” is not a power limit in watts");
    activate_button (widget, "Setting Card…");
    answer_dialog (NULL, "setting");
    accounts_wait (card, "Setting card for account 200102 written");
    g_assert_cmpint (books_count (card, "200102"), ==, 0);
  }

  activate_button (widget, "Report Lost…");
  answer_dialog (NULL, "lost");
  accounts_wait (card, "The card of account 200102 is reported lost");

  /* Within the waiting period a replacement is refused, nothing charged. */
  activate_button (widget, "Replace…");
  answer_dialog (NULL, "replace");
  accounts_wait (card, "A replacement card can be issued from");
  g_assert_cmpuint (committed_sales (card, "200102"), ==, 0);

  md_worker_run_sync (md_application_get_worker (card->app), wait_job, (gpointer) "0", &error);
  g_assert_no_error (error);

  /* The replacement fee is money: a supervisor at the counter, shift open,
   * issues the replacement and sells on it. */
  gtk_widget_activate_action (GTK_WIDGET (card->window), "win.sign-out", NULL);
  sign_in_as (card->window, "supervisor", "supervisor1");
  gtk_widget_activate_action (GTK_WIDGET (card->sale), "sale.shift", NULL);
  answer_dialog (open_float, "open");
  wait_status (card, "Shift");
  adw_view_stack_set_visible_child_name (views, "accounts");
  md_accounts_page_show_account (page, "200102");
  g_free (card->expect);
  card->expect = g_strdup ("200102");
  wait_for (accounts_shows, card, "account 200102");
  activate_button (widget, "Replace…");
  answer_dialog (NULL, "replace");
  accounts_wait (card, "Replacement card");

  adw_view_stack_set_visible_child_name (views, "sale");
  md_sale_page_load_account (card->sale, "200102");
  g_free (card->expect);
  card->expect = g_strdup ("200102");
  wait_for (account_shown, card, "account 200102");
  gtk_widget_activate_action (GTK_WIDGET (card->sale), "sale.demo-insert", NULL);
  wait_status (card, "Card read: enter the amount");
  sell (card, "25");
  wait_status (card, "Sold: receipt");
  wait_for (sale_idle, card, "the sale to finish");
  /* The fee and the sale. */
  g_assert_cmpuint (committed_sales (card, "200102"), ==, 2);
  g_assert_cmpint (books_count (card, "200102"), ==, 1);
}

/* The Card of a running app, for a script taking one. */
static void
with_card (MdApplication *app,
           MdWindow      *window,
           gpointer       script)
{
  Card card = { app, window, md_window_get_sale_page (window) };

  ((void (*) (Card *)) script) (&card);
  g_free (card.expect);
}

/* The customer puts the card in the reader: a physical act, here the
 * demo reader's. */
static gpointer
insert_job (MdStore       *store,
            MdSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  Card *card = data;
  MdCardDesk *desk = md_worker_get_card_desk (md_application_get_worker (card->app));

  return md_card_desk_demo_insert (desk, session, card->expect, error) ? data : NULL;
}

/* The whole card sale from the keyboard alone, as real key events: sign
 * in, open the shift (F12), the card goes in and is read by itself, the
 * amount, Enter. */
static void
keys_script (Card *card)
{
  g_autoptr(GError) error = NULL;

  keys_sign_in (card->window, "cashier", "cashier1");
  keys_open_shift (card->window, "100");
  wait_status (card, "with a float of ¥100.00");

  g_free (card->expect);
  card->expect = g_strdup ("200102");
  g_assert_nonnull (md_worker_run_sync (md_application_get_worker (card->app), insert_job, card,
                                        &error));
  g_assert_no_error (error);
  wait_status (card, "Card read: enter the amount");
  wait_for (account_shown, card, "account 200102 from its card");
  xdo ("type", "--delay", "5", "45", NULL);
  xdo ("key", "Return", NULL);
  wait_status (card, "Sold: receipt");
  g_assert_nonnull (strstr (md_sale_page_get_status (card->sale), "¥45.00"));
  wait_for (sale_idle, card, "the sale to finish");
  spin (300);
  g_assert_cmpuint (committed_sales (card, "200102"), ==, 1);
  g_assert_cmpint (books_count (card, "200102"), ==, 1);

  /* F4 reads the card again: the books and the card agree. */
  xdo ("key", "F4", NULL);
  wait_status (card, "Card read");
  g_assert_null (md_sale_page_get_card_refusal (card->sale));
}

static void
test_card_keys (void)
{
  g_autoptr(GSettings) settings = md_ui_settings_new ();

  /* The sign-in screen starts empty: nobody signed in here before. */
  g_settings_reset (settings, "last-operator");
  run_app (NULL, with_card, keys_script);
}

static void
test_card_accounts (void)
{
  run_app (NULL, with_card, accounts_script);
}

static void
test_card_counter (void)
{
  run_app (NULL, with_card, card_script);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/meterdesk/ui/card/counter", test_card_counter);
  g_test_add_func ("/meterdesk/ui/card/accounts", test_card_accounts);
  g_test_add_func ("/meterdesk/ui/card/keys", test_card_keys);

  return g_test_run ();
}
