/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "md-card-test.h"
#include "md-vend.h"

/*
 * Cards through the real stack: pcscd (private, from build-aux/pcscd-test.sh)
 * + vsmartcard's vpcd + `meterdesk-sim card`. Restarting the emulator on the
 * same state file is presenting the card again.
 */

typedef struct
{
  char           *dir;
  char           *reader;
  MdCardKeys     *keys;
  char           *key_path;
  MdPcscLink     *link;
} Env;

static const char *type_names[] = { "cpu", "sle4442" };

static void
env_setup (Env *env)
{
  g_autoptr(GError) error = NULL;

  env->dir = g_build_filename (g_getenv ("MD_PCSCD_DIR"), "t", NULL);
  g_mkdir_with_parents (env->dir, 0700);
  env->key_path = g_build_filename (env->dir, "keys", "card-master.key", NULL);
  if (!g_file_test (env->key_path, G_FILE_TEST_EXISTS))
    g_assert_true (md_card_keys_create (env->key_path, &error));
  env->keys = md_card_keys_load (env->key_path, &error);
  g_assert_no_error (error);
  env->reader = md_test_reader ();
  env->link = md_pcsc_link_new (env->reader);
}

static void
env_clear (Env *env)
{
  g_clear_object (&env->link);
  md_card_keys_free (env->keys);
  g_free (env->key_path);
  g_free (env->reader);
  g_free (env->dir);
}

static char *
state_path (Env        *env,
            const char *name)
{
  return g_build_filename (env->dir, name, NULL);
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (from, &data, &len, NULL));
  g_assert_true (g_file_set_contents (to, data, len, NULL));
}

/* Puts the card kept in @state into the reader and waits until pcscd sees it. */
static MdTestEmulator *
present (Env        *env,
         const char *state,
         const char *type,
         const char *uid,
         guint       tear_at,
         guint       stall_at,
         const char *log)
{
  MdTestEmulator *emulator = md_test_emulator_start (state, type, uid, tear_at, 7, stall_at, log);

  md_test_wait_card (MD_CARD_LINK (env->link), TRUE);
  return emulator;
}

static void
take_out (Env            *env,
          MdTestEmulator *emulator)
{
  md_test_emulator_stop (emulator);
  md_test_wait_card (MD_CARD_LINK (env->link), FALSE);
}

/* The meter program reads the card from its state file. */
static char *
meter_reads (Env        *env,
             const char *card_state,
             const char *meter_state)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  const char *argv[] = { g_getenv ("MD_SIM"), "card-meter", "--state", card_state,
                         "--meter-state", meter_state, "--key", env->key_path,
                         "--meter-id", "000011112222", NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("meterdesk-sim card-meter failed: %s", err);
  return g_strstrip (g_steal_pointer (&out));
}

static void
sell_through (Env        *env,
              MdVendPlan *plan,
              MdMoney     credit,
              gint64      expected_count)
{
  g_autoptr(MdCardMedium) medium = md_card_medium_new (MD_CARD_LINK (env->link), env->keys);
  g_autoptr(GError) error = NULL;

  md_card_medium_set_expected (medium, NULL, expected_count, -1);
  md_card_test_plan (plan, MD_TEST_ACCOUNT, credit);
  g_assert_true (md_medium_prepare (MD_MEDIUM (medium), plan, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), plan, NULL, &error), ==,
                   MD_DELIVERY_DELIVERED);
  g_assert_no_error (error);
}

static void
test_lifecycle (void)
{
  Env env = { 0 };

  env_setup (&env);
  for (guint t = 0; t < 2; t++)
    {
      g_autofree char *card = state_path (&env, "life.card");
      g_autofree char *second = state_path (&env, "life2.card");
      g_autofree char *meter = state_path (&env, "life.meter");
      g_auto(MdVendPlan) plan1 = { 0 };
      g_auto(MdVendPlan) plan2 = { 0 };
      g_auto(MdCardState) st = { 0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(MdTestEmulator) emulator = NULL;
      g_autofree char *result = NULL;

      g_unlink (card);
      g_unlink (second);
      g_unlink (meter);

      /* Issue, read. */
      emulator = present (&env, card, type_names[t], "0102030405060708", 0, 0, NULL);
      md_card_test_issue (MD_CARD_LINK (env.link), env.keys, MD_CARD_KIND_PURCHASE,
                          MD_TEST_ACCOUNT, 0, 0);
      md_card_read_state (MD_CARD_LINK (env.link), env.keys, &st, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (st.profile, ==, type_names[t]);
      g_assert_cmpstr (st.uid, ==, "0102030405060708");
      g_assert_cmpint (st.kind, ==, MD_CARD_KIND_PURCHASE);
      md_card_state_clear (&st);

      /* Purchase 1, read back. */
      sell_through (&env, &plan1, 8800, 0);
      md_card_read_state (MD_CARD_LINK (env.link), env.keys, &st, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (st.purchase_count, ==, 1);
      g_assert_cmpint (st.credit, ==, 8800);
      md_card_state_clear (&st);
      take_out (&env, emulator);
      g_clear_pointer (&emulator, md_test_emulator_free);

      /* The customer puts it in the meter. */
      result = meter_reads (&env, card, meter);
      g_assert_nonnull (strstr (result, "\"result\":\"loaded\""));
      g_assert_nonnull (strstr (result, "\"remaining\":8800"));
      g_clear_pointer (&result, g_free);

      /* Back at the counter: the write-back. */
      emulator = present (&env, card, type_names[t], NULL, 0, 0, NULL);
      md_card_read_state (MD_CARD_LINK (env.link), env.keys, &st, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (st.has_write_back);
      g_assert_cmpint (st.load_count, ==, 1);
      g_assert_cmpint (st.remaining, ==, 8800);
      g_assert_cmpstr (st.meter_id, ==, "000011112222");
      md_card_state_clear (&st);
      take_out (&env, emulator);
      g_clear_pointer (&emulator, md_test_emulator_free);

      /* Lost: a replacement, generation 1, from count 1. */
      emulator = present (&env, second, type_names[t], "0102030405060709", 0, 0, NULL);
      {
        g_autoptr(MdCardSession) s = md_card_session_open (MD_CARD_LINK (env.link), env.keys, 0,
                                                           NULL, &error);

        g_assert_no_error (error);
        g_assert_true (md_card_session_write_replacement (s, MD_TEST_ACCOUNT, TRUE, 1, 1, &error));
        g_assert_no_error (error);
      }
      sell_through (&env, &plan2, 1200, 1);
      take_out (&env, emulator);
      g_clear_pointer (&emulator, md_test_emulator_free);

      result = meter_reads (&env, second, meter);
      g_assert_nonnull (strstr (result, "\"result\":\"loaded\""));
      g_assert_nonnull (strstr (result, "\"generation\":1"));
      g_assert_nonnull (strstr (result, "\"remaining\":10000"));
      g_clear_pointer (&result, g_free);
      /* The old card is refused from now on. */
      result = meter_reads (&env, card, meter);
      g_assert_nonnull (strstr (result, "\"result\":\"refused-generation\""));
      g_assert_nonnull (strstr (result, "\"remaining\":10000"));
      g_clear_pointer (&result, g_free);
    }
  env_clear (&env);
}

/* T08 through pcscd: the emulator tears at APDU k of the sale's write
 * sequence and exits; started again on the same file, the card is
 * presented again and inspected. */
static void
test_tear (gconstpointer data)
{
  guint t = GPOINTER_TO_UINT (data);
  Env env = { 0 };
  g_autofree char *base = NULL;
  g_autofree char *card = NULL;
  g_auto(MdVendPlan) first = { 0 };
  guint delivered = 0;
  guint not_delivered = 0;
  guint k;

  env_setup (&env);
  base = state_path (&env, "tear-base.card");
  card = state_path (&env, "tear.card");
  g_unlink (base);
  {
    g_autoptr(MdTestEmulator) emulator = present (&env, base, type_names[t], NULL, 0, 0, NULL);

    md_card_test_issue (MD_CARD_LINK (env.link), env.keys, MD_CARD_KIND_PURCHASE,
                        MD_TEST_ACCOUNT, 0, 0);
    sell_through (&env, &first, 1111, 0);
    take_out (&env, emulator);
  }

  for (k = 1;; k++)
    {
      g_autoptr(MdCardMedium) medium = md_card_medium_new (MD_CARD_LINK (env.link), env.keys);
      g_autoptr(MdTestEmulator) emulator = NULL;
      g_auto(MdVendPlan) plan = { 0 };
      g_auto(MdCardState) st = { 0 };
      g_autoptr(GError) error = NULL;
      MdDelivery d;
      int status;

      copy_file (base, card);
      md_card_test_plan (&plan, MD_TEST_ACCOUNT, 2222);

      /* Prepare reads only: done on the card's file in this process, to
       * save a trip through the reader. Then the write, tear armed. */
      {
        g_autoptr(MdSimCard) image = md_sim_card_load (card, &error);
        g_autoptr(MdSimLink) direct = md_sim_link_new (image);
        g_autoptr(MdCardMedium) reader = md_card_medium_new (MD_CARD_LINK (direct), env.keys);

        g_assert_no_error (error);
        g_assert_true (md_medium_prepare (MD_MEDIUM (reader), &plan, NULL, &error));
        g_assert_no_error (error);
      }

      emulator = present (&env, card, type_names[t], NULL, k, 0, NULL);
      d = md_medium_deliver (MD_MEDIUM (medium), &plan, NULL, &error);
      if (d == MD_DELIVERY_DELIVERED)
        {
          /* k is past the write sequence. */
          g_assert_no_error (error);
          take_out (&env, emulator);
          break;
        }
      g_assert_cmpint (d, ==, MD_DELIVERY_UNKNOWN);
      g_assert_nonnull (error);
      g_assert_true (error->domain == MD_CARD_ERROR);
      g_test_message ("tear at %u: %s", k, error->message);
      g_clear_error (&error);
      status = md_test_emulator_wait (emulator);
      g_assert_cmpint (status, ==, 3);
      g_clear_pointer (&emulator, md_test_emulator_free);
      md_test_wait_card (MD_CARD_LINK (env.link), FALSE);

      /* Presented again. */
      emulator = present (&env, card, type_names[t], NULL, 0, 0, NULL);
      d = md_medium_inspect (MD_MEDIUM (medium), &plan, NULL, &error);
      g_assert_no_error (error);
      if (d == MD_DELIVERY_NOT_DELIVERED)
        {
          not_delivered++;
          md_card_read_state (MD_CARD_LINK (env.link), env.keys, &st, NULL, &error);
          g_assert_no_error (error);
          g_assert_cmpint (st.purchase_count, ==, 1);
          g_assert_cmpint (st.credit, ==, 1111);
          md_card_state_clear (&st);
          md_card_medium_set_flags (medium, MD_CARD_SESSION_SUPERVISOR_OVERRIDE);
          g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), &plan, NULL, &error), ==,
                           MD_DELIVERY_DELIVERED);
          g_assert_no_error (error);
        }
      else
        {
          g_assert_cmpint (d, ==, MD_DELIVERY_DELIVERED);
          delivered++;
        }
      md_card_read_state (MD_CARD_LINK (env.link), env.keys, &st, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (st.purchase_count, ==, 2);
      g_assert_cmpint (st.credit, ==, 2222);
      take_out (&env, emulator);
    }
  g_test_message ("T08 through pcscd, %s: %u tear points, %u delivered, %u not delivered",
                  type_names[t], k - 1, delivered, not_delivered);
  g_assert_cmpuint (k - 1, ==, delivered + not_delivered);
  g_assert_cmpuint (not_delivered, >, 0);
  env_clear (&env);
}

typedef struct
{
  MdCardMedium *medium;
  MdVendPlan   *plan;
  MdDelivery    delivery;
  GError       *error;
} DeliverJob;

static gpointer
deliver_thread (gpointer data)
{
  DeliverJob *job = data;

  job->delivery = md_medium_deliver (MD_MEDIUM (job->medium), job->plan, NULL, &job->error);
  return NULL;
}

static void
run_helper (const char *variable)
{
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *argv[] = { g_getenv (variable), NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
test_faults (void)
{
  Env env = { 0 };
  g_autofree char *card = NULL;
  g_autofree char *other = NULL;
  g_autofree char *log = NULL;
  g_auto(MdVendPlan) first = { 0 };

  env_setup (&env);
  card = state_path (&env, "faults.card");
  other = state_path (&env, "faults-other.card");
  log = state_path (&env, "faults.log");
  g_unlink (card);
  g_unlink (other);

  /* Both cards issued to the account. */
  {
    g_autoptr(MdTestEmulator) emulator = present (&env, other, "sle4442", NULL, 0, 0, NULL);

    md_card_test_issue (MD_CARD_LINK (env.link), env.keys, MD_CARD_KIND_PURCHASE,
                        MD_TEST_ACCOUNT, 0, 1);
    take_out (&env, emulator);
  }
  {
    g_autoptr(MdTestEmulator) emulator = present (&env, card, "sle4442", NULL, 0, 0, NULL);

    md_card_test_issue (MD_CARD_LINK (env.link), env.keys, MD_CARD_KIND_PURCHASE,
                        MD_TEST_ACCOUNT, 0, 0);
    sell_through (&env, &first, 1111, 0);
    take_out (&env, emulator);
  }

  /* No card in the reader: nothing written, the sale stays pending. */
  {
    g_autoptr(MdCardMedium) medium = md_card_medium_new (MD_CARD_LINK (env.link), env.keys);
    g_auto(MdVendPlan) plan = { 0 };
    g_autoptr(GError) error = NULL;

    md_card_test_plan (&plan, MD_TEST_ACCOUNT, 500);
    plan.target = g_strdup ("0000000000000000");
    plan.purchase_count = 2;
    g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), &plan, NULL, &error), ==,
                     MD_DELIVERY_UNKNOWN);
    g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NO_CARD);
  }

  /* pcscd killed while the card holds the write without answering. */
  {
    g_autoptr(MdCardMedium) medium = md_card_medium_new (MD_CARD_LINK (env.link), env.keys);
    g_autoptr(MdTestEmulator) emulator = NULL;
    g_auto(MdVendPlan) plan = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(GDataInputStream) out = NULL;
    g_autofree char *line = NULL;
    g_autofree char *apdus = NULL;
    DeliverJob job = { medium, &plan, MD_DELIVERY_DELIVERED, NULL };
    GThread *thread;

    emulator = present (&env, card, "sle4442", NULL, 0, 0, NULL);
    md_card_test_plan (&plan, MD_TEST_ACCOUNT, 2222);
    g_assert_true (md_medium_prepare (MD_MEDIUM (medium), &plan, NULL, &error));
    take_out (&env, emulator);
    g_clear_pointer (&emulator, md_test_emulator_free);

    /* APDU 7 of the write sequence is the WRITE (select, 2 reads, counter;
     * counter, PRESENT_CODE, write). */
    emulator = present (&env, card, "sle4442", NULL, 0, 7, log);
    thread = g_thread_new ("deliver", deliver_thread, &job);
    out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (emulator->process));
    line = g_data_input_stream_read_line (out, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (line, ==, "stalled");
    g_assert_true (g_file_get_contents (log, &apdus, NULL, NULL));
    g_assert_nonnull (strstr (apdus, "> FF D0 00 5C 26"));

    run_helper ("MD_PCSCD_STOP");
    g_thread_join (thread);
    g_assert_cmpint (job.delivery, ==, MD_DELIVERY_UNKNOWN);
    g_assert_nonnull (job.error);
    g_assert_true (job.error->domain == MD_CARD_ERROR);
    g_assert_true (md_card_error_is_transport (job.error));
    g_test_message ("pcscd killed mid-write: %s", job.error->message);
    g_clear_error (&job.error);
    g_assert_cmpint (md_test_emulator_wait (emulator), ==, 4);
    g_clear_pointer (&emulator, md_test_emulator_free);

    /* The service comes back; the link finds it; the write had landed. */
    run_helper ("MD_PCSCD_START");
    emulator = present (&env, card, "sle4442", NULL, 0, 0, NULL);
    g_assert_cmpint (md_medium_inspect (MD_MEDIUM (medium), &plan, NULL, &error), ==,
                     MD_DELIVERY_DELIVERED);
    g_assert_no_error (error);
    take_out (&env, emulator);
    g_clear_pointer (&emulator, md_test_emulator_free);

    /* Another card presented for this sale. */
    emulator = present (&env, other, "sle4442", NULL, 0, 0, NULL);
    g_assert_cmpint (md_medium_inspect (MD_MEDIUM (medium), &plan, NULL, &error), ==,
                     MD_DELIVERY_CONFLICT);
    g_assert_error (error, MD_CARD_ERROR, MD_CARD_ERROR_WRONG_CARD);
    g_clear_error (&error);
    g_assert_cmpint (md_medium_deliver (MD_MEDIUM (medium), &plan, NULL, &error), ==,
                     MD_DELIVERY_CONFLICT);
    g_clear_error (&error);
    take_out (&env, emulator);
  }

  /* The card taken out between sessions: the link notices and reconnects. */
  {
    g_autoptr(MdTestEmulator) emulator = present (&env, card, "sle4442", NULL, 0, 0, NULL);
    g_auto(MdCardState) st = { 0 };
    g_autoptr(GError) error = NULL;

    md_test_emulator_stop (emulator);
    md_card_read_state (MD_CARD_LINK (env.link), env.keys, &st, NULL, &error);
    g_assert_nonnull (error);
    g_assert_true (md_card_error_is_transport (error));
    g_clear_error (&error);
    md_test_wait_card (MD_CARD_LINK (env.link), FALSE);
    g_clear_pointer (&emulator, md_test_emulator_free);
    emulator = present (&env, card, "sle4442", NULL, 0, 0, NULL);
    md_card_read_state (MD_CARD_LINK (env.link), env.keys, &st, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (st.purchase_count, ==, 2);
    take_out (&env, emulator);
  }
  env_clear (&env);
}

typedef struct
{
  GMainLoop *loop;
  GPtrArray *events;
} Watch;

static void
record (Watch      *watch,
        const char *event)
{
  g_ptr_array_add (watch->events, g_strdup (event));
  g_main_loop_quit (watch->loop);
}

static void
reader_added_cb (MdPcscMonitor *monitor,
                 const char    *reader,
                 Watch         *watch)
{
  if (g_str_has_suffix (reader, " 00"))
    record (watch, "reader-added");
}

static void
reader_removed_cb (MdPcscMonitor *monitor,
                   const char    *reader,
                   Watch         *watch)
{
  if (g_str_has_suffix (reader, " 00"))
    record (watch, "reader-removed");
}

static void
card_inserted_cb (MdPcscMonitor *monitor,
                  const char    *reader,
                  GBytes        *atr,
                  Watch         *watch)
{
  g_assert_cmpuint (g_bytes_get_size (atr), ==, 6);
  record (watch, "card-inserted");
}

static void
card_removed_cb (MdPcscMonitor *monitor,
                 const char    *reader,
                 Watch         *watch)
{
  record (watch, "card-removed");
}

static void
service_changed_cb (MdPcscMonitor *monitor,
                    gboolean       running,
                    Watch         *watch)
{
  record (watch, running ? "service-up" : "service-down");
}

static gboolean
timeout_cb (gpointer data)
{
  g_error ("no event from the monitor in 15 s");
  return G_SOURCE_REMOVE;
}

/* Waits until @event has been seen (events before it are kept). */
static void
expect (Watch      *watch,
        const char *event)
{
  guint timeout = g_timeout_add_seconds (15, timeout_cb, NULL);

  for (;;)
    {
      for (guint i = 0; i < watch->events->len; i++)
        if (g_str_equal (watch->events->pdata[i], event))
          {
            g_ptr_array_remove_index (watch->events, i);
            g_source_remove (timeout);
            return;
          }
      g_main_loop_run (watch->loop);
    }
}

static void
test_monitor (void)
{
  Env env = { 0 };
  g_autofree char *card = NULL;
  g_autoptr(MdPcscMonitor) monitor = NULL;
  g_autoptr(MdTestEmulator) emulator = NULL;
  g_auto(GStrv) readers = NULL;
  g_autoptr(GBytes) atr = NULL;
  Watch watch = { g_main_loop_new (NULL, FALSE), g_ptr_array_new_with_free_func (g_free) };

  env_setup (&env);
  card = state_path (&env, "monitor.card");
  monitor = md_pcsc_monitor_new ();
  g_signal_connect (monitor, "reader-added", G_CALLBACK (reader_added_cb), &watch);
  g_signal_connect (monitor, "reader-removed", G_CALLBACK (reader_removed_cb), &watch);
  g_signal_connect (monitor, "card-inserted", G_CALLBACK (card_inserted_cb), &watch);
  g_signal_connect (monitor, "card-removed", G_CALLBACK (card_removed_cb), &watch);
  g_signal_connect (monitor, "service-changed", G_CALLBACK (service_changed_cb), &watch);

  expect (&watch, "service-up");
  expect (&watch, "reader-added");
  readers = md_pcsc_monitor_dup_readers (monitor);
  /* vpcd's two slots may come one after the other. */
  for (gint64 end = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
       g_strv_length (readers) < 2 && g_get_monotonic_time () < end;)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
      g_strfreev (readers);
      readers = md_pcsc_monitor_dup_readers (monitor);
    }
  g_assert_cmpuint (g_strv_length (readers), ==, 2);
  g_assert_true (md_pcsc_monitor_get_service (monitor));

  emulator = md_test_emulator_start (card, "sle4442", NULL, 0, 0, 0, NULL);
  expect (&watch, "card-inserted");
  atr = md_pcsc_monitor_dup_card_atr (monitor, env.reader);
  g_assert_nonnull (atr);
  md_test_emulator_stop (emulator);
  expect (&watch, "card-removed");
  g_assert_null (md_pcsc_monitor_dup_card_atr (monitor, env.reader));

  /* pcscd goes away and comes back: readers go and come with it. */
  run_helper ("MD_PCSCD_STOP");
  expect (&watch, "reader-removed");
  expect (&watch, "service-down");
  run_helper ("MD_PCSCD_START");
  expect (&watch, "service-up");
  expect (&watch, "reader-added");

  g_clear_object (&monitor);
  g_main_loop_unref (watch.loop);
  g_ptr_array_unref (watch.events);
  env_clear (&env);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/media/pcsc/lifecycle", test_lifecycle);
  g_test_add_data_func ("/meterdesk/media/pcsc/tear/cpu", GUINT_TO_POINTER (0), test_tear);
  g_test_add_data_func ("/meterdesk/media/pcsc/tear/sle4442", GUINT_TO_POINTER (1), test_tear);
  g_test_add_func ("/meterdesk/media/pcsc/faults", test_faults);
  g_test_add_func ("/meterdesk/media/pcsc/monitor", test_monitor);
  return g_test_run ();
}
