#pragma once
// Per-RPC metrics for a gRPC server, as an interceptor: started, handled by
// code, and handling time, labelled by service and method (bounded: only the
// methods the server implements).
#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace prometheus {
class Registry;
}

namespace hotline::server {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcMetricsInterceptor(
    prometheus::Registry& registry);

}  // namespace hotline::server
