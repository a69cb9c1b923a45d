/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "md-print.h"
#include "md-receipt-print.h"
#include "md-report.h"

/* A sale's receipt from the database (so one that failed to print prints
 * later), laid out on the worker with the window's template, then printed
 * through GtkPrintOperation. */

typedef struct
{
  gint64   sale_id;
  gboolean reprint;
  char    *template_name;
} Job;

typedef struct
{
  MdPrintDocument *document;
  char            *number;
} Laid;

typedef struct
{
  GtkWindow          *parent;
  MdReceiptPrintMode  mode;
  char               *printer;
  char               *export_path;
  Laid               *laid;
} Call;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_free (job->template_name);
  g_free (job);
}

static void
laid_free (gpointer data)
{
  Laid *laid = data;

  g_clear_pointer (&laid->document, md_print_document_unref);
  g_free (laid->number);
  g_free (laid);
}

static void
call_free (gpointer data)
{
  Call *call = data;

  g_clear_object (&call->parent);
  g_free (call->printer);
  g_free (call->export_path);
  g_clear_pointer (&call->laid, laid_free);
  g_free (call);
}

static gpointer
lay_out_job (MdStore       *store,
             MdSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  Job *job = data;
  g_autoptr(MdReceipt) receipt = NULL;
  g_autoptr(MdReceiptTemplate) template_ = NULL;
  Laid *laid;

  if (session == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, _("Sign in first"));
      return NULL;
    }
  if (!(receipt = md_receipt_load_sale (session, job->sale_id, job->reprint, error)) ||
      !(template_ = md_receipt_template_load (job->template_name, error)))
    return NULL;
  /* A reprint is recorded before it comes out of the printer. */
  if (job->reprint && !md_receipt_record_reprint (session, receipt, error))
    return NULL;
  laid = g_new0 (Laid, 1);
  laid->number = g_strdup (receipt->number);
  if (!(laid->document = md_receipt_render (receipt, template_, error)))
    {
      laid_free (laid);
      return NULL;
    }
  return laid;
}

static void
request_page_setup_cb (GtkPrintOperation *operation,
                       GtkPrintContext   *context,
                       int                page,
                       GtkPageSetup      *setup,
                       MdPrintDocument   *document)
{
  double width, height;
  g_autoptr(GtkPaperSize) paper = NULL;

  /* Each page its own size (a roll's receipts differ in length). */
  md_print_document_get_page_size (document, page, &width, &height);
  paper = gtk_paper_size_new_custom ("meterdesk-receipt", _("Receipt"), width, height, GTK_UNIT_POINTS);
  gtk_page_setup_set_paper_size (setup, paper);
  gtk_page_setup_set_orientation (setup, GTK_PAGE_ORIENTATION_PORTRAIT);
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page,
              MdPrintDocument   *document)
{
  md_print_document_draw_page (document, gtk_print_context_get_cairo_context (context), page);
}

static void
print_done_cb (GtkPrintOperation       *operation,
               GtkPrintOperationResult  result,
               GTask                   *task)
{
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      gtk_print_operation_get_error (operation, &error);
      g_task_return_error (task, error);
    }
  else if (result == GTK_PRINT_OPERATION_RESULT_CANCEL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Printing cancelled"));
  else
    g_task_return_pointer (task, g_strdup (call->laid->number), g_free);
  g_object_unref (task);
}

static void
laid_out_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GtkPrintOperation) operation = NULL;
  g_autoptr(GtkPrintSettings) settings = gtk_print_settings_new ();
  GtkPrintOperationAction action;
  GError *error = NULL;
  MdPrintDocument *document;

  if (!(call->laid = md_worker_run_finish (MD_WORKER (source), result, &error)))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  document = call->laid->document;

  operation = gtk_print_operation_new ();
  gtk_print_operation_set_job_name (operation, call->laid->number);
  gtk_print_operation_set_n_pages (operation, md_print_document_get_n_pages (document));
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  /* The template has its own margins. */
  gtk_print_operation_set_use_full_page (operation, TRUE);
  gtk_print_operation_set_embed_page_setup (operation, FALSE);
  if (call->printer != NULL && *call->printer != '\0')
    gtk_print_settings_set_printer (settings, call->printer);
  gtk_print_operation_set_print_settings (operation, settings);
  g_signal_connect (operation, "request-page-setup", G_CALLBACK (request_page_setup_cb), document);
  g_signal_connect (operation, "draw-page", G_CALLBACK (draw_page_cb), document);
  g_signal_connect (operation, "done", G_CALLBACK (print_done_cb), task);
  gtk_print_operation_set_allow_async (operation, TRUE);

  switch (call->mode)
    {
    case MD_RECEIPT_PRINT_DIALOG:
      action = GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG;
      break;
    case MD_RECEIPT_PRINT_EXPORT:
      gtk_print_operation_set_export_filename (operation, call->export_path);
      action = GTK_PRINT_OPERATION_ACTION_EXPORT;
      break;
    case MD_RECEIPT_PRINT_DIRECT:
    default:
      action = GTK_PRINT_OPERATION_ACTION_PRINT;
      break;
    }
  if (gtk_print_operation_run (operation, action, call->parent, &error) ==
      GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      /* "done" does not follow a failure to start. */
      g_signal_handlers_disconnect_by_func (operation, print_done_cb, task);
      g_task_return_error (task, error);
      g_object_unref (task);
    }
}

/**
 * md_receipt_print:
 * @parent: (nullable): the window the print dialog belongs to
 * @template_name: a receipt template name or file (the setting)
 * @printer: (nullable): a printer name; %NULL or empty for the default
 * @export_path: (nullable): the PDF to write, for %MD_RECEIPT_PRINT_EXPORT
 * @reprint: mark it 补打 and record the reprint in the audit log
 *
 * Prints sale @sale_id's receipt; finishes with its number.
 */
void
md_receipt_print (GtkWindow            *parent,
                  MdWorker             *worker,
                  gint64                sale_id,
                  gboolean              reprint,
                  const char           *template_name,
                  const char           *printer,
                  MdReceiptPrintMode    mode,
                  const char           *export_path,
                  GCancellable         *cancellable,
                  GAsyncReadyCallback   callback,
                  gpointer              user_data)
{
  GTask *task = g_task_new (parent, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);
  Job *job = g_new0 (Job, 1);

  g_return_if_fail (MD_IS_WORKER (worker));
  g_return_if_fail (mode != MD_RECEIPT_PRINT_EXPORT || export_path != NULL);

  call->parent = parent != NULL ? g_object_ref (parent) : NULL;
  call->mode = mode;
  call->printer = g_strdup (printer);
  call->export_path = g_strdup (export_path);
  g_task_set_task_data (task, call, call_free);
  g_task_set_source_tag (task, md_receipt_print);

  job->sale_id = sale_id;
  job->reprint = reprint;
  job->template_name = g_strdup (template_name != NULL && *template_name != '\0'
                                 ? template_name : "a4-3part");
  md_worker_run (worker, lay_out_job, job, job_free, laid_free, cancellable, laid_out_cb, task);
}

/**
 * md_receipt_print_finish:
 *
 * Returns: (transfer full): the receipt number printed, or %NULL with
 *   @error set (%G_IO_ERROR_CANCELLED when the operator cancelled)
 */
char *
md_receipt_print_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
