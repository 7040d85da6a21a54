// hotline-gateway: the one API agent desktops talk to (hotline.v1.Hotline).
// Settings come from flags or the environment (--help lists them).
#include "auth/jwt.h"
#include "auth/token_registry.h"
#include "gateway/admission.h"
#include "gateway/backend_watch.h"
#include "gateway/gateway_service.h"
#include "gateway/gateway_settings.h"
#include "gateway/rate_limiter.h"
#include "gateway/revocation_list.h"
#include "gateway/screen_server.h"
#include "gateway/token_auth.h"
#include "log/log.h"
#include "server/service_runner.h"

int main(int argc, char** argv) {
  using namespace hotline;
  // The gateway verifies bearer tokens, not identities: it signs one for each
  // backend call with that backend's secret (--backend_identity_secrets).
  // Reflection on the public port only when asked. Redis holds only the
  // revocation list for the gateway: one connection.
  server::ServiceRunner runner({.server = {.service_name = "gateway", .host = "0.0.0.0", .grpc_port = 50051,
                                           .metrics_port = 9101, .verify_identities = false, .reflection = false},
                                .summary = "the Hotline API for agent desktop clients",
                                .redis_connections = 1});
  gateway::GatewaySettings settings;
  gateway::AddGatewayFlags(runner.flags(), &settings, &runner.options());
  return runner.Run(argc, argv, [&](server::ServiceRunner& s) -> absl::Status {
    if (absl::Status checked = gateway::CheckGatewaySettings(settings, s.options()); !checked.ok()) return checked;
    absl::StatusOr<gateway::Backends> backends = gateway::ConnectBackends(settings, s.options().max_message_bytes);
    if (!backends.ok()) return backends.status();
    auto& auth = s.Make<gateway::TokenAuth>();
    if (!settings.demo_tokens_path.empty()) {
      absl::StatusOr<gateway::TokenAuth> demo = gateway::TokenAuth::Load(settings.demo_tokens_path);
      if (!demo.ok()) return server::Fail(1, "cannot load demo tokens", demo.status());
      auth = *std::move(demo);
      log::Warning("DEMO MODE: static tokens accepted", {{"demo_tokens", settings.demo_tokens_path}});
    }
    if (!settings.jwt_keys_path.empty()) {
      absl::StatusOr<auth::JwtKeys> keys = auth::JwtKeys::Load(settings.jwt_keys_path);
      if (!keys.ok()) return server::Fail(1, "cannot load token keys", keys.status());
      // Health follows Redis from here: revocations are not seen while it is away.
      auto& registry = s.Make<auth::TokenRegistry>(s.redis());
      auto& revoked = s.Make<gateway::RevocationList>(registry, settings.revocation_poll, s.metrics());
      auth.EnableJwt(*std::move(keys), settings.audience,
                     [&revoked](const std::string& jti) { return revoked.IsRevoked(jti); });
    }
    auto& limiter = s.Make<gateway::RateLimiter>(settings.rate_limit, settings.rate_burst);
    auto& admission = s.Make<gateway::Admission>(settings.max_in_flight, settings.shed_retry_after, &s.metrics());
    auto& watch = s.Make<gateway::BackendWatch>(std::vector<gateway::WatchedBackend>{
        {"intake", settings.intake_address, backends->intake},
        {"dispatch", settings.dispatch_address, backends->dispatch},
        {"sla", settings.sla_address, backends->sla},
        {"knowledge", settings.knowledge_address, backends->knowledge}});
    s.Background(nullptr, [&watch] { watch.Stop(); });  // the backends stop too: their going is no news
    auto& service = s.Make<gateway::GatewayService>(auth, *backends, settings.backend_timeout, s.metrics(),
                                                    &limiter, &admission, settings.max_streams_per_user);
    s.Serve(service, "hotline.v1.Hotline");
    // The big screen: the page and its JSON API, on the same host as the API.
    auto& screen = s.Make<gateway::ScreenServer>(backends->scoring, backends->identity_secrets["scoring"],
                                                 absl::Seconds(3), settings.screen_cache, &s.metrics());
    if (settings.screen_port >= 0) {
      s.Background([&] {
        if (absl::Status st = screen.Start(s.options().host, settings.screen_port); !st.ok()) {
          return server::Fail(1, "cannot start the screen", st);
        }
        log::Info("screen serving", {{"screen_port", std::to_string(screen.port())}});
        return absl::OkStatus();
      }, [&screen] { screen.Stop(); });
    }
    // Open streams end first on SIGTERM (workers stop last started first),
    // before the server drains: they would hold the drain to its deadline.
    s.Background(nullptr, [&service] { service.StopStreams(); });
    log::Info("forwarding", {{"intake", settings.intake_address}, {"dispatch", settings.dispatch_address},
                             {"sla", settings.sla_address}, {"knowledge", settings.knowledge_address},
                             {"scoring", settings.scoring_address}});
    return absl::OkStatus();
  });
}
