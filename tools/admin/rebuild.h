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

absl::StatusOr<Result> RebuildScoring(redis::Client& redis, const orders::OrderKeys& keys,
                                      scoring::RedisFactStore& store, const Options& options);

}  // namespace hotline::rebuild
