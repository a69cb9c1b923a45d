/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "md-worker.h"

G_BEGIN_DECLS

#define MD_TYPE_LOGIN_PAGE (md_login_page_get_type ())
G_DECLARE_FINAL_TYPE (MdLoginPage, md_login_page, MD, LOGIN_PAGE, GtkWidget)

void   md_login_page_set_worker    (MdLoginPage *self,
                                    MdWorker    *worker);
void   md_login_page_set_terminal  (MdLoginPage *self,
                                    const char  *terminal);
void   md_login_page_set_hint      (MdLoginPage *self,
                                    const char  *hint);
void   md_login_page_reset         (MdLoginPage *self,
                                    const char  *operator_name,
                                    const char  *reason);
void   md_login_page_sign_in       (MdLoginPage *self,
                                    const char  *operator_name,
                                    const char  *password);

const char *md_login_page_get_message  (MdLoginPage *self);

G_END_DECLS
