-- Issue 18, similar songs with an optional ONNX audio-embedding model (AUDIO_EMBEDDING_MODEL): each row says which
-- embedder made its vector ('sound-features' for the handcrafted io.chorus.audio.SoundFeatures, 'onnx-<digest>-...'
-- for a model), so vectors of different embedders are never compared: a node loads only its own embedder's rows
-- and recomputes the tracks that lack one. One row per track and embedder, so switching back costs nothing.
ALTER TABLE track_features ADD COLUMN embedder TEXT NOT NULL DEFAULT 'sound-features';
ALTER TABLE track_features ALTER COLUMN embedder DROP DEFAULT;
ALTER TABLE track_features DROP CONSTRAINT track_features_pkey;
ALTER TABLE track_features ADD PRIMARY KEY (track_id, embedder);
