#include "tools/hotline/local_time.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clock/clock.h"
#include "clock/proto_time.h"

namespace hotline::cli {

std::string FormatLocalTime(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  const absl::Time time = absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", time, CityTimeZone());
}

absl::StatusOr<absl::Time> ParseDayOrTime(absl::string_view text, bool day_end) {
  absl::Time time;
  std::string error;
  if (absl::ParseTime("%Y-%m-%d", text, CityTimeZone(), &time, &error)) {
    return day_end ? time + absl::Hours(24) : time;
  }
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return time;
  return absl::InvalidArgumentError(
      absl::StrCat("'", text, "' is neither a day (2026-11-28) nor an RFC 3339 time"));
}

std::string MinutesSeconds(int64_t seconds) {
  if (seconds < 0) return absl::StrCat("-", MinutesSeconds(-seconds));
  return absl::StrFormat("%d:%02d", seconds / 60, seconds % 60);
}

}  // namespace hotline::cli
