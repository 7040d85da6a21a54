#pragma once
// Health that follows a dependency: while something the server cannot serve
// without (its Redis) is unreachable, grpc.health.v1 answers NOT_SERVING for
// the server ("") and each of its services, and SERVING again as soon as it
// is back, so that load balancers, readiness probes and operators see the
// outage (calls fail fast with UNAVAILABLE meanwhile). The health name
// Server::kLivenessService stays SERVING: the process itself is fine, and
// restarting it would not bring Redis back (liveness probes ask for it).
//
//   server::DependencyWatch redis_health(server, "redis",
//                                        [&redis] { return redis::Answers(redis); });  // redis/health_probe.h
//
// Two failed probes in a row turn it NOT_SERVING (one lost command is not an
// outage), one success SERVING again.
// A thread of its own calls `probe` every `interval` (after Server::Start);
// the probe must return within a bounded time (a Redis PING fails at once on
// a refused connection, after the client's command timeout on a silent one).
// One line is logged per change. Stop (or the destructor) joins the thread;
// call it before the probe's dependencies go away.
#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/server.h"

namespace hotline::server {

class DependencyWatch {
 public:
  DependencyWatch(Server& server, std::string name, std::function<bool()> probe,
                  absl::Duration interval = absl::Milliseconds(200));
  ~DependencyWatch();  // Stop()
  DependencyWatch(const DependencyWatch&) = delete;
  DependencyWatch& operator=(const DependencyWatch&) = delete;

  void Stop();

 private:
  void Run();

  Server& server_;
  const std::string name_;
  const std::function<bool()> probe_;
  const absl::Duration interval_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hotline::server
