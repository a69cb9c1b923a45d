/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "md-print.h"
#include "md-reports-page.h"
#include "md-validate.h"

/* Reports (报表, docs/reports.md): the report and its range on the left,
 * the table on the right in a column view — one column per report column,
 * typed (numbers right-aligned in tabular figures), sortable, the totals
 * row always last. The query runs on the worker; exports and layouts in a
 * thread; printing goes through GtkPrintOperation drawing the print
 * layer's pages, with the print dialog's preview. */

/* ---- rows of the column view: an index into the table ---- */

#define MD_TYPE_REPORT_ITEM (md_report_item_get_type ())
G_DECLARE_FINAL_TYPE (MdReportItem, md_report_item, MD, REPORT_ITEM, GObject)

struct _MdReportItem
{
  GObject   parent_instance;

  guint     row;
  gboolean  total;
};

G_DEFINE_FINAL_TYPE (MdReportItem, md_report_item, G_TYPE_OBJECT)

static void
md_report_item_class_init (MdReportItemClass *klass)
{
}

static void
md_report_item_init (MdReportItem *self)
{
}

static MdReportItem *
report_item_new (guint    row,
                 gboolean total)
{
  MdReportItem *self = g_object_new (MD_TYPE_REPORT_ITEM, NULL);

  self->row = row;
  self->total = total;
  return self;
}

/* ---- the page ---- */

typedef enum
{
  REPORT_SALES,
  REPORT_ENERGY,
  REPORT_TRAIL,
  REPORT_SHIFTS,
  REPORT_AUDIT,
  REPORT_ALERTS,
  REPORT_OFFLINE,
  N_REPORTS
} Report;

typedef enum
{
  FIELD_RANGE    = 1 << 0,
  FIELD_PERIOD   = 1 << 1,
  FIELD_GROUP    = 1 << 2,
  FIELD_ACCOUNT  = 1 << 3,
  FIELD_OPERATOR = 1 << 4,
  FIELD_ALERT    = 1 << 5,
  FIELD_DAYS     = 1 << 6,
} Field;

static const struct
{
  const char     *key;
  const char     *label;
  Field           fields;
  MdReportPeriod  period;
} reports[N_REPORTS] = {
  { "sales", N_("Sales"), FIELD_RANGE | FIELD_PERIOD | FIELD_GROUP, MD_REPORT_PERIOD_ALL },
  { "energy", N_("Energy use of an account"), FIELD_RANGE | FIELD_PERIOD | FIELD_ACCOUNT,
    MD_REPORT_PERIOD_MONTH },
  { "trail", N_("Money and energy trail of an account"),
    FIELD_RANGE | FIELD_PERIOD | FIELD_ACCOUNT, MD_REPORT_PERIOD_MONTH },
  { "shifts", N_("Cash shifts"), FIELD_RANGE, MD_REPORT_PERIOD_ALL },
  { "audit", N_("Operation log"), FIELD_RANGE | FIELD_OPERATOR, MD_REPORT_PERIOD_ALL },
  { "alerts", N_("Alarms"), FIELD_RANGE | FIELD_ALERT, MD_REPORT_PERIOD_ALL },
  { "offline", N_("Meters without readings"), FIELD_DAYS, MD_REPORT_PERIOD_ALL },
};

typedef enum
{
  EXPORT_CSV,
  EXPORT_XLSX,
  EXPORT_PDF,
} ExportFormat;

static const char * const export_names[] = { "csv", "xlsx", "pdf" };

struct _MdReportsPage
{
  GtkWidget             parent_instance;

  /* template widgets */
  AdwToastOverlay      *toasts;
  AdwComboRow          *kind_row;
  AdwEntryRow          *from_row;
  AdwEntryRow          *to_row;
  AdwComboRow          *period_row;
  AdwComboRow          *group_row;
  AdwEntryRow          *account_row;
  AdwEntryRow          *operator_row;
  AdwEntryRow          *action_row;
  AdwEntryRow          *alert_kind_row;
  AdwActionRow         *open_row;
  GtkSwitch            *open_switch;
  AdwEntryRow          *days_row;
  AdwEntryRow          *z_row;
  GtkLabel             *title_label;
  GtkLabel             *params_label;
  GtkStack             *result_stack;
  GtkColumnView        *table_view;
  GtkLabel             *status_line;

  /* owned */
  MdWorker             *worker;
  GCancellable         *cancellable;
  GtkNativeDialog      *chooser;
  MdReportTable        *table;
  GListStore           *rows;       /* MdReportItem: the table's rows */
  GListStore           *totals;     /* MdReportItem: its totals row, or nothing */
  GtkPrintSettings     *print_settings;
  char                 *print_to_file;
  char                 *status;
  guint                 jobs;
  guint                 generation;
};

G_DEFINE_FINAL_TYPE (MdReportsPage, md_reports_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STATUS,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- helpers ---- */

static void
set_status (MdReportsPage *self,
            const char    *style,
            const char    *text)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_line), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_line), "success");
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_line), style);
  gtk_label_set_text (self->status_line, text != NULL ? text : "");
  g_free (self->status);
  self->status = g_strdup (text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

static void
show_success (MdReportsPage *self,
              const char    *text)
{
  /* A toast's title is markup in libadwaita 1.2. */
  g_autofree char *markup = g_markup_escape_text (text, -1);

  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (markup));
  set_status (self, "success", text);
}

static void
jobs_up (MdReportsPage *self)
{
  if (self->jobs++ == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
jobs_down (MdReportsPage *self)
{
  if (--self->jobs == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static gboolean
is_cancelled (GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static char *
entry_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static Report
selected_report (MdReportsPage *self)
{
  guint i = adw_combo_row_get_selected (self->kind_row);

  return i < N_REPORTS ? (Report) i : REPORT_SALES;
}

static gboolean
session_may (MdReportsPage *self,
             MdPermission   permission)
{
  g_autoptr(MdSession) session = self->worker != NULL ? md_worker_get_session (self->worker)
                                                      : NULL;

  return session != NULL && md_session_has_permission (session, permission);
}

static void
update_actions (MdReportsPage *self)
{
  gboolean reports_ok = session_may (self, MD_PERM_REPORT);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reports.run", reports_ok);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reports.export",
                                 reports_ok && self->table != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reports.print",
                                 reports_ok && self->table != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reports.print-x",
                                 session_may (self, MD_PERM_SHIFT) || reports_ok);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reports.print-z",
                                 session_may (self, MD_PERM_Z_REPORT) || reports_ok);
}

/* ---- the table in the column view ---- */

typedef struct
{
  MdReportTable *table;
  guint          column;
} Cell;

static void
cell_destroy (gpointer data)
{
  Cell *cell = data;

  md_report_table_unref (cell->table);
  g_free (cell);
}

static void
cell_free (gpointer  data,
           GClosure *closure)
{
  cell_destroy (data);
}

static gboolean
is_numeric (MdReportType type)
{
  return type != MD_REPORT_TYPE_TEXT && type != MD_REPORT_TYPE_TIME;
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);
  gboolean numeric = GPOINTER_TO_INT (user_data);

  gtk_label_set_xalign (GTK_LABEL (label), numeric ? 1.0 : 0.0);
  if (numeric)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              Cell                     *cell)
{
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  MdReportItem *row = gtk_list_item_get_item (item);
  g_autofree char *text = NULL;

  if (row->total)
    {
      const MdReportColumn *column = md_report_table_get_column (cell->table, cell->column);
      const MdReportValue *value = md_report_table_get_total (cell->table, cell->column);

      text = value != NULL
             ? md_report_format_value (column->type, value, MD_REPORT_STYLE_DISPLAY,
                                       md_report_table_get_timezone (cell->table))
             : NULL;
      gtk_widget_add_css_class (GTK_WIDGET (label), "heading");
    }
  else
    {
      text = md_report_table_format (cell->table, row->row, cell->column,
                                     MD_REPORT_STYLE_DISPLAY);
      gtk_widget_remove_css_class (GTK_WIDGET (label), "heading");
    }
  gtk_label_set_text (label, text != NULL ? text : "");
}

static int
compare_rows_cb (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  Cell *cell = user_data;
  const MdReportItem *ra = a;
  const MdReportItem *rb = b;
  const MdReportColumn *column = md_report_table_get_column (cell->table, cell->column);
  const MdReportValue *va = md_report_table_get_value (cell->table, ra->row, cell->column);
  const MdReportValue *vb = md_report_table_get_value (cell->table, rb->row, cell->column);

  /* Empty cells first, then by value; equal ones keep the report's order. */
  if (va->is_null != vb->is_null)
    return va->is_null ? -1 : 1;
  if (!va->is_null && column->type == MD_REPORT_TYPE_TEXT)
    {
      int order = g_utf8_collate (va->text != NULL ? va->text : "",
                                  vb->text != NULL ? vb->text : "");

      if (order != 0)
        return order;
    }
  else if (!va->is_null && va->number != vb->number)
    return va->number < vb->number ? -1 : 1;
  return ra->row < rb->row ? -1 : ra->row > rb->row;
}

static void
clear_columns (MdReportsPage *self)
{
  GListModel *columns = gtk_column_view_get_columns (self->table_view);

  while (g_list_model_get_n_items (columns) > 0)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, 0);

      gtk_column_view_remove_column (self->table_view, column);
    }
}

static char *
params_text (MdReportTable *table)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < md_report_table_get_n_params (table); i++)
    {
      const MdReportParam *param = md_report_table_get_param (table, i);

      if (text->len > 0)
        g_string_append (text, " · ");
      /* TRANSLATORS: a report's parameter: "From: 2026-03-01" */
      g_string_append_printf (text, _("%s: %s"), param->label, param->value);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
show_table (MdReportsPage *self,
            MdReportTable *table)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *params = params_text (table);
  guint n_rows = md_report_table_get_n_rows (table);

  /* The old columns go before the rows change under them. */
  clear_columns (self);
  g_clear_pointer (&self->table, md_report_table_unref);
  self->table = md_report_table_ref (table);

  for (guint i = 0; i < n_rows; i++)
    g_ptr_array_add (items, report_item_new (i, FALSE));
  g_list_store_splice (self->rows, 0, g_list_model_get_n_items (G_LIST_MODEL (self->rows)),
                       items->pdata, items->len);
  g_list_store_remove_all (self->totals);
  if (md_report_table_has_totals (table))
    {
      g_autoptr(MdReportItem) total = report_item_new (0, TRUE);

      g_list_store_append (self->totals, total);
    }

  for (guint c = 0; c < md_report_table_get_n_columns (table); c++)
    {
      const MdReportColumn *column = md_report_table_get_column (table, c);
      g_autofree char *heading = md_report_column_heading (column);
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) view_column = NULL;
      g_autoptr(GtkSorter) sorter = NULL;
      Cell *bind = g_new0 (Cell, 1);
      Cell *sort = g_new0 (Cell, 1);

      bind->table = md_report_table_ref (table);
      bind->column = c;
      sort->table = md_report_table_ref (table);
      sort->column = c;
      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb),
                        GINT_TO_POINTER (is_numeric (column->type)));
      g_signal_connect_data (factory, "bind", G_CALLBACK (bind_cell_cb), bind, cell_free, 0);
      view_column = gtk_column_view_column_new (heading, factory);
      sorter = GTK_SORTER (gtk_custom_sorter_new (compare_rows_cb, sort, cell_destroy));
      gtk_column_view_column_set_sorter (view_column, sorter);
      gtk_column_view_column_set_resizable (view_column, TRUE);
      gtk_column_view_append_column (self->table_view, view_column);
    }

  gtk_label_set_text (self->title_label, md_report_table_get_title (table));
  gtk_label_set_text (self->params_label, params);
  gtk_stack_set_visible_child_name (self->result_stack, "table");
  update_actions (self);
}

/* ---- running a report, on the worker ---- */

typedef struct
{
  Report          report;
  char           *from;
  char           *to;
  MdReportPeriod  period;
  MdReportBy      by;
  char           *account;
  char           *who;
  char           *action;
  char           *alert_kind;
  gboolean        open_only;
  gint64          days;
} Query;

static void
query_free (gpointer data)
{
  Query *query = data;

  g_free (query->from);
  g_free (query->to);
  g_free (query->account);
  g_free (query->who);
  g_free (query->action);
  g_free (query->alert_kind);
  g_free (query);
}

static char *
empty_to_null (char *text)
{
  if (text != NULL && *text == '\0')
    {
      g_free (text);
      return NULL;
    }
  return text;
}

static gpointer
query_job (MdStore       *store,
           MdSession     *session,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  Query *q = data;
  MdReportRange range = { 0 };

  if (session == NULL)
    {
      g_set_error_literal (error, MD_AUTH_ERROR, MD_AUTH_ERROR_NO_OPERATOR, _("Sign in first"));
      return NULL;
    }
  if ((reports[q->report].fields & FIELD_RANGE) &&
      !md_report_range_parse (store, q->from, q->to, &range, error))
    return NULL;

  switch (q->report)
    {
    case REPORT_SALES:
      return md_report_sales (session, &range, q->period, q->by, error);
    case REPORT_ENERGY:
      return md_report_energy (session, q->account, &range, q->period, error);
    case REPORT_TRAIL:
      return md_report_trail (session, q->account, &range, q->period, error);
    case REPORT_SHIFTS:
      return md_report_shifts (session, &range, NULL, error);
    case REPORT_AUDIT:
      return md_report_audit_log (session, &range, q->who, q->action, error);
    case REPORT_ALERTS:
      return md_report_alerts (session, &range, q->alert_kind, q->open_only, error);
    case REPORT_OFFLINE:
      return md_report_offline (session, q->days, error);
    case N_REPORTS:
    default:
      g_assert_not_reached ();
    }
  return NULL;
}

typedef struct
{
  MdReportsPage *self;
  guint          generation;
} Pending;

static Pending *
pending_new (MdReportsPage *self)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->self = g_object_ref (self);
  pending->generation = self->generation;
  jobs_up (self);
  return pending;
}

static void
pending_free (Pending *pending)
{
  jobs_down (pending->self);
  g_object_unref (pending->self);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pending, pending_free)

static void
query_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  MdReportsPage *self = pending->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(MdReportTable) table = md_worker_run_finish (MD_WORKER (source), result, &error);

  if (is_cancelled (error) || pending->generation != self->generation)
    return;
  if (table == NULL)
    {
      set_status (self, "error", error->message);
      return;
    }
  show_table (self, table);
  {
    guint n = md_report_table_get_n_rows (table);
    g_autofree char *text = g_strdup_printf (ngettext ("%s: %u row", "%s: %u rows", n),
                                             md_report_table_get_title (table), n);

    set_status (self, NULL, text);
  }
}

static void
run_activated (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  MdReportsPage *self = MD_REPORTS_PAGE (widget);
  g_autoptr(GError) error = NULL;
  Query *q = g_new0 (Query, 1);
  guint period = adw_combo_row_get_selected (self->period_row);
  guint by = adw_combo_row_get_selected (self->group_row);

  if (self->worker == NULL)
    {
      query_free (q);
      return;
    }
  q->report = selected_report (self);
  q->from = entry_text (self->from_row);
  q->to = entry_text (self->to_row);
  q->period = period <= MD_REPORT_PERIOD_YEAR ? (MdReportPeriod) period : MD_REPORT_PERIOD_ALL;
  q->by = by <= MD_REPORT_BY_TERMINAL ? (MdReportBy) by : MD_REPORT_BY_NONE;
  q->account = entry_text (self->account_row);
  q->who = empty_to_null (entry_text (self->operator_row));
  q->action = empty_to_null (entry_text (self->action_row));
  q->alert_kind = empty_to_null (entry_text (self->alert_kind_row));
  q->open_only = gtk_switch_get_active (self->open_switch);
  if (q->report == REPORT_OFFLINE)
    {
      g_autofree char *days = entry_text (self->days_row);

      if (!md_parse_int (*days != '\0' ? days : "1", _("days"), 0, MD_REPORT_MAX_DAYS, &q->days,
                         &error))
        {
          set_status (self, "error", error->message);
          query_free (q);
          return;
        }
    }
  if ((reports[q->report].fields & FIELD_ACCOUNT) && *q->account == '\0')
    {
      set_status (self, "error", _("Give the account number"));
      gtk_widget_grab_focus (GTK_WIDGET (self->account_row));
      query_free (q);
      return;
    }

  self->generation++;
  set_status (self, NULL, _("Running the report…"));
  md_worker_run (self->worker, query_job, q, query_free, (GDestroyNotify) md_report_table_unref,
                 self->cancellable, query_done_cb, pending_new (self));
}

/* ---- exporting, in a thread ---- */

typedef struct
{
  MdReportTable *table;
  ExportFormat   format;
  char          *path;
  char          *display;
} Export;

static void
export_free (gpointer data)
{
  Export *export = data;

  md_report_table_unref (export->table);
  g_free (export->path);
  g_free (export->display);
  g_free (export);
}

static void
export_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  Export *export = data;
  GError *error = NULL;
  gboolean ok = FALSE;

  switch (export->format)
    {
    case EXPORT_CSV:
      {
        g_autoptr(GBytes) bytes = md_report_table_to_csv (export->table);
        gsize size;
        const char *text = g_bytes_get_data (bytes, &size);

        ok = g_file_set_contents (export->path, text, (gssize) size, &error);
      }
      break;
    case EXPORT_XLSX:
      ok = md_report_write_xlsx (export->table, export->path, &error);
      break;
    case EXPORT_PDF:
      {
        g_autoptr(MdPrintDocument) doc = md_report_render (export->table, NULL, &error);

        ok = doc != NULL && md_print_document_write_pdf (doc, export->path, &error);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  MdReportsPage *self = pending->self;
  g_autoptr(GError) error = NULL;
  Export *export = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!is_cancelled (error))
        set_status (self, "error", error->message);
      return;
    }
  {
    g_autofree char *text = g_strdup_printf (_("Saved as %s"), export->display);

    show_success (self, text);
  }
}

static void
export_to (MdReportsPage *self,
           ExportFormat   format,
           const char    *path)
{
  GTask *task = g_task_new (self, self->cancellable, export_done_cb, pending_new (self));
  Export *export = g_new0 (Export, 1);

  export->table = md_report_table_ref (self->table);
  export->format = format;
  export->path = g_strdup (path);
  export->display = g_filename_display_basename (path);
  g_task_set_task_data (task, export, export_free);
  g_task_run_in_thread (task, export_thread);
  g_object_unref (task);
}

static void
export_chosen_cb (MdReportsPage   *self,
                  int              response,
                  GtkNativeDialog *native)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response != GTK_RESPONSE_ACCEPT || self->table == NULL)
    return;
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  if (file == NULL || (path = g_file_get_path (file)) == NULL)
    {
      set_status (self, "error", _("Choose a file on this computer"));
      return;
    }
  export_to (self, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (native), "md-format")), path);
}

static void
export_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  MdReportsPage *self = MD_REPORTS_PAGE (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  const char *patterns[] = { "*.csv", "*.xlsx", "*.pdf" };
  const char *filter_names[] = { N_("CSV files"), N_("Excel workbooks"), N_("PDF documents") };
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *native;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *from = entry_text (self->from_row);
  g_autofree char *to = entry_text (self->to_row);
  g_autofree char *suggested = NULL;
  int format = -1;

  for (guint i = 0; i < G_N_ELEMENTS (export_names); i++)
    if (g_str_equal (name, export_names[i]))
      format = (int) i;
  if (format < 0 || self->table == NULL)
    return;

  if (reports[selected_report (self)].fields & FIELD_RANGE)
    suggested = g_strdup_printf ("%s-%s-%s.%s", md_report_table_get_kind (self->table), from, to,
                                 name);
  else
    suggested = g_strdup_printf ("%s.%s", md_report_table_get_kind (self->table), name);

  native = gtk_file_chooser_native_new (_("Export the Report"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), suggested);
  gtk_file_filter_set_name (filter, _(filter_names[format]));
  gtk_file_filter_add_pattern (filter, patterns[format]);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  g_object_set_data (G_OBJECT (native), "md-format", GINT_TO_POINTER (format));
  g_signal_connect_object (native, "response", G_CALLBACK (export_chosen_cb), self,
                           G_CONNECT_SWAPPED);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (self->chooser);
  g_set_object (&self->chooser, GTK_NATIVE_DIALOG (native));
  g_object_unref (native);
  gtk_native_dialog_show (self->chooser);
}

/* ---- printing ---- */

static void
set_page_setup (GtkPageSetup    *setup,
                MdPrintDocument *doc,
                guint            page)
{
  double width;
  double height;
  g_autoptr(GtkPaperSize) paper = NULL;

  md_print_document_get_page_size (doc, page, &width, &height);
  paper = gtk_paper_size_new_custom ("meterdesk", "Meterdesk", MIN (width, height),
                                     MAX (width, height), GTK_UNIT_POINTS);
  gtk_page_setup_set_paper_size (setup, paper);
  gtk_page_setup_set_orientation (setup, width > height ? GTK_PAGE_ORIENTATION_LANDSCAPE
                                                        : GTK_PAGE_ORIENTATION_PORTRAIT);
  /* The documents draw their own margins. */
  gtk_page_setup_set_top_margin (setup, 0, GTK_UNIT_POINTS);
  gtk_page_setup_set_bottom_margin (setup, 0, GTK_UNIT_POINTS);
  gtk_page_setup_set_left_margin (setup, 0, GTK_UNIT_POINTS);
  gtk_page_setup_set_right_margin (setup, 0, GTK_UNIT_POINTS);
}

static void
request_page_setup_cb (GtkPrintOperation *operation,
                       GtkPrintContext   *context,
                       int                page,
                       GtkPageSetup      *setup,
                       MdPrintDocument   *doc)
{
  set_page_setup (setup, doc, (guint) page);
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page,
              MdPrintDocument   *doc)
{
  md_print_document_draw_page (doc, gtk_print_context_get_cairo_context (context), (guint) page);
}

static void
print_done_cb (GtkPrintOperation       *operation,
               GtkPrintOperationResult  result,
               MdReportsPage           *self)
{
  g_autoptr(GError) error = NULL;

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      gtk_print_operation_get_error (operation, &error);
      set_status (self, "error", error != NULL ? error->message : _("Printing failed"));
    }
  else if (result == GTK_PRINT_OPERATION_RESULT_APPLY)
    {
      g_set_object (&self->print_settings, gtk_print_operation_get_print_settings (operation));
      show_success (self, _("Sent to the printer"));
    }
  jobs_down (self);
  g_object_unref (self);
}

/* Prints @doc: the print dialog (with its preview), or straight into a
 * PDF file when one is set (md_reports_page_set_print_to_file()). The
 * document draws every page through md_print_document_draw_page(). */
static void
print_document (MdReportsPage   *self,
                MdPrintDocument *doc,
                const char      *job_name)
{
  g_autoptr(GtkPrintOperation) operation = gtk_print_operation_new ();
  g_autoptr(GtkPageSetup) setup = gtk_page_setup_new ();
  g_autoptr(GError) error = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWindow *parent = GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
  GtkPrintOperationResult result;

  set_page_setup (setup, doc, 0);
  gtk_print_operation_set_default_page_setup (operation, setup);
  gtk_print_operation_set_n_pages (operation, (int) md_print_document_get_n_pages (doc));
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_use_full_page (operation, TRUE);
  gtk_print_operation_set_job_name (operation, job_name);
  if (self->print_settings != NULL)
    gtk_print_operation_set_print_settings (operation, self->print_settings);
  g_signal_connect_data (operation, "request-page-setup", G_CALLBACK (request_page_setup_cb),
                         md_print_document_ref (doc), (GClosureNotify) md_print_document_unref,
                         0);
  g_signal_connect_data (operation, "draw-page", G_CALLBACK (draw_page_cb),
                         md_print_document_ref (doc), (GClosureNotify) md_print_document_unref,
                         0);

  if (self->print_to_file != NULL)
    {
      g_autofree char *display = g_filename_display_basename (self->print_to_file);
      g_autofree char *text = g_strdup_printf (_("Printed to %s"), display);

      gtk_print_operation_set_export_filename (operation, self->print_to_file);
      result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_EXPORT, parent,
                                        &error);
      if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
        set_status (self, "error", error->message);
      else
        show_success (self, text);
      return;
    }

  gtk_print_operation_set_allow_async (operation, TRUE);
  jobs_up (self);
  g_signal_connect (operation, "done", G_CALLBACK (print_done_cb), g_object_ref (self));
  result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG, parent,
                                    &error);
  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    set_status (self, "error", error->message);
}

static void
render_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  MdPrintDocument *doc = md_report_render (data, NULL, &error);

  if (doc == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, doc, (GDestroyNotify) md_print_document_unref);
}

static void
rendered_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  MdReportsPage *self = pending->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(MdPrintDocument) doc = g_task_propagate_pointer (G_TASK (result), &error);

  if (doc == NULL)
    {
      if (!is_cancelled (error))
        set_status (self, "error", error->message);
      return;
    }
  print_document (self, doc,
                  md_report_table_get_title (g_task_get_task_data (G_TASK (result))));
}

static void
print_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  MdReportsPage *self = MD_REPORTS_PAGE (widget);
  GTask *task;

  if (self->table == NULL)
    return;
  task = g_task_new (self, self->cancellable, rendered_cb, pending_new (self));
  g_task_set_task_data (task, md_report_table_ref (self->table),
                        (GDestroyNotify) md_report_table_unref);
  g_task_run_in_thread (task, render_thread);
  g_object_unref (task);
}

/* X and Z reports: loaded and laid out on the worker, printed here. */

typedef struct
{
  gboolean  z;
  gint64    z_no;
} ShiftQuery;

static gpointer
shift_receipt_job (MdStore       *store,
                   MdSession     *session,
                   gpointer       data,
                   GCancellable  *cancellable,
                   GError       **error)
{
  ShiftQuery *q = data;
  g_autoptr(MdReceipt) receipt = NULL;
  g_autoptr(MdReceiptTemplate) tpl = NULL;

  if (session == NULL)
    {
      g_set_error_literal (error, MD_AUTH_ERROR, MD_AUTH_ERROR_NO_OPERATOR, _("Sign in first"));
      return NULL;
    }
  receipt = q->z ? md_receipt_load_shift_z (session, NULL, q->z_no, error)
                 : md_receipt_load_shift_x (session, error);
  if (receipt == NULL || !(tpl = md_receipt_template_load ("thermal-80", error)))
    return NULL;
  return md_receipt_render (receipt, tpl, error);
}

static void
shift_receipt_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  MdReportsPage *self = pending->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(MdPrintDocument) doc = md_worker_run_finish (MD_WORKER (source), result, &error);

  if (doc == NULL)
    {
      if (!is_cancelled (error))
        set_status (self, "error", error->message);
      return;
    }
  print_document (self, doc, _("Shift report"));
}

static void
print_shift (MdReportsPage *self,
             gboolean       z)
{
  g_autoptr(GError) error = NULL;
  ShiftQuery *q = g_new0 (ShiftQuery, 1);

  q->z = z;
  if (z)
    {
      g_autofree char *text = entry_text (self->z_row);

      if (*text != '\0' && !md_parse_int (text, _("Z number"), 1, G_MAXINT64, &q->z_no, &error))
        {
          set_status (self, "error", error->message);
          g_free (q);
          return;
        }
    }
  if (self->worker == NULL)
    {
      g_free (q);
      return;
    }
  md_worker_run (self->worker, shift_receipt_job, q, g_free,
                 (GDestroyNotify) md_print_document_unref, self->cancellable, shift_receipt_cb,
                 pending_new (self));
}

static void
print_x_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  print_shift (MD_REPORTS_PAGE (widget), FALSE);
}

static void
print_z_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  print_shift (MD_REPORTS_PAGE (widget), TRUE);
}

/* ---- callbacks ---- */

static void
kind_changed_cb (MdReportsPage *self)
{
  Report report = selected_report (self);
  Field fields = reports[report].fields;

  gtk_widget_set_visible (GTK_WIDGET (self->from_row), (fields & FIELD_RANGE) != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->to_row), (fields & FIELD_RANGE) != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->period_row), (fields & FIELD_PERIOD) != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->group_row), (fields & FIELD_GROUP) != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->account_row), (fields & FIELD_ACCOUNT) != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->operator_row), (fields & FIELD_OPERATOR) != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->action_row), (fields & FIELD_OPERATOR) != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->alert_kind_row), (fields & FIELD_ALERT) != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->open_row), (fields & FIELD_ALERT) != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->days_row), (fields & FIELD_DAYS) != 0);
  adw_combo_row_set_selected (self->period_row, reports[report].period);
}

static void
entry_activated_cb (MdReportsPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "reports.run", NULL);
}

/* ---- GObject ---- */

static void
md_reports_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (md_reports_page_parent_class)->map (widget);

  md_reports_page_refresh (MD_REPORTS_PAGE (widget));
}

static void
md_reports_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  MdReportsPage *self = MD_REPORTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->jobs > 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
md_reports_page_dispose (GObject *object)
{
  MdReportsPage *self = MD_REPORTS_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (self->chooser);
  g_clear_object (&self->chooser);
  if (self->table_view != NULL)
    {
      clear_columns (self);
      gtk_column_view_set_model (self->table_view, NULL);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), MD_TYPE_REPORTS_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->rows);
  g_clear_object (&self->totals);
  g_clear_object (&self->print_settings);
  g_clear_pointer (&self->table, md_report_table_unref);
  g_clear_object (&self->worker);

  G_OBJECT_CLASS (md_reports_page_parent_class)->dispose (object);
}

static void
md_reports_page_finalize (GObject *object)
{
  MdReportsPage *self = MD_REPORTS_PAGE (object);

  g_free (self->status);
  g_free (self->print_to_file);

  G_OBJECT_CLASS (md_reports_page_parent_class)->finalize (object);
}

static void
md_reports_page_class_init (MdReportsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = md_reports_page_get_property;
  object_class->dispose = md_reports_page_dispose;
  object_class->finalize = md_reports_page_finalize;
  widget_class->map = md_reports_page_map;

  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/meterdesk/Meterdesk/ui/md-reports-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, toasts);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, kind_row);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, from_row);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, to_row);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, period_row);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, group_row);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, account_row);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, operator_row);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, action_row);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, alert_kind_row);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, open_row);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, open_switch);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, days_row);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, z_row);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, params_label);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, result_stack);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, table_view);
  gtk_widget_class_bind_template_child (widget_class, MdReportsPage, status_line);
  gtk_widget_class_bind_template_callback (widget_class, kind_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);

  gtk_widget_class_install_action (widget_class, "reports.run", NULL, run_activated);
  gtk_widget_class_install_action (widget_class, "reports.export", "s", export_activated);
  gtk_widget_class_install_action (widget_class, "reports.print", NULL, print_activated);
  gtk_widget_class_install_action (widget_class, "reports.print-x", NULL, print_x_activated);
  gtk_widget_class_install_action (widget_class, "reports.print-z", NULL, print_z_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "reports.run", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                       "reports.print", NULL);
}

static void
md_reports_page_init (MdReportsPage *self)
{
  g_autoptr(GtkStringList) kinds = gtk_string_list_new (NULL);
  const char *periods[] = { _("Whole range"), _("Day"), _("Month"), _("Year"), NULL };
  const char *groups[] = { _("Nothing"), _("Feeder line"), _("Transformer area"),
                           _("Usage category"), _("Building"), _("Operator"),
                           _("Payment method"), _("Terminal"), NULL };
  g_autoptr(GtkStringList) period_model = gtk_string_list_new (periods);
  g_autoptr(GtkStringList) group_model = gtk_string_list_new (groups);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *first = g_date_time_format (now, "%Y-%m-01");
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_autoptr(GListStore) parts = g_list_store_new (G_TYPE_LIST_MODEL);
  GtkSortListModel *sorted;
  GtkFlattenListModel *flat;
  GtkNoSelection *selection;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  for (guint i = 0; i < N_REPORTS; i++)
    gtk_string_list_append (kinds, _(reports[i].label));
  adw_combo_row_set_model (self->period_row, G_LIST_MODEL (period_model));
  adw_combo_row_set_model (self->group_row, G_LIST_MODEL (group_model));
  adw_combo_row_set_model (self->kind_row, G_LIST_MODEL (kinds));
  gtk_editable_set_text (GTK_EDITABLE (self->from_row), first);
  gtk_editable_set_text (GTK_EDITABLE (self->to_row), today);
  kind_changed_cb (self);

  /* The rows sort by the column clicked; the totals stay last. */
  self->rows = g_list_store_new (MD_TYPE_REPORT_ITEM);
  self->totals = g_list_store_new (MD_TYPE_REPORT_ITEM);
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->rows)),
                                    g_object_ref (gtk_column_view_get_sorter (self->table_view)));
  g_list_store_append (parts, sorted);
  g_list_store_append (parts, self->totals);
  g_object_unref (sorted);
  flat = gtk_flatten_list_model_new (G_LIST_MODEL (g_object_ref (parts)));
  selection = gtk_no_selection_new (G_LIST_MODEL (flat));
  gtk_column_view_set_model (self->table_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);

  update_actions (self);
}

/* ---- public ---- */

/**
 * md_reports_page_set_worker:
 * @worker: (nullable): how the page reaches the database
 */
void
md_reports_page_set_worker (MdReportsPage *self,
                            MdWorker      *worker)
{
  g_return_if_fail (MD_IS_REPORTS_PAGE (self));
  g_return_if_fail (worker == NULL || MD_IS_WORKER (worker));

  g_set_object (&self->worker, worker);
  update_actions (self);
}

/**
 * md_reports_page_refresh:
 *
 * Reads the operator's permissions again; a report on screen is run again,
 * since sales go on while the page is hidden.
 */
void
md_reports_page_refresh (MdReportsPage *self)
{
  g_return_if_fail (MD_IS_REPORTS_PAGE (self));

  update_actions (self);
  if (self->table != NULL && session_may (self, MD_PERM_REPORT))
    gtk_widget_activate_action (GTK_WIDGET (self), "reports.run", NULL);
}

/**
 * md_reports_page_set_report:
 * @report: "sales", "energy", "trail", "shifts", "audit", "alerts" or
 *   "offline"
 */
void
md_reports_page_set_report (MdReportsPage *self,
                            const char    *report)
{
  g_return_if_fail (MD_IS_REPORTS_PAGE (self));

  for (guint i = 0; i < N_REPORTS; i++)
    if (g_strcmp0 (report, reports[i].key) == 0)
      adw_combo_row_set_selected (self->kind_row, i);
}

/**
 * md_reports_page_get_table:
 *
 * Returns: (transfer none) (nullable): the report on screen
 */
MdReportTable *
md_reports_page_get_table (MdReportsPage *self)
{
  g_return_val_if_fail (MD_IS_REPORTS_PAGE (self), NULL);

  return self->table;
}

const char *
md_reports_page_get_status (MdReportsPage *self)
{
  g_return_val_if_fail (MD_IS_REPORTS_PAGE (self), NULL);

  return self->status;
}

gboolean
md_reports_page_get_busy (MdReportsPage *self)
{
  g_return_val_if_fail (MD_IS_REPORTS_PAGE (self), FALSE);

  return self->jobs > 0;
}

/**
 * md_reports_page_set_print_to_file:
 * @path: (nullable): a PDF file, or %NULL for the print dialog
 *
 * With a path, printing writes the pages there through the same print
 * operation instead of asking in the print dialog: for unattended windows
 * and tests.
 */
void
md_reports_page_set_print_to_file (MdReportsPage *self,
                                   const char    *path)
{
  g_return_if_fail (MD_IS_REPORTS_PAGE (self));

  g_free (self->print_to_file);
  self->print_to_file = g_strdup (path);
}
