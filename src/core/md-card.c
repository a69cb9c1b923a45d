/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-card.h"
#include "md-clock.h"
#include "md-core-private.h"
#include "md-register.h"
#include "md-validate.h"

G_DEFINE_QUARK (md-card-register-error-quark, md_card_register_error)

#define CARD_SELECT \
  "SELECT k.id, k.uid, a.no, k.kind, k.profile, k.status, k.purchase_count, k.generation, " \
  "k.lost_at FROM card k LEFT JOIN account a ON a.id = k.account_id "

void
md_card_record_clear (MdCardRecord *record)
{
  g_clear_pointer (&record->uid, g_free);
  g_clear_pointer (&record->account_no, g_free);
  g_clear_pointer (&record->kind, g_free);
  g_clear_pointer (&record->profile, g_free);
  g_clear_pointer (&record->status, g_free);
  memset (record, 0, sizeof *record);
}

static gboolean
load_record (MdStore       *store,
             const char    *where,
             const char    *value,
             MdCardRecord  *out,
             gboolean      *found,
             GError       **error)
{
  g_autofree char *sql = g_strconcat (CARD_SELECT, where, NULL);
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  *found = FALSE;
  md_card_record_clear (out);
  if (!(stmt = md_store_prepare (store, sql, error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, value);
  if (md_stmt_step (stmt, &local_error))
    {
      out->id = md_stmt_get_int64 (stmt, 0);
      out->uid = g_strdup (md_stmt_get_text (stmt, 1));
      out->account_no = g_strdup (md_stmt_get_text (stmt, 2));
      out->kind = g_strdup (md_stmt_get_text (stmt, 3));
      out->profile = g_strdup (md_stmt_get_text (stmt, 4));
      out->status = g_strdup (md_stmt_get_text (stmt, 5));
      out->purchase_count = md_stmt_get_int64 (stmt, 6);
      out->generation = md_stmt_get_int64 (stmt, 7);
      out->lost_at = md_stmt_get_int64 (stmt, 8);
      md_stmt_exec (stmt, NULL);
      *found = TRUE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_uid (const char  *uid,
              GError     **error)
{
  if (!md_validate_text (uid, _("card UID"), TRUE, 64, error))
    return FALSE;
  for (const char *p = uid; *p; p++)
    if (!g_ascii_isxdigit (*p))
      {
        g_autofree char *shown = md_input_quote (uid);

        g_set_error (error, MD_INPUT_ERROR, MD_INPUT_ERROR_FORMAT,
                     _("The card UID “%s” must be hexadecimal"), shown);
        return FALSE;
      }
  return TRUE;
}

/**
 * md_card_lookup:
 * @out_record: (out caller-allocates): clear with md_card_record_clear()
 *
 * Finds a card by its UID. An unknown card is an UNKNOWN_CARD error.
 */
gboolean
md_card_lookup (MdStore       *store,
                const char    *uid,
                MdCardRecord  *out_record,
                GError       **error)
{
  gboolean found = FALSE;

  if (!validate_uid (uid, error) ||
      !load_record (store, "WHERE k.uid = $1", uid, out_record, &found, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_UNKNOWN_CARD,
                   _("The card %s is not known here"), uid);
      return FALSE;
    }
  return TRUE;
}

/**
 * md_card_of_account:
 *
 * The account's active purchase (or replacement) card.
 */
gboolean
md_card_of_account (MdStore       *store,
                    const char    *account_no,
                    MdCardRecord  *out_record,
                    GError       **error)
{
  gboolean found = FALSE;

  if (!load_record (store,
                    "WHERE a.no = $1 AND k.status = 'active' "
                    "AND k.kind IN ('purchase', 'replacement')",
                    account_no, out_record, &found, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_UNKNOWN_CARD,
                   _("The account %s has no card in use"), account_no);
      return FALSE;
    }
  return TRUE;
}

/**
 * md_card_check:
 * @facts: what the card says
 * @out_record: (out caller-allocates): the card as the books know it
 * @out_problems: (out) (transfer full) (element-type utf8): one translated
 *   line per disagreement; empty when the card may be sold to
 *
 * The card query (卡查询): a lost, replaced or retired card, another
 * account, a purchase count or generation that differs from the books, or a
 * purchase not yet loaded by the meter is a problem. With problems the sale
 * must be refused and an alert is raised. @error is only for the database.
 */
gboolean
md_card_check (MdSession          *session,
               const MdCardFacts  *facts,
               MdCardRecord       *out_record,
               GPtrArray         **out_problems,
               GError            **error)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  MdStore *store;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (facts != NULL, FALSE);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return FALSE;
  store = md_session_get_store (session);
  if (!md_card_lookup (store, facts->uid, out_record, error))
    return FALSE;

  if (!g_str_equal (out_record->status, "active"))
    g_ptr_array_add (problems,
                     g_str_equal (out_record->status, "lost")
                       ? g_strdup_printf (_("The card %s was reported lost"), facts->uid)
                       : g_str_equal (out_record->status, "replaced")
                         ? g_strdup_printf (_("The card %s was replaced by a new card"), facts->uid)
                         : g_strdup_printf (_("The card %s is no longer in use"), facts->uid));
  if (facts->account_no != NULL && g_strcmp0 (facts->account_no, out_record->account_no) != 0)
    g_ptr_array_add (problems,
                     g_strdup_printf (_("The card says account %s, the books say %s"),
                                      facts->account_no,
                                      out_record->account_no ? out_record->account_no : "-"));
  if (facts->purchase_count >= 0 && facts->purchase_count != out_record->purchase_count)
    g_ptr_array_add (problems,
                     g_strdup_printf (_("The card shows %lld purchases, the books %lld"),
                                      (long long) facts->purchase_count,
                                      (long long) out_record->purchase_count));
  if (facts->generation >= 0 && facts->generation != out_record->generation)
    g_ptr_array_add (problems,
                     g_strdup_printf (_("The card is generation %lld, the books expect %lld"),
                                      (long long) facts->generation,
                                      (long long) out_record->generation));
  if (facts->load_count >= 0 && facts->load_count > out_record->purchase_count)
    g_ptr_array_add (problems,
                     g_strdup_printf (_("The meter loaded %lld purchases but only %lld were sold"),
                                      (long long) facts->load_count,
                                      (long long) out_record->purchase_count));

  if (problems->len > 0)
    {
      g_autofree char *object = g_strdup_printf ("card:%s", facts->uid);
      g_autoptr(GError) alert_error = NULL;

      if (!md_alert_raise (session, "card.mismatch", object, problems->pdata[0], &alert_error))
        g_warning ("could not raise an alert: %s", alert_error->message);
    }

  *out_problems = g_steal_pointer (&problems);
  return TRUE;
}

static gboolean
card_event (MdStore     *store,
            MdSession   *session,
            gint64       card_id,
            const char  *kind,
            const char  *detail,
            GError     **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  gint64 operator_id = md_session_get_operator_id (session);

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO card_event (card_id, at, operator_id, kind, detail) "
                                 "VALUES ($1, $2, $3, $4, $5)", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, card_id);
  md_stmt_bind_int64 (stmt, 2, md_clock_now ());
  md_stmt_bind_int64_or_null (stmt, 3, operator_id, operator_id == 0);
  md_stmt_bind_text (stmt, 4, kind);
  md_stmt_bind_text (stmt, 5, detail != NULL ? detail : "{}");
  return md_stmt_exec (stmt, error);
}

typedef struct
{
  MdSession  *session;
  const char *account_no;
  const char *uid;
  const char *profile;
  gint64      generation;
  gint64      purchase_count;
  const char *kind;
  gint64      replaces;
} IssueData;

static gboolean
issue_txn (MdStore  *store,
           gpointer  user_data,
           GError  **error)
{
  IssueData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *state = NULL;
  g_autofree char *object = g_strdup_printf ("card:%s", data->uid);
  g_autofree char *generation = g_strdup_printf ("%lld", (long long) data->generation);
  g_autofree char *detail = _md_detail ("account", data->account_no, "profile", data->profile,
                                        "generation", generation, NULL);
  GError *local_error = NULL;
  gint64 account_id;
  gint64 card_id;
  gint64 existing = 0;

  if (!md_account_get_state (store, data->account_no, &account_id, &state, error))
    return FALSE;
  if (g_str_equal (state, "closed"))
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                   _("The account %s is closed"), data->account_no);
      return FALSE;
    }
  if (!_md_lookup_id (store, &existing, error,
                      "SELECT k.id FROM card k JOIN account a ON a.id = k.account_id "
                      "WHERE a.no = $1 AND k.status = 'active' "
                      "AND k.kind IN ('purchase', 'replacement')", data->account_no, NULL))
    return FALSE;
  if (existing != 0 && data->replaces == 0)
    {
      g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE,
                   _("The account %s already has a card in use; report it lost to replace it"),
                   data->account_no);
      return FALSE;
    }

  if (data->replaces != 0)
    {
      g_autoptr(MdStmt) old = NULL;

      /* The old card goes out of use in the same transaction. */
      if (!(old = md_store_prepare (store,
                                    "UPDATE card SET status = 'replaced' WHERE id = $1", error)))
        return FALSE;
      md_stmt_bind_int64 (old, 1, data->replaces);
      if (!md_stmt_exec (old, error))
        return FALSE;
    }

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO card (uid, kind, profile, account_id, status, "
                                 "purchase_count, generation, issued_at, created_at) "
                                 "VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $7) "
                                 "ON CONFLICT DO NOTHING RETURNING id", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, data->uid);
  md_stmt_bind_text (stmt, 2, data->kind);
  md_stmt_bind_text (stmt, 3, data->profile);
  md_stmt_bind_int64 (stmt, 4, account_id);
  md_stmt_bind_int64 (stmt, 5, data->purchase_count);
  md_stmt_bind_int64 (stmt, 6, data->generation);
  md_stmt_bind_int64 (stmt, 7, md_clock_now ());
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE,
                     _("The card %s is already registered"), data->uid);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  card_id = md_stmt_get_int64 (stmt, 0);
  md_stmt_exec (stmt, NULL);

  if (data->replaces != 0)
    {
      g_autoptr(MdStmt) link = NULL;

      if (!(link = md_store_prepare (store, "UPDATE card SET replaced_by = $2 WHERE id = $1",
                                     error)))
        return FALSE;
      md_stmt_bind_int64 (link, 1, data->replaces);
      md_stmt_bind_int64 (link, 2, card_id);
      if (!md_stmt_exec (link, error) ||
          !card_event (store, data->session, data->replaces, "replaced", detail, error))
        return FALSE;
    }

  if (!card_event (store, data->session, card_id, data->replaces ? "replacement" : "issue", detail,
                   error))
    return FALSE;
  return _md_audit (store, data->session, 0,
                    data->replaces ? "card.replace" : "card.issue", object, detail, error);
}

/**
 * md_card_record_issue:
 *
 * Records a card just issued (written) for an account: its first card.
 */
gboolean
md_card_record_issue (MdSession   *session,
                      const char  *account_no,
                      const char  *uid,
                      const char  *profile,
                      GError     **error)
{
  IssueData data = { session, account_no, uid, profile, 0, 0, "purchase", 0 };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_code (account_no, _("account number"), error) ||
      !validate_uid (uid, error) ||
      !md_validate_code (profile, _("card profile"), error) ||
      !md_session_require (session, MD_PERM_CARD, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), issue_txn, &data, error);
}

typedef struct
{
  MdSession  *session;
  const char *account_no;
} LostData;

static gboolean
lost_txn (MdStore  *store,
          gpointer  user_data,
          GError  **error)
{
  LostData *data = user_data;
  g_auto(MdCardRecord) card = { 0 };
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = NULL;

  if (!md_card_of_account (store, data->account_no, &card, error))
    return FALSE;
  if (!(stmt = md_store_prepare (store,
                                 "UPDATE card SET status = 'lost', lost_at = $2 WHERE id = $1",
                                 error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, card.id);
  md_stmt_bind_int64 (stmt, 2, md_clock_now ());
  if (!md_stmt_exec (stmt, error) || !card_event (store, data->session, card.id, "lost", NULL, error))
    return FALSE;

  object = g_strdup_printf ("card:%s", card.uid);
  return _md_audit (store, data->session, 0, "card.lost", object, NULL, error);
}

/**
 * md_card_report_lost:
 *
 * Lost card (挂失): the account's card stops working at once; a replacement
 * may be issued after the waiting period.
 */
gboolean
md_card_report_lost (MdSession   *session,
                     const char  *account_no,
                     GError     **error)
{
  LostData data = { session, account_no };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_code (account_no, _("account number"), error) ||
      !md_session_require (session, MD_PERM_CARD, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), lost_txn, &data, error);
}

/* The setting, when set, is the wait in hours; 0 means none. */
static gint64
lost_wait (MdStore *store)
{
  gint64 hours = -1;

  if (_md_lookup_id (store, &hours, NULL,
                     "SELECT COALESCE((SELECT CAST(value AS BIGINT) FROM setting "
                     "WHERE key = 'card.lost-wait-hours'), -1)",
                     NULL) && hours >= 0)
    return hours * 3600 * G_USEC_PER_SEC;
  return MD_CARD_LOST_WAIT_USEC;
}

/**
 * md_card_replacement_allowed:
 * @out_lost: (out caller-allocates): the lost card the replacement follows
 *   (its purchase count and generation carry over)
 *
 * A replacement card (补卡) needs a card reported lost at least the waiting
 * period ago (setting card.lost-wait-hours, 24 by default) and no sale to
 * the account still pending.
 */
gboolean
md_card_replacement_allowed (MdSession     *session,
                             const char    *account_no,
                             MdCardRecord  *out_lost,
                             GError       **error)
{
  MdStore *store;
  gboolean found = FALSE;
  gint64 pending = 0;
  gint64 wait;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_validate_code (account_no, _("account number"), error) ||
      !md_session_require (session, MD_PERM_CARD_REPLACE, error))
    return FALSE;
  store = md_session_get_store (session);

  if (!load_record (store,
                    "WHERE a.no = $1 AND k.status = 'lost' AND k.replaced_by IS NULL "
                    "ORDER BY k.lost_at DESC LIMIT 1", account_no, out_lost, &found, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE,
                   _("The account %s has no card reported lost"), account_no);
      return FALSE;
    }

  wait = lost_wait (store);
  if (md_clock_now () - out_lost->lost_at < wait)
    {
      g_autofree char *when = _md_format_time (out_lost->lost_at + wait);

      g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_WAIT,
                   _("A replacement card can be issued from %s"), when);
      return FALSE;
    }

  if (!_md_lookup_id (store, &pending, error,
                      "SELECT count(*) FROM sale s JOIN account a ON a.id = s.account_id "
                      "WHERE a.no = $1 AND s.state IN ('pending', 'delivered')", account_no, NULL))
    return FALSE;
  if (pending > 0)
    {
      g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE,
                   _("The account %s has sales still pending; settle them first"), account_no);
      return FALSE;
    }
  return TRUE;
}

/**
 * md_card_record_replacement:
 *
 * Records the replacement card just written: the next generation, the lost
 * card's purchase count carried over, the lost card marked replaced.
 */
gboolean
md_card_record_replacement (MdSession   *session,
                            const char  *account_no,
                            const char  *new_uid,
                            const char  *profile,
                            GError     **error)
{
  g_auto(MdCardRecord) lost = { 0 };
  IssueData data = { session, account_no, new_uid, profile, 0, 0, "replacement", 0 };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!validate_uid (new_uid, error) ||
      !md_validate_code (profile, _("card profile"), error) ||
      !md_card_replacement_allowed (session, account_no, &lost, error))
    return FALSE;

  data.generation = lost.generation + 1;
  data.purchase_count = lost.purchase_count;
  data.replaces = lost.id;
  return md_store_write (md_session_get_store (session), issue_txn, &data, error);
}

typedef struct
{
  MdSession  *session;
  const char *kind;
  const char *object;
  const char *message;
  gint64      alert_id;
} AlertData;

static gboolean
alert_txn (MdStore  *store,
           gpointer  user_data,
           GError  **error)
{
  AlertData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *detail = _md_detail ("message", data->message, NULL);

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO alert (at, terminal, kind, object, message) "
                                 "VALUES ($1, $2, $3, $4, $5)", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, md_clock_now ());
  md_stmt_bind_text (stmt, 2, md_session_get_terminal (data->session));
  md_stmt_bind_text (stmt, 3, data->kind);
  md_stmt_bind_text (stmt, 4, data->object != NULL ? data->object : "");
  md_stmt_bind_text (stmt, 5, data->message);
  if (!md_stmt_exec (stmt, error))
    return FALSE;
  return _md_audit (store, data->session, 0, "alert.raise", data->object, detail, error);
}

/**
 * md_alert_raise:
 *
 * Records something a supervisor must look at (a card that disagrees with
 * the books, a blocked sale), in its own transaction so it sticks.
 */
gboolean
md_alert_raise (MdSession   *session,
                const char  *kind,
                const char  *object,
                const char  *message,
                GError     **error)
{
  AlertData data = { session, kind, object, message };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  return md_store_write (md_session_get_store (session), alert_txn, &data, error);
}

JsonNode *
md_alert_list (MdSession  *session,
               gboolean    open_only,
               GError    **error)
{
  g_return_val_if_fail (MD_IS_SESSION (session), NULL);

  if (!md_session_require (session, MD_PERM_VIEW, error))
    return NULL;
  return _md_query_json (md_session_get_store (session), error,
                         open_only
                           ? "SELECT id, at AS \"at:time\", terminal, kind, object, message "
                             "FROM alert WHERE acknowledged_at IS NULL ORDER BY id"
                           : "SELECT l.id, l.at AS \"at:time\", l.terminal, l.kind, l.object, "
                             "l.message, l.acknowledged_at AS \"acknowledged:time\", "
                             "o.name AS acknowledged_by FROM alert l "
                             "LEFT JOIN operator o ON o.id = l.acknowledged_by ORDER BY l.id",
                         NULL);
}

typedef struct
{
  MdSession *session;
  gint64     id;
} AckData;

static gboolean
ack_txn (MdStore  *store,
         gpointer  user_data,
         GError  **error)
{
  AckData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("alert:%lld", (long long) data->id);

  if (!(stmt = md_store_prepare (store,
                                 "UPDATE alert SET acknowledged_at = $2, acknowledged_by = $3 "
                                 "WHERE id = $1 AND acknowledged_at IS NULL", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, data->id);
  md_stmt_bind_int64 (stmt, 2, md_clock_now ());
  md_stmt_bind_int64 (stmt, 3, md_session_get_operator_id (data->session));
  if (!md_stmt_exec (stmt, error))
    return FALSE;
  if (md_stmt_changes (stmt) != 1)
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                   _("There is no open alert %lld"), (long long) data->id);
      return FALSE;
    }
  return _md_audit (store, data->session, 0, "alert.acknowledge", object, NULL, error);
}

gboolean
md_alert_acknowledge (MdSession  *session,
                      gint64      alert_id,
                      GError    **error)
{
  AckData data = { session, alert_id };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  if (!md_session_require (session, MD_PERM_ALARM, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), ack_txn, &data, error);
}

void
md_card_account_clear (MdCardAccount *account)
{
  g_clear_pointer (&account->account_no, g_free);
  g_clear_pointer (&account->state, g_free);
  g_clear_pointer (&account->billing, g_free);
  memset (account, 0, sizeof *account);
}

/**
 * md_card_account_lookup:
 * @out_account: (out caller-allocates): clear with md_card_account_clear()
 *
 * The account as its cards see it: open or not, where its credit is kept,
 * money or energy, its capacity.
 */
gboolean
md_card_account_lookup (MdStore        *store,
                        const char     *account_no,
                        MdCardAccount  *out_account,
                        GError        **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  memset (out_account, 0, sizeof *out_account);
  if (!md_validate_code (account_no, _("account number"), error))
    return FALSE;
  if (!(stmt = md_store_prepare (store,
                                 "SELECT id, no, state, billing, vend_kind, capacity_va "
                                 "FROM account WHERE no = $1", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, account_no);
  if (!md_stmt_step (stmt, &local_error))
    {
      if (local_error == NULL)
        g_set_error (&local_error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_NOT_FOUND,
                     _("There is no account %s"), account_no);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  out_account->id = md_stmt_get_int64 (stmt, 0);
  out_account->account_no = g_strdup (md_stmt_get_text (stmt, 1));
  out_account->state = g_strdup (md_stmt_get_text (stmt, 2));
  out_account->billing = g_strdup (md_stmt_get_text (stmt, 3));
  out_account->money = g_strcmp0 (md_stmt_get_text (stmt, 4), "money") == 0;
  out_account->capacity_va = md_stmt_get_int64 (stmt, 5);
  md_stmt_exec (stmt, NULL);
  return TRUE;
}

/**
 * md_card_issue_allowed:
 * @uid: the card about to be written
 * @out_done: (out): the account's card in use is @uid already: the issue
 *   was recorded before (a command run again), nothing is to be written
 *
 * Asked before a customer's first card is written, so that nothing is
 * written that the books would then refuse: the operator may issue cards,
 * the account is open and keeps its credit on the card, it has no card in
 * use, and @uid is not another card already known here.
 */
gboolean
md_card_issue_allowed (MdSession   *session,
                       const char  *account_no,
                       const char  *uid,
                       gboolean    *out_done,
                       GError     **error)
{
  g_auto(MdCardAccount) account = { 0 };
  g_auto(MdCardRecord) card = { 0 };
  g_autoptr(GError) local_error = NULL;
  MdStore *store;

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);

  *out_done = FALSE;
  if (!md_validate_code (account_no, _("account number"), error) ||
      !validate_uid (uid, error) ||
      !md_session_require (session, MD_PERM_CARD, error))
    return FALSE;
  store = md_session_get_store (session);

  if (!md_card_account_lookup (store, account_no, &account, error))
    return FALSE;
  if (!g_str_equal (account.state, "open"))
    {
      g_set_error (error, MD_REGISTER_ERROR, MD_REGISTER_ERROR_STATE,
                   _("The account %s is not open"), account_no);
      return FALSE;
    }
  if (g_strcmp0 (account.billing, "system") == 0)
    {
      g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE,
                   _("The account %s keeps its credit in the account (system billing); it has "
                     "no card"), account_no);
      return FALSE;
    }

  if (md_card_of_account (store, account_no, &card, &local_error))
    {
      if (g_ascii_strcasecmp (card.uid, uid) == 0)
        {
          *out_done = TRUE;
          return TRUE;
        }
      g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE,
                   _("The account %s already has a card in use (%s); report it lost to replace "
                     "it"), account_no, card.uid);
      return FALSE;
    }
  if (!g_error_matches (local_error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_UNKNOWN_CARD))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_clear_error (&local_error);

  if (md_card_lookup (store, uid, &card, &local_error))
    {
      g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE,
                   _("The card %s is already registered (account %s, %s); use another card"),
                   uid, card.account_no != NULL ? card.account_no : "-", card.status);
      return FALSE;
    }
  if (!g_error_matches (local_error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_UNKNOWN_CARD))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  MdSession  *session;
  const char *uid;
  const char *profile;
  const char *kind;
  const char *account_no;
} ToolData;

static gboolean
is_customer_kind (const char *kind)
{
  return g_strcmp0 (kind, "purchase") == 0 || g_strcmp0 (kind, "replacement") == 0;
}

static gboolean
tool_txn (MdStore  *store,
          gpointer  user_data,
          GError  **error)
{
  ToolData *data = user_data;
  g_auto(MdCardRecord) card = { 0 };
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("card:%s", data->uid);
  g_autofree char *detail = _md_detail ("kind", data->kind, "profile", data->profile,
                                        "account", data->account_no, NULL);
  gboolean found = FALSE;
  gint64 account_id = 0;
  gint64 card_id;
  GError *local_error = NULL;

  if (data->account_no != NULL &&
      !md_account_get_state (store, data->account_no, &account_id, NULL, error))
    return FALSE;
  if (!load_record (store, "WHERE k.uid = $1", data->uid, &card, &found, error))
    return FALSE;
  if (found && is_customer_kind (card.kind) && !g_str_equal (card.status, "retired"))
    {
      g_set_error (error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE,
                   _("The card %s is a customer's card (account %s); it cannot become a "
                     "technician's card"), data->uid, card.account_no != NULL ? card.account_no
                                                                             : "-");
      return FALSE;
    }

  if (found)
    {
      if (!(stmt = md_store_prepare (store,
                                     "UPDATE card SET kind = $2, profile = $3, account_id = $4, "
                                     "status = 'active', issued_at = $5 WHERE id = $1", error)))
        return FALSE;
      md_stmt_bind_int64 (stmt, 1, card.id);
      md_stmt_bind_text (stmt, 2, data->kind);
      md_stmt_bind_text (stmt, 3, data->profile);
      md_stmt_bind_int64_or_null (stmt, 4, account_id, account_id == 0);
      md_stmt_bind_int64 (stmt, 5, md_clock_now ());
      if (!md_stmt_exec (stmt, error))
        return FALSE;
      card_id = card.id;
    }
  else
    {
      if (!(stmt = md_store_prepare (store,
                                     "INSERT INTO card (uid, kind, profile, account_id, status, "
                                     "purchase_count, generation, issued_at, created_at) "
                                     "VALUES ($1, $2, $3, $4, 'active', 0, 0, $5, $5) "
                                     "RETURNING id", error)))
        return FALSE;
      md_stmt_bind_text (stmt, 1, data->uid);
      md_stmt_bind_text (stmt, 2, data->kind);
      md_stmt_bind_text (stmt, 3, data->profile);
      md_stmt_bind_int64_or_null (stmt, 4, account_id, account_id == 0);
      md_stmt_bind_int64 (stmt, 5, md_clock_now ());
      if (!md_stmt_step (stmt, &local_error))
        {
          if (local_error == NULL)
            g_set_error (&local_error, MD_CARD_REGISTER_ERROR, MD_CARD_REGISTER_ERROR_STATE,
                         _("The card %s is already registered"), data->uid);
          g_propagate_error (error, local_error);
          return FALSE;
        }
      card_id = md_stmt_get_int64 (stmt, 0);
      md_stmt_exec (stmt, NULL);
    }

  return card_event (store, data->session, card_id, "tool", detail, error) &&
         _md_audit (store, data->session, 0, "card.tool", object, detail, error);
}

/**
 * md_card_record_tool:
 * @kind: "check", "setting" or "clear"
 * @account_no: (nullable): the account a setting card was made for
 *
 * Records a technician's card just written (检查卡, 设置卡, 清零卡). A check
 * card needs the right to read meters; setting and clear cards change
 * meters and need the right to control them. A customer's card still in
 * use (or lost, or replaced) never becomes one.
 */
gboolean
md_card_record_tool (MdSession   *session,
                     const char  *uid,
                     const char  *profile,
                     const char  *kind,
                     const char  *account_no,
                     GError     **error)
{
  ToolData data = { session, uid, profile, kind, account_no };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (g_strcmp0 (kind, "check") == 0 || g_strcmp0 (kind, "setting") == 0 ||
                        g_strcmp0 (kind, "clear") == 0, FALSE);

  if (!validate_uid (uid, error) ||
      !md_validate_code (profile, _("card profile"), error) ||
      (account_no != NULL && !md_validate_code (account_no, _("account number"), error)) ||
      !md_session_require (session, g_str_equal (kind, "check") ? MD_PERM_METER_READ
                                                                : MD_PERM_METER_CONTROL, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), tool_txn, &data, error);
}

typedef struct
{
  MdSession  *session;
  const char *uid;
  const char *reason;
  const char *message;
} TamperData;

static gboolean
tamper_txn (MdStore  *store,
            gpointer  user_data,
            GError  **error)
{
  TamperData *data = user_data;
  g_autoptr(MdStmt) stmt = NULL;
  g_autofree char *object = g_strdup_printf ("card:%s", data->uid);
  g_autofree char *detail = _md_detail ("reason", data->reason, "message", data->message, NULL);

  if (!(stmt = md_store_prepare (store,
                                 "INSERT INTO alert (at, terminal, kind, object, message, detail) "
                                 "VALUES ($1, $2, 'card.tamper', $3, $4, $5)", error)))
    return FALSE;
  md_stmt_bind_int64 (stmt, 1, md_clock_now ());
  md_stmt_bind_text (stmt, 2, md_session_get_terminal (data->session));
  md_stmt_bind_text (stmt, 3, object);
  md_stmt_bind_text (stmt, 4, data->message);
  md_stmt_bind_text (stmt, 5, detail);
  return md_stmt_exec (stmt, error) &&
         _md_audit (store, data->session, 0, "card.tamper", object, detail, error);
}

/**
 * md_card_record_tamper:
 * @uid: the card's UID as it answers (its data may say otherwise)
 * @reason: a stable word: "bad-mac", "foreign", "rollback", "truncated"…
 * @message: the translated line the cashier saw
 *
 * A security event (T09): a card whose data fails its MAC, was copied from
 * another card, written under another site's key, or rolled back to an
 * older image. One transaction writes the audit row and an alert for a
 * supervisor; any operator's session may record it.
 */
gboolean
md_card_record_tamper (MdSession   *session,
                       const char  *uid,
                       const char  *reason,
                       const char  *message,
                       GError     **error)
{
  TamperData data = { session, uid, reason, message };

  g_return_val_if_fail (MD_IS_SESSION (session), FALSE);
  g_return_val_if_fail (reason != NULL && message != NULL, FALSE);

  if (!validate_uid (uid, error))
    return FALSE;
  return md_store_write (md_session_get_store (session), tamper_txn, &data, error);
}

/**
 * md_card_pending_sale:
 * @out_sale_id: (out): the card sale (or reversal) to @uid still pending,
 *   0 when there is none
 * @out_purchase_count: (out) (optional): the purchase count it writes
 * @out_idem: (out) (optional) (transfer full): its idempotency key
 *
 * A card takes one write at a time: while a sale to it is pending, it is
 * settled before anything else is written.
 */
gboolean
md_card_pending_sale (MdStore      *store,
                      const char   *uid,
                      gint64       *out_sale_id,
                      gint64       *out_purchase_count,
                      char        **out_idem,
                      GError      **error)
{
  g_autoptr(MdStmt) stmt = NULL;
  GError *local_error = NULL;

  *out_sale_id = 0;
  if (out_purchase_count != NULL)
    *out_purchase_count = 0;
  if (out_idem != NULL)
    *out_idem = NULL;
  if (!(stmt = md_store_prepare (store,
                                 "SELECT id, COALESCE(purchase_count, 0), idem FROM sale "
                                 "WHERE target = $1 AND medium = 'card' "
                                 "AND state IN ('pending', 'delivered') ORDER BY id LIMIT 1", error)))
    return FALSE;
  md_stmt_bind_text (stmt, 1, uid);
  if (md_stmt_step (stmt, &local_error))
    {
      *out_sale_id = md_stmt_get_int64 (stmt, 0);
      if (out_purchase_count != NULL)
        *out_purchase_count = md_stmt_get_int64 (stmt, 1);
      if (out_idem != NULL)
        *out_idem = g_strdup (md_stmt_get_text (stmt, 2));
      md_stmt_exec (stmt, NULL);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/**
 * md_card_meter_account:
 * @out_account_no: (out) (transfer full) (nullable): the account the meter
 *   at @meter_address is installed for, %NULL when it is not known here or
 *   serves no account
 *
 * Whose meter wrote a card's write-back.
 */
gboolean
md_card_meter_account (MdStore      *store,
                       const char   *meter_address,
                       char        **out_account_no,
                       GError      **error)
{
  return _md_lookup_text (store, out_account_no, error,
                          "SELECT a.no FROM meter m JOIN account a ON a.id = m.account_id "
                          "WHERE m.address = $1 AND m.state = 'installed' LIMIT 1",
                          meter_address, NULL);
}
