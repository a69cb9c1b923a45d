/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "md-dlt645.h"
#include "md-dlt645-private.h"

/* Values, data identifiers and names of DL/T 645-2007; the framing is in
 * md-dlt645.c. */

/*
 * Data identifiers from PROTOCOLS.md A.4, [V] and [V2] rows only.
 *
 * Left out on purpose, because no public source confirms them ([U]):
 * 04001003 / 04001004 / 04001005 (overdraft, hoarding and close-allowed
 * amount limits) and 00900202 (one vendor's "current purchase count"). A
 * meter model that needs them names them in its profile with its source.
 *
 * The energy rows without a stated format share 00000000's XXXXXX.XX kWh:
 * 3JL serves every DI3 = 00 item through the same energy routine. Rows whose
 * decimals or layout no source gives stay RAW rather than guessed.
 */
#define BCD(di, name, len, n, decimals, unit) \
  { di, name, len, n, MD_DLT645_FORMAT_BCD, decimals, MD_DLT645_UNIT_##unit }
#define FMT(di, name, len, n, format) \
  { di, name, len, n, MD_DLT645_FORMAT_##format, 0, MD_DLT645_UNIT_NONE }
#define RAW(di, name, len) \
  { di, name, len, 1, MD_DLT645_FORMAT_RAW, 0, MD_DLT645_UNIT_NONE }

static const MdDlt645DataId data_ids[] = {
  BCD (0x00000000, N_("Combined active energy, total"), 4, 1, 2, WH),
  BCD (0x00010000, N_("Forward active energy, total"), 4, 1, 2, WH),
  BCD (0x00010100, N_("Forward active energy, tariff 1"), 4, 1, 2, WH),
  BCD (0x00010200, N_("Forward active energy, tariff 2"), 4, 1, 2, WH),
  BCD (0x00010300, N_("Forward active energy, tariff 3"), 4, 1, 2, WH),
  BCD (0x00010400, N_("Forward active energy, tariff 4"), 4, 1, 2, WH),
  BCD (0x0001FF00, N_("Forward active energy, total and tariffs 1–4"), 20, 5, 2, WH),
  BCD (0x00020000, N_("Reverse active energy, total"), 4, 1, 2, WH),
  BCD (0x000B0000, N_("Combined consumption, current settlement period"), 4, 1, 2, WH),
  BCD (0x00900100, N_("Remaining energy"), 4, 1, 2, WH),
  BCD (0x00900101, N_("Overdraft energy"), 4, 1, 2, WH),
  BCD (0x00900200, N_("Remaining amount"), 4, 1, 2, FEN),
  BCD (0x00900201, N_("Overdraft amount"), 4, 1, 2, FEN),
  BCD (0x02010100, N_("Phase A voltage"), 2, 1, 1, DECIVOLT),
  BCD (0x02020100, N_("Phase A current"), 3, 1, 3, MILLIAMPERE),
  BCD (0x02030000, N_("Total active power"), 3, 1, 4, DECIWATT),
  /* X.XXX is four digits: two bytes. */
  BCD (0x02060000, N_("Total power factor"), 2, 1, 3, PERMILLE),
  BCD (0x02800002, N_("Frequency"), 2, 1, 2, CENTIHERTZ),
  BCD (0x03320201, N_("Purchase count (energy type)"), 2, 1, 0, NONE),
  RAW (0x03320601, N_("Cumulative purchased energy"), 4),
  RAW (0x03330101, N_("Last purchase date"), 5),
  BCD (0x03330201, N_("Purchase count"), 2, 1, 0, NONE),
  RAW (0x03330301, N_("Last purchase amount"), 4),
  RAW (0x03330401, N_("Amount before last purchase"), 4),
  RAW (0x03330501, N_("Amount after last purchase"), 4),
  BCD (0x03330601, N_("Cumulative purchased amount"), 4, 1, 2, FEN),
  FMT (0x04000101, N_("Date and weekday"), 4, 1, DATE_WEEK),
  FMT (0x04000102, N_("Time"), 3, 1, TIME),
  FMT (0x04000401, N_("Communication address"), 6, 1, ADDRESS),
  RAW (0x04000402, N_("Meter number"), 6),
  FMT (0x04000501, N_("Running status word 1"), 2, 1, WORD),
  FMT (0x04000502, N_("Running status word 2"), 2, 1, WORD),
  FMT (0x04000503, N_("Running status word 3"), 2, 1, STATUS3),
  FMT (0x04000504, N_("Running status word 4"), 2, 1, WORD),
  FMT (0x04000505, N_("Running status word 5"), 2, 1, WORD),
  FMT (0x04000506, N_("Running status word 6"), 2, 1, WORD),
  FMT (0x04000507, N_("Running status word 7"), 2, 1, WORD),
  FMT (0x040005FF, N_("Running status words 1–7"), 14, 7, WORD),
  RAW (0x04000F01, N_("Alarm energy 1"), 4),
  RAW (0x04000F02, N_("Alarm energy 2"), 4),
  RAW (0x04000F04, N_("Overdraft energy limit"), 4),
  BCD (0x04001001, N_("Alarm amount 1"), 4, 1, 2, FEN),
  BCD (0x04001002, N_("Alarm amount 2"), 4, 1, 2, FEN),
  RAW (0x1D000101, N_("Last trip time"), 6),
  RAW (0x1E000101, N_("Last close time"), 6),
  /* Sent through 03H with MACs; listed for their names only. */
  RAW (0x070000FF, N_("Security: identity authentication"), 0),
  RAW (0x070001FF, N_("Security: set authentication validity"), 0),
  RAW (0x070002FF, N_("Security: invalidate authentication"), 0),
  RAW (0x070101FF, N_("Security: open account"), 0),
  RAW (0x070102FF, N_("Security: recharge"), 0),
  RAW (0x070103FF, N_("Security: wallet initialisation"), 0),
  RAW (0x070301FF, N_("Security: key update"), 0),
  RAW (0x078102FF, N_("Security: status query"), 0),
};

#undef BCD
#undef FMT
#undef RAW

/* Each bit's meaning, least significant first; NULL = not described. */
static const char * const err_bits[8] = {
  N_("other error"),
  N_("no requested data"),
  N_("password wrong or unauthorised"),
  N_("baud rate cannot be changed"),
  N_("year time-zone count exceeded"),
  N_("daily period count exceeded"),
  N_("tariff count exceeded"),
  NULL,
};

static const char * const control_error_bits[16] = {
  N_("meter suspended"),
  N_("MAC error"),
  N_("password wrong or unauthorised"),
  N_("authentication timed out"),
  N_("execution time invalid"),
  N_("trip refused: keep-power active"),
  N_("automatic resume failed"),
  N_("automatic resume time invalid"),
  N_("automatic resume failed"),
  NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

static const char * const security_error_bits[16] = {
  N_("other error"),
  N_("repeated recharge"),
  N_("ESAM verification failed"),
  N_("authentication failed"),
  N_("customer number mismatch"),
  N_("purchase count error"),
  N_("over the hoarding limit"),
  NULL,
  N_("meter suspended"),
  NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

static const char * const exec_info_bits[16] = {
  N_("direct close"),
  N_("close allowed"),
  N_("direct trip"),
  N_("delayed trip"),
  NULL, NULL, NULL, NULL,
  N_("keep power"),
  N_("keep power released"),
  N_("alarm"),
  N_("alarm released"),
  NULL, NULL, NULL, NULL,
};

static gint64
power_of_ten (guint n)
{
  gint64 r = 1;

  while (n--)
    r *= 10;
  return r;
}

static char *
describe_bits (guint               word,
               guint               n_bits,
               const char * const *names)
{
  GString *s = g_string_new (NULL);

  for (guint bit = 0; bit < n_bits; bit++)
    {
      if (!(word & (1u << bit)))
        continue;
      if (s->len > 0)
        g_string_append (s, ", ");
      if (names[bit] != NULL)
        g_string_append (s, _(names[bit]));
      else
        g_string_append_printf (s, _("bit %u (not described)"), bit);
    }
  if (s->len == 0)
    g_string_append (s, _("none"));
  return g_string_free (s, FALSE);
}

/**
 * md_dlt645_bcd_decode:
 * @bytes: (array length=n_bytes): BCD, least significant byte first
 * @n_bytes: 1..9
 * @flags: whether the top bit is a sign
 * @out_value: (out): the integer the digits spell
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success; a nibble A–F is %MD_DLT645_ERROR_BCD
 */
gboolean
md_dlt645_bcd_decode (const guint8      *bytes,
                      gsize              n_bytes,
                      MdDlt645BcdFlags   flags,
                      gint64            *out_value,
                      GError           **error)
{
  gint64 value = 0;
  gboolean negative = FALSE;

  g_return_val_if_fail (bytes != NULL, FALSE);
  g_return_val_if_fail (n_bytes >= 1 && n_bytes <= 9, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);

  for (gsize i = n_bytes; i-- > 0;)
    {
      guint8 b = bytes[i];

      if (i == n_bytes - 1 && (flags & MD_DLT645_BCD_SIGNED))
        {
          negative = (b & 0x80) != 0;
          b &= 0x7F;
        }
      if (!_md_dlt645_is_bcd_byte (b))
        {
          g_set_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_BCD,
                       _("Byte %02X is not a BCD number"), bytes[i]);
          return FALSE;
        }
      value = value * 100 + (b >> 4) * 10 + (b & 0x0F);
    }
  *out_value = negative ? -value : value;
  return TRUE;
}

/**
 * md_dlt645_bcd_encode:
 * @value: the number
 * @flags: whether the top bit is a sign (otherwise @value must be ≥ 0)
 * @out_bytes: (array length=n_bytes) (out caller-allocates): BCD, least
 *   significant byte first
 * @n_bytes: 1..9
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %MD_DLT645_ERROR_RANGE if @value does not fit
 */
gboolean
md_dlt645_bcd_encode (gint64             value,
                      MdDlt645BcdFlags   flags,
                      guint8            *out_bytes,
                      gsize              n_bytes,
                      GError           **error)
{
  gboolean negative = value < 0;
  guint64 magnitude;
  gint64 limit;

  g_return_val_if_fail (out_bytes != NULL, FALSE);
  g_return_val_if_fail (n_bytes >= 1 && n_bytes <= 9, FALSE);

  /* With a sign bit the top digit can only be 0..7. */
  limit = power_of_ten (2 * (guint) n_bytes);
  if (flags & MD_DLT645_BCD_SIGNED)
    limit = limit / 10 * 8;
  magnitude = negative ? (guint64) -(value + 1) + 1 : (guint64) value;
  if ((negative && !(flags & MD_DLT645_BCD_SIGNED)) || magnitude >= (guint64) limit)
    {
      g_set_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_RANGE,
                   _("%lld does not fit in %lu BCD bytes"),
                   (long long) value, (gulong) n_bytes);
      return FALSE;
    }
  for (gsize i = 0; i < n_bytes; i++)
    {
      out_bytes[i] = _md_dlt645_to_bcd ((guint) (magnitude % 100));
      magnitude /= 100;
    }
  if (negative)
    out_bytes[n_bytes - 1] |= 0x80;
  return TRUE;
}

/**
 * md_dlt645_unit_decimals:
 * @unit: a unit
 *
 * Returns: the decimals of the wire unit the project unit keeps: 3 for Wh
 *   (0.001 kWh), 2 for fen, 1 for 0.1 V, 3 for mA, 4 for 0.1 W (0.0001 kW),
 *   2 for 0.01 Hz, 3 for a power factor in thousandths, 0 for a count
 */
guint
md_dlt645_unit_decimals (MdDlt645Unit unit)
{
  switch (unit)
    {
    case MD_DLT645_UNIT_WH:          return 3;
    case MD_DLT645_UNIT_FEN:         return 2;
    case MD_DLT645_UNIT_DECIVOLT:    return 1;
    case MD_DLT645_UNIT_MILLIAMPERE: return 3;
    case MD_DLT645_UNIT_DECIWATT:    return 4;
    case MD_DLT645_UNIT_CENTIHERTZ:  return 2;
    case MD_DLT645_UNIT_PERMILLE:    return 3;
    case MD_DLT645_UNIT_NONE:
    default:                         return 0;
    }
}

/**
 * md_dlt645_unit_symbol:
 * @unit: a unit
 *
 * Returns: the project unit's name for JSON and logs ("Wh", "fen", "0.1V"…),
 *   not translated
 */
const char *
md_dlt645_unit_symbol (MdDlt645Unit unit)
{
  switch (unit)
    {
    case MD_DLT645_UNIT_WH:          return "Wh";
    case MD_DLT645_UNIT_FEN:         return "fen";
    case MD_DLT645_UNIT_DECIVOLT:    return "0.1V";
    case MD_DLT645_UNIT_MILLIAMPERE: return "mA";
    case MD_DLT645_UNIT_DECIWATT:    return "0.1W";
    case MD_DLT645_UNIT_CENTIHERTZ:  return "0.01Hz";
    case MD_DLT645_UNIT_PERMILLE:    return "0.001";
    case MD_DLT645_UNIT_NONE:
    default:                         return "";
    }
}

/**
 * md_dlt645_unit_wire_symbol:
 * @unit: a unit
 *
 * Returns: the unit a person reads the wire value in ("kWh", "元", "V"…),
 *   translated where the unit has a local name
 */
const char *
md_dlt645_unit_wire_symbol (MdDlt645Unit unit)
{
  switch (unit)
    {
    case MD_DLT645_UNIT_WH:          return "kWh";
    /* TRANSLATORS: the currency unit after an amount, 元 in Chinese */
    case MD_DLT645_UNIT_FEN:         return _("yuan");
    case MD_DLT645_UNIT_DECIVOLT:    return "V";
    case MD_DLT645_UNIT_MILLIAMPERE: return "A";
    case MD_DLT645_UNIT_DECIWATT:    return "kW";
    case MD_DLT645_UNIT_CENTIHERTZ:  return "Hz";
    case MD_DLT645_UNIT_PERMILLE:
    case MD_DLT645_UNIT_NONE:
    default:                         return "";
    }
}

/**
 * md_dlt645_value_decode:
 * @bytes: (array length=n_bytes): unsigned BCD, least significant byte first
 * @n_bytes: 1..9
 * @decimals: digits after the point on the wire (≤ the unit's decimals)
 * @unit: the project unit to convert to
 * @out_value: (out): the value in @unit
 * @error: return location for a #GError
 *
 * "XXXXXX.XX kWh" is 4 bytes, 2 decimals, %MD_DLT645_UNIT_WH: `34 12 00 00`
 * (12.34 kWh) gives 12340 Wh.
 *
 * Returns: %TRUE on success
 */
gboolean
md_dlt645_value_decode (const guint8  *bytes,
                        gsize          n_bytes,
                        guint          decimals,
                        MdDlt645Unit   unit,
                        gint64        *out_value,
                        GError       **error)
{
  guint unit_decimals = md_dlt645_unit_decimals (unit);
  gint64 raw, scale;

  g_return_val_if_fail (decimals <= unit_decimals, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);

  if (!md_dlt645_bcd_decode (bytes, n_bytes, MD_DLT645_BCD_DEFAULT, &raw, error))
    return FALSE;
  scale = power_of_ten (unit_decimals - decimals);
  if (raw > G_MAXINT64 / scale)
    {
      g_set_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_RANGE,
                   _("%lld is too large"), (long long) raw);
      return FALSE;
    }
  *out_value = raw * scale;
  return TRUE;
}

/**
 * md_dlt645_value_encode:
 * @value: a value in @unit, ≥ 0
 * @decimals: digits after the point on the wire
 * @unit: the project unit of @value
 * @out_bytes: (array length=n_bytes) (out caller-allocates): BCD, least
 *   significant byte first
 * @n_bytes: 1..9
 * @error: return location for a #GError
 *
 * The reverse of md_dlt645_value_decode(). A value finer than the wire
 * field (12345 Wh into XXXXXX.XX kWh) is %MD_DLT645_ERROR_PRECISION: it is
 * never rounded silently.
 *
 * Returns: %TRUE on success
 */
gboolean
md_dlt645_value_encode (gint64          value,
                        guint           decimals,
                        MdDlt645Unit    unit,
                        guint8         *out_bytes,
                        gsize           n_bytes,
                        GError        **error)
{
  guint unit_decimals = md_dlt645_unit_decimals (unit);
  gint64 scale;

  g_return_val_if_fail (decimals <= unit_decimals, FALSE);

  scale = power_of_ten (unit_decimals - decimals);
  if (value % scale != 0)
    {
      g_set_error (error, MD_DLT645_ERROR, MD_DLT645_ERROR_PRECISION,
                   _("%lld %s is finer than the meter field can hold"),
                   (long long) value, md_dlt645_unit_symbol (unit));
      return FALSE;
    }
  return md_dlt645_bcd_encode (value / scale, MD_DLT645_BCD_DEFAULT, out_bytes, n_bytes, error);
}

/**
 * md_dlt645_decode_energy:
 *
 * "XXXXXX.XX kWh" (4 bytes) into Wh.
 */
gboolean
md_dlt645_decode_energy (const guint8   bytes[4],
                         gint64        *out_wh,
                         GError       **error)
{
  return md_dlt645_value_decode (bytes, 4, 2, MD_DLT645_UNIT_WH, out_wh, error);
}

/**
 * md_dlt645_decode_money:
 *
 * "XXXXXX.XX 元" (4 bytes) into fen.
 */
gboolean
md_dlt645_decode_money (const guint8   bytes[4],
                        gint64        *out_fen,
                        GError       **error)
{
  return md_dlt645_value_decode (bytes, 4, 2, MD_DLT645_UNIT_FEN, out_fen, error);
}

/**
 * md_dlt645_decode_voltage:
 *
 * "XXX.X V" (2 bytes) into 0.1 V.
 */
gboolean
md_dlt645_decode_voltage (const guint8   bytes[2],
                          gint64        *out_decivolt,
                          GError       **error)
{
  return md_dlt645_value_decode (bytes, 2, 1, MD_DLT645_UNIT_DECIVOLT, out_decivolt, error);
}

/**
 * md_dlt645_decode_current:
 *
 * "XXX.XXX A" (3 bytes) into mA.
 */
gboolean
md_dlt645_decode_current (const guint8   bytes[3],
                          gint64        *out_milliampere,
                          GError       **error)
{
  return md_dlt645_value_decode (bytes, 3, 3, MD_DLT645_UNIT_MILLIAMPERE, out_milliampere, error);
}

/**
 * md_dlt645_decode_power:
 *
 * "XX.XXXX kW" (3 bytes) into 0.1 W (lossless).
 */
gboolean
md_dlt645_decode_power (const guint8   bytes[3],
                        gint64        *out_deciwatt,
                        GError       **error)
{
  return md_dlt645_value_decode (bytes, 3, 4, MD_DLT645_UNIT_DECIWATT, out_deciwatt, error);
}

/**
 * md_dlt645_decode_count:
 *
 * "XXXX" (2 bytes), the purchase count.
 */
gboolean
md_dlt645_decode_count (const guint8   bytes[2],
                        guint         *out_count,
                        GError       **error)
{
  gint64 v;

  g_return_val_if_fail (out_count != NULL, FALSE);

  if (!md_dlt645_bcd_decode (bytes, 2, MD_DLT645_BCD_DEFAULT, &v, error))
    return FALSE;
  *out_count = (guint) v;
  return TRUE;
}

/**
 * md_dlt645_decode_status3:
 * @bytes: the 2 bytes of 04000503, least significant first
 * @out_status: (out): the bits
 */
void
md_dlt645_decode_status3 (const guint8     bytes[2],
                          MdDlt645Status3 *out_status)
{
  guint16 w = (guint16) (bytes[0] | (bytes[1] << 8));

  g_return_if_fail (out_status != NULL);

  memset (out_status, 0, sizeof *out_status);
  out_status->raw = w;
  out_status->supply = (w >> 1) & 0x3;
  out_status->ir_programming = (w >> 3) & 1;
  out_status->relay_open = (w >> 4) & 1;
  out_status->relay_command_trip = (w >> 6) & 1;
  out_status->pre_trip_alarm = (w >> 7) & 1;
  out_status->meter_type = (MdDlt645MeterType) ((w >> 8) & 0x3);
  out_status->terminal_auth = (w >> 10) & 1;
  out_status->terminal_security_auth = (w >> 11) & 1;
  out_status->keep_power = (w >> 12) & 1;
  out_status->identity_authenticated = (w >> 13) & 1;
  out_status->local_account_open = (w >> 14) & 1;
  out_status->remote_account_open = (w >> 15) & 1;
}

/**
 * md_dlt645_encode_money:
 *
 * fen into "XXXXXX.XX 元" (4 bytes), e.g. alarm amounts.
 */
gboolean
md_dlt645_encode_money (gint64   fen,
                        guint8   out_bytes[4],
                        GError **error)
{
  return md_dlt645_value_encode (fen, 2, MD_DLT645_UNIT_FEN, out_bytes, 4, error);
}

/**
 * md_dlt645_encode_energy:
 *
 * Wh (a multiple of 10) into "XXXXXX.XX kWh".
 */
gboolean
md_dlt645_encode_energy (gint64   wh,
                         guint8   out_bytes[4],
                         GError **error)
{
  return md_dlt645_value_encode (wh, 2, MD_DLT645_UNIT_WH, out_bytes, 4, error);
}

/**
 * md_dlt645_data_id_lookup:
 * @di: a data identifier
 *
 * Returns: (nullable): its table entry, or %NULL if it is not a verified one
 */
const MdDlt645DataId *
md_dlt645_data_id_lookup (guint32 di)
{
  for (gsize i = 0; i < G_N_ELEMENTS (data_ids); i++)
    if (data_ids[i].di == di)
      return &data_ids[i];
  return NULL;
}

/**
 * md_dlt645_data_ids:
 * @out_n: (out): the number of entries
 *
 * Returns: (array length=out_n): every verified data identifier
 */
const MdDlt645DataId *
md_dlt645_data_ids (gsize *out_n)
{
  g_return_val_if_fail (out_n != NULL, NULL);

  *out_n = G_N_ELEMENTS (data_ids);
  return data_ids;
}

/**
 * md_dlt645_data_id_name:
 * @id: a table entry
 *
 * Returns: its name, translated
 */
const char *
md_dlt645_data_id_name (const MdDlt645DataId *id)
{
  g_return_val_if_fail (id != NULL, NULL);

  return _(id->name);
}

/**
 * md_dlt645_function_name:
 * @function: D4..D0 of a control code
 *
 * Returns: (nullable): the translated name, or %NULL if not in A.2
 */
const char *
md_dlt645_function_name (guint8 function)
{
  switch (function)
    {
    case MD_DLT645_FN_SECURITY:        return _("security authentication");
    case MD_DLT645_FN_BROADCAST_TIME:  return _("broadcast time");
    case MD_DLT645_FN_READ:            return _("read data");
    case MD_DLT645_FN_READ_FOLLOW_UP:  return _("read follow-up data");
    case MD_DLT645_FN_READ_ADDRESS:    return _("read communication address");
    case MD_DLT645_FN_WRITE:           return _("write data");
    case MD_DLT645_FN_WRITE_ADDRESS:   return _("write communication address");
    case MD_DLT645_FN_FREEZE:          return _("freeze");
    case MD_DLT645_FN_CHANGE_BAUD:     return _("change baud rate");
    case MD_DLT645_FN_CHANGE_PASSWORD: return _("change password");
    case MD_DLT645_FN_CLEAR_DEMAND:    return _("clear maximum demand");
    case MD_DLT645_FN_CLEAR_METER:     return _("clear meter");
    case MD_DLT645_FN_CLEAR_EVENTS:    return _("clear events");
    case MD_DLT645_FN_CONTROL:         return _("trip, close, alarm and keep-power control");
    case MD_DLT645_FN_OUTPUT:          return _("multi-function terminal output");
    default:                           return NULL;
    }
}

/**
 * md_dlt645_control_command_name:
 * @command: N1 of a 1CH block
 *
 * Returns: (nullable): the translated name, or %NULL if not in A.3
 */
const char *
md_dlt645_control_command_name (guint8 command)
{
  switch (command)
    {
    case MD_DLT645_CONTROL_TRIP:               return _("trip");
    case MD_DLT645_CONTROL_CLOSE_ALLOWED:      return _("close allowed");
    case MD_DLT645_CONTROL_CLOSE:              return _("direct close");
    case MD_DLT645_CONTROL_TRIP_RESUME_1D:
    case MD_DLT645_CONTROL_TRIP_RESUME_1E:     return _("trip with automatic resume");
    case MD_DLT645_CONTROL_ALARM:              return _("alarm");
    case MD_DLT645_CONTROL_ALARM_RELEASE:      return _("alarm release");
    case MD_DLT645_CONTROL_KEEP_POWER:         return _("keep power");
    case MD_DLT645_CONTROL_KEEP_POWER_RELEASE: return _("release keep power");
    default:                                   return NULL;
    }
}

/**
 * md_dlt645_err_describe:
 *
 * the set bits of ERR, translated, comma-separated.
 */
char *
md_dlt645_err_describe (guint8 err)
{
  return describe_bits (err, 8, err_bits);
}

/**
 * md_dlt645_control_error_describe:
 *
 * the set bits of a DCH error word.
 */
char *
md_dlt645_control_error_describe (guint16 word)
{
  return describe_bits (word, 16, control_error_bits);
}

/**
 * md_dlt645_security_error_describe:
 *
 * the set bits of a C3H SERR.
 */
char *
md_dlt645_security_error_describe (guint16 word)
{
  return describe_bits (word, 16, security_error_bits);
}

/**
 * md_dlt645_exec_info_describe:
 *
 * the set bits of a 9CH execution info.
 */
char *
md_dlt645_exec_info_describe (guint16 word)
{
  return describe_bits (word, 16, exec_info_bits);
}
