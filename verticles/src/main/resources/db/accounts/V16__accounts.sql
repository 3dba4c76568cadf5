-- Issue 16: accounts, refresh sessions and friendships.
-- Usernames are stored already normalised (NFKC, lower case, [a-z0-9_.-]), so the plain unique index
-- is the case-insensitive one; the lower() check keeps a writer that skipped the rule out.
CREATE TABLE users (
    id            UUID PRIMARY KEY,
    username      VARCHAR(32)  NOT NULL UNIQUE CHECK (username = lower(username)),
    display_name  VARCHAR(64)  NOT NULL,
    bio           VARCHAR(500) NOT NULL DEFAULT '',
    avatar_key    VARCHAR(255),
    roles         TEXT[]       NOT NULL DEFAULT ARRAY['user']::TEXT[],
    disabled      BOOLEAN      NOT NULL DEFAULT FALSE,
    password_hash VARCHAR(255) NOT NULL,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    updated_at    TIMESTAMPTZ  NOT NULL DEFAULT NOW()
);
-- prefix search on the display name (the username's unique index serves username prefixes)
CREATE INDEX idx_users_display_name ON users (lower(display_name) text_pattern_ops);
CREATE INDEX idx_users_username_prefix ON users (username text_pattern_ops);

-- A refresh family: one sign-in on one device. Revoking it ends every refresh token it issued.
CREATE TABLE auth_sessions (
    id         UUID PRIMARY KEY,
    user_id    UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    revoke_reason VARCHAR(32)
);
CREATE INDEX idx_auth_sessions_user ON auth_sessions (user_id) WHERE revoked_at IS NULL;

-- Opaque refresh tokens, stored as SHA-256 of the token; used_at set on rotation (a second use is theft).
CREATE TABLE refresh_tokens (
    token_hash BYTEA PRIMARY KEY,
    session_id UUID        NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    user_id    UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX idx_refresh_tokens_session ON refresh_tokens (session_id);

-- Pending requests (from -> to) and accepted friendships, stored in both directions for simple lookups.
CREATE TABLE friend_requests (
    from_user  UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    to_user    UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (from_user, to_user),
    CHECK (from_user <> to_user)
);
CREATE INDEX idx_friend_requests_to ON friend_requests (to_user);

CREATE TABLE friendships (
    user_id    UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    friend_id  UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (user_id, friend_id),
    CHECK (user_id <> friend_id)
);

-- A room joined while signed in records the account behind the participant (anonymous: NULL).
ALTER TABLE room_participants ADD COLUMN user_id UUID REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX idx_participants_user ON room_participants (user_id) WHERE user_id IS NOT NULL;
