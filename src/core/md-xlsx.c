/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include <libxml/xmlreader.h>
#include <zip.h>

#include "md-xlsx-private.h"

/* An XLSX file is a ZIP archive of XML parts (libzip opens it, libxml2's
 * streaming reader walks each part). The workbook part names its sheets in
 * order; its relationships part says which part holds each; cell texts live
 * in the sheet or, shared, in the shared-strings part; the styles part says
 * which cells show a number as a date. Every part is checked against a size
 * limit before it is inflated: a workbook is input from anywhere. */

/* Column XFD, the last a sheet may have. */
#define MAX_COLUMNS 16384

static gboolean
broken (GError    **error,
        const char *reason)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               _("not an XLSX workbook that can be read (%s)"), reason);
  return FALSE;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlTextReader, xmlFreeTextReader)

/* ---- the archive ---- */

/* Reads the part called @name: %TRUE with *out_data %NULL when the archive
 * has no such part. */
static gboolean
read_part (zip_t       *archive,
           const char  *name,
           gsize        max_size,
           char       **out_data,
           gsize       *out_length,
           GError     **error)
{
  zip_stat_t st;
  zip_file_t *file;
  zip_int64_t index;
  zip_int64_t got;
  zip_uint64_t done = 0;
  char *data;

  *out_data = NULL;
  *out_length = 0;
  index = zip_name_locate (archive, name, 0);
  if (index < 0)
    return TRUE;
  zip_stat_init (&st);
  if (zip_stat_index (archive, (zip_uint64_t) index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
    return broken (error, _("a damaged ZIP archive"));
  if (st.size > max_size)
    {
      g_autofree char *reason = g_strdup_printf (_("%s is too large"), name);

      return broken (error, reason);
    }
  if (!(file = zip_fopen_index (archive, (zip_uint64_t) index, 0)))
    {
      g_autofree char *reason = g_strdup_printf (_("%s cannot be unpacked"), name);

      return broken (error, reason);
    }
  /* Read until libzip says the end: there it checks the CRC; a part that
   * inflates larger than its entry says is caught, not cut. */
  data = g_malloc ((gsize) st.size + 1);
  do
    {
      got = zip_fread (file, data + done, st.size + 1 - done);
      if (got > 0)
        done += (zip_uint64_t) got;
    }
  while (got > 0 && done <= st.size);
  if (zip_fclose (file) != 0 || got != 0 || done != st.size)
    {
      g_autofree char *reason = g_strdup_printf (_("%s cannot be unpacked"), name);

      g_free (data);
      return broken (error, reason);
    }
  data[st.size] = '\0';
  *out_data = data;
  *out_length = (gsize) st.size;
  return TRUE;
}

/* ---- walking a part ---- */

typedef struct
{
  void (*start) (xmlTextReaderPtr reader, const char *name, gpointer user_data, GError **error);
  void (*end)   (const char *name, gpointer user_data, GError **error);
  void (*text)  (const char *text, gpointer user_data);
} Walker;

static void
xml_error_cb (void        *user_data,
              const char  *message,
              xmlParserSeverities severity,
              xmlTextReaderLocatorPtr locator)
{
  int *line = user_data;

  if (*line == 0 && (severity == XML_PARSER_SEVERITY_ERROR ||
                     severity == XML_PARSER_SEVERITY_VALIDITY_ERROR))
    *line = MAX (1, xmlTextReaderLocatorLineNumber (locator));
}

/* The value of the attribute whose local name is @wanted, in whatever
 * namespace (transitional and strict workbooks use different ones). */
static char *
attribute (xmlTextReaderPtr  reader,
           const char       *wanted)
{
  char *value = NULL;

  if (xmlTextReaderMoveToFirstAttribute (reader) != 1)
    return NULL;
  do
    {
      const char *name = (const char *) xmlTextReaderConstLocalName (reader);

      if (name != NULL && g_str_equal (name, wanted))
        {
          value = g_strdup ((const char *) xmlTextReaderConstValue (reader));
          break;
        }
    }
  while (xmlTextReaderMoveToNextAttribute (reader) == 1);
  xmlTextReaderMoveToElement (reader);
  return value;
}

static gboolean
walk (const char    *part,
      const char    *text,
      gsize          length,
      const Walker  *walker,
      gpointer       user_data,
      GError       **error)
{
  g_autoptr(xmlTextReader) reader = NULL;
  g_autoptr(GError) local_error = NULL;
  int error_line = 0;
  int status;

  if (length > G_MAXINT)
    return broken (error, part);
  /* No network, no DTD loading, no entity expansion into the text. */
  reader = xmlReaderForMemory (text, (int) length, part, NULL,
                               XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (reader == NULL)
    return broken (error, part);
  xmlTextReaderSetErrorHandler (reader, xml_error_cb, &error_line);

  while ((status = xmlTextReaderRead (reader)) == 1 && local_error == NULL)
    {
      int type = xmlTextReaderNodeType (reader);
      const char *name = (const char *) xmlTextReaderConstLocalName (reader);

      switch (type)
        {
        case XML_READER_TYPE_ELEMENT:
          {
            gboolean empty = xmlTextReaderIsEmptyElement (reader);

            if (walker->start != NULL)
              walker->start (reader, name, user_data, &local_error);
            if (empty && walker->end != NULL && local_error == NULL)
              walker->end (name, user_data, &local_error);
          }
          break;
        case XML_READER_TYPE_END_ELEMENT:
          if (walker->end != NULL)
            walker->end (name, user_data, &local_error);
          break;
        case XML_READER_TYPE_TEXT:
        case XML_READER_TYPE_CDATA:
        case XML_READER_TYPE_WHITESPACE:
        case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
          if (walker->text != NULL)
            walker->text ((const char *) xmlTextReaderConstValue (reader), user_data);
          break;
        default:
          break;
        }
    }

  if (local_error != NULL)
    {
      g_autofree char *reason = g_strdup_printf ("%s: %s", part, local_error->message);

      return broken (error, reason);
    }
  if (status != 0)
    {
      g_autofree char *reason = NULL;

      if (error_line == 0)
        error_line = xmlTextReaderGetParserLineNumber (reader);
      reason = g_strdup_printf (_("%s, line %d: not well-formed XML"), part, MAX (1, error_line));
      return broken (error, reason);
    }
  return TRUE;
}

/* ---- which part holds the first sheet ---- */

typedef struct
{
  char     *first_sheet_id;
  char     *target;
  gboolean  date1904;
} Workbook;

static void
workbook_start (xmlTextReaderPtr   reader,
                const char        *name,
                gpointer           user_data,
                GError           **error)
{
  Workbook *book = user_data;

  if (book->first_sheet_id == NULL && g_str_equal (name, "sheet"))
    book->first_sheet_id = attribute (reader, "id");
  else if (g_str_equal (name, "workbookPr"))
    {
      g_autofree char *value = attribute (reader, "date1904");

      book->date1904 = value != NULL && (g_str_equal (value, "1") ||
                                         g_str_equal (value, "true"));
    }
}

static void
rels_start (xmlTextReaderPtr   reader,
            const char        *name,
            gpointer           user_data,
            GError           **error)
{
  Workbook *book = user_data;
  g_autofree char *id = NULL;

  if (book->target != NULL || book->first_sheet_id == NULL ||
      !g_str_equal (name, "Relationship"))
    return;
  id = attribute (reader, "Id");
  if (g_strcmp0 (id, book->first_sheet_id) == 0)
    book->target = attribute (reader, "Target");
}

static char *
first_sheet_part (zip_t     *archive,
                  gsize      max_size,
                  gboolean  *date1904,
                  GError   **error)
{
  static const Walker workbook_walker = { workbook_start, NULL, NULL };
  static const Walker rels_walker = { rels_start, NULL, NULL };
  g_autofree char *text = NULL;
  Workbook book = { 0 };
  char *part = NULL;
  gsize length;

  if (!read_part (archive, "xl/workbook.xml", max_size, &text, &length, error))
    return NULL;
  if (text == NULL)
    {
      g_autofree char *reason = g_strdup_printf (_("no %s"), "xl/workbook.xml");

      broken (error, reason);
      return NULL;
    }
  if (!walk ("xl/workbook.xml", text, length, &workbook_walker, &book, error))
    goto out;
  g_clear_pointer (&text, g_free);
  if (!read_part (archive, "xl/_rels/workbook.xml.rels", max_size, &text, &length, error))
    goto out;
  if (text != NULL &&
      !walk ("xl/_rels/workbook.xml.rels", text, length, &rels_walker, &book, error))
    goto out;

  /* A target is relative to xl/, or absolute in the package. */
  if (book.target == NULL)
    part = g_strdup ("xl/worksheets/sheet1.xml");
  else if (book.target[0] == '/')
    part = g_strdup (book.target + 1);
  else
    part = g_strconcat ("xl/", book.target, NULL);
  *date1904 = book.date1904;

out:
  g_free (book.first_sheet_id);
  g_free (book.target);
  return part;
}

/* ---- shared strings ---- */

typedef struct
{
  GPtrArray *strings;
  GString   *current;
  gboolean   in_text;
  guint      phonetic;   /* depth in <rPh>: furigana, not the text */
} Shared;

static void
shared_start (xmlTextReaderPtr   reader,
              const char        *name,
              gpointer           user_data,
              GError           **error)
{
  Shared *shared = user_data;

  if (g_str_equal (name, "si"))
    {
      if (shared->current != NULL)
        g_string_free (shared->current, TRUE);
      shared->current = g_string_new (NULL);
    }
  else if (g_str_equal (name, "rPh"))
    shared->phonetic++;
  else if (g_str_equal (name, "t") && shared->current != NULL && shared->phonetic == 0)
    shared->in_text = TRUE;
}

static void
shared_end (const char  *name,
            gpointer     user_data,
            GError     **error)
{
  Shared *shared = user_data;

  if (g_str_equal (name, "si") && shared->current != NULL)
    g_ptr_array_add (shared->strings, g_string_free (g_steal_pointer (&shared->current), FALSE));
  else if (g_str_equal (name, "rPh") && shared->phonetic > 0)
    shared->phonetic--;
  else if (g_str_equal (name, "t"))
    shared->in_text = FALSE;
}

static void
shared_text (const char *text,
             gpointer    user_data)
{
  Shared *shared = user_data;

  if (shared->in_text)
    g_string_append (shared->current, text);
}

/* ---- styles: which cell formats show dates ---- */

typedef struct
{
  GHashTable *date_formats;  /* custom numFmtId → TRUE when it shows a date */
  GArray     *xf_is_date;    /* gboolean per cellXfs entry */
  gboolean    in_cell_xfs;
} Styles;

/* A format code shows a date or a time when it has y, m, d, h or s outside
 * its quoted text, escapes and [colour]/[condition] brackets. */
static gboolean
format_shows_date (const char *code)
{
  for (const char *p = code; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          p = strchr (p + 1, '"');
          if (p == NULL)
            return FALSE;
          break;
        case '\\':
        case '_':
        case '*':
          if (p[1] == '\0')
            return FALSE;
          p++;
          break;
        case '[':
          p = strchr (p + 1, ']');
          if (p == NULL)
            return FALSE;
          break;
        default:
          if (strchr ("yYmMdDhHsS", *p) != NULL)
            return TRUE;
          break;
        }
    }
  return FALSE;
}

/* Excel's built-in date and time formats, and those of its Chinese,
 * Japanese and Korean editions. */
static gboolean
builtin_shows_date (guint64 id)
{
  return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
         (id >= 50 && id <= 58);
}

static void
styles_start (xmlTextReaderPtr   reader,
              const char        *name,
              gpointer           user_data,
              GError           **error)
{
  Styles *styles = user_data;

  if (g_str_equal (name, "numFmt"))
    {
      g_autofree char *id = attribute (reader, "numFmtId");
      g_autofree char *code = attribute (reader, "formatCode");
      guint64 n;

      if (id != NULL && code != NULL &&
          g_ascii_string_to_unsigned (id, 10, 0, G_MAXUINT, &n, NULL) &&
          format_shows_date (code))
        g_hash_table_add (styles->date_formats, GUINT_TO_POINTER ((guint) n));
    }
  else if (g_str_equal (name, "cellXfs"))
    styles->in_cell_xfs = TRUE;
  else if (g_str_equal (name, "xf") && styles->in_cell_xfs)
    {
      g_autofree char *id = attribute (reader, "numFmtId");
      guint64 n = 0;
      gboolean is_date;

      if (id != NULL)
        g_ascii_string_to_unsigned (id, 10, 0, G_MAXUINT, &n, NULL);
      is_date = builtin_shows_date (n) ||
                g_hash_table_contains (styles->date_formats, GUINT_TO_POINTER ((guint) n));
      g_array_append_val (styles->xf_is_date, is_date);
    }
}

static void
styles_end (const char  *name,
            gpointer     user_data,
            GError     **error)
{
  Styles *styles = user_data;

  if (g_str_equal (name, "cellXfs"))
    styles->in_cell_xfs = FALSE;
}

/* ---- the sheet ---- */

typedef struct
{
  GPtrArray  *rows;
  GPtrArray  *shared;
  GArray     *xf_is_date;
  gboolean    date1904;
  MdXlsxRow  *row;
  guint       last_row;
  guint       column;       /* of the cell being read */
  char       *type;
  guint       style;
  GString    *value;        /* <v> */
  GString    *inline_text;  /* <is><t> */
  gboolean    in_value;
  gboolean    in_inline;
  gboolean    in_inline_t;
  guint       phonetic;
} Sheet;

void
_md_xlsx_row_free (MdXlsxRow *row)
{
  if (row == NULL)
    return;
  g_ptr_array_unref (row->cells);
  g_free (row);
}

/* "C12" → 2 (column C, from 0); G_MAXUINT when there are no letters. */
static guint
column_of (const char *reference)
{
  guint column = 0;
  const char *p = reference;

  if (reference == NULL || !g_ascii_isalpha (*reference))
    return G_MAXUINT;
  for (; g_ascii_isalpha (*p); p++)
    {
      column = column * 26 + (guint) (g_ascii_toupper (*p) - 'A' + 1);
      if (column > MAX_COLUMNS)
        return MAX_COLUMNS;
    }
  return column - 1;
}

static void
sheet_start (xmlTextReaderPtr   reader,
             const char        *name,
             gpointer           user_data,
             GError           **error)
{
  Sheet *sheet = user_data;

  if (g_str_equal (name, "row"))
    {
      g_autofree char *r = attribute (reader, "r");
      guint64 number = sheet->last_row + 1;

      if (r != NULL && (!g_ascii_string_to_unsigned (r, 10, 1, G_MAXINT, &number, NULL) ||
                        number <= sheet->last_row))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("row %s is out of order"), r);
          return;
        }
      _md_xlsx_row_free (sheet->row);
      sheet->row = g_new0 (MdXlsxRow, 1);
      sheet->row->number = (guint) number;
      sheet->row->cells = g_ptr_array_new_with_free_func (g_free);
      sheet->last_row = (guint) number;
    }
  else if (g_str_equal (name, "c") && sheet->row != NULL)
    {
      g_autofree char *r = attribute (reader, "r");
      g_autofree char *s = attribute (reader, "s");
      guint column = column_of (r);
      guint64 style = 0;

      sheet->column = column != G_MAXUINT ? column : sheet->row->cells->len;
      if (sheet->column >= MAX_COLUMNS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("cell %s is beyond the last column"), r);
          return;
        }
      if (s != NULL)
        g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT, &style, NULL);
      sheet->style = (guint) style;
      g_free (sheet->type);
      sheet->type = attribute (reader, "t");
      g_string_truncate (sheet->value, 0);
      g_string_truncate (sheet->inline_text, 0);
    }
  else if (g_str_equal (name, "v"))
    sheet->in_value = TRUE;
  else if (g_str_equal (name, "is"))
    sheet->in_inline = TRUE;
  else if (g_str_equal (name, "t") && sheet->in_inline)
    sheet->in_inline_t = TRUE;
  else if (g_str_equal (name, "rPh"))
    sheet->phonetic++;
}

/* A number as Excel shows it: its binary double printed to 15 significant
 * digits, so 25.55 stored as 25.550000000000001 reads 25.55 again. Whole
 * numbers (meter addresses, codes) are kept as written. */
static char *
number_text (const char *raw)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  char *end = NULL;
  double value;

  if (strpbrk (raw, ".eE") == NULL)
    return g_strdup (raw);
  value = g_ascii_strtod (raw, &end);
  if (end == raw || *end != '\0')
    return g_strdup (raw);
  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.15g", value));
}

/* A serial date as the sheet shows it: "2024-11-11", "2024-11-11 08:30:00"
 * with a time of day, "08:30:00" for a time alone (under a day). In the 1900 system day
 * 60 is 29 February 1900, a day that never was (Lotus 1-2-3's bug, kept
 * by Excel); the 1904 system counts from 1 January 1904. */
static char *
date_text (const char *raw,
           gboolean    date1904)
{
  g_autoptr(GDate) date = NULL;
  char *end = NULL;
  double serial = g_ascii_strtod (raw, &end);
  gint64 seconds;
  gint64 days;
  guint second_of_day;

  if (end == raw || *end != '\0' || !isfinite (serial) || serial < 0 || serial > 2958465.0)
    return number_text (raw);
  seconds = (gint64) (serial * 86400.0 + 0.5);
  days = seconds / 86400;
  second_of_day = (guint) (seconds % 86400);
  if (days == 0 && second_of_day != 0)   /* a time alone */
    return g_strdup_printf ("%02u:%02u:%02u", second_of_day / 3600, second_of_day / 60 % 60,
                            second_of_day % 60);
  if (days == 0 && !date1904)
    return g_strdup ("1900-01-00");
  if (!date1904 && days == 60)
    return g_strdup ("1900-02-29");

  date = g_date_new_dmy (date1904 ? 1 : 31, date1904 ? G_DATE_JANUARY : G_DATE_DECEMBER,
                         date1904 ? 1904 : 1899);
  g_date_add_days (date, (guint) (days - (!date1904 && days > 60 ? 1 : 0)));
  if (second_of_day == 0)
    return g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (date), g_date_get_month (date),
                            g_date_get_day (date));
  return g_strdup_printf ("%04u-%02u-%02u %02u:%02u:%02u", g_date_get_year (date),
                          g_date_get_month (date), g_date_get_day (date), second_of_day / 3600,
                          second_of_day / 60 % 60, second_of_day % 60);
}

static char *
cell_text (Sheet   *sheet,
           GError **error)
{
  const char *type = sheet->type != NULL ? sheet->type : "n";
  char *raw = g_strstrip (sheet->value->str);

  if (g_str_equal (type, "s"))
    {
      guint64 index;

      if (!g_ascii_string_to_unsigned (raw, 10, 0, G_MAXUINT, &index, NULL) ||
          sheet->shared == NULL || index >= sheet->shared->len)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("shared string “%s” is missing"), raw);
          return NULL;
        }
      return g_strdup (sheet->shared->pdata[index]);
    }
  if (g_str_equal (type, "inlineStr"))
    return g_strdup (sheet->inline_text->str);
  if (g_str_equal (type, "b"))
    return g_strdup (g_str_equal (raw, "1") ? "TRUE" : "FALSE");
  if (g_str_equal (type, "str") || g_str_equal (type, "e"))
    return g_strdup (sheet->value->str);
  if (g_str_equal (type, "d"))
    {
      /* An ISO 8601 date as text: its time left out when it is midnight. */
      char *text = g_strdup (raw);
      char *t = strchr (text, 'T');

      if (t != NULL && (g_str_equal (t, "T00:00:00") || g_str_equal (t, "T00:00:00Z")))
        *t = '\0';
      else if (t != NULL)
        *t = ' ';
      return text;
    }
  if (*raw == '\0')
    return g_strdup ("");
  if (sheet->style < sheet->xf_is_date->len &&
      g_array_index (sheet->xf_is_date, gboolean, sheet->style))
    return date_text (raw, sheet->date1904);
  return number_text (raw);
}

static void
sheet_end (const char  *name,
           gpointer     user_data,
           GError     **error)
{
  Sheet *sheet = user_data;

  if (g_str_equal (name, "row") && sheet->row != NULL)
    g_ptr_array_add (sheet->rows, g_steal_pointer (&sheet->row));
  else if (g_str_equal (name, "c") && sheet->row != NULL)
    {
      char *text = cell_text (sheet, error);

      if (text == NULL)
        return;
      while (sheet->row->cells->len <= sheet->column)
        g_ptr_array_add (sheet->row->cells, g_strdup (""));
      g_free (sheet->row->cells->pdata[sheet->column]);
      sheet->row->cells->pdata[sheet->column] = text;
    }
  else if (g_str_equal (name, "v"))
    sheet->in_value = FALSE;
  else if (g_str_equal (name, "is"))
    sheet->in_inline = FALSE;
  else if (g_str_equal (name, "t"))
    sheet->in_inline_t = FALSE;
  else if (g_str_equal (name, "rPh") && sheet->phonetic > 0)
    sheet->phonetic--;
}

static void
sheet_text (const char *text,
            gpointer    user_data)
{
  Sheet *sheet = user_data;

  if (sheet->in_value)
    g_string_append (sheet->value, text);
  else if (sheet->in_inline_t && sheet->phonetic == 0)
    g_string_append (sheet->inline_text, text);
}

/**
 * _md_xlsx_is_workbook:
 *
 * Returns: whether @data starts as a ZIP archive does (an XLSX file, or
 *   some other archive that reading will refuse)
 */
gboolean
_md_xlsx_is_workbook (const char *data,
                      gsize       length)
{
  return length >= 4 && memcmp (data, "PK\003\004", 4) == 0;
}

static gboolean
read_sheet (zip_t      *archive,
            gsize       max_size,
            GPtrArray  *rows,
            GError    **error)
{
  static const Walker shared_walker = { shared_start, shared_end, shared_text };
  static const Walker styles_walker = { styles_start, styles_end, NULL };
  static const Walker sheet_walker = { sheet_start, sheet_end, sheet_text };
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) xf_is_date = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_autofree char *part = NULL;
  g_autofree char *text = NULL;
  gboolean date1904 = FALSE;
  gsize length;
  gboolean ok;

  if (!(part = first_sheet_part (archive, max_size, &date1904, error)))
    return FALSE;

  if (!read_part (archive, "xl/sharedStrings.xml", max_size, &text, &length, error))
    return FALSE;
  if (text != NULL)
    {
      Shared shared = { strings };

      ok = walk ("xl/sharedStrings.xml", text, length, &shared_walker, &shared, error);
      if (shared.current != NULL)
        g_string_free (shared.current, TRUE);
      if (!ok)
        return FALSE;
      g_clear_pointer (&text, g_free);
    }

  if (!read_part (archive, "xl/styles.xml", max_size, &text, &length, error))
    return FALSE;
  if (text != NULL)
    {
      Styles styles = { g_hash_table_new (NULL, NULL), xf_is_date };

      ok = walk ("xl/styles.xml", text, length, &styles_walker, &styles, error);
      g_hash_table_unref (styles.date_formats);
      if (!ok)
        return FALSE;
      g_clear_pointer (&text, g_free);
    }

  if (!read_part (archive, part, max_size, &text, &length, error))
    return FALSE;
  if (text == NULL)
    {
      g_autofree char *reason = g_strdup_printf (_("no %s"), part);

      return broken (error, reason);
    }

  {
    Sheet sheet = { rows, strings, xf_is_date, date1904 };

    sheet.value = g_string_new (NULL);
    sheet.inline_text = g_string_new (NULL);
    ok = walk (part, text, length, &sheet_walker, &sheet, error);
    _md_xlsx_row_free (sheet.row);
    g_free (sheet.type);
    g_string_free (sheet.value, TRUE);
    g_string_free (sheet.inline_text, TRUE);
  }
  return ok;
}

/**
 * _md_xlsx_read_rows:
 * @max_part_size: the largest part (sheet, shared strings) to inflate
 *
 * Returns: (transfer full) (element-type MdXlsxRow): the first sheet's
 *   rows that have cells, in order; %NULL with @error set when the data is
 *   not a workbook this can read
 */
GPtrArray *
_md_xlsx_read_rows (const char  *data,
                    gsize        length,
                    gsize        max_part_size,
                    GError     **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) _md_xlsx_row_free);
  zip_error_t zip_error;
  zip_source_t *source;
  zip_t *archive;
  gboolean ok;

  g_return_val_if_fail (data != NULL, NULL);

  zip_error_init (&zip_error);
  source = zip_source_buffer_create (data, length, 0, &zip_error);
  if (source == NULL || !(archive = zip_open_from_source (source, ZIP_RDONLY, &zip_error)))
    {
      if (source != NULL)
        zip_source_free (source);
      zip_error_fini (&zip_error);
      broken (error, _("a damaged ZIP archive"));
      return NULL;
    }
  zip_error_fini (&zip_error);

  ok = read_sheet (archive, max_part_size, rows, error);
  zip_discard (archive);
  return ok ? g_steal_pointer (&rows) : NULL;
}
