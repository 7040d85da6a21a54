// The working-day calendar against the official 2026 and 2025 schedules: every
// day of both years, every holiday and make-up day, and the issue's examples.
#include <catch2/catch.hpp>
#include <set>

#include <google/protobuf/text_format.h>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "calendar/working_calendar.h"
#include "clock/clock.h"

namespace hotline::calendar {
namespace {

const std::string kDataDir = HOTLINE_SOURCE_DIR "/data/calendar";

const WorkingCalendar& Cal() {
  static const WorkingCalendar cal = [] {
    absl::StatusOr<WorkingCalendar> c = WorkingCalendar::LoadDir(kDataDir);
    if (!c.ok()) throw std::runtime_error(c.status().ToString());
    return *c;
  }();
  return cal;
}

absl::Time Local(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), CityTimeZone());
}

std::string Show(absl::Time t) { return absl::FormatTime("%Y-%m-%d %H:%M %a", t, CityTimeZone()); }

// The schedules as published (shared/domain.md), written out independently of
// the data files: days off beyond weekends, and weekend days that work.
std::set<absl::CivilDay> Days(std::initializer_list<std::pair<absl::CivilDay, absl::CivilDay>> ranges) {
  std::set<absl::CivilDay> out;
  for (auto [first, last] : ranges) {
    for (absl::CivilDay d = first; d <= last; ++d) out.insert(d);
  }
  return out;
}
using D = absl::CivilDay;
const std::set<D> kOff2026 = Days({{D(2026, 1, 1), D(2026, 1, 3)},
                                   {D(2026, 2, 15), D(2026, 2, 23)},
                                   {D(2026, 4, 4), D(2026, 4, 6)},
                                   {D(2026, 5, 1), D(2026, 5, 5)},
                                   {D(2026, 6, 19), D(2026, 6, 21)},
                                   {D(2026, 9, 25), D(2026, 9, 27)},
                                   {D(2026, 10, 1), D(2026, 10, 7)}});
const std::set<D> kMakeUp2026 = {D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28),
                                 D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)};
const std::set<D> kOff2025 = Days({{D(2025, 1, 1), D(2025, 1, 1)},
                                   {D(2025, 1, 28), D(2025, 2, 4)},
                                   {D(2025, 4, 4), D(2025, 4, 6)},
                                   {D(2025, 5, 1), D(2025, 5, 5)},
                                   {D(2025, 5, 31), D(2025, 6, 2)},
                                   {D(2025, 10, 1), D(2025, 10, 8)}});
const std::set<D> kMakeUp2025 = {D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28),
                                 D(2025, 10, 11)};

bool Expected(D day, const std::set<D>& off, const std::set<D>& make_up) {
  if (off.count(day)) return false;
  if (make_up.count(day)) return true;
  const absl::Weekday w = absl::GetWeekday(day);
  return w != absl::Weekday::saturday && w != absl::Weekday::sunday;
}

TEST_CASE("every day of 2026 and 2025 is a working day exactly when the State Council says so") {
  for (auto [year, off, make_up] : {std::tuple{2026, &kOff2026, &kMakeUp2026},
                                    std::tuple{2025, &kOff2025, &kMakeUp2025}}) {
    int working = 0;
    for (D d(year, 1, 1); d.year() == year; ++d) {
      absl::StatusOr<bool> w = Cal().IsWorkingDay(d);
      REQUIRE(w.ok());
      INFO(absl::FormatCivilTime(d));
      CHECK(*w == Expected(d, *off, *make_up));
      working += *w;
    }
    // 2026: 365 days - 104 weekend days - 19 holiday weekdays + 6 make-up days.
    if (year == 2026) CHECK(working == 365 - 104 - 19 + 6);
  }
}

TEST_CASE("holidays carry their names and make-up days are marked") {
  CHECK(Cal().HolidayName(D(2026, 2, 17)) == "春节");
  CHECK(Cal().HolidayName(D(2026, 10, 7)) == "国庆节");
  CHECK(Cal().HolidayName(D(2026, 10, 8)).empty());
  CHECK(Cal().IsMakeUpDay(D(2026, 9, 20)));
  CHECK_FALSE(Cal().IsMakeUpDay(D(2026, 9, 19)));
}

TEST_CASE("20 working days after Friday 2026-09-18 10:00 count the make-up Sunday and Saturday") {
  absl::StatusOr<absl::Time> due = Cal().AddWorkingDays(Local(2026, 9, 18, 10), 20);
  REQUIRE(due.ok());
  CHECK(Show(*due) == "2026-10-22 10:00 Thu");
  // Counting by hand: Sun 09-20 and Sat 10-10 work, 09-25..27 and 10-01..07 do not.
  std::vector<D> counted;
  for (D d(2026, 9, 19); d <= D(2026, 10, 22); ++d) {
    if (*Cal().IsWorkingDay(d)) counted.push_back(d);
  }
  REQUIRE(counted.size() == 20);
  CHECK(counted.front() == D(2026, 9, 20));
  CHECK(std::count(counted.begin(), counted.end(), D(2026, 10, 10)) == 1);
  for (D off : {D(2026, 9, 25), D(2026, 9, 26), D(2026, 9, 27), D(2026, 10, 1), D(2026, 10, 7)}) {
    CHECK(std::count(counted.begin(), counted.end(), off) == 0);
  }
  absl::StatusOr<absl::Duration> between = Cal().WorkingTimeBetween(Local(2026, 9, 18, 10), *due);
  REQUIRE(between.ok());
  CHECK(*between == absl::Hours(24 * 20));
}

TEST_CASE("2 working days after 2026-02-13 17:00 pass the Spring Festival") {
  absl::StatusOr<absl::Time> due = Cal().AddWorkingDays(Local(2026, 2, 13, 17), 2);
  REQUIRE(due.ok());
  // Sat 02-14 is a make-up working day (1), 02-15..23 are off, Tue 02-24 (2).
  CHECK(Show(*due) == "2026-02-24 17:00 Tue");
}

TEST_CASE("one working day after the eve of each 2026 holiday and make-up day") {
  // Whatever day it is asked on, the answer is 12:00 of the next working day.
  std::set<D> special = kOff2026;
  special.insert(kMakeUp2026.begin(), kMakeUp2026.end());
  for (D day : special) {
    D eve = day - 1;
    if (eve.year() != 2026) continue;
    D next = eve + 1;
    while (!Expected(next, kOff2026, kMakeUp2026)) ++next;
    absl::Time from = Local(static_cast<int>(eve.year()), eve.month(), eve.day(), 12);
    absl::StatusOr<absl::Time> due = Cal().AddWorkingDays(from, 1);
    REQUIRE(due.ok());
    INFO("from " << Show(from));
    if (Expected(eve, kOff2026, kMakeUp2026)) {
      CHECK(*due == Local(static_cast<int>(next.year()), next.month(), next.day(), 12));
    } else {
      // Asked on a day off: the working day starts at 00:00 of the next one.
      CHECK(*due == Local(static_cast<int>(next.year()), next.month(), next.day() + 0, 0) + absl::Hours(24));
    }
    // Subtracting gives the moment back when it was a working moment.
    if (Expected(eve, kOff2026, kMakeUp2026)) CHECK(*Cal().SubtractWorkingTime(*due, absl::Hours(24)) == from);
  }
}

TEST_CASE("the next working moment skips days off and keeps working moments") {
  CHECK(Show(*Cal().NextWorkingMoment(Local(2026, 10, 3, 15))) == "2026-10-08 00:00 Thu");
  CHECK(Show(*Cal().NextWorkingMoment(Local(2026, 10, 10, 15))) == "2026-10-10 15:00 Sat");
  CHECK(Show(*Cal().NextWorkingMoment(Local(2026, 2, 14, 23, 59))) == "2026-02-14 23:59 Sat");
  CHECK(Show(*Cal().NextWorkingMoment(Local(2026, 2, 15, 0))) == "2026-02-24 00:00 Tue");
}

TEST_CASE("working time between two instants counts only working days, either way round") {
  // Fri 17:00 -> Mon 09:00 over a plain weekend: 7 h Friday + 9 h Monday.
  CHECK(*Cal().WorkingTimeBetween(Local(2026, 3, 13, 17), Local(2026, 3, 16, 9)) == absl::Hours(16));
  CHECK(*Cal().WorkingTimeBetween(Local(2026, 3, 16, 9), Local(2026, 3, 13, 17)) == -absl::Hours(16));
  // Wholly inside the National Day holiday: nothing.
  CHECK(*Cal().WorkingTimeBetween(Local(2026, 10, 2), Local(2026, 10, 6, 18)) == absl::ZeroDuration());
  CHECK(*Cal().WorkingTimeBetween(Local(2026, 5, 6, 8), Local(2026, 5, 6, 8)) == absl::ZeroDuration());
}

TEST_CASE("the turn of 2025 into 2026 uses both years") {
  // Wed 2025-12-31 12:00 + 2 working days: 12-31 (12 h), 01-01..03 off,
  // Sun 01-04 is a make-up day (24 h), Mon 01-05 12:00.
  CHECK(Show(*Cal().AddWorkingDays(Local(2025, 12, 31, 12), 2)) == "2026-01-05 12:00 Mon");
}

TEST_CASE("a deadline that needs a year without data is an error naming the year") {
  absl::StatusOr<absl::Time> due = Cal().AddWorkingDays(Local(2026, 12, 24, 10), 10);
  REQUIRE(absl::IsFailedPrecondition(due.status()));
  CHECK(due.status().message().find("2027") != std::string::npos);
  CHECK(absl::IsFailedPrecondition(Cal().IsWorkingDay(D(2024, 12, 31)).status()));
  CHECK(absl::IsFailedPrecondition(
      Cal().WorkingTimeBetween(Local(2026, 12, 30), Local(2027, 1, 2)).status()));
}

TEST_CASE("calendar files are validated with the file and entry named") {
  auto load = [](const std::string& text) {
    v1::CalendarYear y;
    REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &y));
    return WorkingCalendar::FromYears({{"2026.textproto", y}});
  };
  absl::Status s = load(R"(year: 2026 holidays { name: "春节" first: "2026-02-30" last: "2026-03-01" })").status();
  CHECK(absl::IsInvalidArgument(s));
  CHECK(s.message() == "2026.textproto: holidays[0] (\"春节\"): first: \"2026-02-30\" is not a date YYYY-MM-DD of 2026");
  s = load(R"(year: 2026 make_up_days { date: "2026-09-21" })").status();
  CHECK(s.message() == "2026.textproto: make_up_days[0]: date: 2026-09-21 is a weekday; make-up days fall on weekends");
  s = load(R"(year: 2026 holidays { name: "x" first: "2026-10-03" last: "2026-10-01" })").status();
  CHECK(absl::StrContains(s.message(), "last:"));
  CHECK(absl::IsNotFound(WorkingCalendar::LoadDir("/nonexistent").status()));
}

}  // namespace
}  // namespace hotline::calendar
