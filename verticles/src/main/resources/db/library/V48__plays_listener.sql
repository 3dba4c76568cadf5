-- An anonymous stream's listener (a play without a user): a hash of the client's address, so that one address's
-- plays of a track count once per its duration as a user's do (Plays), without keeping the address itself.
ALTER TABLE plays ADD COLUMN IF NOT EXISTS listener VARCHAR(64);
CREATE INDEX IF NOT EXISTS idx_plays_listener ON plays (listener, played_at) WHERE listener IS NOT NULL;
