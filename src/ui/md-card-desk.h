/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "md-card-service.h"

G_BEGIN_DECLS

/*
 * The window's card reader: a PC/SC reader through pcscd, or for --demo an
 * emulated reader in this process (src/sim/md-sim-reader.h) with a card per
 * demo account.
 *
 * Made and watched on the main thread: ::card-inserted and ::card-removed
 * arrive there. Everything that talks to the card (the _service and _demo_
 * calls) runs on the app's worker thread only (md-worker.h), one call at a
 * time, like every other device handle (STYLE.md "Threads and devices").
 */

#define MD_TYPE_CARD_DESK (md_card_desk_get_type ())
G_DECLARE_FINAL_TYPE (MdCardDesk, md_card_desk, MD, CARD_DESK, GObject)

MdCardDesk     *md_card_desk_new               (const char   *reader,
                                                const char   *key_path);
MdCardDesk     *md_card_desk_new_demo          (const char   *state_dir,
                                                gboolean      fresh,
                                                GError      **error);
gboolean        md_card_desk_is_demo           (MdCardDesk   *self);

/* worker thread */
MdCardService  *md_card_desk_get_service       (MdCardDesk   *self,
                                                MdSession    *session,
                                                GError      **error);
gboolean        md_card_desk_demo_insert       (MdCardDesk   *self,
                                                MdSession    *session,
                                                const char   *account_no,
                                                GError      **error);
gboolean        md_card_desk_demo_insert_blank (MdCardDesk   *self,
                                                const char   *account_no,
                                                GError      **error);
gboolean        md_card_desk_demo_insert_tool  (MdCardDesk   *self,
                                                const char   *account_no,
                                                GError      **error);
void            md_card_desk_demo_remove       (MdCardDesk   *self);
JsonNode       *md_card_desk_demo_meter        (MdCardDesk   *self,
                                                const char   *account_no,
                                                GError      **error);

G_END_DECLS
