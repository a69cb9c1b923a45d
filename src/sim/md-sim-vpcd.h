/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-sim-card.h"

G_BEGIN_DECLS

/**
 * MdSimExit:
 * @MD_SIM_EXIT_OK: the reader side closed the connection (pcscd stopped)
 * @MD_SIM_EXIT_FAILED: could not connect, or a state file failed
 * @MD_SIM_EXIT_USAGE: bad command line
 * @MD_SIM_EXIT_TORN: torn at the requested APDU: re-present the card by
 *   starting the emulator again on the same state file
 * @MD_SIM_EXIT_STALLED: the stalled APDU's connection was closed
 */
typedef enum
{
  MD_SIM_EXIT_OK = 0,
  MD_SIM_EXIT_FAILED = 1,
  MD_SIM_EXIT_USAGE = 2,
  MD_SIM_EXIT_TORN = 3,
  MD_SIM_EXIT_STALLED = 4,
} MdSimExit;

typedef struct
{
  const char *host;
  guint16     port;
  guint       tear_at;
  guint       stall_at;
  guint       pause_at;
  guint32     seed;
  const char *log_path;
  guint       connect_timeout_ms;
} MdSimVpcdOptions;

MdSimExit  md_sim_vpcd_run (MdSimCard               *card,
                            const MdSimVpcdOptions  *options,
                            GError                 **error);

G_END_DECLS
