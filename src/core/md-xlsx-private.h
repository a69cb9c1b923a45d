/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Reading the first worksheet of an XLSX workbook (Office Open XML, ECMA-376
 * part 1 §18.3 and the ZIP container of part 2) as rows of cell texts: what
 * the site import needs, nothing more: numbers as Excel shows them, dates
 * (numbers in a date format) as ISO dates, formulas as their last values.
 */

/**
 * MdXlsxRow:
 * @number: the sheet's row number, 1 for the first row
 * @cells: (element-type utf8): the cells from column A on, "" for an empty
 *   cell
 */
typedef struct
{
  guint      number;
  GPtrArray *cells;
} MdXlsxRow;

gboolean   _md_xlsx_is_workbook   (const char  *data,
                                   gsize        length);
GPtrArray *_md_xlsx_read_rows     (const char  *data,
                                   gsize        length,
                                   gsize        max_part_size,
                                   GError     **error);
void       _md_xlsx_row_free      (MdXlsxRow   *row);

G_END_DECLS
