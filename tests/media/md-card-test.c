/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-card-test.h"

#include <signal.h>
#include <string.h>

#include "md-vend.h"

MdCardKeys *
md_card_test_keys (guint8 fill)
{
  guint8 master[MD_CARD_MASTER_KEY_SIZE];

  for (guint i = 0; i < sizeof master; i++)
    master[i] = fill + i;
  return md_card_keys_new_from_data (master, sizeof master);
}

void
md_card_test_issue (MdCardLink       *link,
                    const MdCardKeys *keys,
                    MdCardKind        kind,
                    const char       *account,
                    guint             generation,
                    gint64            purchase_count)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdCardSession) session = md_card_session_open (link, keys, MD_CARD_SESSION_DEFAULT,
                                                           NULL, &error);
  MdCardIssue issue = { kind, account, TRUE, generation, purchase_count };

  g_assert_no_error (error);
  md_card_session_issue (session, &issue, &error);
  g_assert_no_error (error);
}

void
md_card_test_plan (MdVendPlan *plan,
                   const char *account,
                   MdMoney     credit)
{
  memset (plan, 0, sizeof *plan);
  plan->idem = md_vend_new_key ();
  plan->account_no = g_strdup (account);
  plan->credit = credit;
  plan->money_kind = TRUE;
}

char *
md_card_test_hex (const guint8 *bytes,
                  gsize         len)
{
  char *s = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    g_snprintf (s + 2 * i, 3, "%02X", bytes[i]);
  return s;
}

/**
 * md_test_emulator_start:
 * @uid: (nullable): for a new card
 * @log: (nullable): a file receiving every APDU
 *
 * Starts `meterdesk-sim card` on the private pcscd's vpcd port: the card
 * is "put in the reader".
 */
MdTestEmulator *
md_test_emulator_start (const char *state,
                        const char *type,
                        const char *uid,
                        guint       tear_at,
                        guint       seed,
                        guint       stall_at,
                        const char *log)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  MdTestEmulator *emulator = g_new0 (MdTestEmulator, 1);
  const char *sim = g_getenv ("MD_SIM");
  const char *port = g_getenv ("MD_VPCD_PORT");

  g_assert_nonnull (sim);
  g_assert_nonnull (port);
  g_ptr_array_add (argv, g_strdup (sim));
  g_ptr_array_add (argv, g_strdup ("card"));
  g_ptr_array_add (argv, g_strdup_printf ("--type=%s", type));
  g_ptr_array_add (argv, g_strdup_printf ("--state=%s", state));
  g_ptr_array_add (argv, g_strdup_printf ("--port=%s", port));
  if (uid != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--uid=%s", uid));
  if (tear_at > 0)
    g_ptr_array_add (argv, g_strdup_printf ("--tear-at=%u", tear_at));
  if (seed > 0)
    g_ptr_array_add (argv, g_strdup_printf ("--seed=%u", seed));
  if (stall_at > 0)
    g_ptr_array_add (argv, g_strdup_printf ("--stall-at=%u", stall_at));
  if (log != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--log=%s", log));
  g_ptr_array_add (argv, NULL);

  emulator->state = g_strdup (state);
  emulator->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                         G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  return emulator;
}

/* Its exit status once it ended by itself (a tear, pcscd gone). */
int
md_test_emulator_wait (MdTestEmulator *emulator)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_wait (emulator->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (emulator->process));
  return g_subprocess_get_exit_status (emulator->process);
}

/* The card is taken out. */
void
md_test_emulator_stop (MdTestEmulator *emulator)
{
  if (emulator->process == NULL)
    return;
  g_subprocess_send_signal (emulator->process, SIGTERM);
  g_subprocess_wait (emulator->process, NULL, NULL);
}

void
md_test_emulator_free (MdTestEmulator *emulator)
{
  if (emulator == NULL)
    return;
  md_test_emulator_stop (emulator);
  g_clear_object (&emulator->process);
  g_free (emulator->state);
  g_free (emulator);
}

/* The first vpcd reader of the private pcscd. */
char *
md_test_reader (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) readers = NULL;

  for (guint i = 0; i < 100; i++)
    {
      g_clear_error (&error);
      g_clear_pointer (&readers, g_strfreev);
      readers = md_pcsc_list_readers (&error);
      if (readers != NULL && readers[0] != NULL)
        break;
      g_usleep (50 * 1000);
    }
  g_assert_no_error (error);
  g_assert_nonnull (readers[0]);
  for (guint i = 0; readers[i] != NULL; i++)
    if (g_str_has_suffix (readers[i], " 00"))
      return g_strdup (readers[i]);
  return g_strdup (readers[0]);
}

/* pcscd polls a vpcd reader for its card about every 0.4 s. */
void
md_test_wait_card (MdCardLink *link,
                   gboolean    present)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = md_card_link_connect (link, NULL, &error);

      if (ok == present)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("the card did not %s: %s", present ? "come" : "go",
                 error != NULL ? error->message : "still there");
      g_usleep (20 * 1000);
    }
}
