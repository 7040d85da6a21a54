#pragma once
// Times as the centre reads them, in the city's time zone (clock.h).
// Pure functions; thread-safe.
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clock/proto_time.h"
#include "google/protobuf/timestamp.pb.h"

namespace hotline::cli {

// "2026-11-28 14:03:05" in the centre's time; "" when `t` is unset (zero).
std::string FormatLocalTime(const google::protobuf::Timestamp& t);

// A day "YYYY-MM-DD" in the centre's time, or an RFC 3339 time with an
// offset ("2026-11-28T14:03:05+08:00"). A day means its first instant, or
// with `day_end` the first instant of the next day (so that an exclusive
// upper bound includes the whole day). INVALID_ARGUMENT for anything else.
absl::StatusOr<absl::Time> ParseDayOrTime(absl::string_view text, bool day_end);

// A duration of whole seconds as minutes and seconds, e.g. "5:07" ("65:00"
// past the hour: the figures compared are handling times of minutes).
std::string MinutesSeconds(int64_t seconds);

using ::hotline::ToTimestamp;  // clock/proto_time.h

}  // namespace hotline::cli
