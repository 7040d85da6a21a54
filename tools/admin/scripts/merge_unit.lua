-- Moves one open order from a retired unit to the unit it was merged into
-- (`hotline-admin units merge`, tools/admin/unit_merge.h), atomically, as
-- transition.lua applies a transition: checks the order is still at the
-- version and state the move was planned on, rewrites the fields that name
-- the old unit, moves its unit index and work-queue entries (the queue entry
-- keeps its score, when it entered the queue, so the order keeps its place)
-- and, for an order located in a merged district, its district index,
-- appends the history entry chained (history_chain.lua, prepended) and the
-- event. The state and every deadline field stay as they are.
--
-- Keys are built from the prefix as libs/orders/order_keys.h names them.
-- The record is written through order_writer("unit_merge") and the event
-- through order_event (libs/orders/scripts/order_codec.lua, prepended).
-- ARGV[1]: a named table (orders::ScriptArgs) with
--   prefix, order_id, expected_version, expected_state (number),
--   old_unit, new_unit, now_ms,
--   move_unit, move_pending_unit, move_handed_down_by, move_district ("1"
--     or "0": whether the field unit (with idx:unit and idx:queue),
--     pending_unit, handed_down_by and district (the location's, with
--     idx:district) change from old_unit to new_unit),
--   history (the entry as JSON, seq = expected version + 1), event, events.
--
-- Returns {"applied", new_version}. Error replies: "NOT_FOUND <id>",
-- "VERSION_CONFLICT <current version> <current state>".
local a = cjson.decode(ARGV[1])
local p, id = a.prefix, a.order_id
local key = p .. "order:{" .. id .. "}"
local old, new, now = a.old_unit, a.new_unit, a.now_ms
local record = order_writer("unit_merge")

local cur = redis.call("HMGET", key, "version", "state", "created_ms")
if not cur[1] then
  return redis.error_reply("NOT_FOUND " .. id)
end
local version = tonumber(cur[1])
if version ~= tonumber(a.expected_version) or cur[2] ~= a.expected_state then
  return redis.error_reply("VERSION_CONFLICT " .. version .. " " .. cur[2])
end
local state = cur[2]

local new_version = version + 1
local fields = {"version", new_version, "updated_ms", now}
if a.move_unit == "1" then
  fields[#fields + 1] = "unit"; fields[#fields + 1] = new
  redis.call("ZREM", p .. "idx:unit:" .. old, id)
  redis.call("ZADD", p .. "idx:unit:" .. new, cur[3], id)
  local old_queue = p .. "idx:queue:" .. old .. ":" .. state
  local entered = redis.call("ZSCORE", old_queue, id) or now
  redis.call("ZREM", old_queue, id)
  redis.call("ZADD", p .. "idx:queue:" .. new .. ":" .. state, entered, id)
end
if a.move_pending_unit == "1" then
  fields[#fields + 1] = "pending_unit"; fields[#fields + 1] = new
end
if a.move_handed_down_by == "1" then
  fields[#fields + 1] = "handed_down_by"; fields[#fields + 1] = new
end
if a.move_district == "1" then
  fields[#fields + 1] = "district"; fields[#fields + 1] = new
  redis.call("ZREM", p .. "idx:district:" .. old, id)
  redis.call("ZADD", p .. "idx:district:" .. new, cur[3], id)
end
record.set(key, fields)
chain_push(key, key .. ":history", id, a.history, now)
order_event(a.events, {event = a.event, order_id = id, version = new_version, at_ms = now,
                       state = state, unit = redis.call("HGET", key, "unit") or ""})
return {"applied", new_version}
