-- Writes what the SLA monitor decided about one order, atomically: only if
-- the order is still at the version (and the monitor's fields at the rev) it
-- was decided on. Appends the fired marks (or extension steps) to the history
-- with their events and counters, and moves the order in the due set, its
-- unit's deadline list and the status sets. A mark is thus claimed and its
-- effects written in one step: two replicas deciding the same mark cannot
-- both write it (the second finds the version moved on).
--
-- KEYS[1] order record   KEYS[2] history        KEYS[3] events stream
-- KEYS[4] due set        KEYS[5] old unit list  KEYS[6] new unit list
-- KEYS[7] old status set KEYS[8] new status set
-- KEYS[9] old district set KEYS[10] new district set KEYS[11] district codes
-- KEYS[12] provisional set  KEYS[13] no-deadline set
-- (an unused old/new key is passed as "")
--
-- ARGV[1] order id        ARGV[2] expected version  ARGV[3] expected sla_rev
-- ARGV[4] now ms          ARGV[5] next due ms ("" to leave the due set)
-- ARGV[6] sign due ms     ARGV[7] close due ms      ARGV[8] close original ms
-- ARGV[9] status          ARGV[10] level            ARGV[11] unit
-- ARGV[12] district ("" none)
-- ARGV[13] "1" if a deadline in force is provisional, else ""
-- ARGV[14] "1" if the order has no closing deadline it should have, else ""
-- ARGV[15] number of steps, then per step 5 values: history entry JSON
--          (chained by libs/orders/scripts/history_chain.lua, prepended),
--          event name, counter field (""), mark (""), due ms ("")
--
-- Returns the new version. Errors: "NOT_FOUND", "CONFLICT <version> <rev>".
local id = ARGV[1]
local cur = redis.call("HMGET", KEYS[1], "version", "sla_rev", "unit", "state")
if not cur[1] then
  return redis.error_reply("NOT_FOUND")
end
local version = tonumber(cur[1])
local rev = tonumber(cur[2] or "0")
if version ~= tonumber(ARGV[2]) or rev ~= tonumber(ARGV[3]) then
  return redis.error_reply("CONFLICT " .. version .. " " .. rev)
end
local now = ARGV[4]
local unit = cur[3] or ""
local state = cur[4]

local steps = tonumber(ARGV[15])
for i = 0, steps - 1 do
  local base = 16 + i * 5
  version = version + 1
  chain_push(KEYS[1], KEYS[2], id, ARGV[base], now)
  if ARGV[base + 2] ~= "" then redis.call("HINCRBY", KEYS[1], ARGV[base + 2], 1) end
  -- No MAXLEN: the stream is trimmed up to what every consumer group has
  -- settled (libs/orders/event_retention.h), never past an event a group
  -- still needs; a cap here would drop the unacknowledged events of a
  -- lagging group once the stream is long.
  redis.call("XADD", KEYS[3], "*",
    "event", ARGV[base + 1], "order_id", id, "version", tostring(version), "at_ms", now,
    "state", state, "unit", unit, "mark", ARGV[base + 3], "due_ms", ARGV[base + 4])
end
if steps > 0 then
  redis.call("HSET", KEYS[1], "version", version, "updated_ms", now)
end

if ARGV[5] == "" then
  redis.call("ZREM", KEYS[4], id)
else
  redis.call("ZADD", KEYS[4], ARGV[5], id)
end
if KEYS[5] ~= "" then redis.call("ZREM", KEYS[5], id) end
if KEYS[6] ~= "" then redis.call("ZADD", KEYS[6], ARGV[7], id) end
if KEYS[7] ~= "" then redis.call("SREM", KEYS[7], id) end
if KEYS[8] ~= "" then redis.call("SADD", KEYS[8], id) end
local district = ARGV[12]
if KEYS[9] ~= "" then redis.call("SREM", KEYS[9], id) end
if KEYS[10] ~= "" then
  redis.call("SADD", KEYS[10], id)
  redis.call("SADD", KEYS[11], district)
end

-- Membership of the provisional and no-deadline sets.
for k, flag in pairs({[12] = ARGV[13], [13] = ARGV[14]}) do
  if flag == "1" then redis.call("SADD", KEYS[k], id) else redis.call("SREM", KEYS[k], id) end
end

redis.call("HSET", KEYS[1], "sla_provisional", ARGV[13], "sla_no_deadline", ARGV[14], "sla_rev", rev + 1, "sla_sign_due_ms", ARGV[6],
  "sla_close_due_ms", ARGV[7], "sla_close_original_ms", ARGV[8],
  "sla_status", ARGV[9], "sla_level", ARGV[10], "sla_unit", ARGV[11], "sla_district", district)
return version
