/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "md-card-service.h"
#include "md-card-test.h"
#include "md-ledger.h"
#include "md-pricing.h"
#include "md-register.h"
#include "md-shift.h"
#include "md-sim-reader.h"
#include "md-test-util.h"
#include "md-validate.h"

/*
 * The card service with the books: an emulated card in this process
 * (md-sim-link) and a real database. The card's whole life at the
 * counter, T08 (every APDU of a sale torn, the sale resolved), T09 at the
 * counter (tampered cards refused, recorded, never credited), issue torn
 * and issued again, the technicians' cards and the demo reader.
 */

#define PW "correct-horse"
#define T0 (G_GINT64_CONSTANT (1790000000) * G_USEC_PER_SEC)
#define ACCOUNT "200001"
#define OTHER "200002"
#define METER "202411110002"

typedef struct
{
  MdTestDb        db;
  MdSession      *cash;
  MdSession      *boss;
  MdSession      *staff;
  MdSession      *tech;
  MdCardKeys     *keys;
  MdSimCardType   type;
  MdSimLink      *link;
  MdCardService  *service;
} Fixture;

static const guint8 uid_one[8] = { 0x10, 0, 0, 0, 0, 0, 0, 0x01 };
static const guint8 uid_two[8] = { 0x10, 0, 0, 0, 0, 0, 0, 0x02 };
static const guint8 uid_three[8] = { 0x10, 0, 0, 0, 0, 0, 0, 0x03 };

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tariffs", "res-2026.ini",
                                                 NULL);
  g_autofree char *tariff = NULL;
  const char *meters[] = { METER, NULL };
  MdMeterSpec meter = { METER, "ADF400L" };
  MdAccountSpec spec = { ACCOUNT, "张三", "RES" };
  MdAccountSpec other = { OTHER, "李四", "RES" };

  f->type = GPOINTER_TO_INT (data);
  md_test_db_setup (&f->db);
  md_test_clock_install (T0);
  f->cash = md_test_add_operator (&f->db, "cash", MD_ROLE_CASHIER, PW);
  f->boss = md_test_add_operator (&f->db, "boss", MD_ROLE_SUPERVISOR, PW);
  f->staff = md_test_add_operator (&f->db, "staff", MD_ROLE_FINANCE | MD_ROLE_UTILIZATION, PW);
  f->tech = md_test_add_operator (&f->db, "tech", MD_ROLE_METERING, PW);
  g_assert_true (g_file_get_contents (path, &tariff, NULL, &error));
  g_assert_true (md_tariff_store_set (f->staff, tariff, -1, NULL, &error));
  g_assert_true (md_category_add (f->staff, "RES", "居民", MD_UTILITY_ELECTRICITY, "RES-2026",
                                  &error));
  g_assert_true (md_meter_add (f->tech, &meter, &error));
  g_assert_no_error (error);
  spec.meters = meters;
  spec.money_vend = TRUE;
  spec.capacity_va = 8000;
  g_assert_true (md_account_open (f->staff, &spec, &error));
  other.money_vend = TRUE;
  g_assert_true (md_account_open (f->staff, &other, &error));
  g_assert_true (md_fee_set (f->staff, "card-replacement", NULL, MD_FEE_BASIS_FIXED, MD_FEE_ONCE,
                             2000, 0, &error));
  g_assert_true (md_shift_open (f->cash, 100000, NULL, &error));
  g_assert_no_error (error);

  f->keys = md_card_test_keys (7);
  f->link = md_sim_link_new (NULL);
  f->service = md_card_service_new (MD_CARD_LINK (f->link), f->keys);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->service);
  g_clear_object (&f->link);
  md_card_keys_free (f->keys);
  g_clear_object (&f->cash);
  g_clear_object (&f->boss);
  g_clear_object (&f->staff);
  g_clear_object (&f->tech);
  md_test_clock_uninstall ();
  md_test_db_teardown (&f->db);
}

/* Books and audit chain hold, whatever happened. */
static void
assert_books (Fixture *f)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (md_ledger_check (f->db.store, &problems, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("ledger: %s", (const char *) problems->pdata[i]);
  g_assert_cmpuint (problems->len, ==, 0);
}

static gint64
count_rows (Fixture    *f,
            const char *sql)
{
  return md_test_query_int (f->db.store, sql);
}

static gint64
books_count (Fixture    *f,
             const char *uid)
{
  g_auto(MdCardRecord) record = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (md_card_lookup (f->db.store, uid, &record, &error));
  return record.purchase_count;
}

static void
read_card (Fixture     *f,
           MdCardState *st)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (md_card_read_state (MD_CARD_LINK (f->link), f->keys, st, NULL, &error));
  g_assert_no_error (error);
}

static void
issue (Fixture    *f,
       const char *account)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) issued = md_card_service_issue (f->service, f->cash, account, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (issued), "status"), ==,
                   "issued");
}

static gboolean
sell (Fixture       *f,
      const char    *account,
      MdMoney        amount,
      MdSaleResult  *result,
      GError       **error)
{
  g_autofree char *key = md_vend_new_key ();
  MdSaleRequest request = { key, account, amount, 0, MD_PAY_CASH };

  return md_card_service_sell (f->service, f->cash, &request, result, NULL, error);
}

static void
sell_ok (Fixture    *f,
         MdMoney     amount,
         gint64      expected_count)
{
  g_auto(MdSaleResult) r = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (sell (f, ACCOUNT, amount, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.state, ==, "posted");
  g_assert_cmpint (r.purchase_count, ==, expected_count);
}

/* The customer takes @card to the meter. */
static MdCardMeterResult
meter_reads (Fixture    *f,
             MdSimCard  *card,
             MdSimMeter *meter)
{
  g_autoptr(MdSimLink) at_meter = md_sim_link_new (card);
  g_autoptr(GError) error = NULL;
  MdCardMeterResult result = MD_CARD_RESULT_NONE;

  g_assert_true (md_sim_meter_insert_card (meter, MD_CARD_LINK (at_meter), f->keys, &result,
                                           &error));
  g_assert_no_error (error);
  return result;
}

static void
query (Fixture     *f,
       MdCardQuery *q)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (md_card_service_query (f->service, f->cash, q, NULL, &error));
  g_assert_no_error (error);
}

static void
test_lifecycle (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(MdSimCard) card = md_sim_card_new (f->type, uid_one);
  g_autoptr(MdSimCard) second = md_sim_card_new (f->type, uid_two);
  g_autoptr(GError) error = NULL;
  g_auto(MdCardState) st = { 0 };
  g_autofree char *uid = NULL;
  g_autofree char *new_uid = NULL;
  MdSimMeter meter;

  md_sim_meter_init (&meter, METER);
  md_sim_link_insert (f->link, card);

  /* A blank card: nothing to sell to, nothing wrong. */
  {
    g_auto(MdCardQuery) q = { 0 };

    query (f, &q);
    g_assert_cmpint (q.card.kind, ==, MD_CARD_KIND_BLANK);
    g_assert_false (q.registered);
    g_assert_false (q.sellable);
    g_assert_cmpuint (q.problems->len, ==, 0);
  }

  /* Issue; running it again changes nothing. */
  issue (f, ACCOUNT);
  {
    g_autoptr(JsonNode) again = md_card_service_issue (f->service, f->cash, ACCOUNT, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (again), "status"), ==,
                     "already issued");
  }
  read_card (f, &st);
  uid = g_strdup (st.uid);
  g_assert_true (st.money);
  g_assert_cmpint (st.purchase_count, ==, 0);
  md_card_state_clear (&st);
  /* The account has its card; no other card may be issued to it. */
  md_sim_link_insert (f->link, second);
  g_assert_null (md_card_service_issue (f->service, f->cash, ACCOUNT, NULL, &error));
  g_assert_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE);
  g_clear_error (&error);
  md_sim_link_insert (f->link, card);

  /* Sell; the books follow the card. */
  sell_ok (f, 10000, 1);
  g_assert_cmpint (books_count (f, uid), ==, 1);
  g_assert_cmpint (meter_reads (f, card, &meter), ==, MD_CARD_RESULT_LOADED);
  g_assert_cmpint (meter.remaining, ==, 10000);
  md_sim_link_insert (f->link, card);
  {
    g_auto(MdCardQuery) q = { 0 };

    query (f, &q);
    g_assert_true (q.sellable);
    g_assert_true (q.card.has_write_back);
    g_assert_cmpint (q.card.load_count, ==, 1);
    g_assert_cmpstr (q.meter_account, ==, ACCOUNT);
    g_assert_cmpuint (q.problems->len, ==, 0);
  }

  /* Sell, reverse before the meter loads it: the card keeps count 2 with
   * the reversed flag, and so do the books. */
  sell_ok (f, 5000, 2);
  {
    g_auto(MdSaleResult) r = { 0 };
    gint64 sale = count_rows (f, "SELECT max(id) FROM sale");

    g_assert_false (md_card_service_reverse (f->service, f->cash, sale, "wrong amount", NULL,
                                             NULL, &r, &error));
    g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
    g_clear_error (&error);
    g_assert_true (md_card_service_reverse (f->service, f->boss, sale, "wrong amount", NULL, NULL,
                                            &r, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (r.state, ==, "posted");
    g_assert_cmpstr (r.kind, ==, "reversal");
  }
  read_card (f, &st);
  g_assert_cmpint (st.purchase_count, ==, 2);
  g_assert_true (st.reversed);
  g_assert_cmpint (st.credit, ==, 0);
  md_card_state_clear (&st);
  g_assert_cmpint (books_count (f, uid), ==, 2);
  g_assert_cmpint (meter_reads (f, card, &meter), ==, MD_CARD_RESULT_LOADED);
  g_assert_cmpint (meter.remaining, ==, 10000);
  g_assert_cmpint (meter.load_count, ==, 2);

  /* Once loaded, a sale cannot be reversed. */
  md_sim_link_insert (f->link, card);
  sell_ok (f, 2000, 3);
  g_assert_cmpint (meter_reads (f, card, &meter), ==, MD_CARD_RESULT_LOADED);
  md_sim_link_insert (f->link, card);
  {
    g_auto(MdSaleResult) r = { 0 };
    gint64 sale = count_rows (f, "SELECT max(id) FROM sale");
    gint64 before = count_rows (f, "SELECT count(*) FROM sale");

    g_assert_false (md_card_service_reverse (f->service, f->boss, sale, "too late", NULL, NULL,
                                             &r, &error));
    g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NOT_REVERSIBLE);
    g_clear_error (&error);
    g_assert_cmpint (count_rows (f, "SELECT count(*) FROM sale"), ==, before);
  }

  /* Reversed, then sold again at once: the meter, which never saw the
   * reversed purchase, goes past it to the new one. */
  sell_ok (f, 4000, 4);
  {
    g_auto(MdSaleResult) r = { 0 };

    g_assert_true (md_card_service_reverse (f->service, f->boss,
                                            count_rows (f, "SELECT max(id) FROM sale"),
                                            "wrong amount", NULL, NULL, &r, &error));
    g_assert_no_error (error);
  }
  sell_ok (f, 1500, 5);
  read_card (f, &st);
  g_assert_cmpint (st.purchase_count, ==, 5);
  g_assert_cmpuint (st.purchase_skipped, ==, 1);
  md_card_state_clear (&st);
  g_assert_cmpint (meter_reads (f, card, &meter), ==, MD_CARD_RESULT_LOADED);
  g_assert_cmpint (meter.remaining, ==, 13500);
  g_assert_cmpint (meter.load_count, ==, 5);
  g_assert_cmpint (meter_reads (f, card, &meter), ==, MD_CARD_RESULT_NOTHING_NEW);
  g_assert_cmpint (meter.remaining, ==, 13500);

  /* Lost: no replacement before the waiting period. */
  g_assert_true (md_card_report_lost (f->cash, ACCOUNT, &error));
  md_sim_link_insert (f->link, second);
  g_assert_null (md_card_service_replace (f->service, f->boss, ACCOUNT, MD_PAY_CASH, NULL,
                                          &error));
  g_assert_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_WAIT);
  g_clear_error (&error);
  /* The lost card itself is no replacement. */
  md_test_clock_advance (MD_CARD_LOST_WAIT_USEC + G_USEC_PER_SEC);
  md_sim_link_insert (f->link, card);
  g_assert_null (md_card_service_replace (f->service, f->boss, ACCOUNT, MD_PAY_CASH, NULL,
                                          &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_CARD);
  g_clear_error (&error);
  /* The boss has no drawer of his own open: no fee, no card written. */
  md_sim_link_insert (f->link, second);
  g_assert_null (md_card_service_replace (f->service, f->boss, ACCOUNT, MD_PAY_CASH, NULL,
                                          &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NO_SHIFT);
  g_clear_error (&error);
  read_card (f, &st);
  g_assert_cmpint (st.kind, ==, MD_CARD_KIND_BLANK);
  md_card_state_clear (&st);
  {
    g_autoptr(MdSession) boss2 = NULL;
    g_autoptr(JsonNode) replaced = NULL;
    g_autoptr(JsonNode) again = NULL;
    JsonObject *o;

    g_assert_true (md_terminal_add (f->db.admin, "T02", "T02", &error));
    boss2 = md_session_login (f->db.store, "T02", "boss", PW, &error);
    g_assert_no_error (error);
    g_assert_true (md_shift_open (boss2, 0, NULL, &error));
    replaced = md_card_service_replace (f->service, boss2, ACCOUNT, MD_PAY_CASH, NULL, &error);
    g_assert_no_error (error);
    o = json_node_get_object (replaced);
    g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "replaced");
    g_assert_cmpstr (json_object_get_string_member (o, "replaces"), ==, uid);
    g_assert_cmpint (json_object_get_int_member (o, "generation"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (o, "purchase_count"), ==, 5);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "fee"),
                                                    "amount"), ==, "20.00");
    /* Again: the same replacement, the fee not charged twice. */
    again = md_card_service_replace (f->service, boss2, ACCOUNT, MD_PAY_CASH, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (again), "status"), ==,
                     "already replaced");
    g_assert_cmpint (count_rows (f, "SELECT count(*) FROM sale s JOIN sale_line l "
                                    "ON l.sale_id = s.id WHERE l.kind = 'fee'"), ==, 1);
  }
  read_card (f, &st);
  new_uid = g_strdup (st.uid);
  md_card_state_clear (&st);

  /* The meter takes the new card and refuses the old one from then on. */
  g_assert_cmpint (meter_reads (f, second, &meter), ==, MD_CARD_RESULT_NOTHING_NEW);
  g_assert_cmpint (meter.generation, ==, 1);
  g_assert_cmpint (meter_reads (f, card, &meter), ==, MD_CARD_RESULT_REFUSED_GENERATION);

  /* At the counter the old card is refused with its reason. */
  md_sim_link_insert (f->link, card);
  {
    g_auto(MdCardQuery) q = { 0 };
    g_auto(MdSaleResult) r = { 0 };

    query (f, &q);
    g_assert_true (q.blocked);
    g_assert_nonnull (strstr (q.problems->pdata[0], "replaced"));
    g_assert_false (sell (f, ACCOUNT, 1000, &r, &error));
    g_assert_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_MISMATCH);
    g_assert_nonnull (strstr (error->message, "replaced"));
    g_clear_error (&error);
  }
  md_sim_link_insert (f->link, second);
  sell_ok (f, 3000, 6);
  g_assert_cmpint (books_count (f, new_uid), ==, 6);
  g_assert_cmpint (meter_reads (f, second, &meter), ==, MD_CARD_RESULT_LOADED);
  g_assert_cmpint (meter.remaining, ==, 16500);
  assert_books (f);
}

/* Where each area lives in the emulated card (docs/card-profiles.md). */
static guint8 *
area (MdSimCard  *card,
      MdCardArea  which,
      guint       slot)
{
  static const gsize sizes[] = { MD_CARD_ISSUE_SIZE, MD_CARD_PURCHASE_SIZE, MD_CARD_METER_SIZE };

  if (md_sim_card_get_card_type (card) == MD_SIM_CARD_SLE4442)
    {
      static const guint8 at[3][2] = { { 0x14, 0x14 }, { 0x5C, 0x82 }, { 0xA8, 0xD4 } };

      return md_sim_card_sle_memory (card) + at[which][slot];
    }
  return md_sim_card_cpu_file (card, which + 1)->data + slot * sizes[which];
}

static char *
save_image (MdSimCard *card)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("md-card-XXXXXX", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (md_sim_card_save (card, path, &error));
  return path;
}

static MdSimCard *
load_image (const char *path)
{
  g_autoptr(GError) error = NULL;
  MdSimCard *card = md_sim_card_load (path, &error);

  g_assert_no_error (error);
  return card;
}

/* T09 at the counter: the card is refused with its own error in the query
 * and in a sale; an audit row and an alert record it; nothing is sold. */
static void
expect_refused (Fixture    *f,
                MdSimCard  *card,
                gint        code,
                const char *reason)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdCardQuery) q = { 0 };
  g_auto(MdSaleResult) r = { 0 };
  g_autofree char *like = g_strdup_printf ("SELECT count(*) FROM audit WHERE action = 'card.tamper' "
                                           "AND detail LIKE '%%\"%s\"%%'", reason);
  gint64 events = count_rows (f, like);
  gint64 alerts = count_rows (f, "SELECT count(*) FROM alert WHERE kind = 'card.tamper'");
  gint64 sales = count_rows (f, "SELECT count(*) FROM sale");

  md_sim_link_insert (f->link, card);
  g_assert_false (md_card_service_query (f->service, f->cash, &q, NULL, &error));
  g_assert_error (error, MD_CARD_ERROR, code);
  g_test_message ("%s: %s", reason, error->message);
  g_clear_error (&error);
  g_assert_false (sell (f, ACCOUNT, 1000, &r, &error));
  g_assert_error (error, MD_CARD_ERROR, code);
  g_assert_cmpint (r.sale_id, ==, 0);
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM sale"), ==, sales);
  g_assert_cmpint (count_rows (f, like), ==, events + 2);
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM alert WHERE kind = 'card.tamper'"), ==,
                   alerts + 2);
}

static void
test_tamper (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(MdSimCard) card = md_sim_card_new (f->type, uid_one);
  g_autoptr(MdCardKeys) foreign_keys = md_card_test_keys (99);
  g_autofree char *after_one = NULL;
  g_autoptr(GError) error = NULL;
  guint8 *bytes;

  md_sim_link_insert (f->link, card);
  issue (f, ACCOUNT);
  sell_ok (f, 1000, 1);
  after_one = save_image (card);
  sell_ok (f, 2000, 2);

  /* A bit flipped in the issue record. */
  {
    g_autofree char *path = save_image (card);
    g_autoptr(MdSimCard) flipped = load_image (path);

    bytes = area (flipped, MD_CARD_AREA_ISSUE, 0);
    bytes[20] ^= 0x01;
    md_sim_card_changed (flipped);
    expect_refused (f, flipped, MD_CARD_ERROR_BAD_MAC, "bad-mac");
    g_unlink (path);
  }
  /* Both purchase slots altered: no purchase record can be trusted. */
  {
    g_autofree char *path = save_image (card);
    g_autoptr(MdSimCard) flipped = load_image (path);

    area (flipped, MD_CARD_AREA_PURCHASE, 0)[12] ^= 0x40;
    area (flipped, MD_CARD_AREA_PURCHASE, 1)[12] ^= 0x40;
    md_sim_card_changed (flipped);
    expect_refused (f, flipped, MD_CARD_ERROR_BAD_MAC, "bad-mac");
    g_unlink (path);
  }
  /* The older image, replayed: purchase 1 where 2 were sold. */
  {
    g_autoptr(MdSimCard) old = load_image (after_one);

    expect_refused (f, old, MD_CARD_ERROR_ROLLBACK, "rollback");
  }
  /* The card's data copied onto another card. */
  {
    g_autoptr(MdSimCard) clone = md_sim_card_new (f->type, uid_three);

    memcpy (area (clone, MD_CARD_AREA_ISSUE, 0), area (card, MD_CARD_AREA_ISSUE, 0),
            MD_CARD_ISSUE_SIZE);
    for (guint s = 0; s < 2; s++)
      memcpy (area (clone, MD_CARD_AREA_PURCHASE, s), area (card, MD_CARD_AREA_PURCHASE, s),
              MD_CARD_PURCHASE_SIZE);
    if (f->type == MD_SIM_CARD_SLE4442)
      memcpy (md_sim_card_sle_memory (clone) + 0x10, md_sim_card_sle_memory (card) + 0x10, 4);
    md_sim_card_changed (clone);
    expect_refused (f, clone, MD_CARD_ERROR_FOREIGN, "foreign");
  }
  /* A card issued under another site's key. */
  {
    g_autoptr(MdSimCard) stranger = md_sim_card_new (f->type, uid_two);
    g_autoptr(MdSimLink) elsewhere = md_sim_link_new (stranger);

    md_card_test_issue (MD_CARD_LINK (elsewhere), foreign_keys, MD_CARD_KIND_PURCHASE, ACCOUNT, 0,
                        2);
    expect_refused (f, stranger, MD_CARD_ERROR_BAD_MAC, "bad-mac");
  }

  /* The real card still sells, and nothing was credited meanwhile. */
  md_sim_link_insert (f->link, card);
  sell_ok (f, 3000, 3);
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM sale WHERE state = 'posted'"), ==, 3);
  assert_books (f);
  g_unlink (after_one);
}

/* T08 in this process, with the books: the sale's every APDU torn in turn
 * (prepare, the write, the read-back), the card presented again, the sale
 * resolved. */
static void
test_tear (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(MdSimCard) card = md_sim_card_new (f->type, uid_one);
  g_autofree char *uid = NULL;
  guint before_pending = 0;
  guint delivered = 0;
  guint rewritten = 0;
  guint overrides = 0;
  guint runs = 0;
  gint64 count = 0;
  MdSimMeter meter;

  md_sim_meter_init (&meter, METER);
  md_sim_link_insert (f->link, card);
  issue (f, ACCOUNT);
  {
    g_auto(MdCardState) st = { 0 };

    read_card (f, &st);
    uid = g_strdup (st.uid);
  }

  for (guint32 seed = 1; seed <= 3; seed++)
    for (guint k = 1;; k++)
      {
        g_auto(MdSaleResult) r = { 0 };
        g_auto(MdCardState) st = { 0 };
        g_autoptr(GError) error = NULL;
        gint64 sales = count_rows (f, "SELECT count(*) FROM sale");
        gint64 sale;
        gboolean ok;

        md_card_service_set_flags (f->service, MD_CARD_SESSION_DEFAULT);
        md_sim_link_insert (f->link, card);
        md_sim_link_set_tear_at (f->link, k, seed);
        ok = sell (f, ACCOUNT, 100, &r, &error);
        runs++;
        if (!md_sim_link_get_torn (f->link))
          {
            /* k is past the sale: it went through whole. */
            g_assert_no_error (error);
            g_assert_true (ok);
            count++;
            break;
          }
        g_assert_false (ok);
        g_assert_nonnull (error);
        md_sim_link_insert (f->link, card);

        if (r.sale_id == 0)
          {
            /* Torn before the sale was written: nothing recorded, nothing on the card. */
            before_pending++;
            g_assert_cmpint (count_rows (f, "SELECT count(*) FROM sale"), ==, sales);
            read_card (f, &st);
            g_assert_cmpint (st.purchase_count, ==, count);
            continue;
          }

        g_assert_cmpstr (r.state, ==, "pending");
        sale = r.sale_id;
        md_sale_result_clear (&r);
        g_clear_error (&error);
        {
          g_auto(MdCardQuery) q = { 0 };

          query (f, &q);
          g_assert_cmpint (q.pending_sale, !=, 0);
          if (q.pending_written)
            delivered++;
          else
            rewritten++;
        }
        if (!md_card_service_resolve (f->service, f->cash, sale, FALSE, NULL, &r, NULL, &error))
          {
            /* An SLE4442's PRESENT_CODE cut short spent a try: writing it
             * again needs a supervisor. */
            g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_NOT_DELIVERED);
            g_assert_nonnull (strstr (error->message, "PSC"));
            g_clear_error (&error);
            md_sale_result_clear (&r);
            overrides++;
            md_card_service_set_flags (f->service, MD_CARD_SESSION_SUPERVISOR_OVERRIDE);
            g_assert_true (md_card_service_resolve (f->service, f->cash, sale, FALSE, NULL, &r,
                                                    NULL, &error));
          }
        g_assert_no_error (error);
        g_assert_cmpstr (r.state, ==, "posted");
        count++;
        read_card (f, &st);
        g_assert_cmpint (st.purchase_count, ==, count);
        g_assert_cmpint (books_count (f, uid), ==, count);
      }

  /* Every sale posted once, the card one count per sale, the meter
   * crediting each once. */
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM sale WHERE state = 'posted'"), ==, count);
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM sale WHERE state <> 'posted'"), ==, 0);
  /* The meter loads the last purchase once; presenting it again adds nothing. */
  meter.load_count = count - 1;
  g_assert_cmpint (meter_reads (f, card, &meter), ==, MD_CARD_RESULT_LOADED);
  g_assert_cmpint (meter.remaining, ==, 100);
  g_assert_cmpint (meter_reads (f, card, &meter), ==, MD_CARD_RESULT_NOTHING_NEW);
  g_assert_cmpint (meter.remaining, ==, 100);
  g_test_message ("T08 with the books, %s, 3 seeds: %u runs, %u torn before the sale was "
                  "written, %u found written, %u written again (%u with a supervisor's PSC "
                  "override), %" G_GINT64_FORMAT " sales posted",
                  f->type == MD_SIM_CARD_CPU ? "cpu" : "sle4442", runs, before_pending, delivered,
                  rewritten, overrides, count);
  g_assert_cmpuint (delivered, >, 0);
  g_assert_cmpuint (rewritten, >, 0);
  g_assert_cmpuint (before_pending, >, 0);
  assert_books (f);
}

/* A sale torn in its write, then another card presented: a conflict,
 * alerted, the sale kept pending until its own card comes back. */
static void
test_other_card (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(MdSimCard) card = md_sim_card_new (f->type, uid_one);
  g_autoptr(MdSimCard) other = md_sim_card_new (f->type, uid_two);
  g_auto(MdSaleResult) r = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) summary = NULL;
  gint64 sale;

  md_sim_link_insert (f->link, other);
  issue (f, OTHER);
  md_sim_link_insert (f->link, card);
  issue (f, ACCOUNT);

  /* Cut at the very last APDU: the read-back after the write. */
  {
    guint total;

    md_sim_link_insert (f->link, card);
    sell_ok (f, 100, 1);
    total = md_sim_link_get_apdu_count (f->link);
    md_sim_link_insert (f->link, card);
    md_sim_link_set_tear_at (f->link, total, 1);
    g_assert_false (sell (f, ACCOUNT, 200, &r, &error));
    g_assert_true (md_sim_link_get_torn (f->link));
    g_clear_error (&error);
    sale = r.sale_id;
    g_assert_cmpint (sale, !=, 0);
    md_sale_result_clear (&r);
  }

  md_sim_link_insert (f->link, other);
  g_assert_false (md_card_service_resolve (f->service, f->cash, sale, FALSE, NULL, &r, NULL,
                                           &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpstr (r.state, ==, "pending");
  md_sale_result_clear (&r);
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM alert WHERE kind = 'card.conflict'"), ==,
                   1);
  /* Recovery with that card in the reader passes the sale by. */
  g_assert_true (md_card_service_recover (f->service, f->cash, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_node_get_array (summary), 0), "state"), ==, "pending");
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM alert WHERE kind = 'card.conflict'"), ==,
                   1);

  /* A new sale to this card waits for the pending one. */
  md_sim_link_insert (f->link, card);
  g_assert_false (sell (f, ACCOUNT, 300, &r, &error));
  g_assert_error (error, MD_VEND_ERROR, MD_VEND_ERROR_TARGET_PENDING);
  g_clear_error (&error);
  g_clear_pointer (&summary, json_node_unref);
  g_assert_true (md_card_service_recover (f->service, f->cash, &summary, &error));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_node_get_array (summary), 0), "state"), ==, "posted");
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM sale WHERE state = 'posted'"), ==, 2);
  sell_ok (f, 300, 3);
  assert_books (f);
}

/* An issue torn at every APDU is issued again with the same command. */
static void
test_issue_torn (Fixture       *f,
                 gconstpointer  data)
{
  guint overrides = 0;
  guint k;

  for (k = 1;; k++)
    {
      guint8 uid[8] = { 0x20, 0, 0, 0, 0, 0, k >> 8, k & 0xFF };
      g_autoptr(MdSimCard) card = md_sim_card_new (f->type, uid);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) issued = NULL;
      g_auto(MdCardState) st = { 0 };
      g_autofree char *account = g_strdup_printf ("3%05u", k);
      MdAccountSpec spec = { account, "王五", "RES" };

      spec.money_vend = TRUE;
      g_assert_true (md_account_open (f->staff, &spec, &error));
      md_sim_link_insert (f->link, card);
      md_sim_link_set_tear_at (f->link, k, k);
      issued = md_card_service_issue (f->service, f->cash, account, NULL, &error);
      if (!md_sim_link_get_torn (f->link))
        {
          g_assert_no_error (error);
          break;
        }
      g_assert_null (issued);
      g_clear_error (&error);
      g_assert_cmpint (count_rows (f, "SELECT count(*) FROM card"), ==, k - 1);

      md_sim_link_insert (f->link, card);
      issued = md_card_service_issue (f->service, f->cash, account, NULL, &error);
      if (issued == NULL && g_error_matches (error, MD_CARD_ERROR, MD_CARD_ERROR_PSC_TRIES))
        {
          /* A PRESENT_CODE cut short spent a try: a supervisor's override. */
          g_clear_error (&error);
          overrides++;
          md_card_service_set_flags (f->service, MD_CARD_SESSION_SUPERVISOR_OVERRIDE);
          issued = md_card_service_issue (f->service, f->cash, account, NULL, &error);
          md_card_service_set_flags (f->service, MD_CARD_SESSION_DEFAULT);
        }
      g_assert_no_error (error);
      read_card (f, &st);
      g_assert_cmpstr (st.account_no, ==, account);
      g_assert_cmpint (st.kind, ==, MD_CARD_KIND_PURCHASE);
      g_assert_true (st.has_purchase);
      g_assert_cmpint (count_rows (f, "SELECT count(*) FROM card WHERE status = 'active'"), ==,
                       k);
    }
  g_test_message ("issue torn at each of its %u APDUs, each issued again (%u with a PSC "
                  "override)", k - 1, overrides);
  g_assert_cmpuint (k, >, 5);
}

static void
test_tools (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(MdSimCard) card = md_sim_card_new (f->type, uid_one);
  g_autoptr(MdSimCard) tool = md_sim_card_new (f->type, uid_two);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) written = NULL;
  MdCardToolParams params = { 500, 200, 50000, -1 };
  MdSimMeter meter;

  md_sim_meter_init (&meter, METER);
  md_sim_link_insert (f->link, card);
  issue (f, ACCOUNT);
  sell_ok (f, 10000, 1);

  /* A customer's card never becomes a technician's card. */
  g_assert_null (md_card_service_write_check (f->service, f->tech, &error));
  g_assert_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE);
  g_clear_error (&error);

  /* A setting card: the cashier may not, the metering staff may. */
  md_sim_link_insert (f->link, tool);
  g_assert_null (md_card_service_write_setting (f->service, f->cash, ACCOUNT, &params, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);
  written = md_card_service_write_setting (f->service, f->tech, ACCOUNT, &params, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (written), "kind"), ==,
                   "setting");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (written), "power_limit_w"),
                   ==, 8000);
  g_assert_cmpint (meter_reads (f, tool, &meter), ==, MD_CARD_RESULT_SET);
  g_assert_cmpint (meter.params.alarm1, ==, 500);
  g_assert_cmpint (meter.params.capacity, ==, 50000);
  g_assert_cmpint (meter.params.power_limit, ==, 8000);

  /* The meter refuses what passes its hoarding limit now. */
  g_assert_cmpint (meter_reads (f, card, &meter), ==, MD_CARD_RESULT_LOADED);
  md_sim_link_insert (f->link, card);
  sell_ok (f, 45000, 2);
  g_assert_cmpint (meter_reads (f, card, &meter), ==, MD_CARD_RESULT_REFUSED_CAPACITY);

  /* The same card made a check card: the meter writes its state on it, the
   * query compares it with the books. */
  md_sim_link_insert (f->link, tool);
  g_clear_pointer (&written, json_node_unref);
  written = md_card_service_write_check (f->service, f->tech, &error);
  g_assert_no_error (error);
  g_assert_cmpint (meter_reads (f, tool, &meter), ==, MD_CARD_RESULT_CHECKED);
  md_sim_link_insert (f->link, tool);
  {
    g_auto(MdCardQuery) q = { 0 };

    query (f, &q);
    g_assert_cmpint (q.card.kind, ==, MD_CARD_KIND_CHECK);
    g_assert_cmpint (q.card.load_count, ==, 1);
    g_assert_cmpstr (q.meter_account, ==, ACCOUNT);
    g_assert_false (q.blocked);
    g_assert_false (q.sellable);
  }

  /* A clear card: the meter forgets its account. */
  g_clear_pointer (&written, json_node_unref);
  written = md_card_service_write_clear (f->service, f->tech, &error);
  g_assert_no_error (error);
  g_assert_cmpint (meter_reads (f, tool, &meter), ==, MD_CARD_RESULT_CLEARED);
  g_assert_cmpstr (meter.account_no, ==, "");
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM card WHERE kind = 'clear'"), ==, 1);
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM audit WHERE action = 'card.tool'"), ==, 3);
}

static void
test_demo_reader (void)
{
  MdTestDb db = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(MdSession) cash = NULL;
  g_autoptr(MdSession) staff = NULL;
  g_autoptr(MdSimReader) reader = NULL;
  g_autoptr(JsonNode) loaded = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tariffs", "res-2026.ini",
                                                 NULL);
  g_autofree char *tariff = NULL;
  MdAccountSpec spec = { ACCOUNT, "张三", "RES" };
  MdSaleRequest request = { "demo-1", ACCOUNT, 5000, 0, MD_PAY_CASH };
  g_auto(MdSaleResult) r = { 0 };

  md_test_db_setup (&db);
  cash = md_test_add_operator (&db, "cash", MD_ROLE_CASHIER, PW);
  staff = md_test_add_operator (&db, "staff", MD_ROLE_FINANCE | MD_ROLE_UTILIZATION, PW);
  g_assert_true (g_file_get_contents (path, &tariff, NULL, &error));
  g_assert_true (md_tariff_store_set (staff, tariff, -1, NULL, &error));
  g_assert_true (md_category_add (staff, "RES", "居民", MD_UTILITY_ELECTRICITY, "RES-2026",
                                  &error));
  spec.money_vend = TRUE;
  g_assert_true (md_account_open (staff, &spec, &error));
  g_assert_true (md_shift_open (cash, 0, NULL, &error));
  g_assert_no_error (error);

  dir = g_build_filename (db.dir != NULL ? db.dir : g_get_tmp_dir (), "demo-cards", NULL);
  reader = md_sim_reader_new (dir, TRUE, &error);
  g_assert_no_error (error);
  g_assert_null (md_sim_reader_get_inserted (reader));

  /* The account's card, issued the first time it is inserted. */
  g_assert_true (md_sim_reader_insert (reader, cash, ACCOUNT, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (md_sim_reader_get_inserted (reader), ==, ACCOUNT);
  g_assert_true (md_card_service_sell (md_sim_reader_get_service (reader), cash, &request, &r,
                                       NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r.purchase_count, ==, 1);
  md_sim_reader_remove (reader);
  g_assert_null (md_sim_reader_get_inserted (reader));

  /* The meter loads it; the card comes back with the write-back. */
  g_assert_true (md_sim_reader_meter_reads (reader, ACCOUNT, METER, &loaded, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (loaded), "result"), ==,
                   "loaded");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (loaded), "remaining"), ==,
                   5000);
  g_clear_object (&reader);

  /* Kept in the state directory: the same card the next time. */
  reader = md_sim_reader_new (dir, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (md_sim_reader_insert (reader, cash, ACCOUNT, &error));
  {
    g_auto(MdCardQuery) q = { 0 };

    g_assert_true (md_card_service_query (md_sim_reader_get_service (reader), cash, &q, NULL,
                                          &error));
    g_assert_no_error (error);
    g_assert_true (q.sellable);
    g_assert_cmpint (q.card.load_count, ==, 1);
  }
  /* A blank card in its place, for a replacement: the old one set aside. */
  g_assert_true (md_sim_reader_insert_blank (reader, ACCOUNT, MD_SIM_CARD_SLE4442, &error));
  {
    g_auto(MdCardQuery) q = { 0 };

    g_assert_true (md_card_service_query (md_sim_reader_get_service (reader), cash, &q, NULL,
                                          &error));
    g_assert_cmpint (q.card.kind, ==, MD_CARD_KIND_BLANK);
    g_assert_cmpstr (q.card.profile, ==, "sle4442");
  }
  g_clear_object (&reader);

  /* A fresh demo forgets it all. */
  reader = md_sim_reader_new (dir, TRUE, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, &error);
    const char *name;
    guint n = 0;

    while ((name = g_dir_read_name (d)) != NULL)
      n++;
    g_assert_cmpuint (n, ==, 1);   /* the new key */
  }
  g_clear_object (&reader);
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *file = g_build_filename (dir, name, NULL);

        g_unlink (file);
      }
    g_rmdir (dir);
  }
  g_clear_object (&cash);
  g_clear_object (&staff);
  md_test_db_teardown (&db);
}

static void
add (const char   *name,
     void        (*func) (Fixture *, gconstpointer))
{
  static const char *types[] = { "cpu", "sle4442" };

  for (guint t = 0; t < 2; t++)
    {
      g_autofree char *path = g_strdup_printf ("/meterdesk/media/card-service/%s/%s", types[t],
                                               name);

      g_test_add (path, Fixture, GINT_TO_POINTER (t == 0 ? MD_SIM_CARD_CPU : MD_SIM_CARD_SLE4442),
                  fixture_setup, func, fixture_teardown);
    }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  add ("lifecycle", test_lifecycle);
  add ("tamper", test_tamper);
  add ("tear", test_tear);
  add ("other-card", test_other_card);
  add ("issue-torn", test_issue_torn);
  add ("tools", test_tools);
  /* The demo's cards are CPU cards. */
  g_test_add_func ("/meterdesk/media/card-service/cpu/demo-reader", test_demo_reader);
  return g_test_run ();
}
