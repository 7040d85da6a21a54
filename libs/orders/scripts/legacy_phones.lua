-- Finds orders stored before callers' numbers were sealed (plain
-- caller_phone, no caller_phone_enc) in one stretch of idx:all, for the
-- one-off sealing at intake's start (services/intake/legacy_phones.h).
--
-- KEYS[1] idx:all   ARGV[1] key prefix   ARGV[2] first rank   ARGV[3] count
--
-- Returns {ids scanned, id1, plain1, id2, plain2, ...}.
local ids = redis.call("ZRANGE", KEYS[1], ARGV[2], tonumber(ARGV[2]) + tonumber(ARGV[3]) - 1)
local out = {#ids}
for _, id in ipairs(ids) do
  local f = redis.call("HMGET", ARGV[1] .. "order:{" .. id .. "}", "caller_phone", "caller_phone_enc")
  if f[1] and f[1] ~= "" and not f[2] then
    out[#out + 1] = id
    out[#out + 1] = f[1]
  end
end
return out
