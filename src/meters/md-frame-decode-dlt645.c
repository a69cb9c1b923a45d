/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-frame-decode.h"
#include "md-frame-decode-private.h"

#include "md-dlt645.h"
#include "md-money.h"

/* DL/T 645-2007 frames read back to a person: the fields of
 * md_frame_decode() for --protocol dlt645. */

static gboolean
all_bcd (const guint8 *v,
         gsize         n)
{
  gint64 ignored;

  return md_dlt645_bcd_decode (v, n, MD_DLT645_BCD_DEFAULT, &ignored, NULL);
}

/* ss mm hh DD MM YY on the wire. */
static void
add_date_time (MdFrameDecodeResult *r,
               const char          *key,
               const char          *label,
               const guint8        *v)
{
  char *text;

  if (!all_bcd (v, 6))
    {
      _md_frame_add_hex (r, key, label, v, 6);
      return;
    }
  text = g_strdup_printf ("20%02X-%02X-%02X %02X:%02X:%02X", v[5], v[4], v[3], v[2], v[1], v[0]);
  _md_frame_add_field (r, key, label, text, json_node_init_string (json_node_alloc (), text));
}

/* Operator codes and the like: bytes least significant first, shown most
 * significant first the way a person writes them. */
static void
add_reversed (MdFrameDecodeResult *r,
              const char          *key,
              const char          *label,
              const guint8        *v,
              gsize                n)
{
  GString *s = g_string_new (NULL);

  for (gsize i = n; i-- > 0;)
    g_string_append_printf (s, "%02X", v[i]);
  _md_frame_add_string (r, key, label, s->str);
  g_string_free (s, TRUE);
}

static void
add_di (MdFrameDecodeResult *r,
        guint32              di)
{
  const MdDlt645DataId *id = md_dlt645_data_id_lookup (di);
  JsonObject *o = json_object_new ();
  g_autofree char *code = g_strdup_printf ("%08X", di);
  const char *name = id ? md_dlt645_data_id_name (id)
                        : _("not in the table of verified identifiers");

  json_object_set_string_member (o, "id", code);
  if (id)
    json_object_set_string_member (o, "name", name);
  else
    json_object_set_null_member (o, "name");
  _md_frame_add_field (r, "di", _("Data identifier"), g_strdup_printf ("%s (%s)", code, name),
                       _md_frame_object_node (o));
}

static void
add_bcd_value (MdFrameDecodeResult  *r,
               const MdDlt645DataId *id,
               const guint8         *v)
{
  JsonObject *o;
  JsonArray *values = json_array_new ();
  GString *text = g_string_new (NULL);
  gsize size = id->length / id->count;
  const char *wire_unit = md_dlt645_unit_wire_symbol (id->unit);

  for (guint i = 0; i < id->count; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *number = NULL;
      gint64 raw, value;

      if (!md_dlt645_bcd_decode (v + i * size, size, MD_DLT645_BCD_DEFAULT, &raw, &error) ||
          !md_dlt645_value_decode (v + i * size, size, id->decimals, id->unit, &value, &error))
        {
          g_autofree char *hex = _md_frame_hex_string (v, id->length);

          o = json_object_new ();
          json_object_set_string_member (o, "error", error->message);
          _md_frame_add_field (r, "value", _("Value"),
                               g_strdup_printf ("%s (%s)", hex, error->message),
                               _md_frame_object_node (o));
          g_string_free (text, TRUE);
          json_array_unref (values);
          return;
        }
      number = md_decimal_format (raw, id->decimals);
      g_string_append_printf (text, "%s%s%s%s", i ? ", " : "", number, *wire_unit ? " " : "",
                              wire_unit);
      json_array_add_int_element (values, value);
    }
  o = json_object_new ();
  if (id->count > 1)
    json_object_set_array_member (o, "values", values);
  else
    {
      json_object_set_int_member (o, "value", json_array_get_int_element (values, 0));
      json_array_unref (values);
    }
  if (id->unit != MD_DLT645_UNIT_NONE)
    json_object_set_string_member (o, "unit", md_dlt645_unit_symbol (id->unit));
  _md_frame_add_field (r, "value", _("Value"), g_string_free (text, FALSE),
                       _md_frame_object_node (o));
}

static void
add_status3 (MdFrameDecodeResult *r,
             const guint8        *v)
{
  static const char * const supplies[] = {
    N_("mains"), N_("auxiliary"), N_("battery"), N_("unknown"),
  };
  static const char * const types[] = {
    N_("not prepaid"), N_("energy prepaid"), N_("money prepaid"), N_("unknown"),
  };
  MdDlt645Status3 s;
  JsonObject *o = json_object_new ();
  GString *text = g_string_new (NULL);
  struct { const char *key; gboolean on; const char *words; } flags[] = {
    { "relay_open", FALSE, NULL },
    { "relay_command_trip", FALSE, NULL },
    { "pre_trip_alarm", FALSE, N_("pre-trip alarm") },
    { "keep_power", FALSE, N_("keep power") },
    { "ir_programming", FALSE, N_("IR programming allowed") },
    { "terminal_auth", FALSE, N_("terminal authenticated") },
    { "terminal_security_auth", FALSE, N_("terminal security authenticated") },
    { "identity_authenticated", FALSE, N_("identity authenticated") },
    { "local_account_open", FALSE, N_("local account open") },
    { "remote_account_open", FALSE, N_("remote account open") },
  };

  md_dlt645_decode_status3 (v, &s);
  flags[0].on = s.relay_open;
  flags[1].on = s.relay_command_trip;
  flags[2].on = s.pre_trip_alarm;
  flags[3].on = s.keep_power;
  flags[4].on = s.ir_programming;
  flags[5].on = s.terminal_auth;
  flags[6].on = s.terminal_security_auth;
  flags[7].on = s.identity_authenticated;
  flags[8].on = s.local_account_open;
  flags[9].on = s.remote_account_open;

  g_string_append_printf (text, "%04XH: %s, %s, %s, ", s.raw,
                          s.relay_open ? _("relay open") : _("relay closed"),
                          s.relay_command_trip ? _("command trip") : _("command close"),
                          _(types[s.meter_type]));
  g_string_append_printf (text, _("supply: %s"), _(supplies[s.supply]));
  json_object_set_int_member (o, "raw", s.raw);
  json_object_set_int_member (o, "meter_type", s.meter_type);
  json_object_set_int_member (o, "supply", s.supply);
  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    {
      json_object_set_boolean_member (o, flags[i].key, flags[i].on);
      if (flags[i].on && flags[i].words)
        g_string_append_printf (text, ", %s", _(flags[i].words));
    }
  _md_frame_add_field (r, "value", _("Value"), g_string_free (text, FALSE),
                       _md_frame_object_node (o));
}

/* A value after its DI: decoded when the table knows the DI and the length
 * matches, else shown as bytes. */
static void
add_value (MdFrameDecodeResult *r,
           guint32              di,
           const guint8        *v,
           gsize                n)
{
  const MdDlt645DataId *id = md_dlt645_data_id_lookup (di);

  if (n == 0)
    return;
  if (id == NULL || id->length != n || id->format == MD_DLT645_FORMAT_RAW)
    {
      _md_frame_add_hex (r, "value_bytes", _("Value bytes (format not verified)"), v, n);
      return;
    }

  switch (id->format)
    {
    case MD_DLT645_FORMAT_BCD:
      add_bcd_value (r, id, v);
      break;
    case MD_DLT645_FORMAT_DATE_WEEK:
      if (all_bcd (v, 4))
        {
          g_autofree char *iso = g_strdup_printf ("20%02X-%02X-%02X", v[3], v[2], v[1]);

          _md_frame_add_field (r, "value", _("Value"),
                               g_strdup_printf (_("%s, weekday %X"), iso, v[0]),
                               json_node_init_string (json_node_alloc (), iso));
        }
      else
        _md_frame_add_hex (r, "value_bytes", _("Value bytes (not BCD)"), v, n);
      break;
    case MD_DLT645_FORMAT_TIME:
      if (all_bcd (v, 3))
        {
          g_autofree char *t = g_strdup_printf ("%02X:%02X:%02X", v[2], v[1], v[0]);

          _md_frame_add_string (r, "value", _("Value"), t);
        }
      else
        _md_frame_add_hex (r, "value_bytes", _("Value bytes (not BCD)"), v, n);
      break;
    case MD_DLT645_FORMAT_ADDRESS:
      add_reversed (r, "value", _("Value"), v, n);
      break;
    case MD_DLT645_FORMAT_WORD:
      {
        JsonArray *a = json_array_new ();
        GString *text = g_string_new (NULL);

        for (gsize i = 0; i + 1 < n; i += 2)
          {
            guint w = v[i] | (v[i + 1] << 8);

            g_string_append_printf (text, "%s%04XH", i ? ", " : "", w);
            json_array_add_int_element (a, w);
          }
        _md_frame_add_field (r, "value", _("Value"), g_string_free (text, FALSE),
                             _md_frame_array_node (a));
      }
      break;
    case MD_DLT645_FORMAT_STATUS3:
      add_status3 (r, v);
      break;
    case MD_DLT645_FORMAT_RAW:
    default:
      g_assert_not_reached ();
    }
}

static void
add_control_code (MdFrameDecodeResult *r,
                  const MdDlt645Frame *f)
{
  JsonObject *o = json_object_new ();
  const char *name = md_dlt645_function_name (f->function);
  g_autofree char *unknown = g_strdup_printf (_("function %02XH (not described)"), f->function);
  const char *what;

  if (!f->from_slave)
    what = _("request, master → slave");
  else if (f->abnormal)
    what = _("error reply, slave → master");
  else if (f->follow_up)
    what = _("reply with more to follow, slave → master");
  else
    what = _("normal reply, slave → master");

  json_object_set_int_member (o, "code", f->control);
  json_object_set_int_member (o, "function", f->function);
  json_object_set_boolean_member (o, "follow_up", f->follow_up);
  json_object_set_boolean_member (o, "abnormal", f->abnormal);
  json_object_set_boolean_member (o, "from_slave", f->from_slave);
  _md_frame_add_field (r, "control", _("Control code"),
                       g_strdup_printf ("%02XH: %s, %s", f->control, name ? name : unknown, what),
                       _md_frame_object_node (o));
}

static void
add_auth (MdFrameDecodeResult *r,
          const guint8        *v)
{
  _md_frame_add_field (r, "auth_level", _("Password level (PA)"), g_strdup_printf ("%02XH", v[0]),
                       json_node_init_int (json_node_alloc (), v[0]));
  /* A decoded frame may end up in a ticket or a log: never the password. */
  _md_frame_add_field (r, "password", _("Password"), g_strdup (_("(hidden)")),
                       json_node_init_null (json_node_alloc ()));
  add_reversed (r, "operator_code", _("Operator code"), v + 4, 4);
}

static void
add_reply_error (MdFrameDecodeResult *r,
                 const MdDlt645Frame *f)
{
  g_autofree char *words = NULL;
  JsonObject *o;
  const char *kind;
  char *text;

  switch (f->reply_error)
    {
    case MD_DLT645_REPLY_ERROR_ERR:
      kind = "err";
      words = md_dlt645_err_describe ((guint8) f->error_code);
      text = g_strdup_printf ("ERR %02XH: %s", f->error_code, words);
      break;
    case MD_DLT645_REPLY_ERROR_CONTROL:
      kind = "control";
      words = md_dlt645_control_error_describe (f->error_code);
      text = g_strdup_printf ("%04XH: %s", f->error_code, words);
      break;
    case MD_DLT645_REPLY_ERROR_SECURITY:
      kind = "security";
      words = md_dlt645_security_error_describe (f->error_code);
      text = g_strdup_printf ("SERR %04XH: %s", f->error_code, words);
      break;
    case MD_DLT645_REPLY_ERROR_NONE:
    default:
      return;
    }
  o = json_object_new ();
  json_object_set_string_member (o, "kind", kind);
  json_object_set_int_member (o, "code", f->error_code);
  json_object_set_string_member (o, "text", words);
  _md_frame_add_field (r, "error", _("Error"), text, _md_frame_object_node (o));
}

static void
describe_dlt645_data (MdFrameDecodeResult *r,
                      const MdDlt645Frame *f)
{
  const guint8 *d = f->data;
  guint8 l = f->length;
  guint32 di = md_dlt645_frame_get_di (f);

  if (f->reply_error != MD_DLT645_REPLY_ERROR_NONE)
    {
      add_reply_error (r, f);
      return;
    }

  switch (f->function)
    {
    case MD_DLT645_FN_READ:
      if (l < 4)
        break;
      add_di (r, di);
      if (f->from_slave && !f->follow_up)
        add_value (r, di, d + 4, l - 4);
      else if (l > 4)
        _md_frame_add_hex (r, f->from_slave ? "value_bytes" : "params",
                           f->from_slave ? _("Value bytes (first part)") : _("Parameters"),
                           d + 4, l - 4);
      return;
    case MD_DLT645_FN_READ_FOLLOW_UP:
      if (l < 5)
        break;
      add_di (r, di);
      if (l > 5)
        _md_frame_add_hex (r, "value_bytes", _("Value bytes (part)"), d + 4, l - 5);
      _md_frame_add_int (r, "seq", _("Frame sequence number"), d[l - 1]);
      return;
    case MD_DLT645_FN_READ_ADDRESS:
    case MD_DLT645_FN_WRITE_ADDRESS:
      if (l != 6)
        break;
      add_reversed (r, "meter_address", _("Meter address"), d, 6);
      return;
    case MD_DLT645_FN_WRITE:
      if (f->from_slave || l < 12)
        break;
      add_di (r, di);
      add_auth (r, d + 4);
      add_value (r, di, d + 12, l - 12);
      return;
    case MD_DLT645_FN_CONTROL:
      if (f->has_exec_info)
        {
          g_autofree char *words = md_dlt645_exec_info_describe (f->exec_info);

          _md_frame_add_field (r, "execution", _("Execution"),
                               g_strdup_printf ("%04XH: %s", f->exec_info, words),
                               json_node_init_int (json_node_alloc (), f->exec_info));
          return;
        }
      if (f->from_slave || l != 16)
        break;
      add_auth (r, d);
      {
        const char *name = md_dlt645_control_command_name (d[8]);

        _md_frame_add_field (r, "command", _("Command (N1)"),
                             g_strdup_printf ("%02XH: %s", d[8], name ? name : _("not described")),
                             json_node_init_int (json_node_alloc (), d[8]));
      }
      _md_frame_add_int (r, "n2", _("N2"), d[9]);
      add_date_time (r, "deadline", _("Valid until"), d + 10);
      return;
    case MD_DLT645_FN_BROADCAST_TIME:
      if (l != 6)
        break;
      add_date_time (r, "time", _("Time"), d);
      return;
    case MD_DLT645_FN_CHANGE_BAUD:
      if (l != 1)
        break;
      {
        const char *rate = d[0] == MD_DLT645_BAUD_2400 ? "2400"
                           : d[0] == MD_DLT645_BAUD_4800 ? "4800"
                           : d[0] == MD_DLT645_BAUD_9600 ? "9600" : NULL;

        _md_frame_add_field (r, "baud", _("Baud rate"),
                             rate ? g_strdup_printf ("%02XH: %s Bd", d[0], rate)
                             : g_strdup_printf (_("%02XH (rate not verified)"), d[0]),
                             json_node_init_int (json_node_alloc (), d[0]));
      }
      return;
    default:
      break;
    }

  if (l > 0)
    _md_frame_add_hex (r, "data", _("Data (33H subtracted)"), d, l);
}

MdFrameDecodeResult *
_md_frame_decode_dlt645 (const guint8  *bytes,
                         gsize          len,
                         GError       **error)
{
  MdDlt645Frame frame = { 0 }, bad = { 0 };
  g_autoptr(GError) bad_error = NULL;
  gsize bad_at = 0, truncated_at = 0, truncated_size = 0, off = 0;
  gboolean found = FALSE, have_bad = FALSE, have_truncated = FALSE;
  const MdDlt645Frame *f;
  MdFrameDecodeResult *r;
  gsize at;

  /* The first frame that checks out wins; else the first broken one. A
   * start that stays incomplete is skipped like a link timeout would. */
  while (off < len && !found)
    {
      g_autoptr(GError) local_error = NULL;
      gsize consumed;

      switch (md_dlt645_decode (bytes + off, len - off, &frame, &consumed, &local_error))
        {
        case MD_DLT645_DECODE_OK:
          found = TRUE;
          frame.start += off;
          break;
        case MD_DLT645_DECODE_BAD:
          if (!have_bad)
            {
              have_bad = TRUE;
              bad = frame;
              bad_at = off + frame.start;
              bad_error = g_steal_pointer (&local_error);
            }
          off += consumed;
          break;
        case MD_DLT645_DECODE_NEED_MORE:
        default:
          if (consumed >= len - off)
            {
              off = len;
              break;
            }
          if (!have_truncated)
            {
              have_truncated = TRUE;
              truncated_at = off + consumed;
              truncated_size = frame.size;
            }
          off += consumed + 1;
          break;
        }
    }

  if (!found && !have_bad)
    {
      if (have_truncated && truncated_size > 0)
        g_set_error (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_TRUNCATED,
                     _("The frame is truncated: %lu of %lu bytes from its first 68H"),
                     (gulong) (len - truncated_at), (gulong) truncated_size);
      else if (have_truncated)
        g_set_error (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_TRUNCATED,
                     _("The frame is truncated after %lu bytes"),
                     (gulong) (len - truncated_at));
      else
        g_set_error_literal (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_NO_FRAME,
                             _("No DL/T 645 frame (68 A0…A5 68) in these bytes"));
      return NULL;
    }

  f = found ? &frame : &bad;
  at = found ? frame.start : bad_at;
  r = _md_frame_result_new (MD_FRAME_PROTOCOL_DLT645);
  r->frame = g_bytes_new (bytes + at, f->size);
  r->skipped = at;
  r->valid = found;

  {
    char address[13];
    const char *note = NULL;

    md_dlt645_address_format (&f->address, address);
    if (memcmp (&f->address, &md_dlt645_address_wildcard, sizeof f->address) == 0)
      note = _("wildcard");
    else if (memcmp (&f->address, &md_dlt645_address_broadcast, sizeof f->address) == 0)
      note = _("broadcast");
    _md_frame_add_field (r, "address", _("Address"),
                         note ? g_strdup_printf ("%s (%s)", address, note) : g_strdup (address),
                         json_node_init_string (json_node_alloc (), address));
  }
  add_control_code (r, f);
  _md_frame_add_int (r, "length", _("Data length (L)"), f->length);
  if (found || g_error_matches (bad_error, MD_DLT645_ERROR, MD_DLT645_ERROR_MALFORMED))
    describe_dlt645_data (r, f);
  else if (f->length > 0)
    _md_frame_add_hex (r, "data", _("Data (33H subtracted)"), f->data, f->length);

  {
    char received[3], expected[3];

    g_snprintf (received, sizeof received, "%02X", f->checksum);
    g_snprintf (expected, sizeof expected, "%02X", f->checksum_expected);
    _md_frame_add_check (r, "checksum", _("Checksum"), received, expected);
  }
  if (g_error_matches (bad_error, MD_DLT645_ERROR, MD_DLT645_ERROR_END))
    {
      char end[3];

      g_snprintf (end, sizeof end, "%02X", bytes[at + f->size - 1]);
      _md_frame_add_check (r, "end", _("End byte"), end, "16");
    }
  if (g_error_matches (bad_error, MD_DLT645_ERROR, MD_DLT645_ERROR_MALFORMED))
    _md_frame_add_string (r, "problem", _("Problem"), bad_error->message);
  return r;
}
