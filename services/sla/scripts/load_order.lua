-- An order record and its history, read together (one consistent snapshot).
-- KEYS[1] order record   KEYS[2] history
-- Returns {HGETALL array, LRANGE array}; the first is empty if there is no order.
return {redis.call("HGETALL", KEYS[1]), redis.call("LRANGE", KEYS[2], 0, -1)}
