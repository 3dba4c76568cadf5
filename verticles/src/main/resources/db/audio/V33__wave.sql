-- Issue 18, My Wave: what a listener told us about tracks, and what the wave served them. Owned by the
-- audio feature (io.chorus.audio.wave).

-- one row per event, whatever its path: feedback written by POST /api/v1/wave/feedback, plays and feedback
-- consumed from Kafka (track.played, wave.feedback); event_id makes a replayed or re-consumed event count once
CREATE TABLE wave_signals (
    event_id  UUID PRIMARY KEY,
    user_id   UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id  UUID        NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    kind      VARCHAR(16) NOT NULL CHECK (kind IN ('play', 'like', 'dislike', 'skip', 'finished')),
    happened_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_wave_signals_user ON wave_signals (user_id, happened_at DESC);

-- the tracks served to a listener, newest served_at first: the no-repeat window is the newest
-- WAVE_REPEAT_WINDOW rows (older rows are pruned)
CREATE TABLE wave_served (
    user_id    UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id   UUID        NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    served_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (user_id, track_id)
);
CREATE INDEX idx_wave_served_recent ON wave_served (user_id, served_at DESC);

-- the wave's "popular" pool (approved, playable tracks by play count) without a scan of the catalogue
CREATE INDEX idx_tracks_wave_popular ON tracks (play_count DESC) WHERE moderation = 'approved' AND status = 'ready';
