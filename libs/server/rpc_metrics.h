#pragma once
// Per-RPC metrics for a gRPC server, as an interceptor: started, handled by
// code, and handling time, labelled by service and method (bounded: methods of
// the services compiled into the binary; any other path is labelled
// "unknown", so a scanner's guesses create no series).
#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace prometheus {
class Registry;
}

namespace hotline::server {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcMetricsInterceptor(
    prometheus::Registry& registry);

}  // namespace hotline::server
