/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "md-monitor-page.h"
#include "md-monitor.h"
#include "md-ui-util.h"

/* The status board (MISSION.md "Monitoring and alarms"): every installed
 * meter with its room, account, balance, relay, online state and today's use,
 * from one query; filtering and sorting happen in list models, so 10,000
 * meters cost no query per row and scroll as one list. */

#define REFRESH_SECONDS 30

/* ---- one row as a list item ---- */

#define MD_TYPE_BOARD_ITEM (md_board_item_get_type ())
G_DECLARE_FINAL_TYPE (MdBoardItem, md_board_item, MD, BOARD_ITEM, GObject)

struct _MdBoardItem
{
  GObject     parent_instance;
  MdBoardRow *row;
  char       *place;     /* "B1/F1/101" */
  char       *haystack;  /* what the search looks in, folded */
};

G_DEFINE_FINAL_TYPE (MdBoardItem, md_board_item, G_TYPE_OBJECT)

static void
md_board_item_finalize (GObject *object)
{
  MdBoardItem *self = MD_BOARD_ITEM (object);

  md_board_row_free (self->row);
  g_free (self->place);
  g_free (self->haystack);
  G_OBJECT_CLASS (md_board_item_parent_class)->finalize (object);
}

static void
md_board_item_class_init (MdBoardItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = md_board_item_finalize;
}

static void
md_board_item_init (MdBoardItem *self)
{
}

static MdBoardItem *
md_board_item_new (MdBoardRow *row)
{
  MdBoardItem *self = g_object_new (MD_TYPE_BOARD_ITEM, NULL);
  g_autofree char *text = NULL;

  self->row = row;
  self->place = g_strdup_printf ("%s/%s/%s", row->building ? row->building : "—",
                                 row->floor ? row->floor : "—", row->room ? row->room : "—");
  text = g_strjoin (" ", self->place, row->address, row->account_no ? row->account_no : "",
                    row->customer ? row->customer : "", NULL);
  self->haystack = g_utf8_casefold (text, -1);
  return self;
}

/* ---- the page ---- */

struct _MdMonitorPage
{
  GtkWidget        parent_instance;

  /* template widgets */
  GtkSearchEntry  *search;
  GtkDropDown     *building_filter;
  GtkDropDown     *floor_filter;
  GtkDropDown     *alarm_filter;
  GtkToggleButton *offline_toggle;
  GtkToggleButton *tripped_toggle;
  GtkColumnView   *board;
  GtkWidget       *side;
  GtkLabel        *side_title;
  AdwPreferencesGroup *side_group;
  GtkLabel        *summary;

  /* owned */
  MdWorker        *worker;
  GCancellable    *cancellable;
  GListStore      *store;
  GtkFilterListModel *filtered;
  GtkCustomFilter *filter;
  GtkSingleSelection *selection;
  GPtrArray       *side_rows;
  char            *search_folded;
  char            *selected_address;
  guint            refresh_source;
  gint64           loaded_in_usec;
  gboolean         loading;
  gboolean         updating_filters;
};

G_DEFINE_FINAL_TYPE (MdMonitorPage, md_monitor_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  ALARM_ALL,
  ALARM_ANY,
  ALARM_2,
  ALARM_3,
};

static const char *
dropdown_choice (GtkDropDown *dropdown)
{
  guint selected = gtk_drop_down_get_selected (dropdown);
  GListModel *model = gtk_drop_down_get_model (dropdown);

  /* The first entry is "all". */
  if (model == NULL || selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    return NULL;
  return gtk_string_list_get_string (GTK_STRING_LIST (model), selected);
}

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  MdMonitorPage *self = user_data;
  MdBoardRow *row = MD_BOARD_ITEM (item)->row;
  const char *building = dropdown_choice (self->building_filter);
  const char *floor = dropdown_choice (self->floor_filter);

  if (building != NULL && g_strcmp0 (row->building, building) != 0)
    return FALSE;
  if (floor != NULL && g_strcmp0 (row->floor, floor) != 0)
    return FALSE;
  switch (gtk_drop_down_get_selected (self->alarm_filter))
    {
    case ALARM_ANY:
      if (row->alarm_level == 0)
        return FALSE;
      break;
    case ALARM_2:
      if (row->alarm_level < 2)
        return FALSE;
      break;
    case ALARM_3:
      if (row->alarm_level < 3)
        return FALSE;
      break;
    default:
      break;
    }
  /* A meter on no bus (a card meter) is never offline: nothing polls it. */
  if (gtk_toggle_button_get_active (self->offline_toggle) && (row->online || row->bus == NULL))
    return FALSE;
  if (gtk_toggle_button_get_active (self->tripped_toggle) && g_strcmp0 (row->relay, "tripped") != 0)
    return FALSE;
  if (self->search_folded != NULL && *self->search_folded != '\0' &&
      strstr (MD_BOARD_ITEM (item)->haystack, self->search_folded) == NULL)
    return FALSE;
  return TRUE;
}

static void
update_summary (MdMonitorPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint offline = 0, tripped = 0, alarms = 0;
  g_autofree char *text = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(MdBoardItem) item = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      offline += item->row->online || item->row->bus == NULL ? 0 : 1;
      tripped += g_strcmp0 (item->row->relay, "tripped") == 0 ? 1 : 0;
      alarms += item->row->alarm_level > 0 ? 1 : 0;
    }
  text = g_strdup_printf (_("%u of %u meters shown · %u offline · %u tripped · %u with low "
                            "balance"), shown, n, offline, tripped, alarms);
  gtk_label_set_text (self->summary, text);
}

static void
filters_changed_cb (MdMonitorPage *self)
{
  if (self->updating_filters || self->filter == NULL)
    return;
  g_free (self->search_folded);
  self->search_folded = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search)), -1);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_summary (self);
}

/* ---- the columns ---- */

typedef enum
{
  COL_PLACE,
  COL_ACCOUNT,
  COL_CUSTOMER,
  COL_METER,
  COL_BALANCE,
  COL_RELAY,
  COL_ONLINE,
  COL_TODAY,
  COL_READ,
} Column;

static char *
money_text (gint64 value)
{
  return value == MD_VALUE_UNKNOWN ? g_strdup ("—") : md_money_format (value, MD_MONEY_STYLE_CURRENCY);
}

static char *
energy_text (const MdBoardRow *row,
             gint64            value)
{
  g_autofree char *number = NULL;

  if (value == MD_VALUE_UNKNOWN)
    return g_strdup ("—");
  number = md_energy_format (value);
  return g_strdup_printf (g_strcmp0 (row->utility, "water") == 0 ? "%s m³" : "%s kWh", number);
}

static const char *
relay_text (const MdBoardRow *row)
{
  if (g_strcmp0 (row->relay, "tripped") == 0)
    return row->keep_power ? _("tripped (kept on)") : _("tripped");
  if (g_strcmp0 (row->relay, "closed") == 0)
    return row->keep_power ? _("on (kept on)") : _("on");
  return "—";
}

static const char *
online_text (const MdBoardRow *row)
{
  if (row->bus == NULL)
    return _("on no bus (card meter)");
  if (!row->known)
    return _("never read");
  return row->online ? _("online") : _("offline");
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), GPOINTER_TO_INT (user_data) == COL_BALANCE ||
                                           GPOINTER_TO_INT (user_data) == COL_TODAY ? 1.0 : 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (GPOINTER_TO_INT (user_data) == COL_BALANCE || GPOINTER_TO_INT (user_data) == COL_TODAY)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (list_item, label);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         gpointer                  user_data)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);
  MdBoardItem *item = gtk_list_item_get_item (list_item);
  const MdBoardRow *row = item->row;
  g_autofree char *owned = NULL;
  const char *text = NULL;

  gtk_widget_remove_css_class (label, "warning");
  gtk_widget_remove_css_class (label, "error");
  gtk_widget_remove_css_class (label, "success");
  gtk_widget_remove_css_class (label, "dim-label");

  switch ((Column) GPOINTER_TO_INT (user_data))
    {
    case COL_PLACE:
      text = item->place;
      break;
    case COL_ACCOUNT:
      text = row->account_no != NULL ? row->account_no : "—";
      break;
    case COL_CUSTOMER:
      text = row->customer != NULL ? row->customer : "—";
      break;
    case COL_METER:
      text = row->address;
      break;
    case COL_BALANCE:
      text = owned = money_text (row->credit);
      if (row->alarm_level >= 3)
        gtk_widget_add_css_class (label, "error");
      else if (row->alarm_level > 0)
        gtk_widget_add_css_class (label, "warning");
      break;
    case COL_RELAY:
      text = relay_text (row);
      if (g_strcmp0 (row->relay, "tripped") == 0)
        gtk_widget_add_css_class (label, "error");
      break;
    case COL_ONLINE:
      text = online_text (row);
      gtk_widget_add_css_class (label, !row->known ? "dim-label" : row->online ? "success" : "error");
      break;
    case COL_TODAY:
      text = owned = energy_text (row, row->today);
      break;
    case COL_READ:
      if (row->read_at != MD_VALUE_UNKNOWN)
        {
          g_autoptr(GDateTime) at = g_date_time_new_from_unix_local (row->read_at / G_USEC_PER_SEC);

          text = owned = g_date_time_format (at, "%m-%d %H:%M");
        }
      else
        text = "—";
      break;
    default:
      g_assert_not_reached ();
    }
  gtk_label_set_text (GTK_LABEL (label), text);
}

static int
compare_place (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  return g_utf8_collate (MD_BOARD_ITEM ((gpointer) a)->place, MD_BOARD_ITEM ((gpointer) b)->place);
}

static int
compare_balance (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  gint64 x = MD_BOARD_ITEM ((gpointer) a)->row->credit;
  gint64 y = MD_BOARD_ITEM ((gpointer) b)->row->credit;

  return x < y ? -1 : x > y;
}

static int
compare_today (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  gint64 x = MD_BOARD_ITEM ((gpointer) a)->row->today;
  gint64 y = MD_BOARD_ITEM ((gpointer) b)->row->today;

  return x < y ? -1 : x > y;
}

static void
add_column (MdMonitorPage    *self,
            Column            column,
            const char       *title,
            gboolean          expand,
            GCompareDataFunc  compare)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *view_column;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), GINT_TO_POINTER (column));
  view_column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (view_column, expand);
  gtk_column_view_column_set_resizable (view_column, TRUE);
  if (compare != NULL)
    {
      GtkSorter *sorter = GTK_SORTER (gtk_custom_sorter_new (compare, NULL, NULL));

      gtk_column_view_column_set_sorter (view_column, sorter);
      g_object_unref (sorter);
    }
  gtk_column_view_append_column (self->board, view_column);
  g_object_unref (view_column);
}

/* ---- the side panel ---- */

static void
side_add (MdMonitorPage *self,
          const char    *title,
          const char    *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value != NULL ? value : "—");
  gtk_widget_add_css_class (row, "property");
  adw_preferences_group_add (self->side_group, row);
  g_ptr_array_add (self->side_rows, row);
}

static void
show_side (MdMonitorPage *self,
           MdBoardItem   *item)
{
  const MdBoardRow *row;
  g_autofree char *title = NULL;
  g_autofree char *balance = NULL;
  g_autofree char *today = NULL;
  g_autofree char *power = NULL;
  g_autofree char *read = NULL;
  g_autofree char *misses = NULL;

  for (guint i = 0; i < self->side_rows->len; i++)
    adw_preferences_group_remove (self->side_group, self->side_rows->pdata[i]);
  g_ptr_array_set_size (self->side_rows, 0);
  gtk_widget_set_visible (self->side, item != NULL);
  if (item == NULL)
    return;

  row = item->row;
  g_free (self->selected_address);
  self->selected_address = g_strdup (row->address);
  title = g_strdup_printf ("%s  %s", item->place, row->customer != NULL ? row->customer : "");
  gtk_label_set_text (self->side_title, title);
  balance = money_text (row->credit);
  today = energy_text (row, row->today);
  power = row->power != MD_VALUE_UNKNOWN ? g_strdup_printf ("%lld W", (long long) row->power) : NULL;
  read = row->read_at != MD_VALUE_UNKNOWN ? g_strdup_printf ("%lld", (long long) row->read_at) : NULL;
  if (read != NULL)
    {
      g_autoptr(GDateTime) at = g_date_time_new_from_unix_local (row->read_at / G_USEC_PER_SEC);

      g_free (read);
      read = g_date_time_format (at, "%Y-%m-%d %H:%M:%S");
    }
  misses = row->misses > 0 ? g_strdup_printf (ngettext ("%u missed poll", "%u missed polls",
                                                        row->misses), row->misses) : NULL;

  side_add (self, _("Meter"), row->address);
  side_add (self, _("Model"), row->model);
  side_add (self, _("Bus"), row->bus);
  side_add (self, _("Account"), row->account_no);
  side_add (self, _("Balance"), balance);
  side_add (self, _("Low-balance alarm"),
            row->alarm_level > 0 ? (row->alarm_level == 1 ? _("level 1") :
                                    row->alarm_level == 2 ? _("level 2") : _("level 3"))
                                 : _("none"));
  side_add (self, _("Relay"), relay_text (row));
  side_add (self, _("Online"), online_text (row));
  if (misses != NULL)
    side_add (self, _("Since the last answer"), misses);
  side_add (self, _("Power"), power);
  side_add (self, _("Used today"), today);
  side_add (self, _("Last answer"), read);
}

static void
selection_changed_cb (MdMonitorPage *self)
{
  show_side (self, gtk_single_selection_get_selected_item (self->selection));
}

/* ---- loading ---- */

static gpointer
board_job (MdStore       *store,
           MdSession     *session,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  if (session == NULL)
    return NULL;
  return md_board_rows (session, error);
}

static void
fill_dropdown (MdMonitorPage *self,
               GtkDropDown   *dropdown,
               const char    *all,
               GPtrArray     *values)
{
  const char *current = dropdown_choice (dropdown);
  g_autofree char *keep = g_strdup (current);
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  guint selected = 0;

  gtk_string_list_append (list, all);
  for (guint i = 0; i < values->len; i++)
    {
      gtk_string_list_append (list, values->pdata[i]);
      if (g_strcmp0 (values->pdata[i], keep) == 0)
        selected = i + 1;
    }
  gtk_drop_down_set_model (dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_selected (dropdown, selected);
}

static void
collect (GHashTable *seen,
         GPtrArray  *out,
         const char *value)
{
  if (value != NULL && g_hash_table_add (seen, (gpointer) value))
    g_ptr_array_add (out, (gpointer) value);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
board_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(MdMonitorPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = md_worker_run_finish (MD_WORKER (source), result, &error);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GHashTable) buildings_seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) floors_seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) buildings = g_ptr_array_new ();
  g_autoptr(GPtrArray) floors = g_ptr_array_new ();
  gint64 started = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (self), "started"));
  guint select = GTK_INVALID_LIST_POSITION;

  self->loading = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  if (rows == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gtk_label_set_text (self->summary, error->message);
      return;
    }

  items = g_ptr_array_new_full (rows->len, g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    {
      MdBoardRow *row = rows->pdata[i];

      collect (buildings_seen, buildings, row->building);
      collect (floors_seen, floors, row->floor);
      g_ptr_array_add (items, md_board_item_new (row));
    }
  /* The items own the rows now. */
  g_ptr_array_set_free_func (rows, NULL);
  g_ptr_array_sort (buildings, compare_strings);
  g_ptr_array_sort (floors, compare_strings);

  self->updating_filters = TRUE;
  fill_dropdown (self, self->building_filter, _("All buildings"), buildings);
  fill_dropdown (self, self->floor_filter, _("All floors"), floors);
  self->updating_filters = FALSE;

  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       items->pdata, items->len);
  filters_changed_cb (self);

  /* Keep the meter that was selected. */
  for (guint i = 0; self->selected_address != NULL &&
                    i < g_list_model_get_n_items (G_LIST_MODEL (self->selection)); i++)
    {
      g_autoptr(MdBoardItem) item = g_list_model_get_item (G_LIST_MODEL (self->selection), i);

      if (g_strcmp0 (item->row->address, self->selected_address) == 0)
        {
          select = i;
          break;
        }
    }
  gtk_single_selection_set_selected (self->selection, select);
  self->loaded_in_usec = g_get_monotonic_time () - started;
}

static void
refresh_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  md_monitor_page_refresh (MD_MONITOR_PAGE (widget));
}

static gboolean
refresh_timeout_cb (gpointer user_data)
{
  MdMonitorPage *self = user_data;

  if (gtk_widget_get_mapped (GTK_WIDGET (self)) && !self->loading)
    md_monitor_page_refresh (self);
  return G_SOURCE_CONTINUE;
}

/* ---- GObject ---- */

static void
md_monitor_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  MdMonitorPage *self = MD_MONITOR_PAGE (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
md_monitor_page_dispose (GObject *object)
{
  MdMonitorPage *self = MD_MONITOR_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->board != NULL)
    gtk_column_view_set_model (self->board, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), MD_TYPE_MONITOR_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->worker);
  g_clear_object (&self->selection);
  g_clear_object (&self->store);
  g_clear_pointer (&self->side_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (md_monitor_page_parent_class)->dispose (object);
}

static void
md_monitor_page_finalize (GObject *object)
{
  MdMonitorPage *self = MD_MONITOR_PAGE (object);

  g_free (self->search_folded);
  g_free (self->selected_address);
  G_OBJECT_CLASS (md_monitor_page_parent_class)->finalize (object);
}

static void
md_monitor_page_class_init (MdMonitorPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = md_monitor_page_get_property;
  object_class->dispose = md_monitor_page_dispose;
  object_class->finalize = md_monitor_page_finalize;

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/meterdesk/Meterdesk/ui/md-monitor-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, search);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, building_filter);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, floor_filter);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, alarm_filter);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, offline_toggle);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, tripped_toggle);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, board);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, side);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, side_title);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, side_group);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, summary);
  gtk_widget_class_bind_template_callback (widget_class, filters_changed_cb);

  gtk_widget_class_install_action (widget_class, "monitor.refresh", NULL, refresh_activated);
}

static void
md_monitor_page_init (MdMonitorPage *self)
{
  g_autoptr(GtkStringList) alarms = NULL;
  const char *alarm_labels[] = { _("All balances"), _("Any low-balance alarm"),
                                 _("Level 2 and 3"), _("Level 3"), NULL };
  GtkSortListModel *sorted;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->side_rows = g_ptr_array_new ();

  alarms = gtk_string_list_new (alarm_labels);
  gtk_drop_down_set_model (self->alarm_filter, G_LIST_MODEL (alarms));

  self->store = g_list_store_new (MD_TYPE_BOARD_ITEM);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->store)),
                                              GTK_FILTER (self->filter));
  add_column (self, COL_PLACE, _("Room"), TRUE, compare_place);
  add_column (self, COL_ACCOUNT, _("Account"), FALSE, NULL);
  add_column (self, COL_CUSTOMER, _("Customer"), TRUE, NULL);
  add_column (self, COL_METER, _("Meter"), FALSE, NULL);
  add_column (self, COL_BALANCE, _("Balance"), FALSE, compare_balance);
  add_column (self, COL_RELAY, _("Relay"), FALSE, NULL);
  add_column (self, COL_ONLINE, _("Online"), FALSE, NULL);
  add_column (self, COL_TODAY, _("Today"), FALSE, compare_today);
  add_column (self, COL_READ, _("Last answer"), FALSE, NULL);
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (self->filtered),
                                    g_object_ref (gtk_column_view_get_sorter (self->board)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (sorted));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->board, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->selection, "notify::selected-item",
                            G_CALLBACK (selection_changed_cb), self);

  self->refresh_source = g_timeout_add_seconds (REFRESH_SECONDS, refresh_timeout_cb, self);
}

void
md_monitor_page_set_worker (MdMonitorPage *self,
                            MdWorker      *worker)
{
  g_return_if_fail (MD_IS_MONITOR_PAGE (self));

  g_set_object (&self->worker, worker);
}

/**
 * md_monitor_page_refresh:
 *
 * Reads the board again (also every 30 seconds while the page shows).
 */
void
md_monitor_page_refresh (MdMonitorPage *self)
{
  g_return_if_fail (MD_IS_MONITOR_PAGE (self));

  if (self->worker == NULL)
    return;
  self->loading = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_object_set_data (G_OBJECT (self), "started", GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
  md_worker_run (self->worker, board_job, NULL, NULL, (GDestroyNotify) g_ptr_array_unref,
                 self->cancellable, board_done_cb, g_object_ref (self));
}

gboolean
md_monitor_page_get_loading (MdMonitorPage *self)
{
  g_return_val_if_fail (MD_IS_MONITOR_PAGE (self), FALSE);
  return self->loading;
}

/**
 * md_monitor_page_get_n_meters:
 * @out_shown: (out) (optional): how many the filters let through
 *
 * Returns: the meters on the board
 */
guint
md_monitor_page_get_n_meters (MdMonitorPage *self,
                              guint         *out_shown)
{
  g_return_val_if_fail (MD_IS_MONITOR_PAGE (self), 0);

  if (out_shown != NULL)
    *out_shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  return g_list_model_get_n_items (G_LIST_MODEL (self->store));
}

/**
 * md_monitor_page_get_load_time:
 *
 * Returns: µs from asking for the board to showing it, the last time
 */
gint64
md_monitor_page_get_load_time (MdMonitorPage *self)
{
  g_return_val_if_fail (MD_IS_MONITOR_PAGE (self), 0);
  return self->loaded_in_usec;
}

const char *
md_monitor_page_get_selected (MdMonitorPage *self)
{
  MdBoardItem *item;

  g_return_val_if_fail (MD_IS_MONITOR_PAGE (self), NULL);

  item = gtk_single_selection_get_selected_item (self->selection);
  return item != NULL ? item->row->address : NULL;
}

void
md_monitor_page_select (MdMonitorPage *self,
                        const char    *address)
{
  g_return_if_fail (MD_IS_MONITOR_PAGE (self));

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->selection)); i++)
    {
      g_autoptr(MdBoardItem) item = g_list_model_get_item (G_LIST_MODEL (self->selection), i);

      if (g_strcmp0 (item->row->address, address) == 0)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return;
        }
    }
}
