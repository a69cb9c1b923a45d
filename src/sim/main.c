/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include "md-sim-cmd.h"

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  return md_sim_main (argc, argv);
}
