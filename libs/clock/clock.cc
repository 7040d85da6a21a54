#include "clock/clock.h"

namespace hotline {

SystemClock& SystemClock::Get() {
  static SystemClock clock;
  return clock;
}

namespace {
absl::TimeZone& Zone() {
  static absl::TimeZone zone = absl::FixedTimeZone(8 * 60 * 60);
  return zone;
}
}  // namespace

absl::TimeZone CityTimeZone() { return Zone(); }
void SetCityTimeZone(absl::TimeZone zone) { Zone() = zone; }

}  // namespace hotline
