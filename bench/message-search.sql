-- Load for the messenger's search (GET /api/v1/conversations/search; docs/api.md, Messenger, "Search"): 200 users,
-- 200 groups; user 00000000-0000-0000-0000-000000000001 is in the first 100 (2,000 messages each: 200,000), not in the
-- other 100 (1,000 each): 300,000 messages of 4-15 words drawn from 5,000 Latin and Cyrillic pseudo-words (skewed:
-- the commonest is in 40 % of the messages). On an empty database migrated to V54 (or the migrations applied by hand),
--   psql -d chorus -f bench/message-search.sql
-- takes about 2 minutes on 2 cores, then prints the plans and times of the search query (MessageSearch's SQL with the
-- caller's and the words' values written in) for a common prefix, a common word, two words, a rare word, a word
-- nobody wrote, and the worst case: two words each in half of the caller's messages, never together.
INSERT INTO users (id, username, display_name, password_hash)
  SELECT ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, 'u' || i, 'U' || i, 'x' FROM generate_series(1, 200) i;
CREATE TEMP TABLE vocab AS SELECT i, CASE WHEN i % 2 = 0
    THEN translate(substr(md5(i::text), 1, 3 + i % 7), '0123456789abcdef', 'абвгдежзиклмнопр')
    ELSE translate(substr(md5(i::text), 1, 3 + i % 7), '0123456789', 'ghijklmnos') END AS w
  FROM generate_series(0, 4999) i;
INSERT INTO conversations (id, type, title, created_by, last_seq)
  SELECT ('10000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, 'group', 'g' || g, '00000000-0000-0000-0000-000000000001', 0
  FROM generate_series(1, 200) g;
INSERT INTO conversation_members (conversation_id, user_id, role)
  SELECT ('10000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, ('00000000-0000-0000-0000-' || lpad(u::text, 12, '0'))::uuid,
         CASE WHEN u = 2 THEN 'owner' ELSE 'member' END
  FROM generate_series(1, 200) g, generate_series(2, 6) u;
INSERT INTO conversation_members (conversation_id, user_id, role)
  SELECT ('10000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, '00000000-0000-0000-0000-000000000001', 'member' FROM generate_series(1, 100) g;
INSERT INTO messages (id, conversation_id, seq, sender_id, text, created_at)
  SELECT gen_random_uuid(), ('10000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, s,
         ('00000000-0000-0000-0000-' || lpad((1 + s % 6)::text, 12, '0'))::uuid,
         (SELECT string_agg(v.w, ' ') FROM generate_series(1, 4 + (s * 7 + g) % 12) k
            JOIN vocab v ON v.i = floor(5000 * power(((hashint4(s * 31 + g * 7 + k * 101) & 2147483647)::float8 / 2147483648), 3))::int)
           || CASE WHEN g <= 50 THEN ' alphaword' WHEN g <= 100 THEN ' omegaword' ELSE '' END,
         now() - make_interval(secs => (300000 - s * 100 - g))
  FROM generate_series(1, 200) g, generate_series(1, CASE WHEN g <= 100 THEN 2000 ELSE 1000 END) s;
UPDATE conversations c SET last_seq = (SELECT max(seq) FROM messages WHERE conversation_id = c.id);
VACUUM ANALYZE;
\echo '== нр:*'
EXPLAIN (ANALYZE, COSTS OFF) SELECT msg.id, msg.conversation_id, msg.seq, msg.sender_id, msg.text, msg.client_message_id, msg.created_at, msg.edited_at, msg.deleted_at, c.type, c.title, u.id AS user_id, u.username, u.display_name, u.bio, u.avatar_key, u.created_at AS user_created_at, u.disabled FROM conversation_members m JOIN messages msg ON msg.conversation_id = m.conversation_id JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = msg.sender_id WHERE m.user_id = '00000000-0000-0000-0000-000000000001' AND msg.search_words @@ 'нр:*'::tsquery ORDER BY msg.created_at DESC, msg.id DESC LIMIT 21;
\echo '== ckca:*'
EXPLAIN (ANALYZE, COSTS OFF) SELECT msg.id, msg.conversation_id, msg.seq, msg.sender_id, msg.text, msg.client_message_id, msg.created_at, msg.edited_at, msg.deleted_at, c.type, c.title, u.id AS user_id, u.username, u.display_name, u.bio, u.avatar_key, u.created_at AS user_created_at, u.disabled FROM conversation_members m JOIN messages msg ON msg.conversation_id = m.conversation_id JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = msg.sender_id WHERE m.user_id = '00000000-0000-0000-0000-000000000001' AND msg.search_words @@ 'ckca:*'::tsquery ORDER BY msg.created_at DESC, msg.id DESC LIMIT 21;
\echo '== нрн:* & ckca:*'
EXPLAIN (ANALYZE, COSTS OFF) SELECT msg.id, msg.conversation_id, msg.seq, msg.sender_id, msg.text, msg.client_message_id, msg.created_at, msg.edited_at, msg.deleted_at, c.type, c.title, u.id AS user_id, u.username, u.display_name, u.bio, u.avatar_key, u.created_at AS user_created_at, u.disabled FROM conversation_members m JOIN messages msg ON msg.conversation_id = m.conversation_id JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = msg.sender_id WHERE m.user_id = '00000000-0000-0000-0000-000000000001' AND msg.search_words @@ 'нрн:* & ckca:*'::tsquery ORDER BY msg.created_at DESC, msg.id DESC LIMIT 21;
\echo '== пгжвижм:*'
EXPLAIN (ANALYZE, COSTS OFF) SELECT msg.id, msg.conversation_id, msg.seq, msg.sender_id, msg.text, msg.client_message_id, msg.created_at, msg.edited_at, msg.deleted_at, c.type, c.title, u.id AS user_id, u.username, u.display_name, u.bio, u.avatar_key, u.created_at AS user_created_at, u.disabled FROM conversation_members m JOIN messages msg ON msg.conversation_id = m.conversation_id JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = msg.sender_id WHERE m.user_id = '00000000-0000-0000-0000-000000000001' AND msg.search_words @@ 'пгжвижм:*'::tsquery ORDER BY msg.created_at DESC, msg.id DESC LIMIT 21;
\echo '== zzzz:*'
EXPLAIN (ANALYZE, COSTS OFF) SELECT msg.id, msg.conversation_id, msg.seq, msg.sender_id, msg.text, msg.client_message_id, msg.created_at, msg.edited_at, msg.deleted_at, c.type, c.title, u.id AS user_id, u.username, u.display_name, u.bio, u.avatar_key, u.created_at AS user_created_at, u.disabled FROM conversation_members m JOIN messages msg ON msg.conversation_id = m.conversation_id JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = msg.sender_id WHERE m.user_id = '00000000-0000-0000-0000-000000000001' AND msg.search_words @@ 'zzzz:*'::tsquery ORDER BY msg.created_at DESC, msg.id DESC LIMIT 21;
\echo '== alphaword:* & omegaword:*'
EXPLAIN (ANALYZE, COSTS OFF) SELECT msg.id, msg.conversation_id, msg.seq, msg.sender_id, msg.text, msg.client_message_id, msg.created_at, msg.edited_at, msg.deleted_at, c.type, c.title, u.id AS user_id, u.username, u.display_name, u.bio, u.avatar_key, u.created_at AS user_created_at, u.disabled FROM conversation_members m JOIN messages msg ON msg.conversation_id = m.conversation_id JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = msg.sender_id WHERE m.user_id = '00000000-0000-0000-0000-000000000001' AND msg.search_words @@ 'alphaword:* & omegaword:*'::tsquery ORDER BY msg.created_at DESC, msg.id DESC LIMIT 21;
