#include "clock/clock.h"

#include <utility>

namespace hotline {

SystemClock& SystemClock::Get() {
  static SystemClock clock;
  return clock;
}

namespace {
CityConstants& InForce() {
  static CityConstants city;
  return city;
}
}  // namespace

const CityConstants& City() { return InForce(); }
void SetCity(CityConstants city) { InForce() = std::move(city); }

}  // namespace hotline
