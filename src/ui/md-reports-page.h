/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "md-report.h"
#include "md-worker.h"

G_BEGIN_DECLS

#define MD_TYPE_REPORTS_PAGE (md_reports_page_get_type ())
G_DECLARE_FINAL_TYPE (MdReportsPage, md_reports_page, MD, REPORTS_PAGE, GtkWidget)

void            md_reports_page_set_worker         (MdReportsPage  *self,
                                                    MdWorker       *worker);
void            md_reports_page_refresh            (MdReportsPage  *self);
void            md_reports_page_set_report         (MdReportsPage  *self,
                                                    const char     *report);
MdReportTable  *md_reports_page_get_table          (MdReportsPage  *self);
const char     *md_reports_page_get_status         (MdReportsPage  *self);
gboolean        md_reports_page_get_busy           (MdReportsPage  *self);
void            md_reports_page_set_print_to_file  (MdReportsPage  *self,
                                                    const char     *path);

G_END_DECLS
