/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-window.h"

struct _MdWindow
{
  AdwApplicationWindow  parent_instance;

  /* template widgets */
  AdwWindowTitle       *title;
  AdwStatusPage        *status;
};

G_DEFINE_FINAL_TYPE (MdWindow, md_window, ADW_TYPE_APPLICATION_WINDOW)

static void
md_window_class_init (MdWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/meterdesk/Meterdesk/ui/md-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MdWindow, title);
  gtk_widget_class_bind_template_child (widget_class, MdWindow, status);
}

static void
md_window_init (MdWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

MdWindow *
md_window_new (GtkApplication *application)
{
  return g_object_new (MD_TYPE_WINDOW, "application", application, NULL);
}

/**
 * md_window_set_status:
 *
 * Until the sales screens exist, the window reports what the application
 * is doing and what it found.
 */
void
md_window_set_status (MdWindow   *self,
                      const char *icon_name,
                      const char *title,
                      const char *description)
{
  g_return_if_fail (MD_IS_WINDOW (self));

  adw_status_page_set_icon_name (self->status, icon_name);
  adw_status_page_set_title (self->status, title);
  adw_status_page_set_description (self->status, description);
}

const char *
md_window_get_status_description (MdWindow *self)
{
  g_return_val_if_fail (MD_IS_WINDOW (self), NULL);

  return adw_status_page_get_description (self->status);
}
