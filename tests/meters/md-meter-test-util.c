/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "md-meter-test-util.h"

gboolean
md_test_wait_for_file (const char *path,
                       guint       timeout_ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      if (g_get_monotonic_time () > until)
        return FALSE;
      g_usleep (5000);
    }
  return TRUE;
}

/* A peer dies with the test, and keeps off the test's output (TAP). */
static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

GSubprocess *
md_test_spawn (GError     **error,
               const char  *first,
               ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  va_list args;
  const char *a;

  va_start (args, first);
  for (a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  launcher = g_subprocess_launcher_new (g_getenv ("MD_TEST_PEER_OUTPUT") != NULL
                                        ? G_SUBPROCESS_FLAGS_NONE
                                        : G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                          G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
}

void
md_test_stop (GSubprocess *process)
{
  if (process == NULL)
    return;
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
  g_object_unref (process);
}

/* Links in a directory of its own, so pairs never share names
 * (PROTOCOLS.md E.1: two socats with one link name remove each other's). */
MdPtyPair *
md_pty_pair_new (void)
{
  MdPtyPair *pair = g_new0 (MdPtyPair, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *la = NULL;
  g_autofree char *lb = NULL;

  pair->dir = g_dir_make_tmp ("md-pty-XXXXXX", &error);
  g_assert_no_error (error);
  pair->a = g_build_filename (pair->dir, "ttyA", NULL);
  pair->b = g_build_filename (pair->dir, "ttyB", NULL);
  la = g_strdup_printf ("pty,raw,echo=0,link=%s", pair->a);
  lb = g_strdup_printf ("pty,raw,echo=0,link=%s", pair->b);
  pair->socat = md_test_spawn (&error, "socat", la, lb, NULL);
  g_assert_no_error (error);
  g_assert_true (md_test_wait_for_file (pair->a, 5000));
  g_assert_true (md_test_wait_for_file (pair->b, 5000));
  return pair;
}

void
md_pty_pair_free (MdPtyPair *pair)
{
  md_test_stop (pair->socat);
  g_remove (pair->a);
  g_remove (pair->b);
  g_rmdir (pair->dir);
  g_free (pair->dir);
  g_free (pair->a);
  g_free (pair->b);
  g_free (pair);
}

static char *
build_path (const char *root,
            const char *first,
            va_list     args)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();

  g_ptr_array_add (parts, (gpointer) root);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

char *
md_test_source_path (const char *first,
                     ...)
{
  va_list args;
  char *path;

  va_start (args, first);
  path = build_path (g_getenv ("MD_SOURCE_ROOT"), first, args);
  va_end (args);
  return path;
}

char *
md_test_build_path (const char *first,
                    ...)
{
  va_list args;
  char *path;

  va_start (args, first);
  path = build_path (g_getenv ("MD_BUILD_ROOT"), first, args);
  va_end (args);
  return path;
}

/* A port nobody listens on now (the kernel's pick). */
guint
md_test_free_port (void)
{
  struct sockaddr_in sa = { 0 };
  socklen_t len = sizeof sa;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  guint port;

  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sa, &len), ==, 0);
  port = ntohs (sa.sin_port);
  close (fd);
  return port;
}

MdMeterBus *
md_test_serial_bus (MdMeterProtocol  protocol,
                    const char      *device,
                    guint            response_ms)
{
  g_auto(MdMeterBusSettings) s = { 0 };
  g_autoptr(GError) error = NULL;
  MdMeterBus *bus;

  md_meter_bus_settings_init (&s, protocol);
  md_meter_bus_settings_set_serial (&s, device, protocol == MD_METER_PROTOCOL_DLT645 ? 9600 : 0,
                                    0);
  s.name = g_strdup ("test");
  if (response_ms > 0)
    {
      s.response_timeout_ms = response_ms;
      s.backoff_ms = 20;
    }
  bus = md_meter_bus_new (&s, &error);
  g_assert_no_error (error);
  return bus;
}

MdMeterBus *
md_test_tcp_bus (guint port,
                 guint response_ms)
{
  g_auto(MdMeterBusSettings) s = { 0 };
  g_autoptr(GError) error = NULL;
  MdMeterBus *bus;

  md_meter_bus_settings_init (&s, MD_METER_PROTOCOL_MODBUS);
  md_meter_bus_settings_set_tcp (&s, "127.0.0.1", port);
  if (response_ms > 0)
    {
      s.response_timeout_ms = response_ms;
      s.backoff_ms = 20;
    }
  bus = md_meter_bus_new (&s, &error);
  g_assert_no_error (error);
  return bus;
}

MdMeterTarget *
md_test_target (const char *profile,
                const char *address,
                guint       unit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdMeterProfile) p = md_meter_profile_lookup (profile, &error);
  MdMeterTarget *t;

  g_assert_no_error (error);
  t = md_meter_target_new (address, unit, p, &error);
  g_assert_no_error (error);
  return t;
}
