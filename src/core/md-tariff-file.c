/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-tariff.h"
#include "md-tariff-file-private.h"

/*
 * The tariff file parser. GKeyFile cannot read these files (trailing "; …"
 * comments, keys like "00:00-08:00") and does not report line numbers, so
 * this is a small line-based reader: every refusal names the line.
 */

#define MAX_LINE_LENGTH 1024
#define MAX_DATES       366
#define MAX_NAME_CHARS  64
#define MAX_ID_LENGTH   32

/* A money-parse error as the reason of a file error. */
static gboolean
fail_with (Parser *p,
           GError *error)
{
  _md_tariff_fail (p, p->line, "%s", error->message);
  g_error_free (error);
  return FALSE;
}

static gboolean
parse_price (Parser       *p,
             const char   *value,
             MdParseFlags  flags,
             MdPrice      *out)
{
  GError *error = NULL;

  if (!md_price_parse (value, flags, out, &error))
    return fail_with (p, error);
  return TRUE;
}

/* "MM-DD" into month * 100 + day; 02-29 is a month-day like any other. */
static gboolean
parse_month_day (Parser     *p,
                 const char *value,
                 guint      *out)
{
  guint month, day;

  if (strlen (value) != 5 || value[2] != '-' ||
      !_md_parse_two_digits (value, &month) || !_md_parse_two_digits (value + 3, &day) ||
      !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, 2000))
    return _md_tariff_fail (p, p->line, _("“%s” is not a month and day (MM-DD)"), value);
  *out = month * 100 + day;
  return TRUE;
}

/* "YYYY-MM-DD" into a Julian day. */
static gboolean
parse_date (Parser     *p,
            const char *value,
            guint32    *out)
{
  guint century, year, month, day;
  GDate date;

  if (strlen (value) != 10 || value[4] != '-' || value[7] != '-' ||
      !_md_parse_two_digits (value, &century) || !_md_parse_two_digits (value + 2, &year) ||
      !_md_parse_two_digits (value + 5, &month) || !_md_parse_two_digits (value + 8, &day) ||
      century * 100 + year < 1900 ||
      !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) (century * 100 + year)))
    return _md_tariff_fail (p, p->line, _("“%s” is not a date (YYYY-MM-DD)"), value);

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay) day, (GDateMonth) month, (GDateYear) (century * 100 + year));
  *out = g_date_get_julian (&date);
  return TRUE;
}

static gint
compare_guint32 (gconstpointer a,
                 gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static gboolean
parse_date_list (Parser      *p,
                 const char  *value,
                 GArray     **out)
{
  g_auto(GStrv) items = g_strsplit (value, ",", -1);
  g_autoptr(GArray) dates = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (g_strv_length (items) > MAX_DATES)
    return _md_tariff_fail (p, p->line, _("more than %u dates"), MAX_DATES);

  for (guint i = 0; items[i] != NULL; i++)
    {
      guint32 julian;

      if (!parse_date (p, g_strstrip (items[i]), &julian))
        return FALSE;
      g_array_append_val (dates, julian);
    }
  g_array_sort (dates, compare_guint32);
  for (guint i = 1; i < dates->len; i++)
    if (g_array_index (dates, guint32, i) == g_array_index (dates, guint32, i - 1))
      return _md_tariff_fail (p, p->line, _("a date is listed twice"));

  *out = g_steal_pointer (&dates);
  return TRUE;
}

/* "HH:MM-HH:MM" into minutes; 24:00 only as an end. */
static gboolean
parse_period_key (const char *key,
                  guint      *start,
                  guint      *end)
{
  guint h1, m1, h2, m2;

  if (strlen (key) != 11 || key[2] != ':' || key[5] != '-' || key[8] != ':' ||
      !_md_parse_two_digits (key, &h1) || !_md_parse_two_digits (key + 3, &m1) ||
      !_md_parse_two_digits (key + 6, &h2) || !_md_parse_two_digits (key + 9, &m2))
    return FALSE;
  if (h1 > 23 || m1 > 59 || h2 > 24 || m2 > 59 || (h2 == 24 && m2 != 0))
    return FALSE;
  *start = h1 * 60 + m1;
  *end = h2 * 60 + m2;
  return TRUE;
}

static gboolean
valid_id (const char *id)
{
  if (*id == '\0' || strlen (id) > MAX_ID_LENGTH)
    return FALSE;
  for (const char *c = id; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_' && *c != '.')
      return FALSE;
  return TRUE;
}

static gboolean
valid_label (const char *text,
             guint       max_chars)
{
  if (g_utf8_strlen (text, -1) > max_chars)
    return FALSE;
  for (const char *c = text; *c; c = g_utf8_next_char (c))
    {
      gunichar u = g_utf8_get_char (c);

      if (g_unichar_iscntrl (u) || u == '[' || u == ']' || u == '=')
        return FALSE;
    }
  return TRUE;
}

static gboolean
handle_tariff (Parser     *p,
               const char *key,
               const char *value)
{
  MdTariff *t = p->t;

  if (g_str_equal (key, "id"))
    {
      if (!valid_id (value))
        return _md_tariff_fail (p, p->line,
                                _("“%s” is not a tariff id (letters, digits, “-”, “_”, “.”)"),
                                value);
      t->id = g_strdup (value);
      p->id_line = p->line;
    }
  else if (g_str_equal (key, "name"))
    {
      if (!valid_label (value, MAX_NAME_CHARS))
        return _md_tariff_fail (p, p->line, _("the name is too long or has control characters"));
      t->name = g_strdup (value);
      p->name_line = p->line;
    }
  else if (g_str_equal (key, "unit"))
    {
      if (g_str_equal (value, "kWh"))
        t->unit = MD_TARIFF_UNIT_KWH;
      else if (g_str_equal (value, "m3") || g_str_equal (value, "m³"))
        t->unit = MD_TARIFF_UNIT_M3;
      else
        return _md_tariff_fail (p, p->line, _("unknown unit “%s” (kWh or m3)"), value);
      p->unit_line = p->line;
    }
  else if (g_str_equal (key, "valid-from"))
    {
      p->valid_from = g_strdup (value);
      p->valid_from_line = p->line;
    }
  else if (g_str_equal (key, "timezone"))
    {
      GTimeZone *zone = g_time_zone_new_identifier (value);

      if (zone == NULL)
        return _md_tariff_fail (p, p->line, _("unknown time zone “%s”"), value);
      t->timezone_name = g_strdup (value);
      t->zone = zone;
    }
  else
    return _md_tariff_fail (p, p->line, _("unknown key “%s” in [%s]"), key, "tariff");
  return TRUE;
}

static gboolean
handle_rates (Parser     *p,
              const char *key,
              const char *value)
{
  MdRate rate;

  if (!md_rate_from_string (key, &rate))
    return _md_tariff_fail (p, p->line, _("unknown rate “%s” (sharp, peak, flat or valley)"), key);
  if (p->rate_line[rate] != 0)
    return _md_tariff_fail (p, p->line, _("rate “%s” is given twice (first on line %u)"),
                            md_rate_to_string (rate), p->rate_line[rate]);
  if (!parse_price (p, value, MD_PARSE_POSITIVE, &p->t->rates[rate]))
    return FALSE;
  p->t->rates_defined |= 1u << rate;
  p->rate_line[rate] = p->line;
  return TRUE;
}

static gboolean
parse_days (Parser     *p,
            const char *value,
            guint      *out)
{
  static const char * const names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
  g_auto(GStrv) items = g_strsplit (value, ",", -1);
  guint days = 0;

  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *item = g_strstrip (items[i]);
      guint d;

      for (d = 0; d < 7; d++)
        if (g_ascii_strcasecmp (item, names[d]) == 0)
          break;
      if (d == 7)
        return _md_tariff_fail (p, p->line,
                                _("unknown day “%s” (mon, tue, wed, thu, fri, sat, sun)"), item);
      if (days & (1u << d))
        return _md_tariff_fail (p, p->line, _("day “%s” is listed twice"), item);
      days |= 1u << d;
    }
  *out = days;
  return TRUE;
}

static gboolean
handle_periods (Parser     *p,
                const char *key,
                const char *value)
{
  MdTouTable *table = p->table;
  guint idx = p->table_index;
  guint start, end;
  MdRate rate;

  if (table->name != NULL)
    {
      if (g_str_equal (key, "from") || g_str_equal (key, "to"))
        {
          gboolean from = g_str_equal (key, "from");

          if (!parse_month_day (p, value, from ? &table->from_md : &table->to_md))
            return FALSE;
          if (from)
            p->has_from[idx] = TRUE;
          else
            p->has_to[idx] = TRUE;
          table->seasonal = p->has_from[idx] && p->has_to[idx];
          if (p->season_line[idx] == 0)
            p->season_line[idx] = p->line;
          return TRUE;
        }
      if (g_str_equal (key, "days"))
        {
          p->days_line[idx] = p->line;
          return parse_days (p, value, &table->days);
        }
      if (g_str_equal (key, "holidays"))
        {
          p->holidays_line[idx] = p->line;
          return parse_date_list (p, value, &table->holidays);
        }
      if (g_str_equal (key, "workdays"))
        return parse_date_list (p, value, &table->workdays);
    }

  if (!parse_period_key (key, &start, &end))
    return _md_tariff_fail (p, p->line, _("unknown key “%s” (a period is HH:MM-HH:MM=rate)"), key);
  if (end <= start)
    return _md_tariff_fail (p, p->line,
                            _("period %s ends before it starts "
                              "(split a period across midnight in two)"),
                            key);
  if (!md_rate_from_string (value, &rate))
    return _md_tariff_fail (p, p->line, _("unknown rate “%s” (sharp, peak, flat or valley)"),
                            value);
  if (table->n_periods == MD_TARIFF_MAX_PERIODS)
    return _md_tariff_fail (p, p->line, _("more than %u periods in a day"), MD_TARIFF_MAX_PERIODS);

  p->period_line[idx][table->n_periods] = p->line;
  table->periods[table->n_periods++] = (MdPeriod) { (guint16) start, (guint16) end, rate };
  return TRUE;
}

static gboolean
handle_tiers (Parser     *p,
              const char *key,
              const char *value)
{
  MdTariff *t = p->t;
  const char *dash;
  g_autofree char *from_text = NULL;
  GError *error = NULL;
  MdTier tier = { 0, MD_TIER_OPEN, 0 };

  if (g_str_equal (key, "period"))
    {
      if (g_str_equal (value, "month"))
        t->tier_period = MD_TIER_PERIOD_MONTH;
      else if (g_str_equal (value, "year"))
        t->tier_period = MD_TIER_PERIOD_YEAR;
      else
        return _md_tariff_fail (p, p->line, _("unknown tier period “%s” (month or year)"), value);
      p->tier_period_line = p->line;
      return TRUE;
    }
  if (g_str_equal (key, "start"))
    {
      p->tier_start = g_strdup (value);
      p->tier_start_line = p->line;
      return TRUE;
    }

  if ((dash = strchr (key, '-')) == NULL)
    return _md_tariff_fail (p, p->line,
                            _("unknown key “%s” (a tier is FROM-TO=surcharge or FROM-=surcharge)"),
                            key);
  from_text = g_strndup (key, (gsize) (dash - key));
  if (!md_energy_parse (from_text, 0, &tier.from, &error))
    return fail_with (p, error);
  if (dash[1] != '\0' && !md_energy_parse (dash + 1, 0, &tier.to, &error))
    return fail_with (p, error);
  if (!parse_price (p, value, MD_PARSE_DEFAULT, &tier.surcharge))
    return FALSE;

  if (t->n_tiers == MD_TARIFF_MAX_TIERS)
    return _md_tariff_fail (p, p->line, _("more than %u tiers"), MD_TARIFF_MAX_TIERS);
  if (tier.to <= tier.from)
    return _md_tariff_fail (p, p->line, _("tier %s ends before it starts"), key);

  p->tier_line[t->n_tiers] = p->line;
  t->tiers[t->n_tiers++] = tier;
  return TRUE;
}

static gboolean
handle_components (Parser     *p,
                   const char *key,
                   const char *value)
{
  MdTariff *t = p->t;
  MdComponent c = { NULL, 0, FALSE };

  if (!valid_label (key, 32))
    return _md_tariff_fail (p, p->line, _("“%s” is not a component name"), key);
  if (t->n_components == MD_TARIFF_MAX_COMPONENTS)
    return _md_tariff_fail (p, p->line, _("more than %u components"), MD_TARIFF_MAX_COMPONENTS);
  if (g_str_equal (value, "rest"))
    {
      for (guint i = 0; i < t->n_components; i++)
        if (t->components[i].rest)
          return _md_tariff_fail (p, p->line, _("only one component can be the rest"));
      c.rest = TRUE;
    }
  else if (!parse_price (p, value, MD_PARSE_DEFAULT, &c.price))
    return FALSE;
  c.name = g_strdup (key);
  t->components[t->n_components++] = c;
  return TRUE;
}

static gboolean
valid_table_name (const char *name)
{
  if (*name == '\0' || strlen (name) > 32)
    return FALSE;
  for (const char *c = name; *c; c++)
    if (!g_ascii_islower (*c) && !g_ascii_isdigit (*c) && *c != '-' && *c != '_')
      return FALSE;
  return TRUE;
}

static gboolean
start_section (Parser     *p,
               const char *name)
{
  guint first;

  if (g_hash_table_lookup_extended (p->sections, name, NULL, (gpointer *) &first))
    return _md_tariff_fail (p, p->line, _("section [%s] is given twice (first on line %u)"), name,
                            GPOINTER_TO_UINT (first));
  g_hash_table_insert (p->sections, g_strdup (name), GUINT_TO_POINTER (p->line));
  g_hash_table_remove_all (p->keys);
  p->table = NULL;

  if (g_str_equal (name, "tariff"))
    {
      p->section = SECTION_TARIFF;
      p->tariff_line = p->line;
    }
  else if (g_str_equal (name, "rates"))
    {
      p->section = SECTION_RATES;
      p->rates_line = p->line;
    }
  else if (g_str_equal (name, "tiers"))
    {
      p->section = SECTION_TIERS;
      p->tiers_line = p->line;
    }
  else if (g_str_equal (name, "components"))
    {
      p->section = SECTION_COMPONENTS;
      p->components_line = p->line;
    }
  else if (g_str_equal (name, "periods"))
    {
      p->section = SECTION_PERIODS;
      p->table_index = 0;
      p->table = &p->t->tables[0];
      p->table_line[0] = p->line;
      p->has_default_table = TRUE;
    }
  else if (g_str_has_prefix (name, "periods.") && valid_table_name (name + strlen ("periods.")))
    {
      if (p->t->n_tables == MD_TARIFF_MAX_TABLES)
        return _md_tariff_fail (p, p->line, _("more than %u named period tables"),
                                MD_TARIFF_MAX_TABLES - 1);
      p->section = SECTION_PERIODS;
      p->table_index = p->t->n_tables++;
      p->table = &p->t->tables[p->table_index];
      p->table->name = g_strdup (name + strlen ("periods."));
      p->table_line[p->table_index] = p->line;
    }
  else
    return _md_tariff_fail (p, p->line, _("unknown section [%s]"), name);
  return TRUE;
}

static gboolean
handle_line (Parser *p,
             char   *text)
{
  char *s = text;
  char *eq;
  char *key;
  char *value;
  guint first;

  while (*s == ' ' || *s == '\t')
    s++;
  if (*s == ';' || *s == '#' || *s == '\0')
    return TRUE;

  /* A trailing comment starts at a ";" after a blank: "unit=kWh  ; kWh | m3". */
  for (char *c = s + 1; *c; c++)
    if (*c == ';' && (c[-1] == ' ' || c[-1] == '\t'))
      {
        *c = '\0';
        break;
      }
  g_strchomp (s);

  if (*s == '[')
    {
      g_autofree char *name = NULL;
      gsize len = strlen (s);

      if (s[len - 1] != ']')
        return _md_tariff_fail (p, p->line, _("a section header must end with “]”"));
      name = g_strndup (s + 1, len - 2);
      g_strstrip (name);
      return start_section (p, name);
    }

  if ((eq = strchr (s, '=')) == NULL)
    return _md_tariff_fail (p, p->line, _("expected KEY=VALUE or [section]"));
  *eq = '\0';
  key = g_strchomp (s);
  value = g_strstrip (eq + 1);

  if (*key == '\0')
    return _md_tariff_fail (p, p->line, _("a key is missing before “=”"));
  if (p->section == SECTION_NONE)
    return _md_tariff_fail (p, p->line, _("key “%s” comes before any section"), key);
  if (*value == '\0')
    return _md_tariff_fail (p, p->line, _("key “%s” has no value"), key);
  if (g_hash_table_lookup_extended (p->keys, key, NULL, (gpointer *) &first))
    return _md_tariff_fail (p, p->line, _("key “%s” is given twice (first on line %u)"), key,
                            GPOINTER_TO_UINT (first));
  g_hash_table_insert (p->keys, g_strdup (key), GUINT_TO_POINTER (p->line));

  switch (p->section)
    {
    case SECTION_TARIFF:
      return handle_tariff (p, key, value);
    case SECTION_RATES:
      return handle_rates (p, key, value);
    case SECTION_PERIODS:
      return handle_periods (p, key, value);
    case SECTION_TIERS:
      return handle_tiers (p, key, value);
    case SECTION_COMPONENTS:
      return handle_components (p, key, value);
    case SECTION_NONE:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
parse_text (Parser     *p,
            const char *text,
            gsize       length)
{
  const char *pos = text;
  const char *end = text + length;

  if (length >= 3 && memcmp (pos, "\xef\xbb\xbf", 3) == 0)
    pos += 3;

  for (p->line = 1; pos < end; p->line++)
    {
      const char *nl = memchr (pos, '\n', (gsize) (end - pos));
      gsize len = (gsize) ((nl != NULL ? nl : end) - pos);
      g_autofree char *line = NULL;

      if ((gsize) (pos - text) + len > MD_TARIFF_MAX_FILE_SIZE)
        return _md_tariff_fail (p, p->line, _("the file is longer than %u bytes"),
                                MD_TARIFF_MAX_FILE_SIZE);
      if (len > 0 && pos[len - 1] == '\r')
        len--;
      if (len > MAX_LINE_LENGTH)
        return _md_tariff_fail (p, p->line, _("the line is longer than %u bytes"), MAX_LINE_LENGTH);
      if (memchr (pos, '\0', len) != NULL || !g_utf8_validate (pos, (gssize) len, NULL))
        return _md_tariff_fail (p, p->line, _("the line is not valid UTF-8 text"));

      line = g_strndup (pos, len);
      if (!handle_line (p, line))
        return FALSE;

      p->last_line = p->line;
      if (nl == NULL)
        break;
      pos = nl + 1;
    }
  if (p->last_line == 0)
    p->last_line = 1;

  return _md_tariff_parser_finish (p);
}

/**
 * md_tariff_new_from_text:
 * @text: the text of a tariff file (docs/tariffs.md)
 * @length: its length, or -1 if nul-terminated
 * @site_zone: (nullable): the zone a file without `timezone=` is read in;
 *   %NULL for the process's local zone
 *
 * Parses one tariff version. A refused file gives %MD_TARIFF_ERROR_FILE with
 * a message "line N: reason".
 *
 * Returns: (transfer full) (nullable): the version, or %NULL
 */
MdTariff *
md_tariff_new_from_text (const char  *text,
                         gssize       length,
                         GTimeZone   *site_zone,
                         GError     **error)
{
  g_autoptr(MdTariff) t = _md_tariff_alloc ();
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) sections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Parser p = { 0 };
  gboolean ok;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  p.t = t;
  p.site_zone = site_zone;
  p.error = error;
  p.keys = keys;
  p.sections = sections;
  t->n_tables = 1;

  ok = parse_text (&p, text, length < 0 ? strlen (text) : (gsize) length);
  g_free (p.valid_from);
  g_free (p.tier_start);
  if (!ok)
    return NULL;

  _md_tariff_seal (t);
  return g_steal_pointer (&t);
}

/**
 * md_tariff_new_from_file:
 * @path: a tariff file
 * @site_zone: (nullable): as for md_tariff_new_from_text()
 *
 * Returns: (transfer full) (nullable): the version, or %NULL
 */
MdTariff *
md_tariff_new_from_file (const char  *path,
                         GTimeZone   *site_zone,
                         GError     **error)
{
  g_autofree char *text = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &text, &length, error))
    return NULL;
  if (length > MD_TARIFF_MAX_FILE_SIZE * 2)
    length = MD_TARIFF_MAX_FILE_SIZE * 2;  /* enough to find the line that is too far */
  return md_tariff_new_from_text (text, (gssize) length, site_zone, error);
}
