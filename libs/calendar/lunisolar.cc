#include "calendar/lunisolar.h"

#include <libnova/lunar.h>
#include <libnova/nutation.h>
#include <libnova/solar.h>

#include <cmath>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hotline::calendar {
namespace {

constexpr double kJ2000 = 2451545.0;
constexpr double kUnixEpochJd = 2440587.5;
constexpr double kSynodicMonth = 29.530588861;  // days, mean
constexpr double kTropicalYear = 365.242374;    // days, mean
constexpr double kDegree = M_PI / 180.0;
constexpr double kArcsec = kDegree / 3600.0;

// ELP 2000-82B terms below this amplitude (radians, about 0.01") are left
// out: that costs under 0.3" (0.6 s of a new moon), far inside the ΔT
// uncertainty, and saves nine tenths of the time. (libnova reads a precision
// above 0.01 as 0.01.)
constexpr double kLunarPrecision = 5e-8;

// libnova caches its last results in unguarded globals.
std::mutex& NovaMutex() {
  static std::mutex mu;
  return mu;
}

double Wrap360(double deg) {
  deg = std::fmod(deg, 360.0);
  return deg < 0 ? deg + 360.0 : deg;
}

// In (-180, 180].
double Wrap180(double deg) {
  deg = Wrap360(deg);
  return deg > 180.0 ? deg - 360.0 : deg;
}

// libnova's VSOP87 (series B) and ELP 2000-82B positions are referred to the
// mean ecliptic and equinox of J2000; the calendar wants longitudes of date.
// Ecliptic precession from J2000 (Meeus, Astronomical Algorithms, 21.5-21.7).
void PrecessFromJ2000(double jde, double* lng_deg, double* lat_deg) {
  const double t = (jde - kJ2000) / 36525.0;
  const double eta = (47.0029 * t - 0.03302 * t * t + 0.000060 * t * t * t) * kArcsec;
  const double pi = 174.876384 * kDegree - (869.8089 * t - 0.03536 * t * t) * kArcsec;
  const double p = (5029.0966 * t + 1.11113 * t * t - 0.000006 * t * t * t) * kArcsec;
  const double l0 = *lng_deg * kDegree;
  const double b0 = *lat_deg * kDegree;
  const double a = std::cos(eta) * std::cos(b0) * std::sin(pi - l0) - std::sin(eta) * std::sin(b0);
  const double b = std::cos(b0) * std::cos(pi - l0);
  const double c = std::cos(eta) * std::sin(b0) + std::sin(eta) * std::cos(b0) * std::sin(pi - l0);
  *lng_deg = Wrap360((p + pi - std::atan2(a, b)) / kDegree);
  *lat_deg = std::asin(c) / kDegree;
}

// Espenak & Meeus' ΔT polynomials (2005-2050 and 2050-2150).
double EspenakMeeus(double year) {
  if (year < 2050) {
    const double t = year - 2000;
    return 62.92 + 0.32217 * t + 0.005589 * t * t;
  }
  const double u = (year - 1820) / 100;
  return -20 + 32 * u * u - 0.5628 * (2150 - year);
}

// Secant iteration for f(x) = 0 near x0, where f is an angle difference in
// degrees wrapped to (-180, 180] that rises at about `rate` degrees a day.
// Converges in a handful of steps from a guess within a day or so.
std::optional<double> FindRoot(double (*f)(double, double), double target, double x0, double rate) {
  // Days (0.9 s); the last step's own error is far smaller.
  constexpr double kTolerance = 1e-5;
  double f0 = f(x0, target);
  double x1 = x0 - f0 / rate;
  for (int i = 0; i < 20; ++i) {
    const double f1 = f(x1, target);
    if (f1 == f0) return x1;
    const double x2 = x1 - f1 * (x1 - x0) / (f1 - f0);
    x0 = x1;
    f0 = f1;
    x1 = x2;
    if (std::abs(x1 - x0) < kTolerance) return x1;
  }
  return std::nullopt;
}

double SunOffset(double jde, double target) { return Wrap180(SunApparentLongitude(jde) - target); }
double Elongation(double jde, double /*unused*/) {
  return Wrap180(MoonApparentLongitude(jde) - SunApparentLongitude(jde));
}

// Whether `day` lies in the month [first, next).
bool InMonth(absl::CivilDay day, absl::CivilDay first, absl::CivilDay next) { return first <= day && day < next; }

}  // namespace

absl::TimeZone BeijingTime() {
  static const absl::TimeZone tz = absl::FixedTimeZone(8 * 3600);
  return tz;
}

double DeltaTSeconds(double jde) {
  // Observed (IERS): TT - UT1 = 69.1 s at 2025.0, and within 0.3 s of it since 2018.
  constexpr double kObserved2025 = 69.1;
  const double year = 2000.0 + (jde - kJ2000) / 365.25;
  if (year <= 2025.0) return kObserved2025;
  // The Earth sped up after 2016 and the polynomial sits 5 s above the
  // observation at 2025: keep its rise, not its level.
  return kObserved2025 + EspenakMeeus(year) - EspenakMeeus(2025.0);
}

absl::Time TimeFromJde(double jde) {
  const double jd_ut = jde - DeltaTSeconds(jde) / 86400.0;
  return absl::UnixEpoch() + absl::Seconds((jd_ut - kUnixEpochJd) * 86400.0);
}

double JdeFromTime(absl::Time t) {
  const double jd_ut = kUnixEpochJd + absl::ToDoubleSeconds(t - absl::UnixEpoch()) / 86400.0;
  return jd_ut + DeltaTSeconds(jd_ut) / 86400.0;
}

double SunApparentLongitude(double jde) {
  ln_helio_posn sun;
  ln_nutation nutation;
  {
    std::lock_guard<std::mutex> lock(NovaMutex());
    ln_get_solar_geom_coords(jde, &sun);
    ln_get_nutation(jde, &nutation);
  }
  double lng = sun.L, lat = sun.B;
  PrecessFromJ2000(jde, &lng, &lat);
  // Aberration, written out: libnova 0.16's solar functions scale it by
  // 1/1296000 instead of 1/3600 (20" becomes 0.06", 40 s of a solar term).
  return Wrap360(lng + nutation.longitude - 20.4898 / 3600.0 / sun.R);
}

double MoonApparentLongitude(double jde) {
  ln_lnlat_posn moon;
  ln_nutation nutation;
  {
    std::lock_guard<std::mutex> lock(NovaMutex());
    ln_get_lunar_ecl_coords(jde, &moon, kLunarPrecision);
    ln_get_nutation(jde, &nutation);
  }
  double lng = moon.lng, lat = moon.lat;
  PrecessFromJ2000(jde, &lng, &lat);
  // ELP gives the geometric Moon; light takes 1.3 s, in which it moves 0.7".
  return Wrap360(lng + nutation.longitude - 0.7 / 3600.0);
}

absl::StatusOr<absl::Time> SolarTermMoment(int year, int longitude) {
  if (longitude < 0 || longitude >= 360 || longitude % 15 != 0) {
    return absl::InvalidArgumentError(absl::StrCat("longitude: ", longitude, " is not a solar term (0, 15, ... 345)"));
  }
  // Mean March equinox of `year` (Meeus table 27.C, linear part), then the
  // mean motion; terms from 285° (小寒, early January) on fall in January to
  // March, before that year's equinox.
  double guess = 2451623.80984 + kTropicalYear * (year - 2000) + kTropicalYear * longitude / 360.0;
  if (longitude >= 285) guess -= kTropicalYear;
  std::optional<double> jde = FindRoot(&SunOffset, longitude, guess, 0.9856);
  if (!jde || std::abs(*jde - guess) > 5) {
    return absl::InternalError(absl::StrCat("lunisolar: the Sun at ", longitude, "° in ", year, " not found"));
  }
  const absl::Time t = TimeFromJde(*jde);
  if (absl::ToCivilDay(t, BeijingTime()).year() != year) {
    return absl::InternalError(absl::StrCat("lunisolar: the Sun at ", longitude, "° falls outside ", year));
  }
  return t;
}

int LunationBefore(absl::Time t) {
  return static_cast<int>(std::floor((JdeFromTime(t) - 2451550.09766) / kSynodicMonth));
}

absl::StatusOr<absl::Time> NewMoon(int k) {
  // Mean new moon (Meeus 49.1) with the two largest periodic terms (the
  // Moon's and the Sun's equations of centre): a guess within two hours.
  const double mean = 2451550.09766 + kSynodicMonth * k;
  const double sun_anomaly = (2.5534 + 29.10535670 * k) * kDegree;
  const double moon_anomaly = (201.5643 + 385.81693528 * k) * kDegree;
  const double guess = mean - 0.40720 * std::sin(moon_anomaly) + 0.17241 * std::sin(sun_anomaly);
  std::optional<double> jde = FindRoot(&Elongation, 0, guess, 12.19);
  if (!jde || std::abs(*jde - guess) > 1) {
    return absl::InternalError(absl::StrCat("lunisolar: new moon of lunation ", k, " not found"));
  }
  return TimeFromJde(*jde);
}

absl::StatusOr<SuiEvents> ComputeSuiEvents(int year) {
  SuiEvents ev;
  absl::StatusOr<absl::Time> before = SolarTermMoment(year - 1, 270);
  if (!before.ok()) return before.status();
  absl::StatusOr<absl::Time> solstice = SolarTermMoment(year, 270);
  if (!solstice.ok()) return solstice.status();
  ev.solstice_before = *before;
  ev.solstice = *solstice;
  for (int lng = 300; lng != 270; lng = (lng + 30) % 360) {
    absl::StatusOr<absl::Time> term = SolarTermMoment(year, lng);
    if (!term.ok()) return term.status();
    ev.major_terms.push_back(*term);
  }
  const absl::TimeZone tz = BeijingTime();
  const absl::CivilDay first_solstice_day = absl::ToCivilDay(ev.solstice_before, tz);
  const absl::CivilDay solstice_day = absl::ToCivilDay(ev.solstice, tz);
  // Start a lunation early and drop new moons before month 11's.
  int k = LunationBefore(ev.solstice_before) - 1;
  std::vector<absl::Time> moons;
  for (;; ++k) {
    absl::StatusOr<absl::Time> moon = NewMoon(k);
    if (!moon.ok()) return moon.status();
    moons.push_back(*moon);
    if (absl::ToCivilDay(*moon, tz) > solstice_day) break;
    if (moons.size() > 20) return absl::InternalError("lunisolar: too many new moons in a suì");
  }
  size_t first = 0;
  while (first + 1 < moons.size() && absl::ToCivilDay(moons[first + 1], tz) <= first_solstice_day) ++first;
  if (absl::ToCivilDay(moons[first], tz) > first_solstice_day) {
    return absl::InternalError(absl::StrCat("lunisolar: no new moon before 冬至 ", year - 1));
  }
  ev.new_moons.assign(moons.begin() + first, moons.end());
  return ev;
}

SuiDays ToDays(const SuiEvents& events) {
  const absl::TimeZone tz = BeijingTime();
  SuiDays days;
  for (absl::Time t : events.new_moons) days.new_moons.push_back(absl::ToCivilDay(t, tz));
  days.solstice_before = absl::ToCivilDay(events.solstice_before, tz);
  days.solstice = absl::ToCivilDay(events.solstice, tz);
  for (absl::Time t : events.major_terms) days.major_terms.push_back(absl::ToCivilDay(t, tz));
  return days;
}

absl::StatusOr<std::vector<LunarMonth>> NumberMonths(const SuiDays& days) {
  const std::vector<absl::CivilDay>& moons = days.new_moons;
  // Month i spans [moons[i], moons[i + 1]).
  auto holding = [&](absl::CivilDay day) -> int {
    for (size_t i = 0; i + 1 < moons.size(); ++i) {
      if (InMonth(day, moons[i], moons[i + 1])) return static_cast<int>(i);
    }
    return -1;
  };
  const int first = holding(days.solstice_before);
  const int next = holding(days.solstice);
  if (first < 0 || next < 0 || (next - first != 12 && next - first != 13)) {
    return absl::InternalError(absl::StrFormat(
        "lunisolar: the new moons from %s make no suì of 12 or 13 months between 冬至 %s and %s",
        absl::FormatCivilTime(moons.empty() ? absl::CivilDay() : moons.front()),
        absl::FormatCivilTime(days.solstice_before), absl::FormatCivilTime(days.solstice)));
  }
  int leap = -1;
  if (next - first == 13) {
    for (int i = first + 1; i < next && leap < 0; ++i) {
      bool has_major_term = false;
      for (absl::CivilDay term : days.major_terms) has_major_term |= InMonth(term, moons[i], moons[i + 1]);
      if (!has_major_term) leap = i;
    }
    if (leap < 0) return absl::InternalError("lunisolar: a 13-month suì without a month lacking a 中气");
  }
  std::vector<LunarMonth> months;
  int number = 11;
  for (int i = first; i < next; ++i) {
    LunarMonth m;
    if (i != first && i != leap) number = number % 12 + 1;
    m.number = number;
    m.leap = i == leap;
    m.first_day = moons[i];
    m.next_first_day = moons[i + 1];
    m.new_moon = i;
    months.push_back(m);
  }
  return months;
}

}  // namespace hotline::calendar
