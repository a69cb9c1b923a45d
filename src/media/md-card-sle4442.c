/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <string.h>

#include "md-card-private.h"

/*
 * The reference SLE4442 profile (docs/card-profiles.md "SLE4442"), through
 * the ACS pseudo-APDUs (PROTOCOLS.md C). Main memory:
 *   00–03 ATR header, 04–07 maker's bytes (factory-protected)
 *   08–0F serial: the UID, write-protected at issue
 *   10–13 "MD", layout version, PSC state
 *   14–5B issue record, 5C–81 and 82–A7 purchase slots,
 *   A8–D3 and D4–FF the meter's write-back slots
 * The PSC is derived from the master key and the serial. The error
 * counter is read before every PRESENT_CODE, and the code is presented
 * only while 3 tries remain, unless a supervisor overrides.
 */

#define SLE_SERIAL_AT   0x08
#define SLE_MAGIC_AT    0x10
#define SLE_STATE_AT    0x13
#define SLE_ISSUE_AT    0x14
#define SLE_LAYOUT      0x01

/* The PSC state byte. A PSC change goes in three CHANGE_CODEs, one more
 * byte of the card's own PSC each; the byte says which step is under way,
 * so a torn change leaves one of only two codes. */
enum
{
  PSC_FACTORY = 0x00,
  PSC_PERSONALISED = 0x02,
  PSC_STEP = 0x10,   /* 0x11–0x13: changing to step 1–3 */
};

static const guint8 purchase_at[2] = { 0x5C, 0x82 };
static const guint8 meter_at[2] = { 0xA8, 0xD4 };
static const guint8 factory_psc[MD_CARD_PSC_SIZE] = { 0xFF, 0xFF, 0xFF };

struct _MdSle4442Profile
{
  GObject parent_instance;
};

#define MD_TYPE_SLE4442_PROFILE (md_sle4442_profile_get_type ())
G_DECLARE_FINAL_TYPE (MdSle4442Profile, md_sle4442_profile, MD, SLE4442_PROFILE, GObject)

static void md_sle4442_profile_iface_init (MdCardProfileInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MdSle4442Profile, md_sle4442_profile, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MD_TYPE_CARD_PROFILE,
                                                      md_sle4442_profile_iface_init))

static gboolean
read_memory (MdCardSession  *session,
             GError        **error)
{
  for (guint half = 0; half < 2; half++)
    {
      guint8 apdu[5] = { 0xFF, 0xB0, 0x00, half * 0x80, 0x80 };
      gsize n = 0;

      if (!_md_card_command (session, apdu, sizeof apdu, session->memory + half * 0x80, 0x80, &n,
                             error))
        return FALSE;
      if (n != 0x80)
        {
          g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_TRUNCATED,
                       _("The card answered %u bytes where 128 were asked"), (guint) n);
          return FALSE;
        }
    }
  session->memory_valid = TRUE;
  return TRUE;
}

static int
read_tries (MdCardSession  *session,
            GError        **error)
{
  static const guint8 apdu[5] = { 0xFF, 0xB1, 0x00, 0x00, 0x04 };
  guint8 data[4];
  gsize n = 0;

  if (!_md_card_command (session, apdu, sizeof apdu, data, sizeof data, &n, error))
    return -1;
  if (n < 1)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_TRUNCATED,
                   _("The card did not tell its PSC error counter"));
      return -1;
    }
  session->psc_tries = ((data[0] >> 0) & 1) + ((data[0] >> 1) & 1) + ((data[0] >> 2) & 1);
  return session->psc_tries;
}

static guint8
psc_state (MdCardSession *session)
{
  const guint8 *m = session->memory;

  if (m[SLE_MAGIC_AT] != 'M' || m[SLE_MAGIC_AT + 1] != 'D' || m[SLE_MAGIC_AT + 2] != SLE_LAYOUT)
    return PSC_FACTORY;
  if (m[SLE_STATE_AT] == PSC_PERSONALISED ||
      (m[SLE_STATE_AT] >= PSC_STEP + 1 && m[SLE_STATE_AT] <= PSC_STEP + 3))
    return m[SLE_STATE_AT];
  return PSC_FACTORY;
}

/* Step n of the change: the card's own PSC in its first n bytes, the
 * factory code in the others. */
static void
psc_at_step (const guint8 *derived,
             int           step,
             guint8        out[MD_CARD_PSC_SIZE])
{
  for (int i = 0; i < MD_CARD_PSC_SIZE; i++)
    out[i] = i < step ? derived[i] : factory_psc[i];
}

/* The PSC rule: the counter is read before every PRESENT_CODE; with fewer
 * than 3 tries left only a supervisor's override lets it through, and when
 * the code itself is uncertain (a PSC change was torn) the last try is kept
 * even then. */
static gboolean
authenticate (MdCardSession  *session,
              GError        **error)
{
  guint8 derived[MD_CARD_PSC_SIZE];
  guint8 candidates[2][MD_CARD_PSC_SIZE];
  int steps[2];
  guint n_candidates = 0;
  guint8 state;

  if (session->authenticated)
    return TRUE;
  if (!session->memory_valid && !read_memory (session, error))
    return FALSE;

  md_card_keys_derive_psc (session->keys, session->memory + SLE_SERIAL_AT, MD_CARD_UID_SIZE,
                           derived);
  state = psc_state (session);
  if (state == PSC_PERSONALISED)
    steps[n_candidates++] = 3;
  else if (state > PSC_STEP)
    {
      /* Torn in step n: the code is step n's or step n-1's. */
      steps[n_candidates++] = state - PSC_STEP;
      steps[n_candidates++] = state - PSC_STEP - 1;
    }
  else
    steps[n_candidates++] = 0;
  /* With a try already spent on an uncertain code, it was spent on the
   * first candidate: go for the other one first. */
  if (n_candidates == 2)
    {
      int tries = read_tries (session, error);

      if (tries < 0)
        return FALSE;
      if (tries < 3)
        {
          int first = steps[0];

          steps[0] = steps[1];
          steps[1] = first;
        }
    }
  for (guint i = 0; i < n_candidates; i++)
    psc_at_step (derived, steps[i], candidates[i]);

  for (guint i = 0; i < n_candidates; i++)
    {
      guint8 apdu[8] = { 0xFF, 0x20, 0x00, 0x00, 0x03 };
      g_autoptr(GBytes) response = NULL;
      gboolean override = (session->flags & MD_CARD_SESSION_SUPERVISOR_OVERRIDE) != 0;
      const guint8 *r;
      guint16 sw = 0;
      int tries;
      gsize n;

      if ((tries = read_tries (session, error)) < 0)
        return FALSE;
      if (tries == 0)
        {
          g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_LOCKED,
                       _("The card is locked for good: its PSC was refused three times"));
          return FALSE;
        }
      if (tries < 3 && (!override || (n_candidates > 1 && tries < 2)))
        {
          g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_PSC_TRIES,
                       override
                         ? _("Only %d PSC try is left and the card's PSC is uncertain; the card "
                             "is not written, to keep it from locking")
                         : _("Only %d of 3 PSC tries are left on this card; writing it needs a "
                             "supervisor"), tries);
          return FALSE;
        }

      memcpy (apdu + 5, candidates[i], MD_CARD_PSC_SIZE);
      response = _md_card_transmit (session, apdu, sizeof apdu, &sw, error);
      sodium_memzero (apdu + 5, MD_CARD_PSC_SIZE);
      if (response == NULL)
        return FALSE;
      r = g_bytes_get_data (response, &n);
      if (r[n - 2] != 0x90)
        {
          _md_card_status_error (error, sw, _("check the PSC"));
          return FALSE;
        }
      if ((r[n - 1] & 0x07) == 0x07)
        {
          session->authenticated = TRUE;
          session->psc_step = steps[i];
          session->psc_tries = 3;
          sodium_memzero (derived, sizeof derived);
          sodium_memzero (candidates, sizeof candidates);
          return TRUE;
        }
      g_debug ("PSC candidate %u refused, counter now %02X", i, r[n - 1]);
    }
  sodium_memzero (derived, sizeof derived);
  g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_PSC_REJECTED,
               _("The card refused this site's PSC: issued by another site, or altered"));
  return FALSE;
}

static gboolean
write_memory (MdCardSession  *session,
              guint8          ins,
              guint8          addr,
              const guint8   *data,
              gsize           len,
              GError        **error)
{
  guint8 apdu[5 + 255] = { 0xFF, ins, 0x00, addr, (guint8) len };

  g_assert (len > 0 && len <= 255 && addr + len <= 256);

  if (!authenticate (session, error))
    return FALSE;
  memcpy (apdu + 5, data, len);
  session->memory_valid = FALSE;
  return _md_card_command (session, apdu, 5 + len, NULL, 0, NULL, error);
}

static const char *
sle_get_name (MdCardProfile *profile)
{
  return "sle4442";
}

/* The ATR an ACS reader reports for an SLE4442 (and its clones): the
 * card's 4-byte synchronous ATR A2 13 10 91 behind 3B 04. */
static gboolean
sle_match_atr (MdCardProfile *profile,
               GBytes        *atr)
{
  static const guint8 sle[6] = { 0x3B, 0x04, 0xA2, 0x13, 0x10, 0x91 };
  gsize n;
  const guint8 *a = g_bytes_get_data (atr, &n);

  return n == sizeof sle && memcmp (a, sle, sizeof sle) == 0;
}

static gboolean
sle_open (MdCardProfile  *profile,
          MdCardSession  *session,
          GError        **error)
{
  static const guint8 select[6] = { 0xFF, 0xA4, 0x00, 0x00, 0x01, 0x06 };

  if (!_md_card_command (session, select, sizeof select, NULL, 0, NULL, error) ||
      !read_memory (session, error) || read_tries (session, error) < 0)
    return FALSE;
  _md_card_set_uid (session, session->memory + SLE_SERIAL_AT);
  return TRUE;
}

static gboolean
sle_read_image (MdCardProfile  *profile,
                MdCardSession  *session,
                MdCardImage    *image,
                GError        **error)
{
  if (!session->memory_valid && !read_memory (session, error))
    return FALSE;

  memcpy (image->issue, session->memory + SLE_ISSUE_AT, MD_CARD_ISSUE_SIZE);
  image->issue_len = MD_CARD_ISSUE_SIZE;
  for (guint i = 0; i < 2; i++)
    {
      memcpy (image->purchase[i], session->memory + purchase_at[i], MD_CARD_PURCHASE_SIZE);
      image->purchase_len[i] = MD_CARD_PURCHASE_SIZE;
      memcpy (image->meter[i], session->memory + meter_at[i], MD_CARD_METER_SIZE);
      image->meter_len[i] = MD_CARD_METER_SIZE;
    }
  return TRUE;
}

static gboolean
sle_write_area (MdCardProfile  *profile,
                MdCardSession  *session,
                MdCardArea      area,
                guint           slot,
                const guint8   *data,
                gsize           len,
                GError        **error)
{
  guint8 addr;

  switch (area)
    {
    case MD_CARD_AREA_ISSUE:
      addr = SLE_ISSUE_AT;
      break;
    case MD_CARD_AREA_PURCHASE:
      addr = purchase_at[slot];
      break;
    case MD_CARD_AREA_METER:
    default:
      addr = meter_at[slot];
      break;
    }
  return write_memory (session, 0xD0, addr, data, len, error);
}

/* Once per card, at its first issue: a serial if the card came without
 * one, the serial write-protected (irreversibly), and the factory PSC
 * replaced by the card's own, one byte per CHANGE_CODE with the step
 * recorded before each, so a torn change leaves one of two known codes. */
static gboolean
sle_personalize (MdCardProfile  *profile,
                 MdCardSession  *session,
                 GError        **error)
{
  static const guint8 read_prot[5] = { 0xFF, 0xB2, 0x00, 0x00, 0x04 };
  guint8 serial[MD_CARD_UID_SIZE];
  guint8 prot[4];
  guint8 state;
  gboolean changed;
  gsize n = 0;

  if (!authenticate (session, error))
    return FALSE;
  if (!session->memory_valid && !read_memory (session, error))
    return FALSE;
  memcpy (serial, session->memory + SLE_SERIAL_AT, MD_CARD_UID_SIZE);
  state = psc_state (session);

  if (!_md_card_command (session, read_prot, sizeof read_prot, prot, sizeof prot, &n, error))
    return FALSE;
  if (prot[1] != 0x00)
    {
      if (md_card_record_is_empty (serial, MD_CARD_UID_SIZE))
        {
          g_random_set_seed (g_random_int () ^ (guint32) g_get_real_time ());
          for (guint i = 0; i < MD_CARD_UID_SIZE; i++)
            serial[i] = g_random_int_range (0, 256);
          if (!write_memory (session, 0xD0, SLE_SERIAL_AT, serial, sizeof serial, error))
            return FALSE;
        }
      if (!write_memory (session, 0xD1, SLE_SERIAL_AT, serial, sizeof serial, error))
        return FALSE;
      _md_card_set_uid (session, serial);
    }

  changed = session->psc_step < 3;
  if (changed)
    {
      guint8 derived[MD_CARD_PSC_SIZE];

      md_card_keys_derive_psc (session->keys, serial, sizeof serial, derived);
      for (int step = session->psc_step + 1; step <= 3; step++)
        {
          guint8 magic[4] = { 'M', 'D', SLE_LAYOUT, PSC_STEP + step };
          guint8 change[8] = { 0xFF, 0xD2, 0x00, 0x01, 0x03 };
          gboolean ok;

          psc_at_step (derived, step, change + 5);
          ok = write_memory (session, 0xD0, SLE_MAGIC_AT, magic, sizeof magic, error) &&
               _md_card_command (session, change, sizeof change, NULL, 0, NULL, error);
          sodium_memzero (change + 5, MD_CARD_PSC_SIZE);
          if (!ok)
            {
              sodium_memzero (derived, sizeof derived);
              return FALSE;
            }
          session->psc_step = step;
        }
      sodium_memzero (derived, sizeof derived);
    }
  if (state != PSC_PERSONALISED || changed)
    {
      guint8 magic[4] = { 'M', 'D', SLE_LAYOUT, PSC_PERSONALISED };

      if (!write_memory (session, 0xD0, SLE_MAGIC_AT, magic, sizeof magic, error))
        return FALSE;
    }
  return TRUE;
}

static void
md_sle4442_profile_iface_init (MdCardProfileInterface *iface)
{
  iface->get_name = sle_get_name;
  iface->match_atr = sle_match_atr;
  iface->open = sle_open;
  iface->read_image = sle_read_image;
  iface->write_area = sle_write_area;
  iface->personalize = sle_personalize;
}

static void
md_sle4442_profile_class_init (MdSle4442ProfileClass *klass)
{
}

static void
md_sle4442_profile_init (MdSle4442Profile *self)
{
}

/**
 * md_card_profile_new_sle4442:
 *
 * Returns: (transfer full): the reference SLE4442 memory card profile
 */
MdCardProfile *
md_card_profile_new_sle4442 (void)
{
  return g_object_new (MD_TYPE_SLE4442_PROFILE, NULL);
}
