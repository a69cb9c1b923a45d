/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-tariff.h"

G_BEGIN_DECLS

/* One row of a daily table: [start, end) in minutes of the local day. */
typedef struct
{
  guint16 start;
  guint16 end;
  MdRate  rate;
} MdPeriod;

/* A daily table and the days it applies to. Table 0 is [periods] (or, for a
 * flat tariff, one implicit 00:00-24:00=flat row); the others are
 * [periods.NAME]: either a season (from/to month-days, inclusive, may wrap
 * over the new year) or day kinds (weekdays, holidays, with workdays as
 * exceptions to the weekdays). */
typedef struct
{
  char     *name;
  guint     n_periods;
  MdPeriod  periods[MD_TARIFF_MAX_PERIODS];
  gboolean  seasonal;
  guint     from_md;        /* month * 100 + day */
  guint     to_md;
  guint     days;           /* bit (weekday - 1), GDateWeekday */
  GArray   *holidays;       /* guint32 Julian days, sorted */
  GArray   *workdays;       /* guint32 Julian days, sorted */
} MdTouTable;

typedef struct
{
  char     *name;
  MdPrice   price;          /* per unit; unused for the rest component */
  gboolean  rest;
} MdComponent;

struct _MdTariff
{
  gatomicrefcount  ref_count;

  char            *id;
  char            *name;
  MdTariffUnit     unit;
  gint64           valid_from;
  char            *timezone_name;   /* NULL: the site's zone */
  GTimeZone       *zone;

  guint            rates_defined;   /* bit per MdRate */
  MdPrice          rates[MD_N_RATES];
  gboolean         time_of_use;     /* a [periods] section was given */

  guint            n_tables;
  MdTouTable       tables[MD_TARIFF_MAX_TABLES];

  MdTierPeriod     tier_period;
  guint            tier_start_month; /* 1..12, year tiers only */
  guint            tier_start_day;   /* 1..28 for month tiers */
  guint            n_tiers;          /* ≥ 1: no tiers is one open block */
  MdTier           tiers[MD_TARIFF_MAX_TIERS];

  guint            n_components;     /* ≥ 1: none is one "energy" rest */
  MdComponent      components[MD_TARIFF_MAX_COMPONENTS];

  char            *text;             /* canonical */
  char            *digest;
};

MdTariff         *_md_tariff_alloc               (void);
void              _md_tariff_seal                (MdTariff        *self);
const MdTouTable *_md_tariff_table_for_date      (MdTariff        *self,
                                                  const GDate     *date);
char             *_md_quantity_to_text           (MdEnergy         value);
char             *_md_tariff_format_time         (MdTariff        *self,
                                                  gint64           time);

G_END_DECLS
