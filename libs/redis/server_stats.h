#pragma once
// Redis's own figures as Prometheus gauges, polled every `period` (INFO):
//   hotline_redis_used_memory_bytes, hotline_redis_maxmemory_bytes (0: no
//   limit), hotline_redis_aof_rewrite_in_progress (1 while a rewrite child
//   runs), hotline_redis_aof_size_bytes.
// The memory alert needs them: Redis holds every open order, so memory is
// what a busy centre runs out of first. One service (intake) runs it.
// Start() runs a thread; thread-safe.
#include <atomic>
#include <thread>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/time/time.h"
#include "redis/client.h"

namespace hotline::redis {

class ServerStats {
 public:
  ServerStats(Client& redis, prometheus::Registry& metrics, absl::Duration period = absl::Seconds(5));
  ~ServerStats();  // Stop()
  void Start();
  void Stop();
  // One poll now (what the thread does each period); false if Redis did not answer.
  bool PollOnce();

 private:
  Client& redis_;
  const absl::Duration period_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  prometheus::Gauge& used_memory_;
  prometheus::Gauge& max_memory_;
  prometheus::Gauge& rewrite_in_progress_;
  prometheus::Gauge& aof_size_;
};

}  // namespace hotline::redis
