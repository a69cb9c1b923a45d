/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "md-card-desk.h"
#include "md-ledger.h"
#include "md-meter-types.h"
#include "md-pricing.h"
#include "md-register.h"
#include "md-sale-dialogs.h"
#include "md-sale-page.h"
#include "md-receipt-print.h"
#include "md-shift.h"
#include "md-ui-util.h"
#include "md-vend.h"

/* The sales counter (UX.md): find the customer on the left, the sale on the
 * right; digits and Enter are the whole sale. Every database call runs on
 * the worker; the page only shows. */

struct _MdSalePage
{
  GtkWidget             parent_instance;

  /* template widgets */
  GtkSearchEntry       *search;
  GtkStack             *account_stack;
  GtkListBox           *results;
  AdwPreferencesGroup  *account_group;
  AdwActionRow         *category_row;
  AdwActionRow         *room_row;
  AdwActionRow         *meter_row;
  AdwActionRow         *credit_row;
  GtkLabel             *warning;
  GtkLabel             *alarms;
  AdwPreferencesGroup  *recent_group;
  AdwEntryRow          *amount_row;
  AdwComboRow          *payment_row;
  AdwEntryRow          *tendered_row;
  AdwActionRow         *change_row;
  GtkListBox           *quote_list;
  GtkLabel             *total;
  GtkLabel             *status_line;
  GtkButton            *pending_button;
  AdwPreferencesGroup  *card_group;
  AdwActionRow         *card_row;
  AdwActionRow         *card_count_row;
  AdwActionRow         *card_credit_row;
  AdwActionRow         *card_meter_row;
  GtkLabel             *card_problems;
  GtkWidget            *demo_box;

  /* owned */
  MdCardDesk           *card_desk;
  char                 *card_account; /* the account of the card read, or NULL */
  char                 *alarm_text;   /* the account's open alarms shown */
  char                 *card_refusal; /* why no sale may go on that card, or NULL */
  gboolean              card_reading;
  gboolean              card_quiet;   /* a read after a sale: keep its message */
  MdWorker             *worker;
  GCancellable         *cancellable;
  GPtrArray            *recent_rows;
  char                 *account_no;
  char                 *medium_kind;
  char                 *key;
  char                 *status;
  gboolean              energy_mode;
  gboolean              busy;
  gboolean              quote_valid;
  gboolean              quote_status; /* the status line is the quote's own error */
  MdMoney               quote_amount;
  guint                 quote_source;
  guint                 search_source;
  guint                 quote_generation;
  gint64                last_sale;
  gint64                pending_count;
  char                 *shift_text;
  GSettings            *settings;     /* NULL without the installed schema */
  char                 *export_path;  /* receipts to a PDF instead of a printer */
  char                 *printed;      /* the last receipt printed */
};

G_DEFINE_FINAL_TYPE (MdSalePage, md_sale_page, GTK_TYPE_WIDGET)

static void clear_card (MdSalePage *self);

enum {
  PROP_0,
  PROP_BUSY,
  PROP_STATUS,
  PROP_SHIFT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const MdPayMethod pay_order[] = {
  MD_PAY_CASH, MD_PAY_BANK_CARD, MD_PAY_WECHAT, MD_PAY_ALIPAY, MD_PAY_TRANSFER, MD_PAY_OTHER,
};

static MdPayMethod
selected_pay (MdSalePage *self)
{
  guint i = adw_combo_row_get_selected (self->payment_row);

  return i < G_N_ELEMENTS (pay_order) ? pay_order[i] : MD_PAY_CASH;
}

static void
set_status (MdSalePage *self,
            const char *style,
            const char *text)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_line), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_line), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_line), "warning");
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_line), style);
  gtk_label_set_text (self->status_line, text != NULL ? text : "");
  self->quote_status = FALSE;
  g_free (self->status);
  self->status = g_strdup (text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

static void
set_busy (MdSalePage *self,
          gboolean    busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sale.sell", !busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static GtkWidget *
text_row (const char *title,
          const char *subtitle,
          const char *suffix)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (suffix != NULL)
    {
      GtkWidget *label = gtk_label_new (suffix);

      gtk_widget_add_css_class (label, "numeric");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  return row;
}

/* The sale's key is made when the sale screen opens for a customer, and
 * every retry of that sale reuses it (RELIABILITY rule 1). */
static void
new_key (MdSalePage *self)
{
  g_free (self->key);
  self->key = md_vend_new_key ();
}

static gboolean
parse_entry (MdSalePage  *self,
             MdMoney     *out_amount,
             MdEnergy    *out_energy,
             GError     **error)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->amount_row));

  *out_amount = 0;
  *out_energy = 0;
  if (self->energy_mode)
    return md_energy_parse (text, MD_PARSE_POSITIVE, out_energy, error);
  return md_money_parse (text, MD_PARSE_POSITIVE, out_amount, error);
}

static void
update_change (MdSalePage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->tendered_row));
  gboolean cash = selected_pay (self) == MD_PAY_CASH;
  MdMoney tendered;

  gtk_widget_set_visible (GTK_WIDGET (self->tendered_row), cash);
  gtk_widget_set_visible (GTK_WIDGET (self->change_row), cash);
  if (!cash || !self->quote_valid || *text == '\0' ||
      !md_money_parse (text, 0, &tendered, NULL))
    {
      adw_action_row_set_subtitle (self->change_row, "");
      return;
    }

  {
    g_autofree char *change = md_money_format (tendered - self->quote_amount,
                                               MD_MONEY_STYLE_CURRENCY);

    adw_action_row_set_subtitle (self->change_row,
                                 tendered >= self->quote_amount ? change : _("Not enough"));
  }
}

/* ---- quote ---- */

typedef struct
{
  char     *account_no;
  MdMoney   amount;
  MdEnergy  energy;
  guint     generation;
} QuoteJob;

typedef struct
{
  GPtrArray *lines;
  MdMoney    amount;
  MdEnergy   energy;
  gboolean   money;
  guint      generation;
} QuoteView;

static void
quote_job_free (gpointer data)
{
  QuoteJob *job = data;

  g_free (job->account_no);
  g_free (job);
}

static void
quote_view_free (gpointer data)
{
  QuoteView *view = data;

  g_ptr_array_unref (view->lines);
  g_free (view);
}

static gpointer
quote_job (MdStore       *store,
           MdSession     *session,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  QuoteJob *job = data;
  g_auto(MdQuote) quote = { 0 };
  QuoteView *view;

  if (session == NULL)
    return NULL;
  if (!md_pricing_quote (session, job->account_no, job->amount, job->energy, &quote, NULL, error))
    return NULL;

  view = g_new0 (QuoteView, 1);
  view->lines = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < quote.n_lines; i++)
    g_ptr_array_add (view->lines, md_quote_line_to_string (&quote, i));
  view->amount = quote.amount;
  view->energy = quote.kind == MD_QUOTE_MONEY ? quote.estimated_energy : quote.energy;
  view->money = quote.kind == MD_QUOTE_MONEY;
  view->generation = job->generation;
  return view;
}

static void
quote_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(MdSalePage) self = user_data;
  g_autoptr(GError) error = NULL;
  QuoteView *view = md_worker_run_finish (MD_WORKER (source), result, &error);

  if (view == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          self->quote_valid = FALSE;
          gtk_label_set_text (self->total, "");
          set_status (self, "error", error->message);
        }
      return;
    }

  if (view->generation == self->quote_generation)
    {
      g_autofree char *amount = md_money_format (view->amount, MD_MONEY_STYLE_CURRENCY);
      g_autofree char *energy = md_energy_format (view->energy);
      g_autofree char *total = g_strdup_printf (view->money ? _("%s (about %s kWh)")
                                                            : _("%s for %s kWh"),
                                                amount, energy);

      clear_list (self->quote_list);
      for (guint i = 0; i < view->lines->len; i++)
        gtk_list_box_append (self->quote_list, text_row (view->lines->pdata[i], NULL, NULL));
      gtk_widget_set_visible (GTK_WIDGET (self->quote_list), view->lines->len > 0);
      gtk_label_set_text (self->total, total);
      self->quote_amount = view->amount;
      self->quote_valid = TRUE;
      /* A card nothing may be sold on stays said; the quote's own error
       * goes; any other message (a sale's outcome) stays. */
      if (self->card_refusal != NULL && g_strcmp0 (self->card_account, self->account_no) == 0)
        set_status (self, "error", self->card_refusal);
      else if (self->quote_status)
        set_status (self, NULL, NULL);
      update_change (self);
    }
  quote_view_free (view);
}

static gboolean
quote_timeout_cb (gpointer user_data)
{
  MdSalePage *self = user_data;
  g_autoptr(GError) error = NULL;
  QuoteJob *job;
  MdMoney amount;
  MdEnergy energy;

  self->quote_source = 0;
  if (self->account_no == NULL)
    return G_SOURCE_REMOVE;
  if (!parse_entry (self, &amount, &energy, &error))
    {
      if (*gtk_editable_get_text (GTK_EDITABLE (self->amount_row)) != '\0')
        {
          set_status (self, "error", error->message);
          self->quote_status = TRUE;
        }
      return G_SOURCE_REMOVE;
    }

  job = g_new0 (QuoteJob, 1);
  job->account_no = g_strdup (self->account_no);
  job->amount = amount;
  job->energy = energy;
  job->generation = self->quote_generation;
  md_worker_run (self->worker, quote_job, job, quote_job_free, quote_view_free,
                 self->cancellable, quote_done_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
amount_changed_cb (MdSalePage *self)
{
  self->quote_valid = FALSE;
  self->quote_generation++;
  clear_list (self->quote_list);
  gtk_widget_set_visible (GTK_WIDGET (self->quote_list), FALSE);
  gtk_label_set_text (self->total, "");
  update_change (self);
  g_clear_handle_id (&self->quote_source, g_source_remove);
  self->quote_source = g_timeout_add (120, quote_timeout_cb, self);
}

static void
tendered_changed_cb (MdSalePage *self)
{
  update_change (self);
}

static void
payment_changed_cb (MdSalePage *self)
{
  update_change (self);
}

/* ---- account ---- */

typedef struct
{
  JsonNode  *account;
  JsonNode  *recent;
  MdMoney    credit;
  GPtrArray *alerts;   /* the open alerts of the account, its meters, its cards */
} AccountView;

static void
account_view_free (gpointer data)
{
  AccountView *view = data;

  g_clear_pointer (&view->account, json_node_unref);
  g_clear_pointer (&view->recent, json_node_unref);
  g_clear_pointer (&view->alerts, g_ptr_array_unref);
  g_free (view);
}

/* The open alerts about this account, its meters and its cards (low
 * balance, arrears, offline, a card that disagreed with the books…). */
static GPtrArray *
account_alerts (MdSession  *session,
                JsonNode   *account,
                GError    **error)
{
  g_autoptr(JsonNode) open = md_alert_list (session, TRUE, error);
  g_autoptr(GHashTable) objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonObject *a = json_node_get_object (account);
  const char *lists[] = { "meters", "cards" };
  const char *prefixes[] = { "meter:", "card:" };
  const char *keys[] = { "address", "uid" };
  GPtrArray *alerts;

  if (open == NULL)
    return NULL;
  g_hash_table_add (objects, g_strconcat ("account:", json_object_get_string_member (a, "account"),
                                          NULL));
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      JsonArray *items = json_object_get_array_member (a, lists[l]);

      for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
        {
          const char *key = json_object_get_string_member_with_default (
            json_array_get_object_element (items, i), keys[l], NULL);

          if (key != NULL)
            g_hash_table_add (objects, g_strconcat (prefixes[l], key, NULL));
        }
    }
  alerts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (open)); i++)
    {
      JsonObject *alert = json_array_get_object_element (json_node_get_array (open), i);

      if (g_hash_table_contains (objects, json_object_get_string_member (alert, "object")))
        g_ptr_array_add (alerts, g_strdup (json_object_get_string_member (alert, "message")));
    }
  return alerts;
}

static gpointer
account_job (MdStore       *store,
             MdSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  const char *no = data;
  AccountView *view;

  if (session == NULL)
    return NULL;
  view = g_new0 (AccountView, 1);
  if (!(view->account = md_account_show (session, no, error)) ||
      !(view->recent = md_sale_list (session, NULL, NULL, no, 5, error)) ||
      !md_ledger_account_credit (store, no, &view->credit, error) ||
      !(view->alerts = account_alerts (session, view->account, error)))
    {
      account_view_free (view);
      return NULL;
    }
  return view;
}

/* Where a sale's credit goes: the account itself under system billing
 * (后台计费), else the meter over its bus, else the customer's card. */
static const char *
account_medium_kind (JsonObject *account)
{
  JsonArray *meters = json_object_get_array_member (account, "meters");

  if (g_strcmp0 (json_object_get_string_member (account, "billing"), "system") == 0)
    return "account";
  for (guint i = 0; meters != NULL && i < json_array_get_length (meters); i++)
    {
      JsonObject *m = json_array_get_object_element (meters, i);

      if (g_strcmp0 (json_object_get_string_member (m, "state"), "installed") == 0 &&
          json_object_get_string_member_with_default (m, "bus", NULL) != NULL)
        return "remote";
    }
  return "card";
}

static gboolean
focus_within (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

static void
show_account (MdSalePage  *self,
              AccountView *view)
{
  JsonObject *a = json_node_get_object (view->account);
  JsonArray *meters = json_object_get_array_member (a, "meters");
  JsonArray *recent = json_node_get_array (view->recent);
  g_autoptr(GString) meter_text = g_string_new (NULL);
  g_autofree char *title = g_strdup_printf ("%s  %s", json_object_get_string_member (a, "account"),
                                            json_object_get_string_member (a, "name"));
  g_autofree char *category = g_strdup_printf ("%s (%s)",
                                               json_object_get_string_member (a, "category_name"),
                                               json_object_get_string_member (a, "category"));
  const char *state = json_object_get_string_member (a, "state");

  g_free (self->medium_kind);
  self->medium_kind = g_strdup (account_medium_kind (a));

  adw_preferences_group_set_title (self->account_group, title);
  adw_preferences_group_set_description (self->account_group,
                                         json_object_get_string_member_with_default (a, "phone",
                                                                                     ""));
  adw_action_row_set_subtitle (self->category_row, category);
  adw_action_row_set_subtitle (self->room_row,
                               json_object_get_string_member_with_default (a, "room", "") ?: "");
  for (guint i = 0; meters != NULL && i < json_array_get_length (meters); i++)
    {
      JsonObject *m = json_array_get_object_element (meters, i);

      if (meter_text->len > 0)
        g_string_append (meter_text, ", ");
      g_string_append (meter_text, json_object_get_string_member (m, "address"));
    }
  adw_action_row_set_subtitle (self->meter_row, meter_text->str);

  if (g_strcmp0 (self->medium_kind, "account") == 0)
    {
      g_autofree char *credit = md_money_format (view->credit, MD_MONEY_STYLE_CURRENCY);

      adw_action_row_set_subtitle (self->credit_row, credit);
    }
  else
    adw_action_row_set_subtitle (self->credit_row, _("In the meter (read the card or the meter)"));

  if (g_strcmp0 (state, "open") != 0)
    {
      gtk_label_set_text (self->warning, g_strcmp0 (state, "closed") == 0
                                           ? _("This account is closed and cannot be sold to")
                                           : _("This account is not open yet"));
      gtk_widget_set_visible (GTK_WIDGET (self->warning), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->warning), FALSE);

  /* Its open alarms (the newest last), for the cashier to mention. */
  {
    g_autoptr(GString) text = g_string_new (NULL);
    guint first = view->alerts->len > 3 ? view->alerts->len - 3 : 0;

    for (guint i = first; i < view->alerts->len; i++)
      g_string_append_printf (text, "%s%s", text->len > 0 ? "\n" : "",
                              (const char *) view->alerts->pdata[i]);
    gtk_label_set_text (self->alarms, text->str);
    gtk_widget_set_visible (GTK_WIDGET (self->alarms), text->len > 0);
    g_free (self->alarm_text);
    self->alarm_text = text->len > 0 ? g_strdup (text->str) : NULL;
  }

  for (guint i = 0; i < self->recent_rows->len; i++)
    adw_preferences_group_remove (self->recent_group, self->recent_rows->pdata[i]);
  g_ptr_array_set_size (self->recent_rows, 0);
  for (guint i = 0; i < json_array_get_length (recent); i++)
    {
      JsonObject *s = json_array_get_object_element (recent, i);
      JsonNode *energy = json_object_get_member (s, "energy");
      g_autofree char *line = energy != NULL && !JSON_NODE_HOLDS_NULL (energy) &&
                              g_strcmp0 (json_node_get_string (energy), "0.000") != 0
        ? g_strdup_printf ("¥%s · %s kWh · %s", json_object_get_string_member (s, "amount"),
                           json_node_get_string (energy),
                           md_ui_sale_state_label (json_object_get_string_member (s, "state")))
        : g_strdup_printf ("¥%s · %s", json_object_get_string_member (s, "amount"),
                           md_ui_sale_state_label (json_object_get_string_member (s, "state")));
      g_autofree char *receipt = md_sale_row_receipt (s);
      g_autofree char *when = md_ui_format_time (json_object_get_string_member (s, "created"));
      GtkWidget *row = text_row (line, when, receipt);

      adw_preferences_group_add (self->recent_group, row);
      g_ptr_array_add (self->recent_rows, row);
    }

  gtk_stack_set_visible_child_name (self->account_stack, "account");
}

static void
account_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(MdSalePage) self = user_data;
  g_autoptr(GError) error = NULL;
  AccountView *view = md_worker_run_finish (MD_WORKER (source), result, &error);

  if (view == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          set_status (self, "error", error->message);
          g_clear_pointer (&self->account_no, g_free);
          g_clear_pointer (&self->medium_kind, g_free);
        }
      return;
    }
  /* A customer looked up before this one: the later answer follows. */
  if (g_strcmp0 (json_object_get_string_member (json_node_get_object (view->account), "account"),
                 self->account_no) != 0)
    {
      account_view_free (view);
      return;
    }
  show_account (self, view);
  account_view_free (view);
  /* Into the amount, unless the cashier is already typing there: grabbing
   * the focus again would select what was typed and the next key replace it. */
  if (!focus_within (GTK_WIDGET (self->amount_row)))
    gtk_widget_grab_focus (GTK_WIDGET (self->amount_row));
  amount_changed_cb (self);
}

/**
 * md_sale_page_load_account:
 *
 * Opens the sale screen for a customer: a new sale with a new key.
 */
void
md_sale_page_load_account (MdSalePage *self,
                           const char *account_no)
{
  char *no;

  g_return_if_fail (MD_IS_SALE_PAGE (self));

  no = g_strdup (account_no);  /* may be self->account_no itself */
  if (g_strcmp0 (self->account_no, no) != 0)
    {
      new_key (self);
      g_clear_pointer (&self->medium_kind, g_free);
      if (g_strcmp0 (self->card_account, no) != 0)
        clear_card (self);
    }
  g_free (self->account_no);
  self->account_no = no;
  md_worker_run (self->worker, account_job, g_strdup (no), g_free, account_view_free,
                 self->cancellable, account_done_cb, g_object_ref (self));
}

/* ---- search ---- */

static gpointer
search_job (MdStore       *store,
            MdSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  if (session == NULL)
    return NULL;
  return md_account_list (session, data, error);
}

static void
search_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(MdSalePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = md_worker_run_finish (MD_WORKER (source), result, &error);
  JsonArray *array;

  if (list == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, "error", error->message);
      return;
    }

  array = json_node_get_array (list);
  if (json_array_get_length (array) == 1)
    {
      md_sale_page_load_account (self, json_object_get_string_member (
                                   json_array_get_object_element (array, 0), "account"));
      return;
    }
  /* An account number typed in full is that account, whatever else it is
   * part of (a longer meter address, a phone number). */
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *no = json_object_get_string_member (json_array_get_object_element (array, i),
                                                      "account");

      if (g_strcmp0 (no, gtk_editable_get_text (GTK_EDITABLE (self->search))) == 0)
        {
          md_sale_page_load_account (self, no);
          return;
        }
    }

  clear_list (self->results);
  for (guint i = 0; i < MIN (json_array_get_length (array), 50); i++)
    {
      JsonObject *a = json_array_get_object_element (array, i);
      g_autofree char *title = g_strdup_printf ("%s  %s", json_object_get_string_member (a, "account"),
                                                json_object_get_string_member (a, "name"));
      GtkWidget *row = text_row (title,
                                 json_object_get_string_member_with_default (a, "room", "") ?: "",
                                 json_object_get_string_member (a, "state"));

      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "account",
                              g_strdup (json_object_get_string_member (a, "account")), g_free);
      gtk_list_box_append (self->results, row);
    }
  if (json_array_get_length (array) == 0)
    set_status (self, "warning", _("No account matches"));
  gtk_stack_set_visible_child_name (self->account_stack, "results");
}

static void
run_search (MdSalePage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search));

  g_clear_handle_id (&self->search_source, g_source_remove);
  if (*text == '\0' || self->worker == NULL)
    return;
  md_worker_run (self->worker, search_job, g_strdup (text), g_free,
                 (GDestroyNotify) json_node_unref, self->cancellable, search_done_cb,
                 g_object_ref (self));
}

static gboolean
search_timeout_cb (gpointer user_data)
{
  MdSalePage *self = user_data;

  self->search_source = 0;
  run_search (self);
  return G_SOURCE_REMOVE;
}

static void
search_changed_cb (MdSalePage *self)
{
  g_clear_handle_id (&self->search_source, g_source_remove);
  self->search_source = g_timeout_add (250, search_timeout_cb, self);
}

static void
search_activated_cb (MdSalePage *self)
{
  run_search (self);
}

static void
result_activated_cb (MdSalePage    *self,
                     GtkListBoxRow *row)
{
  md_sale_page_load_account (self, g_object_get_data (G_OBJECT (row), "account"));
}

/* ---- sell ---- */

typedef struct
{
  char        *key;
  char        *account_no;
  char        *medium_kind;
  MdWorker    *worker;
  MdMoney      amount;
  MdEnergy     energy;
  MdPayMethod  pay;
} SellJob;

typedef struct
{
  MdSaleResult  result;
  GError       *error;
} SellOutcome;

static void
sell_job_free (gpointer data)
{
  SellJob *job = data;

  g_free (job->key);
  g_free (job->account_no);
  g_free (job->medium_kind);
  g_object_unref (job->worker);
  g_free (job);
}

static void
sell_outcome_free (gpointer data)
{
  SellOutcome *outcome = data;

  md_sale_result_clear (&outcome->result);
  g_clear_error (&outcome->error);
  g_free (outcome);
}

static gpointer
sell_job (MdStore       *store,
          MdSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  SellJob *job = data;
  SellOutcome *outcome = g_new0 (SellOutcome, 1);
  g_autoptr(MdMedium) medium = NULL;
  MdSaleRequest request = { job->key, job->account_no, job->amount, job->energy, job->pay };

  if (g_str_equal (job->medium_kind, "card") && md_worker_get_card_desk (job->worker) != NULL)
    {
      MdCardService *service = md_card_desk_get_service (md_worker_get_card_desk (job->worker),
                                                         session, &outcome->error);

      if (service != NULL)
        md_card_service_sell (service, session, &request, &outcome->result, cancellable,
                              &outcome->error);
      return outcome;
    }
  if (!(medium = md_worker_lookup_medium (job->worker, job->medium_kind)))
    {
      g_set_error_literal (&outcome->error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           g_str_equal (job->medium_kind, "card")
                           ? _("This account’s credit goes on its card: insert the card (F4) "
                               "and sell again")
                           : _("This account’s meter cannot be reached from this window"));
      return outcome;
    }

  md_vend_sell (session, &request, medium, &outcome->result, cancellable, &outcome->error);
  return outcome;
}

static void
printed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(MdSalePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *number = md_receipt_print_finish (result, &error);

  if (number == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = g_strdup_printf (_("The receipt was not printed: %s. F10 "
                                                     "prints it again."), error->message);

          set_status (self, "warning", text);
        }
      return;
    }
  g_free (self->printed);
  self->printed = g_steal_pointer (&number);
}

/* The receipt of @sale_id through the window's template and printer. */
static void
print_receipt (MdSalePage          *self,
               gint64               sale_id,
               gboolean             reprint,
               MdReceiptPrintMode   mode)
{
  g_autofree char *template_name = self->settings != NULL
    ? g_settings_get_string (self->settings, "receipt-template") : NULL;
  g_autofree char *printer = self->settings != NULL
    ? g_settings_get_string (self->settings, "receipt-printer") : NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->export_path != NULL)
    mode = MD_RECEIPT_PRINT_EXPORT;
  md_receipt_print (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->worker, sale_id,
                    reprint, template_name, printer, mode, self->export_path, self->cancellable,
                    printed_cb, g_object_ref (self));
}

static void
reprint_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  MdSalePage *self = MD_SALE_PAGE (widget);

  if (self->last_sale == 0)
    {
      set_status (self, "warning", _("Nothing to reprint: no sale on this screen yet"));
      return;
    }
  /* The print dialog offers a preview; a reprint is marked and recorded. */
  print_receipt (self, self->last_sale, TRUE, MD_RECEIPT_PRINT_DIALOG);
}

static void
sell_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(MdSalePage) self = user_data;
  g_autoptr(GError) error = NULL;
  SellOutcome *outcome = md_worker_run_finish (MD_WORKER (source), result, &error);

  set_busy (self, FALSE);
  if (outcome == NULL)
    {
      set_status (self, "error", error->message);
      return;
    }

  if (outcome->error == NULL && g_strcmp0 (outcome->result.state, "posted") == 0)
    {
      g_autofree char *amount = md_money_format (outcome->result.amount, MD_MONEY_STYLE_CURRENCY);
      g_autofree char *kwh = md_energy_format (outcome->result.energy);
      g_autofree char *text = outcome->result.energy > 0
        ? g_strdup_printf (_("Sold: receipt %s, %s for %s kWh"), outcome->result.receipt, amount, kwh)
        : g_strdup_printf (_("Sold: receipt %s, %s"), outcome->result.receipt, amount);

      self->last_sale = outcome->result.sale_id;
      /* The next sale is a new sale: a new key, an empty amount. */
      new_key (self);
      gtk_editable_set_text (GTK_EDITABLE (self->amount_row), "");
      gtk_editable_set_text (GTK_EDITABLE (self->tendered_row), "");
      set_status (self, "success", text);
      md_sale_page_load_account (self, self->account_no);
      /* The card now carries the purchase: show it as the meter will see it. */
      if (g_strcmp0 (self->medium_kind, "card") == 0)
        {
          self->card_quiet = TRUE;
          gtk_widget_activate_action (GTK_WIDGET (self), "sale.read-card", NULL);
          self->card_quiet = self->card_reading;
        }
      if (self->settings != NULL &&
          g_settings_get_boolean (self->settings, "print-receipt-automatically"))
        print_receipt (self, self->last_sale, FALSE, MD_RECEIPT_PRINT_DIRECT);
    }
  else if (outcome->result.sale_id != 0)
    {
      /* Pending: the same key settles it later; never sell it again. */
      g_autofree char *text = g_strdup_printf (_("Sale %lld is pending: %s"),
                                               (long long) outcome->result.sale_id,
                                               outcome->error != NULL ? outcome->error->message
                                               : outcome->result.next_action);

      self->last_sale = outcome->result.sale_id;
      set_status (self, "warning", text);
    }
  else if (g_error_matches (outcome->error, MD_METER_ERROR, MD_METER_ERROR_IO))
    {
      /* Nothing was recorded: the bus or the gateway did not take the call. */
      g_autofree char *text = g_strdup_printf (_("This account’s meter cannot be reached (%s); "
                                                 "nothing was sold"), outcome->error->message);

      set_status (self, "error", text);
    }
  else
    {
      set_status (self, "error", outcome->error != NULL ? outcome->error->message : "");
      /* The first sale of the day: open the drawer, then sell again. */
      if (g_error_matches (outcome->error, MD_VEND_ERROR, MD_VEND_ERROR_NO_SHIFT))
        gtk_widget_activate_action (GTK_WIDGET (self), "sale.shift", NULL);
    }

  sell_outcome_free (outcome);
  md_sale_page_refresh (self);
}

static void
sell_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  MdSalePage *self = MD_SALE_PAGE (widget);
  g_autoptr(GError) error = NULL;
  SellJob *job;
  MdMoney amount;
  MdEnergy energy;

  if (self->busy)
    return;
  if (self->account_no == NULL)
    {
      set_status (self, "warning", _("Find the customer first (F3)"));
      gtk_widget_grab_focus (GTK_WIDGET (self->search));
      return;
    }
  if (self->medium_kind == NULL)
    {
      set_status (self, "warning", _("Still looking up the customer: sell again in a moment"));
      return;
    }
  if (!parse_entry (self, &amount, &energy, &error))
    {
      set_status (self, "error", error->message);
      gtk_widget_grab_focus (GTK_WIDGET (self->amount_row));
      return;
    }
  if (g_strcmp0 (self->medium_kind, "card") == 0 && self->card_desk != NULL)
    {
      if (self->card_refusal != NULL && g_strcmp0 (self->card_account, self->account_no) == 0)
        {
          set_status (self, "error", self->card_refusal);
          return;
        }
      if (g_strcmp0 (self->card_account, self->account_no) != 0)
        {
          set_status (self, "warning", _("Insert this customer’s card and read it (F4) before "
                                         "selling"));
          return;
        }
    }
  if (selected_pay (self) == MD_PAY_CASH && self->quote_valid)
    {
      const char *tendered_text = gtk_editable_get_text (GTK_EDITABLE (self->tendered_row));
      MdMoney tendered;

      if (*tendered_text != '\0' && md_money_parse (tendered_text, 0, &tendered, NULL) &&
          tendered < self->quote_amount)
        {
          set_status (self, "error", _("The cash received is less than the amount"));
          return;
        }
    }

  job = g_new0 (SellJob, 1);
  job->key = g_strdup (self->key);
  job->account_no = g_strdup (self->account_no);
  job->medium_kind = g_strdup (self->medium_kind);
  job->worker = g_object_ref (self->worker);
  job->amount = amount;
  job->energy = energy;
  job->pay = selected_pay (self);

  set_busy (self, TRUE);
  set_status (self, NULL, _("Selling…"));
  md_worker_run (self->worker, sell_job, job, sell_job_free, sell_outcome_free, NULL,
                 sell_done_cb, g_object_ref (self));
}

static void
amount_activated_cb (MdSalePage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "sale.sell", NULL);
}

/* ---- the card in the reader (F4) ---- */

static void
clear_card (MdSalePage *self)
{
  g_clear_pointer (&self->card_account, g_free);
  g_clear_pointer (&self->card_refusal, g_free);
  gtk_widget_set_visible (GTK_WIDGET (self->card_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->card_problems), FALSE);
}

static const char *
card_kind_label (MdCardKind kind)
{
  switch (kind)
    {
    case MD_CARD_KIND_BLANK:
      return _("Blank card");
    case MD_CARD_KIND_PURCHASE:
      return _("Customer card");
    case MD_CARD_KIND_REPLACEMENT:
      return _("Replacement card");
    case MD_CARD_KIND_CHECK:
      return _("Check card");
    case MD_CARD_KIND_SETTING:
      return _("Setting card");
    case MD_CARD_KIND_CLEAR:
      return _("Clear card");
    default:
      return _("Unknown card");
    }
}

static char *
card_amount (const MdCardState *card,
             gint64             value)
{
  g_autofree char *text = NULL;

  if (card->money)
    return md_money_format (value, MD_MONEY_STYLE_CURRENCY);
  text = md_energy_format (value);
  return g_strdup_printf (_("%s kWh"), text);
}

static gpointer
card_query_job (MdStore       *store,
                MdSession     *session,
                gpointer       data,
                GCancellable  *cancellable,
                GError       **error)
{
  MdCardDesk *desk = data;
  MdCardService *service = md_card_desk_get_service (desk, session, error);
  MdCardQuery *query;

  if (service == NULL)
    return NULL;
  query = g_new0 (MdCardQuery, 1);
  if (!md_card_service_query (service, session, query, cancellable, error))
    {
      md_card_query_clear (query);
      g_free (query);
      return NULL;
    }
  return query;
}

static void
card_query_free (gpointer data)
{
  md_card_query_clear (data);
  g_free (data);
}

static void
show_card (MdSalePage        *self,
           const MdCardQuery *query)
{
  const MdCardState *card = &query->card;
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autofree char *title = g_strdup_printf ("%s · %s", card_kind_label (card->kind),
                                            card->uid != NULL ? card->uid : "");
  g_autofree char *counts = NULL;

  adw_action_row_set_subtitle (self->card_row, title);
  if (query->registered)
    counts = g_strdup_printf ("%lld / %lld", (long long) card->purchase_count,
                              (long long) query->record.purchase_count);
  else
    counts = g_strdup_printf ("%lld / —", (long long) card->purchase_count);
  adw_action_row_set_subtitle (self->card_count_row, counts);

  if (card->has_purchase && card->credit > 0 &&
      !(card->has_write_back && card->load_count >= card->purchase_count))
    {
      g_autofree char *credit = card_amount (card, card->credit);

      adw_action_row_set_subtitle (self->card_credit_row, credit);
    }
  else
    adw_action_row_set_subtitle (self->card_credit_row, _("Nothing: the meter has loaded it all"));

  if (card->has_write_back)
    {
      g_autofree char *remaining = card_amount (card, card->remaining);
      g_autofree char *used = md_energy_format (card->cumulative);
      g_autofree char *text = g_strdup_printf (_("%s left · %s kWh used · %lld purchases loaded"),
                                               remaining, used, (long long) card->load_count);

      adw_action_row_set_subtitle (self->card_meter_row, text);
    }
  else
    adw_action_row_set_subtitle (self->card_meter_row,
                                 _("None yet: the card has not been in the meter"));

  for (guint i = 0; query->problems != NULL && i < query->problems->len; i++)
    {
      if (problems->len > 0)
        g_string_append_c (problems, '\n');
      g_string_append (problems, query->problems->pdata[i]);
    }
  gtk_label_set_text (self->card_problems, problems->str);
  gtk_widget_set_visible (GTK_WIDGET (self->card_problems), problems->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->card_group), TRUE);
}

static void
card_query_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(MdSalePage) self = user_data;
  g_autoptr(GError) error = NULL;
  MdCardQuery *query = md_worker_run_finish (MD_WORKER (source), result, &error);
  const MdCardState *card;
  const char *account;

  gboolean quiet = self->card_quiet;

  self->card_reading = FALSE;
  self->card_quiet = FALSE;
  if (query == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !quiet)
        {
          clear_card (self);
          set_status (self, "error", error->message);
        }
      return;
    }

  card = &query->card;
  account = query->registered ? query->record.account_no : card->account_no;
  clear_card (self);
  if (card->kind == MD_CARD_KIND_BLANK || account == NULL || *account == '\0')
    {
      set_status (self, "warning", card->kind == MD_CARD_KIND_BLANK
                                     ? _("This card is blank: issue it to an account in Accounts")
                                     : _("This card belongs to no account here"));
      card_query_free (query);
      return;
    }

  self->card_account = g_strdup (account);
  if (query->pending_sale != 0)
    self->card_refusal = g_strdup_printf (_("Sale %lld to this card is pending: settle it "
                                            "first (F7)"), (long long) query->pending_sale);
  else if (query->problems != NULL && query->problems->len > 0)
    self->card_refusal = g_strdup_printf (_("The card does not match the books: %s"),
                                          (const char *) query->problems->pdata[0]);
  else if (!query->sellable)
    self->card_refusal = g_strdup (card->kind == MD_CARD_KIND_CHECK ||
                                   card->kind == MD_CARD_KIND_SETTING ||
                                   card->kind == MD_CARD_KIND_CLEAR
                                   ? _("This is a technician’s card: nothing can be sold on it")
                                   : _("This card may not be sold to (lost, replaced or not "
                                       "registered)"));

  if (g_strcmp0 (self->account_no, account) != 0)
    md_sale_page_load_account (self, account);
  show_card (self, query);
  if (self->card_refusal != NULL)
    set_status (self, "error", self->card_refusal);
  else if (!self->busy && !quiet)
    set_status (self, NULL, _("Card read: enter the amount"));
  card_query_free (query);
}

static void
read_card_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  MdSalePage *self = MD_SALE_PAGE (widget);

  if (self->worker == NULL || self->card_reading)
    return;
  if (self->card_desk == NULL)
    {
      set_status (self, "warning", _("No card reader is set up for this window (Preferences)"));
      return;
    }
  self->card_reading = TRUE;
  if (!self->card_quiet)
    set_status (self, NULL, _("Reading the card…"));
  md_worker_run (self->worker, card_query_job, g_object_ref (self->card_desk), g_object_unref,
                 card_query_free, self->cancellable, card_query_done_cb, g_object_ref (self));
}

static void
card_inserted_cb (MdSalePage *self)
{
  /* The counter reads the card as it goes in, when it is on screen. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) && !self->busy)
    gtk_widget_activate_action (GTK_WIDGET (self), "sale.read-card", NULL);
}

static void
card_removed_cb (MdSalePage *self)
{
  clear_card (self);
}

typedef struct
{
  MdCardDesk *desk;
  char       *action;
  char       *account_no;
} DemoJob;

static void
demo_job_free (gpointer data)
{
  DemoJob *job = data;

  g_object_unref (job->desk);
  g_free (job->action);
  g_free (job->account_no);
  g_free (job);
}

static gpointer
demo_job (MdStore       *store,
          MdSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  DemoJob *job = data;

  if (g_str_equal (job->action, "sale.demo-remove"))
    {
      md_card_desk_demo_remove (job->desk);
      return json_node_init_null (json_node_alloc ());
    }
  if (g_str_equal (job->action, "sale.demo-meter"))
    return md_card_desk_demo_meter (job->desk, job->account_no, error);
  if (!md_card_desk_demo_insert (job->desk, session, job->account_no, error))
    return NULL;
  return json_node_init_null (json_node_alloc ());
}

static void
demo_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(MdSalePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_finish (MD_WORKER (source), result, &error);

  if (node == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, "error", error->message);
      return;
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      const char *what = json_object_get_string_member_with_default (o, "result", "");
      g_autofree char *text = NULL;

      if (g_str_equal (what, "loaded"))
        text = g_strdup_printf (_("The meter loaded the purchase (%lld loaded so far); the "
                                  "customer has the card back"),
                                (long long) json_object_get_int_member (o, "load_count"));
      else if (g_str_equal (what, "nothing-new"))
        text = g_strdup (_("The meter had nothing new to load from the card"));
      else
        text = g_strdup_printf (_("The meter refused the card (%s)"), what);
      set_status (self, g_str_equal (what, "loaded") ? "success" : "warning", text);
    }
}

static void
demo_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  MdSalePage *self = MD_SALE_PAGE (widget);
  DemoJob *job;

  if (self->worker == NULL || self->card_desk == NULL || !md_card_desk_is_demo (self->card_desk))
    return;
  if (!g_str_equal (action_name, "sale.demo-remove") && self->account_no == NULL)
    {
      set_status (self, "warning", _("Find the customer first (F3)"));
      return;
    }
  job = g_new0 (DemoJob, 1);
  job->desk = g_object_ref (self->card_desk);
  job->action = g_strdup (action_name);
  job->account_no = g_strdup (self->account_no);
  md_worker_run (self->worker, demo_job, job, demo_job_free, (GDestroyNotify) json_node_unref,
                 self->cancellable, demo_done_cb, g_object_ref (self));
}

static void
update_demo_box (MdSalePage *self)
{
  gboolean show = self->card_desk != NULL && md_card_desk_is_demo (self->card_desk) &&
                  (self->settings == NULL ||
                   g_settings_get_boolean (self->settings, "show-demo-card-button"));

  gtk_widget_set_visible (self->demo_box, show);
}

/* ---- other actions ---- */

static void
new_activated (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  md_sale_page_new_sale (MD_SALE_PAGE (widget));
}

static void
find_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  MdSalePage *self = MD_SALE_PAGE (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->search));
}

static void
mode_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  MdSalePage *self = MD_SALE_PAGE (widget);

  self->energy_mode = !self->energy_mode;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->amount_row),
                                 self->energy_mode ? _("Energy in kWh (F5: amount)")
                                                   : _("Amount in yuan (F5: energy)"));
  gtk_widget_grab_focus (GTK_WIDGET (self->amount_row));
  amount_changed_cb (self);
}

static void
payment_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  MdSalePage *self = MD_SALE_PAGE (widget);
  guint next = (adw_combo_row_get_selected (self->payment_row) + 1) % G_N_ELEMENTS (pay_order);

  adw_combo_row_set_selected (self->payment_row, next);
}

static void
dialog_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(MdSalePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = md_sale_dialog_finish (result, &error);

  if (message == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, "error", error->message);
      return;
    }
  set_status (self, "success", message);
  if (self->account_no != NULL)
    md_sale_page_load_account (self, self->account_no);
  md_sale_page_refresh (self);
}

static void
reverse_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  MdSalePage *self = MD_SALE_PAGE (widget);

  if (self->last_sale == 0)
    {
      set_status (self, "warning", _("Sell first: a reversal undoes this screen’s last sale"));
      return;
    }
  md_sale_dialog_reverse (widget, self->worker, self->last_sale, NULL, dialog_done_cb,
                          g_object_ref (self));
}

static void
pending_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  MdSalePage *self = MD_SALE_PAGE (widget);

  md_sale_dialog_pending (widget, self->worker, NULL, dialog_done_cb, g_object_ref (self));
}

static void
shift_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  MdSalePage *self = MD_SALE_PAGE (widget);

  md_sale_dialog_shift (widget, self->worker, NULL, dialog_done_cb, g_object_ref (self));
}

typedef struct
{
  gint64       pending;
  MdShiftInfo  shift;
} CounterState;

static void
counter_state_free (gpointer data)
{
  CounterState *state = data;

  md_shift_info_clear (&state->shift);
  g_free (state);
}

static gpointer
counter_job (MdStore       *store,
             MdSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(JsonNode) list = NULL;
  CounterState *state;
  JsonArray *rows;

  if (session == NULL)
    return NULL;
  if (!(list = md_sale_list (session, "pending", NULL, NULL, 0, error)))
    return NULL;
  state = g_new0 (CounterState, 1);
  if (!md_shift_current (session, &state->shift, error))
    {
      counter_state_free (state);
      return NULL;
    }
  rows = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (rows, i),
                                                  "terminal"),
                   md_session_get_terminal (session)) == 0)
      state->pending++;
  return state;
}

static void
counter_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(MdSalePage) self = user_data;
  CounterState *state = md_worker_run_finish (MD_WORKER (source), result, NULL);
  g_autofree char *label = NULL;

  if (state == NULL)
    return;
  label = state->pending > 0 ? g_strdup_printf (_("Pending: %lld (F7)"), (long long) state->pending)
                             : g_strdup (_("Pending (F7)"));
  gtk_button_set_label (self->pending_button, label);
  if (state->pending > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->pending_button), "destructive-action");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->pending_button), "destructive-action");

  g_free (self->shift_text);
  if (state->shift.shift_id == 0)
    self->shift_text = g_strdup (_("No shift open (F12)"));
  else
    {
      g_autoptr(GDateTime) opened = g_date_time_new_from_unix_local (state->shift.opened_at / G_USEC_PER_SEC);
      g_autofree char *time = g_date_time_format (opened, "%H:%M");

      /* TRANSLATORS: the header's shift: "Shift 12 · wangfang · opened 08:02" */
      self->shift_text = g_strdup_printf (_("Shift %lld · %s · opened %s"),
                                          (long long) state->shift.shift_id,
                                          state->shift.operator_name, time);
    }
  self->pending_count = state->pending;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHIFT]);
  counter_state_free (state);
}

/**
 * md_sale_page_refresh:
 *
 * Updates what other windows may have changed: the pending count and the
 * shift.
 */
void
md_sale_page_refresh (MdSalePage *self)
{
  g_return_if_fail (MD_IS_SALE_PAGE (self));

  if (self->worker != NULL)
    md_worker_run (self->worker, counter_job, NULL, NULL, counter_state_free, self->cancellable,
                   counter_done_cb, g_object_ref (self));
}

const char *
md_sale_page_get_shift (MdSalePage *self)
{
  g_return_val_if_fail (MD_IS_SALE_PAGE (self), NULL);

  return self->shift_text;
}

gint64
md_sale_page_get_pending (MdSalePage *self)
{
  g_return_val_if_fail (MD_IS_SALE_PAGE (self), 0);

  return self->pending_count;
}

/* ---- GObject ---- */

static void
md_sale_page_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  MdSalePage *self = MD_SALE_PAGE (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_SHIFT:
      g_value_set_string (value, self->shift_text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
md_sale_page_dispose (GObject *object)
{
  MdSalePage *self = MD_SALE_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->quote_source, g_source_remove);
  g_clear_handle_id (&self->search_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), MD_TYPE_SALE_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->cancellable);
  if (self->card_desk != NULL)
    g_signal_handlers_disconnect_by_data (self->card_desk, self);
  g_clear_object (&self->card_desk);
  g_clear_object (&self->worker);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->recent_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (md_sale_page_parent_class)->dispose (object);
}

static void
md_sale_page_finalize (GObject *object)
{
  MdSalePage *self = MD_SALE_PAGE (object);

  g_free (self->account_no);
  g_free (self->medium_kind);
  g_free (self->card_account);
  g_free (self->card_refusal);
  g_free (self->alarm_text);
  g_free (self->key);
  g_free (self->status);
  g_free (self->shift_text);
  g_free (self->export_path);
  g_free (self->printed);

  G_OBJECT_CLASS (md_sale_page_parent_class)->finalize (object);
}

static void
md_sale_page_class_init (MdSalePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = md_sale_page_get_property;
  object_class->dispose = md_sale_page_dispose;
  object_class->finalize = md_sale_page_finalize;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHIFT] =
    g_param_spec_string ("shift", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/meterdesk/Meterdesk/ui/md-sale-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, search);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, account_stack);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, results);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, account_group);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, category_row);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, room_row);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, meter_row);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, credit_row);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, warning);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, alarms);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, recent_group);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, amount_row);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, payment_row);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, tendered_row);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, change_row);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, quote_list);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, total);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, status_line);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, pending_button);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, card_group);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, card_row);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, card_count_row);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, card_credit_row);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, card_meter_row);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, card_problems);
  gtk_widget_class_bind_template_child (widget_class, MdSalePage, demo_box);
  gtk_widget_class_bind_template_callback (widget_class, search_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, result_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, amount_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, amount_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, tendered_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, payment_changed_cb);

  /* UX.md keyboard map (see add_shortcuts()); the window adds F1 and Ctrl+L. */
  gtk_widget_class_install_action (widget_class, "sale.new", NULL, new_activated);
  gtk_widget_class_install_action (widget_class, "sale.find", NULL, find_activated);
  gtk_widget_class_install_action (widget_class, "sale.mode", NULL, mode_activated);
  gtk_widget_class_install_action (widget_class, "sale.payment", NULL, payment_activated);
  gtk_widget_class_install_action (widget_class, "sale.pending", NULL, pending_activated);
  gtk_widget_class_install_action (widget_class, "sale.reverse", NULL, reverse_activated);
  gtk_widget_class_install_action (widget_class, "sale.sell", NULL, sell_activated);
  gtk_widget_class_install_action (widget_class, "sale.shift", NULL, shift_activated);
  gtk_widget_class_install_action (widget_class, "sale.reprint", NULL, reprint_activated);
  gtk_widget_class_install_action (widget_class, "sale.read-card", NULL, read_card_activated);
  gtk_widget_class_install_action (widget_class, "sale.demo-insert", NULL, demo_activated);
  gtk_widget_class_install_action (widget_class, "sale.demo-remove", NULL, demo_activated);
  gtk_widget_class_install_action (widget_class, "sale.demo-meter", NULL, demo_activated);
}

static gboolean
shortcut_cb (GtkWidget *widget,
             GVariant  *args,
             gpointer   user_data)
{
  /* Only the counter on screen answers: not one behind another page. */
  if (!gtk_widget_get_mapped (widget))
    return FALSE;
  return gtk_widget_activate_action (widget, user_data, NULL);
}

/* The F-keys work wherever the focus is in the window (a cashier's hand does
 * not know which field has it), as long as the counter is showing. */
static void
add_shortcuts (MdSalePage *self)
{
  static const struct { guint key; const char *action; } keys[] = {
    { GDK_KEY_F2, "sale.new" },
    { GDK_KEY_F3, "sale.find" },
    { GDK_KEY_F4, "sale.read-card" },
    { GDK_KEY_F5, "sale.mode" },
    { GDK_KEY_F6, "sale.payment" },
    { GDK_KEY_F7, "sale.pending" },
    { GDK_KEY_F8, "sale.reverse" },
    { GDK_KEY_F9, "sale.sell" },
    { GDK_KEY_F10, "sale.reprint" },
    { GDK_KEY_F12, "sale.shift" },
    { GDK_KEY_Escape, "sale.new" },
  };
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller),
                                     GTK_SHORTCUT_SCOPE_GLOBAL);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    gtk_shortcut_controller_add_shortcut (
      GTK_SHORTCUT_CONTROLLER (controller),
      gtk_shortcut_new (gtk_keyval_trigger_new (keys[i].key, 0),
                        gtk_callback_action_new (shortcut_cb, (gpointer) keys[i].action, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

static void
md_sale_page_init (MdSalePage *self)
{
  g_autoptr(GtkStringList) methods = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->recent_rows = g_ptr_array_new ();
  gtk_string_list_append (methods, _("Cash"));
  gtk_string_list_append (methods, _("Bank card"));
  gtk_string_list_append (methods, _("WeChat Pay"));
  gtk_string_list_append (methods, _("Alipay"));
  gtk_string_list_append (methods, _("Bank transfer"));
  gtk_string_list_append (methods, _("Other"));
  adw_combo_row_set_model (self->payment_row, G_LIST_MODEL (methods));
  gtk_widget_set_visible (GTK_WIDGET (self->quote_list), FALSE);
  add_shortcuts (self);
  new_key (self);
}

/**
 * md_sale_page_focus:
 *
 * Puts the cursor where the cashier goes on: the amount when a customer is
 * on screen, else the search.
 */
void
md_sale_page_focus (MdSalePage *self)
{
  g_return_if_fail (MD_IS_SALE_PAGE (self));

  gtk_widget_grab_focus (self->medium_kind != NULL ? GTK_WIDGET (self->amount_row)
                                                   : GTK_WIDGET (self->search));
}

void
md_sale_page_set_worker (MdSalePage *self,
                         MdWorker   *worker)
{
  g_return_if_fail (MD_IS_SALE_PAGE (self));

  g_set_object (&self->worker, worker);
  if (self->card_desk != NULL)
    g_signal_handlers_disconnect_by_data (self->card_desk, self);
  g_clear_object (&self->card_desk);
  if (worker != NULL && md_worker_get_card_desk (worker) != NULL)
    self->card_desk = g_object_ref (md_worker_get_card_desk (worker));
  if (self->card_desk != NULL)
    {
      g_signal_connect_swapped (self->card_desk, "card-inserted", G_CALLBACK (card_inserted_cb),
                                self);
      g_signal_connect_swapped (self->card_desk, "card-removed", G_CALLBACK (card_removed_cb),
                                self);
    }
  update_demo_box (self);
  md_sale_page_refresh (self);
}

/**
 * md_sale_page_new_sale:
 *
 * F2 / Esc: clears the screen for the next customer.
 */
void
md_sale_page_new_sale (MdSalePage *self)
{
  g_return_if_fail (MD_IS_SALE_PAGE (self));

  g_clear_pointer (&self->account_no, g_free);
  clear_card (self);
  new_key (self);
  gtk_editable_set_text (GTK_EDITABLE (self->search), "");
  gtk_editable_set_text (GTK_EDITABLE (self->amount_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->tendered_row), "");
  gtk_stack_set_visible_child_name (self->account_stack, "none");
  set_status (self, NULL, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->search));
}

/**
 * md_sale_page_get_account:
 *
 * Returns: (nullable): the customer on screen, once looked up
 */
const char *
md_sale_page_get_account (MdSalePage *self)
{
  g_return_val_if_fail (MD_IS_SALE_PAGE (self), NULL);
  return self->medium_kind != NULL ? self->account_no : NULL;
}

const char *
md_sale_page_get_key (MdSalePage *self)
{
  g_return_val_if_fail (MD_IS_SALE_PAGE (self), NULL);
  return self->key;
}

gint64
md_sale_page_get_last_sale (MdSalePage *self)
{
  g_return_val_if_fail (MD_IS_SALE_PAGE (self), 0);
  return self->last_sale;
}

const char *
md_sale_page_get_status (MdSalePage *self)
{
  g_return_val_if_fail (MD_IS_SALE_PAGE (self), NULL);
  return self->status;
}

gboolean
md_sale_page_get_busy (MdSalePage *self)
{
  g_return_val_if_fail (MD_IS_SALE_PAGE (self), FALSE);
  return self->busy;
}

/**
 * md_sale_page_set_settings:
 * @settings: (nullable): where receipt printing is set
 */
void
md_sale_page_set_settings (MdSalePage *self,
                           GSettings  *settings)
{
  g_return_if_fail (MD_IS_SALE_PAGE (self));

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  if (settings != NULL)
    g_signal_connect_swapped (settings, "changed::show-demo-card-button",
                              G_CALLBACK (update_demo_box), self);
  update_demo_box (self);
}

/**
 * md_sale_page_set_receipt_file:
 * @path: (nullable): write receipts to this PDF instead of printing them
 *
 * For tests and for windows without a printer.
 */
void
md_sale_page_set_receipt_file (MdSalePage *self,
                               const char *path)
{
  g_return_if_fail (MD_IS_SALE_PAGE (self));

  g_free (self->export_path);
  self->export_path = g_strdup (path);
}

/**
 * md_sale_page_get_printed:
 *
 * Returns: (nullable): the number of the last receipt printed
 */
const char *
md_sale_page_get_printed (MdSalePage *self)
{
  g_return_val_if_fail (MD_IS_SALE_PAGE (self), NULL);

  return self->printed;
}

/**
 * md_sale_page_get_card_account:
 *
 * Returns: (nullable): the account of the card last read in the reader
 */
const char *
md_sale_page_get_card_account (MdSalePage *self)
{
  g_return_val_if_fail (MD_IS_SALE_PAGE (self), NULL);

  return self->card_account;
}

/**
 * md_sale_page_get_card_refusal:
 *
 * Returns: (nullable): why nothing may be sold on the card read, or %NULL
 */
const char *
md_sale_page_get_card_refusal (MdSalePage *self)
{
  g_return_val_if_fail (MD_IS_SALE_PAGE (self), NULL);

  return self->card_refusal;
}

/**
 * md_sale_page_get_alarms:
 *
 * Returns: (nullable): the open alarms of the customer on screen, one a
 *   line, or %NULL
 */
const char *
md_sale_page_get_alarms (MdSalePage *self)
{
  g_return_val_if_fail (MD_IS_SALE_PAGE (self), NULL);

  return self->alarm_text;
}
