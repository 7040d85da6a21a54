-- Applies one decided transition to an order, atomically: checks that the
-- order is still at the version and state the decision was made on, writes
-- the new state, appends the history entry, moves the index and work-queue
-- entries, appends the event, and records the idempotency key. Closing a
-- master order closes its linked duplicates in the same step.
--
-- State numbers are hotline.v1.OrderState values, passed in by name (ARGV[23..25]).
-- Keys: the order's own, its master's and its duplicates' are built from the
-- prefix and the ids as order_keys.h names them (ids are only known here);
-- the rest are passed in.
--
-- ARGV[1]  key prefix           ARGV[2]  order id
-- ARGV[3]  expected version     ARGV[4]  idempotency record key ("" for none)
-- ARGV[5]  request fingerprint  ARGV[6]  idempotency TTL, seconds
-- ARGV[7]  now, ms              ARGV[8]  expected (from) state
-- ARGV[9]  new state            ARGV[10] new unit ("" for none)
-- ARGV[11] pending unit         ARGV[12] last rating
-- ARGV[13] bounce "1"/"0"       ARGV[14] redo "1"/"0"
-- ARGV[15] closes "1"/"0"       ARGV[16] supervision counter field ("" for none)
-- ARGV[17] master order id ("" unless linking)
-- ARGV[18] dispatch rule ("" to keep)
-- ARGV[19] history entry (JSON)  ARGV[20] event name  ARGV[21] events stream key
--          (every entry appended is chained by history_chain.lua, prepended)
-- ARGV[22] history entry for duplicates closed with it (JSON; "__SEQ__" is
--          replaced by each duplicate's new version)
-- ARGV[23] CLOSED   ARGV[24] ARCHIVED   ARGV[25] MERGED (state numbers)
-- ARGV[26] history entry for this order's own duplicates when it is linked to
--          a master (JSON, "__SEQ__" as above): they follow it to that master,
--          so every duplicate closes with its root master
-- ARGV[27] history entries to answer with (the latest)
-- ARGV[28] handed_down_by ("" clears it)
--
-- Returns {"applied", new_version, record, history, history length} or
-- {"replayed", ...}: the order as it is afterwards, read in the same step so
-- the caller needs no second read. Error replies:
-- "NOT_FOUND", "VERSION_CONFLICT <current version> <current state>",
-- "IDEMPOTENCY_MISMATCH", "MASTER_INVALID <why>".
local p, id = ARGV[1], ARGV[2]
local key = p .. "order:{" .. id .. "}"
local now = ARGV[7]
local CLOSED, ARCHIVED, MERGED = ARGV[23], ARGV[24], ARGV[25]
local events = ARGV[21]

-- The order as it is now, with its latest ARGV[27] history entries (all of a
-- long history would not fit an answer) and how many there are.
local function answer(outcome, version)
  local history = key .. ":history"
  return {outcome, version, redis.call("HGETALL", key),
          redis.call("LRANGE", history, -tonumber(ARGV[27]), -1), redis.call("LLEN", history)}
end

local idem_key = nil
if ARGV[4] ~= "" then
  idem_key = ARGV[4]
  local seen = redis.call("GET", idem_key)
  if seen then
    local fingerprint, version = string.match(seen, "^([^|]*)|(.*)$")
    if fingerprint ~= ARGV[5] then
      return redis.error_reply("IDEMPOTENCY_MISMATCH " .. idem_key)
    end
    return answer("replayed", tonumber(version))
  end
end

local cur = redis.call("HMGET", key, "version", "state", "unit", "created_ms")
if not cur[1] then
  return redis.error_reply("NOT_FOUND " .. id)
end
local version = tonumber(cur[1])
if version ~= tonumber(ARGV[3]) or cur[2] ~= ARGV[8] then
  return redis.error_reply("VERSION_CONFLICT " .. version .. " " .. cur[2])
end
local from_state, to_state = cur[2], ARGV[9]
local from_unit, to_unit = cur[3] or "", ARGV[10]
local created = cur[4]

local master = ARGV[17]
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

-- No MAXLEN: the stream is trimmed up to what every consumer group has
-- settled (event_retention.h), never past an event a group still needs.
local function event(order_id, name, version_after, state, unit)
  redis.call("XADD", events, "*",
    "event", name, "order_id", order_id, "version", tostring(version_after), "at_ms", now,
    "state", state, "unit", unit)
end

local new_version = version + 1
local fields = {"version", new_version, "state", to_state, "unit", to_unit,
  "pending_unit", ARGV[11], "last_rating", ARGV[12], "updated_ms", now,
  "handed_down_by", ARGV[28]}
if ARGV[15] == "1" then
  fields[#fields + 1] = "closed_ms"; fields[#fields + 1] = now
end
if master ~= "" then
  fields[#fields + 1] = "master"; fields[#fields + 1] = master
end
if ARGV[18] ~= "" then
  fields[#fields + 1] = "dispatch_rule"; fields[#fields + 1] = ARGV[18]
end
redis.call("HSET", key, unpack(fields))
if ARGV[13] == "1" then redis.call("HINCRBY", key, "bounces", 1) end
if ARGV[14] == "1" then redis.call("HINCRBY", key, "redos", 1) end
if ARGV[16] ~= "" then redis.call("HINCRBY", key, ARGV[16], 1) end
chain_push(key, key .. ":history", id, ARGV[19], now)
move(id, from_state, to_state, from_unit, to_unit, created)
event(id, ARGV[20], new_version, to_state, to_unit)

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
      redis.call("HSET", dup_key, "version", dup_version, "master", master, "updated_ms", now)
      local entry = string.gsub(ARGV[26], '"__SEQ__"', tostring(dup_version))
      chain_push(dup_key, dup_key .. ":history", dup, entry, now)
      event(dup, "order.relink_duplicate", dup_version, MERGED, d[3] or "")
    end
    redis.call("SADD", master_duplicates, dup)
  end
  redis.call("DEL", key .. ":duplicates")
end

if ARGV[15] == "1" then
  for _, dup in ipairs(redis.call("SMEMBERS", key .. ":duplicates")) do
    local dup_key = p .. "order:{" .. dup .. "}"
    local d = redis.call("HMGET", dup_key, "version", "state", "unit", "created_ms")
    if d[2] == MERGED then
      local dup_version = tonumber(d[1]) + 1
      redis.call("HSET", dup_key, "version", dup_version, "state", CLOSED,
        "updated_ms", now, "closed_ms", now)
      local entry = string.gsub(ARGV[22], '"__SEQ__"', tostring(dup_version))
      chain_push(dup_key, dup_key .. ":history", dup, entry, now)
      move(dup, MERGED, CLOSED, d[3] or "", d[3] or "", d[4])
      event(dup, "order.closed_with_master", dup_version, CLOSED, d[3] or "")
    end
  end
end

if idem_key then
  redis.call("SET", idem_key, ARGV[5] .. "|" .. new_version, "EX", ARGV[6])
end
return answer("applied", new_version)
