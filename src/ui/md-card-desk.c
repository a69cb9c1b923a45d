/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "md-card-desk.h"
#include "md-pcsc.h"
#include "md-sim-reader.h"

struct _MdCardDesk
{
  GObject         parent_instance;

  GMainContext   *context;      /* where the signals go */
  char           *reader;       /* NULL: the first reader */
  char           *key_path;
  MdPcscMonitor  *monitor;      /* real readers only */

  /* worker thread */
  MdCardService  *service;
  MdSimReader    *demo;
};

G_DEFINE_FINAL_TYPE (MdCardDesk, md_card_desk, G_TYPE_OBJECT)

enum
{
  SIGNAL_CARD_INSERTED,
  SIGNAL_CARD_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
md_card_desk_dispose (GObject *object)
{
  MdCardDesk *self = MD_CARD_DESK (object);

  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  g_clear_object (&self->service);
  g_clear_object (&self->demo);

  G_OBJECT_CLASS (md_card_desk_parent_class)->dispose (object);
}

static void
md_card_desk_finalize (GObject *object)
{
  MdCardDesk *self = MD_CARD_DESK (object);

  g_free (self->reader);
  g_free (self->key_path);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (md_card_desk_parent_class)->finalize (object);
}

static void
md_card_desk_class_init (MdCardDeskClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = md_card_desk_dispose;
  object_class->finalize = md_card_desk_finalize;

  /**
   * MdCardDesk::card-inserted:
   *
   * A card was put in the reader (for the demo: a demo card was inserted).
   */
  signals[SIGNAL_CARD_INSERTED] =
    g_signal_new ("card-inserted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /**
   * MdCardDesk::card-removed:
   *
   * The card was taken out.
   */
  signals[SIGNAL_CARD_REMOVED] =
    g_signal_new ("card-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
md_card_desk_init (MdCardDesk *self)
{
  self->context = g_main_context_ref_thread_default ();
}

static gboolean
ours (MdCardDesk *self,
      const char *reader)
{
  return self->reader == NULL || *self->reader == '\0' || g_strcmp0 (self->reader, reader) == 0;
}

static void
monitor_inserted_cb (MdPcscMonitor *monitor,
                     const char    *reader,
                     GBytes        *atr,
                     MdCardDesk    *self)
{
  if (ours (self, reader))
    g_signal_emit (self, signals[SIGNAL_CARD_INSERTED], 0);
}

static void
monitor_removed_cb (MdPcscMonitor *monitor,
                    const char    *reader,
                    MdCardDesk    *self)
{
  if (ours (self, reader))
    g_signal_emit (self, signals[SIGNAL_CARD_REMOVED], 0);
}

/**
 * md_card_desk_new:
 * @reader: (nullable): the PC/SC reader's name; %NULL or "" for the first
 * @key_path: (nullable): the site's card key (md_card_key_path())
 *
 * A desk on a real reader. pcscd need not be running yet: the reader is
 * opened when a card is first used, and insertions are reported once pcscd
 * and the reader appear.
 */
MdCardDesk *
md_card_desk_new (const char *reader,
                  const char *key_path)
{
  MdCardDesk *self = g_object_new (MD_TYPE_CARD_DESK, NULL);

  self->reader = reader != NULL && *reader != '\0' ? g_strdup (reader) : NULL;
  self->key_path = g_strdup (key_path);
  self->monitor = md_pcsc_monitor_new ();
  g_signal_connect (self->monitor, "card-inserted", G_CALLBACK (monitor_inserted_cb), self);
  g_signal_connect (self->monitor, "card-removed", G_CALLBACK (monitor_removed_cb), self);
  return self;
}

/**
 * md_card_desk_new_demo:
 * @state_dir: where the demo cards, their meters and the demo key live
 * @fresh: the demo database is new: forget the old cards
 */
MdCardDesk *
md_card_desk_new_demo (const char  *state_dir,
                       gboolean     fresh,
                       GError     **error)
{
  g_autoptr(MdCardDesk) self = g_object_new (MD_TYPE_CARD_DESK, NULL);

  if (!(self->demo = md_sim_reader_new (state_dir, fresh, error)))
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
md_card_desk_is_demo (MdCardDesk *self)
{
  g_return_val_if_fail (MD_IS_CARD_DESK (self), FALSE);

  return self->demo != NULL;
}

/**
 * md_card_desk_get_service:
 * @session: the operator the card's alerts and events are reported for
 *
 * Worker thread. The card service, opened on first use.
 *
 * Returns: (transfer none): the service, or %NULL with a translated error
 *   (no pcscd, no reader, no key)
 */
MdCardService *
md_card_desk_get_service (MdCardDesk  *self,
                          MdSession   *session,
                          GError     **error)
{
  MdCardService *service;

  g_return_val_if_fail (MD_IS_CARD_DESK (self), NULL);

  if (self->demo != NULL)
    service = md_sim_reader_get_service (self->demo);
  else
    {
      if (self->service == NULL &&
          !(self->service = md_card_service_open (self->reader, self->key_path, error)))
        return NULL;
      service = self->service;
    }
  md_card_service_set_session (service, session);
  return service;
}

typedef struct
{
  GWeakRef  desk;
  guint     signal;
} Emit;

static gboolean
emit_cb (gpointer data)
{
  Emit *emit = data;
  g_autoptr(MdCardDesk) self = g_weak_ref_get (&emit->desk);

  if (self != NULL)
    g_signal_emit (self, signals[emit->signal], 0);
  return G_SOURCE_REMOVE;
}

static void
emit_free (gpointer data)
{
  Emit *emit = data;

  g_weak_ref_clear (&emit->desk);
  g_free (emit);
}

/* From the worker thread to the main thread's listeners. */
static void
emit_later (MdCardDesk *self,
            guint       signal)
{
  Emit *emit = g_new0 (Emit, 1);

  g_weak_ref_init (&emit->desk, self);
  emit->signal = signal;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_cb, emit, emit_free);
}

static gboolean
require_demo (MdCardDesk  *self,
              GError     **error)
{
  if (self->demo != NULL)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("Demo cards exist only in the demo (meterdesk --demo)"));
  return FALSE;
}

/**
 * md_card_desk_demo_insert:
 *
 * Worker thread. Puts the demo card of @account_no in the demo reader; the
 * account's first card is issued then (the operator needs the card
 * permission for that).
 */
gboolean
md_card_desk_demo_insert (MdCardDesk  *self,
                          MdSession   *session,
                          const char  *account_no,
                          GError     **error)
{
  g_return_val_if_fail (MD_IS_CARD_DESK (self), FALSE);

  if (!require_demo (self, error))
    return FALSE;
  md_card_service_set_session (md_sim_reader_get_service (self->demo), session);
  if (!md_sim_reader_insert (self->demo, session, account_no, error))
    return FALSE;
  emit_later (self, SIGNAL_CARD_INSERTED);
  return TRUE;
}

/**
 * md_card_desk_demo_insert_blank:
 *
 * Worker thread. Puts a new blank demo card in the reader, to be issued to
 * @account_no (a first card, or a replacement).
 */
gboolean
md_card_desk_demo_insert_blank (MdCardDesk  *self,
                                const char  *account_no,
                                GError     **error)
{
  g_return_val_if_fail (MD_IS_CARD_DESK (self), FALSE);

  if (!require_demo (self, error) ||
      !md_sim_reader_insert_blank (self->demo, account_no, MD_SIM_CARD_CPU, error))
    return FALSE;
  emit_later (self, SIGNAL_CARD_INSERTED);
  return TRUE;
}

/**
 * md_card_desk_demo_insert_tool:
 *
 * Worker thread. Puts a new blank demo card in the reader for a
 * technician's card of @account_no; the customer's card is left alone.
 */
gboolean
md_card_desk_demo_insert_tool (MdCardDesk  *self,
                               const char  *account_no,
                               GError     **error)
{
  g_return_val_if_fail (MD_IS_CARD_DESK (self), FALSE);

  if (!require_demo (self, error) ||
      !md_sim_reader_insert_tool (self->demo, account_no, MD_SIM_CARD_CPU, error))
    return FALSE;
  emit_later (self, SIGNAL_CARD_INSERTED);
  return TRUE;
}

/**
 * md_card_desk_demo_remove:
 *
 * Worker thread. Takes the demo card out.
 */
void
md_card_desk_demo_remove (MdCardDesk *self)
{
  g_return_if_fail (MD_IS_CARD_DESK (self));

  if (self->demo == NULL || md_sim_reader_get_inserted (self->demo) == NULL)
    return;
  md_sim_reader_remove (self->demo);
  emit_later (self, SIGNAL_CARD_REMOVED);
}

/**
 * md_card_desk_demo_meter:
 *
 * Worker thread. The customer takes the card of @account_no home and puts
 * it in the meter: the meter loads what was bought and writes its state
 * back on the card.
 *
 * Returns: (transfer full): the meter's answer (result, load_count,
 *   remaining, cumulative), or %NULL with an error
 */
JsonNode *
md_card_desk_demo_meter (MdCardDesk  *self,
                         const char  *account_no,
                         GError     **error)
{
  JsonNode *result = NULL;
  gboolean was_in;

  g_return_val_if_fail (MD_IS_CARD_DESK (self), NULL);

  if (!require_demo (self, error))
    return NULL;
  was_in = g_strcmp0 (md_sim_reader_get_inserted (self->demo), account_no) == 0;
  if (!md_sim_reader_meter_reads (self->demo, account_no, NULL, &result, error))
    return NULL;
  if (was_in)
    emit_later (self, SIGNAL_CARD_REMOVED);
  return result;
}
