#include "server/dependency_watch.h"

#include "log/log.h"

namespace hotline::server {

DependencyWatch::DependencyWatch(Server& server, std::string name, std::function<bool()> probe,
                                 absl::Duration interval)
    : server_(server), name_(std::move(name)), probe_(std::move(probe)), interval_(interval) {
  thread_ = std::thread([this] { Run(); });
}

DependencyWatch::~DependencyWatch() { Stop(); }

void DependencyWatch::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void DependencyWatch::Run() {
  bool up = true;  // Start() reports SERVING
  int failures = 0;
  while (!stop_.WaitForNotificationWithTimeout(interval_)) {
    // Two failed probes in a row before NOT_SERVING: one command lost to a
    // broken connection is not an outage. One success is enough to serve.
    failures = probe_() ? 0 : failures + 1;
    const bool reachable = failures < 2;
    if (reachable == up) continue;
    up = reachable;
    server_.SetDependencyServing(up);
    if (up) {
      log::Info("dependency reachable again: serving", {{"dependency", name_}});
    } else {
      log::Warning("dependency unreachable: not serving until it is back", {{"dependency", name_}});
    }
  }
}

}  // namespace hotline::server
