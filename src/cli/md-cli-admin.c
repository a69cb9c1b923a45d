/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "md-audit.h"
#include "md-cli.h"
#include "md-demo.h"
#include "md-ledger.h"
#include "md-register.h"

/* Set-up and administration: init, operators, terminals, audit, backup. */

static void
clear_secret (char *secret)
{
  if (secret != NULL)
    {
      memset (secret, 0, strlen (secret));
      g_free (secret);
    }
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (char, clear_secret)

static JsonNode *
run_init (MdCli   *cli,
          char   **args,
          GError **error)
{
  const char *admin = NULL;
  MdCliOption options[] = { { "admin", MD_CLI_VALUE, &admin } };
  g_autoptr(char) password = NULL;
  g_autofree char *version = NULL;
  g_autofree char *key_path = NULL;
  gboolean key_created = FALSE;
  gboolean exist = FALSE;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (admin == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Name the first administrator with --admin NAME"));
      return NULL;
    }
  if (!(password = md_cli_read_secret (cli, "MD_NEW_PASSWORD", error)))
    return NULL;
  if (!md_operators_exist (cli->store, &exist, error))
    return NULL;
  /* The site's card key before the first operator: if it cannot be made,
   * init can simply be run again. An existing key is kept, never replaced. */
  if (!exist && !md_card_key_create (cli->card_key, &key_path, &key_created, error))
    return NULL;
  if (!md_operator_create_first_admin (cli->store, cli->terminal, admin, password, error))
    return NULL;

  version = g_strdup_printf ("%d", md_store_get_schema_version (cli->store));
  return md_cli_result ("database", md_store_get_uri (cli->store), "schema_version", version,
                        "operator", admin, "terminal", cli->terminal,
                        "card_key", key_path,
                        "card_key_state", key_created ? "created" : "kept", NULL);
}

/* "demo --out FILE": the demo site of `meterdesk --demo`, for training and
 * trying things out; the build keeps one ready for the app to copy. */
static JsonNode *
run_demo (MdCli   *cli,
          char   **args,
          GError **error)
{
  const char *out = NULL;
  MdCliOption options[] = { { "out", MD_CLI_VALUE, &out } };
  g_autoptr(MdSession) admin = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (out == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give the file to write with --out FILE"));
      return NULL;
    }
  if (!(admin = md_demo_create (out, error)))
    return NULL;
  return md_cli_result ("database", out, "operator", "admin", NULL);
}

static JsonNode *
run_operator_add (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  const char *role_text = NULL;
  const char *full_name = NULL;
  MdCliOption options[] = {
    { "role", MD_CLI_VALUE, &role_text },
    { "full-name", MD_CLI_VALUE, &full_name },
  };
  g_autoptr(GPtrArray) positional = NULL;
  g_autoptr(char) password = NULL;
  g_autofree char *role_list = NULL;
  MdRole roles;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &positional, error))
    return NULL;
  if (role_text == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give the operator’s role with --role ROLE"));
      return NULL;
    }
  if (!md_roles_parse (role_text, &roles, error))
    return NULL;
  if (!md_session_require (cli->session, MD_PERM_OPERATOR, error))
    return NULL;
  if (!(password = md_cli_read_secret (cli, "MD_NEW_PASSWORD", error)))
    return NULL;
  if (!md_operator_add (cli->session, positional->pdata[0], full_name, roles, password, NULL,
                        error))
    return NULL;

  role_list = md_roles_to_string (roles);
  return md_cli_result ("operator", positional->pdata[0], "roles", role_list, NULL);
}

static JsonNode *
run_operator_passwd (MdCli   *cli,
                     char   **args,
                     GError **error)
{
  g_autoptr(GPtrArray) positional = NULL;
  g_autoptr(char) password = NULL;

  if (!md_cli_parse (args, NULL, 0, 1, 1, &positional, error))
    return NULL;
  if (!(password = md_cli_read_secret (cli, "MD_NEW_PASSWORD", error)))
    return NULL;
  if (!md_operator_set_password (cli->session, positional->pdata[0], password, error))
    return NULL;
  return md_cli_result ("operator", positional->pdata[0], "status", "password changed", NULL);
}

static JsonNode *
run_operator_list (MdCli   *cli,
                   char   **args,
                   GError **error)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  if (!md_cli_parse (args, NULL, 0, 0, 0, NULL, error))
    return NULL;
  if (!(list = md_operator_list (cli->session, error)))
    return NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < list->len; i++)
    {
      MdOperatorInfo *info = list->pdata[i];
      g_autofree char *role_list = md_roles_to_string (info->roles);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, info->name);
      json_builder_set_member_name (builder, "full_name");
      json_builder_add_string_value (builder, info->full_name);
      json_builder_set_member_name (builder, "roles");
      json_builder_add_string_value (builder, role_list);
      json_builder_set_member_name (builder, "active");
      json_builder_add_boolean_value (builder, info->active);
      json_builder_set_member_name (builder, "failed_logins");
      json_builder_add_int_value (builder, info->failed_logins);
      json_builder_set_member_name (builder, "locked");
      json_builder_add_boolean_value (builder, info->locked_until > g_get_real_time ());
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

static JsonNode *
run_operator_roles (MdCli   *cli,
                    char   **args,
                    GError **error)
{
  const char *role_text = NULL;
  MdCliOption options[] = { { "role", MD_CLI_VALUE, &role_text } };
  g_autoptr(GPtrArray) positional = NULL;
  g_autofree char *role_list = NULL;
  MdRole roles;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &positional, error))
    return NULL;
  if (role_text == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give the operator’s roles with --role ROLE[,ROLE…]"));
      return NULL;
    }
  if (!md_roles_parse (role_text, &roles, error) ||
      !md_operator_set_roles (cli->session, positional->pdata[0], roles, error))
    return NULL;

  role_list = md_roles_to_string (roles);
  return md_cli_result ("operator", positional->pdata[0], "roles", role_list, NULL);
}

static JsonNode *
operator_simple (MdCli        *cli,
                 char        **args,
                 gboolean    (*func) (MdSession *, const char *, GError **),
                 const char   *status,
                 GError      **error)
{
  g_autoptr(GPtrArray) positional = NULL;

  if (!md_cli_parse (args, NULL, 0, 1, 1, &positional, error))
    return NULL;
  if (!func (cli->session, positional->pdata[0], error))
    return NULL;
  return md_cli_result ("operator", positional->pdata[0], "status", status, NULL);
}

static gboolean
deactivate (MdSession   *session,
            const char  *name,
            GError     **error)
{
  return md_operator_set_active (session, name, FALSE, error);
}

static gboolean
activate (MdSession   *session,
          const char  *name,
          GError     **error)
{
  return md_operator_set_active (session, name, TRUE, error);
}

static JsonNode *
run_operator_unlock (MdCli   *cli,
                     char   **args,
                     GError **error)
{
  return operator_simple (cli, args, md_operator_unlock, "unlocked", error);
}

static JsonNode *
run_operator_deactivate (MdCli   *cli,
                         char   **args,
                         GError **error)
{
  return operator_simple (cli, args, deactivate, "deactivated", error);
}

static JsonNode *
run_operator_activate (MdCli   *cli,
                       char   **args,
                       GError **error)
{
  return operator_simple (cli, args, activate, "activated", error);
}

static JsonNode *
run_terminal_add (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  const char *name = NULL;
  MdCliOption options[] = { { "name", MD_CLI_VALUE, &name } };
  g_autoptr(GPtrArray) positional = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &positional, error))
    return NULL;
  if (!md_terminal_add (cli->session, positional->pdata[0],
                        name != NULL ? name : positional->pdata[0], error))
    return NULL;
  return md_cli_result ("terminal", positional->pdata[0], "name", name, NULL);
}

static JsonNode *
run_terminal_list (MdCli   *cli,
                   char   **args,
                   GError **error)
{
  if (!md_cli_parse (args, NULL, 0, 0, 0, NULL, error))
    return NULL;
  return md_terminal_list (cli->session, error);
}

static JsonNode *
run_audit_verify (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  g_auto(MdAuditReport) report = { 0 };
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) problems = NULL;

  if (!md_cli_parse (args, NULL, 0, 0, 0, NULL, error))
    return NULL;
  if (!md_session_require (cli->session, MD_PERM_AUDIT, error))
    return NULL;
  if (!md_store_check_integrity (cli->store, FALSE, error))
    return NULL;
  if (!md_audit_verify (cli->store, &report, error))
    return NULL;
  if (!md_ledger_check (cli->store, &problems, error))
    return NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, report.broken_seq == 0 && problems->len == 0);
  json_builder_set_member_name (builder, "rows");
  json_builder_add_int_value (builder, report.rows);
  json_builder_set_member_name (builder, "head_seq");
  json_builder_add_int_value (builder, report.head_seq);
  json_builder_set_member_name (builder, "head_hash");
  json_builder_add_string_value (builder, report.head_hash);
  if (report.broken_seq != 0)
    {
      json_builder_set_member_name (builder, "broken_seq");
      json_builder_add_int_value (builder, report.broken_seq);
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, report.reason);
      g_set_error (error, MD_AUDIT_ERROR, MD_AUDIT_ERROR_BROKEN,
                   _("The audit chain is broken: %s"), report.reason);
    }
  json_builder_set_member_name (builder, "problems");
  json_builder_begin_array (builder);
  for (guint i = 0; i < problems->len; i++)
    json_builder_add_string_value (builder, problems->pdata[i]);
  json_builder_end_array (builder);
  if (problems->len > 0 && (error == NULL || *error == NULL))
    g_set_error (error, MD_AUDIT_ERROR, MD_AUDIT_ERROR_BROKEN,
                 ngettext ("The books do not hold (%u problem): %s",
                           "The books do not hold (%u problems): %s", problems->len),
                 problems->len, (const char *) problems->pdata[0]);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static JsonNode *
run_backup (MdCli   *cli,
            char   **args,
            GError **error)
{
  const char *out = NULL;
  MdCliOption options[] = { { "out", MD_CLI_VALUE, &out } };
  g_autoptr(JsonNode) detail_node = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *display = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (out == NULL || *out == '\0')
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Say where the backup goes with --out FILE"));
      return NULL;
    }
  if (!md_session_require (cli->session, MD_PERM_BACKUP, error))
    return NULL;
  if (!md_store_backup_to (cli->store, out, error))
    return NULL;

  display = g_filename_display_name (out);
  detail_node = md_cli_result ("file", display, NULL);
  detail = json_to_string (detail_node, FALSE);
  if (!md_audit_record (cli->session, 0, "database.backup", "", detail, error))
    return NULL;
  return md_cli_result ("file", display, "status", "written", NULL);
}

static JsonNode *
run_restore (MdCli   *cli,
             char   **args,
             GError **error)
{
  g_autoptr(GPtrArray) positional = NULL;
  g_auto(MdAuditReport) before = { 0 };
  g_autofree char *display = NULL;
  g_autofree char *prev_seq = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) detail_node = NULL;
  g_autofree char *detail = NULL;

  if (!md_cli_parse (args, NULL, 0, 1, 1, &positional, error))
    return NULL;
  if (!md_session_require (cli->session, MD_PERM_RESTORE, error))
    return NULL;

  /* Remember the head being replaced: the restored chain records it. */
  if (!md_audit_verify (cli->store, &before, error))
    return NULL;
  if (!md_store_restore_from (cli->store, positional->pdata[0], error))
    return NULL;

  display = g_filename_display_name (positional->pdata[0]);
  prev_seq = g_strdup_printf ("%" G_GINT64_FORMAT, before.head_seq);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "file");
  json_builder_add_string_value (builder, display);
  json_builder_set_member_name (builder, "replaced_head_seq");
  json_builder_add_int_value (builder, before.head_seq);
  json_builder_set_member_name (builder, "replaced_head_hash");
  json_builder_add_string_value (builder, before.head_hash);
  json_builder_end_object (builder);
  detail_node = json_builder_get_root (builder);
  detail = json_to_string (detail_node, FALSE);

  if (!md_audit_record (cli->session, 0, "database.restore", "", detail, error))
    return NULL;
  return md_cli_result ("file", display, "status", "restored", "replaced_head_seq", prev_seq,
                        NULL);
}

const MdCliCommand md_cli_admin_commands[] = {
  { "init", "--admin NAME [--card-key PATH]",
    N_("Create a new database and the site’s card key; the administrator’s password on stdin"),
    MD_CLI_CREATES_DATABASE, run_init },
  { "demo", "--out FILE", N_("Write the demo site to a new SQLite file (an existing one is replaced)"),
    0, run_demo },
  { "operator add", "NAME --role ROLE[,ROLE…] [--full-name TEXT]",
    N_("Add an operator; the new password on stdin or in MD_NEW_PASSWORD"),
    MD_CLI_NEEDS_OPERATOR, run_operator_add },
  { "operator passwd", "NAME", N_("Change a password; the new one on stdin or in MD_NEW_PASSWORD"),
    MD_CLI_NEEDS_OPERATOR, run_operator_passwd },
  { "operator list", "", N_("List operators"), MD_CLI_NEEDS_OPERATOR, run_operator_list },
  { "operator roles", "NAME --role ROLE[,ROLE…]", N_("Set an operator’s roles"),
    MD_CLI_NEEDS_OPERATOR, run_operator_roles },
  { "operator unlock", "NAME", N_("Unlock an operator locked by wrong passwords"),
    MD_CLI_NEEDS_OPERATOR, run_operator_unlock },
  { "operator deactivate", "NAME", N_("Stop an operator from logging in"),
    MD_CLI_NEEDS_OPERATOR, run_operator_deactivate },
  { "operator activate", "NAME", N_("Let a deactivated operator log in again"),
    MD_CLI_NEEDS_OPERATOR, run_operator_activate },
  { "terminal add", "ID [--name TEXT]", N_("Register a sales window"),
    MD_CLI_NEEDS_OPERATOR, run_terminal_add },
  { "terminal list", "", N_("List sales windows"), MD_CLI_NEEDS_OPERATOR, run_terminal_list },
  { "audit verify", "", N_("Check the database and the audit hash chain; exit 1 on any break"),
    MD_CLI_NEEDS_OPERATOR, run_audit_verify },
  { "backup", "--out FILE", N_("Write a consistent copy of the database"),
    MD_CLI_NEEDS_OPERATOR, run_backup },
  { "restore", "FILE", N_("Replace the database with a checked backup"),
    MD_CLI_NEEDS_OPERATOR, run_restore },
};

const guint md_cli_n_admin_commands = G_N_ELEMENTS (md_cli_admin_commands);
