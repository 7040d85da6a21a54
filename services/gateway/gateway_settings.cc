#include "gateway/gateway_settings.h"

#include <grpcpp/create_channel.h>

#include <initializer_list>
#include <utility>

#include "absl/strings/str_cat.h"
#include "log/log.h"
#include "server/identity.h"
#include "server/service_runner.h"

namespace hotline::gateway {

void AddGatewayFlags(config::Flags& flags, GatewaySettings* settings, server::ServerOptions* options) {
  flags.String("intake", "HOTLINE_INTAKE_ADDR", "intake service host:port", &settings->intake_address);
  flags.String("dispatch", "HOTLINE_DISPATCH_ADDR", "dispatch service host:port",
               &settings->dispatch_address);
  flags.String("sla", "HOTLINE_SLA_ADDR", "sla service host:port", &settings->sla_address);
  flags.String("knowledge", "HOTLINE_KNOWLEDGE_ADDR", "knowledge service host:port",
               &settings->knowledge_address);
  flags.String("jwt_keys", "HOTLINE_JWT_KEYS",
               "signing keys of bearer tokens (hotline.v1.JwtKeyFile; the last one signs)",
               &settings->jwt_keys_path);
  flags.String("jwt_issuer", "HOTLINE_JWT_ISSUER", "the iss a token must carry", &settings->audience.issuer);
  flags.String("jwt_audience", "HOTLINE_JWT_AUDIENCE", "the aud a token must carry",
               &settings->audience.audience);
  flags.Duration("revocation_poll", "HOTLINE_REVOCATION_POLL",
                 "how often to re-read the revoked tokens from Redis", &settings->revocation_poll);
  flags.String("demo_tokens", "HOTLINE_DEMO_TOKENS",
               "DEMO MODE ONLY: also accept the static tokens of this file (hotline.v1.TokenFile)",
               &settings->demo_tokens_path);
  flags.String("tokens", "HOTLINE_TOKENS", "no longer accepted: use --jwt_keys (or --demo_tokens)",
               &settings->refused_tokens_path);
  flags.Int("rate_limit", "HOTLINE_RATE_LIMIT",
            "calls per second each user may make on average (0: no limit)", &settings->rate_limit);
  flags.Int("rate_burst", "HOTLINE_RATE_BURST", "calls a user may make at once", &settings->rate_burst);
  flags.Int("max_in_flight", "HOTLINE_MAX_IN_FLIGHT",
            "most calls in flight to the backends; more are refused RESOURCE_EXHAUSTED at once "
            "(0: no cap)",
            &settings->max_in_flight);
  flags.Int("max_streams_per_user", "HOTLINE_MAX_STREAMS_PER_USER",
            "most streams (WatchQueue) one user may have open; more are refused RESOURCE_EXHAUSTED",
            &settings->max_streams_per_user);
  flags.Duration("shed_retry_after", "HOTLINE_SHED_RETRY_AFTER",
                 "the retry delay a call refused at capacity is given (RetryInfo)",
                 &settings->shed_retry_after);
  flags.Bool("reflection", "HOTLINE_REFLECTION", "serve gRPC reflection on the public port",
             &options->reflection);
  flags.String("backend_tls_ca", "HOTLINE_BACKEND_TLS_CA",
               "PEM CA that signed the backends' certificates (empty: plaintext to backends)",
               &settings->backend_tls.ca_file);
  flags.String("backend_tls_cert", "HOTLINE_BACKEND_TLS_CERT",
               "PEM client certificate for mutual TLS to the backends", &settings->backend_tls.cert_file);
  flags.String("backend_tls_key", "HOTLINE_BACKEND_TLS_KEY", "PEM key of --backend_tls_cert",
               &settings->backend_tls.key_file);
  flags.String("scoring", "HOTLINE_SCORING_ADDR", "scoring service host:port (\"\": none)",
               &settings->scoring_address);
  flags.Int("screen_port", "HOTLINE_SCREEN_PORT",
            "HTTP port of the big screen and its JSON API (0: any free port; -1: off)", &settings->screen_port);
  flags.Duration("screen_cache", "HOTLINE_SCREEN_CACHE",
                 "how long the screen's JSON is kept: one scoring query per this long, however "
                 "many walls (0: none kept; concurrent GETs still share one query)",
                 &settings->screen_cache);
  flags.String("backend_identity_secrets", "HOTLINE_BACKEND_IDENTITY_SECRETS",
               "folder with each backend's identity secret, NAME.secret for intake, dispatch, "
               "sla, knowledge and scoring (tools/make-secrets.sh writes DIR/identity; the first "
               "line of each signs the caller identities sent to that backend; required)",
               &settings->backend_identity_secrets);
  flags.Duration("backend_timeout", "HOTLINE_BACKEND_TIMEOUT",
                 "longest a backend call may take (the caller's deadline may be shorter)",
                 &settings->backend_timeout);
}

absl::Status CheckGatewaySettings(const GatewaySettings& settings, const server::ServerOptions& options) {
  if (settings.max_in_flight < 0 || settings.shed_retry_after <= absl::ZeroDuration()) {
    log::Error("--max_in_flight must be >= 0 (0: no cap) and --shed_retry_after > 0",
               {{"max_in_flight", std::to_string(settings.max_in_flight)},
                {"shed_retry_after", absl::FormatDuration(settings.shed_retry_after)}});
    return server::ExitWith(2);
  }
  if (settings.max_streams_per_user < 1) {
    log::Error("--max_streams_per_user must be >= 1",
               {{"max_streams_per_user", std::to_string(settings.max_streams_per_user)}});
    return server::ExitWith(2);
  }
  if (!settings.refused_tokens_path.empty()) {
    log::Error("a token file is accepted only in demo mode: pass --demo_tokens=FILE for a demo, "
               "or --jwt_keys=FILE and issue tokens with hotline-admin",
               {{"tokens", settings.refused_tokens_path}});
    return server::ExitWith(2);
  }
  if (settings.jwt_keys_path.empty() && settings.demo_tokens_path.empty()) {
    return server::Fail(2, "no way to authenticate: pass --jwt_keys=FILE (or --demo_tokens=FILE for a demo)");
  }
  if (settings.backend_identity_secrets.empty()) {
    return server::Fail(2, "--backend_identity_secrets=DIR is required: the folder with each backend's "
                           "identity secret (NAME.secret; tools/make-secrets.sh writes DIR/identity)");
  }
  if (!options.identity_secret_file.empty()) {
    log::Warning("--identity_secret_file is not used by the gateway (it signs with each "
                 "backend's own secret from --backend_identity_secrets)",
                 {{"identity_secret_file", options.identity_secret_file}});
  }
  return absl::OkStatus();
}

absl::StatusOr<Backends> ConnectBackends(const GatewaySettings& settings, int max_message_bytes) {
  Backends backends;
  for (const auto& [name, address] : std::initializer_list<std::pair<const char*, const std::string*>>{
           {"intake", &settings.intake_address},
           {"dispatch", &settings.dispatch_address},
           {"sla", &settings.sla_address},
           {"knowledge", &settings.knowledge_address},
           {"scoring", &settings.scoring_address}}) {
    if (address->empty()) continue;
    absl::StatusOr<std::vector<std::string>> secrets = server::ReadIdentitySecrets(
        absl::StrCat(settings.backend_identity_secrets, "/", name, ".secret"));
    if (!secrets.ok()) {
      log::Error("cannot read a backend's identity secret",
                 {{"backend", name}, {"error", secrets.status().ToString()}});
      return server::ExitWith(2);
    }
    backends.identity_secrets[name] = secrets->front();
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      server::ChannelCredentialsFrom(settings.backend_tls);
  if (!credentials.ok()) return server::Fail(2, "bad backend TLS settings", credentials.status());
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(max_message_bytes);
  args.SetMaxSendMessageSize(max_message_bytes);
  // gRPC waits 1 s (and more, with jitter) before reconnecting to a backend
  // that went away; a backend restarts in well under that, and calls fail
  // meanwhile. Reconnect attempts every 100 ms..1 s instead.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  // gRPC also takes this as the longest a connection attempt may take; a TLS
  // handshake on a busy machine needs more than 100 ms.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, settings.backend_tls.ca_file.empty() ? 100 : 1000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  auto connect = [&](const std::string& address) {
    return grpc::CreateCustomChannel(address, *credentials, args);
  };
  backends.intake = connect(settings.intake_address);
  backends.dispatch = connect(settings.dispatch_address);
  backends.sla = connect(settings.sla_address);
  backends.knowledge = connect(settings.knowledge_address);
  backends.scoring = settings.scoring_address.empty() ? nullptr : connect(settings.scoring_address);
  return backends;
}

}  // namespace hotline::gateway
