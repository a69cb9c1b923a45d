CREATE TRIGGER card_event_append_only BEFORE UPDATE OR DELETE ON card_event
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER card_event_no_truncate BEFORE TRUNCATE ON card_event
  FOR EACH STATEMENT EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER alert_no_delete BEFORE DELETE ON alert
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
