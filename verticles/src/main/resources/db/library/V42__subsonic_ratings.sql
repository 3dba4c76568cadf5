-- OpenSubsonic setRating: a user's rating (1-5) of a song, an album or an artist; rating 0 removes it. Shown to that
-- user as userRating on every song, album and artist it reads.
CREATE TABLE IF NOT EXISTS subsonic_ratings (
    user_id       UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject_type  VARCHAR(8)  NOT NULL CHECK (subject_type IN ('track', 'album', 'artist')),
    subject_id    UUID        NOT NULL,
    rating        SMALLINT    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    changed_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (user_id, subject_type, subject_id)
);
