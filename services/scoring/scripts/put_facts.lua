-- Stores one order's scoring facts unless facts of the same or a newer order
-- version are there already (replays and stale reads change nothing), and
-- moves the aggregates by the order's new contribution minus the contribution
-- of the facts stored before (the caller derived both from the facts it read
-- at version ARGV[3]; if another writer got there in between, nothing is
-- written and the caller retries), so aggregates always equal the sum over
-- the stored facts.
-- KEYS[1] facts hash   KEYS[2 ..] the aggregates the operations name (by index)
-- ARGV[1] version      ARGV[2] facts (binary)
-- ARGV[3] the stored version the deltas were computed against ("0": none)
-- ARGV[4 ..] operations of four: "h" key-index field delta (HINCRBY; a field
--            back at 0 is deleted) | "a" key-index member score (ZADD) |
--            "r" key-index member - (ZREM) |
--            "z" key-index member delta (ZINCRBY; a member back at 0 is removed) |
--            "s" key-index field value (HSET: the month's rules version) |
--            "m" key-index month - (the write changes that month: refused,
--            nothing written, when scoring:months names it, moving or moved)
-- Returns 1 if written, 0 if not newer, -1 if the stored version moved,
-- -2 if it would change a month moved (or moving) to PostgreSQL.
local stored = tonumber(redis.call("HGET", KEYS[1], "version") or "0")
if stored >= tonumber(ARGV[1]) then
  return 0
end
if stored ~= tonumber(ARGV[3]) then
  return -1
end
for i = 4, #ARGV, 4 do
  if ARGV[i] == "m" and redis.call("HEXISTS", KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2]) == 1 then
    return -2
  end
end
redis.call("HSET", KEYS[1], "version", ARGV[1], "facts", ARGV[2])
for i = 4, #ARGV, 4 do
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
  elseif op == "s" then
    redis.call("HSET", key, ARGV[i + 2], ARGV[i + 3])
  elseif op == "m" then
    -- checked above
  elseif op == "a" then
    redis.call("ZADD", key, ARGV[i + 3], ARGV[i + 2])
  else
    redis.call("ZREM", key, ARGV[i + 2])
  end
end
return 1
