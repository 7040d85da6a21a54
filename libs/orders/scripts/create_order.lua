-- Creates a work order: the whole write in one atomic step. Either all of it
-- happens (sequence number, order record, first history entry, indexes, event,
-- idempotency record) or, on any error, none of it.
--
-- Order keys are derived here from the new order number (they share its hash
-- tag {ID}), so they cannot be declared in KEYS: this script assumes a single
-- Redis shard, like the rest of the platform today.
--
-- ARGV[1]  key prefix, e.g. "hotline:"
-- ARGV[2]  city prefix of order numbers, e.g. "GZ"
-- ARGV[3]  local day YYYYMMDD (the order number's date)
-- ARGV[4]  idempotency key ("" for none)
-- ARGV[5]  request fingerprint (compared on replay)
-- ARGV[6]  idempotency record TTL, seconds
-- ARGV[7]  events stream approximate max length
-- ARGV[8]  history entry (JSON)
-- ARGV[9]  created_ms       ARGV[10] state      ARGV[11] type
-- ARGV[12] district code    ARGV[13] assigned unit ("" for none)
-- ARGV[14] channel          ARGV[15] category   ARGV[16] urgent ("1"/"0")
-- ARGV[17..] field, value pairs of the order record (without id)
-- KEYS[1]  (only for an order answered on the spot) the cited knowledge
--          point's hash (libs/knowledge/knowledge_keys.h): it must be
--          published; its use_count and fcr_count rise with the order.
--
-- Returns {"created", id} or {"replayed", id}, or the error reply
-- "IDEMPOTENCY_MISMATCH <id>" when the key was used for a different request,
-- or "KNOWLEDGE_NOT_PUBLISHED <status|missing>" when the cited point cannot be cited.
local p = ARGV[1]

local idem_key = nil
if ARGV[4] ~= "" then
  idem_key = p .. "idem:create:" .. ARGV[4]
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

local seq_key = p .. "seq:" .. ARGV[3]
local seq = redis.call("INCR", seq_key)
if seq == 1 then
  redis.call("EXPIRE", seq_key, 3 * 86400)
end
local id = ARGV[2] .. ARGV[3] .. string.format("%06d", seq)
local order_key = p .. "order:{" .. id .. "}"
if redis.call("EXISTS", order_key) == 1 then
  -- The day's counter was lost (e.g. restored from an old backup): refuse
  -- rather than overwrite an order.
  return redis.error_reply("ORDER_EXISTS " .. id)
end

local fields = {"id", id}
for i = 17, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call("HSET", order_key, unpack(fields))
redis.call("RPUSH", order_key .. ":history", ARGV[8])

local created_ms = ARGV[9]
redis.call("ZADD", p .. "idx:all", created_ms, id)
redis.call("ZADD", p .. "idx:state:" .. ARGV[10], created_ms, id)
redis.call("ZADD", p .. "idx:type:" .. ARGV[11], created_ms, id)
redis.call("ZADD", p .. "idx:district:" .. ARGV[12], created_ms, id)
if ARGV[13] ~= "" then
  redis.call("ZADD", p .. "idx:unit:" .. ARGV[13], created_ms, id)
end

redis.call("XADD", p .. "events", "MAXLEN", "~", ARGV[7], "*",
  "event", "order.created", "order_id", id, "version", "1", "at_ms", created_ms,
  "state", ARGV[10], "type", ARGV[11], "district", ARGV[12], "channel", ARGV[14],
  "category", ARGV[15], "urgent", ARGV[16])

if idem_key then
  redis.call("SET", idem_key, ARGV[5] .. "|" .. id, "EX", ARGV[6])
end
if #KEYS >= 1 then
  redis.call("HINCRBY", KEYS[1], "use_count", 1)
  redis.call("HINCRBY", KEYS[1], "fcr_count", 1)
end
return {"created", id}
