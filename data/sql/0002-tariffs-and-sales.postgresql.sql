-- PostgreSQL: the same protections as the SQLite triggers.
CREATE TRIGGER tariff_version_append_only BEFORE UPDATE OR DELETE ON tariff_version
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER tariff_override_append_only BEFORE UPDATE OR DELETE ON tariff_override
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER fee_append_only BEFORE UPDATE OR DELETE ON fee
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER sale_line_append_only BEFORE UPDATE OR DELETE ON sale_line
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER cash_movement_append_only BEFORE UPDATE OR DELETE ON cash_movement
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER z_report_append_only BEFORE UPDATE OR DELETE ON z_report
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER sale_no_delete BEFORE DELETE ON sale
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
CREATE TRIGGER shift_no_delete BEFORE DELETE ON shift
  FOR EACH ROW EXECUTE FUNCTION md_append_only ();
DO $$ DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['tariff_version', 'tariff_override', 'fee', 'ledger', 'sale_line',
                           'cash_movement', 'z_report', 'sale', 'shift'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION md_append_only ()',
                   t || '_no_truncate', t);
  END LOOP;
END $$;

CREATE FUNCTION md_sale_settled_once () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.state IN ('posted', 'voided')
     OR (NEW.idem, NEW.terminal, NEW.kind, NEW.account_id, NEW.medium, NEW.target, NEW.amount,
         NEW.credit, NEW.energy, NEW.payload, NEW.pay_method, NEW.purchase_count, NEW.created_at)
        IS DISTINCT FROM
        (OLD.idem, OLD.terminal, OLD.kind, OLD.account_id, OLD.medium, OLD.target, OLD.amount,
         OLD.credit, OLD.energy, OLD.payload, OLD.pay_method, OLD.purchase_count, OLD.created_at)
  THEN
    RAISE EXCEPTION 'a sale changes only its state, once';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER sale_settled_once BEFORE UPDATE ON sale
  FOR EACH ROW EXECUTE FUNCTION md_sale_settled_once ();

CREATE FUNCTION md_shift_closed_once () RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.closed_at IS NOT NULL
     AND ((NEW.closed_at, NEW.counted, NEW.expected, NEW.float_amount)
          IS DISTINCT FROM (OLD.closed_at, OLD.counted, OLD.expected, OLD.float_amount)
          OR (OLD.z_no IS NOT NULL AND NEW.z_no IS DISTINCT FROM OLD.z_no))
  THEN
    RAISE EXCEPTION 'a closed shift is not reopened';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER shift_closed_once BEFORE UPDATE ON shift
  FOR EACH ROW EXECUTE FUNCTION md_shift_closed_once ();
