/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <libserialport.h>
#include <stdlib.h>
#include <unistd.h>

#include "md-meter-types.h"
#include "md-serial-port.h"

/* Serial ports for diagnostics, with the USB identity that tells one
 * RS-485 adapter from another (libserialport). */

static MdSerialPortInfo *
info_from_port (struct sp_port *port)
{
  MdSerialPortInfo *info = g_new0 (MdSerialPortInfo, 1);
  const char *desc = sp_get_port_description (port);

  info->name = g_strdup (sp_get_port_name (port));
  info->description = g_strdup (desc != NULL ? desc : "");
  info->usb_vid = info->usb_pid = info->usb_bus = info->usb_address = -1;
  switch (sp_get_port_transport (port))
    {
    case SP_TRANSPORT_USB:
      info->transport = g_strdup ("usb");
      sp_get_port_usb_vid_pid (port, &info->usb_vid, &info->usb_pid);
      sp_get_port_usb_bus_address (port, &info->usb_bus, &info->usb_address);
      info->usb_manufacturer = g_strdup (sp_get_port_usb_manufacturer (port));
      info->usb_product = g_strdup (sp_get_port_usb_product (port));
      info->usb_serial = g_strdup (sp_get_port_usb_serial (port));
      break;
    case SP_TRANSPORT_BLUETOOTH:
      info->transport = g_strdup ("bluetooth");
      break;
    case SP_TRANSPORT_NATIVE:
    default:
      info->transport = g_strdup ("native");
      break;
    }
  return info;
}

/**
 * md_serial_port_list:
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type MdSerialPortInfo): the serial
 *   ports the system has (possibly none)
 */
GPtrArray *
md_serial_port_list (GError **error)
{
  struct sp_port **ports = NULL;
  GPtrArray *result;

  if (sp_list_ports (&ports) != SP_OK)
    {
      char *message = sp_last_error_message ();

      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO,
                   _("Cannot list the serial ports: %s"), message != NULL ? message : "");
      sp_free_error_message (message);
      return NULL;
    }
  result = g_ptr_array_new_with_free_func ((GDestroyNotify) md_serial_port_info_free);
  for (guint i = 0; ports[i] != NULL; i++)
    g_ptr_array_add (result, info_from_port (ports[i]));
  sp_free_port_list (ports);
  return result;
}

/**
 * md_serial_port_describe:
 * @device: a device path
 * @error: return location for a #GError
 *
 * Returns: (transfer full): what libserialport knows of @device; a
 *   pseudo-terminal (socat, virtual COM software) is described as such
 */
MdSerialPortInfo *
md_serial_port_describe (const char  *device,
                         GError     **error)
{
  struct sp_port *port;
  MdSerialPortInfo *info;
  char *real;
  gboolean pty;
  int fd;

  if (sp_get_port_by_name (device, &port) == SP_OK)
    {
      info = info_from_port (port);
      sp_free_port (port);
      return info;
    }

  fd = open (device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO, _("Cannot open %s: %s"), device,
                   g_strerror (errno));
      return NULL;
    }
  if (!isatty (fd))
    {
      close (fd);
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO, _("%s is not a serial port"),
                   device);
      return NULL;
    }
  close (fd);
  real = realpath (device, NULL);
  pty = real != NULL && g_str_has_prefix (real, "/dev/pts/");
  free (real);

  info = g_new0 (MdSerialPortInfo, 1);
  info->name = g_strdup (device);
  info->description = g_strdup (pty ? _("pseudo-terminal") : _("a terminal libserialport "
                                                                "does not know"));
  info->transport = g_strdup (pty ? "pseudo-terminal" : "native");
  info->usb_vid = info->usb_pid = info->usb_bus = info->usb_address = -1;
  return info;
}

/**
 * md_serial_port_info_free:
 * @info: (transfer full) (nullable): a port description
 */
void
md_serial_port_info_free (MdSerialPortInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->description);
  g_free (info->transport);
  g_free (info->usb_manufacturer);
  g_free (info->usb_product);
  g_free (info->usb_serial);
  g_free (info);
}

/**
 * md_serial_port_info_to_json:
 *
 * Returns: (transfer full): the port as a JSON object; USB members only
 *   for USB ports, vid and pid as 4 hex digits
 */
JsonNode *
md_serial_port_info_to_json (const MdSerialPortInfo *info)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, info->name);
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, info->description);
  json_builder_set_member_name (b, "transport");
  json_builder_add_string_value (b, info->transport);
  if (info->usb_vid >= 0)
    {
      g_autofree char *vid = g_strdup_printf ("%04x", (guint) info->usb_vid);
      g_autofree char *pid = g_strdup_printf ("%04x", (guint) info->usb_pid);

      json_builder_set_member_name (b, "usb_vid");
      json_builder_add_string_value (b, vid);
      json_builder_set_member_name (b, "usb_pid");
      json_builder_add_string_value (b, pid);
      json_builder_set_member_name (b, "usb_bus");
      json_builder_add_int_value (b, info->usb_bus);
      json_builder_set_member_name (b, "usb_address");
      json_builder_add_int_value (b, info->usb_address);
      json_builder_set_member_name (b, "usb_manufacturer");
      json_builder_add_string_value (b, info->usb_manufacturer);
      json_builder_set_member_name (b, "usb_product");
      json_builder_add_string_value (b, info->usb_product);
      json_builder_set_member_name (b, "usb_serial");
      json_builder_add_string_value (b, info->usb_serial);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
