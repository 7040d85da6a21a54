#pragma once
// The gateway's "not now" answer, shared by every refusal that a retry can
// cure (the per-user rate limit, admission when at capacity):
// RESOURCE_EXHAUSTED "<why>; retry in 412ms", with the wait as a
// google.rpc.RetryInfo in the status details and, for clients that read no
// details, a retry-after trailer (whole seconds, rounded up).
#include <grpcpp/grpcpp.h>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hotline::gateway {

grpc::Status RetryLater(grpc::ServerContextBase* context, absl::string_view why,
                        absl::Duration wait);

}  // namespace hotline::gateway
