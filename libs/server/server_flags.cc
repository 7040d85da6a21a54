#include "server/server_flags.h"

namespace hotline::server {

void AddServerFlags(config::Flags& flags, ServerOptions* options) {
  flags.String("host", "HOTLINE_HOST", "address to listen on", &options->host);
  flags.Int("grpc_port", "HOTLINE_GRPC_PORT", "gRPC port", &options->grpc_port);
  flags.Int("metrics_port", "HOTLINE_METRICS_PORT", "Prometheus /metrics port",
            &options->metrics_port);
  flags.Duration("drain_grace", "HOTLINE_DRAIN_GRACE",
                 "on SIGTERM, serve this long as NOT_SERVING before draining",
                 &options->drain_grace);
  flags.Duration("drain_timeout", "HOTLINE_DRAIN_TIMEOUT",
                 "on SIGTERM, how long in-flight calls may take", &options->drain_timeout);
}

}  // namespace hotline::server
