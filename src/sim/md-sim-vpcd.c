/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-sim-vpcd.h"

#include <errno.h>
#include <gio/gio.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * The virtual card side of vsmartcard's vpcd protocol (vpcd.c, and vicc's
 * VirtualSmartcard.py): vpcd, loaded by pcscd, listens on its port; the
 * card connects. Every message is a 2-byte big-endian length and a
 * payload. A 1-byte payload is a control code: 00 power off, 01 power on,
 * 02 reset (no answer to any of these), 04 "send the ATR" (answered with
 * the ATR). A longer payload is a command APDU, answered with the
 * response APDU. Closing the connection takes the card out.
 */

#define CTRL_OFF   0x00
#define CTRL_ON    0x01
#define CTRL_RESET 0x02
#define CTRL_ATR   0x04

/* vpcd sends a message's length and its payload in two writes, without
 * TCP_NODELAY: Nagle holds the payload back until the length is
 * acknowledged, and a delayed ACK costs 40 ms per APDU. So every ACK goes
 * out at once (TCP_QUICKACK is not sticky: set it before every read). */
static gboolean
read_all (int     fd,
          guint8 *buf,
          gsize   len)
{
  gsize done = 0;

  while (done < len)
    {
      int one = 1;
      ssize_t n;

      setsockopt (fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
      n = recv (fd, buf + done, len - done, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += n;
    }
  return TRUE;
}

static gboolean
send_message (int           fd,
              const guint8 *data,
              gsize         len)
{
  guint8 *buf = g_malloc (len + 2);
  gsize done = 0;

  buf[0] = len >> 8;
  buf[1] = len & 0xFF;
  memcpy (buf + 2, data, len);
  while (done < len + 2)
    {
      ssize_t n = send (fd, buf + done, len + 2 - done, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_free (buf);
          return FALSE;
        }
      done += n;
    }
  g_free (buf);
  return TRUE;
}

static int
connect_to (const char  *host,
            guint16      port,
            guint        timeout_ms,
            GError     **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  char service[8];

  g_snprintf (service, sizeof service, "%u", port);
  for (;;)
    {
      struct addrinfo hints = { 0 };
      struct addrinfo *res = NULL;
      int fd = -1;
      int saved = ECONNREFUSED;

      hints.ai_family = AF_INET;
      hints.ai_socktype = SOCK_STREAM;
      if (getaddrinfo (host, service, &hints, &res) == 0)
        {
          for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next)
            {
              fd = socket (a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
              if (fd >= 0 && connect (fd, a->ai_addr, a->ai_addrlen) != 0)
                {
                  saved = errno;
                  close (fd);
                  fd = -1;
                }
            }
          freeaddrinfo (res);
        }
      if (fd >= 0)
        {
          int one = 1;

          setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          return fd;
        }
      if (g_get_monotonic_time () >= deadline)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "cannot reach vpcd at %s:%u: %s", host, port, g_strerror (saved));
          return -1;
        }
      g_usleep (50 * 1000);
    }
}

static void
log_apdu (FILE         *log,
          const char   *what,
          const guint8 *data,
          gsize         len)
{
  if (log == NULL)
    return;
  fputs (what, log);
  for (gsize i = 0; i < len; i++)
    fprintf (log, " %02X", data[i]);
  fputc ('\n', log);
  fflush (log);
}

/**
 * md_sim_vpcd_run:
 *
 * Connects @card to vpcd and answers it until the connection closes, or
 * until the APDU @options->tear_at (then the card is torn and the
 * connection dropped with no answer) or @options->stall_at (the APDU is
 * carried out in full, but never answered). At the APDU
 * @options->pause_at it prints "paused" and waits for a line on standard
 * input before it carries the APDU out and answers it; ended by a signal
 * meanwhile, the card leaves the reader without it.
 *
 * Returns: how the session ended, for the process exit status
 */
MdSimExit
md_sim_vpcd_run (MdSimCard               *card,
                 const MdSimVpcdOptions  *options,
                 GError                 **error)
{
  FILE *log = NULL;
  guint count = 0;
  MdSimExit result = MD_SIM_EXIT_OK;
  int fd;

  fd = connect_to (options->host != NULL ? options->host : "127.0.0.1", options->port,
                   options->connect_timeout_ms, error);
  if (fd < 0)
    return MD_SIM_EXIT_FAILED;
  if (options->log_path != NULL)
    log = fopen (options->log_path, "ae");

  for (;;)
    {
      guint8 header[2];
      g_autofree guint8 *payload = NULL;
      g_autoptr(GBytes) answer = NULL;
      GError *save_error;
      gsize len;

      if (!read_all (fd, header, 2))
        break;
      len = (header[0] << 8) | header[1];
      payload = g_malloc (MAX (len, 1));
      if (len > 0 && !read_all (fd, payload, len))
        break;

      if (len == 1)
        {
          switch (payload[0])
            {
            case CTRL_OFF:
              md_sim_card_power_off (card);
              break;
            case CTRL_ON:
              md_sim_card_power_on (card);
              break;
            case CTRL_RESET:
              md_sim_card_reset (card);
              break;
            case CTRL_ATR:
              answer = md_sim_card_get_atr (card);
              break;
            default:
              g_debug ("unknown vpcd control code %02X", payload[0]);
              break;
            }
          if (answer != NULL &&
              !send_message (fd, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer)))
            break;
          continue;
        }
      if (len == 0)
        continue;

      count++;
      log_apdu (log, ">", payload, len);
      if (options->tear_at != 0 && count == options->tear_at)
        {
          g_autoptr(GRand) rand = g_rand_new_with_seed (options->seed ^ count);

          md_sim_card_tear (card, payload, len, rand);
          log_apdu (log, "torn", NULL, 0);
          result = MD_SIM_EXIT_TORN;
          break;
        }
      if (options->pause_at != 0 && count == options->pause_at)
        {
          char line[64];

          /* The card holds still while a test does something to the
           * other side (kills the program writing to it). */
          log_apdu (log, "paused", NULL, 0);
          fprintf (stdout, "paused\n");
          fflush (stdout);
          if (fgets (line, sizeof line, stdin) == NULL)
            g_debug ("standard input closed: going on");
          log_apdu (log, "resumed", NULL, 0);
        }
      answer = md_sim_card_process (card, payload, len);
      if ((save_error = md_sim_card_take_save_error (card)) != NULL)
        {
          g_propagate_error (error, save_error);
          result = MD_SIM_EXIT_FAILED;
          break;
        }
      if (options->stall_at != 0 && count == options->stall_at)
        {
          guint8 sink[64];

          log_apdu (log, "stalled", NULL, 0);
          fprintf (stdout, "stalled\n");
          fflush (stdout);
          while (recv (fd, sink, sizeof sink, 0) > 0)
            ;
          result = MD_SIM_EXIT_STALLED;
          break;
        }
      log_apdu (log, "<", g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
      if (!send_message (fd, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer)))
        break;
    }

  if (log != NULL)
    fclose (log);
  close (fd);
  return result;
}
