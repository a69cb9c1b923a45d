/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "md-register.h"
#include "md-test-util.h"
#include "md-xlsx-private.h"

/* Site import from XLSX workbooks: made by openpyxl (as Excel and WPS save
 * them: shared strings, numbers as doubles, dates as numbers in a date
 * format, deflated parts) and by hand (inline strings, rich and phonetic
 * text, stored parts, gaps in rows and columns), read as their first sheet
 * with the sheet's row numbers in every error; broken archives refused in
 * one translated line, nothing imported. */

typedef struct
{
  MdTestDb   db;
  MdSession *staff;
  char      *dir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  md_test_db_setup (&f->db);
  f->staff = md_test_add_operator (&f->db, "staff", MD_ROLE_METERING, "staff-pass1");
  f->dir = g_dir_make_tmp ("md-xlsx-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_clear_object (&f->staff);
  md_test_db_teardown (&f->db);
}

/* Runs a Python script with the file to write as its argument. */
static char *
make (Fixture    *f,
      const char *name,
      const char *script)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);
  const char *argv[] = { "/usr/bin/python3", "-c", script, path, NULL };
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return path;
}

static JsonNode *
import (Fixture     *f,
        const char  *path,
        GError     **error)
{
  const char *paths[] = { path, NULL };
  JsonNode *summary = NULL;

  if (!md_site_import_csv (f->staff, paths, &summary, error))
    return NULL;
  return summary;
}

static gint64
count (Fixture    *f,
       const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);

  return md_test_query_int (f->db.store, sql);
}

static void
test_openpyxl (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) summary = NULL;
  g_autoptr(JsonNode) rooms = NULL;
  g_autoptr(JsonNode) meter = NULL;
  /* Numbers stay numbers in the sheet: a room code 101, areas 25.55 and
   * 0.1 + 0.2 (stored as 0.30000000000000004, shown 0.3), a 12-digit meter
   * address; a blank row; the sheet is not called Sheet1 and is not the
   * workbook's only one. */
  g_autofree char *site = make (f, "site.xlsx",
    "import sys, openpyxl\n"
    "wb = openpyxl.Workbook()\n"
    "ws = wb.active\n"
    "ws.title = '园区'\n"
    "for row in [['type', 'site', 'building', 'floor', 'code', 'name', 'address', 'area-m2'],\n"
    "            ['site', None, None, None, 'PARK', '工业园', '科技路 8 号', None],\n"
    "            ['building', 'PARK', None, None, 'B1', '1号楼', None, None],\n"
    "            [],\n"
    "            ['floor', 'PARK', 'B1', None, 'F1', '1层', None, None],\n"
    "            ['room', 'PARK', 'B1', 'F1', 101, '101室', None, 25.55],\n"
    "            ['room', 'PARK', 'B1', 'F1', '102', '102室', None, 30],\n"
    "            ['room', 'PARK', 'B1', 'F1', '103', '103室', None, 0.1 + 0.2]]:\n"
    "    ws.append(row)\n"
    "wb.create_sheet('ignored').append(['type', 'code'])\n"
    "wb.save(sys.argv[1])\n");
  g_autofree char *meters = make (f, "meters.xlsx",
    "import sys, openpyxl\n"
    "wb = openpyxl.Workbook()\n"
    "ws = wb.active\n"
    "ws.append(['address', 'model', 'room'])\n"
    "ws.append([202411110001, 'ADF400L', 'PARK/B1/F1/101'])\n"
    "wb.save(sys.argv[1])\n");

  summary = import (f, site, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (summary), "room"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (summary), "site"), ==, 1);
  rooms = md_site_list (f->staff, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (rooms)), ==, 3);
  {
    JsonObject *room = json_array_get_object_element (json_node_get_array (rooms), 0);

    g_assert_cmpstr (json_object_get_string_member (room, "path"), ==, "PARK/B1/F1/101");
    g_assert_cmpstr (json_object_get_string_member (room, "area_m2"), ==, "25.55");
    room = json_array_get_object_element (json_node_get_array (rooms), 2);
    g_assert_cmpstr (json_object_get_string_member (room, "path"), ==, "PARK/B1/F1/103");
    g_assert_cmpstr (json_object_get_string_member (room, "area_m2"), ==, "0.30");
  }

  g_clear_pointer (&summary, json_node_unref);
  summary = import (f, meters, &error);
  g_assert_no_error (error);
  meter = md_meter_show (f->staff, "202411110001", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (meter), "room"), ==,
                   "PARK/B1/F1/101");
}

/* A workbook written by hand: inline strings, a stored (not deflated)
 * part, row numbers with a gap, cells without references and one after a
 * gap in the columns. */
static const char by_hand[] =
  "import sys, zipfile\n"
  "ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'\n"
  "rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'\n"
  "def cell(ref, text):\n"
  "    r = ' r=\"%s\"' % ref if ref else ''\n"
  "    return '<c%s t=\"inlineStr\"><is><t>%s</t></is></c>' % (r, text)\n"
  "rows = '<row r=\"1\">' + cell('A1', 'code') + cell('B1', 'name') + cell('D1', 'address') + '</row>'\n"
  "rows += '<row r=\"3\">' + cell(None, 'S1') + cell(None, '一号') + '</row>'\n"
  "rows += '<row r=\"7\">' + cell('A7', 'S2') + '<c r=\"B7\" t=\"str\"><f>X</f><v>二号</v></c>' + cell('D7', 'X路') + '</row>'\n"
  "if BAD:\n"
  "    rows += '<row r=\"9\">' + cell('A9', 'S3') + '</row>'\n"
  "sheet = '<worksheet xmlns=\"%s\"><sheetData>%s</sheetData></worksheet>' % (ns, rows)\n"
  "book = '<workbook xmlns=\"%s\" xmlns:r=\"%s\"><sheets><sheet name=\"x\" sheetId=\"1\" r:id=\"rId7\"/></sheets></workbook>' % (ns, rel)\n"
  "rels = '<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId7\" Type=\"t\" Target=\"/xl/worksheets/mine.xml\"/></Relationships>'\n"
  "with zipfile.ZipFile(sys.argv[1], 'w') as z:\n"
  "    z.writestr('xl/workbook.xml', book, zipfile.ZIP_DEFLATED)\n"
  "    z.writestr('xl/_rels/workbook.xml.rels', rels, zipfile.ZIP_STORED)\n"
  "    z.writestr('xl/worksheets/mine.xml', sheet, zipfile.ZIP_DEFLATED)\n";

static void
test_by_hand (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) summary = NULL;
  g_autofree char *bad_script = g_strconcat ("BAD = True\n", by_hand, NULL);
  g_autofree char *good_script = g_strconcat ("BAD = False\n", by_hand, NULL);
  g_autofree char *bad = make (f, "sites.xlsx", bad_script);
  gint64 n = 0;

  /* Row 9 has no name: named by its row in the sheet, nothing imported. */
  g_assert_null (import (f, bad, &error));
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT);
  g_assert_cmpstr (error->message, ==,
                   "sites.xlsx:9: a “site” row needs a value in the “name” column");
  g_assert_cmpint (count (f, "site"), ==, 0);
  g_clear_error (&error);

  g_unlink (bad);
  g_free (make (f, "sites.xlsx", good_script));
  summary = import (f, bad, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (summary), "site"), ==, 2);
  g_assert_true (md_store_query_int64 (f->db.store,
                                       "SELECT count(*) FROM site WHERE code = 'S2' AND "
                                       "name = '二号' AND address = 'X路'", &n, NULL));
  g_assert_cmpint (n, ==, 1);
  g_assert_true (md_store_query_int64 (f->db.store,
                                       "SELECT count(*) FROM site WHERE code = 'S1' AND "
                                       "name = '一号'", &n, NULL));
  g_assert_cmpint (n, ==, 1);
}

static GPtrArray *
read_rows (const char  *path,
           GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_true (_md_xlsx_is_workbook (contents, length));
  return _md_xlsx_read_rows (contents, length, 1 << 20, error);
}

static void
assert_row (GPtrArray   *rows,
            guint        index,
            guint        number,
            const char **cells)
{
  MdXlsxRow *row;
  guint n = g_strv_length ((char **) cells);

  g_assert_cmpuint (index, <, rows->len);
  row = rows->pdata[index];
  g_assert_cmpuint (row->number, ==, number);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (i, <, row->cells->len);
      g_assert_cmpstr (row->cells->pdata[i], ==, cells[i]);
    }
  g_assert_cmpuint (row->cells->len, ==, n);
}

/* Cells of every kind as the sheet shows them: dates in built-in and custom
 * formats (with a time of day, a time alone, the 1900 leap-year bug),
 * numbers in a number format that is not a date, booleans, empty cells
 * between others, a formula's cached value. */
static void
test_cells (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) rows_1904 = NULL;
  static const char script[] =
    "import sys, datetime, openpyxl\n"
    "from openpyxl.utils.datetime import CALENDAR_MAC_1904\n"
    "wb = openpyxl.Workbook()\n"
    "if sys.argv[1].endswith('1904.xlsx'):\n"
    "    wb.epoch = CALENDAR_MAC_1904\n"
    "ws = wb.active\n"
    "ws.append(['date', 'when', 'time', 'chinese', 'kwh', 'flag', 'blank', 'last'])\n"
    "ws.append([datetime.date(2024, 11, 11), datetime.datetime(2025, 1, 2, 8, 30),\n"
    "           datetime.time(17, 45, 30), datetime.date(2000, 2, 29), 12.5, True, None,\n"
    "           'x'])\n"
    "ws['D2'].number_format = 'yyyy\"年\"m\"月\"d\"日\"'\n"
    "ws['E2'].number_format = '0.00\" kWh\"'\n"
    "ws.append([None, None, 'gap'])\n"
    "ws['A5'] = 1.0\n"
    "ws['A5'].number_format = 'yyyy-mm-dd'\n"
    "ws['B5'] = 60\n"
    "ws['B5'].number_format = 'yyyy-mm-dd'\n"
    "ws['C5'] = 61\n"
    "ws['C5'].number_format = 'yyyy-mm-dd'\n"
    "ws['D5'] = False\n"
    "ws['E5'] = '=1+1'\n"
    "wb.save(sys.argv[1])\n";
  g_autofree char *path = make (f, "cells.xlsx", script);
  g_autofree char *path_1904 = make (f, "cells-1904.xlsx", script);

  rows = read_rows (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 4);
  assert_row (rows, 0, 1, (const char *[]) { "date", "when", "time", "chinese", "kwh", "flag",
                                             "blank", "last", NULL });
  assert_row (rows, 1, 2, (const char *[]) { "2024-11-11", "2025-01-02 08:30:00", "17:45:30",
                                             "2000-02-29", "12.5", "TRUE", "", "x", NULL });
  assert_row (rows, 2, 3, (const char *[]) { "", "", "gap", NULL });
  /* openpyxl keeps no cached value for a formula: the cell reads empty. */
  assert_row (rows, 3, 5, (const char *[]) { "1900-01-01", "1900-02-29", "1900-03-01", "FALSE",
                                             "", NULL });

  /* The same dates counted from 1904 read the same. */
  rows_1904 = read_rows (path_1904, &error);
  g_assert_no_error (error);
  assert_row (rows_1904, 1, 2, (const char *[]) { "2024-11-11", "2025-01-02 08:30:00",
                                                  "17:45:30", "2000-02-29", "12.5", "TRUE", "",
                                                  "x", NULL });
}

/* Shared strings written by hand: rich text in runs, Japanese phonetic
 * guides left out, whitespace kept inside a cell; a date style in the
 * strict namespace. */
static void
test_shared_by_hand (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *path = make (f, "shared.xlsx",
    "import sys, zipfile\n"
    "ns = 'http://purl.oclc.org/ooxml/spreadsheetml/main'\n"
    "rel = 'http://purl.oclc.org/ooxml/officeDocument/relationships'\n"
    "book = '<workbook xmlns=\"%s\" xmlns:r=\"%s\"><sheets>"
    "<sheet name=\"a\" sheetId=\"2\" r:id=\"rId2\"/>"
    "<sheet name=\"b\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>' % (ns, rel)\n"
    "rels = '<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Target=\"worksheets/sheet2.xml\"/></Relationships>'\n"
    "sst = '<sst xmlns=\"%s\"><si><t>plain</t></si>"
    "<si><r><rPr><b/></rPr><t>rich</t></r><r><t xml:space=\"preserve\"> text</t></r></si>"
    "<si><t>漢字</t><rPh sb=\"0\" eb=\"2\"><t>かんじ</t></rPh></si>"
    "<si><t><![CDATA[a<b]]></t></si></sst>' % ns\n"
    "styles = '<styleSheet xmlns=\"%s\"><numFmts><numFmt numFmtId=\"200\" formatCode=\"[Red]0.0\"/>"
    "<numFmt numFmtId=\"201\" formatCode=\"d/m/yy\"/></numFmts>"
    "<cellStyleXfs><xf numFmtId=\"14\"/></cellStyleXfs>"
    "<cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"200\"/><xf numFmtId=\"201\"/></cellXfs>"
    "</styleSheet>' % ns\n"
    "def sheet(rows):\n"
    "    return '<worksheet xmlns=\"%s\"><sheetData>%s</sheetData></worksheet>' % (ns, rows)\n"
    "first = sheet('<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"C2\" t=\"s\"><v>1</v></c>"
    "<c r=\"D2\" t=\"s\"><v>2</v></c><c r=\"E2\" t=\"s\"><v>3</v></c>"
    "<c r=\"F2\" s=\"1\"><v>45607</v></c><c r=\"G2\" s=\"2\"><v>45607</v></c>"
    "<c r=\"H2\" s=\"0\"/></row>')\n"
    "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n"
    "    z.writestr('xl/workbook.xml', book)\n"
    "    z.writestr('xl/_rels/workbook.xml.rels', rels)\n"
    "    z.writestr('xl/sharedStrings.xml', sst)\n"
    "    z.writestr('xl/styles.xml', styles)\n"
    "    z.writestr('xl/worksheets/sheet2.xml', first)\n"
    "    z.writestr('xl/worksheets/sheet1.xml', sheet('<row r=\"1\"><c t=\"inlineStr\"><is><t>no</t></is></c></row>'))\n");

  rows = read_rows (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  assert_row (rows, 0, 2, (const char *[]) { "plain", "", "rich text", "漢字", "a<b", "45607",
                                             "2024-11-11", "", NULL });
}

static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  static const struct
  {
    const char *name;
    const char *script;
    const char *message;
  } cases[] = {
    { "sites.xlsx",
      "import sys\nopen(sys.argv[1], 'wb').write(b'PK\\x03\\x04' + b'\\0' * 40)\n",
      "sites.xlsx: not an XLSX workbook that can be read (a damaged ZIP archive)" },
    { "sites.xlsx",
      "import sys, zipfile\nzipfile.ZipFile(sys.argv[1], 'w').writestr('a.txt', 'x')\n",
      "sites.xlsx: not an XLSX workbook that can be read (no xl/workbook.xml)" },
    { "sites.xlsx",
      "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w')\n"
      "z.writestr('xl/workbook.xml', '<workbook><sheets><sheet r:id=\"rId1\"/></sheets>"
      "</workbook>')\n"
      "z.writestr('xl/worksheets/sheet1.xml', '<worksheet><sheetData><row r=\"1\">"
      "<c r=\"A1\" t=\"s\"><v>5</v></c></row></sheetData></worksheet>')\n",
      "sites.xlsx: not an XLSX workbook that can be read (xl/worksheets/sheet1.xml: shared "
      "string “5” is missing)" },
    { "sites.xlsx",
      "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w')\n"
      "z.writestr('xl/workbook.xml', '<workbook>\\n<sheets></workbook>')\n",
      "sites.xlsx: not an XLSX workbook that can be read (xl/workbook.xml, line 2: not "
      "well-formed XML)" },
    { "sites.xlsx",
      "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w')\n"
      "z.writestr('xl/workbook.xml', '<workbook><sheets><sheet r:id=\"rId1\"/></sheets>"
      "</workbook>')\n",
      "sites.xlsx: not an XLSX workbook that can be read (no xl/worksheets/sheet1.xml)" },
    { "sites.xlsx",
      "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w')\n"
      "z.writestr('xl/workbook.xml', '<workbook/>')\n"
      "z.writestr('xl/worksheets/sheet1.xml', '<worksheet><sheetData><row r=\"2\"/>"
      "<row r=\"1\"/></sheetData></worksheet>')\n",
      "sites.xlsx: not an XLSX workbook that can be read (xl/worksheets/sheet1.xml: row 1 "
      "is out of order)" },
    /* A part that claims to be small but inflates past the limit, and one
     * whose checksum is wrong. */
    { "sites.xlsx",
      "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\n"
      "z.writestr('xl/workbook.xml', '<workbook/>')\n"
      "z.writestr('xl/worksheets/sheet1.xml', ' ' * ((64 << 20) + 1))\n",
      "sites.xlsx: not an XLSX workbook that can be read (xl/worksheets/sheet1.xml is too "
      "large)" },
    { "sites.xlsx",
      "import sys, zipfile, io, struct, zlib\nb = io.BytesIO()\n"
      "z = zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED)\n"
      "z.writestr('xl/workbook.xml', '<workbook/>')\n"
      "z.writestr('xl/worksheets/sheet1.xml', '<worksheet/>')\nz.close()\n"
      "crc = zlib.crc32(b'<worksheet/>')\n"
      "d = b.getvalue().replace(struct.pack('<I', crc), struct.pack('<I', crc ^ 1))\n"
      "open(sys.argv[1], 'wb').write(d)\n",
      "sites.xlsx: not an XLSX workbook that can be read (xl/worksheets/sheet1.xml cannot be "
      "unpacked)" },
    { "sites.xlsx",
      "import sys, openpyxl\nwb = openpyxl.Workbook()\nwb.save(sys.argv[1])\n",
      "sites.xlsx is empty" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = make (f, cases[i].name, cases[i].script);

      g_assert_null (import (f, path, &error));
      g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: “%s” does not say “%s”", i, error->message, cases[i].message);
      g_assert_null (strchr (error->message, '\n'));
      g_assert_cmpint (count (f, "site"), ==, 0);
      g_unlink (path);
    }
}

/* The same refusal in the operator's language. */
static void
test_refused_in_chinese (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = make (f, "sites.xlsx",
    "import sys, zipfile\nzipfile.ZipFile(sys.argv[1], 'w').writestr('a.txt', 'x')\n");
  const char *localedir = g_getenv ("MD_LOCALEDIR");

  g_assert_nonnull (localedir);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  /* The test set-up (README, .ci/run) generates the zh_CN.UTF-8 locale. */
  g_assert_nonnull (setlocale (LC_ALL, "zh_CN.UTF-8"));
  g_assert_null (import (f, path, &error));
  setlocale (LC_ALL, "C.UTF-8");
  g_assert_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT);
  g_assert_cmpstr (error->message, ==, "sites.xlsx：不是可读取的 XLSX 工作簿（缺少 xl/workbook.xml）");
  g_assert_cmpint (count (f, "site"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/meterdesk/core/import-xlsx/openpyxl", Fixture, NULL, fixture_setup,
              test_openpyxl, fixture_teardown);
  g_test_add ("/meterdesk/core/import-xlsx/by-hand", Fixture, NULL, fixture_setup, test_by_hand,
              fixture_teardown);
  g_test_add ("/meterdesk/core/import-xlsx/cells", Fixture, NULL, fixture_setup, test_cells,
              fixture_teardown);
  g_test_add ("/meterdesk/core/import-xlsx/shared-by-hand", Fixture, NULL, fixture_setup,
              test_shared_by_hand, fixture_teardown);
  g_test_add ("/meterdesk/core/import-xlsx/refused", Fixture, NULL, fixture_setup, test_refused,
              fixture_teardown);
  g_test_add ("/meterdesk/core/import-xlsx/refused-in-chinese", Fixture, NULL, fixture_setup,
              test_refused_in_chinese, fixture_teardown);

  return g_test_run ();
}
