/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "md-worker.h"

G_BEGIN_DECLS

#define MD_TYPE_SALE_PAGE (md_sale_page_get_type ())
G_DECLARE_FINAL_TYPE (MdSalePage, md_sale_page, MD, SALE_PAGE, GtkWidget)

void         md_sale_page_set_worker      (MdSalePage  *self,
                                           MdWorker    *worker);
void         md_sale_page_new_sale        (MdSalePage  *self);
void         md_sale_page_load_account    (MdSalePage  *self,
                                           const char  *account_no);
const char  *md_sale_page_get_account     (MdSalePage  *self);
const char  *md_sale_page_get_key         (MdSalePage  *self);
gint64       md_sale_page_get_last_sale   (MdSalePage  *self);
const char  *md_sale_page_get_status      (MdSalePage  *self);
gboolean     md_sale_page_get_busy        (MdSalePage  *self);
void         md_sale_page_set_settings    (MdSalePage  *self,
                                           GSettings   *settings);
void         md_sale_page_set_receipt_file (MdSalePage *self,
                                           const char  *path);
const char  *md_sale_page_get_printed     (MdSalePage  *self);
void         md_sale_page_focus           (MdSalePage  *self);
void         md_sale_page_refresh         (MdSalePage  *self);
const char  *md_sale_page_get_shift       (MdSalePage  *self);
gint64       md_sale_page_get_pending     (MdSalePage  *self);

const char   *md_sale_page_get_card_account  (MdSalePage *self);
const char   *md_sale_page_get_card_refusal  (MdSalePage *self);
const char   *md_sale_page_get_alarms        (MdSalePage *self);

G_END_DECLS
