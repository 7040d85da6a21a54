-- Counts one search that found nothing, in a bounded sorted set (the
-- Space-Saving rule: when full, the least counted entry makes room and its
-- count carries over, so a frequent query is never lost). Atomic, so every
-- replica may count into the same set.
--
-- KEYS[1] unanswered sorted set
-- ARGV[1] the query (normalized)   ARGV[2] capacity
--
-- Returns the query's new count.
if redis.call("ZSCORE", KEYS[1], ARGV[1]) then
  return tonumber(redis.call("ZINCRBY", KEYS[1], 1, ARGV[1]))
end
if redis.call("ZCARD", KEYS[1]) < tonumber(ARGV[2]) then
  redis.call("ZADD", KEYS[1], 1, ARGV[1])
  return 1
end
local least = redis.call("ZPOPMIN", KEYS[1])
local count = tonumber(least[2]) + 1
redis.call("ZADD", KEYS[1], count, ARGV[1])
return count
