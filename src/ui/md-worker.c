/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-worker.h"
#include "md-card-desk.h"
#include "md-medium.h"

struct _MdWorker
{
  GObject      parent_instance;

  MdStore     *store;     /* touched only by the worker thread */
  MdSession   *session;
  GThreadPool *pool;      /* exactly one thread */
  GMutex       lock;      /* guards session */

  MdMediumLookup lookup;  /* set before the first job */
  gpointer       lookup_data;
  GDestroyNotify lookup_free;

  MdCardDesk    *card_desk; /* set before the first job */
};

G_DEFINE_FINAL_TYPE (MdWorker, md_worker, G_TYPE_OBJECT)

typedef struct
{
  MdWorkerFunc    func;
  gpointer        data;
  GDestroyNotify  data_free;
  GDestroyNotify  result_free;
} Job;

static void
job_free (gpointer pointer)
{
  Job *job = pointer;

  if (job->data_free != NULL && job->data != NULL)
    job->data_free (job->data);
  g_free (job);
}

static void
run_job (gpointer item,
         gpointer user_data)
{
  GTask *task = item;
  MdWorker *self = user_data;
  Job *job = g_task_get_task_data (task);
  g_autoptr(MdSession) session = NULL;
  GError *error = NULL;
  gpointer result;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  g_mutex_lock (&self->lock);
  session = self->session != NULL ? g_object_ref (self->session) : NULL;
  g_mutex_unlock (&self->lock);

  result = job->func (self->store, session, job->data, g_task_get_cancellable (task), &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, job->result_free);
  g_object_unref (task);
}

static void
md_worker_dispose (GObject *object)
{
  MdWorker *self = MD_WORKER (object);

  /* Waits for the queued jobs: none is dropped half-done. */
  if (self->pool != NULL)
    {
      g_thread_pool_free (self->pool, FALSE, TRUE);
      self->pool = NULL;
    }
  g_clear_object (&self->session);
  g_clear_object (&self->store);
  if (self->lookup_free != NULL)
    g_clear_pointer (&self->lookup_data, self->lookup_free);
  self->lookup = NULL;
  g_clear_object (&self->card_desk);

  G_OBJECT_CLASS (md_worker_parent_class)->dispose (object);
}

static void
md_worker_finalize (GObject *object)
{
  MdWorker *self = MD_WORKER (object);

  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (md_worker_parent_class)->finalize (object);
}

static void
md_worker_class_init (MdWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = md_worker_dispose;
  object_class->finalize = md_worker_finalize;
}

static void
md_worker_init (MdWorker *self)
{
  g_mutex_init (&self->lock);
}

/**
 * md_worker_new:
 * @store: (transfer none): from now on used only through the worker
 */
MdWorker *
md_worker_new (MdStore *store)
{
  MdWorker *self;

  g_return_val_if_fail (MD_IS_STORE (store), NULL);

  self = g_object_new (MD_TYPE_WORKER, NULL);
  self->store = g_object_ref (store);
  self->pool = g_thread_pool_new (run_job, self, 1, TRUE, NULL);
  return self;
}

/**
 * md_worker_get_store:
 *
 * Returns: (transfer none): the store — only for identity and properties
 *   read at start-up; queries go through md_worker_run()
 */
MdStore *
md_worker_get_store (MdWorker *self)
{
  g_return_val_if_fail (MD_IS_WORKER (self), NULL);

  return self->store;
}

/**
 * md_worker_get_session:
 *
 * Returns: (transfer full) (nullable): the operator signed in
 */
MdSession *
md_worker_get_session (MdWorker *self)
{
  MdSession *session;

  g_return_val_if_fail (MD_IS_WORKER (self), NULL);

  g_mutex_lock (&self->lock);
  session = self->session != NULL ? g_object_ref (self->session) : NULL;
  g_mutex_unlock (&self->lock);
  return session;
}

void
md_worker_set_session (MdWorker  *self,
                       MdSession *session)
{
  g_return_if_fail (MD_IS_WORKER (self));

  g_mutex_lock (&self->lock);
  g_set_object (&self->session, session);
  g_mutex_unlock (&self->lock);
}

/**
 * md_worker_set_medium_lookup:
 * @lookup: (nullable): makes a medium of a kind, on the worker thread
 *
 * How this window reaches cards and meters; set once, before any job. With
 * none, only credit kept on the account itself can be delivered.
 */
void
md_worker_set_medium_lookup (MdWorker       *self,
                             MdMediumLookup  lookup,
                             gpointer        data,
                             GDestroyNotify  data_free)
{
  g_return_if_fail (MD_IS_WORKER (self));

  if (self->lookup_free != NULL)
    g_clear_pointer (&self->lookup_data, self->lookup_free);
  self->lookup = lookup;
  self->lookup_data = data;
  self->lookup_free = data_free;
}

/**
 * md_worker_lookup_medium:
 * @kind: "account", "card", "remote"…
 *
 * Only on the worker thread, inside a job.
 *
 * Returns: (transfer full) (nullable): the medium, or %NULL when this
 *   window cannot reach one of that kind now
 */
MdMedium *
md_worker_lookup_medium (MdWorker   *self,
                         const char *kind)
{
  g_return_val_if_fail (MD_IS_WORKER (self), NULL);

  if (g_strcmp0 (kind, "card") == 0 && self->card_desk != NULL)
    {
      g_autoptr(MdSession) session = md_worker_get_session (self);
      MdCardService *service = md_card_desk_get_service (self->card_desk, session, NULL);

      return service != NULL ? md_card_service_lookup_medium (kind, service) : NULL;
    }
  if (self->lookup != NULL)
    return self->lookup (kind, self->lookup_data);
  if (kind == NULL || g_str_equal (kind, "account"))
    return md_account_medium_new ();
  return NULL;
}

/**
 * md_worker_run:
 * @data_free: (nullable): frees @data after the job
 * @result_free: (nullable): frees the result when nobody takes it
 *
 * Queues @func on the database thread; @callback runs on the calling
 * thread's main context.
 */
void
md_worker_run (MdWorker             *self,
               MdWorkerFunc          func,
               gpointer              data,
               GDestroyNotify        data_free,
               GDestroyNotify        result_free,
               GCancellable         *cancellable,
               GAsyncReadyCallback   callback,
               gpointer              user_data)
{
  GTask *task;
  Job *job;

  g_return_if_fail (MD_IS_WORKER (self));
  g_return_if_fail (func != NULL);

  job = g_new0 (Job, 1);
  job->func = func;
  job->data = data;
  job->data_free = data_free;
  job->result_free = result_free;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, md_worker_run);
  g_task_set_task_data (task, job, job_free);
  g_thread_pool_push (self->pool, task, NULL);
}

gpointer
md_worker_run_finish (MdWorker      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  gboolean done;
  gpointer result;
  GError  *error;
} SyncData;

static void
sync_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SyncData *sync = user_data;

  sync->result = md_worker_run_finish (MD_WORKER (source), result, &sync->error);
  sync->done = TRUE;
}

/**
 * md_worker_run_sync:
 *
 * Runs @func on the worker and waits, iterating a private main context:
 * for start-up and tests, never for the window's handlers.
 */
gpointer
md_worker_run_sync (MdWorker     *self,
                    MdWorkerFunc  func,
                    gpointer      data,
                    GError      **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  SyncData sync = { 0 };

  g_main_context_push_thread_default (context);
  md_worker_run (self, func, data, NULL, NULL, NULL, sync_done_cb, &sync);
  while (!sync.done)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  if (sync.error != NULL)
    {
      g_propagate_error (error, sync.error);
      return NULL;
    }
  return sync.result;
}

/**
 * md_worker_set_card_desk:
 * @desk: (nullable): the window's card reader
 *
 * Set once, before any job: the "card" medium is then the card in @desk's
 * reader; jobs reach the reader with md_worker_get_card_desk().
 */
void
md_worker_set_card_desk (MdWorker   *self,
                         MdCardDesk *desk)
{
  g_return_if_fail (MD_IS_WORKER (self));

  g_set_object (&self->card_desk, desk);
}

/**
 * md_worker_get_card_desk:
 *
 * Returns: (transfer none) (nullable): the card reader
 */
MdCardDesk *
md_worker_get_card_desk (MdWorker *self)
{
  g_return_val_if_fail (MD_IS_WORKER (self), NULL);

  return self->card_desk;
}
