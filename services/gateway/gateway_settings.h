#pragma once
// The gateway's own settings (besides the server's and Redis's flags, which
// server/service_runner.h binds): the backends' addresses, identity secrets
// and TLS, token authentication, the per-user rate limit, load shedding and
// the big screen. Used once by main().
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/jwt.h"
#include "config/flags.h"
#include "gateway/gateway_service.h"
#include "server/channel_tls.h"
#include "server/server.h"

namespace hotline::gateway {

struct GatewaySettings {
  std::string intake_address = "127.0.0.1:50052";
  std::string dispatch_address = "127.0.0.1:50053";
  std::string sla_address = "127.0.0.1:50054";
  std::string knowledge_address = "127.0.0.1:50055";
  std::string scoring_address = "127.0.0.1:50056";  // "": none
  std::string backend_identity_secrets;             // folder of NAME.secret
  server::ChannelTls backend_tls;
  absl::Duration backend_timeout = absl::Seconds(10);
  std::string jwt_keys_path;
  auth::Audience audience;
  absl::Duration revocation_poll = absl::Milliseconds(200);
  std::string demo_tokens_path;
  std::string refused_tokens_path;  // the old --tokens: refused
  int rate_limit = 20;
  int rate_burst = 40;
  int max_in_flight = 64;
  int max_streams_per_user = 4;  // open WatchQueue streams per user
  absl::Duration shed_retry_after = absl::Milliseconds(100);
  int screen_port = 8080;
  absl::Duration screen_cache = absl::Seconds(3);
};

// Binds the gateway's flags (HOTLINE_* environment fallbacks) to `settings`,
// and --reflection to `options`; their current values are the defaults.
void AddGatewayFlags(config::Flags& flags, GatewaySettings* settings, server::ServerOptions* options);

// The settings' own checks: an error (logged, exit code 2 for
// server::ServiceRunner) names what is wrong.
absl::Status CheckGatewaySettings(const GatewaySettings& settings, const server::ServerOptions& options);

// Channels to the backends, with each configured backend's identity secret
// (the first line of its NAME.secret). Errors are logged (exit code 2).
absl::StatusOr<Backends> ConnectBackends(const GatewaySettings& settings, int max_message_bytes);

}  // namespace hotline::gateway
