-- The calendar changed: claims acting on its version. Only the first caller
-- for a version gets 1; the caller then makes the orders of the provisional
-- and no-deadline sets due in batches (RedisDeadlineStore), so that no single
-- script blocks Redis for a city's worth of orders.
--
-- KEYS[1] applied version   ARGV[1] calendar version
-- Returns 1 when this caller acts on the version, 0 when it was acted on.
local applied = tonumber(redis.call("GET", KEYS[1]) or "0")
if applied >= tonumber(ARGV[1]) then
  return 0
end
redis.call("SET", KEYS[1], ARGV[1])
return 1
