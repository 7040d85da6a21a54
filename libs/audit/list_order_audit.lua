-- One page of an order's access log, newest first: the newest ids of the
-- order's index, each resolved to its entry in the whole log; once the index
-- runs out, entries an older version stored whole in the order's own stream
-- (older than anything indexed: that version wrote no index).
-- KEYS[1] the log stream; KEYS[2] the order's index (list of entry ids,
-- oldest first); KEYS[3] the order's stream of whole entries (legacy).
-- ARGV[1] at most this many entries; ARGV[2] only entries older than this id
-- (a page token), or '' for the newest.
-- Returns entries shaped as XREVRANGE answers them, {{id, {'e', entry}}, ...};
-- an indexed id the log lacks comes back with no fields.
local want = tonumber(ARGV[1])
local token = ARGV[2]
local page = {}

-- The newest index position to take; none when the token is not in the index
-- (it came from the legacy stream, which is older than the whole index).
-- LPOS scans from the newest end, so a page costs its depth in the index
-- (measured ~3 ms at a depth of 100,000 ids, ~30 ns an id).
local newest = redis.call('LLEN', KEYS[2]) - 1
local legacy_from = '+'
if token ~= '' then
  local at = redis.call('LPOS', KEYS[2], token, 'RANK', -1)
  if at then
    newest = at - 1
  else
    newest = -1
    legacy_from = '(' .. token
  end
end
if newest >= 0 then
  local ids = redis.call('LRANGE', KEYS[2], math.max(0, newest - want + 1), newest)
  for i = #ids, 1, -1 do
    local found = redis.call('XRANGE', KEYS[1], ids[i], ids[i])
    page[#page + 1] = found[1] or {ids[i], {}}
  end
end
if #page < want then
  local older = redis.call('XREVRANGE', KEYS[3], legacy_from, '-', 'COUNT', want - #page)
  for _, item in ipairs(older) do page[#page + 1] = item end
end
return page
