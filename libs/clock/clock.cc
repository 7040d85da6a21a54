#include "clock/clock.h"

namespace hotline {

SystemClock& SystemClock::Get() {
  static SystemClock clock;
  return clock;
}

absl::TimeZone CityTimeZone() { return absl::FixedTimeZone(8 * 60 * 60); }

}  // namespace hotline
