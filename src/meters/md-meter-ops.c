/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-meter-link-private.h"

/*
 * Reads, the remote recharge and its read-back, on the bus thread.
 *
 * The recharge follows RELIABILITY.md rule 9: the purchase count is read
 * before writing (N, or N+1 if an earlier attempt got through), the credit
 * and the count N+1 go out in one write that is never repeated blindly,
 * and the count is read back. N+1 proves delivery (a count never goes
 * back, so no stale answer can show it); N must be seen twice, by two
 * requests of different shapes after a drain, because a late reply to an
 * earlier read would also say N; only then may the write be sent again.
 */

gint64
_md_meter_op_remaining_ms (const MdMeterOp *op)
{
  return (op->deadline - g_get_monotonic_time ()) / 1000;
}

gboolean
_md_meter_op_check (const MdMeterOp  *op,
                    GError          **error)
{
  if (g_cancellable_set_error_if_cancelled (op->cancellable, error))
    return FALSE;
  if (g_get_monotonic_time () >= op->deadline)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_TIMEOUT,
                   _("The meter did not answer within the operation's %u ms"),
                   op->settings->budget_ms);
      return FALSE;
    }
  return TRUE;
}

/* Sleeps @ms or until the deadline; FALSE if the deadline or a
 * cancellation came first. */
gboolean
_md_meter_op_sleep (const MdMeterOp *op,
                    guint            ms)
{
  gint64 until = MIN (g_get_monotonic_time () + (gint64) ms * 1000, op->deadline);

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();

      if (g_cancellable_is_cancelled (op->cancellable))
        return FALSE;
      if (now >= until)
        return until < op->deadline;
      g_usleep ((gulong) MIN (until - now, 20000));
    }
}

guint
_md_meter_op_backoff_ms (const MdMeterOp *op,
                         guint            attempt)
{
  guint shift = MIN (attempt > 0 ? attempt - 1 : 0, 6u);

  return op->settings->backoff_ms << shift;
}

static gboolean
modbus_read_all (MdMeterOp       *op,
                 MdMeterTarget   *target,
                 MdMeterReading  *reading,
                 GError         **error)
{
  const MdMeterProfile *p = target->profile;

  for (guint b = 0; b < p->n_blocks; b++)
    {
      guint16 regs[MD_MODBUS_READ_MAX];

      if (!_md_modbus_link_read (op->modbus, op, target->unit_id, p->blocks[b].function,
                                 p->blocks[b].start, p->blocks[b].count, regs, error))
        return FALSE;
      if (!_md_meter_decode_block (p, &p->blocks[b], regs, reading, error))
        {
          op->stats->protocol_errors++;
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
dlt645_read_di (MdMeterOp       *op,
                MdMeterTarget   *target,
                guint32          di,
                MdMeterReading  *reading,
                GError         **error)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();

  if (!_md_dlt645_link_read (op->dlt645, op, &target->dlt645_address, di, data, error))
    return FALSE;
  if (!_md_meter_decode_di (target->profile, di, data->data, data->len, reading, error))
    {
      op->stats->protocol_errors++;
      return FALSE;
    }
  return TRUE;
}

static gboolean
dlt645_read_all (MdMeterOp       *op,
                 MdMeterTarget   *target,
                 MdMeterReading  *reading,
                 GError         **error)
{
  const MdMeterProfile *p = target->profile;

  for (guint i = 0; i < p->n_dis; i++)
    {
      g_autoptr(GError) local = NULL;

      if (dlt645_read_di (op, target, p->dis[i].di, reading, &local))
        continue;
      /* A meter without one identifier still has the others. */
      if (g_error_matches (local, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED))
        {
          g_debug ("%s: %s", target->address, local->message);
          continue;
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

gboolean
_md_meter_op_read (MdMeterOp       *op,
                   MdMeterTarget   *target,
                   MdMeterReading  *out,
                   GError         **error)
{
  gboolean ok;

  md_meter_reading_clear (out);
  if (target->profile->protocol == MD_METER_PROTOCOL_MODBUS)
    ok = modbus_read_all (op, target, out, error);
  else
    ok = dlt645_read_all (op, target, out, error);
  out->read_at = g_get_real_time ();
  return ok;
}

/* One point alone, with a request of its own. */
gboolean
_md_meter_op_read_point (MdMeterOp      *op,
                         MdMeterTarget  *target,
                         MdMeterPoint    point,
                         gint64         *out_value,
                         GError        **error)
{
  const MdMeterProfile *p = target->profile;
  const MdMeterPointSpec *s = &p->read[point];
  MdMeterReading r;

  md_meter_reading_clear (&r);
  if (p->protocol == MD_METER_PROTOCOL_MODBUS)
    {
      MdMeterReadBlock block = { s->function, (guint16) s->address,
                                 (guint16) _md_meter_point_registers (s) };
      guint16 regs[8];

      if (!_md_modbus_link_read (op->modbus, op, target->unit_id, block.function, block.start,
                                 block.count, regs, error) ||
          !_md_meter_decode_block (p, &block, regs, &r, error))
        return FALSE;
    }
  else if (!dlt645_read_di (op, target, s->address, &r, error))
    return FALSE;
  return md_meter_reading_get (&r, point, out_value);
}

/* The purchase count (and the credit where the same request carries it),
 * by a request of the given shape: 1 is the count alone, 2 is a different
 * request (credit through count, or one register more), so that a late
 * reply to one cannot pass for the other. */
static gboolean
read_count (MdMeterOp       *op,
            MdMeterTarget   *target,
            guint            shape,
            MdMeterReading  *r,
            GError         **error)
{
  const MdMeterProfile *p = target->profile;
  const MdMeterPointSpec *cs = &p->read[MD_METER_POINT_PURCHASE_COUNT];
  const MdMeterPointSpec *cr = &p->read[MD_METER_POINT_CREDIT];

  md_meter_reading_clear (r);
  if (p->protocol == MD_METER_PROTOCOL_MODBUS)
    {
      guint n = _md_meter_point_registers (cs);
      MdMeterReadBlock block = { cs->function, (guint16) cs->address, (guint16) n };
      guint16 regs[MD_MODBUS_READ_MAX];

      if (shape == 2)
        {
          guint lo = cs->address, hi = cs->address + n;

          if (cr->present && cr->function == cs->function)
            {
              lo = MIN (lo, cr->address);
              hi = MAX (hi, cr->address + _md_meter_point_registers (cr));
            }
          if (hi - lo > MD_MODBUS_READ_MAX || hi - lo == n)
            {
              lo = cs->address + n < 0x10000 ? cs->address : cs->address - 1;
              hi = lo + n + 1;
            }
          block.start = (guint16) lo;
          block.count = (guint16) (hi - lo);
        }
      if (!_md_modbus_link_read (op->modbus, op, target->unit_id, block.function, block.start,
                                 block.count, regs, error) ||
          !_md_meter_decode_block (p, &block, regs, r, error))
        return FALSE;
    }
  else
    {
      if (!dlt645_read_di (op, target, cs->address, r, error))
        return FALSE;
      if (shape == 2 && cr->present && cr->address != cs->address &&
          !dlt645_read_di (op, target, cr->address, r, error))
        return FALSE;
    }
  if (!md_meter_reading_has (r, MD_METER_POINT_PURCHASE_COUNT))
    {
      g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL,
                           _("The meter did not report its purchase count"));
      return FALSE;
    }
  r->read_at = g_get_real_time ();
  return TRUE;
}

static void
drain (MdMeterOp *op)
{
  if (op->modbus != NULL)
    _md_modbus_link_drain (op->modbus, op);
  else
    _md_dlt645_link_drain (op->dlt645, op);
}

typedef enum
{
  SEEN_N1,        /* the new count: delivered */
  SEEN_N,         /* the old count, seen twice */
  SEEN_OTHER,     /* something else, seen twice */
  SEEN_NOTHING,   /* no two answers agree, or none came */
} Seen;

/* What the meter's count is now, after a write (or in recovery, or to
 * confirm the count read before writing, @seen_before). */
static Seen
confirm_count (MdMeterOp       *op,
               MdMeterTarget   *target,
               gint64           n1,
               gboolean         drain_first,
               gint64           seen_before,
               guint            first_shape,
               MdMeterReading  *last,
               GError         **error)
{
  gint64 previous = seen_before;
  guint answers = seen_before >= 0 ? 1 : 0;

  if (drain_first)
    drain (op);

  for (guint i = 0; i < 4 && _md_meter_op_remaining_ms (op) > 0; i++)
    {
      g_autoptr(GError) local = NULL;
      MdMeterReading r;
      gint64 c;

      if (!read_count (op, target, 1 + (first_shape - 1 + i) % 2, &r, &local))
        {
          g_clear_error (error);
          g_propagate_error (error, g_steal_pointer (&local));
          if (i > 0)
            drain (op);
          continue;
        }
      md_meter_reading_get (&r, MD_METER_POINT_PURCHASE_COUNT, &c);
      *last = r;
      if (c == n1)
        return SEEN_N1;
      if (answers > 0 && c == previous)
        return c == n1 - 1 ? SEEN_N : SEEN_OTHER;
      previous = c;
      answers++;
      /* Different answers, or the first of two: clean the line first. */
      if (i > 0)
        drain (op);
    }
  if (error != NULL && *error == NULL)
    g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_TIMEOUT,
                         _("The meter's purchase count could not be confirmed"));
  return SEEN_NOTHING;
}

static gboolean
send_recharge (MdMeterOp       *op,
               MdMeterTarget   *target,
               gint64           amount,
               gint64           count,
               GError         **error)
{
  const MdMeterProfile *p = target->profile;
  const MdMeterPointSpec *a = &p->recharge_amount, *c = &p->recharge_count;

  if (p->protocol == MD_METER_PROTOCOL_MODBUS)
    {
      guint total = _md_meter_point_registers (a) + _md_meter_point_registers (c);
      guint16 regs[16] = { 0 };

      if (!md_meter_value_to_registers (&a->value, p->word_order, amount, regs + a->address,
                                        error) ||
          !md_meter_value_to_registers (&c->value, p->word_order, count, regs + c->address, error))
        return FALSE;
      op->stats->recharge_writes++;
      return _md_modbus_link_write (op->modbus, op, target->unit_id,
                                    (guint16) p->recharge_address, (guint16) total, regs, FALSE,
                                    MD_LINK_WRITE_ONCE, error);
    }
  else
    {
      guint8 value[32] = { 0 };
      gsize len = a->value.size + c->value.size;
      g_autoptr(GBytes) frame = NULL;
      MdDlt645Frame reply;

      if (!target->has_auth)
        {
          g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_DENIED,
                       _("Meter %s needs its password and operator code for writing"),
                       target->address);
          return FALSE;
        }
      if (!md_meter_value_to_bytes (&a->value, amount, value + a->address, error) ||
          !md_meter_value_to_bytes (&c->value, count, value + c->address, error))
        return FALSE;
      frame = md_dlt645_build_write (&target->dlt645_address, p->recharge_address, &target->auth,
                                     value, len, MD_DLT645_BUILD_DEFAULT, error);
      if (frame == NULL)
        return FALSE;
      op->stats->recharge_writes++;
      return _md_dlt645_link_exchange (op->dlt645, op, frame, &target->dlt645_address,
                                       MD_DLT645_FN_WRITE, 0, FALSE, MD_LINK_WRITE_ONCE, &reply,
                                       error);
    }
}

/* Checks the values fit before anything is sent. */
static gboolean
check_recharge (MdMeterTarget          *target,
                const MdMeterRecharge  *recharge,
                GError                **error)
{
  const MdMeterProfile *p = target->profile;
  guint8 bytes[32];
  guint16 regs[16];

  if (!md_meter_profile_can_recharge (p, error))
    return FALSE;
  if (recharge->amount <= 0 || recharge->purchase_count < 1 || recharge->credit_tolerance < 0)
    {
      g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_INVALID,
                           _("A recharge needs a positive amount and a purchase count of at "
                             "least 1"));
      return FALSE;
    }
  if (p->protocol == MD_METER_PROTOCOL_MODBUS)
    return md_meter_value_to_registers (&p->recharge_amount.value, p->word_order,
                                        recharge->amount, regs, error) &&
           md_meter_value_to_registers (&p->recharge_count.value, p->word_order,
                                        recharge->purchase_count, regs, error);
  return md_meter_value_to_bytes (&p->recharge_amount.value, recharge->amount, bytes, error) &&
         md_meter_value_to_bytes (&p->recharge_count.value, recharge->purchase_count, bytes,
                                  error);
}

static MdDelivery
conflict (GError **error,
          gint64   seen,
          gint64   n)
{
  g_clear_error (error);
  g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_CONFLICT,
               _("The meter's purchase count is %lld, the sale expected %lld before it"),
               (long long) seen, (long long) n);
  return MD_DELIVERY_CONFLICT;
}

static gboolean
credit_fits (const MdMeterRecharge  *recharge,
             gint64                  before,
             gint64                  after)
{
  return after >= before + recharge->amount - recharge->credit_tolerance &&
         after <= before + recharge->amount;
}

/* The count says N+1. Where the profile has a credit register, the credit
 * must have risen by the amount, less what was consumed meanwhile. The
 * credit is taken only from a reply that also shows N+1 (Modbus reads
 * them in one request), and a conflict needs two fresh readings that say
 * so, each after the line was drained: a late or duplicated answer to an
 * older read carries an older credit (on DL/T 645 count and credit come
 * in separate frames). The reading that showed N+1 can confirm the credit
 * but never refute it. */
static MdDelivery
delivered (MdMeterOp              *op,
           MdMeterTarget          *target,
           const MdMeterRecharge  *recharge,
           MdMeterRechargeResult  *res,
           const MdMeterReading   *after,
           GError                **error)
{
  gint64 credit = 0, count = -1;
  guint misfits = 0, readings = 0;

  g_clear_error (error);
  res->count_after = recharge->purchase_count;
  res->has_credit = FALSE;
  if (res->credit_before == G_MININT64 || !target->profile->read[MD_METER_POINT_CREDIT].present)
    return MD_DELIVERY_DELIVERED;

  for (guint attempt = 0; attempt < 4 && misfits < 2; attempt++)
    {
      MdMeterReading r;

      if (attempt == 0)
        r = *after;
      else
        {
          drain (op);
          if (!read_count (op, target, 2, &r, NULL))
            continue;
        }
      if (!md_meter_reading_get (&r, MD_METER_POINT_PURCHASE_COUNT, &count) ||
          count != recharge->purchase_count ||
          !md_meter_reading_get (&r, MD_METER_POINT_CREDIT, &credit))
        continue;
      readings++;
      res->has_credit = TRUE;
      res->credit_after = credit;
      if (credit_fits (recharge, res->credit_before, credit))
        return MD_DELIVERY_DELIVERED;
      if (attempt > 0)
        misfits++;
    }
  if (misfits < 2)
    {
      g_debug ("%s: delivered; the credit could not be checked (%u readings)", target->address,
               readings);
      return MD_DELIVERY_DELIVERED;
    }
  g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_CONFLICT,
               _("Meter %s counts the purchase, but its credit went from %lld to %lld "
                 "for a recharge of %lld"), target->address, (long long) res->credit_before,
               (long long) credit, (long long) recharge->amount);
  return MD_DELIVERY_CONFLICT;
}

MdDelivery
_md_meter_op_recharge (MdMeterOp              *op,
                       MdMeterTarget          *target,
                       const MdMeterRecharge  *recharge,
                       MdMeterRechargeResult  *res,
                       GError                **error)
{
  gint64 n1 = recharge->purchase_count, n = n1 - 1, c;
  MdMeterReading before, after;
  guint max_writes = MAX (op->settings->retries, 1);

  memset (res, 0, sizeof *res);
  res->count_before = res->count_after = -1;
  res->credit_before = G_MININT64;

  if (!check_recharge (target, recharge, error))
    return MD_DELIVERY_NOT_DELIVERED;

  /* Before: N (write), N+1 (an earlier attempt got through), or other.
   * On Modbus this is the profile's whole read, a request shape the
   * read-backs never use. */
  if (target->profile->protocol == MD_METER_PROTOCOL_MODBUS
      ? !_md_meter_op_read (op, target, &before, error) ||
        !md_meter_reading_has (&before, MD_METER_POINT_PURCHASE_COUNT)
      : !read_count (op, target, 2, &before, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, MD_METER_ERROR, MD_METER_ERROR_PROTOCOL,
                             _("The meter did not report its purchase count"));
      return MD_DELIVERY_UNKNOWN;
    }
  md_meter_reading_get (&before, MD_METER_POINT_PURCHASE_COUNT, &c);
  res->count_before = c;
  md_meter_reading_get (&before, MD_METER_POINT_CREDIT, &res->credit_before);
  if (c == n1)
    {
      res->count_before = -1;
      res->credit_before = G_MININT64;
      return delivered (op, target, recharge, res, &before, error);
    }

  /* N, or something else, is only believed when a second request says
   * it too: a late reply to an older read would show an older count. */
  switch (confirm_count (op, target, n1, c != n, c, 2, &after, error))
    {
    case SEEN_N1:
      res->count_before = -1;
      res->credit_before = G_MININT64;
      return delivered (op, target, recharge, res, &after, error);
    case SEEN_OTHER:
      md_meter_reading_get (&after, MD_METER_POINT_PURCHASE_COUNT, &c);
      return conflict (error, c, n);
    case SEEN_NOTHING:
      return MD_DELIVERY_UNKNOWN;
    case SEEN_N:
    default:
      /* The credit to compare with afterwards: two readings must agree,
       * or a late answer to an older read could be taken for it. */
      {
        gint64 again;

        g_clear_error (error);
        if (res->credit_before == G_MININT64 ||
            !md_meter_reading_get (&after, MD_METER_POINT_CREDIT, &again) ||
            ABS (again - res->credit_before) > recharge->credit_tolerance)
          res->credit_before = G_MININT64;
        else
          res->credit_before = again;
      }
      break;
    }

  for (;;)
    {
      g_autoptr(GError) write_error = NULL;
      gboolean acknowledged;
      Seen seen;

      /* Room for the write and two read-backs, or do not write at all. */
      if (_md_meter_op_remaining_ms (op) < 3 * (gint64) op->settings->response_timeout_ms)
        {
          g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_TIMEOUT,
                       _("Not enough time left to write to meter %s and read it back"),
                       target->address);
          return res->writes == 0 ? MD_DELIVERY_NOT_DELIVERED : MD_DELIVERY_UNKNOWN;
        }
      if (!_md_meter_op_check (op, error))
        return res->writes == 0 ? MD_DELIVERY_NOT_DELIVERED : MD_DELIVERY_UNKNOWN;

      res->writes++;
      acknowledged = send_recharge (op, target, recharge->amount, n1, &write_error);
      if (!acknowledged && write_error->code != MD_METER_ERROR_UNCERTAIN &&
          write_error->code != MD_METER_ERROR_REFUSED && write_error->code != MD_METER_ERROR_BUSY &&
          write_error->code != MD_METER_ERROR_DENIED)
        {
          /* Never left this computer (port closed, cancelled): still N. */
          res->writes--;
          g_propagate_error (error, g_steal_pointer (&write_error));
          return res->writes == 0 ? MD_DELIVERY_NOT_DELIVERED : MD_DELIVERY_UNKNOWN;
        }

      /* Whatever happened, the count decides; a cancellation no longer
       * stops us now that the meter may have acted. */
      op->cancellable = NULL;
      res->read_backs++;
      seen = confirm_count (op, target, n1, !acknowledged, -1, 1, &after, error);
      switch (seen)
        {
        case SEEN_N1:
          return delivered (op, target, recharge, res, &after, error);
        case SEEN_OTHER:
          md_meter_reading_get (&after, MD_METER_POINT_PURCHASE_COUNT, &c);
          return conflict (error, c, n);
        case SEEN_NOTHING:
          g_prefix_error (error, _("Recharge of meter %s: outcome unknown, read the meter "
                                   "again later: "), target->address);
          return MD_DELIVERY_UNKNOWN;
        case SEEN_N:
        default:
          break;
        }

      /* Provably not applied. A refusal or an acknowledged write that did
       * nothing will not change on a second try. */
      res->count_after = n;
      if (acknowledged || write_error->code != MD_METER_ERROR_UNCERTAIN)
        {
          g_clear_error (error);
          if (acknowledged)
            g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_REFUSED,
                         _("Meter %s acknowledged the recharge but its purchase count stayed "
                           "%lld"), target->address, (long long) n);
          else
            g_propagate_error (error, g_steal_pointer (&write_error));
          return MD_DELIVERY_NOT_DELIVERED;
        }
      if (res->writes >= max_writes)
        {
          g_clear_error (error);
          g_propagate_error (error, g_steal_pointer (&write_error));
          return MD_DELIVERY_NOT_DELIVERED;
        }
      g_clear_error (error);
      g_debug ("%s: recharge not applied (count still %" G_GINT64_FORMAT "), writing again",
               target->address, n);
    }
}

MdDelivery
_md_meter_op_inspect (MdMeterOp       *op,
                      MdMeterTarget   *target,
                      gint64           purchase_count,
                      MdMeterReading  *out,
                      GError         **error)
{
  Seen seen;
  gint64 c;

  md_meter_reading_clear (out);
  if (!target->profile->read[MD_METER_POINT_PURCHASE_COUNT].present)
    {
      g_set_error (error, MD_METER_ERROR, MD_METER_ERROR_UNSUPPORTED,
                   _("Meter model “%s” does not report a purchase count"),
                   target->profile->name);
      return MD_DELIVERY_UNKNOWN;
    }
  seen = confirm_count (op, target, purchase_count, FALSE, -1, 1, out, error);
  switch (seen)
    {
    case SEEN_N1:
      g_clear_error (error);
      return MD_DELIVERY_DELIVERED;
    case SEEN_N:
      g_clear_error (error);
      return MD_DELIVERY_NOT_DELIVERED;
    case SEEN_OTHER:
      md_meter_reading_get (out, MD_METER_POINT_PURCHASE_COUNT, &c);
      return conflict (error, c, purchase_count - 1);
    case SEEN_NOTHING:
    default:
      return MD_DELIVERY_UNKNOWN;
    }
}
