/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-card-keys.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct _MdCardKeys
{
  guint8 *master;   /* sodium_malloc'd, read-only between uses */
};

/* Labels of the derivations (docs/card-profiles.md "Keys"). */
static const char card_key_label[] = "meterdesk/card-key/v1";
static const char psc_label[] = "meterdesk/sle4442-psc/v1";

static void
ensure_sodium (void)
{
  if (sodium_init () < 0)
    g_error ("libsodium cannot be initialised");
}

static MdCardKeys *
keys_alloc (void)
{
  MdCardKeys *keys = g_new0 (MdCardKeys, 1);

  ensure_sodium ();
  keys->master = sodium_malloc (MD_CARD_MASTER_KEY_SIZE);
  if (keys->master == NULL)
    g_error ("cannot allocate locked memory for the card master key");
  return keys;
}

/**
 * md_card_keys_default_path:
 *
 * Returns: (transfer full): `$XDG_CONFIG_HOME/meterdesk/card-master.key`, the
 *   key of a desktop install; the daemon keeps its own under
 *   /var/lib/meterdesk and passes that path instead
 */
char *
md_card_keys_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "meterdesk", "card-master.key", NULL);
}

static gboolean
set_errno_error (GError     **error,
                 int          saved,
                 const char  *what,
                 const char  *path)
{
  g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_KEYS,
               /* Translators: "Cannot create the card master key file /x: Permission denied" */
               "%s %s: %s", what, path, g_strerror (saved));
  return FALSE;
}

/**
 * md_card_keys_create:
 * @path: where the key goes; never overwritten
 *
 * Makes a new site master key: 32 random bytes in a file of mode 0600,
 * inside a directory of mode 0700 (made when missing, tightened when it
 * exists). Refuses when @path exists: a lost master key makes every card
 * of the site unreadable, so it is never replaced by accident.
 *
 * Returns: %TRUE once the key is on disk (synced)
 */
gboolean
md_card_keys_create (const char  *path,
                     GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *tmp = NULL;
  guint8 *key;
  int fd;
  gsize done = 0;
  int saved;

  g_return_val_if_fail (path != NULL, FALSE);

  ensure_sodium ();
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    return set_errno_error (error, errno, _("Cannot make the key directory"), dir);
  if (g_chmod (dir, 0700) != 0)
    return set_errno_error (error, errno, _("Cannot protect the key directory"), dir);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_KEYS,
                   _("The card master key %s exists already; it is never replaced"), path);
      return FALSE;
    }

  tmp = g_strdup_printf ("%s.new-%u", path, g_random_int ());
  fd = g_open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_errno_error (error, errno, _("Cannot create the card master key file"), tmp);

  key = sodium_malloc (MD_CARD_MASTER_KEY_SIZE);
  if (key == NULL)
    g_error ("cannot allocate locked memory for the card master key");
  randombytes_buf (key, MD_CARD_MASTER_KEY_SIZE);
  while (done < MD_CARD_MASTER_KEY_SIZE)
    {
      ssize_t n = write (fd, key + done, MD_CARD_MASTER_KEY_SIZE - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += n;
    }
  saved = errno;
  sodium_free (key);
  if (done != MD_CARD_MASTER_KEY_SIZE || fsync (fd) != 0)
    {
      saved = done != MD_CARD_MASTER_KEY_SIZE ? saved : errno;
      close (fd);
      g_unlink (tmp);
      return set_errno_error (error, saved, _("Cannot write the card master key file"), tmp);
    }
  close (fd);

  /* link() and not rename(): an existing key is never replaced, even by a
   * racing second call. */
  if (link (tmp, path) != 0)
    {
      saved = errno;
      g_unlink (tmp);
      return set_errno_error (error, saved, _("Cannot create the card master key file"), path);
    }
  g_unlink (tmp);

  fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
  return TRUE;
}

/**
 * md_card_keys_load:
 * @path: the key file
 *
 * Reads the master key into locked memory. Refuses a file that others
 * than its owner may read or write, or that is not exactly 32 bytes. The
 * key is never logged.
 *
 * Returns: (transfer full): the keys, free with md_card_keys_free()
 */
MdCardKeys *
md_card_keys_load (const char  *path,
                   GError     **error)
{
  g_autoptr(MdCardKeys) keys = NULL;
  struct stat st;
  gsize done = 0;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0)
    {
      set_errno_error (error, errno, _("Cannot open the card master key file"), path);
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_KEYS,
                   _("The card master key %s is not a regular file"), path);
      return NULL;
    }
  if ((st.st_mode & 077) != 0)
    {
      close (fd);
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_KEYS,
                   _("The card master key %s may be read by others (mode %03o); "
                     "make it mode 600"), path, (guint) (st.st_mode & 0777));
      return NULL;
    }
  if (st.st_size != MD_CARD_MASTER_KEY_SIZE)
    {
      close (fd);
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_KEYS,
                   _("The card master key %s is not a key (it must be 32 bytes)"), path);
      return NULL;
    }

  keys = keys_alloc ();
  while (done < MD_CARD_MASTER_KEY_SIZE)
    {
      ssize_t n = read (fd, keys->master + done, MD_CARD_MASTER_KEY_SIZE - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += n;
    }
  close (fd);
  if (done != MD_CARD_MASTER_KEY_SIZE)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_KEYS,
                   _("The card master key %s could not be read whole"), path);
      return NULL;
    }
  sodium_mprotect_readonly (keys->master);
  return g_steal_pointer (&keys);
}

/**
 * md_card_keys_new_from_data:
 * @master: (array length=master_len): the 32-byte master key
 *
 * For tests and the simulators: keys from bytes already in memory. The
 * caller wipes its copy.
 *
 * Returns: (transfer full): the keys
 */
MdCardKeys *
md_card_keys_new_from_data (const guint8 *master,
                            gsize         master_len)
{
  MdCardKeys *keys;

  g_return_val_if_fail (master != NULL && master_len == MD_CARD_MASTER_KEY_SIZE, NULL);

  keys = keys_alloc ();
  memcpy (keys->master, master, MD_CARD_MASTER_KEY_SIZE);
  sodium_mprotect_readonly (keys->master);
  return keys;
}

/**
 * md_card_keys_copy:
 *
 * Returns: (transfer full): a second holder of the same key, for another
 *   object's lifetime
 */
MdCardKeys *
md_card_keys_copy (const MdCardKeys *keys)
{
  g_return_val_if_fail (keys != NULL, NULL);

  return md_card_keys_new_from_data (keys->master, MD_CARD_MASTER_KEY_SIZE);
}

void
md_card_keys_free (MdCardKeys *keys)
{
  if (keys == NULL)
    return;
  sodium_free (keys->master);   /* wipes it */
  g_free (keys);
}

/* K_card = HMAC-SHA-256(K_master, label || 0x00 || len(uid) || uid) */
static void
derive (const MdCardKeys *keys,
        const char       *label,
        const guint8     *id,
        gsize             id_len,
        guint8            out[crypto_auth_hmacsha256_BYTES])
{
  crypto_auth_hmacsha256_state st;
  guint8 len = (guint8) id_len;
  guint8 zero = 0;

  crypto_auth_hmacsha256_init (&st, keys->master, MD_CARD_MASTER_KEY_SIZE);
  crypto_auth_hmacsha256_update (&st, (const guint8 *) label, strlen (label));
  crypto_auth_hmacsha256_update (&st, &zero, 1);
  crypto_auth_hmacsha256_update (&st, &len, 1);
  crypto_auth_hmacsha256_update (&st, id, id_len);
  crypto_auth_hmacsha256_final (&st, out);
  sodium_memzero (&st, sizeof st);
}

/**
 * md_card_keys_mac:
 * @uid: (array length=uid_len): the card's UID (≤ 255 bytes)
 * @domain: 4 bytes naming the record type
 * @data: (array length=data_len): the record without its MAC
 * @bind: (array length=bind_len) (nullable): bytes the record is bound to (the
 *   issue record's MAC)
 * @mac: (out caller-allocates): HMAC-SHA-256 under the card key, first 16 bytes
 *
 * The MAC of a card record: HMAC-SHA-256(K_card, domain || data || bind)
 * truncated to 16 bytes, K_card diversified from the master key by @uid.
 */
void
md_card_keys_mac (const MdCardKeys *keys,
                  const guint8     *uid,
                  gsize             uid_len,
                  const guint8     *domain,
                  const guint8     *data,
                  gsize             data_len,
                  const guint8     *bind,
                  gsize             bind_len,
                  guint8            mac[MD_CARD_MAC_SIZE])
{
  crypto_auth_hmacsha256_state st;
  guint8 card_key[crypto_auth_hmacsha256_BYTES];
  guint8 full[crypto_auth_hmacsha256_BYTES];

  g_return_if_fail (keys != NULL && uid != NULL && uid_len <= 255);

  derive (keys, card_key_label, uid, uid_len, card_key);
  crypto_auth_hmacsha256_init (&st, card_key, sizeof card_key);
  crypto_auth_hmacsha256_update (&st, domain, 4);
  crypto_auth_hmacsha256_update (&st, data, data_len);
  if (bind != NULL && bind_len > 0)
    crypto_auth_hmacsha256_update (&st, bind, bind_len);
  crypto_auth_hmacsha256_final (&st, full);
  memcpy (mac, full, MD_CARD_MAC_SIZE);
  sodium_memzero (&st, sizeof st);
  sodium_memzero (card_key, sizeof card_key);
  sodium_memzero (full, sizeof full);
}

/**
 * md_card_keys_derive_psc:
 * @serial: (array length=serial_len): the SLE4442's serial
 * @psc: (out caller-allocates): the card's PSC
 *
 * PSC = first 3 bytes of HMAC-SHA-256(K_master, "meterdesk/sle4442-psc/v1" ||
 * 0x00 || len || serial); a result of FF FF FF (the factory PSC) has its
 * last byte flipped, so a personalised card never keeps the factory code.
 */
void
md_card_keys_derive_psc (const MdCardKeys *keys,
                         const guint8     *serial,
                         gsize             serial_len,
                         guint8            psc[MD_CARD_PSC_SIZE])
{
  guint8 full[crypto_auth_hmacsha256_BYTES];

  g_return_if_fail (keys != NULL && serial != NULL && serial_len <= 255);

  derive (keys, psc_label, serial, serial_len, full);
  memcpy (psc, full, MD_CARD_PSC_SIZE);
  if (psc[0] == 0xFF && psc[1] == 0xFF && psc[2] == 0xFF)
    psc[2] = 0xFE;
  sodium_memzero (full, sizeof full);
}
