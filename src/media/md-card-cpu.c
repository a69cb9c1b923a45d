/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-card-private.h"

/*
 * The reference CPU card profile (docs/card-profiles.md "CPU card"): an
 * ISO 7816-4 file system with the serial in EF.GDO (2F02, tag 5A) and the
 * application DF 4D44 holding three transparent EFs: 0001 the issue record,
 * 0002 the two purchase slots, 0003 the meter's two write-back slots.
 * Files are selected by path from the MF (SELECT P1=08).
 */

#define CPU_DF       0x4D44
#define CPU_EF_GDO   0x2F02
#define CPU_EF_ISSUE 0x0001
#define CPU_EF_SLOTS 0x0002
#define CPU_EF_METER 0x0003

struct _MdCpuCardProfile
{
  GObject parent_instance;
};

#define MD_TYPE_CPU_CARD_PROFILE (md_cpu_card_profile_get_type ())
G_DECLARE_FINAL_TYPE (MdCpuCardProfile, md_cpu_card_profile, MD, CPU_CARD_PROFILE, GObject)

static void md_cpu_card_profile_iface_init (MdCardProfileInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MdCpuCardProfile, md_cpu_card_profile, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MD_TYPE_CARD_PROFILE,
                                                      md_cpu_card_profile_iface_init))

static gboolean
select_path (MdCardSession  *session,
             guint16         df,
             guint16         ef,
             GError        **error)
{
  guint8 apdu[9] = { 0x00, 0xA4, 0x08, 0x0C, 0 };
  g_autoptr(GBytes) response = NULL;
  gsize n = 5;
  guint16 sw = 0;

  if (session->current_ef == ef)
    return TRUE;
  if (df != 0)
    {
      apdu[n++] = df >> 8;
      apdu[n++] = df & 0xFF;
    }
  apdu[n++] = ef >> 8;
  apdu[n++] = ef & 0xFF;
  apdu[4] = n - 5;

  session->current_ef = 0;
  if (!(response = _md_card_transmit (session, apdu, n, &sw, error)))
    return FALSE;
  if (sw == 0x6A82)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_UNSUPPORTED,
                   _("The card has no Meterdesk application (file %04X missing)"), ef);
      return FALSE;
    }
  if (sw != 0x9000)
    {
      _md_card_status_error (error, sw, _("select a file"));
      return FALSE;
    }
  session->current_ef = ef;
  return TRUE;
}

/* READ BINARY of @want bytes from offset 0; a shorter file gives less. */
static gboolean
read_file (MdCardSession  *session,
           guint16         df,
           guint16         ef,
           guint8         *out,
           gsize           want,
           gsize          *out_len,
           GError        **error)
{
  guint8 apdu[5] = { 0x00, 0xB0, 0x00, 0x00, (guint8) want };
  g_autoptr(GBytes) response = NULL;
  const guint8 *r;
  guint16 sw = 0;
  gsize n;

  g_assert (want > 0 && want <= 255);

  if (!select_path (session, df, ef, error))
    return FALSE;
  if (!(response = _md_card_transmit (session, apdu, sizeof apdu, &sw, error)))
    return FALSE;
  if (sw != 0x9000 && sw != 0x6282)
    {
      _md_card_status_error (error, sw, _("read"));
      return FALSE;
    }
  r = g_bytes_get_data (response, &n);
  n = MIN (n - 2, want);
  memcpy (out, r, n);
  *out_len = n;
  return TRUE;
}

static const char *
cpu_get_name (MdCardProfile *profile)
{
  return "cpu";
}

/* Any processor card: memory cards answer with a short synchronous ATR
 * ("3B 04 …") and belong to the profiles tried before this one. Whether
 * the card carries the application is found at open. */
static gboolean
cpu_match_atr (MdCardProfile *profile,
               GBytes        *atr)
{
  gsize n;
  const guint8 *a = g_bytes_get_data (atr, &n);

  return n >= 3 && (a[0] == 0x3B || a[0] == 0x3F) && !(n == 6 && a[1] == 0x04);
}

static gboolean
cpu_open (MdCardProfile  *profile,
          MdCardSession  *session,
          GError        **error)
{
  guint8 gdo[10];
  gsize n = 0;

  session->current_ef = 0;
  if (!read_file (session, 0, CPU_EF_GDO, gdo, sizeof gdo, &n, error))
    return FALSE;
  if (n != sizeof gdo || gdo[0] != 0x5A || gdo[1] != MD_CARD_UID_SIZE)
    {
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_UNSUPPORTED,
                   _("The card has no serial number where a Meterdesk card keeps it"));
      return FALSE;
    }
  _md_card_set_uid (session, gdo + 2);
  return TRUE;
}

static gboolean
cpu_read_image (MdCardProfile  *profile,
                MdCardSession  *session,
                MdCardImage    *image,
                GError        **error)
{
  guint8 slots[2 * MD_CARD_METER_SIZE];
  gsize n = 0;

  if (!read_file (session, CPU_DF, CPU_EF_ISSUE, image->issue, MD_CARD_ISSUE_SIZE,
                  &image->issue_len, error))
    return FALSE;

  if (!read_file (session, CPU_DF, CPU_EF_SLOTS, slots, 2 * MD_CARD_PURCHASE_SIZE, &n, error))
    return FALSE;
  for (guint i = 0; i < 2; i++)
    {
      gsize at = i * MD_CARD_PURCHASE_SIZE;

      image->purchase_len[i] = n > at ? MIN (n - at, MD_CARD_PURCHASE_SIZE) : 0;
      memcpy (image->purchase[i], slots + at, image->purchase_len[i]);
    }

  if (!read_file (session, CPU_DF, CPU_EF_METER, slots, 2 * MD_CARD_METER_SIZE, &n, error))
    return FALSE;
  for (guint i = 0; i < 2; i++)
    {
      gsize at = i * MD_CARD_METER_SIZE;

      image->meter_len[i] = n > at ? MIN (n - at, MD_CARD_METER_SIZE) : 0;
      memcpy (image->meter[i], slots + at, image->meter_len[i]);
    }
  return TRUE;
}

static gboolean
cpu_write_area (MdCardProfile  *profile,
                MdCardSession  *session,
                MdCardArea      area,
                guint           slot,
                const guint8   *data,
                gsize           len,
                GError        **error)
{
  guint8 apdu[5 + 255] = { 0x00, 0xD6 };
  g_autoptr(GBytes) response = NULL;
  guint16 ef;
  gsize offset;
  guint16 sw = 0;

  switch (area)
    {
    case MD_CARD_AREA_ISSUE:
      ef = CPU_EF_ISSUE;
      offset = 0;
      break;
    case MD_CARD_AREA_PURCHASE:
      ef = CPU_EF_SLOTS;
      offset = slot * MD_CARD_PURCHASE_SIZE;
      break;
    case MD_CARD_AREA_METER:
    default:
      ef = CPU_EF_METER;
      offset = slot * MD_CARD_METER_SIZE;
      break;
    }
  g_assert (len <= 255);

  if (!select_path (session, CPU_DF, ef, error))
    return FALSE;
  apdu[2] = offset >> 8;
  apdu[3] = offset & 0xFF;
  apdu[4] = len;
  memcpy (apdu + 5, data, len);
  if (!(response = _md_card_transmit (session, apdu, 5 + len, &sw, error)))
    return FALSE;
  if (sw != 0x9000)
    {
      _md_card_status_error (error, sw, _("write"));
      return FALSE;
    }
  return TRUE;
}

/* The file system comes with the card (made when the card is personalised
 * at the factory); nothing to do once. */
static gboolean
cpu_personalize (MdCardProfile  *profile,
                 MdCardSession  *session,
                 GError        **error)
{
  return TRUE;
}

static void
md_cpu_card_profile_iface_init (MdCardProfileInterface *iface)
{
  iface->get_name = cpu_get_name;
  iface->match_atr = cpu_match_atr;
  iface->open = cpu_open;
  iface->read_image = cpu_read_image;
  iface->write_area = cpu_write_area;
  iface->personalize = cpu_personalize;
}

static void
md_cpu_card_profile_class_init (MdCpuCardProfileClass *klass)
{
}

static void
md_cpu_card_profile_init (MdCpuCardProfile *self)
{
}

/**
 * md_card_profile_new_cpu:
 *
 * Returns: (transfer full): the reference ISO 7816 CPU card profile
 */
MdCardProfile *
md_card_profile_new_cpu (void)
{
  return g_object_new (MD_TYPE_CPU_CARD_PROFILE, NULL);
}
