/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "md-card-test.h"

static const guint8 uid_a[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const guint8 uid_b[8] = { 1, 2, 3, 4, 5, 6, 7, 9 };

static void
test_keys_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("md-keys-XXXXXX", NULL);
  g_autofree char *keydir = g_build_filename (dir, "meterdesk", NULL);
  g_autofree char *path = g_build_filename (keydir, "card-master.key", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MdCardKeys) keys = NULL;
  g_autoptr(MdCardKeys) again = NULL;
  g_autofree char *default_path = md_card_keys_default_path ();
  guint8 mac1[16];
  guint8 mac2[16];
  GStatBuf st;

  g_assert_true (g_str_has_suffix (default_path, "/meterdesk/card-master.key"));
  g_assert_true (g_str_has_prefix (default_path, g_get_user_config_dir ()));

  g_assert_true (md_card_keys_create (path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpuint (st.st_size, ==, 32);
  g_assert_cmpint (g_stat (keydir, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0700);

  /* Never replaced. */
  g_assert_false (md_card_keys_create (path, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_KEYS);
  g_clear_error (&error);

  keys = md_card_keys_load (path, &error);
  g_assert_no_error (error);
  again = md_card_keys_load (path, &error);
  g_assert_no_error (error);
  md_card_keys_mac (keys, uid_a, 8, (const guint8 *) "TEST", (const guint8 *) "x", 1, NULL, 0,
                    mac1);
  md_card_keys_mac (again, uid_a, 8, (const guint8 *) "TEST", (const guint8 *) "x", 1, NULL, 0,
                    mac2);
  g_assert_cmpmem (mac1, 16, mac2, 16);

  /* A key others may read is refused. */
  g_assert_cmpint (g_chmod (path, 0640), ==, 0);
  g_assert_null (md_card_keys_load (path, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_KEYS);
  g_clear_error (&error);

  /* So is a file that is no key. */
  g_unlink (path);
  g_assert_true (g_file_set_contents (path, "short", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  g_assert_null (md_card_keys_load (path, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_KEYS);
  g_clear_error (&error);
  g_unlink (path);

  g_assert_null (md_card_keys_load (path, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_KEYS);
  g_rmdir (keydir);
  g_rmdir (dir);
}

static void
test_keys_diversified (void)
{
  g_autoptr(MdCardKeys) keys = md_card_test_keys (0);
  g_autoptr(MdCardKeys) other = md_card_test_keys (1);
  guint8 a[16], b[16], c[16], d[16];
  guint8 psc_a[3], psc_b[3], psc_c[3];

  md_card_keys_mac (keys, uid_a, 8, (const guint8 *) "TEST", (const guint8 *) "data", 4, NULL,
                    0, a);
  md_card_keys_mac (keys, uid_b, 8, (const guint8 *) "TEST", (const guint8 *) "data", 4, NULL,
                    0, b);
  md_card_keys_mac (other, uid_a, 8, (const guint8 *) "TEST", (const guint8 *) "data", 4, NULL,
                    0, c);
  md_card_keys_mac (keys, uid_a, 8, (const guint8 *) "TESU", (const guint8 *) "data", 4, NULL,
                    0, d);
  g_assert_true (memcmp (a, b, 16) != 0);
  g_assert_true (memcmp (a, c, 16) != 0);
  g_assert_true (memcmp (a, d, 16) != 0);

  md_card_keys_derive_psc (keys, uid_a, 8, psc_a);
  md_card_keys_derive_psc (keys, uid_b, 8, psc_b);
  md_card_keys_derive_psc (other, uid_a, 8, psc_c);
  g_assert_true (memcmp (psc_a, psc_b, 3) != 0);
  g_assert_true (memcmp (psc_a, psc_c, 3) != 0);
}

/* The derivation as documented in docs/card-profiles.md, recomputed here
 * from libsodium's HMAC alone: a meter maker's implementation must agree. */
static void
test_documented_vector (void)
{
  g_autoptr(MdCardKeys) keys = md_card_test_keys (0);
  guint8 master[32];
  guint8 card_key[32];
  guint8 full[32];
  guint8 mac[16];
  crypto_auth_hmacsha256_state st;
  static const char label[] = "meterdesk/card-key/v1";
  guint8 sep[2] = { 0x00, 8 };

  for (guint i = 0; i < 32; i++)
    master[i] = i;
  crypto_auth_hmacsha256_init (&st, master, 32);
  crypto_auth_hmacsha256_update (&st, (const guint8 *) label, strlen (label));
  crypto_auth_hmacsha256_update (&st, sep, 2);
  crypto_auth_hmacsha256_update (&st, uid_a, 8);
  crypto_auth_hmacsha256_final (&st, card_key);
  crypto_auth_hmacsha256_init (&st, card_key, 32);
  crypto_auth_hmacsha256_update (&st, (const guint8 *) "MDI\x01", 4);
  crypto_auth_hmacsha256_update (&st, (const guint8 *) "abc", 3);
  crypto_auth_hmacsha256_final (&st, full);

  md_card_keys_mac (keys, uid_a, 8, (const guint8 *) "MDI\x01", (const guint8 *) "abc", 3, NULL,
                    0, mac);
  g_assert_cmpmem (mac, 16, full, 16);
}

static void
test_records_roundtrip (void)
{
  g_autoptr(MdCardKeys) keys = md_card_test_keys (0);
  g_autoptr(GError) error = NULL;
  MdCardIssueRecord issue = { MD_CARD_KIND_SETTING, TRUE, 3, "ACC-42", { 100000, 2000, 500, 8000 } };
  MdCardIssueRecord issue2;
  MdCardPurchaseRecord p = { 7, 12, 5000, { 1, 2, 3, 4, 5, 6, 7, 8 }, FALSE };
  MdCardPurchaseRecord p2;
  MdCardMeterRecord m = { 9, MD_CARD_METER_ALARM1, MD_CARD_RESULT_LOADED, 12, -150, 987654,
                          { 0x00, 0x00, 0x12, 0x34, 0x56, 0x78 }, 3 };
  MdCardMeterRecord m2;
  guint8 ib[MD_CARD_ISSUE_SIZE];
  guint8 pb[MD_CARD_PURCHASE_SIZE];
  guint8 mb[MD_CARD_METER_SIZE];
  const guint8 *issue_mac = ib + MD_CARD_ISSUE_SIZE - 16;

  g_assert_true (md_card_issue_record_encode (keys, uid_a, 8, &issue, ib, &error));
  g_assert_no_error (error);
  g_assert_true (md_card_issue_record_decode (keys, uid_a, 8, ib, sizeof ib, &issue2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (issue2.kind, ==, MD_CARD_KIND_SETTING);
  g_assert_cmpstr (issue2.account_no, ==, "ACC-42");
  g_assert_cmpuint (issue2.generation, ==, 3);
  g_assert_cmpint (issue2.params.capacity, ==, 100000);
  g_assert_cmpint (issue2.params.power_limit, ==, 8000);
  /* The UID tag: the last two bytes of the UID. */
  g_assert_cmphex (ib[6], ==, 7);
  g_assert_cmphex (ib[7], ==, 8);

  md_card_purchase_record_encode (keys, uid_a, 8, issue_mac, &p, pb);
  g_assert_true (md_card_purchase_record_decode (keys, uid_a, 8, issue_mac, pb, sizeof pb, &p2,
                                                 &error));
  g_assert_no_error (error);
  g_assert_cmpuint (p2.seq, ==, 7);
  g_assert_cmpuint (p2.purchase_count, ==, 12);
  g_assert_cmpuint (p2.credit, ==, 5000);
  g_assert_cmpmem (p2.vend_id, 8, p.vend_id, 8);

  md_card_meter_record_encode (keys, uid_a, 8, issue_mac, &m, mb);
  g_assert_true (md_card_meter_record_decode (keys, uid_a, 8, issue_mac, mb, sizeof mb, &m2,
                                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (m2.remaining, ==, -150);
  g_assert_cmpuint (m2.cumulative, ==, 987654);
  g_assert_cmpuint (m2.result, ==, MD_CARD_RESULT_LOADED);

  /* Bound to the issue record: another issue MAC, another key, another
   * UID: each fails. */
  {
    guint8 other_mac[16] = { 0 };
    g_autoptr(MdCardKeys) other = md_card_test_keys (5);

    g_assert_false (md_card_purchase_record_decode (keys, uid_a, 8, other_mac, pb, sizeof pb, &p2,
                                                    &error));
    g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BAD_MAC);
    g_clear_error (&error);
    g_assert_false (md_card_purchase_record_decode (other, uid_a, 8, issue_mac, pb, sizeof pb,
                                                    &p2, &error));
    g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BAD_MAC);
    g_clear_error (&error);
    g_assert_false (md_card_issue_record_decode (keys, uid_b, 8, ib, sizeof ib, &issue2, &error));
    g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_FOREIGN);
    g_clear_error (&error);
    g_assert_false (md_card_issue_record_decode (other, uid_a, 8, ib, sizeof ib, &issue2, &error));
    g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BAD_MAC);
    g_clear_error (&error);
    g_assert_false (md_card_issue_record_decode (keys, uid_a, 8, ib, sizeof ib - 1, &issue2,
                                                 &error));
    g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_TRUNCATED);
    g_clear_error (&error);
  }

  /* Values that do not fit are refused before anything is written. */
  issue.params.capacity = G_GINT64_CONSTANT (1) << 32;
  g_assert_false (md_card_issue_record_encode (keys, uid_a, 8, &issue, ib, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID);
  g_clear_error (&error);
  issue.params.capacity = -1;
  g_assert_false (md_card_issue_record_encode (keys, uid_a, 8, &issue, ib, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID);
  g_clear_error (&error);
  issue.params.capacity = 0;
  g_strlcpy (issue.account_no, "A B", sizeof issue.account_no);
  g_assert_false (md_card_issue_record_encode (keys, uid_a, 8, &issue, ib, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_INVALID);
  g_clear_error (&error);
  memset (ib, 0xFF, sizeof ib);
  g_assert_false (md_card_issue_record_decode (keys, uid_a, 8, ib, sizeof ib, &issue2, &error));
  g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BLANK);
}

static void
test_pick_slot (void)
{
  gboolean both[2] = { TRUE, TRUE };
  gboolean first[2] = { TRUE, FALSE };
  gboolean second[2] = { FALSE, TRUE };
  gboolean none[2] = { FALSE, FALSE };
  guint32 seq[2] = { 5, 6 };
  guint32 wrap[2] = { G_MAXUINT32, 0 };
  guint32 back[2] = { 9, 8 };
  guint8 id1[8], id2[8];

  g_assert_cmpint (md_card_pick_slot (both, seq), ==, 1);
  g_assert_cmpint (md_card_pick_slot (both, wrap), ==, 1);
  g_assert_cmpint (md_card_pick_slot (both, back), ==, 0);
  g_assert_cmpint (md_card_pick_slot (first, seq), ==, 0);
  g_assert_cmpint (md_card_pick_slot (second, back), ==, 1);
  g_assert_cmpint (md_card_pick_slot (none, seq), ==, -1);

  md_card_vend_id_from_key ("sale-1", id1);
  md_card_vend_id_from_key ("sale-2", id2);
  g_assert_true (memcmp (id1, id2, 8) != 0);
  {
    MdCardKind kind;

    g_assert_true (md_card_kind_parse ("replacement", &kind));
    g_assert_cmpint (kind, ==, MD_CARD_KIND_REPLACEMENT);
    g_assert_false (md_card_kind_parse ("bogus", &kind));
    g_assert_cmpstr (md_card_kind_to_string (MD_CARD_KIND_CLEAR), ==, "clear");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/media/keys/file", test_keys_file);
  g_test_add_func ("/meterdesk/media/keys/diversified", test_keys_diversified);
  g_test_add_func ("/meterdesk/media/keys/documented", test_documented_vector);
  g_test_add_func ("/meterdesk/media/records/roundtrip", test_records_roundtrip);
  g_test_add_func ("/meterdesk/media/records/pick-slot", test_pick_slot);
  return g_test_run ();
}
