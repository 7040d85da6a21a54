-- The calendar changed: the orders whose deadlines lean on a provisional year,
-- and those with none, become due now, so that the due passes of any replica
-- recompute them (each write is a compare-and-set, so each is recomputed
-- once). Only the first caller for a calendar version does it. Version 0
-- re-queues only the orders without a deadline, whoever asks (a replica
-- starting with other settings may compute what others could not).
--
-- KEYS[1] applied version  KEYS[2] provisional set  KEYS[3] no-deadline set
-- KEYS[4] due set
-- ARGV[1] calendar version  ARGV[2] now ms
-- Returns how many orders were queued, or -1 when this version was acted on.
local sets = {KEYS[3]}
if tonumber(ARGV[1]) > 0 then
  local applied = tonumber(redis.call("GET", KEYS[1]) or "0")
  if applied >= tonumber(ARGV[1]) then
    return -1
  end
  redis.call("SET", KEYS[1], ARGV[1])
  sets = {KEYS[2], KEYS[3]}
end
local n = 0
for _, set in ipairs(sets) do
  for _, id in ipairs(redis.call("SMEMBERS", set)) do
    -- LT: never later than what is already filed.
    redis.call("ZADD", KEYS[4], "LT", ARGV[2], id)
    n = n + 1
  end
end
return n
