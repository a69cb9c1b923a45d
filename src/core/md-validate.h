/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MD_INPUT_ERROR (md_input_error_quark ())

typedef enum
{
  MD_INPUT_ERROR_REQUIRED,
  MD_INPUT_ERROR_TOO_LONG,
  MD_INPUT_ERROR_ENCODING,
  MD_INPUT_ERROR_CHARACTERS,
  MD_INPUT_ERROR_RANGE,
  MD_INPUT_ERROR_FORMAT,
} MdInputError;

#define MD_CODE_MAX_CHARS 32
#define MD_NAME_MAX_CHARS 100
#define MD_TEXT_MAX_CHARS 500

GQuark    md_input_error_quark     (void);

char     *md_input_quote           (const char   *value);
guint     md_text_display_width    (const char   *text);
gboolean  md_validate_code         (const char   *value,
                                    const char   *field,
                                    GError      **error);
gboolean  md_validate_text         (const char   *value,
                                    const char   *field,
                                    gboolean      required,
                                    guint         max_chars,
                                    GError      **error);
gboolean  md_validate_phone        (const char   *value,
                                    GError      **error);
gboolean  md_validate_digits       (const char   *value,
                                    const char   *field,
                                    guint         n_digits,
                                    GError      **error);
gboolean  md_parse_time            (const char   *text,
                                    GTimeZone    *zone,
                                    gint64       *out_usec,
                                    GError      **error);
gboolean  md_parse_int             (const char   *text,
                                    const char   *field,
                                    gint64        min,
                                    gint64        max,
                                    gint64       *out_value,
                                    GError      **error);

G_END_DECLS
