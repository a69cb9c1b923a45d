/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <libserialport.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "md-meter-link-private.h"

/*
 * Raw bytes on a serial port for the DL/T 645 link. libserialport opens
 * and configures real ports. It only opens ports it finds under
 * /sys/class/tty, so pseudo-terminals (socat pairs, virtual COM port
 * software in front of a TCP converter) are opened with termios instead;
 * everything above this file is the same for both.
 */

struct _MdSerialIo
{
  struct sp_port *port;   /* libserialport, or */
  int             fd;     /* termios */
};

static speed_t
termios_speed (guint baud)
{
  switch (baud)
    {
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    default: return B0;
    }
}

static gboolean
open_termios (MdSerialIo                *io,
              const MdMeterBusSettings  *s,
              GError                   **error)
{
  struct termios t;
  speed_t speed = termios_speed (s->baud);
  int fd;

  if (speed == B0)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                   _("%u baud is not a supported rate"), s->baud);
      return FALSE;
    }
  fd = open (s->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 || tcgetattr (fd, &t) < 0)
    {
      int err = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO, _("Cannot open %s: %s"),
                   s->device, g_strerror (err));
      return FALSE;
    }
  cfmakeraw (&t);
  cfsetispeed (&t, speed);
  cfsetospeed (&t, speed);
  t.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
  t.c_cflag |= CLOCAL | CREAD | (s->data_bits == 7 ? CS7 : CS8);
  if (s->parity == 'E')
    t.c_cflag |= PARENB;
  else if (s->parity == 'O')
    t.c_cflag |= PARENB | PARODD;
  if (s->stop_bits == 2)
    t.c_cflag |= CSTOPB;
  t.c_cc[VMIN] = 0;
  t.c_cc[VTIME] = 0;
  /* A pseudo-terminal has no line: Linux takes parity once and then
   * refuses it (EINVAL). Bytes are bytes there, so go without. */
  if (tcsetattr (fd, TCSANOW, &t) < 0 && errno == EINVAL)
    {
      t.c_cflag &= ~(PARENB | PARODD | CSTOPB);
      g_debug ("%s: parity and stop bits do not apply here", s->device);
    }
  if (tcsetattr (fd, TCSANOW, &t) < 0)
    {
      int err = errno;

      close (fd);
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO, _("Cannot set up %s: %s"),
                   s->device, g_strerror (err));
      return FALSE;
    }
  tcflush (fd, TCIOFLUSH);
  io->fd = fd;
  return TRUE;
}

static gboolean
sp_failed (enum sp_return  rc,
           const char     *device,
           GError        **error)
{
  char *message;

  if (rc >= 0)
    return FALSE;
  message = sp_last_error_message ();
  g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO, _("Cannot set up %s: %s"), device,
               rc == SP_ERR_FAIL && message != NULL ? message : _("invalid setting"));
  sp_free_error_message (message);
  return TRUE;
}

static gboolean
open_libserialport (MdSerialIo                *io,
                    const MdMeterBusSettings  *s,
                    GError                   **error)
{
  struct sp_port *port;
  enum sp_parity parity = s->parity == 'E' ? SP_PARITY_EVEN
                          : s->parity == 'O' ? SP_PARITY_ODD : SP_PARITY_NONE;

  if (sp_get_port_by_name (s->device, &port) != SP_OK)
    return FALSE;
  if (sp_failed (sp_open (port, SP_MODE_READ_WRITE), s->device, error) ||
      sp_failed (sp_set_baudrate (port, (int) s->baud), s->device, error) ||
      sp_failed (sp_set_parity (port, parity), s->device, error) ||
      sp_failed (sp_set_bits (port, (int) s->data_bits), s->device, error) ||
      sp_failed (sp_set_stopbits (port, (int) s->stop_bits), s->device, error) ||
      sp_failed (sp_set_flowcontrol (port, SP_FLOWCONTROL_NONE), s->device, error))
    {
      sp_close (port);
      sp_free_port (port);
      io->fd = -2;   /* tried, and failed: no fallback */
      return FALSE;
    }
  sp_flush (port, SP_BUF_BOTH);
  io->port = port;
  return TRUE;
}

MdSerialIo *
_md_serial_io_open (const MdMeterBusSettings  *settings,
                    GError                   **error)
{
  MdSerialIo *io = g_new0 (MdSerialIo, 1);
  g_autoptr(GError) local = NULL;

  io->fd = -1;
  if (open_libserialport (io, settings, &local))
    return io;
  if (io->fd == -2)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      g_free (io);
      return NULL;
    }
  if (!open_termios (io, settings, error))
    {
      g_free (io);
      return NULL;
    }
  g_debug ("%s: not a port libserialport knows; using termios", settings->device);
  return io;
}

void
_md_serial_io_close (MdSerialIo *io)
{
  if (io == NULL)
    return;
  if (io->port != NULL)
    {
      sp_close (io->port);
      sp_free_port (io->port);
    }
  if (io->fd >= 0)
    close (io->fd);
  g_free (io);
}

const char *
_md_serial_io_backend (MdSerialIo *io)
{
  return io->port != NULL ? "libserialport" : "termios";
}

gboolean
_md_serial_io_write (MdSerialIo    *io,
                     const guint8  *data,
                     gsize          len,
                     guint          timeout_ms,
                     GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gsize done = 0;

  if (io->port != NULL)
    {
      enum sp_return rc = sp_blocking_write (io->port, data, len, timeout_ms);

      if (rc < 0 || (gsize) rc != len)
        {
          g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO, _("Cannot write to the port: %s"),
                       rc < 0 ? g_strerror (errno) : _("timed out"));
          return FALSE;
        }
      sp_drain (io->port);
      return TRUE;
    }

  while (done < len)
    {
      struct pollfd pfd = { io->fd, POLLOUT, 0 };
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      ssize_t n;

      if (left <= 0 || poll (&pfd, 1, (int) left) <= 0)
        {
          g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO, _("Cannot write to the port: %s"),
                       _("timed out"));
          return FALSE;
        }
      n = write (io->fd, data + done, len - done);
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        {
          g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO, _("Cannot write to the port: %s"),
                       g_strerror (errno));
          return FALSE;
        }
      if (n > 0)
        done += (gsize) n;
    }
  tcdrain (io->fd);
  return TRUE;
}

/* Waits up to @timeout_ms for at least one byte; returns what came (0 on
 * timeout), or -1 with @error. */
gssize
_md_serial_io_read (MdSerialIo  *io,
                    guint8      *buf,
                    gsize        len,
                    guint        timeout_ms,
                    GError     **error)
{
  struct pollfd pfd;
  ssize_t n;

  if (io->port != NULL)
    {
      enum sp_return rc = sp_blocking_read_next (io->port, buf, len, timeout_ms);

      if (rc < 0)
        {
          g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO, _("Cannot read from the port: %s"),
                       g_strerror (errno));
          return -1;
        }
      return rc;
    }

  pfd.fd = io->fd;
  pfd.events = POLLIN;
  pfd.revents = 0;
  if (poll (&pfd, 1, (int) timeout_ms) <= 0)
    return 0;
  n = read (io->fd, buf, len);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return 0;
  if (n < 0 || (n == 0 && (pfd.revents & (POLLHUP | POLLERR))))
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_IO, _("Cannot read from the port: %s"),
                   n < 0 ? g_strerror (errno) : _("the other end hung up"));
      return -1;
    }
  return n;
}

void
_md_serial_io_flush_input (MdSerialIo *io)
{
  if (io->port != NULL)
    sp_flush (io->port, SP_BUF_INPUT);
  else
    tcflush (io->fd, TCIFLUSH);
}
