/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Modbus RTU frames for field diagnostics: pure functions, no I/O. libmodbus
 * does the real exchanges; this reads a captured frame back to a person.
 *
 *   unit(1) function(1) PDU … CRC(2, low byte first)
 */

#define MD_MODBUS_RTU_MAX 256   /* the largest RTU ADU */

#define MD_MODBUS_ERROR (md_modbus_error_quark ())

/**
 * MdModbusError:
 * @MD_MODBUS_ERROR_TOO_SHORT: fewer bytes than the shortest frame
 * @MD_MODBUS_ERROR_TOO_LONG: more than 256 bytes
 * @MD_MODBUS_ERROR_CRC: the CRC does not match
 * @MD_MODBUS_ERROR_FUNCTION: a function code this decoder does not know
 * @MD_MODBUS_ERROR_LENGTH: the length and counts fit neither a request nor
 *   a reply of the function
 */
typedef enum
{
  MD_MODBUS_ERROR_TOO_SHORT,
  MD_MODBUS_ERROR_TOO_LONG,
  MD_MODBUS_ERROR_CRC,
  MD_MODBUS_ERROR_FUNCTION,
  MD_MODBUS_ERROR_LENGTH,
} MdModbusError;

#define MD_MODBUS_FC_READ_COILS               0x01
#define MD_MODBUS_FC_READ_DISCRETE_INPUTS     0x02
#define MD_MODBUS_FC_READ_HOLDING_REGISTERS   0x03
#define MD_MODBUS_FC_READ_INPUT_REGISTERS     0x04
#define MD_MODBUS_FC_WRITE_SINGLE_COIL        0x05
#define MD_MODBUS_FC_WRITE_SINGLE_REGISTER    0x06
#define MD_MODBUS_FC_WRITE_MULTIPLE_COILS     0x0F
#define MD_MODBUS_FC_WRITE_MULTIPLE_REGISTERS 0x10
#define MD_MODBUS_EXCEPTION_BIT               0x80

/**
 * MdModbusFrameKind:
 * @MD_MODBUS_FRAME_REQUEST: only a request fits
 * @MD_MODBUS_FRAME_REPLY: only a normal reply fits
 * @MD_MODBUS_FRAME_EXCEPTION: an exception reply (function | 80H)
 * @MD_MODBUS_FRAME_AMBIGUOUS: both fit: 05H and 06H replies echo the
 *   request, and an 8-byte 01H/02H frame with byte count 3 can be either.
 *   Both readings are filled in.
 */
typedef enum
{
  MD_MODBUS_FRAME_REQUEST,
  MD_MODBUS_FRAME_REPLY,
  MD_MODBUS_FRAME_EXCEPTION,
  MD_MODBUS_FRAME_AMBIGUOUS,
} MdModbusFrameKind;

/**
 * MdModbusFrame:
 * @size: bytes in the frame, CRC included
 * @unit: the unit (slave) id
 * @function: the function code without the exception bit
 * @kind: request, reply, exception or ambiguous
 * @address: the start address of a request, of a 0FH/10H reply, the
 *   address of 05H/06H
 * @quantity: coils or registers of a request or of a 0FH/10H reply
 * @value: the value of 05H/06H
 * @exception: the exception code
 * @byte_count: the byte count of a 01H–04H reply or a 0FH/10H request
 * @data: those @byte_count bytes
 * @crc: the CRC as received (the wire carries its low byte first)
 * @crc_expected: the CRC of the bytes before it
 *
 * A decoded frame, a plain value.
 */
typedef struct
{
  gsize             size;
  guint8            unit;
  guint8            function;
  MdModbusFrameKind kind;
  guint16           address;
  guint16           quantity;
  guint16           value;
  guint8            exception;
  guint8            byte_count;
  guint8            data[MD_MODBUS_RTU_MAX];
  guint16           crc;
  guint16           crc_expected;
} MdModbusFrame;

GQuark       md_modbus_error_quark      (void);

guint16      md_modbus_crc16            (const guint8   *data,
                                         gsize           len);
gboolean     md_modbus_frame_decode     (const guint8   *buf,
                                         gsize           len,
                                         MdModbusFrame  *out_frame,
                                         GError        **error);
const char  *md_modbus_function_name    (guint8          function);
const char  *md_modbus_exception_name   (guint8          code);

G_END_DECLS
