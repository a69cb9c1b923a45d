/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "md-card-error.h"

G_BEGIN_DECLS

#define MD_TYPE_CARD_LINK (md_card_link_get_type ())
G_DECLARE_INTERFACE (MdCardLink, md_card_link, MD, CARD_LINK, GObject)

/**
 * MdCardLinkInterface:
 * @get_name: the reader's name, for messages and logs
 * @connect: power and connect to the card now in the reader: a fresh card session
 *   (an SLE4442 forgets its PSC, a CPU card its current file); reconnects when the
 *   card was removed or reset since the last connect
 * @disconnect: leave the card (it stays powered for the next connect when possible)
 * @get_atr: the ATR of the connected card
 * @transmit: one command APDU, the response APDU with its status word
 * @begin: keep other programs off the card until @end (SCardBeginTransaction)
 * @end: let other programs at the card again
 *
 * The way to a card: a PC/SC reader (#MdPcscLink) or, in tests and in the
 * simulated meter, an emulated card in this process. One link is used by one
 * thread at a time.
 */
struct _MdCardLinkInterface
{
  GTypeInterface parent_iface;

  const char * (*get_name)   (MdCardLink    *self);
  gboolean     (*connect)    (MdCardLink    *self,
                              GCancellable  *cancellable,
                              GError       **error);
  void         (*disconnect) (MdCardLink    *self);
  GBytes *     (*get_atr)    (MdCardLink    *self);
  GBytes *     (*transmit)   (MdCardLink    *self,
                              const guint8  *apdu,
                              gsize          apdu_len,
                              GCancellable  *cancellable,
                              GError       **error);
  gboolean     (*begin)      (MdCardLink    *self,
                              GError       **error);
  gboolean     (*end)        (MdCardLink    *self,
                              GError       **error);
};

const char  *md_card_link_get_name   (MdCardLink    *self);
gboolean     md_card_link_connect    (MdCardLink    *self,
                                      GCancellable  *cancellable,
                                      GError       **error);
void         md_card_link_disconnect (MdCardLink    *self);
GBytes      *md_card_link_get_atr    (MdCardLink    *self);
GBytes      *md_card_link_transmit   (MdCardLink    *self,
                                      const guint8  *apdu,
                                      gsize          apdu_len,
                                      GCancellable  *cancellable,
                                      GError       **error);
gboolean     md_card_link_begin      (MdCardLink    *self,
                                      GError       **error);
gboolean     md_card_link_end        (MdCardLink    *self,
                                      GError       **error);

G_END_DECLS
