/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "md-card-test.h"
#include "md-vend.h"

/* Both reference profiles in this process, over an emulated card: issue,
 * sell, read back, the meter, replacement, reversal, the PSC rule, and
 * tearing at every APDU (T08). The same runs through pcscd in
 * test-card-pcsc.c. */

typedef struct
{
  MdSimCardType  type;
  MdCardKeys    *keys;
  MdSimCard     *card;
  MdSimLink     *link;
} Fixture;

static const guint8 uid_one[8] = { 0xC0, 0xFF, 0xEE, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const guint8 uid_two[8] = { 0xC0, 0xFF, 0xEE, 0x00, 0x00, 0x00, 0x00, 0x02 };

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->type = GPOINTER_TO_INT (data);
  f->keys = md_card_test_keys (0);
  f->card = md_sim_card_new (f->type, uid_one);
  f->link = md_sim_link_new (f->card);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->link);
  g_clear_object (&f->card);
  md_card_keys_free (f->keys);
}

static void
read_card (MdCardLink       *link,
           const MdCardKeys *keys,
           MdCardState      *state)
{
  g_autoptr(GError) error = NULL;

  md_card_read_state (link, keys, state, NULL, &error);
  g_assert_no_error (error);
}

/* One sale of @credit fen to the card in @link: prepare and deliver. */
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
  g_assert_no_error (error);
  g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), plan, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_no_error (error);
}

static MdCardMeterResult
meter_reads (MdSimMeter       *meter,
             MdCardLink       *link,
             const MdCardKeys *keys)
{
  g_autoptr(GError) error = NULL;
  MdCardMeterResult result;

  g_assert_true (md_sim_meter_insert_card (meter, link, keys, &result, &error));
  g_assert_no_error (error);
  return result;
}

static void
test_lifecycle (Fixture       *f,
                gconstpointer  data)
{
  g_auto(MdCardState) st = { 0 };
  g_auto(MdVendPlan) plan1 = { 0 };
  g_auto(MdVendPlan) plan2 = { 0 };
  g_auto(MdVendPlan) plan3 = { 0 };
  g_autoptr(MdSimCard) second = md_sim_card_new (f->type, uid_two);
  g_autoptr(MdSimLink) second_link = md_sim_link_new (second);
  g_autoptr(GError) error = NULL;
  MdSimMeter meter;

  /* Blank, then issued. */
  read_card (MD_CARD_LINK (f->link), f->keys, &st);
  g_assert_cmpint (st.kind, ==, MD_CARD_KIND_BLANK);
  g_assert_cmpstr (st.uid, ==, "C0FFEE0000000001");
  g_assert_cmpstr (st.profile, ==, f->type == MD_SIM_CARD_CPU ? "cpu" : "sle4442");
  md_card_state_clear (&st);

  md_card_test_issue (MD_CARD_LINK (f->link), f->keys, MD_CARD_KIND_PURCHASE, MD_TEST_ACCOUNT, 0,
                      0);
  read_card (MD_CARD_LINK (f->link), f->keys, &st);
  g_assert_cmpint (st.kind, ==, MD_CARD_KIND_PURCHASE);
  g_assert_cmpstr (st.account_no, ==, MD_TEST_ACCOUNT);
  g_assert_true (st.has_purchase);
  g_assert_cmpint (st.purchase_count, ==, 0);
  g_assert_false (st.has_write_back);
  if (f->type == MD_SIM_CARD_SLE4442)
    {
      /* Personalised: serial protected, the factory PSC gone. */
      g_assert_cmphex (md_sim_card_sle_get_protection (f->card) & 0xFFFF, ==, 0);
      g_assert_cmpint (st.psc_tries, ==, 3);
    }
  md_card_state_clear (&st);

  /* Purchase 1, read back. */
  sell (MD_CARD_LINK (f->link), f->keys, &plan1, 12345);
  g_assert_cmpstr (plan1.target, ==, "C0FFEE0000000001");
  g_assert_cmpint (plan1.purchase_count, ==, 1);
  read_card (MD_CARD_LINK (f->link), f->keys, &st);
  g_assert_cmpint (st.purchase_count, ==, 1);
  g_assert_cmpint (st.credit, ==, 12345);
  g_assert_cmpstr (st.vend_id, ==,
                   json_object_get_string_member (plan1.payload, "vend_id"));
  md_card_state_clear (&st);

  /* The meter loads it and writes back; read at the counter. */
  md_sim_meter_init (&meter, "000012345678");
  g_assert_cmpint (meter_reads (&meter, MD_CARD_LINK (f->link), f->keys), ==,
                   MD_CARD_RESULT_LOADED);
  g_assert_cmpint (meter.remaining, ==, 12345);
  g_assert_cmpint (meter_reads (&meter, MD_CARD_LINK (f->link), f->keys), ==,
                   MD_CARD_RESULT_NOTHING_NEW);
  g_assert_cmpint (meter.remaining, ==, 12345);
  g_assert_true (md_sim_meter_use (&meter, 10000, &error));   /* 10 kWh at 0.5880 */
  g_assert_cmpint (meter.remaining, ==, 12345 - 588);
  g_assert_cmpint (meter_reads (&meter, MD_CARD_LINK (f->link), f->keys), ==,
                   MD_CARD_RESULT_NOTHING_NEW);
  read_card (MD_CARD_LINK (f->link), f->keys, &st);
  g_assert_true (st.has_write_back);
  g_assert_cmpint (st.load_count, ==, 1);
  g_assert_cmpint (st.remaining, ==, 12345 - 588);
  g_assert_cmpint (st.cumulative, ==, 10000);
  g_assert_cmpstr (st.meter_id, ==, "000012345678");
  g_assert_cmpint (st.meter_result, ==, MD_CARD_RESULT_NOTHING_NEW);
  md_card_state_clear (&st);

  /* Purchase 2 on the first card, loaded. */
  sell (MD_CARD_LINK (f->link), f->keys, &plan2, 5000);
  g_assert_cmpint (plan2.purchase_count, ==, 2);
  g_assert_cmpint (meter_reads (&meter, MD_CARD_LINK (f->link), f->keys), ==,
                   MD_CARD_RESULT_LOADED);
  g_assert_cmpint (meter.load_count, ==, 2);

  /* The card is lost: a replacement of generation 1 takes over at count 2. */
  {
    g_autoptr(MdCardSession) s = md_card_session_open (MD_CARD_LINK (second_link), f->keys,
                                                       MD_CARD_SESSION_DEFAULT, NULL, &error);

    g_assert_no_error (error);
    g_assert_true (md_card_session_write_replacement (s, MD_TEST_ACCOUNT, TRUE, 1, 2, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (meter_reads (&meter, MD_CARD_LINK (second_link), f->keys), ==,
                   MD_CARD_RESULT_NOTHING_NEW);
  g_assert_cmpuint (meter.generation, ==, 1);

  /* The old card, even with a new purchase written on it, is refused. */
  {
    g_autoptr(MdCardSession) s = md_card_session_open (MD_CARD_LINK (f->link), f->keys,
                                                       MD_CARD_SESSION_DEFAULT, NULL, &error);
    MdCardPurchase p = { 2, 3, 999, "stolen-sale" };

    g_assert_true (md_card_session_write_purchase (s, &p, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (meter_reads (&meter, MD_CARD_LINK (f->link), f->keys), ==,
                   MD_CARD_RESULT_REFUSED_GENERATION);
  g_assert_cmpint (meter.load_count, ==, 2);
  g_assert_cmpint (meter.remaining, ==, 12345 - 588 + 5000);

  /* The replacement sells on, expected by the database as generation 1. */
  {
    g_autoptr(MdCardMedium) medium = md_card_medium_new (MD_CARD_LINK (second_link), f->keys);

    md_card_medium_set_expected (medium, "C0FFEE0000000001", 2, 1);
    md_card_test_plan (&plan3, MD_TEST_ACCOUNT, 700);
    g_assert_false (md_medium_prepare (MD_MEDIUM (medium), &plan3, NULL, &error));
    g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NOT_ACTIVE);
    g_clear_error (&error);
    md_card_medium_set_expected (medium, "C0FFEE0000000002", 2, 1);
    g_assert_true (md_medium_prepare (MD_MEDIUM (medium), &plan3, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), &plan3, NULL, &error), ==,
                     MD_DELIVERY_DELIVERED);
    g_assert_nonnull (md_card_medium_get_state (medium));
    g_assert_cmpint (md_card_medium_get_state (medium)->purchase_count, ==, 3);
  }
  g_assert_cmpint (meter_reads (&meter, MD_CARD_LINK (second_link), f->keys), ==,
                   MD_CARD_RESULT_LOADED);
  g_assert_cmpint (meter.remaining, ==, 12345 - 588 + 5000 + 700);
}

static void
test_tool_cards (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdCardState) st = { 0 };
  MdCardParams params = { 100000, 2000, 1000, 6600 };
  MdSimMeter meter;

  md_sim_meter_init (&meter, "000000000007");
  meter.remaining = 500;
  {
    g_autoptr(MdCardSession) s = md_card_session_open (MD_CARD_LINK (f->link), f->keys, 0, NULL,
                                                       &error);

    g_assert_true (md_card_session_write_params (s, &params, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (meter_reads (&meter, MD_CARD_LINK (f->link), f->keys), ==, MD_CARD_RESULT_SET);
  g_assert_cmpint (meter.params.capacity, ==, 100000);
  g_assert_cmpint (meter.params.power_limit, ==, 6600);

  {
    g_autoptr(MdCardSession) s = md_card_session_open (MD_CARD_LINK (f->link), f->keys, 0, NULL,
                                                       &error);

    g_assert_true (md_card_session_write_check (s, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (meter_reads (&meter, MD_CARD_LINK (f->link), f->keys), ==,
                   MD_CARD_RESULT_CHECKED);
  read_card (MD_CARD_LINK (f->link), f->keys, &st);
  g_assert_cmpint (st.kind, ==, MD_CARD_KIND_CHECK);
  g_assert_true (st.has_write_back);
  g_assert_cmpint (st.remaining, ==, 500);
  g_assert_true (st.meter_status & MD_CARD_METER_ALARM2);
  md_card_state_clear (&st);

  {
    g_autoptr(MdCardSession) s = md_card_session_open (MD_CARD_LINK (f->link), f->keys, 0, NULL,
                                                       &error);

    g_assert_true (md_card_session_write_clear (s, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (meter_reads (&meter, MD_CARD_LINK (f->link), f->keys), ==,
                   MD_CARD_RESULT_CLEARED);
  g_assert_cmpint (meter.remaining, ==, 0);

  {
    g_autoptr(MdCardSession) s = md_card_session_open (MD_CARD_LINK (f->link), f->keys, 0, NULL,
                                                       &error);

    g_assert_true (md_card_session_erase (s, &error));
    g_assert_no_error (error);
  }
  read_card (MD_CARD_LINK (f->link), f->keys, &st);
  g_assert_cmpint (st.kind, ==, MD_CARD_KIND_BLANK);
}

static void
test_medium_checks (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(MdCardMedium) medium = md_card_medium_new (MD_CARD_LINK (f->link), f->keys);
  g_autoptr(GError) error = NULL;
  g_auto(MdVendPlan) plan = { 0 };

  md_card_test_plan (&plan, MD_TEST_ACCOUNT, 100);
  g_assert_false (md_medium_prepare (MD_MEDIUM (medium), &plan, NULL, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BLANK);
  g_clear_error (&error);

  md_card_test_issue (MD_CARD_LINK (f->link), f->keys, MD_CARD_KIND_PURCHASE, MD_TEST_ACCOUNT, 0,
                      4);
  g_assert_cmpstr (md_medium_get_kind (MD_MEDIUM (medium)), ==, "card");

  g_free (plan.account_no);
  plan.account_no = g_strdup ("B-0002");
  g_assert_false (md_medium_prepare (MD_MEDIUM (medium), &plan, NULL, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_ACCOUNT);
  g_clear_error (&error);
  g_free (plan.account_no);
  plan.account_no = g_strdup (MD_TEST_ACCOUNT);

  md_card_medium_set_expected (medium, NULL, 5, -1);
  g_assert_false (md_medium_prepare (MD_MEDIUM (medium), &plan, NULL, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_ROLLBACK);
  g_clear_error (&error);
  md_card_medium_set_expected (medium, NULL, 3, -1);
  g_assert_false (md_medium_prepare (MD_MEDIUM (medium), &plan, NULL, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_COUNT_JUMP);
  g_clear_error (&error);
  md_card_medium_set_expected (medium, NULL, 4, 1);
  g_assert_false (md_medium_prepare (MD_MEDIUM (medium), &plan, NULL, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NOT_ACTIVE);
  g_clear_error (&error);
  md_card_medium_set_expected (medium, "c0ffee0000000001", 4, 0);

  plan.money_kind = FALSE;
  plan.energy = 1000;
  g_assert_false (md_medium_prepare (MD_MEDIUM (medium), &plan, NULL, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_KIND);
  g_clear_error (&error);
  plan.money_kind = TRUE;
  plan.credit = G_GINT64_CONSTANT (1) << 32;
  g_assert_false (md_medium_prepare (MD_MEDIUM (medium), &plan, NULL, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID);
  g_clear_error (&error);
  plan.credit = 100;
  g_assert_true (md_medium_prepare (MD_MEDIUM (medium), &plan, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (plan.purchase_count, ==, 5);
  g_assert_cmpint (json_object_get_int_member (plan.payload, "previous_count"), ==, 4);

  /* Recovery reads the card alone. */
  g_assert_cmpint (md_medium_inspect (MD_MEDIUM (medium), &plan, NULL, &error), ==,
                   MD_DELIVERY_NOT_DELIVERED);
  g_assert_no_error (error);
  g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), &plan, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_cmpint (md_medium_inspect (MD_MEDIUM (medium), &plan, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  /* Delivering again writes nothing. */
  {
    guint before = md_sim_card_get_apdu_count (f->card);
    guint updates = md_sim_card_count_ins (f->card, 0xD6) + md_sim_card_count_ins (f->card, 0xD0);

    g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), &plan, NULL, &error), ==,
                     MD_DELIVERY_DELIVERED);
    g_assert_cmpuint (md_sim_card_get_apdu_count (f->card), >, before);
    g_assert_cmpuint (md_sim_card_count_ins (f->card, 0xD6) + md_sim_card_count_ins (f->card, 0xD0),
                      ==, updates);
  }

  /* No card: unknown. Another card: conflict. */
  md_sim_link_remove (f->link);
  g_assert_cmpint (md_medium_inspect (MD_MEDIUM (medium), &plan, NULL, &error), ==,
                   MD_DELIVERY_UNKNOWN);
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NO_CARD);
  g_clear_error (&error);
  {
    g_autoptr(MdSimCard) other = md_sim_card_new (f->type, uid_two);

    md_sim_link_insert (f->link, other);
    md_card_test_issue (MD_CARD_LINK (f->link), f->keys, MD_CARD_KIND_PURCHASE, MD_TEST_ACCOUNT,
                        0, 4);
    g_assert_cmpint (md_medium_inspect (MD_MEDIUM (medium), &plan, NULL, &error), ==,
                     MD_DELIVERY_CONFLICT);
    g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_CARD);
    g_clear_error (&error);
    g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), &plan, NULL, &error), ==,
                     MD_DELIVERY_CONFLICT);
    g_clear_error (&error);
  }
}

/* A reversal writes the same count with no credit, while the meter has not
 * loaded the purchase; afterwards it is refused. */
static void
test_reversal (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(MdCardMedium) medium = md_card_medium_new (MD_CARD_LINK (f->link), f->keys);
  g_autoptr(GError) error = NULL;
  g_auto(MdVendPlan) plan = { 0 };
  g_auto(MdVendPlan) rev = { 0 };
  g_auto(MdVendPlan) plan2 = { 0 };
  g_auto(MdVendPlan) rev2 = { 0 };
  g_auto(MdCardState) st = { 0 };
  g_autofree char *json = NULL;
  MdSimMeter meter;

  md_card_test_issue (MD_CARD_LINK (f->link), f->keys, MD_CARD_KIND_PURCHASE, MD_TEST_ACCOUNT, 0,
                      0);
  sell (MD_CARD_LINK (f->link), f->keys, &plan, 3000);

  /* As md_vend_reverse() makes it: the sale's stored plan, negated. */
  json = md_vend_plan_to_json (&plan);
  g_assert_true (md_vend_plan_from_json (json, &rev, &error));
  rev.idem = md_vend_new_key ();
  rev.credit = -plan.credit;
  g_assert_cmpint (md_medium_inspect (MD_MEDIUM (medium), &rev, NULL, &error), ==,
                   MD_DELIVERY_NOT_DELIVERED);
  g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), &rev, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_no_error (error);
  g_assert_cmpint (md_medium_inspect (MD_MEDIUM (medium), &rev, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  read_card (MD_CARD_LINK (f->link), f->keys, &st);
  g_assert_true (st.reversed);
  g_assert_cmpint (st.credit, ==, 0);
  g_assert_cmpint (st.purchase_count, ==, 1);
  md_card_state_clear (&st);

  md_sim_meter_init (&meter, "000000000009");
  g_assert_cmpint (meter_reads (&meter, MD_CARD_LINK (f->link), f->keys), ==,
                   MD_CARD_RESULT_LOADED);
  g_assert_cmpint (meter.remaining, ==, 0);
  g_assert_cmpint (meter.load_count, ==, 1);

  /* Once the meter has loaded a purchase it stays. */
  sell (MD_CARD_LINK (f->link), f->keys, &plan2, 2000);
  g_assert_cmpint (meter_reads (&meter, MD_CARD_LINK (f->link), f->keys), ==,
                   MD_CARD_RESULT_LOADED);
  g_free (json);
  json = md_vend_plan_to_json (&plan2);
  g_assert_true (md_vend_plan_from_json (json, &rev2, &error));
  rev2.idem = md_vend_new_key ();
  rev2.credit = -plan2.credit;
  g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), &rev2, NULL, &error), ==,
                   MD_DELIVERY_NOT_DELIVERED);
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NOT_REVERSIBLE);
}

int
main (int   argc,
      char *argv[])
{
  static const struct
  {
    const char    *name;
    MdSimCardType  type;
  } types[] = { { "cpu", MD_SIM_CARD_CPU }, { "sle4442", MD_SIM_CARD_SLE4442 } };

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      gconstpointer data = GINT_TO_POINTER (types[i].type);
      g_autofree char *lifecycle = g_strdup_printf ("/meterdesk/media/profile/%s/lifecycle",
                                                    types[i].name);
      g_autofree char *tools = g_strdup_printf ("/meterdesk/media/profile/%s/tool-cards",
                                                types[i].name);
      g_autofree char *checks = g_strdup_printf ("/meterdesk/media/medium/%s/checks",
                                                 types[i].name);
      g_autofree char *reversal = g_strdup_printf ("/meterdesk/media/medium/%s/reversal",
                                                   types[i].name);

      g_test_add (lifecycle, Fixture, data, fixture_setup, test_lifecycle, fixture_teardown);
      g_test_add (tools, Fixture, data, fixture_setup, test_tool_cards, fixture_teardown);
      g_test_add (checks, Fixture, data, fixture_setup, test_medium_checks, fixture_teardown);
      g_test_add (reversal, Fixture, data, fixture_setup, test_reversal, fixture_teardown);
    }
  return g_test_run ();
}
