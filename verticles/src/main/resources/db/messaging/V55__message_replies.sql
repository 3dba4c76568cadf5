-- Replies (docs/api.md, Messenger): a message may answer an earlier one of its conversation. Messages are never
-- deleted one by one (a deletion leaves a tombstone), only with their conversation, when the reference goes too.
ALTER TABLE messages ADD COLUMN reply_to_id UUID REFERENCES messages (id) ON DELETE SET NULL;
