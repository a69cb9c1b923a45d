/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "md-cli.h"
#include "md-print.h"
#include "md-register.h"
#include "md-report.h"
#include "md-validate.h"

/* Receipts and reports: receipt print|account|shift|templates, report
 * sales|energy|trail|shifts|audit|alerts|offline (docs/receipts.md,
 * docs/reports.md). */

typedef enum
{
  FORMAT_TABLE,
  FORMAT_CSV,
  FORMAT_JSON,
  FORMAT_XLSX,
  FORMAT_PDF,
} ReportFormat;

/* Errors of the report and print layers carry the documented codes
 * (docs/cli.md "Error codes"): the message stays, the domain maps. */
static gboolean
fail (GError **error,
      GError  *cause)
{
  GQuark domain = cause->domain;
  int code = cause->code;

  if (cause->domain == MD_REPORT_ERROR)
    {
      switch ((MdReportError) cause->code)
        {
        case MD_REPORT_ERROR_RANGE:
          domain = MD_INPUT_ERROR;
          code = MD_INPUT_ERROR_RANGE;
          break;
        case MD_REPORT_ERROR_NOT_FOUND:
          domain = MD_REGISTER_ERROR;
          code = MD_REGISTER_ERROR_NOT_FOUND;
          break;
        case MD_REPORT_ERROR_NO_RECEIPT:
          domain = MD_REGISTER_ERROR;
          code = MD_REGISTER_ERROR_STATE;
          break;
        case MD_REPORT_ERROR_DATE:
        case MD_REPORT_ERROR_GROUP:
        case MD_REPORT_ERROR_PERIOD:
        default:
          domain = MD_INPUT_ERROR;
          code = MD_INPUT_ERROR_FORMAT;
          break;
        }
    }
  else if (cause->domain == G_FILE_ERROR)
    {
      domain = MD_CLI_ERROR;
      code = MD_CLI_ERROR_FAILED;
    }
  else if (cause->domain == MD_PRINT_ERROR)
    {
      switch ((MdPrintError) cause->code)
        {
        case MD_PRINT_ERROR_NOT_FOUND:
          domain = MD_REGISTER_ERROR;
          code = MD_REGISTER_ERROR_NOT_FOUND;
          break;
        case MD_PRINT_ERROR_TEMPLATE:
        case MD_PRINT_ERROR_LOGO:
        case MD_PRINT_ERROR_FORMAT:
          domain = MD_INPUT_ERROR;
          code = MD_INPUT_ERROR_FORMAT;
          break;
        case MD_PRINT_ERROR_WRITE:
        case MD_PRINT_ERROR_LAYOUT:
        default:
          domain = MD_CLI_ERROR;
          code = MD_CLI_ERROR_FAILED;
          break;
        }
    }
  g_set_error_literal (error, domain, code, cause->message);
  g_error_free (cause);
  return FALSE;
}

static gpointer
fail_null (GError **error,
           GError  *cause)
{
  fail (error, cause);
  return NULL;
}

static gboolean
parse_format (const char    *text,
              ReportFormat  *out_format,
              GError       **error)
{
  static const char * const names[] = { "table", "csv", "json", "xlsx", "pdf" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (text != NULL ? text : "table", names[i]) == 0)
      {
        *out_format = (ReportFormat) i;
        return TRUE;
      }
  {
    g_autofree char *shown = md_input_quote (text);

    g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                 _("Unknown format “%s”: use table, csv, json, xlsx or pdf"), shown);
  }
  return FALSE;
}

static JsonNode *
file_result (const char *kind,
             const char *format,
             const char *path,
             guint       rows,
             guint       pages)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "report");
  json_builder_add_string_value (builder, kind);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, format);
  json_builder_set_member_name (builder, "file");
  json_builder_add_string_value (builder, path);
  json_builder_set_member_name (builder, "rows");
  json_builder_add_int_value (builder, rows);
  if (pages > 0)
    {
      json_builder_set_member_name (builder, "pages");
      json_builder_add_int_value (builder, pages);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static gboolean
write_bytes (const char  *path,
             GBytes      *bytes,
             GError     **error)
{
  GError *local_error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  if (path == NULL)
    {
      fwrite (data, 1, size, stdout);
      fflush (stdout);
      return TRUE;
    }
  if (!g_file_set_contents (path, data, size, &local_error))
    return fail (error, local_error);
  return TRUE;
}

/* Writes or prints @table as asked; a result object for files. */
static JsonNode *
emit (MdCli          *cli,
      MdReportTable  *table,
      ReportFormat    format,
      const char     *out,
      GError        **error)
{
  static const char * const names[] = { "table", "csv", "json", "xlsx", "pdf" };
  GError *local_error = NULL;
  guint pages = 0;

  switch (format)
    {
    case FORMAT_TABLE:
      if (out == NULL && cli->json)
        return md_report_table_to_json (table);
      {
        g_autofree char *text = md_report_table_to_text (table);
        g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

        if (!write_bytes (out, bytes, error))
          return NULL;
      }
      break;
    case FORMAT_CSV:
      {
        g_autoptr(GBytes) bytes = md_report_table_to_csv (table);

        if (!write_bytes (out, bytes, error))
          return NULL;
      }
      break;
    case FORMAT_JSON:
      {
        g_autoptr(JsonNode) node = md_report_table_to_json (table);
        g_autofree char *text = json_to_string (node, TRUE);
        g_autofree char *line = g_strconcat (text, "\n", NULL);
        g_autoptr(GBytes) bytes = g_bytes_new (line, strlen (line));

        if (!write_bytes (out, bytes, error))
          return NULL;
      }
      break;
    case FORMAT_XLSX:
      if (!md_report_write_xlsx (table, out, &local_error))
        return fail_null (error, local_error);
      break;
    case FORMAT_PDF:
      {
        g_autoptr(MdPrintDocument) doc = md_report_render (table, NULL, &local_error);

        if (doc == NULL || !md_print_document_write_pdf (doc, out, &local_error))
          return fail_null (error, local_error);
        pages = md_print_document_get_n_pages (doc);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  if (out == NULL)
    return NULL;
  return file_result (md_report_table_get_kind (table), names[format], out,
                      md_report_table_get_n_rows (table), pages);
}

typedef struct
{
  const char   *from;
  const char   *to;
  const char   *format;
  const char   *out;
  const char   *period;
  ReportFormat  fmt;
  MdReportRange range;
  MdReportPeriod period_value;
} Common;

/* The options every report takes, checked before anything is read. */
static gboolean
check_common (MdCli    *cli,
              Common   *common,
              gboolean  needs_range,
              GError  **error)
{
  GError *local_error = NULL;

  if (needs_range && (common->from == NULL || common->to == NULL))
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give the period with --from DATE and --to DATE"));
      return FALSE;
    }
  if (!parse_format (common->format, &common->fmt, error))
    return FALSE;
  if ((common->fmt == FORMAT_XLSX || common->fmt == FORMAT_PDF) && common->out == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("An XLSX or PDF report needs --out FILE"));
      return FALSE;
    }
  if (common->period != NULL && !md_report_period_parse (common->period, &common->period_value,
                                                         &local_error))
    return fail (error, local_error);
  if (needs_range && !md_report_range_parse (cli->store, common->from, common->to,
                                             &common->range, &local_error))
    return fail (error, local_error);
  return TRUE;
}

#define COMMON_OPTIONS(c) \
  { "from", MD_CLI_VALUE, &(c).from }, \
  { "to", MD_CLI_VALUE, &(c).to }, \
  { "format", MD_CLI_VALUE, &(c).format }, \
  { "out", MD_CLI_VALUE, &(c).out }

static JsonNode *
finish (MdCli          *cli,
        MdReportTable  *table,
        GError         *local_error,
        Common         *common,
        GError        **error)
{
  g_autoptr(MdReportTable) owned = table;

  if (table == NULL)
    return fail_null (error, local_error);
  return emit (cli, table, common->fmt, common->out, error);
}

static JsonNode *
run_report_sales (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  Common c = { 0 };
  const char *by = NULL;
  MdCliOption options[] = {
    COMMON_OPTIONS (c),
    { "period", MD_CLI_VALUE, &c.period },
    { "by", MD_CLI_VALUE, &by },
  };
  MdReportBy by_value = MD_REPORT_BY_NONE;
  GError *local_error = NULL;
  MdReportTable *table;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  c.period_value = MD_REPORT_PERIOD_ALL;
  if (by != NULL && !md_report_by_parse (by, &by_value, &local_error))
    return fail_null (error, local_error);
  if (!check_common (cli, &c, TRUE, error))
    return NULL;
  table = md_report_sales (cli->session, &c.range, c.period_value, by_value, &local_error);
  return finish (cli, table, local_error, &c, error);
}

static JsonNode *
account_report (MdCli    *cli,
                char    **args,
                gboolean  trail,
                GError  **error)
{
  Common c = { 0 };
  const char *account = NULL;
  MdCliOption options[] = {
    COMMON_OPTIONS (c),
    { "period", MD_CLI_VALUE, &c.period },
    { "account", MD_CLI_VALUE, &account },
  };
  GError *local_error = NULL;
  MdReportTable *table;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (account == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE, _("Give --account NO"));
      return NULL;
    }
  c.period_value = MD_REPORT_PERIOD_MONTH;
  if (!check_common (cli, &c, TRUE, error))
    return NULL;
  if (trail)
    table = md_report_trail (cli->session, account, &c.range, c.period_value, &local_error);
  else
    table = md_report_energy (cli->session, account, &c.range, c.period_value, &local_error);
  return finish (cli, table, local_error, &c, error);
}

static JsonNode *
run_report_energy (MdCli   *cli,
                   char   **args,
                   GError **error)
{
  return account_report (cli, args, FALSE, error);
}

static JsonNode *
run_report_trail (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  return account_report (cli, args, TRUE, error);
}

static JsonNode *
run_report_shifts (MdCli   *cli,
                   char   **args,
                   GError **error)
{
  Common c = { 0 };
  MdCliOption options[] = { COMMON_OPTIONS (c) };
  GError *local_error = NULL;
  MdReportTable *table;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error) ||
      !check_common (cli, &c, TRUE, error))
    return NULL;
  table = md_report_shifts (cli->session, &c.range, NULL, &local_error);
  return finish (cli, table, local_error, &c, error);
}

static JsonNode *
run_report_audit (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  Common c = { 0 };
  const char *who = NULL;
  const char *action = NULL;
  MdCliOption options[] = {
    COMMON_OPTIONS (c),
    { "who", MD_CLI_VALUE, &who },
    { "action", MD_CLI_VALUE, &action },
  };
  GError *local_error = NULL;
  MdReportTable *table;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error) ||
      !check_common (cli, &c, TRUE, error))
    return NULL;
  table = md_report_audit_log (cli->session, &c.range, who, action, &local_error);
  return finish (cli, table, local_error, &c, error);
}

static JsonNode *
run_report_alerts (MdCli   *cli,
                   char   **args,
                   GError **error)
{
  Common c = { 0 };
  const char *kind = NULL;
  gboolean open_only = FALSE;
  MdCliOption options[] = {
    COMMON_OPTIONS (c),
    { "kind", MD_CLI_VALUE, &kind },
    { "open", MD_CLI_FLAG, &open_only },
  };
  GError *local_error = NULL;
  MdReportTable *table;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error) ||
      !check_common (cli, &c, TRUE, error))
    return NULL;
  table = md_report_alerts (cli->session, &c.range, kind, open_only, &local_error);
  return finish (cli, table, local_error, &c, error);
}

static JsonNode *
run_report_offline (MdCli   *cli,
                    char   **args,
                    GError **error)
{
  Common c = { 0 };
  const char *days_text = NULL;
  MdCliOption options[] = {
    { "format", MD_CLI_VALUE, &c.format },
    { "out", MD_CLI_VALUE, &c.out },
    { "days", MD_CLI_VALUE, &days_text },
  };
  GError *local_error = NULL;
  MdReportTable *table;
  gint64 days = 1;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error) ||
      (days_text != NULL &&
       !md_parse_int (days_text, _("days"), 0, MD_REPORT_MAX_DAYS, &days, error)) ||
      !check_common (cli, &c, FALSE, error))
    return NULL;
  table = md_report_offline (cli->session, days, &local_error);
  return finish (cli, table, local_error, &c, error);
}

/* Receipts. */

typedef struct
{
  const char    *format;
  const char    *out;
  const char    *template_name;
  const char    *dpi;
  MdPrintFormat  fmt;
} ReceiptOptions;

#define RECEIPT_OPTIONS(r) \
  { "format", MD_CLI_VALUE, &(r).format }, \
  { "out", MD_CLI_VALUE, &(r).out }, \
  { "template", MD_CLI_VALUE, &(r).template_name }, \
  { "dpi", MD_CLI_VALUE, &(r).dpi }

static MdReceiptTemplate *
check_receipt (ReceiptOptions  *r,
               const char      *default_template,
               gint64          *out_dpi,
               GError         **error)
{
  GError *local_error = NULL;
  MdReceiptTemplate *tpl;

  *out_dpi = 0;
  if (r->out == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give the file to write with --out FILE"));
      return NULL;
    }
  if (!md_print_format_parse (r->format != NULL ? r->format : "pdf", &r->fmt, &local_error))
    return fail_null (error, local_error);
  if (r->dpi != NULL && !md_parse_int (r->dpi, _("dpi"), 72, 1200, out_dpi, error))
    return NULL;
  if (!(tpl = md_receipt_template_load (r->template_name != NULL ? r->template_name
                                                                 : default_template,
                                        &local_error)))
    return fail_null (error, local_error);
  return tpl;
}

static JsonNode *
print_receipt (MdReceipt          *receipt,
               MdReceiptTemplate  *tpl,
               ReceiptOptions     *r,
               gint64              dpi,
               GError            **error)
{
  g_autoptr(MdPrintDocument) doc = NULL;
  GError *local_error = NULL;
  gboolean ok;

  if (!(doc = md_receipt_render (receipt, tpl, &local_error)))
    return fail_null (error, local_error);
  if (dpi > 0 && r->fmt == MD_PRINT_FORMAT_PNG)
    ok = md_print_document_write_png (doc, r->out, (guint) dpi, &local_error);
  else
    ok = md_print_document_write (doc, r->fmt, r->out, &local_error);
  if (!ok)
    return fail_null (error, local_error);

  {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "receipt");
    if (receipt->number != NULL)
      json_builder_add_string_value (builder, receipt->number);
    else
      json_builder_add_null_value (builder);
    json_builder_set_member_name (builder, "kind");
    json_builder_add_string_value (builder, md_receipt_kind_to_string (receipt->kind));
    json_builder_set_member_name (builder, "file");
    json_builder_add_string_value (builder, r->out);
    json_builder_set_member_name (builder, "pages");
    json_builder_add_int_value (builder, md_print_document_get_n_pages (doc));
    json_builder_set_member_name (builder, "reprint");
    json_builder_add_int_value (builder, receipt->reprint ? receipt->reprint_no : 0);
    json_builder_end_object (builder);
    return json_builder_get_root (builder);
  }
}

static JsonNode *
run_receipt_print (MdCli   *cli,
                   char   **args,
                   GError **error)
{
  ReceiptOptions r = { 0 };
  gboolean reprint = FALSE;
  MdCliOption options[] = {
    RECEIPT_OPTIONS (r),
    { "reprint", MD_CLI_FLAG, &reprint },
  };
  g_autoptr(GPtrArray) p = NULL;
  g_autoptr(MdReceiptTemplate) tpl = NULL;
  g_autoptr(MdReceipt) receipt = NULL;
  g_autoptr(JsonNode) result = NULL;
  GError *local_error = NULL;
  gint64 sale_id, dpi;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error) ||
      !md_parse_int (p->pdata[0], _("sale number"), 1, G_MAXINT64, &sale_id, error) ||
      !(tpl = check_receipt (&r, "a4-3part", &dpi, error)))
    return NULL;
  if (!(receipt = md_receipt_load_sale (cli->session, sale_id, reprint, &local_error)))
    return fail_null (error, local_error);
  if (!(result = print_receipt (receipt, tpl, &r, dpi, error)))
    return NULL;
  /* A reprint that is out is on the record; one that is not, is not out. */
  if (reprint && !md_receipt_record_reprint (cli->session, receipt, error))
    {
      g_unlink (r.out);
      return NULL;
    }
  return g_steal_pointer (&result);
}

static JsonNode *
run_receipt_account (MdCli   *cli,
                     char   **args,
                     GError **error)
{
  ReceiptOptions r = { 0 };
  MdCliOption options[] = { RECEIPT_OPTIONS (r) };
  g_autoptr(GPtrArray) p = NULL;
  g_autoptr(MdReceiptTemplate) tpl = NULL;
  g_autoptr(MdReceipt) receipt = NULL;
  GError *local_error = NULL;
  gint64 dpi;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error) ||
      !(tpl = check_receipt (&r, "a4-3part", &dpi, error)))
    return NULL;
  if (!(receipt = md_receipt_load_account (cli->session, p->pdata[0], &local_error)))
    return fail_null (error, local_error);
  return print_receipt (receipt, tpl, &r, dpi, error);
}

static JsonNode *
run_receipt_shift (MdCli   *cli,
                   char   **args,
                   GError **error)
{
  ReceiptOptions r = { 0 };
  gboolean x = FALSE, z = FALSE;
  const char *z_text = NULL;
  MdCliOption options[] = {
    RECEIPT_OPTIONS (r),
    { "x", MD_CLI_FLAG, &x },
    { "z", MD_CLI_FLAG, &z },
    { "z-no", MD_CLI_VALUE, &z_text },
  };
  g_autoptr(MdReceiptTemplate) tpl = NULL;
  g_autoptr(MdReceipt) receipt = NULL;
  GError *local_error = NULL;
  gint64 z_no = 0, dpi;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (x == z)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE, _("Give either --x or --z"));
      return NULL;
    }
  if ((z_text != NULL && !md_parse_int (z_text, _("Z number"), 1, G_MAXINT64, &z_no, error)) ||
      !(tpl = check_receipt (&r, "thermal-80", &dpi, error)))
    return NULL;
  receipt = x ? md_receipt_load_shift_x (cli->session, &local_error)
              : md_receipt_load_shift_z (cli->session, NULL, z_no, &local_error);
  if (receipt == NULL)
    return fail_null (error, local_error);
  return print_receipt (receipt, tpl, &r, dpi, error);
}

static JsonNode *
run_receipt_templates (MdCli   *cli,
                       char   **args,
                       GError **error)
{
  g_auto(GStrv) names = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  if (!md_cli_parse (args, NULL, 0, 0, 0, NULL, error))
    return NULL;
  names = md_receipt_template_list ();
  json_builder_begin_array (builder);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(MdReceiptTemplate) tpl = md_receipt_template_load (names[i], NULL);
      g_autofree char *description = tpl != NULL ? md_receipt_template_get_description (tpl)
                                                 : NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, names[i]);
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, description != NULL ? description
                                                                  : _("(cannot be read)"));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

const MdCliCommand md_cli_report_commands[] = {
  { "receipt print", "SALE_ID --out FILE [--format pdf|png] [--reprint] [--template T] [--dpi N]",
    N_("Print a sale’s receipt from the database; --reprint marks and records a reprint"),
    MD_CLI_NEEDS_OPERATOR, run_receipt_print },
  { "receipt account", "NO --out FILE [--format pdf|png] [--template T]",
    N_("Print an account opening slip"), MD_CLI_NEEDS_OPERATOR, run_receipt_account },
  { "receipt shift", "(--x | --z [--z-no N]) --out FILE [--format pdf|png] [--template T]",
    N_("Print the X report of the open shift, or a Z report"), MD_CLI_NEEDS_OPERATOR,
    run_receipt_shift },
  { "receipt templates", "", N_("List the receipt templates"), MD_CLI_NEEDS_OPERATOR,
    run_receipt_templates },
  { "report sales", "--from DATE --to DATE [--by line|area|category|building|operator|payment|"
    "terminal] [--period day|month|year|all] [--format table|csv|json|xlsx|pdf] [--out FILE]",
    N_("Sales by period and by line, area, category, building, operator, payment or terminal"),
    MD_CLI_NEEDS_OPERATOR, run_report_sales },
  { "report energy", "--account NO --from DATE --to DATE [--period day|month|year] "
    "[--format …] [--out FILE]",
    N_("An account’s energy or water bought and used, with the year before"),
    MD_CLI_NEEDS_OPERATOR, run_report_energy },
  { "report trail", "--account NO --from DATE --to DATE [--period day|month|year] "
    "[--format …] [--out FILE]",
    N_("An account’s money and energy trail, opening to closing credit"),
    MD_CLI_NEEDS_OPERATOR, run_report_trail },
  { "report shifts", "--from DATE --to DATE [--format …] [--out FILE]",
    N_("Cash shifts: float, takings, counted, over/short, Z number"), MD_CLI_NEEDS_OPERATOR,
    run_report_shifts },
  { "report audit", "--from DATE --to DATE [--who OPERATOR] [--action PREFIX] [--format …] "
    "[--out FILE]", N_("The operation log"), MD_CLI_NEEDS_OPERATOR, run_report_audit },
  { "report alerts", "--from DATE --to DATE [--kind KIND] [--open] [--format …] [--out FILE]",
    N_("The alarm history"), MD_CLI_NEEDS_OPERATOR, run_report_alerts },
  { "report offline", "[--days N] [--format …] [--out FILE]",
    N_("Installed meters without a reading for N days"), MD_CLI_NEEDS_OPERATOR,
    run_report_offline },
};

const guint md_cli_n_report_commands = G_N_ELEMENTS (md_cli_report_commands);
