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
  while (!stop_.WaitForNotificationWithTimeout(interval_)) {
    const bool reachable = probe_();
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
