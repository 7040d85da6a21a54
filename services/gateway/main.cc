// hotline-gateway: the one API agent desktops talk to (hotline.v1.Hotline).
// Settings come from flags or the environment (--help lists them).
#include <grpcpp/grpcpp.h>

#include "config/flags.h"
#include "auth/jwt.h"
#include "auth/token_registry.h"
#include "gateway/admission.h"
#include "gateway/backend_watch.h"
#include "gateway/gateway_service.h"
#include "gateway/rate_limiter.h"
#include "gateway/revocation_list.h"
#include "gateway/screen_server.h"
#include "gateway/token_auth.h"
#include "log/log.h"
#include "redis/client.h"
#include "redis/health_probe.h"
#include "redis/flags.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "server/dependency_watch.h"
#include "server/identity.h"
#include "server/server.h"
#include "server/server_flags.h"
#include "server/tls.h"

int main(int argc, char** argv) {
  using namespace hotline;
  server::BlockShutdownSignals();
  log::SetService("gateway");

  server::ServerOptions options{
      .service_name = "gateway", .host = "0.0.0.0", .grpc_port = 50051, .metrics_port = 9101};
  options.reflection = false;  // the public port: on only when asked
  // The gateway verifies bearer tokens, not identities: it signs one for
  // each backend call with that backend's secret (--backend_identity_secrets).
  options.verify_identities = false;
  std::string backend_identity_secrets;
  std::string intake_address = "127.0.0.1:50052";
  std::string dispatch_address = "127.0.0.1:50053";
  std::string sla_address = "127.0.0.1:50054";
  std::string knowledge_address = "127.0.0.1:50055";
  std::string jwt_keys_path;
  auth::Audience audience;
  redis::RedisFlags redis_flags;
  absl::Duration revocation_poll = absl::Milliseconds(200);
  std::string demo_tokens_path;
  std::string refused_tokens_path;  // the old --tokens: refused, see below
  int rate_limit = 20;
  int rate_burst = 40;
  int max_in_flight = 64;
  absl::Duration shed_retry_after = absl::Milliseconds(100);
  server::ChannelTls backend_tls;
  std::string scoring_address = "127.0.0.1:50056";
  int screen_port = 8080;
  absl::Duration screen_cache = absl::Seconds(3);
  absl::Duration backend_timeout = absl::Seconds(10);
  config::Flags flags("hotline-gateway", "the Hotline API for agent desktop clients");
  server::AddServerFlags(flags, &options);
  flags.String("intake", "HOTLINE_INTAKE_ADDR", "intake service host:port", &intake_address);
  flags.String("dispatch", "HOTLINE_DISPATCH_ADDR", "dispatch service host:port",
               &dispatch_address);
  flags.String("sla", "HOTLINE_SLA_ADDR", "sla service host:port", &sla_address);
  flags.String("knowledge", "HOTLINE_KNOWLEDGE_ADDR", "knowledge service host:port",
               &knowledge_address);
  flags.String("jwt_keys", "HOTLINE_JWT_KEYS",
               "signing keys of bearer tokens (hotline.v1.JwtKeyFile; the last one signs)",
               &jwt_keys_path);
  flags.String("jwt_issuer", "HOTLINE_JWT_ISSUER", "the iss a token must carry", &audience.issuer);
  flags.String("jwt_audience", "HOTLINE_JWT_AUDIENCE", "the aud a token must carry",
               &audience.audience);
  redis::AddRedisFlags(flags, &redis_flags);
  flags.Duration("revocation_poll", "HOTLINE_REVOCATION_POLL",
                 "how often to re-read the revoked tokens from Redis", &revocation_poll);
  flags.String("demo_tokens", "HOTLINE_DEMO_TOKENS",
               "DEMO MODE ONLY: also accept the static tokens of this file (hotline.v1.TokenFile)",
               &demo_tokens_path);
  flags.String("tokens", "HOTLINE_TOKENS", "no longer accepted: use --jwt_keys (or --demo_tokens)",
               &refused_tokens_path);
  flags.Int("rate_limit", "HOTLINE_RATE_LIMIT",
            "calls per second each user may make on average (0: no limit)", &rate_limit);
  flags.Int("rate_burst", "HOTLINE_RATE_BURST", "calls a user may make at once", &rate_burst);
  flags.Int("max_in_flight", "HOTLINE_MAX_IN_FLIGHT",
            "most calls in flight to the backends; more are refused RESOURCE_EXHAUSTED at once "
            "(0: no cap)",
            &max_in_flight);
  flags.Duration("shed_retry_after", "HOTLINE_SHED_RETRY_AFTER",
                 "the retry delay a call refused at capacity is given (RetryInfo)",
                 &shed_retry_after);
  flags.Bool("reflection", "HOTLINE_REFLECTION", "serve gRPC reflection on the public port",
             &options.reflection);
  flags.String("backend_tls_ca", "HOTLINE_BACKEND_TLS_CA",
               "PEM CA that signed the backends' certificates (empty: plaintext to backends)",
               &backend_tls.ca_file);
  flags.String("backend_tls_cert", "HOTLINE_BACKEND_TLS_CERT",
               "PEM client certificate for mutual TLS to the backends", &backend_tls.cert_file);
  flags.String("backend_tls_key", "HOTLINE_BACKEND_TLS_KEY", "PEM key of --backend_tls_cert",
               &backend_tls.key_file);
  flags.String("scoring", "HOTLINE_SCORING_ADDR", "scoring service host:port (\"\": none)", &scoring_address);
  flags.Int("screen_port", "HOTLINE_SCREEN_PORT",
            "HTTP port of the big screen and its JSON API (0: any free port; -1: off)", &screen_port);
  flags.Duration("screen_cache", "HOTLINE_SCREEN_CACHE",
                 "how long the screen's JSON is kept: one scoring query per this long, however "
                 "many walls (0: none kept; concurrent GETs still share one query)",
                 &screen_cache);
  flags.String("backend_identity_secrets", "HOTLINE_BACKEND_IDENTITY_SECRETS",
               "folder with each backend's identity secret, NAME.secret for intake, dispatch, "
               "sla, knowledge and scoring (tools/make-secrets.sh writes DIR/identity; the first "
               "line of each signs the caller identities sent to that backend; required)",
               &backend_identity_secrets);
  flags.Duration("backend_timeout", "HOTLINE_BACKEND_TIMEOUT",
                 "longest a backend call may take (the caller's deadline may be shorter)",
                 &backend_timeout);
  flags.ParseOrExit(argc, argv);

  if (max_in_flight < 0 || shed_retry_after <= absl::ZeroDuration()) {
    log::Error("--max_in_flight must be >= 0 (0: no cap) and --shed_retry_after > 0",
               {{"max_in_flight", std::to_string(max_in_flight)},
                {"shed_retry_after", absl::FormatDuration(shed_retry_after)}});
    return 2;
  }
  if (!refused_tokens_path.empty()) {
    log::Error("a token file is accepted only in demo mode: pass --demo_tokens=FILE for a demo, "
               "or --jwt_keys=FILE and issue tokens with hotline-admin",
               {{"tokens", refused_tokens_path}});
    return 2;
  }
  if (jwt_keys_path.empty() && demo_tokens_path.empty()) {
    log::Error("no way to authenticate: pass --jwt_keys=FILE (or --demo_tokens=FILE for a demo)");
    return 2;
  }
  if (backend_identity_secrets.empty()) {
    log::Error("--backend_identity_secrets=DIR is required: the folder with each backend's "
               "identity secret (NAME.secret; tools/make-secrets.sh writes DIR/identity)");
    return 2;
  }
  if (!options.identity_secret_file.empty()) {
    log::Warning("--identity_secret_file is not used by the gateway (it signs with each "
                 "backend's own secret from --backend_identity_secrets)",
                 {{"identity_secret_file", options.identity_secret_file}});
  }
  absl::flat_hash_map<std::string, std::string> identity_secrets;
  for (const auto& [name, address] :
       std::initializer_list<std::pair<const char*, const std::string*>>{
           {"intake", &intake_address},
           {"dispatch", &dispatch_address},
           {"sla", &sla_address},
           {"knowledge", &knowledge_address},
           {"scoring", &scoring_address}}) {
    if (address->empty()) continue;
    absl::StatusOr<std::vector<std::string>> secrets = server::ReadIdentitySecrets(
        absl::StrCat(backend_identity_secrets, "/", name, ".secret"));
    if (!secrets.ok()) {
      log::Error("cannot read a backend's identity secret",
                 {{"backend", name}, {"error", secrets.status().ToString()}});
      return 2;
    }
    identity_secrets[name] = secrets->front();
  }
  gateway::TokenAuth auth;
  if (!demo_tokens_path.empty()) {
    absl::StatusOr<gateway::TokenAuth> demo = gateway::TokenAuth::Load(demo_tokens_path);
    if (!demo.ok()) {
      log::Error("cannot load demo tokens", {{"error", demo.status().ToString()}});
      return 1;
    }
    auth = *std::move(demo);
    log::Warning("DEMO MODE: static tokens accepted", {{"demo_tokens", demo_tokens_path}});
  }
  absl::StatusOr<redis::Options> redis_options = redis::ToOptions(redis_flags);
  if (!redis_options.ok()) {
    log::Error("bad Redis settings", {{"error", redis_options.status().ToString()}});
    return 2;
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> backend_credentials =
      server::ChannelCredentialsFrom(backend_tls);
  if (!backend_credentials.ok()) {
    log::Error("bad backend TLS settings", {{"error", backend_credentials.status().ToString()}});
    return 2;
  }
  server::Server server(options);
  // Redis holds only the revocation list for the gateway: few connections.
  redis_options->connections = 1;
  std::unique_ptr<redis::Client> redis;
  std::unique_ptr<auth::TokenRegistry> registry;
  std::unique_ptr<gateway::RevocationList> revoked;
  if (!jwt_keys_path.empty()) {
    absl::StatusOr<auth::JwtKeys> keys = auth::JwtKeys::Load(jwt_keys_path);
    if (!keys.ok()) {
      log::Error("cannot load token keys", {{"error", keys.status().ToString()}});
      return 1;
    }
    redis = std::make_unique<redis::Client>(*redis_options, &server.metrics());
    registry = std::make_unique<auth::TokenRegistry>(*redis);
    revoked = std::make_unique<gateway::RevocationList>(*registry, revocation_poll,
                                                        server.metrics());
    auth.EnableJwt(*std::move(keys), audience,
                   [list = revoked.get()](const std::string& jti) { return list->IsRevoked(jti); });
  }
  gateway::RateLimiter limiter(rate_limit, rate_burst);
  gateway::Admission admission(max_in_flight, shed_retry_after, &server.metrics());
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);
  // gRPC waits 1 s (and more, with jitter) before reconnecting to a backend
  // that went away; a backend restarts in well under that, and calls fail
  // meanwhile. Reconnect attempts every 100 ms..1 s instead.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  // gRPC also takes this as the longest a connection attempt may take; a TLS
  // handshake on a busy machine needs more than 100 ms.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, backend_tls.ca_file.empty() ? 100 : 1000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  gateway::Backends backends{
      .intake = grpc::CreateCustomChannel(intake_address, *backend_credentials, args),
      .dispatch =
          grpc::CreateCustomChannel(dispatch_address, *backend_credentials, args),
      .sla = grpc::CreateCustomChannel(sla_address, *backend_credentials, args),
      .knowledge =
          grpc::CreateCustomChannel(knowledge_address, *backend_credentials, args),
      .scoring = scoring_address.empty()
                     ? nullptr
                     : grpc::CreateCustomChannel(scoring_address, *backend_credentials, args),
      .identity_secrets = identity_secrets};

  gateway::BackendWatch watch({{"intake", intake_address, backends.intake},
                               {"dispatch", dispatch_address, backends.dispatch},
                               {"sla", sla_address, backends.sla},
                               {"knowledge", knowledge_address, backends.knowledge}});

  gateway::GatewayService service(auth, backends, backend_timeout, server.metrics(), &limiter,
                                  &admission);
  server.AddService(&service, "hotline.v1.Hotline");
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  // NOT_SERVING on grpc.health.v1 while Redis (the revocation list) is
  // unreachable (issue 20): revocations are not seen then, and every backend
  // behind it is NOT_SERVING too.
  std::unique_ptr<server::DependencyWatch> redis_health;
  if (redis != nullptr) {
    redis_health = std::make_unique<server::DependencyWatch>(
        server, "redis", [client = redis.get()] { return redis::Answers(*client); });
  }
  // The big screen: the page and its JSON API, on the same host as the API.
  gateway::ScreenServer screen(backends.scoring, identity_secrets["scoring"], absl::Seconds(3),
                               screen_cache, &server.metrics());
  if (screen_port >= 0) {
    if (absl::Status s = screen.Start(options.host, screen_port); !s.ok()) {
      log::Error("cannot start the screen", {{"error", s.ToString()}});
      server.Shutdown();
      return 1;
    }
    log::Info("screen serving", {{"screen_port", std::to_string(screen.port())}});
  }
  log::Info("forwarding", {{"intake", intake_address},
                           {"dispatch", dispatch_address},
                           {"sla", sla_address},
                           {"knowledge", knowledge_address},
                           {"scoring", scoring_address}});
  server::WaitForShutdownSignal();
  screen.Stop();
  watch.Stop();  // the backends stop too: their going is no news
  server.Shutdown();
  return 0;
}
