#include "server/server_flags.h"

namespace hotline::server {

void AddServerFlags(config::Flags& flags, ServerOptions* options) {
  flags.String("host", "HOTLINE_HOST",
               "address to listen on (loopback by default; 0.0.0.0 for every interface)",
               &options->host);
  flags.Int("grpc_port", "HOTLINE_GRPC_PORT", "gRPC port", &options->grpc_port);
  flags.Int("metrics_port", "HOTLINE_METRICS_PORT", "Prometheus /metrics port",
            &options->metrics_port);
  flags.Duration("drain_grace", "HOTLINE_DRAIN_GRACE",
                 "on SIGTERM, serve this long as NOT_SERVING before draining",
                 &options->drain_grace);
  flags.Duration("drain_timeout", "HOTLINE_DRAIN_TIMEOUT",
                 "on SIGTERM, how long in-flight calls may take", &options->drain_timeout);
  flags.String("identity_secret_file", "HOTLINE_IDENTITY_SECRET_FILE",
               "file with this service's own identity secret (32+ bytes; one per line while "
               "rotating: the first signs, any verifies): the gateway signs the caller "
               "identities it sends here with it (required by backends)",
               &options->identity_secret_file);
  flags.String("tls_cert", "HOTLINE_TLS_CERT", "PEM certificate for TLS on the gRPC port",
               &options->tls_cert_file);
  flags.String("tls_key", "HOTLINE_TLS_KEY", "PEM private key of --tls_cert",
               &options->tls_key_file);
  flags.String("tls_client_ca", "HOTLINE_TLS_CLIENT_CA",
               "PEM CA: callers must present a certificate it signed (mutual TLS)",
               &options->tls_client_ca_file);
}

}  // namespace hotline::server
