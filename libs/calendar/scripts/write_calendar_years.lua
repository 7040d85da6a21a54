-- Writes official calendar years (calendar_store.h), all or nothing: checks
-- that the calendar version is still the one the caller read (it prepared
-- each load record with that version + 1), writes the years, bumps the
-- version once if anything was written, and appends one load record a year.
-- The load (`hotline-admin calendar load`) replaces its year; the seed
-- (data/calendar) writes only years not there yet, so two replicas seeding at
-- once write each year once, and a loaded year is never overwritten by it.
--
-- KEYS[1] calendar:years  KEYS[2] calendar:version  KEYS[3] calendar:loads
-- ARGV[1] the version the caller read ("0" for none)
-- ARGV[2] "replace" (a load) or "add" (the seed)
-- ARGV[3..] triples: year, serialized StoredCalendarYear, serialized CalendarLoad
-- Returns {1, version now, years written} or, when the version moved, {0, version now}.
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if current ~= tonumber(ARGV[1]) then
  return {0, current}
end
local written = 0
for i = 3, #ARGV, 3 do
  local stored = true
  if ARGV[2] == 'replace' then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  else
    stored = redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1
  end
  if stored then
    written = written + 1
    redis.call('XADD', KEYS[3], '*', 'e', ARGV[i + 2])
  end
end
if written > 0 then
  current = redis.call('INCR', KEYS[2])
end
return {1, current, written}
