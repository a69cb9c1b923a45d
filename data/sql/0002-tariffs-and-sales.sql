-- Meterdesk schema 2: tariffs and fees (effective-dated, never rewritten),
-- and the sale: vends, their lines, the double-entry ledger, cash shifts.

-- Each tariff version is kept whole: its canonical file text and digest.
CREATE TABLE tariff_version (
  id           @ID@,
  tariff_id    TEXT NOT NULL,
  valid_from   BIGINT NOT NULL,
  name         TEXT NOT NULL,
  unit         TEXT NOT NULL CHECK (unit IN ('kWh', 'm3')),
  source       TEXT NOT NULL,
  digest       TEXT NOT NULL,
  operator_id  BIGINT REFERENCES operator (id),
  created_at   BIGINT NOT NULL,
  UNIQUE (tariff_id, valid_from)
);

-- An account's or a meter's own tariff instead of its category's, from a
-- date; tariff_id NULL returns it to the category's.
CREATE TABLE tariff_override (
  id           @ID@,
  account_id   BIGINT REFERENCES account (id),
  meter_id     BIGINT REFERENCES meter (id),
  tariff_id    TEXT,
  valid_from   BIGINT NOT NULL,
  operator_id  BIGINT REFERENCES operator (id),
  created_at   BIGINT NOT NULL,
  CHECK ((account_id IS NULL) <> (meter_id IS NULL))
);
CREATE INDEX tariff_override_account ON tariff_override (account_id);
CREATE INDEX tariff_override_meter ON tariff_override (meter_id);

-- Where the tier period's use so far comes from: the account's purchases
-- (card and meter-side accounts) or its billed readings (system-side).
ALTER TABLE usage_category ADD COLUMN tier_source TEXT NOT NULL DEFAULT 'purchases'
  CHECK (tier_source IN ('purchases', 'readings'));

-- What a sale to the account delivers: energy (an energy-type meter or card
-- receives kWh/m³) or money (a money-type meter, or the account itself under
-- system-side billing, receives yuan and prices consumption).
ALTER TABLE account ADD COLUMN vend_kind TEXT NOT NULL DEFAULT 'energy'
  CHECK (vend_kind IN ('energy', 'money'));

-- System-side billing (后台计费): each billed run of readings, with the
-- state that carries into the next run and the version that priced it.
CREATE TABLE account_bill (
  id                 @ID@,
  account_id         BIGINT NOT NULL REFERENCES account (id),
  meter_id           BIGINT REFERENCES meter (id),
  from_at            BIGINT NOT NULL,
  to_at              BIGINT NOT NULL,
  energy             BIGINT NOT NULL,
  amount             BIGINT NOT NULL,
  tariff_version_id  BIGINT REFERENCES tariff_version (id),
  state              TEXT NOT NULL,
  sale_id            BIGINT,
  created_at         BIGINT NOT NULL
);
CREATE INDEX account_bill_account ON account_bill (account_id, to_at);

-- Miscellaneous fees (杂费) and custom charge items (自定义收费).
CREATE TABLE fee (
  id           @ID@,
  kind         TEXT NOT NULL,
  name         TEXT NOT NULL,
  basis        TEXT NOT NULL CHECK (basis IN ('fixed', 'per-kva', 'per-m2')),
  period       TEXT NOT NULL CHECK (period IN ('once', 'monthly')),
  amount       BIGINT NOT NULL CHECK (amount >= 0),
  valid_from   BIGINT NOT NULL,
  operator_id  BIGINT REFERENCES operator (id),
  created_at   BIGINT NOT NULL,
  UNIQUE (kind, valid_from)
);

-- One cash drawer per terminal: at most one open shift each.
CREATE TABLE shift (
  id            @ID@,
  terminal      TEXT NOT NULL REFERENCES terminal (id),
  operator_id   BIGINT NOT NULL REFERENCES operator (id),
  opened_at     BIGINT NOT NULL,
  float_amount  BIGINT NOT NULL CHECK (float_amount >= 0),
  closed_at     BIGINT,
  counted       BIGINT,
  expected      BIGINT,
  approver_id   BIGINT REFERENCES operator (id),
  z_no          BIGINT
);
CREATE UNIQUE INDEX shift_open ON shift (terminal) WHERE closed_at IS NULL;

-- A vend: PENDING is committed before any device is touched, with the exact
-- payload to deliver; POSTED adds the ledger rows and the receipt number in
-- one transaction; VOIDED needs proof of non-delivery. Never deleted.
CREATE TABLE sale (
  id                 @ID@,
  idem               TEXT NOT NULL UNIQUE,
  terminal           TEXT NOT NULL REFERENCES terminal (id),
  shift_id           BIGINT REFERENCES shift (id),
  operator_id        BIGINT REFERENCES operator (id),
  approver_id        BIGINT REFERENCES operator (id),
  kind               TEXT NOT NULL CHECK (kind IN ('sale', 'reversal', 'refund', 'offset',
                                                   'settlement', 'grant', 'carry')),
  account_id         BIGINT NOT NULL REFERENCES account (id),
  medium             TEXT NOT NULL,
  target             TEXT NOT NULL DEFAULT '',
  pay_method         TEXT CHECK (pay_method IN ('cash', 'bank-card', 'transfer', 'wechat',
                                                'alipay', 'other', 'account')),
  pay_ref            TEXT NOT NULL DEFAULT '',
  amount             BIGINT NOT NULL,
  credit             BIGINT NOT NULL,
  energy             BIGINT NOT NULL,
  tariff_version_id  BIGINT REFERENCES tariff_version (id),
  purchase_count     BIGINT,
  payload            TEXT NOT NULL,
  quote              TEXT NOT NULL DEFAULT '{}',
  reason             TEXT NOT NULL DEFAULT '',
  ref_sale_id        BIGINT REFERENCES sale (id),
  state              TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'posted', 'voided')),
  receipt_no         BIGINT,
  created_at         BIGINT NOT NULL,
  posted_at          BIGINT,
  voided_at          BIGINT,
  resolution         TEXT NOT NULL DEFAULT '',
  UNIQUE (terminal, receipt_no)
);
CREATE INDEX sale_account ON sale (account_id);
CREATE INDEX sale_state ON sale (state);
CREATE INDEX sale_shift ON sale (shift_id);
CREATE INDEX sale_ref ON sale (ref_sale_id);
CREATE INDEX sale_target ON sale (target, state);

CREATE TABLE sale_line (
  sale_id     BIGINT NOT NULL REFERENCES sale (id),
  line_no     BIGINT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('energy', 'fee', 'grant', 'carry', 'refund',
                                            'settlement')),
  description TEXT NOT NULL,
  tier        BIGINT,
  quantity    BIGINT NOT NULL DEFAULT 0,
  price       BIGINT NOT NULL DEFAULT 0,
  amount      BIGINT NOT NULL,
  detail      TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (sale_id, line_no)
);

-- Double entry: each posting's rows sum to zero. Accounts: cash:<shift>,
-- safe, bank-card, transfer, wechat, alipay, other, prepaid:<account no>,
-- revenue:electricity, revenue:water, revenue:fee:<kind>.
CREATE TABLE ledger (
  id        @ID@,
  sale_id   BIGINT REFERENCES sale (id),
  shift_id  BIGINT REFERENCES shift (id),
  account   TEXT NOT NULL,
  delta     BIGINT NOT NULL,
  ref       TEXT NOT NULL DEFAULT '',
  at        BIGINT NOT NULL
);
CREATE INDEX ledger_account ON ledger (account);
CREATE INDEX ledger_sale ON ledger (sale_id);

-- Cached sums of the ledger, checked against it by audit verify.
CREATE TABLE balance (
  account  TEXT PRIMARY KEY,
  value    BIGINT NOT NULL
);

CREATE TABLE cash_movement (
  id           @ID@,
  shift_id     BIGINT NOT NULL REFERENCES shift (id),
  kind         TEXT NOT NULL CHECK (kind IN ('in', 'out')),
  amount       BIGINT NOT NULL CHECK (amount > 0),
  reason       TEXT NOT NULL,
  operator_id  BIGINT REFERENCES operator (id),
  at           BIGINT NOT NULL
);

-- Z reports: per terminal, numbered without gaps, with the never-reset grand
-- total and the audit head at the time.
CREATE TABLE z_report (
  terminal     TEXT NOT NULL REFERENCES terminal (id),
  z_no         BIGINT NOT NULL,
  at           BIGINT NOT NULL,
  operator_id  BIGINT REFERENCES operator (id),
  sales_total  BIGINT NOT NULL,
  grand_total  BIGINT NOT NULL,
  audit_seq    BIGINT NOT NULL,
  audit_hash   TEXT NOT NULL,
  detail       TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (terminal, z_no)
);
