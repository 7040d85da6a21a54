#pragma once
// One gateway call the way every CLI command makes it: the global deadline and
// bearer token, keyed writes retried, a call the gateway refused for the
// caller's rate retried after the wait it names, the error printed as "error: CODE:
// message" (with a hint when the gateway is unreachable), and --json output
// of a response. Header-only templates; not thread-safe (writes to the given
// streams).
#include <grpcpp/client_context.h>

#include <chrono>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tools/hotline/commands.h"

namespace hotline::cli {

template <typename Request, typename Response>
using GatewayMethod = grpc::Status (HotlineStub::*)(grpc::ClientContext*, const Request&, Response*);

inline void PrintCallError(const grpc::Status& status, const CommandLine& cl, Output io) {
  io.err << "error: "
         << absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())) << ": "
         << status.error_message() << "\n";
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    io.err << "(gateway " << cl.global.gateway << "; set --gateway or HOTLINE_GATEWAY)\n";
  }
}

// The call's status; `response` is filled when it is OK.
template <typename Request, typename Response>
grpc::Status CallGateway(const CommandLine& cl, HotlineStub& stub,
                         GatewayMethod<Request, Response> method, const Request& request,
                         Response* response) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::duration_cast<std::chrono::system_clock::duration>(
                       absl::ToChronoNanoseconds(cl.global.timeout)));
  if (!cl.global.token.empty()) {
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", cl.global.token));
  }
  return (stub.*method)(&ctx, request, response);
}

// Keyed writes: tries in all, and the pause before the second.
inline constexpr int kRetryAttempts = 3;
inline constexpr absl::Duration kRetryBackoff = absl::Milliseconds(300);
// Rate-limited calls: retries, and the longest wait taken without asking.
inline constexpr int kRateLimitRetries = 5;
inline constexpr absl::Duration kLongestRateLimitWait = absl::Seconds(2);

// The wait the gateway names when it refused a call for the caller's rate
// (RESOURCE_EXHAUSTED with google.rpc.RetryInfo); nullopt for other answers.
inline std::optional<absl::Duration> RateLimitWait(const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) return std::nullopt;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return std::nullopt;
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&retry)) {
      return absl::Seconds(retry.retry_delay().seconds()) + absl::Nanoseconds(retry.retry_delay().nanos());
    }
  }
  return std::nullopt;
}

// One call; prints the error when it fails. A request with an idempotency
// key is retried (same key) when the gateway or a backend was briefly
// unavailable, and a failure whose outcome is unknown says how to retry
// safely: the README's retry policy for desktop clients.
template <typename Request, typename Response>
std::optional<Response> Call(const CommandLine& cl, HotlineStub& stub,
                             GatewayMethod<Request, Response> method, const Request& request,
                             Output io) {
  constexpr bool kKeyed = requires { request.idempotency_key(); };
  const int attempts = kKeyed ? kRetryAttempts : 1;
  grpc::Status status;
  Response response;
  for (int attempt = 1, rate_limited = 0; attempt <= attempts; ++attempt) {
    status = CallGateway(cl, stub, method, request, &response);
    if (status.ok()) return response;
    // The gateway refuses over-rate calls before doing anything, so any call
    // (keyed or not) may be made again once the named wait has passed.
    if (std::optional<absl::Duration> wait = RateLimitWait(status);
        wait && *wait <= kLongestRateLimitWait && rate_limited++ < kRateLimitRetries) {
      absl::SleepFor(*wait);
      --attempt;
      continue;
    }
    // UNAVAILABLE is quick and usually passes (a backend restarting); a
    // deadline the user set is not stretched by retrying.
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
        status.error_code() != grpc::StatusCode::UNKNOWN) {
      break;
    }
    if (attempt < attempts) absl::SleepFor(kRetryBackoff * attempt);
  }
  PrintCallError(status, cl, io);
  const grpc::StatusCode code = status.error_code();
  if constexpr (kKeyed) {
    if (code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::UNKNOWN ||
        code == grpc::StatusCode::DEADLINE_EXCEEDED) {
      io.err << "it may have been done: to retry safely, repeat the command with "
             << "--idempotency-key " << request.idempotency_key() << "\n";
    }
  }
  return std::nullopt;
}

inline ExitCode PrintMessageJson(const google::protobuf::Message& message, Output io) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
      !status.ok()) {
    io.err << "error: cannot print the response as JSON: " << status.message() << "\n";
    return ExitCode::kRpcFailed;
  }
  io.out << json << "\n";
  return ExitCode::kOk;
}

}  // namespace hotline::cli
