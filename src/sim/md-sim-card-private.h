/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-sim-card.h"

G_BEGIN_DECLS

#define SLE_SIZE 256

typedef struct
{
  guint16     fid;
  guint16     parent;      /* 0 for the MF */
  gboolean    is_df;
  gboolean    read_only;
  GByteArray *data;        /* EFs */
} SimFile;

struct _MdSimCard
{
  GObject        parent_instance;

  MdSimCardType  type;
  guint8         uid[MD_SIM_UID_SIZE];
  char          *autosave;
  GError        *save_error;
  guint          apdu_count;
  guint          ins_count[256];
  gboolean       powered;

  /* SLE4442 */
  guint8         memory[SLE_SIZE];
  guint32        protection;   /* bit i = 1: byte i writable */
  guint8         psc[3];
  guint8         errcnt;
  gboolean       type_selected;
  gboolean       authenticated;

  /* CPU card */
  GPtrArray     *files;        /* SimFile */
  guint16        current_df;
  guint16        current_ef;
};

void     _md_sim_sle_factory    (MdSimCard     *self);
GBytes  *_md_sim_sle_process    (MdSimCard     *self,
                                 const guint8  *apdu,
                                 gsize          len);
void     _md_sim_sle_tear       (MdSimCard     *self,
                                 const guint8  *apdu,
                                 gsize          len,
                                 GRand         *rand);

void     _md_sim_cpu_factory    (MdSimCard     *self);
GBytes  *_md_sim_cpu_process    (MdSimCard     *self,
                                 const guint8  *apdu,
                                 gsize          len);
void     _md_sim_cpu_tear       (MdSimCard     *self,
                                 const guint8  *apdu,
                                 gsize          len,
                                 GRand         *rand);
SimFile *_md_sim_cpu_find       (MdSimCard     *self,
                                 guint16        fid,
                                 guint16        parent);

GBytes  *_md_sim_sw             (guint16        sw);
GBytes  *_md_sim_data_sw        (const guint8  *data,
                                 gsize          len,
                                 guint16        sw);

G_END_DECLS
