/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "md-application.h"
#include "md-monitor.h"
#include "md-pricing.h"
#include "md-store.h"
#include "md-ui-test-util.h"
#include "md-window.h"

/*
 * The app's figures (issue "GTK app"), under Xvfb:
 *  - start to an interactive sign-in on the demo database (goal ≤ 1 s): from
 *    g_application_run() to the sign-in screen drawn;
 *  - the status board with 10,000 meters (goal ≤ 1 s): from asking for it
 *    to the first frame showing it; then a scroll through the whole board,
 *    one frame per step, with the longest frame (a stall would show here);
 *  - the resident memory (goal ≤ 150 MB): at the sign-in screen, with a
 *    cashier signed in and its peak (VmHWM), and with the board shown.
 * Figures are printed; the run fails only on a wrong result (a board that
 * does not hold its 10,000 meters).
 */

#define N_BUILDINGS 20
#define N_FLOORS    25
#define N_ROOMS     20
#define N_METERS    (N_BUILDINGS * N_FLOORS * N_ROOMS)
#define SCROLL_STEPS 200

static gint64 t_start;
static double start_to_login;
static double board_open;
static double scroll_max_frame;
static double scroll_mean_frame;
static long rss_login;
static long rss_cashier;
static long hwm_cashier;
static long rss_board;
static long rss_site_login;
static long private_board;

static long
vm_kb (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, field)) == NULL)
    return -1;
  return strtol (line + strlen (field), NULL, 10);
}

/* Memory this process alone holds (its heap, stacks, the pages it wrote),
 * as opposed to the shared libraries and fonts also counted in RSS. */
static long
private_kb (void)
{
  g_autofree char *rollup = NULL;
  const char *clean, *dirty;

  if (!g_file_get_contents ("/proc/self/smaps_rollup", &rollup, NULL, NULL) ||
      (clean = strstr (rollup, "Private_Clean:")) == NULL ||
      (dirty = strstr (rollup, "Private_Dirty:")) == NULL)
    return -1;
  return strtol (clean + strlen ("Private_Clean:"), NULL, 10) +
         strtol (dirty + strlen ("Private_Dirty:"), NULL, 10);
}

static long
vm_hwm_kb (void)
{
  return vm_kb ("VmHWM:");
}

static gboolean
login_drawn (gpointer data)
{
  MdWindow *window = data;

  return g_strcmp0 (md_window_get_page (window), "login") == 0 &&
         gtk_widget_get_mapped (GTK_WIDGET (md_window_get_login_page (window)));
}

static void
wait_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gint64 frame = gdk_frame_clock_get_frame_counter (clock);

  gtk_widget_queue_draw (widget);
  while (gdk_frame_clock_get_frame_counter (clock) <= frame)
    g_main_context_iteration (NULL, TRUE);
}

static void
demo_ready_cb (GObject    *object,
               GParamSpec *pspec,
               gpointer    user_data)
{
  MdWindow *window = MD_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (object)));

  wait_for (login_drawn, window, "the sign-in screen");
  wait_frame (GTK_WIDGET (window));
  start_to_login = (g_get_monotonic_time () - t_start) / 1e6;
  rss_login = vm_kb ("VmRSS:");

  /* A cashier signs in: argon2id's INTERACTIVE working memory (64 MiB)
   * is the peak here. */
  sign_in_as (window, "cashier", "cashier1");
  wait_frame (GTK_WIDGET (window));
  rss_cashier = vm_kb ("VmRSS:");
  hwm_cashier = vm_hwm_kb ();
  g_application_quit (G_APPLICATION (object));
}

/* ---- a site of 10,000 meters, written in bulk ---- */

static void
exec_or_die (MdStore    *store,
             const char *sql)
{
  g_autoptr(GError) error = NULL;

  if (!md_store_exec (store, sql, &error))
    g_error ("%s: %s", sql, error->message);
}

static gboolean
bulk_txn (MdStore  *store,
          gpointer  user_data,
          GError  **error)
{
  const char *today = user_data;
  g_autofree char *states = NULL;
  g_autofree char *sizes = g_strdup_printf (
    "WITH RECURSIVE b(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM b WHERE i < %d) "
    "INSERT INTO building (site_id, code, name, created_at) "
    "SELECT (SELECT id FROM site WHERE code = 'PARK'), 'K' || printf ('%%02d', i), 'Block ' || i, 0 "
    "FROM b", N_BUILDINGS);
  g_autofree char *floors = g_strdup_printf (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
    "INSERT INTO floor (building_id, code, name, created_at) "
    "SELECT b.id, 'F' || printf ('%%02d', n.i), 'Floor ' || n.i, 0 FROM building b, n "
    "WHERE b.site_id = (SELECT id FROM site WHERE code = 'PARK')", N_FLOORS);
  g_autofree char *rooms = g_strdup_printf (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
    "INSERT INTO room (floor_id, code, name, created_at) "
    "SELECT f.id, printf ('%%02d', n.i), 'Room ' || n.i, 0 FROM floor f "
    "JOIN building b ON b.id = f.building_id, n "
    "WHERE b.site_id = (SELECT id FROM site WHERE code = 'PARK')", N_ROOMS);

  states = g_strdup_printf (
    "INSERT INTO meter_state (meter_id, online, relay, keep_power, energy, credit, power, read_at, "
    "  tried_at, misses, last_error, day, day_start) "
    "SELECT m.id, m.id %% 17 <> 0, CASE WHEN m.id %% 23 = 0 THEN 'tripped' ELSE 'closed' END, 0, "
    "  1000000 + m.id * 10, (m.id * 7919) %% 100000, 500, %lld, %lld, 0, '', '%s', "
    "  1000000 + m.id * 10 - 3500 "
    "FROM meter m WHERE m.address LIKE '77%%' AND m.id %% 10 <> 0",
    (long long) g_get_real_time (), (long long) g_get_real_time (), today);

  exec_or_die (store, "INSERT INTO site (code, name, created_at) VALUES ('PARK', 'Park', 0)");
  exec_or_die (store, sizes);
  exec_or_die (store, floors);
  exec_or_die (store, rooms);
  exec_or_die (store,
               "INSERT INTO customer (name, created_at) "
               "SELECT 'R' || r.id, 0 FROM room r JOIN floor f ON f.id = r.floor_id "
               "JOIN building b ON b.id = f.building_id "
               "WHERE b.site_id = (SELECT id FROM site WHERE code = 'PARK')");
  exec_or_die (store,
               "INSERT INTO account (no, customer_id, category_id, state, billing, room_id, "
               "  opened_at, created_at, vend_kind) "
               "SELECT '9' || printf ('%06d', r.id), c.id, "
               "  (SELECT id FROM usage_category WHERE code = 'COM'), 'open', "
               "  CASE WHEN r.id % 3 = 0 THEN 'system' ELSE 'meter' END, r.id, 0, 0, "
               "  CASE WHEN r.id % 3 = 0 THEN 'money' ELSE 'energy' END "
               "FROM room r JOIN customer c ON c.name = 'R' || r.id");
  exec_or_die (store,
               "INSERT INTO meter (address, utility, model, state, room_id, account_id, created_at) "
               "SELECT '77' || printf ('%010d', a.room_id), 'electricity', 'ADF400L', 'installed', "
               "  a.room_id, a.id, 0 "
               "FROM account a WHERE a.no LIKE '9%'");
  exec_or_die (store, states);
  exec_or_die (store,
               "INSERT INTO balance (account, value) "
               "SELECT 'prepaid:' || a.no, -((a.id * 104729) % 50000) FROM account a "
               "WHERE a.no LIKE '9%' AND a.billing = 'system'");
  return TRUE;
}

static void
build_site (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStore) store = md_store_open (path, MD_STORE_OPEN_NONE, &error);
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *today = NULL;

  g_assert_no_error (error);
  zone = md_site_timezone (store);
  now = g_date_time_new_now (zone);
  today = g_date_time_format (now, "%Y-%m-%d");
  if (!md_store_write (store, bulk_txn, today, &error))
    g_error ("%s", error->message);
}

/* ---- the board ---- */

static gboolean
board_loaded (gpointer data)
{
  return !md_monitor_page_get_loading (data) && md_monitor_page_get_n_meters (data, NULL) > 0;
}

static void
board_ready_cb (GObject    *object,
                GParamSpec *pspec,
                gpointer    user_data)
{
  MdWindow *window = MD_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (object)));
  MdMonitorPage *page = md_window_get_monitor_page (window);
  GtkWidget *stack;
  GtkScrolledWindow *scrolled;
  GtkAdjustment *adjustment;
  gint64 t;
  gint64 longest = 0;
  gint64 total = 0;
  guint n;

  sign_in_as (window, "admin", "admin123");
  wait_frame (GTK_WIDGET (window));
  spin (500);
  rss_site_login = vm_kb ("VmRSS:");

  stack = gtk_widget_get_ancestor (GTK_WIDGET (page), ADW_TYPE_VIEW_STACK);
  t = g_get_monotonic_time ();
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (stack), "monitor");
  wait_for (board_loaded, page, "the board");
  wait_frame (GTK_WIDGET (window));
  board_open = (g_get_monotonic_time () - t) / 1e6;
  rss_board = vm_kb ("VmRSS:");
  private_board = private_kb ();

  n = md_monitor_page_get_n_meters (page, NULL);
  if (n < N_METERS)
    g_error ("the board holds %u meters, not at least %d", n, N_METERS);

  scrolled = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (need_widget (GTK_WIDGET (page),
                                                                        GTK_TYPE_COLUMN_VIEW, NULL),
                                                           GTK_TYPE_SCROLLED_WINDOW));
  adjustment = gtk_scrolled_window_get_vadjustment (scrolled);
  for (guint i = 1; i <= SCROLL_STEPS; i++)
    {
      double upper = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);
      gint64 frame_start = g_get_monotonic_time ();
      gint64 took;

      gtk_adjustment_set_value (adjustment, upper * i / SCROLL_STEPS);
      wait_frame (GTK_WIDGET (window));
      took = g_get_monotonic_time () - frame_start;
      longest = MAX (longest, took);
      total += took;
    }
  scroll_max_frame = longest / 1e3;
  scroll_mean_frame = total / 1e3 / SCROLL_STEPS;
  g_application_quit (G_APPLICATION (object));
}

/* The board in a process of its own (`bench-ui --board SITE`), so its
 * memory is the window's alone: not the demo's run before it, nor the
 * bulk writing of the site. A site of that size has its buses served by
 * meterdesk-daemon: this window does not host the meter services. */
static int
board_main (const char *site)
{
  g_autofree char *db_arg = g_strdup_printf ("--db=%s", site);
  char *site_argv[] = { (char *) "meterdesk", db_arg, NULL };
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(MdApplication) app = md_application_new ();

  g_settings_set_boolean (settings, "host-meter-services", FALSE);
  g_signal_connect (app, "notify::ready", G_CALLBACK (board_ready_cb), NULL);
  if (g_application_run (G_APPLICATION (app), 2, site_argv) != 0)
    return 1;
  printf ("status board, %d + 350 meters: %.2f s to the first frame (goal ≤ 1 s)\n", N_METERS,
          board_open);
  printf ("scrolling it in %d steps: mean frame %.1f ms, longest %.1f ms\n", SCROLL_STEPS,
          scroll_mean_frame, scroll_max_frame);
  /* The peak is signing in: argon2id's working memory (256 MiB, libsodium's
   * MEMLIMIT_MODERATE) while the password is checked, released at once. */
  printf ("resident memory on that site: %.1f MB signed in, %.1f MB with the board "
          "(goal ≤ 150 MB), peak %.1f MB (the password check's argon2id memory); private to "
          "the process with the board: %.1f MB\n",
          rss_site_login / 1024.0, rss_board / 1024.0, vm_hwm_kb () / 1024.0,
          private_board / 1024.0);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = NULL;
  g_autofree char *site = NULL;
  const char *template = g_getenv ("MD_DEMO_TEMPLATE");
  char *demo_argv[] = { (char *) "meterdesk", (char *) "--demo", NULL };
  g_autoptr(GFile) from = NULL;
  g_autoptr(GFile) to = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  if (argc == 3 && g_str_equal (argv[1], "--board"))
    return board_main (argv[2]);

  dir = g_dir_make_tmp ("md-bench-ui-XXXXXX", NULL);
  site = g_build_filename (dir, "site.db", NULL);
  g_setenv ("XDG_CACHE_HOME", dir, TRUE);

  /* Start to sign-in, on the demo database (with its services). */
  {
    g_autoptr(MdApplication) app = md_application_new ();

    g_signal_connect (app, "notify::ready", G_CALLBACK (demo_ready_cb), NULL);
    t_start = g_get_monotonic_time ();
    if (g_application_run (G_APPLICATION (app), 2, demo_argv) != 0)
      return 1;
  }
  printf ("start to sign-in (demo database): %.2f s (goal ≤ 1 s)\n", start_to_login);
  printf ("resident memory at the sign-in screen: %.1f MB; a cashier signed in: %.1f MB, "
          "peak %.1f MB (goal ≤ 150 MB)\n",
          rss_login / 1024.0, rss_cashier / 1024.0, hwm_cashier / 1024.0);
  fflush (stdout);

  /* The board, on the demo site plus 10,000 meters, in a new process. */
  g_assert_nonnull (template);
  from = g_file_new_for_path (template);
  to = g_file_new_for_path (site);
  if (!g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
    g_error ("%s", error->message);
  build_site (site);
  {
    const char *child_argv[] = { argv[0], "--board", site, NULL };

    if (!g_spawn_sync (NULL, (char **) child_argv, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL,
                       NULL, NULL, &status, &error) ||
        !g_spawn_check_wait_status (status, &error))
      g_error ("the board's process: %s", error->message);
  }
  return 0;
}
