#pragma once
// The statutory holidays of the national rules (全国年节及纪念日放假办法 as
// amended in November 2024, in force from 2025): 13 days a year, derived
// from the rules, never from a table. What a year's schedule adds to them
// (bridging days, make-up working days) is published, not derived; until it
// is, a year is provisional: weekends plus these days (ProvisionalYear).
//
//   元旦    January 1
//   春节    农历除夕 and 正月初一, 初二, 初三
//   清明节  the day of the solar term 清明 (the Sun at 15°)
//   劳动节  May 1 and 2
//   端午节  农历五月初五
//   中秋节  农历八月十五
//   国庆节  October 1, 2 and 3
//
// Lunar dates follow GB/T 33661-2017 (lunisolar.h): a month begins on the
// Beijing-time day that holds the new moon. Pure functions, thread-safe.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "hotline/v1/sla.pb.h"

namespace hotline::calendar {

// The years the rules of 13 days cover here.
inline constexpr int kFirstStatutoryYear = 2025;
inline constexpr int kLastStatutoryYear = 2100;

struct StatutoryDay {
  absl::CivilDay day;
  std::string name;    // 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节
  std::string detail;  // which day by the rule: 除夕, 正月初一, 清明, 五月初五, 10月2日, ...
  // The new moon or solar term that decided the day (or one that numbers its
  // lunar month) fell within 10 minutes of midnight, Beijing time: the
  // date is as computed, but ΔT (unknown for future years) or an ephemeris
  // revision could move it. Such a day deserves a look at the published
  // schedule.
  bool near_midnight = false;
  std::string basis;  // e.g. "new moon 2027-02-06 23:56 CST begins 正月"
};

// The 13 days of `year`, ascending by day (two names may share a day: 中秋节
// can fall on 国庆节). INVALID_ARGUMENT outside 2025..2100.
absl::StatusOr<std::vector<StatutoryDay>> StatutoryDays(int year);

// `year` known only by the rules: its statutory days as holidays (one entry
// per run of consecutive days of one name), no make-up days.
absl::StatusOr<v1::CalendarYear> ProvisionalYear(int year);

// Checks an official schedule an operator loads for `expected_year`: the
// year matches, every date parses and lies in that year, no date is given
// twice (holidays and make-up days together), make-up days fall on weekends,
// and every statutory day of the year is off. INVALID_ARGUMENT naming the
// field and the date, e.g.
//   "holidays: statutory day 2027-02-05 (春节, 除夕) is not off".
absl::Status ValidateOfficialYear(const v1::CalendarYear& year, int expected_year);

}  // namespace hotline::calendar
