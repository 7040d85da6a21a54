-- Moves one open order from a retired unit to the unit it was merged into
-- (`hotline-admin units merge`, tools/admin/unit_merge.h), atomically, as
-- transition.lua applies a transition: checks the order is still at the
-- version and state the move was planned on, rewrites the fields that name
-- the old unit, moves its unit index and work-queue entries (the queue entry
-- keeps its score, when it entered the queue, so the order keeps its place),
-- appends the history entry chained (history_chain.lua, prepended) and the
-- event. The state and every deadline field stay as they are.
--
-- Keys are built from the prefix as libs/orders/order_keys.h names them.
-- ARGV[1] key prefix        ARGV[2] order id
-- ARGV[3] expected version  ARGV[4] expected state (number)
-- ARGV[5] old unit          ARGV[6] new unit
-- ARGV[7] now, ms
-- ARGV[8] "1" to move the holder (field unit, idx:unit, idx:queue), else "0"
-- ARGV[9] "1" to rewrite pending_unit, else "0"
-- ARGV[10] "1" to rewrite handed_down_by, else "0"
-- ARGV[11] history entry (JSON, seq = expected version + 1)
-- ARGV[12] event name       ARGV[13] events stream key
--
-- Returns {"applied", new_version}. Error replies: "NOT_FOUND <id>",
-- "VERSION_CONFLICT <current version> <current state>".
local p, id = ARGV[1], ARGV[2]
local key = p .. "order:{" .. id .. "}"
local old, new, now = ARGV[5], ARGV[6], ARGV[7]

local cur = redis.call("HMGET", key, "version", "state", "created_ms")
if not cur[1] then
  return redis.error_reply("NOT_FOUND " .. id)
end
local version = tonumber(cur[1])
if version ~= tonumber(ARGV[3]) or cur[2] ~= ARGV[4] then
  return redis.error_reply("VERSION_CONFLICT " .. version .. " " .. cur[2])
end
local state = cur[2]

local new_version = version + 1
local fields = {"version", new_version, "updated_ms", now}
if ARGV[8] == "1" then
  fields[#fields + 1] = "unit"; fields[#fields + 1] = new
  redis.call("ZREM", p .. "idx:unit:" .. old, id)
  redis.call("ZADD", p .. "idx:unit:" .. new, cur[3], id)
  local old_queue = p .. "idx:queue:" .. old .. ":" .. state
  local entered = redis.call("ZSCORE", old_queue, id) or now
  redis.call("ZREM", old_queue, id)
  redis.call("ZADD", p .. "idx:queue:" .. new .. ":" .. state, entered, id)
end
if ARGV[9] == "1" then
  fields[#fields + 1] = "pending_unit"; fields[#fields + 1] = new
end
if ARGV[10] == "1" then
  fields[#fields + 1] = "handed_down_by"; fields[#fields + 1] = new
end
redis.call("HSET", key, unpack(fields))
chain_push(key, key .. ":history", id, ARGV[11], now)
local unit = redis.call("HGET", key, "unit") or ""
redis.call("XADD", ARGV[13], "*",
  "event", ARGV[12], "order_id", id, "version", tostring(new_version), "at_ms", now,
  "state", state, "unit", unit)
return {"applied", new_version}
