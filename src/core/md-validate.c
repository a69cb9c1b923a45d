/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-validate.h"

G_DEFINE_QUARK (md-input-error-quark, md_input_error)

/**
 * md_input_quote:
 *
 * Returns: (transfer full): @value made safe to show in a one-line message:
 *   valid UTF-8, no control characters, at most 40 characters
 */
char *
md_input_quote (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value != NULL ? value : "", -1);
  GString *out = g_string_new (NULL);
  guint n = 0;

  for (const char *p = valid; *p && n < 40; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      g_string_append_unichar (out, g_unichar_iscntrl (c) ? '?' : c);
    }
  if (*valid && n == 40 && g_utf8_strlen (valid, -1) > 40)
    g_string_append (out, "…");

  return g_string_free (out, FALSE);
}

/**
 * md_text_display_width:
 *
 * Returns: the columns @text takes in a terminal: wide (CJK) characters
 *   count two, combining marks none
 */
guint
md_text_display_width (const char *text)
{
  guint width = 0;

  for (const char *p = text; p != NULL && *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

static gboolean
check_text (const char  *value,
            const char  *field,
            gboolean     required,
            guint        max_chars,
            GError     **error)
{
  if (value == NULL || *value == '\0')
    {
      if (!required)
        return TRUE;
      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_REQUIRED, _("The %s is required"), field);
      return FALSE;
    }

  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_ENCODING,
                   _("The %s is not valid UTF-8 text"), field);
      return FALSE;
    }

  if (g_utf8_strlen (value, -1) > max_chars)
    {
      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_TOO_LONG,
                   ngettext ("The %s is too long (at most %u character)",
                             "The %s is too long (at most %u characters)", max_chars),
                   field, max_chars);
      return FALSE;
    }

  for (const char *p = value; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_CHARACTERS,
                     _("The %s contains a control character"), field);
        return FALSE;
      }

  return TRUE;
}

/**
 * md_validate_text:
 * @field: what the value is, translated, as it reads in a sentence
 *
 * Free text (names, addresses): valid UTF-8, no control characters, at most
 * @max_chars characters, and present when @required.
 */
gboolean
md_validate_text (const char  *value,
                  const char  *field,
                  gboolean     required,
                  guint        max_chars,
                  GError     **error)
{
  g_return_val_if_fail (field != NULL, FALSE);

  if (!check_text (value, field, required, max_chars, error))
    return FALSE;
  if (value != NULL && *value != '\0' && g_unichar_isspace (g_utf8_get_char (value)))
    {
      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_CHARACTERS,
                   _("The %s starts with a blank"), field);
      return FALSE;
    }
  return TRUE;
}

/**
 * md_validate_code:
 *
 * Codes and identifiers (account numbers, site codes, tariff ids): 1 to
 * %MD_CODE_MAX_CHARS of ASCII letters, digits, "-", "_" and ".".
 */
gboolean
md_validate_code (const char  *value,
                  const char  *field,
                  GError     **error)
{
  g_return_val_if_fail (field != NULL, FALSE);

  if (!check_text (value, field, TRUE, MD_CODE_MAX_CHARS, error))
    return FALSE;

  for (const char *p = value; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      {
        g_autofree char *shown = md_input_quote (value);

        g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_CHARACTERS,
                     _("The %s “%s” may only contain letters, digits, “-”, “_” and “.”"),
                     field, shown);
        return FALSE;
      }
  return TRUE;
}

gboolean
md_validate_phone (const char  *value,
                   GError     **error)
{
  if (!check_text (value, _("phone number"), FALSE, 20, error))
    return FALSE;

  for (const char *p = value; p != NULL && *p; p++)
    if (!g_ascii_isdigit (*p) && *p != '+' && *p != '-' && *p != ' ')
      {
        g_autofree char *shown = md_input_quote (value);

        g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_CHARACTERS,
                     _("The phone number “%s” may only contain digits, “+”, “-” and spaces"),
                     shown);
        return FALSE;
      }
  return TRUE;
}

/**
 * md_validate_digits:
 *
 * Exactly @n_digits decimal digits, e.g. a 12-digit BCD meter address.
 */
gboolean
md_validate_digits (const char  *value,
                    const char  *field,
                    guint        n_digits,
                    GError     **error)
{
  gsize len;

  if (!check_text (value, field, TRUE, 64, error))
    return FALSE;

  len = strlen (value);
  for (const char *p = value; *p; p++)
    if (!g_ascii_isdigit (*p))
      {
        len = 0;
        break;
      }

  if (len != n_digits)
    {
      g_autofree char *shown = md_input_quote (value);

      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                   ngettext ("The %s “%s” must be exactly %u decimal digit",
                             "The %s “%s” must be exactly %u decimal digits", n_digits),
                   field, shown, n_digits);
      return FALSE;
    }
  return TRUE;
}

/**
 * md_parse_int:
 *
 * A decimal integer between @min and @max, nothing else.
 */
gboolean
md_parse_int (const char  *text,
              const char  *field,
              gint64       min,
              gint64       max,
              gint64      *out_value,
              GError     **error)
{
  g_autofree char *shown = NULL;
  gint64 value;

  g_return_val_if_fail (out_value != NULL, FALSE);

  if (!check_text (text, field, TRUE, 24, error))
    return FALSE;

  shown = md_input_quote (text);
  if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &value, NULL) ||
      g_ascii_isspace (text[0]) || text[0] == '+')
    {
      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                   _("The %s “%s” is not a whole number"), field, shown);
      return FALSE;
    }

  if (value < min || value > max)
    {
      g_autofree char *low = g_strdup_printf ("%" G_GINT64_FORMAT, min);
      g_autofree char *high = g_strdup_printf ("%" G_GINT64_FORMAT, max);

      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_RANGE,
                   _("The %s “%s” is out of range (%s to %s)"), field, shown, low, high);
      return FALSE;
    }

  *out_value = value;
  return TRUE;
}

/**
 * md_parse_time:
 * @text: "2026-12-01" (midnight), "2026-12-01 08:00" or ISO 8601
 *   "2026-12-01T08:00:00[+08:00]"
 * @zone: (nullable): the zone of a time without an offset; %NULL is local
 * @out_usec: (out): µs since the epoch
 */
gboolean
md_parse_time (const char  *text,
               GTimeZone   *zone,
               gint64      *out_usec,
               GError     **error)
{
  g_autoptr(GTimeZone) local = zone != NULL ? g_time_zone_ref (zone) : g_time_zone_new_local ();
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *shown = NULL;

  if (!check_text (text, _("date"), TRUE, 40, error))
    return FALSE;

  if (strlen (text) == 10 && text[4] == '-' && text[7] == '-')
    {
      g_autofree char *midnight = g_strconcat (text, "T00:00:00", NULL);

      dt = g_date_time_new_from_iso8601 (midnight, local);
    }
  else if (strlen (text) == 16 && text[4] == '-' && text[7] == '-' &&
           (text[10] == ' ' || text[10] == 'T') && text[13] == ':')
    {
      /* "2026-12-01 08:00": to the minute */
      g_autofree char *full = g_strconcat (text, ":00", NULL);

      dt = g_date_time_new_from_iso8601 (full, local);
    }
  else
    dt = g_date_time_new_from_iso8601 (text, local);

  if (dt == NULL)
    {
      shown = md_input_quote (text);
      g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                   _("“%s” is not a date (YYYY-MM-DD), a time (YYYY-MM-DD HH:MM) or an ISO 8601 time"), shown);
      return FALSE;
    }

  *out_usec = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  return TRUE;
}
