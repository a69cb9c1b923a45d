/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-card-profile.h"
#include "md-medium.h"

G_BEGIN_DECLS

#define MD_TYPE_CARD_MEDIUM (md_card_medium_get_type ())
G_DECLARE_FINAL_TYPE (MdCardMedium, md_card_medium, MD, CARD_MEDIUM, GObject)

MdCardMedium       *md_card_medium_new          (MdCardLink          *link,
                                                 const MdCardKeys    *keys);
void                md_card_medium_set_expected (MdCardMedium        *self,
                                                 const char          *uid,
                                                 gint64               purchase_count,
                                                 gint                 generation);
void                md_card_medium_set_flags    (MdCardMedium        *self,
                                                 MdCardSessionFlags   flags);
const MdCardState  *md_card_medium_get_state    (MdCardMedium        *self);

G_END_DECLS
