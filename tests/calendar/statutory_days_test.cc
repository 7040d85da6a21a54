// The statutory days of the national rules, computed: against the published
// 2025 and 2026 schedules, against dates known independently (2025-2034),
// the lunar months behind them, the provisional year built from them, and the
// checks on an official schedule an operator loads.
#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <iostream>
#include <map>
#include <set>

#include <google/protobuf/text_format.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "calendar/lunisolar.h"
#include "calendar/statutory_days.h"
#include "calendar/working_calendar.h"
#include "clock/clock.h"
#include "config/text_proto.h"

namespace hotline::calendar {
namespace {

using D = absl::CivilDay;
const std::string kDataDir = HOTLINE_SOURCE_DIR "/data/calendar";

std::vector<StatutoryDay> Days(int year) {
  absl::StatusOr<std::vector<StatutoryDay>> days = StatutoryDays(year);
  if (!days.ok()) throw std::runtime_error(days.status().ToString());
  return *days;
}

// detail ("除夕", "正月初一", "清明", "10月2日", ...) -> day.
std::map<std::string, D> ByDetail(const std::vector<StatutoryDay>& days) {
  std::map<std::string, D> out;
  for (const StatutoryDay& d : days) out[d.detail] = d.day;
  return out;
}

v1::CalendarYear ReadYear(int year) {
  v1::CalendarYear y;
  absl::Status s = config::ReadTextProto(absl::StrCat(kDataDir, "/", year, ".textproto"), &y);
  if (!s.ok()) throw std::runtime_error(s.ToString());
  return y;
}

v1::CalendarYear Parse(const std::string& text) {
  v1::CalendarYear y;
  if (!google::protobuf::TextFormat::ParseFromString(text, &y)) throw std::runtime_error("bad text proto");
  return y;
}

absl::Time Local(int y, int m, int d, int hh = 0) {
  return absl::FromCivil(absl::CivilHour(y, m, d, hh), CityTimeZone());
}

// Written out from the rules and the published notices (shared/domain.md),
// independently of the computation: the full 13 days of 2025 and 2026.
const std::map<int, std::map<std::string, D>> kKnown = {
    {2025,
     {{"1月1日", D(2025, 1, 1)}, {"除夕", D(2025, 1, 28)}, {"正月初一", D(2025, 1, 29)},
      {"正月初二", D(2025, 1, 30)}, {"正月初三", D(2025, 1, 31)}, {"清明", D(2025, 4, 4)},
      {"5月1日", D(2025, 5, 1)}, {"5月2日", D(2025, 5, 2)}, {"五月初五", D(2025, 5, 31)},
      {"八月十五", D(2025, 10, 6)}, {"10月1日", D(2025, 10, 1)}, {"10月2日", D(2025, 10, 2)},
      {"10月3日", D(2025, 10, 3)}}},
    {2026,
     {{"1月1日", D(2026, 1, 1)}, {"除夕", D(2026, 2, 16)}, {"正月初一", D(2026, 2, 17)},
      {"正月初二", D(2026, 2, 18)}, {"正月初三", D(2026, 2, 19)}, {"清明", D(2026, 4, 5)},
      {"5月1日", D(2026, 5, 1)}, {"5月2日", D(2026, 5, 2)}, {"五月初五", D(2026, 6, 19)},
      {"八月十五", D(2026, 9, 25)}, {"10月1日", D(2026, 10, 1)}, {"10月2日", D(2026, 10, 2)},
      {"10月3日", D(2026, 10, 3)}}},
};

TEST_CASE("the statutory days of 2025 and 2026 are all off in the published schedules") {
  absl::StatusOr<WorkingCalendar> cal = WorkingCalendar::LoadDir(kDataDir);
  REQUIRE(cal.ok());
  for (int year : {2025, 2026}) {
    const std::vector<StatutoryDay> days = Days(year);
    REQUIRE(days.size() == 13);
    std::set<D> distinct;
    for (const StatutoryDay& d : days) {
      INFO(year << ": " << absl::FormatCivilTime(d.day) << " " << d.name << " " << d.detail);
      distinct.insert(d.day);
      CHECK(d.day.year() == year);
      // Listed as a holiday, not merely a weekend.
      CHECK_FALSE(cal->HolidayName(d.day).empty());
      CHECK(*cal->IsWorkingDay(d.day) == false);
      CHECK_FALSE(d.near_midnight);
    }
    CHECK(distinct.size() == 13);
    CHECK(ByDetail(days) == kKnown.at(year));
    CHECK(std::is_sorted(days.begin(), days.end(),
                         [](const StatutoryDay& a, const StatutoryDay& b) { return a.day < b.day; }));
  }
}

TEST_CASE("2027: the eve is 5 February because the new moon is at 23:56 on the 6th") {
  const std::vector<StatutoryDay> days = Days(2027);
  std::string shown = "statutory days of 2027 (provisional):\n";
  for (const StatutoryDay& d : days) {
    absl::StrAppend(&shown, "  ", absl::FormatCivilTime(d.day), " ", d.name, " ", d.detail,
                    d.near_midnight ? " [near midnight]" : "", "  (", d.basis, ")\n");
  }
  WARN(shown);
  REQUIRE(days.size() == 13);
  std::map<std::string, D> by = ByDetail(days);
  CHECK(by["除夕"] == D(2027, 2, 5));
  CHECK(by["正月初一"] == D(2027, 2, 6));
  CHECK(by["正月初二"] == D(2027, 2, 7));
  CHECK(by["正月初三"] == D(2027, 2, 8));
  CHECK(by["清明"] == D(2027, 4, 5));
  CHECK(by["五月初五"] == D(2027, 6, 9));
  CHECK(by["八月十五"] == D(2027, 9, 15));
  for (const StatutoryDay& d : days) {
    INFO(d.detail << " " << d.basis);
    if (d.name == "春节") {
      // 23:56 is 4 minutes from the day ICU's calendar gives.
      CHECK(d.near_midnight);
      CHECK(absl::StartsWith(d.basis, "new moon 2027-02-06 23:56 CST begins 正月"));
    } else {
      CHECK_FALSE(d.near_midnight);
    }
  }
}

TEST_CASE("later years agree with the dates known for them") {
  struct Known {
    int year;
    std::string detail;
    D day;
  };
  // 2028 has 闰五月 after 五月 (端午 keeps to the first); 2030's new moon is
  // at 00:07 on 3 February; 2033's 八月 is the one the leap-month rule picks
  // (the "2033 problem"); 2034's 正月 follows 2033's 闰十一月.
  const std::vector<Known> known = {
      {2028, "除夕", D(2028, 1, 25)},     {2028, "正月初一", D(2028, 1, 26)},
      {2028, "清明", D(2028, 4, 4)},      {2028, "五月初五", D(2028, 5, 28)},
      {2028, "八月十五", D(2028, 10, 3)}, {2029, "正月初一", D(2029, 2, 13)},
      {2030, "除夕", D(2030, 2, 2)},      {2030, "正月初一", D(2030, 2, 3)},
      {2033, "正月初一", D(2033, 1, 31)}, {2033, "八月十五", D(2033, 9, 8)},
      {2031, "八月十五", D(2031, 10, 1)}, {2034, "正月初一", D(2034, 2, 19)},
      {2039, "五月初五", D(2039, 5, 27)},
  };
  for (const Known& k : known) {
    INFO(k.year << " " << k.detail);
    CHECK(ByDetail(Days(k.year))[k.detail] == k.day);
  }
  for (const StatutoryDay& d : Days(2030)) {
    if (d.name == "春节") CHECK(d.near_midnight);
  }
}

TEST_CASE("the lunar months: month 11 holds the solstice and the leap month is the first without a major term") {
  // year -> (leap month's number, or 0; 正月初一)
  const std::map<int, std::pair<int, D>> known = {
      {2023, {2, D(2023, 1, 22)}},  {2025, {6, D(2025, 1, 29)}}, {2026, {0, D(2026, 2, 17)}},
      {2028, {5, D(2028, 1, 26)}},  {2033, {0, D(2033, 1, 31)}}, {2034, {11, D(2034, 2, 19)}},
  };
  for (const auto& [year, expected] : known) {
    INFO(year);
    absl::StatusOr<SuiEvents> events = ComputeSuiEvents(year);
    REQUIRE(events.ok());
    const SuiDays days = ToDays(*events);
    absl::StatusOr<std::vector<LunarMonth>> months = NumberMonths(days);
    REQUIRE(months.ok());
    REQUIRE((months->size() == 12 || months->size() == 13));
    CHECK(months->front().number == 11);
    CHECK(months->front().first_day <= days.solstice_before);
    CHECK(days.solstice_before < months->front().next_first_day);
    int leap = 0;
    for (const LunarMonth& m : *months) {
      if (m.leap) leap = m.number;
      if (m.number == 1 && !m.leap) CHECK(m.first_day == expected.second);
      CHECK((m.next_first_day - m.first_day == 29 || m.next_first_day - m.first_day == 30));
    }
    CHECK(leap == expected.first);
    CHECK((months->size() == 13) == (leap != 0));
  }
}

TEST_CASE("new moons and solar terms match published moments to the minute") {
  // Published (UTC): the 2025 March equinox and December solstice, the new
  // moons of the 2025 and 2027 Spring Festivals.
  auto utc = [](int y, int m, int d, int hh, int mm) {
    return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), absl::UTCTimeZone());
  };
  CHECK(absl::AbsDuration(*SolarTermMoment(2025, 0) - utc(2025, 3, 20, 9, 1)) < absl::Minutes(1));
  CHECK(absl::AbsDuration(*SolarTermMoment(2025, 270) - utc(2025, 12, 21, 15, 3)) < absl::Minutes(1));
  CHECK(absl::AbsDuration(*NewMoon(LunationBefore(utc(2025, 1, 30, 0, 0))) - utc(2025, 1, 29, 12, 36)) <
        absl::Minutes(1));
  CHECK(absl::AbsDuration(*NewMoon(LunationBefore(utc(2027, 2, 7, 0, 0))) - utc(2027, 2, 6, 15, 56)) <
        absl::Minutes(1));
  CHECK(absl::IsInvalidArgument(SolarTermMoment(2027, 20).status()));
}

TEST_CASE("every year of the rules has 13 days where the rules put them and a provisional year that loads and validates") {
  std::vector<std::pair<std::string, v1::CalendarYear>> provisional;
  int shared_with_national_day = 0;
  for (int year = kFirstStatutoryYear; year <= kLastStatutoryYear; ++year) {
    INFO(year);
    const std::vector<StatutoryDay> days = Days(year);
    REQUIRE(days.size() == 13);
    std::map<std::string, D> by = ByDetail(days);
    REQUIRE(by.size() == 13);
    CHECK(by["除夕"] + 1 == by["正月初一"]);
    CHECK(by["正月初三"] - by["正月初一"] == 2);
    // The festivals' known ranges in the Gregorian calendar.
    CHECK(by["正月初一"] >= D(year, 1, 21));
    CHECK(by["正月初一"] <= D(year, 2, 20));
    CHECK(by["清明"] >= D(year, 4, 4));
    CHECK(by["清明"] <= D(year, 4, 5));
    CHECK(by["五月初五"] >= D(year, 5, 27));
    CHECK(by["五月初五"] <= D(year, 6, 25));
    CHECK(by["八月十五"] >= D(year, 9, 7));
    CHECK(by["八月十五"] <= D(year, 10, 7));
    if (by["八月十五"] >= D(year, 10, 1) && by["八月十五"] <= D(year, 10, 3)) ++shared_with_national_day;
    absl::StatusOr<v1::CalendarYear> p = ProvisionalYear(year);
    REQUIRE(p.ok());
    CHECK(p->make_up_days_size() == 0);
    CHECK(ValidateOfficialYear(*p, year).ok());
    provisional.emplace_back(absl::StrCat("provisional ", year), *p);
  }
  absl::StatusOr<WorkingCalendar> cal = WorkingCalendar::FromYears({}, provisional);
  REQUIRE(cal.ok());
  CHECK(cal->provisional_years().size() == 76);
  // 2028, 2031, 2039 (as the Debian `lunar` tool's tables also have them),
  // 2058, 2066, 2077, 2085.
  CHECK(shared_with_national_day == 7);
}

TEST_CASE("a day that is both 中秋节 and 国庆节 is one holiday named by both") {
  const std::vector<StatutoryDay> days = Days(2028);
  REQUIRE(days.size() == 13);
  std::set<D> distinct;
  for (const StatutoryDay& d : days) distinct.insert(d.day);
  CHECK(distinct.size() == 12);
  absl::StatusOr<v1::CalendarYear> y2028 = ProvisionalYear(2028);
  REQUIRE(y2028.ok());
  // 元旦, 春节, 清明节, 劳动节, 端午节, then these two.
  REQUIRE(y2028->holidays_size() == 7);
  CHECK(y2028->holidays(5).name() == "国庆节");
  CHECK(y2028->holidays(5).first() == "2028-10-01");
  CHECK(y2028->holidays(5).last() == "2028-10-02");
  CHECK(y2028->holidays(6).name() == "中秋节、国庆节");
  CHECK(y2028->holidays(6).first() == "2028-10-03");
  CHECK(y2028->holidays(6).last() == "2028-10-03");
}

TEST_CASE("a year outside the rules is refused") {
  CHECK(absl::IsInvalidArgument(StatutoryDays(2024).status()));
  CHECK(absl::IsInvalidArgument(StatutoryDays(2101).status()));
  CHECK(absl::IsInvalidArgument(ProvisionalYear(2024).status()));
  CHECK(absl::StrContains(StatutoryDays(2024).status().message(), "2024"));
}

TEST_CASE("ProvisionalYear(2027) joins the official years in one calendar") {
  absl::StatusOr<v1::CalendarYear> y2027 = ProvisionalYear(2027);
  REQUIRE(y2027.ok());
  CHECK(y2027->year() == 2027);
  CHECK(absl::StartsWith(y2027->source(), "provisional"));
  CHECK(y2027->make_up_days_size() == 0);
  // 春节 2027 hangs on a new moon at 23:56: the year says so, for operators.
  CHECK(absl::StrContains(y2027->source(), "near midnight"));
  CHECK(absl::StrContains(y2027->source(), "2027-02-05 春节"));
  CHECK(absl::StrContains(y2027->source(), "23:56"));
  CHECK_FALSE(absl::StrContains(ProvisionalYear(2026)->source(), "near midnight"));
  // Runs of one name are one entry.
  const v1::CalendarYear expected = Parse(R"(
      holidays { name: "元旦" first: "2027-01-01" last: "2027-01-01" }
      holidays { name: "春节" first: "2027-02-05" last: "2027-02-08" }
      holidays { name: "清明节" first: "2027-04-05" last: "2027-04-05" }
      holidays { name: "劳动节" first: "2027-05-01" last: "2027-05-02" }
      holidays { name: "端午节" first: "2027-06-09" last: "2027-06-09" }
      holidays { name: "中秋节" first: "2027-09-15" last: "2027-09-15" }
      holidays { name: "国庆节" first: "2027-10-01" last: "2027-10-03" })");
  REQUIRE(y2027->holidays_size() == expected.holidays_size());
  for (int i = 0; i < expected.holidays_size(); ++i) {
    CHECK(y2027->holidays(i).SerializeAsString() == expected.holidays(i).SerializeAsString());
  }

  absl::StatusOr<WorkingCalendar> cal = WorkingCalendar::FromYears(
      {{"2025.textproto", ReadYear(2025)}, {"2026.textproto", ReadYear(2026)}}, {{"provisional 2027", *y2027}});
  REQUIRE(cal.ok());
  CHECK(cal->IsProvisional(2027));
  CHECK_FALSE(cal->IsProvisional(2026));
  CHECK(*cal->IsWorkingDay(D(2027, 2, 5)) == false);  // 除夕, a Friday
  CHECK(*cal->IsWorkingDay(D(2027, 2, 9)) == true);   // Tuesday after 初三
  CHECK(*cal->IsWorkingDay(D(2027, 1, 1)) == false);
  CHECK(*cal->IsWorkingDay(D(2027, 1, 4)) == true);
  CHECK(cal->HolidayName(D(2027, 2, 6)) == "春节");
  // Thu 2026-12-24 10:00 + 10 working days: 12-25, 28, 29, 30, 31, (01-01 off)
  // 01-04 .. 01-08.
  absl::StatusOr<absl::Time> due = cal->AddWorkingDays(Local(2026, 12, 24, 10), 10);
  REQUIRE(due.ok());
  CHECK(*due == Local(2027, 1, 8, 10));
  CHECK(cal->TouchesProvisional(Local(2026, 12, 24, 10), *due));
}

TEST_CASE("an official schedule is checked before it is loaded") {
  CHECK(ValidateOfficialYear(ReadYear(2026), 2026).ok());
  CHECK(ValidateOfficialYear(ReadYear(2025), 2025).ok());

  auto refusal = [](const std::string& text, int year) {
    absl::Status s = ValidateOfficialYear(Parse(text), year);
    CHECK(absl::IsInvalidArgument(s));
    return std::string(s.message());
  };
  // A draft of 2027 as a calendar with ICU's 正月初一 (7 February) would give.
  const std::string rest = R"(
      holidays { name: "元旦" first: "2027-01-01" last: "2027-01-03" }
      holidays { name: "清明节" first: "2027-04-03" last: "2027-04-05" }
      holidays { name: "劳动节" first: "2027-05-01" last: "2027-05-05" }
      holidays { name: "端午节" first: "2027-06-09" last: "2027-06-11" }
      holidays { name: "中秋节" first: "2027-09-15" last: "2027-09-17" }
      holidays { name: "国庆节" first: "2027-10-01" last: "2027-10-07" })";
  CHECK(ValidateOfficialYear(Parse("year: 2027 holidays { name: \"春节\" first: \"2027-02-05\" last: \"2027-02-11\" }" + rest), 2027).ok());
  CHECK(refusal("year: 2027 holidays { name: \"春节\" first: \"2027-02-06\" last: \"2027-02-12\" }" + rest, 2027) ==
        "holidays: statutory day 2027-02-05 (春节, 除夕) is not off");
  CHECK(refusal("year: 2027 holidays { name: \"春节\" first: \"2027-02-05\" last: \"2027-02-11\" }", 2027) ==
        "holidays: statutory day 2027-01-01 (元旦, 1月1日) is not off");

  const std::string spring = "year: 2027 holidays { name: \"春节\" first: \"2027-02-05\" last: \"2027-02-11\" }";
  CHECK(ValidateOfficialYear(ReadYear(2026), 2027).message() == "year: 2026 does not match 2027");
  CHECK(refusal(spring + R"( make_up_days { date: "2027-01-30" } make_up_days { date: "2027-02-20" }
                              make_up_days { date: "2027-02-10" })", 2027) ==
        "make_up_days[2]: date: 2027-02-10 is a Wednesday; make-up days fall on weekends");
  CHECK(refusal(spring + R"( make_up_days { date: "2027-02-06" })", 2027) ==
        "make_up_days[0]: date: 2027-02-06 is also a holiday (holidays[0])");
  CHECK(refusal(spring + R"( make_up_days { date: "2027-02-20" } make_up_days { date: "2027-02-20" })", 2027) ==
        "make_up_days[1]: date: 2027-02-20 is given twice (also in make_up_days[0])");
  CHECK(refusal(spring + R"( holidays { name: "x" first: "2027-02-11" last: "2027-02-12" })", 2027) ==
        "holidays[1]: 2027-02-11 is given twice (also in holidays[0])");
  CHECK(refusal(spring + R"( holidays { name: "x" first: "2027-02-29" last: "2027-03-01" })", 2027) ==
        "holidays[1]: first: \"2027-02-29\" is not a date YYYY-MM-DD of 2027");
  CHECK(refusal(spring + R"( holidays { name: "x" first: "2027-12-31" last: "2028-01-01" })", 2027) ==
        "holidays[1]: last: \"2028-01-01\" is not a date YYYY-MM-DD of 2027");
  CHECK(refusal(spring + R"( holidays { name: "x" first: "2027-10-03" last: "2027-10-01" })", 2027) ==
        "holidays[1]: last: 2027-10-01 is before first 2027-10-03");
  CHECK(refusal(spring + R"( holidays { first: "2027-10-01" last: "2027-10-01" })", 2027) ==
        "holidays[1]: name: is required");
  CHECK(refusal(spring + R"( make_up_days { date: "2026-12-26" })", 2027) ==
        "make_up_days[0]: date: \"2026-12-26\" is not a date YYYY-MM-DD of 2027");
  CHECK(absl::StrContains(refusal("year: 2024", 2024), "outside 2025..2100"));
}

TEST_CASE("computing a year's statutory days takes a few milliseconds") {
  constexpr int kYears = 10;
  const std::clock_t cpu_start = std::clock();
  const auto start = std::chrono::steady_clock::now();
  for (int year = 2031; year < 2031 + kYears; ++year) REQUIRE(StatutoryDays(year).ok());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / kYears;
  const double cpu_ms = (std::clock() - cpu_start) * 1000.0 / CLOCKS_PER_SEC / kYears;
  WARN("StatutoryDays(year): " << ms << " ms a year, " << cpu_ms << " ms of CPU (mean of " << kYears
                               << " years)");
  // About 12 ms of CPU; the bound only catches a runaway root finder, not a
  // loaded machine.
  CHECK(ms < 250);
}

}  // namespace
}  // namespace hotline::calendar
