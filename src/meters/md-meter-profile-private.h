/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-meter-profile.h"
#include "md-meter-value.h"

G_BEGIN_DECLS

#define MD_MODBUS_READ_MAX 125   /* registers in one FC03/FC04 reply */
#define MD_METER_MAX_DIS   MD_METER_N_POINTS

typedef enum
{
  MD_METER_METHOD_NONE,
  MD_METER_METHOD_MODBUS,
  MD_METER_METHOD_DLT645,
  MD_METER_METHOD_ESAM,       /* DL/T 645 03H: needs keys we do not have */
} MdMeterMethod;

/* One value: a register (Modbus) or a data identifier and a byte offset
 * into its data (DL/T 645), or, in [recharge], an offset from the block. */
typedef struct
{
  gboolean          present;
  guint             line;
  guint8            function;   /* 3 holding, 4 input */
  guint32           address;    /* register, DI, or offset in [recharge] */
  guint             offset;     /* DL/T 645 byte offset into the DI's data */
  MdMeterValueSpec  value;
} MdMeterPointSpec;

typedef struct
{
  gboolean present;
  guint16  reg;
  guint16  value;
} MdMeterModbusCommand;

/* A Modbus request of the read plan. */
typedef struct
{
  guint8  function;
  guint16 start;
  guint16 count;
} MdMeterReadBlock;

/* A DL/T 645 data identifier of the read plan and the bytes it must carry. */
typedef struct
{
  guint32 di;
  guint   length;
} MdMeterReadDi;

struct _MdMeterProfile
{
  gatomicrefcount       ref;

  char                 *id;
  char                 *name;
  char                 *origin;       /* file or resource it came from */
  char                 *base;

  MdMeterProtocol       protocol;
  gboolean              water;
  MdMeterCreditKind     credit;
  MdMeterWordOrder      word_order;
  guint8                read_function;
  guint                 max_read_registers;
  guint                 read_gap;

  MdMeterPointSpec      read[MD_METER_N_POINTS];
  MdMeterPointSpec      params[MD_METER_N_POINTS];

  MdMeterMethod         recharge_method;
  guint32               recharge_address;   /* first register, or the DI */
  MdMeterPointSpec      recharge_amount;    /* address = offset */
  MdMeterPointSpec      recharge_count;

  MdMeterMethod         control_method;
  MdMeterModbusCommand  control[MD_METER_N_CONTROLS];
  gboolean              control_single;     /* FC06 rather than FC16 */
  guint8                control_level;      /* DL/T 645 PA */
  guint                 control_deadline_minutes;
  gboolean              control_close_direct;

  MdMeterMethod         time_method;
  guint16               time_register;

  MdMeterMethod         discover_method;
  MdMeterPoint          discover_probe;
  guint                 discover_first;
  guint                 discover_last;
  guint                 discover_timeout_ms;

  /* The read plan, built when the profile is loaded. */
  MdMeterReadBlock      blocks[MD_METER_N_POINTS];
  guint                 n_blocks;
  MdMeterReadDi         dis[MD_METER_MAX_DIS];
  guint                 n_dis;
};

/* Resolves "base = ID" while loading; the default searches the path. */
typedef MdMeterProfile *(*MdMeterProfileResolver) (const char  *id,
                                                   gpointer     user_data,
                                                   GError     **error);

MdMeterProfile *_md_meter_profile_parse    (const char              *name,
                                            const char              *text,
                                            gsize                    length,
                                            MdMeterProfileFlags      flags,
                                            MdMeterProfileResolver   resolver,
                                            gpointer                 user_data,
                                            GError                 **error);
MdMeterProfile *_md_meter_profile_new      (void);
void            _md_meter_profile_plan     (MdMeterProfile          *profile);
guint           _md_meter_point_registers  (const MdMeterPointSpec  *spec);

G_END_DECLS
