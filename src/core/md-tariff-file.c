/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-tariff.h"
#include "md-tariff-private.h"

/*
 * The tariff file parser. GKeyFile cannot read these files (trailing "; …"
 * comments, keys like "00:00-08:00") and does not report line numbers, so
 * this is a small line-based reader: every refusal names the line.
 */

#define MAX_LINE_LENGTH 1024
#define MAX_DATES       366
#define MAX_NAME_CHARS  64
#define MAX_ID_LENGTH   32

typedef enum
{
  SECTION_NONE,
  SECTION_TARIFF,
  SECTION_RATES,
  SECTION_PERIODS,
  SECTION_TIERS,
  SECTION_COMPONENTS,
} Section;

typedef struct
{
  MdTariff   *t;
  GTimeZone  *site_zone;
  GError    **error;
  guint       line;
  guint       last_line;

  Section     section;
  MdTouTable *table;
  guint       table_index;
  GHashTable *keys;            /* key → line, for the current section */
  GHashTable *sections;        /* name → line */

  guint       tariff_line;
  guint       rates_line;
  guint       tiers_line;
  guint       components_line;
  guint       rate_line[MD_N_RATES];
  guint       id_line, name_line, unit_line, valid_from_line;
  char       *valid_from;
  gboolean    has_default_table;
  guint       table_line[MD_TARIFF_MAX_TABLES];
  guint       period_line[MD_TARIFF_MAX_TABLES][MD_TARIFF_MAX_PERIODS];
  guint       season_line[MD_TARIFF_MAX_TABLES];
  guint       days_line[MD_TARIFF_MAX_TABLES];
  guint       holidays_line[MD_TARIFF_MAX_TABLES];
  gboolean    has_from[MD_TARIFF_MAX_TABLES];
  gboolean    has_to[MD_TARIFF_MAX_TABLES];
  guint       tier_line[MD_TARIFF_MAX_TIERS];
  guint       tier_period_line;
  char       *tier_start;
  guint       tier_start_line;
} Parser;

static gboolean fail (Parser     *p,
                      guint       line,
                      const char *format,
                      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (Parser     *p,
      guint       line,
      const char *format,
      ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (p->error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_FILE, _("line %u: %s"), line, reason);
  return FALSE;
}

/* A money-parse error as the reason of a file error. */
static gboolean
fail_with (Parser *p,
           GError *error)
{
  fail (p, p->line, "%s", error->message);
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

static gboolean
parse_two_digits (const char *s,
                  guint      *out)
{
  if (!g_ascii_isdigit (s[0]) || !g_ascii_isdigit (s[1]))
    return FALSE;
  *out = (guint) ((s[0] - '0') * 10 + (s[1] - '0'));
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
      !parse_two_digits (value, &month) || !parse_two_digits (value + 3, &day) ||
      !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, 2000))
    return fail (p, p->line, _("“%s” is not a month and day (MM-DD)"), value);
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
      !parse_two_digits (value, &century) || !parse_two_digits (value + 2, &year) ||
      !parse_two_digits (value + 5, &month) || !parse_two_digits (value + 8, &day) ||
      century * 100 + year < 1900 ||
      !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) (century * 100 + year)))
    return fail (p, p->line, _("“%s” is not a date (YYYY-MM-DD)"), value);

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
    return fail (p, p->line, _("more than %u dates"), MAX_DATES);

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
      return fail (p, p->line, _("a date is listed twice"));

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
      !parse_two_digits (key, &h1) || !parse_two_digits (key + 3, &m1) ||
      !parse_two_digits (key + 6, &h2) || !parse_two_digits (key + 9, &m2))
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
        return fail (p, p->line, _("“%s” is not a tariff id (letters, digits, “-”, “_”, “.”)"),
                     value);
      t->id = g_strdup (value);
      p->id_line = p->line;
    }
  else if (g_str_equal (key, "name"))
    {
      if (!valid_label (value, MAX_NAME_CHARS))
        return fail (p, p->line, _("the name is too long or has control characters"));
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
        return fail (p, p->line, _("unknown unit “%s” (kWh or m3)"), value);
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
        return fail (p, p->line, _("unknown time zone “%s”"), value);
      t->timezone_name = g_strdup (value);
      t->zone = zone;
    }
  else
    return fail (p, p->line, _("unknown key “%s” in [%s]"), key, "tariff");
  return TRUE;
}

static gboolean
handle_rates (Parser     *p,
              const char *key,
              const char *value)
{
  MdRate rate;

  if (!md_rate_from_string (key, &rate))
    return fail (p, p->line, _("unknown rate “%s” (sharp, peak, flat or valley)"), key);
  if (p->rate_line[rate] != 0)
    return fail (p, p->line, _("rate “%s” is given twice (first on line %u)"),
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
        return fail (p, p->line, _("unknown day “%s” (mon, tue, wed, thu, fri, sat, sun)"), item);
      if (days & (1u << d))
        return fail (p, p->line, _("day “%s” is listed twice"), item);
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
    return fail (p, p->line, _("unknown key “%s” (a period is HH:MM-HH:MM=rate)"), key);
  if (end <= start)
    return fail (p, p->line, _("period %s ends before it starts (split a period across midnight in two)"),
                 key);
  if (!md_rate_from_string (value, &rate))
    return fail (p, p->line, _("unknown rate “%s” (sharp, peak, flat or valley)"), value);
  if (table->n_periods == MD_TARIFF_MAX_PERIODS)
    return fail (p, p->line, _("more than %u periods in a day"), MD_TARIFF_MAX_PERIODS);

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
        return fail (p, p->line, _("unknown tier period “%s” (month or year)"), value);
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
    return fail (p, p->line, _("unknown key “%s” (a tier is FROM-TO=surcharge or FROM-=surcharge)"),
                 key);
  from_text = g_strndup (key, (gsize) (dash - key));
  if (!md_energy_parse (from_text, 0, &tier.from, &error))
    return fail_with (p, error);
  if (dash[1] != '\0' && !md_energy_parse (dash + 1, 0, &tier.to, &error))
    return fail_with (p, error);
  if (!parse_price (p, value, MD_PARSE_DEFAULT, &tier.surcharge))
    return FALSE;

  if (t->n_tiers == MD_TARIFF_MAX_TIERS)
    return fail (p, p->line, _("more than %u tiers"), MD_TARIFF_MAX_TIERS);
  if (tier.to <= tier.from)
    return fail (p, p->line, _("tier %s ends before it starts"), key);

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
    return fail (p, p->line, _("“%s” is not a component name"), key);
  if (t->n_components == MD_TARIFF_MAX_COMPONENTS)
    return fail (p, p->line, _("more than %u components"), MD_TARIFF_MAX_COMPONENTS);
  if (g_str_equal (value, "rest"))
    {
      for (guint i = 0; i < t->n_components; i++)
        if (t->components[i].rest)
          return fail (p, p->line, _("only one component can be the rest"));
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
    return fail (p, p->line, _("section [%s] is given twice (first on line %u)"), name,
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
        return fail (p, p->line, _("more than %u named period tables"), MD_TARIFF_MAX_TABLES - 1);
      p->section = SECTION_PERIODS;
      p->table_index = p->t->n_tables++;
      p->table = &p->t->tables[p->table_index];
      p->table->name = g_strdup (name + strlen ("periods."));
      p->table_line[p->table_index] = p->line;
    }
  else
    return fail (p, p->line, _("unknown section [%s]"), name);
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
        return fail (p, p->line, _("a section header must end with “]”"));
      name = g_strndup (s + 1, len - 2);
      g_strstrip (name);
      return start_section (p, name);
    }

  if ((eq = strchr (s, '=')) == NULL)
    return fail (p, p->line, _("expected KEY=VALUE or [section]"));
  *eq = '\0';
  key = g_strchomp (s);
  value = g_strstrip (eq + 1);

  if (*key == '\0')
    return fail (p, p->line, _("a key is missing before “=”"));
  if (p->section == SECTION_NONE)
    return fail (p, p->line, _("key “%s” comes before any section"), key);
  if (*value == '\0')
    return fail (p, p->line, _("key “%s” has no value"), key);
  if (g_hash_table_lookup_extended (p->keys, key, NULL, (gpointer *) &first))
    return fail (p, p->line, _("key “%s” is given twice (first on line %u)"), key,
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

static char *
minutes_text (guint minutes)
{
  return g_strdup_printf ("%02u:%02u", minutes / 60, minutes % 60);
}

/* Sorts a table by start (stable, lines follow) and checks that it covers
 * 00:00-24:00 exactly once with defined rates. */
static gboolean
check_table (Parser *p,
             guint   idx)
{
  MdTouTable *table = &p->t->tables[idx];
  guint *lines = p->period_line[idx];
  guint expected = 0;
  guint last_line = 0;

  if (table->n_periods == 0)
    return fail (p, p->table_line[idx], _("the table has no periods"));

  for (guint i = 1; i < table->n_periods; i++)
    for (guint j = i; j > 0 && table->periods[j - 1].start > table->periods[j].start; j--)
      {
        MdPeriod tp = table->periods[j];
        guint tl = lines[j];

        table->periods[j] = table->periods[j - 1];
        lines[j] = lines[j - 1];
        table->periods[j - 1] = tp;
        lines[j - 1] = tl;
      }

  for (guint i = 0; i < table->n_periods; i++)
    {
      const MdPeriod *period = &table->periods[i];
      g_autofree char *a = minutes_text (expected);
      g_autofree char *b = minutes_text (period->start);

      if (period->start > expected)
        return fail (p, lines[i], _("gap in the periods from %s to %s"), a, b);
      if (period->start < expected)
        return fail (p, lines[i], _("the period from %s overlaps the period before it"), b);
      if (!(p->t->rates_defined & (1u << period->rate)))
        return fail (p, lines[i], _("rate “%s” is not defined in [rates]"),
                     md_rate_to_string (period->rate));
      expected = period->end;
      last_line = lines[i];
    }
  if (expected != 24 * 60)
    {
      g_autofree char *a = minutes_text (expected);

      return fail (p, last_line, _("the periods end at %s, not at 24:00"), a);
    }
  return TRUE;
}

static gboolean
check_named_tables (Parser *p)
{
  MdTariff *t = p->t;
  guint owner[13][32] = { { 0 } };
  guint days_owner[7] = { 0 };

  for (guint i = 1; i < t->n_tables; i++)
    {
      MdTouTable *table = &t->tables[i];
      gboolean day_kind = table->days != 0 || table->holidays != NULL;

      if (p->has_from[i] != p->has_to[i])
        return fail (p, p->season_line[i], _("a season needs both from= and to="));
      if (table->seasonal && day_kind)
        return fail (p, p->season_line[i],
                     _("a table is for a season (from=, to=) or for days (days=, holidays=), "
                       "not both"));
      if (!table->seasonal && !day_kind)
        return fail (p, p->table_line[i],
                     _("the table applies to no day: give from= and to=, or days= or holidays="));
      if (table->workdays != NULL && table->days == 0)
        return fail (p, p->table_line[i], _("workdays= needs days="));

      if (table->seasonal)
        for (guint m = 1; m <= 12; m++)
          for (guint d = 1; d <= g_date_get_days_in_month ((GDateMonth) m, 2000); d++)
            {
              guint md = m * 100 + d;
              gboolean in = table->from_md <= table->to_md ?
                            (md >= table->from_md && md <= table->to_md) :
                            (md >= table->from_md || md <= table->to_md);

              if (!in)
                continue;
              if (owner[m][d] != 0)
                return fail (p, p->season_line[i], _("the season overlaps [periods.%s]"),
                             t->tables[owner[m][d]].name);
              owner[m][d] = i;
            }

      for (guint d = 0; d < 7; d++)
        if (table->days & (1u << d))
          {
            if (days_owner[d] != 0)
              return fail (p, p->days_line[i], _("a day is already in [periods.%s]"),
                           t->tables[days_owner[d]].name);
            days_owner[d] = i;
          }

      for (guint j = 1; j < i && table->holidays != NULL; j++)
        for (guint k = 0; t->tables[j].holidays != NULL && k < table->holidays->len; k++)
          for (guint l = 0; l < t->tables[j].holidays->len; l++)
            if (g_array_index (table->holidays, guint32, k) ==
                g_array_index (t->tables[j].holidays, guint32, l))
              return fail (p, p->holidays_line[i], _("a holiday is already in [periods.%s]"),
                           t->tables[j].name);

      for (guint k = 0; table->holidays != NULL && table->workdays != NULL &&
                        k < table->workdays->len; k++)
        for (guint l = 0; l < table->holidays->len; l++)
          if (g_array_index (table->workdays, guint32, k) ==
              g_array_index (table->holidays, guint32, l))
            return fail (p, p->holidays_line[i], _("a date is both a holiday and a workday"));
    }
  return TRUE;
}

static gboolean
check_tiers (Parser *p)
{
  MdTariff *t = p->t;
  guint month = 1, day = 1;

  if (p->tiers_line == 0)
    {
      t->tier_period = MD_TIER_PERIOD_NONE;
      t->n_tiers = 1;
      t->tiers[0] = (MdTier) { 0, MD_TIER_OPEN, 0 };
      return TRUE;
    }
  if (p->tier_period_line == 0)
    return fail (p, p->tiers_line, _("[tiers] needs period=month or period=year"));
  if (t->n_tiers == 0)
    return fail (p, p->tiers_line, _("[tiers] has no tiers"));
  for (guint i = 1; i < t->n_tiers; i++)
    if (t->tiers[i].from < t->tiers[i - 1].from)
      return fail (p, p->tier_line[i], _("tiers are out of order: list them from 0 upwards"));
  if (t->tiers[0].from != 0)
    return fail (p, p->tier_line[0], _("the first tier must start at 0"));
  for (guint i = 1; i < t->n_tiers; i++)
    {
      const MdTier *prev = &t->tiers[i - 1];
      g_autofree char *prev_to = NULL;

      if (prev->to == MD_TIER_OPEN)
        return fail (p, p->tier_line[i], _("a tier follows the open tier of line %u"),
                     p->tier_line[i - 1]);
      prev_to = _md_quantity_to_text (prev->to);
      if (t->tiers[i].from > prev->to)
        return fail (p, p->tier_line[i], _("gap between tiers: the tier before ends at %s"),
                     prev_to);
      if (t->tiers[i].from < prev->to)
        return fail (p, p->tier_line[i], _("tiers overlap: the tier before ends at %s"), prev_to);
    }
  if (t->tiers[t->n_tiers - 1].to != MD_TIER_OPEN)
    return fail (p, p->tier_line[t->n_tiers - 1],
                 _("the last tier must be open, like “4800-=0.3000”"));

  if (p->tier_start != NULL)
    {
      const char *s = p->tier_start;

      if (t->tier_period == MD_TIER_PERIOD_YEAR)
        {
          if (strlen (s) != 5 || s[2] != '-' || !parse_two_digits (s, &month) ||
              !parse_two_digits (s + 3, &day) ||
              !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, 2001))
            return fail (p, p->tier_start_line,
                         _("“%s” is not a start date for yearly tiers (MM-DD, not 02-29)"), s);
        }
      else if (strlen (s) != 2 || !parse_two_digits (s, &day) || day < 1 || day > 28)
        return fail (p, p->tier_start_line,
                     _("“%s” is not a start day for monthly tiers (01 to 28)"), s);
    }
  t->tier_start_month = month;
  t->tier_start_day = day;
  return TRUE;
}

static gboolean
check_components (Parser *p)
{
  MdTariff *t = p->t;
  MdPrice fixed = 0;
  gboolean has_rest = FALSE;

  if (p->components_line == 0)
    {
      t->n_components = 1;
      t->components[0] = (MdComponent) { g_strdup ("energy"), 0, TRUE };
      return TRUE;
    }
  for (guint i = 0; i < t->n_components; i++)
    {
      if (t->components[i].rest)
        has_rest = TRUE;
      else
        fixed += t->components[i].price;
    }
  if (!has_rest)
    return fail (p, p->components_line,
                 _("one component must be “rest”: what is left of the price"));

  /* Surcharges are ≥ 0, so the base rates are the smallest prices. */
  for (guint r = 0; r < MD_N_RATES; r++)
    if ((t->rates_defined & (1u << r)) && fixed > t->rates[r])
      {
        g_autofree char *sum = md_price_format (fixed);
        g_autofree char *rate = md_price_format (t->rates[r]);

        return fail (p, p->components_line,
                     _("the fixed components add up to %s, more than the %s rate %s"),
                     sum, md_rate_to_string ((MdRate) r), rate);
      }
  return TRUE;
}

static gboolean
finish (Parser *p)
{
  MdTariff *t = p->t;
  g_autoptr(GDateTime) valid_from = NULL;

  if (p->tariff_line == 0)
    return fail (p, p->last_line, _("the file has no [tariff] section"));
  if (t->id == NULL)
    return fail (p, p->tariff_line, _("[tariff] needs id="));
  if (t->name == NULL)
    return fail (p, p->tariff_line, _("[tariff] needs name="));
  if (p->unit_line == 0)
    return fail (p, p->tariff_line, _("[tariff] needs unit="));
  if (p->valid_from == NULL)
    return fail (p, p->tariff_line, _("[tariff] needs valid-from="));
  if (t->zone == NULL)
    t->zone = p->site_zone != NULL ? g_time_zone_ref (p->site_zone) : g_time_zone_new_local ();
  if (!(valid_from = g_date_time_new_from_iso8601 (p->valid_from, t->zone)))
    return fail (p, p->valid_from_line,
                 _("“%s” is not a date and time (like 2026-01-01T00:00:00+08:00)"),
                 p->valid_from);
  {
    g_autoptr(GDateTime) local = g_date_time_to_timezone (valid_from, t->zone);

    /* Canonical text writes valid-from with a ±HH:MM offset and a 4-digit
     * year; old local mean times have offsets in seconds. */
    if (g_date_time_get_year (local) < 1970 ||
        g_date_time_get_utc_offset (local) % G_TIME_SPAN_MINUTE != 0)
      return fail (p, p->valid_from_line, _("“%s” is before 1970"), p->valid_from);
  }
  t->valid_from = g_date_time_to_unix (valid_from);

  if (p->rates_line == 0)
    return fail (p, p->last_line, _("the file has no [rates] section"));
  if (!(t->rates_defined & (1u << MD_RATE_FLAT)))
    return fail (p, p->rates_line, _("[rates] needs flat="));

  t->time_of_use = p->has_default_table;
  if (!p->has_default_table)
    {
      for (guint r = 0; r < MD_N_RATES; r++)
        if (r != MD_RATE_FLAT && (t->rates_defined & (1u << r)))
          return fail (p, p->rate_line[r], _("rate “%s” needs a [periods] table"),
                       md_rate_to_string ((MdRate) r));
      if (t->n_tables > 1)
        return fail (p, p->table_line[1], _("[periods.%s] needs a [periods] table"),
                     t->tables[1].name);
      t->tables[0].n_periods = 1;
      t->tables[0].periods[0] = (MdPeriod) { 0, 24 * 60, MD_RATE_FLAT };
    }
  else
    {
      for (guint i = 0; i < t->n_tables; i++)
        if (!check_table (p, i))
          return FALSE;
      if (!check_named_tables (p))
        return FALSE;
    }

  return check_tiers (p) && check_components (p);
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
        return fail (p, p->line, _("the file is longer than %u bytes"), MD_TARIFF_MAX_FILE_SIZE);
      if (len > 0 && pos[len - 1] == '\r')
        len--;
      if (len > MAX_LINE_LENGTH)
        return fail (p, p->line, _("the line is longer than %u bytes"), MAX_LINE_LENGTH);
      if (memchr (pos, '\0', len) != NULL || !g_utf8_validate (pos, (gssize) len, NULL))
        return fail (p, p->line, _("the line is not valid UTF-8 text"));

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

  return finish (p);
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
