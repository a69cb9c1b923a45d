-- Meterdesk schema 3: the card lifecycle. A replacement card carries the
-- next generation so meters refuse the old one; a lost card waits before it
-- may be replaced.
ALTER TABLE card ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE card ADD COLUMN lost_at BIGINT;
ALTER TABLE card ADD COLUMN replaced_by BIGINT REFERENCES card (id);
CREATE UNIQUE INDEX card_active_purchase ON card (account_id)
  WHERE status = 'active' AND kind IN ('purchase', 'replacement');

CREATE TABLE card_event (
  id           @ID@,
  card_id      BIGINT NOT NULL REFERENCES card (id),
  at           BIGINT NOT NULL,
  operator_id  BIGINT REFERENCES operator (id),
  kind         TEXT NOT NULL,
  detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX card_event_card ON card_event (card_id);

-- Alerts raised by the counter (a card whose write-back disagrees with the
-- books, a blocked sale): what a supervisor must look at.
CREATE TABLE alert (
  id           @ID@,
  at           BIGINT NOT NULL,
  terminal     TEXT NOT NULL,
  kind         TEXT NOT NULL,
  object       TEXT NOT NULL DEFAULT '',
  message      TEXT NOT NULL,
  detail       TEXT NOT NULL DEFAULT '{}',
  acknowledged_at  BIGINT,
  acknowledged_by  BIGINT REFERENCES operator (id)
);
CREATE INDEX alert_open ON alert (acknowledged_at);
