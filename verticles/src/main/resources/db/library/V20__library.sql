-- Issue 17: the music library (seed 004). Owned by the library feature.
-- Ids are UUIDs made by the application. Moderation: every track and album starts 'pending' (visible to
-- its owner and to moderators only) until a moderator approves it; 'removed' is a takedown.

CREATE TABLE artists (
    id          UUID PRIMARY KEY,
    name        VARCHAR(255) NOT NULL,
    name_key    VARCHAR(255) NOT NULL UNIQUE,          -- lower(trim(name)): one artist per spelling
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT NOW()
);

CREATE TABLE albums (
    id                UUID PRIMARY KEY,
    owner_id          UUID         NOT NULL REFERENCES users (id),
    title             VARCHAR(255) NOT NULL,
    artist_id         UUID REFERENCES artists (id),
    year              INTEGER CHECK (year BETWEEN 0 AND 9999),
    cover_key         VARCHAR(255),                     -- S3 key of the checked cover (JPEG/PNG)
    cover_thumb_key   VARCHAR(255),                     -- S3 key of its thumbnail
    moderation        VARCHAR(16)  NOT NULL DEFAULT 'pending' CHECK (moderation IN ('pending', 'approved', 'rejected', 'removed')),
    moderation_reason VARCHAR(500),
    created_at        TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    updated_at        TIMESTAMPTZ  NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_albums_owner ON albums (owner_id);
CREATE INDEX idx_albums_artist ON albums (artist_id);
CREATE INDEX idx_albums_moderation ON albums (moderation, created_at);

CREATE TABLE tracks (
    id                UUID PRIMARY KEY,
    owner_id          UUID         NOT NULL REFERENCES users (id),
    title             VARCHAR(255) NOT NULL,
    artist_id         UUID REFERENCES artists (id),
    album_title       VARCHAR(255),                     -- as tagged or given at upload (albums are separate)
    track_no          INTEGER,
    year              INTEGER,
    genre             VARCHAR(100),
    content_sha256    CHAR(64)     NOT NULL UNIQUE,     -- same bytes uploaded again -> this track
    original_key      VARCHAR(255) NOT NULL,            -- S3 key of the uploaded bytes
    original_size     BIGINT       NOT NULL,
    format            VARCHAR(16)  NOT NULL CHECK (format IN ('mp3', 'ogg', 'opus', 'flac', 'wav', 'm4a')),
    mime              VARCHAR(64)  NOT NULL,
    cover_key         VARCHAR(255),                     -- embedded cover art, if any
    status            VARCHAR(16)  NOT NULL DEFAULT 'processing' CHECK (status IN ('processing', 'ready', 'failed')),
    failure_reason    VARCHAR(500),
    attempts          INTEGER      NOT NULL DEFAULT 0,
    moderation        VARCHAR(16)  NOT NULL DEFAULT 'pending' CHECK (moderation IN ('pending', 'approved', 'rejected', 'removed')),
    moderation_reason VARCHAR(500),
    -- set by processing
    duration_ms       BIGINT,
    sample_rate       INTEGER,
    channels          INTEGER,
    bitrate           INTEGER,
    loudness_lufs     DOUBLE PRECISION,                 -- EBU R128 integrated loudness
    true_peak_db      DOUBLE PRECISION,
    replay_gain_db    DOUBLE PRECISION,                 -- -18 LUFS reference (ReplayGain 2.0)
    waveform          JSONB,                            -- peaks for the player: [0..1] per bucket
    rendition_key     VARCHAR(255),                     -- S3 key of the Opus streaming rendition
    processed_at      TIMESTAMPTZ,
    play_count        BIGINT       NOT NULL DEFAULT 0,
    created_at        TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    updated_at        TIMESTAMPTZ  NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_tracks_owner ON tracks (owner_id, created_at);
CREATE INDEX idx_tracks_artist ON tracks (artist_id);
CREATE INDEX idx_tracks_album_title ON tracks (lower(album_title));
CREATE INDEX idx_tracks_moderation ON tracks (moderation, created_at);

CREATE TABLE album_tracks (
    album_id  UUID    NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    track_id  UUID    NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    PRIMARY KEY (album_id, track_id)
);
CREATE INDEX idx_album_tracks_order ON album_tracks (album_id, position);
CREATE INDEX idx_album_tracks_track ON album_tracks (track_id);

CREATE TABLE track_tags (
    track_id  UUID         NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    tag       VARCHAR(64)  NOT NULL,
    PRIMARY KEY (track_id, tag)
);
CREATE INDEX idx_track_tags_tag ON track_tags (tag);

CREATE TABLE playlists (
    id           UUID PRIMARY KEY,
    owner_id     UUID         NOT NULL REFERENCES users (id),
    name         VARCHAR(255) NOT NULL,
    description  VARCHAR(1000) NOT NULL DEFAULT '',
    public       BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    updated_at   TIMESTAMPTZ  NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_playlists_owner ON playlists (owner_id);

-- a track may appear several times in a playlist: entries have their own id
CREATE TABLE playlist_tracks (
    id           BIGSERIAL PRIMARY KEY,
    playlist_id  UUID    NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    track_id     UUID    NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    added_at     TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_playlist_tracks_order ON playlist_tracks (playlist_id, position);

-- likes (Subsonic "star") of tracks, albums and artists
CREATE TABLE likes (
    user_id       UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject_type  VARCHAR(8)  NOT NULL CHECK (subject_type IN ('track', 'album', 'artist')),
    subject_id    UUID        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (user_id, subject_type, subject_id)
);
CREATE INDEX idx_likes_subject ON likes (subject_type, subject_id);

-- completed plays; event_id makes a replayed track.played (or scrobble) count once
CREATE TABLE plays (
    event_id    UUID PRIMARY KEY,
    user_id     UUID REFERENCES users (id) ON DELETE SET NULL,
    track_id    UUID        NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    played_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    ms_played   BIGINT,
    source      VARCHAR(16) NOT NULL DEFAULT 'stream'   -- stream | scrobble | room
);
CREATE INDEX idx_plays_user ON plays (user_id, played_at);
CREATE INDEX idx_plays_track ON plays (track_id);

CREATE TABLE reports (
    id            BIGSERIAL PRIMARY KEY,
    reporter_id   UUID         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject_type  VARCHAR(8)   NOT NULL CHECK (subject_type IN ('track', 'album')),
    subject_id    UUID         NOT NULL,
    reason        VARCHAR(500) NOT NULL,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    resolved_at   TIMESTAMPTZ
);
CREATE INDEX idx_reports_open ON reports (subject_type, subject_id) WHERE resolved_at IS NULL;

-- every moderation decision, never updated or deleted
CREATE TABLE moderation_audit (
    id            BIGSERIAL PRIMARY KEY,
    moderator_id  UUID         NOT NULL REFERENCES users (id),
    subject_type  VARCHAR(8)   NOT NULL CHECK (subject_type IN ('track', 'album')),
    subject_id    UUID         NOT NULL,
    decision      VARCHAR(16)  NOT NULL CHECK (decision IN ('approve', 'reject', 'takedown', 'restore')),
    reason        VARCHAR(500),
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_moderation_audit_subject ON moderation_audit (subject_type, subject_id, created_at);

-- transactional outbox: rows written with the change they announce, published to Kafka by the relay
CREATE TABLE library_outbox (
    id            BIGSERIAL PRIMARY KEY,
    topic         VARCHAR(255) NOT NULL,
    message_key   VARCHAR(255) NOT NULL,
    payload       JSONB        NOT NULL,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    published_at  TIMESTAMPTZ
);
CREATE INDEX idx_library_outbox_unpublished ON library_outbox (id) WHERE published_at IS NULL;

-- OpenSubsonic: per-user app passwords (token+salt auth needs the secret itself, so never the account
-- password) and API keys (the apiKeyAuthentication extension; stored as SHA-256)
CREATE TABLE subsonic_credentials (
    id          UUID PRIMARY KEY,
    user_id     UUID         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        VARCHAR(16)  NOT NULL CHECK (kind IN ('app_password', 'api_key')),
    name        VARCHAR(64)  NOT NULL,
    secret      VARCHAR(255) NOT NULL,                  -- app_password: the secret; api_key: its SHA-256 hex
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    last_used_at TIMESTAMPTZ
);
CREATE INDEX idx_subsonic_credentials_user ON subsonic_credentials (user_id, kind);
CREATE UNIQUE INDEX uq_subsonic_api_key ON subsonic_credentials (secret) WHERE kind = 'api_key';
