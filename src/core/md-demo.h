/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-auth.h"

G_BEGIN_DECLS

gboolean    md_demo_populate   (MdSession   *admin,
                                GError     **error);
MdSession  *md_demo_create     (const char  *path,
                                GError     **error);

G_END_DECLS
