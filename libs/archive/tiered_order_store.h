#pragma once
// The order store readers use when there is an archive tier: Redis first
// (live orders), then PostgreSQL (archived orders the mover took out of
// Redis, archive/mover.h). The same calls answer for both tiers, and every
// order read says which tier served it (WorkOrder.storage_tier).
//
// Why Redis first: the mover commits the copy in PostgreSQL before it deletes
// from Redis, so an order missing from Redis is already in PostgreSQL (no
// gap); an order in both for a moment is answered from Redis.
//
// Listings (List, and so the lookup by phone hash) read both tiers and merge
// them in the one order both keep, (created_ms, id), newest first unless
// oldest_first, paged with the Redis store's page tokens; an order seen in
// both tiers during its move is listed once. Writes (Create, Apply) and
// queues are Redis's alone: archived orders are final.
//
// PostgreSQL work runs on a PgPool; callbacks come on its threads or on the
// Redis client's. Thread-safe.
#include <map>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "archive/archive_store.h"
#include "archive/pg.h"
#include "orders/redis_order_store.h"

namespace hotline::archive {

class TieredOrderStore final : public orders::OrderStore, public orders::GuardedStore {
 public:
  TieredOrderStore(orders::RedisOrderStore& live, PgPool& archive);

  void Create(orders::NewOrder order, orders::Done<orders::CreateResult> done) override;
  void GetPage(std::string id, orders::HistoryWindow window,
               orders::Done<v1::WorkOrder> done) override;
  void List(orders::ListQuery query, orders::Done<orders::ListPage> done) override;
  void Apply(orders::Change change, orders::Done<orders::ApplyResult> done) override;
  void FindAction(std::string idempotency_key, std::string fingerprint,
                  orders::Done<std::optional<int64_t>> done) override;
  void ListQueue(orders::QueueQuery query, orders::Done<orders::ListPage> done) override;
  void LoadPhone(std::string id, orders::Done<orders::StoredPhone> done) override;
  void LoadTrail(std::string id, absl::Time now, orders::Done<orders::StoredTrail> done) override;
  // The city-wide walk (VerifyOrderTrail all): one offset space, the live
  // tier's ids by creation first, then the archive's by (created_ms, id).
  // The archive is paged by key, not by offset: the row after each page and
  // the live count the walk began the archive with are remembered under the
  // offset that follows it, so the walk's next page goes straight to the
  // archive (no Redis round trip).
  // An order that moves between tiers during a walk shifts the live offsets
  // by one: it may be missed or seen twice by that walk (the mover compared
  // its copy byte for byte).
  void ListOrderIds(int64_t offset, int count,
                    orders::Done<std::vector<std::string>> done) override;

 private:
  // Where a walk stands in the archive.
  struct ArchiveCursor {
    int64_t live_count = 0;  // the walk's offset of the archive's first row
    ListCursor after;        // the last row read (unset: page by offset)
  };
  // Appends up to `count - head.size()` archived ids after `at`.
  void ArchivePage(ArchiveCursor at, int64_t offset, std::vector<std::string> head, int count,
                   orders::Done<std::vector<std::string>> done);

  orders::RedisOrderStore& live_;
  PgPool& archive_;
  absl::Mutex cursors_mu_;
  // The walk's offset -> where its archive part stands; a few walks at once
  // at most.
  std::map<int64_t, ArchiveCursor> cursors_ ABSL_GUARDED_BY(cursors_mu_);
};

}  // namespace hotline::archive
