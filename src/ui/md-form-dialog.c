/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "md-form-dialog.h"

/* The fields live in a boxed list that is the dialog's extra child; the
 * dialog keeps a table key → row. A response may name required fields: it
 * is enabled only while each of them holds something besides blanks. */

typedef struct
{
  GtkWidget   *list;
  GHashTable  *fields;     /* key → row widget, borrowed: the list owns them */
  GPtrArray   *required;   /* Required */
} Form;

typedef struct
{
  char   *response;
  GStrv   keys;
} Required;

static void
required_free (gpointer data)
{
  Required *required = data;

  g_free (required->response);
  g_strfreev (required->keys);
  g_free (required);
}

static void
form_free (gpointer data)
{
  Form *form = data;

  g_hash_table_unref (form->fields);
  g_ptr_array_unref (form->required);
  g_free (form);
}

static Form *
get_form (AdwMessageDialog *dialog)
{
  Form *form = g_object_get_data (G_OBJECT (dialog), "md-form");

  g_return_val_if_fail (form != NULL, NULL);
  return form;
}

static gboolean
has_text (GtkWidget *field)
{
  const char *text;

  if (!GTK_IS_EDITABLE (field))
    return TRUE;
  text = gtk_editable_get_text (GTK_EDITABLE (field));
  for (; *text != '\0'; text = g_utf8_next_char (text))
    if (!g_unichar_isspace (g_utf8_get_char (text)))
      return TRUE;
  return FALSE;
}

static void
update_responses (AdwMessageDialog *dialog)
{
  Form *form = get_form (dialog);

  for (guint i = 0; i < form->required->len; i++)
    {
      Required *required = form->required->pdata[i];
      gboolean enabled = TRUE;

      for (guint k = 0; required->keys[k] != NULL && enabled; k++)
        enabled = has_text (g_hash_table_lookup (form->fields, required->keys[k]));
      adw_message_dialog_set_response_enabled (dialog, required->response, enabled);
    }
}

static void
field_changed_cb (GtkEditable      *editable,
                  AdwMessageDialog *dialog)
{
  update_responses (dialog);
}

static void
add_row (AdwMessageDialog *dialog,
         const char       *key,
         GtkWidget        *row)
{
  Form *form = get_form (dialog);

  gtk_list_box_append (GTK_LIST_BOX (form->list), row);
  g_hash_table_insert (form->fields, g_strdup (key), row);
  if (GTK_IS_EDITABLE (row))
    g_signal_connect_object (row, "changed", G_CALLBACK (field_changed_cb), dialog, 0);
}

/**
 * md_form_dialog_new:
 * @parent: a widget of the window the dialog belongs to
 *
 * Returns: (transfer none): a dialog with a Cancel response and no field
 *   yet; it is destroyed when it answers
 */
AdwMessageDialog *
md_form_dialog_new (GtkWidget  *parent,
                    const char *heading,
                    const char *body)
{
  GtkRoot *root = gtk_widget_get_root (parent);
  AdwMessageDialog *dialog;
  Form *form = g_new0 (Form, 1);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                             : NULL,
                                                       heading, body));
  form->list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (form->list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (form->list, "boxed-list");
  gtk_widget_set_visible (form->list, FALSE);
  form->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  form->required = g_ptr_array_new_with_free_func (required_free);
  g_object_set_data_full (G_OBJECT (dialog), "md-form", form, form_free);
  adw_message_dialog_set_extra_child (dialog, form->list);
  adw_message_dialog_add_response (dialog, "cancel", _("_Cancel"));
  adw_message_dialog_set_close_response (dialog, "cancel");
  return dialog;
}

void
md_form_dialog_add_entry (AdwMessageDialog *dialog,
                          const char       *key,
                          const char       *title,
                          const char       *text)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (row), TRUE);
  if (text != NULL)
    gtk_editable_set_text (GTK_EDITABLE (row), text);
  gtk_widget_set_visible (get_form (dialog)->list, TRUE);
  add_row (dialog, key, row);
}

void
md_form_dialog_add_password (AdwMessageDialog *dialog,
                             const char       *key,
                             const char       *title)
{
  GtkWidget *row = adw_password_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (row), TRUE);
  gtk_widget_set_visible (get_form (dialog)->list, TRUE);
  add_row (dialog, key, row);
}

/**
 * md_form_dialog_add_combo:
 * @labels: (array zero-terminated=1): the choices, shown as given
 */
void
md_form_dialog_add_combo (AdwMessageDialog   *dialog,
                          const char         *key,
                          const char         *title,
                          const char * const *labels,
                          guint               selected)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr(GtkStringList) model = gtk_string_list_new (labels);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
  gtk_widget_set_visible (get_form (dialog)->list, TRUE);
  add_row (dialog, key, row);
}

void
md_form_dialog_add_check (AdwMessageDialog *dialog,
                          const char       *key,
                          const char       *title,
                          const char       *subtitle,
                          gboolean          active)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), active);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  g_object_set_data (G_OBJECT (row), "md-check", check);
  gtk_widget_set_visible (get_form (dialog)->list, TRUE);
  add_row (dialog, key, row);
}

/**
 * md_form_dialog_add_response:
 * @required: (array zero-terminated=1) (nullable): fields that must be
 *   filled for this response; %NULL for none
 *
 * Adds a response that also becomes the default (Enter in a field).
 */
void
md_form_dialog_add_response (AdwMessageDialog      *dialog,
                             const char            *response,
                             const char            *label,
                             AdwResponseAppearance  appearance,
                             const char * const    *required)
{
  Form *form = get_form (dialog);

  adw_message_dialog_add_response (dialog, response, label);
  adw_message_dialog_set_response_appearance (dialog, response, appearance);
  adw_message_dialog_set_default_response (dialog, response);
  if (required != NULL)
    {
      Required *r = g_new0 (Required, 1);

      r->response = g_strdup (response);
      r->keys = g_strdupv ((char **) required);
      g_ptr_array_add (form->required, r);
    }
  update_responses (dialog);
}

/**
 * md_form_dialog_get_field:
 *
 * Returns: (transfer none): the row of @key
 */
GtkWidget *
md_form_dialog_get_field (AdwMessageDialog *dialog,
                          const char       *key)
{
  GtkWidget *field = g_hash_table_lookup (get_form (dialog)->fields, key);

  g_return_val_if_fail (field != NULL, NULL);
  return field;
}

/**
 * md_form_dialog_get_text:
 *
 * Returns: (transfer full): the field's text without blanks around it
 */
char *
md_form_dialog_get_text (AdwMessageDialog *dialog,
                         const char       *key)
{
  GtkWidget *field = md_form_dialog_get_field (dialog, key);

  g_return_val_if_fail (GTK_IS_EDITABLE (field), NULL);
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (field))));
}

/**
 * md_form_dialog_get_secret:
 *
 * Returns: (transfer full): the field's text as typed; free it with
 *   md_secret_free()
 */
char *
md_form_dialog_get_secret (AdwMessageDialog *dialog,
                           const char       *key)
{
  GtkWidget *field = md_form_dialog_get_field (dialog, key);

  g_return_val_if_fail (GTK_IS_EDITABLE (field), NULL);
  return g_strdup (gtk_editable_get_text (GTK_EDITABLE (field)));
}

guint
md_form_dialog_get_selected (AdwMessageDialog *dialog,
                             const char       *key)
{
  GtkWidget *field = md_form_dialog_get_field (dialog, key);

  g_return_val_if_fail (ADW_IS_COMBO_ROW (field), 0);
  return adw_combo_row_get_selected (ADW_COMBO_ROW (field));
}

gboolean
md_form_dialog_get_active (AdwMessageDialog *dialog,
                           const char       *key)
{
  GtkWidget *field = md_form_dialog_get_field (dialog, key);
  GtkWidget *check = g_object_get_data (G_OBJECT (field), "md-check");

  g_return_val_if_fail (GTK_IS_CHECK_BUTTON (check), FALSE);
  return gtk_check_button_get_active (GTK_CHECK_BUTTON (check));
}

/* Shows the dialog with the cursor in its first text field. */
void
md_form_dialog_present (AdwMessageDialog *dialog)
{
  Form *form = get_form (dialog);

  gtk_window_present (GTK_WINDOW (dialog));
  for (GtkWidget *row = gtk_widget_get_first_child (form->list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_EDITABLE (row))
      {
        gtk_widget_grab_focus (row);
        break;
      }
}

/* Passwords do not linger in freed memory. */
void
md_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  memset (secret, 0, strlen (secret));
  g_free (secret);
}
