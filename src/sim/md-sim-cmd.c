/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-sim-cmd.h"

#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "md-card-keys.h"
#include "md-sim-card.h"
#include "md-sim-link.h"
#include "md-sim-meter.h"
#include "md-sim-vpcd.h"

/*
 * meterdesk-sim card --type cpu|sle4442 --state FILE [--port N] [--host H]
 *                    [--tear-at N] [--seed N] [--stall-at N] [--pause-at N] [--uid HEX]
 *                    [--log FILE]
 * meterdesk-sim card-meter --state CARDFILE --meter-state FILE --key KEYFILE
 *                    [--meter-id ID] [--use KWH]
 */

static int
usage (GOptionContext *context,
       const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  if (message != NULL)
    fprintf (stderr, "meterdesk-sim: %s\n", message);
  fputs (help, stderr);
  return 2;
}

static gboolean
parse_uid (const char *text,
           guint8      uid[MD_SIM_UID_SIZE])
{
  if (text == NULL || strlen (text) != 2 * MD_SIM_UID_SIZE)
    return FALSE;
  for (guint i = 0; i < MD_SIM_UID_SIZE; i++)
    {
      int hi = g_ascii_xdigit_value (text[2 * i]);
      int lo = g_ascii_xdigit_value (text[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      uid[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

static int
run_card (int    argc,
          char **argv)
{
  g_autofree char *type = NULL;
  g_autofree char *state = NULL;
  g_autofree char *uid_text = NULL;
  g_autofree char *host = NULL;
  g_autofree char *log_path = NULL;
  int port = 35963;
  int tear_at = 0;
  int stall_at = 0;
  int pause_at = 0;
  int seed = 0;
  GOptionEntry entries[] = {
    { "type", 0, 0, G_OPTION_ARG_STRING, &type, "cpu or sle4442 (for a new card)", "TYPE" },
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &state, "the card's state file", "FILE" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "vpcd's port (35963)", "N" },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "vpcd's host (127.0.0.1)", "HOST" },
    { "tear-at", 0, 0, G_OPTION_ARG_INT, &tear_at, "tear the card at the N-th APDU", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "decides how much of a torn write lands", "N" },
    { "stall-at", 0, 0, G_OPTION_ARG_INT, &stall_at, "carry out the N-th APDU, never answer",
      "N" },
    { "pause-at", 0, 0, G_OPTION_ARG_INT, &pause_at,
      "before the N-th APDU, print \"paused\" and wait for a line on stdin", "N" },
    { "uid", 0, 0, G_OPTION_ARG_STRING, &uid_text, "the serial of a new card (16 hex digits)",
      "HEX" },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_path, "append every APDU to FILE", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- an emulated card on vpcd");
  g_autoptr(GError) error = NULL;
  g_autoptr(MdSimCard) card = NULL;
  MdSimVpcdOptions options = { 0 };
  MdSimExit result;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage (context, error->message);
  if (state == NULL || port <= 0 || port > 65535 || tear_at < 0 || stall_at < 0 ||
      pause_at < 0)
    return usage (context, "--state is required; numbers must be positive");

  if (g_file_test (state, G_FILE_TEST_EXISTS))
    {
      if (!(card = md_sim_card_load (state, &error)))
        {
          fprintf (stderr, "meterdesk-sim: %s\n", error->message);
          return MD_SIM_EXIT_FAILED;
        }
    }
  else
    {
      MdSimCardType card_type;
      guint8 uid[MD_SIM_UID_SIZE];

      if (!md_sim_card_parse_type (type, &card_type))
        return usage (context, "--type cpu or --type sle4442 is needed for a new card");
      if (uid_text != NULL && !parse_uid (uid_text, uid))
        return usage (context, "--uid takes 16 hex digits");
      card = md_sim_card_new (card_type, uid_text != NULL ? uid : NULL);
      if (!md_sim_card_save (card, state, &error))
        {
          fprintf (stderr, "meterdesk-sim: %s\n", error->message);
          return MD_SIM_EXIT_FAILED;
        }
    }
  md_sim_card_set_autosave (card, state);

  options.host = host;
  options.port = port;
  options.tear_at = tear_at;
  options.stall_at = stall_at;
  options.pause_at = pause_at;
  options.seed = seed;
  options.log_path = log_path;
  options.connect_timeout_ms = 10000;
  result = md_sim_vpcd_run (card, &options, &error);
  if (error != NULL)
    fprintf (stderr, "meterdesk-sim: %s\n", error->message);
  return result;
}

static int
run_card_meter (int    argc,
                char **argv)
{
  g_autofree char *state = NULL;
  g_autofree char *meter_state = NULL;
  g_autofree char *key = NULL;
  g_autofree char *meter_id = NULL;
  g_autofree char *use = NULL;
  GOptionEntry entries[] = {
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &state, "the card's state file", "CARDFILE" },
    { "meter-state", 0, 0, G_OPTION_ARG_FILENAME, &meter_state, "the meter's state file",
      "FILE" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key, "the site's card master key", "KEYFILE" },
    { "meter-id", 0, 0, G_OPTION_ARG_STRING, &meter_id, "a new meter's address (12 digits)",
      "ID" },
    { "use", 0, 0, G_OPTION_ARG_STRING, &use, "consume this much energy after the card",
      "KWH" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- a meter reads a card");
  g_autoptr(GError) error = NULL;
  g_autoptr(MdCardKeys) keys = NULL;
  g_autoptr(MdSimCard) card = NULL;
  g_autoptr(MdSimLink) link = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  MdCardMeterResult result = MD_CARD_RESULT_NONE;
  MdSimMeter meter;
  MdEnergy energy = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage (context, error->message);
  if (meter_state == NULL || key == NULL)
    return usage (context, "--meter-state and --key are required");
  if (use != NULL && !md_energy_parse (use, MD_PARSE_DEFAULT, &energy, &error))
    return usage (context, error->message);

  if (g_file_test (meter_state, G_FILE_TEST_EXISTS))
    {
      if (!md_sim_meter_load (&meter, meter_state, &error))
        goto failed;
    }
  else
    md_sim_meter_init (&meter, meter_id);

  if (state != NULL)
    {
      if (!(keys = md_card_keys_load (key, &error)) || !(card = md_sim_card_load (state, &error)))
        goto failed;
      md_sim_card_set_autosave (card, state);
      link = md_sim_link_new (card);
      if (!md_sim_meter_insert_card (&meter, MD_CARD_LINK (link), keys, &result, &error))
        goto failed;
    }
  if (energy > 0 && !md_sim_meter_use (&meter, energy, &error))
    goto failed;
  if (!md_sim_meter_save (&meter, meter_state, &error))
    goto failed;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "result");
  json_builder_add_string_value (builder, md_card_meter_result_to_string (result));
  json_builder_set_member_name (builder, "account");
  json_builder_add_string_value (builder, meter.account_no);
  json_builder_set_member_name (builder, "load_count");
  json_builder_add_int_value (builder, meter.load_count);
  json_builder_set_member_name (builder, "remaining");
  json_builder_add_int_value (builder, meter.remaining);
  json_builder_set_member_name (builder, "cumulative");
  json_builder_add_int_value (builder, meter.cumulative);
  json_builder_set_member_name (builder, "generation");
  json_builder_add_int_value (builder, meter.generation);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  puts (text);
  return 0;

failed:
  fprintf (stderr, "meterdesk-sim: %s\n", error->message);
  return 1;
}

int
md_sim_main (int    argc,
             char **argv)
{
  signal (SIGPIPE, SIG_IGN);
  if (argc >= 2 && g_str_equal (argv[1], "card"))
    return run_card (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "card-meter"))
    return run_card_meter (argc - 1, argv + 1);
  fputs ("usage: meterdesk-sim bus --help\n"
         "       meterdesk-sim card --type cpu|sle4442 --state FILE [--port N] [--tear-at N]\n"
         "                          [--seed N] [--stall-at N] [--pause-at N] [--uid HEX]\n"
         "                          [--log FILE]\n"
         "       meterdesk-sim card-meter --state CARDFILE --meter-state FILE --key KEYFILE\n"
         "                          [--meter-id ID] [--use KWH]\n", stderr);
  return 2;
}
