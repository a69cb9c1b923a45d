/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char        *md_ui_format_time       (const char *iso8601);
const char  *md_ui_sale_state_label  (const char *state);
GSettings   *md_ui_settings_new      (void);

G_END_DECLS
