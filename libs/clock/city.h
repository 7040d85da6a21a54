#pragma once
// The city this process serves: its time zone (order numbers, "today",
// working days and the times people read are local there), its order-number
// prefix and its centre's unit code. The only place code reads them from;
// the values come from the city profile (hotline.v1.CityProfile, `city`
// reference data, seeded from data/city.textproto), never from code:
//   - services: at start and at each `city load` (refdata::MakeLiveCity);
//   - tools: Redis's version in force, else data/ (refdata::AdoptInForce);
//   - tests: tests/support/test_main.cc, from the repository's data/.
// Until set, the zone is UTC and the prefix and centre are empty: a process
// that forgot to adopt its city shows UTC times and numbers no orders, rather
// than silently using another city's constants.
//
// Thread-safe: SetCity may run while others read. Each City() is one whole,
// immutable city that is never freed (a few per year), so references last.
#include <string>

#include "absl/time/time.h"

namespace hotline {

struct CityConstants {
  absl::TimeZone time_zone = absl::UTCTimeZone();
  std::string order_prefix;      // two capital letters
  std::string centre_unit_code;  // the directory's centre
};

const CityConstants& City();
void SetCity(CityConstants city);

inline absl::TimeZone CityTimeZone() { return City().time_zone; }
inline const std::string& CityOrderPrefix() { return City().order_prefix; }
inline const std::string& CityCentreCode() { return City().centre_unit_code; }

}  // namespace hotline
