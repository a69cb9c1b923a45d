/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include "fuzz.h"

/* The checked-in corpus of one harness, replayed through the same entry
 * point as a normal test in every build (SQLite's "fuzzcheck"): one test
 * case per file, so a regression names its input. */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static void
replay_file (gconstpointer data)
{
  const char *path = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  dir = g_dir_open (FUZZ_CORPUS_DIR, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  /* An empty corpus would make a test that cannot fail. */
  g_assert_cmpuint (names->len, >, 0);

  for (guint i = 0; i < names->len; i++)
    {
      char *n = g_ptr_array_index (names, i);
      g_autofree char *test = g_strdup_printf ("/meterdesk/meters/fuzz-replay/%s/%s",
                                               FUZZ_TARGET, n);

      g_test_add_data_func_full (test, g_build_filename (FUZZ_CORPUS_DIR, n, NULL),
                                 replay_file, g_free);
    }
  return g_test_run ();
}
