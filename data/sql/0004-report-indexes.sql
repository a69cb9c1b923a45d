-- Indexes for reports and receipts: a receipt finds its sale's audit row by
-- object, a period report finds its sales by the time they were posted.
CREATE INDEX audit_object ON audit (object);
CREATE INDEX sale_posted ON sale (posted_at);
