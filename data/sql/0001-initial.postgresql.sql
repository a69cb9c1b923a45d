-- PostgreSQL: history tables are append-only, TRUNCATE included.
CREATE FUNCTION md_append_only () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
  FOR EACH STATEMENT EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER account_event_append_only BEFORE UPDATE OR DELETE ON account_event
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER account_event_no_truncate BEFORE TRUNCATE ON account_event
  FOR EACH STATEMENT EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER meter_event_append_only BEFORE UPDATE OR DELETE ON meter_event
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER meter_event_no_truncate BEFORE TRUNCATE ON meter_event
  FOR EACH STATEMENT EXECUTE FUNCTION md_append_only ();
