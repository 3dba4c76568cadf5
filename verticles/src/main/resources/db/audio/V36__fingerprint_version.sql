-- Issue 18: the fingerprint layout a row was computed with (io.chorus.audio.Fingerprinter#VERSION). Rows of
-- another version are not loaded into the in-memory index: at start a node re-fingerprints those tracks from
-- their analysis PCM in S3 and overwrites the row (landmarks of two layouts never meet in one index).
-- Existing rows were computed by the first layout.
ALTER TABLE track_fingerprints ADD COLUMN version SMALLINT NOT NULL DEFAULT 1;
