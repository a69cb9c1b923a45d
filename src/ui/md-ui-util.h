/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char        *md_ui_format_time       (const char *iso8601);
const char  *md_ui_sale_state_label  (const char *state);

G_END_DECLS
