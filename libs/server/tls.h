#pragma once
// TLS for gRPC from PEM files: the server side of a service's port (TLS, or
// mutual TLS with a client CA). The channel side is server/channel_tls.h.
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/channel_tls.h"
#include "server/server.h"

namespace hotline::server {

// Insecure when options name no certificate; TLS with cert+key; mutual TLS
// when a client CA is named too. INVALID_ARGUMENT for a cert without a key
// (or the reverse) or a client CA without a cert.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFrom(
    const ServerOptions& options);

}  // namespace hotline::server
