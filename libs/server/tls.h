#pragma once
// TLS for gRPC from PEM files: the server side of a service's port (TLS, or
// mutual TLS with a client CA) and the channel a service uses to call another
// (trusting a CA, presenting its own certificate for mutual TLS).
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/server.h"

namespace hotline::server {

// The contents of a file; NOT_FOUND naming it when it cannot be read.
absl::StatusOr<std::string> ReadPemFile(const std::string& path);

// Insecure when options name no certificate; TLS with cert+key; mutual TLS
// when a client CA is named too. INVALID_ARGUMENT for a cert without a key
// (or the reverse) or a client CA without a cert.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFrom(
    const ServerOptions& options);

struct ChannelTls {
  std::string ca_file;    // empty: plaintext channel
  std::string cert_file;  // with key_file: present a client certificate
  std::string key_file;
};
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFrom(
    const ChannelTls& tls);

}  // namespace hotline::server
