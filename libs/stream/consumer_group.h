#pragma once
// One consumer of a Redis stream consumer group, with the mechanics every
// consumer of the order events needs and none of the meaning:
// - creates the group if missing (reading the stream from its start, or only
//   new entries), also when Redis comes up only later, and again when Redis
//   lost it (NOGROUP after a flush or a restore);
// - XREADGROUP in batches; the handler answers one status per entry and an
//   entry is acknowledged only when its effect is durable (OK) or moot
//   (FAILED_PRECONDITION, NOT_FOUND); other failures stay pending;
// - entries a dead replica left pending longer than `reclaim_idle` are
//   claimed (XCLAIM) and handled here; after `max_deliveries` an entry goes
//   to the dead-letter stream with its fields and is acknowledged;
// - gauges of backlog (lag), pending, oldest pending age and a heartbeat of
//   the loop, and a counter of outcomes, all named <metric_prefix>_...
//
// Runs on its own thread with its own Redis client (XREADGROUP blocks).
// Handlers must be idempotent: an entry can be delivered more than once.
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "redis/client.h"

namespace hotline::stream {

// One stream entry: its id and its fields in order.
struct Entry {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;
  // The value of a field, "" if absent.
  const std::string& Field(const std::string& name) const;
};

struct GroupOptions {
  std::string stream;             // e.g. hotline:events
  std::string dead_letter;        // e.g. hotline:events:dead
  std::string group;              // e.g. sla
  std::string consumer;           // unique per replica
  std::string metric_prefix;      // e.g. hotline_sla: hotline_sla_stream_lag ...
  bool from_start = true;         // a new group reads the stream from its start
  int batch = 64;
  absl::Duration block = absl::Milliseconds(500);
  absl::Duration reclaim_idle = absl::Seconds(10);
  int max_deliveries = 5;
};

// Answers one status per entry, in order: OK (done: acknowledge), FAILED_
// PRECONDITION or NOT_FOUND (nothing to do: acknowledge), anything else
// (leave pending: retried after reclaim_idle, dead-lettered in the end).
using BatchHandler = std::function<std::vector<absl::Status>(const std::vector<Entry>&)>;

class ConsumerGroup {
 public:
  ConsumerGroup(redis::Client& redis, GroupOptions options, BatchHandler handler,
                prometheus::Registry& metrics);
  ~ConsumerGroup();  // Stop()
  ConsumerGroup(const ConsumerGroup&) = delete;
  ConsumerGroup& operator=(const ConsumerGroup&) = delete;

  void Start();
  // Stops the thread. A consumer that leaves nothing pending takes its name
  // out of the group, so XINFO CONSUMERS lists only replicas that matter.
  void Stop();

 private:
  absl::Status CreateGroup();
  // Logs a warning when the group just created missed trimmed events.
  void WarnIfTrimmedBefore();
  void Run();
  void Handle(const redis::Reply& entries);
  void Reclaim();
  void UpdateBacklog();
  void Count(const char* result, double n = 1);

  redis::Client& redis_;
  GroupOptions options_;
  BatchHandler handler_;
  std::atomic<bool> stop_{false};
  std::thread thread_;

  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Gauge& lag_;
  prometheus::Gauge& pending_;
  prometheus::Gauge& oldest_pending_age_;
  prometheus::Gauge& last_poll_;
};

}  // namespace hotline::stream
