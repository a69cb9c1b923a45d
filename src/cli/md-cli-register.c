/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "md-cli.h"
#include "md-register.h"
#include "md-validate.h"

/* The register: categories, sites, buses, meters, accounts. */

static gboolean
parse_optional_int (const char  *text,
                    const char  *field,
                    gint64       min,
                    gint64       max,
                    gint64      *out_value,
                    GError     **error)
{
  if (text == NULL)
    return TRUE;
  return md_parse_int (text, field, min, max, out_value, error);
}

static JsonNode *
run_category_add (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  const char *name = NULL;
  const char *tariff = NULL;
  const char *utility_text = "electricity";
  MdCliOption options[] = {
    { "name", MD_CLI_VALUE, &name },
    { "tariff", MD_CLI_VALUE, &tariff },
    { "utility", MD_CLI_VALUE, &utility_text },
  };
  g_autoptr(GPtrArray) positional = NULL;
  MdUtility utility;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &positional, error))
    return NULL;
  if (!md_utility_parse (utility_text, &utility, error) ||
      !md_category_add (cli->session, positional->pdata[0], name, utility, tariff, error))
    return NULL;
  return md_cli_result ("category", positional->pdata[0], "name", name, "tariff", tariff, NULL);
}

static JsonNode *
run_category_list (MdCli   *cli,
                   char   **args,
                   GError **error)
{
  if (!md_cli_parse (args, NULL, 0, 0, 0, NULL, error))
    return NULL;
  return md_category_list (cli->session, error);
}

static JsonNode *
run_site_add (MdCli   *cli,
              char   **args,
              GError **error)
{
  const char *name = NULL;
  const char *address = NULL;
  MdCliOption options[] = {
    { "name", MD_CLI_VALUE, &name },
    { "address", MD_CLI_VALUE, &address },
  };
  g_autoptr(GPtrArray) positional = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &positional, error) ||
      !md_site_add (cli->session, positional->pdata[0], name, address, error))
    return NULL;
  return md_cli_result ("site", positional->pdata[0], "name", name, NULL);
}

/* "building add SITE CODE", "floor add SITE BUILDING CODE",
 * "room add SITE BUILDING FLOOR CODE": the path words, then --name. */
static JsonNode *
run_building_add (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  const char *name = NULL;
  MdCliOption options[] = { { "name", MD_CLI_VALUE, &name } };
  g_autoptr(GPtrArray) p = NULL;
  g_autofree char *path = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 2, 2, &p, error) ||
      !md_building_add (cli->session, p->pdata[0], p->pdata[1], name, error))
    return NULL;
  path = g_strdup_printf ("%s/%s", (char *) p->pdata[0], (char *) p->pdata[1]);
  return md_cli_result ("building", path, "name", name, NULL);
}

static JsonNode *
run_floor_add (MdCli   *cli,
               char   **args,
               GError **error)
{
  const char *name = NULL;
  MdCliOption options[] = { { "name", MD_CLI_VALUE, &name } };
  g_autoptr(GPtrArray) p = NULL;
  g_autofree char *path = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 3, 3, &p, error) ||
      !md_floor_add (cli->session, p->pdata[0], p->pdata[1], p->pdata[2], name, error))
    return NULL;
  path = g_strdup_printf ("%s/%s/%s", (char *) p->pdata[0], (char *) p->pdata[1],
                          (char *) p->pdata[2]);
  return md_cli_result ("floor", path, "name", name, NULL);
}

static JsonNode *
run_room_add (MdCli   *cli,
              char   **args,
              GError **error)
{
  const char *name = NULL;
  const char *area_text = NULL;
  MdCliOption options[] = {
    { "name", MD_CLI_VALUE, &name },
    { "area", MD_CLI_VALUE, &area_text },
  };
  g_autoptr(GPtrArray) p = NULL;
  g_autofree char *path = NULL;
  gint64 area = 0;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 4, 4, &p, error))
    return NULL;
  if (area_text != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (!md_decimal_parse (area_text, 2, G_GINT64_CONSTANT (100000000000), 0, &area,
                             &local_error))
        {
          g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT, _("Room area (m²): %s"),
                       local_error->message);
          return NULL;
        }
    }
  if (!md_room_add (cli->session, p->pdata[0], p->pdata[1], p->pdata[2], p->pdata[3],
                    name, area, error))
    return NULL;
  path = g_strdup_printf ("%s/%s/%s/%s", (char *) p->pdata[0], (char *) p->pdata[1],
                          (char *) p->pdata[2], (char *) p->pdata[3]);
  return md_cli_result ("room", path, "name", name, NULL);
}

static JsonNode *
run_line_add (MdCli   *cli,
              char   **args,
              GError **error)
{
  const char *name = NULL;
  MdCliOption options[] = { { "name", MD_CLI_VALUE, &name } };
  g_autoptr(GPtrArray) p = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error) ||
      !md_line_add (cli->session, p->pdata[0], name, error))
    return NULL;
  return md_cli_result ("line", p->pdata[0], "name", name, NULL);
}

static JsonNode *
run_area_add (MdCli   *cli,
              char   **args,
              GError **error)
{
  const char *name = NULL;
  const char *line = NULL;
  MdCliOption options[] = {
    { "name", MD_CLI_VALUE, &name },
    { "line", MD_CLI_VALUE, &line },
  };
  g_autoptr(GPtrArray) p = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error) ||
      !md_transformer_area_add (cli->session, p->pdata[0], name, line, error))
    return NULL;
  return md_cli_result ("transformer_area", p->pdata[0], "name", name, "line", line, NULL);
}

static JsonNode *
run_site_list (MdCli   *cli,
               char   **args,
               GError **error)
{
  if (!md_cli_parse (args, NULL, 0, 0, 0, NULL, error))
    return NULL;
  return md_site_list (cli->session, error);
}

static JsonNode *
run_site_import (MdCli   *cli,
                 char   **args,
                 GError **error)
{
  g_autoptr(GPtrArray) positional = NULL;
  JsonNode *summary = NULL;

  if (!md_cli_parse (args, NULL, 0, 1, 64, &positional, error))
    return NULL;
  g_ptr_array_add (positional, NULL);
  if (!md_site_import_csv (cli->session, (const char * const *) positional->pdata, &summary,
                           error))
    return NULL;
  return summary;
}

static JsonNode *
run_bus_add (MdCli   *cli,
             char   **args,
             GError **error)
{
  const char *serial = NULL;
  const char *tcp = NULL;
  const char *baud = NULL;
  const char *parity = NULL;
  const char *protocol = "modbus";
  MdCliOption options[] = {
    { "serial", MD_CLI_VALUE, &serial },
    { "tcp", MD_CLI_VALUE, &tcp },
    { "baud", MD_CLI_VALUE, &baud },
    { "parity", MD_CLI_VALUE, &parity },
    { "protocol", MD_CLI_VALUE, &protocol },
  };
  g_autoptr(GPtrArray) p = NULL;
  g_autofree char *host = NULL;
  MdBusSpec spec = { 0 };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error))
    return NULL;

  spec.name = p->pdata[0];
  spec.protocol = protocol;
  spec.device = serial;
  if (!parse_optional_int (baud, _("baud rate"), 300, 115200, &spec.baud, error))
    return NULL;
  if (parity != NULL)
    {
      if (strlen (parity) != 1)
        {
          g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                               _("The parity must be N, E or O"));
          return NULL;
        }
      spec.parity = parity[0];
    }
  if (tcp != NULL)
    {
      const char *colon = strrchr (tcp, ':');

      if (colon == NULL)
        {
          g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                               _("Write the gateway as HOST:PORT"));
          return NULL;
        }
      spec.host = host = g_strndup (tcp, colon - tcp);
      if (!md_parse_int (colon + 1, _("gateway port"), 1, 65535, &spec.port, error))
        return NULL;
    }

  if (!md_bus_add (cli->session, &spec, error))
    return NULL;
  return md_cli_result ("bus", spec.name, "protocol", protocol, "device", serial, "host", host,
                        NULL);
}

static JsonNode *
run_bus_list (MdCli   *cli,
              char   **args,
              GError **error)
{
  if (!md_cli_parse (args, NULL, 0, 0, 0, NULL, error))
    return NULL;
  return md_bus_list (cli->session, error);
}

static JsonNode *
run_meter_add (MdCli   *cli,
               char   **args,
               GError **error)
{
  const char *unit = NULL;
  const char *utility = "electricity";
  MdMeterSpec spec = { 0 };
  MdCliOption options[] = {
    { "model", MD_CLI_VALUE, &spec.model },
    { "bus", MD_CLI_VALUE, &spec.bus },
    { "unit", MD_CLI_VALUE, &unit },
    { "room", MD_CLI_VALUE, &spec.room },
    { "utility", MD_CLI_VALUE, &utility },
    { "asset", MD_CLI_VALUE, &spec.asset_no },
    { "area", MD_CLI_VALUE, &spec.transformer_area },
  };
  g_autoptr(GPtrArray) p = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error))
    return NULL;
  if (spec.model == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give the meter’s model with --model MODEL"));
      return NULL;
    }
  spec.address = p->pdata[0];
  if (!md_utility_parse (utility, &spec.utility, error) ||
      !parse_optional_int (unit, _("unit number"), 1, 247, &spec.unit_id, error) ||
      !md_meter_add (cli->session, &spec, error))
    return NULL;
  return md_cli_result ("meter", spec.address, "model", spec.model,
                        "state", spec.room != NULL ? "installed" : "stock", NULL);
}

static JsonNode *
run_meter_list (MdCli   *cli,
                char   **args,
                GError **error)
{
  const char *state = NULL;
  MdCliOption options[] = { { "state", MD_CLI_VALUE, &state } };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  return md_meter_list (cli->session, state, error);
}

static JsonNode *
run_meter_show (MdCli   *cli,
                char   **args,
                GError **error)
{
  g_autoptr(GPtrArray) p = NULL;

  if (!md_cli_parse (args, NULL, 0, 1, 1, &p, error))
    return NULL;
  return md_meter_show (cli->session, p->pdata[0], error);
}

static JsonNode *
run_meter_install (MdCli   *cli,
                   char   **args,
                   GError **error)
{
  const char *room = NULL;
  MdCliOption options[] = { { "room", MD_CLI_VALUE, &room } };
  g_autoptr(GPtrArray) p = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error))
    return NULL;
  if (room == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Say where with --room SITE/BUILDING/FLOOR/ROOM"));
      return NULL;
    }
  if (!md_meter_install (cli->session, p->pdata[0], room, error))
    return NULL;
  return md_cli_result ("meter", p->pdata[0], "state", "installed", "room", room, NULL);
}

static JsonNode *
meter_move (MdCli       *cli,
            char       **args,
            gboolean   (*func) (MdSession *, const char *, const char *, GError **),
            const char  *state,
            GError     **error)
{
  const char *reason = NULL;
  MdCliOption options[] = { { "reason", MD_CLI_VALUE, &reason } };
  g_autoptr(GPtrArray) p = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error) ||
      !func (cli->session, p->pdata[0], reason, error))
    return NULL;
  return md_cli_result ("meter", p->pdata[0], "state", state, NULL);
}

static JsonNode *
run_meter_remove (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  return meter_move (cli, args, md_meter_remove, "removed", error);
}

static JsonNode *
run_meter_retire (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  return meter_move (cli, args, md_meter_retire, "retired", error);
}

static JsonNode *
run_account_open (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  MdAccountSpec spec = { 0 };
  g_autoptr(GPtrArray) meters = NULL;
  const char *capacity = NULL;
  const char *billing = "meter";
  const char *vend = "energy";
  MdCliOption options[] = {
    { "no", MD_CLI_VALUE, &spec.no },
    { "name", MD_CLI_VALUE, &spec.name },
    { "category", MD_CLI_VALUE, &spec.category },
    { "meter", MD_CLI_LIST, &meters },
    { "phone", MD_CLI_VALUE, &spec.phone },
    { "id-number", MD_CLI_VALUE, &spec.id_number },
    { "address", MD_CLI_VALUE, &spec.address },
    { "room", MD_CLI_VALUE, &spec.room },
    { "capacity", MD_CLI_VALUE, &capacity },
    { "voltage", MD_CLI_VALUE, &spec.voltage_level },
    { "billing", MD_CLI_VALUE, &billing },
    { "vend", MD_CLI_VALUE, &vend },
    { "preregister", MD_CLI_FLAG, &spec.preregister },
  };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (spec.no == NULL || spec.name == NULL || spec.category == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("An account needs --no, --name and --category"));
      return NULL;
    }
  if (g_strcmp0 (billing, "meter") != 0 && g_strcmp0 (billing, "system") != 0)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                           _("Billing must be meter (credit in the meter or card) or system "
                             "(credit in the account)"));
      return NULL;
    }
  if (g_strcmp0 (vend, "energy") != 0 && g_strcmp0 (vend, "money") != 0)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                           _("--vend must be energy (an energy-type meter or card) or money "
                             "(a money-type meter)"));
      return NULL;
    }
  spec.system_billing = g_str_equal (billing, "system");
  spec.money_vend = g_str_equal (vend, "money");
  if (capacity != NULL && !md_capacity_parse (capacity, &spec.capacity_va, error))
    return NULL;
  if (meters != NULL)
    {
      g_ptr_array_add (meters, NULL);
      spec.meters = (const char * const *) meters->pdata;
    }

  if (!md_account_open (cli->session, &spec, error))
    return NULL;
  return md_cli_result ("account", spec.no, "name", spec.name,
                        "state", spec.preregister ? "preregistered" : "open", NULL);
}

static JsonNode *
run_account_activate (MdCli   *cli,
                      char   **args,
                      GError **error)
{
  g_autoptr(GPtrArray) p = NULL;

  if (!md_cli_parse (args, NULL, 0, 1, 1, &p, error) ||
      !md_account_activate (cli->session, p->pdata[0], error))
    return NULL;
  return md_cli_result ("account", p->pdata[0], "state", "open", NULL);
}

static JsonNode *
run_account_show (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  g_autoptr(GPtrArray) p = NULL;

  if (!md_cli_parse (args, NULL, 0, 1, 1, &p, error))
    return NULL;
  return md_account_show (cli->session, p->pdata[0], error);
}

static JsonNode *
run_account_list (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  const char *search = NULL;
  MdCliOption options[] = { { "search", MD_CLI_VALUE, &search } };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  return md_account_list (cli->session, search, error);
}

static JsonNode *
run_account_transfer (MdCli   *cli,
                      char   **args,
                      GError **error)
{
  const char *name = NULL;
  const char *phone = NULL;
  const char *id_number = NULL;
  MdCliOption options[] = {
    { "name", MD_CLI_VALUE, &name },
    { "phone", MD_CLI_VALUE, &phone },
    { "id-number", MD_CLI_VALUE, &id_number },
  };
  g_autoptr(GPtrArray) p = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error))
    return NULL;
  if (name == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Name the new account holder with --name NAME"));
      return NULL;
    }
  if (!md_account_transfer (cli->session, p->pdata[0], name, phone, id_number, error))
    return NULL;
  return md_cli_result ("account", p->pdata[0], "name", name, NULL);
}

static JsonNode *
run_account_change (MdCli   *cli,
                    char   **args,
                    GError **error)
{
  const char *category = NULL;
  const char *capacity = NULL;
  MdCliOption options[] = {
    { "category", MD_CLI_VALUE, &category },
    { "capacity", MD_CLI_VALUE, &capacity },
  };
  g_autoptr(GPtrArray) p = NULL;
  gint64 capacity_va = 0;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error))
    return NULL;
  if (capacity != NULL && !md_capacity_parse (capacity, &capacity_va, error))
    return NULL;
  if (!md_account_change (cli->session, p->pdata[0], category, capacity_va, error))
    return NULL;
  return md_cli_result ("account", p->pdata[0], "category", category, "capacity_kva", capacity,
                        NULL);
}

const MdCliCommand md_cli_register_commands[] = {
  { "category add", "CODE --name TEXT [--tariff TARIFF_ID] [--utility electricity|water]",
    N_("Add a usage category"), MD_CLI_NEEDS_OPERATOR, run_category_add },
  { "category list", "", N_("List usage categories"), MD_CLI_NEEDS_OPERATOR, run_category_list },
  { "site add", "CODE --name TEXT [--address TEXT]", N_("Add a site"),
    MD_CLI_NEEDS_OPERATOR, run_site_add },
  { "building add", "SITE CODE --name TEXT", N_("Add a building to a site"),
    MD_CLI_NEEDS_OPERATOR, run_building_add },
  { "floor add", "SITE BUILDING CODE --name TEXT", N_("Add a floor to a building"),
    MD_CLI_NEEDS_OPERATOR, run_floor_add },
  { "room add", "SITE BUILDING FLOOR CODE --name TEXT [--area M2]", N_("Add a room to a floor"),
    MD_CLI_NEEDS_OPERATOR, run_room_add },
  { "line add", "CODE --name TEXT", N_("Add a feeder line"), MD_CLI_NEEDS_OPERATOR, run_line_add },
  { "area add", "CODE --name TEXT [--line LINE]", N_("Add a transformer area"),
    MD_CLI_NEEDS_OPERATOR, run_area_add },
  { "site list", "", N_("List sites, buildings, floors and rooms"), MD_CLI_NEEDS_OPERATOR,
    run_site_list },
  { "site import", "FILE…", N_("Import sites, rooms, lines, areas, buses and meters from CSV"),
    MD_CLI_NEEDS_OPERATOR, run_site_import },
  { "bus add", "NAME (--serial DEVICE [--baud N] [--parity N|E|O] | --tcp HOST:PORT) "
    "[--protocol modbus|dlt645]", N_("Register an RS485 bus or a Modbus TCP gateway"),
    MD_CLI_NEEDS_OPERATOR, run_bus_add },
  { "bus list", "", N_("List buses and gateways"), MD_CLI_NEEDS_OPERATOR, run_bus_list },
  { "meter add", "ADDRESS --model MODEL [--bus BUS] [--unit N] [--room ROOM] "
    "[--utility electricity|water] [--asset NO] [--area CODE]", N_("Register a meter"),
    MD_CLI_NEEDS_OPERATOR, run_meter_add },
  { "meter list", "[--state stock|installed|removed|retired]", N_("List meters"),
    MD_CLI_NEEDS_OPERATOR, run_meter_list },
  { "meter show", "ADDRESS", N_("Show a meter and its history"), MD_CLI_NEEDS_OPERATOR,
    run_meter_show },
  { "meter install", "ADDRESS --room ROOM", N_("Install a meter from stock in a room"),
    MD_CLI_NEEDS_OPERATOR, run_meter_install },
  { "meter remove", "ADDRESS [--reason TEXT]", N_("Remove an installed meter"),
    MD_CLI_NEEDS_OPERATOR, run_meter_remove },
  { "meter retire", "ADDRESS [--reason TEXT]", N_("Retire a meter for good"),
    MD_CLI_NEEDS_OPERATOR, run_meter_retire },
  { "account open", "--no NO --name NAME --category CODE [--meter ADDRESS]… [--phone P] "
    "[--address A] [--room ROOM] [--capacity KVA] [--id-number X] [--billing meter|system] "
    "[--vend energy|money] [--preregister]", N_("Open (or pre-register) an account"), MD_CLI_NEEDS_OPERATOR,
    run_account_open },
  { "account activate", "NO", N_("Open a pre-registered account"), MD_CLI_NEEDS_OPERATOR,
    run_account_activate },
  { "account show", "NO", N_("Show an account with its meters, cards and history"),
    MD_CLI_NEEDS_OPERATOR, run_account_show },
  { "account list", "[--search TEXT]", N_("Find accounts by number, name, phone, meter or room"),
    MD_CLI_NEEDS_OPERATOR, run_account_list },
  { "account transfer", "NO --name NAME [--phone P] [--id-number X]",
    N_("Transfer an account to a new holder"), MD_CLI_NEEDS_OPERATOR, run_account_transfer },
  { "account change", "NO [--category CODE] [--capacity KVA]",
    N_("Change an account’s category or capacity"), MD_CLI_NEEDS_OPERATOR, run_account_change },
};

const guint md_cli_n_register_commands = G_N_ELEMENTS (md_cli_register_commands);
