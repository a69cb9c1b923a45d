/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-dlt645.h"
#include "md-meter-profile-parse-private.h"

/* Profile values: numbers, data identifiers, value specs, points, methods,
 * and the rules a whole profile must keep (docs/meters.md). */

/* Decimal or 0x-hex, at most @max. */
gboolean
_md_profile_parse_uint (const char *s,
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
gboolean
_md_profile_parse_di (const char *s,
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

        if (!_md_profile_parse_uint (s + strlen (sized[i].prefix), 8, &n) || n == 0)
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
gboolean
_md_profile_parse_spec (Parser            *ps,
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
          return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                                   _("too many words in “%s”"), e->value);
        tok[n++] = tokens[j];
      }

  if (relative)
    {
      if (i >= n || tok[i][0] != '+' || !_md_profile_parse_uint (tok[i] + 1, 255, &v))
        return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                                 _("“%s” must start with +OFFSET"), e->value);
      out->address = (guint32) v;
      i++;
    }
  else if (protocol == MD_METER_PROTOCOL_MODBUS)
    {
      if (i < n && (g_str_equal (tok[i], "holding") || g_str_equal (tok[i], "input")))
        out->function = g_str_equal (tok[i++], "holding") ? 3 : 4;
      if (i >= n || !_md_profile_parse_uint (tok[i], 0xFFFF, &v))
        return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                                 _("“%s” must start with a register address (0–0xFFFF)"), e->value);
      out->address = (guint32) v;
      i++;
    }
  else
    {
      if (i >= n || !_md_profile_parse_di (tok[i], &out->address))
        return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                                 _("“%s” must start with a data identifier of eight hex "
                                   "digits"), e->value);
      i++;
    }

  if (i >= n || !parse_type (tok[i], protocol, &out->value))
    return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                             _("missing or unknown value type in “%s” (for %s: %s)"), e->value,
                             md_meter_protocol_to_string (protocol),
                             protocol == MD_METER_PROTOCOL_MODBUS ? "u16 i16 u32 i32 f32 bcdN"
                                                                  : "bcdN sbcdN wordN");
  i++;

  for (; i < n; i++)
    {
      const char *t = tok[i];

      if ((t[0] == 'x' || t[0] == '/') &&
          _md_profile_parse_uint (t + 1, MD_METER_SCALE_MAX, &v) && v > 0)
        {
          if (out->value.mul != 1 || out->value.div != 1)
            return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                                     _("two scales in “%s”"), e->value);
          if (t[0] == 'x')
            out->value.mul = (gint64) v;
          else
            out->value.div = (gint64) v;
        }
      else if (g_str_equal (t, "bit") && i + 1 < n &&
               _md_profile_parse_uint (tok[i + 1], (guint64) out->value.size * 8 - 1, &v))
        {
          out->value.bit = (gint8) v;
          i++;
        }
      else if (t[0] == '@' && protocol == MD_METER_PROTOCOL_DLT645 && !relative &&
               _md_profile_parse_uint (t + 1, 250, &v))
        out->offset = (guint) v;
      else
        return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                                 _("“%s” is not understood in “%s”"), t, e->value);
    }

  if (out->value.type == MD_METER_VALUE_F32 && out->value.bit >= 0)
    return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                             _("a float register has no bits"));
  out->present = TRUE;
  return TRUE;
}

gboolean
_md_profile_parse_point_entry (Parser       *ps,
                               const Entry  *e,
                               gboolean      params,
                               GError      **error)
{
  MdMeterPointSpec *table = params ? ps->p->params : ps->p->read;
  MdMeterPoint point;

  if (!md_meter_point_parse (e->key, &point))
    return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                             _("unknown point “%s” in [%s]"), e->key, e->section);
  if (params && !is_param_point (point))
    return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                             _("“%s” is not a parameter: [params] takes alarm_1, alarm_2, "
                               "power_limit and price_1 to price_4"), e->key);
  if (g_str_equal (e->value, "none"))
    {
      memset (&table[point], 0, sizeof table[point]);
      return TRUE;
    }
  if (!_md_profile_parse_spec (ps, e, FALSE, &table[point], error))
    return FALSE;

  if (is_flag_point (point) && table[point].value.bit < 0)
    return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                             _("“%s” is a flag: say which bit (… bit K)"), e->key);
  if (!is_flag_point (point) && table[point].value.bit >= 0)
    return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                             _("only supply_off, keep_power and remote_mode are bits"));
  if (point == MD_METER_POINT_SERIAL && table[point].value.type != MD_METER_VALUE_BCD &&
      table[point].value.type != MD_METER_VALUE_U16 &&
      table[point].value.type != MD_METER_VALUE_U32)
    return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                             _("the serial is BCD digits (bcdN) or an unsigned number (u16, u32)"));
  if (params && ps->p->protocol == MD_METER_PROTOCOL_MODBUS && table[point].function != 3)
    return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                             _("input registers cannot be written"));
  return TRUE;
}

gboolean
_md_profile_parse_choice (Parser       *ps,
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
  return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                           _("“%s” must be one of: %s"), e->key, list);
}

gboolean
_md_profile_parse_number (Parser       *ps,
                          const Entry  *e,
                          guint64       min,
                          guint64       max,
                          guint        *out,
                          GError      **error)
{
  guint64 v;

  if (!_md_profile_parse_uint (e->value, max, &v) || v < min)
    return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                             _("“%s” must be a number from %llu to %llu"),
                             e->key, (unsigned long long) min, (unsigned long long) max);
  *out = (guint) v;
  return TRUE;
}

gboolean
_md_profile_parse_method (Parser         *ps,
                          const Entry    *e,
                          gboolean        esam_ok,
                          MdMeterMethod  *out,
                          GError        **error)
{
  const char *with_esam[] = { "none", "modbus", "dlt645", "esam", NULL };
  const char *without[] = { "none", "modbus", "dlt645", NULL };
  guint i;

  if (!_md_profile_parse_choice (ps, e, esam_ok ? with_esam : without, &i, error))
    return FALSE;
  *out = (MdMeterMethod) i;
  if ((*out == MD_METER_METHOD_MODBUS && ps->p->protocol != MD_METER_PROTOCOL_MODBUS) ||
      ((*out == MD_METER_METHOD_DLT645 || *out == MD_METER_METHOD_ESAM) &&
       ps->p->protocol != MD_METER_PROTOCOL_DLT645))
    return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                             _("method “%s” does not fit a %s profile"), e->value,
                             md_meter_protocol_to_string (ps->p->protocol));
  return TRUE;
}

static gboolean
point_fits (const MdMeterProfile   *p,
            const MdMeterPointSpec *s)
{
  if (p->protocol == MD_METER_PROTOCOL_MODBUS)
    return s->address + _md_meter_point_registers (s) <= 0x10000;
  return s->offset + s->value.size <= MD_DLT645_DATA_MAX - 4;
}

static gboolean
invalid (Parser      *ps,
         guint        line,
         GError     **error,
         const char  *reason)
{
  return _md_profile_fail (error, ps->name, line, MD_METER_PROFILE_ERROR_INVALID, "%s", reason);
}

/* Whole-profile rules, reported at the line of the key that breaks them. */
gboolean
_md_profile_check_profile (Parser  *ps,
                           GError **error)
{
  MdMeterProfile *p = ps->p;
  const Entry *e;

  for (guint i = 0; i < MD_METER_N_POINTS; i++)
    {
      const MdMeterPointSpec *tables[] = { &p->read[i], &p->params[i] };

      for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
        if (tables[t]->present && !point_fits (p, tables[t]))
          return invalid (ps, tables[t]->line, error,
                          _("the value runs past the end of the register space or the frame"));
    }

  if ((p->read[MD_METER_POINT_CREDIT].present || p->recharge_method == MD_METER_METHOD_MODBUS ||
       p->recharge_method == MD_METER_METHOD_DLT645) && p->credit == MD_METER_CREDIT_NONE)
    return invalid (ps, _md_profile_section_line (ps, "profile"), error,
                    _("a profile with credit or recharge must say which credit (money, energy "
                      "or volume)"));

  if (p->recharge_method == MD_METER_METHOD_MODBUS || p->recharge_method == MD_METER_METHOD_DLT645)
    {
      const MdMeterPointSpec *a = &p->recharge_amount, *c = &p->recharge_count;
      guint line = _md_profile_section_line (ps, "recharge");
      gboolean modbus = p->recharge_method == MD_METER_METHOD_MODBUS;
      const char *where = modbus ? "register" : "di";
      guint a_len, c_len;

      if (!a->present || !c->present ||
          (_md_profile_find_entry (ps, "recharge", where) == NULL && p->base == NULL))
        return _md_profile_fail (error, ps->name, line, MD_METER_PROFILE_ERROR_INVALID,
                                 _("[recharge] needs %s, amount and count"), where);
      if (!p->read[MD_METER_POINT_PURCHASE_COUNT].present)
        return invalid (ps, line, error,
                        _("a recharge is confirmed by the purchase count: [read] needs "
                          "purchase_count"));
      a_len = modbus ? _md_meter_point_registers (a) : a->value.size;
      c_len = modbus ? _md_meter_point_registers (c) : c->value.size;
      /* One write, no holes and no overlap: amount and count side by side. */
      if (!((a->address == 0 && c->address == a_len) || (c->address == 0 && a->address == c_len)))
        return invalid (ps, c->line, error,
                        _("amount and count must sit side by side from offset +0, so one "
                          "write carries both"));
      if (modbus && p->recharge_address + a_len + c_len > 0x10000)
        return invalid (ps, line, error, _("the recharge block runs past register 0xFFFF"));
    }

  if (p->control_method == MD_METER_METHOD_MODBUS)
    {
      gboolean any = FALSE;

      for (guint i = 0; i < MD_METER_N_CONTROLS; i++)
        any |= p->control[i].present;
      if (!any)
        return invalid (ps, _md_profile_section_line (ps, "control"), error,
                        _("[control] with method modbus needs at least one command"));
    }

  if (p->discover_method == MD_METER_METHOD_MODBUS)
    {
      /* Without an explicit probe, any counter the profile reads will do. */
      if (_md_profile_find_entry (ps, "discover", "probe") == NULL &&
          !p->read[p->discover_probe].present)
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
          e = _md_profile_find_entry (ps, "discover", "probe");
          return _md_profile_fail (error, ps->name,
                                   e != NULL ? e->line : _md_profile_section_line (ps, "discover"),
                                   MD_METER_PROFILE_ERROR_INVALID,
                                   _("the probe point “%s” is not in [read]"),
                                   md_meter_point_to_string (p->discover_probe));
        }
      if (p->discover_first > p->discover_last)
        return invalid (ps, _md_profile_section_line (ps, "discover"), error,
                        _("first_unit is after last_unit"));
    }
  return TRUE;
}
