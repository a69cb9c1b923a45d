/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "md-audit.h"
#include "md-card.h"
#include "md-cli.h"
#include "md-money.h"
#include "md-register.h"
#include "md-validate.h"
#include "md-vend.h"

G_DEFINE_QUARK (md-cli-error-quark, md_cli_error)

/* Error codes in JSON: "<domain>.<code>", stable for scripts. */
static const char * const store_codes[] = {
  "failed", "invalid-uri", "cant-open", "not-initialized", "not-ours", "schema-too-new", "busy",
  "retry", "unique", "foreign-key", "check", "constraint", "corrupt", "io", "full", "connection",
  "outcome-unknown", "read-only", "unsupported",
};
static const char * const money_codes[] = {
  "empty", "invalid", "precision", "negative", "zero", "overflow",
};
static const char * const input_codes[] = {
  "required", "too-long", "encoding", "characters", "range", "format",
};
static const char * const auth_codes[] = {
  "bad-credentials", "locked", "inactive", "denied", "approval", "weak-password", "no-operator",
};
static const char * const audit_codes[] = { "broken" };
static const char * const register_codes[] = {
  "not-found", "exists", "state", "in-use", "import",
};
static const char * const cli_codes[] = { "usage", "failed" };
static const char * const card_codes[] = {
  "no-service", "no-reader", "no-card", "removed", "reset", "busy", "timeout", "unresponsive",
  "transport", "unsupported", "status", "blank", "bad-mac", "foreign", "truncated", "format",
  "rollback", "count-jump", "wrong-card", "wrong-account", "wrong-kind", "not-active", "locked",
  "psc-tries", "psc-rejected", "invalid", "verify", "not-reversible", "keys",
};
static const char * const card_register_codes[] = {
  "unknown-card", "blocked", "mismatch", "wait", "state",
};
static const char * const vend_codes[] = {
  "no-shift", "key-reused", "target-pending", "not-delivered", "unknown", "conflict", "state",
  "not-reversible", "credit", "medium",
};

static char *
error_code (const GError *error)
{
  static const struct
  {
    GQuark (*quark) (void);
    const char *prefix;
    const char * const *codes;
    guint n_codes;
  } domains[] = {
    { md_store_error_quark, "store", store_codes, G_N_ELEMENTS (store_codes) },
    { md_money_error_quark, "money", money_codes, G_N_ELEMENTS (money_codes) },
    { md_input_error_quark, "input", input_codes, G_N_ELEMENTS (input_codes) },
    { md_auth_error_quark, "auth", auth_codes, G_N_ELEMENTS (auth_codes) },
    { md_audit_error_quark, "audit", audit_codes, G_N_ELEMENTS (audit_codes) },
    { md_register_error_quark, "register", register_codes, G_N_ELEMENTS (register_codes) },
    { md_cli_error_quark, "cli", cli_codes, G_N_ELEMENTS (cli_codes) },
    { md_card_error_quark, "card", card_codes, G_N_ELEMENTS (card_codes) },
    { md_card_register_error_quark, "card-register", card_register_codes,
      G_N_ELEMENTS (card_register_codes) },
    { md_vend_error_quark, "vend", vend_codes, G_N_ELEMENTS (vend_codes) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (domains); i++)
    if (error->domain == domains[i].quark ())
      {
        if (error->code >= 0 && (guint) error->code < domains[i].n_codes)
          return g_strdup_printf ("%s.%s", domains[i].prefix, domains[i].codes[error->code]);
        return g_strdup_printf ("%s.%d", domains[i].prefix, error->code);
      }
  return g_strdup_printf ("%s.%d", g_quark_to_string (error->domain), error->code);
}

/* Column labels for the human-readable output; JSON keeps the keys. */
static const struct
{
  const char *key;
  const char *label;
} labels[] = {
  { "account", NC_("column", "Account") },
  { "account_state", NC_("column", "Account state") },
  { "accounts", NC_("column", "Accounts") },
  { "acknowledged", NC_("column", "Acknowledged") },
  { "acknowledged_by", NC_("column", "Acknowledged by") },
  { "action", NC_("column", "Action") },
  { "active", NC_("column", "Active") },
  { "address", NC_("column", "Address") },
  { "alarm1", NC_("column", "First alarm level") },
  { "alarm2", NC_("column", "Second alarm level") },
  { "alert", NC_("column", "Alert") },
  { "amount", NC_("column", "Amount") },
  { "approvals", NC_("column", "Approvals") },
  { "approver", NC_("column", "Approver") },
  { "area_m2", NC_("column", "Area (m²)") },
  { "asset", NC_("column", "Asset no.") },
  { "at", NC_("column", "Time") },
  { "atr", NC_("column", "ATR") },
  { "audit_hash", NC_("column", "Audit hash") },
  { "audit_seq", NC_("column", "Audit row") },
  { "basis", NC_("column", "Basis") },
  { "baud", NC_("column", "Baud") },
  { "billing", NC_("column", "Billing") },
  { "blocked", NC_("column", "Blocked") },
  { "books_account", NC_("column", "Account in the books") },
  { "books_generation", NC_("column", "Generation in the books") },
  { "books_purchase_count", NC_("column", "Purchase count in the books") },
  { "broken_seq", NC_("column", "First broken row") },
  { "building", NC_("column", "Building") },
  { "building_name", NC_("column", "Building name") },
  { "bus", NC_("column", "Bus") },
  { "buses", NC_("column", "Buses") },
  { "by_component", NC_("column", "By component") },
  { "by_kind", NC_("column", "By kind") },
  { "by_operator", NC_("column", "By operator") },
  { "by_payment", NC_("column", "By payment") },
  { "by_rate", NC_("column", "By rate") },
  { "by_tier", NC_("column", "By tier") },
  { "by_version", NC_("column", "By version") },
  { "capacity_kva", NC_("column", "Capacity (kVA)") },
  { "card_key", NC_("column", "Card key") },
  { "card_key_state", NC_("column", "Card key state") },
  { "card_present", NC_("column", "Card present") },
  { "card_status", NC_("column", "Card status") },
  { "cards", NC_("column", "Cards") },
  { "cash_in", NC_("column", "Cash in") },
  { "cash_out", NC_("column", "Cash out") },
  { "categories", NC_("column", "Categories") },
  { "category", NC_("column", "Category") },
  { "category_name", NC_("column", "Category name") },
  { "closed", NC_("column", "Closed") },
  { "code", NC_("column", "Code") },
  { "components", NC_("column", "Components") },
  { "count", NC_("column", "Count") },
  { "counted", NC_("column", "Counted") },
  { "created", NC_("column", "Created") },
  { "credit", NC_("column", "Credit") },
  { "cumulative", NC_("column", "Cumulative use") },
  { "damaged", NC_("column", "Damaged") },
  { "database", NC_("column", "Database") },
  { "default", NC_("column", "Default") },
  { "delta", NC_("column", "Amount") },
  { "description", NC_("column", "Description") },
  { "detail", NC_("column", "Detail") },
  { "device", NC_("column", "Device") },
  { "digest", NC_("column", "Digest") },
  { "energy", NC_("column", "Energy") },
  { "estimated_energy", NC_("column", "Estimated energy") },
  { "expected", NC_("column", "Expected") },
  { "expected_cash", NC_("column", "Expected cash") },
  { "failed_logins", NC_("column", "Failed logins") },
  { "fee", NC_("column", "Fee") },
  { "file", NC_("column", "File") },
  { "float", NC_("column", "Float") },
  { "floor", NC_("column", "Floor") },
  { "from", NC_("column", "From") },
  { "full_name", NC_("column", "Full name") },
  { "generation", NC_("column", "Generation") },
  { "grand_total", NC_("column", "Grand total") },
  { "head_hash", NC_("column", "Head hash") },
  { "head_seq", NC_("column", "Head row") },
  { "history", NC_("column", "History") },
  { "hoard_limit", NC_("column", "Hoarding limit") },
  { "host", NC_("column", "Host") },
  { "id", NC_("column", "Id") },
  { "id_number", NC_("column", "ID number") },
  { "imported", NC_("column", "Imported") },
  { "in_force", NC_("column", "In force") },
  { "issued", NC_("column", "Issued") },
  { "key", NC_("column", "Key") },
  { "kind", NC_("column", "Kind") },
  { "latest_from", NC_("column", "Latest from") },
  { "ledger", NC_("column", "Ledger") },
  { "line", NC_("column", "Line") },
  { "line_no", NC_("column", "Line") },
  { "lines", NC_("column", "Lines") },
  { "load_count", NC_("column", "Load count") },
  { "locked", NC_("column", "Locked") },
  { "locked_until", NC_("column", "Locked until") },
  { "medium", NC_("column", "Medium") },
  { "message", NC_("column", "Message") },
  { "meter", NC_("column", "Meter") },
  { "meter_account", NC_("column", "Meter's account") },
  { "meter_generation", NC_("column", "Generation in the meter") },
  { "meter_result", NC_("column", "Meter result") },
  { "meter_status", NC_("column", "Meter status") },
  { "meters", NC_("column", "Meters") },
  { "model", NC_("column", "Model") },
  { "name", NC_("column", "Name") },
  { "new", NC_("column", "New") },
  { "next_action", NC_("column", "Next action") },
  { "note", NC_("column", "Note") },
  { "ok", NC_("column", "OK") },
  { "old", NC_("column", "Old") },
  { "opened", NC_("column", "Opened") },
  { "operator", NC_("column", "Operator") },
  { "over_short", NC_("column", "Over/short") },
  { "parity", NC_("column", "Parity") },
  { "path", NC_("column", "Path") },
  { "pay", NC_("column", "Payment") },
  { "pay_ref", NC_("column", "Payment ref.") },
  { "pcscd", NC_("column", "pcscd") },
  { "pending_sale", NC_("column", "Pending sale") },
  { "period", NC_("column", "Period") },
  { "phone", NC_("column", "Phone") },
  { "port", NC_("column", "Port") },
  { "posted", NC_("column", "Posted") },
  { "power_limit_w", NC_("column", "Power limit (W)") },
  { "present", NC_("column", "Present") },
  { "price", NC_("column", "Price") },
  { "problems", NC_("column", "Problems") },
  { "profile", NC_("column", "Profile") },
  { "protocol", NC_("column", "Protocol") },
  { "psc_tries", NC_("column", "PSC tries left") },
  { "purchase_count", NC_("column", "Purchase count") },
  { "quantity", NC_("column", "Quantity") },
  { "rate", NC_("column", "Rate") },
  { "rates", NC_("column", "Rates") },
  { "readable", NC_("column", "Readable") },
  { "reader", NC_("column", "Reader") },
  { "readers", NC_("column", "Readers") },
  { "reason", NC_("column", "Reason") },
  { "receipt", NC_("column", "Receipt") },
  { "ref", NC_("column", "Reference") },
  { "ref_sale", NC_("column", "Reverses") },
  { "refunds", NC_("column", "Refunds") },
  { "registered", NC_("column", "Registered") },
  { "remaining", NC_("column", "Remaining") },
  { "replaces", NC_("column", "Replaces") },
  { "replayed", NC_("column", "Replayed") },
  { "report", NC_("column", "Report") },
  { "requested", NC_("column", "Requested") },
  { "resolution", NC_("column", "Resolution") },
  { "response_timeout_ms", NC_("column", "Timeout (ms)") },
  { "retries", NC_("column", "Retries") },
  { "reversals", NC_("column", "Reversals") },
  { "reversed", NC_("column", "Reversed") },
  { "roles", NC_("column", "Roles") },
  { "room", NC_("column", "Room") },
  { "rows", NC_("column", "Rows") },
  { "sale", NC_("column", "Sale") },
  { "sales", NC_("column", "Sales") },
  { "schema_version", NC_("column", "Schema version") },
  { "sellable", NC_("column", "Sellable") },
  { "serial_ports", NC_("column", "Serial ports") },
  { "shift", NC_("column", "Shift") },
  { "shifts", NC_("column", "Shifts") },
  { "site", NC_("column", "Site") },
  { "site_name", NC_("column", "Site name") },
  { "source", NC_("column", "Source") },
  { "state", NC_("column", "State") },
  { "status", NC_("column", "Status") },
  { "target", NC_("column", "Target") },
  { "tariff", NC_("column", "Tariff") },
  { "terminal", NC_("column", "Terminal") },
  { "tier", NC_("column", "Tier") },
  { "time_of_use", NC_("column", "Time of use") },
  { "to", NC_("column", "To") },
  { "total", NC_("column", "Total") },
  { "transformer_area", NC_("column", "Transformer area") },
  { "uid", NC_("column", "Card UID") },
  { "unit", NC_("column", "Unit") },
  { "unit_id", NC_("column", "Unit id") },
  { "used", NC_("column", "Used this period") },
  { "utility", NC_("column", "Utility") },
  { "valid_from", NC_("column", "Valid from") },
  { "value", NC_("column", "Value") },
  { "vend", NC_("column", "Sells") },
  { "vend_id", NC_("column", "Vend id") },
  { "version", NC_("column", "Version") },
  { "versions", NC_("column", "Versions") },
  { "voltage_level", NC_("column", "Voltage level") },
  { "z_no", NC_("column", "Z number") },
};

static const char *
label_for (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_str_equal (labels[i].key, key))
      return g_dpgettext2 (NULL, "column", labels[i].label);
  return key;
}

#define display_width md_text_display_width

static char *
scalar_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("");
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (node) ? _("yes") : _("no"));
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      /* One line per cell, whatever the data holds. */
      char *text = g_strdup (json_node_get_string (node));

      for (char *p = text; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
          *p = ' ';
      return text;
    }
  if (JSON_NODE_HOLDS_OBJECT (node) || JSON_NODE_HOLDS_ARRAY (node))
    return json_to_string (node, FALSE);
  return g_strdup ("");
}

static void
pad (GString *out,
     guint    n)
{
  for (guint i = 0; i < n; i++)
    g_string_append_c (out, ' ');
}

static void
print_table (GString   *out,
             JsonArray *array)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GArray) widths = g_array_new (FALSE, TRUE, sizeof (guint));
  guint n_rows = json_array_get_length (array);

  if (n_rows == 0)
    {
      g_string_append_printf (out, "%s\n", _("(none)"));
      return;
    }

  /* Columns: the keys of the first row, in order. */
  {
    JsonObject *first = json_array_get_object_element (array, 0);
    g_autoptr(GList) members = json_object_get_members (first);

    for (GList *l = members; l != NULL; l = l->next)
      {
        JsonNode *value = json_object_get_member (first, l->data);
        guint w = display_width (label_for (l->data));

        if (JSON_NODE_HOLDS_ARRAY (value))
          continue;
        g_ptr_array_add (keys, l->data);
        g_array_append_val (widths, w);
      }
  }

  for (guint r = 0; r < n_rows; r++)
    {
      JsonObject *row = json_array_get_object_element (array, r);

      for (guint c = 0; c < keys->len; c++)
        {
          g_autofree char *text = scalar_text (json_object_get_member (row, keys->pdata[c]));
          guint *w = &g_array_index (widths, guint, c);

          *w = MAX (*w, display_width (text));
        }
    }

  for (guint c = 0; c < keys->len; c++)
    {
      const char *label = label_for (keys->pdata[c]);

      g_string_append (out, label);
      if (c + 1 < keys->len)
        pad (out, g_array_index (widths, guint, c) - display_width (label) + 2);
    }
  g_string_append_c (out, '\n');

  for (guint r = 0; r < n_rows; r++)
    {
      JsonObject *row = json_array_get_object_element (array, r);

      for (guint c = 0; c < keys->len; c++)
        {
          g_autofree char *text = scalar_text (json_object_get_member (row, keys->pdata[c]));

          g_string_append (out, text);
          if (c + 1 < keys->len)
            pad (out, g_array_index (widths, guint, c) - display_width (text) + 2);
        }
      g_string_append_c (out, '\n');
    }
}

static void
print_object (GString    *out,
              JsonObject *object)
{
  g_autoptr(GList) members = json_object_get_members (object);
  guint width = 0;

  for (GList *l = members; l != NULL; l = l->next)
    if (!JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, l->data)))
      width = MAX (width, display_width (label_for (l->data)));

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (object, l->data);
      g_autofree char *text = NULL;

      if (JSON_NODE_HOLDS_ARRAY (value))
        continue;
      text = scalar_text (value);
      /* TRANSLATORS: a label before its value, e.g. "Account:" */
      g_string_append_printf (out, _("%s:"), label_for (l->data));
      pad (out, width - display_width (label_for (l->data)) + 1);
      g_string_append_printf (out, "%s\n", text);
    }

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (object, l->data);

      if (!JSON_NODE_HOLDS_ARRAY (value))
        continue;
      g_string_append_printf (out, "\n%s\n", label_for (l->data));
      print_table (out, json_node_get_array (value));
    }
}

/**
 * md_cli_print:
 *
 * Prints a command's result: the JSON itself with --json, else a table for
 * a list and "label: value" lines for an object.
 */
void
md_cli_print (MdCli    *cli,
              JsonNode *node)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (cli->json)
    {
      g_autofree char *text = json_to_string (node, TRUE);

      g_print ("%s\n", text);
      return;
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    print_table (out, json_node_get_array (node));
  else if (JSON_NODE_HOLDS_OBJECT (node))
    print_object (out, json_node_get_object (node));
  g_print ("%s", out->str);
}

/**
 * md_cli_result:
 * @first_key: pairs of a key and a string value (or %NULL), ending in %NULL
 *
 * Returns: (transfer full): an object for a command that did something
 */
JsonNode *
md_cli_result (const char *first_key,
               ...)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  va_list args;

  json_builder_begin_object (builder);
  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);

      json_builder_set_member_name (builder, key);
      if (value != NULL)
        json_builder_add_string_value (builder, value);
      else
        json_builder_add_null_value (builder);
    }
  va_end (args);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static gboolean
usage_error (GError     **error,
             const char  *format,
             ...) G_GNUC_PRINTF (2, 3);

static gboolean
usage_error (GError     **error,
             const char  *format,
             ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE, message);
  g_free (message);
  return FALSE;
}

/**
 * md_cli_parse:
 * @args: the arguments after the command words, %NULL-terminated
 * @out_positional: (out) (transfer container): the arguments that are not
 *   options
 *
 * Parses "--name value", "--name=value" and flags. An unknown option, a
 * missing value or a wrong number of positional arguments is a usage error.
 */
gboolean
md_cli_parse (char               **args,
              const MdCliOption   *options,
              guint                n_options,
              guint                min_positional,
              guint                max_positional,
              GPtrArray          **out_positional,
              GError             **error)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  gboolean only_positional = FALSE;

  for (guint i = 0; args[i] != NULL; i++)
    {
      const char *arg = args[i];
      g_autofree char *name = NULL;
      const char *value = NULL;
      const MdCliOption *option = NULL;

      if (only_positional || arg[0] != '-' || arg[1] != '-')
        {
          g_ptr_array_add (positional, (gpointer) arg);
          continue;
        }
      if (arg[2] == '\0')
        {
          only_positional = TRUE;
          continue;
        }

      name = g_strdup (arg + 2);
      if (strchr (name, '=') != NULL)
        {
          *strchr (name, '=') = '\0';
          value = strchr (arg, '=') + 1;
        }

      for (guint o = 0; o < n_options; o++)
        if (g_str_equal (options[o].name, name))
          option = &options[o];
      if (option == NULL)
        {
          g_autofree char *shown = md_input_quote (arg);

          return usage_error (error, _("Unknown option %s"), shown);
        }

      if (option->kind == MD_CLI_FLAG)
        {
          if (value != NULL)
            return usage_error (error, _("The option --%s takes no value"), option->name);
          *(gboolean *) option->storage = TRUE;
          continue;
        }

      if (value == NULL)
        {
          if (args[i + 1] == NULL)
            return usage_error (error, _("The option --%s needs a value"), option->name);
          value = args[++i];
        }

      if (option->kind == MD_CLI_VALUE)
        *(const char **) option->storage = value;
      else
        {
          GPtrArray **list = option->storage;

          if (*list == NULL)
            *list = g_ptr_array_new ();
          g_ptr_array_add (*list, (gpointer) value);
        }
    }

  if (positional->len < min_positional || positional->len > max_positional)
    return usage_error (error, _("Wrong number of arguments; see --help"));

  if (out_positional != NULL)
    *out_positional = g_steal_pointer (&positional);
  return TRUE;
}

static char *
read_line_no_echo (const char *prompt)
{
  struct termios old, quiet;
  char buffer[512];
  gboolean tty = isatty (STDIN_FILENO);
  char *line = NULL;

  if (tty)
    {
      g_printerr ("%s", prompt);
      tcgetattr (STDIN_FILENO, &old);
      quiet = old;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSANOW, &quiet);
    }

  if (fgets (buffer, sizeof buffer, stdin) != NULL)
    {
      buffer[strcspn (buffer, "\r\n")] = '\0';
      line = g_strdup (buffer);
    }
  memset (buffer, 0, sizeof buffer);

  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &old);
      g_printerr ("\n");
    }
  return line;
}

/**
 * md_cli_read_secret:
 * @env: (nullable): an environment variable that may hold the secret
 *
 * A password for the command: from @env when set, else the next line of
 * standard input (after the operator's own with --password-stdin).
 *
 * Returns: (transfer full): the secret, or %NULL with @error set
 */
char *
md_cli_read_secret (MdCli       *cli,
                    const char  *env,
                    GError     **error)
{
  const char *value = env != NULL ? g_getenv (env) : NULL;
  char *line;

  if (value != NULL)
    return g_strdup (value);

  line = read_line_no_echo (_("New password: "));
  if (line == NULL)
    {
      g_set_error (error, MD_CLI_ERROR, MD_CLI_ERROR_FAILED,
                   _("No password given: write it on standard input or set %s"),
                   env != NULL ? env : "MD_NEW_PASSWORD");
      return NULL;
    }
  return line;
}

static void
clear_secret (char *secret)
{
  if (secret != NULL)
    {
      memset (secret, 0, strlen (secret));
      g_free (secret);
    }
}

static gboolean
open_session (MdCli                *cli,
              const MdCliCommand   *command,
              GError              **error)
{
  MdStoreOpenFlags flags = (command->flags & MD_CLI_CREATES_DATABASE) ? MD_STORE_OPEN_CREATE
                                                                       : MD_STORE_OPEN_NONE;
  char *password = NULL;

  if (!(command->flags & (MD_CLI_NEEDS_DATABASE | MD_CLI_NEEDS_OPERATOR |
                          MD_CLI_CREATES_DATABASE)))
    return TRUE;

  if (!(cli->store = md_store_open (cli->db_uri, flags, error)))
    return FALSE;

  if (!(command->flags & MD_CLI_NEEDS_OPERATOR))
    return TRUE;

  if (cli->operator_name == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("Who is acting? Give --operator NAME or set MD_OPERATOR"));
      return FALSE;
    }

  if (g_getenv ("MD_PASSWORD") != NULL && !cli->password_stdin)
    password = g_strdup (g_getenv ("MD_PASSWORD"));
  else if (cli->password_stdin || isatty (STDIN_FILENO))
    password = read_line_no_echo (_("Password: "));
  if (password == NULL)
    {
      g_set_error_literal (error, MD_CLI_ERROR, MD_CLI_ERROR_FAILED,
                           _("No password given: set MD_PASSWORD or use --password-stdin"));
      return FALSE;
    }

  cli->session = md_session_login (cli->store, cli->terminal, cli->operator_name, password, error);
  clear_secret (password);
  return cli->session != NULL;
}

static const MdCliCommand *
find_command (char  **args,
              guint  *n_words)
{
  const MdCliCommand *best = NULL;
  guint best_words = 0;
  const struct { const MdCliCommand *list; guint n; } tables[] = {
    { md_cli_admin_commands, md_cli_n_admin_commands },
    { md_cli_register_commands, md_cli_n_register_commands },
    { md_cli_pricing_commands, md_cli_n_pricing_commands },
    { md_cli_sale_commands, md_cli_n_sale_commands },
    { md_cli_report_commands, md_cli_n_report_commands },
    { md_cli_meter_commands, md_cli_n_meter_commands },
    { md_cli_card_commands, md_cli_n_card_commands },
  };

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    for (guint c = 0; c < tables[t].n; c++)
      {
        g_auto(GStrv) words = g_strsplit (tables[t].list[c].name, " ", -1);
        guint n = g_strv_length (words);
        gboolean match = TRUE;

        for (guint w = 0; w < n && match; w++)
          match = args[w] != NULL && g_str_equal (args[w], words[w]);
        if (match && n > best_words)
          {
            best = &tables[t].list[c];
            best_words = n;
          }
      }

  *n_words = best_words;
  return best;
}

static void
print_help (void)
{
  const struct { const MdCliCommand *list; guint n; } tables[] = {
    { md_cli_admin_commands, md_cli_n_admin_commands },
    { md_cli_register_commands, md_cli_n_register_commands },
    { md_cli_pricing_commands, md_cli_n_pricing_commands },
    { md_cli_sale_commands, md_cli_n_sale_commands },
    { md_cli_report_commands, md_cli_n_report_commands },
    { md_cli_meter_commands, md_cli_n_meter_commands },
    { md_cli_card_commands, md_cli_n_card_commands },
  };

  g_print ("%s\n\n", _("Usage: meterdesk-cli [--db URI] [--terminal ID] [--operator NAME] "
                       "[--password-stdin] [--card-key PATH] [--json] COMMAND [ARGS…]"));
  g_print ("%s\n", _("Commands:"));
  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    for (guint c = 0; c < tables[t].n; c++)
      {
        g_autofree char *head = g_strdup_printf ("%s %s", tables[t].list[c].name,
                                                 tables[t].list[c].usage);
        guint width = display_width (head);

        /* Long synopses get their summary on the next line. */
        if (width > 52)
          g_print ("  %s\n  %*s %s\n", head, 52, "", _(tables[t].list[c].summary));
        else
          g_print ("  %s%*s %s\n", head, (int) (52 - width), "", _(tables[t].list[c].summary));
      }
  g_print ("\n%s\n", _("Environment: MD_DB, MD_TERMINAL, MD_OPERATOR, MD_PASSWORD, "
                       "MD_NEW_PASSWORD, MD_APPROVER_PASSWORD, MD_CARD_KEY. Exit status: 0 done, 1 refused "
                       "or failed, 2 usage error."));
}

static JsonNode *
error_node (const GError *error,
            const char   *message)
{
  g_autofree char *code = error_code (error);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* The reason on stderr, one line; with --json also {"error": …} on stdout,
 * inside the command's own result object when it has one (audit verify). */
static void
print_error (MdCli        *cli,
             const GError *error,
             JsonNode     *result)
{
  g_autofree char *message = g_strdup (error->message);

  /* RELIABILITY: one line, whatever the underlying library said. */
  for (char *p = message; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';

  g_printerr (_("Error: %s\n"), message);

  if (cli->json)
    {
      g_autoptr(JsonNode) root = NULL;

      if (result != NULL && JSON_NODE_HOLDS_OBJECT (result))
        root = json_node_ref (result);
      else
        root = json_node_init_object (json_node_alloc (), json_object_new ());
      json_object_set_member (json_node_get_object (root), "error", error_node (error, message));
      md_cli_print (cli, root);
    }
  else if (result != NULL)
    md_cli_print (cli, result);
}

static void
set_str (char       **target,
         const char  *value)
{
  g_free (*target);
  *target = g_strdup (value);
}

/**
 * md_cli_main:
 *
 * Returns: the exit status: 0 done, 1 refused or failed, 2 usage error
 */
int
md_cli_main (int    argc,
             char **argv)
{
  MdCli cli = { 0 };
  g_autoptr(GPtrArray) rest = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  const MdCliCommand *command;
  gboolean help = FALSE;
  gboolean version = FALSE;
  guint n_words = 0;
  int status = 0;

  cli.db_uri = g_strdup (g_getenv ("MD_DB"));
  cli.terminal = g_strdup (g_getenv ("MD_TERMINAL") ?: "T01");
  cli.operator_name = g_strdup (g_getenv ("MD_OPERATOR"));

  /* Global options may come anywhere; the rest is the command. */
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      char **target = NULL;

      if (g_str_equal (arg, "--json"))
        cli.json = TRUE;
      else if (g_str_equal (arg, "--password-stdin"))
        cli.password_stdin = TRUE;
      else if (g_str_equal (arg, "--help") || g_str_equal (arg, "-h"))
        help = TRUE;
      else if (g_str_equal (arg, "--version"))
        version = TRUE;
      else if (g_str_equal (arg, "--db"))
        target = &cli.db_uri;
      else if (g_str_equal (arg, "--terminal"))
        target = &cli.terminal;
      else if (g_str_equal (arg, "--operator"))
        target = &cli.operator_name;
      else if (g_str_equal (arg, "--card-key"))
        target = &cli.card_key;
      else if (g_str_has_prefix (arg, "--db="))
        set_str (&cli.db_uri, arg + 5);
      else if (g_str_has_prefix (arg, "--terminal="))
        set_str (&cli.terminal, arg + 11);
      else if (g_str_has_prefix (arg, "--operator="))
        set_str (&cli.operator_name, arg + 11);
      else if (g_str_has_prefix (arg, "--card-key="))
        set_str (&cli.card_key, arg + 11);
      else
        g_ptr_array_add (rest, argv[i]);

      if (target != NULL)
        {
          if (i + 1 >= argc)
            {
              g_set_error (&error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                           _("The option %s needs a value"), arg);
              break;
            }
          set_str (target, argv[++i]);
        }
    }
  g_ptr_array_add (rest, NULL);

  if (cli.db_uri == NULL)
    cli.db_uri = md_store_default_uri ();

  if (error == NULL && version)
    {
      g_print ("meterdesk-cli %s\n", PACKAGE_VERSION);
      goto out;
    }

  if (error == NULL)
    {
      command = find_command ((char **) rest->pdata, &n_words);
      if (command == NULL)
        {
          if (help || rest->len == 1 || g_strcmp0 (rest->pdata[0], "help") == 0)
            {
              print_help ();
              goto out;
            }
          g_set_error (&error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE,
                       _("Unknown command “%s”; see meterdesk-cli --help"),
                       (const char *) rest->pdata[0]);
        }
      else if (help)
        {
          g_print ("meterdesk-cli %s %s\n  %s\n", command->name, command->usage,
                   _(command->summary));
          goto out;
        }
    }

  if (error == NULL && open_session (&cli, command, &error))
    result = command->run (&cli, (char **) rest->pdata + n_words, &error);

  if (result != NULL && error == NULL)
    md_cli_print (&cli, result);

out:
  if (error != NULL)
    {
      print_error (&cli, error, result);
      status = g_error_matches (error, MD_CLI_ERROR, MD_CLI_ERROR_USAGE) ? 2 : 1;
    }

  g_clear_object (&cli.session);
  g_clear_object (&cli.store);
  g_free (cli.db_uri);
  g_free (cli.terminal);
  g_free (cli.operator_name);
  g_free (cli.card_key);
  return status;
}
