#pragma once
// A client for grpc.health.v1.Health/Check without the health proto's
// generated code: the request ({string service = 1;}) and the response
// ({ServingStatus status = 1;}) are tiny enough to encode by hand, and this
// keeps the healthcheck binary free of generated code.
// Thread-safe (no shared state).
#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hotline::cli {

// grpc.health.v1.HealthCheckResponse.ServingStatus.
enum class ServingStatus : int {
  kUnknown = 0,
  kServing = 1,
  kNotServing = 2,
  kServiceUnknown = 3,  // only for Watch; Check answers NOT_FOUND instead
};

absl::string_view ServingStatusName(ServingStatus status);

// Wire format of HealthCheckRequest{service}.
std::string EncodeHealthCheckRequest(absl::string_view service);

// The status field of a HealthCheckResponse; unknown fields are skipped.
// INVALID_ARGUMENT when the bytes are not a well-formed message.
absl::StatusOr<ServingStatus> DecodeHealthCheckResponse(absl::string_view bytes);

// Asks `channel` about `service` ("" is the whole server). The call's error
// when it fails, e.g. UNAVAILABLE (nothing listening), NOT_FOUND (unknown
// service), DEADLINE_EXCEEDED.
absl::StatusOr<ServingStatus> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                          absl::string_view service, absl::Duration timeout);

}  // namespace hotline::cli
