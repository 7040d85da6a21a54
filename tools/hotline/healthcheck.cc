// hotline-healthcheck: asks a gRPC server's grpc.health.v1.Health/Check and
// exits 0 when it answers SERVING, else 1 (2 for a usage error). Used by the
// Docker healthchecks and the local run script.
//
//   hotline-healthcheck [--addr 127.0.0.1:50051] [--service NAME] [--timeout 2]
//                       [--tls_ca FILE [--tls_cert FILE --tls_key FILE]]
//
// TLS from the container's own environment when no flag says otherwise
// (HOTLINE_TLS_CA, and the service's HOTLINE_TLS_CERT / HOTLINE_TLS_KEY as
// the client certificate a mutual-TLS port asks for), so the image's
// HEALTHCHECK works unchanged on a TLS deployment.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/channel_tls.h"
#include "tools/hotline/health_probe.h"

namespace {

constexpr char kUsage[] =
    "Usage: hotline-healthcheck [--addr HOST:PORT] [--service NAME] [--timeout SECONDS]\n"
    "  --addr HOST:PORT    the server (default 127.0.0.1:50051)\n"
    "  --service NAME      the service to ask about (default \"\": the whole server)\n"
    "  --timeout SECONDS   deadline of the check (default 2)\n"
    "  --tls_ca FILE       TLS, trusting this CA (env HOTLINE_TLS_CA; default plaintext)\n"
    "  --tls_cert FILE     with --tls_key: the client certificate for mutual TLS\n"
    "                      (env HOTLINE_TLS_CERT, HOTLINE_TLS_KEY: the service's own)\n"
    "Prints SERVING and exits 0 when the server is serving; else prints the status\n"
    "or error and exits 1. Exits 2 on a usage error.\n";

int UsageError(absl::string_view message) {
  std::cerr << "error: " << message << "\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string addr = "127.0.0.1:50051";
  std::string service;
  double timeout_seconds = 2;
  hotline::server::ChannelTls tls;
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v == nullptr ? "" : v);
  };
  tls.ca_file = env("HOTLINE_TLS_CA");
  tls.cert_file = env("HOTLINE_TLS_CERT");
  tls.key_file = env("HOTLINE_TLS_KEY");

  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (!absl::StartsWith(arg, "--")) {
      return UsageError(absl::StrCat("unexpected argument ", arg));
    }
    absl::string_view name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (const size_t eq = name.find('='); eq != absl::string_view::npos) {
      inline_value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    if (name != "addr" && name != "service" && name != "timeout" && name != "tls_ca" &&
        name != "tls_cert" && name != "tls_key") {
      return UsageError(absl::StrCat("unknown flag --", name));
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return UsageError(absl::StrCat("--", name, " needs a value"));
    }
    if (name == "addr") {
      addr = value;
    } else if (name == "service") {
      service = value;
    } else if (name == "tls_ca") {
      tls.ca_file = value;
    } else if (name == "tls_cert") {
      tls.cert_file = value;
    } else if (name == "tls_key") {
      tls.key_file = value;
    } else if (name == "timeout") {
      if (!absl::SimpleAtod(value, &timeout_seconds) || !std::isfinite(timeout_seconds) ||
          timeout_seconds <= 0) {
        return UsageError("--timeout wants a positive number of seconds");
      }
    }
  }
  if (addr.empty()) return UsageError("--addr needs a value");
  // A plaintext probe presents no certificate, whatever the service's own.
  if (tls.ca_file.empty()) tls.cert_file = tls.key_file = "";
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      hotline::server::ChannelCredentialsFrom(tls);
  if (!credentials.ok()) return UsageError(credentials.status().message());

  absl::StatusOr<hotline::cli::ServingStatus> status = hotline::cli::CheckHealth(
      grpc::CreateChannel(addr, *credentials), service, absl::Seconds(timeout_seconds));
  if (!status.ok()) {
    std::cerr << "error: " << absl::StatusCodeToString(status.status().code()) << ": "
              << status.status().message() << "\n";
    return 1;
  }
  std::cout << hotline::cli::ServingStatusName(*status) << "\n";
  return *status == hotline::cli::ServingStatus::kServing ? 0 : 1;
}
