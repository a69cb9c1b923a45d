/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "md-auth.h"
#include "md-money.h"

G_BEGIN_DECLS

/*
 * Cash control at a sales window (POS habits): a shift opens with a float,
 * takes cash in and out with a reason, closes with a blind count; over or
 * short beyond a limit needs a supervisor. The X report shows the open
 * shift at any time; the Z report closes the day of a terminal with its Z
 * number, the never-reset grand total and the audit chain's head.
 */

#define MD_SHIFT_OVER_SHORT_LIMIT 1000  /* fen, unless the setting says otherwise */

/**
 * MdShiftInfo:
 * @shift_id: the open shift of the session's terminal, 0 when none
 * @operator_name: (nullable): whose drawer it is
 * @opened_at: when it opened, µs since the epoch
 */
typedef struct
{
  gint64   shift_id;
  char    *operator_name;
  gint64   opened_at;
} MdShiftInfo;

gboolean   md_shift_current     (MdSession    *session,
                                 MdShiftInfo  *out_info,
                                 GError      **error);
void       md_shift_info_clear  (MdShiftInfo  *info);
gboolean   md_shift_open        (MdSession    *session,
                                 MdMoney       float_amount,
                                 JsonNode    **out_result,
                                 GError      **error);
gboolean   md_shift_cash        (MdSession    *session,
                                 gboolean      cash_in,
                                 MdMoney       amount,
                                 const char   *reason,
                                 GError      **error);
gboolean   md_shift_close       (MdSession    *session,
                                 MdMoney       counted,
                                 MdApproval   *approval,
                                 JsonNode    **out_result,
                                 GError      **error);
JsonNode  *md_shift_x_report    (MdSession    *session,
                                 GError      **error);
JsonNode  *md_shift_z_report    (MdSession    *session,
                                 GError      **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MdShiftInfo, md_shift_info_clear)

G_END_DECLS
