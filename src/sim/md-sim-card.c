/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-sim-card-private.h"

#include <gio/gio.h>
#include <string.h>

/*
 * The card emulator: an SLE4442 behind ACS pseudo-APDUs, or an ISO 7816-4
 * CPU card. Its whole state lives in one key file, rewritten atomically
 * (write, fsync, rename) after every change, so a card "taken out" at any
 * moment keeps exactly what it had.
 */

G_DEFINE_FINAL_TYPE (MdSimCard, md_sim_card, G_TYPE_OBJECT)

GBytes *
_md_sim_sw (guint16 sw)
{
  guint8 r[2] = { sw >> 8, sw & 0xFF };

  return g_bytes_new (r, 2);
}

GBytes *
_md_sim_data_sw (const guint8 *data,
                 gsize         len,
                 guint16       sw)
{
  guint8 *r = g_malloc (len + 2);

  memcpy (r, data, len);
  r[len] = sw >> 8;
  r[len + 1] = sw & 0xFF;
  return g_bytes_new_take (r, len + 2);
}

static void
sim_file_free (gpointer data)
{
  SimFile *file = data;

  g_clear_pointer (&file->data, g_byte_array_unref);
  g_free (file);
}

static void
md_sim_card_finalize (GObject *object)
{
  MdSimCard *self = MD_SIM_CARD (object);

  g_clear_pointer (&self->files, g_ptr_array_unref);
  g_clear_error (&self->save_error);
  g_free (self->autosave);
  G_OBJECT_CLASS (md_sim_card_parent_class)->finalize (object);
}

static void
md_sim_card_class_init (MdSimCardClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = md_sim_card_finalize;
}

static void
md_sim_card_init (MdSimCard *self)
{
  self->files = g_ptr_array_new_with_free_func (sim_file_free);
}

/**
 * md_sim_card_new:
 * @uid: (nullable) (array fixed-size=8): the serial; %NULL for a random one.
 *   For an SLE4442, eight FF bytes make a card that came without a serial
 *
 * A card as it leaves the factory: an SLE4442 with the factory PSC FF FF FF,
 * 3 tries, bytes 00–07 protected; a CPU card with its file system made and
 * empty.
 *
 * Returns: (transfer full): the card, powered off
 */
MdSimCard *
md_sim_card_new (MdSimCardType  type,
                 const guint8  *uid)
{
  MdSimCard *self = g_object_new (MD_TYPE_SIM_CARD, NULL);

  self->type = type;
  if (uid != NULL)
    memcpy (self->uid, uid, MD_SIM_UID_SIZE);
  else
    for (guint i = 0; i < MD_SIM_UID_SIZE; i++)
      self->uid[i] = g_random_int_range (0, 256);

  if (type == MD_SIM_CARD_SLE4442)
    _md_sim_sle_factory (self);
  else
    _md_sim_cpu_factory (self);
  return self;
}

gboolean
md_sim_card_parse_type (const char    *text,
                        MdSimCardType *out_type)
{
  if (g_strcmp0 (text, "cpu") == 0)
    *out_type = MD_SIM_CARD_CPU;
  else if (g_strcmp0 (text, "sle4442") == 0)
    *out_type = MD_SIM_CARD_SLE4442;
  else
    return FALSE;
  return TRUE;
}

static char *
to_hex (const guint8 *bytes,
        gsize         len)
{
  char *s = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    g_snprintf (s + 2 * i, 3, "%02X", bytes[i]);
  return s;
}

static GByteArray *
from_hex (const char *text)
{
  GByteArray *out;
  gsize n;

  if (text == NULL || (n = strlen (text)) % 2 != 0)
    return NULL;
  out = g_byte_array_sized_new (n / 2);
  for (gsize i = 0; i < n; i += 2)
    {
      int hi = g_ascii_xdigit_value (text[i]);
      int lo = g_ascii_xdigit_value (text[i + 1]);
      guint8 b;

      if (hi < 0 || lo < 0)
        {
          g_byte_array_unref (out);
          return NULL;
        }
      b = (guint8) (hi << 4 | lo);
      g_byte_array_append (out, &b, 1);
    }
  return out;
}

static gboolean
bad_state (GError     **error,
           const char  *path,
           const char  *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: bad card state (%s)", path, what);
  return FALSE;
}

/**
 * md_sim_card_load:
 *
 * Returns: (transfer full): the card kept in @path
 */
MdSimCard *
md_sim_card_load (const char  *path,
                  GError     **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(MdSimCard) self = NULL;
  g_autofree char *type = NULL;
  g_autofree char *uid = NULL;
  g_autoptr(GByteArray) uid_bytes = NULL;
  MdSimCardType card_type;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    return NULL;
  type = g_key_file_get_string (kf, "card", "type", NULL);
  uid = g_key_file_get_string (kf, "card", "uid", NULL);
  uid_bytes = from_hex (uid);
  if (!md_sim_card_parse_type (type, &card_type) || uid_bytes == NULL ||
      uid_bytes->len != MD_SIM_UID_SIZE)
    {
      bad_state (error, path, "type or uid");
      return NULL;
    }
  self = md_sim_card_new (card_type, uid_bytes->data);

  if (card_type == MD_SIM_CARD_SLE4442)
    {
      g_autofree char *memory = g_key_file_get_string (kf, "sle4442", "memory", NULL);
      g_autofree char *prot = g_key_file_get_string (kf, "sle4442", "protection", NULL);
      g_autofree char *psc = g_key_file_get_string (kf, "sle4442", "psc", NULL);
      g_autoptr(GByteArray) m = from_hex (memory);
      g_autoptr(GByteArray) p = from_hex (prot);
      g_autoptr(GByteArray) c = from_hex (psc);
      gint64 errcnt = g_key_file_get_int64 (kf, "sle4442", "errcnt", NULL);

      if (m == NULL || m->len != SLE_SIZE || p == NULL || p->len != 4 || c == NULL ||
          c->len != 3 || errcnt < 0 || errcnt > 7)
        {
          bad_state (error, path, "sle4442");
          return NULL;
        }
      memcpy (self->memory, m->data, SLE_SIZE);
      self->protection = (guint32) p->data[0] | (guint32) p->data[1] << 8 |
                         (guint32) p->data[2] << 16 | (guint32) p->data[3] << 24;
      memcpy (self->psc, c->data, 3);
      self->errcnt = errcnt;
    }
  else
    {
      for (guint i = 0; i < self->files->len; i++)
        {
          SimFile *file = self->files->pdata[i];
          g_autofree char *key = NULL;
          g_autofree char *value = NULL;
          GByteArray *data;

          if (file->is_df)
            continue;
          key = g_strdup_printf ("ef-%04X", file->fid);
          value = g_key_file_get_string (kf, "cpu", key, NULL);
          if (value == NULL || (data = from_hex (value)) == NULL)
            {
              bad_state (error, path, key);
              return NULL;
            }
          g_byte_array_unref (file->data);
          file->data = data;
        }
    }
  return g_steal_pointer (&self);
}

/**
 * md_sim_card_save:
 *
 * Writes the whole card to @path atomically: a temporary file, fsync, then
 * rename over the old one.
 */
gboolean
md_sim_card_save (MdSimCard   *self,
                  const char  *path,
                  GError     **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *uid = to_hex (self->uid, MD_SIM_UID_SIZE);
  g_autofree char *data = NULL;
  gsize len = 0;

  g_key_file_set_string (kf, "card", "type",
                         self->type == MD_SIM_CARD_SLE4442 ? "sle4442" : "cpu");
  g_key_file_set_string (kf, "card", "uid", uid);
  if (self->type == MD_SIM_CARD_SLE4442)
    {
      guint8 p[4] = { self->protection, self->protection >> 8, self->protection >> 16,
                      self->protection >> 24 };
      g_autofree char *memory = to_hex (self->memory, SLE_SIZE);
      g_autofree char *prot = to_hex (p, 4);
      g_autofree char *psc = to_hex (self->psc, 3);

      g_key_file_set_string (kf, "sle4442", "memory", memory);
      g_key_file_set_string (kf, "sle4442", "protection", prot);
      g_key_file_set_string (kf, "sle4442", "psc", psc);
      g_key_file_set_int64 (kf, "sle4442", "errcnt", self->errcnt);
    }
  else
    for (guint i = 0; i < self->files->len; i++)
      {
        SimFile *file = self->files->pdata[i];
        g_autofree char *key = NULL;
        g_autofree char *value = NULL;

        if (file->is_df)
          continue;
        key = g_strdup_printf ("ef-%04X", file->fid);
        value = to_hex (file->data->data, file->data->len);
        g_key_file_set_string (kf, "cpu", key, value);
      }

  data = g_key_file_to_data (kf, &len, NULL);
  return g_file_set_contents_full (path, data, len,
                                   G_FILE_SET_CONTENTS_CONSISTENT |
                                   G_FILE_SET_CONTENTS_DURABLE, 0600, error);
}

/**
 * md_sim_card_set_autosave:
 * @path: (nullable): where every change is saved, %NULL for none
 */
void
md_sim_card_set_autosave (MdSimCard  *self,
                          const char *path)
{
  g_free (self->autosave);
  self->autosave = g_strdup (path);
}

/**
 * md_sim_card_changed:
 *
 * Saves the card when it autosaves. The first failure is kept for
 * md_sim_card_take_save_error().
 */
void
md_sim_card_changed (MdSimCard *self)
{
  g_autoptr(GError) error = NULL;

  if (self->autosave == NULL)
    return;
  if (!md_sim_card_save (self, self->autosave, &error) && self->save_error == NULL)
    self->save_error = g_steal_pointer (&error);
}

/**
 * md_sim_card_take_save_error:
 *
 * Returns: (transfer full) (nullable): the first autosave failure
 */
GError *
md_sim_card_take_save_error (MdSimCard *self)
{
  return g_steal_pointer (&self->save_error);
}

MdSimCardType
md_sim_card_get_card_type (MdSimCard *self)
{
  return self->type;
}

const guint8 *
md_sim_card_get_uid (MdSimCard *self)
{
  return self->uid;
}

/**
 * md_sim_card_get_atr:
 *
 * The SLE4442's is what ACS readers report for it, 3B 04 A2 13 10 91 (the
 * card's synchronous ATR A2 13 10 91; listed as "SLE 4442" in
 * pcsc-tools' smartcard_list.txt). The CPU card's is our own: T=0 and
 * T=1, historical bytes 00 "MDCARD" 00 90 00, with its TCK.
 *
 * Returns: (transfer full): the ATR
 */
GBytes *
md_sim_card_get_atr (MdSimCard *self)
{
  static const guint8 sle[] = { 0x3B, 0x04, 0xA2, 0x13, 0x10, 0x91 };
  guint8 cpu[] = { 0x3B, 0x8A, 0x80, 0x01, 0x00, 'M', 'D', 'C', 'A', 'R', 'D', 0x00, 0x90, 0x00,
                   0x00 };
  guint8 tck = 0;

  if (self->type == MD_SIM_CARD_SLE4442)
    return g_bytes_new_static (sle, sizeof sle);
  for (gsize i = 1; i < sizeof cpu - 1; i++)
    tck ^= cpu[i];
  cpu[sizeof cpu - 1] = tck;
  return g_bytes_new (cpu, sizeof cpu);
}

/* Power and reset end the card session: an SLE4442 forgets its PSC
 * check and card type, a CPU card its current file. */
void
md_sim_card_power_on (MdSimCard *self)
{
  self->powered = TRUE;
  self->type_selected = FALSE;
  self->authenticated = FALSE;
  self->current_df = MD_SIM_CPU_MF;
  self->current_ef = 0;
}

void
md_sim_card_power_off (MdSimCard *self)
{
  self->powered = FALSE;
  self->type_selected = FALSE;
  self->authenticated = FALSE;
  self->current_df = MD_SIM_CPU_MF;
  self->current_ef = 0;
}

void
md_sim_card_reset (MdSimCard *self)
{
  md_sim_card_power_on (self);
}

/**
 * md_sim_card_process:
 * @apdu: (array length=len): a command APDU
 *
 * Returns: (transfer full): the response APDU
 */
GBytes *
md_sim_card_process (MdSimCard    *self,
                     const guint8 *apdu,
                     gsize         len)
{
  self->apdu_count++;
  if (len >= 2)
    self->ins_count[apdu[1]]++;
  if (!self->powered)
    md_sim_card_power_on (self);
  if (len < 4)
    return _md_sim_sw (0x6700);
  if (self->type == MD_SIM_CARD_SLE4442)
    return _md_sim_sle_process (self, apdu, len);
  return _md_sim_cpu_process (self, apdu, len);
}

/**
 * md_sim_card_tear:
 * @rand: decides how much of the write lands
 *
 * The card loses power in the middle of @apdu: a write lands only in part
 * (a prefix of its bytes, anywhere from none to all), an SLE4442's PSC
 * check has already spent a try. No response is given.
 */
void
md_sim_card_tear (MdSimCard    *self,
                  const guint8 *apdu,
                  gsize         len,
                  GRand        *rand)
{
  self->apdu_count++;
  if (len >= 2)
    self->ins_count[apdu[1]]++;
  if (len >= 4)
    {
      if (self->type == MD_SIM_CARD_SLE4442)
        _md_sim_sle_tear (self, apdu, len, rand);
      else
        _md_sim_cpu_tear (self, apdu, len, rand);
    }
  md_sim_card_power_off (self);
}

guint
md_sim_card_get_apdu_count (MdSimCard *self)
{
  return self->apdu_count;
}

/**
 * md_sim_card_count_ins:
 *
 * Returns: how many APDUs with instruction byte @ins the card received
 */
guint
md_sim_card_count_ins (MdSimCard *self,
                       guint8     ins)
{
  return self->ins_count[ins];
}

/**
 * md_sim_card_sle_memory:
 *
 * Returns: (array fixed-size=256): the SLE4442's main memory, writable;
 *   call md_sim_card_changed() after a change
 */
guint8 *
md_sim_card_sle_memory (MdSimCard *self)
{
  return self->memory;
}

guint32
md_sim_card_sle_get_protection (MdSimCard *self)
{
  return self->protection;
}

guint8
md_sim_card_sle_get_errcnt (MdSimCard *self)
{
  return self->errcnt;
}

void
md_sim_card_sle_set_errcnt (MdSimCard *self,
                            guint8     errcnt)
{
  self->errcnt = errcnt & 0x07;
  md_sim_card_changed (self);
}

void
md_sim_card_sle_set_psc (MdSimCard    *self,
                         const guint8 *psc)
{
  memcpy (self->psc, psc, 3);
  md_sim_card_changed (self);
}

/**
 * md_sim_card_cpu_file:
 *
 * Returns: (transfer none) (nullable): the content of EF @fid, writable
 *   (its length is the file's size); call md_sim_card_changed() after
 */
GByteArray *
md_sim_card_cpu_file (MdSimCard *self,
                      guint16    fid)
{
  for (guint i = 0; i < self->files->len; i++)
    {
      SimFile *file = self->files->pdata[i];

      if (!file->is_df && file->fid == fid)
        return file->data;
    }
  return NULL;
}
