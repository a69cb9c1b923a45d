/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "md-audit.h"
#include "md-card.h"
#include "md-cli.h"
#include "md-shift.h"
#include "md-validate.h"
#include "md-vend.h"

/* The sale and the cash drawer: sell, sale show|list|resolve|recover,
 * reverse, refund, offset, grant, shift, account close|replace-meter. */

/* The media of a sale here. Cards go through the card service
 * (md-cli-card.c), remote meters through the meter services
 * (md-cli-meter.c); tokens are not set up yet. */
static MdMedium *
medium_for (MdCli       *cli,
            const char  *kind,
            GError     **error)
{
  if (kind == NULL || g_str_equal (kind, "account"))
    return md_account_medium_new ();
  if (g_str_equal (kind, "none"))
    return md_none_medium_new ();

  if (g_str_equal (kind, "remote"))
    return md_cli_remote_medium (cli);

  if (g_str_equal (kind, "token"))
    g_set_error (error, MD_CLI_ERROR, MD_CLI_ERROR_FAILED,
                 _("Selling by %s needs its device, which is not set up on this computer"), kind);
  else
    {
      g_autofree char *shown = md_input_quote (kind);

      g_set_error (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                   _("Unknown medium “%s”: use account, card, remote or token"), shown);
    }
  return NULL;
}

static MdMedium *
lookup_medium (const char *kind,
               gpointer    user_data)
{
  return medium_for (user_data, kind, NULL);
}

static gboolean
check_medium (MdCli       *cli,
              const char  *kind,
              GError     **error)
{
  g_autoptr(MdMedium) medium = NULL;

  if (kind != NULL && g_str_equal (kind, "card"))
    return TRUE;
  medium = medium_for (cli, kind, error);
  return medium != NULL;
}

/* The medium a recorded sale went to: "card", "account"… */
static char *
sale_medium (MdCli       *cli,
             gint64       sale_id,
             GError     **error)
{
  g_autoptr(JsonNode) sale = md_sale_show (cli->session, sale_id, error);

  if (sale == NULL)
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (json_node_get_object (sale),
                                                               "medium", "account"));
}

/* "--approver NAME": a supervisor's fresh password from MD_APPROVER_PASSWORD
 * or the next line of standard input, for this one action. */
static gboolean
get_approval (MdCli         *cli,
              const char    *approver,
              MdPermission   permission,
              MdApproval   **out_approval,
              GError       **error)
{
  g_autofree char *password = NULL;

  *out_approval = NULL;
  if (approver == NULL)
    return TRUE;
  if (!(password = md_cli_read_secret (cli, "MD_APPROVER_PASSWORD", error)))
    return FALSE;
  *out_approval = md_session_request_approval (cli->session, permission, approver, password,
                                               error);
  memset (password, 0, strlen (password));
  return *out_approval != NULL;
}

static gboolean
parse_money (const char    *text,
             const char    *what,
             MdParseFlags   flags,
             MdMoney       *out_value,
             GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (md_money_parse (text, flags, out_value, &local_error))
    return TRUE;
  /* TRANSLATORS: a field's name, then what is wrong with its value */
  g_set_error (error, local_error->domain, local_error->code, _("%s: %s"), what,
               local_error->message);
  return FALSE;
}

static JsonNode *
result_node (MdSaleResult *result)
{
  return md_sale_result_to_json (result);
}

/* A sale that stays pending is not a failure of the command to record it:
 * print what it is, and say why it is pending. */
static JsonNode *
finish (MdSaleResult *result,
        gboolean      ok,
        GError      **error)
{
  if (!ok && result->sale_id == 0)
    return NULL;
  return result_node (result);
}

static JsonNode *
run_sell (MdCli   *cli,
          char   **args,
          GError **error)
{
  const char *account = NULL;
  const char *amount_text = NULL;
  const char *energy_text = NULL;
  const char *pay = NULL;
  const char *pay_ref = NULL;
  const char *medium_kind = NULL;
  const char *reader = NULL;
  const char *key = NULL;
  g_autoptr(GPtrArray) fees = NULL;
  MdCliOption options[] = {
    { "account", MD_CLI_VALUE, &account },
    { "amount", MD_CLI_VALUE, &amount_text },
    { "energy", MD_CLI_VALUE, &energy_text },
    { "pay", MD_CLI_VALUE, &pay },
    { "pay-ref", MD_CLI_VALUE, &pay_ref },
    { "medium", MD_CLI_VALUE, &medium_kind },
    { "reader", MD_CLI_VALUE, &reader },
    { "fee", MD_CLI_LIST, &fees },
    { "key", MD_CLI_VALUE, &key },
  };
  g_autoptr(MdMedium) medium = NULL;
  g_auto(MdSaleResult) result = { 0 };
  g_autofree char *new_key = NULL;
  MdSaleRequest request = { 0 };
  gboolean ok;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (account == NULL || pay == NULL || (amount_text == NULL) == (energy_text == NULL))
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give --account NO, either --amount YUAN or --energy KWH, and --pay"));
      return NULL;
    }

  request.account_no = account;
  request.pay_ref = pay_ref;
  if (!md_pay_method_parse (pay, &request.pay_method, error))
    return NULL;
  if (amount_text != NULL &&
      !parse_money (amount_text, _("Amount"), MD_PARSE_POSITIVE, &request.amount, error))
    return NULL;
  if (energy_text != NULL && !md_energy_parse (energy_text, MD_PARSE_POSITIVE, &request.energy,
                                               error))
    return NULL;
  if (fees != NULL)
    {
      g_ptr_array_add (fees, NULL);
      request.fees = (const char * const *) fees->pdata;
    }
  request.idem = key != NULL ? key : (new_key = md_vend_new_key ());

  if (!check_medium (cli, medium_kind, error))
    return NULL;
  if (g_strcmp0 (medium_kind, "card") == 0)
    {
      g_autoptr(MdCardService) service = NULL;

      if (!md_session_require (cli->session, MD_PERM_SELL, error) ||
          !(service = md_cli_card_service (cli, reader, error)))
        return NULL;
      ok = md_card_service_sell (service, cli->session, &request, &result, NULL, error);
      return finish (&result, ok, error);
    }
  if (!(medium = medium_for (cli, medium_kind, error)))
    return NULL;
  ok = md_vend_sell (cli->session, &request, medium, &result, NULL, error);
  return finish (&result, ok, error);
}

static gboolean
parse_sale_id (const char  *text,
               gint64      *out_id,
               GError     **error)
{
  return md_parse_int (text, _("sale number"), 1, G_MAXINT64, out_id, error);
}

static JsonNode *
run_sale_show (MdCli   *cli,
               char   **args,
               GError **error)
{
  g_autoptr(GPtrArray) p = NULL;
  gint64 id;

  if (!md_cli_parse (args, NULL, 0, 1, 1, &p, error) || !parse_sale_id (p->pdata[0], &id, error))
    return NULL;
  return md_sale_show (cli->session, id, error);
}

static JsonNode *
run_sale_list (MdCli   *cli,
               char   **args,
               GError **error)
{
  const char *state = NULL;
  const char *date = NULL;
  const char *account = NULL;
  const char *limit_text = NULL;
  MdCliOption options[] = {
    { "state", MD_CLI_VALUE, &state },
    { "date", MD_CLI_VALUE, &date },
    { "account", MD_CLI_VALUE, &account },
    { "limit", MD_CLI_VALUE, &limit_text },
  };
  gint64 limit = 0;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (limit_text != NULL && !md_parse_int (limit_text, _("limit"), 1, 100000, &limit, error))
    return NULL;
  return md_sale_list (cli->session, state, date, account, (guint) limit, error);
}

static JsonNode *
run_sale_resolve (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  gboolean void_it = FALSE;
  gboolean override = FALSE;
  const char *approver = NULL;
  const char *medium_kind = NULL;
  const char *reader = NULL;
  MdCliOption options[] = {
    { "void", MD_CLI_FLAG, &void_it },
    { "override", MD_CLI_FLAG, &override },
    { "approver", MD_CLI_VALUE, &approver },
    { "medium", MD_CLI_VALUE, &medium_kind },
    { "reader", MD_CLI_VALUE, &reader },
  };
  g_autoptr(GPtrArray) p = NULL;
  g_autoptr(MdMedium) medium = NULL;
  g_autoptr(MdApproval) approval = NULL;
  g_autofree char *recorded = NULL;
  g_auto(MdSaleResult) result = { 0 };
  gboolean ok;
  gint64 id;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error) ||
      !parse_sale_id (p->pdata[0], &id, error))
    return NULL;
  if (void_it && override)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give --void or --override, not both"));
      return NULL;
    }
  if (medium_kind != NULL && !check_medium (cli, medium_kind, error))
    return NULL;
  /* Without --medium, the sale's own. */
  if (medium_kind == NULL && !(medium_kind = recorded = sale_medium (cli, id, error)))
    return NULL;
  if (!get_approval (cli, approver, MD_PERM_REVERSE, &approval, error))
    return NULL;

  if (g_str_equal (medium_kind, "card"))
    {
      g_autoptr(MdCardService) service = NULL;

      if (!(service = md_cli_card_service (cli, reader, error)))
        return NULL;
      if (override)
        {
          g_autofree char *object = g_strdup_printf ("sale:%lld", (long long) id);
          gint64 approver_id = 0;

          /* An SLE4442 with fewer than 3 PSC tries left: a supervisor's
           * decision, recorded. */
          if (!md_session_authorize (cli->session, MD_PERM_REVERSE, approval, &approver_id,
                                     error) ||
              !md_audit_record (cli->session, approver_id, "card.psc-override", object, NULL,
                                error))
            return NULL;
          g_clear_pointer (&approval, md_approval_free);
          md_card_service_set_flags (service, MD_CARD_SESSION_SUPERVISOR_OVERRIDE);
        }
      ok = md_card_service_resolve (service, cli->session, id, void_it, approval, &result, NULL,
                                    error);
      return finish (&result, ok, error);
    }
  if (override)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("--override is for sales to an SLE4442 card"));
      return NULL;
    }
  if (!(medium = medium_for (cli, medium_kind, error)))
    return NULL;
  ok = md_vend_resolve (cli->session, id, medium, void_it, approval, &result, NULL, error);
  return finish (&result, ok, error);
}

static JsonNode *
run_sale_recover (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  const char *reader = NULL;
  MdCliOption options[] = { { "reader", MD_CLI_VALUE, &reader } };
  g_autoptr(MdCardService) service = NULL;
  JsonNode *summary = NULL;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error) ||
      !md_session_require (cli->session, MD_PERM_SELL, error))
    return NULL;
  /* Card sales are settled with the card in the reader; without a reader
   * or a key here they stay pending, like any medium out of reach. */
  service = md_cli_card_service (cli, reader, NULL);
  if (service != NULL)
    {
      if (!md_card_service_recover (service, cli->session, &summary, error))
        return NULL;
    }
  else if (!md_vend_recover (cli->session, lookup_medium, cli, &summary, error))
    return NULL;
  return summary;
}

static JsonNode *
run_reverse (MdCli   *cli,
             char   **args,
             GError **error)
{
  const char *reason = NULL;
  const char *approver = NULL;
  const char *key = NULL;
  const char *reader = NULL;
  MdCliOption options[] = {
    { "reason", MD_CLI_VALUE, &reason },
    { "approver", MD_CLI_VALUE, &approver },
    { "key", MD_CLI_VALUE, &key },
    { "reader", MD_CLI_VALUE, &reader },
  };
  g_autoptr(GPtrArray) p = NULL;
  g_autoptr(MdApproval) approval = NULL;
  g_autofree char *medium_kind = NULL;
  g_auto(MdSaleResult) result = { 0 };
  gboolean ok;
  gint64 id;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error) ||
      !parse_sale_id (p->pdata[0], &id, error))
    return NULL;
  if (reason == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Say why with --reason TEXT"));
      return NULL;
    }
  if (!(medium_kind = sale_medium (cli, id, error)) ||
      !get_approval (cli, approver, MD_PERM_REVERSE, &approval, error))
    return NULL;
  /* A card sale is taken back on the card itself: it must be in the reader. */
  if (g_str_equal (medium_kind, "card"))
    {
      g_autoptr(MdCardService) service = NULL;

      if (!(service = md_cli_card_service (cli, reader, error)))
        return NULL;
      ok = md_card_service_reverse (service, cli->session, id, reason, key, approval, &result,
                                    error);
      return finish (&result, ok, error);
    }
  ok = md_vend_reverse (cli->session, id, NULL, reason, key, approval, &result, error);
  return finish (&result, ok, error);
}

static JsonNode *
run_refund (MdCli   *cli,
            char   **args,
            GError **error)
{
  const char *account = NULL;
  const char *amount_text = NULL;
  const char *reason = NULL;
  const char *pay = "cash";
  const char *approver = NULL;
  const char *key = NULL;
  MdCliOption options[] = {
    { "account", MD_CLI_VALUE, &account },
    { "amount", MD_CLI_VALUE, &amount_text },
    { "reason", MD_CLI_VALUE, &reason },
    { "pay", MD_CLI_VALUE, &pay },
    { "approver", MD_CLI_VALUE, &approver },
    { "key", MD_CLI_VALUE, &key },
  };
  g_autoptr(MdApproval) approval = NULL;
  g_auto(MdSaleResult) result = { 0 };
  MdPayMethod method;
  MdMoney amount;
  gboolean ok;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (account == NULL || amount_text == NULL || reason == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give --account NO, --amount YUAN and --reason TEXT"));
      return NULL;
    }
  if (!md_pay_method_parse (pay, &method, error) ||
      !parse_money (amount_text, _("Amount"), MD_PARSE_POSITIVE, &amount, error) ||
      !get_approval (cli, approver, MD_PERM_REFUND, &approval, error))
    return NULL;
  ok = md_vend_refund (cli->session, account, amount, method, reason, key, approval, &result,
                       error);
  return finish (&result, ok, error);
}

static JsonNode *
run_offset (MdCli   *cli,
            char   **args,
            GError **error)
{
  const char *account = NULL;
  const char *fee = NULL;
  const char *to = NULL;
  const char *amount_text = NULL;
  const char *key = NULL;
  MdCliOption options[] = {
    { "account", MD_CLI_VALUE, &account },
    { "fee", MD_CLI_VALUE, &fee },
    { "to", MD_CLI_VALUE, &to },
    { "amount", MD_CLI_VALUE, &amount_text },
    { "key", MD_CLI_VALUE, &key },
  };
  g_auto(MdSaleResult) result = { 0 };
  MdMoney amount = 0;
  gboolean ok;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (account == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give --account NO and either --fee KIND or --to NO"));
      return NULL;
    }
  if (amount_text != NULL &&
      !parse_money (amount_text, _("Amount"), MD_PARSE_POSITIVE, &amount, error))
    return NULL;
  ok = md_vend_offset (cli->session, account, fee, to, amount, key, &result, error);
  return finish (&result, ok, error);
}

static JsonNode *
run_grant (MdCli   *cli,
           char   **args,
           GError **error)
{
  const char *account = NULL;
  const char *energy_text = NULL;
  const char *period = NULL;
  MdCliOption options[] = {
    { "account", MD_CLI_VALUE, &account },
    { "energy", MD_CLI_VALUE, &energy_text },
    { "period", MD_CLI_VALUE, &period },
  };
  g_auto(MdSaleResult) result = { 0 };
  MdEnergy energy;
  gboolean ok;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (account == NULL || energy_text == NULL || period == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give --account NO, --energy KWH and --period YYYY-MM"));
      return NULL;
    }
  if (!md_energy_parse (energy_text, MD_PARSE_POSITIVE, &energy, error))
    return NULL;
  ok = md_vend_grant (cli->session, account, energy, period, NULL, &result, error);
  return finish (&result, ok, error);
}

static JsonNode *
run_shift_open (MdCli   *cli,
                char   **args,
                GError **error)
{
  const char *float_text = NULL;
  MdCliOption options[] = { { "float", MD_CLI_VALUE, &float_text } };
  JsonNode *result = NULL;
  MdMoney amount = 0;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (float_text == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give the drawer’s float with --float YUAN (0 for none)"));
      return NULL;
    }
  if (!parse_money (float_text, _("Float"), 0, &amount, error) ||
      !md_shift_open (cli->session, amount, &result, error))
    return NULL;
  return result;
}

static JsonNode *
run_shift_close (MdCli   *cli,
                 char   **args,
                 GError **error)
{
  const char *counted_text = NULL;
  const char *approver = NULL;
  MdCliOption options[] = {
    { "counted", MD_CLI_VALUE, &counted_text },
    { "approver", MD_CLI_VALUE, &approver },
  };
  g_autoptr(MdApproval) approval = NULL;
  JsonNode *result = NULL;
  MdMoney counted;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (counted_text == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give the cash counted in the drawer with --counted YUAN"));
      return NULL;
    }
  if (!parse_money (counted_text, _("Counted"), 0, &counted, error) ||
      !get_approval (cli, approver, MD_PERM_Z_REPORT, &approval, error) ||
      !md_shift_close (cli->session, counted, approval, &result, error))
    return NULL;
  return result;
}

static JsonNode *
run_shift_cash (MdCli   *cli,
                char   **args,
                GError **error)
{
  gboolean in = FALSE;
  gboolean out = FALSE;
  const char *reason = NULL;
  MdCliOption options[] = {
    { "in", MD_CLI_FLAG, &in },
    { "out", MD_CLI_FLAG, &out },
    { "reason", MD_CLI_VALUE, &reason },
  };
  g_autoptr(GPtrArray) p = NULL;
  MdMoney amount;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error))
    return NULL;
  if (in == out || reason == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give --in or --out, the amount, and --reason TEXT"));
      return NULL;
    }
  if (!parse_money (p->pdata[0], _("Amount"), MD_PARSE_POSITIVE, &amount, error) ||
      !md_shift_cash (cli->session, in, amount, reason, error))
    return NULL;
  return md_cli_result ("status", in ? "cash in" : "cash out", "amount", p->pdata[0], NULL);
}

static JsonNode *
run_shift_report (MdCli   *cli,
                  char   **args,
                  GError **error)
{
  gboolean x = FALSE;
  gboolean z = FALSE;
  MdCliOption options[] = {
    { "x", MD_CLI_FLAG, &x },
    { "z", MD_CLI_FLAG, &z },
  };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (x && z)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE, _("Give --x or --z, not both"));
      return NULL;
    }
  return z ? md_shift_z_report (cli->session, error) : md_shift_x_report (cli->session, error);
}

static JsonNode *
run_account_close (MdCli   *cli,
                   char   **args,
                   GError **error)
{
  const char *pay = "cash";
  const char *approver = NULL;
  const char *key = NULL;
  MdCliOption options[] = {
    { "pay", MD_CLI_VALUE, &pay },
    { "approver", MD_CLI_VALUE, &approver },
    { "key", MD_CLI_VALUE, &key },
  };
  g_autoptr(GPtrArray) p = NULL;
  g_autoptr(MdApproval) approval = NULL;
  g_auto(MdSaleResult) result = { 0 };
  MdPayMethod method;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error) ||
      !md_pay_method_parse (pay, &method, error) ||
      !get_approval (cli, approver, MD_PERM_REFUND, &approval, error))
    return NULL;
  if (!md_vend_close_account (cli->session, p->pdata[0], method, key, approval, &result, error))
    return NULL;
  if (result.sale_id != 0)
    {
      JsonNode *node = result_node (&result);

      json_object_set_string_member (json_node_get_object (node), "account", p->pdata[0]);
      json_object_set_string_member (json_node_get_object (node), "account_state", "closed");
      return node;
    }
  return md_cli_result ("account", p->pdata[0], "state", "closed", NULL);
}

static JsonNode *
run_account_replace_meter (MdCli   *cli,
                           char   **args,
                           GError **error)
{
  const char *old_address = NULL;
  const char *new_address = NULL;
  const char *carry_text = NULL;
  const char *medium_kind = NULL;
  const char *key = NULL;
  MdCliOption options[] = {
    { "old", MD_CLI_VALUE, &old_address },
    { "new", MD_CLI_VALUE, &new_address },
    { "carry", MD_CLI_VALUE, &carry_text },
    { "medium", MD_CLI_VALUE, &medium_kind },
    { "key", MD_CLI_VALUE, &key },
  };
  g_autoptr(GPtrArray) p = NULL;
  g_autoptr(MdMedium) medium = NULL;
  g_auto(MdSaleResult) result = { 0 };
  MdMoney carry = 0;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 1, 1, &p, error))
    return NULL;
  if (old_address == NULL || new_address == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give --old ADDRESS and --new ADDRESS"));
      return NULL;
    }
  if (carry_text != NULL && !parse_money (carry_text, _("Carry"), 0, &carry, error))
    return NULL;
  if (medium_kind != NULL && !(medium = medium_for (cli, medium_kind, error)))
    return NULL;
  if (!md_vend_replace_meter (cli->session, p->pdata[0], old_address, new_address, carry, medium,
                              key, &result, error))
    return NULL;
  return md_cli_result ("account", p->pdata[0], "old", old_address, "new", new_address, NULL);
}

static JsonNode *
run_charge (MdCli   *cli,
            char   **args,
            GError **error)
{
  const char *account = NULL;
  const char *pay = NULL;
  const char *pay_ref = NULL;
  const char *key = NULL;
  g_autoptr(GPtrArray) fees = NULL;
  MdCliOption options[] = {
    { "account", MD_CLI_VALUE, &account },
    { "fee", MD_CLI_LIST, &fees },
    { "pay", MD_CLI_VALUE, &pay },
    { "pay-ref", MD_CLI_VALUE, &pay_ref },
    { "key", MD_CLI_VALUE, &key },
  };
  g_auto(MdSaleResult) result = { 0 };
  MdPayMethod method;
  gboolean ok;

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  if (account == NULL || fees == NULL || pay == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Give --account NO, --fee KIND and --pay"));
      return NULL;
    }
  if (!md_pay_method_parse (pay, &method, error))
    return NULL;
  g_ptr_array_add (fees, NULL);
  ok = md_vend_charge (cli->session, account, (const char * const *) fees->pdata, method, pay_ref,
                       key, &result, error);
  return finish (&result, ok, error);
}

static JsonNode *
run_alert_list (MdCli   *cli,
                char   **args,
                GError **error)
{
  gboolean all = FALSE;
  MdCliOption options[] = { { "all", MD_CLI_FLAG, &all } };

  if (!md_cli_parse (args, options, G_N_ELEMENTS (options), 0, 0, NULL, error))
    return NULL;
  return md_alert_list (cli->session, !all, error);
}

static JsonNode *
run_alert_ack (MdCli   *cli,
               char   **args,
               GError **error)
{
  g_autoptr(GPtrArray) p = NULL;
  gint64 id;

  if (!md_cli_parse (args, NULL, 0, 1, 1, &p, error) ||
      !md_parse_int (p->pdata[0], _("alert number"), 1, G_MAXINT64, &id, error) ||
      !md_alert_acknowledge (cli->session, id, error))
    return NULL;
  return md_cli_result ("alert", p->pdata[0], "status", "acknowledged", NULL);
}

const MdCliCommand md_cli_sale_commands[] = {
  { "charge", "--account NO --fee KIND… --pay METHOD [--pay-ref REF] [--key KEY]",
    N_("Charge fees alone (a replacement card, a transfer…)"), MD_CLI_NEEDS_OPERATOR,
    run_charge },
  { "alert list", "[--all]", N_("List the alerts waiting for a supervisor"),
    MD_CLI_NEEDS_OPERATOR, run_alert_list },
  { "alert ack", "ID", N_("Acknowledge an alert"), MD_CLI_NEEDS_OPERATOR, run_alert_ack },
  { "sell", "--account NO (--amount YUAN | --energy KWH) --pay cash|bank-card|transfer|wechat|"
    "alipay|other [--pay-ref REF] [--medium account|card|remote|token] [--reader NAME] [--fee KIND]… "
    "[--key KEY]",
    N_("Sell credit; the same --key again never sells twice"), MD_CLI_NEEDS_OPERATOR, run_sell },
  { "sale show", "SALE_ID", N_("Show a sale with its lines and ledger rows"),
    MD_CLI_NEEDS_OPERATOR, run_sale_show },
  { "sale list", "[--state pending|delivered|committed|failed|reversed] [--date YYYY-MM-DD] "
    "[--account NO] [--limit N]",
    N_("List sales; pending ones with their next action"), MD_CLI_NEEDS_OPERATOR, run_sale_list },
  { "sale resolve", "SALE_ID [--void | --override] [--approver NAME] [--reader NAME]",
    N_("Resolve a pending sale from its medium"), MD_CLI_NEEDS_OPERATOR, run_sale_resolve },
  { "sale recover", "[--reader NAME]", N_("Resolve every pending sale of this terminal that can be resolved"),
    MD_CLI_NEEDS_OPERATOR, run_sale_recover },
  { "reverse", "SALE_ID --reason TEXT [--approver NAME] [--reader NAME]",
    N_("Reverse a sale whose credit is unused (a supervisor)"), MD_CLI_NEEDS_OPERATOR,
    run_reverse },
  { "refund", "--account NO --amount YUAN --reason TEXT [--pay METHOD] [--approver NAME]",
    N_("Refund unused credit of an account (a supervisor)"), MD_CLI_NEEDS_OPERATOR, run_refund },
  { "offset", "--account NO (--fee KIND | --to NO) [--amount YUAN]",
    N_("Settle a fee from an account’s credit, or move credit to another account"),
    MD_CLI_NEEDS_OPERATOR, run_offset },
  { "grant", "--account NO --energy KWH --period YYYY-MM", N_("Grant a free monthly quota"),
    MD_CLI_NEEDS_OPERATOR, run_grant },
  { "shift open", "--float YUAN", N_("Open this terminal’s shift with a float"),
    MD_CLI_NEEDS_OPERATOR, run_shift_open },
  { "shift close", "--counted YUAN [--approver NAME]",
    N_("Close the shift with the blind count of the drawer"), MD_CLI_NEEDS_OPERATOR,
    run_shift_close },
  { "shift cash", "(--in | --out) YUAN --reason TEXT", N_("Put cash into or take it out of the drawer"),
    MD_CLI_NEEDS_OPERATOR, run_shift_cash },
  { "shift report", "[--x | --z]", N_("The X report of the open shift, or the Z report closing the day"),
    MD_CLI_NEEDS_OPERATOR, run_shift_report },
  { "account close", "NO [--pay METHOD] [--approver NAME]",
    N_("Close an account, settling its remaining credit"), MD_CLI_NEEDS_OPERATOR,
    run_account_close },
  { "account replace-meter", "NO --old ADDRESS --new ADDRESS [--carry YUAN --medium KIND]",
    N_("Replace an account’s meter, carrying its credit"), MD_CLI_NEEDS_OPERATOR,
    run_account_replace_meter },
};

const guint md_cli_n_sale_commands = G_N_ELEMENTS (md_cli_sale_commands);
