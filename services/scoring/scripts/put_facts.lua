-- Stores one order's scoring facts unless facts of the same or a newer order
-- version are there already (replays and stale reads change nothing), files
-- the order under the days its facts touch and in the open set, and moves the
-- per-day aggregates by the order's new contribution minus the contribution
-- of the facts stored before (the caller derived both from the facts it read
-- at version ARGV[5]; if another writer got there in between, nothing is
-- written and the caller retries), so aggregates always equal the sum over
-- the stored facts.
-- KEYS[1] facts hash   KEYS[2] open set   KEYS[3 .. 2+ARGV[6]] day sets
-- KEYS[...] the aggregates the operations name (by index)
-- ARGV[1] order id     ARGV[2] version    ARGV[3] facts (binary)   ARGV[4] "1" if open
-- ARGV[5] the stored version the deltas were computed against ("0": none)
-- ARGV[6] how many day sets
-- ARGV[7 ..] operations of four: "h" key-index field delta (HINCRBY; a field
--            back at 0 is deleted) | "a" key-index member score (ZADD) |
--            "r" key-index member - (ZREM) |
--            "z" key-index member delta (ZINCRBY; a member back at 0 is removed)
-- Returns 1 if written, 0 if not newer, -1 if the stored version moved.
local stored = tonumber(redis.call("HGET", KEYS[1], "version") or "0")
if stored >= tonumber(ARGV[2]) then
  return 0
end
if stored ~= tonumber(ARGV[5]) then
  return -1
end
redis.call("HSET", KEYS[1], "version", ARGV[2], "facts", ARGV[3])
if ARGV[4] == "1" then
  redis.call("SADD", KEYS[2], ARGV[1])
else
  redis.call("SREM", KEYS[2], ARGV[1])
end
local days = tonumber(ARGV[6])
for i = 3, 2 + days do
  redis.call("SADD", KEYS[i], ARGV[1])
end
for i = 7, #ARGV, 4 do
  local key = KEYS[tonumber(ARGV[i + 1])]
  local op = ARGV[i]
  if op == "h" then
    if redis.call("HINCRBY", key, ARGV[i + 2], ARGV[i + 3]) == 0 then
      redis.call("HDEL", key, ARGV[i + 2])
    end
  elseif op == "z" then
    if tonumber(redis.call("ZINCRBY", key, ARGV[i + 3], ARGV[i + 2])) == 0 then
      redis.call("ZREM", key, ARGV[i + 2])
    end
  elseif op == "a" then
    redis.call("ZADD", key, ARGV[i + 3], ARGV[i + 2])
  else
    redis.call("ZREM", key, ARGV[i + 2])
  end
end
return 1
