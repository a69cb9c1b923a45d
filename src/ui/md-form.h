/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/*
 * A small form in a message dialog (UX.md: the back office asks in dialogs,
 * every destructive action confirmed): a heading, a sentence saying what
 * will happen, fields as preference rows, and the responses. Fields are read
 * back by their index, in the order they were added. The callback runs once,
 * with the response, while the fields can still be read; the form is freed
 * after it.
 */

typedef struct _MdForm MdForm;

/* A password read from a form: g_auto(MdFormSecret) wipes it when freed. */
typedef char *MdFormSecret;

typedef void (*MdFormCallback) (MdForm     *form,
                                const char *response,
                                gpointer    user_data);

MdForm         *md_form_new                  (GtkWidget              *parent,
                                              const char             *heading,
                                              const char             *body);
GtkEditable    *md_form_add_entry            (MdForm                 *form,
                                              const char             *title,
                                              const char             *text);
GtkEditable    *md_form_add_password         (MdForm                 *form,
                                              const char             *title);
AdwComboRow    *md_form_add_choice           (MdForm                 *form,
                                              const char             *title,
                                              const char * const     *labels,
                                              guint                   selected);
GtkCheckButton *md_form_add_check            (MdForm                 *form,
                                              const char             *title,
                                              const char             *subtitle,
                                              gboolean                active);
void            md_form_add_approver         (MdForm                 *form);
void            md_form_add_response         (MdForm                 *form,
                                              const char             *id,
                                              const char             *label,
                                              AdwResponseAppearance   appearance);
void            md_form_require              (MdForm                 *form,
                                              const char             *response,
                                              guint                   field);
void            md_form_set_default_response (MdForm                 *form,
                                              const char             *id);
void            md_form_run                  (MdForm                 *form,
                                              MdFormCallback          callback,
                                              gpointer                user_data,
                                              GDestroyNotify          user_data_free);

char           *md_form_get_text             (MdForm                 *form,
                                              guint                   field);
char           *md_form_get_secret           (MdForm                 *form,
                                              guint                   field);
guint           md_form_get_choice           (MdForm                 *form,
                                              guint                   field);
gboolean        md_form_get_active           (MdForm                 *form,
                                              guint                   field);
const char     *md_form_get_approver         (MdForm                 *form);
const char     *md_form_get_password         (MdForm                 *form);

void            md_form_secret_free          (char                   *secret);

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (MdFormSecret, md_form_secret_free, NULL)

G_END_DECLS
