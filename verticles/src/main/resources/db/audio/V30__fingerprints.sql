-- Issue 18: landmark fingerprints of processed tracks (identify by clip). Owned by the audio feature.
-- hashes: the landmarks packed as big-endian (int32 hash, int32 anchor frame) pairs, n of them; every
-- node loads the table into its in-memory index at start (io.chorus.audio.FingerprintIndex).
CREATE TABLE track_fingerprints (
    track_id    UUID PRIMARY KEY REFERENCES tracks (id) ON DELETE CASCADE,
    hashes      BYTEA       NOT NULL,
    n           INTEGER     NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
