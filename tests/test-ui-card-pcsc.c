/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include <glib/gstdio.h>

#include "md-accounts-page.h"
#include "md-application.h"
#include "md-card.h"
#include "md-card-service.h"
#include "md-card-test.h"
#include "md-sale-page.h"
#include "md-vend.h"
#include "md-window.h"
#include "md-ui-test-util.h"

/* The window on a real card reader: a private pcscd with vpcd
 * (build-aux/pcscd-test.sh) and the card emulator as a process. Staff issue
 * the card through the accounts page; at the counter the card is read as it
 * goes in (PC/SC insertion events), sold to, and a sale is refused once it
 * is taken out. */

typedef struct
{
  MdApplication  *app;
  MdWindow       *window;
  MdSalePage     *sale;
  char           *expect;
  char           *dir;
  MdTestEmulator *emulator;
} Site;

static void
sign_in (Site       *site,
         const char *name,
         const char *password)
{
  if (page_is_main (site->window))
    gtk_widget_activate_action (GTK_WIDGET (site->window), "win.sign-out", NULL);
  sign_in_as (site->window, name, password);
}


static void
wait_status (Site       *site,
             const char *text)
{
  wait_text ((TextGetter) md_sale_page_get_status, NULL, site->sale, text);
}


static void
accounts_wait (Site       *site,
               const char *text)
{
  wait_text ((TextGetter) md_accounts_page_get_status, (BusyGetter) md_accounts_page_get_busy,
             md_window_get_accounts_page (site->window), text);
}

static gboolean
accounts_shows (gpointer data)
{
  Site *site = data;

  return g_strcmp0 (md_accounts_page_get_account (md_window_get_accounts_page (site->window)),
                    site->expect) == 0;
}

static gboolean
counter_shows (gpointer data)
{
  Site *site = data;

  return g_strcmp0 (md_sale_page_get_account (site->sale), site->expect) == 0;
}

static gboolean
card_gone (gpointer data)
{
  Site *site = data;

  return md_sale_page_get_card_account (site->sale) == NULL;
}

static gboolean
issue_enabled (gpointer data)
{
  Site *site = data;
  GtkWidget *button = find_widget (GTK_WIDGET (md_window_get_accounts_page (site->window)),
                                   GTK_TYPE_BUTTON, "Issue…");

  return button != NULL && gtk_widget_is_sensitive (button);
}

typedef struct
{
  const char *account_no;
  gint64      count;
  char       *uid;
} Books;

static gpointer
books_job (MdStore       *store,
           MdSession     *session,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  Books *books = data;
  g_auto(MdCardRecord) record = { 0 };

  if (!md_card_of_account (store, books->account_no, &record, error))
    return NULL;
  books->count = record.purchase_count;
  books->uid = g_strdup (record.uid);
  return books;
}

static gint64
books_count (Site       *site,
             const char *account_no)
{
  g_autoptr(GError) error = NULL;
  Books books = { account_no, -1, NULL };

  g_assert_nonnull (md_worker_run_sync (md_application_get_worker (site->app), books_job, &books,
                                        &error));
  g_assert_no_error (error);
  g_free (books.uid);
  return books.count;
}

static void
insert_card (Site *site)
{
  g_autofree char *state = g_build_filename (site->dir, "card.state", NULL);

  g_assert_null (site->emulator);
  site->emulator = md_test_emulator_start (state, "cpu", NULL, 0, 0, 0, NULL);
}

static void
remove_card (Site *site)
{
  md_test_emulator_stop (site->emulator);
  g_clear_pointer (&site->emulator, md_test_emulator_free);
}

static void
sell (Site       *site,
      const char *yuan)
{
  GtkWidget *amount = need_widget (GTK_WIDGET (site->sale), ADW_TYPE_ENTRY_ROW,
                                   "Amount in yuan (F5: energy)");

  gtk_editable_set_text (GTK_EDITABLE (amount), yuan);
  gtk_widget_activate_action (GTK_WIDGET (site->sale), "sale.sell", NULL);
}

static void
script (Site *site)
{
  MdAccountsPage *page = md_window_get_accounts_page (site->window);
  AdwViewStack *views = ADW_VIEW_STACK (gtk_widget_get_ancestor (GTK_WIDGET (page),
                                                                 ADW_TYPE_VIEW_STACK));
  const char *open_float[] = { "Float in yuan", "100.00", NULL };

  /* Real readers: no demo buttons. */
  g_assert_false (gtk_widget_is_visible (need_widget (GTK_WIDGET (site->sale), GTK_TYPE_BUTTON,
                                                      "Insert the customer’s card")));

  /* A blank card in the reader; staff issue it to household 200103. */
  insert_card (site);
  sign_in (site, "staff", "staff123");
  adw_view_stack_set_visible_child_name (views, "accounts");
  md_accounts_page_show_account (page, "200103");
  g_free (site->expect);
  site->expect = g_strdup ("200103");
  wait_for (accounts_shows, site, "account 200103");
  wait_for (issue_enabled, site, "the Issue button");
  g_signal_emit_by_name (find_widget (GTK_WIDGET (page), GTK_TYPE_BUTTON, "Issue…"), "clicked");
  answer_dialog (NULL, "issue");
  accounts_wait (site, "issued to account 200103");
  g_assert_cmpint (books_count (site, "200103"), ==, 0);
  remove_card (site);

  /* The cashier: the card going in opens its account by itself. */
  sign_in (site, "cashier", "cashier1");
  adw_view_stack_set_visible_child_name (views, "sale");
  gtk_widget_activate_action (GTK_WIDGET (site->sale), "sale.shift", NULL);
  answer_dialog (open_float, "open");
  wait_status (site, "Shift");
  insert_card (site);
  g_free (site->expect);
  site->expect = g_strdup ("200103");
  wait_for (counter_shows, site, "the card's account at the counter");
  wait_status (site, "Card read: enter the amount");
  g_assert_cmpstr (md_sale_page_get_card_account (site->sale), ==, "200103");

  sell (site, "40");
  wait_status (site, "Sold: receipt");
  g_assert_cmpint (books_count (site, "200103"), ==, 1);

  /* Taken out: the panel empties and nothing more is sold. */
  remove_card (site);
  wait_for (card_gone, site, "the card panel emptied");
  sell (site, "10");
  wait_status (site, "Insert this customer’s card");
  g_assert_cmpint (books_count (site, "200103"), ==, 1);
}

static void
with_site (MdApplication *app,
           MdWindow      *window,
           gpointer       data)
{
  Site *site = data;

  site->app = app;
  site->window = window;
  site->sale = md_window_get_sale_page (window);
  script (site);
}

static void
test_reader (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *dir = g_dir_make_tmp ("md-ui-card-XXXXXX", &error);
  g_autofree char *db = NULL;
  g_autofree char *key = NULL;
  g_autofree char *reader = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  Site site = { NULL };

  g_assert_no_error (error);
  site.dir = dir;
  /* A site with the demo's books, its own card key, on the vpcd reader. */
  db = g_build_filename (dir, "site.db", NULL);
  g_assert_true (g_file_get_contents (g_getenv ("MD_DEMO_TEMPLATE"), &contents, &length, &error));
  g_assert_true (g_file_set_contents_full (db, contents, length, G_FILE_SET_CONTENTS_NONE, 0600,
                                           &error));
  key = g_build_filename (dir, "keys", "card-master.key", NULL);
  g_assert_true (md_card_key_create (key, NULL, NULL, &error));
  g_setenv ("MD_CARD_KEY", key, TRUE);
  reader = md_test_reader ();
  g_settings_set_string (settings, "card-reader", reader);

  run_app (db, with_site, &site);
  if (site.emulator != NULL)
    remove_card (&site);
  g_free (site.expect);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/meterdesk/ui/card-pcsc/reader", test_reader);

  return g_test_run ();
}
