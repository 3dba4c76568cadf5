-- Reactions (docs/api.md, Messenger): a member's emoji on a message, once per member, message and emoji. A deleted
-- message loses its reactions (its tombstone shows none); the conversation's deletion takes them with its messages.
CREATE TABLE message_reactions (
    message_id UUID        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    UUID        NOT NULL REFERENCES users (id),
    -- 1-8 code points after NFC with a visible one, no spaces or control characters (an emoji or a ZWJ sequence)
    emoji      TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (message_id, emoji, user_id)
);
