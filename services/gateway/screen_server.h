#pragma once
// The big screen (大屏) on its own HTTP port: the page (HTML/CSS/JS shipped
// in services/gateway/screen/, embedded in the binary, nothing fetched from
// elsewhere) and its read-only JSON API, GET /api/screen, which is scoring's
// GetScreen answer as JSON. That answer carries no personal data by
// construction (no names, phones, addresses finer than a street, agents or
// order ids), so the port needs no token: it is meant for the wall.
// Served by civetweb (already in the process for /metrics). Thread-safe.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "hotline/v1/scoring.grpc.pb.h"

struct mg_context;
struct mg_connection;

namespace hotline::gateway {

class ScreenServer {
 public:
  // `scoring` may be null: the API then answers 503.
  ScreenServer(std::shared_ptr<grpc::Channel> scoring, absl::Duration timeout);
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

  std::unique_ptr<v1::Scoring::Stub> scoring_;
  absl::Duration timeout_;
  mg_context* context_ = nullptr;
  int port_ = 0;
};

}  // namespace hotline::gateway
