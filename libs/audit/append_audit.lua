-- Appends one access-log entry: to the whole log and, under the same id, to
-- the log of every order it names (so an auditor can ask "who read this
-- order" without scanning everything).
-- KEYS[1] the log stream; KEYS[2..] the per-order streams (audit_log.h).
-- ARGV[1] the entry (serialized hotline.v1.AuditEntry, id empty).
-- Returns the entry's id.
local id = redis.call('XADD', KEYS[1], '*', 'e', ARGV[1])
for i = 2, #KEYS do
  redis.call('XADD', KEYS[i], id, 'e', ARGV[1])
end
return id
