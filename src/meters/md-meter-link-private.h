/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-dlt645.h"
#include "md-meter-bus.h"
#include "md-meter-profile-private.h"

G_BEGIN_DECLS

/*
 * Links and operations, private to the bus worker thread: nothing here is
 * thread-safe, because only the bus's own thread touches a link.
 */

typedef struct _MdModbusLink MdModbusLink;
typedef struct _MdDlt645Link MdDlt645Link;
typedef struct _MdSerialIo   MdSerialIo;

/* What one logical operation runs with: its deadline (monotonic µs) and
 * the bus's counters. */
typedef struct
{
  const MdMeterBusSettings *settings;
  MdModbusLink             *modbus;
  MdDlt645Link             *dlt645;
  gint64                    deadline;
  GCancellable             *cancellable;
  MdMeterBusStats          *stats;
  /* Long operations (discovery) call this between steps so commands
   * queued meanwhile are served first. */
  void                    (*yield) (gpointer data);
  gpointer                  yield_data;
} MdMeterOp;

/**
 * MdLinkWrite:
 * @MD_LINK_WRITE_IDEMPOTENT: the same write twice does no harm: retried
 *   like a read
 * @MD_LINK_WRITE_ONCE: sent once; an unclear outcome is
 *   %MD_METER_ERROR_UNCERTAIN and the caller reads back
 */
typedef enum
{
  MD_LINK_WRITE_IDEMPOTENT,
  MD_LINK_WRITE_ONCE,
} MdLinkWrite;

gint64          _md_meter_op_remaining_ms     (const MdMeterOp   *op);
gboolean        _md_meter_op_check            (const MdMeterOp   *op,
                                               GError           **error);
gboolean        _md_meter_op_sleep            (const MdMeterOp   *op,
                                               guint              ms);
guint           _md_meter_op_backoff_ms       (const MdMeterOp   *op,
                                               guint              attempt);

/* Modbus (libmodbus, RTU or TCP) */
MdModbusLink   *_md_modbus_link_new           (const MdMeterBusSettings *settings,
                                               GError           **error);
void            _md_modbus_link_free          (MdModbusLink      *link);
gboolean        _md_modbus_link_read          (MdModbusLink      *link,
                                               MdMeterOp         *op,
                                               guint              unit,
                                               guint8             function,
                                               guint16            address,
                                               guint16            count,
                                               guint16           *out_regs,
                                               GError           **error);
gboolean        _md_modbus_link_write         (MdModbusLink      *link,
                                               MdMeterOp         *op,
                                               guint              unit,
                                               guint16            address,
                                               guint16            count,
                                               const guint16     *regs,
                                               gboolean           single,
                                               MdLinkWrite        kind,
                                               GError           **error);
gboolean        _md_modbus_link_broadcast     (MdModbusLink      *link,
                                               MdMeterOp         *op,
                                               guint16            address,
                                               guint16            count,
                                               const guint16     *regs,
                                               GError           **error);
gboolean        _md_modbus_link_probe         (MdModbusLink      *link,
                                               MdMeterOp         *op,
                                               guint              unit,
                                               guint8             function,
                                               guint16            address,
                                               guint16            count,
                                               guint              timeout_ms,
                                               guint16           *out_regs,
                                               GError           **error);
void            _md_modbus_link_drain         (MdModbusLink      *link,
                                               MdMeterOp         *op);

/* Serial bytes: libserialport, or termios for pseudo-terminals */
MdSerialIo     *_md_serial_io_open            (const MdMeterBusSettings *settings,
                                               GError           **error);
void            _md_serial_io_close           (MdSerialIo        *io);
const char     *_md_serial_io_backend         (MdSerialIo        *io);
gboolean        _md_serial_io_write           (MdSerialIo        *io,
                                               const guint8      *data,
                                               gsize              len,
                                               guint              timeout_ms,
                                               GError           **error);
gssize          _md_serial_io_read            (MdSerialIo        *io,
                                               guint8            *buf,
                                               gsize              len,
                                               guint              timeout_ms,
                                               GError           **error);
void            _md_serial_io_flush_input     (MdSerialIo        *io);

/* DL/T 645 receive path: a pure state machine, fuzzed on its own */
#define MD_DLT645_RX_BUF 1024

typedef struct
{
  MdDlt645Address address;
  gboolean        any_address;
  guint8          function;
  guint32         di;
  gboolean        check_di;
  guint8          buf[MD_DLT645_RX_BUF];
  gsize           len;
  guint           stray_frames;
  guint           bad_frames;
} MdDlt645Rx;

typedef enum
{
  MD_DLT645_RX_NEED_MORE,
  MD_DLT645_RX_DONE,
} MdDlt645RxStatus;

void             _md_dlt645_rx_init           (MdDlt645Rx        *rx,
                                               const MdDlt645Address *address,
                                               guint8             function,
                                               guint32            di,
                                               gboolean           check_di);
MdDlt645RxStatus _md_dlt645_rx_feed           (MdDlt645Rx        *rx,
                                               const guint8      *data,
                                               gsize              len,
                                               MdDlt645Frame     *out_frame);
gboolean         _md_dlt645_reply_check       (const MdDlt645Frame *frame,
                                               GError           **error);
gboolean         _md_dlt645_follow_up_append  (GByteArray        *acc,
                                               const MdDlt645Frame *frame,
                                               guint32            di,
                                               guint8             seq,
                                               GError           **error);

/* DL/T 645 link */
MdDlt645Link   *_md_dlt645_link_new           (const MdMeterBusSettings *settings,
                                               GError           **error);
void            _md_dlt645_link_free          (MdDlt645Link      *link);
gboolean        _md_dlt645_link_exchange      (MdDlt645Link      *link,
                                               MdMeterOp         *op,
                                               GBytes            *request,
                                               const MdDlt645Address *address,
                                               guint8             function,
                                               guint32            di,
                                               gboolean           check_di,
                                               MdLinkWrite        kind,
                                               MdDlt645Frame     *out_frame,
                                               GError           **error);
gboolean        _md_dlt645_link_read          (MdDlt645Link      *link,
                                               MdMeterOp         *op,
                                               const MdDlt645Address *address,
                                               guint32            di,
                                               GByteArray        *out_data,
                                               GError           **error);
gboolean        _md_dlt645_link_send          (MdDlt645Link      *link,
                                               MdMeterOp         *op,
                                               GBytes            *frame,
                                               GError           **error);
void            _md_dlt645_link_drain         (MdDlt645Link      *link,
                                               MdMeterOp         *op);

/* Operations, on the bus thread */
gboolean        _md_meter_op_read             (MdMeterOp         *op,
                                               MdMeterTarget     *target,
                                               MdMeterReading    *out,
                                               GError           **error);
MdDelivery      _md_meter_op_recharge         (MdMeterOp         *op,
                                               MdMeterTarget     *target,
                                               const MdMeterRecharge *recharge,
                                               MdMeterRechargeResult *out,
                                               GError           **error);
MdDelivery      _md_meter_op_inspect          (MdMeterOp         *op,
                                               MdMeterTarget     *target,
                                               gint64             purchase_count,
                                               MdMeterReading    *out,
                                               GError           **error);
gboolean        _md_meter_op_control          (MdMeterOp         *op,
                                               MdMeterTarget     *target,
                                               MdMeterControl     control,
                                               GError           **error);
gboolean        _md_meter_op_set_params       (MdMeterOp         *op,
                                               MdMeterTarget     *target,
                                               const MdMeterParams *params,
                                               GError           **error);
gboolean        _md_meter_op_broadcast_time   (MdMeterOp         *op,
                                               MdMeterProfile    *profile,
                                               GDateTime         *time,
                                               GError           **error);
GArray         *_md_meter_op_discover         (MdMeterOp         *op,
                                               MdMeterProfile    *profile,
                                               guint              first_unit,
                                               guint              last_unit,
                                               GError           **error);
gboolean        _md_meter_op_read_point       (MdMeterOp         *op,
                                               MdMeterTarget     *target,
                                               MdMeterPoint       point,
                                               gint64            *out_value,
                                               GError           **error);

/* Target internals */
struct _MdMeterTarget
{
  gatomicrefcount  ref;
  char            *address;
  guint            unit_id;
  MdMeterProfile  *profile;
  MdDlt645Address  dlt645_address;
  gboolean         has_dlt645_address;
  MdDlt645Auth     auth;
  gboolean         has_auth;
};

/* Modbus reply decoding, pure (fuzzed) */
gboolean        _md_meter_decode_block        (const MdMeterProfile *profile,
                                               const MdMeterReadBlock *block,
                                               const guint16     *regs,
                                               MdMeterReading    *reading,
                                               GError           **error);
gboolean        _md_meter_decode_di           (const MdMeterProfile *profile,
                                               guint32            di,
                                               const guint8      *data,
                                               gsize              len,
                                               MdMeterReading    *reading,
                                               GError           **error);

G_END_DECLS
