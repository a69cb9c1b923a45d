/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-print-private.h"

/*
 * A receipt document through a template: each copy (客户联, 财务联, 存根联…)
 * is a column of blocks — the header band (logo, company, title, copy
 * label, QR code), grids of fields, the tables, rules, the footer — that
 * flows into frames: a page per copy, slots stacked on one sheet with cut
 * lines between, or one impression on multi-part paper with every copy's
 * label in the side margin. A reprint carries its mark in the header, in
 * its "reprint" field and, unless the template says not, as a watermark.
 */

#define GAP_MM 2.0
#define CUT_MM 6.0

typedef struct
{
  const MdReceipt        *receipt;
  MdReceiptTemplate      *tpl;
  const MdTemplateLayout *l;
  MdPrintFont             body;
  MdPrintFont             bold;
  MdPrintFont             emphasis;
  MdPrintFont             company;
  MdPrintFont             title;
  MdPrintFont             small;
  double                  width;
  double                  emphasis_drop;
  char                   *separator;
} Ctx;

static void
ctx_clear (Ctx *ctx)
{
  _md_print_font_clear (&ctx->body);
  _md_print_font_clear (&ctx->bold);
  _md_print_font_clear (&ctx->emphasis);
  _md_print_font_clear (&ctx->company);
  _md_print_font_clear (&ctx->title);
  _md_print_font_clear (&ctx->small);
  g_free (ctx->separator);
}

static char *
title_text (Ctx *ctx)
{
  const char *kind = md_receipt_kind_to_string (ctx->receipt->kind);
  char *title = _md_receipt_template_title (ctx->tpl, kind);

  if (title != NULL)
    return title;
  switch (ctx->receipt->kind)
    {
    case MD_RECEIPT_SALE:
      return g_strdup (_("Sales receipt"));
    case MD_RECEIPT_REVERSAL:
      return g_strdup (_("Reversal receipt"));
    case MD_RECEIPT_REFUND:
      return g_strdup (_("Refund receipt"));
    case MD_RECEIPT_SETTLEMENT:
      return g_strdup (_("Settlement receipt"));
    case MD_RECEIPT_OFFSET:
      return g_strdup (_("Offset receipt"));
    case MD_RECEIPT_GRANT:
      return g_strdup (_("Free quota receipt"));
    case MD_RECEIPT_CARRY:
      return g_strdup (_("Carried credit receipt"));
    case MD_RECEIPT_ACCOUNT_OPENING:
      return g_strdup (_("Account opening slip"));
    case MD_RECEIPT_SHIFT_X:
      return g_strdup (_("X report"));
    case MD_RECEIPT_SHIFT_Z:
      return g_strdup (_("Z report"));
    default:
      return g_strdup (kind);
    }
}

static char *
label_for (Ctx        *ctx,
           const char *key)
{
  char *label = _md_receipt_template_label (ctx->tpl, key);
  int column;

  if (label != NULL)
    return label;
  column = md_report_table_find_column (ctx->receipt->fields, key);
  if (column >= 0)
    return g_strdup (md_report_table_get_column (ctx->receipt->fields, column)->label);
  return g_strdup (key);
}

static char *
reprint_mark (Ctx *ctx)
{
  char *mark = _md_receipt_template_label (ctx->tpl, "reprint-mark");

  return mark != NULL ? mark : g_strdup (_("REPRINT"));
}

static char *
field_value (Ctx        *ctx,
             const char *key)
{
  return md_receipt_get_text (ctx->receipt, key, MD_REPORT_STYLE_RECEIPT);
}

static MdPrintBlock *
header_band (Ctx         *ctx,
             const char  *copy,
             GError     **error)
{
  const MdTemplateLayout *l = ctx->l;
  MdPrintBlock *block = _md_print_block_new ();
  gboolean logo = l->logo != NULL && g_strv_contains ((const char * const *) l->header, "logo");
  gboolean qr = ctx->receipt->qr_text != NULL &&
                g_strv_contains ((const char * const *) l->header, "qr");
  double logo_w = logo ? MD_MM (l->logo_width) : 0;
  double qr_w = qr ? MD_MM (l->qr_size) : 0;
  double side = MAX (logo_w, qr_w) > 0 ? MAX (logo_w, qr_w) + MD_MM (GAP_MM) : 0;
  double center_w = ctx->width - 2 * side;
  double y = 0;

  if (center_w < ctx->width / 3)
    {
      /* A narrow roll: the logo and the code go above and below. */
      side = 0;
      center_w = ctx->width;
    }
  if (logo && side > 0)
    _md_print_block_image (block, 0, 0, logo_w, l->logo);
  else if (logo)
    {
      _md_print_block_image (block, (ctx->width - logo_w) / 2, 0, logo_w, l->logo);
      y = logo_w * l->logo->aspect + MD_MM (1);
    }

  for (guint i = 0; l->header[i] != NULL; i++)
    {
      const char *item = l->header[i];
      g_autofree char *text = NULL;
      const MdPrintFont *font = &ctx->body;

      if (g_str_equal (item, "logo") || g_str_equal (item, "qr"))
        continue;
      if (g_str_equal (item, "company"))
        {
          text = _md_receipt_template_text (ctx->tpl, "company");
          if (text == NULL)
            text = field_value (ctx, "company");
          font = &ctx->company;
        }
      else if (g_str_equal (item, "title"))
        {
          text = title_text (ctx);
          font = &ctx->title;
        }
      else if (g_str_equal (item, "copy"))
        {
          text = g_strdup (copy);
          font = &ctx->bold;
        }
      else
        {
          g_autofree char *value = field_value (ctx, item);
          g_autofree char *label = value != NULL ? label_for (ctx, item) : NULL;

          text = value != NULL ? g_strconcat (label, ctx->separator, value, NULL) : NULL;
        }
      y += _md_print_block_text (block, side, y, text, font, center_w, PANGO_ALIGN_CENTER);
      if (g_str_equal (item, "title") && ctx->receipt->reprint)
        {
          g_autofree char *mark = reprint_mark (ctx);
          g_autofree char *line = g_strdup_printf ("【%s】", mark);

          y += _md_print_block_text (block, side, y, line, &ctx->bold, center_w,
                                     PANGO_ALIGN_CENTER);
        }
    }
  if (qr && side > 0)
    {
      if (!_md_print_block_qr (block, ctx->width - qr_w, 0, qr_w, ctx->receipt->qr_text, error))
        goto failed;
    }
  else if (qr)
    {
      if (!_md_print_block_qr (block, (ctx->width - qr_w) / 2, y + MD_MM (1), qr_w,
                               ctx->receipt->qr_text, error))
        goto failed;
    }
  block->height += MD_MM (GAP_MM);
  return block;

failed:
  _md_print_block_free (block);
  return NULL;
}

typedef struct
{
  char     *label;
  char     *value;
  gboolean  wide;
  gboolean  emphasis;
} FieldCell;

static void
field_cell_clear (gpointer data)
{
  FieldCell *cell = data;

  g_free (cell->label);
  g_free (cell->value);
}

static MdPrintBlock *
grid_row (Ctx       *ctx,
          GArray    *cells,
          guint      first,
          guint      n,
          double     label_w,
          double     cell_w)
{
  MdPrintBlock *block = _md_print_block_new ();
  double gap = MD_MM (1);

  for (guint i = 0; i < n; i++)
    {
      FieldCell *cell = &g_array_index (cells, FieldCell, first + i);
      double x = i * (cell_w + MD_MM (GAP_MM));
      double w = cell->wide ? ctx->width : cell_w;
      g_autofree char *label = g_strconcat (cell->label, ctx->separator, NULL);

      /* A larger value sits on the label's baseline. */
      _md_print_block_text (block, x, cell->emphasis ? ctx->emphasis_drop : 0, label, &ctx->body,
                            label_w, PANGO_ALIGN_LEFT);
      _md_print_block_text (block, x + label_w + gap, 0, cell->value,
                            cell->emphasis ? &ctx->emphasis : &ctx->body, w - label_w - gap,
                            PANGO_ALIGN_LEFT);
    }
  block->height += MD_MM (0.6);
  return block;
}

/* A run of fields, in the template's order, in columns; a wide field takes
 * a row of its own. */
static void
field_grid (Ctx        *ctx,
            GPtrArray  *keys,
            GPtrArray  *out)
{
  const MdTemplateLayout *l = ctx->l;
  g_autoptr(GArray) cells = g_array_new (FALSE, TRUE, sizeof (FieldCell));
  guint columns = MAX (1, l->columns);
  double cell_w = (ctx->width - (columns - 1) * MD_MM (GAP_MM)) / columns;
  double label_w = 0;
  guint i = 0;

  g_array_set_clear_func (cells, field_cell_clear);
  for (guint k = 0; k < keys->len; k++)
    {
      FieldCell cell = { 0 };

      if (!(cell.value = field_value (ctx, keys->pdata[k])))
        continue;
      cell.label = label_for (ctx, keys->pdata[k]);
      cell.wide = columns > 1 && g_strv_contains ((const char * const *) l->wide, keys->pdata[k]);
      cell.emphasis = g_strv_contains ((const char * const *) l->emphasis, keys->pdata[k]);
      g_array_append_val (cells, cell);
    }
  for (guint c = 0; c < cells->len; c++)
    {
      FieldCell *cell = &g_array_index (cells, FieldCell, c);
      g_autofree char *label = g_strconcat (cell->label, ctx->separator, NULL);

      label_w = MAX (label_w, _md_print_text_width (&ctx->body, label));
    }
  label_w = MIN (label_w + 0.5, cell_w * 0.45);

  while (i < cells->len)
    {
      guint n = 0;

      if (g_array_index (cells, FieldCell, i).wide)
        n = 1;
      else
        while (n < columns && i + n < cells->len && !g_array_index (cells, FieldCell, i + n).wide)
          n++;
      g_ptr_array_add (out, grid_row (ctx, cells, i, n, label_w, cell_w));
      i += n;
    }
}

static const char *
table_heading (const MdReportColumn *column,
               gpointer              user_data)
{
  static GPrivate heading_key = G_PRIVATE_INIT (g_free);
  Ctx *ctx = ((gpointer *) user_data)[0];
  const char *table = ((gpointer *) user_data)[1];
  g_autofree char *key = g_strdup_printf ("%s.%s", table, column->key);
  char *label = _md_receipt_template_label (ctx->tpl, key);

  /* The string lives until the next call on this thread. */
  g_private_replace (&heading_key, label);
  return label;
}

static void
tables (Ctx       *ctx,
        GPtrArray *out)
{
  for (guint t = 0; t < ctx->receipt->tables->len; t++)
    {
      MdReportTable *table = ctx->receipt->tables->pdata[t];
      const char *kind = md_report_table_get_kind (table);
      gpointer data[2] = { ctx, (gpointer) kind };
      MdPrintTableStyle style = {
        ctx->l->family, ctx->l->size10, MIN (60, ctx->l->size10), MD_REPORT_STYLE_RECEIPT,
        FALSE, FALSE, table_heading, data,
      };
      MdPrintBlock *heading = NULL;

      if (md_report_table_get_n_rows (table) == 0)
        continue;
      if (!g_str_equal (kind, "lines"))
        {
          MdPrintBlock *title = _md_print_block_new ();
          g_autofree char *text = _md_receipt_template_label (ctx->tpl, kind);

          _md_print_block_text (title, 0, MD_MM (1),
                                text != NULL ? text : md_report_table_get_title (table),
                                &ctx->bold, ctx->width, PANGO_ALIGN_LEFT);
          g_ptr_array_add (out, title);
        }
      _md_print_table_blocks (table, ctx->width, &style, &heading, out, NULL);
      /* The heading goes before its rows. */
      g_ptr_array_insert (out, out->len - md_report_table_get_n_rows (table), heading);
    }
}

static MdPrintBlock *
simple_block (Ctx        *ctx,
              const char *item,
              GError    **error)
{
  MdPrintBlock *block = _md_print_block_new ();

  if (g_str_equal (item, "rule"))
    {
      _md_print_block_rule (block, 0, MD_MM (1), ctx->width, 0.5, ctx->l->paper_height == 0);
      block->height = MD_MM (2);
    }
  else if (g_str_equal (item, "space"))
    block->height = MD_MM (GAP_MM);
  else if (g_str_equal (item, "qr") && ctx->receipt->qr_text != NULL)
    {
      double size = MD_MM (ctx->l->qr_size);

      if (!_md_print_block_qr (block, (ctx->width - size) / 2, MD_MM (1), size,
                               ctx->receipt->qr_text, error))
        {
          _md_print_block_free (block);
          return NULL;
        }
      block->height += MD_MM (1);
    }
  else if (g_str_equal (item, "signatures"))
    {
      g_autofree char *op = _md_receipt_template_label (ctx->tpl, "signature-operator");
      g_autofree char *customer = _md_receipt_template_label (ctx->tpl, "signature-customer");
      g_autofree char *left = g_strconcat (op != NULL ? op : _("Cashier"), ctx->separator, NULL);
      g_autofree char *right = g_strconcat (customer != NULL ? customer : _("Customer"),
                                            ctx->separator, NULL);
      double half = (ctx->width - MD_MM (GAP_MM)) / 2;

      double line;

      _md_print_block_text (block, 0, MD_MM (3), left, &ctx->body, half, PANGO_ALIGN_LEFT);
      _md_print_block_text (block, half + MD_MM (GAP_MM), MD_MM (3), right, &ctx->body, half,
                            PANGO_ALIGN_LEFT);
      line = block->height + MD_MM (1);
      _md_print_block_rule (block, 0, line, half, 0.4, FALSE);
      _md_print_block_rule (block, half + MD_MM (GAP_MM), line, half, 0.4, FALSE);
      block->height += MD_MM (1);
    }
  return block;
}

/* Every block of one copy, in order. */
static GPtrArray *
copy_blocks (Ctx         *ctx,
             const char  *copy,
             GError     **error)
{
  g_autoptr(GPtrArray) blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) _md_print_block_free);
  g_autoptr(GPtrArray) run = g_ptr_array_new ();
  g_autofree char *footer = _md_receipt_template_text (ctx->tpl, "footer");
  MdPrintBlock *block;

  if (ctx->l->header[0] != NULL)
    {
      if (!(block = header_band (ctx, copy, error)))
        return NULL;
      g_ptr_array_add (blocks, block);
    }
  for (guint i = 0; ctx->l->items[i] != NULL; i++)
    {
      const char *item = ctx->l->items[i];

      if (g_strv_contains (md_receipt_field_keys (), item))
        {
          g_ptr_array_add (run, (gpointer) item);
          continue;
        }
      field_grid (ctx, run, blocks);
      g_ptr_array_set_size (run, 0);
      if (g_str_equal (item, "lines"))
        tables (ctx, blocks);
      else if (!(block = simple_block (ctx, item, error)))
        return NULL;
      else
        g_ptr_array_add (blocks, block);
    }
  field_grid (ctx, run, blocks);
  if (footer != NULL)
    {
      block = _md_print_block_new ();
      _md_print_block_text (block, 0, MD_MM (1.5), footer, &ctx->small, ctx->width,
                            PANGO_ALIGN_CENTER);
      g_ptr_array_add (blocks, block);
    }
  return g_steal_pointer (&blocks);
}

static double
blocks_height (GPtrArray *blocks)
{
  double height = 0;

  for (guint i = 0; i < blocks->len; i++)
    height += ((MdPrintBlock *) blocks->pdata[i])->height;
  return height;
}

static void
watermark (Ctx             *ctx,
           MdPrintDocument *doc,
           guint            page,
           double           x,
           double           y,
           double           w,
           double           h)
{
  g_autofree char *mark = reprint_mark (ctx);
  MdPrintBlock *block = _md_print_block_new ();
  MdPrintFont font;
  int size10 = (int) (h * 0.35 * 10);
  double tw;

  _md_print_font_init (&font, ctx->l->family, size10, TRUE);
  tw = _md_print_text_width (&font, mark);
  if (tw > w * 0.7)
    {
      size10 = (int) (size10 * w * 0.7 / tw);
      _md_print_font_clear (&font);
      _md_print_font_init (&font, ctx->l->family, MAX (size10, 40), TRUE);
    }
  _md_print_block_text (block, 0, 0, mark, &font, w, PANGO_ALIGN_CENTER);
  for (guint i = 0; i < block->ops->len; i++)
    ((MdPrintOp *) block->ops->pdata[i])->gray = 0.86;
  _md_print_document_place (doc, page, block, x, y + MAX (0, (h - block->height) / 2));
  _md_print_block_free (block);
  _md_print_font_clear (&font);
}

static void
page_number (Ctx             *ctx,
             MdPrintDocument *doc,
             guint            page,
             double           x,
             double           bottom,
             guint            n,
             guint            of)
{
  g_autofree char *format = _md_receipt_template_label (ctx->tpl, "page");
  g_autofree char *n_text = g_strdup_printf ("%u", n);
  g_autofree char *of_text = g_strdup_printf ("%u", of);
  g_autoptr(GString) text = g_string_new (format != NULL ? format : _("page {page} of {pages}"));
  MdPrintBlock *block = _md_print_block_new ();

  g_string_replace (text, "{page}", n_text, 0);
  g_string_replace (text, "{pages}", of_text, 0);
  _md_print_block_text (block, 0, 0, text->str, &ctx->small, ctx->width, PANGO_ALIGN_RIGHT);
  _md_print_document_place (doc, page, block, x, bottom - block->height);
  _md_print_block_free (block);
}

/* Flows one copy into pages of their own from @x, @top, @height high
 * (0 for a roll), numbering them when there is more than one. */
static gboolean
flow_pages (Ctx              *ctx,
            MdPrintDocument  *doc,
            GPtrArray        *blocks,
            double            x,
            double            top,
            double            height,
            GError          **error)
{
  const MdTemplateLayout *l = ctx->l;
  double paper_w = MD_MM (l->paper_width);
  double paper_h = MD_MM (l->paper_height);
  double bottom_margin = MD_MM (l->margins[2]);
  double number_h = _md_print_font_height (&ctx->small) + MD_MM (1);
  g_autoptr(GArray) breaks = g_array_new (FALSE, FALSE, sizeof (guint));
  double room = height;
  double y = 0;
  guint first_page = md_print_document_get_n_pages (doc);
  guint n_pages;

  if (height == 0)
    {
      guint page = _md_print_document_add_page (doc, paper_w, 1);

      if (ctx->receipt->reprint && l->watermark)
        watermark (ctx, doc, page, x, top, ctx->width, blocks_height (blocks));
      for (guint i = 0; i < blocks->len; i++)
        {
          _md_print_document_place (doc, page, blocks->pdata[i], x, top + y);
          y += ((MdPrintBlock *) blocks->pdata[i])->height;
        }
      _md_print_document_set_height (doc, page, top + y + bottom_margin);
      return TRUE;
    }

  /* Where pages break, leaving room for the page number when they do. */
  if (blocks_height (blocks) > height)
    room = height - number_h;
  for (guint i = 0; i < blocks->len; i++)
    {
      double h = ((MdPrintBlock *) blocks->pdata[i])->height;

      if (h > room)
        {
          g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_LAYOUT,
                       _("The receipt does not fit on the paper of template “%s”"),
                       md_receipt_template_get_name (ctx->tpl));
          return FALSE;
        }
      if (y + h > room)
        {
          g_array_append_val (breaks, i);
          y = 0;
        }
      y += h;
    }
  n_pages = breaks->len + 1;

  y = 0;
  for (guint i = 0, b = 0, page = G_MAXUINT; i < blocks->len; i++)
    {
      if (page == G_MAXUINT || (b < breaks->len && g_array_index (breaks, guint, b) == i))
        {
          if (page != G_MAXUINT)
            b++;
          page = _md_print_document_add_page (doc, paper_w, paper_h);
          if (ctx->receipt->reprint && l->watermark)
            watermark (ctx, doc, page, x, top, ctx->width, height);
          if (n_pages > 1)
            page_number (ctx, doc, page, x, top + height, page - first_page + 1, n_pages);
          y = 0;
        }
      _md_print_document_place (doc, page, blocks->pdata[i], x, top + y);
      y += ((MdPrintBlock *) blocks->pdata[i])->height;
    }
  return TRUE;
}

static void
cut_line (MdPrintDocument *doc,
          guint            page,
          double           paper_w,
          double           y)
{
  MdPrintBlock *block = _md_print_block_new ();

  _md_print_block_rule (block, MD_MM (3), 0, paper_w - MD_MM (6), 0.5, TRUE);
  _md_print_document_place (doc, page, block, 0, y);
  _md_print_block_free (block);
}

static void
side_labels (Ctx             *ctx,
             MdPrintDocument *doc,
             double           x,
             double           top,
             double           height)
{
  g_autofree char *text = g_strjoinv ("   ", ctx->l->copies);
  MdPrintBlock *block = _md_print_block_new ();
  guint n = md_print_document_get_n_pages (doc);

  _md_print_block_vtext (block, 0, 0, text, &ctx->bold, height);
  for (guint page = 0; page < n; page++)
    _md_print_document_place (doc, page, block, x, top);
  _md_print_block_free (block);
}

/**
 * md_receipt_render:
 *
 * Lays @receipt out with @template_: every copy the template names (one,
 * unlabelled, for shift reports), in its copy mode.
 *
 * Returns: (transfer full): the document, or %NULL with @error set
 */
MdPrintDocument *
md_receipt_render (const MdReceipt    *receipt,
                   MdReceiptTemplate  *template_,
                   GError            **error)
{
  const MdTemplateLayout *l;
  g_autoptr(MdPrintDocument) doc = NULL;
  g_autoptr(GPtrArray) copies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autofree char *title = NULL;
  g_autofree char *separator = NULL;
  Ctx ctx = { receipt, template_ };
  gboolean shift, ok = TRUE;
  guint n_copies;
  double top, height, left, paper_w, strip = 0;

  g_return_val_if_fail (receipt != NULL && template_ != NULL, NULL);

  l = ctx.l = _md_receipt_template_get_layout (template_);
  separator = _md_receipt_template_label (template_, "separator");
  ctx.separator = g_strdup (separator != NULL ? separator : _(": "));
  _md_print_font_init (&ctx.body, l->family, l->size10, FALSE);
  _md_print_font_init (&ctx.bold, l->family, l->size10, TRUE);
  _md_print_font_init (&ctx.emphasis, l->family, l->size10 + 20, TRUE);
  _md_print_font_init (&ctx.company, l->family, (l->size10 + l->title_size10) / 2, TRUE);
  _md_print_font_init (&ctx.title, l->family, l->title_size10, TRUE);
  _md_print_font_init (&ctx.small, l->family, l->small_size10, FALSE);
  ctx.emphasis_drop = _md_print_font_baseline (&ctx.emphasis) - _md_print_font_baseline (&ctx.body);

  paper_w = MD_MM (l->paper_width);
  left = MD_MM (l->margins[3]);
  top = MD_MM (l->margins[0]);
  height = l->paper_height > 0 ? MD_MM (l->paper_height) - top - MD_MM (l->margins[2]) : 0;
  shift = receipt->kind == MD_RECEIPT_SHIFT_X || receipt->kind == MD_RECEIPT_SHIFT_Z;
  n_copies = shift || l->copies == NULL ? 1 : MAX (1, g_strv_length (l->copies));
  if (l->copy_mode == MD_COPY_MODE_SIDE && !shift)
    {
      strip = _md_print_font_height (&ctx.bold) + MD_MM (GAP_MM);
      n_copies = 1;
    }
  ctx.width = paper_w - left - MD_MM (l->margins[1]) - strip;

  title = title_text (&ctx);
  doc = _md_print_document_new (receipt->number != NULL ? receipt->number : title);
  for (guint c = 0; c < n_copies && ok; c++)
    {
      const char *label = !shift && l->copy_mode != MD_COPY_MODE_SIDE && l->copies != NULL
                          ? l->copies[c] : NULL;
      GPtrArray *blocks = copy_blocks (&ctx, label, error);

      if (blocks == NULL)
        ok = FALSE;
      else
        g_ptr_array_add (copies, blocks);
    }

  if (ok && l->copy_mode == MD_COPY_MODE_STACK && n_copies > 1)
    {
      double slot = (height - (n_copies - 1) * MD_MM (CUT_MM)) / n_copies;
      gboolean fits = TRUE;

      for (guint c = 0; c < n_copies; c++)
        fits = fits && blocks_height (copies->pdata[c]) <= slot;
      if (fits)
        {
          guint page = _md_print_document_add_page (doc, paper_w, MD_MM (l->paper_height));

          for (guint c = 0; c < n_copies; c++)
            {
              GPtrArray *blocks = copies->pdata[c];
              double y = top + c * (slot + MD_MM (CUT_MM));

              if (receipt->reprint && l->watermark)
                watermark (&ctx, doc, page, left, y, ctx.width, slot);
              for (guint i = 0; i < blocks->len; i++)
                {
                  _md_print_document_place (doc, page, blocks->pdata[i], left, y);
                  y += ((MdPrintBlock *) blocks->pdata[i])->height;
                }
              if (c + 1 < n_copies)
                cut_line (doc, page, paper_w, top + (c + 1) * slot + (c + 0.5) * MD_MM (CUT_MM));
            }
          ctx_clear (&ctx);
          return g_steal_pointer (&doc);
        }
      g_debug ("a copy is taller than a third of the sheet: one copy per page");
    }

  for (guint c = 0; c < n_copies && ok; c++)
    ok = flow_pages (&ctx, doc, copies->pdata[c], left, top, height, error);
  if (ok && strip > 0)
    side_labels (&ctx, doc, paper_w - MD_MM (l->margins[1]) - strip + MD_MM (GAP_MM), top,
                 height);
  ctx_clear (&ctx);
  return ok ? g_steal_pointer (&doc) : NULL;
}
