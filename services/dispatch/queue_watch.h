#pragma once
// WatchQueue: units' queues, live, fed from the order events stream
// (semantics: WatchQueueRequest in protos/hotline/v1/dispatch.proto).
//
// One reader per process: a thread with a Redis connection of its own reads
// the stream with XREAD BLOCK and fans each event out to every open watch, so
// a watch costs no connection and no polling. Per event it reads the order
// once (with the history entry before the event: where the order was, so a
// watch of the unit it left hears LEFT) and each watch decides what the
// event means for its queue (ClassifyForQueue). A new watch is started on
// the same thread, between two reads: its snapshot (at the reader's
// position) or its catch-up from the position it resumes at (XRANGE up to
// the reader's position), then it joins the live fan-out. Every watch has a
// cursor: it is sent only entries after it, so neither the start nor the
// join can lose or repeat an entry.
//
// A watch whose client does not keep up (kMaxBacklog messages unsent) is
// ended RESOURCE_EXHAUSTED; Stop() ends every open watch UNAVAILABLE (the
// client resumes elsewhere from its last position). Thread-safe.
#include <grpcpp/grpcpp.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "directory/directory.h"
#include "hotline/v1/dispatch.pb.h"
#include "hotline/v1/order_event.pb.h"
#include "orders/order_keys.h"
#include "redis/client.h"
#include "refdata/source.h"

namespace hotline::dispatch {

// A Redis stream id "<ms>-<seq>", ordered.
struct StreamPosition {
  uint64_t ms = 0;
  uint64_t seq = 0;
  friend bool operator<(const StreamPosition& a, const StreamPosition& b) {
    return a.ms != b.ms ? a.ms < b.ms : a.seq < b.seq;
  }
  friend bool operator==(const StreamPosition& a, const StreamPosition& b) {
    return a.ms == b.ms && a.seq == b.seq;
  }
  std::string ToString() const;
};
// nullopt unless `text` is "<digits>-<digits>" within 64 bits.
std::optional<StreamPosition> ParseStreamPosition(const std::string& text);

// One event as the fan-out sees it: the event, and the order around it.
struct ObservedEvent {
  StreamPosition position;
  v1::OrderEvent event;
  // Where the order was just before the event (from its history entry
  // version - 1); for an event that moves nothing (an SLA mark), as after.
  std::string unit_before;
  v1::OrderState state_before = v1::ORDER_STATE_UNSPECIFIED;
  // The order as read after the event (no caller, no history); nullopt when
  // it could not be read (archived, gone).
  std::optional<v1::WorkOrder> order;
};

// What `e` means for the queue of `unit` in `states`: nullopt when nothing
// (the order is in that queue neither before nor after). Pure.
std::optional<v1::WatchQueueResponse> ClassifyForQueue(const ObservedEvent& e, const std::string& unit,
                                                       const absl::flat_hash_set<int>& states);

// The colour of an order's deadline as the SLA monitor left it
// (WorkOrder.deadlines.status), and the colour an SLA event turns it.
v1::SlaColour ColourOfStatus(const std::string& status);
std::optional<v1::SlaColour> ColourOfEvent(const std::string& event);

// A WatchQueue call that only ends with `status` (a refused identity).
grpc::ServerWriteReactor<v1::WatchQueueResponse>* RefusedWatch(grpc::Status status);

class QueueWatchers {
 public:
  static constexpr size_t kMaxBacklog = 10000;

  // `reader` is this class's own (its XREAD blocks); `block` bounds how long
  // a new watch waits for the reader to start it.
  QueueWatchers(redis::Client& reader, orders::OrderKeys keys,
                refdata::SourceRef<directory::Directory> directory, prometheus::Registry& metrics,
                absl::Duration block = absl::Milliseconds(200));
  ~QueueWatchers();  // Stop()
  QueueWatchers(const QueueWatchers&) = delete;
  QueueWatchers& operator=(const QueueWatchers&) = delete;

  void Start();
  void Stop();

  // The reactor for one WatchQueue call by `actor` (verified). Bad requests
  // (unknown unit, a unit outside the handler's subtree, a bad state or
  // position) end at once with the error.
  grpc::ServerWriteReactor<v1::WatchQueueResponse>* Watch(grpc::CallbackServerContext* context,
                                                          const v1::Actor& actor,
                                                          const v1::WatchQueueRequest& request);

 private:
  class Watcher;
  friend class Watcher;

  void Run();
  // The stream's last id (0-0 when it does not exist yet).
  absl::StatusOr<StreamPosition> LastPosition();
  // True when entries after `p` were trimmed away (or deleted).
  absl::StatusOr<bool> LostAfter(const StreamPosition& p);
  // Snapshot or catch-up for a new watch, on the reader's thread; then live.
  void Begin(const std::shared_ptr<Watcher>& w);
  absl::Status Snapshot(Watcher& w, StreamPosition at, bool reset);
  absl::Status CatchUp(Watcher& w, StreamPosition to);
  // The entries of an XREAD/XRANGE answer observed (order read per entry).
  std::vector<ObservedEvent> Observe(const redis::Reply& entries);
  void Remove(Watcher* w);

  redis::Client& redis_;
  const orders::OrderKeys keys_;
  refdata::SourceRef<directory::Directory> directory_;
  const absl::Duration block_;

  absl::Mutex mu_;
  std::vector<std::shared_ptr<Watcher>> live_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Watcher>> starting_ ABSL_GUARDED_BY(mu_);
  StreamPosition last_ ABSL_GUARDED_BY(mu_);  // the reader's position
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;

  prometheus::Gauge& open_;
  prometheus::Family<prometheus::Counter>& messages_;
  prometheus::Counter& read_errors_;
};

}  // namespace hotline::dispatch
