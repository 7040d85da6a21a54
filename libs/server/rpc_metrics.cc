#include "server/rpc_metrics.h"

#include <google/protobuf/descriptor.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <chrono>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "metrics/endpoint.h"

namespace hotline::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr int kNumCodes = 17;  // grpc::StatusCode OK .. UNAUTHENTICATED

const char* CodeName(int code) {
  static constexpr std::array<const char*, kNumCodes> kNames = {
      "OK",           "CANCELLED",          "UNKNOWN",          "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND",     "ALREADY_EXISTS",   "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",   "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",          "UNAVAILABLE",      "DATA_LOSS",
      "UNAUTHENTICATED"};
  return code >= 0 && code < kNumCodes ? kNames[code] : "UNKNOWN";
}

// Methods of the services compiled into this binary (our protos) plus the
// health and reflection services gRPC itself serves.
bool IsKnownMethod(const std::string& service, const std::string& method) {
  if (service == "grpc.health.v1.Health") return method == "Check" || method == "Watch";
  if (service == "grpc.reflection.v1alpha.ServerReflection" ||
      service == "grpc.reflection.v1.ServerReflection") {
    return method == "ServerReflectionInfo";
  }
  const google::protobuf::ServiceDescriptor* s =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
  return s != nullptr && s->FindMethodByName(method) != nullptr;
}

// The metric children of one method, looked up once and then reused.
struct MethodMetrics {
  prometheus::Labels labels;  // grpc_service, grpc_method
  prometheus::Counter* started;
  prometheus::Histogram* seconds;
  std::array<std::atomic<prometheus::Counter*>, kNumCodes> handled{};
};

class RpcMetrics {
 public:
  explicit RpcMetrics(prometheus::Registry& registry)
      : started_(prometheus::BuildCounter()
                     .Name("hotline_grpc_server_started_total")
                     .Help("RPCs started on the server.")
                     .Register(registry)),
        handled_(prometheus::BuildCounter()
                     .Name("hotline_grpc_server_handled_total")
                     .Help("RPCs completed on the server, by status code.")
                     .Register(registry)),
        seconds_(prometheus::BuildHistogram()
                     .Name("hotline_grpc_server_handling_seconds")
                     .Help("Time from receiving an RPC to sending its status.")
                     .Register(registry)) {}

  MethodMetrics* For(const char* full_method) {
    std::string key = full_method ? full_method : "";
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = methods_.find(key); it != methods_.end()) return it->second.get();
    }
    // "/hotline.v1.Intake/CreateWorkOrder" -> service, method; a path no
    // compiled service defines (a scanner's guess) shares one "unknown" child,
    // and so does the map entry, so junk paths cannot grow either.
    std::string service = "unknown", method = "unknown";
    if (auto slash = key.rfind('/'); slash != std::string::npos && slash > 0 &&
                                      IsKnownMethod(key.substr(1, slash - 1),
                                                    key.substr(slash + 1))) {
      service = key.substr(1, slash - 1);
      method = key.substr(slash + 1);
    } else {
      key = "unknown";
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = methods_.find(key); it != methods_.end()) return it->second.get();
    }
    prometheus::Labels labels = {{"grpc_service", service}, {"grpc_method", method}};
    auto m = std::make_unique<MethodMetrics>();
    m->labels = labels;
    m->started = &started_.Add(labels);
    m->seconds = &seconds_.Add(labels, metrics::LatencyBuckets());
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = methods_.emplace(key, std::move(m));
    return it->second.get();
  }

  // Code children appear on first use, so the exposition lists only codes seen.
  prometheus::Counter& Handled(MethodMetrics* m, int code) {
    if (code < 0 || code >= kNumCodes) code = 2;  // UNKNOWN
    if (prometheus::Counter* c = m->handled[code].load(std::memory_order_acquire)) return *c;
    absl::MutexLock lock(&mu_);
    prometheus::Labels labels = m->labels;
    labels["grpc_code"] = CodeName(code);
    prometheus::Counter* c = &handled_.Add(labels);  // returns the existing child if any
    m->handled[code].store(c, std::memory_order_release);
    return *c;
  }

 private:
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& seconds_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodMetrics>> methods_;
};

class RpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(RpcMetrics* metrics, const char* method)
      : metrics_(metrics), m_(metrics->For(method)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* batch) override {
    if (batch->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      start_ = std::chrono::steady_clock::now();
      m_->started->Increment();
    }
    if (batch->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
      m_->seconds->Observe(elapsed.count());
      metrics_->Handled(m_, batch->GetSendStatus().error_code()).Increment();
    }
    batch->Proceed();
  }

 private:
  RpcMetrics* metrics_;
  MethodMetrics* m_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

class RpcMetricsFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcMetricsFactory(prometheus::Registry& registry) : metrics_(registry) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcMetricsInterceptor(&metrics_, info->method());
  }

 private:
  RpcMetrics metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcMetricsInterceptor(
    prometheus::Registry& registry) {
  return std::make_unique<RpcMetricsFactory>(registry);
}

}  // namespace hotline::server
