/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "md-dlt645.h"

/* PROTOCOLS.md A.6, with the meaning each frame is built from. */
typedef enum
{
  KIND_READ_ADDRESS,
  KIND_READ,
  KIND_CONTROL,
  KIND_BROADCAST_TIME,
  KIND_REPLY,
} Kind;

typedef struct
{
  const char *name;
  const char *hex;
  Kind        kind;
  gboolean    preamble;
  guint32     di;        /* KIND_READ */
  guint8      command;   /* KIND_CONTROL */
  guint8      control;   /* KIND_REPLY */
  guint8      err;       /* KIND_REPLY with L = 1 */
} A6Frame;

static const A6Frame a6_frames[] = {
  { "1-read-address", "FE FE FE FE 68 AA AA AA AA AA AA 68 13 00 DF 16",
    KIND_READ_ADDRESS, TRUE, 0, 0, 0, 0 },
  { "4-voltage", "68 02 00 11 11 24 20 68 11 04 33 34 34 35 1D 16",
    KIND_READ, FALSE, 0x02010100, 0, 0, 0 },
  { "5-current", "68 02 00 11 11 24 20 68 11 04 33 34 35 35 1E 16",
    KIND_READ, FALSE, 0x02020100, 0, 0, 0 },
  { "6-forward-total", "68 02 00 11 11 24 20 68 11 04 33 33 34 33 1A 16",
    KIND_READ, FALSE, 0x00010000, 0, 0, 0 },
  { "7-combined-total", "68 02 00 11 11 24 20 68 11 04 33 33 33 33 19 16",
    KIND_READ, FALSE, 0x00000000, 0, 0, 0 },
  { "9-remaining-amount", "FE FE FE FE 68 02 00 11 11 24 20 68 11 04 33 35 C3 33 AB 16",
    KIND_READ, TRUE, 0x00900200, 0, 0, 0 },
  { "10-status-word-3", "FE FE FE FE 68 02 00 11 11 24 20 68 11 04 36 38 33 37 25 16",
    KIND_READ, TRUE, 0x04000503, 0, 0, 0 },
  { "11-purchase-count", "FE FE FE FE 68 02 00 11 11 24 20 68 11 04 34 35 66 36 52 16",
    KIND_READ, TRUE, 0x03330201, 0, 0, 0 },
  { "12-trip", "FE FE FE FE 68 02 00 11 11 24 20 68 1C 10 35 89 67 45 33 33 33 33 4D 33 "
    "8C 8C 56 64 45 63 94 16", KIND_CONTROL, TRUE, 0, 0x1A, 0, 0 },
  { "13-direct-close", "FE FE FE FE 68 02 00 11 11 24 20 68 1C 10 35 89 67 45 33 33 33 33 4F 33 "
    "8C 8C 56 64 45 63 96 16", KIND_CONTROL, TRUE, 0, 0x1C, 0, 0 },
  { "14-broadcast-time", "FE FE FE FE 68 99 99 99 99 99 99 68 08 06 38 37 36 35 34 58 DA 16",
    KIND_BROADCAST_TIME, TRUE, 0, 0, 0, 0 },
  { "15-control-ok", "68 02 00 11 11 24 20 68 9C 00 D4 16", KIND_REPLY, FALSE, 0, 0, 0x9C, 0 },
  { "15-no-data", "68 02 00 11 11 24 20 68 D1 01 35 3F 16", KIND_REPLY, FALSE, 0, 0, 0xD1, 0x02 },
};

static const MdDlt645DateTime a6_deadline = { 2030, 12, 31, 23, 59, 59 };
static const MdDlt645DateTime a6_time = { 2025, 1, 2, 3, 4, 5 };

static GBytes *
hex_bytes (const char *hex)
{
  GByteArray *a = g_byte_array_new ();

  for (const char *p = hex; *p;)
    {
      guint8 b;

      if (*p == ' ')
        {
          p++;
          continue;
        }
      b = (guint8) (g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]));
      g_byte_array_append (a, &b, 1);
      p += 2;
    }
  return g_byte_array_free_to_bytes (a);
}

static MdDlt645Address
meter_address (void)
{
  MdDlt645Address a;

  g_assert_true (md_dlt645_address_parse ("202411110002", &a, NULL));
  return a;
}

static GBytes *
build_from_meaning (const A6Frame *t)
{
  MdDlt645BuildFlags flags = t->preamble ? MD_DLT645_BUILD_PREAMBLE : MD_DLT645_BUILD_DEFAULT;
  MdDlt645Address address = meter_address ();
  g_autoptr(GError) error = NULL;
  MdDlt645Auth auth;
  GBytes *out = NULL;

  switch (t->kind)
    {
    case KIND_READ_ADDRESS:
      out = md_dlt645_build_read_address (flags);
      break;
    case KIND_READ:
      out = md_dlt645_build_read (&address, t->di, NULL, 0, flags, &error);
      break;
    case KIND_CONTROL:
      g_assert_true (md_dlt645_auth_parse (0x02, "123456", "00000000", &auth, &error));
      out = md_dlt645_build_control (&address, &auth, t->command, 0, &a6_deadline, flags, &error);
      break;
    case KIND_BROADCAST_TIME:
      out = md_dlt645_build_broadcast_time (&a6_time, flags, &error);
      break;
    case KIND_REPLY:
      out = md_dlt645_build (&address, t->control, &t->err, t->err ? 1 : 0, flags, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  g_assert_no_error (error);
  return out;
}

static void
test_a6_encode (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (a6_frames); i++)
    {
      g_autoptr(GBytes) want = hex_bytes (a6_frames[i].hex);
      g_autoptr(GBytes) got = build_from_meaning (&a6_frames[i]);

      g_test_message ("A.6 %s", a6_frames[i].name);
      g_assert_true (g_bytes_equal (want, got));
    }
}

static void
assert_meaning (const A6Frame       *t,
                const MdDlt645Frame *f)
{
  MdDlt645Address address = meter_address ();

  g_assert_cmpuint (f->start, ==, t->preamble ? 4 : 0);
  g_assert_cmpuint (f->checksum, ==, f->checksum_expected);
  switch (t->kind)
    {
    case KIND_READ_ADDRESS:
      g_assert_cmpmem (f->address.bytes, 6, md_dlt645_address_wildcard.bytes, 6);
      g_assert_cmpuint (f->control, ==, 0x13);
      g_assert_cmpuint (f->length, ==, 0);
      g_assert_false (f->from_slave);
      break;
    case KIND_READ:
      g_assert_cmpmem (f->address.bytes, 6, address.bytes, 6);
      g_assert_cmpuint (f->function, ==, MD_DLT645_FN_READ);
      g_assert_false (f->from_slave);
      g_assert_cmpuint (f->length, ==, 4);
      g_assert_cmphex (md_dlt645_frame_get_di (f), ==, t->di);
      break;
    case KIND_CONTROL:
      {
        static const guint8 block[16] = { 0x02, 0x56, 0x34, 0x12, 0, 0, 0, 0, 0, 0,
                                          0x59, 0x59, 0x23, 0x31, 0x12, 0x30 };
        guint8 want[16];

        memcpy (want, block, sizeof want);
        want[8] = t->command;
        g_assert_cmpuint (f->function, ==, MD_DLT645_FN_CONTROL);
        g_assert_cmpmem (f->data, f->length, want, sizeof want);
        g_assert_cmpstr (md_dlt645_control_command_name (f->data[8]), ==,
                         t->command == 0x1A ? "trip" : "direct close");
      }
      break;
    case KIND_BROADCAST_TIME:
      {
        static const guint8 want[6] = { 0x05, 0x04, 0x03, 0x02, 0x01, 0x25 };

        g_assert_cmpmem (f->address.bytes, 6, md_dlt645_address_broadcast.bytes, 6);
        g_assert_cmpuint (f->function, ==, MD_DLT645_FN_BROADCAST_TIME);
        g_assert_cmpmem (f->data, f->length, want, sizeof want);
      }
      break;
    case KIND_REPLY:
      g_assert_true (f->from_slave);
      g_assert_cmpuint (f->control, ==, t->control);
      if (t->err)
        {
          g_autofree char *words = md_dlt645_err_describe ((guint8) f->error_code);

          g_assert_true (f->abnormal);
          g_assert_cmpuint (f->function, ==, MD_DLT645_FN_READ);
          g_assert_cmpint (f->reply_error, ==, MD_DLT645_REPLY_ERROR_ERR);
          g_assert_cmphex (f->error_code, ==, MD_DLT645_ERR_NO_DATA);
          g_assert_cmpstr (words, ==, "no requested data");
        }
      else
        {
          g_assert_false (f->abnormal);
          g_assert_cmpuint (f->function, ==, MD_DLT645_FN_CONTROL);
          g_assert_cmpuint (f->length, ==, 0);
          g_assert_false (f->has_exec_info);
          g_assert_cmpint (f->reply_error, ==, MD_DLT645_REPLY_ERROR_NONE);
        }
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
test_a6_decode (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (a6_frames); i++)
    {
      g_autoptr(GBytes) bytes = hex_bytes (a6_frames[i].hex);
      g_autoptr(GError) error = NULL;
      MdDlt645Frame f;
      gsize len, consumed;
      const guint8 *buf = g_bytes_get_data (bytes, &len);

      g_test_message ("A.6 %s", a6_frames[i].name);
      g_assert_cmpint (md_dlt645_decode (buf, len, &f, &consumed, &error), ==, MD_DLT645_DECODE_OK);
      g_assert_no_error (error);
      g_assert_cmpuint (consumed, ==, len);
      g_assert_cmpuint (f.size, ==, len - f.start);
      assert_meaning (&a6_frames[i], &f);
    }
}

/* A receiver the way a link runs it: decode, drop what was consumed, and on
 * NEED_MORE with a frame start in hand at the end of the bytes (the reply
 * timeout) skip that start. Returns the frames accepted. */
static guint
receive_all (const guint8  *buf,
             gsize          len,
             MdDlt645Frame *frames,
             guint          max)
{
  gsize off = 0;
  guint n = 0;

  while (off < len)
    {
      MdDlt645Frame f;
      gsize consumed;

      switch (md_dlt645_decode (buf + off, len - off, &f, &consumed, NULL))
        {
        case MD_DLT645_DECODE_OK:
          g_assert_cmpuint (consumed, >, 0);
          if (n < max)
            frames[n] = f;
          n++;
          off += consumed;
          break;
        case MD_DLT645_DECODE_BAD:
          g_assert_cmpuint (consumed, >, 0);
          off += consumed;
          break;
        case MD_DLT645_DECODE_NEED_MORE:
        default:
          g_assert_cmpuint (consumed, <=, len - off);
          off += consumed == len - off ? consumed : consumed + 1;
          break;
        }
    }
  return n;
}

static gboolean
same_meaning (const MdDlt645Frame *a,
              const MdDlt645Frame *b)
{
  return memcmp (&a->address, &b->address, sizeof a->address) == 0 &&
         a->control == b->control && a->length == b->length &&
         memcmp (a->data, b->data, a->length) == 0;
}

static void
test_preamble (void)
{
  static const guint n_fe[] = { 0, 1, 4, 7 };
  static const guint8 noise[] = { 0x00, 0x68, 0x12, 0x16, 0x68, 0xFF, 0xFE };
  g_autoptr(GBytes) bytes = hex_bytes (a6_frames[1].hex);
  gsize len;
  const guint8 *frame = g_bytes_get_data (bytes, &len);

  for (guint with_noise = 0; with_noise < 2; with_noise++)
    for (gsize i = 0; i < G_N_ELEMENTS (n_fe); i++)
      {
        g_autoptr(GByteArray) a = g_byte_array_new ();
        MdDlt645Frame f;
        MdDlt645Decode r;
        gsize consumed, off = 0;

        if (with_noise)
          g_byte_array_append (a, noise, sizeof noise);
        for (guint k = 0; k < n_fe[i]; k++)
          g_byte_array_append (a, (const guint8 *) "\xFE", 1);
        g_byte_array_append (a, frame, len);

        /* Noise can look like a frame start (68 … 68): that one fails its
         * checksum and the receiver resyncs one byte further on. */
        while ((r = md_dlt645_decode (a->data + off, a->len - off, &f, &consumed, NULL)) ==
               MD_DLT645_DECODE_BAD)
          off += consumed;
        g_assert_cmpint (r, ==, MD_DLT645_DECODE_OK);
        g_assert_cmpuint (off + f.start, ==, a->len - len);
        g_assert_cmpuint (off + consumed, ==, a->len);
        g_assert_cmphex (md_dlt645_frame_get_di (&f), ==, 0x02010100);
      }
}

/* The guarantee: a frame is accepted only when 68 … 68, L, CS and 16 all
 * agree. One changed byte between the first 68 and the 16 changes the sum,
 * a marker, or L; the first two are always caught. Over every A.6 frame,
 * every position and every value, including L, nothing in the frame is
 * accepted, not even a frame resynced inside it; a changed preamble byte
 * still yields the original frame. */
static void
test_single_byte_corruption (void)
{
  for (gsize t = 0; t < G_N_ELEMENTS (a6_frames); t++)
    {
      g_autoptr(GBytes) bytes = hex_bytes (a6_frames[t].hex);
      gsize len;
      const guint8 *orig = g_bytes_get_data (bytes, &len);
      gsize start = a6_frames[t].preamble ? 4 : 0;
      MdDlt645Frame want, got[4];
      guint8 buf[MD_DLT645_FRAME_MAX];
      gsize consumed;

      g_assert_cmpint (md_dlt645_decode (orig, len, &want, &consumed, NULL), ==,
                       MD_DLT645_DECODE_OK);
      for (gsize pos = 0; pos < len; pos++)
        for (guint v = 0; v < 256; v++)
          {
            guint n;

            if (v == orig[pos])
              continue;
            memcpy (buf, orig, len);
            buf[pos] = (guint8) v;
            n = receive_all (buf, len, got, G_N_ELEMENTS (got));
            if (pos < start)
              {
                g_assert_cmpuint (n, ==, 1);
                g_assert_true (same_meaning (&got[0], &want));
              }
            else if (n != 0)
              g_error ("%s: byte %" G_GSIZE_FORMAT " = %02X accepted", a6_frames[t].name, pos, v);
          }
    }
}

/* Random frames (seeded: --seed replays): any one byte changed other than
 * L is never accepted as a frame at the same start. */
static void
test_random_corruption (void)
{
  MdDlt645Address address;

  for (guint round = 0; round < 200; round++)
    {
      guint8 data[64];
      guint l = (guint) g_test_rand_int_range (0, sizeof data);
      g_autoptr(GBytes) frame = NULL;
      const guint8 *orig;
      gsize len;

      for (guint i = 0; i < 6; i++)
        address.bytes[i] = (guint8) g_test_rand_int_range (0, 256);
      for (guint i = 0; i < l; i++)
        data[i] = (guint8) g_test_rand_int_range (0, 256);
      frame = md_dlt645_build (&address, (guint8) g_test_rand_int_range (0, 256), data, l,
                               MD_DLT645_BUILD_DEFAULT, NULL);
      orig = g_bytes_get_data (frame, &len);

      for (gsize pos = 0; pos < len; pos++)
        {
          guint8 buf[MD_DLT645_FRAME_MAX];

          if (pos == 9)
            continue;
          memcpy (buf, orig, len);
          for (guint v = 1; v < 256; v++)
            {
              MdDlt645Frame f;
              gsize consumed;

              buf[pos] = (guint8) (orig[pos] + v);
              if (md_dlt645_decode (buf, len, &f, &consumed, NULL) == MD_DLT645_DECODE_OK)
                g_assert_cmpuint (f.start, !=, 0);
            }
        }
    }
}

static void
test_truncated (void)
{
  for (gsize t = 0; t < G_N_ELEMENTS (a6_frames); t++)
    {
      g_autoptr(GBytes) bytes = hex_bytes (a6_frames[t].hex);
      gsize len;
      const guint8 *buf = g_bytes_get_data (bytes, &len);
      gsize start = a6_frames[t].preamble ? 4 : 0;

      for (gsize n = 0; n < len; n++)
        {
          MdDlt645Frame f;
          gsize consumed;

          g_assert_cmpint (md_dlt645_decode (buf, n, &f, &consumed, NULL), ==,
                           MD_DLT645_DECODE_NEED_MORE);
          /* The preamble may go, the frame start must stay. */
          g_assert_cmpuint (consumed, ==, MIN (n, start));
          if (n >= start + 10)
            g_assert_cmpuint (f.size, ==, len - start);
        }
    }
}

/* Frames with noise between them come out in order, whether the bytes
 * arrive at once or one at a time. */
static void
test_stream (void)
{
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GByteArray) pending = g_byte_array_new ();
  guint n_seen = 0;

  for (gsize t = 0; t < G_N_ELEMENTS (a6_frames); t++)
    {
      g_autoptr(GBytes) bytes = hex_bytes (a6_frames[t].hex);
      gsize len;
      const guint8 *buf = g_bytes_get_data (bytes, &len);

      g_byte_array_append (wire, (const guint8 *) "\x00\x68\x16", 3);
      g_byte_array_append (wire, buf, len);
    }

  for (guint i = 0; i < wire->len; i++)
    {
      g_byte_array_append (pending, wire->data + i, 1);
      for (;;)
        {
          MdDlt645Frame f;
          gsize consumed;
          MdDlt645Decode r = md_dlt645_decode (pending->data, pending->len, &f, &consumed, NULL);

          g_byte_array_remove_range (pending, 0, (guint) consumed);
          if (r == MD_DLT645_DECODE_NEED_MORE)
            break;
          g_assert_cmpint (r, ==, MD_DLT645_DECODE_OK);
          /* The preamble went out as noise before the frame was whole. */
          g_assert_cmpuint (f.start, ==, 0);
          f.start = a6_frames[n_seen].preamble ? 4 : 0;
          assert_meaning (&a6_frames[n_seen], &f);
          n_seen++;
        }
    }
  g_assert_cmpuint (n_seen, ==, G_N_ELEMENTS (a6_frames));
}

static void
test_bcd_values (void)
{
  static const guint8 zero[4] = { 0, 0, 0, 0 };
  static const guint8 max[4] = { 0x99, 0x99, 0x99, 0x99 };
  static const guint8 energy[4] = { 0x34, 0x12, 0x00, 0x00 };
  static const guint8 volts[2] = { 0x01, 0x22 };
  static const guint8 amps[3] = { 0x34, 0x12, 0x00 };
  static const guint8 power[3] = { 0x00, 0x10, 0x00 };
  static const guint8 count[2] = { 0x23, 0x01 };
  static const guint8 nine[9] = { 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99 };
  static const guint8 minus_one[2] = { 0x01, 0x80 };
  g_autoptr(GError) error = NULL;
  gint64 v;
  guint n;

  g_assert_true (md_dlt645_decode_energy (zero, &v, &error));
  g_assert_cmpint (v, ==, 0);
  g_assert_true (md_dlt645_decode_energy (energy, &v, &error));
  g_assert_cmpint (v, ==, 12340);                       /* 12.34 kWh */
  g_assert_true (md_dlt645_decode_energy (max, &v, &error));
  g_assert_cmpint (v, ==, 999999990);                   /* 999999.99 kWh */
  g_assert_true (md_dlt645_decode_money (max, &v, &error));
  g_assert_cmpint (v, ==, 99999999);                    /* 999999.99 yuan */
  g_assert_true (md_dlt645_decode_voltage (volts, &v, &error));
  g_assert_cmpint (v, ==, 2201);                        /* 220.1 V */
  g_assert_true (md_dlt645_decode_current (amps, &v, &error));
  g_assert_cmpint (v, ==, 1234);                        /* 1.234 A */
  g_assert_true (md_dlt645_decode_power (power, &v, &error));
  g_assert_cmpint (v, ==, 1000);                        /* 0.1000 kW = 100.0 W */
  g_assert_true (md_dlt645_decode_count (count, &n, &error));
  g_assert_cmpuint (n, ==, 123);
  g_assert_true (md_dlt645_bcd_decode (nine, 9, MD_DLT645_BCD_DEFAULT, &v, &error));
  g_assert_cmpint (v, ==, G_GINT64_CONSTANT (999999999999999999));
  g_assert_no_error (error);

  /* Scaling 18 digits to 0.1 W would overflow: an error, not a wrap. */
  g_assert_false (md_dlt645_value_decode (nine, 9, 0, MD_DLT645_UNIT_DECIWATT, &v, &error));
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_RANGE);
  g_clear_error (&error);

  /* Sign bit only when the caller says so. */
  g_assert_true (md_dlt645_bcd_decode (minus_one, 2, MD_DLT645_BCD_SIGNED, &v, NULL));
  g_assert_cmpint (v, ==, -1);
  g_assert_true (md_dlt645_bcd_decode (minus_one, 2, MD_DLT645_BCD_DEFAULT, &v, NULL));
  g_assert_cmpint (v, ==, 8001);

  /* Every byte in every position: an error exactly when a nibble is A–F. */
  for (guint pos = 0; pos < 4; pos++)
    for (guint b = 0; b < 256; b++)
      {
        guint8 bytes[4] = { 0x11, 0x22, 0x33, 0x44 };
        gboolean digit = (b >> 4) <= 9 && (b & 0xF) <= 9;
        gboolean ok;

        bytes[pos] = (guint8) b;
        ok = md_dlt645_decode_money (bytes, &v, &error);
        g_assert_cmpint (ok, ==, digit);
        if (!ok)
          g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_BCD);
        g_clear_error (&error);
      }
}

static void
test_bcd_encode (void)
{
  g_autoptr(GError) error = NULL;
  guint8 out[4];
  guint8 two[2];

  g_assert_true (md_dlt645_encode_money (123456, out, &error));
  g_assert_cmpmem (out, 4, "\x56\x34\x12\x00", 4);
  g_assert_true (md_dlt645_encode_money (0, out, &error));
  g_assert_cmpmem (out, 4, "\x00\x00\x00\x00", 4);
  g_assert_true (md_dlt645_encode_money (99999999, out, &error));
  g_assert_cmpmem (out, 4, "\x99\x99\x99\x99", 4);
  g_assert_true (md_dlt645_encode_energy (12340, out, &error));
  g_assert_cmpmem (out, 4, "\x34\x12\x00\x00", 4);
  g_assert_no_error (error);

  g_assert_false (md_dlt645_encode_money (100000000, out, &error));
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_RANGE);
  g_clear_error (&error);
  g_assert_false (md_dlt645_encode_money (-1, out, &error));
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_RANGE);
  g_clear_error (&error);
  /* 12.345 kWh does not fit XXXXXX.XX: refused, never rounded. */
  g_assert_false (md_dlt645_encode_energy (12345, out, &error));
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_PRECISION);
  g_clear_error (&error);

  g_assert_true (md_dlt645_bcd_encode (-1, MD_DLT645_BCD_SIGNED, two, 2, &error));
  g_assert_cmpmem (two, 2, "\x01\x80", 2);
  g_assert_true (md_dlt645_bcd_encode (7999, MD_DLT645_BCD_SIGNED, two, 2, &error));
  g_assert_false (md_dlt645_bcd_encode (8000, MD_DLT645_BCD_SIGNED, two, 2, &error));
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_RANGE);
  g_clear_error (&error);
  g_assert_false (md_dlt645_bcd_encode (G_MININT64, MD_DLT645_BCD_SIGNED, two, 2, &error));
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_RANGE);
  g_clear_error (&error);

  for (guint i = 0; i < 1000; i++)
    {
      gint64 fen = g_test_rand_int_range (0, 100000000), back;

      g_assert_true (md_dlt645_encode_money (fen, out, NULL));
      g_assert_true (md_dlt645_decode_money (out, &back, NULL));
      g_assert_cmpint (back, ==, fen);
    }
}

static void
test_status3 (void)
{
  static const guint8 bytes[2] = { 0x50, 0x12 };   /* 1250H */
  static const guint8 clear[2] = { 0x00, 0x00 };
  MdDlt645Status3 s;

  md_dlt645_decode_status3 (bytes, &s);
  g_assert_cmphex (s.raw, ==, 0x1250);
  g_assert_true (s.relay_open);
  g_assert_true (s.relay_command_trip);
  g_assert_false (s.pre_trip_alarm);
  g_assert_cmpint (s.meter_type, ==, MD_DLT645_METER_TYPE_MONEY_PREPAID);
  g_assert_true (s.keep_power);
  g_assert_false (s.local_account_open);
  g_assert_cmpuint (s.supply, ==, 0);

  md_dlt645_decode_status3 (clear, &s);
  g_assert_false (s.relay_open);
  g_assert_false (s.keep_power);
  g_assert_cmpint (s.meter_type, ==, MD_DLT645_METER_TYPE_NOT_PREPAID);
}

static void
test_data_ids (void)
{
  static const guint32 unverified[] = { 0x04001003, 0x04001004, 0x04001005, 0x00900202 };
  gsize n;
  const MdDlt645DataId *ids = md_dlt645_data_ids (&n);

  g_assert_cmpuint (n, >, 30);
  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (md_dlt645_data_id_lookup (ids[i].di) == &ids[i]);
      g_assert_cmpuint (ids[i].count, >=, 1);
      g_assert_cmpuint (ids[i].length % ids[i].count, ==, 0);
      g_assert_cmpuint (ids[i].decimals, <=, md_dlt645_unit_decimals (ids[i].unit));
      g_assert_cmpstr (md_dlt645_data_id_name (&ids[i]), !=, "");
      if (ids[i].format == MD_DLT645_FORMAT_BCD)
        g_assert_cmpuint (ids[i].length / ids[i].count, <=, 9);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (unverified); i++)
    g_assert_null (md_dlt645_data_id_lookup (unverified[i]));
  g_assert_cmpint (md_dlt645_data_id_lookup (MD_DLT645_DI_REMAINING_AMOUNT)->unit, ==,
                   MD_DLT645_UNIT_FEN);
  g_assert_cmpint (md_dlt645_data_id_lookup (MD_DLT645_DI_PURCHASE_COUNT)->length, ==, 2);
}

static void
test_address (void)
{
  g_autoptr(GError) error = NULL;
  MdDlt645Address a;
  char text[13];
  static const char * const bad[] = { "", "20241111000", "2024111100021", "20241111000A",
                                      "20241111 002", "AAAAAAAAAAA9" };

  g_assert_true (md_dlt645_address_parse ("202411110002", &a, &error));
  g_assert_cmpmem (a.bytes, 6, "\x02\x00\x11\x11\x24\x20", 6);
  md_dlt645_address_format (&a, text);
  g_assert_cmpstr (text, ==, "202411110002");
  g_assert_true (md_dlt645_address_is_bcd (&a));

  g_assert_true (md_dlt645_address_parse ("aaaaaaaaaaaa", &a, &error));
  g_assert_cmpmem (a.bytes, 6, md_dlt645_address_wildcard.bytes, 6);
  g_assert_false (md_dlt645_address_is_bcd (&a));
  md_dlt645_address_format (&md_dlt645_address_broadcast, text);
  g_assert_cmpstr (text, ==, "999999999999");
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (md_dlt645_address_parse (bad[i], &a, &error));
      g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_ADDRESS);
      g_clear_error (&error);
    }
}

static void
decode_one (GBytes        *bytes,
            MdDlt645Frame *f)
{
  gsize len, consumed;
  const guint8 *buf = g_bytes_get_data (bytes, &len);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (md_dlt645_decode (buf, len, f, &consumed, &error), ==, MD_DLT645_DECODE_OK);
  g_assert_no_error (error);
  g_assert_cmpuint (consumed, ==, len);
}

static void
test_builders (void)
{
  MdDlt645Address address = meter_address ();
  static const guint8 params[2] = { 0x01, 0x02 };
  static const guint8 now[4] = { 0x99, 0x99, 0x99, 0x99 };
  g_autoptr(GError) error = NULL;
  guint8 big[256] = { 0 };
  guint8 value[4];
  MdDlt645Auth auth;
  MdDlt645Frame f;
  GBytes *b;

  b = md_dlt645_build_read (&address, 0x04000503, params, 2, MD_DLT645_BUILD_DEFAULT, &error);
  decode_one (b, &f);
  g_assert_cmpmem (f.data, f.length, "\x03\x05\x00\x04\x01\x02", 6);
  g_bytes_unref (b);

  b = md_dlt645_build_read_follow_up (&address, 0x04000503, 2, MD_DLT645_BUILD_DEFAULT);
  decode_one (b, &f);
  g_assert_cmpuint (f.function, ==, MD_DLT645_FN_READ_FOLLOW_UP);
  g_assert_cmpmem (f.data, f.length, "\x03\x05\x00\x04\x02", 5);
  g_bytes_unref (b);

  g_assert_true (md_dlt645_auth_parse (0x02, "123456", "12345678", &auth, &error));
  g_assert_true (md_dlt645_encode_money (5000, value, &error));
  b = md_dlt645_build_write (&address, MD_DLT645_DI_ALARM_AMOUNT_1, &auth, value, 4,
                             MD_DLT645_BUILD_PREAMBLE, &error);
  decode_one (b, &f);
  g_assert_cmpuint (f.start, ==, 4);
  g_assert_cmpuint (f.control, ==, 0x14);
  g_assert_cmpmem (f.data, f.length,
                   "\x01\x10\x00\x04" "\x02\x56\x34\x12" "\x78\x56\x34\x12" "\x00\x50\x00\x00", 16);
  g_bytes_unref (b);

  b = md_dlt645_build_freeze (&md_dlt645_address_broadcast, now, MD_DLT645_BUILD_DEFAULT);
  decode_one (b, &f);
  g_assert_cmpuint (f.control, ==, 0x16);
  g_assert_cmpmem (f.data, f.length, now, 4);
  g_bytes_unref (b);

  b = md_dlt645_build_change_baud (&address, MD_DLT645_BAUD_9600, MD_DLT645_BUILD_DEFAULT);
  decode_one (b, &f);
  g_assert_cmpmem (f.data, f.length, "\x20", 1);
  g_bytes_unref (b);

  b = md_dlt645_build_control (&address, &auth, MD_DLT645_CONTROL_TRIP_RESUME_1D, 12,
                               &a6_deadline, MD_DLT645_BUILD_DEFAULT, &error);
  decode_one (b, &f);
  g_assert_cmpuint (f.data[8], ==, 0x1D);
  g_assert_cmpuint (f.data[9], ==, 12);
  g_bytes_unref (b);
  g_assert_no_error (error);

  /* L is one byte. */
  b = md_dlt645_build (&address, 0x11, big, 255, MD_DLT645_BUILD_DEFAULT, &error);
  g_assert_cmpuint (g_bytes_get_size (b), ==, 255 + 12);
  g_bytes_unref (b);
  g_assert_null (md_dlt645_build (&address, 0x11, big, 256, MD_DLT645_BUILD_DEFAULT, &error));
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_TOO_LONG);
  g_clear_error (&error);
  g_assert_null (md_dlt645_build_read (&address, 0, big, 252, MD_DLT645_BUILD_DEFAULT, &error));
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_TOO_LONG);
  g_clear_error (&error);
  g_assert_null (md_dlt645_build_write (&address, 0, &auth, big, 244, 0, &error));
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_TOO_LONG);
  g_clear_error (&error);

  for (guint i = 0; i < 4; i++)
    {
      MdDlt645DateTime t = a6_time;

      if (i == 0) t.month = 13;
      if (i == 1) t.year = 1999;
      if (i == 2) t.year = 2100;
      if (i == 3) t.second = 60;
      g_assert_null (md_dlt645_build_broadcast_time (&t, 0, &error));
      g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_RANGE);
      g_clear_error (&error);
    }

  /* A wrong password is refused without being repeated back. */
  g_assert_false (md_dlt645_auth_parse (0x02, "98765", "00000000", &auth, &error));
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_RANGE);
  g_assert_null (strstr (error->message, "98765"));
  g_clear_error (&error);
}

static MdDlt645Decode
decode_built (guint8          control,
              const char     *data,
              gsize           len,
              MdDlt645Frame  *f,
              GError        **error)
{
  MdDlt645Address address = meter_address ();
  g_autoptr(GBytes) b = md_dlt645_build (&address, control, (const guint8 *) data, len, 0, NULL);
  gsize n, consumed;
  const guint8 *buf = g_bytes_get_data (b, &n);
  MdDlt645Decode r = md_dlt645_decode (buf, n, f, &consumed, error);

  /* A frame that checks out is consumed whole, whatever its contents. */
  if (r != MD_DLT645_DECODE_NEED_MORE)
    g_assert_cmpuint (consumed, ==, n);
  return r;
}

static void
test_reply_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *w1 = NULL, *w2 = NULL, *w3 = NULL, *w4 = NULL, *w5 = NULL;
  MdDlt645Frame f;

  g_assert_cmpint (decode_built (0xDC, "\x10\x00", 2, &f, &error), ==, MD_DLT645_DECODE_OK);
  g_assert_cmpint (f.reply_error, ==, MD_DLT645_REPLY_ERROR_CONTROL);
  g_assert_cmphex (f.error_code, ==, 0x0010);
  w1 = md_dlt645_control_error_describe (f.error_code);
  g_assert_cmpstr (w1, ==, "execution time invalid");

  g_assert_cmpint (decode_built (0xC3, "\x02\x01", 2, &f, &error), ==, MD_DLT645_DECODE_OK);
  g_assert_cmpint (f.reply_error, ==, MD_DLT645_REPLY_ERROR_SECURITY);
  g_assert_cmphex (f.error_code, ==, 0x0102);
  w2 = md_dlt645_security_error_describe (f.error_code);
  g_assert_cmpstr (w2, ==, "repeated recharge, meter suspended");

  /* 3JL answers a refused plaintext control with DCH and a 1-byte ERR. */
  g_assert_cmpint (decode_built (0xDC, "\x04", 1, &f, &error), ==, MD_DLT645_DECODE_OK);
  g_assert_cmpint (f.reply_error, ==, MD_DLT645_REPLY_ERROR_ERR);
  g_assert_cmphex (f.error_code, ==, MD_DLT645_ERR_PASSWORD);

  g_assert_cmpint (decode_built (0x9C, "\x04\x00", 2, &f, &error), ==, MD_DLT645_DECODE_OK);
  g_assert_true (f.has_exec_info);
  w3 = md_dlt645_exec_info_describe (f.exec_info);
  g_assert_cmpstr (w3, ==, "direct trip");

  g_assert_cmpint (decode_built (0xD1, "\x82", 1, &f, &error), ==, MD_DLT645_DECODE_OK);
  w4 = md_dlt645_err_describe ((guint8) f.error_code);
  g_assert_cmpstr (w4, ==, "no requested data, bit 7 (not described)");
  w5 = md_dlt645_err_describe (0);
  g_assert_cmpstr (w5, ==, "none");
  g_assert_no_error (error);

  g_assert_cmpint (decode_built (0xD1, "\x02\x00", 2, &f, &error), ==, MD_DLT645_DECODE_BAD);
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_cmpint (decode_built (0xD1, NULL, 0, &f, &error), ==, MD_DLT645_DECODE_BAD);
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_cmpint (decode_built (0x9C, "\x01", 1, &f, &error), ==, MD_DLT645_DECODE_BAD);
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_MALFORMED);
  g_clear_error (&error);
}

static void
test_bad_frames (void)
{
  g_autoptr(GBytes) bytes = hex_bytes (a6_frames[5].hex);   /* with preamble */
  g_autoptr(GError) error = NULL;
  guint8 buf[64];
  gsize len, consumed;
  MdDlt645Frame f;

  len = g_bytes_get_size (bytes);
  g_assert_cmpuint (len, <=, sizeof buf);
  memcpy (buf, g_bytes_get_data (bytes, NULL), len);
  buf[len - 2] ^= 0x01;
  g_assert_cmpint (md_dlt645_decode (buf, len, &f, &consumed, &error), ==, MD_DLT645_DECODE_BAD);
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_CHECKSUM);
  g_assert_cmpuint (consumed, ==, 5);   /* through the bad frame's first 68 */
  g_assert_cmpuint (f.checksum_expected, ==, 0xAB);
  g_clear_error (&error);

  buf[len - 2] ^= 0x01;
  buf[len - 1] = 0x17;
  g_assert_cmpint (md_dlt645_decode (buf, len, &f, &consumed, &error), ==, MD_DLT645_DECODE_BAD);
  g_assert_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_END);
  g_clear_error (&error);

  /* Nothing but noise: all of it may go. */
  g_assert_cmpint (md_dlt645_decode ((const guint8 *) "\xFE\xFE\x00\x16", 4, &f, &consumed, &error),
                   ==, MD_DLT645_DECODE_NEED_MORE);
  g_assert_cmpuint (consumed, ==, 4);
  g_assert_cmpint (md_dlt645_decode (buf, 0, &f, &consumed, &error), ==,
                   MD_DLT645_DECODE_NEED_MORE);
  g_assert_cmpuint (consumed, ==, 0);
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/meterdesk/meters/dlt645/a6-encode", test_a6_encode);
  g_test_add_func ("/meterdesk/meters/dlt645/a6-decode", test_a6_decode);
  g_test_add_func ("/meterdesk/meters/dlt645/preamble", test_preamble);
  g_test_add_func ("/meterdesk/meters/dlt645/single-byte-corruption", test_single_byte_corruption);
  g_test_add_func ("/meterdesk/meters/dlt645/random-corruption", test_random_corruption);
  g_test_add_func ("/meterdesk/meters/dlt645/truncated", test_truncated);
  g_test_add_func ("/meterdesk/meters/dlt645/stream", test_stream);
  g_test_add_func ("/meterdesk/meters/dlt645/bad-frames", test_bad_frames);
  g_test_add_func ("/meterdesk/meters/dlt645/reply-errors", test_reply_errors);
  g_test_add_func ("/meterdesk/meters/dlt645/builders", test_builders);
  g_test_add_func ("/meterdesk/meters/dlt645/address", test_address);
  g_test_add_func ("/meterdesk/meters/dlt645/bcd-values", test_bcd_values);
  g_test_add_func ("/meterdesk/meters/dlt645/bcd-encode", test_bcd_encode);
  g_test_add_func ("/meterdesk/meters/dlt645/status3", test_status3);
  g_test_add_func ("/meterdesk/meters/dlt645/data-ids", test_data_ids);

  return g_test_run ();
}
