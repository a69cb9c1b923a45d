CREATE TRIGGER card_event_no_update BEFORE UPDATE ON card_event
BEGIN SELECT RAISE(ABORT, 'card_event rows are append-only'); END;
CREATE TRIGGER card_event_no_delete BEFORE DELETE ON card_event
BEGIN SELECT RAISE(ABORT, 'card_event rows are append-only'); END;
CREATE TRIGGER alert_no_delete BEFORE DELETE ON alert
BEGIN SELECT RAISE(ABORT, 'alerts are never deleted'); END;
