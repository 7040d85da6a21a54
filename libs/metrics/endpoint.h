#pragma once
// A Prometheus registry and the HTTP endpoint (/metrics) that serves it.
// Thread-safe (prometheus-cpp metrics are).
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace hotline::metrics {

// Histogram buckets for request latencies, in seconds (0.5 ms .. 10 s).
const std::vector<double>& LatencyBuckets();

class Endpoint {
 public:
  // The registry exists at once so metrics can be registered before Start().
  Endpoint();
  ~Endpoint();

  // Serves /metrics on host:port (port 0: any free port). UNAVAILABLE when the
  // port cannot be bound.
  absl::Status Start(const std::string& host, int port);
  int port() const { return port_; }

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;  // must outlive exposer_
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

// Registers hotline_build_info{service,version} = 1.
void RegisterBuildInfo(prometheus::Registry& registry, const std::string& service,
                       const std::string& version);

}  // namespace hotline::metrics
