-- Appends one access-log entry: whole to the log, and its id (only the id) to
-- the index of every order it names, so an auditor can ask "who read this
-- order" without scanning everything, and a read of a 200-order page stores
-- the entry once plus 200 ids (not 200 copies of the entry).
-- KEYS[1] the log stream; KEYS[2..] the orders' indexes (lists; audit_log.h),
-- each named once.
-- ARGV[1] the entry (serialized hotline.v1.AuditEntry, id empty).
-- Returns the entry's id. Every check comes before the first write: an index
-- of the wrong type fails the whole append, with nothing written.
for i = 2, #KEYS do
  local kind = redis.call('TYPE', KEYS[i]).ok
  if kind ~= 'none' and kind ~= 'list' then
    return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' is a ' .. kind ..
                             ', not an access-log index')
  end
end
local id = redis.call('XADD', KEYS[1], '*', 'e', ARGV[1])
for i = 2, #KEYS do
  redis.call('RPUSH', KEYS[i], id)
end
return id
