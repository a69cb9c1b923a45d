/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "md-auth.h"
#include "md-money.h"

G_BEGIN_DECLS

#define MD_REGISTER_ERROR (md_register_error_quark ())

typedef enum
{
  MD_REGISTER_ERROR_NOT_FOUND,
  MD_REGISTER_ERROR_EXISTS,
  MD_REGISTER_ERROR_STATE,
  MD_REGISTER_ERROR_IN_USE,
  MD_REGISTER_ERROR_IMPORT,
} MdRegisterError;

typedef enum
{
  MD_UTILITY_ELECTRICITY,
  MD_UTILITY_WATER,
} MdUtility;

/* Address lengths: DL/T 645 electricity meters, M-Bus (EN 13757) water meters. */
#define MD_ELECTRICITY_ADDRESS_DIGITS 12
#define MD_WATER_ADDRESS_DIGITS       14

GQuark       md_register_error_quark   (void);

const char  *md_utility_to_string      (MdUtility    utility);
gboolean     md_utility_parse          (const char  *text,
                                        MdUtility   *out_utility,
                                        GError     **error);

/* Sites → buildings → floors → rooms; feeder lines and transformer areas. */
gboolean     md_site_add               (MdSession   *session,
                                        const char  *code,
                                        const char  *name,
                                        const char  *address,
                                        GError     **error);
gboolean     md_building_add           (MdSession   *session,
                                        const char  *site,
                                        const char  *code,
                                        const char  *name,
                                        GError     **error);
gboolean     md_floor_add              (MdSession   *session,
                                        const char  *site,
                                        const char  *building,
                                        const char  *code,
                                        const char  *name,
                                        GError     **error);
gboolean     md_room_add               (MdSession   *session,
                                        const char  *site,
                                        const char  *building,
                                        const char  *floor,
                                        const char  *code,
                                        const char  *name,
                                        gint64       area,
                                        GError     **error);
gboolean     md_line_add               (MdSession   *session,
                                        const char  *code,
                                        const char  *name,
                                        GError     **error);
gboolean     md_transformer_area_add   (MdSession   *session,
                                        const char  *code,
                                        const char  *name,
                                        const char  *line,
                                        GError     **error);
JsonNode    *md_site_list              (MdSession   *session,
                                        GError     **error);
gboolean     md_room_resolve           (MdStore     *store,
                                        const char  *path,
                                        gint64      *out_id,
                                        GError     **error);

/**
 * MdBusSpec:
 * @device: serial device for a serial bus, else %NULL
 * @host: gateway host for a Modbus TCP bus, else %NULL
 * @baud: 0 for the default (9600 Modbus, 2400 DL/T 645)
 * @parity: 'N', 'E', 'O', or 0 for the protocol's default
 */
typedef struct
{
  const char *name;
  const char *protocol;
  const char *device;
  gint64      baud;
  char        parity;
  const char *host;
  gint64      port;
} MdBusSpec;

gboolean     md_bus_add                (MdSession        *session,
                                        const MdBusSpec  *spec,
                                        GError          **error);
JsonNode    *md_bus_list               (MdSession        *session,
                                        GError          **error);

gboolean     md_terminal_add           (MdSession   *session,
                                        const char  *id,
                                        const char  *name,
                                        GError     **error);
JsonNode    *md_terminal_list          (MdSession   *session,
                                        GError     **error);

/* Usage categories (用电性质). */
gboolean     md_category_add           (MdSession   *session,
                                        const char  *code,
                                        const char  *name,
                                        MdUtility    utility,
                                        const char  *tariff,
                                        GError     **error);
JsonNode    *md_category_list          (MdSession   *session,
                                        GError     **error);

/**
 * MdMeterSpec:
 * @address: 12 digits (electricity) or 14 digits (water)
 * @model: the model profile id
 * @bus: (nullable): the bus name
 * @unit_id: Modbus unit 1–247, 0 for none
 * @room: (nullable): SITE/BUILDING/FLOOR/ROOM; given, the meter is installed
 * @asset_no: (nullable): the owner's asset number
 * @transformer_area: (nullable): the transformer area code
 */
typedef struct
{
  const char *address;
  const char *model;
  MdUtility   utility;
  const char *bus;
  gint64      unit_id;
  const char *room;
  const char *asset_no;
  const char *transformer_area;
} MdMeterSpec;

gboolean     md_meter_add              (MdSession          *session,
                                        const MdMeterSpec  *spec,
                                        GError            **error);
gboolean     md_meter_install          (MdSession          *session,
                                        const char         *address,
                                        const char         *room,
                                        GError            **error);
gboolean     md_meter_remove           (MdSession          *session,
                                        const char         *address,
                                        const char         *reason,
                                        GError            **error);
gboolean     md_meter_retire           (MdSession          *session,
                                        const char         *address,
                                        const char         *reason,
                                        GError            **error);
JsonNode    *md_meter_list             (MdSession          *session,
                                        const char         *state,
                                        GError            **error);
JsonNode    *md_meter_show             (MdSession          *session,
                                        const char         *address,
                                        GError            **error);

/**
 * MdAccountSpec:
 * @no: the account number
 * @name: the customer's name
 * @meters: (nullable) (array zero-terminated=1): meter addresses
 * @capacity_va: contracted capacity in VA, 0 when not given
 * @system_billing: credit held in the account (后台计费) rather than in the
 *   meter or card (表内计费)
 * @preregister: create the account pre-registered, to open later in one step
 * @money_vend: sales deliver money (a money-type meter) rather than energy;
 *   always so under system billing
 */
typedef struct
{
  const char         *no;
  const char         *name;
  const char         *category;
  const char         *phone;
  const char         *id_number;
  const char         *address;
  const char         *room;
  const char * const *meters;
  gint64              capacity_va;
  const char         *voltage_level;
  gboolean            system_billing;
  gboolean            preregister;
  gboolean            money_vend;
} MdAccountSpec;

gboolean     md_account_open           (MdSession            *session,
                                        const MdAccountSpec  *spec,
                                        GError              **error);
gboolean     md_account_activate       (MdSession            *session,
                                        const char           *no,
                                        GError              **error);
JsonNode    *md_account_show           (MdSession            *session,
                                        const char           *no,
                                        GError              **error);
JsonNode    *md_account_search         (MdSession            *session,
                                        const char           *search,
                                        guint                 limit,
                                        GError              **error);
JsonNode    *md_account_list           (MdSession            *session,
                                        const char           *search,
                                        GError              **error);
gboolean     md_account_transfer       (MdSession            *session,
                                        const char           *no,
                                        const char           *name,
                                        const char           *phone,
                                        const char           *id_number,
                                        GError              **error);
gboolean     md_account_change         (MdSession            *session,
                                        const char           *no,
                                        const char           *category,
                                        gint64                capacity_va,
                                        GError              **error);
gboolean     md_account_get_state      (MdStore              *store,
                                        const char           *no,
                                        gint64               *out_id,
                                        char                **out_state,
                                        GError              **error);

gboolean     md_capacity_parse         (const char           *text,
                                        gint64               *out_va,
                                        GError              **error);

/* Spreadsheet import of a site (docs/cli.md "site import"). */
gboolean     md_site_import_csv        (MdSession            *session,
                                        const char * const   *paths,
                                        JsonNode            **out_summary,
                                        GError              **error);

G_END_DECLS
