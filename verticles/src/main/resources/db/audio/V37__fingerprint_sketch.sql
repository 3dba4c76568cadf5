-- Issue 18: each track's band sketch (io.chorus.audio.Sketch: 16 bands x 21.5 frames per second, 4-bit levels
-- packed two per byte), the last stage of identify by clip for noisy clips. Written with fingerprint version 4;
-- rows of older versions have none and are fingerprinted again from their analysis PCM at start.
ALTER TABLE track_fingerprints ADD COLUMN sketch BYTEA;
