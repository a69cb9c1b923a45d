/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "md-cli.h"
#include "md-pricing.h"
#include "md-validate.h"

/* Tariffs, fees and quotes. */

/* Far above what a tariff file may be: the parser says why, with the line. */
#define MAX_TARIFF_FILE (1024 * 1024)

static JsonNode *
run_tariff_set (MdCli   *cli,
                char   **args,
                GError **error)
{
  const char *file = NULL;
  MdCliOption options[] = { { "file", MD_CLI_VALUE, &file } };
  g_autofree char *text = NULL;
  gsize length = 0;
  JsonNode *result = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (file == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give the tariff file with --file FILE"));
      return NULL;
    }
  if (g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(GFile) gfile = g_file_new_for_path (file);
      g_autoptr(GFileInfo) info = g_file_query_info (gfile, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                     G_FILE_QUERY_INFO_NONE, NULL, NULL);

      length = info != NULL ? (gsize) g_file_info_get_size (info) : 0;
    }
  if (length <= MAX_TARIFF_FILE && !g_file_get_contents (file, &text, &length, error))
    return NULL;
  if (length > MAX_TARIFF_FILE)
    {
      g_autofree char *shown = g_filename_display_name (file);

      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_TOO_LONG,
                   _("%s is too large for a tariff file"), shown);
      return NULL;
    }
  if (!md_tariff_store_set (cli->session, text, (gssize) length, &result, error))
    {
      g_autofree char *shown = g_filename_display_basename (file);

      g_prefix_error (error, "%s: ", shown);
      return NULL;
    }
  return result;
}

static JsonNode *
run_tariff_list (MdCli   *cli,
                 char   **args,
                 GError **error)
{
  if (!md_cli_parse (args, NULL, 0, 0, 0, NULL, error))
    return NULL;
  return md_tariff_store_list (cli->session, error);
}

static JsonNode *
run_tariff_show (MdCli   *cli,
                 char   **args,
                 GError **error)
{
  g_autoptr(GPtrArray) p = NULL;
  JsonNode *node;

  if (!md_cli_parse (args, NULL, 0, 1, 1, &p, error))
    return NULL;
  if (!(node = md_tariff_store_show (cli->session, p->pdata[0], error)))
    return NULL;

  /* For a person, the file itself says it best. */
  if (!cli->json)
    {
      JsonObject *o = json_node_get_object (node);

      g_print ("%s\n", json_object_get_string_member (o, "source"));
      json_object_remove_member (o, "source");
      json_object_remove_member (o, "rates");
    }
  return node;
}

static JsonNode *
run_tariff_bill (MdCli   *cli,
                 char   **args,
                 GError **error)
{
  const char *tariff = NULL;
  const char *readings = NULL;
  const char *start_use = NULL;
  MdCliOption options[] = {
    { "tariff", MD_CLI_VALUE, &tariff },
    { "readings", MD_CLI_VALUE, &readings },
    { "start-use", MD_CLI_VALUE, &start_use },
  };
  MdEnergy use = 0;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (tariff == NULL || readings == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give --tariff ID and --readings FILE.csv"));
      return NULL;
    }
  if (start_use != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (!md_energy_parse (start_use, 0, &use, &local_error))
        {
          g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT, _("Start use (kWh): %s"),
                       local_error->message);
          return NULL;
        }
    }
  return md_pricing_bill_readings (cli->session, tariff, readings, start_use != NULL, use, error);
}

static JsonNode *
run_tariff_override (MdCli   *cli,
                     char   **args,
                     GError **error)
{
  const char *account = NULL;
  const char *meter = NULL;
  const char *tariff = NULL;
  gboolean clear = FALSE;
  MdCliOption options[] = {
    { "account", MD_CLI_VALUE, &account },
    { "meter", MD_CLI_VALUE, &meter },
    { "tariff", MD_CLI_VALUE, &tariff },
    { "clear", MD_CLI_FLAG, &clear },
  };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if ((tariff == NULL) == !clear)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give either --tariff ID or --clear"));
      return NULL;
    }
  if (!md_tariff_override_set (cli->session, account, meter, tariff, error))
    return NULL;
  return md_cli_result ("account", account, "meter", meter, "tariff", tariff, NULL);
}

static JsonNode *
run_fee_set (MdCli   *cli,
             char   **args,
             GError **error)
{
  const char *name = NULL;
  const char *basis_text = NULL;
  const char *period_text = "once";
  const char *from = NULL;
  MdCliOption options[] = {
    { "name", MD_CLI_VALUE, &name },
    { "basis", MD_CLI_VALUE, &basis_text },
    { "period", MD_CLI_VALUE, &period_text },
    { "from", MD_CLI_VALUE, &from },
  };
  g_autoptr(GPtrArray) p = NULL;
  MdFeeBasis basis = MD_FEE_BASIS_FIXED;
  MdFeePeriod period;
  MdMoney amount;
  gint64 valid_from = 0;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 2, 2, &p, error))
    return NULL;
  if (basis_text == NULL && g_strcmp0 (p->pdata[0], "capacity-increase") == 0)
    basis_text = "per-kva";
  if (basis_text != NULL && !md_fee_basis_parse (basis_text, &basis, error))
    return NULL;
  if (!md_fee_period_parse (period_text, &period, error) ||
      !md_money_parse (p->pdata[1], 0, &amount, error))
    return NULL;
  if (from != NULL && !md_parse_time (from, NULL, &valid_from, error))
    return NULL;
  if (!md_fee_set (cli->session, p->pdata[0], name, basis, period, amount, valid_from, error))
    return NULL;
  {
    g_autofree char *text = md_money_format (amount, MD_MONEY_STYLE_PLAIN);

    return md_cli_result ("kind", p->pdata[0], "amount", text, NULL);
  }
}

static JsonNode *
run_fee_list (MdCli   *cli,
              char   **args,
              GError **error)
{
  gboolean history = FALSE;
  MdCliOption options[] = { { "history", MD_CLI_FLAG, &history } };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  return md_fee_list (cli->session, history, error);
}

static JsonNode *
run_quote (MdCli   *cli,
           char   **args,
           GError **error)
{
  const char *account = NULL;
  const char *amount_text = NULL;
  const char *energy_text = NULL;
  MdCliOption options[] = {
    { "account", MD_CLI_VALUE, &account },
    { "amount", MD_CLI_VALUE, &amount_text },
    { "energy", MD_CLI_VALUE, &energy_text },
  };
  g_auto(MdQuote) quote = { 0 };
  MdMoney amount = 0;
  MdEnergy energy = 0;
  JsonNode *node;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (account == NULL || (amount_text == NULL) == (energy_text == NULL))
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give --account NO and either --amount YUAN or --energy KWH"));
      return NULL;
    }
  if (amount_text != NULL && !md_money_parse (amount_text, MD_PARSE_POSITIVE, &amount, error))
    return NULL;
  if (energy_text != NULL && !md_energy_parse (energy_text, MD_PARSE_POSITIVE, &energy, error))
    return NULL;
  if (!md_pricing_quote (cli->session, account, amount, energy, &quote, NULL, error))
    return NULL;

  node = md_quote_to_json (&quote);
  json_object_set_string_member (json_node_get_object (node), "account", account);

  if (!cli->json)
    {
      for (guint i = 0; i < quote.n_lines; i++)
        {
          g_autofree char *line = md_quote_line_to_string (&quote, i);

          g_print ("%s\n", line);
        }
    }
  return node;
}

const MdCliCommand md_cli_pricing_commands[] = {
  { "tariff set", "--file FILE", N_("Define a tariff or a new version of it (docs/tariffs.md)"),
    MD_CLI_NEEDS_OPERATOR, run_tariff_set },
  { "tariff list", "", N_("List tariffs"), MD_CLI_NEEDS_OPERATOR, run_tariff_list },
  { "tariff show", "ID", N_("Show a tariff in force and its versions"), MD_CLI_NEEDS_OPERATOR,
    run_tariff_show },
  { "tariff bill", "--tariff ID --readings FILE.csv [--start-use KWH]",
    N_("Bill a series of meter readings"), MD_CLI_NEEDS_OPERATOR, run_tariff_bill },
  { "tariff override", "(--account NO | --meter ADDRESS) (--tariff ID | --clear)",
    N_("Price one account or meter by its own tariff"), MD_CLI_NEEDS_OPERATOR,
    run_tariff_override },
  { "fee set", "KIND AMOUNT [--name TEXT] [--basis fixed|per-kva|per-m2] [--period once|monthly] "
    "[--from DATE]", N_("Set the price of a fee or charge item"), MD_CLI_NEEDS_OPERATOR,
    run_fee_set },
  { "fee list", "[--history]", N_("List fees and charge items"), MD_CLI_NEEDS_OPERATOR,
    run_fee_list },
  { "quote", "--account NO (--amount YUAN | --energy KWH)", N_("Price a sale to an account"),
    MD_CLI_NEEDS_OPERATOR, run_quote },
};

const guint md_cli_n_pricing_commands = G_N_ELEMENTS (md_cli_pricing_commands);
