#include "clock/city_clock.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hotline {
namespace {

// The wall clock, owned (SystemClock::Get() is a shared singleton).
class WallClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

void AddCityClockFlags(config::Flags& flags, CityClockFlags* out) {
  flags.String("clock_start", "HOTLINE_CLOCK_START",
               "city time at the anchor, RFC 3339; empty: the wall clock (demo and tests only)", &out->start);
  flags.Int("clock_anchor", "HOTLINE_CLOCK_ANCHOR",
            "wall time (Unix seconds) at which the city clock reads clock_start; 0: process start",
            &out->anchor_unix);
  flags.String("clock_rate", "HOTLINE_CLOCK_RATE", "city seconds per wall second (demo and tests only)",
               &out->rate);
}

absl::StatusOr<std::unique_ptr<Clock>> MakeCityClock(const CityClockFlags& flags) {
  double rate = 1;
  if (!absl::SimpleAtod(flags.rate, &rate) || rate <= 0 || rate > 100000) {
    return absl::InvalidArgumentError(
        absl::StrCat("clock_rate: \"", flags.rate, "\" is not a number of city seconds per second (0 < rate <= 100000)"));
  }
  if (flags.start.empty() && rate == 1) return std::unique_ptr<Clock>(new WallClock());
  const absl::Time anchor = flags.anchor_unix > 0 ? absl::FromUnixSeconds(flags.anchor_unix) : absl::Now();
  absl::Time start = anchor;
  std::string error;
  if (!flags.start.empty() && !absl::ParseTime(absl::RFC3339_full, flags.start, &start, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("clock_start: \"", flags.start, "\" is not an RFC 3339 time (", error, ")"));
  }
  return std::unique_ptr<Clock>(new ScaledClock(start, anchor, rate));
}

}  // namespace hotline
