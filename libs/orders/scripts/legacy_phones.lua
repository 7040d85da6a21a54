-- Finds, in one stretch of idx:all, the orders whose caller's number needs
-- sealing at intake's start (services/intake/legacy_phones.h): stored before
-- sealing (plain caller_phone, no caller_phone_enc), or sealed before the
-- sealed value was bound to its order (version 1: it does not start with
-- "v2/", crypto/phone_vault.h).
--
-- KEYS[1] idx:all   ARGV[1] key prefix   ARGV[2] first rank   ARGV[3] count
--
-- Returns {ids scanned, {id1, plain1, id2, plain2, ...}, {id1, sealed1, ...}}.
local ids = redis.call("ZRANGE", KEYS[1], ARGV[2], tonumber(ARGV[2]) + tonumber(ARGV[3]) - 1)
local plain, unbound = {}, {}
for _, id in ipairs(ids) do
  local f = redis.call("HMGET", ARGV[1] .. "order:{" .. id .. "}", "caller_phone", "caller_phone_enc")
  if f[1] and f[1] ~= "" and not f[2] then
    plain[#plain + 1] = id
    plain[#plain + 1] = f[1]
  elseif f[2] and string.sub(f[2], 1, 3) ~= "v2/" then
    unbound[#unbound + 1] = id
    unbound[#unbound + 1] = f[2]
  end
end
return {#ids, plain, unbound}
