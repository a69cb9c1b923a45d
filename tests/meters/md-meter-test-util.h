/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "md-meter-bus.h"

G_BEGIN_DECLS

/* A socat pty pair with links of its own: the simulator or a peer opens
 * @a, the master under test opens @b. */
typedef struct
{
  char        *dir;
  char        *a;
  char        *b;
  GSubprocess *socat;
} MdPtyPair;

MdPtyPair    *md_pty_pair_new          (void);
void          md_pty_pair_free         (MdPtyPair          *pair);

GSubprocess  *md_test_spawn            (GError            **error,
                                        const char         *first,
                                        ...) G_GNUC_NULL_TERMINATED;
void          md_test_stop             (GSubprocess        *process);
char         *md_test_source_path      (const char         *first,
                                        ...) G_GNUC_NULL_TERMINATED;
char         *md_test_build_path       (const char         *first,
                                        ...) G_GNUC_NULL_TERMINATED;
guint         md_test_free_port        (void);
gboolean      md_test_wait_for_file    (const char         *path,
                                        guint               timeout_ms);

MdMeterBus   *md_test_serial_bus       (MdMeterProtocol     protocol,
                                        const char         *device,
                                        guint               response_ms);
MdMeterBus   *md_test_tcp_bus          (guint               port,
                                        guint               response_ms);
MdMeterTarget *md_test_target          (const char         *profile,
                                        const char         *address,
                                        guint               unit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdPtyPair, md_pty_pair_free)

G_END_DECLS
