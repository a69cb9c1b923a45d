/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <csv.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-readings.h"
#include "md-billing-private.h"
#include "md-tariff-private.h"

/*
 * The readings file of `meterdesk-cli tariff bill --readings FILE.csv`:
 *
 *   # start-use=2880.000          (optional, before the header)
 *   timestamp,kwh[,sharp,peak,flat,valley]
 *   2026-01-01T00:00:00+08:00,1234.567
 *
 * libcsv splits the fields; lines are fed to it one at a time so that every
 * refusal names its line.
 */

enum
{
  COL_TOTAL,
  COL_SHARP,     /* COL_SHARP + MdRate */
  N_COLS = COL_SHARP + MD_N_RATES,
};

typedef struct
{
  MdReadings  *out;
  GTimeZone   *zone;
  GError      *error;
  guint        line;
  gboolean     header_done;
  int          column[8];        /* field index → COL_*, -1 for the timestamp */
  guint        n_columns;
  GPtrArray   *fields;
  gint64       last_time;
  guint        last_line;
  MdEnergy     last[N_COLS];
} Context;

static void fail (Context    *ctx,
                  const char *format,
                  ...) G_GNUC_PRINTF (2, 3);

static void
fail (Context    *ctx,
      const char *format,
      ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  if (ctx->error != NULL)
    return;
  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (&ctx->error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_READINGS, _("line %u: %s"),
               ctx->line, reason);
}

static void
field_cb (void   *s,
          size_t  len,
          void   *data)
{
  Context *ctx = data;

  g_ptr_array_add (ctx->fields, g_strstrip (g_strndup (s != NULL ? s : "", len)));
}

static void
read_header (Context *ctx)
{
  static const char * const names[N_COLS] = { NULL, "sharp", "peak", "flat", "valley" };
  guint seen = 0;

  if (ctx->fields->len == 0 || ctx->fields->len > G_N_ELEMENTS (ctx->column) ||
      !g_str_equal (g_ptr_array_index (ctx->fields, 0), "timestamp"))
    {
      fail (ctx, _("the header must start with “timestamp”"));
      return;
    }
  ctx->column[0] = -1;
  for (guint i = 1; i < ctx->fields->len; i++)
    {
      const char *name = g_ptr_array_index (ctx->fields, i);
      int col = -1;

      if (g_ascii_strcasecmp (name, "kwh") == 0 || g_ascii_strcasecmp (name, "m3") == 0)
        {
          ctx->out->unit = g_ascii_strcasecmp (name, "m3") == 0 ? MD_TARIFF_UNIT_M3 :
                                                                  MD_TARIFF_UNIT_KWH;
          col = COL_TOTAL;
        }
      for (guint c = COL_SHARP; c < N_COLS && col < 0; c++)
        if (g_str_equal (name, names[c]))
          col = (int) c;
      if (col < 0)
        {
          fail (ctx, _("unknown column “%s” (kwh or m3, sharp, peak, flat, valley)"), name);
          return;
        }
      if (seen & (1u << col))
        {
          fail (ctx, _("column “%s” is given twice"), name);
          return;
        }
      seen |= 1u << col;
      ctx->column[i] = col;
    }

  ctx->out->has_total = (seen & 1u) != 0;
  ctx->out->rate_registers = (seen & ~1u) != 0;
  if (ctx->out->rate_registers && (seen & ~1u) != (((1u << N_COLS) - 1) & ~1u))
    fail (ctx, _("rate columns must be all four: sharp, peak, flat, valley"));
  else if (!ctx->out->has_total && !ctx->out->rate_registers)
    fail (ctx, _("the header needs a kwh or m3 column"));
  ctx->n_columns = ctx->fields->len;
  ctx->header_done = TRUE;
}

static void
read_row (Context *ctx)
{
  const char *stamp = g_ptr_array_index (ctx->fields, 0);
  g_autoptr(GDateTime) dt = NULL;
  MdEnergy values[N_COLS] = { 0 };
  gint64 time;

  if (ctx->fields->len != ctx->n_columns)
    {
      fail (ctx, _("%u fields where the header has %u"), ctx->fields->len, ctx->n_columns);
      return;
    }
  if (!(dt = g_date_time_new_from_iso8601 (stamp, ctx->zone)))
    {
      fail (ctx, _("“%s” is not a date and time (like 2026-01-01T00:15:00+08:00)"), stamp);
      return;
    }
  if (g_date_time_get_microsecond (dt) != 0)
    {
      fail (ctx, _("“%s” has a fraction of a second"), stamp);
      return;
    }
  time = g_date_time_to_unix (dt);

  for (guint i = 1; i < ctx->n_columns; i++)
    {
      g_autoptr(GError) error = NULL;
      int col = ctx->column[i];

      if (!md_energy_parse (g_ptr_array_index (ctx->fields, i), 0, &values[col], &error))
        {
          fail (ctx, "%s", error->message);
          return;
        }
    }

  if (ctx->last_line != 0)
    {
      if (time == ctx->last_time)
        {
          fail (ctx, _("the time repeats the reading on line %u"), ctx->last_line);
          return;
        }
      if (time < ctx->last_time)
        {
          fail (ctx, _("the time is before the reading on line %u"), ctx->last_line);
          return;
        }
      for (guint c = 0; c < N_COLS; c++)
        if (values[c] < ctx->last[c])
          {
            g_autofree char *before = md_energy_format (ctx->last[c]);

            fail (ctx, _("the register goes backwards (line %u has %s)"), ctx->last_line, before);
            return;
          }
    }

  if (ctx->out->has_total)
    {
      MdReading r = { time, values[COL_TOTAL] };

      g_array_append_val (ctx->out->readings, r);
    }
  if (ctx->out->rate_registers)
    {
      MdRateReading r = { time, { 0 } };

      memcpy (r.values, &values[COL_SHARP], sizeof r.values);
      g_array_append_val (ctx->out->rate_readings, r);
    }
  ctx->last_time = time;
  ctx->last_line = ctx->line;
  memcpy (ctx->last, values, sizeof values);
}

static void
row_cb (int   c,
        void *data)
{
  Context *ctx = data;

  if (ctx->error == NULL)
    {
      if (!ctx->header_done)
        read_header (ctx);
      else
        read_row (ctx);
    }
  g_ptr_array_set_size (ctx->fields, 0);
}

static void
read_comment (Context    *ctx,
              const char *text)
{
  g_autoptr(GError) error = NULL;
  const char *s = text + 1;

  while (*s == ' ' || *s == '\t')
    s++;
  if (ctx->header_done || !g_str_has_prefix (s, "start-use="))
    return;
  if (ctx->out->has_start_use)
    {
      fail (ctx, _("start-use is given twice"));
      return;
    }
  if (!md_energy_parse (s + strlen ("start-use="), 0, &ctx->out->start_use, &error))
    {
      fail (ctx, "%s", error->message);
      return;
    }
  ctx->out->has_start_use = TRUE;
}

/**
 * md_readings_parse:
 * @text: CSV text: an optional "# start-use=KWH" line, the header
 *   "timestamp,kwh" (or m3), optionally with the four rate columns
 *   "sharp,peak,flat,valley", then one reading per line
 * @length: length of @text, or -1
 * @zone: the zone of timestamps written without an offset (the tariff's)
 *
 * Timestamps are ISO 8601 ("2026-01-01T00:15:00+08:00", "2026-01-01
 * 00:15:00"), whole seconds, strictly increasing; registers are decimal
 * kWh (or m³) with up to 3 decimals and never go backwards.
 *
 * Returns: (transfer full) (nullable): the readings, or %NULL with
 *   %MD_TARIFF_ERROR_READINGS and a message "line N: reason"
 */
MdReadings *
md_readings_parse (const char  *text,
                   gssize       length,
                   GTimeZone   *zone,
                   GError     **error)
{
  g_autoptr(MdReadings) out = g_new0 (MdReadings, 1);
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  struct csv_parser parser;
  Context ctx = { 0 };
  const char *pos = text;
  const char *end;
  guint fed_line = 1;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (zone != NULL, NULL);

  end = text + (length < 0 ? strlen (text) : (gsize) length);
  out->readings = g_array_new (FALSE, FALSE, sizeof (MdReading));
  out->rate_readings = g_array_new (FALSE, FALSE, sizeof (MdRateReading));
  ctx.out = out;
  ctx.zone = zone;
  ctx.fields = fields;

  if (csv_init (&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
    {
      g_set_error_literal (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_READINGS,
                           _("Out of memory reading the readings"));
      return NULL;
    }

  if (end - pos >= 3 && memcmp (pos, "\xef\xbb\xbf", 3) == 0)
    pos += 3;

  for (ctx.line = 1; pos < end && ctx.error == NULL; ctx.line++)
    {
      const char *nl = memchr (pos, '\n', (gsize) (end - pos));
      gsize len = (gsize) ((nl != NULL ? nl : end) - pos);
      const char *s = pos;

      if (len > 0 && pos[len - 1] == '\r')
        len--;
      if (memchr (pos, '\0', len) != NULL || !g_utf8_validate (pos, (gssize) len, NULL))
        {
          fail (&ctx, _("the line is not valid UTF-8 text"));
          break;
        }
      while (s < pos + len && (*s == ' ' || *s == '\t'))
        s++;

      if (*s == '#' && s < pos + len)
        {
          g_autofree char *comment = g_strndup (s, len - (gsize) (s - pos));

          read_comment (&ctx, comment);
        }
      else if (s < pos + len && (fed_line = ctx.line) &&
               (csv_parse (&parser, pos, len, field_cb, row_cb, &ctx) != len ||
                csv_parse (&parser, "\n", 1, field_cb, row_cb, &ctx) != 1))
        fail (&ctx, "%s", csv_strerror (csv_error (&parser)));

      if (nl == NULL)
        break;
      pos = nl + 1;
    }

  /* An open quote ends the file: name the line it was on. */
  ctx.line = fed_line;
  if (ctx.error == NULL && csv_fini (&parser, field_cb, row_cb, &ctx) != 0)
    fail (&ctx, "%s", csv_strerror (csv_error (&parser)));
  csv_free (&parser);

  if (ctx.error == NULL && !ctx.header_done)
    fail (&ctx, _("the file has no header “timestamp,kwh”"));
  if (ctx.error != NULL)
    {
      g_propagate_error (error, ctx.error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/**
 * md_readings_parse_file:
 *
 * Returns: (transfer full) (nullable): as md_readings_parse()
 */
MdReadings *
md_readings_parse_file (const char  *path,
                        GTimeZone   *zone,
                        GError     **error)
{
  g_autofree char *text = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &text, &length, error))
    return NULL;
  return md_readings_parse (text, (gssize) length, zone, error);
}

void
md_readings_free (MdReadings *readings)
{
  if (readings == NULL)
    return;
  g_array_unref (readings->readings);
  g_array_unref (readings->rate_readings);
  g_free (readings);
}

/**
 * md_readings_bill:
 * @plan: a plan covering the readings
 * @state: (inout): the billing state
 *
 * Bills the rate registers if the file has them, else the total register.
 *
 * Returns: (transfer full) (nullable): as md_bill_readings()
 */
MdBill *
md_readings_bill (MdReadings   *readings,
                  MdBillPlan   *plan,
                  MdBillState  *state,
                  GError      **error)
{
  g_return_val_if_fail (readings != NULL, NULL);
  g_return_val_if_fail (plan != NULL, NULL);

  if (readings->has_total && plan->n_versions > 0 &&
      plan->versions[0].tariff->unit != readings->unit)
    {
      g_set_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_READINGS,
                   _("The readings are in %s but the tariff is priced per %s"),
                   md_tariff_unit_to_string (readings->unit),
                   md_tariff_unit_to_string (plan->versions[0].tariff->unit));
      return NULL;
    }
  if (readings->rate_registers)
    return md_bill_rate_readings (plan, (const MdRateReading *) readings->rate_readings->data,
                                  readings->rate_readings->len, state, error);
  return md_bill_readings (plan, (const MdReading *) readings->readings->data,
                           readings->readings->len, state, error);
}
