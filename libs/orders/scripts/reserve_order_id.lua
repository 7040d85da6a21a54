-- Takes the next number of the day for an order about to be created, before
-- it is written, so intake can seal the caller's number bound to the order id
-- (crypto/phone_vault.h); create_order.lua then writes the order under it.
-- Checks that would refuse the create come first, so a refused create takes
-- no number: only a create that fails after this (a concurrent replay with
-- the same idempotency key, a knowledge point unpublished in between, the
-- writer gone) leaves its number unused.
--
-- ARGV[1]  key prefix, e.g. "hotline:"
-- ARGV[2]  order number prefix and local day, e.g. "GZ20261128"
-- ARGV[3]  the day's sequence key             ARGV[4]  idempotency key ("" for none)
-- ARGV[5]  request fingerprint (compared on replay)
-- KEYS[1]  (only for an order answered on the spot) the cited knowledge point
--
-- Returns {"reserved", id, skipped} (skipped: numbers passed over because an
-- order already had them: the day's counter had gone back, e.g. Redis restored
-- from an older backup) or {"replayed", id}. Error replies (nothing written):
-- "IDEMPOTENCY_MISMATCH <id>", "NUMBERS_EXHAUSTED <prefix>",
-- "KNOWLEDGE_NOT_PUBLISHED <status|missing>".
local p = ARGV[1]

local idem_key = ARGV[4]
if idem_key ~= "" then
  local seen = redis.call("GET", idem_key)
  if seen then
    local fingerprint, id = string.match(seen, "^([^|]*)|(.*)$")
    if fingerprint ~= ARGV[5] then
      return redis.error_reply("IDEMPOTENCY_MISMATCH " .. id)
    end
    return {"replayed", id}
  end
end

if #KEYS >= 1 then
  local kb_status = redis.call("HGET", KEYS[1], "status")
  if kb_status ~= "published" then
    return redis.error_reply("KNOWLEDGE_NOT_PUBLISHED " .. (kb_status or "missing"))
  end
end

-- The next free number after the day's counter. Numbers of one day are
-- taken in order, so a counter that went back finds the end of the taken run
-- by galloping, then bisecting: O(log n) lookups, never an overwrite (the
-- number chosen is checked free, and create_order.lua checks it again).
local prefix = ARGV[2]
local function taken(n)
  return redis.call("EXISTS", p .. "order:{" .. prefix .. string.format("%06d", n) .. "}") == 1
end
local seq_key = ARGV[3]
local seq = tonumber(redis.call("GET", seq_key) or "0") + 1
local first = seq
if seq <= 999999 and taken(seq) then
  local low, step = seq, 1            -- low is taken
  local high = low + step
  while high <= 999999 and taken(high) do
    low = high
    step = step * 2
    high = low + step
  end
  if high > 999999 then high = 1000000 end
  while high - low > 1 do             -- low taken, high free (or past the end)
    local mid = math.floor((low + high) / 2)
    if taken(mid) then low = mid else high = mid end
  end
  seq = high
end
if seq > 999999 then
  return redis.error_reply("NUMBERS_EXHAUSTED " .. prefix)
end

redis.call("SET", seq_key, seq, "EX", 3 * 86400)
return {"reserved", prefix .. string.format("%06d", seq), seq - first}
