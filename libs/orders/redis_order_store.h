#pragma once
// OrderStore on Redis: each operation is one server-side script, so every
// write is atomic and every read a consistent snapshot. Thread-safe.
#include <string>

#include "orders/order_keys.h"
#include "orders/order_store.h"
#include "redis/client.h"

namespace hotline::orders {

struct RedisOrderStoreOptions {
  std::string key_prefix = "hotline:";
  // Order numbers: this + local day + 6-digit sequence. Empty: the city's
  // (CityOrderPrefix(), the city profile's order_prefix) when the order is
  // numbered.
  std::string city_prefix;
  absl::Duration idempotency_ttl = absl::Hours(24);
  int list_scan_limit = 2000;       // index entries one List call may examine
};

class RedisOrderStore final : public OrderStore, public GuardedStore, public LegacyPhoneStore {
 public:
  RedisOrderStore(redis::Client& redis, RedisOrderStoreOptions options = {});

  void Create(NewOrder order, Done<CreateResult> done) override;
  void GetPage(std::string id, HistoryWindow window, Done<v1::WorkOrder> done) override;
  void List(ListQuery query, Done<ListPage> done) override;
  void Apply(Change change, Done<ApplyResult> done) override;
  void FindAction(std::string idempotency_key, std::string fingerprint,
                  Done<std::optional<int64_t>> done) override;
  void ListQueue(QueueQuery query, Done<ListPage> done) override;
  void LoadPhone(std::string id, Done<StoredPhone> done) override;
  void LoadTrail(std::string id, absl::Time now, Done<StoredTrail> done) override;
  void ListOrderIds(int64_t offset, int count, Done<std::vector<std::string>> done) override;
  // How many orders Redis holds (the length of ListOrderIds's walk).
  void CountOrders(Done<int64_t> done);
  // Blocking (a start-up pass): not on a Redis worker thread.
  absl::StatusOr<LegacyPhones> FindLegacyPhones(int64_t offset, int count) override;
  absl::StatusOr<bool> SealLegacyPhone(const std::string& id, const std::string& plain,
                                       const std::string& sealed, const std::string& hash,
                                       const std::string& masked) override;
  absl::StatusOr<bool> ResealPhone(const std::string& id, const std::string& old_sealed,
                                   const std::string& new_sealed) override;

  const OrderKeys& keys() const { return keys_; }

 private:
  // The two steps of Create: the number taken, then the order written.
  void WriteReserved(const std::string& id, std::vector<std::string> keys, NewOrder in,
                     Done<CreateResult> done);
  void Replay(const std::string& id, Done<CreateResult> done);
  // Runs the list script over one index with optional field filters.
  void Scan(std::string index, std::vector<std::string> filters, std::string from,
            std::string until, int page_size, const std::string& page_token, bool oldest_first,
            Done<ListPage> done);

  redis::Client& redis_;
  RedisOrderStoreOptions options_;
  OrderKeys keys_;
};

}  // namespace hotline::orders
