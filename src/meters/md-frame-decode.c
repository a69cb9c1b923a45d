/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-frame-decode.h"
#include "md-validate.h"
#include "md-frame-decode-private.h"

#include "md-modbus-frame.h"

G_DEFINE_QUARK (md-frame-decode-error-quark, md_frame_decode_error)

static gboolean
is_separator (char c)
{
  return g_ascii_isspace (c) || c == ',' || c == ':';
}

static void
field_free (gpointer data)
{
  MdFrameField *field = data;

  g_free (field->key);
  g_free (field->label);
  g_free (field->text);
  g_clear_pointer (&field->json, json_node_unref);
  g_free (field);
}

/* Takes @text and @json. */
void
_md_frame_add_field (MdFrameDecodeResult *r,
                     const char          *key,
                     const char          *label,
                     char                *text,
                     JsonNode            *json)
{
  MdFrameField *field = g_new0 (MdFrameField, 1);

  field->key = g_strdup (key);
  field->label = g_strdup (label);
  field->text = text;
  field->json = json;
  json_node_seal (json);
  g_ptr_array_add (r->fields, field);
}

void
_md_frame_add_string (MdFrameDecodeResult *r,
                      const char          *key,
                      const char          *label,
                      const char          *text)
{
  _md_frame_add_field (r, key, label, g_strdup (text),
                       json_node_init_string (json_node_alloc (), text));
}

void
_md_frame_add_int (MdFrameDecodeResult *r,
                   const char          *key,
                   const char          *label,
                   gint64               value)
{
  _md_frame_add_field (r, key, label, g_strdup_printf ("%" G_GINT64_FORMAT, value),
                       json_node_init_int (json_node_alloc (), value));
}

char *
_md_frame_hex_string (const guint8 *bytes,
                      gsize         len)
{
  static const char digits[] = "0123456789ABCDEF";
  char *out = g_malloc (len ? len * 3 : 1);
  char *p = out;

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0)
        *p++ = ' ';
      *p++ = digits[bytes[i] >> 4];
      *p++ = digits[bytes[i] & 0x0F];
    }
  *p = '\0';
  return out;
}

void
_md_frame_add_hex (MdFrameDecodeResult *r,
                   const char          *key,
                   const char          *label,
                   const guint8        *bytes,
                   gsize                len)
{
  g_autofree char *hex = _md_frame_hex_string (bytes, len);

  _md_frame_add_string (r, key, label, hex);
}

/* The checksum verdict: "ok" or "bad (expected XX)". */
void
_md_frame_add_check (MdFrameDecodeResult *r,
                     const char          *key,
                     const char          *label,
                     const char          *received,
                     const char          *expected)
{
  gboolean ok = g_str_equal (received, expected);
  JsonObject *o = json_object_new ();
  char *text = ok ? g_strdup (_("ok")) : g_strdup_printf (_("bad (expected %s)"), expected);

  json_object_set_boolean_member (o, "ok", ok);
  json_object_set_string_member (o, "received", received);
  json_object_set_string_member (o, "expected", expected);
  _md_frame_add_field (r, key, label, text, _md_frame_object_node (o));
}

/* JSON values are built directly, not with a JsonBuilder: a GObject per
 * field made the fuzzers several times slower. */
JsonNode *
_md_frame_object_node (JsonObject *object)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_unref (object);
  return node;
}

JsonNode *
_md_frame_array_node (JsonArray *array)
{
  JsonNode *node = json_node_init_array (json_node_alloc (), array);

  json_array_unref (array);
  return node;
}

MdFrameDecodeResult *
_md_frame_result_new (MdFrameProtocol protocol)
{
  MdFrameDecodeResult *r = g_new0 (MdFrameDecodeResult, 1);

  r->protocol = protocol;
  r->fields = g_ptr_array_new_with_free_func (field_free);
  return r;
}

static MdFrameDecodeResult *
decode_modbus (const guint8  *bytes,
               gsize          len,
               GError       **error)
{
  MdModbusFrame f;
  g_autoptr(GError) local_error = NULL;
  MdFrameDecodeResult *r;
  gboolean ok = md_modbus_frame_decode (bytes, len, &f, &local_error);
  const char *name;
  char crc[6], crc_expected[6];

  if (!ok && !g_error_matches (local_error, MD_MODBUS_ERROR, MD_MODBUS_ERROR_CRC))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  r = _md_frame_result_new (MD_FRAME_PROTOCOL_MODBUS_RTU);
  r->frame = g_bytes_new (bytes, len);
  r->valid = ok;
  _md_frame_add_int (r, "unit", _("Unit id"), f.unit);
  name = md_modbus_function_name (f.function);
  _md_frame_add_field (r, "function", _("Function"),
                       g_strdup_printf ("%02XH: %s", bytes[1], name ? name : _("not described")),
                       json_node_init_int (json_node_alloc (), f.function));

  if (!ok)
    /* Damaged bytes: show them, do not read meaning into them. */
    _md_frame_add_hex (r, "pdu", _("Bytes after the function code"), bytes + 2, len - 4);
  else
    {
      const char *kinds[] = {
        [MD_MODBUS_FRAME_REQUEST] = N_("request"),
        [MD_MODBUS_FRAME_REPLY] = N_("reply"),
        [MD_MODBUS_FRAME_EXCEPTION] = N_("exception reply"),
        [MD_MODBUS_FRAME_AMBIGUOUS] = N_("request or reply (the length fits both)"),
      };
      const char *keys[] = { "request", "reply", "exception", "ambiguous" };
      gboolean request = f.kind == MD_MODBUS_FRAME_REQUEST || f.kind == MD_MODBUS_FRAME_AMBIGUOUS;
      gboolean reply = f.kind == MD_MODBUS_FRAME_REPLY || f.kind == MD_MODBUS_FRAME_AMBIGUOUS;
      gboolean is_read = f.function <= MD_MODBUS_FC_READ_INPUT_REGISTERS;
      gboolean is_single = f.function == MD_MODBUS_FC_WRITE_SINGLE_COIL ||
                           f.function == MD_MODBUS_FC_WRITE_SINGLE_REGISTER;
      gboolean registers = f.function == MD_MODBUS_FC_READ_HOLDING_REGISTERS ||
                           f.function == MD_MODBUS_FC_READ_INPUT_REGISTERS ||
                           f.function == MD_MODBUS_FC_WRITE_MULTIPLE_REGISTERS;

      _md_frame_add_field (r, "kind", _("Kind"), g_strdup (_(kinds[f.kind])),
                           json_node_init_string (json_node_alloc (), keys[f.kind]));
      if (f.kind == MD_MODBUS_FRAME_EXCEPTION)
        {
          const char *ex = md_modbus_exception_name (f.exception);

          if (ex == NULL)
            ex = _("not defined");
          _md_frame_add_field (r, "exception", _("Exception"),
                               g_strdup_printf ("%02XH: %s", f.exception, ex),
                               json_node_init_int (json_node_alloc (), f.exception));
        }
      else
        {
          if ((request && (is_read || !is_single)) || (reply && !is_read && !is_single))
            {
              _md_frame_add_int (r, "address", _("Start address"), f.address);
              _md_frame_add_int (r, "quantity", _("Quantity"), f.quantity);
            }
          if (is_single)
            {
              _md_frame_add_int (r, "address", _("Address"), f.address);
              _md_frame_add_int (r, "value", _("Value"), f.value);
            }
          if (f.byte_count > 0 && ((reply && is_read) || (request && !is_read)))
            {
              _md_frame_add_int (r, "byte_count", _("Byte count"), f.byte_count);
              if (registers)
                {
                  JsonArray *a = json_array_new ();
                  GString *text = g_string_new (NULL);

                  for (guint i = 0; i + 1 < f.byte_count; i += 2)
                    {
                      guint w = (f.data[i] << 8) | f.data[i + 1];

                      g_string_append_printf (text, "%s%04XH", i ? " " : "", w);
                      json_array_add_int_element (a, w);
                    }
                  _md_frame_add_field (r, "registers", _("Registers"), g_string_free (text, FALSE),
                                       _md_frame_array_node (a));
                }
              else
                _md_frame_add_hex (r, "bits", _("Bits (bytes, LSB first)"), f.data, f.byte_count);
            }
        }
    }

  g_snprintf (crc, sizeof crc, "%02X %02X", f.crc & 0xFF, f.crc >> 8);
  g_snprintf (crc_expected, sizeof crc_expected, "%02X %02X",
              f.crc_expected & 0xFF, f.crc_expected >> 8);
  _md_frame_add_check (r, "crc", _("CRC"), crc, crc_expected);
  return r;
}

/**
 * md_frame_protocol_from_string:
 * @name: "dlt645" or "modbus-rtu"
 * @out_protocol: (out): the protocol
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @name is a known protocol
 */
gboolean
md_frame_protocol_from_string (const char       *name,
                               MdFrameProtocol  *out_protocol,
                               GError          **error)
{
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (out_protocol != NULL, FALSE);

  if (g_str_equal (name, "dlt645"))
    *out_protocol = MD_FRAME_PROTOCOL_DLT645;
  else if (g_str_equal (name, "modbus-rtu"))
    *out_protocol = MD_FRAME_PROTOCOL_MODBUS_RTU;
  else
    {
      g_autofree char *shown = g_utf8_make_valid (name, MIN (strlen (name), 32));

      g_set_error (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_PROTOCOL,
                   _("Unknown protocol “%s”: use dlt645 or modbus-rtu"), shown);
      return FALSE;
    }
  return TRUE;
}

/**
 * md_frame_protocol_to_string:
 * @protocol: a protocol
 *
 * Returns: its name on the command line and in JSON: "dlt645" or "modbus-rtu"
 */
const char *
md_frame_protocol_to_string (MdFrameProtocol protocol)
{
  return protocol == MD_FRAME_PROTOCOL_DLT645 ? "dlt645" : "modbus-rtu";
}

/**
 * md_frame_parse_hex:
 * @hex: hex digits: with or without blanks (commas and colons also
 *   separate), any case, each group optionally prefixed "0x"
 * @error: return location for a #GError
 *
 * "68 AA aa", "68AAAA", "0x68 0xAA,0xaa" are the same three bytes. A group
 * with an odd number of digits or a character that is not hex is an error.
 *
 * Returns: (transfer full): the bytes, or %NULL
 */
GBytes *
md_frame_parse_hex (const char  *hex,
                    GError     **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  const char *p = hex;

  g_return_val_if_fail (hex != NULL, NULL);

  while (*p)
    {
      const char *group;
      gboolean prefixed = FALSE;
      gsize digits = 0;

      if (is_separator (*p))
        {
          p++;
          continue;
        }
      if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        {
          prefixed = TRUE;
          p += 2;
        }
      group = p;
      for (; g_ascii_isxdigit (*p); p++, digits++)
        {
          guint8 b;

          if (digits % 2 == 0)
            continue;
          if (out->len >= MD_FRAME_HEX_MAX)
            {
              g_set_error (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_TOO_LONG,
                           _("More than %d bytes of hex"), MD_FRAME_HEX_MAX);
              return NULL;
            }
          b = (guint8) ((g_ascii_xdigit_value (p[-1]) << 4) | g_ascii_xdigit_value (p[0]));
          g_byte_array_append (out, &b, 1);
        }
      if (*p != '\0' && !is_separator (*p))
        {
          gunichar c = g_utf8_get_char_validated (p, -1);
          char shown[8] = { 0 };
          glong at = g_utf8_validate (hex, p - hex, NULL) ? g_utf8_strlen (hex, p - hex)
                                                          : (glong) (p - hex);

          if (c == (gunichar) -1 || c == (gunichar) -2 || c < 0x20 || c == 0x7F)
            g_snprintf (shown, sizeof shown, "\\x%02X", (guint8) *p);
          else
            g_unichar_to_utf8 (c, shown);
          g_set_error (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_HEX,
                       _("“%s” at character %ld is not a hex digit"), shown, at + 1);
          return NULL;
        }
      if (prefixed && digits == 0)
        {
          g_set_error_literal (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_HEX,
                               _("“0x” is not followed by hex digits"));
          return NULL;
        }
      if (digits % 2 == 1)
        {
          g_set_error (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_HEX,
                       _("“%.*s” has an odd number of hex digits"),
                       (int) MIN (p - group, 16), group);
          return NULL;
        }
    }

  if (out->len == 0)
    {
      g_set_error_literal (error, MD_FRAME_DECODE_ERROR, MD_FRAME_DECODE_ERROR_EMPTY,
                           _("No bytes given"));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/**
 * md_frame_decode_bytes:
 * @protocol: the protocol
 * @bytes: (array length=len): the captured bytes
 * @len: their number
 * @error: return location for a #GError
 *
 * DL/T 645: the first frame in @bytes, after any preamble or noise.
 * Modbus RTU: @bytes are exactly one frame. A bad checksum or CRC still
 * gives a result, with `valid` unset and the verdict in its fields.
 *
 * Returns: (transfer full): the result, or %NULL if no frame can be read
 */
MdFrameDecodeResult *
md_frame_decode_bytes (MdFrameProtocol   protocol,
                       const guint8     *bytes,
                       gsize             len,
                       GError          **error)
{
  g_return_val_if_fail (bytes != NULL || len == 0, NULL);

  if (protocol == MD_FRAME_PROTOCOL_DLT645)
    return _md_frame_decode_dlt645 (bytes, len, error);
  return decode_modbus (bytes, len, error);
}

/**
 * md_frame_decode:
 * @protocol: the protocol
 * @hex: the captured bytes as hex (see md_frame_parse_hex())
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the result, or %NULL
 */
MdFrameDecodeResult *
md_frame_decode (MdFrameProtocol   protocol,
                 const char       *hex,
                 GError          **error)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (hex != NULL, NULL);

  if (!(bytes = md_frame_parse_hex (hex, error)))
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  return md_frame_decode_bytes (protocol, data, len, error);
}

/**
 * md_frame_decode_result_free:
 * @result: (nullable): a result
 *
 * Frees @result and its fields.
 */
void
md_frame_decode_result_free (MdFrameDecodeResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->frame, g_bytes_unref);
  g_clear_pointer (&result->fields, g_ptr_array_unref);
  g_free (result);
}

/**
 * md_frame_decode_result_lookup:
 * @result: a result
 * @key: a field key ("address", "di", "value", "checksum"…)
 *
 * Returns: (nullable) (transfer none): the first field with @key
 */
const MdFrameField *
md_frame_decode_result_lookup (const MdFrameDecodeResult *result,
                               const char                *key)
{
  g_return_val_if_fail (result != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  for (guint i = 0; i < result->fields->len; i++)
    {
      const MdFrameField *field = g_ptr_array_index (result->fields, i);

      if (g_str_equal (field->key, key))
        return field;
    }
  return NULL;
}

/**
 * md_frame_decode_result_to_text:
 * @result: a result
 *
 * Returns: (transfer full): one "Label: value" line per field, labels aligned
 */
char *
md_frame_decode_result_to_text (const MdFrameDecodeResult *result)
{
  GString *s = g_string_new (NULL);
  g_autofree char *frame = NULL;
  glong width = 0;
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (result != NULL, NULL);

  data = g_bytes_get_data (result->frame, &len);
  frame = _md_frame_hex_string (data, len);
  for (guint i = 0; i < result->fields->len; i++)
    {
      const MdFrameField *field = g_ptr_array_index (result->fields, i);

      width = MAX (width, md_text_display_width (field->label));
    }
  width = MAX (width, md_text_display_width (_("Frame")));
  width = MAX (width, md_text_display_width (_("Skipped")));

  g_string_append_printf (s, "%s:%*s %s\n", _("Frame"),
                          (int) (width - md_text_display_width (_("Frame"))), "", frame);
  if (result->skipped > 0)
    {
      g_autofree char *skipped =
        g_strdup_printf (ngettext ("%lu byte before the frame (preamble or noise)",
                                   "%lu bytes before the frame (preamble or noise)",
                                   result->skipped), (gulong) result->skipped);

      g_string_append_printf (s, "%s:%*s %s\n", _("Skipped"),
                              (int) (width - md_text_display_width (_("Skipped"))), "", skipped);
    }
  for (guint i = 0; i < result->fields->len; i++)
    {
      const MdFrameField *field = g_ptr_array_index (result->fields, i);

      g_string_append_printf (s, "%s:%*s %s\n", field->label,
                              (int) (width - md_text_display_width (field->label)), "", field->text);
    }
  return g_string_free (s, FALSE);
}

/**
 * md_frame_decode_result_to_json:
 * @result: a result
 *
 * `{"protocol", "frame", "skipped", "valid", "fields": {key: value…}}`.
 *
 * Returns: (transfer full): a JSON object; the values inside are shared
 *   with @result and sealed
 */
JsonNode *
md_frame_decode_result_to_json (const MdFrameDecodeResult *result)
{
  g_autofree char *frame = NULL;
  JsonObject *root, *fields;
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (result != NULL, NULL);

  data = g_bytes_get_data (result->frame, &len);
  frame = _md_frame_hex_string (data, len);
  root = json_object_new ();
  json_object_set_string_member (root, "protocol", md_frame_protocol_to_string (result->protocol));
  json_object_set_string_member (root, "frame", frame);
  json_object_set_int_member (root, "skipped", (gint64) result->skipped);
  json_object_set_boolean_member (root, "valid", result->valid);
  fields = json_object_new ();
  for (guint i = 0; i < result->fields->len; i++)
    {
      const MdFrameField *field = g_ptr_array_index (result->fields, i);

      /* Sealed when added: sharing is safe and saves a deep copy. */
      json_object_set_member (fields, field->key, json_node_ref (field->json));
    }
  json_object_set_object_member (root, "fields", fields);
  return _md_frame_object_node (root);
}
