/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "md-money.h"

G_BEGIN_DECLS

/*
 * A tariff version (电价/水价的一个版本), parsed from the keyfile form that
 * docs/tariffs.md describes. An MdTariff is immutable once built, refcounted
 * and safe to share between threads. An MdTariffHistory is the ordered list
 * of versions of one tariff: a version applies from its valid-from time until
 * the next one starts.
 *
 * Quantities are MdEnergy (Wh) for kWh tariffs and MdVolume (litres) for m³
 * tariffs: both are thousandths of the unit, and everything below treats them
 * alike.
 */

#define MD_TARIFF_ERROR (md_tariff_error_quark ())

/**
 * MdTariffError:
 * @MD_TARIFF_ERROR_FILE: a tariff file is refused; the message starts with
 *   "line N: "
 * @MD_TARIFF_ERROR_HISTORY: a version does not fit the history (another
 *   tariff, another unit, not after the last version)
 * @MD_TARIFF_ERROR_NOT_IN_FORCE: no version is in force at a time asked for
 * @MD_TARIFF_ERROR_READINGS: readings are refused (backwards, unordered,
 *   bad numbers); file errors start with "line N: "
 * @MD_TARIFF_ERROR_STATE: a billing state that does not fit the readings
 *
 * Results beyond the units' maxima are %MD_MONEY_ERROR_OVERFLOW.
 */
typedef enum
{
  MD_TARIFF_ERROR_FILE,
  MD_TARIFF_ERROR_HISTORY,
  MD_TARIFF_ERROR_NOT_IN_FORCE,
  MD_TARIFF_ERROR_READINGS,
  MD_TARIFF_ERROR_STATE,
} MdTariffError;

/**
 * MdRate:
 * @MD_RATE_SHARP: 尖
 * @MD_RATE_PEAK: 峰
 * @MD_RATE_FLAT: 平; the only rate of a flat tariff and the rate sales are
 *   priced at
 * @MD_RATE_VALLEY: 谷
 */
typedef enum
{
  MD_RATE_SHARP,
  MD_RATE_PEAK,
  MD_RATE_FLAT,
  MD_RATE_VALLEY,
} MdRate;

#define MD_N_RATES 4

/**
 * MdTariffUnit:
 * @MD_TARIFF_UNIT_KWH: electricity, priced per kWh, quantities in Wh
 * @MD_TARIFF_UNIT_M3: water, priced per m³, quantities in litres
 */
typedef enum
{
  MD_TARIFF_UNIT_KWH,
  MD_TARIFF_UNIT_M3,
} MdTariffUnit;

/**
 * MdTierPeriod:
 * @MD_TIER_PERIOD_NONE: no tiers
 * @MD_TIER_PERIOD_MONTH: cumulative use restarts every month on the start day
 * @MD_TIER_PERIOD_YEAR: cumulative use restarts every year on the start date
 */
typedef enum
{
  MD_TIER_PERIOD_NONE,
  MD_TIER_PERIOD_MONTH,
  MD_TIER_PERIOD_YEAR,
} MdTierPeriod;

#define MD_TARIFF_MAX_PERIODS    14
#define MD_TARIFF_MAX_TABLES     6
#define MD_TARIFF_MAX_TIERS      8
#define MD_TARIFF_MAX_COMPONENTS 6
#define MD_TARIFF_MAX_FILE_SIZE  65536

/* No upper bound: the last tier is open. */
#define MD_TIER_OPEN G_MAXINT64

/**
 * MdTier:
 * @from: first quantity of the block (cumulative use in the tier period)
 * @to: end of the block, excluded; %MD_TIER_OPEN for the last block
 * @surcharge: price added to the base rate within the block
 *
 * Block @i covers cumulative use u with @from ≤ u < @to: the quantity that
 * reaches exactly 2880 kWh is the last of the first block.
 */
typedef struct
{
  MdEnergy from;
  MdEnergy to;
  MdPrice  surcharge;
} MdTier;

typedef struct _MdTariff MdTariff;
typedef struct _MdTariffHistory MdTariffHistory;

GQuark            md_tariff_error_quark          (void);

const char       *md_rate_to_string              (MdRate          rate);
const char       *md_rate_get_label              (MdRate          rate);
gboolean          md_rate_from_string            (const char     *text,
                                                  MdRate         *out_rate);
const char       *md_tariff_unit_to_string       (MdTariffUnit    unit);

MdTariff         *md_tariff_new_from_text        (const char     *text,
                                                  gssize          length,
                                                  GTimeZone      *site_zone,
                                                  GError        **error);
MdTariff         *md_tariff_new_from_file        (const char     *path,
                                                  GTimeZone      *site_zone,
                                                  GError        **error);
MdTariff         *md_tariff_ref                  (MdTariff       *self);
void              md_tariff_unref                (MdTariff       *self);
char             *md_tariff_to_text              (MdTariff       *self);
const char       *md_tariff_get_digest           (MdTariff       *self);
gboolean          md_tariff_equal                (MdTariff       *a,
                                                  MdTariff       *b);

const char       *md_tariff_get_id               (MdTariff       *self);
const char       *md_tariff_get_name             (MdTariff       *self);
MdTariffUnit      md_tariff_get_unit             (MdTariff       *self);
gint64            md_tariff_get_valid_from       (MdTariff       *self);
GTimeZone        *md_tariff_get_timezone         (MdTariff       *self);
const char       *md_tariff_get_timezone_name    (MdTariff       *self);
gboolean          md_tariff_is_time_of_use       (MdTariff       *self);
gboolean          md_tariff_has_rate             (MdTariff       *self,
                                                  MdRate          rate);
MdPrice           md_tariff_get_rate             (MdTariff       *self,
                                                  MdRate          rate);
MdRate            md_tariff_rate_at              (MdTariff       *self,
                                                  gint64          time);

MdTierPeriod      md_tariff_get_tier_period      (MdTariff       *self);
guint             md_tariff_get_n_tiers          (MdTariff       *self);
const MdTier     *md_tariff_get_tier             (MdTariff       *self,
                                                  guint           index);
guint             md_tariff_tier_for_use         (MdTariff       *self,
                                                  MdEnergy        used);
gint64            md_tariff_tier_period_start    (MdTariff       *self,
                                                  gint64          time);
MdPrice           md_tariff_get_price            (MdTariff       *self,
                                                  MdRate          rate,
                                                  guint           tier);

guint             md_tariff_get_n_components     (MdTariff       *self);
const char       *md_tariff_get_component_name   (MdTariff       *self,
                                                  guint           index);
gboolean          md_tariff_component_is_rest    (MdTariff       *self,
                                                  guint           index);
MdPrice           md_tariff_get_component_price  (MdTariff       *self,
                                                  guint           index,
                                                  MdRate          rate,
                                                  guint           tier);

MdTariffHistory  *md_tariff_history_new          (void);
MdTariffHistory  *md_tariff_history_ref          (MdTariffHistory *self);
void              md_tariff_history_unref        (MdTariffHistory *self);
gboolean          md_tariff_history_add          (MdTariffHistory *self,
                                                  MdTariff        *version,
                                                  GError         **error);
guint             md_tariff_history_get_n_versions (MdTariffHistory *self);
MdTariff         *md_tariff_history_get_version  (MdTariffHistory *self,
                                                  guint            index);
MdTariff         *md_tariff_history_lookup       (MdTariffHistory *self,
                                                  gint64           time,
                                                  GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdTariff, md_tariff_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdTariffHistory, md_tariff_history_unref)

G_END_DECLS
