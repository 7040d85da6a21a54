#include "metrics/endpoint.h"

#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <exception>

#include "absl/strings/str_cat.h"

namespace hotline::metrics {

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return buckets;
}

Endpoint::Endpoint() : registry_(std::make_shared<prometheus::Registry>()) {}
Endpoint::~Endpoint() = default;

absl::Status Endpoint::Start(const std::string& host, int port) {
  try {
    // One civetweb thread: scrapes are rare and cheap.
    exposer_ = std::make_unique<prometheus::Exposer>(absl::StrCat(host, ":", port), 1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", host, ":", port, ": ", e.what()));
  }
  exposer_->RegisterCollectable(registry_);
  std::vector<int> ports = exposer_->GetListeningPorts();
  port_ = ports.empty() ? port : ports.front();
  return absl::OkStatus();
}

void RegisterBuildInfo(prometheus::Registry& registry, const std::string& service,
                       const std::string& version) {
  prometheus::BuildGauge()
      .Name("hotline_build_info")
      .Help("Always 1; labels tell which service and version runs.")
      .Register(registry)
      .Add({{"service", service}, {"version", version}})
      .Set(1);
}

}  // namespace hotline::metrics
