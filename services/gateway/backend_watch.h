#pragma once
// Tells operators when a backend becomes unreachable and when it is back: one
// log line each way, not one per failed call. Watches each channel's
// connectivity state on a thread of its own (every 50 ms), asking the channel
// to connect, so that a backend that restarts is reconnected at once rather
// than on the next call.
#include <grpcpp/channel.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace hotline::gateway {

struct WatchedBackend {
  std::string name;     // "intake"
  std::string address;  // "127.0.0.1:50052"
  std::shared_ptr<grpc::Channel> channel;
};

class BackendWatch {
 public:
  explicit BackendWatch(std::vector<WatchedBackend> backends);
  ~BackendWatch();  // Stop()
  // Stops watching (on shutdown, before the channels' peers go away).
  void Stop();
  BackendWatch(const BackendWatch&) = delete;
  BackendWatch& operator=(const BackendWatch&) = delete;

 private:
  void Run();

  std::vector<WatchedBackend> backends_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace hotline::gateway
