/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

static inline gboolean
_md_dlt645_is_bcd_byte (guint8 b)
{
  return (b >> 4) <= 9 && (b & 0x0F) <= 9;
}

/* @v is 0..99 */
static inline guint8
_md_dlt645_to_bcd (guint v)
{
  return (guint8) (((v / 10) << 4) | (v % 10));
}

G_END_DECLS
