/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <winscard.h>

G_BEGIN_DECLS

void  _md_pcsc_set_error (GError     **error,
                          LONG         rv,
                          const char  *reader);

G_END_DECLS
