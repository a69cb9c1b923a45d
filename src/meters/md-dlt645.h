/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * DL/T 645-2007 wire codec: pure functions, no I/O. Every constant here is
 * backed by docs/PROTOCOLS.md section A ([V]/[V2] facts only); unverified
 * details are left to the caller as raw bytes.
 *
 *   [FE FE FE FE] 68 A0..A5 68 C L DATA(L, each +33H) CS 16
 */

#define MD_DLT645_ADDRESS_LEN   6
#define MD_DLT645_DATA_MAX      255   /* L is one byte */
#define MD_DLT645_PREAMBLE_LEN  4
#define MD_DLT645_OVERHEAD      12    /* 68 A×6 68 C L CS 16 */
#define MD_DLT645_FRAME_MAX     (MD_DLT645_PREAMBLE_LEN + MD_DLT645_OVERHEAD + MD_DLT645_DATA_MAX)

#define MD_DLT645_ERROR (md_dlt645_error_quark ())

/**
 * MdDlt645Error:
 * @MD_DLT645_ERROR_ADDRESS: an address that is not 12 digits
 * @MD_DLT645_ERROR_TOO_LONG: data longer than L can say
 * @MD_DLT645_ERROR_CHECKSUM: CS does not match the bytes it covers
 * @MD_DLT645_ERROR_END: no 16H where the frame should end
 * @MD_DLT645_ERROR_MALFORMED: a frame that checks out but whose data cannot
 *   be what its control code says (an error reply of the wrong length…)
 * @MD_DLT645_ERROR_BCD: a nibble A–F where a BCD digit belongs
 * @MD_DLT645_ERROR_RANGE: a value that does not fit its field
 * @MD_DLT645_ERROR_PRECISION: a value finer than its field can carry
 * @MD_DLT645_ERROR_LENGTH: a value of the wrong size for its data identifier
 */
typedef enum
{
  MD_DLT645_ERROR_ADDRESS,
  MD_DLT645_ERROR_TOO_LONG,
  MD_DLT645_ERROR_CHECKSUM,
  MD_DLT645_ERROR_END,
  MD_DLT645_ERROR_MALFORMED,
  MD_DLT645_ERROR_BCD,
  MD_DLT645_ERROR_RANGE,
  MD_DLT645_ERROR_PRECISION,
  MD_DLT645_ERROR_LENGTH,
} MdDlt645Error;

/* Control code C: D4..D0 function, D5 follow-up, D6 abnormal, D7 slave→master. */
#define MD_DLT645_C_FUNCTION   0x1F
#define MD_DLT645_C_FOLLOW_UP  0x20
#define MD_DLT645_C_ABNORMAL   0x40
#define MD_DLT645_C_FROM_SLAVE 0x80

/**
 * MdDlt645Function:
 *
 * The function (D4..D0) of a control code, master → slave (PROTOCOLS.md A.2).
 */
typedef enum
{
  MD_DLT645_FN_SECURITY        = 0x03,
  MD_DLT645_FN_BROADCAST_TIME  = 0x08,
  MD_DLT645_FN_READ            = 0x11,
  MD_DLT645_FN_READ_FOLLOW_UP  = 0x12,
  MD_DLT645_FN_READ_ADDRESS    = 0x13,
  MD_DLT645_FN_WRITE           = 0x14,
  MD_DLT645_FN_WRITE_ADDRESS   = 0x15,
  MD_DLT645_FN_FREEZE          = 0x16,
  MD_DLT645_FN_CHANGE_BAUD     = 0x17,
  MD_DLT645_FN_CHANGE_PASSWORD = 0x18,
  MD_DLT645_FN_CLEAR_DEMAND    = 0x19,
  MD_DLT645_FN_CLEAR_METER     = 0x1A,
  MD_DLT645_FN_CLEAR_EVENTS    = 0x1B,
  MD_DLT645_FN_CONTROL         = 0x1C,
  MD_DLT645_FN_OUTPUT          = 0x1D,
} MdDlt645Function;

/**
 * MdDlt645ControlCommand:
 *
 * N1 of the 1CH control block (PROTOCOLS.md A.3). 1DH and 1EH are both
 * "trip with automatic resume after N2 × 5 min"; the sources do not say how
 * they differ, so both are offered unchanged.
 */
typedef enum
{
  MD_DLT645_CONTROL_TRIP               = 0x1A,
  MD_DLT645_CONTROL_CLOSE_ALLOWED      = 0x1B,
  MD_DLT645_CONTROL_CLOSE              = 0x1C,
  MD_DLT645_CONTROL_TRIP_RESUME_1D     = 0x1D,
  MD_DLT645_CONTROL_TRIP_RESUME_1E     = 0x1E,
  MD_DLT645_CONTROL_ALARM              = 0x2A,
  MD_DLT645_CONTROL_ALARM_RELEASE      = 0x2B,
  MD_DLT645_CONTROL_KEEP_POWER         = 0x3A,
  MD_DLT645_CONTROL_KEEP_POWER_RELEASE = 0x3B,
} MdDlt645ControlCommand;

/* Baud-rate bit field Z of 17H: only the verified bits have names; the
 * builder takes any byte (3JL accepts exactly one bit of 0x7E). */
#define MD_DLT645_BAUD_2400 0x08
#define MD_DLT645_BAUD_4800 0x10
#define MD_DLT645_BAUD_9600 0x20

/* Bits of the one-byte ERR of an error reply (PROTOCOLS.md A.2). */
#define MD_DLT645_ERR_OTHER            0x01
#define MD_DLT645_ERR_NO_DATA          0x02
#define MD_DLT645_ERR_PASSWORD         0x04
#define MD_DLT645_ERR_BAUD             0x08
#define MD_DLT645_ERR_YEAR_ZONES       0x10
#define MD_DLT645_ERR_DAY_PERIODS      0x20
#define MD_DLT645_ERR_TARIFFS          0x40

/**
 * MdDlt645Address:
 * @bytes: A0..A5, least significant byte first, as on the wire
 *
 * A meter address. Meter number "202411110002" is `02 00 11 11 24 20`.
 */
typedef struct
{
  guint8 bytes[MD_DLT645_ADDRESS_LEN];
} MdDlt645Address;

/* AA…AA: read/write address (13H, 15H). 99…99: broadcast (08H, freeze). */
extern const MdDlt645Address md_dlt645_address_wildcard;
extern const MdDlt645Address md_dlt645_address_broadcast;

/**
 * MdDlt645Auth:
 * @level: PA, the password authority level (02 plaintext, 98H ciphertext…)
 * @password: P0..P2 as on the wire ("123456" → `56 34 12`)
 * @operator_code: C0..C3 as on the wire ("12345678" → `78 56 34 12`)
 */
typedef struct
{
  guint8 level;
  guint8 password[3];
  guint8 operator_code[4];
} MdDlt645Auth;

/**
 * MdDlt645DateTime:
 *
 * A wall-clock time for 08H and the 1CH deadline, sent as BCD
 * `ss mm hh DD MM YY`; @year is 2000..2099.
 */
typedef struct
{
  guint  year;
  guint8 month;
  guint8 day;
  guint8 hour;
  guint8 minute;
  guint8 second;
} MdDlt645DateTime;

/**
 * MdDlt645BuildFlags:
 * @MD_DLT645_BUILD_DEFAULT: the frame alone, starting with 68H
 * @MD_DLT645_BUILD_PREAMBLE: four FEH wake-up bytes first
 */
typedef enum
{
  MD_DLT645_BUILD_DEFAULT  = 0,
  MD_DLT645_BUILD_PREAMBLE = 1 << 0,
} MdDlt645BuildFlags;

/**
 * MdDlt645Decode:
 * @MD_DLT645_DECODE_OK: a frame was found and checks out
 * @MD_DLT645_DECODE_NEED_MORE: no complete frame yet; keep the bytes from
 *   `consumed` on and append what arrives next
 * @MD_DLT645_DECODE_BAD: the frame at `start` is broken (checksum, end byte,
 *   contents); drop `consumed` bytes and decode again
 */
typedef enum
{
  MD_DLT645_DECODE_OK,
  MD_DLT645_DECODE_NEED_MORE,
  MD_DLT645_DECODE_BAD,
} MdDlt645Decode;

/**
 * MdDlt645ReplyError:
 * @MD_DLT645_REPLY_ERROR_NONE: not an error reply
 * @MD_DLT645_REPLY_ERROR_ERR: one-byte ERR (bits MD_DLT645_ERR_*)
 * @MD_DLT645_REPLY_ERROR_CONTROL: two-byte error word of a DCH reply
 * @MD_DLT645_REPLY_ERROR_SECURITY: two-byte SERR of a C3H reply
 */
typedef enum
{
  MD_DLT645_REPLY_ERROR_NONE,
  MD_DLT645_REPLY_ERROR_ERR,
  MD_DLT645_REPLY_ERROR_CONTROL,
  MD_DLT645_REPLY_ERROR_SECURITY,
} MdDlt645ReplyError;

/**
 * MdDlt645Frame:
 * @start: offset of the first 68H in the decoded buffer
 * @size: bytes from that 68H to the 16H; for NEED_MORE the size the frame
 *   will have once L has arrived, else 0
 * @address: A0..A5
 * @control: C as received
 * @function: D4..D0 of C
 * @follow_up: D5, more data follows (send 12H)
 * @abnormal: D6, an error reply
 * @from_slave: D7, slave → master
 * @length: L
 * @data: L bytes with 33H already subtracted
 * @checksum: CS as received
 * @checksum_expected: CS as computed
 * @reply_error: which error word @error_code holds
 * @error_code: ERR, the DCH error word or the C3H SERR
 * @has_exec_info: a normal 9CH reply with its 2-byte execution info
 * @exec_info: that word (PROTOCOLS.md A.3)
 *
 * A decoded frame, a plain value: no pointers into the input.
 */
typedef struct
{
  gsize              start;
  gsize              size;
  MdDlt645Address    address;
  guint8             control;
  guint8             function;
  gboolean           follow_up;
  gboolean           abnormal;
  gboolean           from_slave;
  guint8             length;
  guint8             data[MD_DLT645_DATA_MAX];
  guint8             checksum;
  guint8             checksum_expected;
  MdDlt645ReplyError reply_error;
  guint16            error_code;
  gboolean           has_exec_info;
  guint16            exec_info;
} MdDlt645Frame;

/**
 * MdDlt645Unit:
 *
 * The project unit a value is converted to (integers only, md-money.h):
 * the wire carries kWh, 元, V, A, kW, Hz; we keep Wh, fen, 0.1 V, mA,
 * 0.1 W (0.0001 kW, so XX.XXXX kW loses nothing), 0.01 Hz and 0.001.
 */
typedef enum
{
  MD_DLT645_UNIT_NONE,
  MD_DLT645_UNIT_WH,
  MD_DLT645_UNIT_FEN,
  MD_DLT645_UNIT_DECIVOLT,
  MD_DLT645_UNIT_MILLIAMPERE,
  MD_DLT645_UNIT_DECIWATT,
  MD_DLT645_UNIT_CENTIHERTZ,
  MD_DLT645_UNIT_PERMILLE,
} MdDlt645Unit;

/**
 * MdDlt645Format:
 * @MD_DLT645_FORMAT_RAW: bytes as received; meaning or scale unverified
 * @MD_DLT645_FORMAT_BCD: unsigned BCD, LSB first, with decimals and a unit
 * @MD_DLT645_FORMAT_DATE_WEEK: YYMMDDWW
 * @MD_DLT645_FORMAT_TIME: hhmmss
 * @MD_DLT645_FORMAT_ADDRESS: a 6-byte meter address
 * @MD_DLT645_FORMAT_WORD: 16-bit status words, LSB first
 * @MD_DLT645_FORMAT_STATUS3: running status word 3
 */
typedef enum
{
  MD_DLT645_FORMAT_RAW,
  MD_DLT645_FORMAT_BCD,
  MD_DLT645_FORMAT_DATE_WEEK,
  MD_DLT645_FORMAT_TIME,
  MD_DLT645_FORMAT_ADDRESS,
  MD_DLT645_FORMAT_WORD,
  MD_DLT645_FORMAT_STATUS3,
} MdDlt645Format;

/**
 * MdDlt645DataId:
 * @di: DI3 DI2 DI1 DI0 (sent DI0 first)
 * @name: English name, marked for translation; see md_dlt645_data_id_name()
 * @length: bytes of the value in a read reply; 0 when it varies
 * @count: values in the block (1 for a single item)
 * @format: how to read the bytes
 * @decimals: BCD digits after the point on the wire
 * @unit: project unit the value is converted to
 */
typedef struct
{
  guint32         di;
  const char     *name;
  guint8          length;
  guint8          count;
  MdDlt645Format  format;
  guint8          decimals;
  MdDlt645Unit    unit;
} MdDlt645DataId;

/* Verified data identifiers (PROTOCOLS.md A.4). */
#define MD_DLT645_DI_COMBINED_ACTIVE_TOTAL  0x00000000
#define MD_DLT645_DI_FORWARD_ACTIVE_TOTAL   0x00010000
#define MD_DLT645_DI_PHASE_A_VOLTAGE        0x02010100
#define MD_DLT645_DI_PHASE_A_CURRENT        0x02020100
#define MD_DLT645_DI_TOTAL_ACTIVE_POWER     0x02030000
#define MD_DLT645_DI_STATUS_WORD_3          0x04000503
#define MD_DLT645_DI_REMAINING_AMOUNT       0x00900200
#define MD_DLT645_DI_OVERDRAFT_AMOUNT       0x00900201
#define MD_DLT645_DI_REMAINING_ENERGY       0x00900100
#define MD_DLT645_DI_OVERDRAFT_ENERGY       0x00900101
#define MD_DLT645_DI_PURCHASE_COUNT         0x03330201
#define MD_DLT645_DI_PURCHASE_COUNT_ENERGY  0x03320201
#define MD_DLT645_DI_PURCHASED_AMOUNT_TOTAL 0x03330601
#define MD_DLT645_DI_ALARM_AMOUNT_1         0x04001001
#define MD_DLT645_DI_ALARM_AMOUNT_2         0x04001002

/**
 * MdDlt645MeterType:
 *
 * Bits 8–9 of status word 3. The value 3 is not described by the sources.
 */
typedef enum
{
  MD_DLT645_METER_TYPE_NOT_PREPAID    = 0,
  MD_DLT645_METER_TYPE_ENERGY_PREPAID = 1,
  MD_DLT645_METER_TYPE_MONEY_PREPAID  = 2,
  MD_DLT645_METER_TYPE_UNKNOWN        = 3,
} MdDlt645MeterType;

/**
 * MdDlt645Status3:
 *
 * Running status word 3 (04000503), bits per PROTOCOLS.md A.4. Bits 0 and 5
 * are not interpreted (unverified); they stay in @raw.
 */
typedef struct
{
  guint16           raw;
  guint8            supply;                 /* b1–2: 0 mains, 1 auxiliary, 2 battery */
  gboolean          ir_programming;         /* b3 */
  gboolean          relay_open;             /* b4: 0 closed (通), 1 open (断) */
  gboolean          relay_command_trip;     /* b6: 0 close, 1 trip */
  gboolean          pre_trip_alarm;         /* b7 */
  MdDlt645MeterType meter_type;             /* b8–9 */
  gboolean          terminal_auth;          /* b10 */
  gboolean          terminal_security_auth; /* b11 */
  gboolean          keep_power;             /* b12 (保电) */
  gboolean          identity_authenticated; /* b13 */
  gboolean          local_account_open;     /* b14 */
  gboolean          remote_account_open;    /* b15 */
} MdDlt645Status3;

/**
 * MdDlt645BcdFlags:
 * @MD_DLT645_BCD_DEFAULT: every nibble is a digit
 * @MD_DLT645_BCD_SIGNED: D7 of the most significant byte is a sign bit.
 *   Which data identifiers use it is unverified: the caller decides.
 */
typedef enum
{
  MD_DLT645_BCD_DEFAULT = 0,
  MD_DLT645_BCD_SIGNED  = 1 << 0,
} MdDlt645BcdFlags;

GQuark          md_dlt645_error_quark        (void);

/* Addresses */
gboolean        md_dlt645_address_parse      (const char             *text,
                                              MdDlt645Address        *out_address,
                                              GError                **error);
void            md_dlt645_address_format     (const MdDlt645Address  *address,
                                              char                    out_text[13]);
gboolean        md_dlt645_address_is_bcd     (const MdDlt645Address  *address);
gboolean        md_dlt645_auth_parse         (guint8                  level,
                                              const char             *password,
                                              const char             *operator_code,
                                              MdDlt645Auth           *out_auth,
                                              GError                **error);

/* Building master requests */
GBytes         *md_dlt645_build              (const MdDlt645Address  *address,
                                              guint8                  control,
                                              const guint8           *data,
                                              gsize                   data_len,
                                              MdDlt645BuildFlags      flags,
                                              GError                **error);
GBytes         *md_dlt645_build_read         (const MdDlt645Address  *address,
                                              guint32                 di,
                                              const guint8           *params,
                                              gsize                   params_len,
                                              MdDlt645BuildFlags      flags,
                                              GError                **error);
GBytes         *md_dlt645_build_read_follow_up (const MdDlt645Address *address,
                                              guint32                 di,
                                              guint8                  seq,
                                              MdDlt645BuildFlags      flags);
GBytes         *md_dlt645_build_read_address (MdDlt645BuildFlags      flags);
GBytes         *md_dlt645_build_write        (const MdDlt645Address  *address,
                                              guint32                 di,
                                              const MdDlt645Auth     *auth,
                                              const guint8           *value,
                                              gsize                   value_len,
                                              MdDlt645BuildFlags      flags,
                                              GError                **error);
GBytes         *md_dlt645_build_control      (const MdDlt645Address  *address,
                                              const MdDlt645Auth     *auth,
                                              MdDlt645ControlCommand  command,
                                              guint8                  n2,
                                              const MdDlt645DateTime *deadline,
                                              MdDlt645BuildFlags      flags,
                                              GError                **error);
GBytes         *md_dlt645_build_broadcast_time (const MdDlt645DateTime *now,
                                              MdDlt645BuildFlags      flags,
                                              GError                **error);
GBytes         *md_dlt645_build_freeze       (const MdDlt645Address  *address,
                                              const guint8            when[4],
                                              MdDlt645BuildFlags      flags);
GBytes         *md_dlt645_build_change_baud  (const MdDlt645Address  *address,
                                              guint8                  z,
                                              MdDlt645BuildFlags      flags);

/* Receiving */
MdDlt645Decode  md_dlt645_decode             (const guint8           *buf,
                                              gsize                   len,
                                              MdDlt645Frame          *out_frame,
                                              gsize                  *out_consumed,
                                              GError                **error);
guint32         md_dlt645_frame_get_di       (const MdDlt645Frame    *frame);

/* Values */
gboolean        md_dlt645_bcd_decode         (const guint8           *bytes,
                                              gsize                   n_bytes,
                                              MdDlt645BcdFlags        flags,
                                              gint64                 *out_value,
                                              GError                **error);
gboolean        md_dlt645_bcd_encode         (gint64                  value,
                                              MdDlt645BcdFlags        flags,
                                              guint8                 *out_bytes,
                                              gsize                   n_bytes,
                                              GError                **error);
guint           md_dlt645_unit_decimals      (MdDlt645Unit            unit);
const char     *md_dlt645_unit_symbol        (MdDlt645Unit            unit);
const char     *md_dlt645_unit_wire_symbol   (MdDlt645Unit            unit);
gboolean        md_dlt645_value_decode       (const guint8           *bytes,
                                              gsize                   n_bytes,
                                              guint                   decimals,
                                              MdDlt645Unit            unit,
                                              gint64                 *out_value,
                                              GError                **error);
gboolean        md_dlt645_value_encode       (gint64                  value,
                                              guint                   decimals,
                                              MdDlt645Unit            unit,
                                              guint8                 *out_bytes,
                                              gsize                   n_bytes,
                                              GError                **error);
gboolean        md_dlt645_decode_energy      (const guint8            bytes[4],
                                              gint64                 *out_wh,
                                              GError                **error);
gboolean        md_dlt645_decode_money       (const guint8            bytes[4],
                                              gint64                 *out_fen,
                                              GError                **error);
gboolean        md_dlt645_decode_voltage     (const guint8            bytes[2],
                                              gint64                 *out_decivolt,
                                              GError                **error);
gboolean        md_dlt645_decode_current     (const guint8            bytes[3],
                                              gint64                 *out_milliampere,
                                              GError                **error);
gboolean        md_dlt645_decode_power       (const guint8            bytes[3],
                                              gint64                 *out_deciwatt,
                                              GError                **error);
gboolean        md_dlt645_decode_count       (const guint8            bytes[2],
                                              guint                  *out_count,
                                              GError                **error);
void            md_dlt645_decode_status3     (const guint8            bytes[2],
                                              MdDlt645Status3        *out_status);
gboolean        md_dlt645_encode_money       (gint64                  fen,
                                              guint8                  out_bytes[4],
                                              GError                **error);
gboolean        md_dlt645_encode_energy      (gint64                  wh,
                                              guint8                  out_bytes[4],
                                              GError                **error);

/* Names (translated) */
const MdDlt645DataId *md_dlt645_data_id_lookup (guint32               di);
const MdDlt645DataId *md_dlt645_data_ids     (gsize                  *out_n);
const char     *md_dlt645_data_id_name       (const MdDlt645DataId   *id);
const char     *md_dlt645_function_name      (guint8                  function);
const char     *md_dlt645_control_command_name (guint8                command);
char           *md_dlt645_err_describe       (guint8                  err);
char           *md_dlt645_control_error_describe (guint16             word);
char           *md_dlt645_security_error_describe (guint16            word);
char           *md_dlt645_exec_info_describe (guint16                 word);

G_END_DECLS
