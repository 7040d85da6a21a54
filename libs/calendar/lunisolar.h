#pragma once
// The Chinese lunisolar calendar as GB/T 33661-2017 defines it, computed from
// an ephemeris (libnova 0.16: VSOP87 Sun, ELP 2000-82B Moon), never from a
// table:
//  - a month begins on the Beijing-time day (UTC+8) that holds the new moon
//    (the Sun and the Moon at the same apparent ecliptic longitude);
//  - the month holding the winter solstice (冬至, the Sun at 270°) is month 11;
//  - in a suì (month 11 to the next month 11) of 13 months, the first month
//    holding no major solar term (中气, the Sun at a multiple of 30°) is the
//    leap month and repeats the number of the month before it.
//
// Moments are found by root finding on the apparent longitudes and turned
// from Terrestrial Time into UTC with a ΔT model (libnova's own ΔT is a
// minute off for these years; see DeltaTSeconds).
//
// Thread-safe: libnova keeps caches in globals, so every call into it holds
// one lock.
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace hotline::calendar {

// Beijing time, the calendar's civil time: UTC+8 all year (GB/T 33661).
absl::TimeZone BeijingTime();

// Julian Ephemeris Day (TT) <-> an instant (UTC; UT1 and UTC differ by < 1 s).
absl::Time TimeFromJde(double jde);
double JdeFromTime(absl::Time t);

// TT - UT in seconds at a Julian Ephemeris Day: observed 69.1 s at 2025.0,
// then the trend of Espenak & Meeus (NASA's Five Millennium Canon) from
// there. Beyond 2025 it is a prediction, good to a minute or two by 2100.
double DeltaTSeconds(double jde);

// Apparent geocentric ecliptic longitude of date, degrees in [0, 360).
double SunApparentLongitude(double jde);
double MoonApparentLongitude(double jde);

// The moment the Sun's apparent longitude reaches `longitude` (a multiple of
// 15°: a solar term) in the Gregorian year `year` (Beijing time).
absl::StatusOr<absl::Time> SolarTermMoment(int year, int longitude);

// The new moon of lunation `k`: k = 0 is the one of 2000-01-06; each new
// moon is the one nearest its mean time.
absl::StatusOr<absl::Time> NewMoon(int k);
// The lunation whose mean new moon is the last at or before `t`.
int LunationBefore(absl::Time t);

// The events that number the months of one suì: the one from month 11 of
// year-1 (holding 冬至 of year-1) to the month before the next month 11
// (holding 冬至 of year). Months 1..10 of the lunar year that starts in
// `year` all lie in it.
struct SuiEvents {
  // New moons from the one that begins month 11 of year-1 to the first one
  // after 冬至 of `year`, consecutive.
  std::vector<absl::Time> new_moons;
  absl::Time solstice_before;         // 冬至 of year-1
  absl::Time solstice;                // 冬至 of year
  std::vector<absl::Time> major_terms;  // the 11 中气 between: 300°, 330°, 0°, ... 240°
};
absl::StatusOr<SuiEvents> ComputeSuiEvents(int year);

// The same, as Beijing-time days: all that the month numbering looks at.
struct SuiDays {
  std::vector<absl::CivilDay> new_moons;
  absl::CivilDay solstice_before;
  absl::CivilDay solstice;
  std::vector<absl::CivilDay> major_terms;
};
SuiDays ToDays(const SuiEvents& events);

struct LunarMonth {
  int number = 0;  // 1..12
  bool leap = false;
  absl::CivilDay first_day;  // 初一
  absl::CivilDay next_first_day;  // 初一 of the month after
  int new_moon = 0;  // index in SuiDays::new_moons of the one that begins it
};
// The months of the suì, from month 11 of year-1 on, numbered (a pure
// function of the days). INTERNAL if the days make no 12- or 13-month suì.
absl::StatusOr<std::vector<LunarMonth>> NumberMonths(const SuiDays& days);

}  // namespace hotline::calendar
