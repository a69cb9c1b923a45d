/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-card-link.h"

G_DEFINE_INTERFACE (MdCardLink, md_card_link, G_TYPE_OBJECT)
G_DEFINE_QUARK (md-card-error-quark, md_card_error)

static void
md_card_link_default_init (MdCardLinkInterface *iface)
{
}

/**
 * md_card_error_is_transport:
 * @error: (nullable): an error of any domain
 *
 * Whether @error says the link to the card failed (rather than the card
 * answering something unwelcome). After such an error during a write nobody
 * knows whether the write reached the card.
 *
 * Returns: %TRUE for reader, service and removal errors
 */
gboolean
md_card_error_is_transport (const GError *error)
{
  if (error == NULL || error->domain != MD_CARD_ERROR)
    return FALSE;

  switch ((MdCardError) error->code)
    {
    case MD_CARD_ERROR_NO_SERVICE:
    case MD_CARD_ERROR_NO_READER:
    case MD_CARD_ERROR_NO_CARD:
    case MD_CARD_ERROR_REMOVED:
    case MD_CARD_ERROR_RESET:
    case MD_CARD_ERROR_BUSY:
    case MD_CARD_ERROR_TIMEOUT:
    case MD_CARD_ERROR_UNRESPONSIVE:
    case MD_CARD_ERROR_TRANSPORT:
      return TRUE;
    case MD_CARD_ERROR_UNSUPPORTED:
    case MD_CARD_ERROR_STATUS:
    case MD_CARD_ERROR_BLANK:
    case MD_CARD_ERROR_BAD_MAC:
    case MD_CARD_ERROR_FOREIGN:
    case MD_CARD_ERROR_TRUNCATED:
    case MD_CARD_ERROR_FORMAT:
    case MD_CARD_ERROR_ROLLBACK:
    case MD_CARD_ERROR_COUNT_JUMP:
    case MD_CARD_ERROR_WRONG_CARD:
    case MD_CARD_ERROR_WRONG_ACCOUNT:
    case MD_CARD_ERROR_WRONG_KIND:
    case MD_CARD_ERROR_NOT_ACTIVE:
    case MD_CARD_ERROR_LOCKED:
    case MD_CARD_ERROR_PSC_TRIES:
    case MD_CARD_ERROR_PSC_REJECTED:
    case MD_CARD_ERROR_INVALID:
    case MD_CARD_ERROR_VERIFY:
    case MD_CARD_ERROR_NOT_REVERSIBLE:
    case MD_CARD_ERROR_KEYS:
    default:
      return FALSE;
    }
}

const char *
md_card_link_get_name (MdCardLink *self)
{
  g_return_val_if_fail (MD_IS_CARD_LINK (self), NULL);

  return MD_CARD_LINK_GET_IFACE (self)->get_name (self);
}

/**
 * md_card_link_connect:
 *
 * Connects to the card now in the reader, reconnecting when the card
 * changed since the last connect.
 *
 * Returns: %TRUE when a card answers; else %FALSE with an %MD_CARD_ERROR
 */
gboolean
md_card_link_connect (MdCardLink    *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_return_val_if_fail (MD_IS_CARD_LINK (self), FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return MD_CARD_LINK_GET_IFACE (self)->connect (self, cancellable, error);
}

void
md_card_link_disconnect (MdCardLink *self)
{
  g_return_if_fail (MD_IS_CARD_LINK (self));

  MD_CARD_LINK_GET_IFACE (self)->disconnect (self);
}

/**
 * md_card_link_get_atr:
 *
 * Returns: (transfer full) (nullable): the connected card's ATR
 */
GBytes *
md_card_link_get_atr (MdCardLink *self)
{
  g_return_val_if_fail (MD_IS_CARD_LINK (self), NULL);

  return MD_CARD_LINK_GET_IFACE (self)->get_atr (self);
}

/**
 * md_card_link_transmit:
 * @apdu: (array length=apdu_len): a command APDU
 *
 * Returns: (transfer full): the response APDU, at least the 2 status bytes;
 *   %NULL with an %MD_CARD_ERROR when the link failed
 */
GBytes *
md_card_link_transmit (MdCardLink    *self,
                       const guint8  *apdu,
                       gsize          apdu_len,
                       GCancellable  *cancellable,
                       GError       **error)
{
  GBytes *response;

  g_return_val_if_fail (MD_IS_CARD_LINK (self), NULL);
  g_return_val_if_fail (apdu != NULL && apdu_len >= 4, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  response = MD_CARD_LINK_GET_IFACE (self)->transmit (self, apdu, apdu_len, cancellable, error);
  if (response != NULL && g_bytes_get_size (response) < 2)
    {
      g_bytes_unref (response);
      /* What a reader relays when the card went mute or away mid-command. */
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_REMOVED,
                   _("The card stopped answering during the operation (taken out?)"));
      return NULL;
    }
  return response;
}

gboolean
md_card_link_begin (MdCardLink  *self,
                    GError     **error)
{
  g_return_val_if_fail (MD_IS_CARD_LINK (self), FALSE);

  return MD_CARD_LINK_GET_IFACE (self)->begin (self, error);
}

gboolean
md_card_link_end (MdCardLink  *self,
                  GError     **error)
{
  g_return_val_if_fail (MD_IS_CARD_LINK (self), FALSE);

  return MD_CARD_LINK_GET_IFACE (self)->end (self, error);
}
