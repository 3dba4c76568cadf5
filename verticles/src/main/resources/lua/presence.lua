-- A user's live sockets, cluster-wide: KEYS[1] = presence:{<uid>}:sockets, members "<node>/<socket>".
-- ARGV[1] = add | remove | reap; ARGV[2] = member (add/remove) or "<node>/" prefix (reap).
-- Returns {changed, remaining}: changed = members added/removed, remaining = sockets left.
local changed = 0
if ARGV[1] == 'add' then
  changed = redis.call('SADD', KEYS[1], ARGV[2])
elseif ARGV[1] == 'remove' then
  changed = redis.call('SREM', KEYS[1], ARGV[2])
else
  local prefix = ARGV[2]
  for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if string.sub(m, 1, #prefix) == prefix then
      changed = changed + redis.call('SREM', KEYS[1], m)
    end
  end
end
return {changed, redis.call('SCARD', KEYS[1])}
