/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "md-modbus-frame.h"
#include "md-sim-bus-private.h"

/*
 * The simulator's bus: its meters and ports, the fault injector, and the
 * state file. Requests are handled with the bus lock held, by the thread
 * of the port they came in on (md-sim-bus-io.c).
 *
 * Faults (RELIABILITY.md T10) are drawn per request, seeded: a request
 * either gets a correct reply or exactly one fault. For the T10 checks,
 * every meter counts the recharge frames it acted on, and flags a "blind
 * rewrite": a recharge acted on while no count read has been answered
 * intact since the previous one.
 */

G_DEFINE_QUARK (md-sim-bus-error-quark, md_sim_bus_error)

static const char * const fault_names[MD_SIM_N_FAULTS] = {
  "none", "drop", "mute", "late", "bad-crc", "truncated", "extra", "noise", "wrong-address",
  "wrong-function", "exception", "duplicate", "stale",
};

typedef enum
{
  FRAME_RTU,
  FRAME_TCP,
  FRAME_DLT645,
} FrameKind;

const char *
md_sim_fault_to_string (MdSimFault fault)
{
  g_return_val_if_fail (fault < MD_SIM_N_FAULTS, NULL);

  return fault_names[fault];
}

gboolean
md_sim_fault_parse (const char *text,
                    MdSimFault *out_fault)
{
  for (guint i = 0; i < MD_SIM_N_FAULTS; i++)
    if (g_strcmp0 (text, fault_names[i]) == 0)
      {
        *out_fault = (MdSimFault) i;
        return TRUE;
      }
  return FALSE;
}

void
_md_sim_outgoing_free (gpointer data)
{
  MdSimOutgoing *o = data;

  g_byte_array_unref (o->bytes);
  g_free (o);
}

static gint
compare_due (gconstpointer a,
             gconstpointer b)
{
  const MdSimOutgoing *x = a, *y = b;

  return x->due < y->due ? -1 : x->due > y->due ? 1 : 0;
}

GList *
_md_sim_outgoing_insert (GList      *list,
                         GByteArray *bytes,
                         gint64      due)
{
  MdSimOutgoing *o = g_new (MdSimOutgoing, 1);

  o->bytes = bytes;
  o->due = due;
  return g_list_insert_sorted (list, o, compare_due);
}

MdSimBus *
md_sim_bus_new (MdSimProtocol protocol,
                guint32       seed)
{
  MdSimBus *bus = g_new0 (MdSimBus, 1);

  bus->protocol = protocol;
  bus->seed = seed;
  bus->rand = g_rand_new_with_seed (seed);
  g_mutex_init (&bus->lock);
  g_cond_init (&bus->tick_cond);
  bus->ports = g_ptr_array_new ();
  bus->meters = g_ptr_array_new ();
  bus->by_address = g_hash_table_new (g_str_hash, g_str_equal);
  bus->base_load = 1000;
  bus->initial_credit = 10000;
  bus->price = 6000;   /* 0.6000 yuan per kWh */
  bus->tick_seconds = 1;
  bus->late_min_ms = 600;
  bus->late_max_ms = 3000;
  bus->epfd = -1;
  bus->tcp_wake[0] = bus->tcp_wake[1] = -1;
  g_strlcpy (bus->password, "123456", sizeof bus->password);
  return bus;
}

static void
port_free (MdSimPort *port)
{
  g_free (port->device);
  g_free (port->host);
  g_ptr_array_unref (port->meters);
  g_hash_table_unref (port->by_unit);
  g_clear_pointer (&port->rx, g_byte_array_unref);
  g_clear_pointer (&port->last_reply, g_byte_array_unref);
  g_list_free_full (port->later, _md_sim_outgoing_free);
  g_clear_pointer (&port->sending, _md_sim_outgoing_free);
  g_free (port);
}

void
md_sim_bus_free (MdSimBus *bus)
{
  if (bus == NULL)
    return;
  md_sim_bus_stop (bus);
  for (guint i = 0; i < bus->ports->len; i++)
    port_free (bus->ports->pdata[i]);
  g_ptr_array_unref (bus->ports);
  for (guint i = 0; i < bus->meters->len; i++)
    {
      _md_sim_meter_clear (bus->meters->pdata[i]);
      g_free (bus->meters->pdata[i]);
    }
  g_ptr_array_unref (bus->meters);
  g_hash_table_unref (bus->by_address);
  g_rand_free (bus->rand);
  g_mutex_clear (&bus->lock);
  g_cond_clear (&bus->tick_cond);
  g_free (bus);
}

static MdSimPort *
port_new (MdSimBus      *bus,
          MdSimPortKind  kind)
{
  MdSimPort *port = g_new0 (MdSimPort, 1);

  port->bus = bus;
  port->kind = kind;
  port->index = bus->ports->len;
  port->fd = -1;
  port->wake[0] = port->wake[1] = -1;
  port->meters = g_ptr_array_new ();
  port->by_unit = g_hash_table_new (NULL, NULL);
  port->rx = g_byte_array_new ();
  g_ptr_array_add (bus->ports, port);
  return port;
}

/**
 * md_sim_bus_add_serial:
 * @device: one end of a pty pair (the master opens the other)
 *
 * Returns: the port's index
 */
guint
md_sim_bus_add_serial (MdSimBus   *bus,
                       const char *device,
                       guint       baud,
                       char        parity)
{
  MdSimPort *port = port_new (bus, MD_SIM_PORT_SERIAL);
  guint bits;

  port->device = g_strdup (device);
  port->baud = baud > 0 ? baud : bus->protocol == MD_SIM_PROTOCOL_DLT645 ? 2400 : 9600;
  port->parity = parity != 0 ? parity : bus->protocol == MD_SIM_PROTOCOL_DLT645 ? 'E' : 'N';
  bits = port->parity == 'N' ? 10 : 11;
  port->char_us = (bits * 1000000 + port->baud - 1) / port->baud;
  return port->index;
}

/**
 * md_sim_bus_add_gateway:
 * @host: address to listen on
 * @port: TCP port, 0 for any free one (md_sim_bus_get_port_number())
 *
 * Returns: the port's index
 */
guint
md_sim_bus_add_gateway (MdSimBus   *bus,
                        const char *host,
                        guint       tcp_port)
{
  MdSimPort *port = port_new (bus, MD_SIM_PORT_GATEWAY);

  port->host = g_strdup (host != NULL ? host : "127.0.0.1");
  port->tcp_port = tcp_port;
  return port->index;
}

/* The load of each meter is drawn from the seed and its number, so the
 * same meter consumes the same whatever else is on the bus. */
static gint64
meter_load (MdSimBus   *bus,
            const char *address,
            gboolean    water)
{
  GRand *r = g_rand_new_with_seed (bus->seed ^ g_str_hash (address));
  gint64 base = water ? bus->base_load / 10 : bus->base_load;
  gint64 load = base * g_rand_int_range (r, 50, 151) / 100;

  g_rand_free (r);
  return load;
}

gboolean
md_sim_bus_add_meter (MdSimBus    *bus,
                      guint        port_index,
                      const char  *address,
                      guint        unit,
                      gboolean     water,
                      GError     **error)
{
  MdSimPort *port;
  MdSimMeter *m;
  gsize len = address != NULL ? strlen (address) : 0;
  gboolean digits = len > 0;

  g_return_val_if_fail (port_index < bus->ports->len, FALSE);

  port = bus->ports->pdata[port_index];
  for (gsize i = 0; i < len; i++)
    digits &= g_ascii_isdigit (address[i]);
  if (!digits || len != (water ? 14u : 12u) ||
      (bus->protocol == MD_SIM_PROTOCOL_DLT645 && len != 12))
    {
      g_set_error (error, MD_SIM_BUS_ERROR, MD_SIM_BUS_ERROR_INVALID,
                   "“%s” is not a %s meter number", address != NULL ? address : "",
                   water ? "14-digit water" : "12-digit electricity");
      return FALSE;
    }
  if (g_hash_table_contains (bus->by_address, address))
    {
      g_set_error (error, MD_SIM_BUS_ERROR, MD_SIM_BUS_ERROR_INVALID,
                   "meter %s is there twice", address);
      return FALSE;
    }
  if (bus->protocol == MD_SIM_PROTOCOL_MODBUS &&
      (unit < 1 || unit > 247 || g_hash_table_contains (port->by_unit, GUINT_TO_POINTER (unit))))
    {
      g_set_error (error, MD_SIM_BUS_ERROR, MD_SIM_BUS_ERROR_INVALID,
                   "unit %u is not free on port %u", unit, port_index);
      return FALSE;
    }

  m = g_new0 (MdSimMeter, 1);
  _md_sim_meter_init (m, address, port_index, unit, water, meter_load (bus, address, water),
                      bus->initial_credit, bus->price);
  g_ptr_array_add (bus->meters, m);
  g_ptr_array_add (port->meters, m);
  g_hash_table_insert (bus->by_address, m->address, m);
  if (bus->protocol == MD_SIM_PROTOCOL_MODBUS)
    g_hash_table_insert (port->by_unit, GUINT_TO_POINTER (unit), m);
  return TRUE;
}

void
md_sim_bus_set_wire_timing (MdSimBus *bus,
                            gboolean  on)
{
  bus->wire_timing = on;
}

/* W for electricity meters; water meters draw a tenth of it in L/h. */
void
md_sim_bus_set_load (MdSimBus *bus,
                     gint64    base_load)
{
  bus->base_load = MAX (base_load, 0);
}

void
md_sim_bus_set_initial (MdSimBus *bus,
                        gint64    credit_fen,
                        gint64    price)
{
  bus->initial_credit = credit_fen;
  bus->price = price;
}

void
md_sim_bus_set_tick (MdSimBus *bus,
                     guint     tick_ms,
                     guint     seconds_per_tick)
{
  bus->tick_ms = tick_ms;
  bus->tick_seconds = seconds_per_tick;
}

void
md_sim_bus_set_password (MdSimBus   *bus,
                         const char *password)
{
  g_strlcpy (bus->password, password, sizeof bus->password);
}

void
md_sim_bus_set_follow_up (MdSimBus *bus,
                          guint     bytes_per_frame)
{
  bus->split = bytes_per_frame;
}

void
md_sim_bus_set_late_range (MdSimBus *bus,
                           guint     min_ms,
                           guint     max_ms)
{
  bus->late_min_ms = min_ms;
  bus->late_max_ms = MAX (min_ms, max_ms);
}

void
md_sim_bus_set_fault (MdSimBus   *bus,
                      MdSimFault  fault,
                      double      probability)
{
  g_return_if_fail (fault > MD_SIM_FAULT_NONE && fault < MD_SIM_N_FAULTS);

  g_mutex_lock (&bus->lock);
  bus->fault_p[fault] = CLAMP (probability, 0.0, 1.0);
  g_mutex_unlock (&bus->lock);
}

void
md_sim_bus_clear_faults (MdSimBus *bus)
{
  g_mutex_lock (&bus->lock);
  memset (bus->fault_p, 0, sizeof bus->fault_p);
  bus->fault_scope = MD_SIM_FAULT_SCOPE_ALL;
  g_mutex_unlock (&bus->lock);
}

void
md_sim_bus_set_fault_scope (MdSimBus        *bus,
                            MdSimFaultScope  scope)
{
  g_mutex_lock (&bus->lock);
  bus->fault_scope = scope;
  bus->written = FALSE;
  g_mutex_unlock (&bus->lock);
}

/* 0: draw one of 01, 02, 03, 04, 06 per fault. */
void
md_sim_bus_set_exception (MdSimBus *bus,
                          guint8    code)
{
  g_mutex_lock (&bus->lock);
  bus->exception_code = code;
  g_mutex_unlock (&bus->lock);
}

static MdSimFault
roll (MdSimBus *bus,
      gboolean  write)
{
  double r = g_rand_double (bus->rand), acc = 0;

  bus->written |= write;
  if ((bus->fault_scope == MD_SIM_FAULT_SCOPE_WRITES && !write) ||
      (bus->fault_scope == MD_SIM_FAULT_SCOPE_FROM_WRITE && !bus->written))
    return MD_SIM_FAULT_NONE;

  for (guint f = 1; f < MD_SIM_N_FAULTS; f++)
    {
      acc += bus->fault_p[f];
      if (r < acc)
        return (MdSimFault) f;
    }
  return MD_SIM_FAULT_NONE;
}

static guint8
exception_code (MdSimBus *bus)
{
  static const guint8 codes[] = { 0x01, 0x02, 0x03, 0x04, 0x06 };

  if (bus->exception_code != 0)
    return bus->exception_code;
  return codes[g_rand_int_range (bus->rand, 0, G_N_ELEMENTS (codes))];
}

static void
recompute_crc (GByteArray *f)
{
  guint16 crc;

  if (f->len < 4)
    return;
  crc = md_modbus_crc16 (f->data, f->len - 2);
  f->data[f->len - 2] = crc & 0xFF;
  f->data[f->len - 1] = crc >> 8;
}

static void
random_bytes (MdSimBus   *bus,
              GByteArray *into,
              gboolean    prepend)
{
  guint n = (guint) g_rand_int_range (bus->rand, 1, 9);

  for (guint i = 0; i < n; i++)
    {
      guint8 b = (guint8) g_rand_int_range (bus->rand, 0, 256);

      if (prepend)
        g_byte_array_prepend (into, &b, 1);
      else
        g_byte_array_append (into, &b, 1);
    }
}

static guint
dlt645_start (GByteArray *f)
{
  guint i = 0;

  while (i < f->len && f->data[i] != 0x68)
    i++;
  return i;
}

/* The fault's damage to a correct frame, in place. */
static void
damage (MdSimBus   *bus,
        MdSimFault  fault,
        FrameKind   kind,
        GByteArray *f)
{
  guint s;

  switch (fault)
    {
    case MD_SIM_FAULT_BAD_CRC:
      f->data[kind == FRAME_DLT645 ? f->len - 2 : f->len - 1] ^= 0x5A;
      break;
    case MD_SIM_FAULT_TRUNCATED:
      g_byte_array_set_size (f, (guint) g_rand_int_range (bus->rand, 1, (gint32) f->len));
      break;
    case MD_SIM_FAULT_EXTRA:
      random_bytes (bus, f, FALSE);
      break;
    case MD_SIM_FAULT_NOISE:
      random_bytes (bus, f, TRUE);
      break;
    case MD_SIM_FAULT_WRONG_ADDRESS:
      if (kind == FRAME_RTU)
        {
          f->data[0] = (guint8) (f->data[0] % 247 + 1);
          recompute_crc (f);
        }
      else if (kind == FRAME_TCP)
        f->data[6] = (guint8) (f->data[6] % 247 + 1);
      else if ((s = dlt645_start (f)) + 1 < f->len)
        {
          f->data[s + 1] = f->data[s + 1] == 0x99 ? 0x00 : (guint8) (f->data[s + 1] + 1);
          _md_sim_dlt645_reframe (f);
        }
      break;
    case MD_SIM_FAULT_WRONG_FUNCTION:
      if (kind == FRAME_RTU)
        {
          f->data[1] ^= 0x07;
          recompute_crc (f);
        }
      else if (kind == FRAME_TCP)
        f->data[7] ^= 0x07;
      else if ((s = dlt645_start (f)) + 8 < f->len)
        {
          f->data[s + 8] ^= 0x03;
          _md_sim_dlt645_reframe (f);
        }
      break;
    case MD_SIM_FAULT_NONE:
    case MD_SIM_FAULT_DROP:
    case MD_SIM_FAULT_MUTE:
    case MD_SIM_FAULT_LATE:
    case MD_SIM_FAULT_EXCEPTION:
    case MD_SIM_FAULT_DUPLICATE:
    case MD_SIM_FAULT_STALE:
    case MD_SIM_N_FAULTS:
    default:
      break;
    }
}

/* T10 bookkeeping, then the reply (or not) as the fault wants it. */
static void
emit (MdSimBus     *bus,
      MdSimMeter   *m,
      MdSimPort    *port,
      MdSimConn    *conn,
      GByteArray   *frame,
      FrameKind     kind,
      MdSimFault    fault,
      MdSimEffect  *fx,
      gint64        earliest)
{
  GByteArray **last = conn != NULL ? &conn->last_reply : &port->last_reply;
  GList **later = conn != NULL ? &conn->later : &port->later;
  GByteArray *out;

  earliest = MAX (earliest, g_get_monotonic_time ());
  if (fx->recharge_write)
    {
      if (m->unchecked_write)
        m->blind_rewrites++;
      m->unchecked_write = TRUE;
    }
  /* A read-back is one whose reply reaches the master whole: clean,
   * twice, or with garbage after it (the frame's own CRC still checks). */
  if (fx->count_read && (fault == MD_SIM_FAULT_NONE || fault == MD_SIM_FAULT_DUPLICATE ||
                         fault == MD_SIM_FAULT_EXTRA))
    m->unchecked_write = FALSE;

  switch (fault)
    {
    case MD_SIM_FAULT_MUTE:
      break;
    case MD_SIM_FAULT_STALE:
      if (*last != NULL)
        {
          out = g_byte_array_sized_new ((*last)->len);
          g_byte_array_append (out, (*last)->data, (*last)->len);
          *later = _md_sim_outgoing_insert (*later, out, earliest);
        }
      break;
    case MD_SIM_FAULT_LATE:
      out = g_byte_array_sized_new (frame->len);
      g_byte_array_append (out, frame->data, frame->len);
      *later = _md_sim_outgoing_insert (*later, out,
                                        earliest + 1000 * (gint64) g_rand_int_range (
                                          bus->rand, (gint32) bus->late_min_ms,
                                          (gint32) bus->late_max_ms + 1));
      break;
    case MD_SIM_FAULT_DUPLICATE:
      for (guint i = 0; i < 2; i++)
        {
          out = g_byte_array_sized_new (frame->len);
          g_byte_array_append (out, frame->data, frame->len);
          *later = _md_sim_outgoing_insert (*later, out, earliest);
        }
      break;
    case MD_SIM_FAULT_NONE:
    case MD_SIM_FAULT_DROP:
    case MD_SIM_FAULT_BAD_CRC:
    case MD_SIM_FAULT_TRUNCATED:
    case MD_SIM_FAULT_EXTRA:
    case MD_SIM_FAULT_NOISE:
    case MD_SIM_FAULT_WRONG_ADDRESS:
    case MD_SIM_FAULT_WRONG_FUNCTION:
    case MD_SIM_FAULT_EXCEPTION:
    case MD_SIM_N_FAULTS:
    default:
      out = g_byte_array_sized_new (frame->len + 8);
      g_byte_array_append (out, frame->data, frame->len);
      damage (bus, fault, kind, out);
      *later = _md_sim_outgoing_insert (*later, out, earliest);
      break;
    }
  g_clear_pointer (last, g_byte_array_unref);
  *last = frame;
}

static GByteArray *
modbus_reply (MdSimBus     *bus,
              MdSimMeter   *m,
              const guint8 *pdu,
              gsize         len,
              MdSimFault   *fault,
              MdSimEffect  *fx)
{
  memset (fx, 0, sizeof *fx);
  bus->requests++;
  m->requests++;
  *fault = roll (bus, len > 0 && (pdu[0] == 0x05 || pdu[0] == 0x06 || pdu[0] == 0x0F ||
                                  pdu[0] == 0x10));
  if (*fault != MD_SIM_FAULT_NONE)
    m->faults++;
  if (*fault == MD_SIM_FAULT_DROP)
    return NULL;
  if (*fault == MD_SIM_FAULT_EXCEPTION)
    return _md_sim_modbus_exception (len > 0 ? pdu[0] : 0, exception_code (bus));
  return _md_sim_modbus_handle (m, pdu, len, fx);
}

void
_md_sim_bus_handle_rtu (MdSimBus     *bus,
                        MdSimPort    *port,
                        const guint8 *frame,
                        gsize         len,
                        gint64        earliest)
{
  MdSimMeter *m;
  GByteArray *reply;
  MdSimFault fault;
  MdSimEffect fx;

  if (frame[0] == 0)
    {
      bus->requests++;
      _md_sim_modbus_broadcast ((MdSimMeter **) port->meters->pdata, port->meters->len,
                                frame + 1, len - 3);
      return;
    }
  m = g_hash_table_lookup (port->by_unit, GUINT_TO_POINTER (frame[0]));
  if (m == NULL)
    return;
  reply = modbus_reply (bus, m, frame + 1, len - 3, &fault, &fx);
  if (reply == NULL)
    return;
  _md_sim_rtu_wrap (reply, frame[0]);
  emit (bus, m, port, NULL, reply, FRAME_RTU, fault, &fx, earliest);
}

void
_md_sim_bus_handle_tcp (MdSimBus     *bus,
                        MdSimConn    *conn,
                        const guint8 *adu,
                        gsize         len)
{
  MdSimPort *port = bus->ports->pdata[conn->port];
  guint8 unit = adu[6];
  MdSimMeter *m;
  GByteArray *reply;
  MdSimFault fault = MD_SIM_FAULT_NONE;
  MdSimEffect fx = { FALSE, FALSE };
  guint8 head[7];

  if (unit == 0)
    {
      bus->requests++;
      _md_sim_modbus_broadcast ((MdSimMeter **) port->meters->pdata, port->meters->len,
                                adu + 7, len - 7);
      return;
    }
  m = g_hash_table_lookup (port->by_unit, GUINT_TO_POINTER (unit));
  if (m == NULL)
    {
      /* What a gateway says when nothing answers behind it. */
      bus->requests++;
      reply = _md_sim_modbus_exception (len > 7 ? adu[7] : 0, 0x0B);
    }
  else if ((reply = modbus_reply (bus, m, adu + 7, len - 7, &fault, &fx)) == NULL)
    return;

  memcpy (head, adu, 4);
  head[4] = (guint8) ((reply->len + 1) >> 8);
  head[5] = (guint8) ((reply->len + 1) & 0xFF);
  head[6] = unit;
  g_byte_array_prepend (reply, head, 7);
  if (m == NULL)
    {
      conn->later = _md_sim_outgoing_insert (conn->later, reply, g_get_monotonic_time ());
      return;
    }
  emit (bus, m, port, conn, reply, FRAME_TCP, fault, &fx, 0);
}

void
_md_sim_bus_handle_dlt645 (MdSimBus            *bus,
                           MdSimPort           *port,
                           const MdDlt645Frame *frame,
                           gint64               earliest)
{
  MdSimMeter *m = NULL;
  GByteArray *reply;
  MdSimFault fault;
  MdSimEffect fx;

  if (frame->from_slave)
    return;
  bus->requests++;

  if (memcmp (&frame->address, &md_dlt645_address_broadcast, sizeof frame->address) == 0)
    {
      const guint8 *d = frame->data;

      if (frame->function == MD_DLT645_FN_BROADCAST_TIME && frame->length == 6)
        for (guint i = 0; i < port->meters->len; i++)
          _md_sim_meter_set_clock (port->meters->pdata[i],
                                   2000 + (d[5] >> 4) * 10 + (d[5] & 15),
                                   (d[4] >> 4) * 10 + (d[4] & 15), (d[3] >> 4) * 10 + (d[3] & 15),
                                   (d[2] >> 4) * 10 + (d[2] & 15), (d[1] >> 4) * 10 + (d[1] & 15),
                                   (d[0] >> 4) * 10 + (d[0] & 15));
      return;
    }
  if (memcmp (&frame->address, &md_dlt645_address_wildcard, sizeof frame->address) == 0)
    {
      if (frame->function != MD_DLT645_FN_READ_ADDRESS || port->meters->len == 0)
        return;
      if (port->meters->len > 1)
        {
          /* Every meter answers at once: the frames collide on the wire. */
          GByteArray *sum = NULL;

          for (guint i = 0; i < port->meters->len; i++)
            {
              reply = _md_sim_dlt645_handle (port->meters->pdata[i], bus->password, 0, frame, &fx);
              if (sum == NULL)
                sum = reply;
              else
                {
                  for (guint j = 0; j < MIN (sum->len, reply->len); j++)
                    sum->data[j] |= reply->data[j];
                  g_byte_array_unref (reply);
                }
            }
          port->later = _md_sim_outgoing_insert (port->later, sum, earliest);
          return;
        }
      m = port->meters->pdata[0];
    }
  else
    for (guint i = 0; i < port->meters->len && m == NULL; i++)
      {
        MdSimMeter *c = port->meters->pdata[i];

        if (memcmp (&c->dl_address, &frame->address, sizeof frame->address) == 0)
          m = c;
      }
  if (m == NULL)
    return;

  m->requests++;
  fault = roll (bus, frame->function == MD_DLT645_FN_WRITE || frame->function == MD_DLT645_FN_CONTROL);
  memset (&fx, 0, sizeof fx);
  if (fault != MD_SIM_FAULT_NONE)
    m->faults++;
  if (fault == MD_SIM_FAULT_DROP)
    return;
  if (fault == MD_SIM_FAULT_EXCEPTION)
    reply = _md_sim_dlt645_error (m, frame, MD_DLT645_ERR_OTHER);
  else
    reply = _md_sim_dlt645_handle (m, bus->password, bus->split, frame, &fx);
  emit (bus, m, port, NULL, reply, FRAME_DLT645, fault, &fx, earliest);
}

gboolean
md_sim_bus_start (MdSimBus  *bus,
                  GError   **error)
{
  g_return_val_if_fail (!bus->running, FALSE);

  if (!_md_sim_bus_io_start (bus, error))
    {
      _md_sim_bus_io_stop (bus);
      return FALSE;
    }
  bus->running = TRUE;
  return TRUE;
}

void
md_sim_bus_stop (MdSimBus *bus)
{
  if (!bus->running)
    return;
  _md_sim_bus_io_stop (bus);
  bus->running = FALSE;
}

/**
 * md_sim_bus_get_port_number:
 *
 * Returns: the TCP port a gateway listens on (after md_sim_bus_start())
 */
guint
md_sim_bus_get_port_number (MdSimBus *bus,
                            guint     port)
{
  g_return_val_if_fail (port < bus->ports->len, 0);

  return ((MdSimPort *) bus->ports->pdata[port])->tcp_port;
}

/* Simulated time passes for every meter: energy, credit, trips. */
void
md_sim_bus_advance (MdSimBus *bus,
                    guint     seconds)
{
  g_mutex_lock (&bus->lock);
  for (guint i = 0; i < bus->meters->len; i++)
    _md_sim_meter_tick (bus->meters->pdata[i], seconds);
  g_mutex_unlock (&bus->lock);
}

gboolean
md_sim_bus_get_meter (MdSimBus        *bus,
                      const char      *address,
                      MdSimMeterState *out_state)
{
  MdSimMeter *m;

  g_mutex_lock (&bus->lock);
  m = g_hash_table_lookup (bus->by_address, address);
  if (m != NULL)
    _md_sim_meter_snapshot (m, out_state);
  g_mutex_unlock (&bus->lock);
  return m != NULL;
}

/* Puts a meter in a given state (tests): credit and purchase count. */
gboolean
md_sim_bus_set_meter_credit (MdSimBus   *bus,
                             const char *address,
                             gint64      credit_fen,
                             guint       purchase_count)
{
  MdSimMeter *m;

  g_mutex_lock (&bus->lock);
  m = g_hash_table_lookup (bus->by_address, address);
  if (m != NULL)
    {
      m->credit_e7 = credit_fen * MD_SIM_E7_PER_FEN;
      m->count = purchase_count;
      m->unchecked_write = FALSE;
    }
  g_mutex_unlock (&bus->lock);
  return m != NULL;
}

guint
md_sim_bus_get_n_meters (MdSimBus *bus)
{
  return bus->meters->len;
}

guint64
md_sim_bus_get_requests (MdSimBus *bus)
{
  guint64 n;

  g_mutex_lock (&bus->lock);
  n = bus->requests;
  g_mutex_unlock (&bus->lock);
  return n;
}
