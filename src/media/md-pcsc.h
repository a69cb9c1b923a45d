/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-card-link.h"

G_BEGIN_DECLS

#define MD_TYPE_PCSC_LINK (md_pcsc_link_get_type ())
G_DECLARE_FINAL_TYPE (MdPcscLink, md_pcsc_link, MD, PCSC_LINK, GObject)

#define MD_TYPE_PCSC_MONITOR (md_pcsc_monitor_get_type ())
G_DECLARE_FINAL_TYPE (MdPcscMonitor, md_pcsc_monitor, MD, PCSC_MONITOR, GObject)

MdPcscLink     *md_pcsc_link_new                (const char     *reader);
char          **md_pcsc_list_readers            (GError        **error);

MdPcscMonitor  *md_pcsc_monitor_new             (void);
char          **md_pcsc_monitor_dup_readers     (MdPcscMonitor  *self);
GBytes         *md_pcsc_monitor_dup_card_atr    (MdPcscMonitor  *self,
                                                 const char     *reader);
gboolean        md_pcsc_monitor_get_service     (MdPcscMonitor  *self);

G_END_DECLS
