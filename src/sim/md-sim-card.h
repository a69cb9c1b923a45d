/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * MdSimCardType:
 * @MD_SIM_CARD_CPU: an ISO 7816-4 processor card with a small file system
 * @MD_SIM_CARD_SLE4442: an SLE4442 memory card behind an ACS reader's
 *   pseudo-APDUs
 */
typedef enum
{
  MD_SIM_CARD_CPU,
  MD_SIM_CARD_SLE4442,
} MdSimCardType;

#define MD_SIM_UID_SIZE 8

/* The EFs of the emulated CPU card (docs/card-profiles.md). */
#define MD_SIM_CPU_MF      0x3F00
#define MD_SIM_CPU_EF_GDO  0x2F02
#define MD_SIM_CPU_DF      0x4D44

#define MD_TYPE_SIM_CARD (md_sim_card_get_type ())
G_DECLARE_FINAL_TYPE (MdSimCard, md_sim_card, MD, SIM_CARD, GObject)

MdSimCard     *md_sim_card_new            (MdSimCardType   type,
                                           const guint8   *uid);
MdSimCard     *md_sim_card_load           (const char     *path,
                                           GError        **error);
gboolean       md_sim_card_save           (MdSimCard      *self,
                                           const char     *path,
                                           GError        **error);
void           md_sim_card_set_autosave   (MdSimCard      *self,
                                           const char     *path);
gboolean       md_sim_card_parse_type     (const char     *text,
                                           MdSimCardType  *out_type);

MdSimCardType  md_sim_card_get_card_type  (MdSimCard      *self);
const guint8  *md_sim_card_get_uid        (MdSimCard      *self);
GBytes        *md_sim_card_get_atr        (MdSimCard      *self);

void           md_sim_card_power_on       (MdSimCard      *self);
void           md_sim_card_power_off      (MdSimCard      *self);
void           md_sim_card_reset          (MdSimCard      *self);
GBytes        *md_sim_card_process        (MdSimCard      *self,
                                           const guint8   *apdu,
                                           gsize           len);
void           md_sim_card_tear           (MdSimCard      *self,
                                           const guint8   *apdu,
                                           gsize           len,
                                           GRand          *rand);

guint          md_sim_card_get_apdu_count (MdSimCard      *self);
guint          md_sim_card_count_ins      (MdSimCard      *self,
                                           guint8          ins);
GError        *md_sim_card_take_save_error (MdSimCard     *self);

/* Raw state, for tests that tamper with a card. */
guint8        *md_sim_card_sle_memory     (MdSimCard      *self);
guint32        md_sim_card_sle_get_protection (MdSimCard  *self);
guint8         md_sim_card_sle_get_errcnt (MdSimCard      *self);
void           md_sim_card_sle_set_errcnt (MdSimCard      *self,
                                           guint8          errcnt);
void           md_sim_card_sle_set_psc    (MdSimCard      *self,
                                           const guint8   *psc);
GByteArray    *md_sim_card_cpu_file       (MdSimCard      *self,
                                           guint16         fid);
void           md_sim_card_changed        (MdSimCard      *self);

G_END_DECLS
