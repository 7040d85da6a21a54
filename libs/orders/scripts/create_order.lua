-- Creates a work order: the whole write in one atomic step. Either all of it
-- happens (order record, first history entry, indexes, event,
-- idempotency record) or, on an error reply, none of it: every check comes
-- before the first write.
--
-- The order's number was taken before by reserve_order_id.lua (so the
-- caller's phone could be sealed bound to it). The order's own keys are
-- derived here from that number (they share
-- its hash tag {ID}), so they cannot be declared in KEYS: this script assumes a
-- single Redis shard, like the rest of the platform today. Every other key is
-- named by the key schema (order_keys.h) and passed in.
--
-- ARGV[1]  key prefix, e.g. "hotline:" (for the order's own keys)
-- ARGV[2]  the order id reserved by reserve_order_id.lua, e.g. "GZ20261128000123"
-- ARGV[3]  (unused)                           ARGV[4]  idempotency key ("" for none)
-- ARGV[5]  request fingerprint (compared on replay)
-- ARGV[6]  idempotency record TTL, seconds
-- ARGV[7]  events stream key
-- ARGV[8]  history entry (JSON; chained by history_chain.lua, prepended)
-- ARGV[9]  created_ms       ARGV[10] state      ARGV[11] type
-- ARGV[12] district code    ARGV[13] channel    ARGV[14] category
-- ARGV[15] urgent ("1"/"0")
-- ARGV[16] number of index keys, then that many sorted-set keys to add the
--          order to (all, state, type, district, unit), then the
--          field, value pairs of the order record (without id)
-- KEYS[1]  (only for an order answered on the spot) the cited knowledge
--          point's hash (libs/knowledge/knowledge_keys.h): it must be
--          published; its use_count and fcr_count rise with the order.
--
-- Returns {"created", id} or {"replayed", id} (the idempotency key is checked
-- again: a concurrent request with the same key may have won since the
-- reservation). Error replies (nothing written):
-- "IDEMPOTENCY_MISMATCH <id>" when the key was used for a different request,
-- "KNOWLEDGE_NOT_PUBLISHED <status|missing>" when the cited point cannot be cited,
-- "ORDER_EXISTS <id>" when an order already has the reserved number.
local p = ARGV[1]

local idem_key = ARGV[4]
if idem_key ~= "" then
  local seen = redis.call("GET", idem_key)
  if seen then
    local fingerprint, id = string.match(seen, "^([^|]*)|(.*)$")
    if fingerprint ~= ARGV[5] then
      return redis.error_reply("IDEMPOTENCY_MISMATCH " .. id)
    end
    return {"replayed", id}
  end
end

if #KEYS >= 1 then
  local kb_status = redis.call("HGET", KEYS[1], "status")
  if kb_status ~= "published" then
    return redis.error_reply("KNOWLEDGE_NOT_PUBLISHED " .. (kb_status or "missing"))
  end
end

-- The number was taken by reserve_order_id.lua; it must still be free.
local id = ARGV[2]
local order_key = p .. "order:{" .. id .. "}"
if redis.call("EXISTS", order_key) == 1 then
  return redis.error_reply("ORDER_EXISTS " .. id)
end

local n_index = tonumber(ARGV[16])
local fields = {"id", id}
for i = 17 + n_index, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call("HSET", order_key, unpack(fields))
chain_push(order_key, order_key .. ":history", id, ARGV[8], ARGV[9])

local created_ms = ARGV[9]
for i = 17, 16 + n_index do
  redis.call("ZADD", ARGV[i], created_ms, id)
end

-- No MAXLEN: the stream is trimmed up to what every consumer group has
-- settled (event_retention.h), never past an event a group still needs.
redis.call("XADD", ARGV[7], "*",
  "event", "order.created", "order_id", id, "version", "1", "at_ms", created_ms,
  "state", ARGV[10], "type", ARGV[11], "district", ARGV[12], "channel", ARGV[13],
  "category", ARGV[14], "urgent", ARGV[15])

if idem_key ~= "" then
  redis.call("SET", idem_key, ARGV[5] .. "|" .. id, "EX", ARGV[6])
end
if #KEYS >= 1 then
  redis.call("HINCRBY", KEYS[1], "use_count", 1)
  redis.call("HINCRBY", KEYS[1], "fcr_count", 1)
end
return {"created", id}
