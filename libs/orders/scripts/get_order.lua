-- The one reader of an order (order_codec.h): its record and a page of its
-- history, read together (one consistent snapshot), with any further keys a
-- reader needs from the same snapshot.
-- KEYS[1] order key   KEYS[2] history key
-- KEYS[3..] read along: a sorted set answers the order's score in it
--           (ZSCORE ARGV[3]), a string its value; a missing key false
-- ARGV[1] first entry (0-based; negative counts from the end, as in LRANGE)
-- ARGV[2] entries at most (0: none)
-- ARGV[3] order id (for the sorted sets read along)
-- Returns {HGETALL array, LRANGE array, history length, read along...}; the
-- first is empty if there is no order. Loaded with the order codec in front
-- (order_read).
local out = order_read(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]))
for i = 3, #KEYS do
  local kind = redis.call("TYPE", KEYS[i])["ok"]
  if kind == "zset" then
    out[#out + 1] = redis.call("ZSCORE", KEYS[i], ARGV[3])
  elseif kind == "string" then
    out[#out + 1] = redis.call("GET", KEYS[i])
  elseif kind == "none" then
    out[#out + 1] = false
  else
    return redis.error_reply("READ_ALONG " .. KEYS[i] .. " is a " .. kind)
  end
end
return out
