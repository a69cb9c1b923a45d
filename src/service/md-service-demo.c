/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "md-service-private.h"
#include "md-sim-bus.h"
#include "md-store.h"

/*
 * `meterdesk --demo`: the demo site's buses are Modbus TCP gateways on this
 * computer (md-demo.c), served by the bus simulator in this process — one
 * gateway per bus, each installed meter at its unit id, meters of the
 * simulator's own documented model (docs/meters.md). The gateways listen
 * on ports the system picks; the bus rows of the (fresh, copied) demo
 * database are pointed at them before the services start.
 */

#define DEMO_SEED       20260101
#define DEMO_CREDIT     20000          /* ¥200.00 in every meter */
#define DEMO_PRICE      6850           /* ¥0.6850 per kWh */
#define DEMO_LOAD_W     400
#define DEMO_TICK_MS    1000
#define DEMO_TICK_S     10             /* ten seconds of use every second */

struct _MdServiceDemo
{
  MdSimBus *sim;
};

typedef struct
{
  char   *bus;
  char   *address;
  guint   unit;
  gboolean water;
} DemoMeter;

static void
demo_meter_free (gpointer data)
{
  DemoMeter *m = data;

  g_free (m->bus);
  g_free (m->address);
  g_free (m);
}

static gboolean
point_txn (MdStore  *store,
           gpointer  user_data,
           GError  **error)
{
  GHashTable *ports = user_data;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, ports);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autoptr(MdStmt) stmt = md_store_prepare (store,
                                                 "UPDATE bus SET host = '127.0.0.1', "
                                                 "port = CAST($2 AS BIGINT) WHERE name = $1",
                                                 error);

      if (stmt == NULL)
        return FALSE;
      md_stmt_bind_text (stmt, 1, key);
      md_stmt_bind_int64 (stmt, 2, GPOINTER_TO_UINT (value));
      if (!md_stmt_exec (stmt, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * md_service_demo_start:
 * @db_path: the demo database (a fresh copy: its bus rows are rewritten)
 *
 * Starts simulated gateways for every TCP bus of the demo database, with
 * every installed meter on it, and points the buses at them. Call it
 * before md_service_host_start(); stop it after md_service_host_stop().
 *
 * Returns: (transfer full): the running simulation, or %NULL with @error
 */
MdServiceDemo *
md_service_demo_start (const char  *db_path,
                       GError     **error)
{
  g_autoptr(MdStore) store = NULL;
  g_autoptr(MdStmt) stmt = NULL;
  g_autoptr(GPtrArray) meters = g_ptr_array_new_with_free_func (demo_meter_free);
  g_autoptr(GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) ports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(MdSimBus) sim = NULL;
  GError *local_error = NULL;
  MdServiceDemo *demo;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (db_path != NULL, NULL);

  if (!(store = md_store_open (db_path, MD_STORE_OPEN_NONE, error)) ||
      !(stmt = md_store_prepare (store,
                                 "SELECT b.name, m.address, m.unit_id, m.utility FROM meter m "
                                 "JOIN bus b ON b.id = m.bus_id WHERE b.kind = 'tcp' "
                                 "AND b.protocol = 'modbus' AND m.state = 'installed' "
                                 "AND m.unit_id IS NOT NULL ORDER BY b.name, m.unit_id", error)))
    return NULL;
  while (md_stmt_step (stmt, &local_error))
    {
      DemoMeter *m = g_new0 (DemoMeter, 1);

      m->bus = g_strdup (md_stmt_get_text (stmt, 0));
      m->address = g_strdup (md_stmt_get_text (stmt, 1));
      m->unit = (guint) md_stmt_get_int64 (stmt, 2);
      m->water = g_strcmp0 (md_stmt_get_text (stmt, 3), "water") == 0;
      g_ptr_array_add (meters, m);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (meters->len == 0)
    {
      g_set_error_literal (error, MD_SERVICE_ERROR, MD_SERVICE_ERROR_INVALID,
                           _("The demo database has no meters behind a Modbus TCP gateway"));
      return NULL;
    }

  sim = md_sim_bus_new (MD_SIM_PROTOCOL_MODBUS, DEMO_SEED);
  md_sim_bus_set_initial (sim, DEMO_CREDIT, DEMO_PRICE);
  md_sim_bus_set_load (sim, DEMO_LOAD_W);
  md_sim_bus_set_tick (sim, DEMO_TICK_MS, DEMO_TICK_S);
  for (guint i = 0; i < meters->len; i++)
    {
      DemoMeter *m = meters->pdata[i];
      gpointer port;

      if (!g_hash_table_lookup_extended (index, m->bus, NULL, &port))
        {
          port = GUINT_TO_POINTER (md_sim_bus_add_gateway (sim, "127.0.0.1", 0));
          g_hash_table_insert (index, g_strdup (m->bus), port);
        }
      if (!md_sim_bus_add_meter (sim, GPOINTER_TO_UINT (port), m->address, m->unit, m->water,
                                 error))
        return NULL;
    }
  if (!md_sim_bus_start (sim, error))
    return NULL;

  /* A few shops run low, so the board and the alarms have something to
   * show from the first minute. */
  for (guint i = 0; i < meters->len; i++)
    {
      DemoMeter *m = meters->pdata[i];

      if (i % 17 == 5)
        md_sim_bus_set_meter_credit (sim, m->address, 3500, 0);
      else if (i % 29 == 11)
        md_sim_bus_set_meter_credit (sim, m->address, 800, 0);
    }

  g_hash_table_iter_init (&iter, index);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (ports, g_strdup (key),
                         GUINT_TO_POINTER (md_sim_bus_get_port_number (sim,
                                                                       GPOINTER_TO_UINT (value))));
  if (!md_store_write (store, point_txn, ports, error))
    {
      md_sim_bus_stop (sim);
      return NULL;
    }
  g_message ("demo: %u simulated meters behind %u gateways", meters->len,
             g_hash_table_size (index));

  demo = g_new0 (MdServiceDemo, 1);
  demo->sim = g_steal_pointer (&sim);
  return demo;
}

/**
 * md_service_demo_stop:
 *
 * Stops the simulated gateways and frees @demo.
 */
void
md_service_demo_stop (MdServiceDemo *demo)
{
  if (demo == NULL)
    return;
  md_sim_bus_stop (demo->sim);
  md_sim_bus_free (demo->sim);
  g_free (demo);
}
