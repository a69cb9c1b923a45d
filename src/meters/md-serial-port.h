/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * MdSerialPortInfo:
 * @name: the device (`/dev/ttyUSB0`)
 * @description: what the system calls it
 * @transport: "native", "usb", "bluetooth" or "pseudo-terminal"
 * @usb_vid: USB vendor id, -1 if not USB
 * @usb_pid: USB product id, -1 if not USB
 * @usb_bus: USB bus number, -1 if not USB
 * @usb_address: USB device address, -1 if not USB
 * @usb_manufacturer: (nullable): the USB manufacturer string
 * @usb_product: (nullable): the USB product string
 * @usb_serial: (nullable): the USB serial number: which adapter is which
 *
 * A serial port as `meterdesk-cli doctor` shows it.
 */
typedef struct
{
  char *name;
  char *description;
  char *transport;
  int   usb_vid;
  int   usb_pid;
  int   usb_bus;
  int   usb_address;
  char *usb_manufacturer;
  char *usb_product;
  char *usb_serial;
} MdSerialPortInfo;

GPtrArray        *md_serial_port_list          (GError                 **error);
MdSerialPortInfo *md_serial_port_describe      (const char              *device,
                                                GError                 **error);
void              md_serial_port_info_free     (MdSerialPortInfo        *info);
JsonNode         *md_serial_port_info_to_json  (const MdSerialPortInfo  *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MdSerialPortInfo, md_serial_port_info_free)

G_END_DECLS
