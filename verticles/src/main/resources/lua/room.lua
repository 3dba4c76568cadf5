-- Every change to a room is this one script, so changes are atomic and totally ordered across
-- nodes: each bumps "version" by one. KEYS[1] = room:{ID}. ARGV[1] = operation, ARGV[2] = now (ms),
-- ARGV[3] = ttl (s), then the operation's arguments. Returns the room JSON, or an error reply
-- "CHORUS <code> <message>" that the Java side maps to an error code.
local key = KEYS[1]
local op = ARGV[1]
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])

local function fail(code, msg)
  return redis.error_reply('CHORUS ' .. code .. ' ' .. msg)
end

local function save(room)
  room.updated_at_room = now
  redis.call('SET', key, cjson.encode(room), 'EX', ttl)
  return cjson.encode(room)
end

-- position now, from the last change: position_ms + elapsed * rate while playing
local function position(room)
  if room.status == 'play' then
    return room.position_ms + math.floor((now - room.updated_at) * room.rate)
  end
  return room.position_ms
end

local function user_list(room)
  local list = {}
  for _, id in ipairs(room.order) do
    if room.members[id] then table.insert(list, id) end
  end
  return list
end

local function remove_member(room, id)
  -- the departed member's name goes back with the reply (event text), so callers need no read first
  local m = room.members[id]
  room.left_names = room.left_names or {}
  room.left_names[id] = (m and m.name ~= '' and m.name) or id
  room.members[id] = nil
  local order = {}
  for _, u in ipairs(room.order) do
    if u ~= id then table.insert(order, u) end
  end
  room.order = order
  room.users = order
  -- the host left: the longest-present member becomes host; an empty room keeps its host id
  if room.host_id == id and #order > 0 then
    room.host_id = order[1]
    room.host_changed = true
  end
end

if op == 'create' then
  -- ARGV: 4 host_id, 5 host_name, 6 track_url, 7 max_users, 8 title, 9 node, 10 connect(0|1)
  if redis.call('EXISTS', key) == 1 then return fail('exists', 'room id taken') end
  local host = ARGV[4]
  local conns = {}
  if ARGV[10] == '1' then conns[ARGV[9]] = 1 end
  local room = {
    room_id = string.sub(key, 7, -2), host_id = host, track_url = ARGV[6], status = 'pause',
    position_ms = 0, updated_at = now, rate = 1.0, version = 1, max_users = tonumber(ARGV[7]),
    title = ARGV[8], created_at = now,
    members = { [host] = { name = ARGV[5], joined_at = now, conns = conns } },
    order = { host }, users = { host }
  }
  room.timestamp = 0
  return save(room)
end

local raw = redis.call('GET', key)
if not raw then return fail('not_found', 'room not found') end
local room = cjson.decode(raw)
if type(room.order) ~= 'table' or room.order[1] == nil then room.order = {} end
if type(room.members) ~= 'table' then room.members = {} end
room.host_changed = nil
room.event = nil
room.left = nil
room.left_names = nil
room.actor = nil

if op == 'get' then
  return raw
elseif op == 'touch' then
  redis.call('EXPIRE', key, ttl)
  return raw
elseif op == 'join' then
  -- ARGV: 4 user_id, 5 name, 6 node, 7 connect(0|1), 8 strict(1: already a member is an error)
  local id = ARGV[4]
  local m = room.members[id]
  if m then
    if ARGV[8] == '1' then return fail('already_exists', 'user already in the room') end
    if ARGV[7] == '1' then
      if type(m.conns) ~= 'table' or next(m.conns) == nil then m.conns = {} end
      m.conns[ARGV[6]] = (m.conns[ARGV[6]] or 0) + 1
    end
    room.event = 'reconnect'
    return save(room)
  end
  if #room.order >= room.max_users then return fail('room_full', 'room is full (' .. room.max_users .. ' users)') end
  local conns = {}
  if ARGV[7] == '1' then conns[ARGV[6]] = 1 end
  room.members[id] = { name = ARGV[5], joined_at = now, conns = conns }
  table.insert(room.order, id)
  room.users = room.order
  room.version = room.version + 1
  room.event = 'user_joined'
  return save(room)
elseif op == 'leave' then
  -- ARGV: 4 user_id, 5 node, 6 disconnect(0|1: drop one connection, leave when none is left)
  local id = ARGV[4]
  local m = room.members[id]
  if not m then return fail('not_found', 'user not in the room') end
  if ARGV[6] == '1' then
    if type(m.conns) == 'table' and m.conns[ARGV[5]] then
      m.conns[ARGV[5]] = m.conns[ARGV[5]] - 1
      if m.conns[ARGV[5]] <= 0 then m.conns[ARGV[5]] = nil end
    end
    if type(m.conns) == 'table' and next(m.conns) ~= nil then
      room.event = 'still_connected'
      return save(room)
    end
  end
  remove_member(room, id)
  room.version = room.version + 1
  room.event = 'user_left'
  return save(room)
elseif op == 'drop_node' then
  -- ARGV: 4 node. Removes members whose only connections were on a dead node.
  local node = ARGV[4]
  local left = {}
  for _, id in ipairs(room.order) do
    local m = room.members[id]
    if m and type(m.conns) == 'table' and m.conns[node] then
      m.conns[node] = nil
      if next(m.conns) == nil then table.insert(left, id) end
    end
  end
  for _, id in ipairs(left) do remove_member(room, id) end
  if #left > 0 then room.version = room.version + 1 end
  room.left = left
  room.event = 'node_dropped'
  return save(room)
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
  return save(room)
elseif op == 'transfer' then
  -- ARGV: 4 actor ('' trusted), 5 new host
  local actor = ARGV[4]
  if actor ~= '' and actor ~= room.host_id then return fail('forbidden', 'only the host hands over the host role') end
  if not room.members[ARGV[5]] then return fail('not_found', 'new host is not in the room') end
  room.host_id = ARGV[5]
  room.version = room.version + 1
  room.event = 'host_changed'
  return save(room)
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
  return save(room)
end
return fail('invalid_argument', 'unknown operation ' .. op)
