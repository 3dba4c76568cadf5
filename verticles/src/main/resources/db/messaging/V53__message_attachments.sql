-- Attachments of messenger messages (seed 003's Media Service): photos, audio, video and other files. The bytes are
-- in S3 under messenger/<conversation_id>/<id>, this row says what they are. An attachment is uploaded first
-- (message_id NULL, seen by its uploader only) and then attached by the one send that names it.
CREATE TABLE message_attachments (
    id              UUID PRIMARY KEY,
    conversation_id UUID        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    uploader_id     UUID        NOT NULL REFERENCES users (id),
    -- the message it was sent with; NULL until then. Deleting the message deletes its attachments (rows here,
    -- objects in S3 by the messenger)
    message_id      UUID REFERENCES messages (id) ON DELETE CASCADE,
    -- its place among the message's attachments (1-10), set with message_id
    position        SMALLINT,
    name            TEXT        NOT NULL,
    -- the media type the uploader gave, lower case, without parameters
    content_type    TEXT        NOT NULL,
    size            BIGINT      NOT NULL CHECK (size > 0),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT message_attachments_sent CHECK ((message_id IS NULL) = (position IS NULL))
);

-- a message's attachments, in order (every message read selects them)
CREATE INDEX idx_message_attachments_message ON message_attachments (message_id, position) WHERE message_id IS NOT NULL;

-- uploads never sent, oldest first (the sweep deletes those past MESSENGER_ATTACHMENT_UNSENT_HOURS)
CREATE INDEX idx_message_attachments_unsent ON message_attachments (created_at) WHERE message_id IS NULL;

-- a message with attachments may have no text; a deleted one (the tombstone) still never has
ALTER TABLE messages DROP CONSTRAINT messages_tombstone;
ALTER TABLE messages ADD CONSTRAINT messages_tombstone CHECK (deleted_at IS NULL OR text IS NULL);
