-- The field-wise sum of many hashes of counts (a unit's or the city's days
-- of a period: up to 366 small hashes summed here, one reply back).
-- KEYS: the hashes. Returns field, sum, field, sum ... (zero sums left out).
local sum, fields = {}, {}
for _, key in ipairs(KEYS) do
  local kv = redis.call("HGETALL", key)
  for i = 1, #kv, 2 do
    local f = kv[i]
    if sum[f] == nil then
      sum[f] = 0
      fields[#fields + 1] = f
    end
    sum[f] = sum[f] + tonumber(kv[i + 1])
  end
end
local out = {}
for _, f in ipairs(fields) do
  if sum[f] ~= 0 then
    out[#out + 1] = f
    out[#out + 1] = string.format("%d", sum[f])
  end
end
return out
