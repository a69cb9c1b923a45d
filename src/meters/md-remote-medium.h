/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-medium.h"
#include "md-meter-bus.h"

G_BEGIN_DECLS

/**
 * MdRemoteMediumCheck:
 * @reading: what the meter showed in prepare (purchase count, credit…)
 * @plan: the plan being prepared
 * @user_data: the caller's data
 * @error: return location for a #GError saying why the sale is refused
 *
 * The caller's comparison of the meter with its database, in prepare.
 *
 * Returns: %FALSE to refuse the sale
 */
typedef gboolean (*MdRemoteMediumCheck) (const MdMeterReading  *reading,
                                         const MdVendPlan      *plan,
                                         gpointer               user_data,
                                         GError               **error);

#define MD_REMOTE_MEDIUM_DEFAULT_TOLERANCE 500

#define MD_TYPE_REMOTE_MEDIUM (md_remote_medium_get_type ())
G_DECLARE_FINAL_TYPE (MdRemoteMedium, md_remote_medium, MD, REMOTE_MEDIUM, GObject)

MdMedium  *md_remote_medium_new                  (MdMeterBus          *bus,
                                                  MdMeterTarget       *target);
void       md_remote_medium_set_expected_count   (MdRemoteMedium      *self,
                                                  gint64               purchase_count);
void       md_remote_medium_set_check_func       (MdRemoteMedium      *self,
                                                  MdRemoteMediumCheck  func,
                                                  gpointer             user_data,
                                                  GDestroyNotify       destroy);
void       md_remote_medium_set_credit_tolerance (MdRemoteMedium      *self,
                                                  gint64               tolerance);
gboolean   md_remote_medium_get_last_reading     (MdRemoteMedium      *self,
                                                  MdMeterReading      *out_reading);

G_END_DECLS
