/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "md-sale-dialogs.h"
#include "md-shift.h"
#include "md-vend.h"

/* Each dialog is a GTask whose data is a Dialog: the form widgets while it
 * is shown, then a Request copied out of them for the worker. The task
 * returns the status line, or an error the page shows as it is. */

typedef enum
{
  OP_LIST_PENDING,
  OP_X_REPORT,
  OP_SHOW_SALE,
  OP_REVERSE,
  OP_RESOLVE,
  OP_VOID,
  OP_SHIFT_OPEN,
  OP_SHIFT_CLOSE,
} Op;

typedef struct
{
  MdWorker  *worker;
  Op         op;
  gint64     sale_id;
  char      *medium_kind;
  char      *key;
  char      *reason;
  char      *approver;
  char      *password;
  MdMoney    amount;
} Request;

typedef struct
{
  MdWorker     *worker;
  GtkWidget    *parent;
  gint64        sale_id;
  char         *key;
  JsonNode     *info;
  GtkListBox   *list;
  GtkEditable  *reason;
  GtkEditable  *amount;
  GtkEditable  *approver;
  GtkEditable  *password;
} Dialog;

static void
request_free (gpointer data)
{
  Request *request = data;

  g_object_unref (request->worker);
  g_free (request->medium_kind);
  g_free (request->key);
  g_free (request->reason);
  g_free (request->approver);
  if (request->password != NULL)
    {
      memset (request->password, 0, strlen (request->password));
      g_free (request->password);
    }
  g_free (request);
}

static void
dialog_free (gpointer data)
{
  Dialog *dialog = data;

  g_object_unref (dialog->worker);
  g_object_unref (dialog->parent);
  g_free (dialog->key);
  g_clear_pointer (&dialog->info, json_node_unref);
  g_free (dialog);
}

char *
md_sale_row_receipt (JsonObject *sale)
{
  JsonNode *no = json_object_get_member (sale, "receipt_no");

  g_return_val_if_fail (sale != NULL, NULL);

  if (no == NULL || JSON_NODE_HOLDS_NULL (no))
    return NULL;
  return md_receipt_format (json_object_get_string_member (sale, "terminal"),
                            json_node_get_int (no));
}

/* ---- on the worker ---- */

static gboolean
get_approval (MdSession    *session,
              MdPermission  permission,
              Request      *request,
              MdApproval  **out_approval,
              GError      **error)
{
  *out_approval = NULL;
  if (request->approver == NULL || *request->approver == '\0')
    return TRUE;
  *out_approval = md_session_request_approval (session, permission, request->approver,
                                               request->password != NULL ? request->password : "",
                                               error);
  return *out_approval != NULL;
}

static gpointer
query_job (MdStore       *store,
           MdSession     *session,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  Request *request = data;
  g_autoptr(GError) local_error = NULL;
  JsonNode *node;

  if (request->op == OP_LIST_PENDING)
    return md_sale_list (session, "pending", NULL, NULL, 100, error);
  if (request->op == OP_SHOW_SALE)
    return md_sale_show (session, request->sale_id, error);

  /* No open shift is an answer here, not a failure: an empty object. */
  node = md_shift_x_report (session, &local_error);
  if (node == NULL && g_error_matches (local_error, MD_VEND_ERROR, MD_VEND_ERROR_NO_SHIFT))
    {
      node = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (node, json_object_new ());
    }
  else if (node == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return node;
}

static char *
recover_message (JsonNode *summary)
{
  JsonArray *rows = json_node_get_array (summary);
  guint settled = 0;
  guint waiting = 0;

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *state = json_object_get_string_member (row, "state");

      if (g_strcmp0 (state, "pending") == 0 || g_strcmp0 (state, "delivered") == 0)
        waiting++;
      else
        settled++;
    }
  if (settled + waiting == 0)
    return g_strdup (_("No sale is pending at this window"));
  return g_strdup_printf (_("Pending sales: %u settled, %u still waiting for their card or meter"),
                          settled, waiting);
}

static MdMedium *
worker_lookup (const char *kind,
               gpointer    user_data)
{
  return md_worker_lookup_medium (user_data, kind);
}

static gpointer
action_job (MdStore       *store,
            MdSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  Request *request = data;
  g_autoptr(MdApproval) approval = NULL;
  g_auto(MdSaleResult) result = { 0 };
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(MdMedium) medium = NULL;

  switch (request->op)
    {
    case OP_REVERSE:
      if (!get_approval (session, MD_PERM_REVERSE, request, &approval, error) ||
          !md_vend_reverse (session, request->sale_id, NULL, request->reason, request->key,
                            approval, &result, error))
        return NULL;
      {
        g_autofree char *amount = md_money_format (ABS (result.amount), MD_MONEY_STYLE_CURRENCY);

        return g_strdup_printf (_("Reversed: receipt %s returns %s"),
                                result.receipt != NULL ? result.receipt : "", amount);
      }

    case OP_RESOLVE:
      if (!md_vend_recover (session, worker_lookup, request->worker, &node, error))
        return NULL;
      return recover_message (node);

    case OP_VOID:
      if (!(medium = md_worker_lookup_medium (request->worker, request->medium_kind)))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("The card or meter of this sale cannot be reached now: "
                                 "it can be voided only after checking it"));
          return NULL;
        }
      if (!get_approval (session, MD_PERM_REVERSE, request, &approval, error) ||
          !md_vend_resolve (session, request->sale_id, medium, TRUE, approval, &result,
                            cancellable, error))
        return NULL;
      if (g_strcmp0 (result.state, "voided") == 0)
        return g_strdup_printf (_("Sale %lld voided: nothing was delivered"),
                                (long long) request->sale_id);
      return g_strdup_printf (_("Sale %lld was delivered after all and is now posted"),
                              (long long) request->sale_id);

    case OP_SHIFT_OPEN:
      if (!md_shift_open (session, request->amount, &node, error))
        return NULL;
      {
        g_autofree char *amount = md_money_format (request->amount, MD_MONEY_STYLE_CURRENCY);

        return g_strdup_printf (_("Shift %lld is open with a float of %s"),
                                (long long) json_object_get_int_member (json_node_get_object (node),
                                                                        "shift"),
                                amount);
      }

    case OP_SHIFT_CLOSE:
      if (!get_approval (session, MD_PERM_Z_REPORT, request, &approval, error) ||
          !md_shift_close (session, request->amount, approval, &node, error))
        return NULL;
      {
        JsonObject *closed = json_node_get_object (node);

        return g_strdup_printf (_("Shift %lld closed: counted ¥%s, expected ¥%s, over/short ¥%s"),
                                (long long) json_object_get_int_member (closed, "shift"),
                                json_object_get_string_member (closed, "counted"),
                                json_object_get_string_member (closed, "expected"),
                                json_object_get_string_member (closed, "over_short"));
      }

    case OP_LIST_PENDING:
    case OP_X_REPORT:
    case OP_SHOW_SALE:
    default:
      g_assert_not_reached ();
    }
  return NULL;
}

/* ---- on the main thread ---- */

static Request *
request_new (Dialog *dialog,
             Op      op)
{
  Request *request = g_new0 (Request, 1);

  request->worker = g_object_ref (dialog->worker);
  request->op = op;
  request->sale_id = dialog->sale_id;
  request->key = g_strdup (dialog->key);
  if (dialog->reason != NULL)
    request->reason = g_strstrip (g_strdup (gtk_editable_get_text (dialog->reason)));
  if (dialog->approver != NULL)
    request->approver = g_strstrip (g_strdup (gtk_editable_get_text (dialog->approver)));
  if (dialog->password != NULL)
    request->password = g_strdup (gtk_editable_get_text (dialog->password));
  return request;
}

static void
action_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *message = md_worker_run_finish (MD_WORKER (source), result, &error);

  if (message == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, message, g_free);
}

static void
run_action (GTask   *task,
            Request *request)
{
  Dialog *dialog = g_task_get_task_data (task);

  md_worker_run (dialog->worker, action_job, request, request_free, g_free,
                 g_task_get_cancellable (task), action_done_cb, g_object_ref (task));
}

static GtkWidget *
message_dialog_new (Dialog     *dialog,
                    const char *heading,
                    const char *body)
{
  GtkRoot *root = gtk_widget_get_root (dialog->parent);
  GtkWidget *message = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (message), "cancel", _("_Cancel"));
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (message), "cancel");
  return message;
}

static GtkEditable *
form_add_entry (GtkWidget  *form,
                const char *title,
                gboolean    secret)
{
  GtkWidget *row = secret ? adw_password_entry_row_new () : adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  /* Enter in the last field answers the dialog, as its default button. */
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (row), TRUE);
  gtk_list_box_append (GTK_LIST_BOX (form), row);
  return GTK_EDITABLE (row);
}

static GtkWidget *
form_new (GtkWidget *message)
{
  GtkWidget *form = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (form), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (form, "boxed-list");
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (message), form);
  return form;
}

static void
form_add_approver (Dialog    *dialog,
                   GtkWidget *form)
{
  dialog->approver = form_add_entry (form, _("Supervisor"), FALSE);
  dialog->password = form_add_entry (form, _("Supervisor’s password"), TRUE);
}

static void
cancelled (GTask *task)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
}

static GTask *
dialog_task_new (GtkWidget            *parent,
                 MdWorker             *worker,
                 GCancellable         *cancellable,
                 gpointer              source_tag,
                 GAsyncReadyCallback   callback,
                 gpointer              user_data)
{
  GTask *task = g_task_new (parent, cancellable, callback, user_data);
  Dialog *dialog = g_new0 (Dialog, 1);

  dialog->worker = g_object_ref (worker);
  dialog->parent = g_object_ref (parent);
  g_task_set_task_data (task, dialog, dialog_free);
  g_task_set_source_tag (task, source_tag);
  return task;
}

/* ---- reverse ---- */

static void
reverse_response_cb (AdwMessageDialog *message,
                     const char       *response,
                     gpointer          user_data)
{
  g_autoptr(GTask) task = user_data;
  Dialog *dialog = g_task_get_task_data (task);

  /* A dialog answers once: a close after a response is not another. */
  g_signal_handlers_disconnect_by_func (message, reverse_response_cb, user_data);

  if (!g_str_equal (response, "reverse"))
    {
      cancelled (task);
      return;
    }
  run_action (task, request_new (dialog, OP_REVERSE));
}

static void
reason_changed_cb (GtkEditable      *reason,
                   AdwMessageDialog *message)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (reason)));

  adw_message_dialog_set_response_enabled (message, "reverse", *text != '\0');
}

static void
reverse_sale_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Dialog *dialog = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_finish (MD_WORKER (source), result, &error);
  JsonObject *sale;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *message;
  GtkWidget *form;

  if (node == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  sale = json_node_get_object (node);
  /* The supervisor approves this action and this amount (UX.md). */
  heading = g_strdup_printf (_("Reverse receipt %s?"),
                             json_object_get_string_member_with_default (sale, "receipt", "—"));
  body = g_strdup_printf (_("¥%s paid for account %s goes back to the customer, and the credit "
                            "comes off the account, card or meter. A supervisor approves it."),
                          json_object_get_string_member (sale, "amount"),
                          json_object_get_string_member (sale, "account"));
  message = message_dialog_new (dialog, heading, body);
  form = form_new (message);
  dialog->reason = form_add_entry (form, _("Reason"), FALSE);
  form_add_approver (dialog, form);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (message), "reverse", _("_Reverse"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (message), "reverse",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (message), "reverse", FALSE);
  g_signal_connect_object (dialog->reason, "changed", G_CALLBACK (reason_changed_cb), message, 0);
  g_signal_connect (message, "response", G_CALLBACK (reverse_response_cb), g_steal_pointer (&task));
  gtk_window_present (GTK_WINDOW (message));
  gtk_widget_grab_focus (GTK_WIDGET (dialog->reason));
}

static void query (GTask               *task,
                   Op                   op,
                   GAsyncReadyCallback  callback);

/**
 * md_sale_dialog_reverse:
 * @sale_id: the sale to reverse (冲正)
 *
 * Shows the sale's receipt and amount, asks for the reason and, unless the
 * operator may reverse alone, a supervisor's name and password; then
 * reverses @sale_id under one key, so pressing twice reverses once.
 */
void
md_sale_dialog_reverse (GtkWidget            *parent,
                        MdWorker             *worker,
                        gint64                sale_id,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  g_autoptr(GTask) task = dialog_task_new (parent, worker, cancellable, md_sale_dialog_reverse,
                                           callback, user_data);
  Dialog *dialog = g_task_get_task_data (task);

  dialog->sale_id = sale_id;
  dialog->key = md_vend_new_key ();
  query (task, OP_SHOW_SALE, reverse_sale_cb);
}

/* ---- pending ---- */

static void
pending_response_cb (AdwMessageDialog *message,
                     const char       *response,
                     gpointer          user_data)
{
  g_autoptr(GTask) task = user_data;
  Dialog *dialog = g_task_get_task_data (task);
  GtkListBoxRow *row;
  Request *request;

  /* A dialog answers once: a close after a response is not another. */
  g_signal_handlers_disconnect_by_func (message, pending_response_cb, user_data);

  if (g_str_equal (response, "resolve"))
    {
      run_action (task, request_new (dialog, OP_RESOLVE));
      return;
    }
  if (!g_str_equal (response, "void"))
    {
      cancelled (task);
      return;
    }
  if ((row = gtk_list_box_get_selected_row (dialog->list)) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("Choose the sale to void first"));
      return;
    }
  dialog->sale_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "sale"));
  request = request_new (dialog, OP_VOID);
  request->medium_kind = g_strdup (g_object_get_data (G_OBJECT (row), "medium"));
  run_action (task, request);
}

static void
pending_list_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Dialog *dialog = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_finish (MD_WORKER (source), result, &error);
  g_autoptr(MdSession) session = md_worker_get_session (dialog->worker);
  const char *terminal = session != NULL ? md_session_get_terminal (session) : NULL;
  JsonArray *rows;
  GtkWidget *message;
  GtkWidget *form;
  GtkWidget *list;
  guint shown = 0;

  if (node == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  list = gtk_list_box_new ();
  gtk_widget_add_css_class (list, "boxed-list");
  rows = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *sale = json_array_get_object_element (rows, i);
      GtkWidget *row;
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;

      if (g_strcmp0 (json_object_get_string_member (sale, "terminal"), terminal) != 0)
        continue;
      title = g_strdup_printf (_("Sale %lld · ¥%s · %s"),
                               (long long) json_object_get_int_member (sale, "sale"),
                               json_object_get_string_member (sale, "amount"),
                               json_object_get_string_member (sale, "account"));
      subtitle = g_strdup_printf ("%s · %s", json_object_get_string_member (sale, "medium"),
                                  json_object_get_string_member (sale, "created"));
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      g_object_set_data (G_OBJECT (row), "sale",
                         GSIZE_TO_POINTER ((gsize) json_object_get_int_member (sale, "sale")));
      g_object_set_data_full (G_OBJECT (row), "medium",
                              g_strdup (json_object_get_string_member (sale, "medium")), g_free);
      gtk_list_box_append (GTK_LIST_BOX (list), row);
      shown++;
    }

  if (shown == 0)
    {
      g_object_ref_sink (list);
      g_object_unref (list);
      g_task_return_pointer (task, g_strdup (_("No sale is pending at this window")), g_free);
      return;
    }

  message = message_dialog_new (dialog, _("Pending sales"),
                                _("These sales were paid but their credit has not been confirmed "
                                  "on the card or meter. Settle them with the card in the reader "
                                  "or the meter on line; void one only with a supervisor."));
  form = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_box_append (GTK_BOX (form), list);
  dialog->list = GTK_LIST_BOX (list);
  {
    GtkWidget *approver = gtk_list_box_new ();

    gtk_list_box_set_selection_mode (GTK_LIST_BOX (approver), GTK_SELECTION_NONE);
    gtk_widget_add_css_class (approver, "boxed-list");
    form_add_approver (dialog, approver);
    gtk_box_append (GTK_BOX (form), approver);
  }
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (message), form);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (message), "void", _("_Void Selected"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (message), "void",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (message), "resolve", _("_Settle All"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (message), "resolve",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (message), "resolve");
  g_signal_connect (message, "response", G_CALLBACK (pending_response_cb), g_steal_pointer (&task));
  gtk_window_present (GTK_WINDOW (message));
}

static void
query (GTask               *task,
       Op                   op,
       GAsyncReadyCallback  callback)
{
  Dialog *dialog = g_task_get_task_data (task);
  Request *request = request_new (dialog, op);

  md_worker_run (dialog->worker, query_job, request, request_free,
                 (GDestroyNotify) json_node_unref, g_task_get_cancellable (task), callback,
                 g_object_ref (task));
}

/**
 * md_sale_dialog_pending:
 *
 * Lists this window's pending sales (待确认) and settles them all from their
 * media, or voids the one chosen with a supervisor's approval.
 */
void
md_sale_dialog_pending (GtkWidget            *parent,
                        MdWorker             *worker,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  g_autoptr(GTask) task = dialog_task_new (parent, worker, cancellable, md_sale_dialog_pending,
                                           callback, user_data);

  query (task, OP_LIST_PENDING, pending_list_cb);
}

/* ---- shift ---- */

static void
shift_response_cb (AdwMessageDialog *message,
                   const char       *response,
                   gpointer          user_data)
{
  g_autoptr(GTask) task = user_data;
  Dialog *dialog = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  Request *request;
  MdMoney amount;

  /* A dialog answers once: a close after a response is not another. */
  g_signal_handlers_disconnect_by_func (message, shift_response_cb, user_data);

  if (!g_str_equal (response, "open") && !g_str_equal (response, "close"))
    {
      cancelled (task);
      return;
    }
  /* A blank float opens an empty drawer; a blank count is a mistake. */
  if (g_str_equal (response, "open") && *gtk_editable_get_text (dialog->amount) == '\0')
    amount = 0;
  else if (!md_money_parse (gtk_editable_get_text (dialog->amount), 0, &amount, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  request = request_new (dialog, g_str_equal (response, "open") ? OP_SHIFT_OPEN : OP_SHIFT_CLOSE);
  request->amount = amount;
  run_action (task, request);
}

static void
shift_report_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Dialog *dialog = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_finish (MD_WORKER (source), result, &error);
  JsonObject *report;
  GtkWidget *message;
  GtkWidget *form;

  if (node == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  report = json_node_get_object (node);

  if (!json_object_has_member (report, "shift"))
    {
      message = message_dialog_new (dialog, _("Open a shift"),
                                    _("Count the float into the drawer and enter it. Sales "
                                      "at this window need an open shift."));
      form = form_new (message);
      dialog->amount = form_add_entry (form, _("Float in yuan"), FALSE);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (message), "open", _("_Open Shift"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (message), "open",
                                                  ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (message), "open");
    }
  else
    {
      g_autofree char *heading = g_strdup_printf (_("Close shift %lld"),
                                                  (long long) json_object_get_int_member (report,
                                                                                          "shift"));

      /* A blind count: the drawer's expected figure is not shown. */
      message = message_dialog_new (dialog, heading,
                                    _("Count the cash in the drawer and enter it. The books "
                                      "are compared after you close; a large difference needs "
                                      "a supervisor."));
      form = form_new (message);
      dialog->amount = form_add_entry (form, _("Counted cash in yuan"), FALSE);
      form_add_approver (dialog, form);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (message), "close", _("C_lose Shift"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (message), "close",
                                                  ADW_RESPONSE_DESTRUCTIVE);
    }
  dialog->info = json_node_ref (node);
  g_signal_connect (message, "response", G_CALLBACK (shift_response_cb), g_steal_pointer (&task));
  gtk_window_present (GTK_WINDOW (message));
  gtk_widget_grab_focus (GTK_WIDGET (dialog->amount));
}

/**
 * md_sale_dialog_shift:
 *
 * Opens a shift with its float (开班), or closes the open one with a blind
 * cash count (交班), a supervisor approving a difference over the limit.
 */
void
md_sale_dialog_shift (GtkWidget            *parent,
                      MdWorker             *worker,
                      GCancellable         *cancellable,
                      GAsyncReadyCallback   callback,
                      gpointer              user_data)
{
  g_autoptr(GTask) task = dialog_task_new (parent, worker, cancellable, md_sale_dialog_shift,
                                           callback, user_data);

  query (task, OP_X_REPORT, shift_report_cb);
}

/**
 * md_sale_dialog_finish:
 *
 * Returns: (transfer full): the status line; %NULL with @error set, which is
 *   %G_IO_ERROR_CANCELLED when the operator closed the dialog
 */
char *
md_sale_dialog_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
