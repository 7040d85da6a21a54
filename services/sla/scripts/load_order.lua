-- An order record, its history and its place in the due set, read together
-- (one consistent snapshot).
-- KEYS[1] order record   KEYS[2] history   KEYS[3] due set
-- KEYS[4] the calendar version acted on   ARGV[1] order id
-- Returns {HGETALL array, LRANGE array, due score or false, calendar version
-- or false}; the first is empty if there is no order.
return {redis.call("HGETALL", KEYS[1]), redis.call("LRANGE", KEYS[2], 0, -1),
        redis.call("ZSCORE", KEYS[3], ARGV[1]), redis.call("GET", KEYS[4])}
