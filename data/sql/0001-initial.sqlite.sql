-- SQLite: history tables are append-only.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER account_event_no_update BEFORE UPDATE ON account_event
BEGIN SELECT RAISE(ABORT, 'account_event rows are append-only'); END;
CREATE TRIGGER account_event_no_delete BEFORE DELETE ON account_event
BEGIN SELECT RAISE(ABORT, 'account_event rows are append-only'); END;
CREATE TRIGGER meter_event_no_update BEFORE UPDATE ON meter_event
BEGIN SELECT RAISE(ABORT, 'meter_event rows are append-only'); END;
CREATE TRIGGER meter_event_no_delete BEFORE DELETE ON meter_event
BEGIN SELECT RAISE(ABORT, 'meter_event rows are append-only'); END;
