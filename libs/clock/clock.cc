#include "clock/clock.h"

#include <atomic>
#include <utility>

namespace hotline {

SystemClock& SystemClock::Get() {
  static SystemClock clock;
  return clock;
}

namespace {
// Each city set is kept for ever (a `city load` is rare): a reader holding
// City()'s reference, or a string of it, never sees it freed or changed.
std::atomic<const CityConstants*>& InForce() {
  static std::atomic<const CityConstants*> city{new CityConstants()};
  return city;
}
}  // namespace

const CityConstants& City() { return *InForce().load(std::memory_order_acquire); }
void SetCity(CityConstants city) {
  InForce().store(new CityConstants(std::move(city)), std::memory_order_release);
}

}  // namespace hotline
