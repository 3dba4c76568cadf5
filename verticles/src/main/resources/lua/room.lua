-- Every change to a room is this one script, so changes are atomic and totally ordered across
-- nodes: each bumps "version" by one. KEYS[1] = room:{ID} (the seed's JSON: room_id, host_id,
-- track_url, timestamp, status, users, plus the sync fields and node_conns = sockets per node),
-- KEYS[2] = room:{ID}:members (HASH user id -> {name, joined_at, conns = sockets per node}).
-- Members live in their own hash so that a playback change, the hot path of a big room, reads and
-- writes only the room JSON (user ids, not every member's record) and replies with it alone.
-- ARGV[1] = operation, ARGV[2] = now (ms), ARGV[3] = ttl (s), then the operation's arguments.
-- Replies: the room JSON, "full" (get, create, join: with "members", what room_info needs) or
-- compact, optionally with one member record ("member_id" + "member"). Errors: "CHORUS <code> <message>".
local key, mkey = KEYS[1], KEYS[2]
local op = ARGV[1]
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])

local function fail(code, msg)
  return redis.error_reply('CHORUS ' .. code .. ' ' .. msg)
end

-- cjson encodes an empty table as an object; the Java side reads users only from an array
local function list(t)
  if type(t) ~= 'table' then return {} end
  return t
end

local function save(room)
  room.updated_at_room = now
  local transient = { event = room.event, actor = room.actor, host_changed = room.host_changed,
    left = room.left, left_names = room.left_names, member_id = room.member_id, member = room.member }
  room.event, room.actor, room.host_changed, room.left, room.left_names, room.member_id, room.member =
    nil, nil, nil, nil, nil, nil, nil
  redis.call('SET', key, cjson.encode(room), 'EX', ttl)
  redis.call('EXPIRE', mkey, ttl)
  for k, v in pairs(transient) do room[k] = v end
end

local function compact(room)
  return cjson.encode(room)
end

-- the room plus every member record, spliced in raw (no decode of N member records)
local function full(room)
  local flat = redis.call('HGETALL', mkey)
  local parts = {}
  for i = 1, #flat, 2 do
    parts[#parts + 1] = cjson.encode(flat[i]) .. ':' .. flat[i + 1]
  end
  local json = cjson.encode(room)
  return string.sub(json, 1, -2) .. ',"members":{' .. table.concat(parts, ',') .. '}}'
end

local function with_member(room, id)
  local raw = id and id ~= '' and redis.call('HGET', mkey, id)
  if raw then
    room.member_id = id
    room.member = cjson.decode(raw)
  end
end

local function add_conns(room, conns, sign)
  room.node_conns = type(room.node_conns) == 'table' and room.node_conns or {}
  for node, n in pairs(conns or {}) do
    local total = (room.node_conns[node] or 0) + sign * n
    room.node_conns[node] = total > 0 and total or nil
  end
end

-- position now, from the last change: position_ms + elapsed * rate while playing
local function position(room)
  if room.status == 'play' then
    return room.position_ms + math.floor((now - room.updated_at) * room.rate)
  end
  return room.position_ms
end

local function remove_member(room, id, m)
  -- the departed member's name goes back with the reply (event text), so callers need no read first
  room.left_names = room.left_names or {}
  room.left_names[id] = (m and m.name ~= '' and m.name) or id
  add_conns(room, m and m.conns, -1)
  redis.call('HDEL', mkey, id)
  local users = {}
  for _, u in ipairs(list(room.users)) do
    if u ~= id then users[#users + 1] = u end
  end
  room.users = users
  -- the host left: the longest-present member becomes host; an empty room keeps its host id
  if room.host_id == id and #users > 0 then
    room.host_id = users[1]
    room.host_changed = true
  end
end

if op == 'create' then
  -- ARGV: 4 host_id, 5 host_name, 6 track_url, 7 max_users, 8 title, 9 node, 10 connect(0|1)
  if redis.call('EXISTS', key) == 1 then return fail('exists', 'room id taken') end
  local host = ARGV[4]
  local conns = {}
  if ARGV[10] == '1' then conns[ARGV[9]] = 1 end
  redis.call('DEL', mkey)
  redis.call('HSET', mkey, host, cjson.encode({ name = ARGV[5], joined_at = now, conns = conns }))
  local room = {
    room_id = string.sub(key, 7, -2), host_id = host, track_url = ARGV[6], status = 'pause',
    position_ms = 0, updated_at = now, rate = 1.0, version = 1, max_users = tonumber(ARGV[7]),
    title = ARGV[8], created_at = now, users = { host }, node_conns = conns, timestamp = 0
  }
  save(room)
  return full(room)
end

local raw = redis.call('GET', key)
if not raw then return fail('not_found', 'room not found') end
local room = cjson.decode(raw)
room.users = list(room.users)
if type(room.node_conns) ~= 'table' then room.node_conns = {} end
-- a room stored by the previous layout (members inside the JSON) moves its members to the hash
if type(room.members) == 'table' then
  for id, m in pairs(room.members) do
    redis.call('HSET', mkey, id, cjson.encode(m))
    add_conns(room, m.conns, 1)
  end
  if type(room.order) == 'table' then room.users = room.order end
  room.members, room.order = nil, nil
  save(room)
end

if op == 'get' then
  return full(room)
elseif op == 'member' then
  -- ARGV: 4 user_id. Membership checks (chat, bridge) without reading every member.
  with_member(room, ARGV[4])
  return compact(room)
elseif op == 'touch' then
  redis.call('EXPIRE', key, ttl)
  redis.call('EXPIRE', mkey, ttl)
  return compact(room)
elseif op == 'join' then
  -- ARGV: 4 user_id, 5 name, 6 node, 7 connect(0|1), 8 strict(1: already a member is an error)
  local id, node = ARGV[4], ARGV[6]
  local mraw = redis.call('HGET', mkey, id)
  if mraw then
    if ARGV[8] == '1' then return fail('already_exists', 'user already in the room') end
    if ARGV[7] == '1' then
      local m = cjson.decode(mraw)
      if type(m.conns) ~= 'table' then m.conns = {} end
      m.conns[node] = (m.conns[node] or 0) + 1
      add_conns(room, { [node] = 1 }, 1)
      redis.call('HSET', mkey, id, cjson.encode(m))
    end
    room.event = 'reconnect'
    save(room)
    return full(room)
  end
  if #room.users >= room.max_users then return fail('room_full', 'room is full (' .. room.max_users .. ' users)') end
  local conns = {}
  if ARGV[7] == '1' then conns[node] = 1 end
  redis.call('HSET', mkey, id, cjson.encode({ name = ARGV[5], joined_at = now, conns = conns }))
  add_conns(room, conns, 1)
  room.users[#room.users + 1] = id
  room.version = room.version + 1
  room.event = 'user_joined'
  save(room)
  return full(room)
elseif op == 'leave' then
  -- ARGV: 4 user_id, 5 node, 6 disconnect(0|1: drop one connection, leave when none is left)
  local id, node = ARGV[4], ARGV[5]
  local mraw = redis.call('HGET', mkey, id)
  if not mraw then return fail('not_found', 'user not in the room') end
  local m = cjson.decode(mraw)
  if type(m.conns) ~= 'table' then m.conns = {} end
  if ARGV[6] == '1' then
    if m.conns[node] then
      m.conns[node] = m.conns[node] - 1
      add_conns(room, { [node] = 1 }, -1)
      if m.conns[node] <= 0 then m.conns[node] = nil end
    end
    if next(m.conns) ~= nil then
      redis.call('HSET', mkey, id, cjson.encode(m))
      room.event = 'still_connected'
      save(room)
      return compact(room)
    end
  end
  remove_member(room, id, m)
  room.version = room.version + 1
  room.event = 'user_left'
  save(room)
  return compact(room)
elseif op == 'drop_node' then
  -- ARGV: 4 node. Removes members whose only connections were on a dead node.
  local node = ARGV[4]
  local flat = redis.call('HGETALL', mkey)
  local records = {}
  for i = 1, #flat, 2 do records[flat[i]] = flat[i + 1] end
  local left = {}
  for _, id in ipairs(room.users) do
    local mraw = records[id]
    if mraw and string.find(mraw, node, 1, true) then
      local m = cjson.decode(mraw)
      if type(m.conns) == 'table' and m.conns[node] then
        m.conns[node] = nil
        if next(m.conns) == nil then
          left[#left + 1] = { id, m }
        else
          redis.call('HSET', mkey, id, cjson.encode(m))
        end
      end
    end
  end
  local ids = {}
  for _, entry in ipairs(left) do
    remove_member(room, entry[1], entry[2])
    ids[#ids + 1] = entry[1]
  end
  room.node_conns[node] = nil
  if #ids > 0 then room.version = room.version + 1 end
  room.left = ids
  room.event = 'node_dropped'
  save(room)
  return compact(room)
elseif op == 'control' then
  -- ARGV: 4 actor (host id, or '' for a trusted service call), 5 action, 6 position_ms (-1: keep)
  local actor = ARGV[4]
  if actor ~= '' and actor ~= room.host_id then return fail('forbidden', 'only the host controls playback') end
  local action = ARGV[5]
  local pos = tonumber(ARGV[6])
  local current = position(room)
  if action == 'play' then
    room.position_ms = (pos >= 0) and pos or current
    room.status = 'play'
  elseif action == 'pause' then
    room.position_ms = (pos >= 0) and pos or current
    room.status = 'pause'
  elseif action == 'seek' then
    if pos < 0 then return fail('invalid_argument', 'seek needs a position') end
    room.position_ms = pos
  else
    return fail('invalid_argument', 'unknown action ' .. action)
  end
  room.updated_at = now
  room.version = room.version + 1
  room.event = action
  room.actor = actor
  save(room)
  -- the event names who acted: the actor, or the host for a trusted call
  with_member(room, actor ~= '' and actor or room.host_id)
  return compact(room)
elseif op == 'transfer' then
  -- ARGV: 4 actor ('' trusted), 5 new host
  local actor = ARGV[4]
  if actor ~= '' and actor ~= room.host_id then return fail('forbidden', 'only the host hands over the host role') end
  if redis.call('HEXISTS', mkey, ARGV[5]) == 0 then return fail('not_found', 'new host is not in the room') end
  room.host_id = ARGV[5]
  room.version = room.version + 1
  room.event = 'host_changed'
  save(room)
  return compact(room)
elseif op == 'track' then
  -- ARGV: 4 actor ('' trusted), 5 track url
  local actor = ARGV[4]
  if actor ~= '' and actor ~= room.host_id then return fail('forbidden', 'only the host changes the track') end
  room.track_url = ARGV[5]
  room.position_ms = 0
  room.status = 'pause'
  room.updated_at = now
  room.version = room.version + 1
  room.event = 'track_changed'
  save(room)
  return compact(room)
end
return fail('invalid_argument', 'unknown operation ' .. op)
