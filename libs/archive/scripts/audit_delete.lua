-- Removes a batch of access-log entries from Redis, in one atomic step, once
-- their copies in PostgreSQL have been verified: the entries from the log
-- stream and their ids from every order index that names them (the moved
-- entries are the oldest, so each LREM finds its id at the head of the list).
-- Entries are immutable, so no version check is needed; ids already gone
-- (a rerun) are skipped.
--
-- KEYS[1] the log stream   KEYS[2..] order indexes (audit:order:{ID}:ids)
-- ARGV[1] the moved ids, space-separated
-- ARGV[2..] for KEYS[i+1], the ids to remove from it, space-separated
--
-- Returns how many entries left the stream.
local removed = 0
for id in string.gmatch(ARGV[1], "%S+") do
  removed = removed + redis.call("XDEL", KEYS[1], id)
end
for i = 2, #KEYS do
  for id in string.gmatch(ARGV[i], "%S+") do
    redis.call("LREM", KEYS[i], 1, id)
  end
end
return removed
