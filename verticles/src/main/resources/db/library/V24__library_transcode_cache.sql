-- Cached MP3 transcodes (S3 tracks/<id>/mp3-<kbps>), so their total size stays under TRANSCODE_CACHE_MAX_MB:
-- the least recently used ones that nobody is streaming are evicted. A row exists for every cached object
-- (a row whose object is gone is remade on the next request); a deleted track takes its rows with it.
CREATE TABLE transcode_cache (
    s3_key        VARCHAR(255) PRIMARY KEY,
    track_id      UUID         NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    bytes         BIGINT       NOT NULL CHECK (bytes >= 0),
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    last_used_at  TIMESTAMPTZ  NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_transcode_cache_lru ON transcode_cache (last_used_at);
CREATE INDEX idx_transcode_cache_track ON transcode_cache (track_id);

-- Streams being served from a transcode, per node: a transcode with an unexpired lease is never evicted.
-- A node renews its leases while it serves and deletes them when done; a dead node's lapse.
CREATE TABLE transcode_leases (
    s3_key    VARCHAR(255) NOT NULL,
    node_id   VARCHAR(255) NOT NULL,
    until     TIMESTAMPTZ  NOT NULL,
    token     VARCHAR(36)  NOT NULL,                    -- the lease's holder on that node; its release deletes only its own
    PRIMARY KEY (s3_key, node_id)
);
