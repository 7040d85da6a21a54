#pragma once
// Pure: calendar periods (day, week, month, quarter, year) in the city's
// time zone, and the one before each (for "rising" matters).
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotline/v1/scoring.pb.h"

namespace hotline::scoring {

struct Interval {
  absl::Time start;  // inclusive
  absl::Time end;    // exclusive
  std::string label; // 2026-11-05, 2026-W45, 2026-11, 2026-Q4, 2026
  bool Contains(int64_t ms) const {
    const absl::Time t = absl::FromUnixMillis(ms);
    return t >= start && t < end;
  }
};

// The period `p` names in `zone` (an empty date: the one containing `now`).
// INVALID_ARGUMENT "period.date: ..." for a date that does not parse.
absl::StatusOr<Interval> Resolve(const v1::Period& p, absl::Time now, absl::TimeZone zone);
// The period of the same kind just before `p`.
absl::StatusOr<Interval> Previous(const v1::Period& p, absl::Time now, absl::TimeZone zone);

}  // namespace hotline::scoring
