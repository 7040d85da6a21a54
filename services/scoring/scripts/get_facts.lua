-- The facts of many orders in one call (a period's thousands of orders cost
-- a few calls, not one command each).
-- KEYS: facts hashes. Returns their "facts" fields in order (false if missing).
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call("HGET", key, "facts")
end
return out
