/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <string.h>

#include "md-audit.h"
#include "md-auth.h"
#include "md-clock.h"
#include "md-validate.h"

struct _MdSession
{
  GObject   parent_instance;

  MdStore  *store;
  char     *terminal;
  char     *operator_name;
  gint64    operator_id;
  MdRole    roles;
  gboolean  system;
  gint64    last_activity;
};

struct _MdApproval
{
  MdSession    *session;     /* borrowed: an approval never outlives its session */
  MdPermission  permission;
  gint64        approver_id;
  gint64        created;
  gboolean      used;
};

G_DEFINE_FINAL_TYPE (MdSession, md_session, G_TYPE_OBJECT)
G_DEFINE_QUARK (md-auth-error-quark, md_auth_error)

static const struct
{
  MdRole      role;
  const char *name;
  const char *label;
} roles[] = {
  { MD_ROLE_CASHIER, "cashier", N_("Cashier") },
  { MD_ROLE_SUPERVISOR, "supervisor", N_("Supervisor") },
  { MD_ROLE_FINANCE, "finance", N_("Finance") },
  { MD_ROLE_UTILIZATION, "utilization", N_("Utilization") },
  { MD_ROLE_METERING, "metering", N_("Metering") },
  { MD_ROLE_AUDITOR, "auditor", N_("Auditor") },
  { MD_ROLE_ADMIN, "admin", N_("Administrator") },
};

static const struct
{
  const char *name;
  const char *label;
} permissions[MD_N_PERMISSIONS] = {
  [MD_PERM_SELL] = { "sell", N_("Sell credit") },
  [MD_PERM_SHIFT] = { "shift", N_("Open and close shifts") },
  [MD_PERM_REVERSE] = { "reverse", N_("Reverse sales") },
  [MD_PERM_REFUND] = { "refund", N_("Refund credit") },
  [MD_PERM_APPROVE] = { "approve", N_("Approve other operators’ actions") },
  [MD_PERM_Z_REPORT] = { "z-report", N_("Close the day (Z report)") },
  [MD_PERM_CARD] = { "card", N_("Issue cards and report them lost") },
  [MD_PERM_CARD_REPLACE] = { "card-replace", N_("Issue replacement cards") },
  [MD_PERM_TARIFF] = { "tariff", N_("Set tariffs") },
  [MD_PERM_FEE] = { "fee", N_("Set fees and charge items") },
  [MD_PERM_CATEGORY] = { "category", N_("Manage usage categories") },
  [MD_PERM_ACCOUNT] = { "account", N_("Open, change and close accounts") },
  [MD_PERM_METER] = { "meter", N_("Register and install meters") },
  [MD_PERM_METER_CONTROL] = { "meter-control", N_("Trip and close meters") },
  [MD_PERM_METER_READ] = { "meter-read", N_("Read meters") },
  [MD_PERM_SITE] = { "site", N_("Set up sites, buses and gateways") },
  [MD_PERM_ALARM] = { "alarm", N_("Acknowledge alarms") },
  [MD_PERM_BATCH] = { "batch", N_("Run batch operations") },
  [MD_PERM_REPORT] = { "report", N_("Run reports") },
  [MD_PERM_VIEW] = { "view", N_("Look up accounts, meters and cards") },
  [MD_PERM_AUDIT] = { "audit", N_("Verify the audit chain") },
  [MD_PERM_OPERATOR] = { "operator", N_("Manage operators") },
  [MD_PERM_SETTINGS] = { "settings", N_("Change system settings") },
  [MD_PERM_BACKUP] = { "backup", N_("Back up the database") },
  [MD_PERM_RESTORE] = { "restore", N_("Restore the database") },
};

#define P(x) (G_GUINT64_CONSTANT (1) << MD_PERM_##x)

/* The role × permission matrix (docs/admin-guide.md lists it). Money
 * movements and system administration are kept apart on purpose. */
static guint64
permissions_of_role (MdRole role)
{
  switch (role)
    {
    case MD_ROLE_CASHIER:
      return P (SELL) | P (SHIFT) | P (CARD) | P (VIEW) | P (METER_READ);
    case MD_ROLE_SUPERVISOR:
      return P (SELL) | P (SHIFT) | P (REVERSE) | P (REFUND) | P (APPROVE) | P (Z_REPORT) |
             P (CARD) | P (CARD_REPLACE) | P (VIEW) | P (METER_READ) | P (REPORT) | P (ALARM) |
             P (BACKUP);
    case MD_ROLE_FINANCE:
      return P (REVERSE) | P (REFUND) | P (APPROVE) | P (Z_REPORT) | P (TARIFF) | P (FEE) |
             P (CATEGORY) | P (REPORT) | P (VIEW) | P (AUDIT);
    case MD_ROLE_UTILIZATION:
      return P (ACCOUNT) | P (CARD) | P (CARD_REPLACE) | P (VIEW) | P (METER_READ) | P (ALARM) |
             P (REPORT);
    case MD_ROLE_METERING:
      return P (METER) | P (METER_CONTROL) | P (METER_READ) | P (SITE) | P (ALARM) | P (BATCH) |
             P (VIEW) | P (REPORT);
    case MD_ROLE_AUDITOR:
      return P (VIEW) | P (REPORT) | P (AUDIT);
    case MD_ROLE_ADMIN:
      return P (OPERATOR) | P (SETTINGS) | P (BACKUP) | P (RESTORE) | P (AUDIT) | P (SITE) |
             P (VIEW) | P (REPORT);
    case MD_ROLE_NONE:
    default:
      return 0;
    }
}

#undef P

static void
ensure_sodium (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      if (sodium_init () < 0)
        g_error ("libsodium failed to initialize");
      g_once_init_leave (&initialized, 1);
    }
}

const char *
md_role_to_string (MdRole role)
{
  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    if (roles[i].role == role)
      return roles[i].name;
  return NULL;
}

const char *
md_role_get_label (MdRole role)
{
  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    if (roles[i].role == role)
      return _(roles[i].label);
  return NULL;
}

static MdRole
role_from_string (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    if (g_strcmp0 (roles[i].name, name) == 0)
      return roles[i].role;
  return MD_ROLE_NONE;
}

/**
 * md_roles_parse:
 * @text: one role name or a comma-separated list ("cashier,utilization")
 */
gboolean
md_roles_parse (const char  *text,
                MdRole      *out_roles,
                GError     **error)
{
  g_auto(GStrv) parts = NULL;
  MdRole result = MD_ROLE_NONE;

  if (!md_validate_text (text, _("role"), TRUE, 200, error))
    return FALSE;

  parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      MdRole role = role_from_string (g_strstrip (parts[i]));

      if (role == MD_ROLE_NONE)
        {
          g_autofree char *shown = md_input_quote (parts[i]);

          g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                       _("Unknown role “%s”: use cashier, supervisor, finance, utilization, "
                         "metering, auditor or admin"), shown);
          return FALSE;
        }
      result |= role;
    }

  *out_roles = result;
  return TRUE;
}

char *
md_roles_to_string (MdRole value)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    if (value & roles[i].role)
      {
        if (out->len > 0)
          g_string_append_c (out, ',');
        g_string_append (out, roles[i].name);
      }
  return g_string_free (out, FALSE);
}

guint64
md_role_get_permissions (MdRole value)
{
  guint64 result = 0;

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    if (value & roles[i].role)
      result |= permissions_of_role (roles[i].role);
  return result;
}

const char *
md_permission_to_string (MdPermission permission)
{
  g_return_val_if_fail (permission < MD_N_PERMISSIONS, NULL);

  return permissions[permission].name;
}

const char *
md_permission_get_label (MdPermission permission)
{
  g_return_val_if_fail (permission < MD_N_PERMISSIONS, NULL);

  return _(permissions[permission].label);
}

/**
 * md_password_check:
 *
 * The password policy: %MD_PASSWORD_MIN_CHARS characters or more, at most
 * %MD_PASSWORD_MAX_BYTES bytes, valid UTF-8, no control characters.
 */
gboolean
md_password_check (const char  *password,
                   GError     **error)
{
  if (password == NULL || *password == '\0')
    {
      g_set_error_literal (error, MD_AUTH_ERROR, MD_AUTH_ERROR_WEAK_PASSWORD,
                           _("A password is required"));
      return FALSE;
    }
  if (!g_utf8_validate (password, -1, NULL) || strlen (password) > MD_PASSWORD_MAX_BYTES)
    {
      g_set_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_WEAK_PASSWORD,
                   _("The password must be valid text of at most %d bytes"),
                   MD_PASSWORD_MAX_BYTES);
      return FALSE;
    }
  for (const char *p = password; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        g_set_error_literal (error, MD_AUTH_ERROR, MD_AUTH_ERROR_WEAK_PASSWORD,
                             _("The password contains a control character"));
        return FALSE;
      }
  if (g_utf8_strlen (password, -1) < MD_PASSWORD_MIN_CHARS)
    {
      g_set_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_WEAK_PASSWORD,
                   ngettext ("The password must have at least %d character",
                             "The password must have at least %d characters",
                             MD_PASSWORD_MIN_CHARS),
                   MD_PASSWORD_MIN_CHARS);
      return FALSE;
    }
  return TRUE;
}

/* RELIABILITY.md C: MODERATE for the roles that approve or administer,
 * INTERACTIVE for the others. */
static void
hash_limits (MdRole                 value,
             unsigned long long    *opslimit,
             size_t                *memlimit)
{
  if (value & (MD_ROLE_SUPERVISOR | MD_ROLE_FINANCE | MD_ROLE_ADMIN))
    {
      *opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
      *memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
    }
  else
    {
      *opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
      *memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    }
}

static char *
hash_password (const char  *password,
               MdRole       value,
               GError     **error)
{
  char hash[crypto_pwhash_STRBYTES];
  unsigned long long opslimit;
  size_t memlimit;

  ensure_sodium ();
  hash_limits (value, &opslimit, &memlimit);
  if (crypto_pwhash_str (hash, password, strlen (password), opslimit, memlimit) != 0)
    {
      g_set_error_literal (error, MD_AUTH_ERROR, MD_AUTH_ERROR_WEAK_PASSWORD,
                           _("Not enough memory to protect the password"));
      return NULL;
    }
  return g_strdup (hash);
}

static void
md_session_finalize (GObject *object)
{
  MdSession *self = (MdSession *) object;

  g_clear_object (&self->store);
  g_clear_pointer (&self->terminal, g_free);
  g_clear_pointer (&self->operator_name, g_free);

  G_OBJECT_CLASS (md_session_parent_class)->finalize (object);
}

static void
md_session_class_init (MdSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = md_session_finalize;
}

static void
md_session_init (MdSession *self)
{
  self->last_activity = md_clock_monotonic ();
}

typedef struct
{
  gint64  id;
  char   *hash;
  gint64  active;
  gint64  failed;
  gint64  locked_until;
  MdRole  roles;
} OperatorRow;

static void
operator_row_clear (OperatorRow *row)
{
  if (row->hash != NULL)
    {
      sodium_memzero (row->hash, strlen (row->hash));
      g_free (row->hash);
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OperatorRow, operator_row_clear)

static gboolean
load_operator (MdStore      *store,
               const char   *name,
               OperatorRow  *row,
               gboolean     *found,
               GError      **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(MdStmt) role_stmt = NULL;
  GError *local_error = NULL;

  *found = FALSE;
  if (!(stmt = md_store_prepare (store,
                                 "SELECT id, password_hash, active, failed_logins, locked_until "
                                 "FROM operator WHERE name = $1", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, name);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      return TRUE;
    }

  row->id = md_stmt_get_int64 (stmt, 0);
  row->hash = g_strdup (md_stmt_get_text (stmt, 1));
  row->active = md_stmt_get_int64 (stmt, 2);
  row->failed = md_stmt_get_int64 (stmt, 3);
  row->locked_until = md_stmt_get_int64 (stmt, 4);
  md_stmt_exec (stmt, NULL);

  if (!(role_stmt = md_store_prepare (store, "SELECT role FROM operator_role WHERE operator_id = $1",
                                      error)))
    return FALSE;
  md_stmt_bind_int64 (role_stmt, 1, row->id);
  row->roles = MD_ROLE_NONE;
  while (md_stmt_step (role_stmt, &local_error))
    row->roles |= role_from_string (md_stmt_get_text (role_stmt, 0));
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  *found = TRUE;
  return TRUE;
}

typedef struct
{
  const char *terminal;
  const char *name;
  gint64      operator_id;
  gboolean    locked_now;
} FailureData;

static gboolean
record_failure_txn (MdStore   *store,
                    gpointer   user_data,
                    GError   **error)
{
  FailureData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("operator:%s", data->name);
  MdAuditEntry entry = { data->terminal, data->operator_id, 0, "login.failed", object, NULL };
  gint64 failed = 0;

  if (data->operator_id != 0)
    {
      GError *local_error = NULL;

      if (!(stmt = md_store_prepare (store,
                                     "UPDATE operator SET failed_logins = failed_logins + 1 "
                                     "WHERE id = $1 RETURNING failed_logins", error)))
        return FALSE;
      md_stmt_bind_int64 (stmt, 1, data->operator_id);
      if (md_stmt_step (stmt, &local_error))
        failed = md_stmt_get_int64 (stmt, 0);
      md_stmt_exec (stmt, NULL);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
    }

  if (!md_audit_append (store, &entry, NULL, error))
    return FALSE;

  if (failed >= MD_LOCKOUT_FAILURES)
    {
      g_autoptr(MdStmt) lock = NULL;
      g_autofree char *detail = g_strdup_printf ("{\"failures\":%" G_GINT64_FORMAT "}", failed);
      MdAuditEntry lock_entry = { data->terminal, data->operator_id, 0, "operator.locked",
                                  object, detail };

      if (!(lock = md_store_prepare (store,
                                     "UPDATE operator SET failed_logins = 0, locked_until = $2 "
                                     "WHERE id = $1", error)))
        return FALSE;
      md_stmt_bind_int64 (lock, 1, data->operator_id);
      md_stmt_bind_int64 (lock, 2, md_clock_now () + MD_LOCKOUT_USEC);
      if (!md_stmt_exec (lock, error) || !md_audit_append (store, &lock_entry, NULL, error))
        return FALSE;
      data->locked_now = TRUE;
    }

  return TRUE;
}

typedef struct
{
  gint64      operator_id;
  gboolean    reset;
  const char *new_hash;
} SuccessData;

static gboolean
record_success_txn (MdStore   *store,
                    gpointer   user_data,
                    GError   **error)
{
  SuccessData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;

  if (data->reset)
    {
      if (!(stmt = md_store_prepare (store, "UPDATE operator SET failed_logins = 0 WHERE id = $1",
                                     error)))
        return FALSE;
      md_stmt_bind_int64 (stmt, 1, data->operator_id);
      if (!md_stmt_exec (stmt, error))
        return FALSE;
    }

  if (data->new_hash != NULL)
    {
      g_autoptr(MdStmt) rehash = NULL;

      if (!(rehash = md_store_prepare (store, "UPDATE operator SET password_hash = $2 WHERE id = $1",
                                       error)))
        return FALSE;
      md_stmt_bind_int64 (rehash, 1, data->operator_id);
      md_stmt_bind_text (rehash, 2, data->new_hash);
      if (!md_stmt_exec (rehash, error))
        return FALSE;
    }

  return TRUE;
}

static void
set_locked_error (GError **error,
                  gint64   until)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (until / G_USEC_PER_SEC);
  g_autofree char *when = dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M") : g_strdup ("?");

  g_set_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_LOCKED,
               _("This operator is locked after too many wrong passwords until %s; "
                 "an administrator can unlock it"), when);
}

static const char *
dummy_hash (void)
{
  static char *hash;

  if (g_once_init_enter (&hash))
    g_once_init_leave (&hash, hash_password ("not a password", MD_ROLE_CASHIER, NULL));
  return hash;
}

/* Checks one operator's credentials with the lockout rules. Wrong passwords
 * are counted and audited in their own transaction, so they stick even
 * though the caller fails. */
static gboolean
check_credentials (MdStore      *store,
                   const char   *terminal,
                   const char   *name,
                   const char   *password,
                   OperatorRow  *row,
                   GError      **error)
{
  gboolean found = FALSE;
  gboolean ok;

  ensure_sodium ();

  if (!md_validate_code (name, _("operator name"), error))
    return FALSE;
  if (password == NULL || !g_utf8_validate (password, -1, NULL) ||
      strlen (password) > MD_PASSWORD_MAX_BYTES)
    password = "";

  if (!load_operator (store, name, row, &found, error))
    return FALSE;

  if (found && row->locked_until > md_clock_now ())
    {
      set_locked_error (error, row->locked_until);
      return FALSE;
    }

  if (found)
    ok = crypto_pwhash_str_verify (row->hash, password, strlen (password)) == 0;
  else
    {
      /* Same work for an unknown name, so timing does not tell names apart. */
      if (crypto_pwhash_str_verify (dummy_hash (), password, strlen (password)) == 0)
        g_debug ("the dummy hash matched");
      ok = FALSE;
    }

  if (!ok)
    {
      FailureData data = { terminal, name, found ? row->id : 0, FALSE };
      g_autoptr(GError) local_error = NULL;

      if (!md_store_write (store, record_failure_txn, &data, &local_error))
        g_warning ("could not record a failed login: %s", local_error->message);
      if (data.locked_now)
        set_locked_error (error, md_clock_now () + MD_LOCKOUT_USEC);
      else
        g_set_error_literal (error, MD_AUTH_ERROR, MD_AUTH_ERROR_BAD_CREDENTIALS,
                             _("Wrong operator name or password"));
      return FALSE;
    }

  if (!row->active)
    {
      g_set_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_INACTIVE,
                   _("The operator %s has been deactivated"), name);
      return FALSE;
    }

  {
    unsigned long long opslimit;
    size_t memlimit;
    g_autofree char *new_hash = NULL;
    SuccessData data = { row->id, row->failed > 0, NULL };

    hash_limits (row->roles, &opslimit, &memlimit);
    if (crypto_pwhash_str_needs_rehash (row->hash, opslimit, memlimit) != 0)
      data.new_hash = new_hash = hash_password (password, row->roles, NULL);

    if ((data.reset || data.new_hash != NULL) &&
        !md_store_write (store, record_success_txn, &data, error))
      return FALSE;
  }

  return TRUE;
}

static gboolean
validate_terminal (const char  *terminal,
                   GError     **error)
{
  if (!md_validate_code (terminal, _("terminal id"), error))
    return FALSE;
  if (strlen (terminal) > 16)
    {
      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_TOO_LONG,
                   _("The terminal id is too long (at most %d characters)"), 16);
      return FALSE;
    }
  return TRUE;
}

/**
 * md_session_login:
 * @terminal: the sales window's id, e.g. "T01"
 *
 * Checks the operator's password with the lockout rules (10 failures lock
 * the operator for 30 minutes) and upgrades an outdated hash.
 *
 * Returns: (transfer full): the session, or %NULL with @error set
 */
MdSession *
md_session_login (MdStore     *store,
                  const char  *terminal,
                  const char  *name,
                  const char  *password,
                  GError     **error)
{
  g_auto(OperatorRow) row = { 0 };
  MdSession *self;

  g_return_val_if_fail (MD_IS_STORE (store), NULL);

  if (!validate_terminal (terminal, error))
    return NULL;
  if (!check_credentials (store, terminal, name, password, &row, error))
    return NULL;

  self = g_object_new (MD_TYPE_SESSION, NULL);
  self->store = g_object_ref (store);
  self->terminal = g_strdup (terminal);
  self->operator_name = g_strdup (name);
  self->operator_id = row.id;
  self->roles = row.roles;

  return self;
}

/**
 * md_session_new_system:
 *
 * A session for the program itself (start-up recovery, the daemon's
 * schedules): operator id 0 in the audit chain, and no permissions of its
 * own — services that run unattended check for it explicitly.
 *
 * Returns: (transfer full): the session
 */
MdSession *
md_session_new_system (MdStore    *store,
                       const char *terminal)
{
  MdSession *self;

  g_return_val_if_fail (MD_IS_STORE (store), NULL);

  self = g_object_new (MD_TYPE_SESSION, NULL);
  self->store = g_object_ref (store);
  self->terminal = g_strdup (terminal);
  self->operator_name = g_strdup ("system");
  self->system = TRUE;

  return self;
}

/**
 * md_session_is_system:
 *
 * Returns: %TRUE for a session of md_session_new_system()
 */
gboolean
md_session_is_system (MdSession *self)
{
  g_return_val_if_fail (MD_IS_SESSION (self), FALSE);

  return self->system;
}

MdStore *
md_session_get_store (MdSession *self)
{
  g_return_val_if_fail (MD_IS_SESSION (self), NULL);

  return self->store;
}

const char *
md_session_get_terminal (MdSession *self)
{
  g_return_val_if_fail (MD_IS_SESSION (self), NULL);

  return self->terminal;
}

gint64
md_session_get_operator_id (MdSession *self)
{
  g_return_val_if_fail (MD_IS_SESSION (self), 0);

  return self->operator_id;
}

const char *
md_session_get_operator_name (MdSession *self)
{
  g_return_val_if_fail (MD_IS_SESSION (self), NULL);

  return self->operator_name;
}

MdRole
md_session_get_roles (MdSession *self)
{
  g_return_val_if_fail (MD_IS_SESSION (self), MD_ROLE_NONE);

  return self->roles;
}

gboolean
md_session_has_permission (MdSession    *self,
                           MdPermission  permission)
{
  g_return_val_if_fail (MD_IS_SESSION (self), FALSE);
  g_return_val_if_fail (permission < MD_N_PERMISSIONS, FALSE);

  return (md_role_get_permissions (self->roles) & (G_GUINT64_CONSTANT (1) << permission)) != 0;
}

static gboolean
record_txn (MdStore  *store,
            gpointer  user_data,
            GError  **error)
{
  return md_audit_append (store, user_data, NULL, error);
}

/**
 * md_audit_record:
 * @approver_id: the approving operator, or 0
 * @detail: (nullable): a JSON object
 *
 * Appends an audit row for an action by this session's operator. Inside a
 * write transaction it joins it; outside it commits on its own.
 */
gboolean
md_audit_record (MdSession   *self,
                 gint64       approver_id,
                 const char  *action,
                 const char  *object,
                 const char  *detail,
                 GError     **error)
{
  MdAuditEntry entry = { self->terminal, self->operator_id, approver_id, action, object, detail };

  g_return_val_if_fail (MD_IS_SESSION (self), FALSE);

  return md_store_write (self->store, record_txn, &entry, error);
}

/**
 * md_session_require:
 *
 * The one permission check every service runs before it acts (RELIABILITY
 * rule 10: in the core, never only in a UI). A denial is itself audited.
 */
gboolean
md_session_require (MdSession     *self,
                    MdPermission   permission,
                    GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (MD_IS_SESSION (self), FALSE);

  if (md_session_has_permission (self, permission))
    return TRUE;

  g_set_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED,
               _("%s does not have the permission “%s”"), self->operator_name,
               md_permission_get_label (permission));

  /* Denials are security events; outside a transaction so it sticks. */
  if (!md_store_in_transaction (self->store))
    {
      g_autofree char *detail = g_strdup_printf ("{\"permission\":\"%s\"}",
                                                 md_permission_to_string (permission));

      if (!md_audit_record (self, 0, "permission.denied", "", detail, &local_error))
        g_warning ("could not record a denial: %s", local_error->message);
    }
  return FALSE;
}

void
md_session_touch (MdSession *self)
{
  g_return_if_fail (MD_IS_SESSION (self));

  self->last_activity = md_clock_monotonic ();
}

/**
 * md_session_get_idle_usec:
 *
 * Returns: microseconds since the last md_session_touch(), on the
 *   monotonic clock (the idle lock must not follow wall-clock jumps)
 */
gint64
md_session_get_idle_usec (MdSession *self)
{
  g_return_val_if_fail (MD_IS_SESSION (self), 0);

  return md_clock_monotonic () - self->last_activity;
}

/**
 * md_session_request_approval:
 * @permission: the one action approved
 * @approver: another operator holding @permission and the approve right
 * @password: the approver's password, typed now
 *
 * Supervisor approval (UX.md): fresh credentials of a different operator,
 * for one action, valid %MD_APPROVAL_LIFETIME_USEC, usable once.
 *
 * Returns: (transfer full): the approval, or %NULL with @error set
 */
MdApproval *
md_session_request_approval (MdSession     *self,
                             MdPermission   permission,
                             const char    *approver,
                             const char    *password,
                             GError       **error)
{
  g_auto(OperatorRow) row = { 0 };
  guint64 granted;
  MdApproval *approval;

  g_return_val_if_fail (MD_IS_SESSION (self), NULL);
  g_return_val_if_fail (permission < MD_N_PERMISSIONS, NULL);

  if (g_strcmp0 (approver, self->operator_name) == 0)
    {
      g_set_error_literal (error, MD_AUTH_ERROR, MD_AUTH_ERROR_APPROVAL,
                           _("Another operator must approve; you cannot approve your own action"));
      return NULL;
    }

  if (!check_credentials (self->store, self->terminal, approver, password, &row, error))
    return NULL;

  granted = md_role_get_permissions (row.roles);
  if (!(granted & (G_GUINT64_CONSTANT (1) << MD_PERM_APPROVE)) ||
      !(granted & (G_GUINT64_CONSTANT (1) << permission)))
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *detail = g_strdup_printf ("{\"permission\":\"%s\",\"approver\":%" G_GINT64_FORMAT "}",
                                                 md_permission_to_string (permission), row.id);

      g_set_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED,
                   _("%s cannot approve this: they do not have the permission “%s”"), approver,
                   md_permission_get_label (permission));
      if (!md_audit_record (self, row.id, "approval.denied", "", detail, &local_error))
        g_warning ("could not record a denial: %s", local_error->message);
      return NULL;
    }

  approval = g_new0 (MdApproval, 1);
  approval->session = self;
  approval->permission = permission;
  approval->approver_id = row.id;
  approval->created = md_clock_monotonic ();

  return approval;
}

/**
 * md_session_authorize:
 * @approval: (nullable): a supervisor's approval for @permission
 * @out_approver_id: (out): the approver to record, 0 when the operator's own
 *   role suffices
 *
 * Allows an action when the operator holds @permission, or else when
 * @approval is valid for it — which consumes the approval.
 */
gboolean
md_session_authorize (MdSession     *self,
                      MdPermission   permission,
                      MdApproval    *approval,
                      gint64        *out_approver_id,
                      GError       **error)
{
  g_return_val_if_fail (MD_IS_SESSION (self), FALSE);
  g_return_val_if_fail (out_approver_id != NULL, FALSE);

  *out_approver_id = 0;

  if (approval == NULL)
    return md_session_require (self, permission, error);

  if (approval->session != self || approval->permission != permission)
    {
      g_set_error_literal (error, MD_AUTH_ERROR, MD_AUTH_ERROR_APPROVAL,
                           _("This approval was given for another action"));
      return FALSE;
    }
  if (approval->used)
    {
      g_set_error_literal (error, MD_AUTH_ERROR, MD_AUTH_ERROR_APPROVAL,
                           _("This approval has already been used; ask again"));
      return FALSE;
    }
  if (md_clock_monotonic () - approval->created > MD_APPROVAL_LIFETIME_USEC)
    {
      g_set_error_literal (error, MD_AUTH_ERROR, MD_AUTH_ERROR_APPROVAL,
                           _("The approval has expired; ask again"));
      return FALSE;
    }

  approval->used = TRUE;
  *out_approver_id = approval->approver_id;
  return TRUE;
}

gint64
md_approval_get_approver_id (MdApproval *approval)
{
  g_return_val_if_fail (approval != NULL, 0);

  return approval->approver_id;
}

void
md_approval_free (MdApproval *approval)
{
  g_free (approval);
}

/**
 * md_operators_exist:
 *
 * Whether any operator has been created (a new database has none).
 */
gboolean
md_operators_exist (MdStore   *store,
                    gboolean  *out_exist,
                    GError   **error)
{
  gint64 count = 0;

  if (!md_store_query_int64 (store, "SELECT count(*) FROM operator", &count, error))
    return FALSE;
  *out_exist = count > 0;
  return TRUE;
}

typedef struct
{
  const char *terminal;
  gint64      actor_id;
  gint64      id;
  const char *name;
  const char *full_name;
  MdRole      roles;
  const char *hash;
  gboolean    first;
} AddData;

static gboolean
insert_roles (MdStore  *store,
              gint64    id,
              MdRole    value,
              GError  **error)
{
  g_autoptr(MdStmt) del = NULL;

  if (!(del = md_store_prepare (store, "DELETE FROM operator_role WHERE operator_id = $1", error)))
    return FALSE;
  md_stmt_bind_int64 (del, 1, id);
  if (!md_stmt_exec (del, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_autoptr(MdStmt) ins = NULL;

      if (!(value & roles[i].role))
        continue;
      if (!(ins = md_store_prepare (store,
                                    "INSERT INTO operator_role (operator_id, role) VALUES ($1, $2)",
                                    error)))
        return FALSE;
      md_stmt_bind_int64 (ins, 1, id);
      md_stmt_bind_text (ins, 2, roles[i].name);
      if (!md_stmt_exec (ins, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_operator_txn (MdStore  *store,
                  gpointer  user_data,
                  GError  **error)
{
  AddData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("operator:%s", data->name);
  g_autofree char *role_list = md_roles_to_string (data->roles);
  g_autofree char *detail = NULL;
  GError *local_error = NULL;
  gint64 now = md_clock_now ();
  MdAuditEntry entry = { data->terminal, data->actor_id, 0, "operator.add", object, NULL };

  if (data->first)
    {
      gboolean exist = FALSE;

      if (!md_operators_exist (store, &exist, error))
        return FALSE;
      if (exist)
        {
          g_set_error_literal (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED,
                               _("This database already has operators"));
          return FALSE;
        }
    }

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO operator (name, full_name, password_hash, "
                                 "password_set_at, created_at) VALUES ($1, $2, $3, $4, $4) "
                                 "ON CONFLICT (name) DO NOTHING RETURNING id", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, data->name);
  md_stmt_bind_text (stmt, 2, data->full_name != NULL ? data->full_name : "");
  md_stmt_bind_text (stmt, 3, data->hash);
  md_stmt_bind_int64 (stmt, 4, now);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED,
                     _("An operator named %s already exists"), data->name);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  data->id = md_stmt_get_int64 (stmt, 0);
  md_stmt_exec (stmt, NULL);

  if (!insert_roles (store, data->id, data->roles, error))
    return FALSE;

  if (data->actor_id == 0)
    entry.operator_id = data->id;

  if (data->first)
    {
      g_autoptr(MdStmt) terminal = NULL;
      g_autofree char *init_detail = g_strdup_printf ("{\"schema\":%d}",
                                                      md_store_get_schema_version (store));
      MdAuditEntry init = { data->terminal, data->id, 0, "database.init", "", init_detail };

      if (!(terminal = md_store_prepare (store,
                                         "INSERT INTO terminal (id, name, created_at) "
                                         "VALUES ($1, $1, $2) ON CONFLICT DO NOTHING", error)))
        return FALSE;
      md_stmt_bind_text (terminal, 1, data->terminal);
      md_stmt_bind_int64 (terminal, 2, now);
      if (!md_stmt_exec (terminal, error) || !md_audit_append (store, &init, NULL, error))
        return FALSE;

      /* The site's zone, so every window reads tariffs alike. */
      {
        g_autoptr(GTimeZone) local = g_time_zone_new_local ();
        const char *zone_id = g_time_zone_get_identifier (local);
        g_autoptr(GTimeZone) check = g_time_zone_new_identifier (zone_id);
        g_autoptr(MdStmt) setting = NULL;

        if (check != NULL)
          {
            if (!(setting = md_store_prepare (store,
                                              "INSERT INTO setting (key, value) "
                                              "VALUES ('timezone', $1) ON CONFLICT DO NOTHING",
                                              error)))
              return FALSE;
            md_stmt_bind_text (setting, 1, zone_id);
            if (!md_stmt_exec (setting, error))
              return FALSE;
          }
      }
    }
  detail = g_strdup_printf ("{\"roles\":\"%s\"}", role_list);
  entry.detail = detail;
  return md_audit_append (store, &entry, NULL, error);
}

static gboolean
validate_operator_fields (const char  *name,
                          const char  *full_name,
                          MdRole       value,
                          const char  *password,
                          GError     **error)
{
  if (!md_validate_code (name, _("operator name"), error))
    return FALSE;
  if (!md_validate_text (full_name, _("full name"), FALSE, MD_NAME_MAX_CHARS, error))
    return FALSE;
  if ((value & MD_ROLE_ALL) == MD_ROLE_NONE || (value & ~MD_ROLE_ALL) != 0)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED,
                           _("An operator needs at least one role"));
      return FALSE;
    }
  return md_password_check (password, error);
}

/**
 * md_operator_create_first_admin:
 *
 * Sets up a new database: registers @terminal and creates the first
 * operator, an administrator. Refused once any operator exists: there are
 * no default credentials.
 */
gboolean
md_operator_create_first_admin (MdStore     *store,
                                const char  *terminal,
                                const char  *name,
                                const char  *password,
                                GError     **error)
{
  g_autofree char *hash = NULL;
  AddData data = { terminal, 0, 0, name, NULL, MD_ROLE_ADMIN, NULL, TRUE };

  g_return_val_if_fail (MD_IS_STORE (store), FALSE);

  if (!validate_terminal (terminal, error) ||
      !validate_operator_fields (name, NULL, MD_ROLE_ADMIN, password, error))
    return FALSE;
  if (!(data.hash = hash = hash_password (password, MD_ROLE_ADMIN, error)))
    return FALSE;

  return md_store_write (store, add_operator_txn, &data, error);
}

gboolean
md_operator_add (MdSession   *self,
                 const char  *name,
                 const char  *full_name,
                 MdRole       value,
                 const char  *password,
                 gint64      *out_id,
                 GError     **error)
{
  g_autofree char *hash = NULL;
  AddData data = { NULL, 0, 0, name, full_name, value, NULL, FALSE };

  g_return_val_if_fail (MD_IS_SESSION (self), FALSE);

  if (!validate_operator_fields (name, full_name, value, password, error))
    return FALSE;
  if (!md_session_require (self, MD_PERM_OPERATOR, error))
    return FALSE;
  if (!(data.hash = hash = hash_password (password, value, error)))
    return FALSE;

  data.terminal = self->terminal;
  data.actor_id = self->operator_id;
  if (!md_store_write (self->store, add_operator_txn, &data, error))
    return FALSE;

  if (out_id != NULL)
    *out_id = data.id;
  return TRUE;
}

typedef struct
{
  MdSession  *session;
  const char *name;
  const char *action;
  const char *sql;
  const char *text;
  gint64      value;
  MdRole      roles;
  gboolean    set_roles;
  gboolean    bind_value3;
} UpdateData;

static gboolean
update_operator_txn (MdStore  *store,
                     gpointer  user_data,
                     GError  **error)
{
  UpdateData *data = user_data;
  g_autoptr(MdStmt) find = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("operator:%s", data->name);
  g_autofree char *detail = NULL;
  GError *local_error = NULL;
  gint64 id;

  if (!(find = md_store_prepare (store, "SELECT id FROM operator WHERE name = $1", error)))
    return FALSE;
  md_stmt_bind_text (find, 1, data->name);
  if (!md_stmt_step (find, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_AUTH_ERROR, MD_AUTH_ERROR_NO_OPERATOR,
                     _("There is no operator named %s"), data->name);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  id = md_stmt_get_int64 (find, 0);
  md_stmt_exec (find, NULL);

  if (data->sql != NULL)
    {
      if (!(stmt = md_store_prepare (store, data->sql, error)))
        return FALSE;
      md_stmt_bind_int64 (stmt, 1, id);
      if (data->text != NULL)
        md_stmt_bind_text (stmt, 2, data->text);
      else
        md_stmt_bind_int64 (stmt, 2, data->value);
      if (data->bind_value3)
        md_stmt_bind_int64 (stmt, 3, data->value);
      if (!md_stmt_exec (stmt, error))
        return FALSE;
    }

  if (data->set_roles)
    {
      g_autofree char *list = md_roles_to_string (data->roles);

      if (!insert_roles (store, id, data->roles, error))
        return FALSE;
      detail = g_strdup_printf ("{\"roles\":\"%s\"}", list);
    }

  {
    MdAuditEntry entry = { data->session->terminal, data->session->operator_id, 0, data->action,
                           object, detail };

    return md_audit_append (store, &entry, NULL, error);
  }
}

/**
 * md_operator_set_password:
 *
 * An operator may change their own password; changing another's needs the
 * operator-management permission.
 */
gboolean
md_operator_set_password (MdSession   *self,
                          const char  *name,
                          const char  *password,
                          GError     **error)
{
  g_autofree char *hash = NULL;
  g_auto(OperatorRow) row = { 0 };
  gboolean found = FALSE;
  UpdateData data = { self, name, "operator.passwd",
                      "UPDATE operator SET password_hash = $2, password_set_at = $3 WHERE id = $1",
                      NULL, md_clock_now (), 0, FALSE, TRUE };

  g_return_val_if_fail (MD_IS_SESSION (self), FALSE);

  if (!md_validate_code (name, _("operator name"), error) || !md_password_check (password, error))
    return FALSE;
  if (g_strcmp0 (name, self->operator_name) != 0 && !md_session_require (self, MD_PERM_OPERATOR, error))
    return FALSE;
  if (!load_operator (self->store, name, &row, &found, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_NO_OPERATOR,
                   _("There is no operator named %s"), name);
      return FALSE;
    }
  if (!(hash = hash_password (password, row.roles, error)))
    return FALSE;

  data.text = hash;
  return md_store_write (self->store, update_operator_txn, &data, error);
}

gboolean
md_operator_set_roles (MdSession   *self,
                       const char  *name,
                       MdRole       value,
                       GError     **error)
{
  UpdateData data = { self, name, "operator.roles", NULL, NULL, 0, value, TRUE, FALSE };

  g_return_val_if_fail (MD_IS_SESSION (self), FALSE);

  if (!md_validate_code (name, _("operator name"), error))
    return FALSE;
  if ((value & MD_ROLE_ALL) == MD_ROLE_NONE)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED,
                           _("An operator needs at least one role"));
      return FALSE;
    }
  if (!md_session_require (self, MD_PERM_OPERATOR, error))
    return FALSE;
  return md_store_write (self->store, update_operator_txn, &data, error);
}

gboolean
md_operator_set_active (MdSession   *self,
                        const char  *name,
                        gboolean     active,
                        GError     **error)
{
  UpdateData data = { self, name, active ? "operator.activate" : "operator.deactivate",
                      "UPDATE operator SET active = $2 WHERE id = $1", NULL, active ? 1 : 0,
                      0, FALSE, FALSE };

  g_return_val_if_fail (MD_IS_SESSION (self), FALSE);

  if (!md_validate_code (name, _("operator name"), error))
    return FALSE;
  if (!md_session_require (self, MD_PERM_OPERATOR, error))
    return FALSE;
  if (!active && g_strcmp0 (name, self->operator_name) == 0)
    {
      g_set_error_literal (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED,
                           _("You cannot deactivate yourself"));
      return FALSE;
    }
  return md_store_write (self->store, update_operator_txn, &data, error);
}

gboolean
md_operator_unlock (MdSession   *self,
                    const char  *name,
                    GError     **error)
{
  UpdateData data = { self, name, "operator.unlock",
                      "UPDATE operator SET failed_logins = 0, locked_until = $2 WHERE id = $1",
                      NULL, 0, 0, FALSE, FALSE };

  g_return_val_if_fail (MD_IS_SESSION (self), FALSE);

  if (!md_validate_code (name, _("operator name"), error))
    return FALSE;
  if (!md_session_require (self, MD_PERM_OPERATOR, error))
    return FALSE;
  return md_store_write (self->store, update_operator_txn, &data, error);
}

/**
 * md_operator_list:
 *
 * Returns: (transfer full) (element-type MdOperatorInfo): every operator
 */
GPtrArray *
md_operator_list (MdSession  *self,
                  GError    **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) md_operator_info_free);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(MdStmt) roles_stmt = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (MD_IS_SESSION (self), NULL);

  if (!md_session_require (self, MD_PERM_OPERATOR, error))
    return NULL;

  if (!(stmt = md_store_prepare (self->store,
                                 "SELECT id, name, full_name, active, failed_logins, "
                                 "locked_until, created_at FROM operator ORDER BY name", error)))
    return NULL;

  while (md_stmt_step (stmt, &local_error))
    {
      MdOperatorInfo *info = g_new0 (MdOperatorInfo, 1);

      info->id = md_stmt_get_int64 (stmt, 0);
      info->name = g_strdup (md_stmt_get_text (stmt, 1));
      info->full_name = g_strdup (md_stmt_get_text (stmt, 2));
      info->active = md_stmt_get_int64 (stmt, 3) != 0;
      info->failed_logins = md_stmt_get_int64 (stmt, 4);
      info->locked_until = md_stmt_get_int64 (stmt, 5);
      info->created_at = md_stmt_get_int64 (stmt, 6);
      g_hash_table_insert (by_id, &info->id, info);
      g_ptr_array_add (list, info);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  if (!(roles_stmt = md_store_prepare (self->store, "SELECT operator_id, role FROM operator_role",
                                       error)))
    return NULL;
  while (md_stmt_step (roles_stmt, &local_error))
    {
      gint64 id = md_stmt_get_int64 (roles_stmt, 0);
      MdOperatorInfo *info = g_hash_table_lookup (by_id, &id);

      if (info != NULL)
        info->roles |= role_from_string (md_stmt_get_text (roles_stmt, 1));
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  return g_steal_pointer (&list);
}

void
md_operator_info_free (MdOperatorInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->full_name);
  g_free (info);
}
