/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The media layer: card links (PC/SC), card profiles and records, the
 * master key, and the card medium of a sale. */
#include "md-card-error.h"
#include "md-card-keys.h"
#include "md-card-link.h"
#include "md-card-medium.h"
#include "md-card-profile.h"
#include "md-card-record.h"
#include "md-card-service.h"
#include "md-pcsc.h"
