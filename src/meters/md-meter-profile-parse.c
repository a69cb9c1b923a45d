/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "md-dlt645.h"
#include "md-meter-profile-private.h"

/*
 * The profile format (docs/meters.md): INI sections and `key = value`
 * lines, `;` or `#` comments on lines of their own. Errors say
 * `file:line: reason`. Parsing is two passes: collect the lines, then apply
 * [profile] (and its base) before the sections whose syntax depends on it.
 */

#define MAX_TEXT   (256 * 1024)
#define MAX_LINE   1024
#define MAX_LINES  4096

typedef struct
{
  char  *section;
  char  *key;
  char  *value;
  guint  line;
} Entry;

typedef struct
{
  const char          *name;
  MdMeterProfileFlags  flags;
  MdMeterProfile      *p;
  GArray              *entries;
  GHashTable          *section_lines;
} Parser;

static void
entry_clear (gpointer data)
{
  Entry *e = data;

  g_free (e->section);
  g_free (e->key);
  g_free (e->value);
}

G_GNUC_PRINTF (5, 6)
static gboolean
fail (GError     **error,
      const char  *name,
      guint        line,
      gint         code,
      const char  *format,
      ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, MD_METER_PROFILE_ERROR, code, "%s:%u: %s", name, line, reason);
  return FALSE;
}

static gboolean
is_id (const char *s)
{
  if (s == NULL || *s == '\0' || strlen (s) > 64 || !g_ascii_isalnum (*s))
    return FALSE;
  for (const char *c = s; *c; c++)
    if (!(g_ascii_islower (*c) || g_ascii_isdigit (*c) || *c == '-' || *c == '.' || *c == '_'))
      return FALSE;
  return TRUE;
}

/* Decimal or 0x-hex, at most @max. */
static gboolean
parse_uint (const char *s,
            guint64     max,
            guint64    *out)
{
  const char *digits = s;
  int base = 10;
  guint64 v = 0;

  if (s == NULL || *s == '\0')
    return FALSE;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    {
      base = 16;
      digits = s + 2;
      if (*digits == '\0')
        return FALSE;
    }
  for (const char *c = digits; *c; c++)
    {
      int d = base == 16 ? g_ascii_xdigit_value (*c) : g_ascii_digit_value (*c);

      if (d < 0)
        return FALSE;
      if (v > (max - (guint64) d) / (guint64) base)
        return FALSE;
      v = v * (guint64) base + (guint64) d;
    }
  *out = v;
  return TRUE;
}

/* A DL/T 645 DI: eight hex digits, with or without 0x. */
static gboolean
parse_di (const char *s,
          guint32    *out)
{
  const char *digits = g_str_has_prefix (s, "0x") ? s + 2 : s;
  guint64 v = 0;

  if (strlen (digits) != 8)
    return FALSE;
  for (const char *c = digits; *c; c++)
    {
      int d = g_ascii_xdigit_value (*c);

      if (d < 0)
        return FALSE;
      v = v * 16 + (guint64) d;
    }
  *out = (guint32) v;
  return TRUE;
}

static gboolean
parse_type (const char       *s,
            MdMeterProtocol   protocol,
            MdMeterValueSpec *out)
{
  static const struct { const char *name; MdMeterValueType type; guint8 size; } fixed[] = {
    { "u16", MD_METER_VALUE_U16, 2 },
    { "i16", MD_METER_VALUE_I16, 2 },
    { "u32", MD_METER_VALUE_U32, 4 },
    { "i32", MD_METER_VALUE_I32, 4 },
    { "f32", MD_METER_VALUE_F32, 4 },
    { "word", MD_METER_VALUE_WORD, 2 },
  };
  static const struct { const char *prefix; MdMeterValueType type; } sized[] = {
    { "sbcd", MD_METER_VALUE_SBCD },
    { "bcd", MD_METER_VALUE_BCD },
    { "word", MD_METER_VALUE_WORD },
  };
  gboolean found = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (fixed) && !found; i++)
    if (g_str_equal (s, fixed[i].name))
      {
        out->type = fixed[i].type;
        out->size = fixed[i].size;
        found = TRUE;
      }
  for (guint i = 0; i < G_N_ELEMENTS (sized) && !found; i++)
    if (g_str_has_prefix (s, sized[i].prefix))
      {
        guint64 n;

        if (!parse_uint (s + strlen (sized[i].prefix), 8, &n) || n == 0)
          return FALSE;
        out->type = sized[i].type;
        out->size = (guint8) n;
        found = TRUE;
      }
  if (!found)
    return FALSE;

  switch (out->type)
    {
    case MD_METER_VALUE_U16:
    case MD_METER_VALUE_I16:
    case MD_METER_VALUE_U32:
    case MD_METER_VALUE_I32:
    case MD_METER_VALUE_F32:
      return protocol == MD_METER_PROTOCOL_MODBUS;
    case MD_METER_VALUE_BCD:
      return TRUE;
    case MD_METER_VALUE_SBCD:
    case MD_METER_VALUE_WORD:
    default:
      return protocol == MD_METER_PROTOCOL_DLT645;
    }
}

static gboolean
is_flag_point (MdMeterPoint point)
{
  return point == MD_METER_POINT_SUPPLY_OFF || point == MD_METER_POINT_KEEP_POWER ||
         point == MD_METER_POINT_REMOTE_MODE;
}

static gboolean
is_param_point (MdMeterPoint point)
{
  switch (point)
    {
    case MD_METER_POINT_ALARM_1:
    case MD_METER_POINT_ALARM_2:
    case MD_METER_POINT_POWER_LIMIT:
    case MD_METER_POINT_PRICE_1:
    case MD_METER_POINT_PRICE_2:
    case MD_METER_POINT_PRICE_3:
    case MD_METER_POINT_PRICE_4:
      return TRUE;
    case MD_METER_POINT_ENERGY_TOTAL:
    case MD_METER_POINT_ENERGY_RATE_1:
    case MD_METER_POINT_ENERGY_RATE_2:
    case MD_METER_POINT_ENERGY_RATE_3:
    case MD_METER_POINT_ENERGY_RATE_4:
    case MD_METER_POINT_VOLUME_TOTAL:
    case MD_METER_POINT_CREDIT:
    case MD_METER_POINT_PURCHASE_COUNT:
    case MD_METER_POINT_PURCHASED_TOTAL:
    case MD_METER_POINT_SUPPLY_OFF:
    case MD_METER_POINT_KEEP_POWER:
    case MD_METER_POINT_REMOTE_MODE:
    case MD_METER_POINT_POWER:
    case MD_METER_POINT_VOLTAGE:
    case MD_METER_POINT_CURRENT:
    case MD_METER_POINT_SERIAL:
    case MD_METER_N_POINTS:
    default:
      return FALSE;
    }
}

/*
 * A value spec:
 *   Modbus     [holding|input] REGISTER TYPE [xN|/N] [bit K]
 *   DL/T 645   DI TYPE [@OFFSET] [xN|/N] [bit K]
 *   [recharge] +OFFSET TYPE [xN|/N]
 */
static gboolean
parse_spec (Parser            *ps,
            const Entry       *e,
            gboolean           relative,
            MdMeterPointSpec  *out,
            GError           **error)
{
  g_auto(GStrv) tokens = g_strsplit_set (e->value, " \t", -1);
  MdMeterProtocol protocol = ps->p->protocol;
  guint i = 0, n = 0;
  char *tok[16];
  guint64 v;

  memset (out, 0, sizeof *out);
  out->line = e->line;
  out->function = ps->p->read_function;
  out->value.bit = -1;
  out->value.mul = 1;
  out->value.div = 1;

  for (guint j = 0; tokens[j] != NULL; j++)
    if (*tokens[j] != '\0')
      {
        if (n == G_N_ELEMENTS (tok))
          return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                       _("too many words in “%s”"), e->value);
        tok[n++] = tokens[j];
      }

  if (relative)
    {
      if (i >= n || tok[i][0] != '+' || !parse_uint (tok[i] + 1, 255, &v))
        return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                     _("“%s” must start with +OFFSET"), e->value);
      out->address = (guint32) v;
      i++;
    }
  else if (protocol == MD_METER_PROTOCOL_MODBUS)
    {
      if (i < n && (g_str_equal (tok[i], "holding") || g_str_equal (tok[i], "input")))
        out->function = g_str_equal (tok[i++], "holding") ? 3 : 4;
      if (i >= n || !parse_uint (tok[i], 0xFFFF, &v))
        return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                     _("“%s” must start with a register address (0–0xFFFF)"), e->value);
      out->address = (guint32) v;
      i++;
    }
  else
    {
      if (i >= n || !parse_di (tok[i], &out->address))
        return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                     _("“%s” must start with a data identifier of eight hex digits"), e->value);
      i++;
    }

  if (i >= n || !parse_type (tok[i], protocol, &out->value))
    return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                 _("missing or unknown value type in “%s” (for %s: %s)"), e->value,
                 md_meter_protocol_to_string (protocol),
                 protocol == MD_METER_PROTOCOL_MODBUS ? "u16 i16 u32 i32 f32 bcdN"
                                                      : "bcdN sbcdN wordN");
  i++;

  for (; i < n; i++)
    {
      const char *t = tok[i];

      if ((t[0] == 'x' || t[0] == '/') && parse_uint (t + 1, MD_METER_SCALE_MAX, &v) && v > 0)
        {
          if (out->value.mul != 1 || out->value.div != 1)
            return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                         _("two scales in “%s”"), e->value);
          if (t[0] == 'x')
            out->value.mul = (gint64) v;
          else
            out->value.div = (gint64) v;
        }
      else if (g_str_equal (t, "bit") && i + 1 < n &&
               parse_uint (tok[i + 1], (guint64) out->value.size * 8 - 1, &v))
        {
          out->value.bit = (gint8) v;
          i++;
        }
      else if (t[0] == '@' && protocol == MD_METER_PROTOCOL_DLT645 && !relative &&
               parse_uint (t + 1, 250, &v))
        out->offset = (guint) v;
      else
        return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                     _("“%s” is not understood in “%s”"), t, e->value);
    }

  if (out->value.type == MD_METER_VALUE_F32 && out->value.bit >= 0)
    return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                 _("a float register has no bits"));
  out->present = TRUE;
  return TRUE;
}

static gboolean
parse_point_entry (Parser       *ps,
                   const Entry  *e,
                   gboolean      params,
                   GError      **error)
{
  MdMeterPointSpec *table = params ? ps->p->params : ps->p->read;
  MdMeterPoint point;

  if (!md_meter_point_parse (e->key, &point))
    return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                 _("unknown point “%s” in [%s]"), e->key, e->section);
  if (params && !is_param_point (point))
    return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                 _("“%s” is not a parameter: [params] takes alarm_1, alarm_2, power_limit "
                   "and price_1 to price_4"), e->key);
  if (g_str_equal (e->value, "none"))
    {
      memset (&table[point], 0, sizeof table[point]);
      return TRUE;
    }
  if (!parse_spec (ps, e, FALSE, &table[point], error))
    return FALSE;

  if (is_flag_point (point) && table[point].value.bit < 0)
    return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                 _("“%s” is a flag: say which bit (… bit K)"), e->key);
  if (!is_flag_point (point) && table[point].value.bit >= 0)
    return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                 _("only supply_off, keep_power and remote_mode are bits"));
  if (point == MD_METER_POINT_SERIAL && table[point].value.type != MD_METER_VALUE_BCD &&
      table[point].value.type != MD_METER_VALUE_U16 && table[point].value.type != MD_METER_VALUE_U32)
    return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                 _("the serial is BCD digits (bcdN) or an unsigned number (u16, u32)"));
  if (params && ps->p->protocol == MD_METER_PROTOCOL_MODBUS && table[point].function != 3)
    return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                 _("input registers cannot be written"));
  return TRUE;
}

static gboolean
parse_choice (Parser       *ps,
              const Entry  *e,
              const char  **choices,
              guint        *out,
              GError      **error)
{
  g_autofree char *list = g_strjoinv (", ", (char **) choices);

  for (guint i = 0; choices[i] != NULL; i++)
    if (g_str_equal (e->value, choices[i]))
      {
        *out = i;
        return TRUE;
      }
  return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
               _("“%s” must be one of: %s"), e->key, list);
}

static gboolean
parse_number (Parser       *ps,
              const Entry  *e,
              guint64       min,
              guint64       max,
              guint        *out,
              GError      **error)
{
  guint64 v;

  if (!parse_uint (e->value, max, &v) || v < min)
    return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                 _("“%s” must be a number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT),
                 e->key, min, max);
  *out = (guint) v;
  return TRUE;
}

static gboolean
parse_method (Parser         *ps,
              const Entry    *e,
              gboolean        esam_ok,
              MdMeterMethod  *out,
              GError        **error)
{
  const char *with_esam[] = { "none", "modbus", "dlt645", "esam", NULL };
  const char *without[] = { "none", "modbus", "dlt645", NULL };
  guint i;

  if (!parse_choice (ps, e, esam_ok ? with_esam : without, &i, error))
    return FALSE;
  *out = (MdMeterMethod) i;
  if ((*out == MD_METER_METHOD_MODBUS && ps->p->protocol != MD_METER_PROTOCOL_MODBUS) ||
      ((*out == MD_METER_METHOD_DLT645 || *out == MD_METER_METHOD_ESAM) &&
       ps->p->protocol != MD_METER_PROTOCOL_DLT645))
    return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                 _("method “%s” does not fit a %s profile"), e->value,
                 md_meter_protocol_to_string (ps->p->protocol));
  return TRUE;
}

static gboolean
apply_profile_key (Parser       *ps,
                   const Entry  *e,
                   GError      **error)
{
  MdMeterProfile *p = ps->p;
  guint i;

  if (g_str_equal (e->key, "id"))
    {
      if (!is_id (e->value))
        return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                     _("an id is lower-case letters, digits, “-”, “.” and “_”"));
      g_free (p->id);
      p->id = g_strdup (e->value);
    }
  else if (g_str_equal (e->key, "name"))
    {
      if (*e->value == '\0' || !g_utf8_validate (e->value, -1, NULL))
        return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                     _("the name is empty or not UTF-8"));
      g_free (p->name);
      p->name = g_strdup (e->value);
    }
  else if (g_str_equal (e->key, "base"))
    ;   /* applied first, in load_base */
  else if (g_str_equal (e->key, "protocol"))
    {
      if (!md_meter_protocol_parse (e->value, &p->protocol))
        return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                     _("the protocol is modbus or dlt645"));
    }
  else if (g_str_equal (e->key, "utility"))
    {
      const char *c[] = { "electricity", "water", NULL };

      if (!parse_choice (ps, e, c, &i, error))
        return FALSE;
      p->water = i == 1;
    }
  else if (g_str_equal (e->key, "credit"))
    {
      const char *c[] = { "none", "money", "energy", "volume", NULL };

      if (!parse_choice (ps, e, c, &i, error))
        return FALSE;
      p->credit = (MdMeterCreditKind) i;
    }
  else if (g_str_equal (e->key, "word_order"))
    {
      const char *c[] = { "high-first", "low-first", NULL };

      if (!parse_choice (ps, e, c, &i, error))
        return FALSE;
      p->word_order = (MdMeterWordOrder) i;
    }
  else if (g_str_equal (e->key, "read_function"))
    {
      const char *c[] = { "holding", "input", NULL };

      if (!parse_choice (ps, e, c, &i, error))
        return FALSE;
      p->read_function = i == 0 ? 3 : 4;
    }
  else if (g_str_equal (e->key, "max_read_registers"))
    return parse_number (ps, e, 1, MD_MODBUS_READ_MAX, &p->max_read_registers, error);
  else if (g_str_equal (e->key, "read_gap"))
    return parse_number (ps, e, 0, MD_MODBUS_READ_MAX, &p->read_gap, error);
  else
    return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                 _("unknown key “%s” in [profile]"), e->key);
  return TRUE;
}

static gboolean
apply_recharge_key (Parser       *ps,
                    const Entry  *e,
                    GError      **error)
{
  MdMeterProfile *p = ps->p;
  guint64 v;

  if (g_str_equal (e->key, "method"))
    return parse_method (ps, e, TRUE, &p->recharge_method, error);
  if (g_str_equal (e->key, "register") && p->protocol == MD_METER_PROTOCOL_MODBUS)
    {
      if (!parse_uint (e->value, 0xFFFF, &v))
        return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                     _("the register is 0–0xFFFF"));
      p->recharge_address = (guint32) v;
      return TRUE;
    }
  if (g_str_equal (e->key, "di") && p->protocol == MD_METER_PROTOCOL_DLT645)
    {
      if (!parse_di (e->value, &p->recharge_address))
        return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                     _("the data identifier is eight hex digits"));
      return TRUE;
    }
  if (g_str_equal (e->key, "amount"))
    return parse_spec (ps, e, TRUE, &p->recharge_amount, error);
  if (g_str_equal (e->key, "count"))
    return parse_spec (ps, e, TRUE, &p->recharge_count, error);
  return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
               _("unknown key “%s” in [recharge]"), e->key);
}

static gboolean
apply_control_key (Parser       *ps,
                   const Entry  *e,
                   GError      **error)
{
  MdMeterProfile *p = ps->p;
  MdMeterControl control;
  g_autofree char *dashed = g_strdelimit (g_strdup (e->key), "_", '-');

  if (g_str_equal (e->key, "method"))
    return parse_method (ps, e, FALSE, &p->control_method, error);
  if (p->protocol == MD_METER_PROTOCOL_MODBUS && md_meter_control_parse (dashed, &control))
    {
      g_auto(GStrv) parts = g_strsplit_set (e->value, " \t", -1);
      guint64 reg, value;
      guint n = g_strv_length (parts);

      if (g_str_equal (e->value, "none"))
        {
          p->control[control].present = FALSE;
          return TRUE;
        }
      if (n != 2 || !parse_uint (parts[0], 0xFFFF, &reg) || !parse_uint (parts[1], 0xFFFF, &value))
        return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                     _("a command is “REGISTER VALUE”"));
      p->control[control].present = TRUE;
      p->control[control].reg = (guint16) reg;
      p->control[control].value = (guint16) value;
      return TRUE;
    }
  if (g_str_equal (e->key, "write_function") && p->protocol == MD_METER_PROTOCOL_MODBUS)
    {
      const char *c[] = { "single", "multiple", NULL };
      guint i;

      if (!parse_choice (ps, e, c, &i, error))
        return FALSE;
      p->control_single = i == 0;
      return TRUE;
    }
  if (g_str_equal (e->key, "level") && p->protocol == MD_METER_PROTOCOL_DLT645)
    {
      guint level;

      if (!parse_number (ps, e, 0, 0xFF, &level, error))
        return FALSE;
      p->control_level = (guint8) level;
      return TRUE;
    }
  if (g_str_equal (e->key, "deadline_minutes") && p->protocol == MD_METER_PROTOCOL_DLT645)
    return parse_number (ps, e, 1, 7 * 24 * 60, &p->control_deadline_minutes, error);
  if (g_str_equal (e->key, "close") && p->protocol == MD_METER_PROTOCOL_DLT645)
    {
      const char *c[] = { "allowed", "direct", NULL };
      guint i;

      if (!parse_choice (ps, e, c, &i, error))
        return FALSE;
      p->control_close_direct = i == 1;
      return TRUE;
    }
  return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
               _("unknown key “%s” in [control]"), e->key);
}

static gboolean
apply_other_key (Parser       *ps,
                 const Entry  *e,
                 GError      **error)
{
  MdMeterProfile *p = ps->p;

  if (g_str_equal (e->section, "time"))
    {
      guint reg;

      if (g_str_equal (e->key, "method"))
        return parse_method (ps, e, FALSE, &p->time_method, error);
      if (g_str_equal (e->key, "register") && p->protocol == MD_METER_PROTOCOL_MODBUS)
        {
          if (!parse_number (ps, e, 0, 0xFFFF - 5, &reg, error))
            return FALSE;
          p->time_register = (guint16) reg;
          return TRUE;
        }
      return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                   _("unknown key “%s” in [time]"), e->key);
    }

  /* [discover] */
  if (g_str_equal (e->key, "method"))
    return parse_method (ps, e, FALSE, &p->discover_method, error);
  if (p->protocol == MD_METER_PROTOCOL_MODBUS)
    {
      if (g_str_equal (e->key, "probe"))
        {
          if (!md_meter_point_parse (e->value, &p->discover_probe))
            return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                         _("the probe is the name of a point in [read]"));
          return TRUE;
        }
      if (g_str_equal (e->key, "first_unit"))
        return parse_number (ps, e, 1, 247, &p->discover_first, error);
      if (g_str_equal (e->key, "last_unit"))
        return parse_number (ps, e, 1, 247, &p->discover_last, error);
      if (g_str_equal (e->key, "probe_timeout_ms"))
        return parse_number (ps, e, 10, 5000, &p->discover_timeout_ms, error);
    }
  return fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
               _("unknown key “%s” in [discover]"), e->key);
}

/* Pass 1: lines into entries, with the syntax and source-comment checks. */
static gboolean
collect (Parser      *ps,
         const char  *text,
         gsize        length,
         GError     **error)
{
  g_autofree char *section = NULL;
  gboolean sourced = FALSE;
  guint line = 0;
  const char *p = text, *end = text + length;
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean ok = FALSE;

  if (length > MAX_TEXT || !g_utf8_validate (text, (gssize) length, NULL) ||
      memchr (text, '\0', length) != NULL)
    {
      fail (error, ps->name, 1, MD_METER_PROFILE_ERROR_SYNTAX,
            _("not a text file of at most 256 KiB in UTF-8"));
      goto out;
    }

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *stop = nl != NULL ? nl : end;
      gsize line_len = (gsize) (stop - p);
      g_autofree char *raw = g_strndup (p, (gsize) (stop - p));
      char *s = g_strstrip (raw);
      char *eq;

      p = nl != NULL ? nl + 1 : end;
      if (++line > MAX_LINES || line_len > MAX_LINE)
        {
          fail (error, ps->name, line, MD_METER_PROFILE_ERROR_SYNTAX,
                _("too many or too long lines"));
          goto out;
        }

      if (*s == '\0')
        {
          sourced = FALSE;
          continue;
        }
      if (*s == ';' || *s == '#')
        {
          if (strstr (s, "source:") != NULL)
            sourced = TRUE;
          continue;
        }
      if (*s == '[')
        {
          static const char * const sections[] = {
            "profile", "read", "params", "recharge", "control", "time", "discover",
          };
          size_t len = strlen (s);
          gboolean known = FALSE;

          sourced = FALSE;
          if (len < 3 || s[len - 1] != ']')
            {
              fail (error, ps->name, line, MD_METER_PROFILE_ERROR_SYNTAX,
                    _("a section header is “[name]”"));
              goto out;
            }
          g_free (section);
          section = g_strndup (s + 1, len - 2);
          for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
            known |= g_str_equal (section, sections[i]);
          if (!known)
            {
              fail (error, ps->name, line, MD_METER_PROFILE_ERROR_INVALID,
                    _("unknown section [%s]"), section);
              goto out;
            }
          if (g_hash_table_contains (ps->section_lines, section))
            {
              fail (error, ps->name, line, MD_METER_PROFILE_ERROR_INVALID,
                    _("section [%s] appears twice"), section);
              goto out;
            }
          g_hash_table_insert (ps->section_lines, g_strdup (section), GUINT_TO_POINTER (line));
          continue;
        }

      eq = strchr (s, '=');
      if (eq == NULL)
        {
          fail (error, ps->name, line, MD_METER_PROFILE_ERROR_SYNTAX,
                _("expected “key = value”, a [section] or a comment"));
          goto out;
        }
      if (section == NULL)
        {
          fail (error, ps->name, line, MD_METER_PROFILE_ERROR_SYNTAX,
                _("a key before the first [section]"));
          goto out;
        }

      {
        Entry e;
        g_autofree char *full = NULL;

        *eq = '\0';
        e.section = g_strdup (section);
        e.key = g_strdup (g_strstrip (s));
        e.value = g_strdup (g_strstrip (eq + 1));
        e.line = line;
        g_array_append_val (ps->entries, e);

        if (*e.key == '\0' || *e.value == '\0')
          {
            fail (error, ps->name, line, MD_METER_PROFILE_ERROR_SYNTAX,
                  _("a key and a value are both needed"));
            goto out;
          }
        full = g_strconcat (section, ".", e.key, NULL);
        if (g_hash_table_contains (keys, full))
          {
            fail (error, ps->name, line, MD_METER_PROFILE_ERROR_INVALID,
                  _("“%s” is set twice in [%s]"), e.key, section);
            goto out;
          }
        g_hash_table_add (keys, g_steal_pointer (&full));

        if ((ps->flags & MD_METER_PROFILE_REQUIRE_SOURCES) && !sourced &&
            !(g_str_equal (section, "profile") &&
              (g_str_equal (e.key, "id") || g_str_equal (e.key, "name") ||
               g_str_equal (e.key, "base"))))
          {
            fail (error, ps->name, line, MD_METER_PROFILE_ERROR_SOURCE,
                  _("“%s” has no “; source:” comment right above it"), e.key);
            goto out;
          }
        sourced = FALSE;
      }
    }
  ok = TRUE;

out:
  g_hash_table_unref (keys);
  return ok;
}

static const Entry *
find_entry (Parser     *ps,
            const char *section,
            const char *key)
{
  for (guint i = 0; i < ps->entries->len; i++)
    {
      const Entry *e = &g_array_index (ps->entries, Entry, i);

      if (g_str_equal (e->section, section) && g_str_equal (e->key, key))
        return e;
    }
  return NULL;
}

static guint
section_line (Parser     *ps,
              const char *section)
{
  guint line = GPOINTER_TO_UINT (g_hash_table_lookup (ps->section_lines, section));

  return line > 0 ? line : 1;
}

static MdMeterProfile *
copy_profile (const MdMeterProfile *base)
{
  MdMeterProfile *p = g_new (MdMeterProfile, 1);

  *p = *base;
  g_atomic_ref_count_init (&p->ref);
  p->id = g_strdup (base->id);
  p->name = g_strdup (base->name);
  p->origin = g_strdup (base->origin);
  p->base = g_strdup (base->base);
  return p;
}

static gboolean
check_profile (Parser  *ps,
               GError **error);

/**
 * _md_meter_profile_parse:
 *
 * Returns: (transfer full) (nullable): the profile, or %NULL with @error
 *   saying `name:line: reason`
 */
MdMeterProfile *
_md_meter_profile_parse (const char              *name,
                         const char              *text,
                         gsize                    length,
                         MdMeterProfileFlags      flags,
                         MdMeterProfileResolver   resolver,
                         gpointer                 user_data,
                         GError                 **error)
{
  Parser ps = { name, flags, NULL, NULL, NULL };
  MdMeterProfile *result = NULL;
  const Entry *base;

  ps.entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  g_array_set_clear_func (ps.entries, entry_clear);
  ps.section_lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!collect (&ps, text, length, error))
    goto out;

  base = find_entry (&ps, "profile", "base");
  if (base != NULL)
    {
      g_autoptr(GError) local = NULL;
      MdMeterProfile *b;

      if (!is_id (base->value) || resolver == NULL ||
          !(b = resolver (base->value, user_data, &local)))
        {
          fail (error, name, base->line, MD_METER_PROFILE_ERROR_INVALID,
                _("base profile “%s” cannot be loaded: %s"), base->value,
                local != NULL ? local->message : _("no such profile"));
          goto out;
        }
      ps.p = copy_profile (b);
      md_meter_profile_unref (b);
      g_free (ps.p->base);
      ps.p->base = g_strdup (base->value);
    }
  else
    ps.p = _md_meter_profile_new ();
  g_free (ps.p->origin);
  ps.p->origin = g_strdup (name);

  /* [profile] first: the other sections' syntax depends on the protocol. */
  for (guint i = 0; i < ps.entries->len; i++)
    {
      const Entry *e = &g_array_index (ps.entries, Entry, i);

      if (g_str_equal (e->section, "profile") && !apply_profile_key (&ps, e, error))
        goto out;
    }
  if (ps.p->id == NULL || ps.p->name == NULL ||
      (base == NULL && find_entry (&ps, "profile", "protocol") == NULL))
    {
      fail (error, name, section_line (&ps, "profile"), MD_METER_PROFILE_ERROR_INVALID,
            _("[profile] needs id, name and protocol (or a base)"));
      goto out;
    }
  if (base != NULL && g_str_equal (base->value, ps.p->id))
    {
      fail (error, name, base->line, MD_METER_PROFILE_ERROR_INVALID,
            _("a profile cannot be its own base"));
      goto out;
    }

  for (guint i = 0; i < ps.entries->len; i++)
    {
      const Entry *e = &g_array_index (ps.entries, Entry, i);
      gboolean ok = TRUE;

      if (g_str_equal (e->section, "profile"))
        continue;
      else if (g_str_equal (e->section, "read"))
        ok = parse_point_entry (&ps, e, FALSE, error);
      else if (g_str_equal (e->section, "params"))
        ok = parse_point_entry (&ps, e, TRUE, error);
      else if (g_str_equal (e->section, "recharge"))
        ok = apply_recharge_key (&ps, e, error);
      else if (g_str_equal (e->section, "control"))
        ok = apply_control_key (&ps, e, error);
      else
        ok = apply_other_key (&ps, e, error);
      if (!ok)
        goto out;
    }

  if (!check_profile (&ps, error))
    goto out;
  _md_meter_profile_plan (ps.p);
  result = g_steal_pointer (&ps.p);

out:
  g_clear_pointer (&ps.p, md_meter_profile_unref);
  g_array_unref (ps.entries);
  g_hash_table_unref (ps.section_lines);
  return result;
}

static gboolean
point_fits (const MdMeterProfile *p,
            const MdMeterPointSpec *s)
{
  if (p->protocol == MD_METER_PROTOCOL_MODBUS)
    return s->address + _md_meter_point_registers (s) <= 0x10000;
  return s->offset + s->value.size <= MD_DLT645_DATA_MAX - 4;
}

/* Whole-profile rules, reported at the line of the key that breaks them. */
static gboolean
check_profile (Parser  *ps,
               GError **error)
{
  MdMeterProfile *p = ps->p;
  const Entry *e;

  for (guint i = 0; i < MD_METER_N_POINTS; i++)
    {
      const MdMeterPointSpec *tables[] = { &p->read[i], &p->params[i] };

      for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
        if (tables[t]->present && !point_fits (p, tables[t]))
          return fail (error, ps->name, tables[t]->line, MD_METER_PROFILE_ERROR_INVALID,
                       _("the value runs past the end of the register space or the frame"));
    }

  if ((p->read[MD_METER_POINT_CREDIT].present || p->recharge_method == MD_METER_METHOD_MODBUS ||
       p->recharge_method == MD_METER_METHOD_DLT645) && p->credit == MD_METER_CREDIT_NONE)
    return fail (error, ps->name, section_line (ps, "profile"), MD_METER_PROFILE_ERROR_INVALID,
                 _("a profile with credit or recharge must say which credit (money, energy or "
                   "volume)"));

  if (p->recharge_method == MD_METER_METHOD_MODBUS || p->recharge_method == MD_METER_METHOD_DLT645)
    {
      const MdMeterPointSpec *a = &p->recharge_amount, *c = &p->recharge_count;
      guint line = section_line (ps, "recharge");
      gboolean modbus = p->recharge_method == MD_METER_METHOD_MODBUS;
      guint a_len, c_len;

      if (!a->present || !c->present ||
          (modbus ? find_entry (ps, "recharge", "register") == NULL && p->base == NULL
                  : find_entry (ps, "recharge", "di") == NULL && p->base == NULL))
        return fail (error, ps->name, line, MD_METER_PROFILE_ERROR_INVALID,
                     _("[recharge] needs %s, amount and count"), modbus ? "register" : "di");
      if (!p->read[MD_METER_POINT_PURCHASE_COUNT].present)
        return fail (error, ps->name, line, MD_METER_PROFILE_ERROR_INVALID,
                     _("a recharge is confirmed by the purchase count: [read] needs "
                       "purchase_count"));
      a_len = modbus ? _md_meter_point_registers (a) : a->value.size;
      c_len = modbus ? _md_meter_point_registers (c) : c->value.size;
      /* One write, no holes and no overlap: amount and count side by side. */
      if (!((a->address == 0 && c->address == a_len) || (c->address == 0 && a->address == c_len)))
        return fail (error, ps->name, c->line, MD_METER_PROFILE_ERROR_INVALID,
                     _("amount and count must sit side by side from offset +0, so one write "
                       "carries both"));
      if (modbus && p->recharge_address + a_len + c_len > 0x10000)
        return fail (error, ps->name, line, MD_METER_PROFILE_ERROR_INVALID,
                     _("the recharge block runs past register 0xFFFF"));
    }

  if (p->control_method == MD_METER_METHOD_MODBUS)
    {
      gboolean any = FALSE;

      for (guint i = 0; i < MD_METER_N_CONTROLS; i++)
        any |= p->control[i].present;
      if (!any)
        return fail (error, ps->name, section_line (ps, "control"), MD_METER_PROFILE_ERROR_INVALID,
                     _("[control] with method modbus needs at least one command"));
    }

  if (p->discover_method == MD_METER_METHOD_MODBUS)
    {
      /* Without an explicit probe, any counter the profile reads will do. */
      if (find_entry (ps, "discover", "probe") == NULL && !p->read[p->discover_probe].present)
        {
          const MdMeterPoint fallbacks[] = {
            MD_METER_POINT_PURCHASE_COUNT, MD_METER_POINT_ENERGY_TOTAL, MD_METER_POINT_VOLUME_TOTAL,
          };

          for (guint i = 0; i < G_N_ELEMENTS (fallbacks); i++)
            if (p->read[fallbacks[i]].present)
              {
                p->discover_probe = fallbacks[i];
                break;
              }
        }
      if (!p->read[p->discover_probe].present)
        {
          e = find_entry (ps, "discover", "probe");
          return fail (error, ps->name, e != NULL ? e->line : section_line (ps, "discover"),
                       MD_METER_PROFILE_ERROR_INVALID,
                       _("the probe point “%s” is not in [read]"),
                       md_meter_point_to_string (p->discover_probe));
        }
      if (p->discover_first > p->discover_last)
        return fail (error, ps->name, section_line (ps, "discover"), MD_METER_PROFILE_ERROR_INVALID,
                     _("first_unit is after last_unit"));
    }
  return TRUE;
}
