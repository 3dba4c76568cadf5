-- OpenSubsonic getNowPlaying: what each user's player said it started (scrobble with submission=false), one row per
-- user and player (the client name c), kept until the song would have ended (its duration and 5 s, as Navidrome).
CREATE TABLE IF NOT EXISTS subsonic_now_playing (
    user_id     UUID         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    player      VARCHAR(255) NOT NULL,
    track_id    UUID         NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    started_at  TIMESTAMPTZ  NOT NULL,
    until_at    TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (user_id, player)
);
CREATE INDEX IF NOT EXISTS subsonic_now_playing_until ON subsonic_now_playing (until_at);
