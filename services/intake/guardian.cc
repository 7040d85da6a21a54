#include "intake/guardian.h"

#include <functional>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "clock/proto_time.h"
#include "orders/order_helpers.h"
#include "orders/phone.h"
#include "orders/trail.h"
#include "text/utf8.h"

namespace hotline::intake {
namespace {

constexpr int kMaxReason = 200;
constexpr int kVerifyBatch = 200;       // orders read per step of a whole-city check
constexpr int kMaxVerdictsListed = 1000;

// UNAUTHENTICATED without a verified identity. Which roles may call which
// method is the gateway's table (services/gateway/route_table.cc), not a
// list kept here; the guardian decides by the data (confidentiality, unit
// scope) and logs.
absl::Status Identified(const std::optional<v1::Actor>& actor) {
  if (!actor) return absl::UnauthenticatedError("no caller identity: call through the gateway");
  return absl::OkStatus();
}

absl::Status CheckOrderId(const std::string& field, const std::string& id) {
  if (orders::LooksLikeOrderId(id)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": \"", id, "\" is not an order number like ", orders::OrderIdExample()));
}

}  // namespace

Guardian::Guardian(orders::OrderStore& orders, orders::GuardedStore& guarded,
                   audit::AuditWriter& audit, const crypto::PhoneVault& vault, const Clock& clock,
                   GuardianObserver& observer)
    : orders_(orders),
      guarded_(guarded),
      audit_(audit),
      vault_(vault),
      clock_(clock),
      observer_(observer) {}

void Guardian::Reveal(const std::optional<v1::Actor>& actor,
                      const v1::RevealCallerPhoneRequest& request,
                      orders::Done<v1::RevealCallerPhoneResponse> answer) {
  orders::Done<v1::RevealCallerPhoneResponse> done =
      [this, answer = std::move(answer)](absl::StatusOr<v1::RevealCallerPhoneResponse> r) mutable {
        observer_.Revealed(r.status().code());
        answer(std::move(r));
      };
  if (absl::Status s = Identified(actor); !s.ok()) {
    return done(s);
  }
  if (absl::Status s = CheckOrderId("order_id", request.order_id()); !s.ok()) return done(s);
  if (request.reason().empty()) {
    return done(absl::InvalidArgumentError("reason: is required (why the full number is needed)"));
  }
  if (auto problem = text::TextProblem(request.reason(), kMaxReason, false)) {
    return done(absl::InvalidArgumentError(absl::StrCat("reason: ", *problem)));
  }
  guarded_.LoadPhone(request.order_id(), [this, actor = *actor, request,
                                          done = std::move(done)](
                                             absl::StatusOr<orders::StoredPhone> stored) mutable {
    if (!stored.ok()) return done(stored.status());
    std::string phone = stored->legacy_plain;
    if (!stored->sealed.empty()) {
      absl::StatusOr<std::string> opened = vault_.Open(stored->sealed, request.order_id());
      if (!opened.ok()) return done(opened.status());
      phone = std::move(*opened);
    }
    if (phone.empty()) {
      return done(absl::FailedPreconditionError(
          absl::StrCat("order ", request.order_id(), " has no caller number")));
    }
    // The access entry first: a number whose reveal cannot be logged is not
    // revealed.
    v1::AuditEntry entry;
    *entry.mutable_at() = FromMillis(absl::ToUnixMillis(clock_.Now()));
    *entry.mutable_actor() = actor;
    entry.set_action(v1::AUDIT_ACTION_REVEAL_PHONE);
    entry.set_order_id(request.order_id());
    entry.set_reason(request.reason());
    audit_.Append(entry, [order_id = request.order_id(), phone = std::move(phone),
                          done = std::move(done)](absl::StatusOr<std::string> id) mutable {
      if (!id.ok()) {
        return done(absl::UnavailableError(absl::StrCat(
            "the access log cannot be written, so the number is not revealed: ",
            id.status().message())));
      }
      v1::RevealCallerPhoneResponse response;
      response.set_order_id(order_id);
      response.set_phone(std::move(phone));
      response.set_audit_id(std::move(*id));
      done(std::move(response));
    });
  });
}

void Guardian::FindByPhone(const std::optional<v1::Actor>& actor,
                           const v1::FindOrdersByPhoneRequest& request,
                           orders::Done<v1::FindOrdersByPhoneResponse> answer) {
  orders::Done<v1::FindOrdersByPhoneResponse> done =
      [this, answer = std::move(answer)](absl::StatusOr<v1::FindOrdersByPhoneResponse> r) mutable {
        observer_.LookedUp(r.status().code());
        answer(std::move(r));
      };
  if (absl::Status s = Identified(actor); !s.ok()) {
    return done(s);
  }
  std::optional<std::string> phone = orders::NormalizePhone(request.phone());
  if (!phone) {
    return done(absl::InvalidArgumentError("phone: is not a Chinese mobile or landline number"));
  }
  absl::StatusOr<int> page_size = orders::PageSize(request.page_size());
  if (!page_size.ok()) return done(page_size.status());
  orders::ListQuery query;
  query.phone_hash = vault_.LookupHash(*phone);
  query.page_size = *page_size;
  std::string phone_hash = query.phone_hash;
  orders_.List(std::move(query), [this, actor = *actor, phone_hash = std::move(phone_hash),
                                  done = std::move(done)](
                                     absl::StatusOr<orders::ListPage> page) mutable {
    if (!page.ok()) return done(page.status());
    auto response = std::make_shared<v1::FindOrdersByPhoneResponse>();
    v1::AuditEntry entry;
    *entry.mutable_at() = FromMillis(absl::ToUnixMillis(clock_.Now()));
    *entry.mutable_actor() = actor;
    entry.set_action(v1::AUDIT_ACTION_LOOKUP_BY_PHONE);
    // Which number was searched, for the auditor: its keyed hash, never it.
    entry.set_phone_hash(std::move(phone_hash));
    for (v1::WorkOrder& o : page->orders) {
      entry.add_order_ids(o.id());
      orders::MaskForReading(&o, actor);
      *response->add_orders() = std::move(o);
    }
    audit_.Append(entry, [response, done = std::move(done)](
                             absl::StatusOr<std::string> id) mutable {
      if (!id.ok()) {
        return done(absl::UnavailableError(absl::StrCat(
            "the access log cannot be written, so the lookup is not answered: ",
            id.status().message())));
      }
      done(std::move(*response));
    });
  });
}

void Guardian::Verify(const std::optional<v1::Actor>& actor,
                      const v1::VerifyOrderTrailRequest& request,
                      orders::Done<v1::VerifyOrderTrailResponse> done) {
  if (absl::Status s = Identified(actor); !s.ok()) {
    return done(s);
  }
  if (request.all() == !request.order_id().empty()) {
    return done(absl::InvalidArgumentError("order_id: give one order, or all, not both"));
  }
  if (request.all()) return VerifyAll(std::move(done));
  if (absl::Status s = CheckOrderId("order_id", request.order_id()); !s.ok()) return done(s);
  guarded_.LoadTrail(request.order_id(), clock_.Now(),
                     [this, done = std::move(done)](absl::StatusOr<orders::StoredTrail> trail) mutable {
                       if (!trail.ok()) return done(trail.status());
                       v1::VerifyOrderTrailResponse response;
                       *response.add_verdicts() = orders::VerifyTrail(*trail);
                       response.mutable_verdicts(0)->set_storage_tier(
                           trail->archived ? v1::STORAGE_TIER_ARCHIVE : v1::STORAGE_TIER_LIVE);
                       observer_.Verified(response.verdicts(0));
                       const v1::TrailVerdict& v = response.verdicts(0);
                       response.set_orders_checked(1);
                       response.set_orders_broken(v.intact() ? 0 : 1);
                       response.set_orders_chained_now(v.chained_now() ? 1 : 0);
                       done(std::move(response));
                     });
}

// Every order in idx:all, a batch at a time (the batch's reads in flight
// together); the answer lists the broken and newly chained ones.
void Guardian::VerifyAll(orders::Done<v1::VerifyOrderTrailResponse> done) {
  struct Run {
    absl::Mutex mu;
    v1::VerifyOrderTrailResponse response;
    absl::Status failure;
    int pending = 0;
    int64_t offset = 0;
    orders::Done<v1::VerifyOrderTrailResponse> done;
  };
  auto run = std::make_shared<Run>();
  run->done = std::move(done);
  auto step = std::make_shared<std::function<void()>>();
  // The step holds itself weakly; each read in flight holds it (no cycle).
  *step = [this, run, weak = std::weak_ptr<std::function<void()>>(step)]() {
    std::shared_ptr<std::function<void()>> step = weak.lock();
    if (!step) return;
    guarded_.ListOrderIds(run->offset, kVerifyBatch, [this, run, step](
                                                         absl::StatusOr<std::vector<std::string>> ids) {
      if (!ids.ok()) return run->done(ids.status());
      if (ids->empty()) {
        return run->done(std::move(run->response));
      }
      run->offset += static_cast<int64_t>(ids->size());
      {
        absl::MutexLock lock(&run->mu);
        run->pending = static_cast<int>(ids->size());
      }
      for (const std::string& id : *ids) {
        guarded_.LoadTrail(id, clock_.Now(), [this, run, step](
                                                 absl::StatusOr<orders::StoredTrail> trail) {
          bool last = false;
          {
            absl::MutexLock lock(&run->mu);
            if (trail.ok()) {
              v1::TrailVerdict v = orders::VerifyTrail(*trail);
              observer_.Verified(v);
              v1::VerifyOrderTrailResponse& r = run->response;
              r.set_orders_checked(r.orders_checked() + 1);
              if (!v.intact()) r.set_orders_broken(r.orders_broken() + 1);
              if (v.chained_now()) r.set_orders_chained_now(r.orders_chained_now() + 1);
              if ((!v.intact() || v.chained_now()) && r.verdicts_size() < kMaxVerdictsListed) {
                *r.add_verdicts() = std::move(v);
              }
            } else if (!absl::IsNotFound(trail.status()) && run->failure.ok()) {
              run->failure = trail.status();  // an order deleted meanwhile is skipped
            }
            last = --run->pending == 0;
          }
          if (!last) return;
          if (!run->failure.ok()) {
            return run->done(run->failure);
          }
          (*step)();
        });
      }
    });
  };
  (*step)();
}

}  // namespace hotline::intake
