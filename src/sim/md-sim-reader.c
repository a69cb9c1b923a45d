/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-sim-reader.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "md-sim-meter.h"
#include "md-validate.h"

/*
 * The demo's reader (md-sim-reader.h). Files in the state directory:
 *   card-master.key         the demo site's key
 *   card-ACCOUNT.state      the account's card (md_sim_card_save() format)
 *   meter-ACCOUNT.state     the account's simulated meter
 *   lost-ACCOUNT-UID.state  a card set aside for a replacement
 * Account numbers are codes (letters, digits, "-", "_", "."), never a path.
 */

struct _MdSimReader
{
  GObject         parent_instance;

  char           *dir;
  MdSimLink      *link;
  MdCardService  *service;
  char           *inserted;
};

G_DEFINE_FINAL_TYPE (MdSimReader, md_sim_reader, G_TYPE_OBJECT)

static gboolean
is_ours (const char *name)
{
  return g_str_has_prefix (name, "card-") || g_str_has_prefix (name, "meter-") ||
         g_str_has_prefix (name, "lost-");
}

static gboolean
clear_dir (const char  *dir,
           GError     **error)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, error);
  const char *name;

  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    if (is_ours (name))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);

        if (g_unlink (path) != 0)
          {
            int saved = errno;

            g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                         _("Cannot remove %s: %s"), path, g_strerror (saved));
            return FALSE;
          }
      }
  return TRUE;
}

static char *
state_path (MdSimReader *self,
            const char  *what,
            const char  *account_no)
{
  g_autofree char *name = g_strdup_printf ("%s-%s.state", what, account_no);

  return g_build_filename (self->dir, name, NULL);
}

static void
md_sim_reader_finalize (GObject *object)
{
  MdSimReader *self = MD_SIM_READER (object);

  g_clear_object (&self->service);
  g_clear_object (&self->link);
  g_free (self->inserted);
  g_free (self->dir);
  G_OBJECT_CLASS (md_sim_reader_parent_class)->finalize (object);
}

static void
md_sim_reader_class_init (MdSimReaderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = md_sim_reader_finalize;
}

static void
md_sim_reader_init (MdSimReader *self)
{
}

/**
 * md_sim_reader_new:
 * @state_dir: where the demo's cards, meters and key are kept
 * @fresh: start over (the demo database is new): forget every card, meter
 *   and the key
 *
 * Returns: (transfer full): the reader, empty, or %NULL with an error
 */
MdSimReader *
md_sim_reader_new (const char  *state_dir,
                   gboolean     fresh,
                   GError     **error)
{
  g_autoptr(MdSimReader) self = NULL;
  g_autoptr(MdCardKeys) keys = NULL;
  g_autofree char *key_path = NULL;

  g_return_val_if_fail (state_dir != NULL, NULL);

  if (g_mkdir_with_parents (state_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot make the directory %s: %s"), state_dir, g_strerror (saved));
      return NULL;
    }
  key_path = g_build_filename (state_dir, "card-master.key", NULL);
  if (fresh)
    {
      if (!clear_dir (state_dir, error))
        return NULL;
      if (g_file_test (key_path, G_FILE_TEST_EXISTS) && g_unlink (key_path) != 0)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Cannot remove %s: %s"), key_path, g_strerror (saved));
          return NULL;
        }
    }
  if (!md_card_key_create (key_path, NULL, NULL, error) ||
      !(keys = md_card_key_load (key_path, error)))
    return NULL;

  self = g_object_new (MD_TYPE_SIM_READER, NULL);
  self->dir = g_strdup (state_dir);
  self->link = md_sim_link_new (NULL);
  self->service = md_card_service_new (MD_CARD_LINK (self->link), keys);
  return g_steal_pointer (&self);
}

/**
 * md_sim_reader_get_service:
 *
 * Returns: (transfer none): the card service on this reader, with the
 *   demo's key
 */
MdCardService *
md_sim_reader_get_service (MdSimReader *self)
{
  g_return_val_if_fail (MD_IS_SIM_READER (self), NULL);

  return self->service;
}

/**
 * md_sim_reader_get_link:
 *
 * Returns: (transfer none): the reader as a card link
 */
MdCardLink *
md_sim_reader_get_link (MdSimReader *self)
{
  g_return_val_if_fail (MD_IS_SIM_READER (self), NULL);

  return MD_CARD_LINK (self->link);
}

/**
 * md_sim_reader_get_inserted:
 *
 * Returns: (nullable): the account whose card is in the reader
 */
const char *
md_sim_reader_get_inserted (MdSimReader *self)
{
  g_return_val_if_fail (MD_IS_SIM_READER (self), NULL);

  return self->inserted;
}

static gboolean
put_in (MdSimReader  *self,
        const char   *path,
        const char   *account_no,
        GError      **error)
{
  g_autoptr(MdSimCard) card = md_sim_card_load (path, error);

  if (card == NULL)
    return FALSE;
  md_sim_card_set_autosave (card, path);
  md_sim_link_insert (self->link, card);
  g_free (self->inserted);
  self->inserted = g_strdup (account_no);
  return TRUE;
}

/* A new blank card of @type kept in @path, put in the reader. */
static gboolean
insert_new (MdSimReader    *self,
            const char     *path,
            const char     *account_no,
            MdSimCardType   type,
            GError        **error)
{
  g_autoptr(MdSimCard) card = md_sim_card_new (type, NULL);

  if (!md_sim_card_save (card, path, error))
    return FALSE;
  return put_in (self, path, account_no, error);
}

/**
 * md_sim_reader_insert:
 * @session: who acts, for a card issued on first use
 *
 * Puts the account's card in the reader. An account that has none yet
 * gets a new emulated CPU card, issued to it (md_card_service_issue()).
 */
gboolean
md_sim_reader_insert (MdSimReader  *self,
                      MdSession    *session,
                      const char   *account_no,
                      GError      **error)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) issued = NULL;

  g_return_val_if_fail (MD_IS_SIM_READER (self), FALSE);
  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_code (account_no, _("account number"), error))
    return FALSE;
  md_sim_reader_remove (self);
  path = state_path (self, "card", account_no);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return put_in (self, path, account_no, error);

  if (!insert_new (self, path, account_no, MD_SIM_CARD_CPU, error))
    return FALSE;
  if (!(issued = md_card_service_issue (self->service, session, account_no, NULL, error)))
    {
      md_sim_reader_remove (self);
      g_unlink (path);
      return FALSE;
    }
  return TRUE;
}

/**
 * md_sim_reader_insert_blank:
 *
 * Puts a new blank card in the reader as the account's card from now on
 * (for a replacement, or an issue): the account's previous card is kept
 * aside, as the lost one.
 */
gboolean
md_sim_reader_insert_blank (MdSimReader    *self,
                            const char     *account_no,
                            MdSimCardType   type,
                            GError        **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (MD_IS_SIM_READER (self), FALSE);

  if (!md_validate_code (account_no, _("account number"), error))
    return FALSE;
  md_sim_reader_remove (self);
  path = state_path (self, "card", account_no);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autoptr(MdSimCard) old = md_sim_card_load (path, error);
      g_autofree char *name = NULL;
      g_autofree char *aside = NULL;
      GString *uid = g_string_new (NULL);

      if (old == NULL)
        {
          g_string_free (uid, TRUE);
          return FALSE;
        }
      for (guint i = 0; i < MD_SIM_UID_SIZE; i++)
        g_string_append_printf (uid, "%02X", md_sim_card_get_uid (old)[i]);
      name = g_strdup_printf ("lost-%s-%s.state", account_no, uid->str);
      g_string_free (uid, TRUE);
      aside = g_build_filename (self->dir, name, NULL);
      if (g_rename (path, aside) != 0)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Cannot move %s: %s"), path, g_strerror (saved));
          return FALSE;
        }
    }
  return insert_new (self, path, account_no, type, error);
}

/**
 * md_sim_reader_insert_tool:
 * @account_no: the account the technician's card is written for
 *
 * Puts a new blank card in the reader for a technician's card (a setting,
 * check or clear card), kept apart from the customer's card of
 * @account_no, which stays as it is.
 */
gboolean
md_sim_reader_insert_tool (MdSimReader    *self,
                           const char     *account_no,
                           MdSimCardType   type,
                           GError        **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (MD_IS_SIM_READER (self), FALSE);

  if (!md_validate_code (account_no, _("account number"), error))
    return FALSE;
  md_sim_reader_remove (self);
  path = state_path (self, "tool", account_no);
  return insert_new (self, path, NULL, type, error);
}

/**
 * md_sim_reader_remove:
 *
 * Takes the card out of the reader.
 */
void
md_sim_reader_remove (MdSimReader *self)
{
  g_return_if_fail (MD_IS_SIM_READER (self));

  md_sim_link_remove (self->link);
  g_clear_pointer (&self->inserted, g_free);
}

/**
 * md_sim_reader_meter_reads:
 * @meter_address: (nullable): the meter's address, for a meter that has
 *   not read a card yet
 * @out_result: (out) (transfer full) (optional): what the meter did and
 *   holds now: "result", "load_count", "remaining", "cumulative",
 *   "generation"
 *
 * The customer takes the account's card out of the reader (if it is
 * there) and puts it into the account's meter, which loads it and writes
 * its state back (docs/card-profiles.md "How a meter must process a card").
 */
gboolean
md_sim_reader_meter_reads (MdSimReader  *self,
                           const char   *account_no,
                           const char   *meter_address,
                           JsonNode    **out_result,
                           GError      **error)
{
  g_autofree char *card_path = NULL;
  g_autofree char *meter_path = NULL;
  g_autoptr(MdSimCard) card = NULL;
  g_autoptr(MdSimLink) link = NULL;
  g_autoptr(JsonBuilder) b = NULL;
  MdCardMeterResult result = MD_CARD_RESULT_NONE;
  MdSimMeter meter;

  g_return_val_if_fail (MD_IS_SIM_READER (self), FALSE);

  if (!md_validate_code (account_no, _("account number"), error))
    return FALSE;
  if (g_strcmp0 (self->inserted, account_no) == 0)
    md_sim_reader_remove (self);

  card_path = state_path (self, "card", account_no);
  meter_path = state_path (self, "meter", account_no);
  if (!(card = md_sim_card_load (card_path, error)))
    return FALSE;
  md_sim_card_set_autosave (card, card_path);
  if (g_file_test (meter_path, G_FILE_TEST_EXISTS))
    {
      if (!md_sim_meter_load (&meter, meter_path, error))
        return FALSE;
    }
  else
    md_sim_meter_init (&meter, meter_address);

  link = md_sim_link_new (card);
  if (!md_sim_meter_insert_card (&meter, MD_CARD_LINK (link), md_card_service_get_keys (self->service),
                                 &result, error) ||
      !md_sim_meter_save (&meter, meter_path, error))
    return FALSE;

  if (out_result != NULL)
    {
      b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "result");
      json_builder_add_string_value (b, md_card_meter_result_to_string (result));
      json_builder_set_member_name (b, "meter");
      json_builder_add_string_value (b, meter.meter_id);
      json_builder_set_member_name (b, "load_count");
      json_builder_add_int_value (b, meter.load_count);
      json_builder_set_member_name (b, "remaining");
      json_builder_add_int_value (b, meter.remaining);
      json_builder_set_member_name (b, "cumulative");
      json_builder_add_int_value (b, meter.cumulative);
      json_builder_set_member_name (b, "generation");
      json_builder_add_int_value (b, meter.generation);
      json_builder_end_object (b);
      *out_result = json_builder_get_root (b);
    }
  return TRUE;
}
