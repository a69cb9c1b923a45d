/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "md-form.h"

/* A response may require fields: it is enabled only while each of them
 * holds something besides blanks. */
typedef struct
{
  char   *response;
  guint   field;
} Requirement;

struct _MdForm
{
  AdwMessageDialog  *dialog;
  GtkWidget         *list;
  GPtrArray         *fields;     /* what holds each value, in the order added */
  GArray            *required;   /* Requirement */
  GtkEditable       *approver;
  GtkEditable       *password;
  MdFormCallback     callback;
  gpointer           user_data;
  GDestroyNotify     user_data_free;
  gboolean           answered;
};

static void
requirement_clear (gpointer data)
{
  Requirement *requirement = data;

  g_free (requirement->response);
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

static gboolean
has_text (GtkEditable *field)
{
  const char *text = gtk_editable_get_text (field);

  for (; *text != '\0'; text = g_utf8_next_char (text))
    if (!g_unichar_isspace (g_utf8_get_char (text)))
      return TRUE;
  return FALSE;
}

static void
update_responses (MdForm *form)
{
  for (guint i = 0; i < form->required->len; i++)
    {
      const char *response = g_array_index (form->required, Requirement, i).response;
      gboolean enabled = TRUE;

      for (guint k = 0; k < form->required->len && enabled; k++)
        {
          Requirement *requirement = &g_array_index (form->required, Requirement, k);

          if (g_str_equal (requirement->response, response))
            enabled = has_text (form->fields->pdata[requirement->field]);
        }
      adw_message_dialog_set_response_enabled (form->dialog, response, enabled);
    }
}

static void
form_free (MdForm *form)
{
  if (form->user_data_free != NULL)
    form->user_data_free (form->user_data);
  /* The dialog outlives the form by a moment: its fields must not call back. */
  for (guint i = 0; i < form->required->len; i++)
    {
      guint field = g_array_index (form->required, Requirement, i).field;

      g_signal_handlers_disconnect_by_data (form->fields->pdata[field], form);
    }
  g_array_unref (form->required);
  g_ptr_array_unref (form->fields);
  g_free (form);
}

static void
required_changed_cb (GtkEditable *editable,
                     MdForm      *form)
{
  update_responses (form);
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
 * md_form_new:
 * @parent: (nullable): any widget of the window the dialog belongs to
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
  form->required = g_array_new (FALSE, FALSE, sizeof (Requirement));
  g_array_set_clear_func (form->required, requirement_clear);
  adw_message_dialog_add_response (form->dialog, "cancel", _("_Cancel"));
  adw_message_dialog_set_close_response (form->dialog, "cancel");
  return form;
}

GtkEditable *
md_form_add_entry (MdForm     *form,
                   const char *title,
                   const char *text)
{
  g_return_val_if_fail (form != NULL, NULL);

  return add_editable (form, adw_entry_row_new (), title, text);
}

/**
 * md_form_add_password:
 *
 * A field whose text is hidden; read it with md_form_get_secret().
 */
GtkEditable *
md_form_add_password (MdForm     *form,
                      const char *title)
{
  g_return_val_if_fail (form != NULL, NULL);

  return add_editable (form, adw_password_entry_row_new (), title, NULL);
}

/**
 * md_form_add_choice:
 * @labels: (array zero-terminated=1): the choices, shown as given
 */
AdwComboRow *
md_form_add_choice (MdForm             *form,
                    const char         *title,
                    const char * const *labels,
                    guint               selected)
{
  GtkWidget *row;
  g_autoptr(GtkStringList) model = NULL;

  g_return_val_if_fail (form != NULL, NULL);

  row = adw_combo_row_new ();
  model = gtk_string_list_new (labels);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
  add_row (form, row);
  g_ptr_array_add (form->fields, row);
  return ADW_COMBO_ROW (row);
}

/**
 * md_form_add_check:
 * @subtitle: (nullable): a line under the title
 *
 * A yes-or-no field: a check box in front of the title; the whole row
 * toggles it.
 */
GtkCheckButton *
md_form_add_check (MdForm     *form,
                   const char *title,
                   const char *subtitle,
                   gboolean    active)
{
  GtkWidget *row;
  GtkWidget *check;

  g_return_val_if_fail (form != NULL, NULL);

  row = adw_action_row_new ();
  check = gtk_check_button_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), active);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  add_row (form, row);
  g_ptr_array_add (form->fields, check);
  return GTK_CHECK_BUTTON (check);
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
  GtkWidget *name;
  GtkWidget *password;

  g_return_if_fail (form != NULL);

  name = adw_entry_row_new ();
  password = adw_password_entry_row_new ();
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
  g_return_if_fail (form != NULL);

  adw_message_dialog_add_response (form->dialog, id, label);
  adw_message_dialog_set_response_appearance (form->dialog, id, appearance);
  if (appearance != ADW_RESPONSE_DEFAULT)
    adw_message_dialog_set_default_response (form->dialog, id);
}

/**
 * md_form_require:
 * @response: a response added before
 * @field: the index of a text or password field
 *
 * Enables @response only while @field holds something besides blanks; a
 * response may require several fields.
 */
void
md_form_require (MdForm     *form,
                 const char *response,
                 guint       field)
{
  Requirement requirement;

  g_return_if_fail (form != NULL);
  g_return_if_fail (adw_message_dialog_has_response (form->dialog, response));
  g_return_if_fail (field < form->fields->len);
  g_return_if_fail (GTK_IS_EDITABLE (form->fields->pdata[field]));

  requirement.response = g_strdup (response);
  requirement.field = field;
  g_array_append_val (form->required, requirement);
  g_signal_connect (form->fields->pdata[field], "changed",
                    G_CALLBACK (required_changed_cb), form);
  update_responses (form);
}

/**
 * md_form_set_default_response:
 *
 * Makes @id the response Enter gives, for a form whose action must be
 * chosen with the pointer or Tab ("cancel" keeps Enter harmless).
 */
void
md_form_set_default_response (MdForm     *form,
                              const char *id)
{
  g_return_if_fail (form != NULL);

  adw_message_dialog_set_default_response (form->dialog, id);
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
  g_return_if_fail (form != NULL);
  g_return_if_fail (callback != NULL);

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
 * Returns: (transfer full) (nullable): the text without surrounding blanks,
 *   or %NULL when empty
 */
char *
md_form_get_text (MdForm *form,
                  guint   field)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (form != NULL, NULL);
  g_return_val_if_fail (field < form->fields->len, NULL);
  g_return_val_if_fail (GTK_IS_EDITABLE (form->fields->pdata[field]), NULL);

  text = g_strstrip (g_strdup (gtk_editable_get_text (form->fields->pdata[field])));
  return *text != '\0' ? g_steal_pointer (&text) : NULL;
}

/**
 * md_form_get_secret:
 * @field: its index among the fields added, a password field
 *
 * Returns: (transfer full): the text as typed, blanks and all, possibly
 *   empty; free it with md_form_secret_free()
 */
char *
md_form_get_secret (MdForm *form,
                    guint   field)
{
  g_return_val_if_fail (form != NULL, NULL);
  g_return_val_if_fail (field < form->fields->len, NULL);
  g_return_val_if_fail (GTK_IS_EDITABLE (form->fields->pdata[field]), NULL);

  return g_strdup (gtk_editable_get_text (form->fields->pdata[field]));
}

guint
md_form_get_choice (MdForm *form,
                    guint   field)
{
  g_return_val_if_fail (form != NULL, 0);
  g_return_val_if_fail (field < form->fields->len, 0);
  g_return_val_if_fail (ADW_IS_COMBO_ROW (form->fields->pdata[field]), 0);

  return adw_combo_row_get_selected (form->fields->pdata[field]);
}

gboolean
md_form_get_active (MdForm *form,
                    guint   field)
{
  g_return_val_if_fail (form != NULL, FALSE);
  g_return_val_if_fail (field < form->fields->len, FALSE);
  g_return_val_if_fail (GTK_IS_CHECK_BUTTON (form->fields->pdata[field]), FALSE);

  return gtk_check_button_get_active (form->fields->pdata[field]);
}

/**
 * md_form_get_approver:
 *
 * Returns: (nullable): the supervisor named, or %NULL when none was
 */
const char *
md_form_get_approver (MdForm *form)
{
  const char *text;

  g_return_val_if_fail (form != NULL, NULL);

  text = form->approver != NULL ? gtk_editable_get_text (form->approver) : NULL;
  return text != NULL && *text != '\0' ? text : NULL;
}

/**
 * md_form_get_password:
 *
 * Returns: (transfer none): the supervisor's password as typed, "" when
 *   there is none; a copy is wiped like md_form_secret_free() does
 */
const char *
md_form_get_password (MdForm *form)
{
  g_return_val_if_fail (form != NULL, "");

  return form->password != NULL ? gtk_editable_get_text (form->password) : "";
}

/* Passwords do not linger in freed memory. */
void
md_form_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  memset (secret, 0, strlen (secret));
  g_free (secret);
}
