#pragma once
// One gateway call the way every CLI command makes it: the global deadline and
// bearer token, the error printed as "error: CODE: message" (with a hint when
// the gateway is unreachable), and --json output of a response. Header-only
// templates; not thread-safe (writes to the given streams).
#include <grpcpp/client_context.h>

#include <chrono>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
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
