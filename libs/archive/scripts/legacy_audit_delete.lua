-- Removes a batch of entries from one per-order access-log stream an older
-- version wrote (audit:order:{ID}), once their copies in PostgreSQL have
-- been verified, and deletes the stream when it is left empty. Ids already
-- gone (a rerun) are skipped.
--
-- KEYS[1] the order's stream   ARGV[1] the moved ids, space-separated
-- Returns {entries removed, 1 if the stream was deleted else 0}.
if redis.call('TYPE', KEYS[1]).ok ~= 'stream' then return {0, 0} end
local removed = 0
for id in string.gmatch(ARGV[1], "%S+") do
  removed = removed + redis.call('XDEL', KEYS[1], id)
end
local deleted = 0
if redis.call('XLEN', KEYS[1]) == 0 then deleted = redis.call('DEL', KEYS[1]) end
return {removed, deleted}
