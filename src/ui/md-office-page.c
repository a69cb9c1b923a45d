/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "md-audit.h"
#include "md-form.h"
#include "md-office-page.h"
#include "md-pricing.h"
#include "md-register.h"
#include "md-validate.h"

/* The back office (后台管理, UX.md "Back office"): preference-style
 * sections chosen in a sidebar, each list searchable; every change asks in
 * a dialog and runs its core service on the worker, which checks the
 * operator's permission and records the change in the audit chain. The
 * operator's permissions enable the commands; a refusal from the core is
 * shown as its one line. */

/* ---- items: one object of a list, with the text a search looks in ---- */

#define MD_TYPE_OFFICE_ITEM (md_office_item_get_type ())
G_DECLARE_FINAL_TYPE (MdOfficeItem, md_office_item, MD, OFFICE_ITEM, GObject)

struct _MdOfficeItem
{
  GObject     parent_instance;

  JsonObject *object;
  char       *search;
};

G_DEFINE_FINAL_TYPE (MdOfficeItem, md_office_item, G_TYPE_OBJECT)

enum {
  ITEM_PROP_0,
  ITEM_PROP_SEARCH,
  ITEM_N_PROPS
};

static GParamSpec *item_properties[ITEM_N_PROPS];

static void
md_office_item_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  MdOfficeItem *self = MD_OFFICE_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_SEARCH:
      g_value_set_string (value, self->search);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
md_office_item_finalize (GObject *object)
{
  MdOfficeItem *self = MD_OFFICE_ITEM (object);

  g_clear_pointer (&self->object, json_object_unref);
  g_free (self->search);

  G_OBJECT_CLASS (md_office_item_parent_class)->finalize (object);
}

static void
md_office_item_class_init (MdOfficeItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = md_office_item_get_property;
  object_class->finalize = md_office_item_finalize;

  item_properties[ITEM_PROP_SEARCH] =
    g_param_spec_string ("search", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_properties);
}

static void
md_office_item_init (MdOfficeItem *self)
{
}

static MdOfficeItem *
office_item_new (JsonObject *object)
{
  MdOfficeItem *self = g_object_new (MD_TYPE_OFFICE_ITEM, NULL);
  g_autoptr(GString) search = g_string_new (NULL);
  JsonObjectIter iter;
  const char *member;
  JsonNode *node;

  self->object = json_object_ref (object);
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &member, &node))
    if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
      g_string_append_printf (search, "%s\n", json_node_get_string (node));
  self->search = g_string_free (g_steal_pointer (&search), FALSE);
  return self;
}

/* ---- the page ---- */

typedef enum
{
  SECTION_TARIFFS,
  SECTION_FEES,
  SECTION_CATEGORIES,
  SECTION_OPERATORS,
  SECTION_TERMINALS,
  SECTION_BUSES,
  N_SECTIONS
} Section;

/* The stack pages that hold a list, in Section order; "import" and
 * "backup" hold none. */
static const char * const section_names[N_SECTIONS] = {
  "tariffs", "fees", "categories", "operators", "terminals", "buses",
};

typedef struct
{
  MdOfficePage        *page;       /* borrowed: the page holds the lists */
  Section              index;
  GtkSearchEntry      *search;     /* template widgets */
  GtkLabel            *message;
  GtkListBox          *list;
  GListStore          *store;      /* owned */
  GtkStringFilter     *filter;     /* owned */
  guint                generation;
} List;

typedef enum
{
  OP_TARIFF_SET,
  OP_FEE_SET,
  OP_CATEGORY_ADD,
  OP_OPERATOR_ADD,
  OP_OPERATOR_ROLES,
  OP_OPERATOR_PASSWORD,
  OP_OPERATOR_UNLOCK,
  OP_OPERATOR_DEACTIVATE,
  OP_OPERATOR_ACTIVATE,
  OP_TERMINAL_ADD,
  OP_BUS_ADD,
  OP_IMPORT,
  OP_BACKUP,
  OP_RESTORE,
} Op;

typedef enum
{
  CHOOSE_TARIFF,
  CHOOSE_IMPORT,
  CHOOSE_BACKUP,
  CHOOSE_RESTORE,
} Choose;

struct _MdOfficePage
{
  GtkWidget             parent_instance;

  /* template widgets */
  AdwToastOverlay      *toasts;
  GtkStack             *sections;
  GtkLabel             *status_line;
  AdwPreferencesGroup  *tariff_result_group;
  GtkListBox           *tariff_result_list;
  AdwPreferencesGroup  *import_result_group;
  GtkListBox           *import_result_list;
  AdwPreferencesGroup  *backup_result_group;
  GtkListBox           *backup_result_list;

  /* the lists: template widgets and owned models */
  List                  lists[N_SECTIONS];

  /* owned */
  MdWorker             *worker;
  GCancellable         *cancellable;
  GtkNativeDialog      *chooser;
  char                 *status;
  guint                 jobs;
};

G_DEFINE_FINAL_TYPE (MdOfficePage, md_office_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STATUS,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  DATABASE_RESTORED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Which permission each command needs: the core checks again. */
static const struct
{
  const char   *action;
  MdPermission  permission;
} gates[] = {
  { "office.load-tariff", MD_PERM_TARIFF },
  { "office.add-fee", MD_PERM_FEE },
  { "office.set-fee", MD_PERM_FEE },
  { "office.add-category", MD_PERM_CATEGORY },
  { "office.add-operator", MD_PERM_OPERATOR },
  { "office.operator-roles", MD_PERM_OPERATOR },
  { "office.operator-password", MD_PERM_OPERATOR },
  { "office.operator-unlock", MD_PERM_OPERATOR },
  { "office.operator-deactivate", MD_PERM_OPERATOR },
  { "office.operator-activate", MD_PERM_OPERATOR },
  { "office.add-terminal", MD_PERM_SETTINGS },
  { "office.add-bus", MD_PERM_SITE },
  { "office.import", MD_PERM_SITE },
  { "office.backup", MD_PERM_BACKUP },
};

/* The roles in the order the dialogs show them. */
static const MdRole role_order[] = {
  MD_ROLE_CASHIER, MD_ROLE_SUPERVISOR, MD_ROLE_FINANCE, MD_ROLE_UTILIZATION, MD_ROLE_METERING,
  MD_ROLE_AUDITOR, MD_ROLE_ADMIN,
};

/* Far above what a tariff file may be: the parser says why, with the line. */
#define MAX_TARIFF_FILE (1024 * 1024)

/* ---- helpers ---- */

static void
set_status (MdOfficePage *self,
            const char   *style,
            const char   *text)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_line), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_line), "success");
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_line), style);
  gtk_label_set_text (self->status_line, text != NULL ? text : "");
  g_free (self->status);
  self->status = g_strdup (text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

static void
show_success (MdOfficePage *self,
              const char   *text)
{
  /* A toast's title is markup in libadwaita 1.2. */
  g_autofree char *markup = g_markup_escape_text (text, -1);

  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (markup));
  set_status (self, "success", text);
}

/* The first line of an error: what a status line shows. */
static char *
first_line (const char *text)
{
  const char *nl = strchr (text, '\n');

  return nl != NULL ? g_strndup (text, nl - text) : g_strdup (text);
}

static GtkWidget *
text_row (const char *title,
          const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL && *subtitle != '\0')
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

static void
add_suffix_label (GtkWidget  *row,
                  const char *text,
                  const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "numeric");
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
}

static void
clear_list_box (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

/* "2026-01-01T00:00:00+08:00" → "2026-01-01 00:00" in this computer's zone. */
static char *
format_time (const char *iso)
{
  g_autoptr(GDateTime) time = iso != NULL ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    return g_strdup (iso != NULL ? iso : "");
  local = g_date_time_to_local (time);
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

static const char *
member_string (JsonObject *object,
               const char *member)
{
  const char *text = json_object_get_string_member_with_default (object, member, NULL);

  return text != NULL ? text : "";
}

static char *
roles_label (const char *roles_text)
{
  g_autoptr(GString) text = g_string_new (NULL);
  MdRole roles = MD_ROLE_NONE;

  if (!md_roles_parse (roles_text, &roles, NULL))
    return g_strdup (roles_text);
  for (guint i = 0; i < G_N_ELEMENTS (role_order); i++)
    if (roles & role_order[i])
      {
        if (text->len > 0)
          g_string_append (text, _(", "));
        g_string_append (text, md_role_get_label (role_order[i]));
      }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static const char *
unit_label (const char *unit)
{
  return g_strcmp0 (unit, "m3") == 0 ? "m³" : unit;
}

static const char *
rate_label (const char *rate)
{
  if (g_strcmp0 (rate, "sharp") == 0)
    return _("Sharp");
  if (g_strcmp0 (rate, "peak") == 0)
    return _("Peak");
  if (g_strcmp0 (rate, "flat") == 0)
    return _("Flat");
  if (g_strcmp0 (rate, "valley") == 0)
    return _("Valley");
  return rate;
}

static const char *
basis_label (const char *basis)
{
  if (g_strcmp0 (basis, "per-kva") == 0)
    return _("per kVA");
  if (g_strcmp0 (basis, "per-m2") == 0)
    return _("per m²");
  return _("fixed");
}

static const char *
period_label (const char *period)
{
  return g_strcmp0 (period, "monthly") == 0 ? _("monthly") : _("one-off");
}

static const char *
utility_label (const char *utility)
{
  return g_strcmp0 (utility, "water") == 0 ? _("Water") : _("Electricity");
}

static JsonObject *
find_object (MdOfficePage *self,
             Section       section,
             const char   *member,
             const char   *value)
{
  GListModel *model = G_LIST_MODEL (self->lists[section].store);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(MdOfficeItem) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (member_string (item->object, member), value) == 0)
        return item->object;
    }
  return NULL;
}

/* ---- jobs in flight ---- */

typedef struct
{
  MdOfficePage *self;
  Section       section;
  guint         generation;
  Op            op;
  GtkWidget    *row;
  char         *display;
} Pending;

static Pending *
pending_new (MdOfficePage *self)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->self = g_object_ref (self);
  if (self->jobs++ == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  return pending;
}

static void
pending_free (Pending *pending)
{
  MdOfficePage *self = pending->self;

  if (--self->jobs == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  g_clear_object (&pending->row);
  g_free (pending->display);
  g_object_unref (self);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pending, pending_free)

static gboolean
is_cancelled (GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static gboolean
need_session (MdSession  *session,
              GError    **error)
{
  if (session != NULL)
    return TRUE;
  g_set_error_literal (error, MD_AUTH_ERROR, MD_AUTH_ERROR_NO_OPERATOR, _("Sign in first"));
  return FALSE;
}

/* ---- the lists, on the worker ---- */

static gpointer
tariffs_job (MdStore       *store,
             MdSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  return need_session (session, error) ? md_tariff_store_list (session, error) : NULL;
}

static gpointer
fees_job (MdStore       *store,
          MdSession     *session,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  return need_session (session, error) ? md_fee_list (session, FALSE, error) : NULL;
}

static gpointer
categories_job (MdStore       *store,
                MdSession     *session,
                gpointer       data,
                GCancellable  *cancellable,
                GError       **error)
{
  return need_session (session, error) ? md_category_list (session, error) : NULL;
}

static gpointer
operators_job (MdStore       *store,
               MdSession     *session,
               gpointer       data,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gint64 now = g_get_real_time ();

  if (!need_session (session, error) || !(list = md_operator_list (session, error)))
    return NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < list->len; i++)
    {
      MdOperatorInfo *info = list->pdata[i];
      g_autofree char *roles = md_roles_to_string (info->roles);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, info->name);
      json_builder_set_member_name (builder, "full_name");
      json_builder_add_string_value (builder, info->full_name != NULL ? info->full_name : "");
      json_builder_set_member_name (builder, "roles");
      json_builder_add_string_value (builder, roles);
      json_builder_set_member_name (builder, "active");
      json_builder_add_boolean_value (builder, info->active);
      json_builder_set_member_name (builder, "failed_logins");
      json_builder_add_int_value (builder, info->failed_logins);
      json_builder_set_member_name (builder, "locked");
      json_builder_add_boolean_value (builder, info->locked_until > now);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

static gpointer
terminals_job (MdStore       *store,
               MdSession     *session,
               gpointer       data,
               GCancellable  *cancellable,
               GError       **error)
{
  return need_session (session, error) ? md_terminal_list (session, error) : NULL;
}

static gpointer
buses_job (MdStore       *store,
           MdSession     *session,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  return need_session (session, error) ? md_bus_list (session, error) : NULL;
}

static gpointer
tariff_show_job (MdStore       *store,
                 MdSession     *session,
                 gpointer       data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  return need_session (session, error) ? md_tariff_store_show (session, data, error) : NULL;
}

static const MdWorkerFunc list_jobs[N_SECTIONS] = {
  tariffs_job, fees_job, categories_job, operators_job, terminals_job, buses_job,
};

/* ---- the rows ---- */

static void
tariff_shown_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_finish (MD_WORKER (source), result, &error);
  AdwExpanderRow *row = ADW_EXPANDER_ROW (pending->row);
  g_autoptr(GString) rates = g_string_new (NULL);
  JsonObject *tariff;
  JsonObject *rate_object;
  JsonArray *versions;
  const char *unit;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint in_force = G_MAXUINT;

  if (is_cancelled (error))
    return;
  if (node == NULL)
    {
      GtkWidget *line = text_row (error->message, NULL);

      gtk_widget_add_css_class (line, "error");
      adw_expander_row_add_row (row, line);
      g_object_set_data (G_OBJECT (row), "loaded", NULL);
      return;
    }

  tariff = json_node_get_object (node);
  unit = unit_label (member_string (tariff, "unit"));
  rate_object = json_object_get_object_member (tariff, "rates");
  if (rate_object != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (rate_object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          if (rates->len > 0)
            g_string_append (rates, " · ");
          /* TRANSLATORS: a rate of a tariff: "Flat ¥0.5880/kWh" */
          g_string_append_printf (rates, _("%s ¥%s/%s"), rate_label (l->data),
                                  json_object_get_string_member (rate_object, l->data), unit);
        }
    }
  {
    GtkWidget *prices = text_row (_("Prices in force now"), rates->str);

    adw_expander_row_add_row (row, prices);
  }

  versions = json_object_get_array_member (tariff, "versions");
  for (guint i = 0; versions != NULL && i < json_array_get_length (versions); i++)
    {
      g_autoptr(GDateTime) from = g_date_time_new_from_iso8601 (
        member_string (json_array_get_object_element (versions, i), "valid_from"), NULL);

      if (from != NULL && g_date_time_to_unix (from) <= now)
        in_force = i;
    }
  /* Newest first. */
  for (guint i = versions != NULL ? json_array_get_length (versions) : 0; i-- > 0;)
    {
      JsonObject *v = json_array_get_object_element (versions, i);
      g_autofree char *from = format_time (member_string (v, "valid_from"));
      g_autofree char *created = format_time (member_string (v, "created"));
      g_autofree char *title = g_strdup_printf (_("Version from %s"), from);
      /* TRANSLATORS: a tariff version: its name, who stored it and when, its digest */
      g_autofree char *subtitle = g_strdup_printf (_("%s · stored by %s on %s · %.12s"),
                                                   member_string (v, "name"),
                                                   member_string (v, "operator"), created,
                                                   member_string (v, "digest"));
      GtkWidget *version = text_row (title, subtitle);

      if (i == in_force)
        add_suffix_label (version, _("In force"), "success");
      else if (in_force == G_MAXUINT || i > in_force)
        add_suffix_label (version, _("Coming"), "dim-label");
      adw_expander_row_add_row (row, version);
    }
}

static void
tariff_expanded_cb (AdwExpanderRow *row,
                    GParamSpec     *pspec,
                    MdOfficePage   *self)
{
  Pending *pending;

  if (!adw_expander_row_get_expanded (row) || g_object_get_data (G_OBJECT (row), "loaded") ||
      self->worker == NULL)
    return;
  g_object_set_data (G_OBJECT (row), "loaded", GINT_TO_POINTER (TRUE));
  pending = pending_new (self);
  pending->row = g_object_ref (GTK_WIDGET (row));
  md_worker_run (self->worker, tariff_show_job,
                 g_strdup (g_object_get_data (G_OBJECT (row), "tariff")), g_free,
                 (GDestroyNotify) json_node_unref, self->cancellable, tariff_shown_cb, pending);
}

static GtkWidget *
tariff_row (MdOfficePage *self,
            JsonObject   *o)
{
  GtkWidget *row = adw_expander_row_new ();
  g_autofree char *from = format_time (member_string (o, "latest_from"));
  gint64 versions = json_object_get_int_member_with_default (o, "versions", 0);
  gint64 categories = json_object_get_int_member_with_default (o, "categories", 0);
  g_autofree char *versions_text = g_strdup_printf (ngettext ("%lld version", "%lld versions",
                                                              versions), (long long) versions);
  g_autofree char *categories_text = g_strdup_printf (ngettext ("used by %lld category",
                                                                "used by %lld categories",
                                                                categories),
                                                      (long long) categories);
  /* TRANSLATORS: a tariff: its name, its latest version's start, "2 versions", "used by 1 category" */
  g_autofree char *subtitle = g_strdup_printf (_("%s · latest from %s · %s · %s"),
                                               member_string (o, "name"), from, versions_text,
                                               categories_text);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), member_string (o, "tariff"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  g_object_set_data_full (G_OBJECT (row), "tariff", g_strdup (member_string (o, "tariff")),
                          g_free);
  g_signal_connect (row, "notify::expanded", G_CALLBACK (tariff_expanded_cb), self);
  return row;
}

static GtkWidget *
fee_row (MdOfficePage *self,
         JsonObject   *o)
{
  g_autofree char *from = format_time (member_string (o, "valid_from"));
  /* TRANSLATORS: a fee: its code, its basis, its period, since when */
  g_autofree char *subtitle = g_strdup_printf (_("%s · %s · %s · since %s"),
                                               member_string (o, "kind"),
                                               basis_label (member_string (o, "basis")),
                                               period_label (member_string (o, "period")), from);
  g_autofree char *amount = g_strdup_printf ("¥%s", member_string (o, "amount"));
  GtkWidget *row = text_row (member_string (o, "name"), subtitle);

  add_suffix_label (row, amount, NULL);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "office.set-fee");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row),
                                          g_variant_new_string (member_string (o, "kind")));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_widget_set_tooltip_text (row, _("Set a new amount"));
  return row;
}

static GtkWidget *
category_row (MdOfficePage *self,
              JsonObject   *o)
{
  gint64 accounts = json_object_get_int_member_with_default (o, "accounts", 0);
  const char *tariff = member_string (o, "tariff");
  g_autofree char *tariff_text = *tariff != '\0' ? g_strdup_printf (_("tariff %s"), tariff)
                                                 : g_strdup (_("no tariff"));
  g_autofree char *accounts_text = g_strdup_printf (ngettext ("%lld account", "%lld accounts",
                                                              accounts), (long long) accounts);
  /* TRANSLATORS: a usage category: its name, electricity or water, its tariff, "3 accounts" */
  g_autofree char *subtitle = g_strdup_printf (_("%s · %s · %s · %s"), member_string (o, "name"),
                                               utility_label (member_string (o, "utility")),
                                               tariff_text, accounts_text);

  return text_row (member_string (o, "code"), subtitle);
}

static void
menu_add (GMenu      *menu,
          const char *label,
          const char *action,
          const char *target)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, action, g_variant_new_string (target));
  g_menu_append_item (menu, item);
}

static GtkWidget *
operator_row (MdOfficePage *self,
              JsonObject   *o)
{
  const char *name = member_string (o, "name");
  gboolean active = json_object_get_boolean_member_with_default (o, "active", TRUE);
  gboolean locked = json_object_get_boolean_member_with_default (o, "locked", FALSE);
  g_autofree char *roles = roles_label (member_string (o, "roles"));
  const char *full_name = member_string (o, "full_name");
  g_autofree char *subtitle = *full_name != '\0' ? g_strdup_printf ("%s · %s", full_name, roles)
                                                 : g_strdup (roles);
  g_autofree char *tooltip = g_strdup_printf (_("What to do with %s"), name);
  GtkWidget *row = text_row (name, subtitle);
  GtkWidget *button = gtk_menu_button_new ();
  g_autoptr(GMenu) menu = g_menu_new ();

  if (!active)
    add_suffix_label (row, _("Deactivated"), "dim-label");
  else if (locked)
    add_suffix_label (row, _("Locked out"), "error");

  menu_add (menu, _("Change _Roles…"), "office.operator-roles", name);
  menu_add (menu, _("_Reset Password…"), "office.operator-password", name);
  if (locked)
    menu_add (menu, _("_Unlock"), "office.operator-unlock", name);
  if (active)
    menu_add (menu, _("_Deactivate…"), "office.operator-deactivate", name);
  else
    menu_add (menu, _("_Activate"), "office.operator-activate", name);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  return row;
}

static GtkWidget *
terminal_row (MdOfficePage *self,
              JsonObject   *o)
{
  g_autofree char *created = format_time (member_string (o, "created"));
  /* TRANSLATORS: a terminal: its name, since when it is registered */
  g_autofree char *subtitle = g_strdup_printf (_("%s · registered %s"), member_string (o, "name"),
                                               created);

  return text_row (member_string (o, "id"), subtitle);
}

static GtkWidget *
bus_row (MdOfficePage *self,
         JsonObject   *o)
{
  const char *protocol = g_strcmp0 (member_string (o, "protocol"), "dlt645") == 0
                         ? "DL/T 645-2007" : "Modbus";
  gint64 meters = json_object_get_int_member_with_default (o, "meters", 0);
  g_autofree char *meters_text = g_strdup_printf (ngettext ("%lld meter", "%lld meters", meters),
                                                  (long long) meters);
  g_autofree char *link = NULL;
  g_autofree char *subtitle = NULL;

  if (g_strcmp0 (member_string (o, "kind"), "tcp") == 0)
    link = g_strdup_printf (_("TCP gateway %s:%lld"), member_string (o, "host"),
                            (long long) json_object_get_int_member_with_default (o, "port", 0));
  else
    link = g_strdup_printf (_("serial %s, %lld baud, parity %s"), member_string (o, "device"),
                            (long long) json_object_get_int_member_with_default (o, "baud", 0),
                            member_string (o, "parity"));
  subtitle = g_strdup_printf ("%s · %s · %s", protocol, link, meters_text);
  return text_row (member_string (o, "name"), subtitle);
}

typedef GtkWidget *(*RowFunc) (MdOfficePage *self,
                               JsonObject   *object);

static const RowFunc row_funcs[N_SECTIONS] = {
  tariff_row, fee_row, category_row, operator_row, terminal_row, bus_row,
};

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  List *list = user_data;

  return row_funcs[list->index] (list->page, MD_OFFICE_ITEM (item)->object);
}

/* ---- loading a list ---- */

static void
list_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  MdOfficePage *self = pending->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_finish (MD_WORKER (source), result, &error);
  List *list = &self->lists[pending->section];
  g_autoptr(GPtrArray) items = NULL;
  JsonArray *array;

  if (is_cancelled (error) || pending->generation != list->generation)
    return;
  if (node == NULL)
    {
      /* A refusal (no permission) or a failure: the core's one line. */
      g_list_store_remove_all (list->store);
      gtk_label_set_text (list->message, error->message);
      gtk_widget_set_visible (GTK_WIDGET (list->message), TRUE);
      return;
    }

  gtk_widget_set_visible (GTK_WIDGET (list->message), FALSE);
  array = json_node_get_array (node);
  items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (items, office_item_new (json_array_get_object_element (array, i)));
  g_list_store_splice (list->store, 0, g_list_model_get_n_items (G_LIST_MODEL (list->store)),
                       items->pdata, items->len);
}

static void
load_list (MdOfficePage *self,
           Section       section)
{
  List *list = &self->lists[section];
  Pending *pending;

  if (self->worker == NULL)
    return;
  pending = pending_new (self);
  pending->section = section;
  pending->generation = ++list->generation;
  md_worker_run (self->worker, list_jobs[section], NULL, NULL, (GDestroyNotify) json_node_unref,
                 self->cancellable, list_done_cb, pending);
}

static int
visible_list (MdOfficePage *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->sections);

  for (int i = 0; i < N_SECTIONS; i++)
    if (g_strcmp0 (name, section_names[i]) == 0)
      return i;
  return -1;
}

static void
update_actions (MdOfficePage *self)
{
  g_autoptr(MdSession) session = self->worker != NULL ? md_worker_get_session (self->worker)
                                                      : NULL;

  for (guint i = 0; i < G_N_ELEMENTS (gates); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), gates[i].action,
                                   session != NULL &&
                                   md_session_has_permission (session, gates[i].permission));
  /* A restore needs an administrator's password whoever asks; only those
   * who may take backups are offered it. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "office.restore",
                                 session != NULL &&
                                 (md_session_has_permission (session, MD_PERM_BACKUP) ||
                                  md_session_has_permission (session, MD_PERM_RESTORE)));
}

/* ---- results of a file: the tariff checked, the import, the backup ---- */

/* Rows of two texts: a title and a subtitle, or a title and a count. */
static void
show_result (AdwPreferencesGroup *group,
             GtkListBox          *list,
             GPtrArray           *rows,
             gboolean             failed)
{
  clear_list_box (list);
  for (guint i = 0; i + 1 < rows->len; i += 2)
    {
      const char *second = rows->pdata[i + 1];
      gboolean count = second != NULL && *second != '\0' &&
                       strspn (second, "0123456789") == strlen (second);
      GtkWidget *row = text_row (rows->pdata[i], count ? NULL : second);

      if (count)
        add_suffix_label (row, second, NULL);
      if (failed)
        gtk_widget_add_css_class (row, "error");
      gtk_list_box_append (list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (group), TRUE);
}

/* An error shown line by line, each line a row (a tariff file's "line 7:
 * …", an import's "rooms.csv:3: …"). */
static GPtrArray *
error_rows (const char *message,
            const char *subtitle)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = g_strsplit (message, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (*g_strstrip (lines[i]) != '\0')
      {
        g_ptr_array_add (rows, g_strdup (lines[i]));
        g_ptr_array_add (rows, g_strdup (subtitle));
      }
  return rows;
}

/* ---- the changes, on the worker ---- */

typedef struct
{
  Op           op;
  char        *subject;   /* the operator, fee, category, terminal or bus; a file's name */
  char        *name;      /* a full name; a fee's, category's or terminal's name */
  char        *extra;     /* a category's tariff; a bus's serial device */
  char        *host;      /* a bus's gateway */
  char        *protocol;
  char        *password;  /* a new password; the administrator's for a restore */
  char        *admin;
  GBytes      *contents;  /* a tariff file */
  GStrv        paths;     /* files to import; the backup to write or restore */
  MdRole       roles;
  MdMoney      amount;
  gint64       baud;
  gint64       port;
  char         parity;
  MdUtility    utility;
  MdFeeBasis   basis;
  MdFeePeriod  period;
} Request;

typedef struct
{
  char      *message;
  GPtrArray *rows;      /* title, subtitle, title, subtitle… */
} Outcome;

static Request *
request_new (Op          op,
             const char *subject)
{
  Request *request = g_new0 (Request, 1);

  request->op = op;
  request->subject = g_strdup (subject);
  return request;
}

static void
request_free (gpointer data)
{
  Request *request = data;

  g_free (request->subject);
  g_free (request->name);
  g_free (request->extra);
  g_free (request->host);
  g_free (request->protocol);
  md_form_secret_free (request->password);
  g_free (request->admin);
  g_clear_pointer (&request->contents, g_bytes_unref);
  g_strfreev (request->paths);
  g_free (request);
}

static void
outcome_free (gpointer data)
{
  Outcome *outcome = data;

  g_free (outcome->message);
  g_clear_pointer (&outcome->rows, g_ptr_array_unref);
  g_free (outcome);
}

static Outcome *
outcome_new (char *message)
{
  Outcome *outcome = g_new0 (Outcome, 1);

  outcome->message = message;
  outcome->rows = g_ptr_array_new_with_free_func (g_free);
  return outcome;
}

static void
outcome_add_row (Outcome    *outcome,
                 const char *title,
                 const char *subtitle)
{
  g_ptr_array_add (outcome->rows, g_strdup (title));
  g_ptr_array_add (outcome->rows, g_strdup (subtitle));
}

static char *
detail_json (const char *first_key,
             ...)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  va_list args;

  json_builder_begin_object (builder);
  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    {
      json_builder_set_member_name (builder, key);
      json_builder_add_string_value (builder, va_arg (args, const char *));
    }
  va_end (args);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  return json_to_string (node, FALSE);
}

static Outcome *
tariff_set (MdSession  *session,
            Request    *request,
            GError    **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *from = NULL;
  JsonObject *o;
  gsize length;
  const char *text = g_bytes_get_data (request->contents, &length);
  Outcome *outcome;

  if (!md_tariff_store_set (session, text != NULL ? text : "", (gssize) length, &node, error))
    return NULL;
  o = json_node_get_object (node);
  from = format_time (member_string (o, "valid_from"));
  if (g_strcmp0 (member_string (o, "status"), "unchanged") == 0)
    outcome = outcome_new (g_strdup_printf (_("Tariff %s: the version from %s is already stored; "
                                              "nothing changed"),
                                            member_string (o, "tariff"), from));
  else
    outcome = outcome_new (g_strdup_printf (_("Tariff %s: the version from %s is stored"),
                                            member_string (o, "tariff"), from));
  outcome_add_row (outcome, outcome->message, request->subject);
  return outcome;
}

static const struct
{
  const char *kind;
  const char *label;
} import_kinds[] = {
  { "site", N_("Sites") },
  { "building", N_("Buildings") },
  { "floor", N_("Floors") },
  { "room", N_("Rooms") },
  { "line", N_("Feeder lines") },
  { "area", N_("Transformer areas") },
  { "bus", N_("Buses and gateways") },
  { "meter", N_("Meters") },
};

static Outcome *
site_import (MdSession  *session,
             Request    *request,
             GError    **error)
{
  g_autoptr(JsonNode) summary = NULL;
  gint64 total = 0;
  Outcome *outcome = outcome_new (NULL);

  if (!md_site_import_csv (session, (const char * const *) request->paths, &summary, error))
    {
      outcome_free (outcome);
      return NULL;
    }
  /* Parents first, as they were imported. */
  for (guint i = 0; i < G_N_ELEMENTS (import_kinds); i++)
    {
      gint64 count = json_object_get_int_member_with_default (json_node_get_object (summary),
                                                              import_kinds[i].kind, 0);
      g_autofree char *text = NULL;

      if (count == 0)
        continue;
      total += count;
      text = g_strdup_printf ("%lld", (long long) count);
      outcome_add_row (outcome, _(import_kinds[i].label), text);
    }
  outcome->message = g_strdup_printf (ngettext ("Imported %lld row from %s",
                                                "Imported %lld rows from %s", total),
                                      (long long) total, request->subject);
  if (total == 0)
    outcome_add_row (outcome, _("The files hold no rows"), request->subject);
  return outcome;
}

static Outcome *
backup (MdStore    *store,
        MdSession  *session,
        Request    *request,
        GError    **error)
{
  g_autofree char *detail = NULL;
  Outcome *outcome;

  if (!md_session_require (session, MD_PERM_BACKUP, error) ||
      !md_store_backup_to (store, request->paths[0], error))
    return NULL;
  detail = detail_json ("file", request->subject, NULL);
  if (!md_audit_record (session, 0, "database.backup", "", detail, error))
    return NULL;
  outcome = outcome_new (g_strdup_printf (_("Backup written to %s"), request->subject));
  outcome_add_row (outcome, outcome->message, NULL);
  return outcome;
}

/* An administrator signs the restore with their own password, whoever asks
 * for it; the restored database records it with the head it replaced. */
static Outcome *
restore (MdStore    *store,
         MdSession  *session,
         Request    *request,
         GError    **error)
{
  g_autoptr(MdSession) admin = NULL;
  g_auto(MdAuditReport) before = { 0 };
  g_autofree char *seq = NULL;
  g_autofree char *detail = NULL;
  Outcome *outcome;

  if (!(admin = md_session_login (store, md_session_get_terminal (session), request->admin,
                                  request->password != NULL ? request->password : "", error)) ||
      !md_session_require (admin, MD_PERM_RESTORE, error))
    return NULL;
  if (!md_audit_verify (store, &before, error) ||
      !md_store_restore_from (store, request->paths[0], error))
    return NULL;

  seq = g_strdup_printf ("%" G_GINT64_FORMAT, before.head_seq);
  detail = detail_json ("file", request->subject, "replaced_head_seq", seq,
                        "replaced_head_hash", before.head_hash,
                        "asked_by", md_session_get_operator_name (session), NULL);
  if (!md_audit_record (admin, 0, "database.restore", "", detail, error))
    return NULL;
  outcome = outcome_new (g_strdup_printf (_("The database is restored from %s, approved by %s"),
                                          request->subject, request->admin));
  outcome_add_row (outcome, outcome->message, NULL);
  return outcome;
}

static gpointer
change_job (MdStore       *store,
            MdSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  Request *r = data;

  if (!need_session (session, error))
    return NULL;

  switch (r->op)
    {
    case OP_TARIFF_SET:
      return tariff_set (session, r, error);

    case OP_FEE_SET:
      if (!md_fee_set (session, r->subject, r->name, r->basis, r->period, r->amount, 0, error))
        return NULL;
      {
        g_autofree char *amount = md_money_format (r->amount, MD_MONEY_STYLE_CURRENCY);

        return outcome_new (g_strdup_printf (_("“%s” is %s from now on"),
                                             r->name != NULL ? r->name : r->subject, amount));
      }

    case OP_CATEGORY_ADD:
      if (!md_category_add (session, r->subject, r->name, r->utility, r->extra, error))
        return NULL;
      return outcome_new (g_strdup_printf (_("Usage category %s is added"), r->subject));

    case OP_OPERATOR_ADD:
      if (!md_operator_add (session, r->subject, r->name, r->roles, r->password, NULL, error))
        return NULL;
      return outcome_new (g_strdup_printf (_("Operator %s is added"), r->subject));

    case OP_OPERATOR_ROLES:
      if (!md_operator_set_roles (session, r->subject, r->roles, error))
        return NULL;
      {
        g_autofree char *names = md_roles_to_string (r->roles);
        g_autofree char *labels = roles_label (names);

        return outcome_new (g_strdup_printf (_("%s now has the roles: %s"), r->subject, labels));
      }

    case OP_OPERATOR_PASSWORD:
      if (!md_operator_set_password (session, r->subject, r->password, error))
        return NULL;
      return outcome_new (g_strdup_printf (_("The password of %s is reset"), r->subject));

    case OP_OPERATOR_UNLOCK:
      if (!md_operator_unlock (session, r->subject, error))
        return NULL;
      return outcome_new (g_strdup_printf (_("%s is unlocked"), r->subject));

    case OP_OPERATOR_DEACTIVATE:
    case OP_OPERATOR_ACTIVATE:
      if (!md_operator_set_active (session, r->subject, r->op == OP_OPERATOR_ACTIVATE, error))
        return NULL;
      return outcome_new (g_strdup_printf (r->op == OP_OPERATOR_ACTIVATE
                                           ? _("%s can sign in again")
                                           : _("%s can no longer sign in"), r->subject));

    case OP_TERMINAL_ADD:
      if (!md_terminal_add (session, r->subject, r->name != NULL && *r->name != '\0' ? r->name
                                                                                   : r->subject,
                            error))
        return NULL;
      return outcome_new (g_strdup_printf (_("Terminal %s is added"), r->subject));

    case OP_BUS_ADD:
      {
        MdBusSpec spec = { r->subject, r->protocol, r->extra, r->baud, r->parity, r->host,
                           r->port };

        if (!md_bus_add (session, &spec, error))
          return NULL;
        return outcome_new (g_strdup_printf (_("Bus %s is added"), r->subject));
      }

    case OP_IMPORT:
      return site_import (session, r, error);

    case OP_BACKUP:
      return backup (store, session, r, error);

    case OP_RESTORE:
      return restore (store, session, r, error);

    default:
      g_assert_not_reached ();
    }
  return NULL;
}

static int
section_of (Op op)
{
  switch (op)
    {
    case OP_TARIFF_SET:
      return SECTION_TARIFFS;
    case OP_FEE_SET:
      return SECTION_FEES;
    case OP_CATEGORY_ADD:
      return SECTION_CATEGORIES;
    case OP_OPERATOR_ADD:
    case OP_OPERATOR_ROLES:
    case OP_OPERATOR_PASSWORD:
    case OP_OPERATOR_UNLOCK:
    case OP_OPERATOR_DEACTIVATE:
    case OP_OPERATOR_ACTIVATE:
      return SECTION_OPERATORS;
    case OP_TERMINAL_ADD:
      return SECTION_TERMINALS;
    case OP_BUS_ADD:
      return SECTION_BUSES;
    case OP_IMPORT:
    case OP_BACKUP:
    case OP_RESTORE:
    default:
      return -1;
    }
}

static void
result_widgets (MdOfficePage         *self,
                Op                    op,
                AdwPreferencesGroup **out_group,
                GtkListBox          **out_list)
{
  *out_group = NULL;
  *out_list = NULL;
  if (op == OP_TARIFF_SET)
    {
      *out_group = self->tariff_result_group;
      *out_list = self->tariff_result_list;
    }
  else if (op == OP_IMPORT)
    {
      *out_group = self->import_result_group;
      *out_list = self->import_result_list;
    }
  else if (op == OP_BACKUP || op == OP_RESTORE)
    {
      *out_group = self->backup_result_group;
      *out_list = self->backup_result_list;
    }
}

static void
change_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  MdOfficePage *self = pending->self;
  g_autoptr(GError) error = NULL;
  Outcome *outcome = md_worker_run_finish (MD_WORKER (source), result, &error);
  AdwPreferencesGroup *group;
  GtkListBox *list;
  int section = section_of (pending->op);

  if (is_cancelled (error))
    return;
  result_widgets (self, pending->op, &group, &list);

  if (outcome == NULL)
    {
      g_autofree char *line = first_line (error->message);
      g_autofree char *status = pending->display != NULL
                                ? g_strdup_printf ("%s: %s", pending->display, line)
                                : g_strdup (line);

      set_status (self, "error", status);
      if (group != NULL)
        {
          g_autoptr(GPtrArray) rows = error_rows (error->message,
                                                  pending->op == OP_TARIFF_SET
                                                  ? pending->display
                                                  : pending->op == OP_IMPORT
                                                  ? _("Nothing was imported")
                                                  : NULL);

          show_result (group, list, rows, TRUE);
        }
    }
  else
    {
      show_success (self, outcome->message);
      if (group != NULL)
        show_result (group, list, outcome->rows, FALSE);
      if (pending->op == OP_RESTORE)
        g_signal_emit (self, signals[DATABASE_RESTORED], 0);
      outcome_free (outcome);
    }

  if (section >= 0)
    load_list (self, section);
  if (pending->op == OP_RESTORE || pending->op == OP_IMPORT)
    md_office_page_refresh (self);
}

static void
run_change (MdOfficePage *self,
            Request      *request,
            const char   *display)
{
  Pending *pending;

  if (self->worker == NULL)
    {
      request_free (request);
      return;
    }
  pending = pending_new (self);
  pending->op = request->op;
  pending->display = g_strdup (display);
  md_worker_run (self->worker, change_job, request, request_free, outcome_free, self->cancellable,
                 change_done_cb, pending);
}

/* ---- dialogs ---- */

/* The fields of each form, in the order they are added. */
enum { FEE_KIND, FEE_NAME, FEE_BASIS, FEE_PERIOD, FEE_AMOUNT };
enum { FEE_SET_AMOUNT };
enum { CATEGORY_CODE, CATEGORY_NAME, CATEGORY_UTILITY, CATEGORY_TARIFF };
enum
{
  OPERATOR_NAME,
  OPERATOR_FULL_NAME,
  OPERATOR_ROLES,
  OPERATOR_PASSWORD = OPERATOR_ROLES + G_N_ELEMENTS (role_order),
  OPERATOR_AGAIN,
};
enum { ROLES_FIRST };
enum { RESET_PASSWORD, RESET_AGAIN };
enum { TERMINAL_ID, TERMINAL_NAME };
enum { BUS_NAME, BUS_PROTOCOL, BUS_LINK, BUS_DEVICE, BUS_BAUD, BUS_PARITY, BUS_GATEWAY };
enum { RESTORE_ADMIN, RESTORE_PASSWORD };

typedef struct
{
  MdOfficePage *self;
  Op            op;
  char         *subject;
  GStrv         choices;   /* a category's tariffs */
  GStrv         paths;     /* a restore's backup */
} Ask;

static void
ask_free (gpointer data)
{
  Ask *ask = data;

  g_object_unref (ask->self);
  g_free (ask->subject);
  g_strfreev (ask->choices);
  g_strfreev (ask->paths);
  g_free (ask);
}

/* The role checks start at @first, in role_order. */
static MdRole
collect_roles (MdForm *form,
               guint   first)
{
  MdRole roles = MD_ROLE_NONE;

  for (guint i = 0; i < G_N_ELEMENTS (role_order); i++)
    if (md_form_get_active (form, first + i))
      roles |= role_order[i];
  return roles;
}

/* The password at @first, typed again in the field after it. */
static gboolean
collect_password (MdForm   *form,
                  guint     first,
                  Request  *request,
                  GError  **error)
{
  g_auto(MdFormSecret) password = md_form_get_secret (form, first);
  g_auto(MdFormSecret) again = md_form_get_secret (form, first + 1);

  if (g_strcmp0 (password, again) != 0)
    {
      g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                           _("The two passwords are not the same: nothing was changed"));
      return FALSE;
    }
  request->password = g_steal_pointer (&password);
  return TRUE;
}

/* The parity choices of the bus dialog: the protocol's default, N, E, O. */
static const char parity_choices[] = { 0, 'N', 'E', 'O' };

/* Reads the dialog into the request; a typing mistake stops here, before
 * anything reaches the database. */
static gboolean
collect (MdOfficePage  *self,
         Ask           *ask,
         MdForm        *form,
         Request       *r,
         GError       **error)
{
  switch (r->op)
    {
    case OP_FEE_SET:
      {
        g_autofree char *amount = md_form_get_text (form, ask->subject != NULL ? FEE_SET_AMOUNT
                                                                                 : FEE_AMOUNT);
        JsonObject *fee;

        if (!md_money_parse (amount != NULL ? amount : "", MD_PARSE_DEFAULT, &r->amount, error))
          return FALSE;
        if (ask->subject != NULL)
          {
            if (!(fee = find_object (self, SECTION_FEES, "kind", ask->subject)))
              {
                g_set_error (error, MD_PRICING_ERROR, MD_PRICING_ERROR_NO_FEE,
                             _("There is no fee “%s” any more"), ask->subject);
                return FALSE;
              }
            r->name = g_strdup (member_string (fee, "name"));
            return md_fee_basis_parse (member_string (fee, "basis"), &r->basis, error) &&
                   md_fee_period_parse (member_string (fee, "period"), &r->period, error);
          }
        g_free (r->subject);
        r->subject = md_form_get_text (form, FEE_KIND);
        r->name = md_form_get_text (form, FEE_NAME);
        r->basis = (MdFeeBasis) md_form_get_choice (form, FEE_BASIS);
        r->period = (MdFeePeriod) md_form_get_choice (form, FEE_PERIOD);
        return TRUE;
      }

    case OP_CATEGORY_ADD:
      {
        guint tariff = md_form_get_choice (form, CATEGORY_TARIFF);

        g_free (r->subject);
        r->subject = md_form_get_text (form, CATEGORY_CODE);
        r->name = md_form_get_text (form, CATEGORY_NAME);
        r->utility = md_form_get_choice (form, CATEGORY_UTILITY) == 1 ? MD_UTILITY_WATER
                                                                        : MD_UTILITY_ELECTRICITY;
        /* The first choice is "no tariff". */
        if (tariff > 0 && ask->choices != NULL && tariff <= g_strv_length (ask->choices))
          r->extra = g_strdup (ask->choices[tariff - 1]);
        return TRUE;
      }

    case OP_OPERATOR_ADD:
      g_free (r->subject);
      r->subject = md_form_get_text (form, OPERATOR_NAME);
      r->name = md_form_get_text (form, OPERATOR_FULL_NAME);
      r->roles = collect_roles (form, OPERATOR_ROLES);
      return collect_password (form, OPERATOR_PASSWORD, r, error);

    case OP_OPERATOR_ROLES:
      r->roles = collect_roles (form, ROLES_FIRST);
      return TRUE;

    case OP_OPERATOR_PASSWORD:
      return collect_password (form, RESET_PASSWORD, r, error);

    case OP_TERMINAL_ADD:
      g_free (r->subject);
      r->subject = md_form_get_text (form, TERMINAL_ID);
      r->name = md_form_get_text (form, TERMINAL_NAME);
      return TRUE;

    case OP_BUS_ADD:
      {
        g_autofree char *baud = md_form_get_text (form, BUS_BAUD);
        g_autofree char *gateway = md_form_get_text (form, BUS_GATEWAY);
        gboolean tcp = md_form_get_choice (form, BUS_LINK) == 1;
        guint parity = md_form_get_choice (form, BUS_PARITY);

        g_free (r->subject);
        r->subject = md_form_get_text (form, BUS_NAME);
        r->protocol = g_strdup (md_form_get_choice (form, BUS_PROTOCOL) == 1 ? "dlt645" : "modbus");
        if (tcp)
          {
            const char *colon = gateway != NULL ? strrchr (gateway, ':') : NULL;

            if (colon == NULL || colon == gateway)
              {
                g_set_error_literal (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                                     _("Write the gateway as HOST:PORT"));
                return FALSE;
              }
            r->host = g_strndup (gateway, colon - gateway);
            return md_parse_int (colon + 1, _("gateway port"), 1, 65535, &r->port, error);
          }
        r->extra = md_form_get_text (form, BUS_DEVICE);
        r->parity = parity < 4 ? parity_choices[parity] : 0;
        return baud == NULL || md_parse_int (baud, _("baud rate"), 300, 115200, &r->baud, error);
      }

    case OP_OPERATOR_DEACTIVATE:
      return TRUE;

    case OP_RESTORE:
      r->admin = md_form_get_text (form, RESTORE_ADMIN);
      r->password = md_form_get_secret (form, RESTORE_PASSWORD);
      r->paths = g_strdupv (ask->paths);
      return TRUE;

    case OP_TARIFF_SET:
    case OP_OPERATOR_UNLOCK:
    case OP_OPERATOR_ACTIVATE:
    case OP_IMPORT:
    case OP_BACKUP:
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

static void
ask_response_cb (MdForm     *form,
                 const char *response,
                 gpointer    user_data)
{
  Ask *ask = user_data;
  g_autoptr(GError) error = NULL;
  Request *request;

  if (g_str_equal (response, "cancel"))
    return;

  request = request_new (ask->op, ask->subject);
  if (!collect (ask->self, ask, form, request, &error))
    {
      set_status (ask->self, "error", error->message);
      request_free (request);
      return;
    }
  run_change (ask->self, request, ask->op == OP_RESTORE ? ask->subject : NULL);
}

/* Shows @form; its answer becomes a change of @op. The data returned lives
 * until the form answers. */
static Ask *
ask (MdOfficePage *self,
     MdForm       *form,
     Op            op,
     const char   *subject)
{
  Ask *data = g_new0 (Ask, 1);

  data->self = g_object_ref (self);
  data->op = op;
  data->subject = g_strdup (subject);
  md_form_run (form, ask_response_cb, data, ask_free);
  return data;
}

/* One check per role, in role_order: collect_roles() reads them back. */
static void
add_role_checks (MdForm *form,
                 MdRole  roles)
{
  for (guint i = 0; i < G_N_ELEMENTS (role_order); i++)
    md_form_add_check (form, md_role_get_label (role_order[i]), NULL,
                       (roles & role_order[i]) != 0);
}

/* ---- file choosers ---- */

static void
add_filter (GtkFileChooser     *chooser,
            const char         *name,
            const char * const *patterns)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_chooser_add_filter (chooser, filter);
}

static void
tariff_loaded_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  MdOfficePage *self = pending->self;
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;
  Request *request;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      if (!is_cancelled (error))
        {
          g_autoptr(GPtrArray) rows = error_rows (error->message, pending->display);

          set_status (self, "error", error->message);
          show_result (self->tariff_result_group, self->tariff_result_list, rows, TRUE);
        }
      return;
    }
  if (length > MAX_TARIFF_FILE)
    {
      g_autofree char *text = g_strdup_printf (_("%s is too large for a tariff file"),
                                               pending->display);
      g_autoptr(GPtrArray) rows = error_rows (text, pending->display);

      g_free (contents);
      set_status (self, "error", text);
      show_result (self->tariff_result_group, self->tariff_result_list, rows, TRUE);
      return;
    }
  request = request_new (OP_TARIFF_SET, pending->display);
  request->contents = g_bytes_new_take (contents, length);
  run_change (self, request, pending->display);
}

static void
load_tariff_file (MdOfficePage *self,
                  GFile        *file)
{
  Pending *pending = pending_new (self);
  g_autofree char *path = g_file_get_path (file);

  pending->display = path != NULL ? g_filename_display_basename (path)
                                  : g_file_get_uri (file);
  g_file_load_contents_async (file, self->cancellable, tariff_loaded_cb, pending);
}

static char *
files_display (GPtrArray *paths)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < paths->len && paths->pdata[i] != NULL; i++)
    {
      g_autofree char *name = g_filename_display_basename (paths->pdata[i]);

      if (text->len > 0)
        g_string_append (text, _(", "));
      g_string_append (text, name);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
ask_restore (MdOfficePage *self,
             const char   *path)
{
  g_autofree char *display = g_filename_display_basename (path);
  g_autofree char *heading = g_strdup_printf (_("Restore the database from “%s”?"), display);
  const char *paths[] = { path, NULL };
  MdForm *form;
  Ask *data;

  form = md_form_new (GTK_WIDGET (self), heading,
                      _("Everything recorded since the backup was made is lost: sales, "
                        "shifts and changes. Every window should stop selling first. An "
                        "administrator approves the restore with their password."));
  md_form_add_entry (form, _("Administrator"), NULL);
  md_form_add_password (form, _("Administrator’s password"));
  md_form_add_response (form, "restore", _("_Restore"), ADW_RESPONSE_DESTRUCTIVE);
  md_form_require (form, "restore", RESTORE_ADMIN);
  md_form_require (form, "restore", RESTORE_PASSWORD);
  /* Enter does not restore: the button must be chosen. */
  md_form_set_default_response (form, "cancel");
  data = ask (self, form, OP_RESTORE, display);
  data->paths = g_strdupv ((char **) paths);
}

static void
chooser_response_cb (MdOfficePage    *self,
                     int              response,
                     GtkNativeDialog *native)
{
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (native);
  Choose kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (native), "md-choose"));
  g_autoptr(GListModel) files = NULL;
  g_autoptr(GPtrArray) paths = NULL;
  g_autofree char *display = NULL;
  Request *request;

  if (response != GTK_RESPONSE_ACCEPT)
    return;

  files = gtk_file_chooser_get_files (chooser);
  paths = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (files, i);

      char *path;

      if (kind == CHOOSE_TARIFF)
        {
          load_tariff_file (self, file);
          return;
        }
      if ((path = g_file_get_path (file)) == NULL)
        {
          set_status (self, "error", _("Choose a file on this computer"));
          return;
        }
      g_ptr_array_add (paths, path);
    }
  if (paths->len == 0)
    return;
  display = files_display (paths);
  g_ptr_array_add (paths, NULL);

  switch (kind)
    {
    case CHOOSE_IMPORT:
      request = request_new (OP_IMPORT, display);
      request->paths = (GStrv) g_ptr_array_steal (paths, NULL);
      run_change (self, request, display);
      break;
    case CHOOSE_BACKUP:
      request = request_new (OP_BACKUP, display);
      request->paths = (GStrv) g_ptr_array_steal (paths, NULL);
      run_change (self, request, NULL);
      break;
    case CHOOSE_RESTORE:
      ask_restore (self, paths->pdata[0]);
      break;
    case CHOOSE_TARIFF:
    default:
      g_assert_not_reached ();
    }
}

static void
choose (MdOfficePage *self,
        Choose        kind)
{
  static const char * const tariff_patterns[] = { "*.ini", "*.INI", "*.txt", "*.TXT", NULL };
  static const char * const sheet_patterns[] = { "*.csv", "*.CSV", "*.xlsx", "*.XLSX", NULL };
  static const char * const backup_patterns[] = { "*.db", "*.DB", "*.sqlite", "*.backup", NULL };
  static const char * const all_patterns[] = { "*", NULL };
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWindow *parent = GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
  GtkFileChooserNative *native = NULL;

  switch (kind)
    {
    case CHOOSE_TARIFF:
      native = gtk_file_chooser_native_new (_("Load a Tariff File"), parent,
                                            GTK_FILE_CHOOSER_ACTION_OPEN, _("_Load"), NULL);
      add_filter (GTK_FILE_CHOOSER (native), _("Tariff files"), tariff_patterns);
      break;
    case CHOOSE_IMPORT:
      native = gtk_file_chooser_native_new (_("Import a Site"), parent,
                                            GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), NULL);
      gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (native), TRUE);
      add_filter (GTK_FILE_CHOOSER (native), _("Spreadsheets (CSV, XLSX)"), sheet_patterns);
      break;
    case CHOOSE_BACKUP:
      {
        g_autoptr(GDateTime) now = g_date_time_new_now_local ();
        g_autofree char *name = g_date_time_format (now, "meterdesk-%Y%m%d-%H%M.db");

        native = gtk_file_chooser_native_new (_("Back Up the Database"), parent,
                                              GTK_FILE_CHOOSER_ACTION_SAVE, _("_Back Up"), NULL);
        gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
        add_filter (GTK_FILE_CHOOSER (native), _("Database backups"), backup_patterns);
      }
      break;
    case CHOOSE_RESTORE:
      native = gtk_file_chooser_native_new (_("Restore the Database"), parent,
                                            GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), NULL);
      add_filter (GTK_FILE_CHOOSER (native), _("Database backups"), backup_patterns);
      break;
    default:
      g_assert_not_reached ();
    }
  add_filter (GTK_FILE_CHOOSER (native), _("All files"), all_patterns);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_object_set_data (G_OBJECT (native), "md-choose", GINT_TO_POINTER (kind));
  g_signal_connect_object (native, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (self->chooser);
  g_set_object (&self->chooser, GTK_NATIVE_DIALOG (native));
  g_object_unref (native);
  gtk_native_dialog_show (self->chooser);
}

/* ---- actions ---- */

static void
refresh_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  md_office_page_refresh (MD_OFFICE_PAGE (widget));
}

static void
search_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  MdOfficePage *self = MD_OFFICE_PAGE (widget);
  int section = visible_list (self);

  if (section >= 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->lists[section].search));
}

static void
add_activated (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  static const char * const adds[N_SECTIONS] = {
    "office.load-tariff", "office.add-fee", "office.add-category", "office.add-operator",
    "office.add-terminal", "office.add-bus",
  };
  int section = visible_list (MD_OFFICE_PAGE (widget));

  if (section >= 0)
    gtk_widget_activate_action (widget, adds[section], NULL);
}

static void
load_tariff_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  choose (MD_OFFICE_PAGE (widget), CHOOSE_TARIFF);
}

static void
import_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  choose (MD_OFFICE_PAGE (widget), CHOOSE_IMPORT);
}

static void
backup_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  choose (MD_OFFICE_PAGE (widget), CHOOSE_BACKUP);
}

static void
restore_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  choose (MD_OFFICE_PAGE (widget), CHOOSE_RESTORE);
}

static void
add_fee_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  const char *bases[] = { _("Fixed amount"), _("Per kVA of capacity"), _("Per m² of area"), NULL };
  const char *periods[] = { _("One-off"), _("Monthly"), NULL };
  MdForm *form;

  form = md_form_new (widget, _("Add a Charge Item"),
                      _("A custom charge item (property fee, rent, service fee…): fixed "
                        "or per area or capacity, one-off or monthly."));
  md_form_add_entry (form, _("Code"), NULL);
  md_form_add_entry (form, _("Name"), NULL);
  md_form_add_choice (form, _("Charged"), bases, 0);
  md_form_add_choice (form, _("How often"), periods, 0);
  md_form_add_entry (form, _("Amount in yuan"), NULL);
  md_form_add_response (form, "add", _("_Add"), ADW_RESPONSE_SUGGESTED);
  md_form_require (form, "add", FEE_KIND);
  md_form_require (form, "add", FEE_NAME);
  md_form_require (form, "add", FEE_AMOUNT);
  ask (MD_OFFICE_PAGE (widget), form, OP_FEE_SET, NULL);
}

static void
set_fee_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  MdOfficePage *self = MD_OFFICE_PAGE (widget);
  const char *kind = g_variant_get_string (parameter, NULL);
  JsonObject *fee = find_object (self, SECTION_FEES, "kind", kind);
  g_autofree char *heading = NULL;
  MdForm *form;

  if (fee == NULL)
    return;
  heading = g_strdup_printf (_("Set the Amount of “%s”"), member_string (fee, "name"));
  form = md_form_new (widget, heading,
                      _("The new amount is charged from now on; what was charged before "
                        "stays as it was."));
  md_form_add_entry (form, _("Amount in yuan"), member_string (fee, "amount"));
  md_form_add_response (form, "set", _("_Set Amount"), ADW_RESPONSE_SUGGESTED);
  md_form_require (form, "set", FEE_SET_AMOUNT);
  ask (self, form, OP_FEE_SET, kind);
}

static void
category_tariffs_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  MdOfficePage *self = pending->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_finish (MD_WORKER (source), result, &error);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  const char *utilities[] = { _("Electricity"), _("Water"), NULL };
  MdForm *form;
  JsonArray *array;
  Ask *data;

  if (is_cancelled (error))
    return;
  if (node == NULL)
    {
      set_status (self, "error", error->message);
      return;
    }

  g_ptr_array_add (labels, g_strdup (_("No tariff yet")));
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);

      g_ptr_array_add (labels, g_strdup_printf ("%s · %s", member_string (o, "tariff"),
                                                member_string (o, "name")));
      g_ptr_array_add (ids, g_strdup (member_string (o, "tariff")));
    }
  g_ptr_array_add (labels, NULL);
  g_ptr_array_add (ids, NULL);

  form = md_form_new (GTK_WIDGET (self), _("Add a Usage Category"),
                      _("The category’s tariff prices every sale to its accounts."));
  md_form_add_entry (form, _("Code"), NULL);
  md_form_add_entry (form, _("Name"), NULL);
  md_form_add_choice (form, _("Utility"), utilities, 0);
  md_form_add_choice (form, _("Tariff"), (const char * const *) labels->pdata,
                      ids->len > 1 ? 1 : 0);
  md_form_add_response (form, "add", _("_Add"), ADW_RESPONSE_SUGGESTED);
  md_form_require (form, "add", CATEGORY_CODE);
  md_form_require (form, "add", CATEGORY_NAME);
  data = ask (self, form, OP_CATEGORY_ADD, NULL);
  data->choices = (GStrv) g_ptr_array_steal (ids, NULL);
}

static void
add_category_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  MdOfficePage *self = MD_OFFICE_PAGE (widget);

  if (self->worker == NULL)
    return;
  md_worker_run (self->worker, tariffs_job, NULL, NULL, (GDestroyNotify) json_node_unref,
                 self->cancellable, category_tariffs_cb, pending_new (self));
}

static void
add_operator_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  MdForm *form;

  form = md_form_new (widget, _("Add an Operator"),
                      _("The operator signs in with this name and password; the roles "
                        "decide what they may do."));
  md_form_add_entry (form, _("Sign-in name"), NULL);
  md_form_add_entry (form, _("Full name"), NULL);
  add_role_checks (form, MD_ROLE_CASHIER);
  md_form_add_password (form, _("Password"));
  md_form_add_password (form, _("Password again"));
  md_form_add_response (form, "add", _("_Add"), ADW_RESPONSE_SUGGESTED);
  md_form_require (form, "add", OPERATOR_NAME);
  md_form_require (form, "add", OPERATOR_PASSWORD);
  md_form_require (form, "add", OPERATOR_AGAIN);
  ask (MD_OFFICE_PAGE (widget), form, OP_OPERATOR_ADD, NULL);
}

static void
operator_roles_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  MdOfficePage *self = MD_OFFICE_PAGE (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  JsonObject *info = find_object (self, SECTION_OPERATORS, "name", name);
  g_autofree char *heading = g_strdup_printf (_("Roles of %s"), name);
  MdRole roles = MD_ROLE_NONE;
  MdForm *form;

  if (info != NULL)
    md_roles_parse (member_string (info, "roles"), &roles, NULL);
  form = md_form_new (widget, heading,
                      _("What the operator may do follows from their roles; the change "
                        "applies from their next sign-in."));
  add_role_checks (form, roles);
  md_form_add_response (form, "save", _("_Save Roles"), ADW_RESPONSE_SUGGESTED);
  ask (self, form, OP_OPERATOR_ROLES, name);
}

static void
operator_password_activated (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  const char *name = g_variant_get_string (parameter, NULL);
  g_autofree char *heading = g_strdup_printf (_("Reset the Password of %s"), name);
  MdForm *form;

  form = md_form_new (widget, heading,
                      _("Give the operator the new password in person; they should "
                        "change it after signing in."));
  md_form_add_password (form, _("New password"));
  md_form_add_password (form, _("New password again"));
  md_form_add_response (form, "reset", _("_Reset Password"), ADW_RESPONSE_DESTRUCTIVE);
  md_form_require (form, "reset", RESET_PASSWORD);
  md_form_require (form, "reset", RESET_AGAIN);
  ask (MD_OFFICE_PAGE (widget), form, OP_OPERATOR_PASSWORD, name);
}

static void
operator_deactivate_activated (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  const char *name = g_variant_get_string (parameter, NULL);
  g_autofree char *heading = g_strdup_printf (_("Deactivate %s?"), name);
  MdForm *form;

  form = md_form_new (widget, heading,
                      _("The operator can no longer sign in. Their sales and records "
                        "stay; they can be activated again."));
  md_form_add_response (form, "deactivate", _("_Deactivate"), ADW_RESPONSE_DESTRUCTIVE);
  md_form_set_default_response (form, "cancel");
  ask (MD_OFFICE_PAGE (widget), form, OP_OPERATOR_DEACTIVATE, name);
}

static void
operator_simple (GtkWidget *widget,
                 Op         op,
                 GVariant  *parameter)
{
  run_change (MD_OFFICE_PAGE (widget),
              request_new (op, g_variant_get_string (parameter, NULL)), NULL);
}

static void
operator_unlock_activated (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  operator_simple (widget, OP_OPERATOR_UNLOCK, parameter);
}

static void
operator_activate_activated (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  operator_simple (widget, OP_OPERATOR_ACTIVATE, parameter);
}

static void
add_terminal_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  MdForm *form;

  form = md_form_new (widget, _("Add a Terminal"),
                      _("A sales window. Its receipt numbers start with its id."));
  md_form_add_entry (form, _("Terminal id"), NULL);
  md_form_add_entry (form, _("Name"), NULL);
  md_form_add_response (form, "add", _("_Add"), ADW_RESPONSE_SUGGESTED);
  md_form_require (form, "add", TERMINAL_ID);
  ask (MD_OFFICE_PAGE (widget), form, OP_TERMINAL_ADD, NULL);
}

static void
add_bus_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  const char *protocols[] = { _("Modbus"), _("DL/T 645-2007"), NULL };
  const char *links[] = { _("Serial port (RS485)"), _("Modbus TCP gateway"), NULL };
  const char *parities[] = { _("The protocol’s default"), _("None (N)"), _("Even (E)"),
                             _("Odd (O)"), NULL };
  MdForm *form;

  form = md_form_new (widget, _("Add a Bus or Gateway"),
                      _("A serial bus needs its device; a gateway its address. Serial "
                        "Modbus defaults to 9600 baud 8N1, DL/T 645 to 2400 baud 8E1."));
  md_form_add_entry (form, _("Name"), NULL);
  md_form_add_choice (form, _("Protocol"), protocols, 0);
  md_form_add_choice (form, _("Connection"), links, 0);
  md_form_add_entry (form, _("Serial device"), "/dev/ttyUSB0");
  md_form_add_entry (form, _("Baud rate"), NULL);
  md_form_add_choice (form, _("Parity"), parities, 0);
  md_form_add_entry (form, _("Gateway (HOST:PORT)"), NULL);
  md_form_add_response (form, "add", _("_Add"), ADW_RESPONSE_SUGGESTED);
  md_form_require (form, "add", BUS_NAME);
  ask (MD_OFFICE_PAGE (widget), form, OP_BUS_ADD, NULL);
}

/* ---- callbacks ---- */

static void
search_changed_cb (GtkSearchEntry *entry,
                   MdOfficePage   *self)
{
  for (int i = 0; i < N_SECTIONS; i++)
    if (self->lists[i].search == entry)
      gtk_string_filter_set_search (self->lists[i].filter,
                                    gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
section_changed_cb (MdOfficePage *self)
{
  int section;

  /* The stack is being torn down with the page. */
  if (self->cancellable == NULL)
    return;
  if ((section = visible_list (self)) >= 0)
    load_list (self, section);
}

/* ---- GObject ---- */

static void
md_office_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (md_office_page_parent_class)->map (widget);

  /* Shown again: another window or operator may have changed anything. */
  md_office_page_refresh (MD_OFFICE_PAGE (widget));
}

static void
md_office_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  MdOfficePage *self = MD_OFFICE_PAGE (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->jobs > 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
md_office_page_dispose (GObject *object)
{
  MdOfficePage *self = MD_OFFICE_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (self->chooser);
  g_clear_object (&self->chooser);
  for (int i = 0; i < N_SECTIONS; i++)
    if (self->lists[i].list != NULL)
      gtk_list_box_bind_model (self->lists[i].list, NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), MD_TYPE_OFFICE_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  for (int i = 0; i < N_SECTIONS; i++)
    {
      g_clear_object (&self->lists[i].store);
      g_clear_object (&self->lists[i].filter);
    }
  g_clear_object (&self->worker);

  G_OBJECT_CLASS (md_office_page_parent_class)->dispose (object);
}

static void
md_office_page_finalize (GObject *object)
{
  MdOfficePage *self = MD_OFFICE_PAGE (object);

  g_free (self->status);

  G_OBJECT_CLASS (md_office_page_parent_class)->finalize (object);
}

static void
md_office_page_class_init (MdOfficePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = md_office_page_get_property;
  object_class->dispose = md_office_page_dispose;
  object_class->finalize = md_office_page_finalize;
  widget_class->map = md_office_page_map;

  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MdOfficePage::database-restored:
   *
   * The database was replaced by a backup: whoever shows other data (the
   * window, the counter) should sign the operator out or reload.
   */
  signals[DATABASE_RESTORED] =
    g_signal_new ("database-restored", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/meterdesk/Meterdesk/ui/md-office-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, MdOfficePage, toasts);
  gtk_widget_class_bind_template_child (widget_class, MdOfficePage, sections);
  gtk_widget_class_bind_template_child (widget_class, MdOfficePage, status_line);
  gtk_widget_class_bind_template_child (widget_class, MdOfficePage, tariff_result_group);
  gtk_widget_class_bind_template_child (widget_class, MdOfficePage, tariff_result_list);
  gtk_widget_class_bind_template_child (widget_class, MdOfficePage, import_result_group);
  gtk_widget_class_bind_template_child (widget_class, MdOfficePage, import_result_list);
  gtk_widget_class_bind_template_child (widget_class, MdOfficePage, backup_result_group);
  gtk_widget_class_bind_template_child (widget_class, MdOfficePage, backup_result_list);
  for (int i = 0; i < N_SECTIONS; i++)
    {
      static const struct { const char *suffix; gssize offset; } parts[] = {
        { "search", G_STRUCT_OFFSET (List, search) },
        { "message", G_STRUCT_OFFSET (List, message) },
        { "list", G_STRUCT_OFFSET (List, list) },
      };

      for (guint p = 0; p < G_N_ELEMENTS (parts); p++)
        {
          g_autofree char *id = g_strdup_printf ("%s_%s", section_names[i], parts[p].suffix);

          gtk_widget_class_bind_template_child_full (widget_class, id, FALSE,
                                                     G_STRUCT_OFFSET (MdOfficePage, lists) +
                                                     i * (gssize) sizeof (List) +
                                                     parts[p].offset);
        }
    }
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, section_changed_cb);

  gtk_widget_class_install_action (widget_class, "office.refresh", NULL, refresh_activated);
  gtk_widget_class_install_action (widget_class, "office.search", NULL, search_activated);
  gtk_widget_class_install_action (widget_class, "office.add", NULL, add_activated);
  gtk_widget_class_install_action (widget_class, "office.load-tariff", NULL,
                                   load_tariff_activated);
  gtk_widget_class_install_action (widget_class, "office.add-fee", NULL, add_fee_activated);
  gtk_widget_class_install_action (widget_class, "office.set-fee", "s", set_fee_activated);
  gtk_widget_class_install_action (widget_class, "office.add-category", NULL,
                                   add_category_activated);
  gtk_widget_class_install_action (widget_class, "office.add-operator", NULL,
                                   add_operator_activated);
  gtk_widget_class_install_action (widget_class, "office.operator-roles", "s",
                                   operator_roles_activated);
  gtk_widget_class_install_action (widget_class, "office.operator-password", "s",
                                   operator_password_activated);
  gtk_widget_class_install_action (widget_class, "office.operator-unlock", "s",
                                   operator_unlock_activated);
  gtk_widget_class_install_action (widget_class, "office.operator-deactivate", "s",
                                   operator_deactivate_activated);
  gtk_widget_class_install_action (widget_class, "office.operator-activate", "s",
                                   operator_activate_activated);
  gtk_widget_class_install_action (widget_class, "office.add-terminal", NULL,
                                   add_terminal_activated);
  gtk_widget_class_install_action (widget_class, "office.add-bus", NULL, add_bus_activated);
  gtk_widget_class_install_action (widget_class, "office.import", NULL, import_activated);
  gtk_widget_class_install_action (widget_class, "office.backup", NULL, backup_activated);
  gtk_widget_class_install_action (widget_class, "office.restore", NULL, restore_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "office.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "office.add", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "office.refresh", NULL);
}

static void
md_office_page_init (MdOfficePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  for (int i = 0; i < N_SECTIONS; i++)
    {
      List *list = &self->lists[i];
      GtkExpression *expression = gtk_property_expression_new (MD_TYPE_OFFICE_ITEM, NULL,
                                                               "search");
      GtkFilterListModel *filtered;
      GtkWidget *placeholder = gtk_label_new (_("Nothing to show"));

      list->page = self;
      list->index = i;
      list->store = g_list_store_new (MD_TYPE_OFFICE_ITEM);
      list->filter = gtk_string_filter_new (expression);
      gtk_string_filter_set_match_mode (list->filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
      gtk_string_filter_set_ignore_case (list->filter, TRUE);
      filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (list->store)),
                                            GTK_FILTER (g_object_ref (list->filter)));
      gtk_list_box_bind_model (list->list, G_LIST_MODEL (filtered), create_row_cb, list, NULL);
      g_object_unref (filtered);

      gtk_widget_add_css_class (placeholder, "dim-label");
      gtk_widget_set_margin_top (placeholder, 18);
      gtk_widget_set_margin_bottom (placeholder, 18);
      gtk_list_box_set_placeholder (list->list, placeholder);
    }
  update_actions (self);
}

/* ---- public ---- */

/**
 * md_office_page_set_worker:
 * @worker: (nullable): how the page reaches the database
 *
 * The operator comes from md_worker_get_session() each time the page is
 * shown or refreshed.
 */
void
md_office_page_set_worker (MdOfficePage *self,
                           MdWorker     *worker)
{
  g_return_if_fail (MD_IS_OFFICE_PAGE (self));
  g_return_if_fail (worker == NULL || MD_IS_WORKER (worker));

  g_set_object (&self->worker, worker);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    md_office_page_refresh (self);
  else
    update_actions (self);
}

/**
 * md_office_page_refresh:
 *
 * Reads the operator's permissions again and reloads the section shown.
 */
void
md_office_page_refresh (MdOfficePage *self)
{
  int section;

  g_return_if_fail (MD_IS_OFFICE_PAGE (self));

  update_actions (self);
  if ((section = visible_list (self)) >= 0)
    load_list (self, section);
}

/**
 * md_office_page_set_section:
 * @section: "tariffs", "fees", "categories", "operators", "terminals",
 *   "buses", "import" or "backup"
 */
void
md_office_page_set_section (MdOfficePage *self,
                            const char   *section)
{
  g_return_if_fail (MD_IS_OFFICE_PAGE (self));
  g_return_if_fail (section != NULL);

  gtk_stack_set_visible_child_name (self->sections, section);
}

const char *
md_office_page_get_section (MdOfficePage *self)
{
  g_return_val_if_fail (MD_IS_OFFICE_PAGE (self), NULL);

  return gtk_stack_get_visible_child_name (self->sections);
}

/**
 * md_office_page_get_status:
 *
 * Returns: (nullable): the last line the page showed: what was done, or
 *   why not
 */
const char *
md_office_page_get_status (MdOfficePage *self)
{
  g_return_val_if_fail (MD_IS_OFFICE_PAGE (self), NULL);

  return self->status;
}

/**
 * md_office_page_get_busy:
 *
 * Returns: whether the page waits for the database or a file
 */
gboolean
md_office_page_get_busy (MdOfficePage *self)
{
  g_return_val_if_fail (MD_IS_OFFICE_PAGE (self), FALSE);

  return self->jobs > 0;
}
