/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "md-card-test.h"
#include "md-vend.h"

/*
 * T09: tampered card data is refused with a specific error: every single
 * bit flipped in every record, a replayed older image, a clone onto
 * another UID, another site's key, a bad MAC, a truncated file, random
 * images. And the SLE4442 PSC rule, counted in the APDUs the card receives.
 */

static const guint8 uid_one[8] = { 0x5A, 0x5A, 0, 0, 0, 0, 0, 0x01 };
static const guint8 uid_two[8] = { 0x5A, 0x5A, 0, 0, 0, 0, 0, 0x02 };

/* Where each area lives in the emulated card (docs/card-profiles.md). */
static guint8 *
area (MdSimCard  *card,
      MdCardArea  which,
      guint       slot,
      gsize      *out_len)
{
  static const gsize sizes[] = { MD_CARD_ISSUE_SIZE, MD_CARD_PURCHASE_SIZE, MD_CARD_METER_SIZE };

  *out_len = sizes[which];
  if (md_sim_card_get_card_type (card) == MD_SIM_CARD_SLE4442)
    {
      static const guint8 at[3][2] = { { 0x14, 0x14 }, { 0x5C, 0x82 }, { 0xA8, 0xD4 } };

      return md_sim_card_sle_memory (card) + at[which][slot];
    }
  return md_sim_card_cpu_file (card, which + 1)->data + slot * sizes[which];
}

static void
sell (MdCardLink       *link,
      const MdCardKeys *keys,
      MdVendPlan       *plan,
      MdMoney           credit)
{
  g_autoptr(MdCardMedium) medium = md_card_medium_new (link, keys);
  g_autoptr(GError) error = NULL;

  md_card_test_plan (plan, MD_TEST_ACCOUNT, credit);
  g_assert_true (md_medium_prepare (MD_MEDIUM (medium), plan, NULL, &error));
  g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), plan, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_no_error (error);
}

/* Prepare as the database expects: card C0…01 at @count. */
static gboolean
prepare (MdCardLink       *link,
         const MdCardKeys *keys,
         gint64            count,
         GError          **error)
{
  g_autoptr(MdCardMedium) medium = md_card_medium_new (link, keys);
  g_auto(MdVendPlan) plan = { 0 };

  md_card_medium_set_expected (medium, NULL, count, -1);
  md_card_test_plan (&plan, MD_TEST_ACCOUNT, 100);
  return md_medium_prepare (MD_MEDIUM (medium), &plan, NULL, error);
}

static void
test_bit_flips (gconstpointer data)
{
  MdSimCardType type = GPOINTER_TO_INT (data);
  g_autoptr(MdCardKeys) keys = md_card_test_keys (0);
  g_autoptr(MdSimCard) card = md_sim_card_new (type, uid_one);
  g_autoptr(MdSimLink) link = md_sim_link_new (card);
  g_auto(MdVendPlan) plan1 = { 0 };
  MdSimMeter meter;
  MdCardMeterResult result;
  guint counts[4] = { 0 };   /* bad-mac, foreign, rollback, damaged write-back */
  guint8 *bytes;
  gsize len;

  md_card_test_issue (MD_CARD_LINK (link), keys, MD_CARD_KIND_PURCHASE, MD_TEST_ACCOUNT, 0, 0);

  /* With a single purchase record, each flip leaves no valid record. */
  bytes = area (card, MD_CARD_AREA_PURCHASE, 0, &len);
  for (gsize bit = 0; bit < len * 8; bit++)
    {
      g_autoptr(GError) error = NULL;

      bytes[bit / 8] ^= 1 << (bit % 8);
      g_assert_false (prepare (MD_CARD_LINK (link), keys, 0, &error));
      g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BAD_MAC);
      counts[0]++;
      bytes[bit / 8] ^= 1 << (bit % 8);
    }

  sell (MD_CARD_LINK (link), keys, &plan1, 4000);
  md_sim_meter_init (&meter, "000000000001");
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (md_sim_meter_insert_card (&meter, MD_CARD_LINK (link), keys, &result, &error));
    g_assert_cmpint (result, ==, MD_CARD_RESULT_LOADED);
  }

  /* The issue record: nothing on the card can be trusted. */
  bytes = area (card, MD_CARD_AREA_ISSUE, 0, &len);
  for (gsize bit = 0; bit < len * 8; bit++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) meter_error = NULL;
      MdSimMeter before = meter;

      bytes[bit / 8] ^= 1 << (bit % 8);
      g_assert_false (prepare (MD_CARD_LINK (link), keys, 1, &error));
      if (bit / 8 == 6 || bit / 8 == 7)
        {
          g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_FOREIGN);
          counts[1]++;
        }
      else
        {
          g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BAD_MAC);
          counts[0]++;
        }
      g_assert_false (md_sim_meter_insert_card (&meter, MD_CARD_LINK (link), keys, &result,
                                                &meter_error));
      g_assert_nonnull (meter_error);
      g_assert_cmpmem (&meter, sizeof meter, &before, sizeof before);
      bytes[bit / 8] ^= 1 << (bit % 8);
    }

  /* The current purchase record: the card falls back to the older one,
   * which the database knows is behind. */
  bytes = area (card, MD_CARD_AREA_PURCHASE, 1, &len);
  for (gsize bit = 0; bit < len * 8; bit++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(MdCardState) st = { 0 };

      bytes[bit / 8] ^= 1 << (bit % 8);
      g_assert_false (prepare (MD_CARD_LINK (link), keys, 1, &error));
      g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_ROLLBACK);
      counts[2]++;
      md_card_read_state (MD_CARD_LINK (link), keys, &st, NULL, NULL);
      g_assert_true (st.damage & MD_CARD_DAMAGE_PURCHASE_SLOT);
      bytes[bit / 8] ^= 1 << (bit % 8);
    }

  /* The meter's write-back: never believed, shown as damaged. */
  bytes = area (card, MD_CARD_AREA_METER, 0, &len);
  for (gsize bit = 0; bit < len * 8; bit++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(MdCardState) st = { 0 };

      bytes[bit / 8] ^= 1 << (bit % 8);
      md_card_read_state (MD_CARD_LINK (link), keys, &st, NULL, &error);
      g_assert_no_error (error);
      g_assert_false (st.has_write_back);
      g_assert_true (st.damage & MD_CARD_DAMAGE_METER_SLOT);
      counts[3]++;
      bytes[bit / 8] ^= 1 << (bit % 8);
    }

  g_assert_true (prepare (MD_CARD_LINK (link), keys, 1, NULL));
  g_test_message ("T09 %s bit flips: %u bad MAC, %u foreign, %u rollback, %u damaged write-back",
                  type == MD_SIM_CARD_CPU ? "cpu" : "sle4442", counts[0], counts[1], counts[2],
                  counts[3]);
}

static void
test_replay_clone (gconstpointer data)
{
  MdSimCardType type = GPOINTER_TO_INT (data);
  g_autoptr(MdCardKeys) keys = md_card_test_keys (0);
  g_autoptr(MdCardKeys) other_site = md_card_test_keys (9);
  g_autoptr(MdSimCard) card = md_sim_card_new (type, uid_one);
  g_autoptr(MdSimCard) blank = md_sim_card_new (type, uid_two);
  g_autoptr(MdSimLink) link = md_sim_link_new (card);
  g_autoptr(MdSimLink) blank_link = md_sim_link_new (blank);
  g_auto(MdVendPlan) plan1 = { 0 };
  g_auto(MdVendPlan) plan2 = { 0 };
  g_autoptr(GError) error = NULL;
  guint8 image[3][2][MD_CARD_METER_SIZE * 2];
  MdSimMeter meter;
  MdCardMeterResult result;

  md_card_test_issue (MD_CARD_LINK (link), keys, MD_CARD_KIND_PURCHASE, MD_TEST_ACCOUNT, 0, 0);
  md_card_test_issue (MD_CARD_LINK (blank_link), keys, MD_CARD_KIND_PURCHASE, "Z-9", 0, 0);
  sell (MD_CARD_LINK (link), keys, &plan1, 4000);
  md_sim_meter_init (&meter, "000000000001");
  g_assert_true (md_sim_meter_insert_card (&meter, MD_CARD_LINK (link), keys, &result, &error));
  g_assert_cmpint (result, ==, MD_CARD_RESULT_LOADED);

  /* Keep the card as it is after purchase 1 ... */
  for (guint a = 0; a < 3; a++)
    for (guint s = 0; s < (a == 0 ? 1u : 2u); s++)
      {
        gsize len;
        guint8 *bytes = area (card, a, s, &len);

        memcpy (image[a][s], bytes, len);
      }

  /* ... purchase 2 is loaded by the meter ... */
  sell (MD_CARD_LINK (link), keys, &plan2, 6000);
  g_assert_true (md_sim_meter_insert_card (&meter, MD_CARD_LINK (link), keys, &result, &error));
  g_assert_cmpint (result, ==, MD_CARD_RESULT_LOADED);

  /* ... and the old image is written back: the counter and the meter refuse. */
  for (guint a = 0; a < 3; a++)
    for (guint s = 0; s < (a == 0 ? 1u : 2u); s++)
      {
        gsize len;
        guint8 *bytes = area (card, a, s, &len);

        memcpy (bytes, image[a][s], len);
      }
  md_sim_card_changed (card);
  g_assert_false (prepare (MD_CARD_LINK (link), keys, 2, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_ROLLBACK);
  g_clear_error (&error);
  g_assert_true (md_sim_meter_insert_card (&meter, MD_CARD_LINK (link), keys, &result, &error));
  g_assert_cmpint (result, ==, MD_CARD_RESULT_NOTHING_NEW);
  g_assert_cmpint (meter.remaining, ==, 10000);

  /* The same image on another card (its own UID): a copy. */
  for (guint a = 0; a < 3; a++)
    for (guint s = 0; s < (a == 0 ? 1u : 2u); s++)
      {
        gsize len;
        guint8 *bytes = area (blank, a, s, &len);

        memcpy (bytes, image[a][s], len);
      }
  g_assert_false (prepare (MD_CARD_LINK (blank_link), keys, 1, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_FOREIGN);
  g_clear_error (&error);
  g_assert_false (md_sim_meter_insert_card (&meter, MD_CARD_LINK (blank_link), keys, &result,
                                            &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_FOREIGN);
  g_clear_error (&error);

  /* Another site's key. */
  g_assert_false (prepare (MD_CARD_LINK (link), other_site, 1, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BAD_MAC);
  g_clear_error (&error);

  /* A made-up MAC on the issue record. */
  {
    gsize len;
    guint8 *bytes = area (card, MD_CARD_AREA_ISSUE, 0, &len);
    guint8 kept[MD_CARD_MAC_SIZE];

    memcpy (kept, bytes + len - 16, 16);
    for (guint i = 0; i < 16; i++)
      bytes[len - 16 + i] = g_random_int_range (0, 256);
    g_assert_false (prepare (MD_CARD_LINK (link), keys, 1, &error));
    g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BAD_MAC);
    g_clear_error (&error);
    memcpy (bytes + len - 16, kept, 16);
  }

  /* A truncated file (a CPU card's EF of the wrong size). */
  if (type == MD_SIM_CARD_CPU)
    {
      g_byte_array_set_size (md_sim_card_cpu_file (card, 2), 50);
      g_assert_false (prepare (MD_CARD_LINK (link), keys, 1, &error));
      g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_TRUNCATED);
      g_clear_error (&error);
      g_byte_array_set_size (md_sim_card_cpu_file (card, 1), 30);
      g_assert_false (prepare (MD_CARD_LINK (link), keys, 1, &error));
      g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_TRUNCATED);
      g_clear_error (&error);
    }
}

static void
test_random_images (gconstpointer data)
{
  MdSimCardType type = GPOINTER_TO_INT (data);
  g_autoptr(MdCardKeys) keys = md_card_test_keys (0);
  g_autoptr(MdSimCard) card = md_sim_card_new (type, uid_one);
  g_autoptr(MdSimLink) link = md_sim_link_new (card);
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);

  md_card_test_issue (MD_CARD_LINK (link), keys, MD_CARD_KIND_PURCHASE, MD_TEST_ACCOUNT, 0, 0);
  for (guint run = 0; run < 1000; run++)
    {
      g_autoptr(GError) error = NULL;

      for (guint a = 0; a < 3; a++)
        for (guint s = 0; s < (a == 0 ? 1u : 2u); s++)
          {
            gsize len;
            guint8 *bytes = area (card, a, s, &len);

            for (gsize i = 0; i < len; i++)
              bytes[i] = g_rand_int_range (rand, 0, 256);
          }
      g_assert_false (prepare (MD_CARD_LINK (link), keys, 0, &error));
      g_assert_true (g_error_matches (error, MD_CARD_ERROR, MD_CARD_ERROR_BAD_MAC) ||
                     g_error_matches (error, MD_CARD_ERROR, MD_CARD_ERROR_FOREIGN));
    }
}

static guint
presents (MdSimCard *card)
{
  return md_sim_card_count_ins (card, 0x20);
}

static gboolean
try_issue (MdSimLink          *link,
           const MdCardKeys   *keys,
           MdCardSessionFlags  flags,
           GError            **error)
{
  g_autoptr(MdCardSession) session = md_card_session_open (MD_CARD_LINK (link), keys, flags, NULL,
                                                           error);
  MdCardIssue issue = { MD_CARD_KIND_PURCHASE, MD_TEST_ACCOUNT, TRUE, 0, 0 };

  return session != NULL && md_card_session_issue (session, &issue, error);
}

/* The PSC rule, counted in what the card receives: no PRESENT_CODE with
 * fewer than 3 tries left unless a supervisor overrides; never one on a
 * locked card; a card from another site costs one try, never three. */
static void
test_psc_safety (void)
{
  g_autoptr(MdCardKeys) keys = md_card_test_keys (0);
  g_autoptr(MdCardKeys) other_site = md_card_test_keys (9);
  g_autoptr(MdSimCard) card = md_sim_card_new (MD_SIM_CARD_SLE4442, uid_one);
  g_autoptr(MdSimLink) link = md_sim_link_new (card);
  g_autoptr(GError) error = NULL;
  guint before;

  for (guint8 errcnt = 0; errcnt < 7; errcnt++)
    {
      if (errcnt == 0x05 || errcnt == 0x06 || errcnt == 0x02 || errcnt == 0x04)
        continue;   /* the chip clears bits from the top: 07, 03, 01, 00 */
      md_sim_card_sle_set_errcnt (card, errcnt);
      before = presents (card);
      g_assert_false (try_issue (link, keys, MD_CARD_SESSION_DEFAULT, &error));
      if (errcnt == 0)
        g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_LOCKED);
      else
        g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_PSC_TRIES);
      g_clear_error (&error);
      g_assert_cmpuint (presents (card), ==, before);
    }

  /* A locked card stays untouched even with an override. */
  md_sim_card_sle_set_errcnt (card, 0);
  before = presents (card);
  g_assert_false (try_issue (link, keys, MD_CARD_SESSION_SUPERVISOR_OVERRIDE, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_cmpuint (presents (card), ==, before);

  /* With 2 tries and a supervisor: presented once, the tries come back. */
  md_sim_card_sle_set_errcnt (card, 0x03);
  before = presents (card);
  g_assert_true (try_issue (link, keys, MD_CARD_SESSION_SUPERVISOR_OVERRIDE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (presents (card), ==, before + 1);
  g_assert_cmpuint (md_sim_card_sle_get_errcnt (card), ==, 0x07);

  /* Another site's master key: one try spent, then nothing more. */
  before = presents (card);
  g_assert_false (try_issue (link, other_site, MD_CARD_SESSION_DEFAULT, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_PSC_REJECTED);
  g_clear_error (&error);
  for (guint i = 0; i < 10; i++)
    {
      g_assert_false (try_issue (link, other_site, MD_CARD_SESSION_DEFAULT, &error));
      g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_PSC_TRIES);
      g_clear_error (&error);
    }
  g_assert_cmpuint (presents (card), ==, before + 1);
  g_assert_cmpuint (md_sim_card_sle_get_errcnt (card), ==, 0x03);

  /* Reading never needs the PSC. */
  {
    g_auto(MdCardState) st = { 0 };

    md_card_read_state (MD_CARD_LINK (link), keys, &st, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (st.psc_tries, ==, 2);
    g_assert_cmpint (st.kind, ==, MD_CARD_KIND_PURCHASE);
  }
  g_assert_cmpuint (presents (card), ==, before + 1);

  /* This site, with a supervisor, brings the card back. */
  g_assert_true (try_issue (link, keys, MD_CARD_SESSION_SUPERVISOR_OVERRIDE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (md_sim_card_sle_get_errcnt (card), ==, 0x07);
}

/* A card that came without a serial gets one at issue, protected. */
static void
test_sle_no_serial (void)
{
  static const guint8 none[8] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
  g_autoptr(MdCardKeys) keys = md_card_test_keys (0);
  g_autoptr(MdSimCard) card = md_sim_card_new (MD_SIM_CARD_SLE4442, none);
  g_autoptr(MdSimLink) link = md_sim_link_new (card);
  g_autoptr(GError) error = NULL;
  g_auto(MdCardState) st = { 0 };

  g_assert_true (try_issue (link, keys, MD_CARD_SESSION_DEFAULT, &error));
  g_assert_no_error (error);
  md_card_read_state (MD_CARD_LINK (link), keys, &st, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (st.uid, !=, "FFFFFFFFFFFFFFFF");
  g_assert_cmpint (st.kind, ==, MD_CARD_KIND_PURCHASE);
  g_assert_cmphex (md_sim_card_sle_get_protection (card) & 0xFF00, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_data_func ("/meterdesk/media/tamper/cpu/bit-flips", GINT_TO_POINTER (MD_SIM_CARD_CPU),
                        test_bit_flips);
  g_test_add_data_func ("/meterdesk/media/tamper/sle4442/bit-flips",
                        GINT_TO_POINTER (MD_SIM_CARD_SLE4442), test_bit_flips);
  g_test_add_data_func ("/meterdesk/media/tamper/cpu/replay-clone",
                        GINT_TO_POINTER (MD_SIM_CARD_CPU), test_replay_clone);
  g_test_add_data_func ("/meterdesk/media/tamper/sle4442/replay-clone",
                        GINT_TO_POINTER (MD_SIM_CARD_SLE4442), test_replay_clone);
  g_test_add_data_func ("/meterdesk/media/tamper/cpu/random", GINT_TO_POINTER (MD_SIM_CARD_CPU),
                        test_random_images);
  g_test_add_data_func ("/meterdesk/media/tamper/sle4442/random",
                        GINT_TO_POINTER (MD_SIM_CARD_SLE4442), test_random_images);
  g_test_add_func ("/meterdesk/media/psc/safety", test_psc_safety);
  g_test_add_func ("/meterdesk/media/psc/no-serial", test_sle_no_serial);
  return g_test_run ();
}
