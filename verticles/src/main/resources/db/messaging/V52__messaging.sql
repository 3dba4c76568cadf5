-- The messenger (seed 003's Chat Service): personal (direct) and group conversations with their message history.
-- PostgreSQL rather than the seed's MongoDB: one database for the whole node, and a message's sequence number is
-- assigned in the same transaction that stores it (gapless and strictly increasing per conversation).

CREATE TABLE conversations (
    id               UUID PRIMARY KEY,
    type             TEXT        NOT NULL CHECK (type IN ('direct', 'group')),
    -- groups only: 1-128 characters (docs/api.md, Messenger)
    title            TEXT,
    -- direct only: the two members in UUID order; one direct conversation per pair (NULLs of groups are distinct)
    direct_low       UUID REFERENCES users (id),
    direct_high      UUID REFERENCES users (id),
    created_by       UUID        NOT NULL REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- the seq of the newest message (0: none); bumped in the transaction that inserts the message
    last_seq         BIGINT      NOT NULL DEFAULT 0,
    -- the newest message, membership change or rename: the order of the conversation list
    last_activity_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT conversations_direct_pair UNIQUE (direct_low, direct_high),
    CONSTRAINT conversations_shape CHECK (
        (type = 'direct' AND direct_low IS NOT NULL AND direct_high IS NOT NULL AND direct_low < direct_high AND title IS NULL)
        OR (type = 'group' AND direct_low IS NULL AND direct_high IS NULL AND title IS NOT NULL))
);

CREATE TABLE conversation_members (
    conversation_id UUID        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         UUID        NOT NULL REFERENCES users (id),
    role            TEXT        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at       TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- the member's read marker: only moves forward (docs/api.md)
    last_read_seq   BIGINT      NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
);

-- a user's conversations (GET /api/v1/conversations)
CREATE INDEX idx_conversation_members_user ON conversation_members (user_id);

CREATE TABLE messages (
    id                UUID PRIMARY KEY,
    conversation_id   UUID        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq               BIGINT      NOT NULL,
    sender_id         UUID        NOT NULL REFERENCES users (id),
    -- NULL once deleted (the row stays as a tombstone)
    text              TEXT,
    -- the sender's idempotency key: a retry answers the message it made
    client_message_id TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    edited_at         TIMESTAMPTZ,
    deleted_at        TIMESTAMPTZ,
    CONSTRAINT messages_seq UNIQUE (conversation_id, seq),
    CONSTRAINT messages_client_id UNIQUE (conversation_id, sender_id, client_message_id),
    CONSTRAINT messages_tombstone CHECK ((deleted_at IS NULL) = (text IS NOT NULL))
);
