-- One page of orders from one index (a sorted set scored by creation time in
-- ms, members order ids), filtered by the other criteria, in one atomic read.
-- Scans at most ARGV[6] index entries per call, so a very selective filter
-- returns a short page (possibly empty) with a cursor to go on from.
--
-- ARGV[1] key prefix          ARGV[2] index key (full name)
-- ARGV[3] "desc" or "asc"
-- ARGV[4] score lower bound, Redis syntax ("-inf", "123", "(123")
-- ARGV[5] score upper bound, Redis syntax ("+inf", "(456")
-- ARGV[6] scan limit          ARGV[7] page size
-- ARGV[8] cursor score ("" for the first page)   ARGV[9] cursor member
-- ARGV[10..] filters as field, value pairs on the order record
--
-- Returns {next_score, next_member, order1, order2, ...} where each order is
-- its HGETALL array; next_score is "" on the last page.
local p = ARGV[1]
local index = ARGV[2]
local desc = ARGV[3] == "desc"
local lo, hi = ARGV[4], ARGV[5]
local scan_limit = tonumber(ARGV[6])
local page_size = tonumber(ARGV[7])
local cursor_score, cursor_member = ARGV[8], ARGV[9]

local filters = {}
for i = 10, #ARGV, 2 do
  filters[#filters + 1] = {ARGV[i], ARGV[i + 1]}
end

-- Resume at the cursor's score (inclusive) and skip the ties already seen.
if cursor_score ~= "" then
  if desc then hi = cursor_score else lo = cursor_score end
end
local function already_seen(score, member)
  if cursor_score == "" or tonumber(score) ~= tonumber(cursor_score) then
    return false
  end
  -- Equal scores are ordered by member: ascending for ZRANGEBYSCORE,
  -- descending for ZREVRANGEBYSCORE.
  if desc then return member >= cursor_member else return member <= cursor_member end
end

local out = {"", ""}
local found, scanned, offset = 0, 0, 0
local batch = 200
local last_score, last_member = nil, nil
while scanned < scan_limit and found < page_size do
  local entries
  if desc then
    entries = redis.call("ZREVRANGEBYSCORE", index, hi, lo, "WITHSCORES", "LIMIT", offset, batch)
  else
    entries = redis.call("ZRANGEBYSCORE", index, lo, hi, "WITHSCORES", "LIMIT", offset, batch)
  end
  if #entries == 0 then
    return out  -- index exhausted: last page
  end
  offset = offset + #entries / 2
  for i = 1, #entries, 2 do
    local member, score = entries[i], entries[i + 1]
    if not already_seen(score, member) then
      scanned = scanned + 1
      last_score, last_member = score, member
      local key = p .. "order:{" .. member .. "}"
      local ok = true
      for _, f in ipairs(filters) do
        if redis.call("HGET", key, f[1]) ~= f[2] then
          ok = false
          break
        end
      end
      if ok then
        out[#out + 1] = redis.call("HGETALL", key)
        found = found + 1
      end
      if found >= page_size or scanned >= scan_limit then
        break
      end
    end
  end
end
if last_score then
  out[1], out[2] = last_score, last_member
end
return out
