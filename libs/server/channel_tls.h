#pragma once
// The client side of TLS for gRPC from PEM files: the channel a program uses
// to call a Hotline server (the gateway to its backends, the CLI to the
// gateway, the healthcheck probe to its own container's port). Light: no
// server code, so the CLI links it.
#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace hotline::server {

// The contents of a file; NOT_FOUND naming it when it cannot be read.
absl::StatusOr<std::string> ReadPemFile(const std::string& path);

struct ChannelTls {
  std::string ca_file;        // the CA to trust; empty: plaintext (unless system_roots)
  bool system_roots = false;  // TLS trusting the system's CAs (a publicly issued certificate)
  std::string cert_file;      // with key_file: present a client certificate (mutual TLS)
  std::string key_file;
};
// INVALID_ARGUMENT for a certificate without its key (or the reverse), or a
// client certificate on a plaintext channel.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFrom(
    const ChannelTls& tls);

}  // namespace hotline::server
