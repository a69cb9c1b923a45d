/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-meter-profile-private.h"
#include "md-meters-resources.h"

#define RESOURCE_DIR "/org/meterdesk/meters"
#define MAX_BASE_DEPTH 8

G_DEFINE_QUARK (md-meter-profile-error-quark, md_meter_profile_error)
G_DEFINE_BOXED_TYPE (MdMeterProfile, md_meter_profile, md_meter_profile_ref, md_meter_profile_unref)

MdMeterProfile *
_md_meter_profile_new (void)
{
  MdMeterProfile *p = g_new0 (MdMeterProfile, 1);

  g_atomic_ref_count_init (&p->ref);
  p->protocol = MD_METER_PROTOCOL_MODBUS;
  p->credit = MD_METER_CREDIT_NONE;
  p->word_order = MD_METER_WORD_ORDER_HIGH_FIRST;
  p->read_function = 3;
  p->max_read_registers = MD_MODBUS_READ_MAX;
  p->read_gap = 8;
  p->control_single = TRUE;
  p->control_level = 2;
  p->control_deadline_minutes = 10;
  p->control_close_direct = TRUE;
  p->discover_probe = MD_METER_POINT_PURCHASE_COUNT;
  p->discover_first = 1;
  p->discover_last = 247;
  p->discover_timeout_ms = 100;
  return p;
}

/**
 * md_meter_profile_ref:
 * @profile: a profile
 *
 * Profiles are immutable and shared between threads.
 *
 * Returns: (transfer full): @profile
 */
MdMeterProfile *
md_meter_profile_ref (MdMeterProfile *profile)
{
  g_return_val_if_fail (profile != NULL, NULL);

  g_atomic_ref_count_inc (&profile->ref);
  return profile;
}

/**
 * md_meter_profile_unref:
 * @profile: (transfer full): a profile
 */
void
md_meter_profile_unref (MdMeterProfile *profile)
{
  g_return_if_fail (profile != NULL);

  if (!g_atomic_ref_count_dec (&profile->ref))
    return;
  g_free (profile->id);
  g_free (profile->name);
  g_free (profile->origin);
  g_free (profile->base);
  g_free (profile);
}

guint
_md_meter_point_registers (const MdMeterPointSpec *spec)
{
  return md_meter_value_registers (&spec->value);
}

static int
compare_specs (gconstpointer a,
               gconstpointer b)
{
  const MdMeterPointSpec *x = *(const MdMeterPointSpec * const *) a;
  const MdMeterPointSpec *y = *(const MdMeterPointSpec * const *) b;

  if (x->function != y->function)
    return x->function < y->function ? -1 : 1;
  return x->address < y->address ? -1 : x->address > y->address ? 1 : 0;
}

/* The requests one md_meter_read() sends: Modbus points merged into blocks
 * (holes up to read_gap registers are read through), DL/T 645 points
 * grouped by data identifier. */
void
_md_meter_profile_plan (MdMeterProfile *p)
{
  const MdMeterPointSpec *sorted[MD_METER_N_POINTS];
  guint n = 0;

  p->n_blocks = 0;
  p->n_dis = 0;

  for (guint i = 0; i < MD_METER_N_POINTS; i++)
    if (p->read[i].present)
      sorted[n++] = &p->read[i];

  if (p->protocol == MD_METER_PROTOCOL_DLT645)
    {
      for (guint i = 0; i < n; i++)
        {
          guint need = sorted[i]->offset + sorted[i]->value.size;
          guint j;

          for (j = 0; j < p->n_dis; j++)
            if (p->dis[j].di == sorted[i]->address)
              break;
          if (j == p->n_dis)
            {
              p->dis[j].di = sorted[i]->address;
              p->dis[j].length = 0;
              p->n_dis++;
            }
          p->dis[j].length = MAX (p->dis[j].length, need);
        }
      return;
    }

  qsort (sorted, n, sizeof sorted[0], compare_specs);
  for (guint i = 0; i < n; i++)
    {
      guint start = sorted[i]->address;
      guint end = start + _md_meter_point_registers (sorted[i]);
      MdMeterReadBlock *last = p->n_blocks > 0 ? &p->blocks[p->n_blocks - 1] : NULL;

      if (last != NULL && last->function == sorted[i]->function &&
          start <= (guint) last->start + last->count + p->read_gap &&
          MAX (end, (guint) last->start + last->count) - last->start <= p->max_read_registers)
        {
          last->count = (guint16) (MAX (end, (guint) last->start + last->count) - last->start);
          continue;
        }
      p->blocks[p->n_blocks].function = sorted[i]->function;
      p->blocks[p->n_blocks].start = (guint16) start;
      p->blocks[p->n_blocks].count = (guint16) (end - start);
      p->n_blocks++;
    }
}

/**
 * md_meter_profile_search_path:
 *
 * Where profiles are looked for, first match wins: each directory of
 * `$MD_METER_PROFILE_PATH`, `$XDG_CONFIG_HOME/meterdesk/meters`, the system
 * configuration directory's `meterdesk/meters`, the installed data
 * directory's `meterdesk/meters`, then the profiles built into the program.
 *
 * Returns: (transfer full): the directories, without the built-in ones
 */
char **
md_meter_profile_search_path (void)
{
  GPtrArray *dirs = g_ptr_array_new ();
  const char *env = g_getenv ("MD_METER_PROFILE_PATH");

  if (env != NULL && *env != '\0')
    {
      g_auto(GStrv) parts = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);

      for (guint i = 0; parts[i] != NULL; i++)
        if (*parts[i] != '\0')
          g_ptr_array_add (dirs, g_strdup (parts[i]));
    }
  g_ptr_array_add (dirs, g_build_filename (g_get_user_config_dir (), "meterdesk", "meters", NULL));
  g_ptr_array_add (dirs, g_build_filename (MD_SYSCONFDIR, "meterdesk", "meters", NULL));
  g_ptr_array_add (dirs, g_build_filename (PKGDATADIR, "meters", NULL));
  g_ptr_array_add (dirs, NULL);
  return (char **) g_ptr_array_free (dirs, FALSE);
}

typedef struct
{
  const char *first_dir;   /* the including file's directory, or NULL */
  guint       depth;
} Resolve;

static MdMeterProfile *lookup (const char  *id,
                               Resolve     *r,
                               GError     **error);

static MdMeterProfile *
resolve_cb (const char  *id,
            gpointer     user_data,
            GError     **error)
{
  Resolve *parent = user_data;
  Resolve r = { parent->first_dir, parent->depth + 1 };

  if (r.depth > MAX_BASE_DEPTH)
    {
      g_set_error (error, MD_METER_PROFILE_ERROR, MD_METER_PROFILE_ERROR_INVALID,
                   _("profiles based on each other more than %u deep (a loop?)"), MAX_BASE_DEPTH);
      return NULL;
    }
  return lookup (id, &r, error);
}

static MdMeterProfile *
load_checked (const char           *origin,
              const char           *text,
              gsize                 len,
              const char           *want_id,
              MdMeterProfileFlags   flags,
              Resolve              *r,
              GError              **error)
{
  MdMeterProfile *p = _md_meter_profile_parse (origin, text, len, flags, resolve_cb, r, error);

  if (p != NULL && want_id != NULL && g_strcmp0 (p->id, want_id) != 0)
    {
      g_set_error (error, MD_METER_PROFILE_ERROR, MD_METER_PROFILE_ERROR_INVALID,
                   _("%s:1: the file says id “%s”; its name says “%s”"), origin, p->id, want_id);
      g_clear_pointer (&p, md_meter_profile_unref);
    }
  return p;
}

static MdMeterProfile *
lookup (const char  *id,
        Resolve     *r,
        GError     **error)
{
  g_auto(GStrv) dirs = md_meter_profile_search_path ();
  g_autofree char *file = g_strconcat (id, ".ini", NULL);
  g_autofree char *resource = g_build_path ("/", RESOURCE_DIR, file, NULL);
  g_autoptr(GBytes) bytes = NULL;
  GPtrArray *candidates = g_ptr_array_new_with_free_func (g_free);

  /* Keeps the built-in profiles linked in (they register themselves). */
  (void) md_meters_get_resource ();

  if (r->first_dir != NULL)
    g_ptr_array_add (candidates, g_build_filename (r->first_dir, file, NULL));
  for (guint i = 0; dirs[i] != NULL; i++)
    g_ptr_array_add (candidates, g_build_filename (dirs[i], file, NULL));

  for (guint i = 0; i < candidates->len; i++)
    {
      const char *path = candidates->pdata[i];
      g_autofree char *text = NULL;
      gsize len;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      if (!g_file_get_contents (path, &text, &len, error))
        {
          g_ptr_array_unref (candidates);
          return NULL;
        }
      {
        MdMeterProfile *p = load_checked (path, text, len, id, MD_METER_PROFILE_DEFAULT, r, error);

        g_ptr_array_unref (candidates);
        return p;
      }
    }
  g_ptr_array_unref (candidates);

  bytes = g_resources_lookup_data (resource, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes != NULL)
    {
      gsize len;
      const char *text = g_bytes_get_data (bytes, &len);
      g_autofree char *origin = g_strconcat ("resource://", resource, NULL);

      return load_checked (origin, text, len, id, MD_METER_PROFILE_DEFAULT, r, error);
    }

  g_set_error (error, MD_METER_PROFILE_ERROR, MD_METER_PROFILE_ERROR_NOT_FOUND,
               _("No meter profile “%s” (looked for %s on the profile path)"), id, file);
  return NULL;
}

/**
 * md_meter_profile_lookup:
 * @id: a profile id, as in the meter table's model column
 * @error: return location for a #GError
 *
 * Finds the profile on md_meter_profile_search_path(), then among the
 * built-in ones. The file must be named `ID.ini` and say `id = ID`.
 *
 * Returns: (transfer full): the profile, or %NULL
 */
MdMeterProfile *
md_meter_profile_lookup (const char  *id,
                         GError     **error)
{
  Resolve r = { NULL, 0 };

  g_return_val_if_fail (id != NULL, NULL);

  if (*id == '\0' || strchr (id, '/') != NULL || id[0] == '.')
    {
      g_set_error (error, MD_METER_PROFILE_ERROR, MD_METER_PROFILE_ERROR_NOT_FOUND,
                   _("“%s” is not a profile id"), id);
      return NULL;
    }
  return lookup (id, &r, error);
}

/**
 * md_meter_profile_load_file:
 * @path: an INI file
 * @flags: %MD_METER_PROFILE_REQUIRE_SOURCES to check source comments too
 * @error: return location for a #GError
 *
 * Loads one profile file. A `base` is looked for next to it first, then on
 * the search path.
 *
 * Returns: (transfer full): the profile, or %NULL with `file:line: reason`
 */
MdMeterProfile *
md_meter_profile_load_file (const char           *path,
                            MdMeterProfileFlags   flags,
                            GError              **error)
{
  g_autofree char *text = NULL;
  g_autofree char *dir = NULL;
  gsize len;
  Resolve r = { NULL, 0 };

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  dir = g_path_get_dirname (path);
  r.first_dir = dir;
  return load_checked (path, text, len, NULL, flags, &r, error);
}

/**
 * md_meter_profile_load_data:
 * @name: what errors call the text ("file.ini")
 * @text: the profile
 * @length: bytes of @text, or -1 if nul-terminated
 * @flags: loading flags
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the profile, or %NULL
 */
MdMeterProfile *
md_meter_profile_load_data (const char           *name,
                            const char           *text,
                            gssize                length,
                            MdMeterProfileFlags   flags,
                            GError              **error)
{
  Resolve r = { NULL, 0 };

  g_return_val_if_fail (name != NULL && text != NULL, NULL);

  return load_checked (name, text, length < 0 ? strlen (text) : (gsize) length, NULL, flags,
                       &r, error);
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static void
add_ids_from_dir (GHashTable *ids,
                  const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".ini") && name[0] != '.')
      g_hash_table_add (ids, g_strndup (name, strlen (name) - 4));
}

/**
 * md_meter_profile_list_ids:
 *
 * Returns: (transfer full): every profile id on the path or built in,
 *   sorted
 */
char **
md_meter_profile_list_ids (void)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) dirs = md_meter_profile_search_path ();
  g_auto(GStrv) builtin = g_resources_enumerate_children (RESOURCE_DIR,
                                                         G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  char **result;
  guint n;

  (void) md_meters_get_resource ();

  for (guint i = 0; dirs[i] != NULL; i++)
    add_ids_from_dir (ids, dirs[i]);
  for (guint i = 0; builtin != NULL && builtin[i] != NULL; i++)
    if (g_str_has_suffix (builtin[i], ".ini"))
      g_hash_table_add (ids, g_strndup (builtin[i], strlen (builtin[i]) - 4));

  result = (char **) g_hash_table_get_keys_as_array (ids, &n);
  g_hash_table_steal_all (ids);
  qsort (result, n, sizeof (char *), compare_strings);
  return result;
}

/**
 * md_meter_profile_get_id:
 * @profile: a profile
 *
 * Returns: the id, as in the meter table's model column
 */
const char *
md_meter_profile_get_id (const MdMeterProfile *profile)
{
  return profile->id;
}

/**
 * md_meter_profile_get_name:
 * @profile: a profile
 *
 * Returns: the model's name for people
 */
const char *
md_meter_profile_get_name (const MdMeterProfile *profile)
{
  return profile->name;
}

/**
 * md_meter_profile_get_protocol:
 * @profile: a profile
 *
 * Returns: the protocol the model speaks
 */
MdMeterProtocol
md_meter_profile_get_protocol (const MdMeterProfile *profile)
{
  return profile->protocol;
}

/**
 * md_meter_profile_is_water:
 * @profile: a profile
 *
 * Returns: %TRUE for a water meter (volumes in litres, a valve)
 */
gboolean
md_meter_profile_is_water (const MdMeterProfile *profile)
{
  return profile->water;
}

/**
 * md_meter_profile_get_credit_kind:
 * @profile: a profile
 *
 * Returns: what the meter's credit register holds
 */
MdMeterCreditKind
md_meter_profile_get_credit_kind (const MdMeterProfile *profile)
{
  return profile->credit;
}

/**
 * md_meter_profile_can_read:
 * @profile: a profile
 * @point: a point
 *
 * Returns: %TRUE if md_meter_read() reads @point
 */
gboolean
md_meter_profile_can_read (const MdMeterProfile *profile,
                           MdMeterPoint          point)
{
  g_return_val_if_fail (point < MD_METER_N_POINTS, FALSE);

  return profile->read[point].present;
}

/**
 * md_meter_profile_can_set:
 * @profile: a profile
 * @point: a parameter point
 *
 * Returns: %TRUE if md_meter_set_params() can write @point
 */
gboolean
md_meter_profile_can_set (const MdMeterProfile *profile,
                          MdMeterPoint          point)
{
  g_return_val_if_fail (point < MD_METER_N_POINTS, FALSE);

  return profile->params[point].present;
}

/**
 * md_meter_profile_can_recharge:
 * @profile: a profile
 * @error: return location for a #GError saying why not
 *
 * Returns: %TRUE if the profile describes a remote recharge
 */
gboolean
md_meter_profile_can_recharge (const MdMeterProfile  *profile,
                               GError               **error)
{
  switch (profile->recharge_method)
    {
    case MD_METER_METHOD_MODBUS:
    case MD_METER_METHOD_DLT645:
      return TRUE;
    case MD_METER_METHOD_ESAM:
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED,
                   _("Meter model “%s” is recharged only through security authentication "
                     "(DL/T 645 03H with the meter's ESAM keys), which Meterdesk does not have"),
                   profile->name);
      return FALSE;
    case MD_METER_METHOD_NONE:
    default:
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED,
                   _("Meter model “%s” has no known remote recharge"), profile->name);
      return FALSE;
    }
}

/**
 * md_meter_profile_can_control:
 * @profile: a profile
 * @control: a command
 * @error: return location for a #GError saying why not
 *
 * Returns: %TRUE if the profile describes @control
 */
gboolean
md_meter_profile_can_control (const MdMeterProfile  *profile,
                              MdMeterControl         control,
                              GError               **error)
{
  g_return_val_if_fail (control < MD_METER_N_CONTROLS, FALSE);

  if (profile->control_method == MD_METER_METHOD_MODBUS && profile->control[control].present)
    return TRUE;
  if (profile->control_method == MD_METER_METHOD_DLT645 &&
      control != MD_METER_CONTROL_MODE_LOCAL && control != MD_METER_CONTROL_MODE_REMOTE)
    return TRUE;
  g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED,
               _("Meter model “%s” has no “%s” command"), profile->name,
               md_meter_control_to_string (control));
  return FALSE;
}

/**
 * md_meter_profile_can_broadcast_time:
 * @profile: a profile
 *
 * Returns: %TRUE if the model's clocks can be set by broadcast
 */
gboolean
md_meter_profile_can_broadcast_time (const MdMeterProfile *profile)
{
  return profile->time_method != MD_METER_METHOD_NONE;
}

/**
 * md_meter_profile_can_discover:
 * @profile: a profile
 *
 * Returns: %TRUE if meters of the model can be searched for
 */
gboolean
md_meter_profile_can_discover (const MdMeterProfile *profile)
{
  return profile->discover_method != MD_METER_METHOD_NONE;
}

/**
 * md_meter_profile_to_json:
 * @profile: a profile
 *
 * Returns: (transfer full): what the profile can do, for `meterdesk-cli`
 *   and diagnostics
 */
JsonNode *
md_meter_profile_to_json (const MdMeterProfile *profile)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, profile->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, profile->name);
  json_builder_set_member_name (b, "protocol");
  json_builder_add_string_value (b, md_meter_protocol_to_string (profile->protocol));
  json_builder_set_member_name (b, "utility");
  json_builder_add_string_value (b, profile->water ? "water" : "electricity");
  json_builder_set_member_name (b, "credit");
  json_builder_add_string_value (b, md_meter_credit_kind_to_string (profile->credit));
  json_builder_set_member_name (b, "read");
  json_builder_begin_array (b);
  for (guint i = 0; i < MD_METER_N_POINTS; i++)
    if (profile->read[i].present)
      json_builder_add_string_value (b, md_meter_point_to_string ((MdMeterPoint) i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "params");
  json_builder_begin_array (b);
  for (guint i = 0; i < MD_METER_N_POINTS; i++)
    if (profile->params[i].present)
      json_builder_add_string_value (b, md_meter_point_to_string ((MdMeterPoint) i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "recharge");
  json_builder_add_boolean_value (b, md_meter_profile_can_recharge (profile, NULL));
  json_builder_set_member_name (b, "control");
  json_builder_begin_array (b);
  for (guint i = 0; i < MD_METER_N_CONTROLS; i++)
    if (md_meter_profile_can_control (profile, (MdMeterControl) i, NULL))
      json_builder_add_string_value (b, md_meter_control_to_string ((MdMeterControl) i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "broadcast_time");
  json_builder_add_boolean_value (b, md_meter_profile_can_broadcast_time (profile));
  json_builder_set_member_name (b, "discover");
  json_builder_add_boolean_value (b, md_meter_profile_can_discover (profile));
  json_builder_set_member_name (b, "origin");
  json_builder_add_string_value (b, profile->origin);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
