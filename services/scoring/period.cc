#include "scoring/period.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace hotline::scoring {
namespace {

// "2026", "2026-11" or "2026-11-05": the first day it names.
absl::StatusOr<absl::CivilDay> ParseDate(const std::string& date) {
  std::vector<std::string> parts = absl::StrSplit(date, '-');
  int v[3] = {0, 1, 1};
  if (parts.empty() || parts.size() > 3) {
    return absl::InvalidArgumentError(absl::StrCat("period.date: \"", date, "\" is not YYYY, YYYY-MM or YYYY-MM-DD"));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!absl::SimpleAtoi(parts[i], &v[i])) {
      return absl::InvalidArgumentError(absl::StrCat("period.date: \"", date, "\" is not YYYY, YYYY-MM or YYYY-MM-DD"));
    }
  }
  const absl::CivilDay day(v[0], v[1], v[2]);
  if (v[0] < 2000 || v[0] > 2100 || day.year() != v[0] || day.month() != v[1] || day.day() != v[2]) {
    return absl::InvalidArgumentError(absl::StrCat("period.date: \"", date, "\" is not a date"));
  }
  return day;
}

// The first day of the period of `kind` containing `day`, and of the next one.
std::pair<absl::CivilDay, absl::CivilDay> Bounds(v1::PeriodKind kind, absl::CivilDay day) {
  switch (kind) {
    case v1::PERIOD_KIND_DAY: return {day, day + 1};
    case v1::PERIOD_KIND_WEEK: {
      const absl::CivilDay monday = absl::PrevWeekday(day + 1, absl::Weekday::monday);
      return {monday, monday + 7};
    }
    case v1::PERIOD_KIND_QUARTER: {
      const absl::CivilMonth first(day.year(), (day.month() - 1) / 3 * 3 + 1);
      return {absl::CivilDay(first), absl::CivilDay(first + 3)};
    }
    case v1::PERIOD_KIND_YEAR: {
      const absl::CivilYear y(day.year());
      return {absl::CivilDay(y), absl::CivilDay(y + 1)};
    }
    default: {
      const absl::CivilMonth m(day);
      return {absl::CivilDay(m), absl::CivilDay(m + 1)};
    }
  }
}

std::string Label(v1::PeriodKind kind, absl::CivilDay first) {
  switch (kind) {
    case v1::PERIOD_KIND_DAY: return absl::FormatCivilTime(first);
    case v1::PERIOD_KIND_WEEK: return absl::StrCat(absl::FormatCivilTime(first), " 周");
    case v1::PERIOD_KIND_QUARTER: return absl::StrFormat("%d-Q%d", first.year(), (first.month() - 1) / 3 + 1);
    case v1::PERIOD_KIND_YEAR: return absl::StrCat(first.year());
    default: return absl::StrFormat("%04d-%02d", first.year(), first.month());
  }
}

absl::StatusOr<absl::CivilDay> DayOf(const v1::Period& p, absl::Time now, absl::TimeZone zone) {
  if (!v1::PeriodKind_IsValid(p.kind())) return absl::InvalidArgumentError("period.kind: unknown kind");
  if (p.date().empty()) return absl::ToCivilDay(now, zone);
  return ParseDate(p.date());
}

Interval Make(v1::PeriodKind kind, absl::CivilDay first, absl::CivilDay next, absl::TimeZone zone) {
  return Interval{absl::FromCivil(first, zone), absl::FromCivil(next, zone), Label(kind, first)};
}

}  // namespace

absl::StatusOr<Interval> Resolve(const v1::Period& p, absl::Time now, absl::TimeZone zone) {
  absl::StatusOr<absl::CivilDay> day = DayOf(p, now, zone);
  if (!day.ok()) return day.status();
  auto [first, next] = Bounds(p.kind(), *day);
  return Make(p.kind(), first, next, zone);
}

absl::StatusOr<Interval> Previous(const v1::Period& p, absl::Time now, absl::TimeZone zone) {
  absl::StatusOr<absl::CivilDay> day = DayOf(p, now, zone);
  if (!day.ok()) return day.status();
  auto [first, next] = Bounds(p.kind(), *day);
  auto [prev_first, prev_next] = Bounds(p.kind(), first - 1);
  return Make(p.kind(), prev_first, prev_next, zone);
}

}  // namespace hotline::scoring
