/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "md-auth.h"
#include "md-card-service.h"
#include "md-medium.h"
#include "md-store.h"

G_BEGIN_DECLS

#define MD_CLI_ERROR (md_cli_error_quark ())

typedef enum
{
  MD_CLI_ERROR_USAGE,   /* exit status 2 */
  MD_CLI_ERROR_FAILED,  /* exit status 1 */
} MdCliError;

typedef enum
{
  MD_CLI_NEEDS_OPERATOR = 1 << 0,
  MD_CLI_NEEDS_DATABASE = 1 << 1,
  MD_CLI_CREATES_DATABASE = 1 << 2,
} MdCliFlags;

typedef enum
{
  MD_CLI_FLAG,    /* gboolean */
  MD_CLI_VALUE,   /* const char *, the last one given wins */
  MD_CLI_LIST,    /* GPtrArray of const char *, repeatable */
} MdCliOptionKind;

typedef struct
{
  const char      *name;     /* without the leading "--" */
  MdCliOptionKind  kind;
  gpointer         storage;
} MdCliOption;

typedef struct _MdCli MdCli;

struct _MdCli
{
  char       *db_uri;
  char       *terminal;
  char       *operator_name;
  char       *card_key;
  gboolean    password_stdin;
  gboolean    json;
  MdStore    *store;
  MdSession  *session;
  gboolean    stdin_used;
};

typedef JsonNode *(*MdCliRun) (MdCli    *cli,
                               char    **args,
                               GError  **error);

typedef struct
{
  const char  *name;      /* "operator add" */
  const char  *usage;     /* "NAME --role ROLE" */
  const char  *summary;   /* N_() */
  MdCliFlags   flags;
  MdCliRun     run;
} MdCliCommand;

GQuark     md_cli_error_quark     (void);
int        md_cli_main            (int                  argc,
                                   char               **argv);

gboolean   md_cli_parse           (char               **args,
                                   const MdCliOption   *options,
                                   guint                n_options,
                                   guint                min_positional,
                                   guint                max_positional,
                                   GPtrArray          **out_positional,
                                   GError             **error);
char      *md_cli_read_secret     (MdCli               *cli,
                                   const char          *env,
                                   GError             **error);
JsonNode  *md_cli_result          (const char          *first_key,
                                   ...) G_GNUC_NULL_TERMINATED;
void       md_cli_print           (MdCli               *cli,
                                   JsonNode            *node);
MdCardService *md_cli_card_service (MdCli              *cli,
                                   const char          *reader,
                                   GError             **error);

extern const MdCliCommand md_cli_sale_commands[];
extern const guint md_cli_n_sale_commands;
extern const MdCliCommand md_cli_pricing_commands[];
extern const guint md_cli_n_pricing_commands;
extern const MdCliCommand md_cli_admin_commands[];
extern const guint md_cli_n_admin_commands;
extern const MdCliCommand md_cli_register_commands[];
extern const guint md_cli_n_register_commands;
extern const MdCliCommand md_cli_card_commands[];
extern const guint md_cli_n_card_commands;
extern const MdCliCommand md_cli_report_commands[];
extern const guint md_cli_n_report_commands;
extern const MdCliCommand md_cli_meter_commands[];
extern const guint md_cli_n_meter_commands;

/* md-cli-meter.c: the remote medium and the bus part of `doctor`. */
MdMedium  *md_cli_remote_medium   (MdCli               *cli);
JsonNode  *md_cli_doctor_buses    (MdCli               *cli,
                                   gboolean             probe,
                                   GError             **error);

G_END_DECLS
