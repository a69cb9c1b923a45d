/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "md-worker.h"

G_BEGIN_DECLS

#define MD_TYPE_MONITOR_PAGE (md_monitor_page_get_type ())
G_DECLARE_FINAL_TYPE (MdMonitorPage, md_monitor_page, MD, MONITOR_PAGE, GtkWidget)

void         md_monitor_page_set_worker     (MdMonitorPage *self,
                                             MdWorker      *worker);
void         md_monitor_page_refresh        (MdMonitorPage *self);
gboolean     md_monitor_page_get_loading    (MdMonitorPage *self);
guint        md_monitor_page_get_n_meters   (MdMonitorPage *self,
                                             guint         *out_shown);
gint64       md_monitor_page_get_load_time  (MdMonitorPage *self);
const char  *md_monitor_page_get_selected   (MdMonitorPage *self);
void         md_monitor_page_select         (MdMonitorPage *self,
                                             const char    *address);

const char  *md_monitor_page_get_status     (MdMonitorPage *self);
guint        md_monitor_page_get_n_alerts   (MdMonitorPage *self);
gint64       md_monitor_page_get_last_batch (MdMonitorPage *self);
void         md_monitor_page_set_export_file (MdMonitorPage *self,
                                              const char    *path);

G_END_DECLS
