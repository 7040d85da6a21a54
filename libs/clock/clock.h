#pragma once
// Time is injected: domain code asks a Clock, tests use FakeClock and never
// sleep to reach a deadline.
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace hotline {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The real wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  static SystemClock& Get();
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_;
};

// The city's time zone: order numbers and "today" are local days there. The
// city profile (data/city.textproto) sets it at start-up; until then it is
// UTC+8 (Asia/Shanghai has had no daylight saving since 1991), which is also
// what tools that read no profile (the CLI) show.
absl::TimeZone CityTimeZone();
// Called once from main(), before any other thread reads the zone.
void SetCityTimeZone(absl::TimeZone zone);

}  // namespace hotline
