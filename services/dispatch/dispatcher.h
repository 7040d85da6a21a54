#pragma once
// The dispatch domain core: applies actions to orders (read, decide with the
// state machine, apply atomically if the order has not moved on, answer with the order as written)
// and serves units' work queues. Plain C++ against an OrderStore, the
// directory, the catalogue and a Clock. Thread-safe (its one mutable part,
// the memo of orders seen, has its own lock).
//
// An order this dispatcher has read or written before is not read again: the
// action is decided on what was seen, and one script call checks the order
// is still so, writes and answers (one Redis round trip, also for a retry
// with an idempotency key). When it is not, that call answers with the order
// as it is and the action is decided again on it.
//
// Errors: those of Decide (state_machine.h), ABORTED when the order changed
// between read and write (or differs from expected_version), NOT_FOUND,
// UNAUTHENTICATED without a caller identity, UNAVAILABLE when Redis is down.
#include <memory>
#include <optional>

#include "absl/functional/any_invocable.h"

#include "clock/clock.h"
#include "directory/directory.h"
#include "dispatch/catalogue.h"
#include "dispatch/order_memo.h"
#include "refdata/source.h"
#include "dispatch/state_machine.h"
#include "hotline/v1/dispatch.pb.h"
#include "orders/order_store.h"

namespace hotline::dispatch {

// Longest note (reason, result, remarks) an action may carry, in characters.
inline constexpr size_t kMaxNote = 1000;
inline constexpr size_t kMaxUnitCode = 32;
inline constexpr int kMaxMasterHops = 16;
// Orders the memo of orders seen keeps (about 150 bytes each).
inline constexpr size_t kMemoOrders = 100000;

// Who auto-dispatch acts as, in history entries: a system user of the centre.
v1::Actor AutoDispatchActor(const directory::Directory& directory);

class Dispatcher {
 public:
  // `directory` and `catalogue` are the ones in force (refdata/live.h),
  // read at each decision.
  Dispatcher(orders::OrderStore& store, refdata::SourceRef<directory::Directory> directory,
             refdata::SourceRef<Catalogue> catalogue, const Clock& clock);

  void Act(const std::optional<v1::Actor>& actor, const v1::ActRequest& request,
           orders::Done<v1::ActResponse> done);
  void ListQueue(const std::optional<v1::Actor>& actor, const v1::ListQueueRequest& request,
                 orders::Done<v1::ListQueueResponse> done);

  // What auto-dispatch did with one order.created event.
  struct AutoDispatchResult {
    bool routed = false;      // false: moot, nothing was changed
    std::string unit_code;    // routed: where the order went
    std::string moot_reason;  // moot: why (the order moved on, or is gone)
  };
  // Routes a new order by the catalogue, but only while it is still as its
  // order.created event left it: undispatched (state created). No step leads
  // back to created, so an order in any other state was dispatched already
  // (by hand, by another replica, by an earlier delivery of this event) and
  // the event is moot: nothing changes. Marks that leave the state alone (an
  // urge, an SLA warning, the SLA monitor fixing the deadlines) do not stop
  // the routing: the write is a compare-and-set on the version read, and when
  // another write lands in between, the order is read and decided again (a
  // dispatcher who dispatched it meanwhile makes the event moot). Errors are only what a retry may
  // cure (UNAVAILABLE) or a human must fix (no catalogue route: dead letter).
  void AutoDispatch(const std::string& order_id, orders::Done<AutoDispatchResult> done);

 private:
  struct Step;  // one action in flight
  // LINK_DUPLICATE: replaces the named master by the root of its master
  // links (a duplicate's master, and so on), so that every duplicate hangs on
  // one open master and closes with it; then runs `then`.
  void ResolveRootMaster(std::shared_ptr<Step> step, int hops, absl::AnyInvocable<void()> then);
  // The change an action calls for on `order`, and the unit it leaves the
  // order with; or why not (the errors Act answers).
  struct Planned {
    orders::Change change;
    std::string unit;
  };
  absl::StatusOr<Planned> Plan(const Step& step, const v1::WorkOrder& order) const;
  // Decides on `seen` (from the memo) and applies in one call that checks
  // the order is still as seen; anything seen cannot settle is read.
  void ActAsSeen(std::shared_ptr<Step> step, v1::WorkOrder seen);
  // Checks for a retry (idempotency key), reads the order, then Decided.
  void ActByReading(std::shared_ptr<Step> step);
  // Decides on `order` as read and applies if it is still at its version.
  void Decided(std::shared_ptr<Step> step, v1::WorkOrder order);
  void Reply(const std::shared_ptr<Step>& step, orders::ApplyResult applied);
  void AutoDispatchAttempt(const std::string& order_id, int attempt,
                           std::shared_ptr<orders::Done<AutoDispatchResult>> finish);

  orders::OrderStore& store_;
  refdata::SourceRef<directory::Directory> directory_;
  refdata::SourceRef<Catalogue> catalogue_;
  const Clock& clock_;
  OrderMemo memo_{kMemoOrders};
};

}  // namespace hotline::dispatch
