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
-- Loaded with the order codec in front (order_codec.h): the record is
-- written through order_writer("create"), the event through order_event, the
-- first history entry chained by history_chain.lua.
--
-- ARGV[1]: the arguments as one named table (JSON, script_args.h):
--   prefix           key prefix, e.g. "hotline:" (for the order's own keys)
--   order_id         reserved by reserve_order_id.lua, e.g. "GZ20261128000123"
--   idempotency_key  ("" for none)   fingerprint  (compared on replay)
--   idempotency_ttl  seconds         events       events stream key
--   entry            the first history entry (JSON)
--   created_ms, state, type, district, channel, category, urgent ("1"/"0"):
--                    what the order.created event says
--   indexes          the sorted-set keys to add the order to (all, state,
--                    type, district, unit, phone)
--   record           the field, value pairs of the order record (without id)
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
local a = cjson.decode(ARGV[1])
local p = a.prefix

local idem_key = a.idempotency_key
if idem_key ~= "" then
  local seen = redis.call("GET", idem_key)
  if seen then
    local fingerprint, id = string.match(seen, "^([^|]*)|(.*)$")
    if fingerprint ~= a.fingerprint then
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
local id = a.order_id
local order_key = p .. "order:{" .. id .. "}"
if redis.call("EXISTS", order_key) == 1 then
  return redis.error_reply("ORDER_EXISTS " .. id)
end

local fields = {"id", id}
for _, v in ipairs(a.record) do
  fields[#fields + 1] = v
end
order_writer("create").set(order_key, fields)
local created_ms = a.created_ms
chain_push(order_key, order_key .. ":history", id, a.entry, created_ms)

for _, index in ipairs(a.indexes) do
  redis.call("ZADD", index, created_ms, id)
end

order_event(a.events, {event = "order.created", order_id = id, version = "1", at_ms = created_ms,
  state = a.state, type = a.type, district = a.district, channel = a.channel,
  category = a.category, urgent = a.urgent})

if idem_key ~= "" then
  redis.call("SET", idem_key, a.fingerprint .. "|" .. id, "EX", a.idempotency_ttl)
end
if #KEYS >= 1 then
  redis.call("HINCRBY", KEYS[1], "use_count", 1)
  redis.call("HINCRBY", KEYS[1], "fcr_count", 1)
end
return {"created", id}
