/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "md-ledger.h"
#include "md-print-private.h"
#include "md-shift.h"
#include "md-vend.h"
#include "report-fixture.h"

/* Receipts and printed reports: what pdftotext reads back from the PDFs,
 * every template with every kind of document inside its pages, reprints,
 * the QR code's content, bad templates. */

static ReportFixture fixture;
static char *out_dir;

static char *
pdf_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "pdftotext", "-layout", path, "-", NULL };
  char *out = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                               G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
                               &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static char *
out_path (const char *name)
{
  return g_build_filename (out_dir, name, NULL);
}

/* Renders, checks every drawing stays inside its page, writes a PDF and
 * returns its text. */
static char *
render (const MdReceipt *receipt,
        const char      *template_name,
        guint           *out_pages)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdReceiptTemplate) tpl = md_receipt_template_load (template_name, &error);
  g_autoptr(MdPrintDocument) doc = NULL;
  g_autofree char *path = out_path ("receipt.pdf");

  g_assert_no_error (error);
  doc = md_receipt_render (receipt, tpl, &error);
  g_assert_no_error (error);
  g_assert_true (md_print_document_check_bounds (doc, &error));
  g_assert_no_error (error);
  g_assert_true (md_print_document_write_pdf (doc, path, &error));
  g_assert_no_error (error);
  if (out_pages != NULL)
    *out_pages = md_print_document_get_n_pages (doc);
  return pdf_text (path);
}

static MdReceipt *
load_sale (gint64   sale_id,
           gboolean reprint)
{
  g_autoptr(GError) error = NULL;
  MdReceipt *receipt = md_receipt_load_sale (fixture.staff, sale_id, reprint, &error);

  g_assert_no_error (error);
  return receipt;
}

static void
test_three_copies (void)
{
  g_autoptr(MdReceipt) receipt = load_sale (fixture.sale_feb10, FALSE);
  static const struct { const char *name; guint pages; } templates[] = {
    { "a4-3part", 1 }, { "a5-3part", 3 }, { "dotmatrix-241", 1 },
  };
  g_autofree char *count = md_receipt_get_text (receipt, "purchase_count",
                                                MD_REPORT_STYLE_RECEIPT);

  g_assert_cmpstr (count, ==, "3");
  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    {
      guint pages = 0;
      g_autofree char *text = render (receipt, templates[i].name, &pages);
      const char *expected[] = {
        "客户联", "财务联", "存根联", receipt->number, "¥200.00", "贰佰元整", "张三", "居民生活",
        "购物中心 3号楼 2层 205室", "202411110001", "¥150.00", "¥350.00", "售电收据",
      };

      g_test_message ("%s", templates[i].name);
      g_assert_cmpuint (pages, ==, templates[i].pages);
      for (guint e = 0; e < G_N_ELEMENTS (expected); e++)
        if (strstr (text, expected[e]) == NULL)
          g_error ("%s: “%s” is not in\n%s", templates[i].name, expected[e], text);
      g_assert_null (strstr (text, "补打"));
    }
}

static void
test_layouts (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = md_receipt_template_list ();
  g_autoptr(GPtrArray) receipts = g_ptr_array_new_with_free_func ((GDestroyNotify) md_receipt_free);
  const char *builtin[] = { "a4-3part", "a5-3part", "dotmatrix-241", "thermal-58", "thermal-80" };

  for (guint i = 0; i < G_N_ELEMENTS (builtin); i++)
    g_assert_true (g_strv_contains ((const char * const *) names, builtin[i]));
  g_ptr_array_add (receipts, load_sale (fixture.sale_feb10, FALSE));
  g_ptr_array_add (receipts, load_sale (fixture.sale_card, TRUE));
  g_ptr_array_add (receipts, load_sale (fixture.reversal, FALSE));
  g_ptr_array_add (receipts, load_sale (fixture.refund, FALSE));
  g_ptr_array_add (receipts, load_sale (fixture.sale_water, FALSE));
  g_ptr_array_add (receipts, md_receipt_load_account (fixture.staff, "100001", &error));
  g_assert_no_error (error);

  for (guint n = 0; names[n] != NULL; n++)
    for (guint r = 0; r < receipts->len; r++)
      {
        const MdReceipt *receipt = receipts->pdata[r];
        g_autoptr(MdReceiptTemplate) tpl = md_receipt_template_load (names[n], &error);
        g_autoptr(MdPrintDocument) doc = NULL;
        g_autofree char *pdf = out_path ("layout.pdf");
        g_autofree char *png = out_path ("layout.png");
        g_autofree char *text = NULL;
        g_autofree char *head = NULL;
        double w, h;

        g_test_message ("%s: %s %s", names[n], md_receipt_kind_to_string (receipt->kind),
                        receipt->number);
        g_assert_no_error (error);
        doc = md_receipt_render (receipt, tpl, &error);
        g_assert_no_error (error);
        g_assert_true (md_print_document_check_bounds (doc, &error));
        g_assert_no_error (error);
        g_assert_true (md_print_document_write (doc, MD_PRINT_FORMAT_PDF, pdf, &error));
        g_assert_true (md_print_document_write (doc, MD_PRINT_FORMAT_PNG, png, &error));
        g_assert_no_error (error);
        g_assert_true (g_file_get_contents (png, &head, NULL, NULL));
        g_assert_true (g_str_has_prefix (head, "\x89PNG"));
        text = pdf_text (pdf);
        g_assert_nonnull (strstr (text, receipt->number));
        md_print_document_get_page_size (doc, 0, &w, &h);
        if (g_str_has_prefix (names[n], "thermal-80"))
          g_assert_cmpfloat_with_epsilon (w, MD_MM (80), 0.01);
      }
}

static void
test_reprint (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdReceipt) first = load_sale (fixture.sale_card, TRUE);
  g_autoptr(MdReceipt) again = NULL;
  g_autoptr(MdReceipt) original = load_sale (fixture.sale_card, FALSE);
  g_autofree char *text = render (first, "thermal-80", NULL);
  g_autofree char *plain = render (original, "thermal-80", NULL);
  g_autofree char *count = md_receipt_get_text (first, "purchase_count", MD_REPORT_STYLE_PLAIN);

  g_assert_true (first->reprint);
  g_assert_cmpint (first->reprint_no, ==, 1);
  g_assert_cmpstr (first->number, ==, original->number);
  g_assert_nonnull (strstr (text, "补打"));
  g_assert_nonnull (strstr (text, first->number));
  g_assert_null (strstr (plain, "补打"));
  /* The card's own purchase count. */
  g_assert_cmpstr (count, ==, "1");

  g_assert_true (md_receipt_record_reprint (fixture.staff, first, &error));
  g_assert_no_error (error);
  g_assert_cmpint (report_fixture_query (&fixture,
                                         "SELECT count(*) FROM audit WHERE action = "
                                         "'receipt.reprint' AND object = 'sale:' || "
                                         "CAST($1 AS TEXT) AND $2 = 0", fixture.sale_card, 0),
                   ==, 1);
  again = load_sale (fixture.sale_card, TRUE);
  g_assert_cmpint (again->reprint_no, ==, 2);
}

static void
test_qr (void)
{
  g_autoptr(MdReceipt) receipt = load_sale (fixture.sale_feb10, FALSE);
  g_autoptr(MdReceipt) water = load_sale (fixture.sale_water, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("sale:%" G_GINT64_FORMAT, fixture.sale_feb10);
  g_autofree char *expected = NULL;
  MdReportTable *lines;

  /* The code carries the number, the amount and the sale.post row's hash. */
  stmt = md_store_prepare (fixture.db.store, "SELECT hash FROM audit WHERE action = 'sale.post' "
                           "AND object = $1", &error);
  md_stmt_bind_text (stmt, 1, object);
  g_assert_true (md_stmt_step (stmt, &error));
  expected = g_strdup_printf ("meterdesk:receipt?no=%s&amount=200.00&audit=%s", receipt->number,
                              md_stmt_get_text (stmt, 0));
  md_stmt_exec (stmt, NULL);
  g_assert_cmpstr (receipt->qr_text, ==, expected);

  /* Water: the price's components under the line. */
  lines = water->tables->pdata[0];
  g_assert_cmpuint (md_report_table_get_n_rows (lines), ==, 3);
}

static void
test_not_posted (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdSaleResult) r = { 0 };
  MdSaleRequest request = { "pending-1", "200001", 1000, 0, MD_PAY_CASH };

  md_fake_medium_set_fault (fixture.card, MD_FAKE_FAIL_BEFORE_WRITE);
  g_assert_false (md_vend_sell (fixture.staff, &request, MD_MEDIUM (fixture.card), &r, NULL,
                                &error));
  g_clear_error (&error);
  g_assert_cmpstr (r.state, ==, "pending");
  g_assert_null (md_receipt_load_sale (fixture.staff, r.sale_id, FALSE, &error));
  g_assert_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_NO_RECEIPT);
  g_clear_error (&error);
  g_assert_null (md_receipt_load_sale (fixture.staff, 99999, FALSE, &error));
  g_assert_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Printed later: a receipt lives in the database, not in memory. */
  md_fake_medium_set_fault (fixture.card, MD_FAKE_OK);
  g_assert_true (md_vend_resolve (fixture.staff, r.sale_id, MD_MEDIUM (fixture.card), FALSE, NULL,
                                  &r, NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr(MdReceipt) receipt = load_sale (r.sale_id, FALSE);
    g_autofree char *text = render (receipt, "a5-3part", NULL);

    g_assert_nonnull (strstr (text, receipt->number));
  }
}

static void
test_shift_reports (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdReceipt) x = md_receipt_load_shift_x (fixture.staff, &error);
  g_autoptr(MdReceipt) z = NULL;
  g_autoptr(JsonNode) z_json = NULL;
  g_autofree char *x_text = NULL;
  g_autofree char *z_text = NULL;
  g_autofree char *a4_text = NULL;
  g_autofree char *drawer = NULL;
  MdMoney expected = 0;

  g_assert_no_error (error);
  x_text = render (x, "thermal-80", NULL);
  g_assert_nonnull (strstr (x_text, "X 报表"));
  g_assert_nonnull (strstr (x_text, "备用金"));
  g_assert_nonnull (strstr (x_text, "¥500.00"));
  g_assert_null (strstr (x_text, "客户联"));

  drawer = g_strdup_printf ("cash:%" G_GINT64_FORMAT,
                            report_fixture_query (&fixture, "SELECT MAX(id) FROM shift "
                                                  "WHERE $1 = $2", 0, 0));
  g_assert_true (md_ledger_balance (fixture.db.store, drawer, &expected, &error));
  g_assert_true (md_shift_close (fixture.staff, expected, NULL, NULL, &error));
  g_assert_no_error (error);
  z_json = md_shift_z_report (fixture.staff, &error);
  g_assert_no_error (error);
  z = md_receipt_load_shift_z (fixture.staff, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (z->number, ==, "Z T01-0001");
  g_assert_true (g_str_has_prefix (z->qr_text, "meterdesk:z?no=T01-0001&amount="));
  z_text = render (z, "thermal-58", NULL);
  g_assert_nonnull (strstr (z_text, "Z 报表"));
  g_assert_nonnull (strstr (z_text, "累计总额"));
  a4_text = render (z, "a4-3part", NULL);
  g_assert_nonnull (strstr (a4_text, "Z T01-0001"));
  g_assert_null (md_receipt_load_shift_z (fixture.staff, NULL, 7, &error));
  g_assert_error (error, MD_REPORT_ERROR, MD_REPORT_ERROR_NOT_FOUND);
}

static void
test_bad_templates (void)
{
  static const struct { const char *text; int code; } cases[] = {
    { "[page]\ncolour=red\n", MD_PRINT_ERROR_TEMPLATE },
    { "[pager]\npaper=a4\n", MD_PRINT_ERROR_TEMPLATE },
    { "[content]\nitems=customer;shoe_size\n", MD_PRINT_ERROR_TEMPLATE },
    { "[content]\nheader=title;lines\n", MD_PRINT_ERROR_TEMPLATE },
    { "[page]\npaper=a9\n", MD_PRINT_ERROR_TEMPLATE },
    { "[page]\nmargins=abc\n", MD_PRINT_ERROR_TEMPLATE },
    { "[page]\nmargin-left=120\nmargin-right=100\n", MD_PRINT_ERROR_TEMPLATE },
    { "[page]\npaper=roll-80\ncopy-mode=stack\n", MD_PRINT_ERROR_TEMPLATE },
    { "[page]\ncopy-mode=fold\n", MD_PRINT_ERROR_TEMPLATE },
    { "[font]\nsize=100\n", MD_PRINT_ERROR_TEMPLATE },
    { "[labels]\nfoo=bar\n", MD_PRINT_ERROR_TEMPLATE },
    { "[titles]\nbirthday=生日\n", MD_PRINT_ERROR_TEMPLATE },
    { "[content]\nwatermark=perhaps\n", MD_PRINT_ERROR_TEMPLATE },
    { "not a keyfile", MD_PRINT_ERROR_TEMPLATE },
    { "[content]\nlogo=missing.png\n", MD_PRINT_ERROR_LOGO },
    { "[content]\nlogo=notes.txt\n", MD_PRINT_ERROR_LOGO },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MdReceiptTemplate) tpl = md_receipt_template_new_from_data (cases[i].text, -1,
                                                                            "bad", out_dir,
                                                                            &error);

      g_test_message ("%s", cases[i].text);
      g_assert_null (tpl);
      g_assert_error (error, MD_PRINT_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, "bad"));
    }
  for (guint i = 0; i < 3; i++)
    {
      const char *names[] = { "no-such-template", "../etc/passwd", "" };
      g_autoptr(GError) error = NULL;

      g_assert_null (md_receipt_template_load (names[i], &error));
      g_assert_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_NOT_FOUND);
    }
}

static void
write_png_logo (const char *path)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 120, 60);
  cairo_t *cr = cairo_create (surface);

  cairo_set_source_rgb (cr, 0.1, 0.4, 0.8);
  cairo_rectangle (cr, 10, 10, 100, 40);
  cairo_fill (cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
}

static void
test_logos (void)
{
  g_autoptr(MdReceipt) receipt = load_sale (fixture.sale_feb10, FALSE);
  g_autofree char *png = out_path ("logo.png");
  g_autofree char *svg = g_build_filename (g_getenv ("MD_SOURCE_ROOT"), "data", "icons",
                                           "hicolor", "scalable", "apps",
                                           "org.meterdesk.Meterdesk.svg", NULL);
  const char *logos[] = { "logo.png", svg };

  write_png_logo (png);
  for (guint i = 0; i < G_N_ELEMENTS (logos); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = g_strdup_printf ("[template]\nname=Logo\n[page]\npaper=a5\n"
                                               "copies=客户联\n[content]\nlogo=%s\n"
                                               "logo-width=25\ncompany=某某物业管理有限公司\n"
                                               "[labels]\ncustomer=户名\ncustomer[en]=Customer\n",
                                               logos[i]);
      g_autoptr(MdReceiptTemplate) tpl = md_receipt_template_new_from_data (text, -1, "logo",
                                                                            out_dir, &error);
      g_autoptr(MdPrintDocument) doc = NULL;

      g_assert_no_error (error);
      doc = md_receipt_render (receipt, tpl, &error);
      g_assert_no_error (error);
      g_assert_true (md_print_document_check_bounds (doc, &error));
      g_assert_no_error (error);
    }
}

/* The bounds check can fail: a line placed past the edge is caught. */
static void
test_bounds_check (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdPrintDocument) doc = _md_print_document_new ("test");
  MdPrintBlock *block = _md_print_block_new ();
  MdPrintFont font;
  guint page = _md_print_document_add_page (doc, MD_MM (58), MD_MM (100));

  _md_print_font_init (&font, NULL, 90, FALSE);
  _md_print_block_text (block, 0, 0, "一行太长的文字放不进五十八毫米的小票纸", &font, -1,
                        PANGO_ALIGN_LEFT);
  _md_print_document_place (doc, page, block, MD_MM (3), MD_MM (3));
  g_assert_false (md_print_document_check_bounds (doc, &error));
  g_assert_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_LAYOUT);
  _md_print_block_free (block);
  _md_print_font_clear (&font);
}

typedef struct
{
  MdPrintDocument *doc;
  cairo_surface_t *surface;
} DrawData;

static gpointer
draw_thread (gpointer user_data)
{
  DrawData *data = user_data;
  cairo_t *cr = cairo_create (data->surface);

  md_print_document_draw_page (data->doc, cr, 0);
  cairo_destroy (cr);
  return NULL;
}

static void
test_reports (void)
{
  g_autoptr(GError) error = NULL;
  MdReportRange feb, year;
  g_autoptr(MdReportTable) sales = NULL;
  g_autoptr(MdReportTable) energy = NULL;
  g_autoptr(MdReportTable) audit = NULL;
  MdReportTable *tables[3];

  g_assert_true (md_report_range_parse (fixture.db.store, "2026-02", "2026-02", &feb, &error));
  g_assert_true (md_report_range_parse (fixture.db.store, "2025", "2026", &year, &error));
  tables[0] = sales = md_report_sales (fixture.staff, &feb, MD_REPORT_PERIOD_DAY,
                                       MD_REPORT_BY_PAYMENT, &error);
  tables[1] = energy = md_report_energy (fixture.staff, "100001", &feb, MD_REPORT_PERIOD_DAY,
                                         &error);
  tables[2] = audit = md_report_audit_log (fixture.staff, &year, NULL, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      MdReportPrintOptions options = { NULL, FALSE, NULL, "某某供电所" };
      g_autoptr(MdPrintDocument) doc = md_report_render (tables[i], &options, &error);
      g_autofree char *pdf = out_path ("report.pdf");
      g_autofree char *xlsx = out_path ("report.xlsx");
      g_autofree char *text = NULL;
      g_autofree char *head = NULL;
      DrawData data;
      GThread *thread;

      g_assert_no_error (error);
      g_assert_true (md_print_document_check_bounds (doc, &error));
      g_assert_no_error (error);
      g_assert_true (md_print_document_write_pdf (doc, pdf, &error));
      g_assert_true (md_report_write_xlsx (tables[i], xlsx, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (xlsx, &head, NULL, NULL));
      g_assert_true (g_str_has_prefix (head, "PK"));
      text = pdf_text (pdf);
      g_assert_nonnull (strstr (text, md_report_table_get_title (tables[i])));
      g_assert_nonnull (strstr (text, "某某供电所"));
      g_assert_nonnull (strstr (text, md_report_table_get_n_rows (tables[i]) > 0 ? "Page 1 of"
                                                                                 : ""));

      /* As a GtkPrintOperation would: another thread, its own cairo_t. */
      data.doc = doc;
      data.surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 600, 850);
      thread = g_thread_new ("draw", draw_thread, &data);
      g_thread_join (thread);
      g_assert_cmpint (cairo_surface_status (data.surface), ==, CAIRO_STATUS_SUCCESS);
      cairo_surface_destroy (data.surface);
    }
  {
    g_autofree char *pdf = out_path ("report.pdf");
    g_autoptr(MdPrintDocument) doc = md_report_render (sales, NULL, &error);
    g_autofree char *text = NULL;

    g_assert_true (md_print_document_write_pdf (doc, pdf, &error));
    text = pdf_text (pdf);
    g_assert_nonnull (strstr (text, "2026-02-10"));
    g_assert_nonnull (strstr (text, "360.00"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/print/receipt/three-copies", test_three_copies);
  g_test_add_func ("/meterdesk/print/receipt/layouts", test_layouts);
  g_test_add_func ("/meterdesk/print/receipt/reprint", test_reprint);
  g_test_add_func ("/meterdesk/print/receipt/qr", test_qr);
  g_test_add_func ("/meterdesk/print/receipt/not-posted", test_not_posted);
  g_test_add_func ("/meterdesk/print/receipt/shift-reports", test_shift_reports);
  g_test_add_func ("/meterdesk/print/template/bad", test_bad_templates);
  g_test_add_func ("/meterdesk/print/template/logos", test_logos);
  g_test_add_func ("/meterdesk/print/document/bounds", test_bounds_check);
  g_test_add_func ("/meterdesk/print/report/render", test_reports);

  out_dir = g_dir_make_tmp ("meterdesk-print-XXXXXX", &error);
  g_assert_no_error (error);
  report_fixture_setup (&fixture);
  status = g_test_run ();
  report_fixture_teardown (&fixture);
  {
    g_autoptr(GDir) dir = g_dir_open (out_dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = out_path (name);

        g_unlink (path);
      }
  }
  g_rmdir (out_dir);
  g_free (out_dir);
  return status;
}
