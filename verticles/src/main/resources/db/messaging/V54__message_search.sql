-- Search over messages (docs/api.md, Messenger, "Search"). The words of a message, folded and cut as Java's
-- io.chorus.messaging.MessageWords cuts a query: chorus_lower (V43: lower case whatever the database's locale), ё = е,
-- split at explicit separator ranges (PostgreSQL's [[:alnum:]] and the text-search parser follow the locale, and under
-- the C locale they know ASCII letters only), each word at most 64 characters. array_to_tsvector takes the words as
-- they are (no parser, no dictionary, no stemming), so what a query matches is exactly what Java computes; the GIN
-- index answers a word and a word prefix ('hel':*). Core PostgreSQL only: no pg_trgm or other extension needed.
CREATE FUNCTION chorus_message_words(t text) RETURNS tsvector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT coalesce(array_to_tsvector(array_agg(DISTINCT left(w, 64))), ''::tsvector)
      FROM regexp_split_to_table(translate(chorus_lower(t), 'ё', 'е'),
        '[\u0001-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u00BF\u00D7\u00F7\u2000-\u2BFF\u2E00-\u2E7F\u3000-\u303F\uFE00-\uFE1F\uFE30-\uFE6F\uFEFF\uFF00-\uFF0F\uFF1A-\uFF20\uFF3B-\uFF40\uFF5B-\uFF65\uFFF0-\uFFFF\U0001F000-\U0001FAFF\U000E0000-\U000E007F]+') AS w
      WHERE w <> '' $$;

-- Stored, so an edit replaces the words in the same statement and a deletion (text NULL) leaves none: what search finds
-- is always the message as it is now.
ALTER TABLE messages ADD COLUMN search_words tsvector GENERATED ALWAYS AS (chorus_message_words(text)) STORED;

CREATE INDEX idx_messages_search_words ON messages USING gin (search_words);

-- Newest first: for a word many messages hold, the planner walks this index and stops at the page's end (measured: a
-- prefix in 40 % of 300,000 messages, a member of 100 conversations, 0.5 ms instead of 127 ms over the GIN bitmap); for
-- a rare word it takes the GIN index and sorts the few rows.
CREATE INDEX idx_messages_created ON messages (created_at DESC, id DESC);
