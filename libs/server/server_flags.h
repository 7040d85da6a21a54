#pragma once
// The flags every service shares (listen address, ports, drain timing), so
// each main() declares only its own.
#include "config/flags.h"
#include "server/server.h"

namespace hotline::server {

// Binds --host, --grpc_port, --metrics_port, --drain_grace, --drain_timeout,
// --identity_secret_file, --tls_cert, --tls_key and --tls_client_ca
// (with their HOTLINE_* environment fallbacks) to `options`, whose current
// values are the defaults.
void AddServerFlags(config::Flags& flags, ServerOptions* options);

}  // namespace hotline::server
