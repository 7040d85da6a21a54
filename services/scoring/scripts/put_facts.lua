-- Stores one order's scoring facts unless facts of the same or a newer order
-- version are there already (replays and stale reads change nothing), and
-- files the order under the days its facts touch and in the open set.
-- KEYS[1] facts hash   KEYS[2] open set   KEYS[3..] day sets
-- ARGV[1] order id     ARGV[2] version    ARGV[3] facts (binary)   ARGV[4] "1" if open
-- Returns 1 if written, 0 if not newer.
local stored = tonumber(redis.call("HGET", KEYS[1], "version") or "0")
if stored >= tonumber(ARGV[2]) then
  return 0
end
redis.call("HSET", KEYS[1], "version", ARGV[2], "facts", ARGV[3])
if ARGV[4] == "1" then
  redis.call("SADD", KEYS[2], ARGV[1])
else
  redis.call("SREM", KEYS[2], ARGV[1])
end
for i = 3, #KEYS do
  redis.call("SADD", KEYS[i], ARGV[1])
end
return 1
