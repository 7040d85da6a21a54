#pragma once
// What this dispatcher last saw of each order it read or wrote: the fields a
// decision reads (orders::DecidedOn), its id and version. An action on an
// order found here is decided at once and applied in one script call that
// checks those fields are still as seen (Change::decided_on); an order not
// here, or no longer as seen, is read (or answered back by that call) and
// decided again. So a stale entry costs a round trip, never a wrong write.
// Bounded: past `capacity` orders the oldest entries go. Thread-safe.
#include <deque>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "hotline/v1/work_order.pb.h"
#include "orders/order_store.h"

namespace hotline::dispatch {

class OrderMemo {
 public:
  explicit OrderMemo(size_t capacity) : capacity_(capacity) {}
  // Keeps what a decision needs of `order` (not its history or contents).
  // An older version than kept is ignored: answers may arrive out of order.
  void Put(const v1::WorkOrder& order);
  // Keeps `order` even if older than kept: a script found the order moved
  // since it was seen and answered with it as it is. Older only when Redis
  // went back (restored from a backup, a failover that lost writes); kept
  // newer, the memo would cost a round trip on each action until Redis
  // passed its version.
  void PutAsFound(const v1::WorkOrder& order);
  // As last put (id, version and those fields only), or nullopt.
  std::optional<v1::WorkOrder> Find(const std::string& order_id) const;

 private:
  void Keep(const v1::WorkOrder& order, bool even_if_older);
  struct Seen {
    int64_t version = 0;
    orders::DecidedOn fields;
  };
  const size_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Seen> orders_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);  // ids, oldest put first
};

}  // namespace hotline::dispatch
