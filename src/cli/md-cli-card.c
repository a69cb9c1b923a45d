/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "md-card-service.h"
#include "md-cli.h"
#include "md-register.h"
#include "md-settings.h"
#include "md-validate.h"

/* Cards at the counter (docs/cards.md): card read|issue|lost|replace|
 * setting|check|clear; doctor; site settings. Every card command goes
 * through the card service (src/media/md-card-service.h), as the app
 * does. */

/**
 * md_cli_card_service:
 * @reader: (nullable): --reader
 *
 * The card service on the chosen reader with the site's key
 * (--card-key, MD_CARD_KEY, or the default path).
 *
 * Returns: (transfer full): the service, or %NULL with an error
 */
MdCardService *
md_cli_card_service (MdCli       *cli,
                     const char  *reader,
                     GError     **error)
{
  MdCardService *service = md_card_service_open (reader, cli->card_key, error);

  if (service != NULL && cli->session != NULL)
    md_card_service_set_session (service, cli->session);
  return service;
}

static JsonNode *
run_card_read (MdCli   *cli,
               char   **args,
               GError **error)
{
  const char *reader = NULL;
  MdCliOption options[] = { { "reader", MD_CLI_VALUE, &reader } };
  g_autoptr(MdCardService) service = NULL;
  g_auto(MdCardQuery) query = { 0 };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error) ||
      !md_session_require (cli->session, MD_PERM_VIEW, error) ||
      !(service = md_cli_card_service (cli, reader, error)) ||
      !md_card_service_query (service, cli->session, &query, NULL, error))
    return NULL;
  return md_card_query_to_json (&query);
}

static JsonNode *
run_card_issue (MdCli   *cli,
                char   **args,
                GError **error)
{
  const char *account = NULL;
  const char *profile = NULL;
  const char *reader = NULL;
  MdCliOption options[] = {
    { "account", MD_CLI_VALUE, &account },
    { "profile", MD_CLI_VALUE, &profile },
    { "reader", MD_CLI_VALUE, &reader },
  };
  g_autoptr(MdCardService) service = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (account == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give the account with --account NO"));
      return NULL;
    }
  if (!md_validate_code (account, _("account number"), error) ||
      !md_session_require (cli->session, MD_PERM_CARD, error) ||
      !(service = md_cli_card_service (cli, reader, error)))
    return NULL;
  return md_card_service_issue (service, cli->session, account, profile, error);
}

static JsonNode *
run_card_lost (MdCli   *cli,
               char   **args,
               GError **error)
{
  const char *account = NULL;
  MdCliOption options[] = { { "account", MD_CLI_VALUE, &account } };
  g_auto(MdCardRecord) card = { 0 };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (account == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give the account with --account NO"));
      return NULL;
    }
  if (!md_validate_code (account, _("account number"), error) ||
      !md_session_require (cli->session, MD_PERM_CARD, error) ||
      !md_card_of_account (cli->store, account, &card, error) ||
      !md_card_report_lost (cli->session, account, error))
    return NULL;
  return md_cli_result ("account", account, "uid", card.uid, "status", "lost", NULL);
}

static JsonNode *
run_card_replace (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  const char *account = NULL;
  const char *reader = NULL;
  const char *pay = "cash";
  const char *pay_ref = NULL;
  MdCliOption options[] = {
    { "account", MD_CLI_VALUE, &account },
    { "reader", MD_CLI_VALUE, &reader },
    { "pay", MD_CLI_VALUE, &pay },
    { "pay-ref", MD_CLI_VALUE, &pay_ref },
  };
  g_autoptr(MdCardService) service = NULL;
  MdPayMethod method;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (account == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give the account with --account NO"));
      return NULL;
    }
  if (!md_validate_code (account, _("account number"), error) ||
      !md_pay_method_parse (pay, &method, error) ||
      !md_session_require (cli->session, MD_PERM_CARD_REPLACE, error) ||
      !(service = md_cli_card_service (cli, reader, error)))
    return NULL;
  return md_card_service_replace (service, cli->session, account, method, pay_ref, error);
}

/* A level in the account's unit: yuan for a money account, kWh else. */
static gboolean
parse_level (const char  *text,
             gboolean     money,
             const char  *what,
             gint64      *out_value,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  if (text == NULL)
    {
      *out_value = 0;
      return TRUE;
    }
  ok = money ? md_money_parse (text, MD_PARSE_DEFAULT, out_value, &local_error)
             : md_energy_parse (text, MD_PARSE_DEFAULT, out_value, &local_error);
  if (ok)
    return TRUE;
  /* TRANSLATORS: a field's name, then what is wrong with its value */
  g_set_error (error, local_error->domain, local_error->code, _("%s: %s"), what,
               local_error->message);
  return FALSE;
}

static JsonNode *
run_card_setting (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  const char *account = NULL;
  const char *reader = NULL;
  const char *alarm1 = NULL;
  const char *alarm2 = NULL;
  const char *hoard = NULL;
  const char *power = NULL;
  MdCliOption options[] = {
    { "account", MD_CLI_VALUE, &account },
    { "reader", MD_CLI_VALUE, &reader },
    { "alarm1", MD_CLI_VALUE, &alarm1 },
    { "alarm2", MD_CLI_VALUE, &alarm2 },
    { "hoard", MD_CLI_VALUE, &hoard },
    { "power-limit", MD_CLI_VALUE, &power },
  };
  g_autoptr(MdCardService) service = NULL;
  g_auto(MdCardAccount) info = { 0 };
  MdCardToolParams params = { 0, 0, 0, -1 };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (account == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give the account with --account NO"));
      return NULL;
    }
  if (!md_card_account_lookup (cli->store, account, &info, error) ||
      !parse_level (alarm1, info.money, _("First alarm level"), &params.alarm1, error) ||
      !parse_level (alarm2, info.money, _("Second alarm level"), &params.alarm2, error) ||
      !parse_level (hoard, info.money, _("Hoarding limit"), &params.hoard_limit, error) ||
      (power != NULL &&
       !md_parse_int (power, _("power limit"), 0, G_MAXUINT32, &params.power_limit, error)) ||
      !md_session_require (cli->session, MD_PERM_METER_CONTROL, error) ||
      !(service = md_cli_card_service (cli, reader, error)))
    return NULL;
  return md_card_service_write_setting (service, cli->session, account, &params, error);
}

static JsonNode *
run_tool (MdCli       *cli,
          char       **args,
          gboolean     check,
          GError     **error)
{
  const char *reader = NULL;
  MdCliOption options[] = { { "reader", MD_CLI_VALUE, &reader } };
  g_autoptr(MdCardService) service = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error) ||
      !md_session_require (cli->session, check ? MD_PERM_METER_READ : MD_PERM_METER_CONTROL,
                           error) ||
      !(service = md_cli_card_service (cli, reader, error)))
    return NULL;
  return check ? md_card_service_write_check (service, cli->session, error)
               : md_card_service_write_clear (service, cli->session, error);
}

static JsonNode *
run_card_check (MdCli   *cli,
                char   **args,
                GError **error)
{
  return run_tool (cli, args, TRUE, error);
}

static JsonNode *
run_card_clear (MdCli   *cli,
                char   **args,
                GError **error)
{
  return run_tool (cli, args, FALSE, error);
}

/* Serial ports by name only: opening one could disturb a bus in use. */
static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
add_ports (JsonBuilder *b)
{
  g_autoptr(GDir) by_id = g_dir_open ("/dev/serial/by-id", 0, NULL);
  g_autoptr(GDir) dev = g_dir_open ("/dev", 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  json_builder_set_member_name (b, "serial_ports");
  json_builder_begin_array (b);
  while (by_id != NULL && (name = g_dir_read_name (by_id)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/dev/serial/by-id", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);
      g_autofree char *resolved = NULL;

      if (target != NULL && !g_path_is_absolute (target))
        {
          g_autofree char *joined = g_build_filename ("/dev/serial/by-id", target, NULL);

          resolved = g_canonicalize_filename (joined, NULL);
        }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "port");
      json_builder_add_string_value (b, path);
      json_builder_set_member_name (b, "device");
      json_builder_add_string_value (b, resolved != NULL ? resolved : target != NULL ? target : "");
      json_builder_end_object (b);
    }
  while (dev != NULL && (name = g_dir_read_name (dev)) != NULL)
    if (g_str_has_prefix (name, "ttyUSB") || g_str_has_prefix (name, "ttyACM") ||
        g_str_has_prefix (name, "ttyS"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename ("/dev", names->pdata[i], NULL);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "port");
      json_builder_add_string_value (b, path);
      json_builder_set_member_name (b, "device");
      json_builder_add_string_value (b, path);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static const char *
key_state (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return "missing";
  if ((st.st_mode & 077) != 0)
    return "unsafe: readable by others";
  return "present";
}

static JsonNode *
run_doctor (MdCli   *cli,
            char   **args,
            GError **error)
{
  g_autofree char *key_path = NULL;
  g_autoptr(MdCardKeys) keys = NULL;
  g_autoptr(JsonNode) cards = NULL;
  g_autoptr(JsonNode) buses = NULL;
  g_autoptr(JsonNode) meters = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gboolean probe = FALSE;
  MdCliOption options[] = { { "probe", MD_CLI_FLAG, &probe } };
  JsonObject *o;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error) ||
      !md_session_require (cli->session, MD_PERM_VIEW, error) ||
      !(buses = md_bus_list (cli->session, error)))
    return NULL;
  /* Which meters answer: the poller's last word, or with --probe (when
   * nobody hosts the meter services) a read of every meter now. */
  if (!(meters = md_cli_doctor_buses (cli, probe, error)))
    return NULL;

  key_path = md_card_key_path (cli->card_key);
  keys = md_card_keys_load (key_path, NULL);
  cards = md_card_readers_probe (keys, NULL);
  o = json_node_get_object (cards);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "pcscd");
  json_builder_add_string_value (b, json_object_get_string_member (o, "pcscd"));
  json_builder_set_member_name (b, "card_key");
  json_builder_add_string_value (b, key_path);
  json_builder_set_member_name (b, "card_key_state");
  json_builder_add_string_value (b, key_state (key_path));
  json_builder_set_member_name (b, "readers");
  json_builder_add_value (b, json_node_copy (json_object_get_member (o, "readers")));
  add_ports (b);

  /* Each bus's serial device: there or not (nothing is sent on it). */
  json_builder_set_member_name (b, "buses");
  json_builder_begin_array (b);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (buses)); i++)
    {
      JsonObject *bus = json_array_get_object_element (json_node_get_array (buses), i);
      const char *device = json_object_get_string_member_with_default (bus, "device", NULL);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "bus");
      json_builder_add_string_value (b, json_object_get_string_member (bus, "name"));
      json_builder_set_member_name (b, "protocol");
      json_builder_add_string_value (b, json_object_get_string_member_with_default (bus,
                                                                                   "protocol",
                                                                                   ""));
      json_builder_set_member_name (b, "device");
      json_builder_add_string_value (b, device != NULL ? device : "");
      json_builder_set_member_name (b, "present");
      json_builder_add_boolean_value (b, device != NULL && *device != '\0' &&
                                         g_file_test (device, G_FILE_TEST_EXISTS));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "meters");
  json_builder_add_value (b, json_node_copy (meters));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
run_setting_set (MdCli   *cli,
                 char   **args,
                 GError **error)
{
  g_autoptr(GPtrArray) p = NULL;

  if (!md_cli_parse (args, NULL, 0, 2, 2, &p, error) ||
      !md_setting_set (cli->session, p->pdata[0], p->pdata[1], error))
    return NULL;
  /* A password is not repeated on the terminal. */
  return md_cli_result ("key", p->pdata[0], "value",
                        strstr (p->pdata[0], "password") != NULL ? "********"
                                                                 : (const char *) p->pdata[1],
                        NULL);
}

static JsonNode *
run_setting_list (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  if (!md_cli_parse (args, NULL, 0, 0, 0, NULL, error))
    return NULL;
  return md_setting_list (cli->session, error);
}

const MdCliCommand md_cli_card_commands[] = {
  { "card read", "[--reader NAME]",
    N_("Read the card and compare it with the books (card query)"), MD_CLI_NEEDS_OPERATOR,
    run_card_read },
  { "card issue", "--account NO [--profile cpu|sle4442] [--reader NAME]",
    N_("Issue the card in the reader to an account"), MD_CLI_NEEDS_OPERATOR, run_card_issue },
  { "card lost", "--account NO", N_("Report an account’s card lost: it stops working at once"),
    MD_CLI_NEEDS_OPERATOR, run_card_lost },
  { "card replace", "--account NO [--reader NAME] [--pay METHOD] [--pay-ref REF]",
    N_("Issue a replacement card after the waiting period; charges the replacement fee"),
    MD_CLI_NEEDS_OPERATOR, run_card_replace },
  { "card setting", "--account NO [--alarm1 V] [--alarm2 V] [--hoard V] [--power-limit W] "
    "[--reader NAME]",
    N_("Make the card in the reader a setting card for the account’s meter"),
    MD_CLI_NEEDS_OPERATOR, run_card_setting },
  { "card check", "[--reader NAME]", N_("Make the card in the reader a check card"),
    MD_CLI_NEEDS_OPERATOR, run_card_check },
  { "card clear", "[--reader NAME]", N_("Make the card in the reader a clear card"),
    MD_CLI_NEEDS_OPERATOR, run_card_clear },
  { "doctor", "[--probe]",
    N_("Readers, cards, serial ports and buses: what is there and which meters answer (reads "
       "only)"),
    MD_CLI_NEEDS_OPERATOR, run_doctor },
  { "setting set", "KEY VALUE", N_("Change a site setting (an administrator)"),
    MD_CLI_NEEDS_OPERATOR, run_setting_set },
  { "setting list", "", N_("List the site settings"), MD_CLI_NEEDS_OPERATOR, run_setting_list },
};

const guint md_cli_n_card_commands = G_N_ELEMENTS (md_cli_card_commands);
