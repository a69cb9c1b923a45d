/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-pcsc.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <winscard.h>

#include "md-pcsc-private.h"

/*
 * A PC/SC reader as an MdCardLink. The SCARDCONTEXT and SCARDHANDLE belong
 * to one worker thread (STYLE.md "Threads and devices"); callers hand it
 * requests through a queue and wait for the answer.
 */

typedef enum
{
  OP_CONNECT,
  OP_DISCONNECT,
  OP_TRANSMIT,
  OP_BEGIN,
  OP_END,
  OP_QUIT,
} OpKind;

typedef struct
{
  OpKind        kind;
  const guint8 *apdu;
  gsize         apdu_len;
  GBytes       *response;
  GError       *error;
  gboolean      done;
  GMutex        mutex;
  GCond         cond;
} Op;

struct _MdPcscLink
{
  GObject       parent_instance;

  char         *reader;
  GAsyncQueue  *queue;
  GThread      *thread;

  /* owned by the worker thread */
  SCARDCONTEXT  context;
  gboolean      have_context;
  SCARDHANDLE   card;
  gboolean      have_card;
  DWORD         protocol;

  /* written by the worker, read by callers between requests */
  GBytes       *atr;
};

static void md_pcsc_link_iface_init (MdCardLinkInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MdPcscLink, md_pcsc_link, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MD_TYPE_CARD_LINK, md_pcsc_link_iface_init))

void
_md_pcsc_set_error (GError     **error,
                    LONG         rv,
                    const char  *reader)
{
  const char *name = reader != NULL ? reader : "";

  switch (rv)
    {
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
    case SCARD_F_COMM_ERROR:
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NO_SERVICE,
                   _("The smart card service (pcscd) is not running (0x%08lX)"), (gulong) rv);
      break;
    case SCARD_E_NO_READERS_AVAILABLE:
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NO_READER,
                   _("No card reader is connected"));
      break;
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_READER_UNAVAILABLE:
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NO_READER,
                   _("The card reader “%s” is not available (0x%08lX)"), name, (gulong) rv);
      break;
    case SCARD_E_NO_SMARTCARD:
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_NO_CARD,
                   _("No card in the reader “%s”"), name);
      break;
    case SCARD_W_REMOVED_CARD:
    case SCARD_E_NOT_TRANSACTED:
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_REMOVED,
                   _("The card was taken out of the reader “%s” during the operation (0x%08lX)"),
                   name, (gulong) rv);
      break;
    case SCARD_W_RESET_CARD:
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_RESET,
                   _("Another program reset the card during the operation"));
      break;
    case SCARD_E_SHARING_VIOLATION:
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BUSY,
                   _("Another program is using the card; close it and try again"));
      break;
    case SCARD_E_TIMEOUT:
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_TIMEOUT,
                   _("The card reader “%s” did not answer in time"), name);
      break;
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_W_UNSUPPORTED_CARD:
    case SCARD_E_PROTO_MISMATCH:
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_UNRESPONSIVE,
                   _("The card does not answer; put it in again the right way round (0x%08lX)"),
                   (gulong) rv);
      break;
    default:
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_TRANSPORT,
                   _("Card reader error: %s (0x%08lX)"), pcsc_stringify_error (rv), (gulong) rv);
      break;
    }
}

static void
drop_card (MdPcscLink *self)
{
  if (self->have_card)
    SCardDisconnect (self->card, SCARD_LEAVE_CARD);
  self->have_card = FALSE;
}

static void
drop_context (MdPcscLink *self)
{
  drop_card (self);
  if (self->have_context)
    SCardReleaseContext (self->context);
  self->have_context = FALSE;
}

static LONG
ensure_context (MdPcscLink *self)
{
  LONG rv;

  if (self->have_context && SCardIsValidContext (self->context) == SCARD_S_SUCCESS)
    return SCARD_S_SUCCESS;
  drop_context (self);
  rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &self->context);
  self->have_context = rv == SCARD_S_SUCCESS;
  return rv;
}

static LONG
try_connect (MdPcscLink *self)
{
  BYTE atr[MAX_ATR_SIZE];
  DWORD atr_len = sizeof atr;
  DWORD state = 0;
  DWORD protocol = 0;
  DWORD name_len = 0;
  LONG rv;

  /* Still the same card, untouched since: keep the connection. */
  if (self->have_card &&
      SCardStatus (self->card, NULL, &name_len, &state, &protocol, atr, &atr_len) ==
        SCARD_S_SUCCESS &&
      (state & SCARD_SPECIFIC) != 0)
    return SCARD_S_SUCCESS;
  drop_card (self);

  if ((rv = ensure_context (self)) != SCARD_S_SUCCESS)
    return rv;
  rv = SCardConnect (self->context, self->reader, SCARD_SHARE_SHARED,
                     SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &self->card, &self->protocol);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  self->have_card = TRUE;

  atr_len = sizeof atr;
  name_len = 0;
  rv = SCardStatus (self->card, NULL, &name_len, &state, &protocol, atr, &atr_len);
  if (rv != SCARD_S_SUCCESS)
    {
      drop_card (self);
      return rv;
    }
  g_clear_pointer (&self->atr, g_bytes_unref);
  self->atr = g_bytes_new (atr, atr_len);
  return SCARD_S_SUCCESS;
}

static void
run_connect (MdPcscLink *self,
             Op         *op)
{
  LONG rv = try_connect (self);

  /* A pcscd restarted since: the old context is dead; one more try. */
  if (rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED || rv == SCARD_F_COMM_ERROR ||
      rv == SCARD_E_INVALID_HANDLE)
    {
      drop_context (self);
      rv = try_connect (self);
    }
  if (rv != SCARD_S_SUCCESS)
    _md_pcsc_set_error (&op->error, rv, self->reader);
}

static void
run_transmit (MdPcscLink *self,
              Op         *op)
{
  const SCARD_IO_REQUEST *pci = self->protocol == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
  BYTE response[258 + 16];
  DWORD len = sizeof response;
  LONG rv;

  if (!self->have_card)
    {
      _md_pcsc_set_error (&op->error, SCARD_E_NO_SMARTCARD, self->reader);
      return;
    }
  rv = SCardTransmit (self->card, pci, op->apdu, op->apdu_len, NULL, response, &len);
  if (rv != SCARD_S_SUCCESS)
    {
      _md_pcsc_set_error (&op->error, rv, self->reader);
      if (rv != SCARD_E_INSUFFICIENT_BUFFER)
        drop_card (self);
      return;
    }
  op->response = g_bytes_new (response, len);
}

static gpointer
worker (gpointer data)
{
  MdPcscLink *self = data;

  for (;;)
    {
      Op *op = g_async_queue_pop (self->queue);
      OpKind kind = op->kind;
      LONG rv;

      switch (kind)
        {
        case OP_CONNECT:
          run_connect (self, op);
          break;
        case OP_DISCONNECT:
          drop_card (self);
          break;
        case OP_TRANSMIT:
          run_transmit (self, op);
          break;
        case OP_BEGIN:
          rv = self->have_card ? SCardBeginTransaction (self->card) : SCARD_E_NO_SMARTCARD;
          if (rv != SCARD_S_SUCCESS)
            {
              _md_pcsc_set_error (&op->error, rv, self->reader);
              drop_card (self);
            }
          break;
        case OP_END:
          rv = self->have_card ? SCardEndTransaction (self->card, SCARD_LEAVE_CARD)
                               : SCARD_E_NO_SMARTCARD;
          if (rv != SCARD_S_SUCCESS)
            _md_pcsc_set_error (&op->error, rv, self->reader);
          break;
        case OP_QUIT:
        default:
          drop_context (self);
          break;
        }

      g_mutex_lock (&op->mutex);
      op->done = TRUE;
      g_cond_signal (&op->cond);
      g_mutex_unlock (&op->mutex);

      if (kind == OP_QUIT)
        return NULL;
    }
}

/* Hands @op to the worker and waits for it. */
static void
run (MdPcscLink *self,
     Op         *op)
{
  g_mutex_init (&op->mutex);
  g_cond_init (&op->cond);
  g_async_queue_push (self->queue, op);
  g_mutex_lock (&op->mutex);
  while (!op->done)
    g_cond_wait (&op->cond, &op->mutex);
  g_mutex_unlock (&op->mutex);
  g_mutex_clear (&op->mutex);
  g_cond_clear (&op->cond);
}

static const char *
pcsc_get_name (MdCardLink *link)
{
  return MD_PCSC_LINK (link)->reader;
}

static gboolean
pcsc_connect (MdCardLink    *link,
              GCancellable  *cancellable,
              GError       **error)
{
  Op op = { OP_CONNECT };

  run (MD_PCSC_LINK (link), &op);
  if (op.error != NULL)
    {
      g_propagate_error (error, op.error);
      return FALSE;
    }
  return TRUE;
}

static void
pcsc_disconnect (MdCardLink *link)
{
  Op op = { OP_DISCONNECT };

  run (MD_PCSC_LINK (link), &op);
}

static GBytes *
pcsc_get_atr (MdCardLink *link)
{
  MdPcscLink *self = MD_PCSC_LINK (link);

  return self->atr != NULL ? g_bytes_ref (self->atr) : NULL;
}

static GBytes *
pcsc_transmit (MdCardLink    *link,
               const guint8  *apdu,
               gsize          apdu_len,
               GCancellable  *cancellable,
               GError       **error)
{
  Op op = { OP_TRANSMIT, apdu, apdu_len };

  run (MD_PCSC_LINK (link), &op);
  if (op.error != NULL)
    {
      g_propagate_error (error, op.error);
      return NULL;
    }
  return op.response;
}

static gboolean
pcsc_begin (MdCardLink  *link,
            GError     **error)
{
  Op op = { OP_BEGIN };

  run (MD_PCSC_LINK (link), &op);
  if (op.error != NULL)
    {
      g_propagate_error (error, op.error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
pcsc_end (MdCardLink  *link,
          GError     **error)
{
  Op op = { OP_END };

  run (MD_PCSC_LINK (link), &op);
  if (op.error != NULL)
    {
      g_propagate_error (error, op.error);
      return FALSE;
    }
  return TRUE;
}

static void
md_pcsc_link_iface_init (MdCardLinkInterface *iface)
{
  iface->get_name = pcsc_get_name;
  iface->connect = pcsc_connect;
  iface->disconnect = pcsc_disconnect;
  iface->get_atr = pcsc_get_atr;
  iface->transmit = pcsc_transmit;
  iface->begin = pcsc_begin;
  iface->end = pcsc_end;
}

static void
md_pcsc_link_finalize (GObject *object)
{
  MdPcscLink *self = MD_PCSC_LINK (object);
  Op op = { OP_QUIT };

  run (self, &op);
  g_thread_join (self->thread);
  g_async_queue_unref (self->queue);
  g_clear_pointer (&self->atr, g_bytes_unref);
  g_free (self->reader);
  G_OBJECT_CLASS (md_pcsc_link_parent_class)->finalize (object);
}

static void
md_pcsc_link_class_init (MdPcscLinkClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = md_pcsc_link_finalize;
}

static void
md_pcsc_link_init (MdPcscLink *self)
{
  self->queue = g_async_queue_new ();
  self->thread = g_thread_new ("md-pcsc-link", worker, self);
}

/**
 * md_pcsc_link_new:
 * @reader: the PC/SC reader name (from md_pcsc_list_readers() or the
 *   monitor's signals)
 *
 * A link to the card in @reader, through pcscd. Nothing is opened until
 * the first md_card_link_connect(); a restarted pcscd is reconnected to.
 *
 * Returns: (transfer full): the link
 */
MdPcscLink *
md_pcsc_link_new (const char *reader)
{
  MdPcscLink *self;

  g_return_val_if_fail (reader != NULL, NULL);

  self = g_object_new (MD_TYPE_PCSC_LINK, NULL);
  self->reader = g_strdup (reader);
  return self;
}

/**
 * md_pcsc_list_readers:
 *
 * The readers pcscd knows now, through a context of the calling thread's
 * own that is released before returning.
 *
 * Returns: (transfer full) (array zero-terminated=1): reader names, maybe
 *   none; %NULL with an %MD_CARD_ERROR when pcscd cannot be reached
 */
char **
md_pcsc_list_readers (GError **error)
{
  GPtrArray *names = g_ptr_array_new ();
  SCARDCONTEXT context;
  LPSTR list = NULL;
  DWORD len = SCARD_AUTOALLOCATE;
  LONG rv;

  rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context);
  if (rv != SCARD_S_SUCCESS)
    {
      _md_pcsc_set_error (error, rv, NULL);
      g_ptr_array_free (names, TRUE);
      return NULL;
    }
  rv = SCardListReaders (context, NULL, (LPSTR) &list, &len);
  if (rv == SCARD_S_SUCCESS)
    {
      for (const char *p = list; *p != '\0'; p += strlen (p) + 1)
        g_ptr_array_add (names, g_strdup (p));
      SCardFreeMemory (context, list);
    }
  SCardReleaseContext (context);
  if (rv != SCARD_S_SUCCESS && rv != SCARD_E_NO_READERS_AVAILABLE)
    {
      _md_pcsc_set_error (error, rv, NULL);
      g_ptr_array_free (names, TRUE);
      return NULL;
    }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}
