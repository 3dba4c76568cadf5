-- Issue 18, similar songs: the raw "sounds like" vector of each processed track (io.chorus.audio.SoundFeatures,
-- `version` its definition: vectors of another version are not loaded and get recomputed). Owned by the audio
-- feature; every node loads the table into its in-memory index (io.chorus.audio.FeatureIndex) at start.
-- Written with an upsert: a replayed track.processed rewrites the same row.
CREATE TABLE track_features (
    track_id    UUID PRIMARY KEY REFERENCES tracks (id) ON DELETE CASCADE,
    version     SMALLINT    NOT NULL,
    vector      REAL[]      NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
