-- One page of the points under a code prefix, in code order.
--
-- KEYS[1] codes sorted set   KEYS[2] summaries hash
-- ARGV[1] range start (ZRANGEBYLEX form: "[KB.06" or "(KB.06.01.003")
-- ARGV[2] range end ("[KB.06\xff")
-- ARGV[3] how many
--
-- Returns the binary KnowledgeSummary of each, in order.
local codes = redis.call("ZRANGEBYLEX", KEYS[1], ARGV[1], ARGV[2], "LIMIT", 0, tonumber(ARGV[3]))
if #codes == 0 then
  return {}
end
return redis.call("HMGET", KEYS[2], unpack(codes))
