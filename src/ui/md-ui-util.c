/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "md-ui-util.h"

/**
 * md_ui_format_time:
 * @iso8601: (nullable): a time as the core gives it
 *
 * Returns: (transfer full): the time in this computer's zone, short: the
 *   day and minute ("11-02 14:05") within this year, with the year before
 */
char *
md_ui_format_time (const char *iso8601)
{
  g_autoptr(GDateTime) utc = iso8601 != NULL ? g_date_time_new_from_iso8601 (iso8601, NULL) : NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (utc == NULL)
    return g_strdup (iso8601 != NULL ? iso8601 : "");
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, g_date_time_get_year (local) == g_date_time_get_year (now)
                                      ? "%m-%d %H:%M" : "%Y-%m-%d %H:%M");
}

/**
 * md_ui_sale_state_label:
 * @state: a sale's state as md_sale_list() gives it
 *
 * Returns: the state as the counter says it
 */
const char *
md_ui_sale_state_label (const char *state)
{
  if (g_strcmp0 (state, "committed") == 0)
    return C_("sale state", "done");
  if (g_strcmp0 (state, "pending") == 0 || g_strcmp0 (state, "delivered") == 0)
    return C_("sale state", "pending");
  if (g_strcmp0 (state, "reversed") == 0)
    return C_("sale state", "reversed");
  if (g_strcmp0 (state, "failed") == 0)
    return C_("sale state", "not delivered");
  return state != NULL ? state : "";
}

/**
 * md_ui_settings_new:
 *
 * Running from the build tree the schema may not be installed.
 *
 * Returns: (transfer full) (nullable): the app's settings, or %NULL
 *   without the installed schema
 */
GSettings *
md_ui_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source == NULL || !(schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE)))
    return NULL;
  return g_settings_new (APPLICATION_ID);
}
