-- Issue 18: the same recording uploaded more than once (other bytes, so the upload's content hash did not
-- catch it), found when a processed track's landmark fingerprint lines up with another track's over most of
-- both (io.chorus.audio.FingerprintIndex#overlaps). An undirected link: the groups are the connected
-- tracks; the oldest track of a group is the one the others are a "duplicate_of". Similar-song answers hold
-- one track per group and never a seed's own copies. Inserted with ON CONFLICT DO NOTHING (replays).
CREATE TABLE track_duplicates (
    track_id      UUID        NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    duplicate_of  UUID        NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    overlap       REAL        NOT NULL,          -- matched landmarks / landmarks of the longer track
    created_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (track_id, duplicate_of),
    CHECK (track_id <> duplicate_of)
);
CREATE INDEX idx_track_duplicates_of ON track_duplicates (duplicate_of);
