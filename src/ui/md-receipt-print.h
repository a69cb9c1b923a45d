/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "md-worker.h"

G_BEGIN_DECLS

typedef enum
{
  MD_RECEIPT_PRINT_DIRECT,   /* to the printer, no dialog (after a sale) */
  MD_RECEIPT_PRINT_DIALOG,   /* the print dialog, with its preview */
  MD_RECEIPT_PRINT_EXPORT,   /* to a PDF file */
} MdReceiptPrintMode;

void   md_receipt_print         (GtkWindow            *parent,
                                 MdWorker             *worker,
                                 gint64                sale_id,
                                 gboolean              reprint,
                                 const char           *template_name,
                                 const char           *printer,
                                 MdReceiptPrintMode    mode,
                                 const char           *export_path,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
char  *md_receipt_print_finish  (GAsyncResult         *result,
                                 GError              **error);

G_END_DECLS
