/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "md-card-test.h"
#include "md-vend.h"

/*
 * T08 in this process: the card torn at every APDU k of every write
 * sequence (a sale, a reversal, the meter's write-back, an issue), with a
 * seeded random part of the torn write landing, then presented again.
 * Recovery must tell DELIVERED only when the new record is whole and
 * valid, NOT_DELIVERED only when the old one is intact; the count moves at
 * most once. The same through pcscd: test-card-pcsc.c.
 */

#define SEEDS 100

static const guint8 uid_one[8] = { 0x7E, 0xA2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 };

typedef struct
{
  guint runs;
  guint delivered;
  guint not_delivered;
  guint needed_override;
} Tally;

static MdSimCard *
card_copy (const char *path)
{
  g_autoptr(GError) error = NULL;
  MdSimCard *card = md_sim_card_load (path, &error);

  g_assert_no_error (error);
  return card;
}

/* An issued card with purchase 1 loaded by the meter: both purchase slots
 * hold a valid record, so a torn write always has an old record to fall
 * back on. */
static char *
make_base (MdSimCardType     type,
           const MdCardKeys *keys,
           const char       *dir,
           MdSimMeter       *meter,
           MdVendPlan       *first)
{
  g_autoptr(MdSimCard) card = md_sim_card_new (type, uid_one);
  g_autoptr(MdSimLink) link = md_sim_link_new (card);
  g_autoptr(MdCardMedium) medium = md_card_medium_new (MD_CARD_LINK (link), keys);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, type == MD_SIM_CARD_CPU ? "cpu" : "sle", NULL);
  MdCardMeterResult result;

  md_card_test_issue (MD_CARD_LINK (link), keys, MD_CARD_KIND_PURCHASE, MD_TEST_ACCOUNT, 0, 0);
  md_card_test_plan (first, MD_TEST_ACCOUNT, 1111);
  g_assert_true (md_medium_prepare (MD_MEDIUM (medium), first, NULL, &error));
  g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), first, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  md_sim_meter_init (meter, "000000000042");
  g_assert_true (md_sim_meter_insert_card (meter, MD_CARD_LINK (link), keys, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, MD_CARD_RESULT_LOADED);
  g_assert_true (md_sim_card_save (card, path, &error));
  g_assert_no_error (error);
  return path;
}

static void
assert_record (MdCardLink       *link,
               const MdCardKeys *keys,
               gint64            count,
               const MdVendPlan *plan,
               gint64            credit,
               gboolean          reversed)
{
  g_auto(MdCardState) st = { 0 };
  g_autoptr(GError) error = NULL;

  md_card_read_state (link, keys, &st, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (st.purchase_count, ==, count);
  g_assert_cmpint (st.credit, ==, credit);
  g_assert_cmpint (st.reversed, ==, reversed);
  if (plan != NULL)
    {
      guint8 id[8];
      g_autofree char *hex = NULL;

      md_card_vend_id_from_key (plan->idem, id);
      hex = md_card_test_hex (id, 8);
      g_assert_cmpstr (st.vend_id, ==, hex);
    }
}

/* Delivers @plan again until it lands, with a supervisor's override when
 * an SLE4442's tries ran short. */
static void
complete (MdCardLink       *link,
          const MdCardKeys *keys,
          MdVendPlan       *plan,
          Tally            *tally)
{
  g_autoptr(MdCardMedium) medium = md_card_medium_new (link, keys);
  g_autoptr(GError) error = NULL;
  MdDelivery d = md_medium_deliver (MD_MEDIUM (medium), plan, NULL, &error);

  if (d == MD_DELIVERY_NOT_DELIVERED &&
      g_error_matches (error, MD_CARD_ERROR, MD_CARD_ERROR_PSC_TRIES))
    {
      g_clear_error (&error);
      tally->needed_override++;
      md_card_medium_set_flags (medium, MD_CARD_SESSION_SUPERVISOR_OVERRIDE);
      d = md_medium_deliver (MD_MEDIUM (medium), plan, NULL, &error);
    }
  g_assert_no_error (error);
  g_assert_cmpint (d, ==, MD_DELIVERY_DELIVERED);
}

static void
tear_sale (gconstpointer data)
{
  MdSimCardType type = GPOINTER_TO_INT (data);
  g_autofree char *dir = g_dir_make_tmp ("md-tear-XXXXXX", NULL);
  g_autoptr(MdCardKeys) keys = md_card_test_keys (0);
  g_auto(MdVendPlan) first = { 0 };
  MdSimMeter base_meter;
  g_autofree char *base = make_base (type, keys, dir, &base_meter, &first);
  Tally tally = { 0 };

  for (guint32 seed = 0; seed < SEEDS; seed++)
    for (guint k = 1;; k++)
      {
        g_autoptr(MdSimCard) card = card_copy (base);
        g_autoptr(MdSimLink) link = md_sim_link_new (card);
        g_autoptr(MdCardMedium) medium = md_card_medium_new (MD_CARD_LINK (link), keys);
        g_auto(MdVendPlan) plan = { 0 };
        g_autoptr(GError) error = NULL;
        MdSimMeter meter = base_meter;
        MdCardMeterResult result;
        MdDelivery d;

        md_card_test_plan (&plan, MD_TEST_ACCOUNT, 2222);
        md_card_medium_set_expected (medium, "7EA2000000000001", 1, 0);
        g_assert_true (md_medium_prepare (MD_MEDIUM (medium), &plan, NULL, &error));

        md_sim_link_insert (link, card);
        md_sim_link_set_tear_at (link, k, seed);
        d = md_medium_deliver (MD_MEDIUM (medium), &plan, NULL, &error);
        if (!md_sim_link_get_torn (link))
          {
            /* k is past the end of the write sequence: done with this seed. */
            g_assert_no_error (error);
            g_assert_cmpint (d, ==, MD_DELIVERY_DELIVERED);
            g_assert_cmpuint (k, >, 3);
            break;
          }
        g_assert_cmpint (d, ==, MD_DELIVERY_UNKNOWN);
        g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_REMOVED);
        g_clear_error (&error);
        tally.runs++;

        /* Presented again. */
        md_sim_link_insert (link, card);
        d = md_medium_inspect (MD_MEDIUM (medium), &plan, NULL, &error);
        g_assert_no_error (error);
        if (d == MD_DELIVERY_DELIVERED)
          {
            tally.delivered++;
            assert_record (MD_CARD_LINK (link), keys, 2, &plan, 2222, FALSE);
          }
        else
          {
            g_assert_cmpint (d, ==, MD_DELIVERY_NOT_DELIVERED);
            tally.not_delivered++;
            assert_record (MD_CARD_LINK (link), keys, 1, &first, 1111, FALSE);
            complete (MD_CARD_LINK (link), keys, &plan, &tally);
          }
        assert_record (MD_CARD_LINK (link), keys, 2, &plan, 2222, FALSE);

        /* The meter loads it exactly once. */
        g_assert_true (md_sim_meter_insert_card (&meter, MD_CARD_LINK (link), keys, &result,
                                                 &error));
        g_assert_cmpint (result, ==, MD_CARD_RESULT_LOADED);
        g_assert_true (md_sim_meter_insert_card (&meter, MD_CARD_LINK (link), keys, &result,
                                                 &error));
        g_assert_cmpint (result, ==, MD_CARD_RESULT_NOTHING_NEW);
        g_assert_cmpint (meter.remaining, ==, 1111 + 2222);
        g_assert_cmpint (meter.load_count, ==, 2);
      }

  g_test_message ("T08 %s sale: %u torn writes, %u delivered, %u not delivered, %u needed a "
                  "supervisor's override", type == MD_SIM_CARD_CPU ? "cpu" : "sle4442",
                  tally.runs, tally.delivered, tally.not_delivered, tally.needed_override);
  g_assert_cmpuint (tally.delivered, >, 0);
  g_assert_cmpuint (tally.not_delivered, >, 0);
  g_unlink (base);
  g_rmdir (dir);
}

static void
tear_reversal (gconstpointer data)
{
  MdSimCardType type = GPOINTER_TO_INT (data);
  g_autofree char *dir = g_dir_make_tmp ("md-tear-XXXXXX", NULL);
  g_autoptr(MdCardKeys) keys = md_card_test_keys (0);
  g_auto(MdVendPlan) first = { 0 };
  g_auto(MdVendPlan) sale = { 0 };
  MdSimMeter base_meter;
  g_autofree char *base = make_base (type, keys, dir, &base_meter, &first);
  g_autofree char *sold = g_build_filename (dir, "sold", NULL);
  g_autofree char *json = NULL;
  Tally tally = { 0 };

  /* Purchase 2 written, not yet in the meter: reversible. */
  {
    g_autoptr(MdSimCard) card = card_copy (base);
    g_autoptr(MdSimLink) link = md_sim_link_new (card);
    g_autoptr(MdCardMedium) medium = md_card_medium_new (MD_CARD_LINK (link), keys);
    g_autoptr(GError) error = NULL;

    md_card_test_plan (&sale, MD_TEST_ACCOUNT, 2222);
    g_assert_true (md_medium_prepare (MD_MEDIUM (medium), &sale, NULL, &error));
    g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), &sale, NULL, &error), ==,
                     MD_DELIVERY_DELIVERED);
    g_assert_true (md_sim_card_save (card, sold, &error));
    json = md_vend_plan_to_json (&sale);
  }

  for (guint32 seed = 0; seed < SEEDS; seed++)
    for (guint k = 1;; k++)
      {
        g_autoptr(MdSimCard) card = card_copy (sold);
        g_autoptr(MdSimLink) link = md_sim_link_new (card);
        g_autoptr(MdCardMedium) medium = md_card_medium_new (MD_CARD_LINK (link), keys);
        g_auto(MdVendPlan) rev = { 0 };
        g_autoptr(GError) error = NULL;
        MdSimMeter meter = base_meter;
        MdCardMeterResult result;
        MdDelivery d;

        g_assert_true (md_vend_plan_from_json (json, &rev, &error));
        rev.idem = md_vend_new_key ();
        rev.credit = -sale.credit;

        md_sim_link_set_tear_at (link, k, seed);
        d = md_medium_deliver (MD_MEDIUM (medium), &rev, NULL, &error);
        if (!md_sim_link_get_torn (link))
          {
            g_assert_no_error (error);
            g_assert_cmpint (d, ==, MD_DELIVERY_DELIVERED);
            break;
          }
        g_clear_error (&error);
        tally.runs++;

        md_sim_link_insert (link, card);
        d = md_medium_inspect (MD_MEDIUM (medium), &rev, NULL, &error);
        g_assert_no_error (error);
        if (d == MD_DELIVERY_DELIVERED)
          tally.delivered++;
        else
          {
            g_assert_cmpint (d, ==, MD_DELIVERY_NOT_DELIVERED);
            tally.not_delivered++;
            assert_record (MD_CARD_LINK (link), keys, 2, &sale, 2222, FALSE);
            complete (MD_CARD_LINK (link), keys, &rev, &tally);
          }
        assert_record (MD_CARD_LINK (link), keys, 2, &rev, 0, TRUE);

        /* The meter takes count 2 with nothing on it. */
        g_assert_true (md_sim_meter_insert_card (&meter, MD_CARD_LINK (link), keys, &result,
                                                 &error));
        g_assert_cmpint (result, ==, MD_CARD_RESULT_LOADED);
        g_assert_cmpint (meter.remaining, ==, 1111);
      }

  g_test_message ("T08 %s reversal: %u torn writes, %u delivered, %u not delivered",
                  type == MD_SIM_CARD_CPU ? "cpu" : "sle4442", tally.runs, tally.delivered,
                  tally.not_delivered);
  g_assert_cmpuint (tally.runs, >, 0);
  g_unlink (sold);
  g_unlink (base);
  g_rmdir (dir);
}

/* The meter torn while writing back: its own state moves only after the
 * write-back, so the next insertion loads the purchase exactly once. */
static void
tear_meter (gconstpointer data)
{
  MdSimCardType type = GPOINTER_TO_INT (data);
  g_autofree char *dir = g_dir_make_tmp ("md-tear-XXXXXX", NULL);
  g_autoptr(MdCardKeys) keys = md_card_test_keys (0);
  g_auto(MdVendPlan) first = { 0 };
  g_auto(MdVendPlan) sale = { 0 };
  MdSimMeter base_meter;
  g_autofree char *base = make_base (type, keys, dir, &base_meter, &first);
  g_autofree char *sold = g_build_filename (dir, "sold", NULL);
  guint runs = 0;

  {
    g_autoptr(MdSimCard) card = card_copy (base);
    g_autoptr(MdSimLink) link = md_sim_link_new (card);
    g_autoptr(MdCardMedium) medium = md_card_medium_new (MD_CARD_LINK (link), keys);
    g_autoptr(GError) error = NULL;

    md_card_test_plan (&sale, MD_TEST_ACCOUNT, 2222);
    g_assert_true (md_medium_prepare (MD_MEDIUM (medium), &sale, NULL, &error));
    g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), &sale, NULL, &error), ==,
                     MD_DELIVERY_DELIVERED);
    g_assert_true (md_sim_card_save (card, sold, &error));
  }

  for (guint32 seed = 0; seed < SEEDS; seed++)
    for (guint k = 1;; k++)
      {
        g_autoptr(MdSimCard) card = card_copy (sold);
        g_autoptr(MdSimLink) link = md_sim_link_new (card);
        g_autoptr(GError) error = NULL;
        g_auto(MdCardState) st = { 0 };
        MdSimMeter meter = base_meter;
        MdCardMeterResult result;
        gboolean ok;

        md_sim_link_set_tear_at (link, k, seed);
        ok = md_sim_meter_insert_card (&meter, MD_CARD_LINK (link), keys, &result, &error);
        if (!md_sim_link_get_torn (link))
          {
            g_assert_true (ok);
            g_assert_cmpint (result, ==, MD_CARD_RESULT_LOADED);
            break;
          }
        g_assert_false (ok);
        g_clear_error (&error);
        g_assert_cmpint (meter.load_count, ==, 1);
        g_assert_cmpint (meter.remaining, ==, 1111);
        runs++;

        md_sim_link_insert (link, card);
        md_card_read_state (MD_CARD_LINK (link), keys, &st, NULL, &error);
        g_assert_no_error (error);
        /* The write-back shows the old state or the new, never a mix. */
        g_assert_true (st.has_write_back);
        g_assert_true (st.load_count == 1 || st.load_count == 2);
        g_assert_true (md_sim_meter_insert_card (&meter, MD_CARD_LINK (link), keys, &result,
                                                 &error));
        g_assert_cmpint (result, ==, MD_CARD_RESULT_LOADED);
        g_assert_cmpint (meter.remaining, ==, 1111 + 2222);
      }
  g_test_message ("T08 %s meter write-back: %u torn writes", type == MD_SIM_CARD_CPU ? "cpu"
                                                                                    : "sle4442",
                  runs);
  g_assert_cmpuint (runs, >, 0);
  g_unlink (sold);
  g_unlink (base);
  g_rmdir (dir);
}

/* An issue torn anywhere can be issued again, with a supervisor's override
 * at worst; no card is ever locked. */
static void
tear_issue (gconstpointer data)
{
  MdSimCardType type = GPOINTER_TO_INT (data);
  g_autoptr(MdCardKeys) keys = md_card_test_keys (0);
  guint runs = 0;

  for (guint32 seed = 0; seed < SEEDS / 4; seed++)
    for (guint k = 1;; k++)
      {
        g_autoptr(MdSimCard) card = md_sim_card_new (type, uid_one);
        g_autoptr(MdSimLink) link = md_sim_link_new (card);
        g_autoptr(GError) error = NULL;
        g_autoptr(MdCardSession) session = NULL;
        MdCardIssue issue = { MD_CARD_KIND_PURCHASE, MD_TEST_ACCOUNT, TRUE, 0, 0 };
        g_auto(MdCardState) st = { 0 };
        gboolean ok;

        md_sim_link_set_tear_at (link, k, seed);
        session = md_card_session_open (MD_CARD_LINK (link), keys, 0, NULL, &error);
        ok = session != NULL && md_card_session_issue (session, &issue, &error);
        g_clear_pointer (&session, md_card_session_close);
        if (!md_sim_link_get_torn (link))
          {
            g_assert_no_error (error);
            g_assert_true (ok);
            break;
          }
        g_clear_error (&error);
        runs++;

        md_sim_link_insert (link, card);
        for (guint attempt = 0; attempt < 2; attempt++)
          {
            session = md_card_session_open (MD_CARD_LINK (link), keys,
                                            attempt == 0 ? MD_CARD_SESSION_DEFAULT
                                                         : MD_CARD_SESSION_SUPERVISOR_OVERRIDE,
                                            NULL, &error);
            g_assert_no_error (error);
            ok = md_card_session_issue (session, &issue, &error);
            g_clear_pointer (&session, md_card_session_close);
            if (ok || attempt == 1 ||
                !g_error_matches (error, MD_CARD_ERROR, MD_CARD_ERROR_PSC_TRIES))
              break;
            g_clear_error (&error);
          }
        /* A PSC change cut short leaves one of two known codes: never a
         * card that cannot be issued. */
        g_assert_no_error (error);
        g_assert_true (ok);
        md_card_read_state (MD_CARD_LINK (link), keys, &st, NULL, &error);
        g_assert_no_error (error);
        g_assert_cmpint (st.kind, ==, MD_CARD_KIND_PURCHASE);
        g_assert_cmpint (st.purchase_count, ==, 0);
      }
  g_test_message ("T08 %s issue: %u torn issues, all issued again",
                  type == MD_SIM_CARD_CPU ? "cpu" : "sle4442", runs);
  g_assert_cmpuint (runs, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_data_func ("/meterdesk/media/tear/cpu/sale", GINT_TO_POINTER (MD_SIM_CARD_CPU),
                        tear_sale);
  g_test_add_data_func ("/meterdesk/media/tear/sle4442/sale",
                        GINT_TO_POINTER (MD_SIM_CARD_SLE4442), tear_sale);
  g_test_add_data_func ("/meterdesk/media/tear/cpu/reversal", GINT_TO_POINTER (MD_SIM_CARD_CPU),
                        tear_reversal);
  g_test_add_data_func ("/meterdesk/media/tear/sle4442/reversal",
                        GINT_TO_POINTER (MD_SIM_CARD_SLE4442), tear_reversal);
  g_test_add_data_func ("/meterdesk/media/tear/cpu/meter", GINT_TO_POINTER (MD_SIM_CARD_CPU),
                        tear_meter);
  g_test_add_data_func ("/meterdesk/media/tear/sle4442/meter",
                        GINT_TO_POINTER (MD_SIM_CARD_SLE4442), tear_meter);
  g_test_add_data_func ("/meterdesk/media/tear/cpu/issue", GINT_TO_POINTER (MD_SIM_CARD_CPU),
                        tear_issue);
  g_test_add_data_func ("/meterdesk/media/tear/sle4442/issue",
                        GINT_TO_POINTER (MD_SIM_CARD_SLE4442), tear_issue);
  return g_test_run ();
}
