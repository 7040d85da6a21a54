#pragma once
// Auto-dispatch: reads order events from the stream as one consumer of the
// "dispatch" consumer group and routes each new order (Dispatcher::
// AutoDispatch). At-least-once: an event is acknowledged only after its
// effect is written (or known to be moot); events a dead replica left pending
// are reclaimed after `reclaim_idle`; an event that failed `max_deliveries`
// times goes to the dead-letter stream. Routing is idempotent, so an event
// handled twice routes its order once.
//
// Runs on its own thread with its own Redis connection (XREADGROUP blocks).
#include <atomic>
#include <string>
#include <thread>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "dispatch/dispatcher.h"
#include "orders/order_keys.h"
#include "redis/client.h"

namespace hotline::dispatch {

struct ConsumerOptions {
  std::string group = "dispatch";
  std::string consumer;  // unique per replica
  int batch = 64;
  absl::Duration block = absl::Milliseconds(500);
  absl::Duration reclaim_idle = absl::Seconds(10);
  int max_deliveries = 5;
};

class EventConsumer {
 public:
  EventConsumer(redis::Client& redis, const orders::OrderKeys& keys, Dispatcher& dispatcher,
                ConsumerOptions options, prometheus::Registry& metrics);
  ~EventConsumer();  // Stop()

  // Starts the thread. It creates the group if needed (reading the stream
  // from its start, so orders taken in before dispatch first ran are routed
  // too), also when Redis comes up only later.
  void Start();
  // Stops the thread. A consumer that leaves nothing pending takes its name
  // out of the group, so XINFO CONSUMERS lists only replicas that matter.
  void Stop();

 private:
  absl::Status CreateGroup();  // if missing
  void Run();
  // Handles entries (id, fields) concurrently; acknowledges the settled ones.
  void Handle(const redis::Reply& entries);
  void Reclaim();
  void UpdateBacklog();

  redis::Client& redis_;
  const orders::OrderKeys& keys_;
  Dispatcher& dispatcher_;
  ConsumerOptions options_;
  std::atomic<bool> stop_{false};
  std::thread thread_;

  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Gauge& lag_;
  prometheus::Gauge& pending_;
  prometheus::Gauge& oldest_pending_age_;
  prometheus::Gauge& last_poll_;  // stops moving if this loop hangs
};

}  // namespace hotline::dispatch
