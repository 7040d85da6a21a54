// The city clock every service reads: the wall clock by default, or a clock
// that starts elsewhere and runs faster (demo, end-to-end tests).
#include <catch2/catch.hpp>

#include "clock/city_clock.h"

namespace hotline {
namespace {

TEST_CASE("a scaled clock runs from its start at its rate") {
  const absl::Time anchor = absl::Now() - absl::Seconds(10);
  const absl::Time start = absl::FromCivil(absl::CivilSecond(2026, 10, 1, 22, 59, 0), CityTimeZone());
  ScaledClock clock(start, anchor, 600);
  const absl::Duration ran = clock.Now() - start;
  // Ten wall seconds (and a little) at 600x: 100 city minutes and a little.
  CHECK(ran >= absl::Minutes(100));
  CHECK(ran < absl::Minutes(110));
}

TEST_CASE("city clock flags: defaults give the wall clock, bad values name the flag") {
  absl::StatusOr<std::unique_ptr<Clock>> wall = MakeCityClock({});
  REQUIRE(wall.ok());
  CHECK(absl::AbsDuration((*wall)->Now() - absl::Now()) < absl::Seconds(1));
  absl::StatusOr<std::unique_ptr<Clock>> demo =
      MakeCityClock({.start = "2026-09-14T08:30:00+08:00", .anchor_unix = 0, .rate = "60"});
  REQUIRE(demo.ok());
  CHECK(absl::FormatTime("%Y-%m-%d %H:%M", (*demo)->Now(), CityTimeZone()) == "2026-09-14 08:30");
  CHECK(absl::IsInvalidArgument(MakeCityClock({.start = "", .anchor_unix = 0, .rate = "fast"}).status()));
  CHECK(MakeCityClock({.start = "", .anchor_unix = 0, .rate = "0"}).status().message().rfind("clock_rate:", 0) == 0);
  CHECK(MakeCityClock({.start = "14 Sept", .anchor_unix = 0, .rate = "1"}).status().message().rfind("clock_start:", 0) ==
        0);
}

}  // namespace
}  // namespace hotline
