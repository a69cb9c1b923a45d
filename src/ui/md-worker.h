/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "md-auth.h"
#include "md-card-desk.h"
#include "md-store.h"
#include "md-vend.h"

G_BEGIN_DECLS

/*
 * The app's one database thread (STYLE.md "Threads and devices": one owner
 * thread per handle). Every service call runs there, in order; the result
 * comes back on the main context, so the window never waits on the disk,
 * the network or a lock.
 */

#define MD_TYPE_WORKER (md_worker_get_type ())
G_DECLARE_FINAL_TYPE (MdWorker, md_worker, MD, WORKER, GObject)

/**
 * MdWorkerFunc:
 * @store: the database, used only on the worker thread
 * @session: (nullable): the operator signed in, or %NULL
 *
 * Runs on the worker thread. Return a pointer (or %NULL) for the callback
 * to take with md_worker_run_finish(); set @error to fail.
 */
typedef gpointer (*MdWorkerFunc) (MdStore       *store,
                                  MdSession     *session,
                                  gpointer       data,
                                  GCancellable  *cancellable,
                                  GError       **error);

MdWorker   *md_worker_new          (MdStore              *store);
MdStore    *md_worker_get_store    (MdWorker             *self);
MdSession  *md_worker_get_session  (MdWorker             *self);
void        md_worker_set_session  (MdWorker             *self,
                                    MdSession            *session);
void        md_worker_set_medium_lookup (MdWorker         *self,
                                         MdMediumLookup    lookup,
                                         gpointer          data,
                                         GDestroyNotify    data_free);
void        md_worker_set_card_desk (MdWorker            *self,
                                    MdCardDesk          *desk);
MdCardDesk *md_worker_get_card_desk (MdWorker            *self);
MdMedium   *md_worker_lookup_medium (MdWorker            *self,
                                    const char          *kind);
void        md_worker_run          (MdWorker             *self,
                                    MdWorkerFunc          func,
                                    gpointer              data,
                                    GDestroyNotify        data_free,
                                    GDestroyNotify        result_free,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
gpointer    md_worker_run_finish   (MdWorker             *self,
                                    GAsyncResult         *result,
                                    GError              **error);
gpointer    md_worker_run_sync     (MdWorker             *self,
                                    MdWorkerFunc          func,
                                    gpointer              data,
                                    GError              **error);

G_END_DECLS
