/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * How one value sits on the wire, and its conversion to the project's
 * integer units: project = raw × mul ÷ div, rounded half away from zero
 * when div > 1. Writes go the other way and must be exact.
 *
 * IEEE-754 float32 registers (Eastron SDM) are the one place a float
 * crosses into the project, and it is never computed with: the float's bits
 * are the exact binary rational m·2^e, and m × mul ÷ (div·2^-e) is done in
 * 128-bit integers with one rounding. Writing a float is the reverse: the
 * float nearest to value ÷ scale, found with integers, ties to even.
 */

/**
 * MdMeterValueType:
 * @MD_METER_VALUE_U16: Modbus: one register, unsigned
 * @MD_METER_VALUE_I16: Modbus: one register, two's complement
 * @MD_METER_VALUE_U32: Modbus: two registers in the profile's word order
 * @MD_METER_VALUE_I32: Modbus: two registers, two's complement
 * @MD_METER_VALUE_F32: Modbus: IEEE-754 float32 in two registers
 * @MD_METER_VALUE_BCD: packed BCD of @size bytes: most significant byte
 *   first in Modbus registers, least significant first in DL/T 645
 * @MD_METER_VALUE_SBCD: DL/T 645 BCD whose top bit is a sign
 * @MD_METER_VALUE_WORD: DL/T 645: a binary word of @size bytes, least
 *   significant first (status words)
 */
typedef enum
{
  MD_METER_VALUE_U16,
  MD_METER_VALUE_I16,
  MD_METER_VALUE_U32,
  MD_METER_VALUE_I32,
  MD_METER_VALUE_F32,
  MD_METER_VALUE_BCD,
  MD_METER_VALUE_SBCD,
  MD_METER_VALUE_WORD,
} MdMeterValueType;

/**
 * MdMeterWordOrder:
 * @MD_METER_WORD_ORDER_HIGH_FIRST: the first register holds the high 16
 *   bits ("big-endian", the Modbus convention)
 * @MD_METER_WORD_ORDER_LOW_FIRST: the first register holds the low 16 bits
 */
typedef enum
{
  MD_METER_WORD_ORDER_HIGH_FIRST,
  MD_METER_WORD_ORDER_LOW_FIRST,
} MdMeterWordOrder;

/**
 * MdMeterValueSpec:
 * @type: the wire type
 * @size: bytes on the wire
 * @bit: -1, or the bit of the raw value that is the (0/1) value
 * @mul: project = raw × @mul ÷ @div
 * @div: see @mul; one of the two is 1
 */
typedef struct
{
  MdMeterValueType type;
  guint8           size;
  gint8            bit;
  gint64           mul;
  gint64           div;
} MdMeterValueSpec;

#define MD_METER_SCALE_MAX G_GINT64_CONSTANT (1000000000000)

guint     md_meter_value_registers     (const MdMeterValueSpec *spec);
gboolean  md_meter_value_from_registers (const MdMeterValueSpec *spec,
                                         MdMeterWordOrder        order,
                                         const guint16          *regs,
                                         gint64                 *out_value,
                                         GError                **error);
gboolean  md_meter_value_to_registers  (const MdMeterValueSpec *spec,
                                        MdMeterWordOrder        order,
                                        gint64                  value,
                                        guint16                *out_regs,
                                        GError                **error);
gboolean  md_meter_value_from_bytes    (const MdMeterValueSpec *spec,
                                        const guint8           *bytes,
                                        gint64                 *out_value,
                                        GError                **error);
gboolean  md_meter_value_to_bytes      (const MdMeterValueSpec *spec,
                                        gint64                  value,
                                        guint8                 *out_bytes,
                                        GError                **error);

gboolean  md_meter_f32_to_scaled       (guint32                 bits,
                                        gint64                  mul,
                                        gint64                  div,
                                        gint64                 *out_value,
                                        GError                **error);
gboolean  md_meter_f32_from_scaled     (gint64                  value,
                                        gint64                  mul,
                                        gint64                  div,
                                        guint32                *out_bits,
                                        GError                **error);
gboolean  md_meter_scale_apply         (gint64                  raw,
                                        gint64                  mul,
                                        gint64                  div,
                                        gint64                 *out_value,
                                        GError                **error);
gboolean  md_meter_scale_invert        (gint64                  value,
                                        gint64                  mul,
                                        gint64                  div,
                                        gint64                 *out_raw,
                                        GError                **error);

G_END_DECLS
