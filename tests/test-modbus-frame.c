/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "md-modbus-frame.h"

/* Builds a frame from its bytes without CRC and appends the CRC, low byte
 * first. Returns the length. */
static gsize
with_crc (guint8     *out,
          const char *pdu,
          gsize       len)
{
  guint16 crc;

  memcpy (out, pdu, len);
  crc = md_modbus_crc16 (out, len);
  out[len] = crc & 0xFF;
  out[len + 1] = crc >> 8;
  return len + 2;
}

static void
test_crc_vectors (void)
{
  /* Frames with published CRCs (PROTOCOLS.md B.3, B.4 and the brief). */
  static const struct { const char *bytes; guint8 lo, hi; } vectors[] = {
    { "\x01\x03\x00\x00\x00\x0A", 0xC5, 0xCD },
    { "\x01\x04\x01\x56\x00\x02", 0x90, 0x27 },
    { "\x01\x03\x30\x01\x00\x06", 0x9B, 0x08 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      guint16 crc = md_modbus_crc16 ((const guint8 *) vectors[i].bytes, 6);

      g_assert_cmphex (crc & 0xFF, ==, vectors[i].lo);
      g_assert_cmphex (crc >> 8, ==, vectors[i].hi);
    }
  /* The CRC-16/MODBUS check value. */
  g_assert_cmphex (md_modbus_crc16 ((const guint8 *) "123456789", 9), ==, 0x4B37);
  g_assert_cmphex (md_modbus_crc16 (NULL, 0), ==, 0xFFFF);
}

static void
test_read_request (void)
{
  static const guint8 frame[] = { 0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD };
  g_autoptr(GError) error = NULL;
  MdModbusFrame f;

  g_assert_true (md_modbus_frame_decode (frame, sizeof frame, &f, &error));
  g_assert_no_error (error);
  g_assert_cmpint (f.kind, ==, MD_MODBUS_FRAME_REQUEST);
  g_assert_cmpuint (f.unit, ==, 1);
  g_assert_cmpuint (f.function, ==, MD_MODBUS_FC_READ_HOLDING_REGISTERS);
  g_assert_cmpuint (f.address, ==, 0);
  g_assert_cmpuint (f.quantity, ==, 10);
  g_assert_cmphex (f.crc, ==, 0xCDC5);
  g_assert_cmpstr (md_modbus_function_name (f.function), ==, "read holding registers");
}

static void
test_read_reply (void)
{
  g_autoptr(GError) error = NULL;
  guint8 buf[16];
  MdModbusFrame f;
  gsize n;

  /* 0x0362 = 100.00 yuan as two registers (PROTOCOLS.md E.1). */
  n = with_crc (buf, "\x01\x03\x04\x00\x00\x27\x10", 7);
  g_assert_true (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_cmpint (f.kind, ==, MD_MODBUS_FRAME_REPLY);
  g_assert_cmpuint (f.byte_count, ==, 4);
  g_assert_cmpmem (f.data, f.byte_count, "\x00\x00\x27\x10", 4);

  /* A 03H reply is 5 + 2n bytes, never 8: 8 bytes is a request. */
  n = with_crc (buf, "\x01\x04\x02\x12\x34", 5);
  g_assert_true (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_cmpint (f.kind, ==, MD_MODBUS_FRAME_REPLY);
  g_assert_no_error (error);

  /* Odd byte count for registers: neither. */
  n = with_crc (buf, "\x01\x03\x03\x12\x34\x56", 6);
  g_assert_false (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_LENGTH);
}

static void
test_ambiguous (void)
{
  g_autoptr(GError) error = NULL;
  guint8 buf[16];
  MdModbusFrame f;
  gsize n;

  /* 01H, 8 bytes with byte 2 = 3: "read 3 bytes of coils" reply or a
   * request for coils from 0300H. */
  n = with_crc (buf, "\x01\x01\x03\x00\x00\x10", 6);
  g_assert_true (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_cmpint (f.kind, ==, MD_MODBUS_FRAME_AMBIGUOUS);
  g_assert_cmphex (f.address, ==, 0x0300);
  g_assert_cmpuint (f.quantity, ==, 0x0010);
  g_assert_cmpuint (f.byte_count, ==, 3);

  /* Quantity 0 is no request: only the reply reading is left. */
  n = with_crc (buf, "\x01\x02\x03\x05\x00\x00", 6);
  g_assert_true (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_cmpint (f.kind, ==, MD_MODBUS_FRAME_REPLY);

  /* 05H and 06H replies echo the request. */
  n = with_crc (buf, "\x11\x05\x00\xAC\xFF\x00", 6);
  g_assert_true (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_cmpint (f.kind, ==, MD_MODBUS_FRAME_AMBIGUOUS);
  g_assert_cmphex (f.address, ==, 0x00AC);
  g_assert_cmphex (f.value, ==, 0xFF00);
  n = with_crc (buf, "\x11\x06\x00\x01\x00\x03", 6);
  g_assert_true (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_cmpint (f.kind, ==, MD_MODBUS_FRAME_AMBIGUOUS);
  g_assert_cmpuint (f.value, ==, 3);
  g_assert_no_error (error);

  /* A coil takes FF00H or 0000H only. */
  n = with_crc (buf, "\x11\x05\x00\xAC\x12\x34", 6);
  g_assert_false (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_LENGTH);
}

static void
test_write_multiple (void)
{
  g_autoptr(GError) error = NULL;
  guint8 buf[32];
  MdModbusFrame f;
  gsize n;

  n = with_crc (buf, "\x01\x10\x05\x09\x00\x02\x04\x00\x00\x13\x88", 11);
  g_assert_true (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_cmpint (f.kind, ==, MD_MODBUS_FRAME_REQUEST);
  g_assert_cmphex (f.address, ==, 0x0509);
  g_assert_cmpuint (f.quantity, ==, 2);
  g_assert_cmpmem (f.data, f.byte_count, "\x00\x00\x13\x88", 4);

  n = with_crc (buf, "\x01\x10\x05\x09\x00\x02", 6);
  g_assert_true (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_cmpint (f.kind, ==, MD_MODBUS_FRAME_REPLY);
  g_assert_cmpuint (f.quantity, ==, 2);

  /* 10 coils: 2 data bytes. */
  n = with_crc (buf, "\x01\x0F\x00\x13\x00\x0A\x02\xCD\x01", 9);
  g_assert_true (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_cmpint (f.kind, ==, MD_MODBUS_FRAME_REQUEST);
  g_assert_cmpuint (f.byte_count, ==, 2);
  g_assert_no_error (error);

  /* Byte count that does not match the quantity. */
  n = with_crc (buf, "\x01\x10\x05\x09\x00\x03\x04\x00\x00\x13\x88", 11);
  g_assert_false (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_LENGTH);
}

static void
test_exceptions (void)
{
  static const char * const names[] = {
    NULL, "illegal function", "illegal data address", "illegal data value",
    "server device failure", "acknowledge", "server device busy", "negative acknowledge",
    "memory parity error", NULL, "gateway path unavailable",
    "gateway target device failed to respond", NULL,
  };
  g_autoptr(GError) error = NULL;
  guint8 buf[16];
  MdModbusFrame f;
  gsize n;

  for (guint code = 0; code < G_N_ELEMENTS (names); code++)
    g_assert_cmpstr (md_modbus_exception_name ((guint8) code), ==, names[code]);

  n = with_crc (buf, "\x01\x83\x02", 3);
  g_assert_true (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_no_error (error);
  g_assert_cmpint (f.kind, ==, MD_MODBUS_FRAME_EXCEPTION);
  g_assert_cmpuint (f.function, ==, 0x03);
  g_assert_cmpuint (f.exception, ==, 0x02);

  n = with_crc (buf, "\x01\x83\x02\x00", 4);
  g_assert_false (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_LENGTH);
}

static void
test_errors (void)
{
  static const guint8 bad_crc[] = { 0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCE };
  g_autoptr(GError) error = NULL;
  guint8 buf[300] = { 0 };
  MdModbusFrame f;
  gsize n;

  g_assert_false (md_modbus_frame_decode (bad_crc, sizeof bad_crc, &f, &error));
  g_assert_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_CRC);
  g_assert_cmphex (f.crc_expected, ==, 0xCDC5);
  g_assert_cmpuint (f.quantity, ==, 10);   /* filled for diagnostics */
  g_clear_error (&error);

  g_assert_false (md_modbus_frame_decode (buf, 4, &f, &error));
  g_assert_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_TOO_SHORT);
  g_clear_error (&error);
  g_assert_false (md_modbus_frame_decode (buf, 257, &f, &error));
  g_assert_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_TOO_LONG);
  g_clear_error (&error);

  n = with_crc (buf, "\x01\x2B\x0E\x01\x00", 5);
  g_assert_false (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_FUNCTION);
  g_clear_error (&error);

  n = with_crc (buf, "\x01\x03\x00\x00\x00\x0A\x00", 7);
  g_assert_false (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_LENGTH);
  g_clear_error (&error);

  /* 126 registers is over the limit: not a request. */
  n = with_crc (buf, "\x01\x03\x00\x00\x00\x7E", 6);
  g_assert_false (md_modbus_frame_decode (buf, n, &f, &error));
  g_assert_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_LENGTH);
}

/* CRC-16 catches every error burst up to 16 bits, so every single changed
 * byte of a valid frame is refused. */
static void
test_single_byte_corruption (void)
{
  static const char * const pdus[] = {
    "\x01\x03\x00\x00\x00\x0A", "\x01\x03\x04\x00\x00\x27\x10", "\x01\x83\x02",
    "\x11\x05\x00\xAC\xFF\x00", "\x01\x10\x05\x09\x00\x02\x04\x00\x00\x13\x88",
  };
  static const gsize lens[] = { 6, 7, 3, 6, 11 };

  for (gsize i = 0; i < G_N_ELEMENTS (pdus); i++)
    {
      guint8 orig[32], buf[32];
      gsize n = with_crc (orig, pdus[i], lens[i]);
      MdModbusFrame f;

      g_assert_true (md_modbus_frame_decode (orig, n, &f, NULL));
      for (gsize pos = 0; pos < n; pos++)
        for (guint v = 1; v < 256; v++)
          {
            memcpy (buf, orig, n);
            buf[pos] = (guint8) (orig[pos] + v);
            g_assert_false (md_modbus_frame_decode (buf, n, &f, NULL));
          }
    }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/meters/modbus-frame/crc-vectors", test_crc_vectors);
  g_test_add_func ("/meterdesk/meters/modbus-frame/read-request", test_read_request);
  g_test_add_func ("/meterdesk/meters/modbus-frame/read-reply", test_read_reply);
  g_test_add_func ("/meterdesk/meters/modbus-frame/ambiguous", test_ambiguous);
  g_test_add_func ("/meterdesk/meters/modbus-frame/write-multiple", test_write_multiple);
  g_test_add_func ("/meterdesk/meters/modbus-frame/exceptions", test_exceptions);
  g_test_add_func ("/meterdesk/meters/modbus-frame/errors", test_errors);
  g_test_add_func ("/meterdesk/meters/modbus-frame/single-byte-corruption",
                   test_single_byte_corruption);

  return g_test_run ();
}
