-- Reads everything of one order the archive mover copies to PostgreSQL, in
-- one consistent snapshot, if the order is due to move: in state ARCHIVED
-- since at least the cutoff (updated_ms: the archive step is its last
-- transition; ARCHIVED is final).
--
-- KEYS[1] order record   KEYS[2] history   KEYS[3] duplicates
-- ARGV[1] ARCHIVED (state number)   ARGV[2] cutoff, ms
--
-- Returns {"gone"} (no such order), {"young", state, updated_ms} (not due),
-- or {"due", HGETALL, LRANGE 0 -1, SMEMBERS}: the record and every history
-- entry read by the order codec's reader (order_read; loaded with the codec
-- in front), then the duplicates.
local f = redis.call("HMGET", KEYS[1], "id", "state", "updated_ms")
if not f[1] then
  return {"gone"}
end
if f[2] ~= ARGV[1] or tonumber(f[3] or "0") > tonumber(ARGV[2]) then
  return {"young", f[2] or "", f[3] or ""}
end
local whole = order_read(KEYS[1], KEYS[2], 0, redis.call("LLEN", KEYS[2]))
return {"due", whole[1], whole[2], redis.call("SMEMBERS", KEYS[3])}
