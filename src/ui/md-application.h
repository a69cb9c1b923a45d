/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "md-auth.h"
#include "md-worker.h"

G_BEGIN_DECLS

#define MD_TYPE_APPLICATION (md_application_get_type ())
G_DECLARE_FINAL_TYPE (MdApplication, md_application, MD, APPLICATION, AdwApplication)

MdApplication *md_application_new          (void);
MdStore       *md_application_get_store    (MdApplication *self);
MdWorker      *md_application_get_worker   (MdApplication *self);
gboolean       md_application_get_ready    (MdApplication *self);
const char    *md_application_get_status   (MdApplication *self);

G_END_DECLS
