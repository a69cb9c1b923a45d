/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-pcsc.h"

#include <string.h>
#include <winscard.h>

#include "md-pcsc-private.h"

/*
 * Readers coming and going, cards put in and taken out: a worker thread
 * owns an SCARDCONTEXT and waits in SCardGetStatusChange on every reader
 * plus "\\?PnP?\Notification"; what it sees is delivered as signals in the
 * main context the monitor was made in. When pcscd is gone the thread
 * retries every half second.
 */

#define PNP_READER "\\\\?PnP?\\Notification"
#define WAIT_MS    1000
#define RETRY_MS   500

typedef enum
{
  EVENT_SERVICE,
  EVENT_READER_ADDED,
  EVENT_READER_REMOVED,
  EVENT_CARD_INSERTED,
  EVENT_CARD_REMOVED,
} EventKind;

typedef struct
{
  GWeakRef   monitor;
  EventKind  kind;
  char      *reader;
  GBytes    *atr;
  gboolean   available;
} Event;

typedef struct
{
  char                 *name;
  SCARD_READERSTATE     state;
  gboolean              present;
} Slot;

struct _MdPcscMonitor
{
  GObject        parent_instance;

  GMainContext  *context;
  GThread       *thread;
  GMutex         mutex;       /* guards stop, cancel_context, have_context */
  GCond          cond;
  gboolean       stop;
  SCARDCONTEXT   cancel_context;
  gboolean       have_context;

  /* main-context view, updated by the dispatched events */
  GHashTable    *readers;     /* name → GBytes ATR or a 0-length GBytes (no card) */
  gboolean       service;
};

G_DEFINE_FINAL_TYPE (MdPcscMonitor, md_pcsc_monitor, G_TYPE_OBJECT)

enum
{
  SIGNAL_READER_ADDED,
  SIGNAL_READER_REMOVED,
  SIGNAL_CARD_INSERTED,
  SIGNAL_CARD_REMOVED,
  SIGNAL_SERVICE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
event_free (gpointer data)
{
  Event *event = data;

  g_weak_ref_clear (&event->monitor);
  g_free (event->reader);
  g_clear_pointer (&event->atr, g_bytes_unref);
  g_free (event);
}

static gboolean
dispatch_cb (gpointer data)
{
  Event *event = data;
  g_autoptr(MdPcscMonitor) self = g_weak_ref_get (&event->monitor);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  switch (event->kind)
    {
    case EVENT_SERVICE:
      if (self->service != event->available)
        {
          self->service = event->available;
          g_signal_emit (self, signals[SIGNAL_SERVICE_CHANGED], 0, event->available);
        }
      break;
    case EVENT_READER_ADDED:
      g_hash_table_insert (self->readers, g_strdup (event->reader), g_bytes_new (NULL, 0));
      g_signal_emit (self, signals[SIGNAL_READER_ADDED], 0, event->reader);
      break;
    case EVENT_READER_REMOVED:
      g_hash_table_remove (self->readers, event->reader);
      g_signal_emit (self, signals[SIGNAL_READER_REMOVED], 0, event->reader);
      break;
    case EVENT_CARD_INSERTED:
      g_hash_table_insert (self->readers, g_strdup (event->reader), g_bytes_ref (event->atr));
      g_signal_emit (self, signals[SIGNAL_CARD_INSERTED], 0, event->reader, event->atr);
      break;
    case EVENT_CARD_REMOVED:
    default:
      g_hash_table_insert (self->readers, g_strdup (event->reader), g_bytes_new (NULL, 0));
      g_signal_emit (self, signals[SIGNAL_CARD_REMOVED], 0, event->reader);
      break;
    }
  return G_SOURCE_REMOVE;
}

static void
post (MdPcscMonitor *self,
      EventKind      kind,
      const char    *reader,
      const guint8  *atr,
      gsize          atr_len,
      gboolean       available)
{
  Event *event = g_new0 (Event, 1);

  g_weak_ref_init (&event->monitor, self);
  event->kind = kind;
  event->reader = g_strdup (reader);
  event->atr = atr != NULL ? g_bytes_new (atr, atr_len) : NULL;
  event->available = available;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, dispatch_cb, event, event_free);
}

static gboolean
should_stop (MdPcscMonitor *self,
             guint          wait_ms)
{
  gboolean stop;

  g_mutex_lock (&self->mutex);
  if (!self->stop && wait_ms > 0)
    g_cond_wait_until (&self->cond, &self->mutex,
                       g_get_monotonic_time () + wait_ms * G_TIME_SPAN_MILLISECOND);
  stop = self->stop;
  g_mutex_unlock (&self->mutex);
  return stop;
}

static void
slot_free (gpointer data)
{
  Slot *slot = data;

  g_free (slot->name);
  g_free (slot);
}

/* Brings @slots in line with the readers pcscd lists now. */
static LONG
refresh_readers (MdPcscMonitor *self,
                 SCARDCONTEXT   context,
                 GPtrArray     *slots)
{
  LPSTR list = NULL;
  DWORD len = SCARD_AUTOALLOCATE;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  LONG rv;

  rv = SCardListReaders (context, NULL, (LPSTR) &list, &len);
  if (rv == SCARD_S_SUCCESS)
    {
      for (const char *p = list; *p != '\0'; p += strlen (p) + 1)
        g_ptr_array_add (names, g_strdup (p));
      SCardFreeMemory (context, list);
    }
  else if (rv != SCARD_E_NO_READERS_AVAILABLE)
    return rv;

  for (guint i = slots->len; i > 0; i--)
    {
      Slot *slot = slots->pdata[i - 1];
      gboolean still = FALSE;

      for (guint j = 0; j < names->len && !still; j++)
        still = g_str_equal (names->pdata[j], slot->name);
      if (!still)
        {
          if (slot->present)
            post (self, EVENT_CARD_REMOVED, slot->name, NULL, 0, TRUE);
          post (self, EVENT_READER_REMOVED, slot->name, NULL, 0, TRUE);
          g_ptr_array_remove_index (slots, i - 1);
        }
    }
  for (guint j = 0; j < names->len; j++)
    {
      gboolean known = FALSE;

      for (guint i = 0; i < slots->len && !known; i++)
        known = g_str_equal (((Slot *) slots->pdata[i])->name, names->pdata[j]);
      if (!known)
        {
          Slot *slot = g_new0 (Slot, 1);

          slot->name = g_strdup (names->pdata[j]);
          slot->state.dwCurrentState = SCARD_STATE_UNAWARE;
          g_ptr_array_add (slots, slot);
          post (self, EVENT_READER_ADDED, slot->name, NULL, 0, TRUE);
        }
    }
  return SCARD_S_SUCCESS;
}

static void
forget_all (MdPcscMonitor *self,
            GPtrArray     *slots)
{
  for (guint i = 0; i < slots->len; i++)
    {
      Slot *slot = slots->pdata[i];

      if (slot->present)
        post (self, EVENT_CARD_REMOVED, slot->name, NULL, 0, TRUE);
      post (self, EVENT_READER_REMOVED, slot->name, NULL, 0, TRUE);
    }
  g_ptr_array_set_size (slots, 0);
}

static gpointer
worker (gpointer data)
{
  MdPcscMonitor *self = data;
  g_autoptr(GPtrArray) slots = g_ptr_array_new_with_free_func (slot_free);
  SCARD_READERSTATE pnp = { 0 };
  SCARDCONTEXT context = 0;
  gboolean have_context = FALSE;
  gboolean service = FALSE;
  gboolean relist = TRUE;
  gboolean first = TRUE;

  pnp.szReader = PNP_READER;
  pnp.dwCurrentState = SCARD_STATE_UNAWARE;

  while (!should_stop (self, 0))
    {
      g_autofree SCARD_READERSTATE *states = NULL;
      LONG rv;

      if (!have_context)
        {
          rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context);
          if (rv != SCARD_S_SUCCESS)
            {
              if (service || first)
                post (self, EVENT_SERVICE, NULL, NULL, 0, FALSE);
              service = first = FALSE;
              should_stop (self, RETRY_MS);
              continue;
            }
          have_context = TRUE;
          g_mutex_lock (&self->mutex);
          self->cancel_context = context;
          self->have_context = TRUE;
          g_mutex_unlock (&self->mutex);
          if (!service)
            post (self, EVENT_SERVICE, NULL, NULL, 0, TRUE);
          service = TRUE;
          first = FALSE;
          relist = TRUE;
          pnp.dwCurrentState = SCARD_STATE_UNAWARE;
        }

      if (relist)
        {
          rv = refresh_readers (self, context, slots);
          relist = FALSE;
        }
      else
        rv = SCARD_S_SUCCESS;

      if (rv == SCARD_S_SUCCESS)
        {
          states = g_new0 (SCARD_READERSTATE, slots->len + 1);
          for (guint i = 0; i < slots->len; i++)
            {
              Slot *slot = slots->pdata[i];

              states[i] = slot->state;
              states[i].szReader = slot->name;
            }
          states[slots->len] = pnp;
          rv = SCardGetStatusChange (context, WAIT_MS, states, slots->len + 1);
        }

      if (rv == SCARD_E_TIMEOUT || rv == SCARD_E_CANCELLED)
        continue;
      if (rv != SCARD_S_SUCCESS)
        {
          g_debug ("SCardGetStatusChange: %s (0x%08lX)", pcsc_stringify_error (rv), (gulong) rv);
          forget_all (self, slots);
          g_mutex_lock (&self->mutex);
          self->have_context = FALSE;
          g_mutex_unlock (&self->mutex);
          SCardReleaseContext (context);
          have_context = FALSE;
          if (service)
            post (self, EVENT_SERVICE, NULL, NULL, 0, FALSE);
          service = FALSE;
          should_stop (self, RETRY_MS);
          continue;
        }

      for (guint i = 0; i < slots->len; i++)
        {
          Slot *slot = slots->pdata[i];
          DWORD event = states[i].dwEventState;
          gboolean present;

          slot->state = states[i];
          slot->state.dwCurrentState = event & ~SCARD_STATE_CHANGED;
          if ((event & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) != 0)
            {
              relist = TRUE;
              continue;
            }
          present = (event & SCARD_STATE_PRESENT) != 0 && (event & SCARD_STATE_MUTE) == 0;
          if (present && !slot->present)
            post (self, EVENT_CARD_INSERTED, slot->name, states[i].rgbAtr, states[i].cbAtr, TRUE);
          else if (!present && slot->present)
            post (self, EVENT_CARD_REMOVED, slot->name, NULL, 0, TRUE);
          slot->present = present;
        }
      if ((states[slots->len].dwEventState & SCARD_STATE_CHANGED) != 0)
        relist = TRUE;
      pnp.dwCurrentState = states[slots->len].dwEventState & ~SCARD_STATE_CHANGED;
    }

  forget_all (self, slots);
  g_mutex_lock (&self->mutex);
  self->have_context = FALSE;
  g_mutex_unlock (&self->mutex);
  if (have_context)
    SCardReleaseContext (context);
  return NULL;
}

static void
md_pcsc_monitor_dispose (GObject *object)
{
  MdPcscMonitor *self = MD_PCSC_MONITOR (object);

  if (self->thread != NULL)
    {
      g_mutex_lock (&self->mutex);
      self->stop = TRUE;
      /* The one call PC/SC allows from another thread. */
      if (self->have_context)
        SCardCancel (self->cancel_context);
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->mutex);
      g_thread_join (g_steal_pointer (&self->thread));
    }
  G_OBJECT_CLASS (md_pcsc_monitor_parent_class)->dispose (object);
}

static void
md_pcsc_monitor_finalize (GObject *object)
{
  MdPcscMonitor *self = MD_PCSC_MONITOR (object);

  g_hash_table_unref (self->readers);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (md_pcsc_monitor_parent_class)->finalize (object);
}

static void
md_pcsc_monitor_class_init (MdPcscMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = md_pcsc_monitor_dispose;
  object_class->finalize = md_pcsc_monitor_finalize;

  /**
   * MdPcscMonitor::reader-added:
   * @reader: the reader's PC/SC name
   */
  signals[SIGNAL_READER_ADDED] =
    g_signal_new ("reader-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * MdPcscMonitor::reader-removed:
   * @reader: the reader's PC/SC name
   */
  signals[SIGNAL_READER_REMOVED] =
    g_signal_new ("reader-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * MdPcscMonitor::card-inserted:
   * @reader: the reader
   * @atr: the card's ATR
   */
  signals[SIGNAL_CARD_INSERTED] =
    g_signal_new ("card-inserted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BYTES);
  /**
   * MdPcscMonitor::card-removed:
   * @reader: the reader
   */
  signals[SIGNAL_CARD_REMOVED] =
    g_signal_new ("card-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * MdPcscMonitor::service-changed:
   * @running: whether pcscd can be reached now
   */
  signals[SIGNAL_SERVICE_CHANGED] =
    g_signal_new ("service-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
md_pcsc_monitor_init (MdPcscMonitor *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->readers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_bytes_unref);
}

/**
 * md_pcsc_monitor_new:
 *
 * Starts watching readers and cards. Signals are emitted in the thread-
 * default main context of the caller; the first ones tell the readers and
 * cards present at start.
 *
 * Returns: (transfer full): the monitor; dropping the last reference stops it
 */
MdPcscMonitor *
md_pcsc_monitor_new (void)
{
  MdPcscMonitor *self = g_object_new (MD_TYPE_PCSC_MONITOR, NULL);

  self->context = g_main_context_ref_thread_default ();
  self->thread = g_thread_new ("md-pcsc-monitor", worker, self);
  return self;
}

/**
 * md_pcsc_monitor_dup_readers:
 *
 * Returns: (transfer full): the readers as the signals delivered so far told
 */
char **
md_pcsc_monitor_dup_readers (MdPcscMonitor *self)
{
  g_autofree gpointer *keys = NULL;
  guint n = 0;
  char **names;

  g_return_val_if_fail (MD_IS_PCSC_MONITOR (self), NULL);

  keys = g_hash_table_get_keys_as_array (self->readers, &n);
  names = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    names[i] = g_strdup (keys[i]);
  return names;
}

/**
 * md_pcsc_monitor_dup_card_atr:
 *
 * Returns: (transfer full) (nullable): the ATR of the card in @reader, %NULL
 *   when it holds none
 */
GBytes *
md_pcsc_monitor_dup_card_atr (MdPcscMonitor *self,
                              const char    *reader)
{
  GBytes *atr;

  g_return_val_if_fail (MD_IS_PCSC_MONITOR (self), NULL);

  atr = g_hash_table_lookup (self->readers, reader);
  return atr != NULL && g_bytes_get_size (atr) > 0 ? g_bytes_ref (atr) : NULL;
}

/**
 * md_pcsc_monitor_get_service:
 *
 * Returns: whether pcscd was reachable at the last event
 */
gboolean
md_pcsc_monitor_get_service (MdPcscMonitor *self)
{
  g_return_val_if_fail (MD_IS_PCSC_MONITOR (self), FALSE);

  return self->service;
}
