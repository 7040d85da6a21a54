#pragma once
// Conversions between google.protobuf.Timestamp and absl::Time (and the
// milliseconds the Redis records store), written once for every user.
// Pure functions; thread-safe.
#include <cstdint>

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"

namespace hotline {

absl::Time ToTime(const google::protobuf::Timestamp& t);
google::protobuf::Timestamp ToTimestamp(absl::Time t);

int64_t ToMillis(const google::protobuf::Timestamp& t);
google::protobuf::Timestamp FromMillis(int64_t ms);

// Durations (e.g. a contact's handling time), truncated to whole milliseconds.
int64_t ToMillis(const google::protobuf::Duration& d);
google::protobuf::Duration DurationFromMillis(int64_t ms);

}  // namespace hotline
