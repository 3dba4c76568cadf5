-- OpenSubsonic savePlayQueue / getPlayQueue: one saved queue per user (a player resumes it on another device).
-- track_ids in queue order (a song may be listed twice); a track deleted or hidden later is left out when the
-- queue is read, as every read applies the library's visibility rule. current_id is the playing song, position_ms
-- the offset into it, changed_by the client name (Subsonic's c) that saved it.
CREATE TABLE IF NOT EXISTS subsonic_play_queues (
    user_id     UUID         PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    track_ids   UUID[]       NOT NULL,
    current_id  UUID,
    position_ms BIGINT       NOT NULL DEFAULT 0 CHECK (position_ms >= 0),
    changed_at  TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    changed_by  VARCHAR(255) NOT NULL DEFAULT ''
);
