#pragma once
// The city clock: the time every service reads. In production it is the wall
// clock. For the demo and end-to-end tests it can be set to start at another
// moment and run faster, so that a deadline two working days away falls due
// within minutes without changing the real policies:
//
//   city time = start + (wall time - anchor) * rate
//
// All services of one city must be given the same start, anchor and rate
// (tools/run.sh and the test harness export HOTLINE_CLOCK_*), so they agree
// on "now". Flags (environment fallbacks):
//   --clock_start  HOTLINE_CLOCK_START   city time at the anchor, RFC 3339
//                                        (e.g. 2026-10-01T22:59:00+08:00);
//                                        "" = the wall clock (default)
//   --clock_anchor HOTLINE_CLOCK_ANCHOR  wall time the start refers to, Unix
//                                        seconds; 0 = when the process starts
//   --clock_rate   HOTLINE_CLOCK_RATE    city seconds per wall second (default 1)
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "clock/clock.h"
#include "config/flags.h"

namespace hotline {

// A clock that runs `rate` times as fast as the wall clock from `anchor`,
// where it reads `start`. Thread-safe.
class ScaledClock final : public Clock {
 public:
  ScaledClock(absl::Time start, absl::Time anchor, double rate) : start_(start), anchor_(anchor), rate_(rate) {}
  absl::Time Now() const override { return start_ + (absl::Now() - anchor_) * rate_; }
  double rate() const { return rate_; }

 private:
  absl::Time start_, anchor_;
  double rate_;
};

struct CityClockFlags {
  std::string start;
  int anchor_unix = 0;
  std::string rate = "1";
};

void AddCityClockFlags(config::Flags& flags, CityClockFlags* out);
// The clock the flags describe (the wall clock when they are at their
// defaults); INVALID_ARGUMENT naming the bad flag.
absl::StatusOr<std::unique_ptr<Clock>> MakeCityClock(const CityClockFlags& flags);

}  // namespace hotline
