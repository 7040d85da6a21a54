#pragma once
// The intake domain core: validates requests, builds new orders and reads them
// back, against an OrderStore, the directory and a Clock. No gRPC, no Redis:
// plain C++ that tests drive directly. Thread-safe (holds no mutable state).
//
// Errors (absl::Status): INVALID_ARGUMENT naming the field, UNAUTHENTICATED
// (no caller identity on a create), NOT_FOUND, UNAVAILABLE (store down).
#include "clock/clock.h"
#include "crypto/phone_vault.h"
#include "directory/directory.h"
#include "hotline/v1/intake.pb.h"
#include "orders/order_store.h"
#include "refdata/source.h"

namespace hotline::intake {

// What the core reports for metrics; the gRPC edge implements it.
class IntakeObserver {
 public:
  virtual ~IntakeObserver() = default;
  virtual void OrderCreated(const v1::WorkOrder& order, bool replayed) = 0;
  virtual void Rejected(const std::string& field) = 0;
};

class Intake {
 public:
  // `vault` seals the caller's number before it is stored. `directory` is
  // the one in force (refdata/live.h), read once per request.
  Intake(orders::OrderStore& store, refdata::SourceRef<directory::Directory> directory, const Clock& clock,
         IntakeObserver& observer, const crypto::PhoneVault& vault);

  // `actor` is the verified caller (from the gateway); nullopt is refused
  // (UNAUTHENTICATED). Idempotency keys are the caller's own: the same key
  // from another user is another key.
  void Create(const std::optional<v1::Actor>& actor, const v1::CreateWorkOrderRequest& request,
              orders::Done<v1::CreateWorkOrderResponse> done);
  // `actor` also decides what of a confidential caller is shown (MaskForReading).
  // Unit scoping (libs/authz): an order outside a unit handler's subtree is
  // NOT_FOUND, word for word as a missing one.
  void Get(const std::optional<v1::Actor>& actor, const v1::GetWorkOrderRequest& request,
           orders::Done<v1::GetWorkOrderResponse> done);
  // A unit handler lists one unit of its subtree (its own when unit_code is
  // empty); another unit is PERMISSION_DENIED.
  void List(const std::optional<v1::Actor>& actor, const v1::ListWorkOrdersRequest& request,
            orders::Done<v1::ListWorkOrdersResponse> done);

 private:
  orders::OrderStore& store_;
  refdata::SourceRef<directory::Directory> directory_;
  const Clock& clock_;
  IntakeObserver& observer_;
  const crypto::PhoneVault& vault_;
};

}  // namespace hotline::intake
