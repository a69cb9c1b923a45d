/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-frame-decode.h"

G_BEGIN_DECLS

/* Shared by the protocol halves of md_frame_decode(). The add functions
 * take @text and @json. */
MdFrameDecodeResult *_md_frame_result_new     (MdFrameProtocol      protocol);
void                 _md_frame_add_field      (MdFrameDecodeResult *r,
                                               const char          *key,
                                               const char          *label,
                                               char                *text,
                                               JsonNode            *json);
void                 _md_frame_add_string     (MdFrameDecodeResult *r,
                                               const char          *key,
                                               const char          *label,
                                               const char          *text);
void                 _md_frame_add_int        (MdFrameDecodeResult *r,
                                               const char          *key,
                                               const char          *label,
                                               gint64               value);
void                 _md_frame_add_hex        (MdFrameDecodeResult *r,
                                               const char          *key,
                                               const char          *label,
                                               const guint8        *bytes,
                                               gsize                len);
void                 _md_frame_add_check      (MdFrameDecodeResult *r,
                                               const char          *key,
                                               const char          *label,
                                               const char          *received,
                                               const char          *expected);
char                *_md_frame_hex_string     (const guint8        *bytes,
                                               gsize                len);
JsonNode            *_md_frame_object_node    (JsonObject          *object);
JsonNode            *_md_frame_array_node     (JsonArray           *array);

MdFrameDecodeResult *_md_frame_decode_dlt645  (const guint8        *bytes,
                                               gsize                len,
                                               GError             **error);

G_END_DECLS
