/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "md-modbus-frame.h"
#include "md-sim-bus-private.h"

/*
 * The simulator's threads: one per serial port (ppoll, so replies can be
 * paced byte by byte at the line's speed), one for all TCP gateways
 * (epoll), one for the clock that makes meters consume.
 *
 * Wire timing: the master's request crosses a pty at once; the simulator
 * acts as if it had taken its wire time (bytes × 10 or 11 bits ÷ baud),
 * waits 3.5 characters of silence, then sends the reply one byte per
 * character time, and keeps the line busy until the last byte is out.
 */

/* epoll tags: 0 the wake pipe, LISTENER_TAG | index a gateway's socket,
 * anything else a connection. */
#define LISTENER_TAG (G_GUINT64_CONSTANT (1) << 63)

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static void
wake (int fds[2])
{
  if (fds[1] >= 0)
    {
      char c = 'x';
      G_GNUC_UNUSED ssize_t n = write (fds[1], &c, 1);
    }
}

static gboolean
make_pipe (int       fds[2],
           GError  **error)
{
  if (pipe2 (fds, O_CLOEXEC | O_NONBLOCK) < 0)
    {
      g_set_error (error, MD_SIM_BUS_ERROR, MD_SIM_BUS_ERROR_IO, "pipe: %s", g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static void
close_pipe (int fds[2])
{
  for (guint i = 0; i < 2; i++)
    if (fds[i] >= 0)
      {
        close (fds[i]);
        fds[i] = -1;
      }
}

static void
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        {
          struct pollfd p = { fd, POLLOUT, 0 };

          if (poll (&p, 1, 100) <= 0)
            return;
          continue;
        }
      if (n <= 0)
        return;
      data += n;
      len -= (gsize) n;
    }
}

static speed_t
speed_of (guint baud)
{
  switch (baud)
    {
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 9600:
    default: return B9600;
    }
}

static gboolean
open_serial (MdSimPort  *port,
             GError    **error)
{
  struct termios t;

  port->fd = open (port->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (port->fd < 0 || tcgetattr (port->fd, &t) < 0)
    {
      g_set_error (error, MD_SIM_BUS_ERROR, MD_SIM_BUS_ERROR_IO, "%s: %s", port->device,
                   g_strerror (errno));
      return FALSE;
    }
  cfmakeraw (&t);
  cfsetispeed (&t, speed_of (port->baud));
  cfsetospeed (&t, speed_of (port->baud));
  t.c_cflag |= CLOCAL | CREAD;
  tcsetattr (port->fd, TCSANOW, &t);
  tcflush (port->fd, TCIOFLUSH);
  return TRUE;
}

static gint64
silence_us (MdSimPort *port)
{
  return MAX ((gint64) port->char_us * 7 / 2, 2000);
}

static gint64
wire_end (MdSimBus  *bus,
          MdSimPort *port,
          gsize      frame_end)
{
  if (!bus->wire_timing)
    return 0;
  return port->rx_first + (gint64) frame_end * port->char_us + silence_us (port);
}

static void
drop_rx (MdSimPort *port,
         gsize      n)
{
  g_byte_array_remove_range (port->rx, 0, (guint) MIN (n, port->rx->len));
  /* What is left came in with the last read. */
  if (port->rx->len > 0)
    port->rx_first = port->rx_last;
}

/* Frames out of what came in: by length where the function says it, else
 * by silence; a frame with a bad CRC is dropped a byte at a time. */
static void
process_rx_rtu (MdSimBus  *bus,
                MdSimPort *port,
                gint64     now)
{
  while (port->rx->len > 0)
    {
      gssize len = _md_sim_rtu_frame_length (port->rx->data, port->rx->len);
      guint16 crc;

      if (len < 4 || len > 256 || port->rx->len < (gsize) len)
        {
          if (now - port->rx_last >= silence_us (port))
            g_byte_array_set_size (port->rx, 0);
          return;
        }
      crc = md_modbus_crc16 (port->rx->data, (gsize) len - 2);
      if ((crc & 0xFF) == port->rx->data[len - 2] && (crc >> 8) == port->rx->data[len - 1])
        {
          _md_sim_bus_handle_rtu (bus, port, port->rx->data, (gsize) len,
                                  wire_end (bus, port, (gsize) len));
          drop_rx (port, (gsize) len);
        }
      else
        drop_rx (port, 1);
    }
}

static void
process_rx_dlt645 (MdSimBus  *bus,
                   MdSimPort *port,
                   gint64     now)
{
  while (port->rx->len > 0)
    {
      MdDlt645Frame frame;
      gsize consumed = 0;
      MdDlt645Decode d = md_dlt645_decode (port->rx->data, port->rx->len, &frame, &consumed,
                                           NULL);

      if (d == MD_DLT645_DECODE_OK)
        _md_sim_bus_handle_dlt645 (bus, port, &frame,
                                   wire_end (bus, port, frame.start + frame.size));
      drop_rx (port, consumed);
      if (d == MD_DLT645_DECODE_NEED_MORE)
        {
          if (now - port->rx_last >= silence_us (port) * 20)
            g_byte_array_set_size (port->rx, 0);
          return;
        }
    }
}

/* Sends what is due; returns when the next byte or reply is due. */
static gint64
process_tx (MdSimBus  *bus,
            MdSimPort *port,
            gint64     now)
{
  for (;;)
    {
      if (port->sending == NULL)
        {
          MdSimOutgoing *head;
          gint64 start;

          if (port->later == NULL)
            return G_MAXINT64;
          head = port->later->data;
          start = bus->wire_timing ? MAX (head->due, port->wire_free) : head->due;
          if (start > now)
            return start;
          port->later = g_list_delete_link (port->later, port->later);
          port->sending = head;
          port->tx_start = start;
          port->tx_sent = 0;
        }

      if (bus->wire_timing)
        {
          /* A byte reaches the other end once its last bit is on the wire:
           * byte k at tx_start + (k + 1) characters. */
          guint len = port->sending->bytes->len;
          guint due = (guint) MIN ((gint64) len, (now - port->tx_start) / port->char_us);

          if (due > port->tx_sent)
            {
              write_all (port->fd, port->sending->bytes->data + port->tx_sent, due - port->tx_sent);
              port->tx_sent = due;
            }
          if (port->tx_sent < len)
            return port->tx_start + (gint64) (port->tx_sent + 1) * port->char_us;
          port->wire_free = port->tx_start + (gint64) len * port->char_us;
        }
      else
        write_all (port->fd, port->sending->bytes->data, port->sending->bytes->len);
      g_clear_pointer (&port->sending, _md_sim_outgoing_free);
    }
}

static gpointer
serial_thread (gpointer data)
{
  MdSimPort *port = data;
  MdSimBus *bus = port->bus;
  guint8 buf[512];

  while (!g_atomic_int_get (&bus->stopping))
    {
      gint64 now = now_us (), next;
      struct pollfd fds[2] = { { port->fd, POLLIN, 0 }, { port->wake[0], POLLIN, 0 } };
      struct timespec ts;

      g_mutex_lock (&bus->lock);
      next = process_tx (bus, port, now);
      if (port->rx->len > 0)
        next = MIN (next, port->rx_last + silence_us (port));
      g_mutex_unlock (&bus->lock);

      next = MIN (next, now + 200000);
      ts.tv_sec = (time_t) (MAX (next - now, 0) / G_USEC_PER_SEC);
      ts.tv_nsec = (long) (MAX (next - now, 0) % G_USEC_PER_SEC) * 1000;
      if (ppoll (fds, 2, &ts, NULL) < 0 && errno != EINTR)
        break;

      if (fds[1].revents & POLLIN)
        {
          G_GNUC_UNUSED ssize_t n = read (port->wake[0], buf, sizeof buf);
        }
      now = now_us ();
      g_mutex_lock (&bus->lock);
      if (fds[0].revents & POLLIN)
        {
          ssize_t n = read (port->fd, buf, sizeof buf);

          if (n > 0)
            {
              if (port->rx->len == 0)
                port->rx_first = now;
              port->rx_last = now;
              g_byte_array_append (port->rx, buf, (guint) n);
            }
        }
      if (bus->protocol == MD_SIM_PROTOCOL_MODBUS)
        process_rx_rtu (bus, port, now);
      else
        process_rx_dlt645 (bus, port, now);
      g_mutex_unlock (&bus->lock);
      if (fds[0].revents & (POLLHUP | POLLERR))
        g_usleep (10000);   /* the master's end is closed: wait for it */
    }
  return NULL;
}

static void
conn_free (MdSimConn *conn)
{
  if (conn->fd >= 0)
    close (conn->fd);
  g_byte_array_unref (conn->rx);
  g_byte_array_unref (conn->tx);
  g_clear_pointer (&conn->last_reply, g_byte_array_unref);
  g_list_free_full (conn->later, _md_sim_outgoing_free);
  g_free (conn);
}

static gboolean
listen_on (MdSimPort  *port,
           GError    **error)
{
  struct sockaddr_in sa = { 0 };
  socklen_t sl = sizeof sa;
  int one = 1;
  const char *host = g_str_equal (port->host, "localhost") ? "127.0.0.1" : port->host;

  sa.sin_family = AF_INET;
  sa.sin_port = htons ((guint16) port->tcp_port);
  if (inet_pton (AF_INET, host, &sa.sin_addr) != 1)
    {
      g_set_error (error, MD_SIM_BUS_ERROR, MD_SIM_BUS_ERROR_INVALID,
                   "%s is not an IPv4 address", port->host);
      return FALSE;
    }
  port->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (port->fd < 0 ||
      setsockopt (port->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind (port->fd, (struct sockaddr *) &sa, sizeof sa) < 0 ||
      listen (port->fd, 64) < 0 ||
      getsockname (port->fd, (struct sockaddr *) &sa, &sl) < 0)
    {
      g_set_error (error, MD_SIM_BUS_ERROR, MD_SIM_BUS_ERROR_IO, "%s:%u: %s", port->host,
                   port->tcp_port, g_strerror (errno));
      return FALSE;
    }
  port->tcp_port = ntohs (sa.sin_port);
  return TRUE;
}

static void
conn_flush (MdSimBus  *bus,
            MdSimConn *conn,
            gint64     now)
{
  while (conn->later != NULL && ((MdSimOutgoing *) conn->later->data)->due <= now)
    {
      MdSimOutgoing *o = conn->later->data;

      g_byte_array_append (conn->tx, o->bytes->data, o->bytes->len);
      conn->later = g_list_delete_link (conn->later, conn->later);
      _md_sim_outgoing_free (o);
    }
  while (conn->tx->len > 0)
    {
      ssize_t n = send (conn->fd, conn->tx->data, conn->tx->len, MSG_NOSIGNAL);

      if (n <= 0)
        break;
      g_byte_array_remove_range (conn->tx, 0, (guint) n);
    }
}

/* MBAP frames out of the stream; a nonsense length closes the connection. */
static gboolean
process_rx_tcp (MdSimBus  *bus,
                MdSimConn *conn)
{
  while (conn->rx->len >= 7)
    {
      guint len = ((guint) conn->rx->data[4] << 8) | conn->rx->data[5];

      if (len < 2 || len > 254)
        return FALSE;
      if (conn->rx->len < 6 + len)
        break;
      if (conn->rx->data[2] == 0 && conn->rx->data[3] == 0)
        _md_sim_bus_handle_tcp (bus, conn, conn->rx->data, 6 + len);
      g_byte_array_remove_range (conn->rx, 0, 6 + len);
    }
  return TRUE;
}

static void
close_conn (MdSimBus  *bus,
            MdSimConn *conn)
{
  epoll_ctl (bus->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
  g_ptr_array_remove_fast (bus->conns, conn);
  conn_free (conn);
}

static gpointer
tcp_thread (gpointer data)
{
  MdSimBus *bus = data;
  struct epoll_event events[64];

  while (!g_atomic_int_get (&bus->stopping))
    {
      gint64 now = now_us (), next = now + 200000;
      int n, timeout;

      for (guint i = 0; i < bus->conns->len; i++)
        {
          MdSimConn *c = bus->conns->pdata[i];

          if (c->later != NULL)
            next = MIN (next, ((MdSimOutgoing *) c->later->data)->due);
        }
      timeout = (int) MAX ((next - now + 999) / 1000, 0);
      n = epoll_wait (bus->epfd, events, G_N_ELEMENTS (events), timeout);

      for (int i = 0; i < n; i++)
        {
          guint64 tag = events[i].data.u64;

          if (tag == 0)
            {
              char junk[64];
              G_GNUC_UNUSED ssize_t r = read (bus->tcp_wake[0], junk, sizeof junk);
              continue;
            }
          if (tag & LISTENER_TAG)
            {
              MdSimPort *port = bus->ports->pdata[tag & ~LISTENER_TAG];
              int fd;

              while ((fd = accept4 (port->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
                {
                  MdSimConn *conn = g_new0 (MdSimConn, 1);
                  struct epoll_event ev = { EPOLLIN, { .ptr = conn } };
                  int one = 1;

                  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                  conn->fd = fd;
                  conn->port = port->index;
                  conn->rx = g_byte_array_new ();
                  conn->tx = g_byte_array_new ();
                  g_ptr_array_add (bus->conns, conn);
                  epoll_ctl (bus->epfd, EPOLL_CTL_ADD, fd, &ev);
                }
              continue;
            }

          {
            MdSimConn *conn = events[i].data.ptr;
            guint8 buf[4096];
            gboolean alive = TRUE;
            ssize_t r;

            while ((r = recv (conn->fd, buf, sizeof buf, 0)) > 0)
              g_byte_array_append (conn->rx, buf, (guint) r);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
              alive = FALSE;
            g_mutex_lock (&bus->lock);
            if (!process_rx_tcp (bus, conn))
              alive = FALSE;
            if (alive)
              conn_flush (bus, conn, now_us ());
            g_mutex_unlock (&bus->lock);
            if (!alive)
              close_conn (bus, conn);
          }
        }

      now = now_us ();
      g_mutex_lock (&bus->lock);
      for (guint i = 0; i < bus->conns->len; i++)
        {
          MdSimConn *c = bus->conns->pdata[i];

          if (c->later != NULL && ((MdSimOutgoing *) c->later->data)->due <= now)
            conn_flush (bus, c, now);
        }
      g_mutex_unlock (&bus->lock);
    }
  return NULL;
}

static gpointer
tick_thread (gpointer data)
{
  MdSimBus *bus = data;

  g_mutex_lock (&bus->lock);
  while (!g_atomic_int_get (&bus->stopping))
    {
      gint64 until = g_get_monotonic_time () + (gint64) bus->tick_ms * 1000;

      while (!g_atomic_int_get (&bus->stopping) && g_get_monotonic_time () < until)
        g_cond_wait_until (&bus->tick_cond, &bus->lock, until);
      if (g_atomic_int_get (&bus->stopping))
        break;
      for (guint i = 0; i < bus->meters->len; i++)
        _md_sim_meter_tick (bus->meters->pdata[i], bus->tick_seconds);
    }
  g_mutex_unlock (&bus->lock);
  return NULL;
}

gboolean
_md_sim_bus_io_start (MdSimBus  *bus,
                      GError   **error)
{
  gboolean tcp = FALSE;

  g_atomic_int_set (&bus->stopping, 0);
  for (guint i = 0; i < bus->ports->len; i++)
    {
      MdSimPort *port = bus->ports->pdata[i];

      if (port->kind == MD_SIM_PORT_SERIAL)
        {
          g_autofree char *name = g_strdup_printf ("sim-serial-%u", i);

          if (!open_serial (port, error) || !make_pipe (port->wake, error))
            return FALSE;
          port->thread = g_thread_new (name, serial_thread, port);
        }
      else
        {
          if (bus->protocol != MD_SIM_PROTOCOL_MODBUS)
            {
              g_set_error_literal (error, MD_SIM_BUS_ERROR, MD_SIM_BUS_ERROR_INVALID,
                                   "gateways speak Modbus TCP");
              return FALSE;
            }
          if (!listen_on (port, error))
            return FALSE;
          tcp = TRUE;
        }
    }

  if (tcp)
    {
      struct epoll_event ev = { EPOLLIN, { .u64 = 0 } };

      bus->conns = g_ptr_array_new ();
      bus->epfd = epoll_create1 (EPOLL_CLOEXEC);
      if (bus->epfd < 0 || !make_pipe (bus->tcp_wake, error))
        return FALSE;
      epoll_ctl (bus->epfd, EPOLL_CTL_ADD, bus->tcp_wake[0], &ev);
      for (guint i = 0; i < bus->ports->len; i++)
        {
          MdSimPort *port = bus->ports->pdata[i];
          struct epoll_event lev = { EPOLLIN, { .u64 = LISTENER_TAG | i } };

          if (port->kind == MD_SIM_PORT_GATEWAY)
            epoll_ctl (bus->epfd, EPOLL_CTL_ADD, port->fd, &lev);
        }
      bus->tcp_thread = g_thread_new ("sim-tcp", tcp_thread, bus);
    }
  if (bus->tick_ms > 0)
    bus->tick_thread = g_thread_new ("sim-tick", tick_thread, bus);
  return TRUE;
}

void
_md_sim_bus_io_stop (MdSimBus *bus)
{
  g_atomic_int_set (&bus->stopping, 1);
  g_mutex_lock (&bus->lock);
  g_cond_broadcast (&bus->tick_cond);
  g_mutex_unlock (&bus->lock);
  if (bus->tick_thread != NULL)
    g_thread_join (g_steal_pointer (&bus->tick_thread));
  if (bus->tcp_thread != NULL)
    {
      wake (bus->tcp_wake);
      g_thread_join (g_steal_pointer (&bus->tcp_thread));
    }
  for (guint i = 0; i < bus->ports->len; i++)
    {
      MdSimPort *port = bus->ports->pdata[i];

      if (port->thread != NULL)
        {
          wake (port->wake);
          g_thread_join (g_steal_pointer (&port->thread));
        }
      close_pipe (port->wake);
      if (port->fd >= 0)
        {
          close (port->fd);
          port->fd = -1;
        }
    }
  if (bus->conns != NULL)
    {
      g_ptr_array_foreach (bus->conns, (GFunc) conn_free, NULL);
      g_clear_pointer (&bus->conns, g_ptr_array_unref);
    }
  close_pipe (bus->tcp_wake);
  if (bus->epfd >= 0)
    {
      close (bus->epfd);
      bus->epfd = -1;
    }
}
