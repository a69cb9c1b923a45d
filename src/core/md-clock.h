/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef gint64 (*MdClockFunc) (gpointer user_data);

gint64  md_clock_now               (void);
gint64  md_clock_monotonic         (void);
void    md_clock_set_for_testing   (MdClockFunc  wall,
                                    MdClockFunc  monotonic,
                                    gpointer     user_data);

G_END_DECLS
