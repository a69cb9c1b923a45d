/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "md-worker.h"

G_BEGIN_DECLS

/*
 * The counter's dialogs: reverse the last sale, settle pending sales, open
 * and close the shift. Each asks, runs its service call on the worker and
 * finishes with the one line the status bar shows.
 */

void   md_sale_dialog_reverse  (GtkWidget            *parent,
                                MdWorker             *worker,
                                gint64                sale_id,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
void   md_sale_dialog_pending  (GtkWidget            *parent,
                                MdWorker             *worker,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
void   md_sale_dialog_shift    (GtkWidget            *parent,
                                MdWorker             *worker,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
char  *md_sale_dialog_finish   (GAsyncResult         *result,
                                GError              **error);

char  *md_sale_row_receipt     (JsonObject           *sale);

G_END_DECLS
