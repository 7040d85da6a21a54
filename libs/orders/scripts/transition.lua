-- Applies one decided transition to an order, atomically: checks that the
-- order is still at the version and state the decision was made on, writes
-- the new state, appends the history entry, moves the index and work-queue
-- entries, appends the event, and records the idempotency key. Closing a
-- master order closes its linked duplicates in the same step.
--
-- Loaded with the order codec in front (order_codec.h): the record is written
-- through order_writer("transition"), events through order_event, and every
-- history entry is chained by history_chain.lua.
-- Keys: the order's own, its master's and its duplicates' are built from the
-- prefix and the ids as order_keys.h names them (ids are only known here);
-- the rest are passed in.
--
-- ARGV[1]: the arguments as one named table (JSON, script_args.h):
--   prefix            key prefix
--   order_id          expected_version   from_state (expected)   to_state
--   idempotency_key   idempotency record key ("" for none)
--   fingerprint       request fingerprint   idempotency_ttl  seconds
--   now_ms            to_unit ("" for none)   pending_unit   last_rating
--   bounce, redo, closes   "1"/"0"
--   counter           supervision counter field ("" for none)
--   master            master order id ("" unless linking)
--   dispatch_rule     ("" to keep)            handed_down_by ("" clears it)
--   entry             history entry (JSON)    event  event name
--   events            events stream key
--   duplicate_entry   history entry for duplicates closed with it (JSON;
--                     "__SEQ__" is replaced by each duplicate's new version)
--   relinked_entry    history entry for this order's own duplicates when it
--                     is linked to a master (JSON, "__SEQ__" as above): they
--                     follow it to that master, so every duplicate closes
--                     with its root master
--   closed, archived, merged   hotline.v1.OrderState numbers
--   answer_entries    history entries to answer with (the latest)
--   decided_on        "1": check the fields the decision read instead of the
--                     version: from_state, from_unit, from_pending,
--                     from_rating, from_handed (and the version only if
--                     expected_version is not 0); entry's seq is "__SEQ__"
--
-- Returns {"applied", new_version, record, history, history length} or
-- {"replayed", ...}: the order as it is afterwards, read in the same step so
-- the caller needs no second read. With decided_on, an order no longer as
-- decided on answers {"moved", version, record, {}, history length}: nothing
-- written, the order as it is to decide again on (no second read either).
-- Error replies:
-- "NOT_FOUND", "VERSION_CONFLICT <current version> <current state>",
-- "IDEMPOTENCY_MISMATCH", "MASTER_INVALID <why>".
local a = cjson.decode(ARGV[1])
local p, id = a.prefix, a.order_id
local key = p .. "order:{" .. id .. "}"
local now = a.now_ms
local CLOSED, ARCHIVED, MERGED = a.closed, a.archived, a.merged
local events = a.events
local record = order_writer("transition")

-- The order as it is now, with its latest answer_entries history entries
-- (all of a long history would not fit an answer) and how many there are.
local function answer(outcome, version)
  local n = tonumber(a.answer_entries)
  local read = order_read(key, key .. ":history", -n, n)
  return {outcome, version, read[1], read[2], read[3]}
end
local idem_key = nil
if a.idempotency_key ~= "" then
  idem_key = a.idempotency_key
  local seen = redis.call("GET", idem_key)
  if seen then
    local fingerprint, version = string.match(seen, "^([^|]*)|(.*)$")
    if fingerprint ~= a.fingerprint then
      return redis.error_reply("IDEMPOTENCY_MISMATCH " .. idem_key)
    end
    return answer("replayed", tonumber(version))
  end
end

local cur = redis.call("HMGET", key, "version", "state", "unit", "created_ms",
  "pending_unit", "last_rating", "handed_down_by")
if not cur[1] then
  return redis.error_reply("NOT_FOUND " .. id)
end
local version = tonumber(cur[1])
local entry = a.entry
if a.decided_on == "1" then
  local expected = tonumber(a.expected_version)
  local rating = cur[6]
  if not rating or rating == "" then rating = "0" end
  if (expected ~= 0 and version ~= expected) or cur[2] ~= a.from_state or
      (cur[3] or "") ~= a.from_unit or (cur[5] or "") ~= a.from_pending or
      rating ~= a.from_rating or (cur[7] or "") ~= a.from_handed then
    local read = order_read(key, key .. ":history", 0, 0)
    return {"moved", version, read[1], read[2], read[3]}
  end
  -- The marker is the entry's first field (a note cannot come before it).
  entry = string.gsub(entry, '"__SEQ__"', tostring(version + 1), 1)
elseif version ~= tonumber(a.expected_version) or cur[2] ~= a.from_state then
  return redis.error_reply("VERSION_CONFLICT " .. version .. " " .. cur[2])
end
local from_state, to_state = cur[2], a.to_state
local from_unit, to_unit = cur[3] or "", a.to_unit
local created = cur[4]

local master = a.master
if master ~= "" then
  local master_key = p .. "order:{" .. master .. "}"
  local master_state = redis.call("HGET", master_key, "state")
  if not master_state then
    return redis.error_reply("MASTER_INVALID master order " .. master .. " not found")
  end
  if master_state == CLOSED or master_state == ARCHIVED or master_state == MERGED then
    return redis.error_reply("MASTER_INVALID master order " .. master ..
      " is closed, archived or itself a duplicate")
  end
end

-- Moves an order's index and work-queue entries from one (state, unit) to another.
local function move(order_id, old_state, new_state, old_unit, new_unit, created_ms)
  if old_state ~= new_state then
    redis.call("ZREM", p .. "idx:state:" .. old_state, order_id)
    redis.call("ZADD", p .. "idx:state:" .. new_state, created_ms, order_id)
  end
  if old_unit ~= new_unit then
    if old_unit ~= "" then redis.call("ZREM", p .. "idx:unit:" .. old_unit, order_id) end
    if new_unit ~= "" then redis.call("ZADD", p .. "idx:unit:" .. new_unit, created_ms, order_id) end
  end
  if old_state ~= new_state or old_unit ~= new_unit then
    if old_unit ~= "" then
      redis.call("ZREM", p .. "idx:queue:" .. old_unit .. ":" .. old_state, order_id)
    end
    if new_unit ~= "" then
      redis.call("ZADD", p .. "idx:queue:" .. new_unit .. ":" .. new_state, now, order_id)
    end
  end
end

local function event(order_id, name, version_after, state, unit)
  order_event(events, {event = name, order_id = order_id, version = version_after, at_ms = now,
    state = state, unit = unit})
end

local new_version = version + 1
local fields = {"version", new_version, "state", to_state, "unit", to_unit,
  "pending_unit", a.pending_unit, "last_rating", a.last_rating, "updated_ms", now,
  "handed_down_by", a.handed_down_by}
if a.closes == "1" then
  fields[#fields + 1] = "closed_ms"; fields[#fields + 1] = now
end
if master ~= "" then
  fields[#fields + 1] = "master"; fields[#fields + 1] = master
end
if a.dispatch_rule ~= "" then
  fields[#fields + 1] = "dispatch_rule"; fields[#fields + 1] = a.dispatch_rule
end
record.set(key, fields)
if a.bounce == "1" then record.incr(key, "bounces") end
if a.redo == "1" then record.incr(key, "redos") end
if a.counter ~= "" then record.incr(key, a.counter) end
chain_push(key, key .. ":history", id, entry, now)
move(id, from_state, to_state, from_unit, to_unit, created)
event(id, a.event, new_version, to_state, to_unit)

if master ~= "" then
  -- Linked: this order and every duplicate it had now hang on `master`, so
  -- closing the master closes them all (no duplicate of a duplicate).
  local master_duplicates = p .. "order:{" .. master .. "}:duplicates"
  redis.call("SADD", master_duplicates, id)
  for _, dup in ipairs(redis.call("SMEMBERS", key .. ":duplicates")) do
    local dup_key = p .. "order:{" .. dup .. "}"
    local d = redis.call("HMGET", dup_key, "version", "state", "unit")
    if d[2] == MERGED then
      local dup_version = tonumber(d[1]) + 1
      record.set(dup_key, {"version", dup_version, "master", master, "updated_ms", now})
      local entry = string.gsub(a.relinked_entry, '"__SEQ__"', tostring(dup_version))
      chain_push(dup_key, dup_key .. ":history", dup, entry, now)
      event(dup, "order.relink_duplicate", dup_version, MERGED, d[3] or "")
    end
    redis.call("SADD", master_duplicates, dup)
  end
  redis.call("DEL", key .. ":duplicates")
end

if a.closes == "1" then
  for _, dup in ipairs(redis.call("SMEMBERS", key .. ":duplicates")) do
    local dup_key = p .. "order:{" .. dup .. "}"
    local d = redis.call("HMGET", dup_key, "version", "state", "unit", "created_ms")
    if d[2] == MERGED then
      local dup_version = tonumber(d[1]) + 1
      record.set(dup_key, {"version", dup_version, "state", CLOSED,
        "updated_ms", now, "closed_ms", now})
      local entry = string.gsub(a.duplicate_entry, '"__SEQ__"', tostring(dup_version))
      chain_push(dup_key, dup_key .. ":history", dup, entry, now)
      move(dup, MERGED, CLOSED, d[3] or "", d[3] or "", d[4])
      event(dup, "order.closed_with_master", dup_version, CLOSED, d[3] or "")
    end
  end
end

if idem_key then
  redis.call("SET", idem_key, a.fingerprint .. "|" .. new_version, "EX", a.idempotency_ttl)
end
return answer("applied", new_version)
