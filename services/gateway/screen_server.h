#pragma once
// The big screen (大屏) on its own HTTP port: the page (HTML/CSS/JS shipped
// in services/gateway/screen/, embedded in the binary, nothing fetched from
// elsewhere) and its read-only JSON API, GET /api/screen, which is scoring's
// GetScreen answer as JSON. That answer carries no personal data by
// construction (no names, phones, addresses finer than a street, agents or
// order ids), so the port needs no token: it is meant for the wall.
// The answer is computed once for every wall: kept for a few seconds and
// never computed twice at once (screen_cache.h). Scoring is asked as the
// wall (ScreenActor: ROLE_SCREEN, which every backend RPC but GetScreen
// refuses), not as a person.
// Served by civetweb (already in the process for /metrics). Thread-safe.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "clock/clock.h"
#include "gateway/screen_cache.h"
#include "hotline/v1/scoring.grpc.pb.h"
#include "hotline/v1/work_order.pb.h"

struct mg_context;
struct mg_connection;

namespace hotline::gateway {

// The identity the screen reads as: the wall, with no unit and the one role
// that may call GetScreen and nothing else.
v1::Actor ScreenActor();

class ScreenServer {
 public:
  // `scoring` may be null: the API then answers 503; `scoring_identity_secret`
  // signs the wall's identity for it (server/identity.h). `timeout` bounds one
  // scoring call; an answer is kept for `cache_ttl` (clock: `clock`).
  // `metrics` (optional) gets hotline_gateway_screen_requests_total{source}.
  ScreenServer(std::shared_ptr<grpc::Channel> scoring, std::string scoring_identity_secret,
               absl::Duration timeout, absl::Duration cache_ttl = absl::Seconds(3), prometheus::Registry* metrics = nullptr,
               const Clock& clock = SystemClock::Get());
  ~ScreenServer();  // Stop()
  ScreenServer(const ScreenServer&) = delete;
  ScreenServer& operator=(const ScreenServer&) = delete;

  // Listens on host:port (port 0: any free port). UNAVAILABLE if it cannot bind.
  absl::Status Start(const std::string& host, int port);
  void Stop();
  int port() const { return port_; }

 private:
  static int HandleApi(mg_connection* conn, void* self);
  static int HandlePage(mg_connection* conn, void* self);
  // One scoring query, as JSON (the cache's fetch).
  ScreenCache::Answer Compute();

  std::unique_ptr<v1::Scoring::Stub> scoring_;
  std::string scoring_secret_;
  absl::Duration timeout_;
  ScreenCache cache_;
  prometheus::Counter* from_cache_ = nullptr;
  prometheus::Counter* computed_ = nullptr;
  prometheus::Counter* shared_ = nullptr;
  mg_context* context_ = nullptr;
  int port_ = 0;
};

}  // namespace hotline::gateway
