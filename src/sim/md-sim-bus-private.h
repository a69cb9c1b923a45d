/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-dlt645.h"
#include "md-sim-bus.h"

G_BEGIN_DECLS

/* The meterdesk-sim register map (docs/meters.md). */
#define MD_SIM_MAGIC          0x4D44   /* "MD" */
#define MD_SIM_MAP_VERSION    1
#define MD_SIM_REG_LIVE_END   0x0025   /* 0x0000–0x0024 readable */
#define MD_SIM_REG_PARAMS     0x0100
#define MD_SIM_N_PARAMS       16
#define MD_SIM_REG_RECHARGE   0x0200
#define MD_SIM_REG_CONTROL    0x0300
#define MD_SIM_REG_CLOCK      0x0400

#define MD_SIM_PARAM_ALARM_1  0
#define MD_SIM_PARAM_ALARM_2  2
#define MD_SIM_PARAM_LIMIT    4
#define MD_SIM_PARAM_PRICE    6
#define MD_SIM_PARAM_MODE     14
#define MD_SIM_PARAM_RATE     15

/* The simulator's DL/T 645 plaintext recharge (docs/meters.md). */
#define MD_SIM_DI_RECHARGE    0x0F000001

#define MD_SIM_E7_PER_FEN     100000   /* credit is kept in 1e-7 yuan */

typedef struct
{
  char             address[16];
  MdDlt645Address  dl_address;
  guint            port;
  guint            unit;
  gboolean         water;

  gint64           load;           /* W, or litres per hour */
  gint64           energy_us;      /* W·s, or (L/h)·s */
  gint64           rate_us[4];
  gint64           credit_e7;
  guint            count;
  gint64           purchased_fen;
  gboolean         supply_off;
  gboolean         keep_power;
  gboolean         tripped_credit;
  guint16          params[MD_SIM_N_PARAMS];
  gint64           clock_offset_s;
  guint32          last_amount;
  guint16          last_count;

  /* DL/T 645 follow-up frames still to send */
  GByteArray      *pending;
  guint32          pending_di;

  /* T10 bookkeeping */
  guint            recharge_writes;
  guint            recharges_accepted;
  guint            blind_rewrites;
  guint            requests;
  guint            faults;
  gboolean         unchecked_write;   /* a recharge acted on, no good count read since */
} MdSimMeter;

/* What handling a request did, for the fault bookkeeping. */
typedef struct
{
  gboolean count_read;
  gboolean recharge_write;
} MdSimEffect;

typedef enum
{
  MD_SIM_PORT_SERIAL,
  MD_SIM_PORT_GATEWAY,
} MdSimPortKind;

/* A reply waiting for its time: late replies, paced transmissions. */
typedef struct
{
  GByteArray *bytes;
  gint64      due;       /* monotonic µs */
} MdSimOutgoing;

typedef struct
{
  int         fd;
  guint       port;
  GByteArray *rx;
  GByteArray *tx;        /* what the socket did not take yet */
  GByteArray *last_reply;
  GList      *later;     /* MdSimOutgoing, sorted by due */
} MdSimConn;

typedef struct
{
  struct _MdSimBus *bus;
  MdSimPortKind  kind;
  guint          index;
  char          *device;
  guint          baud;
  char           parity;
  guint          char_us;
  char          *host;
  guint          tcp_port;
  int            fd;
  GThread       *thread;
  int            wake[2];

  GPtrArray     *meters;           /* MdSimMeter*, borrowed */
  GHashTable    *by_unit;          /* unit → MdSimMeter* */

  /* serial receive and transmit */
  GByteArray    *rx;
  gint64         rx_first;
  gint64         rx_last;
  GByteArray    *last_reply;
  GList         *later;            /* MdSimOutgoing, sorted by due */
  MdSimOutgoing *sending;          /* the transmission under way */
  gint64         tx_start;
  guint          tx_sent;
  gint64         wire_free;
} MdSimPort;

struct _MdSimBus
{
  MdSimProtocol  protocol;
  guint32        seed;
  GRand         *rand;
  GMutex         lock;
  GPtrArray     *ports;            /* MdSimPort* */
  GPtrArray     *meters;           /* MdSimMeter*, owned */
  GHashTable    *by_address;
  double         fault_p[MD_SIM_N_FAULTS];
  MdSimFaultScope fault_scope;
  gboolean       written;          /* a write came since the scope was set */
  guint8         exception_code;
  gboolean       wire_timing;
  gint64         base_load;
  gint64         initial_credit;
  gint64         price;
  guint          tick_ms;
  guint          tick_seconds;
  char           password[7];
  guint          split;
  guint          late_min_ms;
  guint          late_max_ms;
  guint64        requests;

  gboolean       running;
  gint           stopping;         /* atomic */
  GThread       *tcp_thread;
  GThread       *tick_thread;
  int            epfd;
  int            tcp_wake[2];
  GPtrArray     *conns;            /* MdSimConn*, TCP thread only */
  GCond          tick_cond;
};

/* Request handling and faults (md-sim-bus.c), with the lock held */
void        _md_sim_bus_handle_rtu     (MdSimBus           *bus,
                                        MdSimPort          *port,
                                        const guint8       *frame,
                                        gsize               len,
                                        gint64              earliest);
void        _md_sim_bus_handle_tcp     (MdSimBus           *bus,
                                        MdSimConn          *conn,
                                        const guint8       *adu,
                                        gsize               len);
void        _md_sim_bus_handle_dlt645  (MdSimBus           *bus,
                                        MdSimPort          *port,
                                        const MdDlt645Frame *frame,
                                        gint64              earliest);
GList      *_md_sim_outgoing_insert    (GList              *list,
                                        GByteArray         *bytes,
                                        gint64              due);
void        _md_sim_outgoing_free      (gpointer            data);

/* Threads (md-sim-bus-io.c) */
gboolean    _md_sim_bus_io_start       (MdSimBus           *bus,
                                        GError            **error);
void        _md_sim_bus_io_stop        (MdSimBus           *bus);

/* Meter model (md-sim-bus-meter.c) */
void        _md_sim_meter_init         (MdSimMeter         *m,
                                        const char         *address,
                                        guint               port,
                                        guint               unit,
                                        gboolean            water,
                                        gint64              load,
                                        gint64              credit_fen,
                                        gint64              price);
void        _md_sim_meter_clear        (MdSimMeter         *m);
void        _md_sim_meter_tick         (MdSimMeter         *m,
                                        guint               seconds);
gint64      _md_sim_meter_energy       (const MdSimMeter   *m,
                                        gint                rate);
gint64      _md_sim_meter_credit_fen   (const MdSimMeter   *m);
gint64      _md_sim_meter_power        (const MdSimMeter   *m);
gint64      _md_sim_meter_param32      (const MdSimMeter   *m,
                                        guint               index);
gboolean    _md_sim_meter_remote       (const MdSimMeter   *m);
guint16     _md_sim_meter_status       (const MdSimMeter   *m);
void        _md_sim_meter_snapshot     (const MdSimMeter   *m,
                                        MdSimMeterState    *out);
gboolean    _md_sim_meter_read_reg     (const MdSimMeter   *m,
                                        guint               reg,
                                        guint16            *out);
guint8      _md_sim_meter_write_regs   (MdSimMeter         *m,
                                        guint               reg,
                                        const guint16      *values,
                                        guint               n,
                                        gboolean            single,
                                        MdSimEffect        *fx);
gboolean    _md_sim_meter_recharge     (MdSimMeter         *m,
                                        gint64              amount_fen,
                                        gint64              count);
gboolean    _md_sim_meter_set_supply   (MdSimMeter         *m,
                                        gboolean            off);
void        _md_sim_meter_set_keep_power (MdSimMeter       *m,
                                        gboolean            on);
gboolean    _md_sim_meter_set_clock    (MdSimMeter         *m,
                                        guint               year,
                                        guint               month,
                                        guint               day,
                                        guint               hour,
                                        guint               minute,
                                        guint               second);
gint64      _md_sim_meter_now          (const MdSimMeter   *m);

/* Modbus (md-sim-bus-modbus.c) */
gssize      _md_sim_rtu_frame_length   (const guint8       *buf,
                                        gsize               len);
GByteArray *_md_sim_modbus_handle      (MdSimMeter         *m,
                                        const guint8       *pdu,
                                        gsize               len,
                                        MdSimEffect        *fx);
void        _md_sim_modbus_broadcast   (MdSimMeter        **meters,
                                        guint               n,
                                        const guint8       *pdu,
                                        gsize               len);
GByteArray *_md_sim_modbus_exception   (guint8              function,
                                        guint8              code);
void        _md_sim_rtu_wrap           (GByteArray         *pdu,
                                        guint8              unit);

/* DL/T 645 (md-sim-bus-dlt645.c) */
GByteArray *_md_sim_dlt645_handle      (MdSimMeter         *m,
                                        const char         *password,
                                        guint               split,
                                        const MdDlt645Frame *req,
                                        MdSimEffect        *fx);
GByteArray *_md_sim_dlt645_error       (MdSimMeter         *m,
                                        const MdDlt645Frame *req,
                                        guint8              err);
void        _md_sim_dlt645_reframe     (GByteArray         *frame);

G_END_DECLS
