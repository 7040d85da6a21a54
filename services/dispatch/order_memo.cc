#include "dispatch/order_memo.h"

namespace hotline::dispatch {

void OrderMemo::Put(const v1::WorkOrder& order) { Keep(order, false); }

void OrderMemo::PutAsFound(const v1::WorkOrder& order) { Keep(order, true); }

void OrderMemo::Keep(const v1::WorkOrder& order, bool even_if_older) {
  if (capacity_ == 0) return;
  Seen kept{order.version(),
            {order.state(), order.assigned_unit_code(), order.pending_unit_code(), order.last_rating(),
             order.handed_down_by()}};
  absl::MutexLock lock(&mu_);
  auto [it, added] = orders_.try_emplace(order.id(), kept);
  if (!added) {
    if (even_if_older || it->second.version <= kept.version) it->second = std::move(kept);
    return;
  }
  order_.push_back(order.id());
  if (order_.size() > capacity_) {
    orders_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<v1::WorkOrder> OrderMemo::Find(const std::string& order_id) const {
  absl::MutexLock lock(&mu_);
  auto it = orders_.find(order_id);
  if (it == orders_.end()) return std::nullopt;
  const Seen& seen = it->second;
  v1::WorkOrder order;
  order.set_id(order_id);
  order.set_version(seen.version);
  order.set_state(seen.fields.state);
  order.set_assigned_unit_code(seen.fields.unit);
  order.set_pending_unit_code(seen.fields.pending_unit);
  order.set_last_rating(seen.fields.last_rating);
  order.set_handed_down_by(seen.fields.handed_down_by);
  return order;
}

}  // namespace hotline::dispatch
