/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The exit status of a simulated power cut from inside the shim. */
#define MD_POWERCUT_EXIT_STATUS 86

gboolean  md_powercut_vfs_install      (guint64   cut_after_writes,
                                        gboolean  arm,
                                        GError  **error);
gboolean  md_powercut_vfs_arm          (GError  **error);
guint64   md_powercut_vfs_get_writes   (void);
guint64   md_powercut_vfs_get_syncs    (void);

G_END_DECLS
