-- Meterdesk schema 1: the register, operators and the audit chain.
-- Shared by SQLite and PostgreSQL: @ID@ and @BLOB@ are the only words the two
-- spell differently. Times are microseconds since 1970-01-01 UTC; money is
-- fen, prices 0.0001 yuan, energy Wh, water litres: integers everywhere.

CREATE TABLE md_schema (
  version     BIGINT PRIMARY KEY,
  name        TEXT NOT NULL,
  applied_at  BIGINT NOT NULL
);

CREATE TABLE setting (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);

-- Gapless numbers (receipts, audit sequence, Z counters) come from rows here,
-- updated inside the transaction that uses them, never from a sequence.
CREATE TABLE counter (
  scope  TEXT NOT NULL,
  name   TEXT NOT NULL,
  value  BIGINT NOT NULL CHECK (value >= 0),
  PRIMARY KEY (scope, name)
);

CREATE TABLE terminal (
  id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 16),
  name        TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE TABLE operator (
  id               @ID@,
  name             TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 32),
  full_name        TEXT NOT NULL DEFAULT '',
  password_hash    TEXT NOT NULL,
  active           BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  failed_logins    BIGINT NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  locked_until     BIGINT NOT NULL DEFAULT 0,
  password_set_at  BIGINT NOT NULL,
  created_at       BIGINT NOT NULL
);

CREATE TABLE operator_role (
  operator_id  BIGINT NOT NULL REFERENCES operator (id),
  role         TEXT NOT NULL CHECK (role IN ('cashier', 'supervisor', 'finance', 'utilization',
                                             'metering', 'auditor', 'admin')),
  PRIMARY KEY (operator_id, role)
);

-- Sites → buildings → floors → rooms. Codes are unique under their parent and
-- a room is named by its path SITE/BUILDING/FLOOR/ROOM.
CREATE TABLE site (
  id          @ID@,
  code        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  address     TEXT NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL
);

CREATE TABLE building (
  id          @ID@,
  site_id     BIGINT NOT NULL REFERENCES site (id),
  code        TEXT NOT NULL,
  name        TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  UNIQUE (site_id, code)
);

CREATE TABLE floor (
  id           @ID@,
  building_id  BIGINT NOT NULL REFERENCES building (id),
  code         TEXT NOT NULL,
  name         TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  UNIQUE (building_id, code)
);

CREATE TABLE room (
  id          @ID@,
  floor_id    BIGINT NOT NULL REFERENCES floor (id),
  code        TEXT NOT NULL,
  name        TEXT NOT NULL,
  area        BIGINT NOT NULL DEFAULT 0 CHECK (area >= 0),  -- 0.01 m²
  created_at  BIGINT NOT NULL,
  UNIQUE (floor_id, code)
);

CREATE TABLE line (
  id          @ID@,
  code        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE TABLE transformer_area (
  id          @ID@,
  code        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  line_id     BIGINT REFERENCES line (id),
  created_at  BIGINT NOT NULL
);

CREATE TABLE usage_category (
  id           @ID@,
  code         TEXT NOT NULL UNIQUE,
  name         TEXT NOT NULL,
  utility      TEXT NOT NULL CHECK (utility IN ('electricity', 'water')),
  tariff_code  TEXT,
  created_at   BIGINT NOT NULL
);

CREATE TABLE customer (
  id          @ID@,
  name        TEXT NOT NULL,
  phone       TEXT NOT NULL DEFAULT '',
  id_number   TEXT NOT NULL DEFAULT '',
  address     TEXT NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL
);

CREATE TABLE account (
  id             @ID@,
  no             TEXT NOT NULL UNIQUE,
  customer_id    BIGINT NOT NULL REFERENCES customer (id),
  category_id    BIGINT NOT NULL REFERENCES usage_category (id),
  state          TEXT NOT NULL CHECK (state IN ('preregistered', 'open', 'closed')),
  billing        TEXT NOT NULL DEFAULT 'meter' CHECK (billing IN ('meter', 'system')),
  room_id        BIGINT REFERENCES room (id),
  address        TEXT NOT NULL DEFAULT '',
  capacity_va    BIGINT NOT NULL DEFAULT 0 CHECK (capacity_va >= 0),
  voltage_level  TEXT NOT NULL DEFAULT '',
  opened_at      BIGINT,
  closed_at      BIGINT,
  created_at     BIGINT NOT NULL
);
CREATE INDEX account_customer ON account (customer_id);

-- History of an account: every change leaves a row, never an edit.
CREATE TABLE account_event (
  id           @ID@,
  account_id   BIGINT NOT NULL REFERENCES account (id),
  at           BIGINT NOT NULL,
  operator_id  BIGINT REFERENCES operator (id),
  kind         TEXT NOT NULL,
  detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX account_event_account ON account_event (account_id);

CREATE TABLE bus (
  id                   @ID@,
  name                 TEXT NOT NULL UNIQUE,
  kind                 TEXT NOT NULL CHECK (kind IN ('serial', 'tcp')),
  protocol             TEXT NOT NULL CHECK (protocol IN ('modbus', 'dlt645')),
  device               TEXT,
  baud                 BIGINT CHECK (baud IS NULL OR baud BETWEEN 300 AND 115200),
  parity               TEXT CHECK (parity IS NULL OR parity IN ('N', 'E', 'O')),
  data_bits            BIGINT CHECK (data_bits IS NULL OR data_bits IN (7, 8)),
  stop_bits            BIGINT CHECK (stop_bits IS NULL OR stop_bits IN (1, 2)),
  host                 TEXT,
  port                 BIGINT CHECK (port IS NULL OR port BETWEEN 1 AND 65535),
  response_timeout_ms  BIGINT NOT NULL DEFAULT 500 CHECK (response_timeout_ms BETWEEN 10 AND 5000),
  byte_timeout_ms      BIGINT NOT NULL DEFAULT 50 CHECK (byte_timeout_ms BETWEEN 1 AND 1000),
  retries              BIGINT NOT NULL DEFAULT 3 CHECK (retries BETWEEN 1 AND 5),
  created_at           BIGINT NOT NULL,
  CHECK ((kind = 'serial' AND device IS NOT NULL) OR
         (kind = 'tcp' AND host IS NOT NULL AND port IS NOT NULL))
);

CREATE TABLE meter (
  id                   @ID@,
  address              TEXT NOT NULL CHECK (length(address) IN (12, 14)),
  utility              TEXT NOT NULL CHECK (utility IN ('electricity', 'water')),
  model                TEXT NOT NULL,
  bus_id               BIGINT REFERENCES bus (id),
  unit_id              BIGINT CHECK (unit_id IS NULL OR unit_id BETWEEN 1 AND 247),
  asset_no             TEXT UNIQUE,
  state                TEXT NOT NULL CHECK (state IN ('stock', 'installed', 'removed', 'retired')),
  room_id              BIGINT REFERENCES room (id),
  account_id           BIGINT REFERENCES account (id),
  transformer_area_id  BIGINT REFERENCES transformer_area (id),
  created_at           BIGINT NOT NULL,
  UNIQUE (utility, address)
);
CREATE INDEX meter_account ON meter (account_id);
CREATE UNIQUE INDEX meter_bus_unit ON meter (bus_id, unit_id)
  WHERE state = 'installed' AND unit_id IS NOT NULL;

CREATE TABLE meter_event (
  id           @ID@,
  meter_id     BIGINT NOT NULL REFERENCES meter (id),
  at           BIGINT NOT NULL,
  operator_id  BIGINT REFERENCES operator (id),
  from_state   TEXT,
  to_state     TEXT NOT NULL,
  room_id      BIGINT REFERENCES room (id),
  account_id   BIGINT REFERENCES account (id),
  note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX meter_event_meter ON meter_event (meter_id);

CREATE TABLE card (
  id              @ID@,
  uid             TEXT NOT NULL UNIQUE CHECK (length(uid) BETWEEN 2 AND 64),
  kind            TEXT NOT NULL CHECK (kind IN ('purchase', 'replacement', 'check', 'setting',
                                                'clear')),
  profile         TEXT NOT NULL,
  account_id      BIGINT REFERENCES account (id),
  status          TEXT NOT NULL CHECK (status IN ('active', 'lost', 'replaced', 'retired')),
  purchase_count  BIGINT NOT NULL DEFAULT 0 CHECK (purchase_count >= 0),
  issued_at       BIGINT,
  created_at      BIGINT NOT NULL
);
CREATE INDEX card_account ON card (account_id);

-- The audit chain: gapless seq, each row's hash covers its content and the
-- previous row's hash; audit_head holds the last seq and hash so a cut tail
-- shows. Triggers (per backend) refuse UPDATE and DELETE.
CREATE TABLE audit (
  seq          BIGINT PRIMARY KEY CHECK (seq > 0),
  at           BIGINT NOT NULL,
  mono         BIGINT NOT NULL,
  terminal     TEXT NOT NULL,
  operator_id  BIGINT,
  approver_id  BIGINT,
  action       TEXT NOT NULL,
  object       TEXT NOT NULL DEFAULT '',
  detail       TEXT NOT NULL DEFAULT '{}',
  prev_hash    TEXT NOT NULL,
  hash         TEXT NOT NULL
);

CREATE TABLE audit_head (
  id    BIGINT PRIMARY KEY CHECK (id = 1),
  seq   BIGINT NOT NULL,
  hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
  VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
