-- The always-on side (docs/daemon.md): who hosts the services, the meter
-- command queue, alarm states, the notification outbox and batch jobs.
-- The database is the meeting point: the app writes a command row (a
-- remote recharge in the same transaction as its PENDING sale), the host
-- executes it and resolves the row. No home-made RPC.

-- Who runs the services (poller, commands, alarms, outbox, batches): one
-- holder at a time, renewed while it runs. The app hosts them in-process
-- only when no live lease is held by someone else (a daemon).
CREATE TABLE service_lease (
  name         TEXT PRIMARY KEY,
  holder       TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('daemon', 'app', 'cli')),
  host         TEXT NOT NULL DEFAULT '',
  pid          BIGINT NOT NULL DEFAULT 0,
  acquired_at  BIGINT NOT NULL,
  renewed_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL
);

-- Batch jobs (批量操作): one operation over a selection of meters, now or at
-- a set time; each meter is one command row below with its own result.
CREATE TABLE batch (
  id            @ID@,
  name          TEXT NOT NULL DEFAULT '',
  op            TEXT NOT NULL,
  params        TEXT NOT NULL DEFAULT '{}',
  selection     TEXT NOT NULL DEFAULT '',
  scheduled_at  BIGINT NOT NULL,
  created_at    BIGINT NOT NULL,
  created_by    BIGINT REFERENCES operator (id),
  terminal      TEXT NOT NULL,
  cancelled_at  BIGINT
);

-- Meter commands, served before routine polling. `attempts` counts the
-- times a write may have reached the meter; it is committed before the
-- write, so a host killed mid-write knows to read back first.
CREATE TABLE meter_command (
  id           @ID@,
  meter_id     BIGINT NOT NULL REFERENCES meter (id),
  op           TEXT NOT NULL CHECK (op IN ('recharge', 'trip', 'close', 'keep-power',
                                           'release-keep-power', 'mode-local', 'mode-remote',
                                           'set-params', 'read', 'thresholds')),
  params       TEXT NOT NULL DEFAULT '{}',
  sale_id      BIGINT REFERENCES sale (id),
  batch_id     BIGINT REFERENCES batch (id),
  priority     INTEGER NOT NULL DEFAULT 1,
  source       TEXT NOT NULL DEFAULT 'operator',
  state        TEXT NOT NULL DEFAULT 'queued'
               CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  not_before   BIGINT NOT NULL,
  created_at   BIGINT NOT NULL,
  created_by   BIGINT REFERENCES operator (id),
  terminal     TEXT NOT NULL,
  started_at   BIGINT,
  finished_at  BIGINT,
  attempts     INTEGER NOT NULL DEFAULT 0,
  outcome      TEXT NOT NULL DEFAULT '',
  message      TEXT NOT NULL DEFAULT '',
  result       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX meter_command_open ON meter_command (state, priority, id);
CREATE INDEX meter_command_sale ON meter_command (sale_id);
CREATE INDEX meter_command_batch ON meter_command (batch_id);
-- At most one open recharge per sale.
CREATE UNIQUE INDEX meter_command_sale_open ON meter_command (sale_id)
  WHERE sale_id IS NOT NULL AND state IN ('queued', 'running');

-- Alarm states, so an alarm is raised once per crossing and not on every
-- poll: object 'account:NO' or 'meter:ADDRESS'; kind 'low-balance' (level
-- 0-3), 'arrears', 'over-power' (0/1).
CREATE TABLE alarm_state (
  object  TEXT NOT NULL,
  kind    TEXT NOT NULL,
  level   INTEGER NOT NULL DEFAULT 0,
  since   BIGINT NOT NULL,
  PRIMARY KEY (object, kind)
);

-- The power limit of a meter in W (over-power trip); NULL takes the site's
-- setting alarm.power-limit (0: none).
ALTER TABLE meter ADD COLUMN power_limit BIGINT;

-- The notification outbox: one row per alert and channel, delivered with
-- retries and never twice ('sending' is committed before the channel runs;
-- a host that dies then leaves it 'unknown', never sent again).
CREATE TABLE notification (
  id           @ID@,
  alert_id     BIGINT REFERENCES alert (id),
  channel      TEXT NOT NULL,
  recipient    TEXT NOT NULL DEFAULT '',
  kind         TEXT NOT NULL,
  object       TEXT NOT NULL DEFAULT '',
  message      TEXT NOT NULL,
  state        TEXT NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_at      BIGINT NOT NULL,
  created_at   BIGINT NOT NULL,
  sent_at      BIGINT,
  last_error   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notification_due ON notification (state, next_at);
