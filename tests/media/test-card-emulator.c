/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "md-sim-card.h"

/* The card emulator alone, APDU by APDU: what a real SLE4442 behind an ACS
 * reader and an ISO 7816-4 card answer. */

static const guint8 test_uid[8] = { 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80 };

/* Sends a hex APDU, returns the response as hex ("9000", "0102039000"). */
static char *
send_hex (MdSimCard  *card,
          const char *hex)
{
  guint8 apdu[300];
  gsize n = 0;
  g_autoptr(GBytes) r = NULL;
  const guint8 *d;
  gsize len;
  GString *out = g_string_new (NULL);

  for (const char *p = hex; *p; )
    {
      if (*p == ' ')
        {
          p++;
          continue;
        }
      apdu[n++] = (guint8) (g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]));
      p += 2;
    }
  r = md_sim_card_process (card, apdu, n);
  d = g_bytes_get_data (r, &len);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, "%02X", d[i]);
  return g_string_free (out, FALSE);
}

#define assert_apdu(card, apdu, expected) \
  G_STMT_START { \
    g_autofree char *_r = send_hex ((card), (apdu)); \
    g_assert_cmpstr (_r, ==, (expected)); \
  } G_STMT_END

static MdSimCard *
new_sle (void)
{
  MdSimCard *card = md_sim_card_new (MD_SIM_CARD_SLE4442, test_uid);

  md_sim_card_power_on (card);
  return card;
}

static void
test_sle_select_and_read (void)
{
  g_autoptr(MdSimCard) card = new_sle ();
  g_autoptr(GBytes) atr = md_sim_card_get_atr (card);
  static const guint8 expected_atr[] = { 0x3B, 0x04, 0xA2, 0x13, 0x10, 0x91 };

  g_assert_cmpmem (g_bytes_get_data (atr, NULL), g_bytes_get_size (atr), expected_atr,
                   sizeof expected_atr);
  /* Nothing before the card type is chosen. */
  assert_apdu (card, "FF B0 00 00 04", "6986");
  assert_apdu (card, "FF A4 00 00 01 05", "6A81");
  assert_apdu (card, "FF A4 00 00 01 06", "9000");
  assert_apdu (card, "FF B0 00 00 10", "A2131091000000001020304050607080" "9000");
  assert_apdu (card, "FF B0 00 FE 02", "FFFF9000");
  assert_apdu (card, "FF B0 00 FF 02", "6700");
  assert_apdu (card, "FF B0 01 00 02", "6B00");
  assert_apdu (card, "FF B1 00 00 04", "070000009000");
  /* Bytes 00–07 come protected. */
  assert_apdu (card, "FF B2 00 00 04", "00FFFFFF9000");
  assert_apdu (card, "00 B0 00 00 04", "6E00");
  assert_apdu (card, "FF CA 00 00 00", "6D00");
  g_assert_cmpuint (md_sim_card_get_apdu_count (card), ==, 11);
}

static void
test_sle_psc (void)
{
  g_autoptr(MdSimCard) card = new_sle ();

  assert_apdu (card, "FF A4 00 00 01 06", "9000");
  /* No write without the PSC. */
  assert_apdu (card, "FF D0 00 20 02 0102", "6982");
  assert_apdu (card, "FF D2 00 01 03 112233", "6982");
  assert_apdu (card, "FF D1 00 08 01 10", "6982");
  assert_apdu (card, "FF B0 00 20 02", "FFFF9000");

  /* A wrong PSC spends one try; a right one gives all three back. */
  assert_apdu (card, "FF 20 00 00 03 000000", "9003");
  assert_apdu (card, "FF B1 00 00 04", "030000009000");
  assert_apdu (card, "FF 20 00 00 03 FFFFFF", "9007");
  assert_apdu (card, "FF B1 00 00 04", "07FFFFFF9000");
  assert_apdu (card, "FF D0 00 20 02 0102", "9000");
  assert_apdu (card, "FF B0 00 20 02", "01029000");
  assert_apdu (card, "FF D2 00 01 03 112233", "9000");
  assert_apdu (card, "FF D2 00 00 03 112233", "6700");

  /* A power cycle forgets the PSC. */
  md_sim_card_power_off (card);
  md_sim_card_power_on (card);
  assert_apdu (card, "FF A4 00 00 01 06", "9000");
  assert_apdu (card, "FF D0 00 20 01 09", "6982");
  assert_apdu (card, "FF 20 00 00 03 FFFFFF", "9003");
  assert_apdu (card, "FF 20 00 00 03 112233", "9007");
  assert_apdu (card, "FF D0 00 20 01 09", "9000");
  g_assert_cmpuint (md_sim_card_count_ins (card, 0x20), ==, 4);
}

static void
test_sle_lock (void)
{
  g_autoptr(MdSimCard) card = new_sle ();

  assert_apdu (card, "FF A4 00 00 01 06", "9000");
  assert_apdu (card, "FF 20 00 00 03 000001", "9003");
  assert_apdu (card, "FF 20 00 00 03 000002", "9001");
  assert_apdu (card, "FF 20 00 00 03 000003", "9000");
  assert_apdu (card, "FF B1 00 00 04", "000000009000");
  /* Locked for good: even the right PSC is not compared. */
  assert_apdu (card, "FF 20 00 00 03 FFFFFF", "9000");
  assert_apdu (card, "FF B1 00 00 04", "000000009000");
  assert_apdu (card, "FF D0 00 20 01 09", "6982");
  md_sim_card_power_off (card);
  md_sim_card_power_on (card);
  assert_apdu (card, "FF A4 00 00 01 06", "9000");
  assert_apdu (card, "FF 20 00 00 03 FFFFFF", "9000");
  g_assert_cmpuint (md_sim_card_sle_get_errcnt (card), ==, 0);
}

static void
test_sle_protection (void)
{
  g_autoptr(MdSimCard) card = new_sle ();

  assert_apdu (card, "FF A4 00 00 01 06", "9000");
  assert_apdu (card, "FF 20 00 00 03 FFFFFF", "9007");
  /* Only bytes whose content matches get protected, for good. */
  assert_apdu (card, "FF D1 00 08 04 10203099", "9000");
  assert_apdu (card, "FF B2 00 00 04", "00F8FFFF9000");
  assert_apdu (card, "FF D0 00 08 04 AABBCCDD", "9000");
  assert_apdu (card, "FF B0 00 08 04", "102030DD9000");
  assert_apdu (card, "FF D0 00 00 01 00", "9000");
  assert_apdu (card, "FF B0 00 00 01", "A29000");
  /* Above 1F there is nothing to protect. */
  assert_apdu (card, "FF D1 00 1F 02 FFFF", "6700");
  assert_apdu (card, "FF D0 00 FF 01 42", "9000");
  assert_apdu (card, "FF B0 00 FF 01", "429000");
  assert_apdu (card, "FF D0 00 FF 02 4242", "6700");
  g_assert_cmphex (md_sim_card_sle_get_protection (card), ==, 0xFFFFF800);
}

static void
test_sle_tear (void)
{
  static const guint8 write[] = { 0xFF, 0xD0, 0x00, 0x40, 0x08, 1, 2, 3, 4, 5, 6, 7, 8 };
  static const guint8 present[] = { 0xFF, 0x20, 0x00, 0x00, 0x03, 0xFF, 0xFF, 0xFF };
  gboolean saw_none = FALSE;
  gboolean saw_part = FALSE;
  gboolean saw_all = FALSE;

  for (guint32 seed = 0; seed < 64; seed++)
    {
      g_autoptr(MdSimCard) card = new_sle ();
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      guint8 *m;
      guint n = 0;

      g_free (send_hex (card, "FF A4 00 00 01 06"));
      g_free (send_hex (card, "FF 20 00 00 03 FFFFFF"));
      md_sim_card_tear (card, write, sizeof write, rand);
      m = md_sim_card_sle_memory (card);
      while (n < 8 && m[0x40 + n] == n + 1)
        n++;
      /* A prefix, and nothing past it. */
      for (guint i = n; i < 8; i++)
        g_assert_cmphex (m[0x40 + i], ==, 0xFF);
      saw_none |= n == 0;
      saw_part |= n > 0 && n < 8;
      saw_all |= n == 8;
      /* The tear powered the card down: the PSC must come again. */
      assert_apdu (card, "FF A4 00 00 01 06", "9000");
      assert_apdu (card, "FF D0 00 40 01 00", "6982");
    }
  g_assert_true (saw_none && saw_part && saw_all);

  /* A PRESENT_CODE cut short has spent its try already. */
  {
    g_autoptr(MdSimCard) card = new_sle ();
    g_autoptr(GRand) rand = g_rand_new_with_seed (1);

    g_free (send_hex (card, "FF A4 00 00 01 06"));
    md_sim_card_tear (card, present, sizeof present, rand);
    g_assert_cmpuint (md_sim_card_sle_get_errcnt (card), ==, 0x03);
  }
}

static MdSimCard *
new_cpu (void)
{
  MdSimCard *card = md_sim_card_new (MD_SIM_CARD_CPU, test_uid);

  md_sim_card_power_on (card);
  return card;
}

static void
test_cpu_files (void)
{
  g_autoptr(MdSimCard) card = new_cpu ();
  g_autoptr(GBytes) atr = md_sim_card_get_atr (card);
  const guint8 *a;
  gsize n;
  guint8 tck = 0;

  /* Our ATR: T=0 and T=1, its check byte right. */
  a = g_bytes_get_data (atr, &n);
  g_assert_cmphex (a[0], ==, 0x3B);
  for (gsize i = 1; i < n; i++)
    tck ^= a[i];
  g_assert_cmphex (tck, ==, 0);

  assert_apdu (card, "00 B0 00 00 04", "6986");
  assert_apdu (card, "00 A4 00 0C 02 2F02", "9000");
  assert_apdu (card, "00 B0 00 00 0A", "5A081020304050607080" "9000");
  assert_apdu (card, "00 B0 00 00 10", "5A081020304050607080" "6282");
  assert_apdu (card, "00 B0 00 0A 01", "6B00");
  assert_apdu (card, "00 D6 00 00 01 00", "6982");
  assert_apdu (card, "00 A4 00 0C 02 0001", "6A82");
  assert_apdu (card, "00 A4 01 0C 02 4D44", "9000");
  assert_apdu (card, "00 A4 02 0C 02 0001", "9000");
  assert_apdu (card, "00 A4 02 0C 02 4D44", "6A82");
  assert_apdu (card, "00 A4 02 04 02 0002", "620B8002004C82010183020002" "9000");
  assert_apdu (card, "00 D6 00 26 03 AABBCC", "9000");
  assert_apdu (card, "00 B0 00 25 05", "00AABBCC009000");
  assert_apdu (card, "00 D6 00 4A 03 AABBCC", "6700");
  assert_apdu (card, "00 D6 00 4D 01 AA", "6B00");
  assert_apdu (card, "00 D6 00 00 03 AABB", "6700");
  assert_apdu (card, "00 A4 08 0C 04 4D44 0003", "9000");
  assert_apdu (card, "00 B0 00 56 02", "00009000");
  assert_apdu (card, "00 A4 08 0C 04 4D44 0009", "6A82");
  assert_apdu (card, "00 A4 00 0C 02 3F00", "9000");
  assert_apdu (card, "00 A4 04 0C 02 4D44", "6A86");
  assert_apdu (card, "00 A4 00 01 02 3F00", "6A86");
  assert_apdu (card, "00 A4 00 0C 03 3F00", "6700");
  assert_apdu (card, "00 84 00 00 07", "6700");
  assert_apdu (card, "80 B0 00 00 01", "6E00");
  assert_apdu (card, "00 CA 00 00 00", "6D00");
  {
    g_autofree char *challenge = send_hex (card, "00 84 00 00 08");

    g_assert_cmpuint (strlen (challenge), ==, 20);
    g_assert_true (g_str_has_suffix (challenge, "9000"));
  }
  /* Power-up starts again from the MF. */
  md_sim_card_power_off (card);
  md_sim_card_power_on (card);
  assert_apdu (card, "00 B0 00 00 01", "6986");
  assert_apdu (card, "00 A4 02 0C 02 0001", "6A82");
}

static void
test_persistence (void)
{
  g_autofree char *dir = g_dir_make_tmp ("md-sim-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "card.state", NULL);

  for (guint type = 0; type < 2; type++)
    {
      g_autoptr(MdSimCard) card = md_sim_card_new (type, test_uid);
      g_autoptr(MdSimCard) again = NULL;
      g_autoptr(GError) error = NULL;
      GStatBuf st;

      md_sim_card_set_autosave (card, path);
      md_sim_card_power_on (card);
      if (type == MD_SIM_CARD_SLE4442)
        {
          g_free (send_hex (card, "FF A4 00 00 01 06"));
          g_free (send_hex (card, "FF 20 00 00 03 000000"));
          g_free (send_hex (card, "FF 20 00 00 03 FFFFFF"));
          g_free (send_hex (card, "FF D0 00 30 03 010203"));
          g_free (send_hex (card, "FF D1 00 08 08 1020304050607080"));
          g_free (send_hex (card, "FF D2 00 01 03 ABCDEF"));
        }
      else
        {
          g_free (send_hex (card, "00 A4 08 0C 04 4D44 0002"));
          g_free (send_hex (card, "00 D6 00 10 03 010203"));
        }
      g_assert_no_error (md_sim_card_take_save_error (card));
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpuint (st.st_mode & 0777, ==, 0600);

      again = md_sim_card_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (md_sim_card_get_uid (again), 8, test_uid, 8);
      md_sim_card_power_on (again);
      if (type == MD_SIM_CARD_SLE4442)
        {
          assert_apdu (again, "FF A4 00 00 01 06", "9000");
          assert_apdu (again, "FF B0 00 30 03", "0102039000");
          assert_apdu (again, "FF B2 00 00 04", "0000FFFF9000");
          assert_apdu (again, "FF 20 00 00 03 FFFFFF", "9003");
          assert_apdu (again, "FF 20 00 00 03 ABCDEF", "9007");
        }
      else
        {
          assert_apdu (again, "00 A4 08 0C 04 4D44 0002", "9000");
          assert_apdu (again, "00 B0 00 10 03", "0102039000");
        }
      g_unlink (path);
    }

  /* A broken state file is refused, not half-loaded. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (g_file_set_contents (path, "[card]\ntype=sle4442\nuid=00\n", -1, NULL));
    g_assert_null (md_sim_card_load (path, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_unlink (path);
  }
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/sim/sle4442/select-read", test_sle_select_and_read);
  g_test_add_func ("/meterdesk/sim/sle4442/psc", test_sle_psc);
  g_test_add_func ("/meterdesk/sim/sle4442/lock", test_sle_lock);
  g_test_add_func ("/meterdesk/sim/sle4442/protection", test_sle_protection);
  g_test_add_func ("/meterdesk/sim/sle4442/tear", test_sle_tear);
  g_test_add_func ("/meterdesk/sim/cpu/files", test_cpu_files);
  g_test_add_func ("/meterdesk/sim/persistence", test_persistence);
  return g_test_run ();
}
