/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-tariff-private.h"

G_BEGIN_DECLS

/* The tariff file reader (md-tariff-file.c) and its whole-file checks
 * (md-tariff-check.c). */

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

gboolean _md_tariff_fail          (Parser     *p,
                                   guint       line,
                                   const char *format,
                                   ...) G_GNUC_PRINTF (3, 4);
gboolean _md_tariff_parser_finish (Parser     *p);
gboolean _md_parse_two_digits     (const char *s,
                                   guint      *out);

G_END_DECLS
