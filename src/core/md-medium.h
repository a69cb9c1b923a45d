/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "md-money.h"
#include "md-store.h"

G_BEGIN_DECLS

/**
 * MdDelivery:
 * @MD_DELIVERY_DELIVERED: the medium holds this sale's credit
 * @MD_DELIVERY_NOT_DELIVERED: provably not: the same payload may be
 *   delivered again, or the sale voided
 * @MD_DELIVERY_UNKNOWN: cannot tell now (no card present, meter silent):
 *   the sale stays pending until the medium is seen again
 * @MD_DELIVERY_CONFLICT: the medium shows something else (another card, a
 *   purchase count that jumped): block the sale and raise an alert
 */
typedef enum
{
  MD_DELIVERY_DELIVERED,
  MD_DELIVERY_NOT_DELIVERED,
  MD_DELIVERY_UNKNOWN,
  MD_DELIVERY_CONFLICT,
} MdDelivery;

/**
 * MdVendPlan:
 * @sale_id: the sale, once PENDING
 * @idem: the sale's idempotency key
 * @account_no: the account sold to
 * @target: what the medium credits: a card UID, a meter address, the
 *   account number; set by prepare
 * @credit: fen the medium receives (money-type), else the energy's price
 * @energy: Wh or litres the medium receives (energy-type), 0 for money-type
 * @money_kind: the medium receives money rather than energy
 * @purchase_count: the medium's purchase count after this sale (N+1), 0 when
 *   the medium has none; set by prepare
 * @payload: the medium's own data, stored with the PENDING sale and given
 *   back unchanged to deliver and inspect
 *
 * The exact thing a sale delivers. It is committed with the PENDING sale
 * before any device is touched, so delivery and recovery use the same one.
 */
typedef struct
{
  gint64      sale_id;
  char       *idem;
  char       *account_no;
  char       *target;
  MdMoney     credit;
  MdEnergy    energy;
  gboolean    money_kind;
  gint64      purchase_count;
  JsonObject *payload;
} MdVendPlan;

#define MD_TYPE_MEDIUM (md_medium_get_type ())
G_DECLARE_INTERFACE (MdMedium, md_medium, MD, MEDIUM, GObject)

/**
 * MdMediumInterface:
 * @get_kind: "account", "card", "remote", "token"…, stored with each sale
 * @prepare: before the PENDING commit: read the medium, check it belongs to
 *   the account and agrees with the database (anti-fraud), fill @target,
 *   @purchase_count and @payload
 * @deliver: write the credit and read it back
 * @inspect: what the medium shows for this plan now (recovery)
 * @record: (nullable): inside the transaction that commits the PENDING
 *   sale: what the medium must keep with it (a remote medium that goes
 *   through the meter command queue writes its command row here, so the
 *   sale and its command commit together or not at all)
 *
 * Cards, meters and tokens reach the sale through this interface, so the
 * vend state machine is the same for all and testable with a fake.
 */
struct _MdMediumInterface
{
  GTypeInterface parent_iface;

  const char * (*get_kind) (MdMedium      *self);
  gboolean     (*prepare)  (MdMedium      *self,
                            MdVendPlan    *plan,
                            GCancellable  *cancellable,
                            GError       **error);
  MdDelivery   (*deliver)  (MdMedium      *self,
                            MdVendPlan    *plan,
                            GCancellable  *cancellable,
                            GError       **error);
  MdDelivery   (*inspect)  (MdMedium      *self,
                            MdVendPlan    *plan,
                            GCancellable  *cancellable,
                            GError       **error);
  gboolean     (*record)   (MdMedium      *self,
                            MdStore       *store,
                            const MdVendPlan *plan,
                            gint64         sale_id,
                            GError       **error);
};

const char  *md_medium_get_kind   (MdMedium      *self);
gboolean     md_medium_prepare    (MdMedium      *self,
                                   MdVendPlan    *plan,
                                   GCancellable  *cancellable,
                                   GError       **error);
MdDelivery   md_medium_deliver    (MdMedium      *self,
                                   MdVendPlan    *plan,
                                   GCancellable  *cancellable,
                                   GError       **error);
MdDelivery   md_medium_inspect    (MdMedium      *self,
                                   MdVendPlan    *plan,
                                   GCancellable  *cancellable,
                                   GError       **error);

gboolean     md_medium_record     (MdMedium      *self,
                                   MdStore       *store,
                                   const MdVendPlan *plan,
                                   gint64         sale_id,
                                   GError       **error);

const char  *md_delivery_to_string (MdDelivery    delivery);

void         md_vend_plan_clear   (MdVendPlan    *plan);
char        *md_vend_plan_to_json (const MdVendPlan *plan);
gboolean     md_vend_plan_from_json (const char  *text,
                                   MdVendPlan    *out_plan,
                                   GError       **error);

/* The account medium: system-side billing, where the credit goes to the
 * account's balance in the posting transaction itself. */
#define MD_TYPE_ACCOUNT_MEDIUM (md_account_medium_get_type ())
G_DECLARE_FINAL_TYPE (MdAccountMedium, md_account_medium, MD, ACCOUNT_MEDIUM, GObject)

MdMedium    *md_account_medium_new (void);

/* A sale that delivers nothing: fees alone. */
MdMedium    *md_none_medium_new    (void);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdVendPlan, md_vend_plan_clear)

G_END_DECLS
