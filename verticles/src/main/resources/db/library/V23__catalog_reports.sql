-- Catalog (issue 17): one open report per user and subject, so a report cannot be counted twice
-- (resolved reports stay for the record, so the same user may report again after a decision).
CREATE UNIQUE INDEX uq_reports_open_per_reporter ON reports (reporter_id, subject_type, subject_id) WHERE resolved_at IS NULL;
