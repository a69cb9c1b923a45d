/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "md-sim-bus.h"
#include "md-sim-cmd.h"

/* meterdesk-sim: the simulators, one subcommand each — `bus` (meters on a
 * serial line or behind Modbus TCP gateways), `card` and `card-meter`. */

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  if (argc >= 2 && strcmp (argv[1], "bus") == 0)
    return md_sim_bus_main (argc - 1, argv + 1);
  return md_sim_main (argc, argv);
}
