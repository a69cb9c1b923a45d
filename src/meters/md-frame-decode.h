/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * Field diagnostics: a captured frame, typed as hex, read back to a person
 * (`meterdesk-cli frame decode --protocol dlt645|modbus-rtu HEX [--json]`).
 */

#define MD_FRAME_HEX_MAX 4096   /* bytes accepted from one hex string */

#define MD_FRAME_DECODE_ERROR (md_frame_decode_error_quark ())

/**
 * MdFrameDecodeError:
 * @MD_FRAME_DECODE_ERROR_PROTOCOL: an unknown protocol name
 * @MD_FRAME_DECODE_ERROR_EMPTY: no bytes in the input
 * @MD_FRAME_DECODE_ERROR_HEX: a character that is not hex, or an odd
 *   number of digits
 * @MD_FRAME_DECODE_ERROR_TOO_LONG: more than %MD_FRAME_HEX_MAX bytes
 * @MD_FRAME_DECODE_ERROR_NO_FRAME: no frame start in the bytes
 * @MD_FRAME_DECODE_ERROR_TRUNCATED: a frame start, but not all of the frame
 *
 * Frames that cannot be decoded at all fail with %MD_MODBUS_ERROR codes;
 * a bad checksum or CRC is not an error but part of the result.
 */
typedef enum
{
  MD_FRAME_DECODE_ERROR_PROTOCOL,
  MD_FRAME_DECODE_ERROR_EMPTY,
  MD_FRAME_DECODE_ERROR_HEX,
  MD_FRAME_DECODE_ERROR_TOO_LONG,
  MD_FRAME_DECODE_ERROR_NO_FRAME,
  MD_FRAME_DECODE_ERROR_TRUNCATED,
} MdFrameDecodeError;

typedef enum
{
  MD_FRAME_PROTOCOL_DLT645,
  MD_FRAME_PROTOCOL_MODBUS_RTU,
} MdFrameProtocol;

/**
 * MdFrameField:
 * @key: the JSON member name: ASCII, stable across languages
 * @label: the translated label for text output
 * @text: the value as a person reads it (translated where it is words)
 * @json: the value for machines: a number in project units, a string, a
 *   bool, or an object
 */
typedef struct
{
  char     *key;
  char     *label;
  char     *text;
  JsonNode *json;
} MdFrameField;

/**
 * MdFrameDecodeResult:
 * @protocol: the protocol decoded
 * @frame: the frame's bytes, without preamble or noise
 * @skipped: input bytes before the frame (FEH preamble, noise)
 * @valid: the checksum or CRC matches and the frame is well-formed
 * @fields: (element-type MdFrameField): the decoded fields, in order
 */
typedef struct
{
  MdFrameProtocol  protocol;
  GBytes          *frame;
  gsize            skipped;
  gboolean         valid;
  GPtrArray       *fields;
} MdFrameDecodeResult;

GQuark               md_frame_decode_error_quark    (void);

gboolean             md_frame_protocol_from_string  (const char                *name,
                                                     MdFrameProtocol           *out_protocol,
                                                     GError                   **error);
const char          *md_frame_protocol_to_string    (MdFrameProtocol            protocol);
GBytes              *md_frame_parse_hex             (const char                *hex,
                                                     GError                   **error);
MdFrameDecodeResult *md_frame_decode                (MdFrameProtocol            protocol,
                                                     const char                *hex,
                                                     GError                   **error);
MdFrameDecodeResult *md_frame_decode_bytes          (MdFrameProtocol            protocol,
                                                     const guint8              *bytes,
                                                     gsize                      len,
                                                     GError                   **error);
void                 md_frame_decode_result_free    (MdFrameDecodeResult       *result);
const MdFrameField  *md_frame_decode_result_lookup  (const MdFrameDecodeResult *result,
                                                     const char                *key);
char                *md_frame_decode_result_to_text (const MdFrameDecodeResult *result);
JsonNode            *md_frame_decode_result_to_json (const MdFrameDecodeResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdFrameDecodeResult, md_frame_decode_result_free)

G_END_DECLS
