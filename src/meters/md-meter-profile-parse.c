/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "md-dlt645.h"
#include "md-meter-profile-parse-private.h"

/*
 * The profile format (docs/meters.md): INI sections and `key = value`
 * lines, `;` or `#` comments on lines of their own. Errors say
 * `file:line: reason`. Parsing is two passes: collect the lines, then apply
 * [profile] (and its base) before the sections whose syntax depends on it.
 */

#define MAX_TEXT   (256 * 1024)
#define MAX_LINE   1024
#define MAX_LINES  4096

static void
entry_clear (gpointer data)
{
  Entry *e = data;

  g_free (e->section);
  g_free (e->key);
  g_free (e->value);
}

G_GNUC_PRINTF (5, 6)
gboolean
_md_profile_fail (GError     **error,
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
        return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                                 _("an id is lower-case letters, digits, “-”, “.” and “_”"));
      g_free (p->id);
      p->id = g_strdup (e->value);
    }
  else if (g_str_equal (e->key, "name"))
    {
      if (*e->value == '\0' || !g_utf8_validate (e->value, -1, NULL))
        return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                                 _("the name is empty or not UTF-8"));
      g_free (p->name);
      p->name = g_strdup (e->value);
    }
  else if (g_str_equal (e->key, "base"))
    ;   /* applied first, in load_base */
  else if (g_str_equal (e->key, "protocol"))
    {
      if (!md_meter_protocol_parse (e->value, &p->protocol))
        return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                                 _("the protocol is modbus or dlt645"));
    }
  else if (g_str_equal (e->key, "utility"))
    {
      const char *c[] = { "electricity", "water", NULL };

      if (!_md_profile_parse_choice (ps, e, c, &i, error))
        return FALSE;
      p->water = i == 1;
    }
  else if (g_str_equal (e->key, "credit"))
    {
      const char *c[] = { "none", "money", "energy", "volume", NULL };

      if (!_md_profile_parse_choice (ps, e, c, &i, error))
        return FALSE;
      p->credit = (MdMeterCreditKind) i;
    }
  else if (g_str_equal (e->key, "word_order"))
    {
      const char *c[] = { "high-first", "low-first", NULL };

      if (!_md_profile_parse_choice (ps, e, c, &i, error))
        return FALSE;
      p->word_order = (MdMeterWordOrder) i;
    }
  else if (g_str_equal (e->key, "read_function"))
    {
      const char *c[] = { "holding", "input", NULL };

      if (!_md_profile_parse_choice (ps, e, c, &i, error))
        return FALSE;
      p->read_function = i == 0 ? 3 : 4;
    }
  else if (g_str_equal (e->key, "max_read_registers"))
    return _md_profile_parse_number (ps, e, 1, MD_MODBUS_READ_MAX, &p->max_read_registers, error);
  else if (g_str_equal (e->key, "read_gap"))
    return _md_profile_parse_number (ps, e, 0, MD_MODBUS_READ_MAX, &p->read_gap, error);
  else
    return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
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
    return _md_profile_parse_method (ps, e, TRUE, &p->recharge_method, error);
  if (g_str_equal (e->key, "register") && p->protocol == MD_METER_PROTOCOL_MODBUS)
    {
      if (!_md_profile_parse_uint (e->value, 0xFFFF, &v))
        return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                                 _("the register is 0–0xFFFF"));
      p->recharge_address = (guint32) v;
      return TRUE;
    }
  if (g_str_equal (e->key, "di") && p->protocol == MD_METER_PROTOCOL_DLT645)
    {
      if (!_md_profile_parse_di (e->value, &p->recharge_address))
        return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                                 _("the data identifier is eight hex digits"));
      return TRUE;
    }
  if (g_str_equal (e->key, "amount"))
    return _md_profile_parse_spec (ps, e, TRUE, &p->recharge_amount, error);
  if (g_str_equal (e->key, "count"))
    return _md_profile_parse_spec (ps, e, TRUE, &p->recharge_count, error);
  return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
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
    return _md_profile_parse_method (ps, e, FALSE, &p->control_method, error);
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
      if (n != 2 || !_md_profile_parse_uint (parts[0], 0xFFFF, &reg) ||
          !_md_profile_parse_uint (parts[1], 0xFFFF, &value))
        return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
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

      if (!_md_profile_parse_choice (ps, e, c, &i, error))
        return FALSE;
      p->control_single = i == 0;
      return TRUE;
    }
  if (g_str_equal (e->key, "level") && p->protocol == MD_METER_PROTOCOL_DLT645)
    {
      guint level;

      if (!_md_profile_parse_number (ps, e, 0, 0xFF, &level, error))
        return FALSE;
      p->control_level = (guint8) level;
      return TRUE;
    }
  if (g_str_equal (e->key, "deadline_minutes") && p->protocol == MD_METER_PROTOCOL_DLT645)
    return _md_profile_parse_number (ps, e, 1, 7 * 24 * 60, &p->control_deadline_minutes, error);
  if (g_str_equal (e->key, "close") && p->protocol == MD_METER_PROTOCOL_DLT645)
    {
      const char *c[] = { "allowed", "direct", NULL };
      guint i;

      if (!_md_profile_parse_choice (ps, e, c, &i, error))
        return FALSE;
      p->control_close_direct = i == 1;
      return TRUE;
    }
  return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
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
        return _md_profile_parse_method (ps, e, FALSE, &p->time_method, error);
      if (g_str_equal (e->key, "register") && p->protocol == MD_METER_PROTOCOL_MODBUS)
        {
          if (!_md_profile_parse_number (ps, e, 0, 0xFFFF - 5, &reg, error))
            return FALSE;
          p->time_register = (guint16) reg;
          return TRUE;
        }
      return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                               _("unknown key “%s” in [time]"), e->key);
    }

  /* [discover] */
  if (g_str_equal (e->key, "method"))
    return _md_profile_parse_method (ps, e, FALSE, &p->discover_method, error);
  if (p->protocol == MD_METER_PROTOCOL_MODBUS)
    {
      if (g_str_equal (e->key, "probe"))
        {
          if (!md_meter_point_parse (e->value, &p->discover_probe))
            return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
                                     _("the probe is the name of a point in [read]"));
          return TRUE;
        }
      if (g_str_equal (e->key, "first_unit"))
        return _md_profile_parse_number (ps, e, 1, 247, &p->discover_first, error);
      if (g_str_equal (e->key, "last_unit"))
        return _md_profile_parse_number (ps, e, 1, 247, &p->discover_last, error);
      if (g_str_equal (e->key, "probe_timeout_ms"))
        return _md_profile_parse_number (ps, e, 10, 5000, &p->discover_timeout_ms, error);
    }
  return _md_profile_fail (error, ps->name, e->line, MD_METER_PROFILE_ERROR_INVALID,
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
      _md_profile_fail (error, ps->name, 1, MD_METER_PROFILE_ERROR_SYNTAX,
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
          _md_profile_fail (error, ps->name, line, MD_METER_PROFILE_ERROR_SYNTAX,
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
              _md_profile_fail (error, ps->name, line, MD_METER_PROFILE_ERROR_SYNTAX,
                                _("a section header is “[name]”"));
              goto out;
            }
          g_free (section);
          section = g_strndup (s + 1, len - 2);
          for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
            known |= g_str_equal (section, sections[i]);
          if (!known)
            {
              _md_profile_fail (error, ps->name, line, MD_METER_PROFILE_ERROR_INVALID,
                                _("unknown section [%s]"), section);
              goto out;
            }
          if (g_hash_table_contains (ps->section_lines, section))
            {
              _md_profile_fail (error, ps->name, line, MD_METER_PROFILE_ERROR_INVALID,
                                _("section [%s] appears twice"), section);
              goto out;
            }
          g_hash_table_insert (ps->section_lines, g_strdup (section), GUINT_TO_POINTER (line));
          continue;
        }

      eq = strchr (s, '=');
      if (eq == NULL)
        {
          _md_profile_fail (error, ps->name, line, MD_METER_PROFILE_ERROR_SYNTAX,
                            _("expected “key = value”, a [section] or a comment"));
          goto out;
        }
      if (section == NULL)
        {
          _md_profile_fail (error, ps->name, line, MD_METER_PROFILE_ERROR_SYNTAX,
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
            _md_profile_fail (error, ps->name, line, MD_METER_PROFILE_ERROR_SYNTAX,
                              _("a key and a value are both needed"));
            goto out;
          }
        full = g_strconcat (section, ".", e.key, NULL);
        if (g_hash_table_contains (keys, full))
          {
            _md_profile_fail (error, ps->name, line, MD_METER_PROFILE_ERROR_INVALID,
                              _("“%s” is set twice in [%s]"), e.key, section);
            goto out;
          }
        g_hash_table_add (keys, g_steal_pointer (&full));

        if ((ps->flags & MD_METER_PROFILE_REQUIRE_SOURCES) && !sourced &&
            !(g_str_equal (section, "profile") &&
              (g_str_equal (e.key, "id") || g_str_equal (e.key, "name") ||
               g_str_equal (e.key, "base"))))
          {
            _md_profile_fail (error, ps->name, line, MD_METER_PROFILE_ERROR_SOURCE,
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

const Entry *
_md_profile_find_entry (Parser     *ps,
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

guint
_md_profile_section_line (Parser     *ps,
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

  base = _md_profile_find_entry (&ps, "profile", "base");
  if (base != NULL)
    {
      g_autoptr(GError) local = NULL;
      MdMeterProfile *b;

      if (!is_id (base->value) || resolver == NULL ||
          !(b = resolver (base->value, user_data, &local)))
        {
          _md_profile_fail (error, name, base->line, MD_METER_PROFILE_ERROR_INVALID,
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
      (base == NULL && _md_profile_find_entry (&ps, "profile", "protocol") == NULL))
    {
      _md_profile_fail (error, name, _md_profile_section_line (&ps, "profile"),
                        MD_METER_PROFILE_ERROR_INVALID,
                        _("[profile] needs id, name and protocol (or a base)"));
      goto out;
    }
  if (base != NULL && g_str_equal (base->value, ps.p->id))
    {
      _md_profile_fail (error, name, base->line, MD_METER_PROFILE_ERROR_INVALID,
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
        ok = _md_profile_parse_point_entry (&ps, e, FALSE, error);
      else if (g_str_equal (e->section, "params"))
        ok = _md_profile_parse_point_entry (&ps, e, TRUE, error);
      else if (g_str_equal (e->section, "recharge"))
        ok = apply_recharge_key (&ps, e, error);
      else if (g_str_equal (e->section, "control"))
        ok = apply_control_key (&ps, e, error);
      else
        ok = apply_other_key (&ps, e, error);
      if (!ok)
        goto out;
    }

  if (!_md_profile_check_profile (&ps, error))
    goto out;
  _md_meter_profile_plan (ps.p);
  result = g_steal_pointer (&ps.p);

out:
  g_clear_pointer (&ps.p, md_meter_profile_unref);
  g_array_unref (ps.entries);
  g_hash_table_unref (ps.section_lines);
  return result;
}
