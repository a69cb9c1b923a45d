/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-card-link.h"
#include "md-sim-card.h"

G_BEGIN_DECLS

#define MD_TYPE_SIM_LINK (md_sim_link_get_type ())
G_DECLARE_FINAL_TYPE (MdSimLink, md_sim_link, MD, SIM_LINK, GObject)

MdSimLink  *md_sim_link_new          (MdSimCard  *card);
void        md_sim_link_insert       (MdSimLink  *self,
                                      MdSimCard  *card);
void        md_sim_link_remove       (MdSimLink  *self);
MdSimCard  *md_sim_link_get_card     (MdSimLink  *self);
void        md_sim_link_set_tear_at  (MdSimLink  *self,
                                      guint       apdu,
                                      guint32     seed);
gboolean    md_sim_link_get_torn     (MdSimLink  *self);
guint       md_sim_link_get_apdu_count (MdSimLink *self);

G_END_DECLS
