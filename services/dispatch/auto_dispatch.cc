#include "dispatch/auto_dispatch.h"

#include <future>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "log/log.h"
#include "orders/order_event.h"

namespace hotline::dispatch {

stream::BatchHandler AutoDispatchHandler(Dispatcher& dispatcher) {
  return [&dispatcher](const std::vector<stream::Entry>& entries) {
    using Result = Dispatcher::AutoDispatchResult;
    std::vector<std::optional<std::future<absl::StatusOr<Result>>>> routing(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      absl::StatusOr<v1::OrderEvent> e = orders::DecodeOrderEvent(entries[i].fields);
      // Only new orders that wait for dispatch concern us.
      if (!e.ok() || e->event() != "order.created" || e->state() != v1::ORDER_STATE_CREATED) continue;
      auto promise = std::make_shared<std::promise<absl::StatusOr<Result>>>();
      routing[i] = promise->get_future();
      dispatcher.AutoDispatch(e->order_id(), [promise](absl::StatusOr<Result> result) {
        promise->set_value(std::move(result));
      });
    }
    std::vector<absl::Status> answers(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      if (!routing[i]) continue;  // not ours: acknowledged as done
      absl::StatusOr<Result> result = routing[i]->get();
      if (!result.ok()) {
        log::Warning("auto-dispatch failed; will retry",
                     {{"event_id", entries[i].id},
                      {"order_id", entries[i].Field("order_id")},
                      {"error", result.status().ToString()}});
        answers[i] = result.status();
      } else if (!result->routed) {
        // Counted, not logged: a group re-reading the stream from its start
        // finds every old order moot.
        answers[i] = absl::FailedPreconditionError(result->moot_reason);
      }
    }
    return answers;
  };
}

}  // namespace hotline::dispatch
