/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "md-money.h"

G_BEGIN_DECLS

#define MD_METER_ERROR (md_meter_error_quark ())

/**
 * MdMeterError:
 * @MD_METER_ERROR_TIMEOUT: the meter did not answer within the bus's
 *   timeouts or the operation's budget
 * @MD_METER_ERROR_IO: the serial port or the gateway connection failed
 * @MD_METER_ERROR_PROTOCOL: an answer that cannot be the reply: bad CRC or
 *   checksum, truncated, another meter's address, another function
 * @MD_METER_ERROR_REFUSED: the meter answered and refused (a Modbus
 *   exception, a DL/T 645 error reply)
 * @MD_METER_ERROR_DENIED: the meter refused the password or operator
 * @MD_METER_ERROR_UNSUPPORTED: the meter's profile has no way to do this
 *   (no recharge register, security-authenticated only…)
 * @MD_METER_ERROR_INVALID: a value the meter cannot carry (precision,
 *   range), or a bad argument
 * @MD_METER_ERROR_CONFLICT: the meter shows something else than expected
 *   (a purchase count that jumped)
 * @MD_METER_ERROR_UNCERTAIN: a write whose outcome could not be read back:
 *   the meter may or may not have applied it
 * @MD_METER_ERROR_CLOSED: the bus was closed before the operation ran
 * @MD_METER_ERROR_BUSY: the meter said it is busy (Modbus exception 06)
 *
 * Errors of meter operations. Messages are translated; the libmodbus or
 * serial error text is part of the message.
 */
typedef enum
{
  MD_METER_ERROR_TIMEOUT,
  MD_METER_ERROR_IO,
  MD_METER_ERROR_PROTOCOL,
  MD_METER_ERROR_REFUSED,
  MD_METER_ERROR_DENIED,
  MD_METER_ERROR_UNSUPPORTED,
  MD_METER_ERROR_INVALID,
  MD_METER_ERROR_CONFLICT,
  MD_METER_ERROR_UNCERTAIN,
  MD_METER_ERROR_CLOSED,
  MD_METER_ERROR_BUSY,
} MdMeterError;

/**
 * MdMeterProtocol:
 * @MD_METER_PROTOCOL_MODBUS: Modbus RTU on a serial bus, Modbus TCP to a
 *   gateway
 * @MD_METER_PROTOCOL_DLT645: DL/T 645-2007 on a serial bus
 */
typedef enum
{
  MD_METER_PROTOCOL_MODBUS,
  MD_METER_PROTOCOL_DLT645,
} MdMeterProtocol;

/**
 * MdMeterCreditKind:
 * @MD_METER_CREDIT_NONE: the meter holds no credit (metering only)
 * @MD_METER_CREDIT_MONEY: credit in fen (money-type prepaid)
 * @MD_METER_CREDIT_ENERGY: credit in Wh (energy-type prepaid)
 * @MD_METER_CREDIT_VOLUME: credit in litres (water, volume-type prepaid)
 */
typedef enum
{
  MD_METER_CREDIT_NONE,
  MD_METER_CREDIT_MONEY,
  MD_METER_CREDIT_ENERGY,
  MD_METER_CREDIT_VOLUME,
} MdMeterCreditKind;

/**
 * MdMeterPoint:
 * @MD_METER_POINT_ENERGY_TOTAL: total active energy, Wh
 * @MD_METER_POINT_ENERGY_RATE_1: energy of rate 1 (尖, sharp), Wh
 * @MD_METER_POINT_ENERGY_RATE_2: rate 2 (峰, peak), Wh
 * @MD_METER_POINT_ENERGY_RATE_3: rate 3 (平, flat), Wh
 * @MD_METER_POINT_ENERGY_RATE_4: rate 4 (谷, valley), Wh
 * @MD_METER_POINT_VOLUME_TOTAL: cumulative water volume, litres
 * @MD_METER_POINT_CREDIT: remaining credit in the profile's credit kind
 *   (fen, Wh or litres); negative is an overdraft
 * @MD_METER_POINT_PURCHASE_COUNT: purchases the meter has accepted
 * @MD_METER_POINT_PURCHASED_TOTAL: cumulative purchased credit
 * @MD_METER_POINT_SUPPLY_OFF: 1 when the relay is open (electricity) or
 *   the valve closed (water)
 * @MD_METER_POINT_KEEP_POWER: 1 when keep-power (保电) is on
 * @MD_METER_POINT_REMOTE_MODE: 1 when the meter is in remote control mode
 *   (it never cuts supply by itself), 0 in local mode
 * @MD_METER_POINT_POWER: active power, W
 * @MD_METER_POINT_VOLTAGE: voltage, 0.1 V
 * @MD_METER_POINT_CURRENT: current, mA
 * @MD_METER_POINT_SERIAL: the meter number the meter reports, as digits
 * @MD_METER_POINT_ALARM_1: low-credit alarm level 1, credit units
 * @MD_METER_POINT_ALARM_2: low-credit alarm level 2, credit units
 * @MD_METER_POINT_POWER_LIMIT: power limit, W (0: none)
 * @MD_METER_POINT_PRICE_1: price of rate 1, #MdPrice (0.0001 yuan per unit)
 * @MD_METER_POINT_PRICE_2: price of rate 2
 * @MD_METER_POINT_PRICE_3: price of rate 3
 * @MD_METER_POINT_PRICE_4: price of rate 4
 * @MD_METER_N_POINTS: the number of points
 *
 * What a profile can map to a register or a data identifier. Every value
 * is an integer in the project's units (md-money.h): never a float.
 */
typedef enum
{
  MD_METER_POINT_ENERGY_TOTAL,
  MD_METER_POINT_ENERGY_RATE_1,
  MD_METER_POINT_ENERGY_RATE_2,
  MD_METER_POINT_ENERGY_RATE_3,
  MD_METER_POINT_ENERGY_RATE_4,
  MD_METER_POINT_VOLUME_TOTAL,
  MD_METER_POINT_CREDIT,
  MD_METER_POINT_PURCHASE_COUNT,
  MD_METER_POINT_PURCHASED_TOTAL,
  MD_METER_POINT_SUPPLY_OFF,
  MD_METER_POINT_KEEP_POWER,
  MD_METER_POINT_REMOTE_MODE,
  MD_METER_POINT_POWER,
  MD_METER_POINT_VOLTAGE,
  MD_METER_POINT_CURRENT,
  MD_METER_POINT_SERIAL,
  MD_METER_POINT_ALARM_1,
  MD_METER_POINT_ALARM_2,
  MD_METER_POINT_POWER_LIMIT,
  MD_METER_POINT_PRICE_1,
  MD_METER_POINT_PRICE_2,
  MD_METER_POINT_PRICE_3,
  MD_METER_POINT_PRICE_4,
  MD_METER_N_POINTS,
} MdMeterPoint;

/**
 * MdMeterReading:
 * @present: bit (1 << point) set for every point the meter answered
 * @values: the values, indexed by #MdMeterPoint
 * @read_at: wall-clock time of the answer, µs since the epoch
 *
 * What md_meter_read() got back: a plain value.
 */
typedef struct
{
  guint64 present;
  gint64  values[MD_METER_N_POINTS];
  gint64  read_at;
} MdMeterReading;

/**
 * MdMeterControl:
 * @MD_METER_CONTROL_TRIP: cut the supply: open the relay (拉闸), close the
 *   water valve
 * @MD_METER_CONTROL_CLOSE: restore the supply: close the relay (合闸),
 *   open the water valve
 * @MD_METER_CONTROL_KEEP_POWER: keep-power on (保电): the meter never cuts
 *   the supply, not even at zero credit
 * @MD_METER_CONTROL_KEEP_POWER_RELEASE: keep-power off (保电解除)
 * @MD_METER_CONTROL_MODE_LOCAL: local control: the meter cuts the supply
 *   itself when the credit runs out
 * @MD_METER_CONTROL_MODE_REMOTE: remote control: only commands cut the
 *   supply
 */
typedef enum
{
  MD_METER_CONTROL_TRIP,
  MD_METER_CONTROL_CLOSE,
  MD_METER_CONTROL_KEEP_POWER,
  MD_METER_CONTROL_KEEP_POWER_RELEASE,
  MD_METER_CONTROL_MODE_LOCAL,
  MD_METER_CONTROL_MODE_REMOTE,
} MdMeterControl;

#define MD_METER_N_CONTROLS (MD_METER_CONTROL_MODE_REMOTE + 1)

GQuark       md_meter_error_quark         (void);

const char  *md_meter_protocol_to_string  (MdMeterProtocol    protocol);
gboolean     md_meter_protocol_parse      (const char        *text,
                                           MdMeterProtocol   *out_protocol);
const char  *md_meter_credit_kind_to_string (MdMeterCreditKind kind);

const char  *md_meter_point_to_string     (MdMeterPoint       point);
gboolean     md_meter_point_parse         (const char        *text,
                                           MdMeterPoint      *out_point);
const char  *md_meter_point_unit          (MdMeterPoint       point,
                                           MdMeterCreditKind  credit_kind);

const char  *md_meter_control_to_string   (MdMeterControl     control);
gboolean     md_meter_control_parse       (const char        *text,
                                           MdMeterControl    *out_control);

void         md_meter_reading_clear       (MdMeterReading    *reading);
gboolean     md_meter_reading_has         (const MdMeterReading *reading,
                                           MdMeterPoint       point);
gboolean     md_meter_reading_get         (const MdMeterReading *reading,
                                           MdMeterPoint       point,
                                           gint64            *out_value);
void         md_meter_reading_set         (MdMeterReading    *reading,
                                           MdMeterPoint       point,
                                           gint64             value);
JsonNode    *md_meter_reading_to_json     (const MdMeterReading *reading);

G_END_DECLS
