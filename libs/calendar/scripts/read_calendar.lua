-- Reads the official calendar (calendar_store.h) in one step, so the version
-- always belongs to the years read with it.
-- KEYS[1] calendar:years  KEYS[2] calendar:version
-- Returns {version ("0" when none), {year, StoredCalendarYear, ...}}.
return {redis.call('GET', KEYS[2]) or '0', redis.call('HGETALL', KEYS[1])}
