/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "md-sim-card-private.h"

/*
 * An SLE4442 as an ACS CCID reader shows it (PROTOCOLS.md C): 256 bytes of
 * main memory; bytes 00–1F write-protectable, one protection bit each, only
 * ever cleared; a 3-byte PSC with a 3-bit error counter. Writes, protection
 * and CHANGE_CODE need a PRESENT_CODE that succeeded since power-up.
 *
 * Our choices where the manuals are silent: a write, protect or change
 * before a good PRESENT_CODE answers 69 82 (the chip ignores it; the
 * reader's answer is not documented); memory commands before SELECT_CARD_TYPE
 * answer 69 86; a write onto a protected byte leaves it unchanged and
 * answers 90 00, as the chip does.
 */

#define CLA_ACS 0xFF

void
_md_sim_sle_factory (MdSimCard *self)
{
  static const guint8 header[4] = { 0xA2, 0x13, 0x10, 0x91 };

  memset (self->memory, 0xFF, SLE_SIZE);
  memcpy (self->memory, header, sizeof header);
  memset (self->memory + 4, 0x00, 4);
  memcpy (self->memory + 8, self->uid, MD_SIM_UID_SIZE);
  self->protection = 0xFFFFFF00;   /* 00–07 protected at the factory */
  memset (self->psc, 0xFF, 3);
  self->errcnt = 0x07;
}

static void
write_bytes (MdSimCard    *self,
             guint         addr,
             const guint8 *data,
             gsize         n)
{
  for (gsize i = 0; i < n; i++)
    {
      guint a = addr + i;

      if (a < 32 && (self->protection & (1u << a)) == 0)
        continue;
      self->memory[a] = data[i];
    }
}

static void
protect_bytes (MdSimCard    *self,
               guint         addr,
               const guint8 *data,
               gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (addr + i < 32 && self->memory[addr + i] == data[i])
      self->protection &= ~(1u << (addr + i));
}

/* The chip spends a try before it compares: the first step of every
 * PRESENT_CODE, and all that is left of one cut short. */
static void
spend_try (MdSimCard *self)
{
  for (int bit = 2; bit >= 0; bit--)
    if (self->errcnt & (1 << bit))
      {
        self->errcnt &= ~(1 << bit);
        break;
      }
}

GBytes *
_md_sim_sle_process (MdSimCard    *self,
                     const guint8 *apdu,
                     gsize         len)
{
  guint8 ins = apdu[1];
  guint8 p1 = apdu[2];
  guint8 p2 = apdu[3];
  guint lc = len > 4 ? apdu[4] : 0;
  const guint8 *data = apdu + 5;

  if (apdu[0] != CLA_ACS)
    return _md_sim_sw (0x6E00);
  if (ins == 0xA4)
    {
      if (len != 6 || lc != 1 || p1 != 0 || p2 != 0)
        return _md_sim_sw (0x6700);
      if (data[0] != 0x06)
        return _md_sim_sw (0x6A81);
      self->type_selected = TRUE;
      return _md_sim_sw (0x9000);
    }

  switch (ins)
    {
    case 0xB0:
    case 0xB1:
    case 0xB2:
    case 0xD0:
    case 0xD1:
    case 0x20:
    case 0xD2:
      if (!self->type_selected)
        return _md_sim_sw (0x6986);
      break;
    default:
      return _md_sim_sw (0x6D00);
    }
  if (p1 != 0x00 && ins != 0xD2)
    return _md_sim_sw (0x6B00);

  switch (ins)
    {
    case 0xB0:   /* READ_MEMORY_CARD: FF B0 00 addr len (00 = 256) */
      {
        guint n = len == 5 ? (lc == 0 ? 256 : lc) : 0;

        if (len != 5 || p2 + n > SLE_SIZE)
          return _md_sim_sw (0x6700);
        return _md_sim_data_sw (self->memory + p2, n, 0x9000);
      }

    case 0xB1:   /* READ_PRESENTATION_ERROR_COUNTER: ERRCNT D1 D2 D3 */
      {
        guint8 r[4] = { self->errcnt, 0, 0, 0 };

        if (len != 5 || lc != 4 || p2 != 0)
          return _md_sim_sw (0x6700);
        if (self->authenticated)
          memcpy (r + 1, self->psc, 3);
        return _md_sim_data_sw (r, 4, 0x9000);
      }

    case 0xB2:   /* READ_PROTECTION_BITS: PROT1..PROT4, bit 0 of PROT1 = byte 0 */
      {
        guint8 r[4] = { self->protection, self->protection >> 8, self->protection >> 16,
                        self->protection >> 24 };

        if (len != 5 || lc != 4 || p2 != 0)
          return _md_sim_sw (0x6700);
        return _md_sim_data_sw (r, 4, 0x9000);
      }

    case 0xD0:   /* WRITE_MEMORY_CARD: FF D0 00 addr len data */
      if (len != 5 + lc || lc == 0 || p2 + lc > SLE_SIZE)
        return _md_sim_sw (0x6700);
      if (!self->authenticated)
        return _md_sim_sw (0x6982);
      write_bytes (self, p2, data, lc);
      md_sim_card_changed (self);
      return _md_sim_sw (0x9000);

    case 0xD1:   /* WRITE_PROTECTION_MEMORY_CARD: protects the bytes that match */
      if (len != 5 + lc || lc == 0 || p2 + lc > 32)
        return _md_sim_sw (0x6700);
      if (!self->authenticated)
        return _md_sim_sw (0x6982);
      protect_bytes (self, p2, data, lc);
      md_sim_card_changed (self);
      return _md_sim_sw (0x9000);

    case 0x20:   /* PRESENT_CODE: answers 90 ErrorCnt, 07 = accepted */
      if (len != 8 || lc != 3 || p2 != 0)
        return _md_sim_sw (0x6700);
      if (self->errcnt == 0)
        return _md_sim_sw (0x9000);
      spend_try (self);
      if (memcmp (data, self->psc, 3) == 0)
        {
          self->errcnt = 0x07;
          self->authenticated = TRUE;
        }
      md_sim_card_changed (self);
      return _md_sim_sw (0x9000 | self->errcnt);

    case 0xD2:   /* CHANGE_CODE: FF D2 00 01 03 newPSC */
    default:
      if (len != 8 || lc != 3 || p1 != 0x00 || p2 != 0x01)
        return _md_sim_sw (0x6700);
      if (!self->authenticated)
        return _md_sim_sw (0x6982);
      memcpy (self->psc, data, 3);
      md_sim_card_changed (self);
      return _md_sim_sw (0x9000);
    }
}

void
_md_sim_sle_tear (MdSimCard    *self,
                  const guint8 *apdu,
                  gsize         len,
                  GRand        *rand)
{
  guint8 ins = apdu[1];
  guint lc = len > 4 ? apdu[4] : 0;
  guint n;

  if (apdu[0] != CLA_ACS || !self->type_selected || len != 5 + lc)
    return;
  n = g_rand_int_range (rand, 0, lc + 1);

  switch (ins)
    {
    case 0xD0:
      if (self->authenticated && apdu[3] + lc <= SLE_SIZE)
        write_bytes (self, apdu[3], apdu + 5, n);
      break;
    case 0xD1:
      if (self->authenticated && apdu[3] + lc <= 32)
        protect_bytes (self, apdu[3], apdu + 5, n);
      break;
    case 0x20:
      if (self->errcnt != 0)
        spend_try (self);
      break;
    case 0xD2:
      if (self->authenticated && lc == 3)
        memcpy (self->psc, apdu + 5, n);
      break;
    default:
      return;
    }
  md_sim_card_changed (self);
}
