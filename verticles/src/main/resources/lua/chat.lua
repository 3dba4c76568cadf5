-- A room's chat (seed 002): KEYS[1] = chat:room:{ID}:messages (ZSET, score = created ms, member =
-- message JSON), KEYS[2] = chat:room:{ID}:index (HASH: "_seq" last sequence number, "_ts" last
-- score, and message id -> score). Scores are strictly increasing per room (max(now, last + 1)) and
-- every message gets the next "seq" in the same atomic step, so seq order, score order and event
-- order are one. ARGV[1] = operation, ARGV[2] = now (ms), ARGV[3] = ttl (s), then its arguments.
-- Errors: "CHORUS <code> <message>". The operation "post" (a participant's message, the hot path)
-- takes three more keys, all under the same {ID} hash tag: see there. KEYS[3] (KEYS[6] for "post") =
-- chat:room:{ID}:deleted (ZSET: the ids of deleted messages, scored as they were, that still work as an
-- `after` cursor). The index holds an entry for each kept message and each of these, no more: it is trimmed
-- with the messages, and a deleted message's entry goes when the history is trimmed past it, or when more than
-- the history's size of deleted messages is held.
local msgs, idx = KEYS[1], KEYS[2]
local op = ARGV[1]
local dels = op == 'post' and KEYS[6] or KEYS[3]
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])

local function fail(code, msg)
  return redis.error_reply('CHORUS ' .. code .. ' ' .. msg)
end

local function head()
  return tonumber(redis.call('HGET', idx, '_seq') or '0')
end

local function find(id)
  local score = redis.call('HGET', idx, 'm:' .. id)
  if not score then return nil end
  local found = redis.call('ZRANGEBYSCORE', msgs, score, score)
  if #found == 0 then return nil, score end
  return found[1], score
end

-- drops the deleted-message cursors ranked [0, stop] (oldest first) with their index entries
local function drop_deleted(stop)
  for _, id in ipairs(redis.call('ZRANGE', dels, 0, stop)) do
    redis.call('HDEL', idx, 'm:' .. id)
  end
  redis.call('ZREMRANGEBYRANK', dels, 0, stop)
end

-- messages past the history's size go with their index entries, and the deleted-message cursors older than
-- the oldest message kept
local function trim(max)
  local n = redis.call('ZCARD', msgs)
  if n <= max then return end
  for _, raw in ipairs(redis.call('ZRANGE', msgs, 0, n - max - 1)) do
    redis.call('HDEL', idx, 'm:' .. cjson.decode(raw).id)
  end
  redis.call('ZREMRANGEBYRANK', msgs, 0, n - max - 1)
  local oldest = redis.call('ZRANGE', msgs, 0, 0, 'WITHSCORES')[2]
  local older = oldest and redis.call('ZCOUNT', dels, '-inf', '(' .. oldest) or redis.call('ZCARD', dels)
  if older > 0 then drop_deleted(older - 1) end
end

-- the index entries of messages no longer kept (the messages expired with the chat TTL, the index outlives
-- them): all but the deleted-message cursors still held
local function forget_expired()
  for _, field in ipairs(redis.call('HKEYS', idx)) do
    if string.sub(field, 1, 2) == 'm:' and not redis.call('ZSCORE', dels, string.sub(field, 3)) then
      redis.call('HDEL', idx, field)
    end
  end
end

-- the next seq and score for message table m (without seq), stored and trimmed; returns its JSON. idx_ttl: the
-- index's TTL (the room's lifetime, at least the chat's): the room's last seq and score outlive the messages, so a
-- room whose chat expired goes on numbering after what its clients hold
local function append(m, max, idx_ttl)
  local seq = redis.call('HINCRBY', idx, '_seq', 1)
  local last = tonumber(redis.call('HGET', idx, '_ts') or '0')
  local ts = math.max(now, last + 1)
  m.seq = seq
  local enc = cjson.encode(m)
  if redis.call('EXISTS', msgs) == 0 then forget_expired() end
  redis.call('ZADD', msgs, ts, enc)
  redis.call('HSET', idx, '_ts', ts, 'm:' .. m.id, ts)
  trim(max)
  redis.call('EXPIRE', msgs, ttl)
  redis.call('EXPIRE', dels, ttl)
  redis.call('EXPIRE', idx, math.max(ttl, tonumber(idx_ttl) or ttl))
  return enc
end

-- fixed-window counter (as ratelimit.lua): returns the count and the ms left in the window
local function hit(counter, window)
  local c = redis.call('INCR', counter)
  local left = redis.call('PTTL', counter)
  if c == 1 or left < 0 then
    redis.call('PEXPIRE', counter, window)
    left = window
  end
  return c, left
end

if op == 'send' then
  -- ARGV: 4 message JSON (without seq), 5 history max, 6 the index's TTL (s)
  return append(cjson.decode(ARGV[4]), tonumber(ARGV[5]), ARGV[6])
elseif op == 'post' then
  -- A participant's message in one round trip: the participant's request limit, membership, the
  -- participant's message limit, the append and the room's activity mark. Membership is the rooms
  -- module's answer, asked just before (chat never reads the room's keys): ARGV[11] "member" |
  -- "outsider" | "missing" (no such room), ARGV[12] the member's display name.
  -- KEYS[3] = the participant's request counter in the room (requests are limited per caller, not
  -- per room), KEYS[4] = the participant's message counter, KEYS[5] = room:{ID}:active.
  -- ARGV: 4 message JSON (without seq and display_name), 5 history max, 6 participant id, 7 window
  -- (ms), 8 request limit, 9 message limit (0: unlimited), 10 activity mark's lifetime (s), 13 the index's TTL (s).
  -- Both counters count every attempt; refusals come in the order of the separate checks: the request
  -- limit, then the room and membership, then the participant's message limit. Replies {"limited", "room" |
  -- "messages", ms left} for a limit, else {"ok", message JSON, 1 if the activity mark was set now}.
  local window = tonumber(ARGV[7])
  local room_limit, msg_limit = tonumber(ARGV[8]), tonumber(ARGV[9])
  local room_count, room_left, msg_count, msg_left = 0, 0, 0, 0
  if room_limit > 0 then room_count, room_left = hit(KEYS[3], window) end
  if msg_limit > 0 then msg_count, msg_left = hit(KEYS[4], window) end
  if room_limit > 0 and room_count > room_limit then return { 'limited', 'room', room_left } end
  local pid = ARGV[6]
  if ARGV[11] == 'missing' then return fail('not_found', 'room not found') end
  if ARGV[11] ~= 'member' then return fail('forbidden', 'not a participant of this room') end
  if msg_limit > 0 and msg_count > msg_limit then return { 'limited', 'messages', msg_left } end
  local m = cjson.decode(ARGV[4])
  local name = ARGV[12]
  if type(name) ~= 'string' or name == '' then name = pid end
  m.display_name = name
  local enc = append(m, tonumber(ARGV[5]), ARGV[13])
  local first = redis.call('SET', KEYS[5], '1', 'NX', 'EX', ARGV[10])
  return { 'ok', enc, first and 1 or 0 }
elseif op == 'edit' or op == 'delete' then
  -- ARGV: 4 message id, 5 actor, 6 actor is host (1|0), 7 new content (edit), 8 edited_at (edit), 9 history max (delete)
  local raw, score = find(ARGV[4])
  if not raw then return fail('not_found', 'message not found') end
  local m = cjson.decode(raw)
  if m.message_type ~= 'user' then return fail('forbidden', 'system messages cannot be changed') end
  local own = m.participant_id == ARGV[5]
  if op == 'edit' and not own then return fail('forbidden', 'only the author edits a message') end
  if op == 'delete' and not own and ARGV[6] ~= '1' then
    return fail('forbidden', 'only the author or the host deletes a message')
  end
  redis.call('ZREM', msgs, raw)
  if op == 'delete' then
    -- the index entry stays, so a deleted message id still works as a recovery cursor; the newest history max
    -- of them are kept
    redis.call('ZADD', dels, score, m.id)
    local held = redis.call('ZCARD', dels) - tonumber(ARGV[9])
    if held > 0 then drop_deleted(held - 1) end
    redis.call('EXPIRE', dels, ttl)
    return raw
  end
  m.content = ARGV[7]
  m.edited_at = ARGV[8]
  local enc = cjson.encode(m)
  redis.call('ZADD', msgs, score, enc)
  return enc
elseif op == 'list' then
  -- ARGV: 4 mode (last|seq|id), 5 cursor, 6 limit. Returns {head seq, more (0|1), message JSON...} ascending.
  local mode, cursor, limit = ARGV[4], ARGV[5], tonumber(ARGV[6])
  local out = { head(), 0 }
  if mode == 'last' then
    local got = redis.call('ZREVRANGE', msgs, 0, limit)
    if #got > limit then out[2] = 1 end
    for i = math.min(#got, limit), 1, -1 do table.insert(out, got[i]) end
    return out
  end
  local from
  if mode == 'id' then
    local score = redis.call('HGET', idx, 'm:' .. cursor)
    if not score then return fail('not_found', 'unknown message id in after') end
    from = '(' .. score
  else
    -- the first message with seq > cursor: walk back from the newest (cost ~ what is returned)
    local after = tonumber(cursor)
    from = '-inf'
    local start = 0
    local done = false
    while not done do
      local page = redis.call('ZREVRANGE', msgs, start, start + 99, 'WITHSCORES')
      if #page == 0 then break end
      for i = 1, #page, 2 do
        if cjson.decode(page[i]).seq <= after then
          from = '(' .. page[i + 1]
          done = true
          break
        end
      end
      start = start + 100
    end
  end
  local got = redis.call('ZRANGEBYSCORE', msgs, from, '+inf', 'LIMIT', 0, limit + 1)
  if #got > limit then out[2] = 1 end
  for i = 1, math.min(#got, limit) do table.insert(out, got[i]) end
  return out
end
return fail('invalid_argument', 'unknown chat operation ' .. tostring(op))
