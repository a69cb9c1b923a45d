/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-sim-meter.h"

#include <gio/gio.h>
#include <string.h>

#include "md-card-profile.h"

/*
 * The simulated meter works on the card through the same profile code as
 * the sales counter, over a direct link (not PC/SC). Its order matters: it
 * writes its new state back onto the card first and commits its own state
 * only after, so a card pulled out in between is loaded again next time
 * (the meter's count did not move) and the counter never sees a write-back
 * claiming less than the meter loaded.
 */

void
md_sim_meter_init (MdSimMeter *meter,
                   const char *meter_id)
{
  memset (meter, 0, sizeof *meter);
  g_strlcpy (meter->meter_id, meter_id != NULL ? meter_id : "000000000001",
             sizeof meter->meter_id);
  meter->money = TRUE;
  meter->price = 5880;
}

gboolean
md_sim_meter_load (MdSimMeter  *meter,
                   const char  *path,
                   GError     **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *id = NULL;
  g_autofree char *account = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    return FALSE;
  id = g_key_file_get_string (kf, "meter", "id", NULL);
  account = g_key_file_get_string (kf, "meter", "account", NULL);
  md_sim_meter_init (meter, id);
  g_strlcpy (meter->account_no, account != NULL ? account : "", sizeof meter->account_no);
  meter->money = g_key_file_get_boolean (kf, "meter", "money", NULL);
  meter->generation = g_key_file_get_int64 (kf, "meter", "generation", NULL);
  meter->load_count = g_key_file_get_int64 (kf, "meter", "load_count", NULL);
  meter->remaining = g_key_file_get_int64 (kf, "meter", "remaining", NULL);
  meter->cumulative = g_key_file_get_int64 (kf, "meter", "cumulative", NULL);
  meter->price = g_key_file_get_int64 (kf, "meter", "price", NULL);
  meter->params.capacity = g_key_file_get_int64 (kf, "meter", "capacity", NULL);
  meter->params.alarm1 = g_key_file_get_int64 (kf, "meter", "alarm1", NULL);
  meter->params.alarm2 = g_key_file_get_int64 (kf, "meter", "alarm2", NULL);
  meter->params.power_limit = g_key_file_get_int64 (kf, "meter", "power_limit", NULL);
  return TRUE;
}

gboolean
md_sim_meter_save (const MdSimMeter  *meter,
                   const char        *path,
                   GError           **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *data = NULL;
  gsize len = 0;

  g_key_file_set_string (kf, "meter", "id", meter->meter_id);
  g_key_file_set_string (kf, "meter", "account", meter->account_no);
  g_key_file_set_boolean (kf, "meter", "money", meter->money);
  g_key_file_set_int64 (kf, "meter", "generation", meter->generation);
  g_key_file_set_int64 (kf, "meter", "load_count", meter->load_count);
  g_key_file_set_int64 (kf, "meter", "remaining", meter->remaining);
  g_key_file_set_int64 (kf, "meter", "cumulative", meter->cumulative);
  g_key_file_set_int64 (kf, "meter", "price", meter->price);
  g_key_file_set_int64 (kf, "meter", "capacity", meter->params.capacity);
  g_key_file_set_int64 (kf, "meter", "alarm1", meter->params.alarm1);
  g_key_file_set_int64 (kf, "meter", "alarm2", meter->params.alarm2);
  g_key_file_set_int64 (kf, "meter", "power_limit", meter->params.power_limit);
  data = g_key_file_to_data (kf, &len, NULL);
  return g_file_set_contents_full (path, data, len,
                                   G_FILE_SET_CONTENTS_CONSISTENT |
                                   G_FILE_SET_CONTENTS_DURABLE, 0600, error);
}

static guint8
status_of (const MdSimMeter *meter)
{
  guint8 status = 0;

  if (meter->remaining <= 0)
    status |= MD_CARD_METER_EXHAUSTED | MD_CARD_METER_RELAY_OPEN;
  if (meter->params.alarm1 > 0 && meter->remaining <= meter->params.alarm1)
    status |= MD_CARD_METER_ALARM1;
  if (meter->params.alarm2 > 0 && meter->remaining <= meter->params.alarm2)
    status |= MD_CARD_METER_ALARM2;
  return status;
}

static void
fill_record (const MdSimMeter  *meter,
             MdCardMeterResult  result,
             MdCardMeterRecord *record)
{
  memset (record, 0, sizeof *record);
  record->status = status_of (meter);
  record->result = result;
  record->load_count = (guint32) CLAMP (meter->load_count, 0, G_MAXUINT32);
  record->remaining = (gint32) CLAMP (meter->remaining, G_MININT32, G_MAXINT32);
  record->cumulative = (guint32) CLAMP (meter->cumulative, 0, G_MAXUINT32);
  record->generation = (guint16) MIN (meter->generation, G_MAXUINT16);
  for (guint i = 0; i < MD_CARD_METER_ID_SIZE; i++)
    {
      int hi = g_ascii_digit_value (meter->meter_id[2 * i]);
      int lo = g_ascii_digit_value (meter->meter_id[2 * i + 1]);

      record->meter_id[i] = (guint8) ((MAX (hi, 0) << 4) | MAX (lo, 0));
    }
}

/**
 * md_sim_meter_insert_card:
 * @out_result: (out): what the meter did
 *
 * Reads the card in @link like a meter: every MAC checked; a customer's
 * card of this account (or the first card of an unbound meter) loads its
 * purchase when its count is the meter's + 1 and its generation is not
 * older than the meter's; technicians' cards set, check or clear. The
 * meter's state is written back onto the card before it is committed.
 *
 * Returns: %FALSE when the card cannot be read or written back; the meter
 *   is then unchanged
 */
gboolean
md_sim_meter_insert_card (MdSimMeter         *meter,
                          MdCardLink         *link,
                          const MdCardKeys   *keys,
                          MdCardMeterResult  *out_result,
                          GError            **error)
{
  g_autoptr(MdCardSession) session = NULL;
  g_auto(MdCardState) card = { 0 };
  MdSimMeter next = *meter;
  MdCardMeterResult result = MD_CARD_RESULT_NOTHING_NEW;
  MdCardMeterRecord record;

  /* A meter has no supervisor to ask, and it always knows the PSC: it
   * presents it while any try is left and the code is certain. */
  *out_result = MD_CARD_RESULT_NONE;
  if (!(session = md_card_session_open (link, keys, MD_CARD_SESSION_SUPERVISOR_OVERRIDE, NULL,
                                        error)) ||
      !md_card_session_read (session, &card, error))
    return FALSE;

  switch (card.kind)
    {
    case MD_CARD_KIND_BLANK:
      g_set_error (error, MD_CARD_ERROR, MD_CARD_ERROR_BLANK, "the card is blank");
      return FALSE;

    case MD_CARD_KIND_CHECK:
      result = MD_CARD_RESULT_CHECKED;
      break;

    case MD_CARD_KIND_SETTING:
      next.params = card.params;
      result = MD_CARD_RESULT_SET;
      break;

    case MD_CARD_KIND_CLEAR:
      next.account_no[0] = '\0';
      next.generation = 0;
      next.load_count = 0;
      next.remaining = 0;
      result = MD_CARD_RESULT_CLEARED;
      break;

    case MD_CARD_KIND_PURCHASE:
    case MD_CARD_KIND_REPLACEMENT:
    default:
      if (next.account_no[0] == '\0')
        {
          g_strlcpy (next.account_no, card.account_no, sizeof next.account_no);
          next.money = card.money;
        }
      if (!g_str_equal (next.account_no, card.account_no) || next.money != card.money)
        result = MD_CARD_RESULT_REFUSED_ACCOUNT;
      else if (card.generation < next.generation)
        result = MD_CARD_RESULT_REFUSED_GENERATION;
      else
        {
          next.generation = card.generation;
          /* The next count, or one past reversed purchases the meter has
           * not seen (they carry nothing). */
          if (!card.has_purchase || card.purchase_count <= next.load_count)
            result = MD_CARD_RESULT_NOTHING_NEW;
          else if (card.purchase_count - card.purchase_skipped > next.load_count + 1)
            result = MD_CARD_RESULT_REFUSED_COUNT;
          else if (next.params.capacity > 0 &&
                   next.remaining + card.credit > next.params.capacity)
            result = MD_CARD_RESULT_REFUSED_CAPACITY;
          else
            {
              next.load_count = card.purchase_count;
              next.remaining += card.reversed ? 0 : card.credit;
              result = MD_CARD_RESULT_LOADED;
            }
        }
      /* A refused card learns nothing of another account's meter. */
      if (result == MD_CARD_RESULT_REFUSED_ACCOUNT)
        {
          *out_result = result;
          return TRUE;
        }
      break;
    }

  if (result == MD_CARD_RESULT_REFUSED_GENERATION || result == MD_CARD_RESULT_REFUSED_COUNT ||
      result == MD_CARD_RESULT_REFUSED_CAPACITY)
    fill_record (meter, result, &record);
  else
    fill_record (&next, result, &record);
  if (!md_card_session_write_back (session, &record, error))
    return FALSE;

  if (result != MD_CARD_RESULT_REFUSED_GENERATION && result != MD_CARD_RESULT_REFUSED_COUNT &&
      result != MD_CARD_RESULT_REFUSED_CAPACITY)
    *meter = next;
  *out_result = result;
  return TRUE;
}

/**
 * md_sim_meter_use:
 * @energy: Wh used
 *
 * The meter runs: the use is counted, and charged at the meter's price on
 * a money meter.
 */
gboolean
md_sim_meter_use (MdSimMeter  *meter,
                  MdEnergy     energy,
                  GError     **error)
{
  MdMoney cost;

  if (meter->money)
    {
      if (!md_price_cost (meter->price, energy, &cost, error))
        return FALSE;
      meter->remaining -= cost;
    }
  else
    meter->remaining -= energy;
  meter->cumulative += energy;
  return TRUE;
}
