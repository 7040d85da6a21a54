#include "redis/reply_status.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hotline::redis {

absl::Status ErrorReplyToStatus(absl::string_view error) {
  for (const char* transient : {"LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN"}) {
    if (absl::StartsWith(error, transient)) return absl::UnavailableError(absl::StrCat("redis: ", error));
  }
  if (absl::StartsWith(error, "OOM")) return absl::ResourceExhaustedError(absl::StrCat("redis: ", error));
  return absl::InternalError(absl::StrCat("redis: ", error));
}

}  // namespace hotline::redis
