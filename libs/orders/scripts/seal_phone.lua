-- Seals the plain number of an order stored before sealing: only if the
-- plain number is still the one the caller sealed (and nothing sealed it
-- meanwhile), writes the sealed value, keyed hash and masked form, indexes
-- the order under the hash, and deletes the plain number. One atomic step.
-- Loaded with the order codec in front (order_writer, order_codec.h).
--
-- KEYS[1] the order record   KEYS[2] idx:phone:HASH
-- ARGV[1] the plain number   ARGV[2] sealed   ARGV[3] hash   ARGV[4] masked
--
-- Returns 1 when sealed, 0 when the order changed meanwhile (nothing written).
local f = redis.call("HMGET", KEYS[1], "caller_phone", "caller_phone_enc", "created_ms", "id")
if f[1] ~= ARGV[1] or f[2] then
  return 0
end
local record = order_writer("phone")
record.set(KEYS[1], {"caller_phone_enc", ARGV[2], "caller_phone_hash", ARGV[3],
  "caller_phone_masked", ARGV[4]})
record.unset(KEYS[1], "caller_phone")
redis.call("ZADD", KEYS[2], f[3] or "0", f[4])
return 1
