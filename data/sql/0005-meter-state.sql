-- What the meters say (ARCHITECTURE.md "Meters"): the latest state of each,
-- written by whoever read it (the poller, a read at the counter), and the
-- readings over time. Status older than a minute is stale (MISSION.md).
CREATE TABLE meter_state (
  meter_id     BIGINT PRIMARY KEY REFERENCES meter (id),
  online       INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1)),
  relay        TEXT CHECK (relay IS NULL OR relay IN ('closed', 'tripped')),
  keep_power   INTEGER NOT NULL DEFAULT 0 CHECK (keep_power IN (0, 1)),
  energy       BIGINT,           -- the cumulative register, Wh (litres for water)
  credit       BIGINT,           -- fen left in a money meter
  power        BIGINT,           -- W, the last active power
  read_at      BIGINT,           -- the last answer
  tried_at     BIGINT,           -- the last attempt
  misses       INTEGER NOT NULL DEFAULT 0 CHECK (misses >= 0),
  last_error   TEXT NOT NULL DEFAULT '',
  day          TEXT NOT NULL DEFAULT '',  -- the site-local day of day_start
  day_start    BIGINT                     -- the register at that day's first reading
);

CREATE TABLE meter_reading (
  id        @ID@,
  meter_id  BIGINT NOT NULL REFERENCES meter (id),
  at        BIGINT NOT NULL,
  energy    BIGINT NOT NULL,
  credit    BIGINT,
  relay     TEXT
);
CREATE INDEX meter_reading_at ON meter_reading (meter_id, at);

-- Low-balance alarm thresholds of an account in fen, three levels; NULL
-- takes the site's setting (alarm.level1, alarm.level2, alarm.level3).
ALTER TABLE account ADD COLUMN alarm1 BIGINT;
ALTER TABLE account ADD COLUMN alarm2 BIGINT;
ALTER TABLE account ADD COLUMN alarm3 BIGINT;
