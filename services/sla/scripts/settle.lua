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
-- ARGV[1]: the arguments as one named table (JSON, libs/orders/script_args.h):
--   order_id   expected_version   expected_rev   now_ms
--   next_due_ms ("" to leave the due set)
--   sign_due_ms   close_due_ms   close_original_ms
--   status   level   unit   district ("" none)
--   provisional   "1" if a deadline in force is provisional, else ""
--   no_deadline   "1" if the order has no closing deadline it should have
--   steps      a list of tables: entry (history entry JSON), event (name),
--              counter (""), mark (""), due_ms ("")
-- Loaded with the order codec in front (libs/orders/order_codec.h): the
-- record is written through order_writer("settle"), events through
-- order_event, entries chained by history_chain.lua.
--
-- Returns the new version. Errors: "NOT_FOUND", "CONFLICT <version> <rev>".
local a = cjson.decode(ARGV[1])
local id = a.order_id
local record = order_writer("settle")
local cur = redis.call("HMGET", KEYS[1], "version", "sla_rev", "unit", "state")
if not cur[1] then
  return redis.error_reply("NOT_FOUND")
end
local version = tonumber(cur[1])
local rev = tonumber(cur[2] or "0")
if version ~= tonumber(a.expected_version) or rev ~= tonumber(a.expected_rev) then
  return redis.error_reply("CONFLICT " .. version .. " " .. rev)
end
local now = a.now_ms
local unit = cur[3] or ""
local state = cur[4]

for _, step in ipairs(a.steps) do
  version = version + 1
  chain_push(KEYS[1], KEYS[2], id, step.entry, now)
  if step.counter ~= "" then record.incr(KEYS[1], step.counter) end
  order_event(KEYS[3], {event = step.event, order_id = id, version = version, at_ms = now,
    state = state, unit = unit, mark = step.mark, due_ms = step.due_ms})
end
if #a.steps > 0 then
  record.set(KEYS[1], {"version", version, "updated_ms", now})
end

if a.next_due_ms == "" then
  redis.call("ZREM", KEYS[4], id)
else
  redis.call("ZADD", KEYS[4], a.next_due_ms, id)
end
if KEYS[5] ~= "" then redis.call("ZREM", KEYS[5], id) end
if KEYS[6] ~= "" then redis.call("ZADD", KEYS[6], a.close_due_ms, id) end
if KEYS[7] ~= "" then redis.call("SREM", KEYS[7], id) end
if KEYS[8] ~= "" then redis.call("SADD", KEYS[8], id) end
local district = a.district
if KEYS[9] ~= "" then redis.call("SREM", KEYS[9], id) end
if KEYS[10] ~= "" then
  redis.call("SADD", KEYS[10], id)
  redis.call("SADD", KEYS[11], district)
end

-- Membership of the provisional and no-deadline sets.
for k, flag in pairs({[12] = a.provisional, [13] = a.no_deadline}) do
  if flag == "1" then redis.call("SADD", KEYS[k], id) else redis.call("SREM", KEYS[k], id) end
end

record.set(KEYS[1], {"sla_provisional", a.provisional, "sla_no_deadline", a.no_deadline, "sla_rev", rev + 1,
  "sla_sign_due_ms", a.sign_due_ms, "sla_close_due_ms", a.close_due_ms,
  "sla_close_original_ms", a.close_original_ms, "sla_status", a.status, "sla_level", a.level,
  "sla_unit", a.unit, "sla_district", district})
return version
