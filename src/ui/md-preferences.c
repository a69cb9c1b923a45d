/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "md-preferences.h"
#include "md-store.h"
#include "md-validate.h"

/* This window's settings (GSettings org.meterdesk.Meterdesk): the database
 * and terminal it works as, the idle lock, receipts and devices. Text
 * settings are applied with the row's apply button, after a check. */

struct _MdPreferences
{
  AdwPreferencesWindow  parent_instance;

  AdwEntryRow   *database_row;
  AdwEntryRow   *terminal_row;
  GtkSpinButton *idle_spin;
  GtkSwitch     *print_switch;
  AdwEntryRow   *template_row;
  AdwEntryRow   *printer_row;
  AdwEntryRow   *reader_row;
  GtkSwitch     *demo_card_switch;

  GSettings     *settings;
};

G_DEFINE_FINAL_TYPE (MdPreferences, md_preferences, ADW_TYPE_PREFERENCES_WINDOW)

static void
complain (MdPreferences *self,
          const char    *message)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
}

static void
saved (MdPreferences *self)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (_("Saved")));
}

static void
database_apply_cb (MdPreferences *self)
{
  g_autofree char *uri = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->database_row))));

  /* Only the form is checked here: the database itself is opened at the
   * next start, which says plainly when it cannot be used. */
  if (*uri != '\0' && !md_store_uri_is_postgresql (uri) && !g_str_has_prefix (uri, "sqlite:") &&
      !g_path_is_absolute (uri))
    {
      complain (self, _("Give a postgresql:// address, sqlite:PATH or an absolute file path"));
      return;
    }
  g_settings_set_string (self->settings, "database-uri", uri);
  saved (self);
}

static void
terminal_apply_cb (MdPreferences *self)
{
  g_autofree char *id = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->terminal_row))));
  g_autoptr(GError) error = NULL;

  if (!md_validate_code (id, _("terminal id"), &error))
    {
      complain (self, error->message);
      return;
    }
  g_settings_set_string (self->settings, "terminal-id", id);
  saved (self);
}

static void
set_text_setting (MdPreferences *self,
                  AdwEntryRow   *row,
                  const char    *key)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  g_settings_set_string (self->settings, key, text);
  saved (self);
}

static void
template_apply_cb (MdPreferences *self)
{
  set_text_setting (self, self->template_row, "receipt-template");
}

static void
printer_apply_cb (MdPreferences *self)
{
  set_text_setting (self, self->printer_row, "receipt-printer");
}

static void
reader_apply_cb (MdPreferences *self)
{
  set_text_setting (self, self->reader_row, "card-reader");
}

static void
md_preferences_dispose (GObject *object)
{
  MdPreferences *self = MD_PREFERENCES (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), MD_TYPE_PREFERENCES);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (md_preferences_parent_class)->dispose (object);
}

static void
md_preferences_class_init (MdPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = md_preferences_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/meterdesk/Meterdesk/ui/md-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, MdPreferences, database_row);
  gtk_widget_class_bind_template_child (widget_class, MdPreferences, terminal_row);
  gtk_widget_class_bind_template_child (widget_class, MdPreferences, idle_spin);
  gtk_widget_class_bind_template_child (widget_class, MdPreferences, print_switch);
  gtk_widget_class_bind_template_child (widget_class, MdPreferences, template_row);
  gtk_widget_class_bind_template_child (widget_class, MdPreferences, printer_row);
  gtk_widget_class_bind_template_child (widget_class, MdPreferences, reader_row);
  gtk_widget_class_bind_template_child (widget_class, MdPreferences, demo_card_switch);
  gtk_widget_class_bind_template_callback (widget_class, database_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, terminal_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, template_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, printer_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, reader_apply_cb);
}

static void
md_preferences_init (MdPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * md_preferences_new:
 * @settings: the application's settings
 */
MdPreferences *
md_preferences_new (GtkWindow *parent,
                    GSettings *settings)
{
  MdPreferences *self = g_object_new (MD_TYPE_PREFERENCES, "transient-for", parent, NULL);
  g_autofree char *uri = NULL;
  g_autofree char *terminal = NULL;
  g_autofree char *template = NULL;
  g_autofree char *printer = NULL;
  g_autofree char *reader = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self->settings = g_object_ref (settings);
  uri = g_settings_get_string (settings, "database-uri");
  terminal = g_settings_get_string (settings, "terminal-id");
  template = g_settings_get_string (settings, "receipt-template");
  printer = g_settings_get_string (settings, "receipt-printer");
  reader = g_settings_get_string (settings, "card-reader");
  gtk_editable_set_text (GTK_EDITABLE (self->database_row), uri);
  gtk_editable_set_text (GTK_EDITABLE (self->terminal_row), terminal);
  gtk_editable_set_text (GTK_EDITABLE (self->template_row), template);
  gtk_editable_set_text (GTK_EDITABLE (self->printer_row), printer);
  gtk_editable_set_text (GTK_EDITABLE (self->reader_row), reader);

  /* Switches and the spin button write through at once. */
  g_settings_bind (settings, "idle-lock-minutes", self->idle_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "print-receipt-automatically", self->print_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "show-demo-card-button", self->demo_card_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  return self;
}
