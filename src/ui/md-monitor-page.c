/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "md-monitor-page.h"
#include "md-card.h"
#include "md-monitor.h"
#include "md-pricing.h"
#include "md-service.h"
#include "md-ui-util.h"
#include "md-validate.h"

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
  GtkLabel        *status;
  GtkButton       *alarms_button;
  GtkWidget       *read_button;
  GtkWidget       *trip_button;
  GtkWidget       *close_button;
  GtkWidget       *keep_button;
  GtkWidget       *release_button;

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
  gboolean         busy;              /* a meter command under way */

  /* alarms */
  JsonNode        *alerts;            /* the open ones, last read */
  guint            n_alerts;
  AdwMessageDialog *alarms_dialog;
  GtkListBox      *alarms_list;
  char            *alarms_shown;

  /* batches */
  AdwMessageDialog *batches_dialog;
  GtkListBox      *batches_list;
  GHashTable      *open_batches;      /* gint64 ids expanded in the list */
  char            *batches_shown;
  char            *export_file;       /* tests: no file chooser */
  gint64           last_batch;
  guint            batches_source;
  gboolean         batches_loading;
  gboolean         filling_batches;
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

static void update_controls (MdMonitorPage *self);

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
  update_controls (self);
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
  update_controls (self);
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
  /* The same row again: its values may have changed. */
  if (select != GTK_INVALID_LIST_POSITION)
    show_side (self, gtk_single_selection_get_selected_item (self->selection));
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

/* ---- the status line ---- */

static void
set_status (MdMonitorPage *self,
            const char    *text,
            gboolean       failed)
{
  /* One line: the first line of a longer message. */
  g_autofree char *line = g_strdup (text != NULL ? text : "");
  char *newline = strchr (line, '\n');

  if (newline != NULL)
    *newline = '\0';
  gtk_label_set_text (self->status, line);
  if (failed)
    gtk_widget_add_css_class (GTK_WIDGET (self->status), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status), "error");
}

static gboolean
may (MdMonitorPage *self,
     MdPermission   permission)
{
  g_autoptr(MdSession) session = self->worker != NULL ? md_worker_get_session (self->worker) : NULL;

  return session != NULL && md_session_has_permission (session, permission);
}

/* ---- controls of the selected meter ---- */

static void
control_enable (MdMonitorPage *self,
                GtkWidget     *button,
                const char    *action,
                gboolean       on_bus,
                gboolean       allowed,
                const char    *what)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), action, on_bus && allowed && !self->busy);
  if (!allowed)
    gtk_widget_set_tooltip_text (button, _("You do not have the permission for this"));
  else if (!on_bus)
    gtk_widget_set_tooltip_text (button, _("This meter is on no bus: read its card instead"));
  else
    gtk_widget_set_tooltip_text (button, what);
}

static void
update_controls (MdMonitorPage *self)
{
  MdBoardItem *item = gtk_single_selection_get_selected_item (self->selection);
  gboolean on_bus = item != NULL && item->row->bus != NULL;
  gboolean read = may (self, MD_PERM_METER_READ);
  gboolean control = may (self, MD_PERM_METER_CONTROL);

  control_enable (self, self->read_button, "monitor.read", on_bus, read,
                  _("Read the meter over its bus now"));
  control_enable (self, self->trip_button, "monitor.trip", on_bus, control,
                  _("Cut the customer’s power"));
  control_enable (self, self->close_button, "monitor.close", on_bus, control,
                  _("Restore the customer’s power"));
  control_enable (self, self->keep_button, "monitor.keep-power", on_bus, control,
                  _("No automatic trip until released"));
  control_enable (self, self->release_button, "monitor.release-keep-power", on_bus, control,
                  _("Automatic trips apply again"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "monitor.batch",
                                 may (self, MD_PERM_BATCH));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "monitor.alarms",
                                 may (self, MD_PERM_VIEW) || may (self, MD_PERM_ALARM));
}

typedef struct
{
  char *address;
  char *op;  /* "read", "trip", "close", "keep-power", "release-keep-power" */
} ControlData;

static void
control_data_free (gpointer data)
{
  ControlData *control = data;

  g_free (control->address);
  g_free (control->op);
  g_free (control);
}

static gpointer
control_job (MdStore       *store,
             MdSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  ControlData *control = data;

  if (session == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, _("Nobody is signed in"));
      return NULL;
    }
  if (g_str_equal (control->op, "read"))
    return md_service_meter_read (session, control->address, error);
  return md_service_meter_control (session, control->address, control->op, error);
}

static const char *
json_text (JsonObject *object,
           const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gint64
json_int (JsonObject *object,
          const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}

static const char *
relay_word (const char *relay)
{
  if (g_strcmp0 (relay, "tripped") == 0)
    return _("tripped");
  if (g_strcmp0 (relay, "closed") == 0)
    return _("on");
  return "—";
}

static void
control_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(MdMonitorPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_finish (MD_WORKER (source), result, &error);
  JsonObject *reading = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                                                       : NULL;
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  update_controls (self);
  if (node == NULL)
    {
      set_status (self, error != NULL ? error->message : _("The meter did not answer"), TRUE);
      md_monitor_page_refresh (self);
      return;
    }
  {
    const char *meter = json_text (reading, "meter");
    const char *credit = json_text (reading, "credit");

    text = g_strdup_printf (_("Meter %s: balance %s, relay %s"), meter != NULL ? meter : "—",
                            credit != NULL ? credit : "—", relay_word (json_text (reading,
                                                                                  "relay")));
  }
  set_status (self, text, FALSE);
  md_monitor_page_refresh (self);
}

static void
run_control (MdMonitorPage *self,
             const char    *address,
             const char    *op)
{
  ControlData *control = g_new0 (ControlData, 1);
  g_autofree char *text = g_strdup_printf (_("Meter %s: waiting for the meter…"), address);

  control->address = g_strdup (address);
  control->op = g_strdup (op);
  self->busy = TRUE;
  update_controls (self);
  set_status (self, text, FALSE);
  md_worker_run (self->worker, control_job, control, control_data_free,
                 (GDestroyNotify) json_node_unref, self->cancellable, control_done_cb,
                 g_object_ref (self));
}

static GtkWindow *
parent_window (MdMonitorPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  MdMonitorPage *self = user_data;
  const char *op = g_object_get_data (G_OBJECT (dialog), "op");
  const char *address = g_object_get_data (G_OBJECT (dialog), "address");

  if (g_strcmp0 (response, op) == 0)
    run_control (self, address, op);
}

static void
control_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  MdMonitorPage *self = MD_MONITOR_PAGE (widget);
  const char *op = strchr (action_name, '.') + 1;
  MdBoardItem *item = gtk_single_selection_get_selected_item (self->selection);
  AdwMessageDialog *dialog;
  g_autofree char *body = NULL;

  if (item == NULL || self->worker == NULL)
    return;
  if (!g_str_equal (op, "trip") && !g_str_equal (op, "keep-power"))
    {
      run_control (self, item->row->address, op);
      return;
    }

  if (g_str_equal (op, "trip"))
    {
      body = g_strdup_printf (_("Meter %s at %s (%s) switches off: the customer has no power until "
                                "someone closes it."), item->row->address, item->place,
                              item->row->customer != NULL ? item->row->customer : "—");
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self),
                                                           _("Trip this meter?"), body));
      adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "trip", _("_Trip"), NULL);
      adw_message_dialog_set_response_appearance (dialog, "trip", ADW_RESPONSE_DESTRUCTIVE);
    }
  else
    {
      body = g_strdup_printf (_("Meter %s at %s is no longer tripped automatically (arrears, "
                                "over-power) until keep-power is released."),
                              item->row->address, item->place);
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self),
                                                           _("Keep this meter’s power on?"),
                                                           body));
      adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "keep-power",
                                        _("_Keep Power"), NULL);
      adw_message_dialog_set_response_appearance (dialog, "keep-power", ADW_RESPONSE_SUGGESTED);
    }
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "op", g_strdup (op), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "address", g_strdup (item->row->address), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- alarms ---- */

static gpointer
alerts_job (MdStore       *store,
            MdSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  if (session == NULL)
    return NULL;
  return md_alert_list (session, TRUE, error);
}

static void fill_alarms (MdMonitorPage *self);

static void
alerts_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(MdMonitorPage) self = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *node = md_worker_run_finish (MD_WORKER (source), result, &error);
  g_autofree char *label = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_pointer (&node, json_node_unref);
      return;
    }
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_clear_pointer (&node, json_node_unref);
      gtk_button_set_label (self->alarms_button, _("Alarms"));
      return;
    }
  g_clear_pointer (&self->alerts, json_node_unref);
  self->alerts = node;
  self->n_alerts = json_array_get_length (json_node_get_array (node));
  label = g_strdup_printf (_("Alarms (%u)"), self->n_alerts);
  gtk_button_set_label (self->alarms_button, label);
  if (self->alarms_dialog != NULL)
    fill_alarms (self);
}

static void
refresh_alerts (MdMonitorPage *self)
{
  if (self->worker == NULL)
    return;
  md_worker_run (self->worker, alerts_job, NULL, NULL, (GDestroyNotify) json_node_unref,
                 self->cancellable, alerts_done_cb, g_object_ref (self));
}

static gpointer
acknowledge_job (MdStore       *store,
                 MdSession     *session,
                 gpointer       data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  if (session == NULL)
    return NULL;
  return md_alert_acknowledge (session, *(gint64 *) data, error) ? GINT_TO_POINTER (1) : NULL;
}

static void
acknowledge_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(MdMonitorPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (md_worker_run_finish (MD_WORKER (source), result, &error) == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_status (self, error != NULL ? error->message : _("Nobody is signed in"), TRUE);
    }
  else
    set_status (self, _("Alarm acknowledged"), FALSE);
  refresh_alerts (self);
}

static void
acknowledge_clicked_cb (GtkButton     *button,
                        MdMonitorPage *self)
{
  gint64 *id = g_new (gint64, 1);

  *id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "alert-id"));
  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  md_worker_run (self->worker, acknowledge_job, id, g_free, NULL, self->cancellable,
                 acknowledge_done_cb, g_object_ref (self));
}

static char *
time_text (JsonObject *object,
           const char *member)
{
  const char *text = json_text (object, member);
  gint64 usec;

  if (text != NULL)
    return g_strdup (text);
  if ((usec = json_int (object, member)) == 0)
    return g_strdup ("—");
  {
    g_autoptr(GDateTime) at = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);

    return g_date_time_format (at, "%Y-%m-%d %H:%M:%S");
  }
}

static void
fill_alarms (MdMonitorPage *self)
{
  JsonArray *alerts = self->alerts != NULL ? json_node_get_array (self->alerts) : NULL;
  guint n = alerts != NULL ? json_array_get_length (alerts) : 0;
  g_autofree char *heading = g_strdup_printf (ngettext ("%u open alarm", "%u open alarms", n), n);
  g_autofree char *text = self->alerts != NULL ? json_to_string (self->alerts, FALSE) : NULL;
  GtkWidget *child;

  /* Rebuilt only when something changed: a button stays under the mouse. */
  if (self->alarms_shown != NULL && g_strcmp0 (text, self->alarms_shown) == 0)
    return;
  g_free (self->alarms_shown);
  self->alarms_shown = g_steal_pointer (&text);
  adw_message_dialog_set_heading (self->alarms_dialog, heading);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->alarms_list))) != NULL)
    gtk_list_box_remove (self->alarms_list, child);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *alert = json_array_get_object_element (alerts, i);
      g_autofree char *at = time_text (alert, "at");
      g_autofree char *title = g_strdup_printf ("%s · %s", json_text (alert, "kind") ?: "—",
                                                json_text (alert, "object") ?: "—");
      g_autofree char *subtitle = g_strdup_printf ("%s  %s", at, json_text (alert, "message") ?: "");
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_with_label (_("Acknowledge"));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (button), "alert-id",
                         GSIZE_TO_POINTER ((gsize) json_int (alert, "id")));
      if (!may (self, MD_PERM_ALARM))
        {
          gtk_widget_set_sensitive (button, FALSE);
          gtk_widget_set_tooltip_text (button, _("You do not have the permission for this"));
        }
      g_signal_connect (button, "clicked", G_CALLBACK (acknowledge_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      gtk_list_box_append (self->alarms_list, row);
    }
}

/* A dialog of the page holding a list (the alarms, the batches), with a
 * Close button; @closed runs when it goes. */
static AdwMessageDialog *
list_dialog (MdMonitorPage  *self,
             const char     *heading,
             const char     *body,
             GCallback       closed,
             GtkListBox    **out_list)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self),
                                                                         heading, body));
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 360);
  gtk_widget_set_size_request (scrolled, 560, -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  *out_list = GTK_LIST_BOX (list);
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  adw_message_dialog_set_close_response (dialog, "close");
  adw_message_dialog_set_extra_child (dialog, scrolled);
  g_signal_connect_object (dialog, "destroy", closed, self, G_CONNECT_SWAPPED);
  return dialog;
}

static void
alarms_closed_cb (MdMonitorPage *self)
{
  self->alarms_dialog = NULL;
  self->alarms_list = NULL;
  g_clear_pointer (&self->alarms_shown, g_free);
}

static void
alarms_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  MdMonitorPage *self = MD_MONITOR_PAGE (widget);
  AdwMessageDialog *dialog;

  if (self->alarms_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->alarms_dialog));
      return;
    }
  dialog = list_dialog (self, _("Open alarms"), NULL, G_CALLBACK (alarms_closed_cb),
                        &self->alarms_list);
  self->alarms_dialog = dialog;
  fill_alarms (self);
  refresh_alerts (self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- batches ---- */

static const struct
{
  const char *op;
  const char *label;
} batch_ops[] = {
  { "read", N_("Read (results exportable)") },
  { "trip", N_("Trip (cut the power)") },
  { "close", N_("Close (restore the power)") },
  { "keep-power", N_("Keep power") },
  { "release-keep-power", N_("Release keep-power") },
  { "prepaid-mode", N_("Prepaid (local) mode") },
  { "remote-mode", N_("Remote mode") },
  { "set-params", N_("Write meter parameters") },
  { "thresholds", N_("Low-balance levels") },
};

/* The values a batch operation takes (md_service_batch_set_param); those
 * left empty are not changed. */
static const struct
{
  const char *op;
  const char *key;
  const char *title;
} batch_values[] = {
  { "set-params", "price_1", N_("Price 1 (yuan, up to 4 decimals)") },
  { "set-params", "price_2", N_("Price 2 (yuan, up to 4 decimals)") },
  { "set-params", "price_3", N_("Price 3 (yuan, up to 4 decimals)") },
  { "set-params", "price_4", N_("Price 4 (yuan, up to 4 decimals)") },
  { "set-params", "alarm_1", N_("Alarm amount 1 (yuan)") },
  { "set-params", "alarm_2", N_("Alarm amount 2 (yuan)") },
  { "set-params", "power_limit", N_("Power limit (W)") },
  { "thresholds", "level1", N_("Low-balance level 1 (yuan)") },
  { "thresholds", "level2", N_("Low-balance level 2 (yuan)") },
  { "thresholds", "level3", N_("Low-balance level 3 (yuan)") },
};

typedef struct
{
  char  *at;      /* when to start, as typed; empty for now */
  char  *op;
  char  *name;
  char **values;  /* key, value as typed, key, value… */
  char **addresses;
} BatchData;

static void
batch_data_free (gpointer data)
{
  BatchData *batch = data;

  g_free (batch->at);
  g_free (batch->op);
  g_free (batch->name);
  g_strfreev (batch->values);
  g_strfreev (batch->addresses);
  g_free (batch);
}

static gpointer
batch_create_job (MdStore       *store,
                  MdSession     *session,
                  gpointer       data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  BatchData *batch = data;
  g_autoptr(JsonObject) params = json_object_new ();
  gint64 when = 0;

  if (session == NULL)
    return NULL;
  for (guint i = 0; batch->values[i] != NULL; i += 2)
    if (!md_service_batch_set_param (params, batch->values[i], batch->values[i + 1], error))
      return NULL;
  if (*batch->at != '\0')
    {
      g_autoptr(GTimeZone) zone = md_site_timezone (store);

      if (!md_parse_time (batch->at, zone, &when, error))
        return NULL;
    }
  return md_service_batch_create (session, batch->op, params,
                                  (const char * const *) batch->addresses, when, batch->name, error);
}

static void batches_refresh (MdMonitorPage *self);

static void
batch_created_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(MdMonitorPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_finish (MD_WORKER (source), result, &error);
  JsonObject *batch = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                                                     : NULL;
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (node == NULL)
    {
      set_status (self, error != NULL ? error->message : _("Nobody is signed in"), TRUE);
      return;
    }
  self->last_batch = json_int (batch, "batch");
  text = g_strdup_printf (_("Batch %lld created: %lld meters"), (long long) self->last_batch,
                          (long long) json_int (batch, "meters"));
  set_status (self, text, FALSE);
  batches_refresh (self);
}

static char **
shown_addresses (MdMonitorPage *self)
{
  GListModel *model = G_LIST_MODEL (self->filtered);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(MdBoardItem) item = g_list_model_get_item (model, i);

      /* A card meter has no bus to send anything to. */
      if (item->row->bus != NULL)
        g_strv_builder_add (builder, item->row->address);
    }
  return g_strv_builder_end (builder);
}

static void
batch_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   gpointer          user_data)
{
  MdMonitorPage *self = user_data;
  AdwComboRow *op = g_object_get_data (G_OBJECT (dialog), "op");
  GtkEditable *name = g_object_get_data (G_OBJECT (dialog), "name");
  GtkEditable *at = g_object_get_data (G_OBJECT (dialog), "at");
  GPtrArray *value_rows = g_object_get_data (G_OBJECT (dialog), "values");
  g_autoptr(GStrvBuilder) values = g_strv_builder_new ();
  BatchData *batch;
  guint chosen;

  if (g_strcmp0 (response, "create") != 0)
    return;
  chosen = adw_combo_row_get_selected (op);
  if (chosen >= G_N_ELEMENTS (batch_ops))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (batch_values); i++)
    {
      g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (value_rows->pdata[i])));

      if (g_str_equal (batch_values[i].op, batch_ops[chosen].op) && *text != '\0')
        {
          g_strv_builder_add (values, batch_values[i].key);
          g_strv_builder_add (values, text);
        }
    }
  batch = g_new0 (BatchData, 1);
  batch->op = g_strdup (batch_ops[chosen].op);
  batch->name = g_strstrip (g_strdup (gtk_editable_get_text (name)));
  batch->at = g_strstrip (g_strdup (gtk_editable_get_text (at)));
  batch->values = g_strv_builder_end (values);
  batch->addresses = g_object_steal_data (G_OBJECT (dialog), "addresses");
  md_worker_run (self->worker, batch_create_job, batch, batch_data_free,
                 (GDestroyNotify) json_node_unref, self->cancellable, batch_created_cb,
                 g_object_ref (self));
}

static void
batch_op_changed_cb (AdwComboRow      *row,
                     GParamSpec       *pspec,
                     AdwMessageDialog *dialog)
{
  guint chosen = adw_combo_row_get_selected (row);
  gboolean destructive = chosen < G_N_ELEMENTS (batch_ops) &&
                         g_str_equal (batch_ops[chosen].op, "trip");
  GPtrArray *value_rows = g_object_get_data (G_OBJECT (dialog), "values");

  for (guint i = 0; i < G_N_ELEMENTS (batch_values); i++)
    gtk_widget_set_visible (value_rows->pdata[i],
                            chosen < G_N_ELEMENTS (batch_ops) &&
                            g_str_equal (batch_values[i].op, batch_ops[chosen].op));

  adw_message_dialog_set_response_appearance (dialog, "create", destructive
                                                                ? ADW_RESPONSE_DESTRUCTIVE
                                                                : ADW_RESPONSE_SUGGESTED);
}

static void
batch_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  MdMonitorPage *self = MD_MONITOR_PAGE (widget);
  g_auto(GStrv) addresses = shown_addresses (self);
  guint n = g_strv_length (addresses);
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;
  GtkWidget *group;
  GtkWidget *op;
  GtkWidget *name;
  GtkWidget *at;
  GPtrArray *value_rows;

  if (n == 0)
    {
      set_status (self, _("No meter on a bus among the meters shown"), TRUE);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (batch_ops); i++)
    gtk_string_list_append (labels, _(batch_ops[i].label));
  body = g_strdup_printf (ngettext ("The batch acts on the %u meter on a bus the filters show.",
                                    "The batch acts on the %u meters on a bus the filters show.",
                                    n), n);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self), _("New batch"), body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "create", _("C_reate Batch"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "create", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");

  group = adw_preferences_group_new ();
  value_rows = g_ptr_array_new ();
  g_object_set_data_full (G_OBJECT (dialog), "values", value_rows,
                          (GDestroyNotify) g_ptr_array_unref);
  op = adw_combo_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (op), _("Operation"));
  adw_combo_row_set_model (ADW_COMBO_ROW (op), G_LIST_MODEL (labels));
  name = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (name), _("Name (optional)"));
  at = adw_entry_row_new ();
  /* TRANSLATORS: keep the format as it is: the date and time typed are read so */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (at), _("Start at (YYYY-MM-DD HH:MM; empty: now)"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), op);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), name);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), at);
  for (guint i = 0; i < G_N_ELEMENTS (batch_values); i++)
    {
      GtkWidget *row = adw_entry_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(batch_values[i].title));
      gtk_widget_set_visible (row, FALSE);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
      g_ptr_array_add (value_rows, row);
    }
  adw_message_dialog_set_extra_child (dialog, group);
  g_signal_connect_object (op, "notify::selected", G_CALLBACK (batch_op_changed_cb), dialog, 0);

  g_object_set_data (G_OBJECT (dialog), "op", op);
  g_object_set_data (G_OBJECT (dialog), "name", name);
  g_object_set_data (G_OBJECT (dialog), "at", at);
  g_object_set_data_full (G_OBJECT (dialog), "addresses", g_steal_pointer (&addresses),
                          (GDestroyNotify) g_strfreev);
  g_signal_connect_object (dialog, "response", G_CALLBACK (batch_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The batches' list: md_service_batch_list, and the results of the batches
 * opened (expanded) in it, every 2 seconds while the dialog shows. */

static gpointer
batches_job (MdStore       *store,
             MdSession     *session,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  GArray *open = data;
  g_autoptr(JsonNode) list = NULL;
  JsonArray *batches;

  if (session == NULL || !(list = md_service_batch_list (session, error)))
    return NULL;
  batches = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (batches); i++)
    {
      JsonObject *batch = json_array_get_object_element (batches, i);
      gint64 id = json_int (batch, "batch");

      for (guint j = 0; j < open->len; j++)
        if (g_array_index (open, gint64, j) == id)
          {
            g_autoptr(JsonNode) shown = md_service_batch_show (session, id, error);

            if (shown == NULL)
              return NULL;
            json_object_set_member (batch, "items",
                                    json_node_copy (json_object_get_member (
                                                      json_node_get_object (shown), "items")));
          }
    }
  return g_steal_pointer (&list);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(MdMonitorPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (md_worker_run_finish (MD_WORKER (source), result, &error) == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, error != NULL ? error->message : _("Nobody is signed in"), TRUE);
      return;
    }
  set_status (self, _("Batch results exported"), FALSE);
}

typedef struct
{
  gint64  id;
  char   *path;
} ExportData;

static void
export_data_free (gpointer data)
{
  ExportData *export = data;

  g_free (export->path);
  g_free (export);
}

static gpointer
export_job (MdStore       *store,
            MdSession     *session,
            gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  ExportData *export = data;

  if (session == NULL)
    return NULL;
  return md_service_batch_export_csv (session, export->id, export->path, error)
         ? GINT_TO_POINTER (1) : NULL;
}

static void
export_to (MdMonitorPage *self,
           gint64         id,
           const char    *path)
{
  ExportData *export = g_new0 (ExportData, 1);

  export->id = id;
  export->path = g_strdup (path);
  md_worker_run (self->worker, export_job, export, export_data_free, NULL, self->cancellable,
                 export_done_cb, g_object_ref (self));
}

static void
export_chosen_cb (GtkNativeDialog *chooser,
                  int              response,
                  MdMonitorPage   *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        export_to (self, GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (chooser), "batch")),
                   path);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
export_clicked_cb (GtkButton     *button,
                   MdMonitorPage *self)
{
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "batch"));
  g_autofree char *name = g_strdup_printf ("batch-%lld.csv", (long long) id);
  GtkFileChooserNative *chooser;

  if (self->export_file != NULL)
    {
      export_to (self, id, self->export_file);
      return;
    }
  chooser = gtk_file_chooser_native_new (_("Export the batch’s results"),
                                         GTK_WINDOW (self->batches_dialog),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "batch", GSIZE_TO_POINTER ((gsize) id));
  g_signal_connect (chooser, "response", G_CALLBACK (export_chosen_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static gpointer
batch_cancel_job (MdStore       *store,
                  MdSession     *session,
                  gpointer       data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  if (session == NULL)
    return NULL;
  return md_service_batch_cancel (session, *(gint64 *) data, error) ? GINT_TO_POINTER (1) : NULL;
}

static void
batch_cancelled_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(MdMonitorPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (md_worker_run_finish (MD_WORKER (source), result, &error) == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, error != NULL ? error->message : _("Nobody is signed in"), TRUE);
      return;
    }
  set_status (self, _("Batch cancelled: the meters not started yet are left out"), FALSE);
  batches_refresh (self);
}

static void
cancel_clicked_cb (GtkButton     *button,
                   MdMonitorPage *self)
{
  gint64 *id = g_new (gint64, 1);

  *id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "batch"));
  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  md_worker_run (self->worker, batch_cancel_job, id, g_free, NULL, self->cancellable,
                 batch_cancelled_cb, g_object_ref (self));
}

static const char *
batch_state_text (const char *state)
{
  if (g_strcmp0 (state, "running") == 0)
    return _("running");
  if (g_strcmp0 (state, "scheduled") == 0)
    return _("scheduled");
  if (g_strcmp0 (state, "cancelled") == 0)
    return _("cancelled");
  if (g_strcmp0 (state, "finished") == 0)
    return _("finished");
  return state != NULL ? state : "—";
}

static void
expanded_cb (AdwExpanderRow *row,
             GParamSpec     *pspec,
             MdMonitorPage  *self)
{
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "batch"));

  if (self->filling_batches)
    return;
  if (adw_expander_row_get_expanded (row))
    g_hash_table_add (self->open_batches, g_memdup2 (&id, sizeof id));
  else
    g_hash_table_remove (self->open_batches, &id);
  batches_refresh (self);
}

static GtkWidget *
item_row (JsonObject *item)
{
  GtkWidget *row = adw_action_row_new ();
  const char *state = json_text (item, "state");
  const char *message = json_text (item, "message");
  const char *raw = json_text (item, "result");
  g_autoptr(JsonNode) parsed = raw != NULL && *raw != '\0' ? json_from_string (raw, NULL) : NULL;
  JsonObject *reading = parsed != NULL && JSON_NODE_HOLDS_OBJECT (parsed)
                          ? json_node_get_object (parsed) : NULL;
  JsonNode *given = json_object_get_member (item, "result");
  g_autofree char *subtitle = NULL;

  if (reading == NULL && given != NULL && JSON_NODE_HOLDS_OBJECT (given))
    reading = json_node_get_object (given);
  if (g_strcmp0 (state, "done") == 0 && reading != NULL && json_text (reading, "credit") != NULL)
    subtitle = g_strdup_printf (_("done: balance %s, relay %s"), json_text (reading, "credit"),
                                relay_word (json_text (reading, "relay")));
  else if (g_strcmp0 (state, "done") == 0)
    subtitle = g_strdup (_("done"));
  else if (g_strcmp0 (state, "failed") == 0)
    subtitle = g_strdup_printf (_("failed: %s"), message != NULL && *message != '\0'
                                                   ? message : json_text (item, "outcome") ?: "—");
  else if (g_strcmp0 (state, "cancelled") == 0)
    subtitle = g_strdup (_("cancelled"));
  else
    subtitle = g_strdup (_("waiting"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), json_text (item, "meter") ?: "—");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

static void
fill_batches (MdMonitorPage *self,
              JsonArray     *batches)
{
  GtkWidget *child;

  self->filling_batches = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->batches_list))) != NULL)
    gtk_list_box_remove (self->batches_list, child);
  for (guint i = 0; i < json_array_get_length (batches); i++)
    {
      JsonObject *batch = json_array_get_object_element (batches, i);
      gint64 id = json_int (batch, "batch");
      const char *name = json_text (batch, "name");
      const char *op = json_text (batch, "op");
      const char *state = json_text (batch, "state");
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      g_autofree char *created = time_text (batch, "created");
      GtkWidget *row = adw_expander_row_new ();
      JsonNode *items = json_object_get_member (batch, "items");

      title = name != NULL && *name != '\0'
                ? g_strdup_printf ("%lld · %s · %s", (long long) id, op ?: "—", name)
                : g_strdup_printf ("%lld · %s", (long long) id, op ?: "—");
      subtitle = g_strdup_printf (_("%s · %lld done, %lld failed of %lld · %s"),
                                  batch_state_text (state), (long long) json_int (batch, "done"),
                                  (long long) json_int (batch, "failed"),
                                  (long long) json_int (batch, "meters"), created);
      if (g_strcmp0 (state, "scheduled") == 0)
        {
          g_autofree char *starts = time_text (batch, "scheduled");
          char *longer = g_strdup_printf (_("%s · starts %s"), subtitle, starts);

          g_free (subtitle);
          subtitle = longer;
        }
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
      g_object_set_data (G_OBJECT (row), "batch", GSIZE_TO_POINTER ((gsize) id));
      if (g_strcmp0 (op, "read") == 0 && json_int (batch, "done") > 0)
        {
          GtkWidget *button = gtk_button_new_with_label (_("Export CSV…"));

          gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
          g_object_set_data (G_OBJECT (button), "batch", GSIZE_TO_POINTER ((gsize) id));
          g_signal_connect (button, "clicked", G_CALLBACK (export_clicked_cb), self);
          adw_expander_row_add_action (ADW_EXPANDER_ROW (row), button);
        }
      if (g_strcmp0 (state, "running") == 0 || g_strcmp0 (state, "scheduled") == 0)
        {
          GtkWidget *button = gtk_button_new_with_label (_("Cancel"));

          gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
          g_object_set_data (G_OBJECT (button), "batch", GSIZE_TO_POINTER ((gsize) id));
          if (!may (self, MD_PERM_BATCH))
            {
              gtk_widget_set_sensitive (button, FALSE);
              gtk_widget_set_tooltip_text (button, _("You do not have the permission for this"));
            }
          g_signal_connect (button, "clicked", G_CALLBACK (cancel_clicked_cb), self);
          adw_expander_row_add_action (ADW_EXPANDER_ROW (row), button);
        }
      if (items != NULL && JSON_NODE_HOLDS_ARRAY (items))
        {
          JsonArray *array = json_node_get_array (items);

          for (guint j = 0; j < json_array_get_length (array); j++)
            adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                                      item_row (json_array_get_object_element (array, j)));
        }
      else
        {
          GtkWidget *loading = adw_action_row_new ();

          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (loading), _("Open to see each meter"));
          adw_expander_row_add_row (ADW_EXPANDER_ROW (row), loading);
        }
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row),
                                     g_hash_table_contains (self->open_batches, &id));
      g_signal_connect (row, "notify::expanded", G_CALLBACK (expanded_cb), self);
      gtk_list_box_append (self->batches_list, row);
    }
  self->filling_batches = FALSE;
}

static void
batches_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(MdMonitorPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = md_worker_run_finish (MD_WORKER (source), result, &error);
  g_autofree char *text = NULL;

  self->batches_loading = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->batches_dialog == NULL)
    return;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      if (error != NULL)
        adw_message_dialog_set_body (self->batches_dialog, error->message);
      return;
    }
  /* Rebuilt only when something changed: the rows keep still otherwise. */
  text = json_to_string (node, FALSE);
  if (g_strcmp0 (text, self->batches_shown) == 0)
    return;
  g_free (self->batches_shown);
  self->batches_shown = g_steal_pointer (&text);
  fill_batches (self, json_node_get_array (node));
}

static void
batches_refresh (MdMonitorPage *self)
{
  GArray *open;
  GHashTableIter iter;
  gpointer key;

  if (self->batches_dialog == NULL || self->worker == NULL || self->batches_loading)
    return;
  open = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_iter_init (&iter, self->open_batches);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_array_append_val (open, *(gint64 *) key);
  self->batches_loading = TRUE;
  md_worker_run (self->worker, batches_job, open, (GDestroyNotify) g_array_unref,
                 (GDestroyNotify) json_node_unref, self->cancellable, batches_done_cb,
                 g_object_ref (self));
}

static gboolean
batches_timeout_cb (gpointer user_data)
{
  batches_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

static void
batches_closed_cb (MdMonitorPage *self)
{
  self->batches_dialog = NULL;
  self->batches_list = NULL;
  g_clear_handle_id (&self->batches_source, g_source_remove);
  g_clear_pointer (&self->batches_shown, g_free);
}

static void
batches_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  MdMonitorPage *self = MD_MONITOR_PAGE (widget);
  AdwMessageDialog *dialog;

  if (self->batches_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->batches_dialog));
      return;
    }
  dialog = list_dialog (self, _("Batches"),
                        _("Progress refreshes every 2 seconds; open a batch to see each meter’s "
                          "result."),
                        G_CALLBACK (batches_closed_cb), &self->batches_list);
  self->batches_dialog = dialog;
  self->batches_source = g_timeout_add_seconds (2, batches_timeout_cb, self);
  batches_refresh (self);
  gtk_window_present (GTK_WINDOW (dialog));
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
  g_clear_handle_id (&self->batches_source, g_source_remove);
  if (self->alarms_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->alarms_dialog));
  if (self->batches_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->batches_dialog));
  g_clear_pointer (&self->alerts, json_node_unref);
  g_clear_pointer (&self->open_batches, g_hash_table_unref);
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
  g_free (self->batches_shown);
  g_free (self->alarms_shown);
  g_free (self->export_file);
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
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, status);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, alarms_button);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, read_button);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, trip_button);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, close_button);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, keep_button);
  gtk_widget_class_bind_template_child (widget_class, MdMonitorPage, release_button);
  gtk_widget_class_bind_template_callback (widget_class, filters_changed_cb);

  gtk_widget_class_install_action (widget_class, "monitor.refresh", NULL, refresh_activated);
  gtk_widget_class_install_action (widget_class, "monitor.read", NULL, control_activated);
  gtk_widget_class_install_action (widget_class, "monitor.trip", NULL, control_activated);
  gtk_widget_class_install_action (widget_class, "monitor.close", NULL, control_activated);
  gtk_widget_class_install_action (widget_class, "monitor.keep-power", NULL, control_activated);
  gtk_widget_class_install_action (widget_class, "monitor.release-keep-power", NULL,
                                   control_activated);
  gtk_widget_class_install_action (widget_class, "monitor.alarms", NULL, alarms_activated);
  gtk_widget_class_install_action (widget_class, "monitor.batch", NULL, batch_activated);
  gtk_widget_class_install_action (widget_class, "monitor.batches", NULL, batches_activated);
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
  self->open_batches = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

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
  /* The operator may have changed since the last reading: the controls
   * follow the one signed in now, without waiting for the board. */
  update_controls (self);
  g_object_set_data (G_OBJECT (self), "started", GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
  md_worker_run (self->worker, board_job, NULL, NULL, (GDestroyNotify) g_ptr_array_unref,
                 self->cancellable, board_done_cb, g_object_ref (self));
  refresh_alerts (self);
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

/**
 * md_monitor_page_get_status:
 *
 * Returns: the page's status line: the last command's result or error
 */
const char *
md_monitor_page_get_status (MdMonitorPage *self)
{
  g_return_val_if_fail (MD_IS_MONITOR_PAGE (self), NULL);
  return gtk_label_get_text (self->status);
}

/**
 * md_monitor_page_get_n_alerts:
 *
 * Returns: the open alerts the Alarms button counts
 */
guint
md_monitor_page_get_n_alerts (MdMonitorPage *self)
{
  g_return_val_if_fail (MD_IS_MONITOR_PAGE (self), 0);
  return self->n_alerts;
}

/**
 * md_monitor_page_get_last_batch:
 *
 * Returns: the number of the batch created last here, or 0
 */
gint64
md_monitor_page_get_last_batch (MdMonitorPage *self)
{
  g_return_val_if_fail (MD_IS_MONITOR_PAGE (self), 0);
  return self->last_batch;
}

/**
 * md_monitor_page_set_export_file:
 * @path: (nullable): where "Export CSV…" writes, without asking
 *
 * For tests and scripts: no file chooser.
 */
void
md_monitor_page_set_export_file (MdMonitorPage *self,
                                 const char    *path)
{
  g_return_if_fail (MD_IS_MONITOR_PAGE (self));

  g_free (self->export_file);
  self->export_file = g_strdup (path);
}
