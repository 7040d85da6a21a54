#include "tools/hotline/local_time.h"

#include "absl/strings/str_cat.h"

namespace hotline::cli {

absl::TimeZone CentreTimeZone() { return absl::FixedTimeZone(8 * 60 * 60); }

std::string FormatLocalTime(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  const absl::Time time = absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", time, CentreTimeZone());
}

absl::StatusOr<absl::Time> ParseDayOrTime(absl::string_view text, bool day_end) {
  absl::Time time;
  std::string error;
  if (absl::ParseTime("%Y-%m-%d", text, CentreTimeZone(), &time, &error)) {
    return day_end ? time + absl::Hours(24) : time;
  }
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return time;
  return absl::InvalidArgumentError(
      absl::StrCat("'", text, "' is neither a day (2026-11-28) nor an RFC 3339 time"));
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t seconds = absl::ToUnixSeconds(t);
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  return ts;
}

}  // namespace hotline::cli
