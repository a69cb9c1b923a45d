/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-sim-link.h"

#include <glib/gi18n-lib.h>

/*
 * An emulated card in this process, as an MdCardLink: what the simulated
 * meter and the fast tests use. It can tear the card at the n-th APDU (the
 * card is then out of the reader until md_sim_link_insert()).
 */

struct _MdSimLink
{
  GObject     parent_instance;

  MdSimCard  *card;          /* NULL: no card in the reader */
  gboolean    connected;
  guint       apdu_count;
  guint       tear_at;
  guint32     seed;
  gboolean    torn;
};

static void md_sim_link_iface_init (MdCardLinkInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MdSimLink, md_sim_link, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MD_TYPE_CARD_LINK, md_sim_link_iface_init))

static gboolean
no_card (MdSimLink  *self,
         GError    **error)
{
  if (self->card != NULL && self->connected)
    return FALSE;
  g_set_error_literal (error, MD_CARD_ERROR, self->card == NULL ? MD_CARD_ERROR_NO_CARD
                                                                : MD_CARD_ERROR_REMOVED,
                       self->card == NULL ? _("No card in the reader “emulated”")
                                          : _("The card was taken out of the reader “emulated” "
                                              "during the operation"));
  return TRUE;
}

static const char *
sim_get_name (MdCardLink *link)
{
  return "emulated";
}

static gboolean
sim_connect (MdCardLink    *link,
             GCancellable  *cancellable,
             GError       **error)
{
  MdSimLink *self = MD_SIM_LINK (link);

  if (self->card == NULL)
    {
      g_set_error_literal (error, MD_CARD_ERROR, MD_CARD_ERROR_NO_CARD,
                           _("No card in the reader “emulated”"));
      return FALSE;
    }
  if (!self->connected)
    md_sim_card_power_on (self->card);
  self->connected = TRUE;
  return TRUE;
}

static void
sim_disconnect (MdCardLink *link)
{
}

static GBytes *
sim_get_atr (MdCardLink *link)
{
  MdSimLink *self = MD_SIM_LINK (link);

  return self->card != NULL ? md_sim_card_get_atr (self->card) : NULL;
}

static GBytes *
sim_transmit (MdCardLink    *link,
              const guint8  *apdu,
              gsize          apdu_len,
              GCancellable  *cancellable,
              GError       **error)
{
  MdSimLink *self = MD_SIM_LINK (link);

  if (no_card (self, error))
    return NULL;
  self->apdu_count++;
  if (self->tear_at != 0 && self->apdu_count == self->tear_at)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (self->seed ^ self->tear_at);

      md_sim_card_tear (self->card, apdu, apdu_len, rand);
      self->torn = TRUE;
      self->connected = FALSE;
      g_clear_object (&self->card);
      g_set_error_literal (error, MD_CARD_ERROR, MD_CARD_ERROR_REMOVED,
                           _("The card was taken out of the reader “emulated” during the "
                             "operation"));
      return NULL;
    }
  return md_sim_card_process (self->card, apdu, apdu_len);
}

static gboolean
sim_begin (MdCardLink  *link,
           GError     **error)
{
  return !no_card (MD_SIM_LINK (link), error);
}

static gboolean
sim_end (MdCardLink  *link,
         GError     **error)
{
  return !no_card (MD_SIM_LINK (link), error);
}

static void
md_sim_link_iface_init (MdCardLinkInterface *iface)
{
  iface->get_name = sim_get_name;
  iface->connect = sim_connect;
  iface->disconnect = sim_disconnect;
  iface->get_atr = sim_get_atr;
  iface->transmit = sim_transmit;
  iface->begin = sim_begin;
  iface->end = sim_end;
}

static void
md_sim_link_finalize (GObject *object)
{
  g_clear_object (&MD_SIM_LINK (object)->card);
  G_OBJECT_CLASS (md_sim_link_parent_class)->finalize (object);
}

static void
md_sim_link_class_init (MdSimLinkClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = md_sim_link_finalize;
}

static void
md_sim_link_init (MdSimLink *self)
{
}

/**
 * md_sim_link_new:
 * @card: (nullable): the card in the reader
 *
 * Returns: (transfer full): a reader holding @card
 */
MdSimLink *
md_sim_link_new (MdSimCard *card)
{
  MdSimLink *self = g_object_new (MD_TYPE_SIM_LINK, NULL);

  if (card != NULL)
    md_sim_link_insert (self, card);
  return self;
}

/**
 * md_sim_link_insert:
 *
 * Puts @card in the reader (it powers up at the next connect). The tear
 * point is cleared.
 */
void
md_sim_link_insert (MdSimLink *self,
                    MdSimCard *card)
{
  g_set_object (&self->card, card);
  md_sim_card_power_off (card);
  self->connected = FALSE;
  self->tear_at = 0;
  self->torn = FALSE;
  self->apdu_count = 0;
}

void
md_sim_link_remove (MdSimLink *self)
{
  if (self->card != NULL)
    md_sim_card_power_off (self->card);
  g_clear_object (&self->card);
  self->connected = FALSE;
}

/**
 * md_sim_link_get_card:
 *
 * Returns: (transfer none) (nullable): the card in the reader
 */
MdSimCard *
md_sim_link_get_card (MdSimLink *self)
{
  return self->card;
}

/**
 * md_sim_link_set_tear_at:
 * @apdu: tear at this APDU, counted from the last insert (1 = the first);
 *   0 for never
 * @seed: decides how much of a torn write lands
 */
void
md_sim_link_set_tear_at (MdSimLink *self,
                         guint      apdu,
                         guint32    seed)
{
  self->tear_at = apdu;
  self->seed = seed;
  self->torn = FALSE;
}

gboolean
md_sim_link_get_torn (MdSimLink *self)
{
  return self->torn;
}

guint
md_sim_link_get_apdu_count (MdSimLink *self)
{
  return self->apdu_count;
}
