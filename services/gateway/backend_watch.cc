#include "gateway/backend_watch.h"

#include <chrono>

#include "log/log.h"

namespace hotline::gateway {

BackendWatch::BackendWatch(std::vector<WatchedBackend> backends)
    : backends_(std::move(backends)), thread_([this] { Run(); }) {}

BackendWatch::~BackendWatch() { Stop(); }

void BackendWatch::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void BackendWatch::Run() {
  std::vector<bool> down(backends_.size(), false);
  while (!stop_) {
    for (size_t i = 0; i < backends_.size(); ++i) {
      const WatchedBackend& b = backends_[i];
      // try_to_connect: an idle or failed channel starts connecting now.
      const grpc_connectivity_state state = b.channel->GetState(/*try_to_connect=*/true);
      if (state == GRPC_CHANNEL_TRANSIENT_FAILURE && !down[i]) {
        down[i] = true;
        log::Warning("backend unavailable; its calls fail until it is back",
                     {{"backend", b.name}, {"address", b.address}});
      } else if (state == GRPC_CHANNEL_READY && down[i]) {
        down[i] = false;
        log::Info("backend available again", {{"backend", b.name}, {"address", b.address}});
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace hotline::gateway
