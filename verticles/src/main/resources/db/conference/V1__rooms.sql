-- Seed 002's rooms and room_participants, adapted to Chorus's short shareable room ids
-- (VARCHAR instead of UUID) and to the shared room model (host, timestamps with time zone).
CREATE TABLE rooms (
    id                  VARCHAR(32) PRIMARY KEY,
    livekit_room_name   VARCHAR(255) UNIQUE NOT NULL,
    title               VARCHAR(255) NOT NULL DEFAULT '',
    description         TEXT,
    status              VARCHAR(50) NOT NULL DEFAULT 'active',
    max_participants    INTEGER NOT NULL DEFAULT 50,
    host_participant_id VARCHAR(255) NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    expires_at          TIMESTAMPTZ
);
CREATE INDEX idx_rooms_status ON rooms (status);
CREATE INDEX idx_rooms_expires_at ON rooms (expires_at);

CREATE TABLE room_participants (
    id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    room_id        VARCHAR(32) NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    participant_id VARCHAR(255) NOT NULL,
    display_name   VARCHAR(255) NOT NULL,
    role           VARCHAR(50) NOT NULL DEFAULT 'participant',
    livekit_sid    VARCHAR(255),
    joined_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    left_at        TIMESTAMPTZ,
    client_ip      INET,
    user_agent     TEXT
);
CREATE INDEX idx_participants_room ON room_participants (room_id);
CREATE INDEX idx_participants_active ON room_participants (room_id, left_at);
-- one open membership per participant and room: replays of a join are idempotent
CREATE UNIQUE INDEX uq_participants_open ON room_participants (room_id, participant_id) WHERE left_at IS NULL;
