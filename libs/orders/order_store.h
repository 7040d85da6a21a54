#pragma once
// Where work orders are kept. The interface lets domain cores run against the
// Redis store in production and in integration tests.
//
// Results arrive through a callback (called exactly once, on any thread), so a
// gRPC callback handler never blocks a thread while Redis works. Errors:
// UNAVAILABLE (Redis unreachable: retryable), NOT_FOUND, INVALID_ARGUMENT
// (idempotency key reused for another request, bad page token), DATA_LOSS
// (a stored record cannot be read).
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::orders {

template <typename T>
using Done = absl::AnyInvocable<void(absl::StatusOr<T>)>;

struct NewOrder {
  v1::WorkOrder order;            // complete but for id (assigned by the store)
  v1::HistoryEntry first_entry;   // the "create" step
  std::string idempotency_key;    // "" for none
  std::string fingerprint;        // identifies the request behind the key
};

struct CreateResult {
  v1::WorkOrder order;  // without history
  bool replayed = false;
};

struct ListQuery {
  v1::OrderState state = v1::ORDER_STATE_UNSPECIFIED;
  v1::OrderType type = v1::ORDER_TYPE_UNSPECIFIED;
  std::string district_code;
  std::string unit_code;
  std::optional<absl::Time> created_from;   // inclusive
  std::optional<absl::Time> created_until;  // exclusive
  int page_size = 20;
  std::string page_token;
  bool oldest_first = false;
};

struct ListPage {
  std::vector<v1::WorkOrder> orders;
  std::string next_page_token;  // "" on the last page
};

class OrderStore {
 public:
  virtual ~OrderStore() = default;
  // Writes the order, its first history entry, its index entries and an
  // order.created event, all or nothing. With an idempotency key, a repeat
  // (also a concurrent one) yields the first order with replayed = true.
  virtual void Create(NewOrder order, Done<CreateResult> done) = 0;
  virtual void Get(std::string id, Done<v1::WorkOrder> done) = 0;  // with history
  virtual void List(ListQuery query, Done<ListPage> done) = 0;       // without history
};

}  // namespace hotline::orders
