#pragma once
// An in-memory OrderStore for testing domain cores (Intake, Dispatcher) alone,
// with a FakeClock and no Redis. It keeps the store's contract where the cores
// depend on it: Apply is a compare-and-set on version and state, a repeat with
// the same idempotency key is a replay, closing a master closes its merged
// duplicates. Callbacks run synchronously on the calling thread.
// Thread-safe (one mutex; callbacks run outside it).
#include <functional>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "orders/order_store.h"

namespace hotline::testing {

class FakeOrderStore final : public orders::OrderStore {
 public:
  void Create(orders::NewOrder order, orders::Done<orders::CreateResult> done) override;
  void GetPage(std::string id, orders::HistoryWindow window,
               orders::Done<v1::WorkOrder> done) override;
  void List(orders::ListQuery query, orders::Done<orders::ListPage> done) override;
  void Apply(orders::Change change, orders::Done<orders::ApplyResult> done) override;
  void FindAction(std::string idempotency_key, std::string fingerprint,
                  orders::Done<std::optional<int64_t>> done) override;
  void ListQueue(orders::QueueQuery query, orders::Done<orders::ListPage> done) override;

  // Runs once, between the next Get's read and its answer: lets a test move
  // the order on behind the reader's back (another replica, a dispatcher).
  void BeforeNextGetAnswer(std::function<void()> hook);

  // The next Get answers `status` (e.g. UNAVAILABLE: Redis down).
  void FailNextGet(absl::Status status);

  // What the store holds, for assertions (with history).
  std::optional<v1::WorkOrder> Peek(const std::string& id) const;
  // Every change applied, in order: event names ("order.dispatch", ...).
  std::vector<std::string> Events() const;
  int creates() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, v1::WorkOrder> orders_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::pair<std::string, std::string>> create_keys_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::pair<std::string, int64_t>> action_keys_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::string>> duplicates_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> phone_hashes_ ABSL_GUARDED_BY(mu_);  // id -> keyed hash
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
  std::function<void()> before_get_answer_ ABSL_GUARDED_BY(mu_);
  absl::Status fail_next_get_ ABSL_GUARDED_BY(mu_);
  int sequence_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hotline::testing
