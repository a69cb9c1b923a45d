/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "md-dlt645.h"
#include "md-frame-decode.h"
#include "md-modbus-frame.h"

static char *
to_hex (GBytes *bytes)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (bytes, &len);
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", p[i]);
  return g_string_free (s, FALSE);
}

/* A meter's reply to 11H: DI then value, built the way a meter would. */
static char *
read_reply_hex (guint32       di,
                const guint8 *value,
                gsize         len)
{
  MdDlt645Address address;
  guint8 data[64];
  g_autoptr(GBytes) frame = NULL;

  g_assert_true (md_dlt645_address_parse ("202411110002", &address, NULL));
  data[0] = di & 0xFF;
  data[1] = (di >> 8) & 0xFF;
  data[2] = (di >> 16) & 0xFF;
  data[3] = di >> 24;
  memcpy (data + 4, value, len);
  frame = md_dlt645_build (&address, 0x91, data, 4 + len, MD_DLT645_BUILD_PREAMBLE, NULL);
  return to_hex (frame);
}

static const char *
text_of (const MdFrameDecodeResult *r,
         const char                *key)
{
  const MdFrameField *f = md_frame_decode_result_lookup (r, key);

  g_assert_nonnull (f);
  return f->text;
}

static JsonNode *
json_of (const MdFrameDecodeResult *r,
         const char                *key)
{
  const MdFrameField *f = md_frame_decode_result_lookup (r, key);

  g_assert_nonnull (f);
  return f->json;
}

static MdFrameDecodeResult *
decode_ok (MdFrameProtocol  protocol,
           const char      *hex)
{
  g_autoptr(GError) error = NULL;
  MdFrameDecodeResult *r = md_frame_decode (protocol, hex, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static void
test_hex (void)
{
  static const char * const same[] = {
    "68 AA aa", "68AAAA", "0x68 0xAA 0xaa", "0x68AAAA", "68,AA:aa", "  68\tAA\naa  ", "0X68 aAaA",
  };
  static const struct { const char *hex; int code; const char *says; } bad[] = {
    { "68A", MD_FRAME_DECODE_ERROR_HEX, "odd" },
    { "68 A AA", MD_FRAME_DECODE_ERROR_HEX, "odd" },
    { "68 G1", MD_FRAME_DECODE_ERROR_HEX, "“G” at character 4" },
    { "68 0x", MD_FRAME_DECODE_ERROR_HEX, "0x" },
    { "６８", MD_FRAME_DECODE_ERROR_HEX, "“６” at character 1" },
    { "68\x01", MD_FRAME_DECODE_ERROR_HEX, "\\x01" },
    { "68 \xff", MD_FRAME_DECODE_ERROR_HEX, "\\xFF" },
    { "", MD_FRAME_DECODE_ERROR_EMPTY, "No bytes" },
    { " , ", MD_FRAME_DECODE_ERROR_EMPTY, "No bytes" },
  };
  g_autofree char *huge = g_strnfill (2 * MD_FRAME_HEX_MAX + 2, 'a');

  for (gsize i = 0; i < G_N_ELEMENTS (same); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) b = md_frame_parse_hex (same[i], &error);

      g_assert_no_error (error);
      g_assert_cmpmem (g_bytes_get_data (b, NULL), g_bytes_get_size (b), "\x68\xAA\xAA", 3);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (md_frame_parse_hex (bad[i].hex, &error));
      g_assert_error (error, MD_FRAME_DECODE_ERROR, bad[i].code);
      g_assert_nonnull (strstr (error->message, bad[i].says));
      g_assert_null (strchr (error->message, '\n'));
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (md_frame_parse_hex (huge, &error));
    g_assert_error (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_TOO_LONG);
  }
}

static void
test_protocol_names (void)
{
  g_autoptr(GError) error = NULL;
  MdFrameProtocol p;

  g_assert_true (md_frame_protocol_from_string ("dlt645", &p, &error));
  g_assert_cmpint (p, ==, MD_FRAME_PROTOCOL_DLT645);
  g_assert_true (md_frame_protocol_from_string ("modbus-rtu", &p, &error));
  g_assert_cmpint (p, ==, MD_FRAME_PROTOCOL_MODBUS_RTU);
  g_assert_cmpstr (md_frame_protocol_to_string (p), ==, "modbus-rtu");
  g_assert_false (md_frame_protocol_from_string ("dlt645-1997", &p, &error));
  g_assert_error (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_PROTOCOL);
}

static void
test_dlt645_request (void)
{
  g_autoptr(MdFrameDecodeResult) r =
    decode_ok (MD_FRAME_PROTOCOL_DLT645,
               "fe fe fe fe 68 02 00 11 11 24 20 68 11 04 33 34 34 35 1d 16");
  g_autofree char *text = md_frame_decode_result_to_text (r);
  JsonNode *di = json_of (r, "di");

  g_assert_true (r->valid);
  g_assert_cmpuint (r->skipped, ==, 4);
  g_assert_cmpuint (g_bytes_get_size (r->frame), ==, 16);
  g_assert_cmpstr (text_of (r, "address"), ==, "202411110002");
  g_assert_cmpstr (text_of (r, "control"), ==, "11H: read data, request, master → slave");
  g_assert_cmpstr (text_of (r, "di"), ==, "02010100 (Phase A voltage)");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (di), "id"), ==, "02010100");
  g_assert_cmpstr (text_of (r, "checksum"), ==, "ok");
  g_assert_nonnull (strstr (text, "Checksum:"));
  g_assert_nonnull (strstr (text, "68 02 00 11 11 24 20 68 11 04 33 34 34 35 1D 16"));
}

static void
test_dlt645_values (void)
{
  static const struct {
    guint32 di; const char *value; gsize len; const char *text; gint64 json; const char *unit;
  } cases[] = {
    { 0x02010100, "\x01\x22", 2, "220.1 V", 2201, "0.1V" },
    { 0x02020100, "\x34\x12\x00", 3, "1.234 A", 1234, "mA" },
    { 0x02030000, "\x00\x10\x00", 3, "0.1000 kW", 1000, "0.1W" },
    { 0x00900200, "\x45\x23\x01\x00", 4, "123.45 yuan", 12345, "fen" },
    { 0x00000000, "\x34\x12\x00\x00", 4, "12.34 kWh", 12340, "Wh" },
    { 0x03330201, "\x23\x01", 2, "123", 123, NULL },
    { 0x02800002, "\x03\x50", 2, "50.03 Hz", 5003, "0.01Hz" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *hex = read_reply_hex (cases[i].di, (const guint8 *) cases[i].value,
                                             cases[i].len);
      g_autoptr(MdFrameDecodeResult) r = decode_ok (MD_FRAME_PROTOCOL_DLT645, hex);
      JsonObject *o = json_node_get_object (json_of (r, "value"));

      g_assert_cmpstr (text_of (r, "control"), ==,
                       "91H: read data, normal reply, slave → master");
      g_assert_cmpstr (text_of (r, "value"), ==, cases[i].text);
      g_assert_cmpint (json_object_get_int_member (o, "value"), ==, cases[i].json);
      if (cases[i].unit)
        g_assert_cmpstr (json_object_get_string_member (o, "unit"), ==, cases[i].unit);
      else
        g_assert_false (json_object_has_member (o, "unit"));
    }
}

static void
test_dlt645_special_values (void)
{
  static const guint8 status[2] = { 0x50, 0x12 };
  static const guint8 block[20] = { 0x00, 0x01, 0, 0, 0x00, 0x02, 0, 0, 0x00, 0x03, 0, 0,
                                    0x00, 0x04, 0, 0, 0x00, 0x05, 0, 0 };
  static const guint8 not_bcd[4] = { 0x4A, 0, 0, 0 };
  static const guint8 date[4] = { 0x00, 0x02, 0x11, 0x25 };
  g_autofree char *h1 = read_reply_hex (MD_DLT645_DI_STATUS_WORD_3, status, 2);
  g_autofree char *h2 = read_reply_hex (0x0001FF00, block, 20);
  g_autofree char *h3 = read_reply_hex (MD_DLT645_DI_REMAINING_AMOUNT, not_bcd, 4);
  g_autofree char *h4 = read_reply_hex (0x04000101, date, 4);
  g_autofree char *h5 = read_reply_hex (MD_DLT645_DI_REMAINING_AMOUNT, not_bcd, 3);
  g_autoptr(MdFrameDecodeResult) r1 = decode_ok (MD_FRAME_PROTOCOL_DLT645, h1);
  g_autoptr(MdFrameDecodeResult) r2 = decode_ok (MD_FRAME_PROTOCOL_DLT645, h2);
  g_autoptr(MdFrameDecodeResult) r3 = decode_ok (MD_FRAME_PROTOCOL_DLT645, h3);
  g_autoptr(MdFrameDecodeResult) r4 = decode_ok (MD_FRAME_PROTOCOL_DLT645, h4);
  g_autoptr(MdFrameDecodeResult) r5 = decode_ok (MD_FRAME_PROTOCOL_DLT645, h5);
  JsonObject *o1 = json_node_get_object (json_of (r1, "value"));
  JsonObject *o2 = json_node_get_object (json_of (r2, "value"));

  g_assert_cmpstr (text_of (r1, "value"), ==,
                   "1250H: relay open, command trip, money prepaid, supply: mains, keep power");
  g_assert_true (json_object_get_boolean_member (o1, "relay_open"));
  g_assert_true (json_object_get_boolean_member (o1, "keep_power"));
  g_assert_false (json_object_get_boolean_member (o1, "pre_trip_alarm"));
  g_assert_cmpint (json_object_get_int_member (o1, "meter_type"), ==, 2);

  g_assert_cmpstr (text_of (r2, "value"), ==,
                   "1.00 kWh, 2.00 kWh, 3.00 kWh, 4.00 kWh, 5.00 kWh");
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (o2, "values"), 4),
                   ==, 5000);

  /* A–F nibble: shown as an error, not as a number. */
  g_assert_nonnull (strstr (text_of (r3, "value"), "4A is not a BCD number"));
  g_assert_true (json_object_has_member (json_node_get_object (json_of (r3, "value")), "error"));

  g_assert_cmpstr (text_of (r4, "value"), ==, "2025-11-02, weekday 0");
  /* Wrong length for the DI: bytes only. */
  g_assert_cmpstr (text_of (r5, "value_bytes"), ==, "4A 00 00");
}

static void
test_dlt645_control (void)
{
  g_autoptr(MdFrameDecodeResult) r =
    decode_ok (MD_FRAME_PROTOCOL_DLT645,
               "FE FE FE FE 68 02 00 11 11 24 20 68 1C 10 35 89 67 45 33 33 33 33 4D 33 "
               "8C 8C 56 64 45 63 94 16");
  g_autoptr(MdFrameDecodeResult) t =
    decode_ok (MD_FRAME_PROTOCOL_DLT645,
               "FE FE FE FE 68 99 99 99 99 99 99 68 08 06 38 37 36 35 34 58 DA 16");
  g_autoptr(MdFrameDecodeResult) a =
    decode_ok (MD_FRAME_PROTOCOL_DLT645, "FE FE FE FE 68 AA AA AA AA AA AA 68 13 00 DF 16");
  g_autofree char *text = md_frame_decode_result_to_text (r);

  g_assert_cmpstr (text_of (r, "command"), ==, "1AH: trip");
  g_assert_cmpstr (text_of (r, "password"), ==, "(hidden)");
  g_assert_cmpstr (text_of (r, "auth_level"), ==, "02H");
  g_assert_cmpstr (text_of (r, "operator_code"), ==, "00000000");
  g_assert_cmpstr (text_of (r, "deadline"), ==, "2030-12-31 23:59:59");
  g_assert_null (strstr (text, "123456"));

  g_assert_cmpstr (text_of (t, "address"), ==, "999999999999 (broadcast)");
  g_assert_cmpstr (text_of (t, "time"), ==, "2025-01-02 03:04:05");
  g_assert_cmpstr (text_of (a, "address"), ==, "AAAAAAAAAAAA (wildcard)");
  g_assert_cmpstr (text_of (a, "control"), ==,
                   "13H: read communication address, request, master → slave");
}

static void
test_dlt645_replies (void)
{
  g_autoptr(MdFrameDecodeResult) ok =
    decode_ok (MD_FRAME_PROTOCOL_DLT645, "68 02 00 11 11 24 20 68 9C 00 D4 16");
  g_autoptr(MdFrameDecodeResult) err =
    decode_ok (MD_FRAME_PROTOCOL_DLT645, "68 02 00 11 11 24 20 68 D1 01 35 3F 16");
  JsonObject *o = json_node_get_object (json_of (err, "error"));

  g_assert_true (ok->valid);
  g_assert_cmpstr (text_of (ok, "control"), ==,
                   "9CH: trip, close, alarm and keep-power control, "
                   "normal reply, slave → master");
  g_assert_null (md_frame_decode_result_lookup (ok, "execution"));
  g_assert_cmpstr (text_of (err, "control"), ==, "D1H: read data, error reply, slave → master");
  g_assert_cmpstr (text_of (err, "error"), ==, "ERR 02H: no requested data");
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "err");
  g_assert_cmpint (json_object_get_int_member (o, "code"), ==, 2);
}

static void
test_dlt645_broken (void)
{
  g_autoptr(MdFrameDecodeResult) cs =
    decode_ok (MD_FRAME_PROTOCOL_DLT645, "68 02 00 11 11 24 20 68 11 04 33 34 34 35 1E 16");
  g_autoptr(MdFrameDecodeResult) end =
    decode_ok (MD_FRAME_PROTOCOL_DLT645, "68 02 00 11 11 24 20 68 11 04 33 34 34 35 1D 17");
  g_autoptr(MdFrameDecodeResult) malformed =
    decode_ok (MD_FRAME_PROTOCOL_DLT645, "68 02 00 11 11 24 20 68 D1 02 35 33 73 16");
  g_autoptr(MdFrameDecodeResult) later =
    decode_ok (MD_FRAME_PROTOCOL_DLT645, "68 02 00 11 11 24 20 68 11 04 33 34 34 35 1E 16 "
                                         "68 02 00 11 11 24 20 68 11 04 33 34 34 35 1D 16");
  JsonObject *o = json_node_get_object (json_of (cs, "checksum"));
  g_autoptr(GError) error = NULL;

  g_assert_false (cs->valid);
  g_assert_cmpstr (text_of (cs, "checksum"), ==, "bad (expected 1D)");
  g_assert_false (json_object_get_boolean_member (o, "ok"));
  g_assert_cmpstr (json_object_get_string_member (o, "received"), ==, "1E");
  g_assert_cmpstr (json_object_get_string_member (o, "expected"), ==, "1D");
  /* Damaged: the bytes are shown, not interpreted. */
  g_assert_null (md_frame_decode_result_lookup (cs, "di"));
  g_assert_cmpstr (text_of (cs, "data"), ==, "00 01 01 02");

  g_assert_false (end->valid);
  g_assert_cmpstr (text_of (end, "checksum"), ==, "ok");
  g_assert_cmpstr (text_of (end, "end"), ==, "bad (expected 16)");

  g_assert_false (malformed->valid);
  g_assert_nonnull (strstr (text_of (malformed, "problem"), "expected 1 or 2"));

  /* The first frame that checks out wins over an earlier broken one. */
  g_assert_true (later->valid);
  g_assert_cmpuint (later->skipped, ==, 16);

  g_assert_null (md_frame_decode (MD_FRAME_PROTOCOL_DLT645, "68 02 00 11 11 24 20 68 11 04 33 34",
                                  &error));
  g_assert_error (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_TRUNCATED);
  g_assert_nonnull (strstr (error->message, "12 of 16"));
  g_clear_error (&error);
  g_assert_null (md_frame_decode (MD_FRAME_PROTOCOL_DLT645, "FE FE 68 02", &error));
  g_assert_error (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_TRUNCATED);
  g_clear_error (&error);
  g_assert_null (md_frame_decode (MD_FRAME_PROTOCOL_DLT645, "FE FE 12 34 16", &error));
  g_assert_error (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_NO_FRAME);
}

static void
test_modbus (void)
{
  g_autoptr(MdFrameDecodeResult) req =
    decode_ok (MD_FRAME_PROTOCOL_MODBUS_RTU, "01 03 00 00 00 0A C5 CD");
  g_autoptr(MdFrameDecodeResult) reply =
    decode_ok (MD_FRAME_PROTOCOL_MODBUS_RTU, "01 03 04 00 00 27 10 E0 0F");
  g_autoptr(MdFrameDecodeResult) bad =
    decode_ok (MD_FRAME_PROTOCOL_MODBUS_RTU, "01 03 00 00 00 0A C5 CE");
  g_autoptr(GError) error = NULL;
  JsonArray *regs;

  g_assert_true (req->valid);
  g_assert_cmpstr (text_of (req, "function"), ==, "03H: read holding registers");
  g_assert_cmpstr (text_of (req, "kind"), ==, "request");
  g_assert_cmpstr (text_of (req, "quantity"), ==, "10");
  g_assert_cmpstr (text_of (req, "crc"), ==, "ok");

  g_assert_true (reply->valid);
  g_assert_cmpstr (text_of (reply, "registers"), ==, "0000H 2710H");
  regs = json_node_get_array (json_of (reply, "registers"));
  g_assert_cmpint (json_array_get_int_element (regs, 1), ==, 10000);

  g_assert_false (bad->valid);
  g_assert_cmpstr (text_of (bad, "crc"), ==, "bad (expected C5 CD)");
  g_assert_null (md_frame_decode_result_lookup (bad, "quantity"));

  {
    g_autoptr(MdFrameDecodeResult) ex =
      decode_ok (MD_FRAME_PROTOCOL_MODBUS_RTU, "01 83 02 C0 F1");

    g_assert_cmpstr (text_of (ex, "function"), ==, "83H: read holding registers");
    g_assert_cmpstr (text_of (ex, "exception"), ==, "02H: illegal data address");
  }

  g_assert_null (md_frame_decode (MD_FRAME_PROTOCOL_MODBUS_RTU, "01 03", &error));
  g_assert_error (error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_TOO_SHORT);
}

static void
test_json (void)
{
  g_autoptr(MdFrameDecodeResult) r =
    decode_ok (MD_FRAME_PROTOCOL_DLT645, "68 02 00 11 11 24 20 68 D1 01 35 3F 16");
  g_autoptr(JsonNode) root = md_frame_decode_result_to_json (r);
  g_autofree char *json = json_to_string (root, FALSE);
  JsonObject *o = json_node_get_object (root);
  JsonObject *fields = json_object_get_object_member (o, "fields");

  g_assert_cmpstr (json_object_get_string_member (o, "protocol"), ==, "dlt645");
  g_assert_cmpstr (json_object_get_string_member (o, "frame"), ==,
                   "68 02 00 11 11 24 20 68 D1 01 35 3F 16");
  g_assert_true (json_object_get_boolean_member (o, "valid"));
  g_assert_cmpint (json_object_get_int_member (o, "skipped"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (fields, "address"), ==, "202411110002");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (fields, "control"),
                                               "code"), ==, 0xD1);
  g_assert_nonnull (strstr (json, "\"checksum\":{\"ok\":true"));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/meters/frame-decode/hex", test_hex);
  g_test_add_func ("/meterdesk/meters/frame-decode/protocol-names", test_protocol_names);
  g_test_add_func ("/meterdesk/meters/frame-decode/dlt645-request", test_dlt645_request);
  g_test_add_func ("/meterdesk/meters/frame-decode/dlt645-values", test_dlt645_values);
  g_test_add_func ("/meterdesk/meters/frame-decode/dlt645-special-values",
                   test_dlt645_special_values);
  g_test_add_func ("/meterdesk/meters/frame-decode/dlt645-control", test_dlt645_control);
  g_test_add_func ("/meterdesk/meters/frame-decode/dlt645-replies", test_dlt645_replies);
  g_test_add_func ("/meterdesk/meters/frame-decode/dlt645-broken", test_dlt645_broken);
  g_test_add_func ("/meterdesk/meters/frame-decode/modbus", test_modbus);
  g_test_add_func ("/meterdesk/meters/frame-decode/json", test_json);

  return g_test_run ();
}
