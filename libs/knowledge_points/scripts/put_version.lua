-- Writes a new version of a knowledge point, atomically: the current record,
-- the version list, the code index, the listing summary and the change-stream
-- entry, or nothing. A compare-and-set on the version: the caller read
-- version N and writes N+1; if the point moved on meanwhile, nothing happens.
--
-- KEYS[1] point hash       KEYS[2] versions list   KEYS[3] codes sorted set
-- KEYS[4] summaries hash   KEYS[5] changes stream
-- ARGV[1] code
-- ARGV[2] expected current version (0: create; the point must not exist)
-- ARGV[3] the new version, binary KnowledgePoint (its version is ARGV[2] + 1)
-- ARGV[4] status name (draft | published | retired)
-- ARGV[5] binary KnowledgeSummary
-- ARGV[6] at_ms            ARGV[7] changes stream approximate max length
--
-- Returns the new version, or the error replies "KB_EXISTS <code>", "KB_NOT_FOUND <code>",
-- "KB_STALE <current version>".
local expected = tonumber(ARGV[2])
local current = tonumber(redis.call("HGET", KEYS[1], "version") or "0")
if expected == 0 and current ~= 0 then
  return redis.error_reply("KB_EXISTS " .. ARGV[1])
end
if expected ~= 0 and current == 0 then
  return redis.error_reply("KB_NOT_FOUND " .. ARGV[1])
end
if current ~= expected then
  return redis.error_reply("KB_STALE " .. current)
end
local version = expected + 1
redis.call("HSET", KEYS[1], "point", ARGV[3], "version", version, "status", ARGV[4],
  "at_ms", ARGV[6])
redis.call("RPUSH", KEYS[2], ARGV[3])
redis.call("ZADD", KEYS[3], 0, ARGV[1])
redis.call("HSET", KEYS[4], ARGV[1], ARGV[5])
redis.call("XADD", KEYS[5], "MAXLEN", "~", ARGV[7], "*",
  "code", ARGV[1], "version", version, "at_ms", ARGV[6])
return version
