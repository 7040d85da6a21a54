#pragma once
// Keeps the order event stream from growing without bound, without losing an
// event any consumer group still needs: the stream is trimmed up to what the
// slowest group has settled (its oldest unacknowledged entry, or everything it
// was delivered when nothing is pending). A group that stops (a consumer down
// for hours) therefore holds the stream back instead of losing events; the
// per-group lag gauges and the Redis memory alert tell an operator before
// memory runs out. With no group at all nothing is trimmed. No append caps
// the stream (create_order.lua, transition.lua and sla's settle.lua XADD
// without MAXLEN): this is its only trim.
//
// So the stream is not a log to replay: a group created (or recreated) later
// starts at what is left and never sees the orders taken before (it logs so,
// libs/stream). Its state is rebuilt from the orders: `hotline-admin rebuild
// sla|scoring` (tools/admin/rebuild.h).
//
// Trimming only ever removes entries below the floor, so replicas of the
// service that runs it may all run it. Thread-safe; Start() runs a thread
// that trims every `period`.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orders/order_keys.h"
#include "redis/client.h"

namespace hotline::orders {

// Where one consumer group stands, as the pass found it.
struct GroupBacklog {
  std::string group;
  long long lag = -1;  // undelivered entries; -1: Redis cannot tell (after a trim)
  long long pending = 0;
};

struct TrimResult {
  long long removed = 0;
  long long length_after = 0;
  std::string floor_id;  // entries below it were removed; "" when none could be
  std::vector<GroupBacklog> groups;
};

// One pass: reads every group's settled position and trims below the lowest.
// UNAVAILABLE when Redis is down.
absl::StatusOr<TrimResult> TrimSettledEvents(redis::Client& redis, const OrderKeys& keys);

class EventRetention {
 public:
  EventRetention(redis::Client& redis, const OrderKeys& keys, prometheus::Registry& metrics,
                 absl::Duration period = absl::Seconds(5));
  ~EventRetention();  // Stop()
  void Start();
  void Stop();

  // One pass now, updating the metrics (what the thread does each period).
  void RunOnce();

 private:
  redis::Client& redis_;
  const OrderKeys& keys_;
  const absl::Duration period_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  prometheus::Gauge& length_;
  prometheus::Counter& trimmed_;
  prometheus::Family<prometheus::Gauge>& group_lag_;
  prometheus::Family<prometheus::Gauge>& group_pending_;
};

}  // namespace hotline::orders
