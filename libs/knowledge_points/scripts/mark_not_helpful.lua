-- Counts an agent's "did not help" on a point that exists.
-- KEYS[1] point hash. Returns the new count, or the error reply "KB_NOT_FOUND point".
if redis.call("EXISTS", KEYS[1]) == 0 then
  return redis.error_reply("KB_NOT_FOUND point")
end
return redis.call("HINCRBY", KEYS[1], "not_helpful_count", 1)
