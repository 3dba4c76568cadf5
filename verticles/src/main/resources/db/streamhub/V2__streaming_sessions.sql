-- Seed 001's broadcast sessions (000001_streaming_sessions) and the operators seen on each.
CREATE TABLE streaming_sessions (
    id          UUID PRIMARY KEY,
    client_id   VARCHAR(255) NOT NULL,
    stream_key  VARCHAR(128) NOT NULL,
    status      VARCHAR(20)  NOT NULL DEFAULT 'waiting'
                CHECK (status IN ('waiting', 'active', 'finished')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    started_at  TIMESTAMPTZ,
    finished_at TIMESTAMPTZ
);
CREATE INDEX idx_streaming_sessions_status ON streaming_sessions (status);

CREATE TABLE session_operators (
    session_id UUID         NOT NULL REFERENCES streaming_sessions (id) ON DELETE CASCADE,
    user_id    VARCHAR(255) NOT NULL,
    joined_at  TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    PRIMARY KEY (session_id, user_id)
);
