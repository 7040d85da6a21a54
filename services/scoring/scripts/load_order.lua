-- An order record and its whole history, read together (one snapshot).
-- KEYS[1] order record   KEYS[2] history
return {redis.call("HGETALL", KEYS[1]), redis.call("LRANGE", KEYS[2], 0, -1)}
