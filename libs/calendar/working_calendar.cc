#include "calendar/working_calendar.h"

#include <dirent.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clock/clock.h"
#include "config/text_proto.h"

namespace hotline::calendar {
namespace {

// No deadline in this domain spans ten years; a loop that would is a bug.
constexpr int kMaxDays = 3660;

int64_t DayNumber(absl::CivilDay day) { return day - absl::CivilDay(1970, 1, 1); }

bool IsWeekend(absl::CivilDay day) {
  const absl::Weekday w = absl::GetWeekday(day);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

absl::Time StartOf(absl::CivilDay day) { return absl::FromCivil(day, CityTimeZone()); }
absl::CivilDay DayOf(absl::Time t) { return absl::ToCivilDay(t, CityTimeZone()); }

}  // namespace

bool ParseDay(const std::string& text, absl::CivilDay* day) {
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  if (!absl::SimpleAtoi(text.substr(0, 4), &y) || !absl::SimpleAtoi(text.substr(5, 2), &m) ||
      !absl::SimpleAtoi(text.substr(8, 2), &d)) {
    return false;
  }
  absl::CivilDay parsed(y, m, d);
  // CivilDay normalises 02-30 to 03-02; a real date survives unchanged.
  if (parsed.year() != y || parsed.month() != m || parsed.day() != d) return false;
  *day = parsed;
  return true;
}

absl::StatusOr<WorkingCalendar> WorkingCalendar::LoadDir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (absl::EndsWith(name, ".textproto")) names.push_back(name);
    }
    ::closedir(d);
  } else {
    return absl::NotFoundError(absl::StrCat(dir, ": calendar folder cannot be read"));
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) return absl::InvalidArgumentError(absl::StrCat(dir, ": no YYYY.textproto calendar files"));
  std::vector<std::pair<std::string, v1::CalendarYear>> years;
  for (const std::string& name : names) {
    const std::string path = absl::StrCat(dir, "/", name);
    v1::CalendarYear year;
    if (absl::Status s = config::ReadTextProto(path, &year); !s.ok()) return s;
    int file_year = 0;
    if (!absl::SimpleAtoi(name.substr(0, name.size() - std::string(".textproto").size()), &file_year) ||
        file_year != year.year()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": year: ", year.year(), " does not match the file name (YYYY.textproto)"));
    }
    years.emplace_back(path, std::move(year));
  }
  return FromYears(years);
}

absl::StatusOr<WorkingCalendar> WorkingCalendar::FromYears(
    const std::vector<std::pair<std::string, v1::CalendarYear>>& years) {
  return FromYears(years, {});
}

absl::StatusOr<WorkingCalendar> WorkingCalendar::FromYears(
    const std::vector<std::pair<std::string, v1::CalendarYear>>& official,
    const std::vector<std::pair<std::string, v1::CalendarYear>>& provisional) {
  WorkingCalendar cal;
  std::vector<std::pair<const std::pair<std::string, v1::CalendarYear>*, bool>> all;
  for (const auto& y : official) all.emplace_back(&y, false);
  for (const auto& y : provisional) all.emplace_back(&y, true);
  for (const auto& [entry, is_provisional] : all) {
    const auto& [origin, year] = *entry;
    if (is_provisional) cal.provisional_.insert(year.year());
    if (year.year() < 2000 || year.year() > 2100) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ": year: ", year.year(), " is out of range"));
    }
    if (!cal.years_.insert(year.year()).second) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ": year: ", year.year(), " is given twice"));
    }
    for (int i = 0; i < year.holidays_size(); ++i) {
      const v1::Holiday& h = year.holidays(i);
      const std::string where = absl::StrCat(origin, ": holidays[", i, "] (\"", h.name(), "\")");
      absl::CivilDay first, last;
      if (h.name().empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": name: is required"));
      if (!ParseDay(h.first(), &first) || first.year() != year.year()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": first: \"", h.first(), "\" is not a date YYYY-MM-DD of ", year.year()));
      }
      if (!ParseDay(h.last(), &last) || last.year() != year.year() || last < first) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": last: \"", h.last(), "\" is not a date of ", year.year(), " on or after first"));
      }
      for (absl::CivilDay d = first; d <= last; ++d) {
        if (!cal.holidays_.emplace(DayNumber(d), h.name()).second) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": overlaps another holiday"));
        }
      }
    }
    for (int i = 0; i < year.make_up_days_size(); ++i) {
      const v1::MakeUpDay& m = year.make_up_days(i);
      const std::string where = absl::StrCat(origin, ": make_up_days[", i, "]");
      absl::CivilDay day;
      if (!ParseDay(m.date(), &day) || day.year() != year.year()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": date: \"", m.date(), "\" is not a date YYYY-MM-DD of ", year.year()));
      }
      if (!IsWeekend(day)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": date: ", m.date(), " is a weekday; make-up days fall on weekends"));
      }
      if (cal.holidays_.contains(DayNumber(day))) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": date: ", m.date(), " is also a holiday"));
      }
      if (!cal.make_up_.insert(DayNumber(day)).second) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": date: ", m.date(), " is given twice"));
      }
    }
  }
  if (cal.years_.empty()) return absl::InvalidArgumentError("calendar: no years");
  return cal;
}

std::vector<int> WorkingCalendar::years() const {
  std::vector<int> out(years_.begin(), years_.end());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int> WorkingCalendar::official_years() const {
  std::vector<int> out;
  for (int y : years()) {
    if (!provisional_.contains(y)) out.push_back(y);
  }
  return out;
}

std::vector<int> WorkingCalendar::provisional_years() const {
  std::vector<int> out(provisional_.begin(), provisional_.end());
  std::sort(out.begin(), out.end());
  return out;
}

bool WorkingCalendar::AllOfficial(absl::Time from, absl::Time to) const {
  if (to < from) std::swap(from, to);
  for (int64_t y = DayOf(from).year(); y <= DayOf(to).year(); ++y) {
    if (!IsOfficial(static_cast<int>(y))) return false;
  }
  return true;
}

bool WorkingCalendar::TouchesProvisional(absl::Time from, absl::Time to) const {
  if (to < from) std::swap(from, to);
  for (int64_t y = DayOf(from).year(); y <= DayOf(to).year(); ++y) {
    if (provisional_.contains(static_cast<int>(y))) return true;
  }
  return false;
}

std::string WorkingCalendar::HolidayName(absl::CivilDay day) const {
  auto it = holidays_.find(DayNumber(day));
  return it == holidays_.end() ? "" : it->second;
}

bool WorkingCalendar::IsMakeUpDay(absl::CivilDay day) const { return make_up_.contains(DayNumber(day)); }

absl::StatusOr<bool> WorkingCalendar::IsWorkingDay(absl::CivilDay day) const {
  if (!years_.contains(static_cast<int>(day.year()))) {
    return absl::FailedPreconditionError(
        absl::StrCat("calendar: no working-day data for ", day.year(),
                     " (neither an official schedule nor a provisional year)"));
  }
  const int64_t n = DayNumber(day);
  if (holidays_.contains(n)) return false;
  if (make_up_.contains(n)) return true;
  return !IsWeekend(day);
}

absl::StatusOr<absl::Time> WorkingCalendar::NextWorkingMoment(absl::Time t) const {
  absl::CivilDay day = DayOf(t);
  for (int i = 0; i < kMaxDays; ++i, ++day) {
    absl::StatusOr<bool> working = IsWorkingDay(day);
    if (!working.ok()) return working.status();
    if (*working) return i == 0 ? t : StartOf(day);
  }
  return absl::FailedPreconditionError("calendar: no working day within ten years");
}

absl::StatusOr<absl::Time> WorkingCalendar::AddWorkingTime(absl::Time from, absl::Duration amount) const {
  if (amount < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("amount: working time to add must not be negative");
  }
  absl::Time t = from;
  absl::Duration left = amount;
  absl::CivilDay day = DayOf(from);
  for (int i = 0; i < kMaxDays; ++i, ++day) {
    absl::StatusOr<bool> working = IsWorkingDay(day);
    if (!working.ok()) return working.status();
    const absl::Time end = StartOf(day + 1);
    if (*working) {
      if (left <= end - t) return t + left;
      left -= end - t;
    }
    t = end;
  }
  return absl::FailedPreconditionError("calendar: deadline more than ten years away");
}

absl::StatusOr<absl::Time> WorkingCalendar::SubtractWorkingTime(absl::Time to,
                                                                 absl::Duration amount) const {
  if (amount < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("amount: working time to subtract must not be negative");
  }
  absl::Time t = to;
  absl::Duration left = amount;
  // The day that holds the instant just before `to` (to itself may be 00:00).
  absl::CivilDay day = DayOf(to - absl::Nanoseconds(1));
  for (int i = 0; i < kMaxDays; ++i, --day) {
    absl::StatusOr<bool> working = IsWorkingDay(day);
    if (!working.ok()) return working.status();
    const absl::Time start = StartOf(day);
    if (*working) {
      if (left <= t - start) return t - left;
      left -= t - start;
    }
    t = start;
  }
  return absl::FailedPreconditionError("calendar: more than ten years back");
}

absl::StatusOr<absl::Time> WorkingCalendar::AddWorkingDays(absl::Time from, int days) const {
  if (days < 0) return absl::InvalidArgumentError("days: must not be negative");
  return AddWorkingTime(from, absl::Hours(24) * days);
}

absl::StatusOr<absl::Duration> WorkingCalendar::WorkingTimeBetween(absl::Time from, absl::Time to) const {
  if (to < from) {
    absl::StatusOr<absl::Duration> back = WorkingTimeBetween(to, from);
    if (!back.ok()) return back.status();
    return -*back;
  }
  absl::Duration total;
  absl::Time t = from;
  absl::CivilDay day = DayOf(from);
  for (int i = 0; t < to; ++i, ++day) {
    if (i >= kMaxDays) return absl::FailedPreconditionError("calendar: span longer than ten years");
    absl::StatusOr<bool> working = IsWorkingDay(day);
    if (!working.ok()) return working.status();
    const absl::Time end = std::min(StartOf(day + 1), to);
    if (*working) total += end - t;
    t = end;
  }
  return total;
}

}  // namespace hotline::calendar
