/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "md-form.h"

struct _MdForm
{
  AdwMessageDialog  *dialog;
  GtkWidget         *list;
  GPtrArray         *fields;     /* the rows, in the order added */
  GtkEditable       *approver;
  GtkEditable       *password;
  MdFormCallback     callback;
  gpointer           user_data;
  GDestroyNotify     user_data_free;
  gboolean           answered;
};

/**
 * md_form_new:
 * @parent: any widget of the window the dialog belongs to
 *
 * Returns: (transfer full): a form with a Cancel response, not shown yet
 */
MdForm *
md_form_new (GtkWidget  *parent,
             const char *heading,
             const char *body)
{
  MdForm *form = g_new0 (MdForm, 1);
  GtkRoot *root = parent != NULL ? gtk_widget_get_root (parent) : NULL;

  form->dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root)
                                                               ? GTK_WINDOW (root) : NULL,
                                                             heading, body));
  form->fields = g_ptr_array_new ();
  adw_message_dialog_add_response (form->dialog, "cancel", _("_Cancel"));
  adw_message_dialog_set_close_response (form->dialog, "cancel");
  return form;
}

static void
add_row (MdForm    *form,
         GtkWidget *row)
{
  if (form->list == NULL)
    {
      form->list = gtk_list_box_new ();
      gtk_list_box_set_selection_mode (GTK_LIST_BOX (form->list), GTK_SELECTION_NONE);
      gtk_widget_add_css_class (form->list, "boxed-list");
      adw_message_dialog_set_extra_child (form->dialog, form->list);
    }
  gtk_list_box_append (GTK_LIST_BOX (form->list), row);
}

static GtkEditable *
add_editable (MdForm     *form,
              GtkWidget  *row,
              const char *title,
              const char *text)
{
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  /* Enter in a field answers the dialog with its default response. */
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (row), TRUE);
  if (text != NULL)
    gtk_editable_set_text (GTK_EDITABLE (row), text);
  add_row (form, row);
  g_ptr_array_add (form->fields, row);
  return GTK_EDITABLE (row);
}

GtkEditable *
md_form_add_entry (MdForm     *form,
                   const char *title,
                   const char *text)
{
  return add_editable (form, adw_entry_row_new (), title, text);
}

GtkEditable *
md_form_add_password (MdForm     *form,
                      const char *title)
{
  return add_editable (form, adw_password_entry_row_new (), title, NULL);
}

AdwComboRow *
md_form_add_choice (MdForm             *form,
                    const char         *title,
                    const char * const *labels,
                    guint               selected)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr(GtkStringList) model = gtk_string_list_new (labels);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
  add_row (form, row);
  g_ptr_array_add (form->fields, row);
  return ADW_COMBO_ROW (row);
}

/**
 * md_form_add_approver:
 *
 * A supervisor's name and password, for an action the operator may not do
 * alone (UX.md "Supervisor approval"). Not counted as fields.
 */
void
md_form_add_approver (MdForm *form)
{
  GtkWidget *name = adw_entry_row_new ();
  GtkWidget *password = adw_password_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (name), _("Supervisor"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (password), _("Supervisor’s password"));
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (name), TRUE);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (password), TRUE);
  add_row (form, name);
  add_row (form, password);
  form->approver = GTK_EDITABLE (name);
  form->password = GTK_EDITABLE (password);
}

/**
 * md_form_add_response:
 *
 * The last response added with %ADW_RESPONSE_SUGGESTED or
 * %ADW_RESPONSE_DESTRUCTIVE is the default one, that Enter gives.
 */
void
md_form_add_response (MdForm                 *form,
                      const char             *id,
                      const char             *label,
                      AdwResponseAppearance   appearance)
{
  adw_message_dialog_add_response (form->dialog, id, label);
  adw_message_dialog_set_response_appearance (form->dialog, id, appearance);
  if (appearance != ADW_RESPONSE_DEFAULT)
    adw_message_dialog_set_default_response (form->dialog, id);
}

static void
form_free (MdForm *form)
{
  if (form->user_data_free != NULL)
    form->user_data_free (form->user_data);
  g_ptr_array_unref (form->fields);
  g_free (form);
}

static void
response_cb (AdwMessageDialog *dialog,
             const char       *response,
             MdForm           *form)
{
  /* A close after a response is not another answer. */
  if (form->answered)
    return;
  form->answered = TRUE;
  g_signal_handlers_disconnect_by_func (dialog, response_cb, form);
  form->callback (form, response, form->user_data);
  form_free (form);
}

/**
 * md_form_run:
 *
 * Shows the form; @callback runs once with the response ("cancel" when
 * closed), then the form and @user_data are freed.
 */
void
md_form_run (MdForm         *form,
             MdFormCallback  callback,
             gpointer        user_data,
             GDestroyNotify  user_data_free)
{
  form->callback = callback;
  form->user_data = user_data;
  form->user_data_free = user_data_free;
  g_signal_connect (form->dialog, "response", G_CALLBACK (response_cb), form);
  gtk_window_present (GTK_WINDOW (form->dialog));
  if (form->fields->len > 0 && ADW_IS_ENTRY_ROW (form->fields->pdata[0]))
    gtk_widget_grab_focus (form->fields->pdata[0]);
}

/**
 * md_form_get_text:
 * @field: its index among the fields added
 *
 * Returns: (transfer full): the text without surrounding blanks, or %NULL
 *   when empty
 */
char *
md_form_get_text (MdForm *form,
                  guint   field)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (field < form->fields->len, NULL);

  text = g_strstrip (g_strdup (gtk_editable_get_text (form->fields->pdata[field])));
  return *text != '\0' ? g_steal_pointer (&text) : NULL;
}

guint
md_form_get_choice (MdForm *form,
                    guint   field)
{
  g_return_val_if_fail (field < form->fields->len, 0);

  return adw_combo_row_get_selected (form->fields->pdata[field]);
}

/**
 * md_form_get_approver:
 *
 * Returns: (nullable): the supervisor named, or %NULL when none was
 */
const char *
md_form_get_approver (MdForm *form)
{
  const char *text = form->approver != NULL ? gtk_editable_get_text (form->approver) : NULL;

  return text != NULL && *text != '\0' ? text : NULL;
}

const char *
md_form_get_password (MdForm *form)
{
  return form->password != NULL ? gtk_editable_get_text (form->password) : "";
}
