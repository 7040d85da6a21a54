-- The hash chain of order histories (libs/orders/trail.h). Prepended by the
-- store to every script that appends history entries, so there is one
-- definition. A stored entry is the writer's JSON with two fields added at
-- its end:   {...,"prev_hash":"<hex>","hash":"<hex>"}
--   hash      = sha1hex(prev_hash .. "\n" .. content), content being the
--               JSON as the writer produced it (without these two fields);
--   prev_hash = the previous entry's hash; for the first entry,
--               sha1hex("order:" .. id), which binds the trail to its order.
-- The order record keeps the last entry's hash in field trail_head, so a
-- removed last entry shows too. SHA-1 because Redis Lua offers only
-- redis.sha1hex; the chain detects edits made outside these scripts.

local function chain_seal(prev, content)
  local h = redis.sha1hex(prev .. "\n" .. content)
  local body = string.sub(content, 1, -2)
  if body ~= "{" then body = body .. "," end
  return body .. '"prev_hash":"' .. prev .. '","hash":"' .. h .. '"}', h
end

local function chain_hash_of(stored)
  return string.match(stored, '"prev_hash":"%x*","hash":"(%x+)"}$')
end

-- Chains, in place, a history written before the chain existed: only when
-- no entry carries chain fields (a partly chained trail is left as it is for
-- the verifier to report). Records "count|ms|by" in trail_legacy. Returns the
-- new head, or nil.
local function chain_legacy(order_key, history_key, order_id, now_ms, by)
  local entries = redis.call("LRANGE", history_key, 0, -1)
  for _, e in ipairs(entries) do
    if chain_hash_of(e) then return nil end
  end
  local prev = redis.sha1hex("order:" .. order_id)
  for i, e in ipairs(entries) do
    local sealed
    sealed, prev = chain_seal(prev, e)
    redis.call("LSET", history_key, i - 1, sealed)
  end
  redis.call("HSET", order_key, "trail_head", prev,
    "trail_legacy", #entries .. "|" .. now_ms .. "|" .. by)
  return prev
end

-- Appends `content` (an entry's JSON) to the order's history, chained.
local function chain_push(order_key, history_key, order_id, content, now_ms)
  local last = redis.call("LINDEX", history_key, -1)
  local prev
  if not last then
    prev = redis.sha1hex("order:" .. order_id)
  else
    prev = chain_hash_of(last) or
      chain_legacy(order_key, history_key, order_id, now_ms, "write") or ""
  end
  local sealed, h = chain_seal(prev, content)
  redis.call("RPUSH", history_key, sealed)
  redis.call("HSET", order_key, "trail_head", h)
end

