/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-money.h"
#include "md-print-private.h"
#include "md-print-resources.h"
#include "md-validate.h"

/*
 * Receipt templates (docs/receipts.md): a keyfile choosing the paper,
 * margins, copies, fonts, which fields in what order, a logo and a footer.
 * Every group, key and item is checked against what the layout knows, so
 * a misspelt key is an error rather than a silently ignored line.
 */

#define RESOURCE_DIR "/org/meterdesk/print/receipts/"

struct _MdReceiptTemplate
{
  gatomicrefcount   ref_count;
  char             *name;
  GKeyFile         *keyfile;
  char             *locale;
  MdTemplateLayout  layout;
};

G_DEFINE_BOXED_TYPE (MdReceiptTemplate, md_receipt_template, md_receipt_template_ref,
                     md_receipt_template_unref)

static const char * const template_keys[] = { "name", "description", "locale", NULL };
static const char * const page_keys[] = {
  "paper", "orientation", "margins", "margin-top", "margin-right", "margin-bottom", "margin-left",
  "copies", "copy-mode", NULL,
};
static const char * const font_keys[] = { "family", "size", "title-size", "small-size", NULL };
static const char * const content_keys[] = {
  "company", "header", "items", "wide", "emphasis", "columns", "footer", "qr-size", "logo",
  "logo-width", "watermark", NULL,
};
static const char * const title_keys[] = {
  "sale", "reversal", "refund", "settlement", "offset", "grant", "carry", "account-opening",
  "shift-x", "shift-z", NULL,
};
/* Label keys besides the fields: layout words, then "table" and
 * "table.column" for the tables' titles and headings. */
static const char * const label_words[] = {
  "copy", "reprint-mark", "page", "separator", "signature-operator", "signature-customer",
  NULL,
};
static const char * const table_columns[] = {
  "lines.item", "lines.quantity", "lines.price", "lines.amount",
  "meters.meter", "meters.utility", "meters.model",
  "by_kind.kind", "by_kind.count", "by_kind.amount",
  "by_payment.pay", "by_payment.count", "by_payment.amount",
  "by_operator.operator", "by_operator.sales", "by_operator.reversals", "by_operator.refunds",
  "by_operator.approvals",
  "lines", "meters", "by_kind", "by_payment", "by_operator",
  NULL,
};
static const char * const header_blocks[] = { "logo", "qr", "title", "copy", NULL };
static const char * const body_blocks[] = { "lines", "qr", "rule", "space", "signatures", NULL };

static gboolean
template_error (GError     **error,
                const char  *name,
                const char  *format,
                ...) G_GNUC_PRINTF (3, 4);

static gboolean
template_error (GError     **error,
                const char  *name,
                const char  *format,
                ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  /* TRANSLATORS: a receipt template's name, then what is wrong with it */
  g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_TEMPLATE, _("Template “%s”: %s"), name,
               reason);
  return FALSE;
}

static gboolean
is_field (const char *key)
{
  return g_strv_contains (md_receipt_field_keys (), key);
}

static gboolean
label_key_known (const char *key)
{
  return is_field (key) || g_strv_contains (label_words, key) ||
         g_strv_contains (table_columns, key);
}

/* Every group and key is one the layout reads; "key[zh_CN]" is "key". */
static gboolean
check_keys (MdReceiptTemplate  *self,
            GError            **error)
{
  static const struct { const char *group; const char * const *keys; } groups[] = {
    { "template", template_keys }, { "page", page_keys }, { "font", font_keys },
    { "content", content_keys }, { "titles", title_keys }, { "labels", NULL },
  };
  g_auto(GStrv) names = g_key_file_get_groups (self->keyfile, NULL);

  for (guint g = 0; names[g] != NULL; g++)
    {
      g_auto(GStrv) keys = NULL;
      int found = -1;

      for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
        if (g_str_equal (names[g], groups[i].group))
          found = (int) i;
      if (found < 0)
        {
          g_autofree char *shown = md_input_quote (names[g]);

          return template_error (error, self->name, _("unknown group [%s]"), shown);
        }
      keys = g_key_file_get_keys (self->keyfile, names[g], NULL, NULL);
      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          g_autofree char *key = g_strdup (keys[k]);
          gboolean known;

          if (strchr (key, '[') != NULL)
            *strchr (key, '[') = '\0';
          known = groups[found].keys != NULL ? g_strv_contains (groups[found].keys, key)
                                             : label_key_known (key);
          if (!known)
            {
              g_autofree char *shown = md_input_quote (key);

              return template_error (error, self->name, _("unknown key “%s” in [%s]"), shown,
                                     names[g]);
            }
        }
    }
  return TRUE;
}

static char *
get_string (MdReceiptTemplate *self,
            const char        *group,
            const char        *key)
{
  return g_key_file_get_locale_string (self->keyfile, group, key, self->locale, NULL);
}

/* A length in millimetres with at most one decimal, within bounds. */
static gboolean
get_mm (MdReceiptTemplate  *self,
        const char         *group,
        const char         *key,
        double              min,
        double              max,
        double             *inout,
        GError            **error)
{
  g_autofree char *text = g_key_file_get_value (self->keyfile, group, key, NULL);
  gint64 tenths;

  if (text == NULL)
    return TRUE;
  g_strstrip (text);
  if (!md_decimal_parse (text, 1, 99999, MD_PARSE_DEFAULT, &tenths, NULL) ||
      tenths < min * 10 || tenths > max * 10)
    {
      g_autofree char *shown = md_input_quote (text);

      return template_error (error, self->name,
                             _("[%s] %s is %s: give a number from %g to %g"), group, key, shown,
                             min, max);
    }
  *inout = tenths / 10.0;
  return TRUE;
}

/* A font size in points, with at most one decimal, as tenths. */
static gboolean
get_size (MdReceiptTemplate  *self,
          const char         *key,
          int                 min,
          int                 max,
          int                *inout,
          GError            **error)
{
  double value = *inout / 10.0;

  if (!get_mm (self, "font", key, min, max, &value, error))
    return FALSE;
  *inout = (int) (value * 10 + 0.5);
  return TRUE;
}

static gboolean
parse_paper (MdReceiptTemplate  *self,
             GError            **error)
{
  static const struct { const char *name; double w, h; } papers[] = {
    { "a4", 210, 297 }, { "a5", 148, 210 }, { "a6", 105, 148 }, { "b5", 176, 250 },
    { "roll-80", 80, 0 }, { "roll-58", 58, 0 },
  };
  MdTemplateLayout *l = &self->layout;
  g_autofree char *paper = g_key_file_get_string (self->keyfile, "page", "paper", NULL);
  g_autofree char *orientation = g_key_file_get_string (self->keyfile, "page", "orientation",
                                                        NULL);
  g_auto(GStrv) parts = NULL;
  gboolean found = FALSE;

  l->paper_width = 210;
  l->paper_height = 297;
  if (paper != NULL)
    {
      g_strstrip (paper);
      for (guint i = 0; i < G_N_ELEMENTS (papers); i++)
        if (g_str_equal (paper, papers[i].name))
          {
            l->paper_width = papers[i].w;
            l->paper_height = papers[i].h;
            found = TRUE;
          }
      parts = g_strsplit (paper, "x", 2);
      if (!found && g_strv_length (parts) == 2)
        {
          gint64 w, h;

          found = md_decimal_parse (parts[0], 1, 99999, MD_PARSE_POSITIVE, &w, NULL) &&
                  md_decimal_parse (parts[1], 1, 99999, MD_PARSE_POSITIVE, &h, NULL) &&
                  w >= 300 && w <= 10000 && h >= 300 && h <= 10000;
          l->paper_width = w / 10.0;
          l->paper_height = h / 10.0;
        }
      if (!found)
        {
          g_autofree char *shown = md_input_quote (paper);

          return template_error (error, self->name,
                                 _("unknown paper %s: use a4, a5, a6, b5, roll-80, roll-58 or "
                                   "WIDTHxHEIGHT in millimetres"), shown);
        }
    }
  if (orientation != NULL && !g_str_equal (g_strstrip (orientation), "portrait"))
    {
      double t = l->paper_width;

      if (!g_str_equal (orientation, "landscape"))
        return template_error (error, self->name,
                               _("[page] orientation must be portrait or landscape"));
      if (l->paper_height > 0)
        {
          l->paper_width = l->paper_height;
          l->paper_height = t;
        }
    }
  return TRUE;
}

static gboolean
check_items (MdReceiptTemplate   *self,
             const char          *key,
             GStrv                items,
             const char * const  *blocks,
             GError             **error)
{
  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    {
      g_strstrip (items[i]);
      if (!is_field (items[i]) && (blocks == NULL || !g_strv_contains (blocks, items[i])))
        {
          g_autofree char *shown = md_input_quote (items[i]);

          return template_error (error, self->name, _("unknown item %s in [content] %s"), shown,
                                 key);
        }
    }
  return TRUE;
}

static GStrv
get_list (MdReceiptTemplate *self,
          const char        *group,
          const char        *key,
          const char        *fallback)
{
  GStrv list = g_key_file_get_string_list (self->keyfile, group, key, NULL, NULL);

  if (list == NULL && fallback != NULL)
    list = g_strsplit (fallback, ";", -1);
  return list;
}

static gboolean
load_layout (MdReceiptTemplate  *self,
             const char         *base_dir,
             GError            **error)
{
  MdTemplateLayout *l = &self->layout;
  g_autofree char *mode = NULL;
  g_autofree char *logo = NULL;
  double columns = 1, margins = -1;
  gboolean roll;

  if (!parse_paper (self, error))
    return FALSE;
  roll = l->paper_height == 0;
  l->margins[0] = l->margins[2] = roll ? 3 : 10;
  l->margins[1] = l->margins[3] = roll ? 4 : 12;
  if (!get_mm (self, "page", "margins", 0, 50, &margins, error))
    return FALSE;
  for (guint i = 0; margins >= 0 && i < 4; i++)
    l->margins[i] = margins;
  if (!get_mm (self, "page", "margin-top", 0, 50, &l->margins[0], error) ||
      !get_mm (self, "page", "margin-right", 0, 50, &l->margins[1], error) ||
      !get_mm (self, "page", "margin-bottom", 0, 50, &l->margins[2], error) ||
      !get_mm (self, "page", "margin-left", 0, 50, &l->margins[3], error))
    return FALSE;
  if (l->margins[1] + l->margins[3] > l->paper_width - 30)
    return template_error (error, self->name, _("the margins leave no room to print"));

  l->copies = g_key_file_get_locale_string_list (self->keyfile, "page", "copies", self->locale,
                                                 NULL, NULL);
  mode = g_key_file_get_string (self->keyfile, "page", "copy-mode", NULL);
  if (mode == NULL || g_str_equal (g_strstrip (mode), "page"))
    l->copy_mode = MD_COPY_MODE_PAGE;
  else if (g_str_equal (mode, "stack"))
    l->copy_mode = MD_COPY_MODE_STACK;
  else if (g_str_equal (mode, "side"))
    l->copy_mode = MD_COPY_MODE_SIDE;
  else
    return template_error (error, self->name, _("[page] copy-mode must be page, stack or side"));
  if (roll && l->copy_mode != MD_COPY_MODE_PAGE)
    return template_error (error, self->name, _("a roll prints its copies one after another: "
                                                "use copy-mode=page"));

  l->family = g_key_file_get_string (self->keyfile, "font", "family", NULL);
  if (l->family == NULL)
    l->family = g_strdup (MD_PRINT_DEFAULT_FAMILY);
  l->size10 = 90;
  l->title_size10 = 140;
  l->small_size10 = 70;
  if (!get_size (self, "size", 5, 30, &l->size10, error) ||
      !get_size (self, "title-size", 6, 40, &l->title_size10, error) ||
      !get_size (self, "small-size", 4, 20, &l->small_size10, error))
    return FALSE;

  l->header = get_list (self, "content", "header", "logo;company;title;copy;qr");
  l->items = get_list (self, "content", "items",
                       "receipt;time;terminal;operator;reprint;rule;customer;account;room;meter;"
                       "card;rule;lines;rule;amount;amount_in_words;energy;water;pay;pay_ref;"
                       "credit_before;credit_after;purchase_count;token;reason;reverses;"
                       "audit_hash");
  l->wide = get_list (self, "content", "wide", "room;amount_in_words;audit_hash;reprint");
  l->emphasis = get_list (self, "content", "emphasis", "amount");
  if (!check_items (self, "header", l->header, header_blocks, error) ||
      !check_items (self, "items", l->items, body_blocks, error) ||
      !check_items (self, "wide", l->wide, NULL, error) ||
      !check_items (self, "emphasis", l->emphasis, NULL, error))
    return FALSE;
  if (!get_mm (self, "content", "columns", 1, 4, &columns, error))
    return FALSE;
  l->columns = (guint) columns;
  l->qr_size = roll ? 24 : 20;
  l->logo_width = 18;
  if (!get_mm (self, "content", "qr-size", 10, 60, &l->qr_size, error) ||
      !get_mm (self, "content", "logo-width", 5, 100, &l->logo_width, error))
    return FALSE;
  l->watermark = TRUE;
  if (g_key_file_has_key (self->keyfile, "content", "watermark", NULL))
    {
      GError *local_error = NULL;

      l->watermark = g_key_file_get_boolean (self->keyfile, "content", "watermark", &local_error);
      if (local_error != NULL)
        {
          g_clear_error (&local_error);
          return template_error (error, self->name, _("[content] watermark must be true or false"));
        }
    }

  logo = g_key_file_get_string (self->keyfile, "content", "logo", NULL);
  if (logo != NULL && *g_strstrip (logo) != '\0')
    {
      g_autofree char *path = NULL;
      g_autoptr(GError) local_error = NULL;

      if (g_str_has_prefix (logo, "resource://") || g_path_is_absolute (logo))
        path = g_strdup (logo);
      else
        path = g_build_filename (base_dir != NULL ? base_dir : ".", logo, NULL);
      if (!(l->logo = _md_print_image_load (path, &local_error)))
        {
          g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_LOGO,
                       _("Template “%s”: the logo %s cannot be read: %s"), self->name, path,
                       local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * md_receipt_template_new_from_data:
 * @name: the template's name, for messages
 * @base_dir: (nullable): where a relative logo path starts
 *
 * Returns: (transfer full): the checked template, or %NULL with @error set
 */
MdReceiptTemplate *
md_receipt_template_new_from_data (const char  *data,
                                   gssize       length,
                                   const char  *name,
                                   const char  *base_dir,
                                   GError     **error)
{
  g_autoptr(MdReceiptTemplate) self = g_new0 (MdReceiptTemplate, 1);
  g_autoptr(GError) local_error = NULL;

  g_atomic_ref_count_init (&self->ref_count);
  self->name = g_strdup (name);
  self->keyfile = g_key_file_new ();
  g_key_file_set_list_separator (self->keyfile, ';');
  if (!g_key_file_load_from_data (self->keyfile, data, length, G_KEY_FILE_KEEP_TRANSLATIONS,
                                  &local_error))
    {
      template_error (error, name, "%s", local_error->message);
      return NULL;
    }
  self->locale = g_key_file_get_string (self->keyfile, "template", "locale", NULL);
  if (!check_keys (self, error) || !load_layout (self, base_dir, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* Constructors register the built-in templates; a build without them, and
 * the reference keeping that object in the static library's link, need
 * this (as md-store.c does for its SQL). */
static void
ensure_resources (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_auto(GStrv) children = g_resources_enumerate_children (RESOURCE_DIR, 0, NULL);

      if (children == NULL)
        g_resources_register (md_print_get_resource ());
      g_once_init_leave (&done, 1);
    }
}

static gboolean
valid_name (const char *name)
{
  if (*name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static GPtrArray *
search_dirs (void)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);
  const char * const *system = g_get_system_data_dirs ();

  g_ptr_array_add (dirs, g_build_filename (g_get_user_config_dir (), "meterdesk", "receipts",
                                           NULL));
  g_ptr_array_add (dirs, g_build_filename (PKGDATADIR, "receipts", NULL));
  for (guint i = 0; system[i] != NULL; i++)
    g_ptr_array_add (dirs, g_build_filename (system[i], "meterdesk", "receipts", NULL));
  return dirs;
}

/**
 * md_receipt_template_load:
 * @name_or_path: a file (a path with "/" or ending in ".ini"), or a name
 *   looked up as NAME.ini in ~/.config/meterdesk/receipts, the installed
 *   templates, and those built into the program
 *
 * Returns: (transfer full): the checked template, or %NULL with @error set
 */
MdReceiptTemplate *
md_receipt_template_load (const char  *name_or_path,
                          GError     **error)
{
  g_autoptr(GPtrArray) dirs = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *resource = NULL;
  g_autofree char *shown = NULL;

  g_return_val_if_fail (name_or_path != NULL, NULL);

  if (strchr (name_or_path, '/') != NULL || g_str_has_suffix (name_or_path, ".ini"))
    {
      g_autofree char *text = NULL;
      g_autofree char *dir = g_path_get_dirname (name_or_path);
      g_autofree char *base = g_path_get_basename (name_or_path);
      g_autoptr(GError) local_error = NULL;
      gsize length;

      if (!g_file_get_contents (name_or_path, &text, &length, &local_error))
        {
          g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_NOT_FOUND,
                       _("The template %s cannot be read: %s"), name_or_path,
                       local_error->message);
          return NULL;
        }
      if (g_str_has_suffix (base, ".ini"))
        base[strlen (base) - 4] = '\0';
      return md_receipt_template_new_from_data (text, length, base, dir, error);
    }

  ensure_resources ();
  shown = md_input_quote (name_or_path);
  if (!valid_name (name_or_path))
    {
      g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_NOT_FOUND,
                   _("There is no receipt template “%s”"), shown);
      return NULL;
    }
  dirs = search_dirs ();
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autofree char *file = g_strconcat (name_or_path, ".ini", NULL);
      g_autofree char *path = g_build_filename (dirs->pdata[i], file, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return md_receipt_template_load (path, error);
    }
  resource = g_strconcat (RESOURCE_DIR, name_or_path, ".ini", NULL);
  if ((bytes = g_resources_lookup_data (resource, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL)))
    return md_receipt_template_new_from_data (g_bytes_get_data (bytes, NULL),
                                              g_bytes_get_size (bytes), name_or_path, NULL, error);
  g_set_error (error, MD_PRINT_ERROR, MD_PRINT_ERROR_NOT_FOUND,
               _("There is no receipt template “%s”"), shown);
  return NULL;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  /* g_ptr_array_sort hands pointers to the elements. */
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/**
 * md_receipt_template_list:
 *
 * Returns: (transfer full): the names of the templates found, sorted
 */
GStrv
md_receipt_template_list (void)
{
  g_autoptr(GPtrArray) dirs = search_dirs ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) built_in = NULL;
  GPtrArray *names = g_ptr_array_new ();

  ensure_resources ();
  built_in = g_resources_enumerate_children (RESOURCE_DIR, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

  for (guint i = 0; i < dirs->len; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (dirs->pdata[i], 0, NULL);
      const char *file;

      while (dir != NULL && (file = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (file, ".ini"))
          g_hash_table_add (seen, g_strndup (file, strlen (file) - 4));
    }
  for (guint i = 0; built_in != NULL && built_in[i] != NULL; i++)
    if (g_str_has_suffix (built_in[i], ".ini"))
      g_hash_table_add (seen, g_strndup (built_in[i], strlen (built_in[i]) - 4));

  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, seen);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (names, g_strdup (key));
  }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

/**
 * md_receipt_template_ref:
 *
 * Returns: (transfer full): @self
 */
MdReceiptTemplate *
md_receipt_template_ref (MdReceiptTemplate *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * md_receipt_template_unref:
 *
 * Drops a reference; the last frees the template.
 */
void
md_receipt_template_unref (MdReceiptTemplate *self)
{
  MdTemplateLayout *l;

  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  l = &self->layout;
  g_strfreev (l->copies);
  g_free (l->family);
  g_strfreev (l->header);
  g_strfreev (l->items);
  g_strfreev (l->wide);
  g_strfreev (l->emphasis);
  g_clear_pointer (&l->logo, _md_print_image_unref);
  g_key_file_unref (self->keyfile);
  g_free (self->locale);
  g_free (self->name);
  g_free (self);
}

/**
 * md_receipt_template_get_name:
 *
 * Returns: the template's name: its file's, without ".ini"
 */
const char *
md_receipt_template_get_name (MdReceiptTemplate *self)
{
  return self->name;
}

/**
 * md_receipt_template_get_description:
 *
 * Returns: (transfer full) (nullable): [template] name and description,
 *   for a list to choose from
 */
char *
md_receipt_template_get_description (MdReceiptTemplate *self)
{
  g_autofree char *name = get_string (self, "template", "name");
  g_autofree char *description = get_string (self, "template", "description");

  if (name != NULL && description != NULL)
    return g_strdup_printf ("%s — %s", name, description);
  return g_strdup (name != NULL ? name : description);
}

const MdTemplateLayout *
_md_receipt_template_get_layout (MdReceiptTemplate *self)
{
  return &self->layout;
}

/* [labels] @key in the template's language, or %NULL. */
char *
_md_receipt_template_label (MdReceiptTemplate *self,
                            const char        *key)
{
  return get_string (self, "labels", key);
}

char *
_md_receipt_template_title (MdReceiptTemplate *self,
                            const char        *kind)
{
  return get_string (self, "titles", kind);
}

/* [content] @key (company, footer), or %NULL. */
char *
_md_receipt_template_text (MdReceiptTemplate *self,
                           const char        *key)
{
  /* Keyfile values take "\n" for a new line. */
  return get_string (self, "content", key);
}
