/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-tariff.h"

G_BEGIN_DECLS

MdTariff *test_load_tariff            (const char *name);
MdTariff *test_tariff_with_valid_from (const char *name,
                                       const char *valid_from);
char     *test_random_tariff_text     (GRand      *rand,
                                       const char *valid_from);

G_END_DECLS
