#pragma once
// Where the Redis master is, for a Client. Internal to libs/redis.
//
// Without Sentinels it is always Options::host:port. With Sentinels a thread
// keeps the answer current: it asks the Sentinels in turn (SENTINEL
// get-master-addr-by-name), every Options::sentinel_poll and at once after
// Suspect(); between questions it listens on one Sentinel's +switch-master
// channel, so a failover is known as soon as a Sentinel announces it.
//
// Thread-safety: every method may be called from any thread.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "redis/client.h"

namespace hotline::redis::internal {

class MasterLocator {
 public:
  struct Master {
    std::string host;
    int port = 0;
    // Changes whenever the address does: a connection made to an older
    // generation is dropped before its next batch.
    uint64_t generation = 0;
  };

  // With Sentinels, asks them once before returning (at most
  // connect_timeout per Sentinel), then keeps asking on a thread.
  explicit MasterLocator(const Options& options);
  ~MasterLocator();
  MasterLocator(const MasterLocator&) = delete;
  MasterLocator& operator=(const MasterLocator&) = delete;

  bool uses_sentinels() const { return !options_.sentinels.empty(); }
  // The master as last known, or nullopt with *why set when none is known.
  std::optional<Master> Current(std::string* why) const;
  // The current generation only (cheap: an atomic load).
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // A connection found the master unreachable, or not a master: ask now.
  void Suspect();
  // Describes the target for logs: "host:port" or "sentinel://.../name".
  std::string Describe() const;

 private:
  void Run();
  // Asks the Sentinels in turn; true when one answered with an address.
  bool Ask();
  void Set(const std::string& host, int port);

  const Options& options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::optional<Master> master_;  // guarded by mu_
  std::string why_ = "no Sentinel has answered yet";  // guarded by mu_
  bool suspected_ = false;                             // guarded by mu_
  bool stopping_ = false;                              // guarded by mu_
  std::atomic<uint64_t> generation_{0};
  std::thread thread_;
};

}  // namespace hotline::redis::internal
