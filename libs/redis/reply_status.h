#pragma once
// A Redis error reply that is not a domain answer, as a Status: retryable
// conditions (LOADING, BUSY, READONLY, MASTERDOWN, TRYAGAIN) become
// UNAVAILABLE so clients back off and retry; OOM RESOURCE_EXHAUSTED; the rest
// INTERNAL (a server fault). Pure.
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace hotline::redis {

absl::Status ErrorReplyToStatus(absl::string_view error);

}  // namespace hotline::redis
