-- Removes a moved order from Redis, in one atomic step, once its copy in
-- PostgreSQL has been verified: only if the order is still at the version
-- that was copied (and still ARCHIVED), so nothing written after the copy is
-- lost. Removes the record, its history and duplicates set, every index and
-- queue entry its fields name, and any SLA entry left (the monitor's sets are
-- named by services/sla/sla_keys.h and the record's sla_* fields; keep the
-- two in step). Idempotency records are not the order's keys (they are
-- keyed by the client's key) and expire after the store's idempotency TTL
-- (24 h), long before an order is due to move.
--
-- KEYS[1] order record   KEYS[2] history   KEYS[3] duplicates
-- ARGV[1] key prefix     ARGV[2] order id  ARGV[3] version copied
-- ARGV[4] ARCHIVED (state number)
--
-- Returns 1 (removed), 0 (the order changed since the copy: nothing
-- removed) or -1 (already gone).
local p, id = ARGV[1], ARGV[2]
local f = redis.call("HMGET", KEYS[1], "id", "version", "state", "type", "district", "unit",
  "caller_phone_hash", "sla_unit", "sla_status", "sla_level", "sla_district")
if not f[1] then
  return -1
end
if f[2] ~= ARGV[3] or f[3] ~= ARGV[4] then
  return 0
end
local state, unit = f[3], f[6] or ""
redis.call("ZREM", p .. "idx:all", id)
redis.call("ZREM", p .. "idx:state:" .. state, id)
if f[4] then redis.call("ZREM", p .. "idx:type:" .. f[4], id) end
if f[5] and f[5] ~= "" then redis.call("ZREM", p .. "idx:district:" .. f[5], id) end
if unit ~= "" then
  redis.call("ZREM", p .. "idx:unit:" .. unit, id)
  redis.call("ZREM", p .. "idx:queue:" .. unit .. ":" .. state, id)
end
if f[7] and f[7] ~= "" then redis.call("ZREM", p .. "idx:phone:" .. f[7], id) end
redis.call("ZREM", p .. "sla:due", id)
if f[8] and f[8] ~= "" then redis.call("ZREM", p .. "sla:unit:" .. f[8], id) end
if f[9] and f[9] ~= "" then
  redis.call("SREM", p .. "sla:status:" .. f[9] .. ":" .. (f[10] or ""), id)
  if f[11] and f[11] ~= "" then
    redis.call("SREM", p .. "sla:district:" .. f[11] .. ":" .. f[9], id)
  end
end
redis.call("SREM", p .. "sla:provisional", id)
redis.call("SREM", p .. "sla:no_deadline", id)
redis.call("DEL", KEYS[1], KEYS[2], KEYS[3])
return 1
