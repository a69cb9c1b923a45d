/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-medium.h"

G_BEGIN_DECLS

/* A medium for tests: a "card" per target with a purchase count and the
 * keys it has received, and a fault for the next delivery. */
typedef enum
{
  MD_FAKE_OK,
  MD_FAKE_FAIL_BEFORE_WRITE,  /* nothing written, says so */
  MD_FAKE_FAIL_AFTER_WRITE,   /* written, but the answer is lost */
  MD_FAKE_SILENT,             /* nothing written, no answer */
  MD_FAKE_FOREIGN,            /* another card is there */
} MdFakeFault;

#define MD_TYPE_FAKE_MEDIUM (md_fake_medium_get_type ())
G_DECLARE_FINAL_TYPE (MdFakeMedium, md_fake_medium, MD, FAKE_MEDIUM, GObject)

MdFakeMedium *md_fake_medium_new          (const char   *kind);
void          md_fake_medium_set_fault    (MdFakeMedium *self,
                                           MdFakeFault   fault);
void          md_fake_medium_set_mismatch (MdFakeMedium *self,
                                           gboolean      mismatch);
void          md_fake_medium_set_uid      (MdFakeMedium *self,
                                           const char   *uid);
guint         md_fake_medium_get_writes   (MdFakeMedium *self);
gint64        md_fake_medium_get_count    (MdFakeMedium *self,
                                           const char   *target);
MdMoney       md_fake_medium_get_credit   (MdFakeMedium *self,
                                           const char   *target);
MdEnergy      md_fake_medium_get_energy   (MdFakeMedium *self,
                                           const char   *target);

G_END_DECLS
