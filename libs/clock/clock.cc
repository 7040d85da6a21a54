#include "clock/clock.h"

#include <atomic>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace hotline {

SystemClock& SystemClock::Get() {
  static SystemClock clock;
  return clock;
}

namespace {
// Each city set is kept for ever (a `city load` is rare): a reader holding
// City()'s reference, or a string of it, never sees it freed or changed.
// The ones no longer in force stay on a list, reachable (not leaked).
std::atomic<const CityConstants*>& InForce() {
  static std::atomic<const CityConstants*> city{new CityConstants()};
  return city;
}
ABSL_CONST_INIT absl::Mutex replaced_mu(absl::kConstInit);
std::vector<const CityConstants*>& Replaced() {
  static auto* replaced = new std::vector<const CityConstants*>();
  return *replaced;
}
}  // namespace

const CityConstants& City() { return *InForce().load(std::memory_order_acquire); }
void SetCity(CityConstants city) {
  const CityConstants* before = InForce().exchange(new CityConstants(std::move(city)), std::memory_order_acq_rel);
  absl::MutexLock lock(&replaced_mu);
  Replaced().push_back(before);
}

}  // namespace hotline
