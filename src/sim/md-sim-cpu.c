/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "md-sim-card-private.h"

/*
 * The ISO 7816-4 CPU card: MF 3F00 holding EF.GDO 2F02 (tag 5A, the 8-byte
 * serial, read-only) and the application DF 4D44 with the transparent EFs
 * 0001 (72 bytes), 0002 (76) and 0003 (88).
 *
 * SELECT (00 A4): P1 00 = by FID (the MF, a child of the current DF, or
 * the current DF), 01 = child DF, 02 = EF of the current DF, 08 = path from
 * the MF; P2 00 or 0C = no data, 04 = an FCP template. Other P1/P2: 6A 86.
 * READ BINARY (00 B0) and UPDATE BINARY (00 D6) with a 15-bit offset;
 * GET CHALLENGE (00 84, 4 or 8 bytes). Status words: 6A 82 file not found,
 * 6B 00 offset beyond the file, 67 00 wrong length (also a write past the
 * end), 62 82 end of file before Le bytes, 69 86 no current EF, 69 82 a
 * write to EF.GDO, 6D 00 unknown INS, 6E 00 CLA other than 00.
 */

static void
add_file (MdSimCard *self,
          guint16    fid,
          guint16    parent,
          gboolean   is_df,
          gsize      size)
{
  SimFile *file = g_new0 (SimFile, 1);

  file->fid = fid;
  file->parent = parent;
  file->is_df = is_df;
  if (!is_df)
    {
      file->data = g_byte_array_sized_new (size);
      g_byte_array_set_size (file->data, size);
      memset (file->data->data, 0, size);
    }
  g_ptr_array_add (self->files, file);
}

void
_md_sim_cpu_factory (MdSimCard *self)
{
  GByteArray *gdo;

  add_file (self, MD_SIM_CPU_MF, 0, TRUE, 0);
  add_file (self, MD_SIM_CPU_EF_GDO, MD_SIM_CPU_MF, FALSE, 2 + MD_SIM_UID_SIZE);
  add_file (self, MD_SIM_CPU_DF, MD_SIM_CPU_MF, TRUE, 0);
  add_file (self, 0x0001, MD_SIM_CPU_DF, FALSE, 72);
  add_file (self, 0x0002, MD_SIM_CPU_DF, FALSE, 76);
  add_file (self, 0x0003, MD_SIM_CPU_DF, FALSE, 88);
  ((SimFile *) self->files->pdata[1])->read_only = TRUE;

  gdo = ((SimFile *) self->files->pdata[1])->data;
  gdo->data[0] = 0x5A;
  gdo->data[1] = MD_SIM_UID_SIZE;
  memcpy (gdo->data + 2, self->uid, MD_SIM_UID_SIZE);
  self->current_df = MD_SIM_CPU_MF;
}

SimFile *
_md_sim_cpu_find (MdSimCard *self,
                  guint16    fid,
                  guint16    parent)
{
  for (guint i = 0; i < self->files->len; i++)
    {
      SimFile *file = self->files->pdata[i];

      if (file->fid == fid && file->parent == parent)
        return file;
    }
  return NULL;
}

static SimFile *
current_ef (MdSimCard *self)
{
  return self->current_ef != 0 ? _md_sim_cpu_find (self, self->current_ef, self->current_df)
                               : NULL;
}

static GBytes *
selected (MdSimCard *self,
          SimFile   *file,
          guint8     p2)
{
  guint8 fcp[13];
  gsize size;

  if (file->is_df)
    {
      self->current_df = file->fid;
      self->current_ef = 0;
    }
  else
    {
      self->current_df = file->parent;
      self->current_ef = file->fid;
    }
  if (p2 != 0x04)
    return _md_sim_sw (0x9000);

  size = file->is_df ? 0 : file->data->len;
  fcp[0] = 0x62;
  fcp[1] = 11;
  fcp[2] = 0x80;
  fcp[3] = 2;
  fcp[4] = size >> 8;
  fcp[5] = size & 0xFF;
  fcp[6] = 0x82;
  fcp[7] = 1;
  fcp[8] = file->is_df ? 0x38 : 0x01;
  fcp[9] = 0x83;
  fcp[10] = 2;
  fcp[11] = file->fid >> 8;
  fcp[12] = file->fid & 0xFF;
  return _md_sim_data_sw (fcp, sizeof fcp, 0x9000);
}

static GBytes *
do_select (MdSimCard    *self,
           const guint8 *apdu,
           gsize         len)
{
  guint8 p1 = apdu[2];
  guint8 p2 = apdu[3];
  guint lc = len > 4 ? apdu[4] : 0;
  const guint8 *data = apdu + 5;
  SimFile *file = NULL;

  if (p2 != 0x00 && p2 != 0x0C && p2 != 0x04)
    return _md_sim_sw (0x6A86);
  if ((len != 5 + lc && len != 6 + lc) || lc < 2 || lc % 2 != 0)
    return _md_sim_sw (0x6700);

  switch (p1)
    {
    case 0x00:
      {
        guint16 fid = data[0] << 8 | data[1];

        if (lc != 2)
          return _md_sim_sw (0x6700);
        if (fid == MD_SIM_CPU_MF)
          file = _md_sim_cpu_find (self, fid, 0);
        else if (fid == self->current_df)
          file = _md_sim_cpu_find (self, fid, MD_SIM_CPU_MF);
        else
          file = _md_sim_cpu_find (self, fid, self->current_df);
        break;
      }
    case 0x01:
    case 0x02:
      if (lc != 2)
        return _md_sim_sw (0x6700);
      file = _md_sim_cpu_find (self, data[0] << 8 | data[1], self->current_df);
      if (file != NULL && file->is_df != (p1 == 0x01))
        file = NULL;
      break;
    case 0x08:
      {
        guint16 parent = MD_SIM_CPU_MF;

        for (guint i = 0; i < lc; i += 2)
          {
            file = _md_sim_cpu_find (self, data[i] << 8 | data[i + 1], parent);
            if (file == NULL || (i + 2 < lc && !file->is_df))
              {
                file = NULL;
                break;
              }
            parent = file->fid;
          }
        break;
      }
    default:
      return _md_sim_sw (0x6A86);
    }

  if (file == NULL)
    return _md_sim_sw (0x6A82);
  return selected (self, file, p2);
}

static GBytes *
do_read (MdSimCard    *self,
         const guint8 *apdu,
         gsize         len)
{
  SimFile *file;
  guint offset;
  guint want;
  guint n;

  if (apdu[2] & 0x80)
    return _md_sim_sw (0x6A86);
  if (len != 5)
    return _md_sim_sw (0x6700);
  if ((file = current_ef (self)) == NULL)
    return _md_sim_sw (0x6986);
  offset = (apdu[2] << 8) | apdu[3];
  want = apdu[4] == 0 ? 256 : apdu[4];
  if (offset >= file->data->len)
    return _md_sim_sw (0x6B00);
  n = MIN (want, file->data->len - offset);
  return _md_sim_data_sw (file->data->data + offset, n, n < want ? 0x6282 : 0x9000);
}

static GBytes *
do_update (MdSimCard    *self,
           const guint8 *apdu,
           gsize         len)
{
  SimFile *file;
  guint offset;
  guint lc;

  if (apdu[2] & 0x80)
    return _md_sim_sw (0x6A86);
  if (len < 6 || len != 5u + apdu[4] || apdu[4] == 0)
    return _md_sim_sw (0x6700);
  if ((file = current_ef (self)) == NULL)
    return _md_sim_sw (0x6986);
  if (file->read_only)
    return _md_sim_sw (0x6982);
  offset = (apdu[2] << 8) | apdu[3];
  lc = apdu[4];
  if (offset > file->data->len)
    return _md_sim_sw (0x6B00);
  if (offset + lc > file->data->len)
    return _md_sim_sw (0x6700);
  memcpy (file->data->data + offset, apdu + 5, lc);
  md_sim_card_changed (self);
  return _md_sim_sw (0x9000);
}

GBytes *
_md_sim_cpu_process (MdSimCard    *self,
                     const guint8 *apdu,
                     gsize         len)
{
  if (apdu[0] != 0x00)
    return _md_sim_sw (0x6E00);

  switch (apdu[1])
    {
    case 0xA4:
      return do_select (self, apdu, len);
    case 0xB0:
      return do_read (self, apdu, len);
    case 0xD6:
      return do_update (self, apdu, len);
    case 0x84:
      {
        guint8 challenge[8];

        if (len != 5 || apdu[2] != 0 || apdu[3] != 0 || (apdu[4] != 4 && apdu[4] != 8))
          return _md_sim_sw (0x6700);
        for (guint i = 0; i < apdu[4]; i++)
          challenge[i] = g_random_int_range (0, 256);
        return _md_sim_data_sw (challenge, apdu[4], 0x9000);
      }
    default:
      return _md_sim_sw (0x6D00);
    }
}

void
_md_sim_cpu_tear (MdSimCard    *self,
                  const guint8 *apdu,
                  gsize         len,
                  GRand        *rand)
{
  SimFile *file;
  guint offset;
  guint lc;
  guint n;

  if (apdu[0] != 0x00 || apdu[1] != 0xD6 || (apdu[2] & 0x80) || len < 6 ||
      len != 5u + apdu[4] || (file = current_ef (self)) == NULL || file->read_only)
    return;
  offset = (apdu[2] << 8) | apdu[3];
  lc = apdu[4];
  if (offset + lc > file->data->len)
    return;
  n = g_rand_int_range (rand, 0, lc + 1);
  memcpy (file->data->data + offset, apdu + 5, n);
  md_sim_card_changed (self);
}
