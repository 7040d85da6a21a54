#pragma once
// `hotline-admin rebuild sla|scoring`: brings a consumer group's own state up
// to date from the orders themselves, not from the event stream.
//
// Why: the events stream is trimmed up to what every consumer group has
// settled (orders/event_retention.h), every few seconds, so it cannot be
// replayed; and a consumer group created (or recreated) after orders were
// taken reads only the events still on the stream, so it never sees the
// earlier orders. A rebuild walks every order in idx:all (all orders, open
// and closed, by creation time) and runs it through the same idempotent
// store call the group's consumer makes:
//
//   sla      sla::Monitor::Settle (compare-and-set on the order's version and
//            the monitor's revision: an order the service settles meanwhile
//            is decided again, a mark is never written twice)
//   scoring  LoadWhole, DeriveFacts, then the fact store's Put (writes only
//            facts of a newer order version, and moves the aggregates by the
//            difference: a rebuild over facts already stored moves nothing)
//
// So it may run while the services serve, as often as wanted. Orders created
// after it started are left to the consumers (their events are on the stream).
//
// scoring --bulk (RebuildScoringBulk) is the fast path for an EMPTY scoring
// keyspace (all but scoring:month_rules deleted, hotline-scoring stopped):
// the same facts and aggregates, but each order's facts and unit-order
// members are written with plain pipelined commands and the aggregates are
// summed in memory and written once at the end (scoring/bulk_aggregates.h),
// no script call per order. It refuses a keyspace with scoring keys in it,
// and refuses to start or go on while a consumer of scoring's group has read
// the events in the last 10 s (hotline-scoring running).
// Crash-safe by a mark (scoring:rebuild_bulk) set before its first write and
// deleted after its last: a bulk rebuild killed midway leaves the mark, the
// next one deletes every scoring key but month_rules and starts again, and
// the one-at-a-time rebuild refuses to run over it. Start hotline-scoring
// only once it has finished (its consumer then takes the events of the
// meantime from the stream: Put writes only newer versions).
//
// Cost: scoring is batched, `batch` orders a step in `slices` slices at
// once, each slice's commands pipelined (a load script per order, then an
// HMGET per order, then a put script per order); sla settles `parallel` orders at a time (its store
// calls are blocking), pipelined by the Redis client across its connections.
//
// Errors: UNAVAILABLE (Redis down) stops the rebuild; an order that cannot be
// rebuilt (unreadable, kept changing) is counted as failed and named in the
// result, and the rebuild goes on. Blocking; not thread-safe (one rebuild per
// object graph).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orders/order_keys.h"
#include "redis/client.h"
#include "scoring/redis_fact_store.h"
#include "sla/monitor.h"

namespace hotline::rebuild {

struct Progress {
  int64_t total = 0;    // orders in idx:all when the rebuild started
  int64_t scanned = 0;  // orders looked at so far
  int64_t written = 0;  // of which the store wrote something (scoring: new facts; sla: settled)
  int64_t missing = 0;  // indexed but gone (NOT_FOUND)
  int64_t failed = 0;
  absl::Duration elapsed;
};

struct Result : Progress {
  std::vector<std::string> failed_ids;  // the first few, with their error
  int64_t cleared = 0;  // scoring --bulk: keys an interrupted bulk rebuild left, deleted first
};

struct Options {
  int batch = 500;    // orders read from the index per step
  int parallel = 32;  // sla: orders settled at once
  // scoring: slices of a step processed at once, each slice's commands
  // pipelined (the threads parse histories and derive facts meanwhile).
  int slices = 4;
  // Called after each step (and once at the end) from the calling thread.
  std::function<void(const Progress&)> progress;
};

// Every order id in `keys.IndexAll()` up to its last member when called, in
// creation order, `page` ids at a time. Stops at the first error of `visit`.
absl::Status ForEachOrderPage(
    redis::Client& redis, const orders::OrderKeys& keys, int page,
    const std::function<absl::Status(const std::vector<std::string>&)>& visit,
    int64_t* total = nullptr);

absl::StatusOr<Result> RebuildSla(redis::Client& redis, const orders::OrderKeys& keys,
                                  sla::Monitor& monitor, const Options& options);

// FAILED_PRECONDITION while a bulk rebuild's mark is set.
absl::StatusOr<Result> RebuildScoring(redis::Client& redis, const orders::OrderKeys& keys,
                                      scoring::RedisFactStore& store, const Options& options);

// `store` loads the orders (LoadWholeMany); `directory` and `zone` must be
// the store's. FAILED_PRECONDITION when the keyspace is not empty (and
// nothing is written), another bulk rebuild marked it first, or
// hotline-scoring is running. Any failed
// write stops it with the mark left.
absl::StatusOr<Result> RebuildScoringBulk(redis::Client& redis, const scoring::ScoringKeys& keys,
                                          scoring::RedisFactStore& store,
                                          const directory::Directory& directory, absl::TimeZone zone,
                                          const Options& options);

}  // namespace hotline::rebuild
