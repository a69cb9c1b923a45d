/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "md-sim-bus.h"

/* meterdesk-sim: the simulators, one subcommand each. */

static const struct
{
  const char *name;
  int       (*main) (int argc, char **argv);
  const char *summary;
} commands[] = {
  { "bus", md_sim_bus_main, "meters on a serial line or behind Modbus TCP gateways" },
};

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  if (argc >= 2)
    for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
      if (strcmp (argv[1], commands[i].name) == 0)
        return commands[i].main (argc - 1, argv + 1);

  fprintf (stderr, "usage: meterdesk-sim COMMAND [OPTION…]\n\ncommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stderr, "  %-6s %s\n", commands[i].name, commands[i].summary);
  return 2;
}
