#pragma once
// The guardian of personal data and of the trail, in intake: reveals a
// caller's full number for the callback (with a reason, logged first), finds
// a caller's earlier orders by the keyed hash of the number (logged with that
// hash, never the number), and
// verifies orders' hash-chained histories. Which roles may call each is the
// gateway's table (services/gateway/route_table.cc: authorization by method
// and role); the guardian decides by the data and logs.
// Errors: UNAUTHENTICATED (no identity),
// INVALID_ARGUMENT naming the field, NOT_FOUND, UNAVAILABLE (Redis, or the
// access log cannot be written: then nothing is revealed or answered).
// Thread-safe (no mutable state of its own).
#include <optional>

#include "audit/audit_log.h"
#include "clock/clock.h"
#include "crypto/phone_vault.h"
#include "hotline/v1/intake.pb.h"
#include "orders/order_store.h"

namespace hotline::intake {

// What the guardian reports for metrics (bounded labels: the outcome's
// status code name, a verdict); the gRPC edge implements it.
class GuardianObserver {
 public:
  virtual ~GuardianObserver() = default;
  virtual void Revealed(absl::StatusCode code) = 0;
  virtual void LookedUp(absl::StatusCode code) = 0;
  virtual void Verified(const v1::TrailVerdict& verdict) = 0;
};

class Guardian {
 public:
  Guardian(orders::OrderStore& orders, orders::GuardedStore& guarded, audit::AuditWriter& audit,
           const crypto::PhoneVault& vault, const Clock& clock, GuardianObserver& observer);

  void Reveal(const std::optional<v1::Actor>& actor, const v1::RevealCallerPhoneRequest& request,
              orders::Done<v1::RevealCallerPhoneResponse> done);
  void FindByPhone(const std::optional<v1::Actor>& actor,
                   const v1::FindOrdersByPhoneRequest& request,
                   orders::Done<v1::FindOrdersByPhoneResponse> done);
  void Verify(const std::optional<v1::Actor>& actor, const v1::VerifyOrderTrailRequest& request,
              orders::Done<v1::VerifyOrderTrailResponse> done);

 private:
  void VerifyAll(orders::Done<v1::VerifyOrderTrailResponse> done);

  orders::OrderStore& orders_;
  orders::GuardedStore& guarded_;
  audit::AuditWriter& audit_;
  const crypto::PhoneVault& vault_;
  const Clock& clock_;
  GuardianObserver& observer_;
};

}  // namespace hotline::intake
