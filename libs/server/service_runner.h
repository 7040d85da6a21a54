#pragma once
// The start-up and stop every Hotline service shares, so that a main() says
// only what is particular to its service:
//
//   int main(int argc, char** argv) {
//     server::ServiceRunner runner({.server = {.service_name = "dispatch", .grpc_port = 50053,
//                                              .metrics_port = 9103},
//                                   .summary = "moves work orders ...", .data_dir_help = "...",
//                                   .city_clock = true, .consumer_group = "dispatch"});
//     runner.flags().Bool("auto_dispatch", ...);   // the service's own flags
//     return runner.Run(argc, argv, [&](server::ServiceRunner& s) -> absl::Status {
//       auto reference = s.Reference(dispatch::MakeLiveDispatchReferenceData, "cannot load ...");
//       if (!reference.ok()) return reference.status();
//       auto& store = s.Make<orders::RedisOrderStore>(s.redis());
//       s.Serve(s.Make<dispatch::DispatchService>(...), "hotline.v1.Dispatch");
//       s.ConsumeEvents(stream, dead_letter, handler);
//       return absl::OkStatus();
//     });
//   }
//
// The constructor blocks the shutdown signals (first thing in main(), before
// any thread) and binds the shared flags: the server's (server_flags.h), Redis's
// (redis/flags.h) and, as the spec asks, --data_dir with refdata's
// (refdata/live.h), the city clock's (clock/city_clock.h) and the consumer
// group's (stream/group_flags.h). Run() parses them, builds the clock and the
// server, calls the setup, starts serving with health following Redis
// (dependency_watch.h) when the setup used Redis, starts the background
// workers, waits for SIGTERM or SIGINT and stops in order: workers (last
// started first), the server (drained), the reference data, then what the
// setup made (last made first).
//
// Exit codes: 0 after a signal; 2 for a bad setting; 1 when something the
// service needs cannot be loaded or the server cannot start. Not thread-safe:
// main()'s thread only.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clock/city_clock.h"
#include "clock/clock.h"
#include "config/flags.h"
#include "directory/city.h"
#include "redis/client.h"
#include "redis/flags.h"
#include "refdata/live.h"
#include "refdata/ref_store.h"
#include "server/server.h"
#include "stream/consumer_group.h"

namespace hotline::server {

struct ServiceSpec {
  // Names the service ("dispatch": log lines, hotline-dispatch, build info)
  // and holds its defaults (ports, host, identities, reflection).
  ServerOptions server;
  std::string summary = "";  // the first line of --help
  // --data_dir's help; empty: no --data_dir and no reference data (the gateway).
  std::string data_dir_help = "";
  // --clock_* flags (a demo's or a test's city time); off: the wall clock.
  bool city_clock = false;
  // The consumer group ("sla") in which the service reads the order events
  // (ConsumeEvents): --consumer_name (by default "<group>-<pid>"),
  // --reclaim_idle, --max_deliveries; its metrics are hotline_<group>_...
  // Empty: none.
  std::string consumer_group = "";
  // Connections of the shared Redis client whatever --redis_connections says
  // (0: as the flag says).
  int redis_connections = 0;
};

// Logs `what` with `cause` as the error (as a service's main() does) and
// returns an error that makes Run() exit with `exit_code`.
absl::Status Fail(int exit_code, std::string_view what, const absl::Status& cause = absl::OkStatus());
// The same for an error already logged.
absl::Status ExitWith(int exit_code, absl::Status cause = absl::InvalidArgumentError("bad settings"));

class ServiceRunner {
 public:
  using Setup = std::function<absl::Status(ServiceRunner&)>;

  explicit ServiceRunner(ServiceSpec spec);
  ~ServiceRunner();
  ServiceRunner(const ServiceRunner&) = delete;
  ServiceRunner& operator=(const ServiceRunner&) = delete;

  // Before Run(): the service binds its own flags here.
  config::Flags& flags() { return flags_; }
  // The server's settings: defaults before Run(), the parsed values after.
  ServerOptions& options() { return spec_.server; }

  // Parses the flags, calls `setup` and serves until a signal; the exit code.
  int Run(int argc, char** argv, const Setup& setup);

  // --- during setup ---
  Server& server() { return *server_; }
  prometheus::Registry& metrics() { return server_->metrics(); }
  const Clock& clock() const { return *clock_; }
  const std::string& data_dir() const { return refdata_options_.data_dir; }
  const std::string& redis_address() const { return redis_flags_.address; }  // --redis
  // The shared client (made on first use, with the Redis metrics); the
  // server's health follows it once it is made.
  redis::Client& redis();
  // A client of its own with `connections` connections, for a reader that
  // blocks (XREAD); no metrics.
  redis::Client& OwnRedis(int connections);

  // Reference data followed live (refdata/live.h): made by `make` from Redis
  // (seeded from --data_dir), then, the first time, the city profile is
  // adopted and followed live (refdata::MakeLiveCity, without waiting for
  // Redis again when it did not answer). Started before the server serves, stopped after it drained.
  // Errors are logged as `what` and make Run() exit 1.
  template <typename T>
  using MakeLive = absl::StatusOr<std::unique_ptr<refdata::Live<T>>> (*)(refdata::RefStore&, refdata::LiveOptions);
  template <typename T>
  absl::StatusOr<refdata::Live<T>*> Reference(MakeLive<T> make, std::string_view what) {
    absl::StatusOr<std::unique_ptr<refdata::Live<T>>> live = make(ref_store(), refdata_options_);
    if (!live.ok()) return Fail(1, what, live.status());
    refdata::Live<T>* raw = live->get();
    if (absl::Status s = AdoptCity(raw->versions()); !s.ok()) return s;
    references_.push_back({[raw] { return raw->Start(), absl::OkStatus(); }, [raw] { raw->Stop(); }});
    Own(std::shared_ptr<refdata::Live<T>>(std::move(*live)));
    return raw;
  }

  // Makes a T that lives until after the server stopped (destroyed last made
  // first).
  template <typename T, typename... Args>
  T& Make(Args&&... args) {
    auto made = std::make_shared<T>(std::forward<Args>(args)...);
    Own(made);
    return *made;
  }

  // Serves `service` (it must outlive the server: make it with Make).
  void Serve(grpc::Service& service, std::string health_name);
  // A worker started once the server serves and stopped on the signal,
  // before the server drains (last started first). A start that fails
  // (logged with Fail) stops what started and makes Run() exit 1.
  void Background(std::function<absl::Status()> start, std::function<void()> stop);
  template <typename Worker>
  Worker& Background(Worker& worker) {
    Background([&worker] { return worker.Start(), absl::OkStatus(); }, [&worker] { worker.Stop(); });
    return worker;
  }
  // The consumer group of the spec on `stream`, with a Redis connection of
  // its own (XREADGROUP blocks); `handler` as stream::ConsumerGroup takes it.
  // Started once the server serves.
  stream::ConsumerGroup& ConsumeEvents(std::string stream, std::string dead_letter,
                                       stream::BatchHandler handler);
  const stream::GroupOptions& events() const { return events_; }
  // The city profile followed live (see Reference); nullptr until the first
  // Reference was made.
  refdata::Live<directory::City>* city() const { return city_; }

 private:
  refdata::RefStore& ref_store();
  absl::Status AdoptCity(const std::map<std::string, int64_t>& versions);
  void Own(std::shared_ptr<void> object) { owned_.push_back(std::move(object)); }
  int Serve();

  struct StartStop {
    std::function<absl::Status()> start;
    std::function<void()> stop;
  };

  ServiceSpec spec_;
  config::Flags flags_;
  redis::RedisFlags redis_flags_;
  refdata::LiveOptions refdata_options_;
  CityClockFlags clock_flags_;
  stream::GroupOptions events_;

  std::unique_ptr<Clock> clock_;
  redis::Options redis_options_;
  std::unique_ptr<Server> server_;
  std::vector<std::unique_ptr<redis::Client>> clients_;  // [0]: the shared one, when made
  redis::Client* redis_ = nullptr;
  std::unique_ptr<refdata::RefStore> ref_store_;
  bool city_adopted_ = false;
  refdata::Live<directory::City>* city_ = nullptr;
  std::vector<std::shared_ptr<void>> owned_;
  std::vector<StartStop> references_;
  std::vector<StartStop> workers_;
};

}  // namespace hotline::server
