#pragma once
// Times as the centre reads them: Asia/Shanghai, which is UTC+8 all year (no
// daylight saving since 1991), so a fixed offset is exact and needs no tzdata
// in the container.
// Pure functions; thread-safe.
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace hotline::cli {

absl::TimeZone CentreTimeZone();

// "2026-11-28 14:03:05" in the centre's time; "" when `t` is unset (zero).
std::string FormatLocalTime(const google::protobuf::Timestamp& t);

// A day "YYYY-MM-DD" in the centre's time, or an RFC 3339 time with an
// offset ("2026-11-28T14:03:05+08:00"). A day means its first instant, or
// with `day_end` the first instant of the next day (so that an exclusive
// upper bound includes the whole day). INVALID_ARGUMENT for anything else.
absl::StatusOr<absl::Time> ParseDayOrTime(absl::string_view text, bool day_end);

google::protobuf::Timestamp ToTimestamp(absl::Time t);

}  // namespace hotline::cli
