/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "md-worker.h"

G_BEGIN_DECLS

#define MD_TYPE_OFFICE_PAGE (md_office_page_get_type ())
G_DECLARE_FINAL_TYPE (MdOfficePage, md_office_page, MD, OFFICE_PAGE, GtkWidget)

void         md_office_page_set_worker   (MdOfficePage  *self,
                                          MdWorker      *worker);
void         md_office_page_refresh      (MdOfficePage  *self);
void         md_office_page_set_section  (MdOfficePage  *self,
                                          const char    *section);
const char  *md_office_page_get_section  (MdOfficePage  *self);
const char  *md_office_page_get_status   (MdOfficePage  *self);
gboolean     md_office_page_get_busy     (MdOfficePage  *self);

G_END_DECLS
