/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-billing.h"

G_BEGIN_DECLS

/* A stretch of time [start, next segment's start) with one rate, one version
 * and one tier period. */
typedef struct
{
  gint64   start;
  gint64   tier_start;
  guint16  version;       /* index into MdBillPlan.versions */
  guint8   rate;
} Segment;

typedef struct
{
  MdTariff *tariff;
  MdPrice   prices[MD_N_RATES][MD_TARIFF_MAX_TIERS][MD_TARIFF_MAX_COMPONENTS];
} PlanVersion;

struct _MdBillPlan
{
  gatomicrefcount  ref_count;
  gint64           from;
  gint64           to;
  guint            n_versions;
  PlanVersion     *versions;
  GArray          *segments;   /* Segment, sorted, then a sentinel at G_MAXINT64 */
};

G_END_DECLS
