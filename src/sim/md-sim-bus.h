/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The bus simulator: meters of the documented `meterdesk-sim` model
 * (docs/meters.md) and DL/T 645 meters, on a serial line (one end of a
 * socat pty pair) or behind Modbus TCP gateways (many listeners, many unit
 * ids each). Energy accumulates at a seeded load, credit runs down at a
 * price, the relay trips at zero credit unless keep-power, and faults of
 * RELIABILITY.md T10 are injected with seeded probabilities.
 *
 * One server thread serves every port; the accessors below lock and may
 * be called from any thread.
 */

#define MD_SIM_BUS_ERROR (md_sim_bus_error_quark ())

typedef enum
{
  MD_SIM_BUS_ERROR_IO,
  MD_SIM_BUS_ERROR_INVALID,
  MD_SIM_BUS_ERROR_STATE,
} MdSimBusError;

typedef enum
{
  MD_SIM_PROTOCOL_MODBUS,
  MD_SIM_PROTOCOL_DLT645,
} MdSimProtocol;

/**
 * MdSimFault:
 * @MD_SIM_FAULT_NONE: a correct reply
 * @MD_SIM_FAULT_DROP: the request is lost: not executed, no reply
 * @MD_SIM_FAULT_MUTE: executed, but the reply is lost
 * @MD_SIM_FAULT_LATE: executed, the reply comes 0.6–3 s late
 * @MD_SIM_FAULT_BAD_CRC: executed, the reply's CRC or checksum is wrong
 * @MD_SIM_FAULT_TRUNCATED: executed, the reply is cut short
 * @MD_SIM_FAULT_EXTRA: executed, garbage bytes follow the reply
 * @MD_SIM_FAULT_NOISE: executed, garbage bytes precede the reply
 * @MD_SIM_FAULT_WRONG_ADDRESS: executed, the reply carries another address
 * @MD_SIM_FAULT_WRONG_FUNCTION: executed, the reply carries another
 *   function or control code
 * @MD_SIM_FAULT_EXCEPTION: not executed; an exception (Modbus 01–04, 06)
 *   or a DL/T 645 error reply
 * @MD_SIM_FAULT_DUPLICATE: executed, the reply is sent twice
 * @MD_SIM_FAULT_STALE: executed, but the reply sent is the previous
 *   request's
 */
typedef enum
{
  MD_SIM_FAULT_NONE,
  MD_SIM_FAULT_DROP,
  MD_SIM_FAULT_MUTE,
  MD_SIM_FAULT_LATE,
  MD_SIM_FAULT_BAD_CRC,
  MD_SIM_FAULT_TRUNCATED,
  MD_SIM_FAULT_EXTRA,
  MD_SIM_FAULT_NOISE,
  MD_SIM_FAULT_WRONG_ADDRESS,
  MD_SIM_FAULT_WRONG_FUNCTION,
  MD_SIM_FAULT_EXCEPTION,
  MD_SIM_FAULT_DUPLICATE,
  MD_SIM_FAULT_STALE,
  MD_SIM_N_FAULTS,
} MdSimFault;

/**
 * MdSimMeterState:
 *
 * A snapshot of one simulated meter, in project units.
 */
typedef struct
{
  char     address[16];
  guint    port;
  guint    unit;
  gboolean water;
  gint64   energy_wh;          /* litres for water */
  gint64   rate_wh[4];
  gint64   credit_fen;
  guint    purchase_count;
  gint64   purchased_fen;
  gboolean supply_off;
  gboolean keep_power;
  gboolean remote_mode;
  gint64   power_w;
  gint64   alarm_1;
  gint64   alarm_2;
  gint64   power_limit_w;
  gint64   price[4];
  gint64   clock_offset_s;
  /* Counters for the tests (T10) */
  guint    recharge_writes;    /* recharge frames the meter acted on */
  guint    recharges_accepted;
  guint    blind_rewrites;     /* writes with no good count read since the last */
  guint    requests;
  guint    faults;
} MdSimMeterState;

/**
 * MdSimFaultScope:
 * @MD_SIM_FAULT_SCOPE_ALL: faults may hit any request
 * @MD_SIM_FAULT_SCOPE_WRITES: only requests that write (Modbus 05H, 06H,
 *   0FH, 10H; DL/T 645 14H, 1CH)
 * @MD_SIM_FAULT_SCOPE_FROM_WRITE: any request from the first write on (a
 *   meter that falls silent as it is written)
 */
typedef enum
{
  MD_SIM_FAULT_SCOPE_ALL,
  MD_SIM_FAULT_SCOPE_WRITES,
  MD_SIM_FAULT_SCOPE_FROM_WRITE,
} MdSimFaultScope;

typedef struct _MdSimBus MdSimBus;

GQuark       md_sim_bus_error_quark     (void);
const char  *md_sim_fault_to_string     (MdSimFault     fault);
gboolean     md_sim_fault_parse         (const char    *text,
                                         MdSimFault    *out_fault);

MdSimBus    *md_sim_bus_new             (MdSimProtocol  protocol,
                                         guint32        seed);
void         md_sim_bus_free            (MdSimBus      *bus);

/* Setting up, before md_sim_bus_start() */
guint        md_sim_bus_add_serial      (MdSimBus      *bus,
                                         const char    *device,
                                         guint          baud,
                                         char           parity);
guint        md_sim_bus_add_gateway     (MdSimBus      *bus,
                                         const char    *host,
                                         guint          port);
gboolean     md_sim_bus_add_meter       (MdSimBus      *bus,
                                         guint          port,
                                         const char    *address,
                                         guint          unit,
                                         gboolean       water,
                                         GError       **error);
void         md_sim_bus_set_wire_timing (MdSimBus      *bus,
                                         gboolean       on);
void         md_sim_bus_set_load        (MdSimBus      *bus,
                                         gint64         base_load);
void         md_sim_bus_set_initial     (MdSimBus      *bus,
                                         gint64         credit_fen,
                                         gint64         price);
void         md_sim_bus_set_tick        (MdSimBus      *bus,
                                         guint          tick_ms,
                                         guint          seconds_per_tick);
void         md_sim_bus_set_password    (MdSimBus      *bus,
                                         const char    *password);
void         md_sim_bus_set_follow_up   (MdSimBus      *bus,
                                         guint          bytes_per_frame);
void         md_sim_bus_set_late_range  (MdSimBus      *bus,
                                         guint          min_ms,
                                         guint          max_ms);
gboolean     md_sim_bus_load_state      (MdSimBus      *bus,
                                         const char    *path,
                                         GError       **error);
gboolean     md_sim_bus_start           (MdSimBus      *bus,
                                         GError       **error);
guint        md_sim_bus_get_port_number (MdSimBus      *bus,
                                         guint          port);

/* Any time */
void         md_sim_bus_set_fault       (MdSimBus      *bus,
                                         MdSimFault     fault,
                                         double         probability);
void         md_sim_bus_clear_faults    (MdSimBus      *bus);
void         md_sim_bus_set_fault_scope (MdSimBus      *bus,
                                         MdSimFaultScope scope);
void         md_sim_bus_set_exception   (MdSimBus      *bus,
                                         guint8         code);
void         md_sim_bus_advance         (MdSimBus      *bus,
                                         guint          seconds);
gboolean     md_sim_bus_get_meter       (MdSimBus      *bus,
                                         const char    *address,
                                         MdSimMeterState *out_state);
gboolean     md_sim_bus_set_meter_credit (MdSimBus     *bus,
                                         const char    *address,
                                         gint64         credit_fen,
                                         guint          purchase_count);
guint        md_sim_bus_get_n_meters    (MdSimBus      *bus);
guint64      md_sim_bus_get_requests    (MdSimBus      *bus);
gboolean     md_sim_bus_save_state      (MdSimBus      *bus,
                                         const char    *path,
                                         GError       **error);
void         md_sim_bus_stop            (MdSimBus      *bus);

int          md_sim_bus_main            (int            argc,
                                         char         **argv);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdSimBus, md_sim_bus_free)

G_END_DECLS
