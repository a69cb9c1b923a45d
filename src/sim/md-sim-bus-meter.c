/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "md-sim-bus-private.h"

/*
 * The simulated meter: the `meterdesk-sim` model of docs/meters.md.
 * Integers throughout: energy in W·s (litre-hours·s for water), credit in
 * 1e-7 yuan so a Wh at a price in 0.0001 yuan/kWh costs exactly `price`
 * units. Consumption stops while the supply is off.
 */

void
_md_sim_meter_init (MdSimMeter *m,
                    const char *address,
                    guint       port,
                    guint       unit,
                    gboolean    water,
                    gint64      load,
                    gint64      credit_fen,
                    gint64      price)
{
  memset (m, 0, sizeof *m);
  g_strlcpy (m->address, address, sizeof m->address);
  /* DL/T 645 takes the last 12 digits (water numbers have 14). */
  md_dlt645_address_parse (address + (strlen (address) > 12 ? strlen (address) - 12 : 0),
                           &m->dl_address, NULL);
  m->port = port;
  m->unit = unit;
  m->water = water;
  m->load = load;
  m->credit_e7 = credit_fen * MD_SIM_E7_PER_FEN;
  for (guint i = 0; i < 4; i++)
    {
      m->params[MD_SIM_PARAM_PRICE + 2 * i] = (guint16) (price >> 16);
      m->params[MD_SIM_PARAM_PRICE + 2 * i + 1] = (guint16) (price & 0xFFFF);
    }
  m->params[MD_SIM_PARAM_RATE] = 3;   /* flat */
}

void
_md_sim_meter_clear (MdSimMeter *m)
{
  g_clear_pointer (&m->pending, g_byte_array_unref);
}

gint64
_md_sim_meter_param32 (const MdSimMeter *m,
                       guint             index)
{
  return ((gint64) m->params[index] << 16) | m->params[index + 1];
}

gboolean
_md_sim_meter_remote (const MdSimMeter *m)
{
  return m->params[MD_SIM_PARAM_MODE] != 0;
}

static guint
current_rate (const MdSimMeter *m)
{
  guint r = m->params[MD_SIM_PARAM_RATE];

  return r >= 1 && r <= 4 ? r - 1 : 2;
}

gint64
_md_sim_meter_energy (const MdSimMeter *m,
                      gint              rate)
{
  return (rate < 0 ? m->energy_us : m->rate_us[rate]) / 3600;
}

/* Floor: a meter shows 0.00 until a whole fen is there. */
gint64
_md_sim_meter_credit_fen (const MdSimMeter *m)
{
  if (m->credit_e7 >= 0)
    return m->credit_e7 / MD_SIM_E7_PER_FEN;
  return -((-m->credit_e7 + MD_SIM_E7_PER_FEN - 1) / MD_SIM_E7_PER_FEN);
}

gint64
_md_sim_meter_power (const MdSimMeter *m)
{
  return m->supply_off || m->water ? 0 : m->load;
}

/* Local mode cuts the supply at zero credit; keep-power overrides. */
static void
apply_rules (MdSimMeter *m)
{
  gint64 limit = _md_sim_meter_param32 (m, MD_SIM_PARAM_LIMIT);

  if (m->keep_power)
    return;
  if (!_md_sim_meter_remote (m) && m->credit_e7 <= 0 && !m->supply_off)
    {
      m->supply_off = TRUE;
      m->tripped_credit = TRUE;
    }
  if (!m->water && limit > 0 && m->load > limit)
    m->supply_off = TRUE;
}

void
_md_sim_meter_tick (MdSimMeter *m,
                    guint       seconds)
{
  gint64 before, after;
  guint rate = current_rate (m);

  if (m->supply_off || m->load <= 0 || seconds == 0)
    return;
  before = m->energy_us / 3600;
  m->energy_us += m->load * (gint64) seconds;
  m->rate_us[rate] += m->load * (gint64) seconds;
  after = m->energy_us / 3600;
  m->credit_e7 -= (after - before) * _md_sim_meter_param32 (m, MD_SIM_PARAM_PRICE + 2 * rate);
  apply_rules (m);
}

guint16
_md_sim_meter_status (const MdSimMeter *m)
{
  gint64 fen = _md_sim_meter_credit_fen (m);
  guint16 s = 0;

  if (m->supply_off)
    s |= 1 << 0;
  if (m->keep_power)
    s |= 1 << 1;
  if (_md_sim_meter_remote (m))
    s |= 1 << 2;
  if (fen <= _md_sim_meter_param32 (m, MD_SIM_PARAM_ALARM_1))
    s |= 1 << 3;
  if (fen <= _md_sim_meter_param32 (m, MD_SIM_PARAM_ALARM_2))
    s |= 1 << 4;
  if (m->supply_off && !m->tripped_credit)
    s |= 1 << 5;
  if (m->tripped_credit)
    s |= 1 << 6;
  return s;
}

gint64
_md_sim_meter_now (const MdSimMeter *m)
{
  return g_get_real_time () / G_USEC_PER_SEC + m->clock_offset_s;
}

/* 8 BCD bytes, big-endian, in 4 registers: the meter number. */
static guint16
serial_reg (const MdSimMeter *m,
            guint             index)
{
  char digits[17];
  size_t len = strlen (m->address);
  guint16 v = 0;

  memset (digits, '0', 16);
  digits[16] = '\0';
  memcpy (digits + 16 - MIN (len, 16), m->address + (len > 16 ? len - 16 : 0), MIN (len, 16));
  for (guint i = 0; i < 4; i++)
    v = (guint16) ((v << 4) | (digits[index * 4 + i] - '0'));
  return v;
}

static guint16
u32_reg (gint64 v,
         guint  half)
{
  guint32 u = (guint32) v;

  return half == 0 ? (guint16) (u >> 16) : (guint16) (u & 0xFFFF);
}

gboolean
_md_sim_meter_read_reg (const MdSimMeter *m,
                        guint             reg,
                        guint16          *out)
{
  *out = 0;
  if (reg < MD_SIM_REG_LIVE_END)
    {
      switch (reg)
        {
        case 0x0000:
          *out = MD_SIM_MAGIC;
          break;
        case 0x0001:
          *out = MD_SIM_MAP_VERSION;
          break;
        case 0x0002:
          *out = m->water ? 1 : 0;
          break;
        case 0x0004: case 0x0005: case 0x0006: case 0x0007:
          *out = serial_reg (m, reg - 0x0004);
          break;
        case 0x0010: case 0x0011:
          *out = u32_reg (_md_sim_meter_energy (m, -1), reg - 0x0010);
          break;
        case 0x0012: case 0x0013: case 0x0014: case 0x0015:
        case 0x0016: case 0x0017: case 0x0018: case 0x0019:
          *out = u32_reg (_md_sim_meter_energy (m, (gint) (reg - 0x0012) / 2), (reg - 0x0012) % 2);
          break;
        case 0x001A: case 0x001B:
          *out = u32_reg (_md_sim_meter_credit_fen (m), reg - 0x001A);
          break;
        case 0x001C:
          *out = (guint16) m->count;
          break;
        case 0x001D:
          *out = _md_sim_meter_status (m);
          break;
        case 0x001E: case 0x001F:
          *out = u32_reg (_md_sim_meter_power (m), reg - 0x001E);
          break;
        case 0x0020:
          *out = m->water ? 0 : 2200;
          break;
        case 0x0021: case 0x0022:
          *out = u32_reg (m->water ? 0 : _md_sim_meter_power (m) * 10000 / 2200, reg - 0x0021);
          break;
        case 0x0023: case 0x0024:
          *out = u32_reg (m->purchased_fen, reg - 0x0023);
          break;
        default:
          break;
        }
      return TRUE;
    }
  if (reg >= MD_SIM_REG_PARAMS && reg < MD_SIM_REG_PARAMS + MD_SIM_N_PARAMS)
    {
      *out = m->params[reg - MD_SIM_REG_PARAMS];
      return TRUE;
    }
  if (reg >= MD_SIM_REG_RECHARGE && reg < MD_SIM_REG_RECHARGE + 3)
    {
      *out = reg == MD_SIM_REG_RECHARGE + 2 ? m->last_count
                                           : u32_reg (m->last_amount, reg - MD_SIM_REG_RECHARGE);
      return TRUE;
    }
  if (reg == MD_SIM_REG_CONTROL)
    {
      *out = m->supply_off ? 1 : 2;
      return TRUE;
    }
  if (reg == MD_SIM_REG_CONTROL + 1)
    {
      *out = m->keep_power ? 1 : 0;
      return TRUE;
    }
  if (reg >= MD_SIM_REG_CLOCK && reg < MD_SIM_REG_CLOCK + 6)
    {
      g_autoptr(GDateTime) t = g_date_time_new_from_unix_local (_md_sim_meter_now (m));
      guint16 v[6] = { (guint16) g_date_time_get_year (t), (guint16) g_date_time_get_month (t),
                       (guint16) g_date_time_get_day_of_month (t),
                       (guint16) g_date_time_get_hour (t), (guint16) g_date_time_get_minute (t),
                       (guint16) g_date_time_get_second (t) };

      *out = v[reg - MD_SIM_REG_CLOCK];
      return TRUE;
    }
  return FALSE;
}

/**
 * _md_sim_meter_recharge:
 *
 * Accepts @amount_fen only with @count = the meter's count + 1, the rule
 * that makes a repeated recharge harmless.
 */
gboolean
_md_sim_meter_recharge (MdSimMeter *m,
                        gint64      amount_fen,
                        gint64      count)
{
  if (amount_fen <= 0 || amount_fen > G_GINT64_CONSTANT (100000000000) ||
      count != (gint64) m->count + 1 || count > 0xFFFF)
    return FALSE;
  m->credit_e7 += amount_fen * MD_SIM_E7_PER_FEN;
  m->count = (guint) count;
  m->purchased_fen += amount_fen;
  m->last_amount = (guint32) amount_fen;
  m->last_count = (guint16) count;
  m->recharges_accepted++;
  /* A meter cut off for credit closes again once it has some. */
  if (m->tripped_credit && m->credit_e7 > 0)
    {
      m->supply_off = FALSE;
      m->tripped_credit = FALSE;
    }
  return TRUE;
}

/* Trip (@off) or close. Refused: a trip under keep-power, a close with no
 * credit in local mode. */
gboolean
_md_sim_meter_set_supply (MdSimMeter *m,
                          gboolean    off)
{
  if (off)
    {
      if (m->keep_power)
        return FALSE;
      m->supply_off = TRUE;
      m->tripped_credit = FALSE;
      return TRUE;
    }
  if (!m->keep_power && !_md_sim_meter_remote (m) && m->credit_e7 <= 0)
    return FALSE;
  m->supply_off = FALSE;
  m->tripped_credit = FALSE;
  return TRUE;
}

void
_md_sim_meter_set_keep_power (MdSimMeter *m,
                              gboolean    on)
{
  m->keep_power = on;
  if (on && m->tripped_credit)
    {
      m->supply_off = FALSE;
      m->tripped_credit = FALSE;
    }
  apply_rules (m);
}

gboolean
_md_sim_meter_set_clock (MdSimMeter *m,
                         guint       year,
                         guint       month,
                         guint       day,
                         guint       hour,
                         guint       minute,
                         guint       second)
{
  g_autoptr(GDateTime) t = NULL;

  if (year < 2000 || year > 2099 || month < 1 || month > 12 || day < 1 || day > 31 ||
      hour > 23 || minute > 59 || second > 59)
    return FALSE;
  t = g_date_time_new_local ((gint) year, (gint) month, (gint) day, (gint) hour, (gint) minute,
                             second);
  if (t == NULL)
    return FALSE;
  m->clock_offset_s = g_date_time_to_unix (t) - g_get_real_time () / G_USEC_PER_SEC;
  return TRUE;
}

/**
 * _md_sim_meter_write_regs:
 *
 * Returns: 0, or the Modbus exception code
 */
guint8
_md_sim_meter_write_regs (MdSimMeter     *m,
                          guint           reg,
                          const guint16  *v,
                          guint           n,
                          gboolean        single,
                          MdSimEffect    *fx)
{
  guint end = reg + n;

  /* The recharge block goes in one 10H write of exactly three registers. */
  if (reg < MD_SIM_REG_RECHARGE + 3 && end > MD_SIM_REG_RECHARGE)
    {
      if (single || reg != MD_SIM_REG_RECHARGE || n != 3)
        return 0x03;
      fx->recharge_write = TRUE;
      m->recharge_writes++;
      return _md_sim_meter_recharge (m, ((gint64) v[0] << 16) | v[1], v[2]) ? 0 : 0x03;
    }
  if (reg >= MD_SIM_REG_PARAMS && end <= MD_SIM_REG_PARAMS + MD_SIM_N_PARAMS)
    {
      for (guint i = 0; i < n; i++)
        {
          guint p = reg + i - MD_SIM_REG_PARAMS;

          if ((p == MD_SIM_PARAM_MODE && v[i] > 1) ||
              (p == MD_SIM_PARAM_RATE && (v[i] < 1 || v[i] > 4)))
            return 0x03;
        }
      for (guint i = 0; i < n; i++)
        m->params[reg + i - MD_SIM_REG_PARAMS] = v[i];
      apply_rules (m);
      return 0;
    }
  if (reg >= MD_SIM_REG_CONTROL && end <= MD_SIM_REG_CONTROL + 2)
    {
      for (guint i = 0; i < n; i++)
        {
          if (reg + i == MD_SIM_REG_CONTROL)
            {
              if (v[i] != 1 && v[i] != 2)
                return 0x03;
              if (!_md_sim_meter_set_supply (m, v[i] == 1))
                return 0x03;
            }
          else
            {
              if (v[i] > 1)
                return 0x03;
              _md_sim_meter_set_keep_power (m, v[i] == 1);
            }
        }
      return 0;
    }
  if (reg == MD_SIM_REG_CLOCK && n == 6)
    return _md_sim_meter_set_clock (m, v[0], v[1], v[2], v[3], v[4], v[5]) ? 0 : 0x03;
  return 0x02;
}

void
_md_sim_meter_snapshot (const MdSimMeter *m,
                        MdSimMeterState  *out)
{
  memset (out, 0, sizeof *out);
  g_strlcpy (out->address, m->address, sizeof out->address);
  out->port = m->port;
  out->unit = m->unit;
  out->water = m->water;
  out->energy_wh = _md_sim_meter_energy (m, -1);
  for (guint i = 0; i < 4; i++)
    {
      out->rate_wh[i] = _md_sim_meter_energy (m, (gint) i);
      out->price[i] = _md_sim_meter_param32 (m, MD_SIM_PARAM_PRICE + 2 * i);
    }
  out->credit_fen = _md_sim_meter_credit_fen (m);
  out->purchase_count = m->count;
  out->purchased_fen = m->purchased_fen;
  out->supply_off = m->supply_off;
  out->keep_power = m->keep_power;
  out->remote_mode = _md_sim_meter_remote (m);
  out->power_w = _md_sim_meter_power (m);
  out->alarm_1 = _md_sim_meter_param32 (m, MD_SIM_PARAM_ALARM_1);
  out->alarm_2 = _md_sim_meter_param32 (m, MD_SIM_PARAM_ALARM_2);
  out->power_limit_w = _md_sim_meter_param32 (m, MD_SIM_PARAM_LIMIT);
  out->clock_offset_s = m->clock_offset_s;
  out->recharge_writes = m->recharge_writes;
  out->recharges_accepted = m->recharges_accepted;
  out->blind_rewrites = m->blind_rewrites;
  out->requests = m->requests;
  out->faults = m->faults;
}
