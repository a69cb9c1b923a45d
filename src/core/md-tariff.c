/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-tariff.h"
#include "md-tariff-private.h"

G_DEFINE_QUARK (md-tariff-error-quark, md_tariff_error)

struct _MdTariffHistory
{
  gatomicrefcount  ref_count;
  GPtrArray       *versions;   /* MdTariff, valid_from strictly increasing */
};

static const char * const rate_names[MD_N_RATES] = { "sharp", "peak", "flat", "valley" };
static const char * const weekday_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/**
 * md_rate_to_string:
 *
 * Returns: the rate's name in files, JSON and the CLI: "sharp", "peak",
 *   "flat" or "valley"
 */
const char *
md_rate_to_string (MdRate rate)
{
  g_return_val_if_fail ((guint) rate < MD_N_RATES, NULL);

  return rate_names[rate];
}

/**
 * md_rate_get_label:
 *
 * Returns: the rate's translated name for screens and receipts (尖, 峰, 平, 谷)
 */
const char *
md_rate_get_label (MdRate rate)
{
  switch (rate)
    {
    case MD_RATE_SHARP:
      return C_("rate", "Sharp");
    case MD_RATE_PEAK:
      return C_("rate", "Peak");
    case MD_RATE_FLAT:
      return C_("rate", "Flat");
    case MD_RATE_VALLEY:
      return C_("rate", "Valley");
    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * md_rate_from_string:
 * @text: "sharp", "peak", "flat", "valley", or 尖, 峰, 平, 谷
 *
 * Returns: %TRUE if @text names a rate
 */
gboolean
md_rate_from_string (const char *text,
                     MdRate     *out_rate)
{
  static const char * const chinese[MD_N_RATES] = { "尖", "峰", "平", "谷" };

  g_return_val_if_fail (text != NULL, FALSE);

  for (guint i = 0; i < MD_N_RATES; i++)
    if (g_str_equal (text, rate_names[i]) || g_str_equal (text, chinese[i]))
      {
        if (out_rate != NULL)
          *out_rate = (MdRate) i;
        return TRUE;
      }
  return FALSE;
}

const char *
md_tariff_unit_to_string (MdTariffUnit unit)
{
  return unit == MD_TARIFF_UNIT_M3 ? "m3" : "kWh";
}

MdTariff *
_md_tariff_alloc (void)
{
  MdTariff *self = g_new0 (MdTariff, 1);

  g_atomic_ref_count_init (&self->ref_count);
  return self;
}

/**
 * md_tariff_ref:
 *
 * Returns: (transfer full): @self
 */
MdTariff *
md_tariff_ref (MdTariff *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
md_tariff_unref (MdTariff *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (guint i = 0; i < self->n_tables; i++)
    {
      g_free (self->tables[i].name);
      g_clear_pointer (&self->tables[i].holidays, g_array_unref);
      g_clear_pointer (&self->tables[i].workdays, g_array_unref);
    }
  for (guint i = 0; i < self->n_components; i++)
    g_free (self->components[i].name);
  g_free (self->id);
  g_free (self->name);
  g_free (self->timezone_name);
  g_clear_pointer (&self->zone, g_time_zone_unref);
  g_free (self->text);
  g_free (self->digest);
  g_free (self);
}

/* "2880", "2880.5", "0.001": thousandths without trailing zeros. */
char *
_md_quantity_to_text (MdEnergy value)
{
  char *text = md_energy_format (value);
  char *end = text + strlen (text) - 1;

  while (*end == '0')
    *end-- = '\0';
  if (*end == '.')
    *end = '\0';
  return text;
}

static void
append_dates (GString    *out,
              const char *key,
              GArray     *dates)
{
  if (dates == NULL || dates->len == 0)
    return;

  g_string_append_printf (out, "%s=", key);
  for (guint i = 0; i < dates->len; i++)
    {
      GDate date;

      g_date_clear (&date, 1);
      g_date_set_julian (&date, g_array_index (dates, guint32, i));
      g_string_append_printf (out, "%s%04u-%02u-%02u", i > 0 ? "," : "",
                              g_date_get_year (&date), g_date_get_month (&date),
                              g_date_get_day (&date));
    }
  g_string_append_c (out, '\n');
}

static void
append_table (GString          *out,
              const MdTouTable *table)
{
  if (table->name == NULL)
    g_string_append (out, "\n[periods]\n");
  else
    g_string_append_printf (out, "\n[periods.%s]\n", table->name);

  if (table->seasonal)
    g_string_append_printf (out, "from=%02u-%02u\nto=%02u-%02u\n",
                            table->from_md / 100, table->from_md % 100,
                            table->to_md / 100, table->to_md % 100);
  if (table->days != 0)
    {
      gboolean first = TRUE;

      g_string_append (out, "days=");
      for (guint d = 0; d < 7; d++)
        if (table->days & (1u << d))
          {
            g_string_append_printf (out, "%s%s", first ? "" : ",", weekday_names[d]);
            first = FALSE;
          }
      g_string_append_c (out, '\n');
    }
  append_dates (out, "holidays", table->holidays);
  append_dates (out, "workdays", table->workdays);

  for (guint i = 0; i < table->n_periods; i++)
    {
      const MdPeriod *p = &table->periods[i];

      g_string_append_printf (out, "%02u:%02u-%02u:%02u=%s\n",
                              p->start / 60u, p->start % 60u, p->end / 60u, p->end % 60u,
                              rate_names[p->rate]);
    }
}

/* ISO 8601 with the offset, in the tariff's zone. */
char *
_md_tariff_format_time (MdTariff *self,
                        gint64    time)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup_printf ("@%" G_GINT64_FORMAT, time);
  local = g_date_time_to_timezone (utc, self->zone);
  return g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
}

static char *
build_text (MdTariff *self)
{
  GString *out = g_string_new ("[tariff]\n");
  g_autofree char *valid_from = _md_tariff_format_time (self, self->valid_from);

  g_string_append_printf (out, "id=%s\nname=%s\nunit=%s\nvalid-from=%s\n",
                          self->id, self->name, md_tariff_unit_to_string (self->unit),
                          valid_from);
  if (self->timezone_name != NULL)
    g_string_append_printf (out, "timezone=%s\n", self->timezone_name);

  g_string_append (out, "\n[rates]\n");
  for (guint r = 0; r < MD_N_RATES; r++)
    if (self->rates_defined & (1u << r))
      {
        g_autofree char *price = md_price_format (self->rates[r]);

        g_string_append_printf (out, "%s=%s\n", rate_names[r], price);
      }

  if (self->time_of_use)
    for (guint i = 0; i < self->n_tables; i++)
      append_table (out, &self->tables[i]);

  if (self->tier_period != MD_TIER_PERIOD_NONE)
    {
      g_string_append (out, "\n[tiers]\n");
      if (self->tier_period == MD_TIER_PERIOD_YEAR)
        g_string_append_printf (out, "period=year\nstart=%02u-%02u\n",
                                self->tier_start_month, self->tier_start_day);
      else
        g_string_append_printf (out, "period=month\nstart=%02u\n", self->tier_start_day);

      for (guint i = 0; i < self->n_tiers; i++)
        {
          g_autofree char *from = _md_quantity_to_text (self->tiers[i].from);
          g_autofree char *to = self->tiers[i].to == MD_TIER_OPEN ?
                                g_strdup ("") : _md_quantity_to_text (self->tiers[i].to);
          g_autofree char *surcharge = md_price_format (self->tiers[i].surcharge);

          g_string_append_printf (out, "%s-%s=%s\n", from, to, surcharge);
        }
    }

  if (self->n_components > 1 || !g_str_equal (self->components[0].name, "energy"))
    {
      g_string_append (out, "\n[components]\n");
      for (guint i = 0; i < self->n_components; i++)
        {
          g_autofree char *price = md_price_format (self->components[i].price);

          g_string_append_printf (out, "%s=%s\n", self->components[i].name,
                                  self->components[i].rest ? "rest" : price);
        }
    }

  return g_string_free (out, FALSE);
}

void
_md_tariff_seal (MdTariff *self)
{
  self->text = build_text (self);
  self->digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, self->text, -1);
}

/**
 * md_tariff_to_text:
 *
 * The canonical text of the version: fixed section and key order, prices with
 * 4 decimals, no comments. Parsing it gives an equal tariff, and the text of
 * that is the same text: the database stores this text for every version.
 *
 * Returns: (transfer full): the canonical text
 */
char *
md_tariff_to_text (MdTariff *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_strdup (self->text);
}

/**
 * md_tariff_get_digest:
 *
 * Returns: the SHA-256 of the canonical text, in hex: what a sale or a billed
 *   interval can record next to the version's valid-from to name exactly the
 *   prices it was computed with
 */
const char *
md_tariff_get_digest (MdTariff *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->digest;
}

/**
 * md_tariff_equal:
 *
 * Returns: %TRUE if both versions have the same canonical text
 */
gboolean
md_tariff_equal (MdTariff *a,
                 MdTariff *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return g_str_equal (a->text, b->text);
}

const char *
md_tariff_get_id (MdTariff *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

const char *
md_tariff_get_name (MdTariff *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

MdTariffUnit
md_tariff_get_unit (MdTariff *self)
{
  g_return_val_if_fail (self != NULL, MD_TARIFF_UNIT_KWH);
  return self->unit;
}

/**
 * md_tariff_get_valid_from:
 *
 * Returns: the Unix time from which this version applies; with the id it
 *   names the version
 */
gint64
md_tariff_get_valid_from (MdTariff *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->valid_from;
}

/**
 * md_tariff_get_timezone:
 *
 * Returns: (transfer none): the zone the daily tables are read in: the
 *   `timezone=` of the file, else the site zone given when parsing
 */
GTimeZone *
md_tariff_get_timezone (MdTariff *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->zone;
}

/**
 * md_tariff_get_timezone_name:
 *
 * Returns: (nullable): the `timezone=` of the file, %NULL for the site zone
 */
const char *
md_tariff_get_timezone_name (MdTariff *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->timezone_name;
}

gboolean
md_tariff_is_time_of_use (MdTariff *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->time_of_use;
}

gboolean
md_tariff_has_rate (MdTariff *self,
                    MdRate    rate)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail ((guint) rate < MD_N_RATES, FALSE);
  return (self->rates_defined & (1u << rate)) != 0;
}

/**
 * md_tariff_get_rate:
 *
 * Returns: the base price of @rate (0.0001 yuan per unit), 0 if the tariff
 *   does not define it
 */
MdPrice
md_tariff_get_rate (MdTariff *self,
                    MdRate    rate)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail ((guint) rate < MD_N_RATES, 0);
  return self->rates[rate];
}

MdTierPeriod
md_tariff_get_tier_period (MdTariff *self)
{
  g_return_val_if_fail (self != NULL, MD_TIER_PERIOD_NONE);
  return self->tier_period;
}

/**
 * md_tariff_get_n_tiers:
 *
 * Returns: the number of blocks, at least 1: a tariff without [tiers] has one
 *   open block from 0 with no surcharge
 */
guint
md_tariff_get_n_tiers (MdTariff *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_tiers;
}

const MdTier *
md_tariff_get_tier (MdTariff *self,
                    guint     index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_tiers, NULL);
  return &self->tiers[index];
}

/**
 * md_tariff_tier_for_use:
 * @used: cumulative use in the tier period, ≥ 0
 *
 * Returns: the index of the block the next unit after @used falls in
 */
guint
md_tariff_tier_for_use (MdTariff *self,
                        MdEnergy  used)
{
  guint i = 0;

  g_return_val_if_fail (self != NULL, 0);

  while (i + 1 < self->n_tiers && used >= self->tiers[i].to)
    i++;
  return i;
}

/**
 * md_tariff_get_price:
 *
 * Returns: what a unit costs at @rate in block @tier: the rate plus the
 *   block's surcharge
 */
MdPrice
md_tariff_get_price (MdTariff *self,
                     MdRate    rate,
                     guint     tier)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail ((guint) rate < MD_N_RATES, 0);
  g_return_val_if_fail (tier < self->n_tiers, 0);
  return self->rates[rate] + self->tiers[tier].surcharge;
}

/**
 * md_tariff_get_n_components:
 *
 * Returns: the number of components, at least 1: without [components] the
 *   whole price is one component named "energy"
 */
guint
md_tariff_get_n_components (MdTariff *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_components;
}

const char *
md_tariff_get_component_name (MdTariff *self,
                              guint     index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_components, NULL);
  return self->components[index].name;
}

gboolean
md_tariff_component_is_rest (MdTariff *self,
                             guint     index)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (index < self->n_components, FALSE);
  return self->components[index].rest;
}

/**
 * md_tariff_get_component_price:
 *
 * A component is either a fixed price per unit, the same at every rate and
 * tier (funds, surcharges), or the rest component, which is the price at
 * @rate and @tier less all fixed components. The components of a price add
 * up to it exactly, and none is negative (the parser refuses that).
 *
 * Returns: the part of md_tariff_get_price() that component @index is
 */
MdPrice
md_tariff_get_component_price (MdTariff *self,
                               guint     index,
                               MdRate    rate,
                               guint     tier)
{
  MdPrice price;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (index < self->n_components, 0);

  if (!self->components[index].rest)
    return self->components[index].price;

  price = md_tariff_get_price (self, rate, tier);
  for (guint i = 0; i < self->n_components; i++)
    if (!self->components[i].rest)
      price -= self->components[i].price;
  return price;
}

static gboolean
date_listed (GArray  *dates,
             guint32  julian)
{
  guint lo = 0;
  guint hi;

  if (dates == NULL)
    return FALSE;

  hi = dates->len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      guint32 v = g_array_index (dates, guint32, mid);

      if (v == julian)
        return TRUE;
      if (v < julian)
        lo = mid + 1;
      else
        hi = mid;
    }
  return FALSE;
}

static gboolean
in_season (const MdTouTable *table,
           guint             md)
{
  if (table->from_md <= table->to_md)
    return md >= table->from_md && md <= table->to_md;
  return md >= table->from_md || md <= table->to_md;
}

/* Which daily table a local date uses: a holiday first, then a listed
 * weekday (unless the date is a make-up workday), then a season, else
 * [periods]. The parser refuses overlaps within each kind. */
const MdTouTable *
_md_tariff_table_for_date (MdTariff    *self,
                           const GDate *date)
{
  guint32 julian = g_date_get_julian (date);
  guint weekday_bit = 1u << (g_date_get_weekday (date) - 1);
  guint md = g_date_get_month (date) * 100 + g_date_get_day (date);

  for (guint i = 1; i < self->n_tables; i++)
    if (date_listed (self->tables[i].holidays, julian))
      return &self->tables[i];
  for (guint i = 1; i < self->n_tables; i++)
    if ((self->tables[i].days & weekday_bit) && !date_listed (self->tables[i].workdays, julian))
      return &self->tables[i];
  for (guint i = 1; i < self->n_tables; i++)
    if (self->tables[i].seasonal && in_season (&self->tables[i], md))
      return &self->tables[i];
  return &self->tables[0];
}

/**
 * md_tariff_rate_at:
 * @time: a Unix time
 *
 * Returns: the time-of-use rate in force at @time (%MD_RATE_FLAT for a flat
 *   tariff), read in the tariff's zone
 */
MdRate
md_tariff_rate_at (MdTariff *self,
                   gint64    time)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  const MdTouTable *table;
  GDate date;
  guint minute;
  int y, m, d;

  g_return_val_if_fail (self != NULL, MD_RATE_FLAT);

  utc = g_date_time_new_from_unix_utc (time);
  local = g_date_time_to_timezone (utc, self->zone);
  g_date_time_get_ymd (local, &y, &m, &d);
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
  table = _md_tariff_table_for_date (self, &date);
  minute = (guint) (g_date_time_get_hour (local) * 60 + g_date_time_get_minute (local));

  for (guint i = 0; i < table->n_periods; i++)
    if (minute >= table->periods[i].start && minute < table->periods[i].end)
      return table->periods[i].rate;
  g_return_val_if_reached (MD_RATE_FLAT);
}

/**
 * md_tariff_tier_period_start:
 * @time: a Unix time
 *
 * Tier periods start at local midnight of the start day: every month on
 * day `start=DD`, or every year on `start=MM-DD`.
 *
 * Returns: the Unix time at which the tier period containing @time began,
 *   %G_MININT64 for a tariff without tiers (its period never restarts)
 */
gint64
md_tariff_tier_period_start (MdTariff *self,
                             gint64    time)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) start = NULL;
  int y, m, d;

  g_return_val_if_fail (self != NULL, G_MININT64);

  if (self->tier_period == MD_TIER_PERIOD_NONE)
    return G_MININT64;

  utc = g_date_time_new_from_unix_utc (time);
  local = g_date_time_to_timezone (utc, self->zone);
  g_date_time_get_ymd (local, &y, &m, &d);

  if (self->tier_period == MD_TIER_PERIOD_YEAR)
    {
      if ((guint) m * 100 + (guint) d < self->tier_start_month * 100 + self->tier_start_day)
        y--;
      m = (int) self->tier_start_month;
    }
  else if ((guint) d < self->tier_start_day)
    {
      if (--m == 0)
        {
          m = 12;
          y--;
        }
    }
  start = g_date_time_new (self->zone, y, m, (int) self->tier_start_day, 0, 0, 0);
  return g_date_time_to_unix (start);
}

/**
 * md_tariff_history_new:
 *
 * An empty history. Add every version of one tariff in order of valid-from.
 *
 * Returns: (transfer full): a new history
 */
MdTariffHistory *
md_tariff_history_new (void)
{
  MdTariffHistory *self = g_new0 (MdTariffHistory, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->versions = g_ptr_array_new_with_free_func ((GDestroyNotify) md_tariff_unref);
  return self;
}

MdTariffHistory *
md_tariff_history_ref (MdTariffHistory *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
md_tariff_history_unref (MdTariffHistory *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_ptr_array_unref (self->versions);
  g_free (self);
}

/**
 * md_tariff_history_add:
 * @version: the next version of the same tariff
 *
 * Appends a version. History is never rewritten: @version must have the same
 * id and unit as the versions before it and start strictly after the last.
 *
 * Returns: %TRUE if @version was added
 */
gboolean
md_tariff_history_add (MdTariffHistory  *self,
                       MdTariff         *version,
                       GError          **error)
{
  MdTariff *last;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (version != NULL, FALSE);

  if (self->versions->len > 0)
    {
      last = g_ptr_array_index (self->versions, self->versions->len - 1);
      if (!g_str_equal (last->id, version->id))
        {
          g_set_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_HISTORY,
                       _("Version of tariff “%s” cannot follow tariff “%s”"),
                       version->id, last->id);
          return FALSE;
        }
      if (last->unit != version->unit)
        {
          g_set_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_HISTORY,
                       _("A new version of tariff “%s” cannot change its unit"), version->id);
          return FALSE;
        }
      if (version->valid_from <= last->valid_from)
        {
          g_set_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_HISTORY,
                       _("A new version of tariff “%s” must start after the last one"),
                       version->id);
          return FALSE;
        }
    }
  g_ptr_array_add (self->versions, md_tariff_ref (version));
  return TRUE;
}

guint
md_tariff_history_get_n_versions (MdTariffHistory *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->versions->len;
}

/**
 * md_tariff_history_get_version:
 *
 * Returns: (transfer none): version @index, oldest first
 */
MdTariff *
md_tariff_history_get_version (MdTariffHistory *self,
                               guint            index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->versions->len, NULL);
  return g_ptr_array_index (self->versions, index);
}

/**
 * md_tariff_history_lookup:
 * @time: a Unix time
 *
 * Returns: (transfer none) (nullable): the version in force at @time: the
 *   last one whose valid-from is ≤ @time
 */
MdTariff *
md_tariff_history_lookup (MdTariffHistory  *self,
                          gint64            time,
                          GError          **error)
{
  MdTariff *found = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->versions->len; i++)
    {
      MdTariff *v = g_ptr_array_index (self->versions, i);

      if (v->valid_from > time)
        break;
      found = v;
    }

  if (found == NULL)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (time);
      g_autofree char *shown = dt ? g_date_time_format_iso8601 (dt) : g_strdup ("?");

      g_set_error (error, MD_TARIFF_ERROR, MD_TARIFF_ERROR_NOT_IN_FORCE,
                   _("No tariff version is in force at %s"), shown);
    }
  return found;
}
