/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "md-card-medium.h"
#include "md-media.h"
#include "md-sim-card.h"
#include "md-sim-link.h"
#include "md-sim-meter.h"

G_BEGIN_DECLS

#define MD_TEST_ACCOUNT "A-0001"

MdCardKeys  *md_card_test_keys         (guint8               fill);
void         md_card_test_issue        (MdCardLink          *link,
                                        const MdCardKeys    *keys,
                                        MdCardKind           kind,
                                        const char          *account,
                                        guint                generation,
                                        gint64               purchase_count);
void         md_card_test_plan         (MdVendPlan          *plan,
                                        const char          *account,
                                        MdMoney              credit);
char        *md_card_test_hex          (const guint8        *bytes,
                                        gsize                len);

/* The emulator as a process on vpcd (tests run by build-aux/pcscd-test.sh). */
typedef struct
{
  GSubprocess *process;
  char        *state;
} MdTestEmulator;

MdTestEmulator *md_test_emulator_start (const char          *state,
                                        const char          *type,
                                        const char          *uid,
                                        guint                tear_at,
                                        guint                seed,
                                        guint                stall_at,
                                        const char          *log);
int          md_test_emulator_wait     (MdTestEmulator      *emulator);
void         md_test_emulator_stop     (MdTestEmulator      *emulator);
void         md_test_emulator_free     (MdTestEmulator      *emulator);
char        *md_test_reader            (void);
void         md_test_wait_card         (MdCardLink          *link,
                                        gboolean             present);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdTestEmulator, md_test_emulator_free)

G_END_DECLS
