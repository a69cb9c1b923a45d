/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "md-accounts-page.h"
#include "md-login-page.h"
#include "md-monitor-page.h"
#include "md-office-page.h"
#include "md-reports-page.h"
#include "md-sale-page.h"
#include "md-worker.h"

G_BEGIN_DECLS

#define MD_TYPE_WINDOW (md_window_get_type ())
G_DECLARE_FINAL_TYPE (MdWindow, md_window, MD, WINDOW, AdwApplicationWindow)

MdWindow     *md_window_new                     (GtkApplication *application);
void          md_window_set_status              (MdWindow       *self,
                                                 const char     *icon_name,
                                                 const char     *title,
                                                 const char     *description);
const char   *md_window_get_status_description  (MdWindow       *self);
void          md_window_set_worker              (MdWindow       *self,
                                                 MdWorker       *worker,
                                                 const char     *terminal,
                                                 const char     *hint);
void          md_window_lock                    (MdWindow       *self,
                                                 const char     *reason);
const char   *md_window_get_page                (MdWindow       *self);
MdLoginPage  *md_window_get_login_page          (MdWindow       *self);
MdMonitorPage *md_window_get_monitor_page      (MdWindow       *self);
MdAccountsPage *md_window_get_accounts_page     (MdWindow       *self);
MdSalePage   *md_window_get_sale_page           (MdWindow       *self);
MdReportsPage *md_window_get_reports_page       (MdWindow       *self);
MdOfficePage *md_window_get_office_page         (MdWindow       *self);
const char   *md_window_get_view                (MdWindow       *self);
gboolean      md_window_has_view                (MdWindow       *self,
                                                 const char     *name);

G_END_DECLS
