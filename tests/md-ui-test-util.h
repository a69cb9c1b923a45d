/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "md-application.h"
#include "md-window.h"

G_BEGIN_DECLS

/* Widgets are found by their title (a preferences row), label (a button)
 * or tooltip. */

/* Driving the GTK app in tests the way an operator would: fields found by
 * their titles, dialogs answered by their buttons, and waiting for what the
 * screen shows (never a fixed sleep before an assertion). */

#define WAIT_SECONDS 120

typedef gboolean (*Condition) (gpointer data);
typedef const char *(*TextGetter) (gpointer object);
typedef gboolean (*BusyGetter) (gpointer object);

void               wait_for       (Condition           condition,
                                   gpointer            data,
                                   const char         *what);
void               wait_text      (TextGetter          get,
                                   BusyGetter          busy,
                                   gpointer            object,
                                   const char         *text);
void               spin           (guint               ms);
gboolean           page_is_login  (gpointer            window);
gboolean           page_is_main   (gpointer            window);

void               ui_test_init   (int                *argc,
                                   char             ***argv);

typedef void (*AppScript) (MdApplication *app,
                           MdWindow      *window,
                           gpointer       data);

void               run_app        (const char         *db,
                                   AppScript           script,
                                   gpointer            data);
GtkWidget         *find_widget    (GtkWidget          *root,
                                   GType               type,
                                   const char         *title);
GtkWidget         *need_widget    (GtkWidget          *root,
                                   GType               type,
                                   const char         *title);
AdwMessageDialog  *find_dialog    (void);
gboolean           dialog_shown   (gpointer            data);
gboolean           dialog_gone    (gpointer            data);
void               fill           (GtkWidget          *root,
                                   const char         *title,
                                   const char         *text);
void               answer_dialog  (const char * const *fields,
                                   const char         *response);
void               choose         (GtkWidget          *root,
                                   const char         *title,
                                   const char         *label);

/* Real key events, through xdotool (XTEST). */
void               xdo            (const char         *first,
                                   ...) G_GNUC_NULL_TERMINATED;
char              *xid_of         (GtkWidget          *window);
void               focus_dialog   (void);
void               sign_in_as     (MdWindow           *window,
                                   const char         *name,
                                   const char         *password);
void               keys_sign_in   (MdWindow           *window,
                                   const char         *name,
                                   const char         *password);
void               keys_open_shift (MdWindow          *window,
                                    const char        *float_yuan);

G_END_DECLS
