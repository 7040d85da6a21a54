#include "server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <signal.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "log/log.h"
#include "server/identity.h"
#include "server/rpc_metrics.h"
#include "server/tls.h"

namespace hotline::server {
namespace {

class WithoutReflection final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    std::erase_if(*plugins, [](const std::unique_ptr<grpc::ServerBuilderPlugin>& p) {
      return p->name() == "proto_server_reflection";
    });
  }
};

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)) {
  metrics::RegisterBuildInfo(metrics_.registry(), options_.service_name, HOTLINE_VERSION);
}

Server::~Server() { Shutdown(); }

void Server::AddService(grpc::Service* service, std::string health_name) {
  services_.emplace_back(service, std::move(health_name));
}

absl::Status Server::Start() {
  if (options_.verify_identities) {
    if (options_.identity_secret_file.empty()) {
      return absl::InvalidArgumentError(
          "--identity_secret_file is required (this service's secret, with which the gateway "
          "signs the caller identities it sends here)");
    }
    if (absl::Status s = LoadIdentitySecret(options_.identity_secret_file); !s.ok()) return s;
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      ServerCredentialsFrom(options_);
  if (!credentials.ok()) return credentials.status();
  if (absl::Status s = metrics_.Start(options_.host, options_.metrics_port); !s.ok()) return s;

  grpc::EnableDefaultHealthCheckService(true);
  // Linking the reflection library registers its plugin for every server in
  // the process; a server without reflection drops it from its own builder.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  if (!options_.reflection) builder.SetOption(std::make_unique<WithoutReflection>());
  builder.AddListeningPort(absl::StrCat(options_.host, ":", options_.grpc_port), *credentials,
                           &grpc_port_);
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  for (auto& [service, name] : services_) builder.RegisterService(service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(MakeRpcMetricsInterceptor(metrics_.registry()));
  interceptors.push_back(MakeIdentityMethodInterceptor());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  server_ = builder.BuildAndStart();
  if (server_ == nullptr || grpc_port_ == 0) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot listen for gRPC on ", options_.host, ":", options_.grpc_port));
  }
  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus(true);
  for (auto& [service, name] : services_) health->SetServingStatus(name, true);
  health->SetServingStatus(kLivenessService, true);
  log::Info("serving", {{"grpc_port", absl::StrCat(grpc_port_)},
                        {"metrics_port", absl::StrCat(metrics_.port())},
                        {"tls", options_.tls_cert_file.empty()               ? "off"
                                : options_.tls_client_ca_file.empty() ? "server"
                                                                      : "mutual"}});
  return absl::OkStatus();
}

void Server::SetDependencyServing(bool serving) {
  absl::MutexLock lock(&health_mu_);
  if (server_ == nullptr || shutting_down_) return;
  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus("", serving);
  for (auto& [service, name] : services_) health->SetServingStatus(name, serving);
}

void Server::Shutdown() {
  if (server_ == nullptr) return;
  log::Info("shutting down: not serving, draining");
  {
    absl::MutexLock lock(&health_mu_);
    shutting_down_ = true;
    server_->GetHealthCheckService()->SetServingStatus(false);  // every name, liveness too
  }
  if (options_.drain_grace > absl::ZeroDuration()) {
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(options_.drain_grace));
  }
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.drain_timeout));
  server_->Wait();
  {
    absl::MutexLock lock(&health_mu_);
    server_.reset();
  }
  log::Info("stopped");
}

void BlockShutdownSignals() {
  // Debian builds Abseil without NDEBUG, so every absl::Mutex gRPC takes
  // would also run the deadlock detector: 4-6 % of a service's CPU for a
  // debugging aid (bench/README.md).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  log::Info("signal received", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
}

}  // namespace hotline::server
