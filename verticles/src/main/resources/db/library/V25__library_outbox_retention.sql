-- Published outbox rows are deleted after LIBRARY_OUTBOX_RETENTION_HOURS: found by publication time.
CREATE INDEX idx_library_outbox_published ON library_outbox (published_at) WHERE published_at IS NOT NULL;
