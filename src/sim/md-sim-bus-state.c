/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "md-sim-bus-private.h"

/*
 * The simulator's state file: every meter's registers as a key file,
 * saved on request (SIGUSR1, at exit) and loaded at start, so a simulated
 * site keeps its energy, credit and purchase counts across restarts.
 */

#define STATE_GROUP_PREFIX "meter "

/**
 * md_sim_bus_save_state:
 *
 * Writes every meter's state to @path (atomically).
 */
gboolean
md_sim_bus_save_state (MdSimBus    *bus,
                       const char  *path,
                       GError     **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *data = NULL;
  gsize len;

  g_mutex_lock (&bus->lock);
  for (guint i = 0; i < bus->meters->len; i++)
    {
      MdSimMeter *m = bus->meters->pdata[i];
      g_autofree char *group = g_strconcat (STATE_GROUP_PREFIX, m->address, NULL);
      gint params[MD_SIM_N_PARAMS];
      g_autofree char *rates = g_strdup_printf ("%" G_GINT64_FORMAT ";%" G_GINT64_FORMAT ";%"
                                                G_GINT64_FORMAT ";%" G_GINT64_FORMAT,
                                                m->rate_us[0], m->rate_us[1], m->rate_us[2],
                                                m->rate_us[3]);

      for (guint p = 0; p < MD_SIM_N_PARAMS; p++)
        params[p] = m->params[p];
      g_key_file_set_int64 (kf, group, "energy_us", m->energy_us);
      g_key_file_set_string (kf, group, "rate_us", rates);
      g_key_file_set_int64 (kf, group, "credit_e7", m->credit_e7);
      g_key_file_set_integer (kf, group, "count", (gint) m->count);
      g_key_file_set_int64 (kf, group, "purchased_fen", m->purchased_fen);
      g_key_file_set_boolean (kf, group, "supply_off", m->supply_off);
      g_key_file_set_boolean (kf, group, "keep_power", m->keep_power);
      g_key_file_set_boolean (kf, group, "tripped_credit", m->tripped_credit);
      g_key_file_set_integer_list (kf, group, "params", params, MD_SIM_N_PARAMS);
      g_key_file_set_int64 (kf, group, "clock_offset_s", m->clock_offset_s);
      g_key_file_set_int64 (kf, group, "last_amount", m->last_amount);
      g_key_file_set_integer (kf, group, "last_count", m->last_count);
    }
  g_mutex_unlock (&bus->lock);
  data = g_key_file_to_data (kf, &len, NULL);
  return g_file_set_contents (path, data, (gssize) len, error);
}

/**
 * md_sim_bus_load_state:
 *
 * Restores the meters a state file names (they must have been added);
 * other meters keep their start values.
 */
gboolean
md_sim_bus_load_state (MdSimBus    *bus,
                       const char  *path,
                       GError     **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  gboolean ok = TRUE;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    return FALSE;
  groups = g_key_file_get_groups (kf, NULL);
  g_mutex_lock (&bus->lock);
  for (guint i = 0; groups[i] != NULL && ok; i++)
    {
      const char *g = groups[i];
      MdSimMeter *m;
      g_autofree gint *params = NULL;
      g_autofree char *rates = NULL;
      gsize n = 0;
      g_autoptr(GError) local = NULL;

      if (!g_str_has_prefix (g, STATE_GROUP_PREFIX) ||
          !(m = g_hash_table_lookup (bus->by_address, g + strlen (STATE_GROUP_PREFIX))))
        continue;
      m->energy_us = g_key_file_get_int64 (kf, g, "energy_us", &local);
      rates = g_key_file_get_string (kf, g, "rate_us", local != NULL ? NULL : &local);
      m->credit_e7 = g_key_file_get_int64 (kf, g, "credit_e7", local != NULL ? NULL : &local);
      m->count = (guint) g_key_file_get_integer (kf, g, "count", local != NULL ? NULL : &local);
      m->purchased_fen = g_key_file_get_int64 (kf, g, "purchased_fen", NULL);
      m->supply_off = g_key_file_get_boolean (kf, g, "supply_off", NULL);
      m->keep_power = g_key_file_get_boolean (kf, g, "keep_power", NULL);
      m->tripped_credit = g_key_file_get_boolean (kf, g, "tripped_credit", NULL);
      m->clock_offset_s = g_key_file_get_int64 (kf, g, "clock_offset_s", NULL);
      m->last_amount = (guint32) g_key_file_get_int64 (kf, g, "last_amount", NULL);
      m->last_count = (guint16) g_key_file_get_integer (kf, g, "last_count", NULL);
      params = g_key_file_get_integer_list (kf, g, "params", &n, NULL);
      if (local != NULL || rates == NULL ||
          sscanf (rates, "%" G_GINT64_FORMAT ";%" G_GINT64_FORMAT ";%" G_GINT64_FORMAT ";%"
                  G_GINT64_FORMAT, &m->rate_us[0], &m->rate_us[1], &m->rate_us[2],
                  &m->rate_us[3]) != 4)
        {
          g_set_error (error, MD_SIM_BUS_ERROR, MD_SIM_BUS_ERROR_STATE,
                       "%s: [%s] is incomplete", path, g);
          ok = FALSE;
        }
      for (gsize p = 0; p < MIN (n, (gsize) MD_SIM_N_PARAMS); p++)
        m->params[p] = (guint16) params[p];
    }
  g_mutex_unlock (&bus->lock);
  return ok;
}
