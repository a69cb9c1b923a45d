/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "md-medium.h"
#include "md-meter-profile.h"
#include "md-meter-types.h"

G_BEGIN_DECLS

/**
 * MdMeterTransport:
 * @MD_METER_TRANSPORT_SERIAL: an RS-485 port (Modbus RTU or DL/T 645)
 * @MD_METER_TRANSPORT_TCP: a Modbus TCP gateway (通讯管理机)
 */
typedef enum
{
  MD_METER_TRANSPORT_SERIAL,
  MD_METER_TRANSPORT_TCP,
} MdMeterTransport;

/* Ceiling of one logical operation (RELIABILITY.md "RS485 masters"). */
#define MD_METER_BUDGET_MAX_MS 5000

/**
 * MdMeterBusSettings:
 * @name: the bus's name (the bus table's name), for logs
 * @protocol: what the bus speaks
 * @transport: serial port or TCP gateway
 * @device: serial device (`/dev/ttyUSB0`)
 * @baud: bits per second
 * @parity: 'N', 'E' or 'O'
 * @data_bits: 7 or 8
 * @stop_bits: 1 or 2
 * @host: gateway host
 * @port: gateway TCP port
 * @response_timeout_ms: wait for the first byte of a reply
 * @byte_timeout_ms: wait between bytes of a reply
 * @retries: attempts per exchange (1 = no retry); never applied to a
 *   recharge write, which is only repeated after a read-back
 * @backoff_ms: pause before the 2nd attempt, doubled for each further one
 * @inter_frame_us: silence before each request; 0 for 3.5 characters
 *   (1750 µs above 19200 baud); never less than that on a serial bus
 * @budget_ms: ceiling of one logical operation, at most 5000
 * @preamble: DL/T 645 FEH wake-up bytes before each request (0–8)
 * @wake_up_ms: DL/T 645: after a minute of silence, send the preamble
 *   alone and wait this long before the first request (0: never)
 *
 * How to talk on one bus: the bus table's row, plus the finer settings the
 * table does not have (defaults from md_meter_bus_settings_init()).
 */
typedef struct
{
  char             *name;
  MdMeterProtocol   protocol;
  MdMeterTransport  transport;
  char             *device;
  guint             baud;
  char              parity;
  guint             data_bits;
  guint             stop_bits;
  char             *host;
  guint             port;
  guint             response_timeout_ms;
  guint             byte_timeout_ms;
  guint             retries;
  guint             backoff_ms;
  guint             inter_frame_us;
  guint             budget_ms;
  guint             preamble;
  guint             wake_up_ms;
} MdMeterBusSettings;

/**
 * MdMeterBusStats:
 *
 * Counters of a bus since it was opened, for diagnostics and benchmarks.
 */
typedef struct
{
  guint64 operations;
  guint64 failed_operations;
  guint64 exchanges;
  guint64 retries;
  guint64 timeouts;
  guint64 protocol_errors;
  guint64 refusals;
  guint64 recharge_writes;
  guint64 uncertain_writes;
  guint64 reconnects;
  guint64 stray_frames;
} MdMeterBusStats;

void         md_meter_bus_settings_init     (MdMeterBusSettings        *settings,
                                             MdMeterProtocol            protocol);
void         md_meter_bus_settings_set_serial (MdMeterBusSettings      *settings,
                                             const char                *device,
                                             guint                      baud,
                                             char                       parity);
void         md_meter_bus_settings_set_tcp  (MdMeterBusSettings        *settings,
                                             const char                *host,
                                             guint                      port);
gboolean     md_meter_bus_settings_from_json (JsonObject               *row,
                                             MdMeterBusSettings        *out_settings,
                                             GError                   **error);
gboolean     md_meter_bus_settings_validate (const MdMeterBusSettings  *settings,
                                             GError                   **error);
void         md_meter_bus_settings_copy     (MdMeterBusSettings        *dest,
                                             const MdMeterBusSettings  *src);
void         md_meter_bus_settings_clear    (MdMeterBusSettings        *settings);
guint        md_meter_bus_settings_char_us  (const MdMeterBusSettings  *settings);
guint        md_meter_bus_settings_gap_us   (const MdMeterBusSettings  *settings);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdMeterBusSettings, md_meter_bus_settings_clear)

/**
 * MdMeterTarget:
 *
 * One meter on a bus: its number, its Modbus unit id, its profile and,
 * for DL/T 645 writes and controls, its password and operator code (kept
 * out of logs). Reference counted; immutable once handed to the bus.
 */
typedef struct _MdMeterTarget MdMeterTarget;

#define MD_TYPE_METER_TARGET (md_meter_target_get_type ())

GType            md_meter_target_get_type      (void) G_GNUC_CONST;
MdMeterTarget   *md_meter_target_new           (const char           *address,
                                                guint                 unit_id,
                                                MdMeterProfile       *profile,
                                                GError              **error);
MdMeterTarget   *md_meter_target_ref           (MdMeterTarget        *target);
void             md_meter_target_unref         (MdMeterTarget        *target);
gboolean         md_meter_target_set_auth      (MdMeterTarget        *target,
                                                guint8                level,
                                                const char           *password,
                                                const char           *operator_code,
                                                GError              **error);
const char      *md_meter_target_get_address   (const MdMeterTarget  *target);
guint            md_meter_target_get_unit_id   (const MdMeterTarget  *target);
MdMeterProfile  *md_meter_target_get_profile   (const MdMeterTarget  *target);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdMeterTarget, md_meter_target_unref)

/**
 * MdMeterOpFlags:
 * @MD_METER_OP_DEFAULT: a command: served before routine work
 * @MD_METER_OP_ROUTINE: routine polling: served when no command waits
 */
typedef enum
{
  MD_METER_OP_DEFAULT = 0,
  MD_METER_OP_ROUTINE = 1 << 0,
} MdMeterOpFlags;

/**
 * MdMeterRecharge:
 * @amount: credit to add, in the profile's credit units (fen, Wh, L)
 * @purchase_count: the count the meter must show afterwards: N+1, where N
 *   is the count the sale was prepared against
 * @credit_tolerance: with a credit register, the consumption allowed
 *   between the readings before and after (credit units); a credit that
 *   rose by less than @amount − @credit_tolerance is a conflict
 */
typedef struct
{
  gint64 amount;
  gint64 purchase_count;
  gint64 credit_tolerance;
} MdMeterRecharge;

/**
 * MdMeterRechargeResult:
 * @count_before: the count read before writing, -1 if not read
 * @count_after: the count confirmed afterwards, -1 if none
 * @credit_before: the credit before (when @has_credit)
 * @credit_after: the credit afterwards (when @has_credit)
 * @has_credit: the profile has a credit register and both were read
 * @writes: recharge writes sent (more than one only after a read-back
 *   proved the earlier one was not applied)
 * @read_backs: purchase-count reads after a write
 */
typedef struct
{
  gint64 count_before;
  gint64 count_after;
  gint64 credit_before;
  gint64 credit_after;
  gboolean has_credit;
  guint writes;
  guint read_backs;
} MdMeterRechargeResult;

/**
 * MdMeterParams:
 * @set: bit (1 << point) for every point to write
 * @values: the values, indexed by #MdMeterPoint (alarm_1, alarm_2,
 *   power_limit, price_1…price_4)
 */
typedef struct
{
  guint64 set;
  gint64  values[MD_METER_N_POINTS];
} MdMeterParams;

void             md_meter_params_set           (MdMeterParams        *params,
                                                MdMeterPoint          point,
                                                gint64                value);

/**
 * MdMeterFound:
 * @unit_id: the Modbus unit that answered (0 for DL/T 645)
 * @address: the meter number it reported, or "" if the profile reads none
 */
typedef struct
{
  guint unit_id;
  char  address[24];
} MdMeterFound;

#define MD_TYPE_METER_BUS (md_meter_bus_get_type ())
G_DECLARE_FINAL_TYPE (MdMeterBus, md_meter_bus, MD, METER_BUS, GObject)

MdMeterBus      *md_meter_bus_new              (const MdMeterBusSettings *settings,
                                                GError              **error);
void             md_meter_bus_close            (MdMeterBus           *self);
const MdMeterBusSettings *md_meter_bus_get_settings (MdMeterBus      *self);
void             md_meter_bus_get_stats        (MdMeterBus           *self,
                                                MdMeterBusStats      *out_stats);
guint            md_meter_bus_get_queued       (MdMeterBus           *self);

/* Operations: each runs on the bus's own thread; the synchronous forms
 * block the caller (never call them from the UI thread). */
gboolean         md_meter_read                 (MdMeterBus           *bus,
                                                MdMeterTarget        *target,
                                                MdMeterOpFlags        flags,
                                                MdMeterReading       *out_reading,
                                                GCancellable         *cancellable,
                                                GError              **error);
void             md_meter_read_async           (MdMeterBus           *bus,
                                                MdMeterTarget        *target,
                                                MdMeterOpFlags        flags,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean         md_meter_read_finish          (MdMeterBus           *bus,
                                                GAsyncResult         *result,
                                                MdMeterReading       *out_reading,
                                                GError              **error);

MdDelivery       md_meter_recharge             (MdMeterBus           *bus,
                                                MdMeterTarget        *target,
                                                const MdMeterRecharge *recharge,
                                                MdMeterRechargeResult *out_result,
                                                GCancellable         *cancellable,
                                                GError              **error);
void             md_meter_recharge_async       (MdMeterBus           *bus,
                                                MdMeterTarget        *target,
                                                const MdMeterRecharge *recharge,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
MdDelivery       md_meter_recharge_finish      (MdMeterBus           *bus,
                                                GAsyncResult         *result,
                                                MdMeterRechargeResult *out_result,
                                                GError              **error);

MdDelivery       md_meter_inspect_purchase     (MdMeterBus           *bus,
                                                MdMeterTarget        *target,
                                                gint64                purchase_count,
                                                MdMeterReading       *out_reading,
                                                GCancellable         *cancellable,
                                                GError              **error);

gboolean         md_meter_control              (MdMeterBus           *bus,
                                                MdMeterTarget        *target,
                                                MdMeterControl        control,
                                                GCancellable         *cancellable,
                                                GError              **error);
void             md_meter_control_async        (MdMeterBus           *bus,
                                                MdMeterTarget        *target,
                                                MdMeterControl        control,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean         md_meter_control_finish       (MdMeterBus           *bus,
                                                GAsyncResult         *result,
                                                GError              **error);

gboolean         md_meter_set_params           (MdMeterBus           *bus,
                                                MdMeterTarget        *target,
                                                const MdMeterParams  *params,
                                                GCancellable         *cancellable,
                                                GError              **error);
void             md_meter_set_params_async     (MdMeterBus           *bus,
                                                MdMeterTarget        *target,
                                                const MdMeterParams  *params,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean         md_meter_set_params_finish    (MdMeterBus           *bus,
                                                GAsyncResult         *result,
                                                GError              **error);

gboolean         md_meter_broadcast_time       (MdMeterBus           *bus,
                                                MdMeterProfile       *profile,
                                                GDateTime            *time,
                                                GCancellable         *cancellable,
                                                GError              **error);
void             md_meter_broadcast_time_async (MdMeterBus           *bus,
                                                MdMeterProfile       *profile,
                                                GDateTime            *time,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean         md_meter_broadcast_time_finish (MdMeterBus          *bus,
                                                GAsyncResult         *result,
                                                GError              **error);

GArray          *md_meter_discover             (MdMeterBus           *bus,
                                                MdMeterProfile       *profile,
                                                guint                 first_unit,
                                                guint                 last_unit,
                                                guint                 max_ms,
                                                GCancellable         *cancellable,
                                                GError              **error);
void             md_meter_discover_async       (MdMeterBus           *bus,
                                                MdMeterProfile       *profile,
                                                guint                 first_unit,
                                                guint                 last_unit,
                                                guint                 max_ms,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
GArray          *md_meter_discover_finish      (MdMeterBus           *bus,
                                                GAsyncResult         *result,
                                                GError              **error);

G_END_DECLS
