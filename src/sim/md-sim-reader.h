/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-card-service.h"
#include "md-sim-card.h"
#include "md-sim-link.h"

G_BEGIN_DECLS

/*
 * The demo's card reader (`meterdesk --demo`): an emulated reader in this
 * process, no pcscd, with one emulated card per demo account kept in a
 * state directory, the site key beside them, and each account's simulated
 * meter. The app shows the cards as buttons: "insert the card of account
 * X", "remove the card", "the customer puts the card in the meter".
 *
 * Use it from the app's worker thread, like the card service it carries
 * (md_sim_reader_get_service()):
 *
 *   reader = md_sim_reader_new (dir, TRUE, &error);
 *   service = md_sim_reader_get_service (reader);
 *   md_sim_reader_insert (reader, session, "100001", &error);   // issued on first use
 *   md_card_service_query (service, session, &query, NULL, &error);
 *   md_card_service_sell (service, session, &request, &result, NULL, &error);
 *   md_sim_reader_remove (reader);
 *   md_sim_reader_meter_reads (reader, "100001", NULL, &loaded, &error);
 */

#define MD_TYPE_SIM_READER (md_sim_reader_get_type ())
G_DECLARE_FINAL_TYPE (MdSimReader, md_sim_reader, MD, SIM_READER, GObject)

MdSimReader    *md_sim_reader_new          (const char    *state_dir,
                                            gboolean       fresh,
                                            GError       **error);
MdCardService  *md_sim_reader_get_service  (MdSimReader   *self);
MdCardLink     *md_sim_reader_get_link     (MdSimReader   *self);
const char     *md_sim_reader_get_inserted (MdSimReader   *self);
gboolean        md_sim_reader_insert       (MdSimReader   *self,
                                            MdSession     *session,
                                            const char    *account_no,
                                            GError       **error);
gboolean        md_sim_reader_insert_blank (MdSimReader   *self,
                                            const char    *account_no,
                                            MdSimCardType  type,
                                            GError       **error);
gboolean        md_sim_reader_insert_tool  (MdSimReader   *self,
                                            const char    *account_no,
                                            MdSimCardType  type,
                                            GError       **error);
void            md_sim_reader_remove       (MdSimReader   *self);
gboolean        md_sim_reader_meter_reads  (MdSimReader   *self,
                                            const char    *account_no,
                                            const char    *meter_address,
                                            JsonNode     **out_result,
                                            GError       **error);

G_END_DECLS
