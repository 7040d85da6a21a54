#pragma once
// The archive mover: takes work orders that have been ARCHIVED (归档) for
// longer than the policy's age out of Redis into PostgreSQL, with their
// whole history and trail. For each order, in this order:
//   1. read it from Redis in one snapshot (record, history, duplicates),
//      only if it is ARCHIVED and was archived before the cutoff;
//   2. copy it into PostgreSQL (upsert by id; an older version is replaced,
//      a newer one kept): the copies of one batch (MoveOptions::batch) in
//      one transaction, so one WAL flush serves the batch;
//   3. read the row back and compare it with the snapshot (verify);
//   4. delete it from Redis in one script that first checks the order is
//      still at the copied version: index and queue entries, SLA entries,
//      the record, history and duplicates set.
// A move killed at any point and run again loses nothing and duplicates
// nothing: before step 4 the order is whole in Redis (and maybe also in
// PostgreSQL, which the next run finds equal and completes); step 4 is one
// atomic script. An order that changed between 1 and 4 (a late SLA write,
// a supervision note) is read and copied again; ARCHIVED is final, so an
// order once due stays due.
// Readers look in Redis first, then PostgreSQL (tiered_order_store.h), so an
// order is readable throughout.
//
// Blocking; one thread. Errors: UNAVAILABLE (Redis or PostgreSQL down: the
// run stops, run it again), INTERNAL, DATA_LOSS (a copy that does not read
// back equal: the order stays in Redis and the run goes on, counted failed).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "archive/pg.h"
#include "hotline/v1/work_order.pb.h"
#include "orders/order_keys.h"
#include "redis/client.h"

namespace hotline::archive {

struct MoveOptions {
  absl::Duration min_age = absl::Hours(24 * 30);  // since the order reached ARCHIVED
  absl::Time now = absl::InfinitePast();          // InfinitePast: absl::Now()
  int batch = 200;                                // ids read from Redis a step
  int64_t max_orders = 0;                         // 0: every order due
  std::function<void(int64_t scanned, int64_t moved)> progress;  // after each batch
};

struct MoveResult {
  int64_t scanned = 0;   // ARCHIVED orders looked at
  int64_t moved = 0;     // copied, verified and removed from Redis
  int64_t young = 0;     // not due yet (left in Redis)
  int64_t retried = 0;   // changed during the move, read again
  int64_t failed = 0;    // copy did not verify (left in Redis)
  std::vector<std::string> failed_ids;
};

// The policy from data/archive_policy.textproto (hotline.v1.ArchivePolicy),
// validated: INVALID_ARGUMENT naming the field.
absl::StatusOr<v1::ArchivePolicy> LoadArchivePolicy(const std::string& path);

absl::StatusOr<MoveResult> MoveDueOrders(redis::Client& redis, PgConnection& pg,
                                         const orders::OrderKeys& keys, const MoveOptions& options);

}  // namespace hotline::archive
