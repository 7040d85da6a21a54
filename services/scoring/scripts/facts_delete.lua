-- The last step of moving settled orders' facts to PostgreSQL (month_archive.h),
-- after their copy was committed and read back: deletes each order's facts
-- hash while it still holds the version copied (a newer write, which the
-- moved months' fence refuses anyway, would stay).
-- KEYS: scoring:facts:{ID} of each order   ARGV: the version copied of each
-- Returns the keys deleted.
local deleted = 0
for i = 1, #KEYS do
  if redis.call("HGET", KEYS[i], "version") == ARGV[i] then
    deleted = deleted + redis.call("DEL", KEYS[i])
  end
end
return deleted
