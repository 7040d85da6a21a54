-- Writes one version of one kind of reference data (ref_store.h), all or
-- nothing: checks that the kind's version is still the one the caller read
-- and that every other kind it was validated against is still at the version
-- it was validated against, then writes the version's record (immutable
-- afterwards) and bumps the kind's version. A caller that lost a race reads
-- again and validates again.
--
-- KEYS[1] ref:<kind>:version  KEYS[2] ref:<kind>:v:<expected + 1>
-- KEYS[3..] ref:<other>:version of each kind the content was validated against
-- ARGV[1] the kind's version the caller read ("0": none yet)
-- ARGV[2 .. 1 + #KEYS - 2] the other kinds' versions, in KEYS order
-- ARGV[rest] field, value pairs of the record
-- Returns {1, new version} or, when a version moved, {0, index of the moved key}.
local others = #KEYS - 2
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current ~= tonumber(ARGV[1]) then
  return {0, 1}
end
for i = 1, others do
  local v = tonumber(redis.call('GET', KEYS[2 + i]) or '0')
  if v ~= tonumber(ARGV[1 + i]) then
    return {0, 2 + i}
  end
end
local fields = {}
for i = 2 + others, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[2], unpack(fields))
return {1, redis.call('INCR', KEYS[1])}
