-- Releases a lock only for its holder (KEYS[1] the lock, ARGV[1] the holder's token): a join that outlived the
-- lock's expiry must not delete the lock another join took since.
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
