-- An order record and one page of its history, read together (one
-- consistent snapshot).
-- KEYS[1] order key   KEYS[2] history key
-- ARGV[1] first entry (0-based; negative counts from the end, as in LRANGE)
-- ARGV[2] entries at most (0: none)
-- Returns {HGETALL array, LRANGE array, history length}; the first is empty
-- if there is no order.
local first, count = tonumber(ARGV[1]), tonumber(ARGV[2])
local page = {}
if count > 0 then
  page = redis.call("LRANGE", KEYS[2], first, first + count - 1)
end
return {redis.call("HGETALL", KEYS[1]), page, redis.call("LLEN", KEYS[2])}
