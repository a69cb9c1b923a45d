/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MD_TYPE_WINDOW (md_window_get_type ())
G_DECLARE_FINAL_TYPE (MdWindow, md_window, MD, WINDOW, AdwApplicationWindow)

MdWindow *md_window_new          (GtkApplication *application);
void      md_window_set_status   (MdWindow       *self,
                                  const char     *icon_name,
                                  const char     *title,
                                  const char     *description);
const char *md_window_get_status_description (MdWindow *self);

G_END_DECLS
