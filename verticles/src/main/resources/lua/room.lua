-- Every change to a room is this one script, so changes are atomic and totally ordered across
-- nodes: each bumps "version" by one. KEYS[1] = room:{ID} (the seed's JSON: room_id, host_id,
-- track_url, timestamp, status, users, plus the sync fields and node_conns = sockets per node),
-- KEYS[2] = room:{ID}:members (HASH user id -> {name, joined_at, conns = sockets per node, account = true when the
-- member is a signed-in account's own id, proved by its access JWT: a signed-in join never merges into a member
-- without it}),
-- KEYS[3] = room:{ID}:ids (SET of every user id ever in the room, for the room's life: an id stays
-- bound to its holder's participant token, so a join without that token may not take a departed
-- member's id and with it the member's chat messages).
-- Members live in their own hash so that a playback change, the hot path of a big room, reads and
-- writes only the room JSON (user ids, not every member's record) and replies with it alone.
-- ARGV[1] = operation, ARGV[2] = now (ms), ARGV[3] = ttl (s), then the operation's arguments.
-- Replies: the room JSON, "full" (get, create, join: with "members", what room_info needs; a join
-- into a room above presence_max gets only the first presence_max members, itself and the host),
-- compact, or lean (compact with "user_count" instead of the "users" ids: the playback, queue, ready and
-- tick changes), optionally with one member record ("member_id" + "member"). Errors: "CHORUS <code> <message>".
-- Big rooms: join, leave and drop_node take a last argument, presence_max. When the room has (or had,
-- for a leave) more users than that, the change is "quiet": no version bump, "quiet" in the reply,
-- and the caller announces nothing (a join storm of N users would otherwise be O(N²) frames). A host
-- change is never quiet. Versions thus stay gap-free for the events that are published.
local key, mkey, ikey, qkey, pkey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
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

-- when the room next needs a tick: the ready deadline while waiting, the end of a playing track of
-- known duration; 0 for never
local function compute_due(room)
  local due = 0
  if room.status == 'waiting' then
    due = room.ready_deadline or 0
  elseif room.status == 'play' and (room.duration_ms or 0) > 0 and (room.rate or 1) > 0 then
    local left = room.duration_ms - room.position_ms
    due = room.updated_at + (left > 0 and math.ceil(left / room.rate) or 0)
  end
  if due ~= (room.due_at or 0) then room.due_changed = true end
  room.due_at = due
end

local TRANSIENT = { 'event', 'actor', 'host_changed', 'left', 'left_names', 'member_id', 'member', 'quiet',
  'due_changed', 'cause', 'queue_changed', 'ready_check', 'item_id', 'noop', 'reason', 'removed_items' }

-- the stored JSON: "users" stays a list when the room is empty (seed 000's shape). Redis 6's cjson has
-- no array metatable (cjson.empty_array), so the empty list is spliced in.
local function encode_room(room)
  local users = room.users
  if type(users) ~= 'table' or next(users) ~= nil then return cjson.encode(room) end
  room.users = nil
  local json = cjson.encode(room)
  room.users = users
  return '{"users":[],' .. string.sub(json, 2)
end

local function save(room)
  room.updated_at_room = now
  compute_due(room)
  local transient = {}
  for _, k in ipairs(TRANSIENT) do
    transient[k] = room[k]
    room[k] = nil
  end
  redis.call('SET', key, encode_room(room), 'EX', ttl)
  redis.call('EXPIRE', mkey, ttl)
  redis.call('EXPIRE', ikey, ttl)
  redis.call('EXPIRE', qkey, ttl)
  redis.call('EXPIRE', pkey, ttl)
  for k, v in pairs(transient) do room[k] = v end
end

-- the queue's raw JSON array ('[]' when there is none)
local function queue_raw()
  local raw = redis.call('GET', qkey)
  if not raw or raw == '' or raw == '{}' then return '[]' end
  return raw
end

local function read_queue()
  local q = cjson.decode(queue_raw())
  if type(q) ~= 'table' then return {} end
  return q
end

local function write_queue(room, q)
  if #q == 0 then
    redis.call('DEL', qkey)
  else
    redis.call('SET', qkey, cjson.encode(q), 'EX', ttl)
  end
  room.queue_version = (room.queue_version or 0) + 1
  room.queue_changed = true
end

-- splices the queue, raw, into a reply
local function with_queue(json)
  return string.sub(json, 1, -2) .. ',"queue":' .. queue_raw() .. '}'
end

local function compact(room)
  if room.queue_changed then return with_queue(cjson.encode(room)) end
  return cjson.encode(room)
end

-- compact without the member ids, which become "user_count": the reply of the changes whose callers need
-- the room's playback, queue and count but not who is in it (a control, a ready report, a tick, a skip, the
-- queue's changes, a takedown). In a room of 2,000 the ids are most of the reply (~80 KB), and the calling
-- node parses the reply once per event it publishes.
local function lean(room)
  local users = room.users
  room.users = nil
  room.user_count = #list(users)
  local json = compact(room)
  room.users = users
  room.user_count = nil
  return json
end

-- the room plus every member record, spliced in raw (no decode of N member records). With a
-- limit below the member count (a join into a big room): the first `limit` members in join order
-- plus the `extra` ids (the joiner, the host), so room_info stays bounded.
local function full(room, limit, extra)
  local parts = {}
  if limit == nil or #room.users <= limit then
    local flat = redis.call('HGETALL', mkey)
    for i = 1, #flat, 2 do
      parts[#parts + 1] = cjson.encode(flat[i]) .. ':' .. flat[i + 1]
    end
  else
    local ids, seen = {}, {}
    for i = 1, limit do
      ids[#ids + 1] = room.users[i]
      seen[room.users[i]] = true
    end
    for _, id in ipairs(extra) do
      if not seen[id] then
        ids[#ids + 1] = id
        seen[id] = true
      end
    end
    local records = redis.call('HMGET', mkey, unpack(ids))
    for i, id in ipairs(ids) do
      if records[i] then parts[#parts + 1] = cjson.encode(id) .. ':' .. records[i] end
    end
  end
  local json = with_queue(cjson.encode(room))
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

-- a membership change of a room that had `before` users and has `after` now: bump, or mark quiet
local function presence_change(room, before, after, presence_max)
  if math.max(before, after) > presence_max and not room.host_changed then
    room.quiet = true
  else
    room.version = room.version + 1
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
  -- a listener who leaves never blocks a waiting track: the caller ticks when nobody is left to wait for
  if redis.call('SREM', pkey, id) == 1 and room.status == 'waiting' and redis.call('SCARD', pkey) == 0 then
    room.ready_check = true
  end
  local users = {}
  for _, u in ipairs(list(room.users)) do
    if u ~= id then users[#users + 1] = u end
  end
  room.users = users
  -- the host left: the longest-present member becomes host; an empty room keeps its host id until someone joins it
  if room.host_id == id and #users > 0 then
    room.host_id = users[1]
    room.host_changed = true
  end
end

-- the current track becomes {url, id, title, duration}: position 0, a new track_version
local function set_track(room, url, id, title, duration)
  room.track_url = url
  room.track_id = id or ''
  room.track_title = title or ''
  room.duration_ms = tonumber(duration) or 0
  room.track_version = (room.track_version or 1) + 1
  room.position_ms = 0
  room.updated_at = now
  room.ready_deadline = 0
  redis.call('DEL', pkey)
end

-- one change of the room: a new version, and the event's transient fields saying what happened, who did
-- it and why (nil leaves a field out of the event)
local function changed(room, event, actor, cause, item_id)
  room.version = room.version + 1
  room.event = event
  room.actor = actor
  room.cause = cause
  room.item_id = item_id
end

-- the waiting track plays from where it stands (0 unless the host sought meanwhile), for everyone now
local function start(room, cause)
  room.status = 'play'
  room.updated_at = now
  room.ready_deadline = 0
  redis.call('DEL', pkey)
  changed(room, 'play', '', cause)
end

-- the new track waits for every member holding a socket now (a later joiner is not waited for);
-- with nobody to wait for it plays at once
local function begin_wait(room, timeout)
  local flat = redis.call('HGETALL', mkey)
  local waiting = {}
  for i = 1, #flat, 2 do
    local m = cjson.decode(flat[i + 1])
    if type(m.conns) == 'table' and next(m.conns) ~= nil then waiting[#waiting + 1] = flat[i] end
  end
  if #waiting == 0 then
    room.status = 'play'
    room.updated_at = now
    return
  end
  for i = 1, #waiting, 1000 do
    redis.call('SADD', pkey, unpack(waiting, i, math.min(i + 999, #waiting)))
  end
  room.status = 'waiting'
  room.ready_deadline = now + timeout
end

-- the next item of queue q becomes the current track (cause 'skip', 'ended' or 'takedown'); false when q is empty
local function advance_in(room, q, timeout, cause)
  if #q == 0 then return false end
  local item = table.remove(q, 1)
  write_queue(room, q)
  set_track(room, item.track_url, item.track_id, item.title, item.duration_ms)
  begin_wait(room, timeout)
  changed(room, 'track_changed', nil, cause, item.id)
  return true
end

local function advance(room, timeout, cause)
  return advance_in(room, read_queue(), timeout, cause)
end

local function host_only(room, actor, what)
  if actor ~= '' and actor ~= room.host_id then return fail('forbidden', 'only the host ' .. what) end
  return nil
end

local function find_item(q, id)
  for i, item in ipairs(q) do
    if item.id == id then return i end
  end
  return nil
end

if op == 'create' then
  -- ARGV: 4 host_id, 5 host_name, 6 track_url, 7 max_users, 8 title, 9 node, 10 connect(0|1),
  -- 11 track_id, 12 track title, 13 duration_ms (11-13 optional), 14 bound(1: the host is the signed-in account's id)
  if redis.call('EXISTS', key) == 1 then return fail('exists', 'room id taken') end
  local host = ARGV[4]
  local conns = {}
  if ARGV[10] == '1' then conns[ARGV[9]] = 1 end
  redis.call('DEL', mkey, ikey, qkey, pkey)
  redis.call('SADD', ikey, host)
  local hrec = { name = ARGV[5], joined_at = now, conns = conns }
  if ARGV[14] == '1' then hrec.account = true end
  redis.call('HSET', mkey, host, cjson.encode(hrec))
  local room = {
    room_id = string.sub(key, 7, -2), host_id = host, track_url = ARGV[6], status = 'pause',
    position_ms = 0, updated_at = now, rate = 1.0, version = 1, max_users = tonumber(ARGV[7]),
    title = ARGV[8], created_at = now, users = { host }, node_conns = conns, timestamp = 0,
    track_id = ARGV[11] or '', track_title = ARGV[12] or '', duration_ms = tonumber(ARGV[13]) or 0, track_version = 1,
    queue_version = 0, ready_deadline = 0, due_at = 0
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
elseif op == 'join' then
  -- ARGV: 4 user_id, 5 name, 6 node, 7 connect(0|1), 8 strict(1: already a member is an error), 9 presence_max,
  -- 10 bound(1: the caller is signed in as the account whose id user_id is)
  local id, node = ARGV[4], ARGV[6]
  local bound = ARGV[10] == '1'
  local mraw = redis.call('HGET', mkey, id)
  if mraw then
    if ARGV[8] == '1' then return fail('already_exists', 'user already in the room') end
    local m = cjson.decode(mraw)
    -- the account's own join never becomes a member somebody else made under its id (with a participant token)
    if bound and m.account ~= true then
      return fail('forbidden', 'user_id is held in this room by a member that is not signed in as the account')
    end
    if ARGV[7] == '1' then
      if type(m.conns) ~= 'table' then m.conns = {} end
      m.conns[node] = (m.conns[node] or 0) + 1
      add_conns(room, { [node] = 1 }, 1)
      redis.call('HSET', mkey, id, cjson.encode(m))
    end
    room.event = 'reconnect'
    save(room)
    return full(room, tonumber(ARGV[9]), { id, room.host_id })
  end
  -- an id used before (its holder left) needs its token too: only a non-strict (token) join re-takes it.
  -- A room made before this record existed starts it with the ids it still knows.
  if redis.call('EXISTS', ikey) == 0 then
    redis.call('SADD', ikey, room.host_id)
    for i = 1, #room.users, 1000 do
      redis.call('SADD', ikey, unpack(room.users, i, math.min(i + 999, #room.users)))
    end
  end
  if ARGV[8] == '1' and redis.call('SISMEMBER', ikey, id) == 1 then
    return fail('already_exists', 'user id was used in this room: join with its participant token')
  end
  if #room.users >= room.max_users then return fail('room_full', 'room is full (' .. room.max_users .. ' users)') end
  -- the host left an empty room (nobody to pass the role to then): the first to join it becomes host, so whoever is
  -- in the room can control it; the former host re-joining first takes the role back
  if room.host_id ~= id and redis.call('HEXISTS', mkey, room.host_id) == 0 then
    room.host_id = id
    room.host_changed = true
  end
  local conns = {}
  if ARGV[7] == '1' then conns[node] = 1 end
  local rec = { name = ARGV[5], joined_at = now, conns = conns }
  if bound then rec.account = true end
  redis.call('HSET', mkey, id, cjson.encode(rec))
  add_conns(room, conns, 1)
  redis.call('SADD', ikey, id)
  room.users[#room.users + 1] = id
  presence_change(room, #room.users - 1, #room.users, tonumber(ARGV[9]))
  room.event = 'user_joined'
  save(room)
  return full(room, tonumber(ARGV[9]), { id, room.host_id })
elseif op == 'leave' then
  -- ARGV: 4 user_id, 5 node, 6 disconnect(0|1: drop one connection, leave when none is left), 7 presence_max
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
  local before = #room.users
  remove_member(room, id, m)
  presence_change(room, before, #room.users, tonumber(ARGV[7]))
  room.event = 'user_left'
  save(room)
  return compact(room)
elseif op == 'drop_node' then
  -- ARGV: 4 node, 5 presence_max. Removes members whose only connections were on a dead node.
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
  local ids, before = {}, #room.users
  for _, entry in ipairs(left) do
    remove_member(room, entry[1], entry[2])
    ids[#ids + 1] = entry[1]
  end
  room.node_conns[node] = nil
  if #ids > 0 then presence_change(room, before, #room.users, tonumber(ARGV[5])) end
  room.left = ids
  room.event = 'node_dropped'
  save(room)
  return compact(room)
elseif op == 'control' then
  -- ARGV: 4 actor (host id, or '' for a trusted service call), 5 action, 6 position_ms (-1: keep),
  -- 7 'users' for a reply with the member ids (gRPC's SetPlayback answers with them), else a lean one
  local actor = ARGV[4]
  if actor ~= '' and actor ~= room.host_id then return fail('forbidden', 'only the host controls playback') end
  local action = ARGV[5]
  local pos = tonumber(ARGV[6])
  local current = position(room)
  if action == 'play' or action == 'pause' then
    -- the host's play or pause ends a ready wait: nobody is waited for any more
    if room.status == 'waiting' then
      room.ready_deadline = 0
      redis.call('DEL', pkey)
    end
    room.position_ms = (pos >= 0) and pos or current
    room.status = action
  elseif action == 'seek' then
    if pos < 0 then return fail('invalid_argument', 'seek needs a position') end
    room.position_ms = pos
  else
    return fail('invalid_argument', 'unknown action ' .. action)
  end
  room.updated_at = now
  changed(room, action, actor)
  save(room)
  -- the event names who acted: the actor, or the host for a trusted call
  with_member(room, actor ~= '' and actor or room.host_id)
  if ARGV[7] == 'users' then return compact(room) end
  return lean(room)
elseif op == 'transfer' then
  -- ARGV: 4 actor ('' trusted), 5 new host
  local actor = ARGV[4]
  if actor ~= '' and actor ~= room.host_id then return fail('forbidden', 'only the host hands over the host role') end
  if redis.call('HEXISTS', mkey, ARGV[5]) == 0 then return fail('not_found', 'new host is not in the room') end
  room.host_id = ARGV[5]
  changed(room, 'host_changed')
  save(room)
  return compact(room)
elseif op == 'track' then
  -- ARGV: 4 actor ('' trusted), 5 track url, 6 track_id, 7 track title, 8 duration_ms (6-8 optional)
  local actor = ARGV[4]
  if actor ~= '' and actor ~= room.host_id then return fail('forbidden', 'only the host changes the track') end
  set_track(room, ARGV[5], ARGV[6], ARGV[7], ARGV[8])
  room.status = 'pause'
  changed(room, 'track_changed', actor, 'change')
  save(room)
  return compact(room)
elseif op == 'queue_add' then
  -- ARGV: 4 actor ('' trusted), 5 item JSON (id, track_url, track_id, title, duration_ms, added_by),
  -- 6 position (-1: at the end), 7 the longest queue allowed
  local err = host_only(room, ARGV[4], 'edits the queue')
  if err then return err end
  local q = read_queue()
  local max = tonumber(ARGV[7])
  if #q >= max then return fail('queue_full', 'the queue is full (' .. max .. ' items)') end
  local item = cjson.decode(ARGV[5])
  item.added_at = now
  local pos = tonumber(ARGV[6])
  if pos < 0 then pos = #q end
  if pos > #q then return fail('invalid_argument', 'position must be between 0 and ' .. #q) end
  if find_item(q, item.id) then return fail('already_exists', 'queue item id taken') end
  table.insert(q, pos + 1, item)
  write_queue(room, q)
  changed(room, 'queue', ARGV[4], 'add', item.id)
  save(room)
  return lean(room)
elseif op == 'queue_remove' then
  -- ARGV: 4 actor ('' trusted), 5 item id
  local err = host_only(room, ARGV[4], 'edits the queue')
  if err then return err end
  local q = read_queue()
  local i = find_item(q, ARGV[5])
  if not i then return fail('not_found', 'no queue item ' .. ARGV[5]) end
  table.remove(q, i)
  write_queue(room, q)
  changed(room, 'queue', ARGV[4], 'remove', ARGV[5])
  save(room)
  return lean(room)
elseif op == 'queue_move' then
  -- ARGV: 4 actor ('' trusted), 5 item id, 6 its new position (0-based, in the queue after the move)
  local err = host_only(room, ARGV[4], 'edits the queue')
  if err then return err end
  local q = read_queue()
  local i = find_item(q, ARGV[5])
  if not i then return fail('not_found', 'no queue item ' .. ARGV[5]) end
  local pos = tonumber(ARGV[6])
  if pos < 0 or pos > #q - 1 then return fail('invalid_argument', 'position must be between 0 and ' .. (#q - 1)) end
  local item = table.remove(q, i)
  table.insert(q, pos + 1, item)
  write_queue(room, q)
  changed(room, 'queue', ARGV[4], 'move', ARGV[5])
  save(room)
  return lean(room)
elseif op == 'skip' then
  -- ARGV: 4 actor ('' trusted), 5 ready timeout (ms)
  local err = host_only(room, ARGV[4], 'skips')
  if err then return err end
  if not advance(room, tonumber(ARGV[5]), 'skip') then return fail('not_found', 'the queue is empty: nothing to skip to') end
  room.actor = ARGV[4]
  save(room)
  return lean(room)
elseif op == 'ready' then
  -- ARGV: 4 user id, 5 the track_version the listener has buffered. A report for another track, or
  -- when nothing waits, or while others are still awaited changes nothing ("noop": no version, no event).
  -- Only a member reports: anyone else (a participant who has left) is refused, as its other commands are.
  if redis.call('HEXISTS', mkey, ARGV[4]) == 0 then return fail('forbidden', 'only a member of the room reports ready') end
  if room.status == 'waiting' and tonumber(ARGV[5]) == room.track_version
      and redis.call('SREM', pkey, ARGV[4]) == 1 and redis.call('SCARD', pkey) == 0 then
    start(room, 'all_ready')
    save(room)
    return lean(room)
  end
  room.noop = true
  return lean(room)
elseif op == 'takedown' then
  -- ARGV: 4 JSON array of library track ids taken down (or deleted), 5 ready timeout (ms), 6 reason.
  -- Drops their items from the queue; a current track among them makes way for the next remaining
  -- item, or is cleared (paused, no track) when none is left. A room holding none of them: "noop", so
  -- every node may run it for the same takedown and the room changes once.
  local down = {}
  for _, id in ipairs(cjson.decode(ARGV[4])) do down[id] = true end
  local q = read_queue()
  local kept, removed = {}, {}
  for _, item in ipairs(q) do
    if item.track_id and down[item.track_id] then removed[#removed + 1] = item.id else kept[#kept + 1] = item end
  end
  local current = room.track_id ~= nil and room.track_id ~= '' and down[room.track_id]
  if not current and #removed == 0 then
    room.noop = true
    return lean(room)
  end
  room.reason = ARGV[6]
  if #removed > 0 then room.removed_items = removed end
  if current then
    if not advance_in(room, kept, tonumber(ARGV[5]), 'takedown') then
      if #removed > 0 then write_queue(room, kept) end
      set_track(room, '', '', '', 0)
      room.status = 'pause'
      changed(room, 'track_changed', nil, 'takedown')
    end
  else
    write_queue(room, kept)
    changed(room, 'queue', nil, 'remove', removed[1])
  end
  room.actor = ''
  save(room)
  return lean(room)
elseif op == 'tick' then
  -- ARGV: 4 ready timeout (ms). Whatever is due now: a waiting track starts (its deadline passed, or
  -- nobody is left to wait for); a playing track of known duration that reached its end makes way for
  -- the next queue item (or pauses at its end when the queue is empty). Nothing due: "noop".
  if room.status == 'waiting' and (now >= (room.ready_deadline or 0) or redis.call('SCARD', pkey) == 0) then
    start(room, now >= (room.ready_deadline or 0) and 'timeout' or 'all_ready')
  elseif room.status == 'play' and (room.due_at or 0) > 0 and now >= room.due_at then
    if not advance(room, tonumber(ARGV[4]), 'ended') then
      room.position_ms = room.duration_ms
      room.status = 'pause'
      room.updated_at = now
      changed(room, 'pause', '', 'ended')
    end
  else
    room.noop = true
    return lean(room)
  end
  save(room)
  return lean(room)
end
return fail('invalid_argument', 'unknown operation ' .. op)
