-- The top of a month's sorted aggregate (the hot addresses): the ARGV[1]
-- members with the highest counts that are at least ARGV[2], ties at the cut
-- taken in member order (the list's tie order), in one consistent read that
-- touches about ARGV[1] members however many the month holds.
-- KEYS[1] the month's sorted set   ARGV[1] n (>= 1)   ARGV[2] minimum count
-- Returns member, count, member, count ... (not in list order: the caller sorts).
local n = tonumber(ARGV[1])
local min = tonumber(ARGV[2])
-- The n-th highest count: every member above it is among the top.
local nth = redis.call("ZREVRANGE", KEYS[1], n - 1, n - 1, "WITHSCORES")
local cut = min
if #nth == 2 and tonumber(nth[2]) > min then
  cut = tonumber(nth[2])
end
local out = redis.call("ZRANGEBYSCORE", KEYS[1], "(" .. cut, "+inf", "WITHSCORES")
local left = n - #out / 2
if left > 0 then
  -- Equal scores come in member order.
  local at = redis.call("ZRANGEBYSCORE", KEYS[1], cut, cut, "WITHSCORES", "LIMIT", 0, left)
  for _, v in ipairs(at) do
    out[#out + 1] = v
  end
end
return out
