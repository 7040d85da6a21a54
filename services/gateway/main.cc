// hotline-gateway: the one API agent desktops talk to (hotline.v1.Hotline).
// Settings come from flags or the environment (--help lists them).
#include <grpcpp/grpcpp.h>

#include "config/flags.h"
#include "gateway/backend_watch.h"
#include "gateway/gateway_service.h"
#include "gateway/screen_server.h"
#include "gateway/token_auth.h"
#include "log/log.h"
#include "server/server.h"
#include "server/server_flags.h"

int main(int argc, char** argv) {
  using namespace hotline;
  server::BlockShutdownSignals();
  log::SetService("gateway");

  server::ServerOptions options{
      .service_name = "gateway", .grpc_port = 50051, .metrics_port = 9101};
  std::string intake_address = "127.0.0.1:50052";
  std::string dispatch_address = "127.0.0.1:50053";
  std::string sla_address = "127.0.0.1:50054";
  std::string knowledge_address = "127.0.0.1:50055";
  std::string scoring_address = "127.0.0.1:50056";
  int screen_port = 8080;
  std::string tokens_path = "config/tokens.textproto";
  absl::Duration backend_timeout = absl::Seconds(10);
  config::Flags flags("hotline-gateway", "the Hotline API for agent desktop clients");
  server::AddServerFlags(flags, &options);
  flags.String("intake", "HOTLINE_INTAKE_ADDR", "intake service host:port", &intake_address);
  flags.String("dispatch", "HOTLINE_DISPATCH_ADDR", "dispatch service host:port",
               &dispatch_address);
  flags.String("sla", "HOTLINE_SLA_ADDR", "sla service host:port", &sla_address);
  flags.String("knowledge", "HOTLINE_KNOWLEDGE_ADDR", "knowledge service host:port",
               &knowledge_address);
  flags.String("scoring", "HOTLINE_SCORING_ADDR", "scoring service host:port (\"\": none)", &scoring_address);
  flags.Int("screen_port", "HOTLINE_SCREEN_PORT",
            "HTTP port of the big screen and its JSON API (0: any free port; -1: off)", &screen_port);
  flags.String("tokens", "HOTLINE_TOKENS", "token file (hotline.v1.TokenFile)", &tokens_path);
  flags.Duration("backend_timeout", "HOTLINE_BACKEND_TIMEOUT",
                 "longest a backend call may take (the caller's deadline may be shorter)",
                 &backend_timeout);
  flags.ParseOrExit(argc, argv);

  absl::StatusOr<gateway::TokenAuth> auth = gateway::TokenAuth::Load(tokens_path);
  if (!auth.ok()) {
    log::Error("cannot load tokens", {{"error", auth.status().ToString()}});
    return 1;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);
  // gRPC waits 1 s (and more, with jitter) before reconnecting to a backend
  // that went away; a backend restarts in well under that, and calls fail
  // meanwhile. Reconnect attempts every 100 ms..1 s instead.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  gateway::Backends backends{
      .intake = grpc::CreateCustomChannel(intake_address, grpc::InsecureChannelCredentials(), args),
      .dispatch =
          grpc::CreateCustomChannel(dispatch_address, grpc::InsecureChannelCredentials(), args),
      .sla = grpc::CreateCustomChannel(sla_address, grpc::InsecureChannelCredentials(), args),
      .knowledge =
          grpc::CreateCustomChannel(knowledge_address, grpc::InsecureChannelCredentials(), args),
      .scoring = scoring_address.empty()
                     ? nullptr
                     : grpc::CreateCustomChannel(scoring_address, grpc::InsecureChannelCredentials(), args)};

  gateway::BackendWatch watch({{"intake", intake_address, backends.intake},
                               {"dispatch", dispatch_address, backends.dispatch},
                               {"sla", sla_address, backends.sla},
                               {"knowledge", knowledge_address, backends.knowledge}});

  server::Server server(options);
  gateway::GatewayService service(*auth, backends, backend_timeout, server.metrics());
  server.AddService(&service, "hotline.v1.Hotline");
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  // The big screen: the page and its JSON API, on the same host as the API.
  gateway::ScreenServer screen(backends.scoring, absl::Seconds(3));
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
