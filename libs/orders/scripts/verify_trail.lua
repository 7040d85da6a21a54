-- Reads an order's whole history and trail head for verification
-- (libs/orders/trail.h); chains it first if it was written before the chain
-- existed (and never chained: trail_legacy unset), saying so.
-- (history_chain.lua is prepended.)
--
-- KEYS[1] order record   KEYS[2] history
-- ARGV[1] order id       ARGV[2] now, ms
--
-- Returns {entries, trail_head, trail_legacy, chained_now (0/1)}; error
-- reply "NOT_FOUND <id>" when there is no such order.
local rec = redis.call("HMGET", KEYS[1], "id", "trail_head", "trail_legacy")
if not rec[1] then
  return redis.error_reply("NOT_FOUND " .. ARGV[1])
end
local chained_now = 0
if not rec[2] and not rec[3] and redis.call("LLEN", KEYS[2]) > 0 then
  if chain_legacy(KEYS[1], KEYS[2], ARGV[1], ARGV[2], "verify") then
    chained_now = 1
    rec = redis.call("HMGET", KEYS[1], "id", "trail_head", "trail_legacy")
  end
end
return {redis.call("LRANGE", KEYS[2], 0, -1), rec[2] or "", rec[3] or "", chained_now}
