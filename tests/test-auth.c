/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "md-audit.h"
#include "md-auth.h"
#include "md-clock.h"
#include "md-register.h"
#include "md-test-util.h"

#define PW "correct-horse"

/* The matrix as docs/admin-guide.md states it: a second, independent
 * statement of the policy that the core's table must agree with. */
static const struct
{
  MdRole      role;
  const char *allowed;
} expected_matrix[] = {
  { MD_ROLE_CASHIER, "sell shift card view meter-read" },
  { MD_ROLE_SUPERVISOR, "sell shift reverse refund approve z-report card card-replace view "
                        "meter-read report alarm backup" },
  { MD_ROLE_FINANCE, "reverse refund approve z-report tariff fee category report view audit" },
  { MD_ROLE_UTILIZATION, "account card card-replace view meter-read alarm report" },
  { MD_ROLE_METERING, "meter meter-control meter-read site alarm batch view report" },
  { MD_ROLE_AUDITOR, "view report audit" },
  { MD_ROLE_ADMIN, "operator settings backup restore audit site view report" },
};

static void
test_matrix (void)
{
  for (guint r = 0; r < G_N_ELEMENTS (expected_matrix); r++)
    {
      g_auto(GStrv) allowed = g_strsplit (expected_matrix[r].allowed, " ", -1);
      guint64 granted = md_role_get_permissions (expected_matrix[r].role);

      for (MdPermission p = 0; p < MD_N_PERMISSIONS; p++)
        {
          gboolean want = g_strv_contains ((const char * const *) allowed,
                                           md_permission_to_string (p));
          gboolean have = (granted & (G_GUINT64_CONSTANT (1) << p)) != 0;

          if (want != have)
            g_error ("role %s, permission %s: expected %d, got %d",
                     md_role_to_string (expected_matrix[r].role), md_permission_to_string (p),
                     want, have);
        }
    }

  /* Roles combine. */
  g_assert_cmpuint (md_role_get_permissions (MD_ROLE_CASHIER | MD_ROLE_UTILIZATION), ==,
                    md_role_get_permissions (MD_ROLE_CASHIER) |
                    md_role_get_permissions (MD_ROLE_UTILIZATION));
}

static void
test_roles_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  MdRole roles = 0;

  g_assert_true (md_roles_parse ("cashier, utilization", &roles, &error));
  g_assert_cmpint (roles, ==, MD_ROLE_CASHIER | MD_ROLE_UTILIZATION);
  text = md_roles_to_string (roles);
  g_assert_cmpstr (text, ==, "cashier,utilization");
  g_assert_false (md_roles_parse ("cashier,boss", &roles, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (md_roles_parse ("", &roles, &error));
  g_assert_nonnull (error);
}

static void
test_password_policy (void)
{
  static const char *bad[] = { "", "12345", "abc\tdefg", "\xff\xfe\xfd\xfc\xfb\xfa" };
  g_autoptr(GError) error = NULL;
  g_autofree char *long_password = g_strnfill (MD_PASSWORD_MAX_BYTES + 1, 'x');

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (md_password_check (bad[i], &error));
      g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_WEAK_PASSWORD);
      g_clear_error (&error);
    }
  g_assert_false (md_password_check (long_password, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_WEAK_PASSWORD);
  g_clear_error (&error);
  g_assert_true (md_password_check ("密码很长的", &error) == FALSE);
  g_clear_error (&error);
  g_assert_true (md_password_check ("六个汉字密码", &error));
}

static gint64
count_audit (MdStore    *store,
             const char *action)
{
  g_autoptr(MdStmt) stmt = md_store_prepare (store, "SELECT count(*) FROM audit WHERE action = $1",
                                             NULL);
  gint64 n;

  md_stmt_bind_text (stmt, 1, action);
  g_assert_true (md_stmt_step (stmt, NULL));
  n = md_stmt_get_int64 (stmt, 0);
  md_stmt_exec (stmt, NULL);
  return n;
}

typedef struct
{
  MdPermission permission;
  gboolean     ok;
} Check;

/* Every role against real services: a denial is MD_AUTH_ERROR_DENIED and
 * is audited; an allowed call may still fail for its own reasons (a
 * category or operator that does not exist), never for permission. */
static void
test_services_enforce (void)
{
  MdTestDb db = { 0 };

  md_test_db_setup (&db);

  for (guint r = 0; r < G_N_ELEMENTS (expected_matrix); r++)
    {
      MdRole role = expected_matrix[r].role;
      guint64 granted = md_role_get_permissions (role);
      g_autofree char *name = g_strdup_printf ("op%u", r);
      g_autofree char *code = g_strdup_printf ("S%u", r);
      g_autofree char *address = g_strdup_printf ("1000000000%02u", r + 10);
      g_autofree char *category = g_strdup_printf ("C%u", r);
      g_autofree char *terminal = g_strdup_printf ("T%u", r + 10);
      g_autofree char *other = g_strdup_printf ("x%u", r);
      g_autoptr(MdSession) session = md_test_add_operator (&db, name, role, PW);
      MdMeterSpec meter = { address, "SIM", MD_UTILITY_ELECTRICITY };
      MdAccountSpec account = { "A1", "张三", "NOPE" };
      gint64 denials_before = count_audit (db.store, "permission.denied");
      gint64 expected_denials = 0;
      GError *errors[8] = { NULL };
      Check checks[8];
      guint n = 0;

      checks[n].permission = MD_PERM_SITE;
      checks[n].ok = md_site_add (session, code, "site", NULL, &errors[n]), n++;
      checks[n].permission = MD_PERM_METER;
      checks[n].ok = md_meter_add (session, &meter, &errors[n]), n++;
      checks[n].permission = MD_PERM_CATEGORY;
      checks[n].ok = md_category_add (session, category, "类", MD_UTILITY_ELECTRICITY, NULL,
                                      &errors[n]), n++;
      checks[n].permission = MD_PERM_SETTINGS;
      checks[n].ok = md_terminal_add (session, terminal, "窗口", &errors[n]), n++;
      checks[n].permission = MD_PERM_OPERATOR;
      checks[n].ok = md_operator_unlock (session, "admin", &errors[n]), n++;
      checks[n].permission = MD_PERM_VIEW;
      {
        JsonNode *list = md_meter_list (session, NULL, &errors[n]);

        checks[n].ok = list != NULL, n++;
        g_clear_pointer (&list, json_node_unref);
      }
      checks[n].permission = MD_PERM_ACCOUNT;
      checks[n].ok = md_account_open (session, &account, &errors[n]), n++;
      checks[n].permission = MD_PERM_OPERATOR;
      checks[n].ok = md_operator_set_active (session, other, TRUE, &errors[n]), n++;

      for (guint c = 0; c < n; c++)
        {
          gboolean allowed = (granted & (G_GUINT64_CONSTANT (1) << checks[c].permission)) != 0;

          if (allowed)
            g_assert_false (g_error_matches (errors[c], MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED));
          else
            {
              g_assert_false (checks[c].ok);
              g_assert_error (errors[c], MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
              expected_denials++;
            }
          g_clear_error (&errors[c]);
        }

      g_assert_cmpint (count_audit (db.store, "permission.denied") - denials_before, ==,
                       expected_denials);
    }

  md_test_db_teardown (&db);
}

static void
test_lockout (void)
{
  MdTestDb db = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(MdSession) session = NULL;
  gint64 start = G_GINT64_CONSTANT (1790000000) * G_USEC_PER_SEC;

  md_test_db_setup (&db);
  g_clear_object (&session);
  session = md_test_add_operator (&db, "cash1", MD_ROLE_CASHIER, PW);
  g_clear_object (&session);
  md_test_clock_install (start);

  for (guint i = 1; i <= MD_LOCKOUT_FAILURES; i++)
    {
      g_assert_null (md_session_login (db.store, "T01", "cash1", "wrong-password", &error));
      if (i < MD_LOCKOUT_FAILURES)
        g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_BAD_CREDENTIALS);
      else
        g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_LOCKED);
      g_clear_error (&error);
    }

  /* The right password does not help while locked… */
  g_assert_null (md_session_login (db.store, "T01", "cash1", PW, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_cmpint (count_audit (db.store, "login.failed"), ==, MD_LOCKOUT_FAILURES);
  g_assert_cmpint (count_audit (db.store, "operator.locked"), ==, 1);

  /* …until 30 minutes have passed. */
  md_test_clock_advance (MD_LOCKOUT_USEC - G_USEC_PER_SEC);
  g_assert_null (md_session_login (db.store, "T01", "cash1", PW, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_LOCKED);
  g_clear_error (&error);
  md_test_clock_advance (2 * G_USEC_PER_SEC);
  session = md_session_login (db.store, "T01", "cash1", PW, &error);
  g_assert_no_error (error);
  g_assert_nonnull (session);
  g_clear_object (&session);

  /* An administrator can unlock at once. */
  for (guint i = 0; i < MD_LOCKOUT_FAILURES; i++)
    {
      g_assert_null (md_session_login (db.store, "T01", "cash1", "nope-nope", &error));
      g_clear_error (&error);
    }
  g_assert_true (md_operator_unlock (db.admin, "cash1", &error));
  g_assert_no_error (error);
  session = md_session_login (db.store, "T01", "cash1", PW, &error);
  g_assert_no_error (error);

  /* An unknown name fails the same way and is audited too. */
  g_assert_null (md_session_login (db.store, "T01", "ghost", PW, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_BAD_CREDENTIALS);
  g_clear_error (&error);

  md_test_clock_uninstall ();
  md_test_db_teardown (&db);
}

static void
test_deactivated (void)
{
  MdTestDb db = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(MdSession) session = NULL;

  md_test_db_setup (&db);
  session = md_test_add_operator (&db, "cash2", MD_ROLE_CASHIER, PW);
  g_assert_true (md_operator_set_active (db.admin, "cash2", FALSE, &error));
  g_assert_no_error (error);
  g_assert_null (md_session_login (db.store, "T01", "cash2", PW, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_INACTIVE);
  g_clear_error (&error);

  /* Nobody deactivates themselves. */
  g_assert_false (md_operator_set_active (db.admin, "admin", FALSE, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  md_test_db_teardown (&db);
}

static void
test_approval (void)
{
  MdTestDb db = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(MdSession) cashier = NULL;
  g_autoptr(MdSession) supervisor = NULL;
  g_autoptr(MdSession) other_cashier = NULL;
  g_autoptr(MdApproval) approval = NULL;
  gint64 approver = -1;

  md_test_db_setup (&db);
  cashier = md_test_add_operator (&db, "cash", MD_ROLE_CASHIER, PW);
  supervisor = md_test_add_operator (&db, "boss", MD_ROLE_SUPERVISOR, PW);
  other_cashier = md_test_add_operator (&db, "cash9", MD_ROLE_CASHIER, PW);
  md_test_clock_install (G_GINT64_CONSTANT (1790000000) * G_USEC_PER_SEC);

  /* A cashier may not reverse alone. */
  g_assert_false (md_session_authorize (cashier, MD_PERM_REVERSE, NULL, &approver, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);

  /* Not by approving oneself. */
  g_assert_null (md_session_request_approval (supervisor, MD_PERM_REVERSE, "boss", PW, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_APPROVAL);
  g_clear_error (&error);

  /* Not by another cashier, nor with a wrong password. */
  g_assert_null (md_session_request_approval (cashier, MD_PERM_REVERSE, "cash9", PW, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  g_clear_error (&error);
  g_assert_null (md_session_request_approval (cashier, MD_PERM_REVERSE, "boss", "guess-guess",
                                              &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_BAD_CREDENTIALS);
  g_clear_error (&error);

  /* A supervisor's fresh credentials allow one reversal, once. */
  approval = md_session_request_approval (cashier, MD_PERM_REVERSE, "boss", PW, &error);
  g_assert_no_error (error);
  g_assert_false (md_session_authorize (cashier, MD_PERM_REFUND, approval, &approver, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_APPROVAL);
  g_clear_error (&error);
  g_assert_false (md_session_authorize (other_cashier, MD_PERM_REVERSE, approval, &approver,
                                        &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_APPROVAL);
  g_clear_error (&error);
  g_assert_true (md_session_authorize (cashier, MD_PERM_REVERSE, approval, &approver, &error));
  g_assert_no_error (error);
  g_assert_cmpint (approver, ==, md_session_get_operator_id (supervisor));
  g_assert_false (md_session_authorize (cashier, MD_PERM_REVERSE, approval, &approver, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_APPROVAL);
  g_clear_error (&error);
  g_clear_pointer (&approval, md_approval_free);

  /* An approval expires after a minute. */
  approval = md_session_request_approval (cashier, MD_PERM_REVERSE, "boss", PW, &error);
  g_assert_no_error (error);
  md_test_clock_advance (MD_APPROVAL_LIFETIME_USEC + G_USEC_PER_SEC);
  g_assert_false (md_session_authorize (cashier, MD_PERM_REVERSE, approval, &approver, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_APPROVAL);
  g_clear_error (&error);

  /* A supervisor holding the permission needs nobody. */
  g_assert_true (md_session_authorize (supervisor, MD_PERM_REVERSE, NULL, &approver, &error));
  g_assert_cmpint (approver, ==, 0);

  md_test_clock_uninstall ();
  md_test_db_teardown (&db);
}

static void
test_rehash_on_login (void)
{
  MdTestDb db = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(MdSession) session = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *before = NULL;

  md_test_db_setup (&db);
  session = md_test_add_operator (&db, "grow", MD_ROLE_CASHIER, PW);
  g_clear_object (&session);

  /* A cashier's hash is INTERACTIVE (64 MiB); promoted to supervisor, the
   * next login upgrades it to MODERATE (256 MiB). */
  stmt = md_store_prepare (db.store, "SELECT password_hash FROM operator WHERE name = 'grow'",
                           &error);
  g_assert_true (md_stmt_step (stmt, &error));
  before = g_strdup (md_stmt_get_text (stmt, 0));
  md_stmt_exec (stmt, NULL);
  g_assert_nonnull (strstr (before, "m=65536"));

  g_assert_true (md_operator_set_roles (db.admin, "grow", MD_ROLE_SUPERVISOR, &error));
  session = md_session_login (db.store, "T01", "grow", PW, &error);
  g_assert_no_error (error);
  g_assert_true (md_stmt_step (stmt, &error));
  g_assert_nonnull (strstr (md_stmt_get_text (stmt, 0), "m=262144"));
  md_stmt_exec (stmt, NULL);

  /* Own password change is allowed without the operator permission. */
  g_assert_true (md_operator_set_password (session, "grow", "another-secret", &error));
  g_assert_no_error (error);
  g_assert_false (md_operator_set_password (session, "admin", "another-secret", &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);

  md_test_db_teardown (&db);
}

static void
test_first_admin_once (void)
{
  MdTestDb db = { 0 };
  g_autoptr(GError) error = NULL;

  md_test_db_setup (&db);
  g_assert_false (md_operator_create_first_admin (db.store, "T01", "admin2", PW, &error));
  g_assert_error (error, MD_AUTH_ERROR, MD_AUTH_ERROR_DENIED);
  md_test_db_teardown (&db);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/core/auth/matrix", test_matrix);
  g_test_add_func ("/meterdesk/core/auth/roles-parse", test_roles_parse);
  g_test_add_func ("/meterdesk/core/auth/password-policy", test_password_policy);
  g_test_add_func ("/meterdesk/core/auth/services-enforce", test_services_enforce);
  g_test_add_func ("/meterdesk/core/auth/lockout", test_lockout);
  g_test_add_func ("/meterdesk/core/auth/deactivated", test_deactivated);
  g_test_add_func ("/meterdesk/core/auth/approval", test_approval);
  g_test_add_func ("/meterdesk/core/auth/rehash-on-login", test_rehash_on_login);
  g_test_add_func ("/meterdesk/core/auth/first-admin-once", test_first_admin_once);

  return g_test_run ();
}
