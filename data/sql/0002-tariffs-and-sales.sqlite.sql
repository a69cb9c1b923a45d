-- SQLite: tariff versions, fees, ledger and Z reports are append-only; a
-- sale changes only its state, from pending onwards, and nothing else.
CREATE TRIGGER tariff_version_no_update BEFORE UPDATE ON tariff_version
BEGIN SELECT RAISE(ABORT, 'tariff versions are never rewritten'); END;
CREATE TRIGGER tariff_version_no_delete BEFORE DELETE ON tariff_version
BEGIN SELECT RAISE(ABORT, 'tariff versions are never rewritten'); END;
CREATE TRIGGER tariff_override_no_change BEFORE UPDATE ON tariff_override
BEGIN SELECT RAISE(ABORT, 'tariff_override rows are append-only'); END;
CREATE TRIGGER tariff_override_no_delete BEFORE DELETE ON tariff_override
BEGIN SELECT RAISE(ABORT, 'tariff_override rows are append-only'); END;
CREATE TRIGGER fee_no_update BEFORE UPDATE ON fee
BEGIN SELECT RAISE(ABORT, 'fee rows are append-only'); END;
CREATE TRIGGER fee_no_delete BEFORE DELETE ON fee
BEGIN SELECT RAISE(ABORT, 'fee rows are append-only'); END;
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END;
CREATE TRIGGER sale_line_no_update BEFORE UPDATE ON sale_line
BEGIN SELECT RAISE(ABORT, 'sale lines are append-only'); END;
CREATE TRIGGER sale_line_no_delete BEFORE DELETE ON sale_line
BEGIN SELECT RAISE(ABORT, 'sale lines are append-only'); END;
CREATE TRIGGER cash_movement_no_update BEFORE UPDATE ON cash_movement
BEGIN SELECT RAISE(ABORT, 'cash movements are append-only'); END;
CREATE TRIGGER cash_movement_no_delete BEFORE DELETE ON cash_movement
BEGIN SELECT RAISE(ABORT, 'cash movements are append-only'); END;
CREATE TRIGGER z_report_no_update BEFORE UPDATE ON z_report
BEGIN SELECT RAISE(ABORT, 'Z reports are append-only'); END;
CREATE TRIGGER z_report_no_delete BEFORE DELETE ON z_report
BEGIN SELECT RAISE(ABORT, 'Z reports are append-only'); END;
CREATE TRIGGER sale_no_delete BEFORE DELETE ON sale
BEGIN SELECT RAISE(ABORT, 'sales are never deleted'); END;
CREATE TRIGGER sale_settled_once BEFORE UPDATE ON sale
WHEN OLD.state IN ('posted', 'voided')
  OR NEW.idem IS NOT OLD.idem OR NEW.terminal IS NOT OLD.terminal
  OR NEW.kind IS NOT OLD.kind OR NEW.account_id IS NOT OLD.account_id
  OR NEW.medium IS NOT OLD.medium OR NEW.target IS NOT OLD.target
  OR NEW.amount IS NOT OLD.amount OR NEW.credit IS NOT OLD.credit
  OR NEW.energy IS NOT OLD.energy OR NEW.payload IS NOT OLD.payload
  OR NEW.pay_method IS NOT OLD.pay_method OR NEW.purchase_count IS NOT OLD.purchase_count
  OR NEW.created_at IS NOT OLD.created_at
BEGIN SELECT RAISE(ABORT, 'a sale changes only its state, once'); END;
CREATE TRIGGER shift_closed_once BEFORE UPDATE ON shift
WHEN OLD.closed_at IS NOT NULL AND (NEW.closed_at IS NOT OLD.closed_at
  OR NEW.counted IS NOT OLD.counted OR NEW.expected IS NOT OLD.expected
  OR NEW.float_amount IS NOT OLD.float_amount OR NEW.z_no IS NOT NULL AND OLD.z_no IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'a closed shift is not reopened'); END;
CREATE TRIGGER shift_no_delete BEFORE DELETE ON shift
BEGIN SELECT RAISE(ABORT, 'shifts are never deleted'); END;
