/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-powercut-vfs.h"

#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

/*
 * RELIABILITY.md T02: a VFS shim that models a power cut as "everything not
 * yet fsync'd is lost".
 *
 * The main database, its write-ahead log and any rollback journal are kept
 * as an image in this process's memory. Reads see the image (what the OS
 * page cache would show); writes and truncations change only the image and
 * mark it dirty. xSync() of a file copies its dirty blocks, and its size, to
 * the real file: only then does the data exist outside this process. When
 * the process dies (kill -9 from the harness, or _exit() from xWrite at a
 * chosen write count) the images die with it, and the real files hold
 * exactly what had been synced, file by file. A kill that lands while
 * xSync() is copying leaves a prefix of that sync's blocks: a torn sync,
 * which a real power cut can also produce.
 *
 * What is not buffered, on purpose:
 * - the -shm wal-index: in SQLite's design it is shared memory, rebuilt
 *   from the WAL by the first connection that opens the database after all
 *   others closed (the unix VFS truncates it when it takes the DMS lock).
 *   The harness also deletes it after a cut.
 * - temporary files, which hold nothing durable;
 * - locks: they are the real file's, so the model stays honest about
 *   concurrency (T02 runs one writing process at a time, as in A10).
 *
 * The shim can start disarmed, passing everything through, and be armed
 * later (md_powercut_vfs_arm()): a seller started ahead logs in while the
 * harness's checker still reads, and maybe checkpoints, the same files.
 *
 * Images live until the process ends or the file is deleted, also after the
 * last handle closes: data written and not synced must stay readable within
 * the process, as the page cache keeps it, and is lost only at the cut.
 *
 * iVersion 2 of the I/O methods (no xFetch): SQLite then never maps the
 * real file and reads every page through xRead.
 */

#define BLOCK_SIZE 4096

typedef struct
{
  char          *path;
  gint           refs;
  guint8        *data;
  gsize          size;
  gsize          alloc;
  gsize          real_size;   /* the real file's size as last synced */
  gsize          low;         /* the smallest size since the last sync */
  GArray        *dirty;       /* guint64 block numbers, unsorted */
  GHashTable    *dirty_set;   /* block number → itself, for de-duplication */
} Image;

typedef struct
{
  sqlite3_file   base;
  Image         *image;       /* NULL: passed through */
  char          *durable;     /* the path of a durable file, else NULL */
  sqlite3_file  *real;        /* the real VFS's file, right after this struct */
} PcFile;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs powercut_vfs;
static GHashTable *images;    /* path → Image, one reference */
static GPtrArray *durable_files; /* open PcFile of durable files */
static gboolean armed;
static guint64 n_writes;
static guint64 n_syncs;
static guint64 cut_after;

static Image *
image_ref (Image *image)
{
  image->refs++;
  return image;
}

static void
image_unref (Image *image)
{
  if (--image->refs > 0)
    return;
  g_free (image->path);
  g_free (image->data);
  g_array_unref (image->dirty);
  g_hash_table_unref (image->dirty_set);
  g_free (image);
}

static void
image_reserve (Image *image,
               gsize  size)
{
  if (size <= image->alloc)
    return;
  image->alloc = MAX (size, image->alloc * 2);
  image->data = g_realloc (image->data, image->alloc);
}

static void
image_resize (Image *image,
              gsize  size)
{
  image_reserve (image, size);
  if (size > image->size)
    memset (image->data + image->size, 0, size - image->size);
  image->size = size;
}

static void
image_mark (Image   *image,
            guint64  first,
            guint64  last)
{
  for (guint64 block = first; block <= last; block++)
    {
      guint64 *key;

      if (g_hash_table_contains (image->dirty_set, &block))
        continue;
      key = g_new (guint64, 1);
      *key = block;
      g_hash_table_add (image->dirty_set, key);
      g_array_append_val (image->dirty, block);
    }
}

static int
block_compare (gconstpointer a,
               gconstpointer b)
{
  guint64 x = *(const guint64 *) a;
  guint64 y = *(const guint64 *) b;

  return (x > y) - (x < y);
}

/* The synced state of @image reaches the real file: its size, then each
 * dirty block in file order. */
static int
image_flush (Image        *image,
             sqlite3_file *real)
{
  int rc;

  /* A truncation since the last sync, even one grown back since, cut off
   * what the real file holds beyond it. */
  if (image->low < image->real_size)
    {
      if ((rc = real->pMethods->xTruncate (real, image->low)) != SQLITE_OK)
        return rc;
      image->real_size = image->low;
    }
  image->low = G_MAXSIZE;

  g_array_sort (image->dirty, block_compare);
  for (guint i = 0; i < image->dirty->len; i++)
    {
      guint64 block = g_array_index (image->dirty, guint64, i);
      gsize offset = block * BLOCK_SIZE;
      gsize length;

      if (offset >= image->size)
        continue;
      length = MIN ((gsize) BLOCK_SIZE, image->size - offset);
      if ((rc = real->pMethods->xWrite (real, image->data + offset, length, offset)) != SQLITE_OK)
        return rc;
      image->real_size = MAX (image->real_size, offset + length);
    }
  g_array_set_size (image->dirty, 0);
  g_hash_table_remove_all (image->dirty_set);

  if (image->real_size != image->size)
    {
      if ((rc = real->pMethods->xTruncate (real, image->size)) != SQLITE_OK)
        return rc;
      image->real_size = image->size;
    }
  return SQLITE_OK;
}

static int
image_load (Image        *image,
            sqlite3_file *real)
{
  sqlite3_int64 size = 0;
  int rc;

  if ((rc = real->pMethods->xFileSize (real, &size)) != SQLITE_OK)
    return rc;
  image_resize (image, size);
  image->real_size = size;
  image->low = G_MAXSIZE;
  for (sqlite3_int64 offset = 0; offset < size; offset += 65536)
    {
      int length = (int) MIN ((sqlite3_int64) 65536, size - offset);

      rc = real->pMethods->xRead (real, image->data + offset, length, offset);
      if (rc != SQLITE_OK)
        return rc;
    }
  return SQLITE_OK;
}

/* From now on @pc's data lives in its image. */
static int
attach_image (PcFile *pc)
{
  Image *image = g_hash_table_lookup (images, pc->durable);
  int rc;

  if (image == NULL)
    {
      image = g_new0 (Image, 1);
      image->path = g_strdup (pc->durable);
      image->refs = 1;
      image->dirty = g_array_new (FALSE, FALSE, sizeof (guint64));
      image->dirty_set = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
      if ((rc = image_load (image, pc->real)) != SQLITE_OK)
        {
          image_unref (image);
          return rc;
        }
      g_hash_table_insert (images, image->path, image);
    }
  pc->image = image_ref (image);
  return SQLITE_OK;
}

static int
pc_close (sqlite3_file *file)
{
  PcFile *pc = (PcFile *) file;
  int rc = pc->real->pMethods != NULL ? pc->real->pMethods->xClose (pc->real) : SQLITE_OK;

  g_clear_pointer (&pc->image, image_unref);
  if (pc->durable != NULL)
    g_ptr_array_remove (durable_files, pc);
  g_clear_pointer (&pc->durable, g_free);
  return rc;
}

static int
pc_read (sqlite3_file *file,
         void         *buffer,
         int           amount,
         sqlite3_int64 offset)
{
  PcFile *pc = (PcFile *) file;
  Image *image = pc->image;
  gsize have;

  if (image == NULL)
    return pc->real->pMethods->xRead (pc->real, buffer, amount, offset);

  have = (gsize) offset < image->size ? MIN ((gsize) amount, image->size - offset) : 0;
  if (have > 0)
    memcpy (buffer, image->data + offset, have);
  if (have < (gsize) amount)
    {
      memset ((guint8 *) buffer + have, 0, amount - have);
      return SQLITE_IOERR_SHORT_READ;
    }
  return SQLITE_OK;
}

static int
pc_write (sqlite3_file *file,
          const void   *buffer,
          int           amount,
          sqlite3_int64 offset)
{
  PcFile *pc = (PcFile *) file;
  Image *image = pc->image;

  if (image == NULL)
    return pc->real->pMethods->xWrite (pc->real, buffer, amount, offset);

  /* The simulated cut: nothing unsynced survives, and nothing runs after. */
  if (++n_writes == cut_after)
    _exit (MD_POWERCUT_EXIT_STATUS);

  if ((gsize) offset + amount > image->size)
    image_resize (image, offset + amount);
  memcpy (image->data + offset, buffer, amount);
  if (amount > 0)
    image_mark (image, offset / BLOCK_SIZE, (offset + amount - 1) / BLOCK_SIZE);
  return SQLITE_OK;
}

static int
pc_truncate (sqlite3_file *file,
             sqlite3_int64 size)
{
  PcFile *pc = (PcFile *) file;

  if (pc->image == NULL)
    return pc->real->pMethods->xTruncate (pc->real, size);

  if ((gsize) size < pc->image->size)
    {
      pc->image->size = size;
      pc->image->low = MIN (pc->image->low, (gsize) size);
    }
  else if ((gsize) size > pc->image->size)
    {
      gsize old = pc->image->size;

      image_resize (pc->image, size);
      image_mark (pc->image, old / BLOCK_SIZE, (size - 1) / BLOCK_SIZE);
    }
  return SQLITE_OK;
}

static int
pc_sync (sqlite3_file *file,
         int           flags)
{
  PcFile *pc = (PcFile *) file;

  n_syncs++;
  if (pc->image == NULL)
    return pc->real->pMethods->xSync (pc->real, flags);

  /* The real file's own fsync adds nothing to the model (the page cache
   * survives the harness's kill) and only costs time. */
  return image_flush (pc->image, pc->real);
}

static int
pc_file_size (sqlite3_file  *file,
              sqlite3_int64 *size)
{
  PcFile *pc = (PcFile *) file;

  if (pc->image == NULL)
    return pc->real->pMethods->xFileSize (pc->real, size);
  *size = pc->image->size;
  return SQLITE_OK;
}

static int
pc_lock (sqlite3_file *file,
         int           level)
{
  PcFile *pc = (PcFile *) file;

  return pc->real->pMethods->xLock (pc->real, level);
}

static int
pc_unlock (sqlite3_file *file,
           int           level)
{
  PcFile *pc = (PcFile *) file;

  return pc->real->pMethods->xUnlock (pc->real, level);
}

static int
pc_check_reserved_lock (sqlite3_file *file,
                        int          *out)
{
  PcFile *pc = (PcFile *) file;

  return pc->real->pMethods->xCheckReservedLock (pc->real, out);
}

static int
pc_file_control (sqlite3_file *file,
                 int           op,
                 void         *arg)
{
  PcFile *pc = (PcFile *) file;

  if (pc->image != NULL)
    switch (op)
      {
      /* Preallocation would grow the real file behind the image's back. */
      case SQLITE_FCNTL_SIZE_HINT:
      case SQLITE_FCNTL_CHUNK_SIZE:
        return SQLITE_OK;
      /* Memory-mapped reads would bypass the image. */
      case SQLITE_FCNTL_MMAP_SIZE:
        return SQLITE_NOTFOUND;
      default:
        break;
      }
  return pc->real->pMethods->xFileControl (pc->real, op, arg);
}

static int
pc_sector_size (sqlite3_file *file)
{
  PcFile *pc = (PcFile *) file;

  return pc->real->pMethods->xSectorSize (pc->real);
}

static int
pc_device_characteristics (sqlite3_file *file)
{
  PcFile *pc = (PcFile *) file;

  return pc->real->pMethods->xDeviceCharacteristics (pc->real);
}

static int
pc_shm_map (sqlite3_file  *file,
            int            page,
            int            page_size,
            int            extend,
            void volatile **out)
{
  PcFile *pc = (PcFile *) file;

  return pc->real->pMethods->xShmMap (pc->real, page, page_size, extend, out);
}

static int
pc_shm_lock (sqlite3_file *file,
             int           offset,
             int           n,
             int           flags)
{
  PcFile *pc = (PcFile *) file;

  return pc->real->pMethods->xShmLock (pc->real, offset, n, flags);
}

static void
pc_shm_barrier (sqlite3_file *file)
{
  PcFile *pc = (PcFile *) file;

  pc->real->pMethods->xShmBarrier (pc->real);
}

static int
pc_shm_unmap (sqlite3_file *file,
              int           delete_flag)
{
  PcFile *pc = (PcFile *) file;

  return pc->real->pMethods->xShmUnmap (pc->real, delete_flag);
}

static const sqlite3_io_methods pc_methods = {
  2,
  pc_close,
  pc_read,
  pc_write,
  pc_truncate,
  pc_sync,
  pc_file_size,
  pc_lock,
  pc_unlock,
  pc_check_reserved_lock,
  pc_file_control,
  pc_sector_size,
  pc_device_characteristics,
  pc_shm_map,
  pc_shm_lock,
  pc_shm_barrier,
  pc_shm_unmap,
  NULL,
  NULL,
};

static int
pc_open (sqlite3_vfs  *vfs,
         const char   *name,
         sqlite3_file *file,
         int           flags,
         int          *out_flags)
{
  PcFile *pc = (PcFile *) file;
  int durable = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL |
                SQLITE_OPEN_SUPER_JOURNAL;
  int rc;

  memset (pc, 0, sizeof *pc);
  pc->real = (sqlite3_file *) &pc[1];
  rc = real_vfs->xOpen (real_vfs, name, pc->real, flags, out_flags);
  if (rc != SQLITE_OK)
    return rc;

  if (name != NULL && (flags & durable) != 0)
    {
      pc->durable = g_strdup (name);
      if (armed && (rc = attach_image (pc)) != SQLITE_OK)
        {
          pc->real->pMethods->xClose (pc->real);
          g_clear_pointer (&pc->durable, g_free);
          return rc;
        }
      g_ptr_array_add (durable_files, pc);
    }
  pc->base.pMethods = &pc_methods;
  return SQLITE_OK;
}

static int
pc_delete (sqlite3_vfs *vfs,
           const char  *name,
           int          sync_dir)
{
  g_hash_table_remove (images, name);
  return real_vfs->xDelete (real_vfs, name, sync_dir);
}

/* A log whose real file is still empty exists for this process when its
 * image holds data: the unix VFS answers "exists" only for a non-empty file. */
static int
pc_access (sqlite3_vfs *vfs,
           const char  *name,
           int          flags,
           int         *out)
{
  Image *image = g_hash_table_lookup (images, name);

  if (flags == SQLITE_ACCESS_EXISTS && image != NULL && image->size > 0)
    {
      *out = 1;
      return SQLITE_OK;
    }
  return real_vfs->xAccess (real_vfs, name, flags, out);
}

static int
pc_full_pathname (sqlite3_vfs *vfs,
                  const char  *name,
                  int          n,
                  char        *out)
{
  return real_vfs->xFullPathname (real_vfs, name, n, out);
}

static void *
pc_dl_open (sqlite3_vfs *vfs,
            const char  *name)
{
  return NULL;
}

static void
pc_dl_error (sqlite3_vfs *vfs,
             int          n,
             char        *out)
{
  g_strlcpy (out, "extensions are not loaded here", n);
}

static void (*pc_dl_sym (sqlite3_vfs *vfs,
                         void        *handle,
                         const char  *symbol)) (void)
{
  return NULL;
}

static void
pc_dl_close (sqlite3_vfs *vfs,
             void        *handle)
{
}

static int
pc_randomness (sqlite3_vfs *vfs,
               int          n,
               char        *out)
{
  return real_vfs->xRandomness (real_vfs, n, out);
}

static int
pc_sleep (sqlite3_vfs *vfs,
          int          usec)
{
  return real_vfs->xSleep (real_vfs, usec);
}

static int
pc_current_time (sqlite3_vfs *vfs,
                 double      *out)
{
  return real_vfs->xCurrentTime (real_vfs, out);
}

static int
pc_get_last_error (sqlite3_vfs *vfs,
                   int          n,
                   char        *out)
{
  return real_vfs->xGetLastError != NULL ? real_vfs->xGetLastError (real_vfs, n, out) : 0;
}

static int
pc_current_time_int64 (sqlite3_vfs   *vfs,
                       sqlite3_int64 *out)
{
  return real_vfs->xCurrentTimeInt64 (real_vfs, out);
}

/**
 * md_powercut_vfs_arm:
 *
 * From now on unsynced data is lost at a cut. Until then the shim passes
 * everything through, so another process may still change the files (the
 * harness's checker) while this one starts up; arm it when the process
 * holds no transaction open.
 */
gboolean
md_powercut_vfs_arm (GError **error)
{
  g_return_val_if_fail (real_vfs != NULL, FALSE);

  armed = TRUE;
  for (guint i = 0; i < durable_files->len; i++)
    {
      PcFile *pc = g_ptr_array_index (durable_files, i);
      int rc;

      if (pc->image == NULL && (rc = attach_image (pc)) != SQLITE_OK)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot read %s (%d)",
                       pc->durable, rc);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * md_powercut_vfs_install:
 * @cut_after_writes: 0, or die with MD_POWERCUT_EXIT_STATUS at that xWrite
 *   to a durable file (before it takes effect)
 * @arm: arm at once, else at md_powercut_vfs_arm()
 *
 * Registers the shim as the default VFS of this process, over the default
 * VFS it finds. Call before any database is opened.
 */
gboolean
md_powercut_vfs_install (guint64   cut_after_writes,
                         gboolean  arm,
                         GError  **error)
{
  int rc;

  g_return_val_if_fail (real_vfs == NULL, FALSE);

  if ((rc = sqlite3_initialize ()) != SQLITE_OK || (real_vfs = sqlite3_vfs_find (NULL)) == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "no default SQLite VFS (%d)", rc);
      return FALSE;
    }

  images = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) image_unref);
  durable_files = g_ptr_array_new ();
  cut_after = cut_after_writes;
  armed = arm;

  powercut_vfs.iVersion = 2;
  powercut_vfs.szOsFile = sizeof (PcFile) + real_vfs->szOsFile;
  powercut_vfs.mxPathname = real_vfs->mxPathname;
  powercut_vfs.zName = "md-powercut";
  powercut_vfs.xOpen = pc_open;
  powercut_vfs.xDelete = pc_delete;
  powercut_vfs.xAccess = pc_access;
  powercut_vfs.xFullPathname = pc_full_pathname;
  powercut_vfs.xDlOpen = pc_dl_open;
  powercut_vfs.xDlError = pc_dl_error;
  powercut_vfs.xDlSym = pc_dl_sym;
  powercut_vfs.xDlClose = pc_dl_close;
  powercut_vfs.xRandomness = pc_randomness;
  powercut_vfs.xSleep = pc_sleep;
  powercut_vfs.xCurrentTime = pc_current_time;
  powercut_vfs.xGetLastError = pc_get_last_error;
  powercut_vfs.xCurrentTimeInt64 = pc_current_time_int64;

  if ((rc = sqlite3_vfs_register (&powercut_vfs, 1)) != SQLITE_OK)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot register the VFS (%d)", rc);
      return FALSE;
    }
  return TRUE;
}

guint64
md_powercut_vfs_get_writes (void)
{
  return n_writes;
}

guint64
md_powercut_vfs_get_syncs (void)
{
  return n_syncs;
}
