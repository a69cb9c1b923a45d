/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fiu-control.h>
#include <locale.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "md-powercut-vfs.h"
#include "md-rel-check.h"
#include "md-shift.h"
#include "md-store.h"
#include "md-vend.h"

/*
 * The cashier of the reliability tests (RELIABILITY.md B, T01–T03, T06).
 *
 *   md-seller --db FILE --terminal T --operator NAME [--start I] [--count N]
 *
 * Logs NAME in (password in MD_PASSWORD), makes sure T has an open shift,
 * settles T's pending sales (md_vend_recover), then for i in [I, I+N) sells
 * ¥(1 + i % 50) to one of the --accounts under the key "T-i", one line of
 * output each, flushed at once:
 *
 *   READY                         logged in, shift open
 *   RECOVERED n                   pending sales of T settled at start
 *   START key                     md_vend_sell is about to be called
 *   ACK key receipt [replayed]    md_vend_sell returned a posted sale: only
 *                                 now may the cashier hand over the receipt
 *   FAIL key code: message        md_vend_sell failed
 *   ACK key receipt in-doubt was-STATE   …after a failure, reopened: it
 *                                 landed (posted, or pending and settled now)
 *   ABSENT key                    …after a failure, reopened: it did not
 *   UNRESOLVED key message        …and the database could not tell
 *
 * A restart with --start at the first key not ACKed resubmits the sale in
 * progress with its own key (--resume-from is the same option). --in-doubt
 * KEY looks KEY up first, as after a failure. --wait-go waits after READY
 * for a line "GO" on standard input (the harness logs the next round in
 * while it checks the last one).
 *
 * Test-only knobs, none of them in the product:
 *   --vfs powercut [--cut-after-writes K]   the T02 shim as default VFS
 *   --vfs NAME                              another registered SQLite VFS
 *   MD_TEST_SYNCHRONOUS=NORMAL              T02's negative control: the
 *       store's connection is set to it with md_store_exec() after opening
 *   --fiu-point NAME --fiu-probability P --fiu-seed S   T03: run under
 *       `fiu-run -x`; after READY the libfiu points fail with probability P
 *       from a generator seeded with S, so a run replays exactly
 *
 *   md-seller --check --db FILE --expect FILE [--final] [--allow-lost]
 *
 * runs the invariant checker (md-rel-check.c) and prints its report as one
 * JSON line; exit status 0 when every invariant holds.
 *
 * Exit status: 0 done; 1 could not start; 3 a sale failed (and was
 * resolved); 4 a sale failed and could not be resolved; 5 died on purpose
 * after a failed sale (--crash-after-failure); 86 simulated power cut.
 */

#define EXIT_SALE_FAILED 3
#define EXIT_UNRESOLVED  4
#define EXIT_CRASHED     5

typedef struct
{
  char      *db;
  char      *terminal;
  char      *operator_name;
  char      *accounts_text;
  char     **accounts;
  guint      n_accounts;
  gint64     start;
  gint64     count;
  char     **in_doubt;
  char      *vfs;
  gint64     cut_after;
  char     **fiu_points;
  double     fiu_probability;
  gint64     fiu_seed;
  gint       fiu_errno;
  gboolean   fiu_persistent;
  gboolean   crash_after_failure;
  gboolean   check;
  char      *expect;
  gboolean   final;
  gboolean   allow_lost;
  gboolean   wait_go;
} Options;

typedef struct
{
  Options   *opt;
  MdStore   *store;
  MdSession *session;
  MdMedium  *medium;
} Seller;

static GRand *fiu_rand;
static double fiu_p;
static guint64 fiu_injected;
static gboolean fiu_active;

/* One line, written with one write(2) by the flush: a kill lands before or
 * after it, never inside (a pipe write up to PIPE_BUF is atomic). */
G_GNUC_PRINTF (1, 2)
static void
emit (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

static const char *
store_code_name (MdStoreError code)
{
  switch (code)
    {
    case MD_STORE_ERROR_FAILED:
      return "FAILED";
    case MD_STORE_ERROR_INVALID_URI:
      return "INVALID_URI";
    case MD_STORE_ERROR_CANT_OPEN:
      return "CANT_OPEN";
    case MD_STORE_ERROR_NOT_INITIALIZED:
      return "NOT_INITIALIZED";
    case MD_STORE_ERROR_NOT_OURS:
      return "NOT_OURS";
    case MD_STORE_ERROR_SCHEMA_TOO_NEW:
      return "SCHEMA_TOO_NEW";
    case MD_STORE_ERROR_BUSY:
      return "BUSY";
    case MD_STORE_ERROR_RETRY:
      return "RETRY";
    case MD_STORE_ERROR_UNIQUE:
      return "UNIQUE";
    case MD_STORE_ERROR_FOREIGN_KEY:
      return "FOREIGN_KEY";
    case MD_STORE_ERROR_CHECK:
      return "CHECK";
    case MD_STORE_ERROR_CONSTRAINT:
      return "CONSTRAINT";
    case MD_STORE_ERROR_CORRUPT:
      return "CORRUPT";
    case MD_STORE_ERROR_IO:
      return "IO";
    case MD_STORE_ERROR_FULL:
      return "FULL";
    case MD_STORE_ERROR_CONNECTION:
      return "CONNECTION";
    case MD_STORE_ERROR_OUTCOME_UNKNOWN:
      return "OUTCOME_UNKNOWN";
    case MD_STORE_ERROR_READ_ONLY:
      return "READ_ONLY";
    case MD_STORE_ERROR_UNSUPPORTED:
      return "UNSUPPORTED";
    default:
      return "?";
    }
}

static char *
error_code (const GError *error)
{
  if (error->domain == MD_STORE_ERROR)
    return g_strdup_printf ("store/%s", store_code_name (error->code));
  return g_strdup_printf ("%s/%d", g_quark_to_string (error->domain), error->code);
}

static char *
one_line (const char *text)
{
  return g_strdelimit (g_strdup (text), "\r\n", ' ');
}

static MdMedium *
lookup_medium (const char *kind,
               gpointer    user_data)
{
  return g_strcmp0 (kind, "account") == 0 ? md_account_medium_new () : NULL;
}

/* Decides each call of a failure point, from the seeded generator, so that
 * a seed replays the same faults at the same calls. */
static int
fiu_external (const char    *name,
              int           *failnum,
              void         **failinfo,
              unsigned int  *flags)
{
  if (!fiu_active || g_rand_double (fiu_rand) >= fiu_p)
    return 0;
  fiu_injected++;
  return 1;
}

static gboolean
faults_enable (Options  *opt,
               GError  **error)
{
  if (opt->fiu_points == NULL)
    return TRUE;

  fiu_rand = g_rand_new_with_seed ((guint32) opt->fiu_seed);
  fiu_p = opt->fiu_probability;
  for (guint i = 0; opt->fiu_points[i] != NULL; i++)
    if (fiu_enable_external (opt->fiu_points[i], 1, GINT_TO_POINTER (opt->fiu_errno), 0,
                             fiu_external) != 0)
      {
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                     "libfiu refused the failure point %s", opt->fiu_points[i]);
        return FALSE;
      }
  fiu_active = TRUE;
  emit ("FAULTS ON p=%g seed=%" G_GINT64_FORMAT " errno=%d", opt->fiu_probability,
        opt->fiu_seed, opt->fiu_errno);
  return TRUE;
}

static void
faults_disable (Options *opt)
{
  if (!fiu_active)
    return;
  fiu_active = FALSE;
  for (guint i = 0; opt->fiu_points[i] != NULL; i++)
    fiu_disable (opt->fiu_points[i]);
  emit ("FAULTS OFF injected=%" G_GUINT64_FORMAT, fiu_injected);
}

static void
seller_close (Seller *seller)
{
  g_clear_object (&seller->session);
  g_clear_object (&seller->store);
}

static gboolean
ensure_shift (Seller  *seller,
              GError **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;
  gint64 operator_id = 0;
  gboolean open = FALSE;

  if (!(stmt = md_store_prepare (seller->store,
                                 "SELECT operator_id FROM shift "
                                 "WHERE terminal = $1 AND closed_at IS NULL", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, seller->opt->terminal);
  if (md_stmt_step (stmt, &local_error))
    {
      open = TRUE;
      operator_id = md_stmt_get_int64 (stmt, 0);
      md_stmt_exec (stmt, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (open && operator_id != md_session_get_operator_id (seller->session))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "the open shift of %s belongs to another operator", seller->opt->terminal);
      return FALSE;
    }
  return open || md_shift_open (seller->session, 10000, NULL, error);
}

static gboolean
seller_open (Seller  *seller,
             GError **error)
{
  const char *synchronous = g_getenv ("MD_TEST_SYNCHRONOUS");

  if (!(seller->store = md_store_open (seller->opt->db, MD_STORE_OPEN_NONE, error)))
    return FALSE;

  /* The negative control of T02 only: the product always runs FULL. */
  if (synchronous != NULL && *synchronous != '\0')
    {
      static const char *levels[] = { "OFF", "NORMAL", "FULL", "EXTRA" };
      g_autofree char *pragma = NULL;
      gint64 level = -1;
      guint i;

      for (i = 0; i < G_N_ELEMENTS (levels); i++)
        if (g_ascii_strcasecmp (synchronous, levels[i]) == 0)
          break;
      if (i == G_N_ELEMENTS (levels))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "MD_TEST_SYNCHRONOUS=%s is not OFF, NORMAL, FULL or EXTRA", synchronous);
          return FALSE;
        }
      pragma = g_strdup_printf ("PRAGMA synchronous=%s", levels[i]);
      if (!md_store_exec (seller->store, pragma, error) ||
          !md_store_query_int64 (seller->store, "PRAGMA synchronous", &level, error))
        return FALSE;
      if (level != (gint64) i)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                       "PRAGMA synchronous is %" G_GINT64_FORMAT ", not %s", level, levels[i]);
          return FALSE;
        }
      emit ("SYNCHRONOUS %s", levels[i]);
    }

  if (!(seller->session = md_session_login (seller->store, seller->opt->terminal,
                                            seller->opt->operator_name,
                                            g_getenv ("MD_PASSWORD"), error)))
    return FALSE;
  return ensure_shift (seller, error);
}

/* After a failure: what does the database say about @key? */
static gboolean
resolve_key (Seller      *seller,
             const char  *key)
{
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(MdSaleResult) result = { 0 };
  g_autofree char *state = NULL;
  gint64 sale_id = 0;
  gint64 amount = 0;

  if ((stmt = md_store_prepare (seller->store,
                                "SELECT id, amount, state FROM sale WHERE idem = $1", &error)))
    {
      md_stmt_bind_text (stmt, 1, key);
      if (md_stmt_step (stmt, &error))
        {
          sale_id = md_stmt_get_int64 (stmt, 0);
          amount = md_stmt_get_int64 (stmt, 1);
          state = g_strdup (md_stmt_get_text (stmt, 2));
          md_stmt_exec (stmt, NULL);
        }
    }
  if (error == NULL && sale_id == 0)
    {
      emit ("ABSENT %s", key);
      return TRUE;
    }
  if (error == NULL && amount != md_rel_key_amount (key))
    {
      emit ("UNRESOLVED %s the key belongs to another sale", key);
      return FALSE;
    }

  /* Present: posted, or pending and settled now through its medium. */
  if (error == NULL &&
      md_vend_resolve (seller->session, sale_id, seller->medium, FALSE, NULL, &result, NULL,
                       &error) &&
      g_strcmp0 (result.state, "posted") == 0)
    {
      emit ("ACK %s %s in-doubt was-%s", key, result.receipt, state);
      return TRUE;
    }

  {
    g_autofree char *message = one_line (error != NULL ? error->message : result.state);

    emit ("UNRESOLVED %s %s", key, message);
  }
  return FALSE;
}

/* RELIABILITY rule 3: a failure is "outcome unknown" until the database,
 * opened again, says otherwise. */
static int
after_failure (Seller     *seller,
               const char *key)
{
  g_autoptr(GError) error = NULL;

  /* The program dies right after the failure, before anyone looks: the
   * next start must settle the key (--in-doubt). */
  if (seller->opt->crash_after_failure)
    {
      emit ("CRASH");
      _exit (EXIT_CRASHED);
    }

  if (!seller->opt->fiu_persistent)
    faults_disable (seller->opt);

  seller_close (seller);
  if (!seller_open (seller, &error))
    {
      g_autofree char *message = one_line (error->message);

      emit ("UNRESOLVED %s reopen: %s", key, message);
      return EXIT_UNRESOLVED;
    }
  return resolve_key (seller, key) ? EXIT_SALE_FAILED : EXIT_UNRESOLVED;
}

static int
sell (Seller *seller)
{
  Options *opt = seller->opt;

  for (gint64 i = opt->start; i < opt->start + opt->count; i++)
    {
      g_autofree char *key = g_strdup_printf ("%s-%" G_GINT64_FORMAT, opt->terminal, i);
      g_auto(MdSaleResult) result = { 0 };
      g_autoptr(GError) error = NULL;
      MdSaleRequest request = { 0 };

      request.idem = key;
      request.account_no = opt->accounts[i % opt->n_accounts];
      request.amount = md_rel_key_amount (key);
      request.pay_method = MD_PAY_CASH;

      emit ("START %s", key);
      if (md_vend_sell (seller->session, &request, seller->medium, &result, NULL, &error) &&
          g_strcmp0 (result.state, "posted") == 0)
        {
          emit ("ACK %s %s%s", key, result.receipt, result.replayed ? " replayed" : "");
          continue;
        }

      if (error != NULL)
        {
          g_autofree char *code = error_code (error);
          g_autofree char *message = one_line (error->message);

          emit ("FAIL %s %s: %s", key, code, message);
        }
      else
        emit ("FAIL %s state: the sale is %s", key, result.state);
      return after_failure (seller, key);
    }
  return 0;
}

static int
run_check (Options *opt)
{
  g_auto(MdRelReport) report = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  MdRelCheckFlags flags = MD_REL_CHECK_NONE;

  if (opt->expect == NULL)
    {
      g_printerr ("md-seller: --check needs --expect FILE\n");
      return 2;
    }
  if (opt->final)
    flags |= MD_REL_CHECK_FINAL;
  if (opt->allow_lost)
    flags |= MD_REL_CHECK_ALLOW_LOST;

  md_rel_report_init (&report);
  if (!md_rel_check (opt->db, opt->expect, flags, &report, &error))
    {
      g_printerr ("md-seller: the check could not run: %s\n", error->message);
      return 2;
    }
  json = md_rel_report_to_json (&report);
  emit ("%s", json);
  return report.problems->len == 0 ? 0 : 1;
}

static gboolean
install_vfs (Options  *opt,
             GError  **error)
{
  sqlite3_vfs *vfs;

  if (opt->vfs == NULL)
    return TRUE;
  if (g_str_equal (opt->vfs, "powercut"))
    return md_powercut_vfs_install (opt->cut_after, !opt->wait_go, error);
  if ((vfs = sqlite3_vfs_find (opt->vfs)) == NULL || sqlite3_vfs_register (vfs, 1) != SQLITE_OK)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "there is no SQLite VFS “%s”",
                   opt->vfs);
      return FALSE;
    }
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  Options opt = { 0 };
  Seller seller = { &opt };
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  int status;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &opt.db, "The SQLite database", "FILE" },
    { "terminal", 0, 0, G_OPTION_ARG_STRING, &opt.terminal, "This sales window", "ID" },
    { "operator", 0, 0, G_OPTION_ARG_STRING, &opt.operator_name, "The cashier", "NAME" },
    { "accounts", 0, 0, G_OPTION_ARG_STRING, &opt.accounts_text,
      "System-billed accounts to sell to", "NO,NO,…" },
    { "start", 0, 0, G_OPTION_ARG_INT64, &opt.start, "The first key's number", "I" },
    { "resume-from", 0, 0, G_OPTION_ARG_INT64, &opt.start, "The same as --start", "I" },
    { "count", 0, 0, G_OPTION_ARG_INT64, &opt.count, "How many sales", "N" },
    { "wait-go", 0, 0, G_OPTION_ARG_NONE, &opt.wait_go,
      "After READY, wait for a line GO on standard input", NULL },
    { "in-doubt", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.in_doubt,
      "Look this key up before selling", "KEY" },
    { "vfs", 0, 0, G_OPTION_ARG_STRING, &opt.vfs, "SQLite VFS: powercut, or a registered one",
      "NAME" },
    { "cut-after-writes", 0, 0, G_OPTION_ARG_INT64, &opt.cut_after,
      "powercut: die at this write", "K" },
    { "fiu-point", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.fiu_points, "libfiu failure point",
      "NAME" },
    { "fiu-probability", 0, 0, G_OPTION_ARG_DOUBLE, &opt.fiu_probability, "per call", "P" },
    { "fiu-seed", 0, 0, G_OPTION_ARG_INT64, &opt.fiu_seed, "the faults' generator", "S" },
    { "fiu-errno", 0, 0, G_OPTION_ARG_INT, &opt.fiu_errno, "errno of a failed call", "E" },
    { "fiu-persistent", 0, 0, G_OPTION_ARG_NONE, &opt.fiu_persistent,
      "keep failing after the first failure", NULL },
    { "crash-after-failure", 0, 0, G_OPTION_ARG_NONE, &opt.crash_after_failure,
      "_exit() right after a failed sale, without looking it up", NULL },
    { "check", 0, 0, G_OPTION_ARG_NONE, &opt.check, "Check the invariants instead", NULL },
    { "expect", 0, 0, G_OPTION_ARG_FILENAME, &opt.expect, "check: what the sellers said", "FILE" },
    { "final", 0, 0, G_OPTION_ARG_NONE, &opt.final, "check: nothing may be pending", NULL },
    { "allow-lost", 0, 0, G_OPTION_ARG_NONE, &opt.allow_lost,
      "check: count lost ACKed sales without failing", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  opt.fiu_errno = EIO;
  context = g_option_context_new ("- sell, crash, recover; or check");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("md-seller: %s\n", error->message);
      return 2;
    }
  if (opt.db == NULL)
    {
      g_printerr ("md-seller: --db is required\n");
      return 2;
    }
  if (opt.check)
    return run_check (&opt);

  if (opt.terminal == NULL || opt.operator_name == NULL || opt.start < 0 || opt.count < 0)
    {
      g_printerr ("md-seller: --terminal and --operator are required\n");
      return 2;
    }
  opt.accounts = g_strsplit (opt.accounts_text != NULL ? opt.accounts_text
                                                       : "100001,100002,100003", ",", -1);
  opt.n_accounts = g_strv_length (opt.accounts);
  if (opt.n_accounts == 0)
    {
      g_printerr ("md-seller: --accounts is empty\n");
      return 2;
    }

  if (!install_vfs (&opt, &error) || !seller_open (&seller, &error))
    {
      g_printerr ("md-seller: %s\n", error->message);
      return 1;
    }
  seller.medium = md_account_medium_new ();
  emit ("READY");

  /* Started ahead, while the harness checks the last round: the clock of
   * this round starts at GO. */
  if (opt.wait_go)
    {
      char line[16];

      if (fgets (line, sizeof line, stdin) == NULL || !g_str_has_prefix (line, "GO"))
        {
          g_clear_object (&seller.medium);
          seller_close (&seller);
          return 0;
        }
      if (opt.vfs != NULL && g_str_equal (opt.vfs, "powercut") && !md_powercut_vfs_arm (&error))
        {
          g_printerr ("md-seller: %s\n", error->message);
          return 1;
        }
    }

  {
    g_autoptr(JsonNode) summary = NULL;

    if (!md_vend_recover (seller.session, lookup_medium, NULL, &summary, &error))
      {
        g_printerr ("md-seller: recovery: %s\n", error->message);
        return 1;
      }
    emit ("RECOVERED %u", json_array_get_length (json_node_get_array (summary)));
  }

  status = 0;
  for (guint i = 0; opt.in_doubt != NULL && opt.in_doubt[i] != NULL && status == 0; i++)
    if (!resolve_key (&seller, opt.in_doubt[i]))
      status = EXIT_UNRESOLVED;

  if (status == 0)
    {
      if (!faults_enable (&opt, &error))
        {
          g_printerr ("md-seller: %s\n", error->message);
          return 1;
        }
      status = sell (&seller);
      faults_disable (&opt);
    }

  if (opt.vfs != NULL && g_str_equal (opt.vfs, "powercut"))
    emit ("WRITES %" G_GUINT64_FORMAT " SYNCS %" G_GUINT64_FORMAT, md_powercut_vfs_get_writes (),
          md_powercut_vfs_get_syncs ());

  g_clear_object (&seller.medium);
  seller_close (&seller);
  g_strfreev (opt.accounts);
  return status;
}
