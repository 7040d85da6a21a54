#pragma once
// Bridges a domain core's completion callback to a callback-API gRPC call:
//   core.Do(request, server::ReplyTo(reactor, response));
// fills the response on success and finishes the call with the status.
#include <grpcpp/support/server_callback.h>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "status/status.h"

namespace hotline::server {

template <typename Response>
absl::AnyInvocable<void(absl::StatusOr<Response>)> ReplyTo(grpc::ServerUnaryReactor* reactor,
                                                          Response* response) {
  return [reactor, response](absl::StatusOr<Response> result) {
    if (result.ok()) *response = std::move(*result);
    reactor->Finish(ToGrpcStatus(result.status()));
  };
}

}  // namespace hotline::server
