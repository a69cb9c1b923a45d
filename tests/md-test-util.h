/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "md-auth.h"
#include "md-store.h"

G_BEGIN_DECLS

typedef struct
{
  char      *dir;
  char      *uri;
  MdStore   *store;
  MdSession *admin;
} MdTestDb;

void        md_test_db_setup           (MdTestDb    *db);
void        md_test_db_teardown        (MdTestDb    *db);
MdSession  *md_test_add_operator       (MdTestDb    *db,
                                        const char  *name,
                                        MdRole       roles,
                                        const char  *password);
gint64      md_test_query_int          (MdStore     *store,
                                        const char  *sql);
void        md_test_clock_install      (gint64       wall_usec);
void        md_test_clock_advance      (gint64       usec);
void        md_test_clock_uninstall    (void);

G_END_DECLS
