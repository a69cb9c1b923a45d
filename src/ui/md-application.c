/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <epoxy/gl.h>
#include <string.h>
#include <glib/gstdio.h>

#include "md-application.h"
#include "md-card-desk.h"
#include "md-demo.h"
#include "md-service.h"
#include "md-ui-util.h"
#include "md-ui-resources.h"
#include "md-window.h"
#include "md-worker.h"

struct _MdApplication
{
  AdwApplication  parent_instance;

  /* owned */
  char           *db_uri;
  char           *terminal;
  MdStore        *store;
  MdWorker       *worker;
  MdServiceHost  *services;   /* the meter services, when this window hosts them */
  MdServiceDemo  *demo_buses; /* --demo: the simulated gateways */
  char           *status;
  gboolean        demo;
  gboolean        ready;
  gboolean        starting;
};

G_DEFINE_FINAL_TYPE (MdApplication, md_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_READY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  gboolean  demo;
  char     *uri;
  char     *terminal;
  MdStore  *store;
  gint64    accounts;
  gint64    meters;
  gboolean  services;
  MdServiceDemo *demo_buses;
} StartData;

static void
start_data_free (gpointer data)
{
  StartData *start = data;

  g_free (start->uri);
  g_free (start->terminal);
  g_clear_object (&start->store);
  g_clear_pointer (&start->demo_buses, md_service_demo_stop);
  g_free (start);
}

/* The demo database: a copy of the one the build made (MD_DEMO_TEMPLATE
 * in the build tree, PKGDATADIR installed), else built here. */
static MdStore *
open_demo (const char  *path,
           GError     **error)
{
  const char *env = g_getenv ("MD_DEMO_TEMPLATE");
  g_autofree char *template = g_strdup (env != NULL ? env : PKGDATADIR "/demo.db");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(MdSession) admin = NULL;

  if (g_file_test (template, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(GFile) from = g_file_new_for_path (template);
      g_autoptr(GFile) to = g_file_new_for_path (path);
      const char *suffixes[] = { "-wal", "-shm" };
      g_autoptr(GError) copy_error = NULL;

      for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
        {
          g_autofree char *stale = g_strconcat (path, suffixes[i], NULL);

          g_remove (stale);
        }
      if (g_mkdir_with_parents (dir, 0700) == 0 &&
          g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &copy_error) &&
          g_chmod (path, 0600) == 0)
        return md_store_open (path, MD_STORE_OPEN_NONE, error);
      g_warning ("The demo database cannot be copied (%s); building it instead",
                 copy_error != NULL ? copy_error->message : g_strerror (errno));
    }

  g_mkdir_with_parents (dir, 0700);
  if (!(admin = md_demo_create (path, error)))
    return NULL;
  return g_object_ref (md_session_get_store (admin));
}

/* Runs in a worker thread: the database (and for --demo, the whole demo
 * site) is set up off the main loop so the window stays responsive. */
static void
start_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  StartData *start = task_data;
  GError *error = NULL;

  if (start->demo)
    start->store = open_demo (start->uri, &error);
  else
    start->store = md_store_open (start->uri, MD_STORE_OPEN_NONE, &error);

  /* The demo's buses: simulated Modbus TCP gateways in this process. */
  if (start->store != NULL && start->demo && start->services &&
      !(start->demo_buses = md_service_demo_start (start->uri, &error)))
    g_clear_object (&start->store);

  if (start->store != NULL &&
      (!md_store_query_int64 (start->store, "SELECT count(*) FROM account", &start->accounts,
                              &error) ||
       !md_store_query_int64 (start->store, "SELECT count(*) FROM meter", &start->meters,
                              &error)))
    g_clear_object (&start->store);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static MdWindow *
get_window (MdApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  return MD_IS_WINDOW (window) ? MD_WINDOW (window) : NULL;
}

static char *setting_string (const char *key);

/* The window's card reader: the demo's emulated one, else the PC/SC reader
 * of the preferences (the first one when none is named). */
static void
attach_card_desk (MdApplication *self,
                  gboolean       demo)
{
  g_autoptr(MdCardDesk) desk = NULL;

  if (demo)
    {
      g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "meterdesk", "demo-cards",
                                               NULL);
      g_autoptr(GError) error = NULL;

      if (!(desk = md_card_desk_new_demo (dir, TRUE, &error)))
        {
          g_warning ("The demo card reader cannot be set up: %s", error->message);
          return;
        }
    }
  else
    {
      g_autofree char *reader = setting_string ("card-reader");

      desk = md_card_desk_new (reader, g_getenv ("MD_CARD_KEY"));
    }
  md_worker_set_card_desk (self->worker, desk);
}

static gboolean setting_boolean (const char *key,
                                 gboolean    fallback);

/* The poller, the meter command queue, alarms and batches (docs/daemon.md),
 * in this process unless a daemon hosts them: then on standby, taking over
 * when the daemon's lease lapses. */
static void
start_services (MdApplication *self,
                const char    *uri)
{
  g_autoptr(GError) error = NULL;
  MdServiceOptions options = { MD_SERVICE_KIND_APP, self->terminal, TRUE, 0, 0 };

  self->services = md_service_host_new (uri, &options);
  if (!md_service_host_start (self->services, &error))
    {
      g_warning ("The meter services cannot start here: %s", error->message);
      g_clear_object (&self->services);
    }
}

static void
start_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  MdApplication *self = MD_APPLICATION (source);
  StartData *start = g_task_get_task_data (G_TASK (result));
  MdWindow *window = get_window (self);
  g_autoptr(GError) error = NULL;

  self->starting = FALSE;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_free (self->status);
      self->status = g_strdup (error->message);
      if (window != NULL)
        md_window_set_status (window, "dialog-error-symbolic",
                              g_error_matches (error, MD_STORE_ERROR,
                                               MD_STORE_ERROR_NOT_INITIALIZED)
                                ? _("No database yet") : _("The database cannot be used"),
                              error->message);
    }
  else
    {
      g_autofree char *accounts = g_strdup_printf (ngettext ("%lld account", "%lld accounts",
                                                             start->accounts),
                                                   (long long) start->accounts);
      g_autofree char *meters = g_strdup_printf (ngettext ("%lld meter", "%lld meters",
                                                           start->meters),
                                                 (long long) start->meters);
      g_autofree char *counts = g_strdup_printf ("%s · %s, %s", start->uri, accounts, meters);

      self->store = g_steal_pointer (&start->store);
      g_free (self->status);
      if (start->demo)
        self->status = g_strdup_printf ("%s\n%s", counts,
                                        _("Demo operators: cashier / cashier1, supervisor / "
                                          "supervisor1, finance / finance1, staff / staff123, "
                                          "admin / admin123"));
      else
        self->status = g_steal_pointer (&counts);
      self->worker = md_worker_new (self->store);
      self->demo_buses = g_steal_pointer (&start->demo_buses);
      attach_card_desk (self, start->demo);
      md_worker_set_medium_lookup (self->worker, md_service_medium_lookup,
                                   g_object_ref (self->store), g_object_unref);
      if (start->services)
        start_services (self, start->uri);
      if (window != NULL)
        md_window_set_worker (window, self->worker, self->terminal,
                              start->demo ? _("Demo operators: cashier / cashier1, supervisor / "
                                              "supervisor1, finance / finance1, staff / "
                                              "staff123, admin / admin123")
                                          : NULL);
    }

  self->ready = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
}

static gboolean
setting_boolean (const char *key,
                 gboolean    fallback)
{
  g_autoptr(GSettings) settings = md_ui_settings_new ();

  return settings != NULL ? g_settings_get_boolean (settings, key) : fallback;
}

static char *
setting_string (const char *key)
{
  g_autoptr(GSettings) settings = md_ui_settings_new ();
  g_autofree char *value = settings != NULL ? g_settings_get_string (settings, key) : NULL;

  return value != NULL && *value != '\0' ? g_steal_pointer (&value) : NULL;
}

static char *
configured_uri (void)
{
  char *uri = setting_string ("database-uri");

  return uri != NULL ? uri : md_store_default_uri ();
}

static void
md_application_activate (GApplication *app)
{
  MdApplication *self = MD_APPLICATION (app);
  MdWindow *window = get_window (self);
  g_autoptr(GTask) task = NULL;
  StartData *start;

  if (window == NULL)
    window = md_window_new (GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (window));

  if (self->ready || self->starting)
    return;

  if (self->terminal == NULL && !(self->terminal = setting_string ("terminal-id")))
    self->terminal = g_strdup ("T01");

  start = g_new0 (StartData, 1);
  start->demo = self->demo;
  start->services = setting_boolean ("host-meter-services", TRUE);
  start->terminal = g_strdup (self->terminal);
  if (self->demo)
    start->uri = g_build_filename (g_get_user_cache_dir (), "meterdesk", "demo.db", NULL);
  else
    start->uri = self->db_uri != NULL ? g_strdup (self->db_uri) : configured_uri ();

  md_window_set_status (window, "content-loading-symbolic",
                        self->demo ? _("Preparing the demo database…")
                                   : _("Opening the database…"),
                        start->uri);

  self->starting = TRUE;
  task = g_task_new (self, NULL, start_done_cb, NULL);
  g_task_set_task_data (task, start, start_data_free);
  g_task_run_in_thread (task, start_thread);
}

static int
md_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  MdApplication *self = MD_APPLICATION (app);
  const char *value;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("meterdesk %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_contains (options, "demo"))
    self->demo = TRUE;
  if (g_variant_dict_lookup (options, "db", "&s", &value))
    self->db_uri = g_strdup (value);
  if (g_variant_dict_lookup (options, "terminal", "&s", &value))
    {
      g_free (self->terminal);
      self->terminal = g_strdup (value);
    }

  return -1;
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  static const char *developers[] = { "The Meterdesk developers", NULL };
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  adw_show_about_window (window,
                         "application-name", _("Meterdesk"),
                         "application-icon", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Prepaid electricity and water sales"),
                         "website", "https://meterdesk.org",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

/* Whether this machine has a GPU device for OpenGL to use: a DRM node
 * (Mesa's drivers, NVIDIA's with nvidia-drm) or NVIDIA's own. */
static gboolean
gpu_device_present (void)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test ("/dev/nvidiactl", G_FILE_TEST_EXISTS))
    return TRUE;
  if ((dir = g_dir_open ("/dev/dri", 0, NULL)) == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "renderD") || g_str_has_prefix (name, "card"))
      return TRUE;
  return FALSE;
}

static void
draw_with_cairo (const char *why)
{
  g_debug ("%s: drawing with Cairo", why);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
}

/* With no GPU device at all, OpenGL could only be software: the window
 * draws with Cairo. Then, or when GSK_RENDERER=cairo says so, GDK is told
 * not to load OpenGL in the first place (on X11 it would, to choose the
 * window's visual; llvmpipe alone maps some 50 MB). This is before GTK
 * opens the display. */
static gboolean
avoid_software_gl (void)
{
  const char *debug = g_getenv ("GDK_DEBUG");
  const char *renderer = g_getenv ("GSK_RENDERER");
  g_autofree char *flags = NULL;

  if (renderer == NULL)
    {
      if (gpu_device_present ())
        return FALSE;
      draw_with_cairo ("no GPU device");
    }
  else if (!g_str_equal (renderer, "cairo"))
    return FALSE;
  flags = debug != NULL && *debug != '\0' ? g_strconcat (debug, ",gl-disable", NULL)
                                         : g_strdup ("gl-disable");
  g_setenv ("GDK_DEBUG", flags, TRUE);
  return TRUE;
}

/* Software OpenGL (llvmpipe where no GPU driver is at hand, a virtual
 * machine, a remote desktop) draws these screens slower and with more
 * memory than Cairo does: then the window draws with Cairo, unless
 * GSK_RENDERER says otherwise. GTK reads GSK_RENDERER when the first
 * window appears, which is after this. */
static void
choose_renderer (void)
{
  static const char *software[] = { "llvmpipe", "softpipe", "SWR", "Software Rasterizer" };
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr(GdkGLContext) context = NULL;
  const char *renderer;

  if (g_getenv ("GSK_RENDERER") != NULL || display == NULL)
    return;
  if (!(context = gdk_display_create_gl_context (display, NULL)) ||
      !gdk_gl_context_realize (context, NULL))
    return;
  gdk_gl_context_make_current (context);
  renderer = (const char *) glGetString (GL_RENDERER);
  for (guint i = 0; renderer != NULL && i < G_N_ELEMENTS (software); i++)
    if (strstr (renderer, software[i]) != NULL)
      {
        g_autofree char *why = g_strdup_printf ("OpenGL is software (%s)", renderer);

        draw_with_cairo (why);
        break;
      }
  gdk_gl_context_clear_current ();
}

static void
md_application_startup (GApplication *app)
{
  static const GActionEntry actions[] = {
    { "quit", quit_activated },
    { "about", about_activated },
  };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *help_accels[] = { "F1", "<Control>question", NULL };
  g_autofree char *debug = g_strdup (g_getenv ("GDK_DEBUG"));
  gboolean gl_disabled;

  /* Referenced explicitly: a static library's resource constructor alone
   * would be dropped by the linker. */
  g_resources_register (md_ui_get_resource ());

  gl_disabled = avoid_software_gl ();

  G_APPLICATION_CLASS (md_application_parent_class)->startup (app);
  /* GDK has read GDK_DEBUG: the programs this one starts (a PDF viewer)
   * get it as it was. */
  if (gl_disabled && debug != NULL)
    g_setenv ("GDK_DEBUG", debug, TRUE);
  else if (gl_disabled)
    g_unsetenv ("GDK_DEBUG");
  choose_renderer ();

  g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay",
                                         help_accels);
}

/* A recharge under way is finished (written and read back) before the
 * services stop. */
static void
md_application_shutdown (GApplication *app)
{
  MdApplication *self = MD_APPLICATION (app);

  if (self->services != NULL)
    md_service_host_stop (self->services);
  g_clear_object (&self->services);
  g_clear_pointer (&self->demo_buses, md_service_demo_stop);

  G_APPLICATION_CLASS (md_application_parent_class)->shutdown (app);
}

static void
md_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  MdApplication *self = MD_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_READY:
      g_value_set_boolean (value, self->ready);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
md_application_finalize (GObject *object)
{
  MdApplication *self = MD_APPLICATION (object);

  g_clear_object (&self->worker);
  g_clear_object (&self->store);
  g_clear_pointer (&self->db_uri, g_free);
  g_clear_pointer (&self->terminal, g_free);
  g_clear_pointer (&self->status, g_free);

  G_OBJECT_CLASS (md_application_parent_class)->finalize (object);
}

static void
md_application_class_init (MdApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->get_property = md_application_get_property;
  object_class->finalize = md_application_finalize;
  app_class->activate = md_application_activate;
  app_class->startup = md_application_startup;
  app_class->shutdown = md_application_shutdown;
  app_class->handle_local_options = md_application_handle_local_options;

  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
md_application_init (MdApplication *self)
{
  static const GOptionEntry entries[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Start on a fresh demo database with simulated meters and cards"), NULL },
    { "db", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("The database: sqlite:PATH, a file, or postgresql://…"), N_("URI") },
    { "terminal", 0, 0, G_OPTION_ARG_STRING, NULL, N_("This sales window’s id"), N_("ID") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

MdApplication *
md_application_new (void)
{
  return g_object_new (MD_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/org/meterdesk/Meterdesk",
                       NULL);
}

/**
 * md_application_get_store:
 *
 * Returns: (transfer none) (nullable): the open database, once ready
 */
MdStore *
md_application_get_store (MdApplication *self)
{
  g_return_val_if_fail (MD_IS_APPLICATION (self), NULL);

  return self->store;
}

/**
 * md_application_get_worker:
 *
 * Returns: (transfer none) (nullable): the database thread, once ready
 */
MdWorker *
md_application_get_worker (MdApplication *self)
{
  g_return_val_if_fail (MD_IS_APPLICATION (self), NULL);

  return self->worker;
}

gboolean
md_application_get_ready (MdApplication *self)
{
  g_return_val_if_fail (MD_IS_APPLICATION (self), FALSE);

  return self->ready;
}

/**
 * md_application_get_status:
 *
 * Returns: (nullable): what start-up found, as shown in the window
 */
const char *
md_application_get_status (MdApplication *self)
{
  g_return_val_if_fail (MD_IS_APPLICATION (self), NULL);

  return self->status;
}
