#pragma once
// The official working-day schedules in Redis (keys: calendar_keys.h),
// versioned: `hotline-admin calendar load` writes a year, every SLA replica
// follows the version (live_calendar.h), and data/calendar/ is the seed that
// fills in the years Redis does not have yet.
//
// Every write is one Lua script (scripts/write_calendar_years.lua) that checks
// the version it was prepared against, writes the year(s), bumps
// calendar:version once and appends one load record a year (who, when, the
// file's SHA-256, the notice it follows): all of it or nothing. A writer that
// lost a race to another reads again.
//
// Errors: INVALID_ARGUMENT naming the file, field and date for a year that is
// not a valid official schedule (statutory_days.h: ValidateOfficialYear);
// nothing is written then. ABORTED when other writers kept winning the race;
// UNAVAILABLE, DEADLINE_EXCEEDED or UNKNOWN from Redis (redis/client.h);
// INTERNAL for stored data that does not parse.
//
// Thread-safe (all state is in Redis). Calls block: for start-up code, tools
// and the live calendar's poller thread.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "calendar/calendar_keys.h"
#include "hotline/v1/calendar.pb.h"
#include "hotline/v1/sla.pb.h"
#include "redis/client.h"

namespace hotline::calendar {

// Who the seed's loads are recorded as.
inline constexpr char kSeedUser[] = "system:seed";

// A schedule read from a file, with what a load record keeps of the file.
struct CalendarFile {
  v1::CalendarYear year;
  std::string sha256;  // of the file's bytes, lowercase hex; "" when not from a file
  std::string name;    // the file's base name, e.g. "2027.textproto"
};

// Reads `path` (hotline.v1.CalendarYear in text format) and hashes its bytes.
// A file named YYYY.textproto must hold year YYYY. NOT_FOUND when it cannot
// be read; INVALID_ARGUMENT "<path>: ..." when it does not parse or its year
// is not its name's. Does not validate the schedule (Load does).
absl::StatusOr<CalendarFile> ReadCalendarFile(const std::string& path);

// Lowercase hex SHA-256 of `bytes`.
std::string Sha256Hex(const std::string& bytes);

// One official year as stored: the schedule and the load that put it there.
struct OfficialYear {
  v1::CalendarYear year;
  v1::CalendarLoad load;
};

struct StoredCalendar {
  int64_t version = 0;              // 0: nothing stored yet
  std::vector<OfficialYear> years;  // ascending by year
};

struct LoadResult {
  int64_t version = 0;    // the calendar version after the call
  bool changed = false;   // false: that very schedule was in force already
  v1::CalendarLoad load;  // the load in force for the year (the earlier one when unchanged)
};

struct SeedResult {
  int64_t version = 0;     // the calendar version after the call
  std::vector<int> added;  // years written by this call (none: all were there)
  // Years whose seed file differs from the schedule in force (Redis's stays:
  // the seed never overwrites); worth a log line.
  std::vector<int> differing;
};

class CalendarStore {
 public:
  explicit CalendarStore(redis::Client& redis, CalendarKeys keys = CalendarKeys());

  // Makes `file.year` the official schedule of its year, replacing one there
  // (a corrected notice), recorded as loaded by `user` at `at`. Validated
  // first (ValidateOfficialYear); a refusal writes nothing. Loading the very
  // schedule in force again writes nothing and answers changed = false, so a
  // retried load is harmless. INVALID_ARGUMENT for an empty `user`.
  absl::StatusOr<LoadResult> Load(const CalendarFile& file, const std::string& user, absl::Time at);

  // Writes, in one step, each YYYY.textproto of `dir` whose year Redis does
  // not have yet, as loaded by kSeedUser at `at`; the version moves only if
  // something was written. Years already stored are never overwritten, and
  // replicas seeding at once write each year once. Every file is validated
  // first: one bad file writes nothing (INVALID_ARGUMENT naming it).
  absl::StatusOr<SeedResult> Seed(const std::string& dir, absl::Time at);

  // The version and every official year with its load, read in one step.
  absl::StatusOr<StoredCalendar> ReadAll();
  // calendar:version alone (what pollers read).
  absl::StatusOr<int64_t> Version();
  // Every load ever made, oldest first.
  absl::StatusOr<std::vector<v1::CalendarLoad>> Loads();

 private:
  // Writes `years` (each with its load) if the version is still `expected`;
  // applied = false when another writer moved it first.
  struct WriteOutcome {
    bool applied = false;
    int64_t version = 0;
    int written = 0;
  };
  absl::StatusOr<WriteOutcome> Write(int64_t expected, bool replace,
                                     const std::vector<v1::StoredCalendarYear>& years);

  redis::Client& redis_;
  CalendarKeys keys_;
};

}  // namespace hotline::calendar
