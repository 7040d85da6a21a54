#pragma once
// The bootstrap every Hotline service shares: a gRPC server with the health
// service (grpc.health.v1), reflection, bounded message sizes and per-RPC
// metrics, a /metrics endpoint, and a graceful shutdown (NOT_SERVING -> drain
// in-flight calls -> stop).
//
//   BlockShutdownSignals();              // first thing in main()
//   Server server(options);
//   server.AddService(&my_service);
//   if (auto s = server.Start(); !s.ok()) ...
//   WaitForShutdownSignal();             // SIGTERM or SIGINT
//   server.Shutdown();
//
// Start/Shutdown are called from one thread; the rest is thread-safe.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "metrics/endpoint.h"

namespace hotline::server {

struct ServerOptions {
  std::string service_name;  // e.g. "intake": logs and hotline_build_info
  // Loopback unless told otherwise: backends are reached through the gateway
  // only; deployments that need another interface say so (--host=0.0.0.0).
  std::string host = "127.0.0.1";
  int grpc_port = 0;     // 0: any free port (tests)
  int metrics_port = 0;  // 0: any free port (tests)
  int max_message_bytes = 4 << 20;
  // After NOT_SERVING, how long to keep serving so load balancers notice.
  absl::Duration drain_grace = absl::ZeroDuration();
  // How long in-flight calls get to finish before they are cancelled.
  absl::Duration drain_timeout = absl::Seconds(10);
  // This backend's own secret(s), with which the gateway signs the caller
  // identities it sends here (server/identity.h). Start() refuses to run
  // without one unless verify_identities is off.
  std::string identity_secret_file = "";
  // Off only for a process that verifies no caller identity (the gateway,
  // which authenticates bearer tokens and signs for each backend instead).
  bool verify_identities = true;
  // gRPC server reflection (grpcurl without protos).
  bool reflection = true;
  // TLS on the gRPC port from PEM files (both or neither). With a client CA
  // too, callers must present a certificate it signed (mutual TLS).
  std::string tls_cert_file = "";
  std::string tls_key_file = "";
  std::string tls_client_ca_file = "";
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // Shutdown() if still running

  // Services register their metrics here before Start().
  prometheus::Registry& metrics() { return metrics_.registry(); }

  // Before Start(). The service must outlive the server.
  void AddService(grpc::Service* service, std::string health_name);

  // Binds both ports and starts serving; UNAVAILABLE if a port is taken.
  absl::Status Start();
  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_.port(); }

  // Reports NOT_SERVING, waits drain_grace, then stops accepting and gives
  // in-flight calls drain_timeout to finish. Idempotent.
  void Shutdown();

  // The health name that stays SERVING while the process runs, whatever its
  // dependencies (for liveness probes: `hotline-healthcheck --service liveness`);
  // NOT_SERVING only once Shutdown() starts.
  static constexpr char kLivenessService[] = "liveness";
  // Health of the server ("") and each service while a dependency it cannot
  // serve without is (un)reachable (server/dependency_watch.h). Thread-safe;
  // no effect before Start() or once Shutdown() has begun.
  void SetDependencyServing(bool serving);

 private:
  ServerOptions options_;
  metrics::Endpoint metrics_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::unique_ptr<grpc::Server> server_;
  int grpc_port_ = 0;
  // Guards the health status against Shutdown() (SetDependencyServing runs
  // on a watch's thread).
  absl::Mutex health_mu_;
  bool shutting_down_ = false;
};

// Blocks SIGTERM and SIGINT in the calling thread and every thread started
// after it, so that WaitForShutdownSignal() receives them; also sets
// process-wide settings every service wants. Call first in main(), before any
// thread is created.
void BlockShutdownSignals();
// Returns when SIGTERM or SIGINT arrives.
void WaitForShutdownSignal();

}  // namespace hotline::server
