-- The last step of moving a closed month to PostgreSQL (month_archive.h),
-- after its copy was committed and read back: deletes the month's aggregate
-- keys and its members of every unit's order list, and marks it moved, in
-- one step. Only while the month is still "moving" (its fence): a second run
-- after a finished one changes nothing.
-- KEYS[1] scoring:months   KEYS[2 .. 1+ARGV[2]] the month's hashes and sorted
-- sets   the remaining KEYS: every scoring:unitorders key
-- ARGV[1] YYYYMM   ARGV[2] how many keys to delete   ARGV[3], ARGV[4] the
-- month's first and last possible day (YYYYMM01, YYYYMM31)
-- Returns the keys deleted, or -1 if the month was not "moving".
if redis.call("HGET", KEYS[1], ARGV[1]) ~= "moving" then
  return -1
end
local n = tonumber(ARGV[2])
local deleted = 0
for i = 2, 1 + n do
  deleted = deleted + redis.call("DEL", KEYS[i])
end
for i = 2 + n, #KEYS do
  redis.call("ZREMRANGEBYSCORE", KEYS[i], ARGV[3], ARGV[4])
end
redis.call("HSET", KEYS[1], ARGV[1], "moved")
return deleted
