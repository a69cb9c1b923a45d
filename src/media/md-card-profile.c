/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-card-private.h"

G_DEFINE_INTERFACE (MdCardProfile, md_card_profile, G_TYPE_OBJECT)

static void
md_card_profile_default_init (MdCardProfileInterface *iface)
{
}

const char *
md_card_profile_get_name (MdCardProfile *self)
{
  g_return_val_if_fail (MD_IS_CARD_PROFILE (self), NULL);

  return MD_CARD_PROFILE_GET_IFACE (self)->get_name (self);
}

gboolean
md_card_profile_match_atr (MdCardProfile *self,
                           GBytes        *atr)
{
  g_return_val_if_fail (MD_IS_CARD_PROFILE (self), FALSE);

  return atr != NULL && MD_CARD_PROFILE_GET_IFACE (self)->match_atr (self, atr);
}

/**
 * md_card_profile_list:
 *
 * Returns: (transfer full) (element-type MdCardProfile): the profiles this
 *   build knows, in the order cards are matched against them
 */
GPtrArray *
md_card_profile_list (void)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);

  /* Memory cards first: their ATR says what they are; any other ATR is
   * taken for a processor card, and its file system decides. */
  g_ptr_array_add (list, md_card_profile_new_sle4442 ());
  g_ptr_array_add (list, md_card_profile_new_cpu ());
  return list;
}

/**
 * md_card_profile_for_atr:
 *
 * Returns: (transfer full) (nullable): the profile of a card with @atr
 */
MdCardProfile *
md_card_profile_for_atr (GBytes *atr)
{
  g_autoptr(GPtrArray) list = md_card_profile_list ();

  for (guint i = 0; i < list->len; i++)
    if (md_card_profile_match_atr (list->pdata[i], atr))
      return g_object_ref (list->pdata[i]);
  return NULL;
}

void
_md_card_status_error (GError     **error,
                       guint16      sw,
                       const char  *what)
{
  g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_STATUS,
               /* Translators: "The card refused to write (status 6982)" */
               _("The card refused to %s (status %04X)"), what, sw);
}

/* One APDU; the status word apart. Link failures come back as errors. */
GBytes *
_md_card_transmit (MdCardSession  *session,
                   const guint8   *apdu,
                   gsize           len,
                   guint16        *out_sw,
                   GError        **error)
{
  GBytes *response;
  const guint8 *r;
  gsize n;

  session->apdu_count++;
  response = md_card_link_transmit (session->link, apdu, len, session->cancellable, error);
  if (response == NULL)
    return NULL;
  r = g_bytes_get_data (response, &n);
  *out_sw = (guint16) ((r[n - 2] << 8) | r[n - 1]);
  return response;
}

/* An APDU that must answer 90 00; its data (without the status) copied out. */
gboolean
_md_card_command (MdCardSession  *session,
                  const guint8   *apdu,
                  gsize           len,
                  guint8         *out_data,
                  gsize           data_max,
                  gsize          *out_data_len,
                  GError        **error)
{
  g_autoptr(GBytes) response = NULL;
  const guint8 *r;
  guint16 sw = 0;
  gsize n;

  if (!(response = _md_card_transmit (session, apdu, len, &sw, error)))
    return FALSE;
  if (sw != 0x9000)
    {
      _md_card_status_error (error, sw, _("carry out a command"));
      return FALSE;
    }
  r = g_bytes_get_data (response, &n);
  n -= 2;
  if (out_data != NULL)
    memcpy (out_data, r, MIN (n, data_max));
  if (out_data_len != NULL)
    *out_data_len = MIN (n, data_max);
  return TRUE;
}

void
_md_card_set_uid (MdCardSession *session,
                  const guint8  *uid)
{
  memcpy (session->uid, uid, MD_CARD_UID_SIZE);
  g_free (session->uid_hex);
  session->uid_hex = g_malloc (MD_CARD_UID_SIZE * 2 + 1);
  for (guint i = 0; i < MD_CARD_UID_SIZE; i++)
    g_snprintf (session->uid_hex + 2 * i, 3, "%02X", uid[i]);
}
