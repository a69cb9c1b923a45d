/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-tariff.h"

G_BEGIN_DECLS

MdTariff *test_load_tariff            (const char *name);
MdTariff *test_tariff_with_valid_from (const char *name,
                                       const char *valid_from);
char     *test_random_tariff_text     (GRand      *rand,
                                       const char *valid_from);
gint64    test_unix_at                (const char *iso);
MdTariff *test_tariff_from_text       (const char *text);
MdTariffHistory *test_history_of      (MdTariff   *first,
                                       ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
