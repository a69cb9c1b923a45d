/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <csv.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-core-private.h"
#include "md-register.h"
#include "md-validate.h"
#include "md-xlsx-private.h"

/* Site import (docs/cli.md): CSV files or XLSX workbooks (their first
 * sheet), either one file with a "type" column or one file per type named
 * after it (sites.csv, rooms.xlsx…).
 * Everything is imported in one transaction, parents before children,
 * whatever the order in the files; the first bad row stops it all. */

#define MAX_FILE_SIZE (64 * 1024 * 1024)

typedef enum
{
  ROW_SITE,
  ROW_BUILDING,
  ROW_FLOOR,
  ROW_ROOM,
  ROW_LINE,
  ROW_AREA,
  ROW_BUS,
  ROW_METER,
  N_ROW_TYPES
} RowType;

static const struct
{
  const char *name;
  const char *file_names[3];
  const char *required[6];
} types[N_ROW_TYPES] = {
  [ROW_SITE] = { "site", { "site", "sites" }, { "code", "name" } },
  [ROW_BUILDING] = { "building", { "building", "buildings" }, { "site", "code", "name" } },
  [ROW_FLOOR] = { "floor", { "floor", "floors" }, { "site", "building", "code", "name" } },
  [ROW_ROOM] = { "room", { "room", "rooms" }, { "site", "building", "floor", "code", "name" } },
  [ROW_LINE] = { "line", { "line", "lines" }, { "code", "name" } },
  [ROW_AREA] = { "area", { "area", "areas", "transformer-areas" }, { "code", "name" } },
  [ROW_BUS] = { "bus", { "bus", "buses" }, { "name" } },
  [ROW_METER] = { "meter", { "meter", "meters" }, { "address", "model" } },
};

typedef struct
{
  RowType     type;
  const char *file;      /* display name, borrowed from ImportData */
  guint       line;
  GHashTable *fields;    /* column → value, empty values left out */
} Row;

static void
row_free (gpointer data)
{
  Row *row = data;

  g_hash_table_unref (row->fields);
  g_free (row);
}

typedef struct
{
  const char *display;
  GPtrArray  *header;    /* column names */
  GPtrArray  *current;   /* fields of the row being read */
  guint       line;      /* line being fed */
  guint       row_line;  /* line the current row started on */
  gboolean    in_row;
  int         file_type; /* RowType, or -1 when rows carry a "type" column */
  GPtrArray  *rows;      /* Row, into ImportData */
  GError     *error;
} ParseState;

static void
field_cb (void   *data,
          size_t  len,
          void   *user_data)
{
  ParseState *state = user_data;

  g_ptr_array_add (state->current, g_strstrip (g_strndup (data, len)));
}

static void
row_cb (int   terminator,
        void *user_data)
{
  ParseState *state = user_data;
  g_autoptr(GPtrArray) fields = g_steal_pointer (&state->current);
  guint line = state->row_line != 0 ? state->row_line : state->line;
  gboolean blank = TRUE;

  state->current = g_ptr_array_new_with_free_func (g_free);
  state->row_line = 0;
  state->in_row = FALSE;

  if (state->error != NULL)
    return;

  for (guint i = 0; i < fields->len; i++)
    blank &= *(char *) fields->pdata[i] == '\0';
  if (blank)
    return;

  if (state->header == NULL)
    {
      state->header = g_steal_pointer (&fields);
      for (guint i = 0; i < state->header->len; i++)
        {
          char *name = g_ascii_strdown (state->header->pdata[i], -1);

          g_free (state->header->pdata[i]);
          state->header->pdata[i] = name;
          if (g_str_equal (name, "type"))
            state->file_type = -1;
        }
      if (state->file_type == N_ROW_TYPES)
        g_set_error (&state->error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT,
                     _("%s: cannot tell what the file holds: add a “type” column or name the "
                       "file after its type (sites.csv, rooms.csv, meters.csv…)"), state->display);
      return;
    }

  if (fields->len > state->header->len)
    {
      g_set_error (&state->error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT,
                   _("%s:%u: more fields than the header has columns"), state->display, line);
      return;
    }

  {
    Row *row = g_new0 (Row, 1);

    row->file = state->display;
    row->line = line;
    row->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    for (guint i = 0; i < fields->len; i++)
      if (*(char *) fields->pdata[i] != '\0')
        g_hash_table_insert (row->fields, g_strdup (state->header->pdata[i]),
                             g_strdup (fields->pdata[i]));

    if (state->file_type >= 0)
      row->type = state->file_type;
    else
      {
        const char *type = g_hash_table_lookup (row->fields, "type");
        int found = -1;

        for (int t = 0; t < N_ROW_TYPES && type != NULL; t++)
          if (g_ascii_strcasecmp (type, types[t].name) == 0)
            found = t;
        if (found < 0)
          {
            g_autofree char *shown = md_input_quote (type);

            g_set_error (&state->error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT,
                         _("%s:%u: unknown type “%s”: use site, building, floor, room, line, "
                           "area, bus or meter"), state->display, line, shown);
            row_free (row);
            return;
          }
        row->type = found;
      }

    for (guint r = 0; types[row->type].required[r] != NULL; r++)
      if (!g_hash_table_contains (row->fields, types[row->type].required[r]))
        {
          g_set_error (&state->error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT,
                       _("%s:%u: a “%s” row needs a value in the “%s” column"), state->display, line,
                       types[row->type].name, types[row->type].required[r]);
          row_free (row);
          return;
        }

    g_ptr_array_add (state->rows, row);
  }
}

static int
type_from_file_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');

  if (dot != NULL)
    *dot = '\0';
  for (char *p = base; *p; p++)
    *p = g_ascii_tolower (*p);

  for (int t = 0; t < N_ROW_TYPES; t++)
    for (guint n = 0; n < G_N_ELEMENTS (types[t].file_names) && types[t].file_names[n]; n++)
      if (g_str_equal (base, types[t].file_names[n]))
        return t;
  return N_ROW_TYPES;
}

/* A workbook's first sheet, row by row as a CSV file's lines: the same
 * checks, and errors name the sheet's row numbers. */
static gboolean
parse_workbook (const char  *contents,
                gsize        length,
                const char  *path,
                const char  *display,
                GPtrArray   *rows,
                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) sheet = _md_xlsx_read_rows (contents, length, MAX_FILE_SIZE, &local_error);
  ParseState state = { display };
  gboolean ok = TRUE;

  if (sheet == NULL)
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT, _("%s: %s"), display,
                   local_error->message);
      return FALSE;
    }

  state.current = g_ptr_array_new_with_free_func (g_free);
  state.rows = rows;
  state.file_type = type_from_file_name (path);
  for (guint i = 0; i < sheet->len && state.error == NULL; i++)
    {
      MdXlsxRow *row = sheet->pdata[i];

      state.line = row->number;
      state.row_line = row->number;
      for (guint c = 0; c < row->cells->len; c++)
        {
          const char *cell = row->cells->pdata[c];

          field_cb ((void *) cell, strlen (cell), &state);
        }
      row_cb (0, &state);
    }

  if (state.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&state.error));
      ok = FALSE;
    }
  else if (state.header == NULL)
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT, _("%s is empty"), display);
      ok = FALSE;
    }
  g_clear_pointer (&state.current, g_ptr_array_unref);
  g_clear_pointer (&state.header, g_ptr_array_unref);
  return ok;
}

static gboolean
parse_file (const char  *path,
            const char  *display,
            GPtrArray   *rows,
            GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  const char *text;
  const char *end;
  struct csv_parser parser;
  ParseState state = { display };
  gboolean ok = TRUE;

  if (!g_file_get_contents (path, &contents, &length, error))
    return FALSE;
  if (length > MAX_FILE_SIZE)
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT,
                   _("%s is too large to import"), display);
      return FALSE;
    }
  if (_md_xlsx_is_workbook (contents, length))
    return parse_workbook (contents, length, path, display, rows, error);

  text = contents;
  if (length >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    text += 3;  /* the byte-order mark Excel writes */
  length -= text - contents;
  if (!g_utf8_validate_len (text, length, &end) || memchr (text, 0, length) != NULL)
    {
      guint line = 1;

      for (const char *p = text; p < end; p++)
        line += *p == '\n';
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT,
                   _("%s:%u: the file is not UTF-8 text (save it as “CSV UTF-8”)"), display,
                   line);
      return FALSE;
    }

  if (csv_init (&parser, CSV_APPEND_NULL | CSV_STRICT_FINI) != 0)
    g_error ("csv_init failed");

  state.current = g_ptr_array_new_with_free_func (g_free);
  state.rows = rows;
  state.file_type = type_from_file_name (path);

  /* Feed line by line so each row knows the line it started on. */
  state.line = 1;
  for (const char *p = text; p < text + length; )
    {
      const char *nl = strchr (p, '\n');
      size_t len = nl != NULL ? (size_t) (nl - p + 1) : (size_t) (text + length - p);
      gboolean blank = strspn (p, "\r\n") == len;

      /* libcsv skips blank lines between rows without a word. */
      if (!state.in_row || (state.current->len == 0 && blank))
        {
          state.row_line = blank ? state.line + 1 : state.line;
          state.in_row = TRUE;
        }

      if (csv_parse (&parser, p, len, field_cb, row_cb, &state) != len)
        {
          g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT, "%s:%u: %s", display,
                       state.line, csv_strerror (csv_error (&parser)));
          ok = FALSE;
          break;
        }
      if (state.error != NULL)
        break;
      p += len;
      state.line++;
    }
  if (ok && csv_fini (&parser, field_cb, row_cb, &state) != 0)
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT,
                   _("%s:%u: a quoted field is not closed"), display, state.row_line);
      ok = FALSE;
    }
  csv_free (&parser);

  if (ok && state.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&state.error));
      ok = FALSE;
    }
  else if (ok && state.header == NULL)
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_IMPORT, _("%s is empty"), display);
      ok = FALSE;
    }

  g_clear_error (&state.error);
  g_clear_pointer (&state.current, g_ptr_array_unref);
  g_clear_pointer (&state.header, g_ptr_array_unref);
  return ok;
}

typedef struct
{
  MdSession  *session;
  GPtrArray  *rows;
  guint       counts[N_ROW_TYPES];
} ImportData;

static const char *
field (Row        *row,
       const char *name)
{
  return g_hash_table_lookup (row->fields, name);
}

static gboolean
import_row (MdSession  *session,
            Row        *row,
            GError    **error)
{
  switch (row->type)
    {
    case ROW_SITE:
      return md_site_add (session, field (row, "code"), field (row, "name"),
                          field (row, "address"), error);
    case ROW_BUILDING:
      return md_building_add (session, field (row, "site"), field (row, "code"),
                              field (row, "name"), error);
    case ROW_FLOOR:
      return md_floor_add (session, field (row, "site"), field (row, "building"),
                           field (row, "code"), field (row, "name"), error);
    case ROW_ROOM:
      {
        gint64 area = 0;
        const char *area_text = field (row, "area-m2");

        if (area_text != NULL &&
            !md_decimal_parse (area_text, 2, G_GINT64_CONSTANT (100000000000), 0, &area, error))
          return FALSE;
        return md_room_add (session, field (row, "site"), field (row, "building"),
                            field (row, "floor"), field (row, "code"), field (row, "name"), area,
                            error);
      }
    case ROW_LINE:
      return md_line_add (session, field (row, "code"), field (row, "name"), error);
    case ROW_AREA:
      return md_transformer_area_add (session, field (row, "code"), field (row, "name"),
                                      field (row, "line"), error);
    case ROW_BUS:
      {
        MdBusSpec spec = { 0 };
        const char *parity = field (row, "parity");

        spec.name = field (row, "name");
        spec.protocol = field (row, "protocol") ?: "modbus";
        spec.device = field (row, "device");
        spec.host = field (row, "host");
        if (field (row, "baud") != NULL &&
            !md_parse_int (field (row, "baud"), _("baud rate"), 300, 115200, &spec.baud, error))
          return FALSE;
        if (field (row, "port") != NULL &&
            !md_parse_int (field (row, "port"), _("gateway port"), 1, 65535, &spec.port, error))
          return FALSE;
        if (parity != NULL)
          {
            if (strlen (parity) != 1)
              {
                g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                                     _("The parity must be N, E or O"));
                return FALSE;
              }
            spec.parity = parity[0];
          }
        return md_bus_add (session, &spec, error);
      }
    case ROW_METER:
      {
        MdMeterSpec spec = { 0 };

        spec.address = field (row, "address");
        spec.model = field (row, "model");
        spec.bus = field (row, "bus");
        spec.room = field (row, "room");
        spec.asset_no = field (row, "asset");
        spec.transformer_area = field (row, "transformer-area");
        if (!md_utility_parse (field (row, "utility") ?: "electricity", &spec.utility, error))
          return FALSE;
        if (field (row, "unit") != NULL &&
            !md_parse_int (field (row, "unit"), _("unit number"), 1, 247, &spec.unit_id, error))
          return FALSE;
        return md_meter_add (session, &spec, error);
      }
    case N_ROW_TYPES:
    default:
      g_return_val_if_reached (FALSE);
    }
}

static gboolean
import_txn (MdStore  *store,
            gpointer  user_data,
            GError  **error)
{
  ImportData *data = user_data;
  g_autofree char *detail = NULL;

  memset (data->counts, 0, sizeof data->counts);

  /* Parents first: sites, buildings, floors, rooms, lines, areas, buses, meters. */
  for (int t = 0; t < N_ROW_TYPES; t++)
    for (guint i = 0; i < data->rows->len; i++)
      {
        Row *row = data->rows->pdata[i];

        if ((int) row->type != t)
          continue;
        if (!import_row (data->session, row, error))
          {
            g_prefix_error (error, "%s:%u: ", row->file, row->line);
            return FALSE;
          }
        data->counts[t]++;
      }

  detail = g_strdup_printf ("{\"rows\":%u}", data->rows->len);
  return _md_audit (store, data->session, 0, "site.import", "", detail, error);
}

/**
 * md_site_import_csv:
 * @paths: (array zero-terminated=1): the CSV files
 * @out_summary: (out) (transfer full): how many of each were imported
 *
 * Imports a site's sites, buildings, floors, rooms, feeder lines,
 * transformer areas, buses and meters in one transaction: all or nothing.
 */
gboolean
md_site_import_csv (MdSession            *session,
                    const char * const   *paths,
                    JsonNode            **out_summary,
                    GError              **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonBuilder) builder = NULL;
  ImportData data = { session, rows };
  gboolean meters = FALSE;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (paths != NULL, FALSE);

  for (guint i = 0; paths[i] != NULL; i++)
    {
      char *display = g_filename_display_basename (paths[i]);

      g_ptr_array_add (names, display);
      if (!parse_file (paths[i], display, rows, error))
        return FALSE;
    }

  for (guint i = 0; i < rows->len; i++)
    meters |= ((Row *) rows->pdata[i])->type == ROW_METER;
  if (!md_session_require (session, MD_PERM_SITE, error) ||
      (meters && !md_session_require (session, MD_PERM_METER, error)))
    return FALSE;

  if (!md_store_write (md_session_get_store (session), import_txn, &data, error))
    return FALSE;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  for (int t = 0; t < N_ROW_TYPES; t++)
    {
      json_builder_set_member_name (builder, types[t].name);
      json_builder_add_int_value (builder, data.counts[t]);
    }
  json_builder_end_object (builder);
  *out_summary = json_builder_get_root (builder);
  return TRUE;
}
