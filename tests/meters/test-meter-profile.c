/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "md-meter-profile-private.h"

static char *
data_dir (void)
{
  return g_build_filename (g_getenv ("MD_SOURCE_ROOT"), "data", "meters", NULL);
}

/* Every shipped profile loads strictly (a source comment per key), is
 * named after its id, is listed in the GResource, and the built-in copy
 * is the same profile. */
static void
test_shipped (void)
{
  g_autofree char *dir = data_dir ();
  g_autofree char *xml_path = g_build_filename (dir, "meterdesk-meters.gresource.xml", NULL);
  g_autofree char *xml = NULL;
  g_autoptr(GDir) d = NULL;
  const char *name;
  guint n = 0;

  g_assert_true (g_file_get_contents (xml_path, &xml, NULL, NULL));
  d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *id = NULL;
      g_autofree char *listed = NULL;
      g_autoptr(MdMeterProfile) p = NULL;
      g_autoptr(MdMeterProfile) builtin = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) a = NULL;
      g_autoptr(JsonNode) b = NULL;

      if (!g_str_has_suffix (name, ".ini"))
        continue;
      n++;
      path = g_build_filename (dir, name, NULL);
      id = g_strndup (name, strlen (name) - 4);
      p = md_meter_profile_load_file (path, MD_METER_PROFILE_REQUIRE_SOURCES, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (md_meter_profile_get_id (p), ==, id);

      listed = g_strdup_printf ("<file>%s</file>", name);
      g_assert_nonnull (strstr (xml, listed));

      builtin = md_meter_profile_lookup (id, &error);
      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (builtin->origin, "resource://"));
      a = md_meter_profile_to_json (p);
      b = md_meter_profile_to_json (builtin);
      json_object_remove_member (json_node_get_object (a), "origin");
      json_object_remove_member (json_node_get_object (b), "origin");
      g_assert_true (json_node_equal (a, b));
      g_assert_cmpmem (p->read, sizeof p->read, builtin->read, sizeof builtin->read);
    }
  g_assert_cmpuint (n, >=, 8);

  /* …and nothing listed that is not there. */
  {
    g_auto(GStrv) ids = md_meter_profile_list_ids ();

    g_assert_cmpuint (g_strv_length (ids), ==, n);
  }
}

static void
test_plan (void)
{
  g_autoptr(MdMeterProfile) sim = md_meter_profile_lookup ("meterdesk-sim", NULL);
  g_autoptr(MdMeterProfile) adf = md_meter_profile_lookup ("acrel-adf400l", NULL);
  g_autoptr(MdMeterProfile) dlt = md_meter_profile_lookup ("dlt645-2007-prepaid", NULL);
  g_autoptr(MdMeterProfile) sdm = md_meter_profile_lookup ("eastron-sdm320y", NULL);
  g_autoptr(MdMeterProfile) water = md_meter_profile_lookup ("meterdesk-sim-water", NULL);

  /* The simulator's whole read is one request: serial through purchases. */
  g_assert_cmpuint (sim->n_blocks, ==, 1);
  g_assert_cmpuint (sim->blocks[0].start, ==, 0x0004);
  g_assert_cmpuint (sim->blocks[0].count, ==, 0x0025 - 0x0004);

  /* The ADF400L: measurements, then energy and prepaid registers; the
   * 24 registers between are more than read_gap reads through. */
  g_assert_cmpuint (adf->n_blocks, ==, 2);
  g_assert_cmpuint (adf->blocks[0].start, ==, 0x033F);
  g_assert_cmpuint (adf->blocks[0].count, ==, 0x0346 - 0x033F);
  g_assert_cmpuint (adf->blocks[1].start, ==, 0x035E);
  g_assert_cmpuint (adf->blocks[1].count, ==, 0x0367 - 0x035E);

  /* DL/T 645: energy comes as the 0001FF00 block, status word 3 once. */
  g_assert_cmpuint (dlt->n_dis, ==, 9);
  for (guint i = 0; i < dlt->n_dis; i++)
    if (dlt->dis[i].di == 0x0001FF00)
      g_assert_cmpuint (dlt->dis[i].length, ==, 20);

  /* Input registers for measurements, a holding register for the serial. */
  g_assert_cmpuint (sdm->n_blocks, ==, 3);
  g_assert_cmpuint (sdm->read[MD_METER_POINT_SERIAL].function, ==, 3);
  g_assert_cmpuint (sdm->read[MD_METER_POINT_ENERGY_TOTAL].function, ==, 4);

  /* The water variant inherits and overrides. */
  g_assert_true (md_meter_profile_is_water (water));
  g_assert_false (md_meter_profile_can_read (water, MD_METER_POINT_ENERGY_TOTAL));
  g_assert_true (md_meter_profile_can_read (water, MD_METER_POINT_VOLUME_TOTAL));
  g_assert_true (md_meter_profile_can_recharge (water, NULL));
  g_assert_true (md_meter_profile_can_control (water, MD_METER_CONTROL_MODE_LOCAL, NULL));
}

static void
test_capabilities (void)
{
  g_autoptr(MdMeterProfile) dlt = md_meter_profile_lookup ("dlt645-2007-prepaid", NULL);
  g_autoptr(MdMeterProfile) ddsy = md_meter_profile_lookup ("acrel-ddsy1352", NULL);
  g_autoptr(MdMeterProfile) simd = md_meter_profile_lookup ("meterdesk-sim-dlt645", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (md_meter_profile_can_recharge (dlt, &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "ESAM"));
  g_clear_error (&error);
  g_assert_true (md_meter_profile_can_control (dlt, MD_METER_CONTROL_TRIP, NULL));
  g_assert_false (md_meter_profile_can_control (dlt, MD_METER_CONTROL_MODE_REMOTE, NULL));
  g_assert_true (md_meter_profile_can_broadcast_time (dlt));

  g_assert_false (md_meter_profile_can_recharge (ddsy, &error));
  g_assert_error (error, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED);
  g_assert_cmpint (md_meter_profile_get_credit_kind (ddsy), ==, MD_METER_CREDIT_NONE);
  g_assert_false (md_meter_profile_can_control (ddsy, MD_METER_CONTROL_TRIP, NULL));

  g_assert_true (md_meter_profile_can_recharge (simd, NULL));
  g_assert_cmphex (simd->recharge_address, ==, 0x0F000001);
}

#define HEAD "[profile]\nid = t\nname = T\nprotocol = modbus\n"
#define HEAD_DLT "[profile]\nid = t\nname = T\nprotocol = dlt645\ncredit = money\n"

static void
test_bad (void)
{
  static const struct
  {
    const char *text;
    gint        code;
    guint       line;
    const char *says;
  } cases[] = {
    { "id = x\n", MD_METER_PROFILE_ERROR_SYNTAX, 1, "before the first" },
    { "[profile]\nhello\n", MD_METER_PROFILE_ERROR_SYNTAX, 2, "key = value" },
    { "[profile\n", MD_METER_PROFILE_ERROR_SYNTAX, 1, "section header" },
    { "[foo]\n", MD_METER_PROFILE_ERROR_INVALID, 1, "unknown section" },
    { "[profile]\nid = t\nname = T\n", MD_METER_PROFILE_ERROR_INVALID, 1, "needs id" },
    { "[profile]\nid = T!\n", MD_METER_PROFILE_ERROR_INVALID, 2, "lower-case" },
    { "[profile]\nid = t\nname = T\nprotocol = canbus\n", MD_METER_PROFILE_ERROR_INVALID, 4,
      "modbus or dlt645" },
    { HEAD "word_order = middle\n", MD_METER_PROFILE_ERROR_INVALID, 5, "high-first" },
    { HEAD "colour = red\n", MD_METER_PROFILE_ERROR_INVALID, 5, "unknown key" },
    { HEAD "[read]\nenergy_total = 0x10000 u32\n", MD_METER_PROFILE_ERROR_INVALID, 6,
      "register address" },
    { HEAD "[read]\nenergy = 0x10 u32\n", MD_METER_PROFILE_ERROR_INVALID, 6, "unknown point" },
    { HEAD "[read]\nenergy_total = 0x10 u64\n", MD_METER_PROFILE_ERROR_INVALID, 6, "value type" },
    { HEAD "[read]\nenergy_total = 0x10 sbcd4\n", MD_METER_PROFILE_ERROR_INVALID, 6,
      "value type" },
    { HEAD "[read]\nsupply_off = 0x10 u16\n", MD_METER_PROFILE_ERROR_INVALID, 6, "which bit" },
    { HEAD "[read]\npower = 0x10 u16 bit 3\n", MD_METER_PROFILE_ERROR_INVALID, 6, "are bits" },
    { HEAD "[read]\npower = 0x10 f32 bit 3\n", MD_METER_PROFILE_ERROR_INVALID, 6, "no bits" },
    { HEAD "[read]\npower = 0x10 u16 bit 16\n", MD_METER_PROFILE_ERROR_INVALID, 6,
      "not understood" },
    { HEAD "[read]\npower = 0x10 u16 x10 /10\n", MD_METER_PROFILE_ERROR_INVALID, 6,
      "two scales" },
    { HEAD "[read]\npower = 0x10 u16 x0\n", MD_METER_PROFILE_ERROR_INVALID, 6, "not understood" },
    { HEAD "[read]\npower = 0xFFFF u32\n", MD_METER_PROFILE_ERROR_INVALID, 6, "past the end" },
    { HEAD "[read]\npower = 0x10 u16\npower = 0x11 u16\n", MD_METER_PROFILE_ERROR_INVALID, 7,
      "set twice" },
    { HEAD "[read]\npower = 0x10 u16\n[read]\n", MD_METER_PROFILE_ERROR_INVALID, 7,
      "appears twice" },
    { HEAD "[params]\nenergy_total = 0x10 u32\n", MD_METER_PROFILE_ERROR_INVALID, 6,
      "not a parameter" },
    { HEAD "[params]\nalarm_1 = input 0x10 u32\n", MD_METER_PROFILE_ERROR_INVALID, 6,
      "cannot be written" },
    { HEAD "[read]\ncredit = 0x10 i32\n", MD_METER_PROFILE_ERROR_INVALID, 1, "which credit" },
    { HEAD "credit = money\n[recharge]\nmethod = modbus\nregister = 0x200\namount = +0 u32\n"
      "count = +2 u16\n", MD_METER_PROFILE_ERROR_INVALID, 6, "purchase_count" },
    { HEAD "credit = money\n[read]\npurchase_count = 0x1C u16\n[recharge]\nmethod = modbus\n"
      "register = 0x200\namount = +0 u32\ncount = +3 u16\n", MD_METER_PROFILE_ERROR_INVALID, 12,
      "side by side" },
    { HEAD "[recharge]\nmethod = dlt645\n", MD_METER_PROFILE_ERROR_INVALID, 6, "does not fit" },
    { HEAD "[recharge]\namount = 0 u32\n", MD_METER_PROFILE_ERROR_INVALID, 6, "+OFFSET" },
    { HEAD "[control]\nmethod = modbus\ntrip = 0x300\n", MD_METER_PROFILE_ERROR_INVALID, 7,
      "REGISTER VALUE" },
    { HEAD "[control]\nmethod = modbus\n", MD_METER_PROFILE_ERROR_INVALID, 5, "at least one" },
    { HEAD "[discover]\nmethod = modbus\nprobe = credit\n", MD_METER_PROFILE_ERROR_INVALID, 7,
      "not in [read]" },
    { HEAD "[discover]\nfirst_unit = 0\n", MD_METER_PROFILE_ERROR_INVALID, 6, "number from" },
    { HEAD_DLT "[read]\ncredit = 0x123 bcd4\n", MD_METER_PROFILE_ERROR_INVALID, 7, "eight hex" },
    { HEAD_DLT "[read]\ncredit = 0x00900200 u32\n", MD_METER_PROFILE_ERROR_INVALID, 7,
      "value type" },
    { HEAD_DLT "[read]\ncredit = 0x00900200 bcd4 @251\n", MD_METER_PROFILE_ERROR_INVALID, 7,
      "not understood" },
    { HEAD_DLT "[control]\nwrite_function = single\n", MD_METER_PROFILE_ERROR_INVALID, 7,
      "unknown key" },
    { "[profile]\nid = t\nname = T\nbase = no-such-profile\n", MD_METER_PROFILE_ERROR_INVALID, 4,
      "cannot be loaded" },
    { "[profile]\nid = t\nname = T\nbase = t\n", MD_METER_PROFILE_ERROR_INVALID, 4,
      "cannot be loaded" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *prefix = g_strdup_printf ("bad.ini:%u: ", cases[i].line);
      MdMeterProfile *p;

      p = md_meter_profile_load_data ("bad.ini", cases[i].text, -1, MD_METER_PROFILE_DEFAULT,
                                      &error);
      if (p != NULL || error == NULL || error->code != cases[i].code ||
          !g_str_has_prefix (error->message, prefix) ||
          strstr (error->message, cases[i].says) == NULL)
        g_error ("case %u: %s\n  got: %s", i, cases[i].text,
                 error != NULL ? error->message : "(loaded)");
    }

  /* A NUL byte makes it binary, not a profile. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (md_meter_profile_load_data ("bad.ini", "[profile]\nid = t\0\n", 15,
                                               MD_METER_PROFILE_DEFAULT, &error));
    g_assert_error (error, MD_METER_PROFILE_ERROR, MD_METER_PROFILE_ERROR_SYNTAX);
  }
}

static void
test_sources (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdMeterProfile) ok = NULL;
  const char *unsourced = "[profile]\nid = t\nname = T\n; source: A.1\nprotocol = modbus\n"
                          "; a comment, but no source\nutility = water\n";
  const char *sourced = "[profile]\nid = t\nname = T\n; source: A.1\nprotocol = modbus\n"
                        "; source: B.1, and a second line\n; of comment\nutility = water\n";
  const char *blank = "[profile]\nid = t\nname = T\n; source: A.1\n\nprotocol = modbus\n";

  g_assert_null (md_meter_profile_load_data ("s.ini", unsourced, -1,
                                             MD_METER_PROFILE_REQUIRE_SOURCES, &error));
  g_assert_error (error, MD_METER_PROFILE_ERROR, MD_METER_PROFILE_ERROR_SOURCE);
  g_assert_true (g_str_has_prefix (error->message, "s.ini:7: "));
  g_clear_error (&error);

  /* The source must be right above: a blank line breaks it. */
  g_assert_null (md_meter_profile_load_data ("s.ini", blank, -1,
                                             MD_METER_PROFILE_REQUIRE_SOURCES, &error));
  g_assert_error (error, MD_METER_PROFILE_ERROR, MD_METER_PROFILE_ERROR_SOURCE);
  g_assert_true (g_str_has_prefix (error->message, "s.ini:6: "));
  g_clear_error (&error);

  ok = md_meter_profile_load_data ("s.ini", sourced, -1, MD_METER_PROFILE_REQUIRE_SOURCES, &error);
  g_assert_no_error (error);
  g_assert_true (md_meter_profile_is_water (ok));

  /* Without the flag, sources are the author's business. */
  g_clear_pointer (&ok, md_meter_profile_unref);
  ok = md_meter_profile_load_data ("s.ini", unsourced, -1, MD_METER_PROFILE_DEFAULT, &error);
  g_assert_no_error (error);
}

/* A site adapts a model with a two-line file: base + the [U] setting. */
static void
test_path_and_base (void)
{
  g_autofree char *dir = g_dir_make_tmp ("md-profiles-XXXXXX", NULL);
  g_autofree char *lowfirst = g_build_filename (dir, "adf-lowfirst.ini", NULL);
  g_autofree char *wrong = g_build_filename (dir, "wrong-name.ini", NULL);
  g_autofree char *shadow = g_build_filename (dir, "acrel-adf400l.ini", NULL);
  g_autoptr(MdMeterProfile) p = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (lowfirst,
                                      "[profile]\nid = adf-lowfirst\nname = ADF low first\n"
                                      "base = acrel-adf400l\nword_order = low-first\n", -1, NULL));
  g_assert_true (g_file_set_contents (wrong, "[profile]\nid = other\nname = X\nprotocol = modbus\n",
                                      -1, NULL));
  g_setenv ("MD_METER_PROFILE_PATH", dir, TRUE);

  p = md_meter_profile_lookup ("adf-lowfirst", &error);
  g_assert_no_error (error);
  g_assert_cmpint (p->word_order, ==, MD_METER_WORD_ORDER_LOW_FIRST);
  g_assert_true (md_meter_profile_can_recharge (p, NULL));
  g_assert_cmphex (p->recharge_address, ==, 0x0543);
  g_assert_cmpuint (p->n_blocks, ==, 2);
  g_clear_pointer (&p, md_meter_profile_unref);

  g_assert_null (md_meter_profile_lookup ("wrong-name", &error));
  g_assert_error (error, MD_METER_PROFILE_ERROR, MD_METER_PROFILE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_null (md_meter_profile_lookup ("../etc/passwd", &error));
  g_assert_error (error, MD_METER_PROFILE_ERROR, MD_METER_PROFILE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A file on the path comes before the built-in profile of that id. */
  g_assert_true (g_file_set_contents (shadow,
                                      "[profile]\nid = acrel-adf400l\nname = Local ADF\n"
                                      "protocol = modbus\n", -1, NULL));
  p = md_meter_profile_lookup ("acrel-adf400l", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (md_meter_profile_get_name (p), ==, "Local ADF");
  g_clear_pointer (&p, md_meter_profile_unref);

  /* A base loop is caught. */
  g_assert_true (g_file_set_contents (shadow,
                                      "[profile]\nid = acrel-adf400l\nname = Loop\n"
                                      "base = adf-lowfirst\n", -1, NULL));
  g_assert_null (md_meter_profile_lookup ("adf-lowfirst", &error));
  g_assert_error (error, MD_METER_PROFILE_ERROR, MD_METER_PROFILE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "deep"));

  g_unsetenv ("MD_METER_PROFILE_PATH");
  g_remove (lowfirst);
  g_remove (wrong);
  g_remove (shadow);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/meters/profile/shipped", test_shipped);
  g_test_add_func ("/meterdesk/meters/profile/plan", test_plan);
  g_test_add_func ("/meterdesk/meters/profile/capabilities", test_capabilities);
  g_test_add_func ("/meterdesk/meters/profile/bad", test_bad);
  g_test_add_func ("/meterdesk/meters/profile/sources", test_sources);
  g_test_add_func ("/meterdesk/meters/profile/path-and-base", test_path_and_base);
  return g_test_run ();
}
