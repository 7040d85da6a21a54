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
#include <memory>

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
  // The live tier's ids only (the city-wide verification walks Redis; an
  // archived trail is verified by id, and was compared byte for byte when moved).
  void ListOrderIds(int64_t offset, int count,
                    orders::Done<std::vector<std::string>> done) override;

 private:
  orders::RedisOrderStore& live_;
  PgPool& archive_;
};

}  // namespace hotline::archive
