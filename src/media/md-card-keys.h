/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "md-card-error.h"

G_BEGIN_DECLS

#define MD_CARD_MASTER_KEY_SIZE 32
#define MD_CARD_MAC_SIZE        16
#define MD_CARD_PSC_SIZE        3

/**
 * MdCardKeys:
 *
 * The site's 32-byte card master key, held in locked memory
 * (sodium_malloc) that is wiped when freed. It never leaves this
 * structure: profiles ask it for MACs and PSCs, diversified by card UID
 * (docs/card-profiles.md "Keys").
 */
typedef struct _MdCardKeys MdCardKeys;

char        *md_card_keys_default_path  (void);
gboolean     md_card_keys_create        (const char        *path,
                                         GError           **error);
MdCardKeys  *md_card_keys_load          (const char        *path,
                                         GError           **error);
MdCardKeys  *md_card_keys_new_from_data (const guint8      *master,
                                         gsize              master_len);
MdCardKeys  *md_card_keys_copy          (const MdCardKeys  *keys);
void         md_card_keys_free          (MdCardKeys        *keys);

void         md_card_keys_mac           (const MdCardKeys  *keys,
                                         const guint8      *uid,
                                         gsize              uid_len,
                                         const guint8      *domain,
                                         const guint8      *data,
                                         gsize              data_len,
                                         const guint8      *bind,
                                         gsize              bind_len,
                                         guint8             mac[MD_CARD_MAC_SIZE]);
void         md_card_keys_derive_psc    (const MdCardKeys  *keys,
                                         const guint8      *serial,
                                         gsize              serial_len,
                                         guint8             psc[MD_CARD_PSC_SIZE]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdCardKeys, md_card_keys_free)

G_END_DECLS
