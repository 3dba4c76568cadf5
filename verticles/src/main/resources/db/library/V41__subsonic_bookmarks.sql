-- OpenSubsonic createBookmark / deleteBookmark / getBookmarks: a user's place in a song (one per user and song,
-- createBookmark replaces it). A track's delete removes its bookmarks; one hidden later is left out when read.
CREATE TABLE IF NOT EXISTS subsonic_bookmarks (
    user_id     UUID          NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id    UUID          NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    position_ms BIGINT        NOT NULL CHECK (position_ms >= 0),
    comment     VARCHAR(1000) NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ   NOT NULL DEFAULT NOW(),
    changed_at  TIMESTAMPTZ   NOT NULL DEFAULT NOW(),
    PRIMARY KEY (user_id, track_id)
);
CREATE INDEX IF NOT EXISTS idx_subsonic_bookmarks_track ON subsonic_bookmarks (track_id);
