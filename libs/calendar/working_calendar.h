#pragma once
// China's working-day calendar (weekends off, public holidays off, make-up
// working days on weekends) as data, with the working-time arithmetic that
// deadlines need. Working time counts the whole local day of every working
// day (00:00-24:00, Asia/Shanghai): "N working days after Friday 10:00" is
// 10:00 of the Nth working day after it.
//
// A year is either official (the State Council's published schedule) or
// provisional (weekends plus the statutory days of the national rules, no
// make-up days: see statutory_days.h), known before its schedule is out.
// Answers that lean on a provisional year say so (TouchesProvisional).
//
// Errors: a question that touches a day of a year the calendar has neither
// way is FAILED_PRECONDITION "calendar: no working-day data for YYYY" -
// never a guess. Loading errors are INVALID_ARGUMENT naming the file and the
// entry.
//
// Immutable after loading; thread-safe.
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "hotline/v1/sla.pb.h"

namespace hotline::calendar {

class WorkingCalendar {
 public:
  // Reads every YYYY.textproto in `dir` (at least one).
  static absl::StatusOr<WorkingCalendar> LoadDir(const std::string& dir);
  // From parsed years; `origin` names where each came from (for errors).
  static absl::StatusOr<WorkingCalendar> FromYears(
      const std::vector<std::pair<std::string, v1::CalendarYear>>& years);
  // Official years and provisional ones; a year may be in only one of them.
  static absl::StatusOr<WorkingCalendar> FromYears(
      const std::vector<std::pair<std::string, v1::CalendarYear>>& official,
      const std::vector<std::pair<std::string, v1::CalendarYear>>& provisional);

  absl::StatusOr<bool> IsWorkingDay(absl::CivilDay day) const;
  // `t` itself if it falls on a working day, else 00:00 of the next working day.
  absl::StatusOr<absl::Time> NextWorkingMoment(absl::Time t) const;
  // The moment when `amount` (>= 0) of working time has passed after `from`.
  absl::StatusOr<absl::Time> AddWorkingTime(absl::Time from, absl::Duration amount) const;
  // The moment `amount` (>= 0) of working time before `to`.
  absl::StatusOr<absl::Time> SubtractWorkingTime(absl::Time to, absl::Duration amount) const;
  absl::StatusOr<absl::Time> AddWorkingDays(absl::Time from, int days) const;
  // Working time in [from, to); negative when to < from.
  absl::StatusOr<absl::Duration> WorkingTimeBetween(absl::Time from, absl::Time to) const;

  std::vector<int> years() const;  // ascending, official and provisional
  std::vector<int> official_years() const;     // ascending
  std::vector<int> provisional_years() const;  // ascending
  bool IsProvisional(int year) const { return provisional_.contains(year); }
  bool IsOfficial(int year) const { return years_.contains(year) && !provisional_.contains(year); }
  // Whether every day from `from` to `to` (either order) lies in an official year.
  bool AllOfficial(absl::Time from, absl::Time to) const;
  // Whether any day from `from` to `to` (either order) lies in a provisional
  // year: a deadline computed over that span is provisional.
  bool TouchesProvisional(absl::Time from, absl::Time to) const;
  // Which stored version of the schedules this is (calendar_store.h); 0 for
  // one read from files.
  int64_t version() const { return version_; }
  void set_version(int64_t version) { version_ = version; }
  // The holiday's name if `day` is a listed holiday, else "".
  std::string HolidayName(absl::CivilDay day) const;
  bool IsMakeUpDay(absl::CivilDay day) const;

 private:
  // Days are keyed by their number since 1970-01-01.
  absl::flat_hash_set<int> years_;        // all
  absl::flat_hash_set<int> provisional_;  // of years_
  int64_t version_ = 0;
  absl::flat_hash_map<int64_t, std::string> holidays_;  // day -> name
  absl::flat_hash_set<int64_t> make_up_;
};

// "YYYY-MM-DD" -> day; false if it is not such a date.
bool ParseDay(const std::string& text, absl::CivilDay* day);

}  // namespace hotline::calendar
