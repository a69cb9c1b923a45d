/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-card-keys.h"
#include "md-card-link.h"
#include "md-card-record.h"
#include "md-money.h"

G_BEGIN_DECLS

/**
 * MdSimMeter:
 * @meter_id: its address, 12 digits
 * @account_no: the account it is bound to, "" until the first card
 * @money: it counts money (fen); else energy (Wh)
 * @generation: the card generation it accepts; older cards are refused
 * @load_count: the purchase count it loaded last
 * @remaining: credit left, fen or Wh (negative in overdraft)
 * @cumulative: total use, Wh
 * @price: 0.0001 yuan per kWh, to charge use on a money meter
 * @params: set by a setting card
 *
 * A prepaid meter's card side, for tests and demos: it reads a card the way
 * docs/card-profiles.md "How a meter processes a card" says.
 */
typedef struct
{
  char          meter_id[13];
  char          account_no[MD_CARD_ACCOUNT_MAX + 1];
  gboolean      money;
  guint         generation;
  gint64        load_count;
  gint64        remaining;
  gint64        cumulative;
  MdPrice       price;
  MdCardParams  params;
} MdSimMeter;

void      md_sim_meter_init         (MdSimMeter         *meter,
                                     const char         *meter_id);
gboolean  md_sim_meter_load         (MdSimMeter         *meter,
                                     const char         *path,
                                     GError            **error);
gboolean  md_sim_meter_save         (const MdSimMeter   *meter,
                                     const char         *path,
                                     GError            **error);
gboolean  md_sim_meter_insert_card  (MdSimMeter         *meter,
                                     MdCardLink         *link,
                                     const MdCardKeys   *keys,
                                     MdCardMeterResult  *out_result,
                                     GError            **error);
gboolean  md_sim_meter_use          (MdSimMeter         *meter,
                                     MdEnergy            energy,
                                     GError            **error);

G_END_DECLS
