/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MD_TYPE_PREFERENCES (md_preferences_get_type ())
G_DECLARE_FINAL_TYPE (MdPreferences, md_preferences, MD, PREFERENCES, AdwPreferencesWindow)

MdPreferences  *md_preferences_new  (GtkWindow *parent,
                                     GSettings *settings);

G_END_DECLS
