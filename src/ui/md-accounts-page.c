/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "md-accounts-page.h"
#include "md-card.h"
#include "md-card-desk.h"
#include "md-form.h"
#include "md-ledger.h"
#include "md-register.h"
#include "md-ui-util.h"
#include "md-vend.h"

/* Accounts (营业): find an account, see its customer, meters, cards and
 * history, and change it — open, activate, transfer (过户), change category
 * or capacity, replace a meter (换表), close with settlement (销户). Every
 * change is a core service run on the worker; the page only asks and shows. */

#define MAX_ROWS 200

struct _MdAccountsPage
{
  GtkWidget       parent_instance;

  /* template widgets */
  GtkSearchEntry *search;
  GtkListBox     *results;
  GtkStack       *detail_stack;
  GtkLabel       *title;
  GtkBox         *groups;
  GtkLabel       *status_line;

  /* owned */
  MdWorker       *worker;
  GCancellable   *cancellable;
  JsonNode       *account;        /* the account shown, from md_account_show() */
  char           *account_no;
  char           *status;
  guint           search_source;
  guint           list_generation;
  gboolean        busy;
};

G_DEFINE_FINAL_TYPE (MdAccountsPage, md_accounts_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STATUS,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void load_list   (MdAccountsPage *self);
static void load_detail (MdAccountsPage *self);

static void
set_status (MdAccountsPage *self,
            const char     *style,
            const char     *text)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_line), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_line), "success");
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_line), style);
  gtk_label_set_text (self->status_line, text != NULL ? text : "");
  g_free (self->status);
  self->status = g_strdup (text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

static void
set_busy (MdAccountsPage *self,
          gboolean        busy)
{
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static const char *
member (JsonObject *object,
        const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node) || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static const char *
account_state (MdAccountsPage *self)
{
  return self->account != NULL ? member (json_node_get_object (self->account), "state") : NULL;
}

static void
update_actions (MdAccountsPage *self)
{
  const char *state = account_state (self);
  gboolean open = g_strcmp0 (state, "open") == 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "accounts.activate",
                                 g_strcmp0 (state, "preregistered") == 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "accounts.transfer", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "accounts.change", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "accounts.replace-meter", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "accounts.close",
                                 open || g_strcmp0 (state, "preregistered") == 0);
  {
    JsonArray *cards = self->account != NULL
      ? json_object_get_array_member (json_node_get_object (self->account), "cards") : NULL;
    gboolean in_use = FALSE, lost = FALSE;

    for (guint i = 0; cards != NULL && i < json_array_get_length (cards); i++)
      {
        JsonObject *card = json_array_get_object_element (cards, i);
        const char *status = member (card, "status");
        const char *kind = member (card, "kind");

        /* The customer's cards; a technician's cards do not count. */
        if (g_strcmp0 (kind, "purchase") != 0 && g_strcmp0 (kind, "replacement") != 0)
          continue;
        in_use |= g_strcmp0 (status, "active") == 0;
        lost |= g_strcmp0 (status, "lost") == 0;
      }
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "accounts.card-issue",
                                   open && !in_use && !lost);
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "accounts.card-lost", open && in_use);
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "accounts.card-setting", open);
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "accounts.card-replace",
                                   open && lost && !in_use);
  }
}

/* ---- the list ---- */

static gpointer
list_job (MdStore       *store,
          MdSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  const char *search = data;

  if (session == NULL)
    return NULL;
  /* One more than shown: enough to know there are more. */
  return md_account_search (session, *search != '\0' ? search : NULL, MAX_ROWS + 1, error);
}

typedef struct
{
  MdAccountsPage *self;
  guint           generation;
} ListCall;

static void
list_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ListCall *call = user_data;
  g_autoptr(MdAccountsPage) self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = md_worker_run_finish (MD_WORKER (source), result, &error);
  GtkWidget *child;
  JsonArray *array;
  GtkListBoxRow *select = NULL;

  /* Only the answer to the latest search is shown. */
  if (call->generation != self->list_generation)
    {
      g_free (call);
      return;
    }
  g_free (call);
  if (list == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, "error", error->message);
      return;
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->results))) != NULL)
    gtk_list_box_remove (self->results, child);
  array = json_node_get_array (list);
  for (guint i = 0; i < MIN (json_array_get_length (array), MAX_ROWS); i++)
    {
      JsonObject *a = json_array_get_object_element (array, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *title = g_strdup_printf ("%s  %s", member (a, "account"), member (a, "name"));
      const char *room = member (a, "room");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      if (room != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), room);
      if (g_strcmp0 (member (a, "state"), "open") != 0)
        {
          GtkWidget *state = gtk_label_new (g_strcmp0 (member (a, "state"), "closed") == 0
                                            ? _("closed") : _("pre-registered"));

          gtk_widget_add_css_class (state, "dim-label");
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), state);
        }
      g_object_set_data_full (G_OBJECT (row), "account", g_strdup (member (a, "account")), g_free);
      gtk_list_box_append (self->results, row);
      if (g_strcmp0 (member (a, "account"), self->account_no) == 0)
        select = GTK_LIST_BOX_ROW (row);
    }
  if (json_array_get_length (array) > MAX_ROWS)
    {
      g_autofree char *more = g_strdup_printf (_("Showing the first %u accounts: search to "
                                                 "narrow"), MAX_ROWS);

      set_status (self, NULL, more);
    }
  if (select != NULL)
    gtk_list_box_select_row (self->results, select);
}

static void
load_list (MdAccountsPage *self)
{
  ListCall *call;

  if (self->worker == NULL)
    return;
  call = g_new0 (ListCall, 1);
  call->self = g_object_ref (self);
  call->generation = ++self->list_generation;
  md_worker_run (self->worker, list_job,
                 g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search))), g_free,
                 (GDestroyNotify) json_node_unref, self->cancellable, list_done_cb, call);
}

static gboolean
search_timeout_cb (gpointer user_data)
{
  MdAccountsPage *self = user_data;

  self->search_source = 0;
  load_list (self);
  return G_SOURCE_REMOVE;
}

static void
search_changed_cb (MdAccountsPage *self)
{
  g_clear_handle_id (&self->search_source, g_source_remove);
  self->search_source = g_timeout_add (200, search_timeout_cb, self);
}

static void
row_selected_cb (MdAccountsPage *self,
                 GtkListBoxRow  *row)
{
  const char *no = row != NULL ? g_object_get_data (G_OBJECT (row), "account") : NULL;

  if (no == NULL || g_strcmp0 (no, self->account_no) == 0)
    return;
  md_accounts_page_show_account (self, no);
}

/* ---- the account ---- */

typedef struct
{
  JsonNode  *account;
  MdMoney    credit;
} Detail;

static void
detail_free (gpointer data)
{
  Detail *detail = data;

  g_clear_pointer (&detail->account, json_node_unref);
  g_free (detail);
}

static gpointer
detail_job (MdStore       *store,
            MdSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  Detail *detail;

  if (session == NULL)
    return NULL;
  detail = g_new0 (Detail, 1);
  if (!(detail->account = md_account_show (session, data, error)) ||
      !md_ledger_account_credit (store, data, &detail->credit, error))
    {
      detail_free (detail);
      return NULL;
    }
  return detail;
}

static GtkWidget *
info_row (const char *title,
          const char *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value != NULL && *value != '\0' ? value : "—");
  gtk_widget_add_css_class (row, "property");
  return row;
}

static GtkWidget *
group_new (MdAccountsPage *self,
           const char     *title)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  gtk_box_append (self->groups, group);
  return group;
}

static const char *
state_label (const char *state)
{
  if (g_strcmp0 (state, "open") == 0)
    return _("open");
  if (g_strcmp0 (state, "closed") == 0)
    return _("closed");
  return _("pre-registered");
}

static void
show_detail (MdAccountsPage *self,
             Detail         *detail)
{
  JsonObject *a = json_node_get_object (detail->account);
  JsonArray *meters = json_object_get_array_member (a, "meters");
  JsonArray *cards = json_object_get_array_member (a, "cards");
  JsonArray *history = json_object_get_array_member (a, "history");
  g_autofree char *title = g_strdup_printf ("%s  %s", member (a, "account"), member (a, "name"));
  g_autofree char *category = g_strdup_printf ("%s (%s)", member (a, "category_name"),
                                               member (a, "category"));
  gboolean system = g_strcmp0 (member (a, "billing"), "system") == 0;
  g_autofree char *credit = system ? md_money_format (detail->credit, MD_MONEY_STYLE_CURRENCY)
                                   : g_strdup (_("In the meter or on the card"));
  GtkWidget *child;
  GtkWidget *group;

  g_clear_pointer (&self->account, json_node_unref);
  self->account = json_node_ref (detail->account);
  gtk_label_set_text (self->title, title);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->groups))) != NULL)
    gtk_box_remove (self->groups, child);

  group = group_new (self, _("Customer"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), info_row (_("Name"), member (a, "name")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), info_row (_("Phone"), member (a, "phone")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             info_row (_("ID number"), member (a, "id_number")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             info_row (_("Address"), member (a, "address")));

  group = group_new (self, _("Account"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             info_row (_("State"), state_label (member (a, "state"))));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), info_row (_("Usage category"), category));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             info_row (_("Billing"), system ? _("In the account (system billing)")
                                                            : _("In the meter or on the card")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), info_row (_("Balance"), credit));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), info_row (_("Room"), member (a, "room")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             info_row (_("Capacity (kVA)"), member (a, "capacity_kva")));
  {
    g_autofree char *opened = md_ui_format_time (member (a, "opened"));
    g_autofree char *closed = member (a, "closed") != NULL ? md_ui_format_time (member (a, "closed"))
                                                            : NULL;

    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), info_row (_("Opened"), opened));
    if (closed != NULL)
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), info_row (_("Closed"), closed));
  }

  group = group_new (self, _("Meters"));
  for (guint i = 0; meters != NULL && i < json_array_get_length (meters); i++)
    {
      JsonObject *m = json_array_get_object_element (meters, i);
      g_autofree char *text = g_strdup_printf ("%s · %s%s%s", member (m, "model"), member (m, "state"),
                                               member (m, "bus") != NULL ? " · " : "",
                                               member (m, "bus") != NULL ? member (m, "bus") : "");

      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), info_row (member (m, "address"), text));
    }
  if (meters == NULL || json_array_get_length (meters) == 0)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), _("No meter"));

  group = group_new (self, _("Cards"));
  for (guint i = 0; cards != NULL && i < json_array_get_length (cards); i++)
    {
      JsonObject *k = json_array_get_object_element (cards, i);
      g_autofree char *text = g_strdup_printf (_("%s · %s · %lld purchases"), member (k, "profile"),
                                               member (k, "status"),
                                               (long long) json_object_get_int_member (k, "purchase_count"));

      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), info_row (member (k, "uid"), text));
    }
  if (cards == NULL || json_array_get_length (cards) == 0)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), _("No card"));
  {
    static const struct { const char *label; const char *action; } buttons[] = {
      { N_("Issue…"), "accounts.card-issue" },
      { N_("Report Lost…"), "accounts.card-lost" },
      { N_("Replace…"), "accounts.card-replace" },
      { N_("Setting Card…"), "accounts.card-setting" },
    };
    GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

    for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
      {
        GtkWidget *button = gtk_button_new_with_label (_(buttons[i].label));

        gtk_actionable_set_action_name (GTK_ACTIONABLE (button), buttons[i].action);
        gtk_widget_add_css_class (button, "flat");
        gtk_box_append (GTK_BOX (box), button);
      }
    adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), box);
  }

  group = group_new (self, _("History"));
  for (guint i = history != NULL ? json_array_get_length (history) : 0; i > 0; i--)
    {
      JsonObject *e = json_array_get_object_element (history, i - 1);
      g_autofree char *when = md_ui_format_time (member (e, "at"));
      g_autofree char *text = g_strdup_printf ("%s · %s", when,
                                               member (e, "operator") != NULL ? member (e, "operator") : "");

      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), info_row (member (e, "kind"), text));
    }

  gtk_stack_set_visible_child_name (self->detail_stack, "account");
  update_actions (self);
}

static void
detail_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(MdAccountsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  Detail *detail = md_worker_run_finish (MD_WORKER (source), result, &error);

  if (detail == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, "error", error->message);
      return;
    }
  /* An answer for an account chosen before the one now selected. */
  if (g_strcmp0 (member (json_node_get_object (detail->account), "account"), self->account_no) == 0)
    show_detail (self, detail);
  detail_free (detail);
}

static void
load_detail (MdAccountsPage *self)
{
  if (self->worker == NULL || self->account_no == NULL)
    return;
  md_worker_run (self->worker, detail_job, g_strdup (self->account_no), g_free, detail_free,
                 self->cancellable, detail_done_cb, g_object_ref (self));
}

/* ---- changes ---- */

typedef enum
{
  OP_OPEN,
  OP_ACTIVATE,
  OP_TRANSFER,
  OP_CHANGE,
  OP_REPLACE_METER,
  OP_CLOSE,
  OP_CARD_ISSUE,
  OP_CARD_LOST,
  OP_CARD_REPLACE,
  OP_CARD_SETTING,
} Op;

typedef struct
{
  Op           op;
  MdWorker    *worker;
  char        *no;
  char        *name;
  char        *phone;
  char        *id_number;
  char        *category;
  char        *room;
  char        *meter;
  char        *new_meter;
  char        *approver;
  char        *password;
  char        *key;
  gint64       capacity_va;
  MdMoney      carry;
  MdPayMethod  pay;
  gboolean     system_billing;
  gboolean     money_vend;
} Change;

static void
change_free (gpointer data)
{
  Change *change = data;

  g_clear_object (&change->worker);
  g_free (change->no);
  g_free (change->name);
  g_free (change->phone);
  g_free (change->id_number);
  g_free (change->category);
  g_free (change->room);
  g_free (change->meter);
  g_free (change->new_meter);
  g_free (change->approver);
  md_form_secret_free (change->password);
  g_free (change->key);
  g_free (change);
}

static char *
settlement_text (const MdSaleResult *result)
{
  g_autofree char *amount = md_money_format (ABS (result->amount), MD_MONEY_STYLE_CURRENCY);

  return g_strdup_printf (_("settled %s, receipt %s"), amount, result->receipt);
}

static gpointer
change_job (MdStore       *store,
            MdSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  Change *change = data;
  g_autoptr(MdApproval) approval = NULL;
  g_auto(MdSaleResult) result = { 0 };

  if (session == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, _("Sign in first"));
      return NULL;
    }
  if (change->approver != NULL &&
      !(approval = md_session_request_approval (session, MD_PERM_REFUND, change->approver,
                                                change->password != NULL ? change->password : "",
                                                error)))
    return NULL;

  switch (change->op)
    {
    case OP_OPEN:
      {
        const char *meters[] = { change->meter, NULL };
        MdAccountSpec spec = { change->no, change->name, change->category, change->phone,
                               change->id_number, NULL, change->room,
                               change->meter != NULL ? meters : NULL, change->capacity_va, NULL,
                               change->system_billing, FALSE, change->money_vend };

        if (!md_account_open (session, &spec, error))
          return NULL;
        return g_strdup_printf (_("Account %s opened for %s"), change->no, change->name);
      }

    case OP_ACTIVATE:
      if (!md_account_activate (session, change->no, error))
        return NULL;
      return g_strdup_printf (_("Account %s is open"), change->no);

    case OP_TRANSFER:
      if (!md_account_transfer (session, change->no, change->name, change->phone,
                                change->id_number, error))
        return NULL;
      return g_strdup_printf (_("Account %s now belongs to %s"), change->no, change->name);

    case OP_CHANGE:
      if (!md_account_change (session, change->no, change->category, change->capacity_va, error))
        return NULL;
      return g_strdup_printf (_("Account %s changed"), change->no);

    case OP_REPLACE_METER:
      {
        g_autoptr(MdMedium) medium = change->carry > 0
                                     ? md_worker_lookup_medium (change->worker, "remote") : NULL;

        if (!md_vend_replace_meter (session, change->no, change->meter, change->new_meter,
                                    change->carry, medium, change->key, &result, error))
          return NULL;
        return g_strdup_printf (_("Meter %s replaced by %s on account %s"), change->meter,
                                change->new_meter, change->no);
      }

    case OP_CLOSE:
      if (!md_vend_close_account (session, change->no, change->pay, change->key, approval,
                                  &result, error))
        return NULL;
      if (result.sale_id != 0)
        {
          g_autofree char *settled = settlement_text (&result);

          return g_strdup_printf (_("Account %s closed: %s"), change->no, settled);
        }
      return g_strdup_printf (_("Account %s closed"), change->no);

    case OP_CARD_LOST:
      if (!md_card_report_lost (session, change->no, error))
        return NULL;
      return g_strdup_printf (_("The card of account %s is reported lost: it can no longer be "
                                "sold to"), change->no);

    case OP_CARD_ISSUE:
    case OP_CARD_REPLACE:
    case OP_CARD_SETTING:
      {
        MdCardDesk *desk = md_worker_get_card_desk (change->worker);
        MdCardService *service;
        g_autoptr(JsonNode) card = NULL;
        JsonObject *o;

        if (desk == NULL)
          {
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                 _("No card reader is set up for this window (Preferences)"));
            return NULL;
          }
        /* The demo's reader takes a new blank card from its drawer. */
        if (md_card_desk_is_demo (desk) &&
            !(change->op == OP_CARD_SETTING
              ? md_card_desk_demo_insert_tool (desk, change->no, error)
              : md_card_desk_demo_insert_blank (desk, change->no, error)))
          return NULL;
        if (!(service = md_card_desk_get_service (desk, session, error)))
          return NULL;
        if (change->op == OP_CARD_SETTING)
          {
            MdCardToolParams params = { 0, 0, 0, change->capacity_va };

            if (!(card = md_card_service_write_setting (service, session, change->no, &params,
                                                        error)))
              return NULL;
            return g_strdup_printf (_("Setting card for account %s written: put it in the "
                                      "meter, then give it back"), change->no);
          }
        card = change->op == OP_CARD_ISSUE
               ? md_card_service_issue (service, session, change->no, NULL, error)
               : md_card_service_replace (service, session, change->no, change->pay, NULL, error);
        if (card == NULL)
          return NULL;
        o = json_node_get_object (card);
        return g_strdup_printf (change->op == OP_CARD_ISSUE
                                ? _("Card %s issued to account %s")
                                : _("Replacement card %s issued to account %s; the old card is "
                                    "refused from now on"),
                                json_object_get_string_member_with_default (o, "uid", "?"),
                                change->no);
      }

    default:
      g_assert_not_reached ();
    }
  return NULL;
}

static void
change_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(MdAccountsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = md_worker_run_finish (MD_WORKER (source), result, &error);

  set_busy (self, FALSE);
  if (message == NULL)
    {
      set_status (self, "error", error->message);
      return;
    }
  set_status (self, "success", message);
  load_list (self);
  load_detail (self);
}

static void
run_change (MdAccountsPage *self,
            Change         *change)
{
  change->worker = g_object_ref (self->worker);
  set_busy (self, TRUE);
  set_status (self, NULL, _("Working…"));
  md_worker_run (self->worker, change_job, change, change_free, g_free, self->cancellable,
                 change_done_cb, g_object_ref (self));
}

/* Parses what the form says into @change; a bad field is a one-line error
 * and nothing runs. */
static gboolean
parse_capacity (MdForm   *form,
                guint     field,
                gint64   *out_va,
                GError  **error)
{
  g_autofree char *text = md_form_get_text (form, field);

  *out_va = 0;
  return text == NULL || md_capacity_parse (text, out_va, error);
}

static const MdPayMethod pay_methods[] = {
  MD_PAY_CASH, MD_PAY_BANK_CARD, MD_PAY_WECHAT, MD_PAY_ALIPAY, MD_PAY_TRANSFER, MD_PAY_OTHER,
};

static const char *
pay_label (guint i)
{
  const char *labels[] = { N_("Cash"), N_("Bank card"), N_("WeChat Pay"), N_("Alipay"),
                           N_("Bank transfer"), N_("Other") };

  return _(labels[i]);
}

typedef struct
{
  MdAccountsPage *self;
  JsonNode       *categories;
} FormCall;

static void
form_call_free (gpointer data)
{
  FormCall *call = data;

  g_object_unref (call->self);
  g_clear_pointer (&call->categories, json_node_unref);
  g_free (call);
}

static FormCall *
form_call_new (MdAccountsPage *self,
               JsonNode       *categories)
{
  FormCall *call = g_new0 (FormCall, 1);

  call->self = g_object_ref (self);
  call->categories = categories != NULL ? json_node_ref (categories) : NULL;
  return call;
}

static char *
category_code (JsonNode *categories,
               guint     index)
{
  JsonArray *array = json_node_get_array (categories);

  if (index >= json_array_get_length (array))
    return NULL;
  return g_strdup (member (json_array_get_object_element (array, index), "code"));
}

static GStrv
category_labels (JsonNode *categories)
{
  JsonArray *array = json_node_get_array (categories);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *c = json_array_get_object_element (array, i);

      g_autofree char *label = g_strdup_printf ("%s  %s", member (c, "code"), member (c, "name"));

      g_strv_builder_add (builder, label);
    }
  return g_strv_builder_end (builder);
}

/* The form's answer becomes a Change; NULL (with the status set) when it
 * does not parse. */
enum { OPEN_NO, OPEN_NAME, OPEN_CATEGORY, OPEN_PHONE, OPEN_ID, OPEN_ROOM, OPEN_METER,
       OPEN_CAPACITY, OPEN_BILLING };

static void
open_response_cb (MdForm     *form,
                  const char *response,
                  gpointer    user_data)
{
  FormCall *call = user_data;
  g_autoptr(GError) error = NULL;
  Change *change;

  if (!g_str_equal (response, "open"))
    return;
  change = g_new0 (Change, 1);
  change->op = OP_OPEN;
  change->no = md_form_get_text (form, OPEN_NO);
  change->name = md_form_get_text (form, OPEN_NAME);
  change->category = category_code (call->categories, md_form_get_choice (form, OPEN_CATEGORY));
  change->phone = md_form_get_text (form, OPEN_PHONE);
  change->id_number = md_form_get_text (form, OPEN_ID);
  change->room = md_form_get_text (form, OPEN_ROOM);
  change->meter = md_form_get_text (form, OPEN_METER);
  change->system_billing = md_form_get_choice (form, OPEN_BILLING) == 1;
  change->money_vend = change->system_billing;
  if (!parse_capacity (form, OPEN_CAPACITY, &change->capacity_va, &error))
    {
      set_status (call->self, "error", error->message);
      change_free (change);
      return;
    }
  g_free (call->self->account_no);
  call->self->account_no = g_strdup (change->no);
  run_change (call->self, change);
}

static gpointer
categories_job (MdStore       *store,
                MdSession     *session,
                gpointer       data,
                GCancellable  *cancellable,
                GError       **error)
{
  if (session == NULL)
    return NULL;
  return md_category_list (session, error);
}

typedef void (*CategoriesReady) (MdAccountsPage *self,
                                 JsonNode       *categories);

static void
categories_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(MdAccountsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) categories = md_worker_run_finish (MD_WORKER (source), result, &error);
  CategoriesReady ready = g_object_steal_data (G_OBJECT (self), "categories-ready");

  if (categories == NULL)
    {
      if (error != NULL)
        set_status (self, "error", error->message);
      return;
    }
  ready (self, categories);
}

/* Forms that choose a category first fetch the list from the worker. */
static void
with_categories (MdAccountsPage  *self,
                 CategoriesReady  ready)
{
  g_object_set_data (G_OBJECT (self), "categories-ready", ready);
  md_worker_run (self->worker, categories_job, NULL, NULL, (GDestroyNotify) json_node_unref,
                 self->cancellable, categories_done_cb, g_object_ref (self));
}

static void
show_open_form (MdAccountsPage *self,
                JsonNode       *categories)
{
  g_auto(GStrv) labels = category_labels (categories);
  const char *billing[] = { _("In the meter or on the card"), _("In the account (system billing)"),
                            NULL };
  MdForm *form = md_form_new (GTK_WIDGET (self), _("Open an account"),
                              _("The customer, the usage category that sets the tariff, and the "
                                "meter in the room. Cards are issued from the account."));

  md_form_add_entry (form, _("Account number"), NULL);
  md_form_add_entry (form, _("Customer name"), NULL);
  md_form_add_choice (form, _("Usage category"), (const char * const *) labels, 0);
  md_form_add_entry (form, _("Phone"), NULL);
  md_form_add_entry (form, _("ID number"), NULL);
  md_form_add_entry (form, _("Room (SITE/BUILDING/FLOOR/ROOM)"), NULL);
  md_form_add_entry (form, _("Meter address"), NULL);
  md_form_add_entry (form, _("Capacity in kVA"), NULL);
  md_form_add_choice (form, _("Credit kept"), billing, 0);
  md_form_add_response (form, "open", _("_Open Account"), ADW_RESPONSE_SUGGESTED);
  md_form_run (form, open_response_cb, form_call_new (self, categories), form_call_free);
}

static void
open_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  with_categories (MD_ACCOUNTS_PAGE (widget), show_open_form);
}

static Change *
change_for_account (MdAccountsPage *self,
                    Op              op)
{
  Change *change = g_new0 (Change, 1);

  change->op = op;
  change->no = g_strdup (self->account_no);
  return change;
}

static void
activate_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  MdAccountsPage *self = MD_ACCOUNTS_PAGE (widget);

  run_change (self, change_for_account (self, OP_ACTIVATE));
}

static void
transfer_response_cb (MdForm     *form,
                      const char *response,
                      gpointer    user_data)
{
  FormCall *call = user_data;
  Change *change;

  if (!g_str_equal (response, "transfer"))
    return;
  change = change_for_account (call->self, OP_TRANSFER);
  change->name = md_form_get_text (form, 0);
  change->phone = md_form_get_text (form, 1);
  change->id_number = md_form_get_text (form, 2);
  run_change (call->self, change);
}

static void
transfer_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  MdAccountsPage *self = MD_ACCOUNTS_PAGE (widget);
  g_autofree char *heading = g_strdup_printf (_("Transfer account %s"), self->account_no);
  MdForm *form = md_form_new (widget, heading,
                              _("The new customer takes over the account, its meters and its "
                                "credit (过户). The history keeps the old name."));

  md_form_add_entry (form, _("New customer’s name"), NULL);
  md_form_add_entry (form, _("Phone"), NULL);
  md_form_add_entry (form, _("ID number"), NULL);
  md_form_add_response (form, "transfer", _("_Transfer"), ADW_RESPONSE_SUGGESTED);
  md_form_run (form, transfer_response_cb, form_call_new (self, NULL), form_call_free);
}

static void
change_response_cb (MdForm     *form,
                    const char *response,
                    gpointer    user_data)
{
  FormCall *call = user_data;
  g_autoptr(GError) error = NULL;
  Change *change;

  if (!g_str_equal (response, "change"))
    return;
  change = change_for_account (call->self, OP_CHANGE);
  change->category = category_code (call->categories, md_form_get_choice (form, 0));
  if (!parse_capacity (form, 1, &change->capacity_va, &error))
    {
      set_status (call->self, "error", error->message);
      change_free (change);
      return;
    }
  run_change (call->self, change);
}

static void
show_change_form (MdAccountsPage *self,
                  JsonNode       *categories)
{
  JsonObject *a = json_node_get_object (self->account);
  g_auto(GStrv) labels = category_labels (categories);
  JsonArray *array = json_node_get_array (categories);
  g_autofree char *heading = g_strdup_printf (_("Change account %s"), self->account_no);
  guint current = 0;
  MdForm *form;

  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (member (json_array_get_object_element (array, i), "code"),
                   member (a, "category")) == 0)
      current = i;
  form = md_form_new (GTK_WIDGET (self), heading,
                      _("A new usage category changes the tariff from the next sale; a new "
                        "capacity is recorded for the power limit."));
  md_form_add_choice (form, _("Usage category"), (const char * const *) labels, current);
  md_form_add_entry (form, _("Capacity in kVA"), member (a, "capacity_kva"));
  md_form_add_response (form, "change", _("C_hange"), ADW_RESPONSE_SUGGESTED);
  md_form_run (form, change_response_cb, form_call_new (self, categories), form_call_free);
}

static void
change_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  with_categories (MD_ACCOUNTS_PAGE (widget), show_change_form);
}

static void
replace_response_cb (MdForm     *form,
                     const char *response,
                     gpointer    user_data)
{
  FormCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *carry = NULL;
  Change *change;

  if (!g_str_equal (response, "replace"))
    return;
  change = change_for_account (call->self, OP_REPLACE_METER);
  change->meter = md_form_get_text (form, 0);
  change->new_meter = md_form_get_text (form, 1);
  change->key = md_vend_new_key ();
  carry = md_form_get_text (form, 2);
  if (carry != NULL && !md_money_parse (carry, 0, &change->carry, &error))
    {
      set_status (call->self, "error", error->message);
      change_free (change);
      return;
    }
  run_change (call->self, change);
}

static void
replace_meter_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  MdAccountsPage *self = MD_ACCOUNTS_PAGE (widget);
  JsonArray *meters = json_object_get_array_member (json_node_get_object (self->account), "meters");
  const char *old = meters != NULL && json_array_get_length (meters) > 0
                    ? member (json_array_get_object_element (meters, 0), "address") : NULL;
  g_autofree char *heading = g_strdup_printf (_("Replace a meter of account %s"), self->account_no);
  MdForm *form = md_form_new (widget, heading,
                              _("The old meter is removed and the new one installed in its room "
                                "(换表). Credit read from the old meter is carried to the new one."));

  md_form_add_entry (form, _("Old meter address"), old);
  md_form_add_entry (form, _("New meter address"), NULL);
  md_form_add_entry (form, _("Credit carried in yuan"), NULL);
  md_form_add_response (form, "replace", _("_Replace"), ADW_RESPONSE_SUGGESTED);
  md_form_run (form, replace_response_cb, form_call_new (self, NULL), form_call_free);
}

static void
close_response_cb (MdForm     *form,
                   const char *response,
                   gpointer    user_data)
{
  FormCall *call = user_data;
  Change *change;

  if (!g_str_equal (response, "close"))
    return;
  change = change_for_account (call->self, OP_CLOSE);
  change->pay = pay_methods[MIN (md_form_get_choice (form, 0), G_N_ELEMENTS (pay_methods) - 1)];
  change->approver = g_strdup (md_form_get_approver (form));
  change->password = g_strdup (md_form_get_password (form));
  change->key = md_vend_new_key ();
  run_change (call->self, change);
}

static void
close_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  MdAccountsPage *self = MD_ACCOUNTS_PAGE (widget);
  const char *labels[G_N_ELEMENTS (pay_methods) + 1] = { NULL };
  g_autofree char *heading = g_strdup_printf (_("Close account %s?"), self->account_no);
  MdForm *form;

  for (guint i = 0; i < G_N_ELEMENTS (pay_methods); i++)
    labels[i] = pay_label (i);
  form = md_form_new (widget, heading,
                      _("The credit left in the account is paid back to the customer, then "
                        "the account closes for good (销户). Paying back needs a supervisor."));
  md_form_add_choice (form, _("Pay back by"), labels, 0);
  md_form_add_approver (form);
  md_form_add_response (form, "close", _("_Close Account"), ADW_RESPONSE_DESTRUCTIVE);
  md_form_run (form, close_response_cb, form_call_new (self, NULL), form_call_free);
}

/* ---- cards ---- */

static void
card_response_cb (MdForm     *form,
                  const char *response,
                  gpointer    user_data)
{
  FormCall *call = user_data;
  Change *change;

  if (g_str_equal (response, "issue"))
    change = change_for_account (call->self, OP_CARD_ISSUE);
  else if (g_str_equal (response, "lost"))
    change = change_for_account (call->self, OP_CARD_LOST);
  else if (g_str_equal (response, "replace"))
    {
      change = change_for_account (call->self, OP_CARD_REPLACE);
      change->pay = pay_methods[MIN (md_form_get_choice (form, 0), G_N_ELEMENTS (pay_methods) - 1)];
    }
  else if (g_str_equal (response, "setting"))
    {
      g_autofree char *watts = md_form_get_text (form, 0);
      g_autoptr(GError) error = NULL;
      guint64 value;

      change = change_for_account (call->self, OP_CARD_SETTING);
      change->capacity_va = -1;
      if (watts != NULL)
        {
          if (!g_ascii_string_to_unsigned (watts, 10, 1, 10000000, &value, NULL))
            {
              g_autofree char *text = g_strdup_printf (_("“%s” is not a power limit in watts "
                                                         "(a whole number from 1)"), watts);

              set_status (call->self, "error", text);
              change_free (change);
              return;
            }
          change->capacity_va = (gint64) value;
        }
    }
  else
    return;
  run_change (call->self, change);
}

static void
card_setting_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  MdAccountsPage *self = MD_ACCOUNTS_PAGE (widget);
  g_autofree char *heading = g_strdup_printf (_("Write a setting card for account %s"),
                                              self->account_no);
  MdForm *form = md_form_new (widget, heading,
                              _("Put a blank card in the reader. The technician takes it to the "
                                "meter, which takes the account’s capacity and alarm levels from "
                                "it (设置卡): needed after a capacity change."));

  md_form_add_entry (form, _("Power limit in watts (empty: the account’s capacity)"), NULL);
  md_form_add_response (form, "setting", _("_Write Setting Card"), ADW_RESPONSE_SUGGESTED);
  md_form_run (form, card_response_cb, form_call_new (self, NULL), form_call_free);
}

static void
card_issue_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  MdAccountsPage *self = MD_ACCOUNTS_PAGE (widget);
  g_autofree char *heading = g_strdup_printf (_("Issue a card to account %s"), self->account_no);
  MdForm *form = md_form_new (widget, heading,
                              _("Put a blank card in the reader. It is written for this account "
                                "and read back (开卡)."));

  md_form_add_response (form, "issue", _("_Issue Card"), ADW_RESPONSE_SUGGESTED);
  md_form_run (form, card_response_cb, form_call_new (self, NULL), form_call_free);
}

static void
card_lost_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  MdAccountsPage *self = MD_ACCOUNTS_PAGE (widget);
  g_autofree char *heading = g_strdup_printf (_("Report the card of account %s lost?"),
                                              self->account_no);
  MdForm *form = md_form_new (widget, heading,
                              _("The card is blocked at once: nothing more is sold to it, and a "
                                "replacement can be issued after the waiting period (挂失)."));

  md_form_add_response (form, "lost", _("_Report Lost"), ADW_RESPONSE_DESTRUCTIVE);
  md_form_run (form, card_response_cb, form_call_new (self, NULL), form_call_free);
}

static void
card_replace_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  MdAccountsPage *self = MD_ACCOUNTS_PAGE (widget);
  const char *labels[G_N_ELEMENTS (pay_methods) + 1] = { NULL };
  g_autofree char *heading = g_strdup_printf (_("Replace the lost card of account %s"),
                                              self->account_no);
  MdForm *form;

  for (guint i = 0; i < G_N_ELEMENTS (pay_methods); i++)
    labels[i] = pay_label (i);
  form = md_form_new (widget, heading,
                      _("Put a new blank card in the reader. It carries the lost card’s purchase "
                        "count, so the meter accepts it and refuses the old card; the "
                        "replacement fee is charged (补卡)."));
  md_form_add_choice (form, _("Fee paid by"), labels, 0);
  md_form_add_response (form, "replace", _("_Replace Card"), ADW_RESPONSE_SUGGESTED);
  md_form_run (form, card_response_cb, form_call_new (self, NULL), form_call_free);
}

/* ---- GObject ---- */

static void
md_accounts_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  MdAccountsPage *self = MD_ACCOUNTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
md_accounts_page_dispose (GObject *object)
{
  MdAccountsPage *self = MD_ACCOUNTS_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->search_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), MD_TYPE_ACCOUNTS_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->worker);
  g_clear_pointer (&self->account, json_node_unref);

  G_OBJECT_CLASS (md_accounts_page_parent_class)->dispose (object);
}

static void
md_accounts_page_finalize (GObject *object)
{
  MdAccountsPage *self = MD_ACCOUNTS_PAGE (object);

  g_free (self->account_no);
  g_free (self->status);

  G_OBJECT_CLASS (md_accounts_page_parent_class)->finalize (object);
}

static void
md_accounts_page_class_init (MdAccountsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = md_accounts_page_get_property;
  object_class->dispose = md_accounts_page_dispose;
  object_class->finalize = md_accounts_page_finalize;

  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/meterdesk/Meterdesk/ui/md-accounts-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, MdAccountsPage, search);
  gtk_widget_class_bind_template_child (widget_class, MdAccountsPage, results);
  gtk_widget_class_bind_template_child (widget_class, MdAccountsPage, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, MdAccountsPage, title);
  gtk_widget_class_bind_template_child (widget_class, MdAccountsPage, groups);
  gtk_widget_class_bind_template_child (widget_class, MdAccountsPage, status_line);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);

  gtk_widget_class_install_action (widget_class, "accounts.open", NULL, open_activated);
  gtk_widget_class_install_action (widget_class, "accounts.activate", NULL, activate_activated);
  gtk_widget_class_install_action (widget_class, "accounts.transfer", NULL, transfer_activated);
  gtk_widget_class_install_action (widget_class, "accounts.change", NULL, change_activated);
  gtk_widget_class_install_action (widget_class, "accounts.replace-meter", NULL,
                                   replace_meter_activated);
  gtk_widget_class_install_action (widget_class, "accounts.close", NULL, close_activated);
  gtk_widget_class_install_action (widget_class, "accounts.card-issue", NULL,
                                   card_issue_activated);
  gtk_widget_class_install_action (widget_class, "accounts.card-lost", NULL, card_lost_activated);
  gtk_widget_class_install_action (widget_class, "accounts.card-setting", NULL,
                                   card_setting_activated);
  gtk_widget_class_install_action (widget_class, "accounts.card-replace", NULL,
                                   card_replace_activated);
}

static void
md_accounts_page_init (MdAccountsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  update_actions (self);
}

void
md_accounts_page_set_worker (MdAccountsPage *self,
                             MdWorker       *worker)
{
  g_return_if_fail (MD_IS_ACCOUNTS_PAGE (self));

  g_set_object (&self->worker, worker);
}

/**
 * md_accounts_page_refresh:
 *
 * Loads the list (and the account shown) again: when the page is shown or
 * another operator signs in.
 */
void
md_accounts_page_refresh (MdAccountsPage *self)
{
  g_return_if_fail (MD_IS_ACCOUNTS_PAGE (self));

  load_list (self);
  load_detail (self);
}

void
md_accounts_page_show_account (MdAccountsPage *self,
                               const char     *account_no)
{
  g_return_if_fail (MD_IS_ACCOUNTS_PAGE (self));

  g_free (self->account_no);
  self->account_no = g_strdup (account_no);
  load_detail (self);
}

/**
 * md_accounts_page_get_account:
 *
 * Returns: (nullable): the account shown, once loaded
 */
const char *
md_accounts_page_get_account (MdAccountsPage *self)
{
  g_return_val_if_fail (MD_IS_ACCOUNTS_PAGE (self), NULL);

  return self->account != NULL ? member (json_node_get_object (self->account), "account") : NULL;
}

const char *
md_accounts_page_get_account_state (MdAccountsPage *self)
{
  g_return_val_if_fail (MD_IS_ACCOUNTS_PAGE (self), NULL);

  return account_state (self);
}

const char *
md_accounts_page_get_status (MdAccountsPage *self)
{
  g_return_val_if_fail (MD_IS_ACCOUNTS_PAGE (self), NULL);

  return self->status;
}

gboolean
md_accounts_page_get_busy (MdAccountsPage *self)
{
  g_return_val_if_fail (MD_IS_ACCOUNTS_PAGE (self), FALSE);

  return self->busy;
}
