// hotline-echo: the baseline that the work-order benchmark is compared with.
//
//   --mode server                  answers hotline.v1.Echo with the payload it got
//   --mode proxy --upstream H:P    forwards every Echo call to another hotline-echo
//                                  (--upstream_channels N: N connections instead of
//                                  the gateway's one, for experiments)
//
// loadgen -> proxy -> server has the same hops as loadgen -> gateway -> intake,
// and both processes use hotline::server::Server (health, reflection, the
// per-RPC metrics interceptor, /metrics), so the only thing the real path does
// on top is its own work: token check, validation, building the order, the
// Redis round trip. The proxy forwards exactly the way the gateway does
// (services/gateway/gateway_service.cc, Forward): a ClientContext made with
// FromCallbackServerContext (propagates deadline and cancellation), its own
// deadline, the caller identity as metadata, stub->async(), the context
// deleted in the completion callback, the request and response objects passed
// through without a copy.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "config/flags.h"
#include "hotline/v1/echo.grpc.pb.h"
#include "log/log.h"
#include "server/identity.h"
#include "server/server.h"

namespace hotline::bench {
namespace {

class EchoService final : public v1::Echo::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const v1::EchoRequest* request,
                                 v1::EchoResponse* response) override {
    auto* reactor = context->DefaultReactor();
    response->set_payload(request->payload());
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

class EchoProxy final : public v1::Echo::CallbackService {
 public:
  EchoProxy(const std::vector<std::shared_ptr<grpc::Channel>>& upstream, absl::Duration timeout,
            std::string identity_secret)
      : timeout_(timeout), identity_secret_(std::move(identity_secret)) {
    for (const auto& channel : upstream) stubs_.push_back(v1::Echo::NewStub(channel));
    // The gateway attaches the caller's identity to every backend call; so do we.
    actor_.set_user_id("bench-agent");
    actor_.set_role(v1::ROLE_AGENT);
    actor_.set_unit_code("GZ12345");
  }

  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const v1::EchoRequest* request,
                                 v1::EchoResponse* response) override {
    auto* reactor = context->DefaultReactor();
    grpc::ClientContext* upstream =
        grpc::ClientContext::FromCallbackServerContext(*context).release();
    upstream->set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
    // As the gateway: a digest of the request, signed with the method path.
    server::AttachIdentity(actor_, identity_secret_, "/hotline.v1.Echo/Echo", *request, upstream);
    v1::Echo::Stub& stub =
        *stubs_[next_.fetch_add(1, std::memory_order_relaxed) % stubs_.size()];
    stub.async()->Echo(upstream, request, response, [reactor, upstream](grpc::Status status) {
      delete upstream;
      reactor->Finish(status);
    });
    return reactor;
  }

 private:
  std::vector<std::unique_ptr<v1::Echo::Stub>> stubs_;  // one per upstream channel
  std::atomic<uint64_t> next_{0};
  absl::Duration timeout_;
  std::string identity_secret_;
  v1::Actor actor_;
};

}  // namespace
}  // namespace hotline::bench

int main(int argc, char** argv) {
  using namespace hotline;
  server::BlockShutdownSignals();

  server::ServerOptions options{.service_name = "echo", .grpc_port = 50090, .metrics_port = 9190};
  std::string mode = "server";
  std::string upstream_address;
  int upstream_channels = 1;
  absl::Duration upstream_timeout = absl::Seconds(10);
  config::Flags flags("hotline-echo",
                      "benchmark baseline: an Echo server, or a proxy that forwards Echo the way "
                      "the gateway forwards to intake");
  flags.String("mode", "HOTLINE_ECHO_MODE", "server | proxy", &mode);
  flags.String("upstream", "HOTLINE_ECHO_UPSTREAM", "proxy mode: the Echo server host:port",
               &upstream_address);
  flags.Int("upstream_channels", "HOTLINE_ECHO_UPSTREAM_CHANNELS",
            "proxy mode: channels (connections) to the upstream; the gateway uses 1",
            &upstream_channels);
  flags.Duration("upstream_timeout", "HOTLINE_ECHO_UPSTREAM_TIMEOUT",
                 "proxy mode: longest an upstream call may take (like the gateway's "
                 "--backend_timeout)",
                 &upstream_timeout);
  flags.String("host", "HOTLINE_HOST", "address to listen on", &options.host);
  flags.Int("grpc_port", "HOTLINE_GRPC_PORT", "gRPC port", &options.grpc_port);
  flags.Int("metrics_port", "HOTLINE_METRICS_PORT", "Prometheus /metrics port",
            &options.metrics_port);
  // Signs the identity it passes on as the gateway does (the same work per call).
  flags.String("identity_secret_file", "HOTLINE_IDENTITY_SECRET_FILE",
               "identity secret (libs/server/identity.h)", &options.identity_secret_file);
  flags.ParseOrExit(argc, argv);

  if (mode != "server" && mode != "proxy") {
    log::Error("--mode must be server or proxy", {{"mode", mode}});
    return 2;
  }
  if (mode == "proxy" && upstream_address.empty()) {
    log::Error("--mode proxy needs --upstream HOST:PORT");
    return 2;
  }
  log::SetService(mode == "server" ? "echo-server" : "echo-proxy");
  options.service_name = mode == "server" ? "echo-server" : "echo-proxy";

  std::unique_ptr<v1::Echo::CallbackService> service;
  if (mode == "server") {
    service = std::make_unique<bench::EchoService>();
  } else {
    // The same channel settings as the gateway's channel to intake. With
    // --upstream_channels > 1 each channel gets a connection of its own (an
    // experiment: the gateway has one).
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    for (int i = 0; i < std::max(upstream_channels, 1); ++i) {
      grpc::ChannelArguments args;
      args.SetMaxReceiveMessageSize(options.max_message_bytes);
      args.SetMaxSendMessageSize(options.max_message_bytes);
      if (upstream_channels > 1) {
        args.SetInt("hotline.bench_channel", i);
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      }
      channels.push_back(
          grpc::CreateCustomChannel(upstream_address, grpc::InsecureChannelCredentials(), args));
    }
    absl::StatusOr<std::vector<std::string>> secrets =
        server::ReadIdentitySecrets(options.identity_secret_file);
    if (!secrets.ok()) {
      log::Error("cannot read the identity secret", {{"error", secrets.status().ToString()}});
      return 2;
    }
    service = std::make_unique<bench::EchoProxy>(channels, upstream_timeout, secrets->front());
  }

  server::Server server(options);
  server.AddService(service.get(), "hotline.v1.Echo");
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  if (mode == "proxy") log::Info("forwarding", {{"upstream", upstream_address}});
  server::WaitForShutdownSignal();
  server.Shutdown();
  return 0;
}
