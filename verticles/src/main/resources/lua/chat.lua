-- A room's chat (seed 002): KEYS[1] = chat:room:{ID}:messages (ZSET, score = created ms, member =
-- message JSON), KEYS[2] = chat:room:{ID}:index (HASH: "_seq" last sequence number, "_ts" last
-- score, and message id -> score). Scores are strictly increasing per room (max(now, last + 1)) and
-- every message gets the next "seq" in the same atomic step, so seq order, score order and event
-- order are one. ARGV[1] = operation, ARGV[2] = now (ms), ARGV[3] = ttl (s), then its arguments.
-- Errors: "CHORUS <code> <message>".
local msgs, idx = KEYS[1], KEYS[2]
local op = ARGV[1]
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

if op == 'send' then
  -- ARGV: 4 message JSON (without seq), 5 history max
  local seq = redis.call('HINCRBY', idx, '_seq', 1)
  local last = tonumber(redis.call('HGET', idx, '_ts') or '0')
  local ts = math.max(now, last + 1)
  local m = cjson.decode(ARGV[4])
  m.seq = seq
  local enc = cjson.encode(m)
  redis.call('ZADD', msgs, ts, enc)
  redis.call('HSET', idx, '_ts', ts, 'm:' .. m.id, ts)
  local max = tonumber(ARGV[5])
  if redis.call('ZCARD', msgs) > max then
    redis.call('ZREMRANGEBYRANK', msgs, 0, -(max + 1))
  end
  redis.call('EXPIRE', msgs, ttl)
  redis.call('EXPIRE', idx, ttl)
  return enc
elseif op == 'edit' or op == 'delete' then
  -- ARGV: 4 message id, 5 actor, 6 actor is host (1|0), 7 new content (edit), 8 edited_at (edit)
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
    -- the index entry stays, so a deleted message id still works as a recovery cursor
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
