/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/*
 * A small form in an AdwMessageDialog (UX.md: the back office asks in
 * dialogs, every destructive action confirmed): rows named by a key, read
 * back by that key when the dialog answers. The dialog owns its fields.
 */

AdwMessageDialog  *md_form_dialog_new            (GtkWidget           *parent,
                                                  const char          *heading,
                                                  const char          *body);
void               md_form_dialog_add_entry      (AdwMessageDialog    *dialog,
                                                  const char          *key,
                                                  const char          *title,
                                                  const char          *text);
void               md_form_dialog_add_password   (AdwMessageDialog    *dialog,
                                                  const char          *key,
                                                  const char          *title);
void               md_form_dialog_add_combo      (AdwMessageDialog    *dialog,
                                                  const char          *key,
                                                  const char          *title,
                                                  const char * const  *labels,
                                                  guint                selected);
void               md_form_dialog_add_check      (AdwMessageDialog    *dialog,
                                                  const char          *key,
                                                  const char          *title,
                                                  const char          *subtitle,
                                                  gboolean             active);
void               md_form_dialog_add_response   (AdwMessageDialog    *dialog,
                                                  const char          *response,
                                                  const char          *label,
                                                  AdwResponseAppearance appearance,
                                                  const char * const  *required);
GtkWidget         *md_form_dialog_get_field      (AdwMessageDialog    *dialog,
                                                  const char          *key);
char              *md_form_dialog_get_text       (AdwMessageDialog    *dialog,
                                                  const char          *key);
char              *md_form_dialog_get_secret     (AdwMessageDialog    *dialog,
                                                  const char          *key);
guint              md_form_dialog_get_selected   (AdwMessageDialog    *dialog,
                                                  const char          *key);
gboolean           md_form_dialog_get_active     (AdwMessageDialog    *dialog,
                                                  const char          *key);
void               md_form_dialog_present        (AdwMessageDialog    *dialog);

void               md_secret_free                (char                *secret);

G_END_DECLS
