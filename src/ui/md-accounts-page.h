/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "md-worker.h"

G_BEGIN_DECLS

#define MD_TYPE_ACCOUNTS_PAGE (md_accounts_page_get_type ())
G_DECLARE_FINAL_TYPE (MdAccountsPage, md_accounts_page, MD, ACCOUNTS_PAGE, GtkWidget)

void         md_accounts_page_set_worker         (MdAccountsPage *self,
                                                  MdWorker       *worker);
void         md_accounts_page_refresh            (MdAccountsPage *self);
void         md_accounts_page_show_account       (MdAccountsPage *self,
                                                  const char     *account_no);
const char  *md_accounts_page_get_account        (MdAccountsPage *self);
const char  *md_accounts_page_get_account_state  (MdAccountsPage *self);
const char  *md_accounts_page_get_status         (MdAccountsPage *self);
gboolean     md_accounts_page_get_busy           (MdAccountsPage *self);

G_END_DECLS
