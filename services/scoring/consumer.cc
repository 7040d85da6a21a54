#include "scoring/consumer.h"

#include "absl/container/flat_hash_map.h"
#include "log/log.h"
#include "orders/order_event.h"
#include "scoring/facts.h"

namespace hotline::scoring {

stream::BatchHandler EventHandler(OrderSource& orders, FactStore& store, std::function<void(int)> written) {
  return [&orders, &store, written](const std::vector<stream::Entry>& entries) {
    std::vector<absl::Status> out(entries.size());
    absl::flat_hash_map<std::string, absl::Status> done;  // order id -> outcome
    int writes = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      absl::StatusOr<v1::OrderEvent> event = orders::DecodeOrderEvent(entries[i].fields);
      if (!event.ok()) {
        out[i] = event.status();  // retried, then parked in the dead letters for a human
        continue;
      }
      const std::string& id = event->order_id();
      if (id.empty()) {
        out[i] = absl::FailedPreconditionError("no order id");
        continue;
      }
      auto it = done.find(id);
      if (it == done.end()) {
        absl::Status status;
        absl::StatusOr<v1::WorkOrder> order = orders.LoadWhole(id);
        if (!order.ok()) {
          status = order.status();
        } else if (absl::StatusOr<v1::OrderFacts> facts = DeriveFacts(*order); !facts.ok()) {
          status = facts.status();
        } else if (absl::StatusOr<bool> put = store.Put(*facts); !put.ok()) {
          status = put.status();
        } else {
          writes += *put ? 1 : 0;
        }
        if (!status.ok() && status.code() != absl::StatusCode::kNotFound) {
          log::Warning("cannot score order", {{"order_id", id}, {"error", status.ToString()}});
        }
        it = done.emplace(id, status).first;
      }
      out[i] = it->second;
    }
    if (written) written(writes);
    return out;
  };
}

}  // namespace hotline::scoring
