/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-card-profile.h"

G_BEGIN_DECLS

/* What profiles see of a session: the link, the keys, and a little
 * per-session state of their own. */
struct _MdCardSession
{
  MdCardLink          *link;
  MdCardKeys          *keys;
  MdCardProfile       *profile;
  GCancellable        *cancellable;
  MdCardSessionFlags   flags;
  gboolean             in_transaction;
  guint                apdu_count;

  guint8               uid[MD_CARD_UID_SIZE];
  char                *uid_hex;

  /* the last image read, until a write */
  MdCardImage          image;
  gboolean             image_valid;

  /* profile scratch, reset by each session */
  gboolean             authenticated;   /* SLE4442: PSC presented */
  int                  psc_step;        /* SLE4442: … which: 0 factory … 3 the card's own */
  int                  psc_tries;       /* SLE4442: last counter read, -1 unknown */
  guint8               memory[256];     /* SLE4442: main memory as read */
  gboolean             memory_valid;
  guint16              current_ef;      /* CPU: selected EF, 0 none */
};

GBytes    *_md_card_transmit      (MdCardSession  *session,
                                   const guint8   *apdu,
                                   gsize           len,
                                   guint16        *out_sw,
                                   GError        **error);
gboolean   _md_card_command       (MdCardSession  *session,
                                   const guint8   *apdu,
                                   gsize           len,
                                   guint8         *out_data,
                                   gsize           data_max,
                                   gsize          *out_data_len,
                                   GError        **error);
void       _md_card_set_uid       (MdCardSession  *session,
                                   const guint8   *uid);
void       _md_card_status_error  (GError        **error,
                                   guint16         sw,
                                   const char     *what);

G_END_DECLS
