#include "intake/intake.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "authz/unit_scope.h"
#include "intake/validation.h"
#include "orders/order_helpers.h"
#include "orders/order_keys.h"
#include "orders/order_record.h"
#include "orders/phone.h"

namespace hotline::intake {
Intake::Intake(orders::OrderStore& store, refdata::SourceRef<directory::Directory> directory,
               const Clock& clock, IntakeObserver& observer, const crypto::PhoneVault& vault)
    : store_(store), directory_(std::move(directory)), clock_(clock), observer_(observer), vault_(vault) {}

void Intake::Create(const std::optional<v1::Actor>& actor,
                    const v1::CreateWorkOrderRequest& request,
                    orders::Done<v1::CreateWorkOrderResponse> done) {
  if (!actor.has_value()) {
    return done(absl::UnauthenticatedError("no caller identity: call through the gateway"));
  }
  if (std::optional<FieldError> bad = ValidateCreate(request, *directory_.Current())) {
    observer_.Rejected(bad->field);
    return done(absl::InvalidArgumentError(bad->message));
  }

  const google::protobuf::Timestamp now = orders::FromMillis(absl::ToUnixMillis(clock_.Now()));
  const bool answered = request.has_on_spot_answer();
  orders::NewOrder n;
  v1::WorkOrder& o = n.order;
  o.set_version(1);
  o.set_type(request.type());
  o.set_urgent(request.urgent());
  o.set_channel(request.channel());
  o.mutable_caller()->set_name(request.caller().name());
  // The number itself is only ever stored sealed, bound to the order's id
  // (the store numbers the order first, then asks for the sealed value), with
  // its keyed hash for lookup; the order carries the masked form.
  const std::string phone = *orders::NormalizePhone(request.caller().phone());
  n.seal_phone = [this, phone](const std::string& order_id) { return vault_.Seal(phone, order_id); };
  n.phone_hash = vault_.LookupHash(phone);
  o.mutable_caller()->set_phone_masked(orders::MaskPhone(phone));
  o.mutable_caller()->set_confidential(request.caller().confidential());
  *o.mutable_location() = request.location();
  o.set_category_code(request.category_code());
  o.set_content(request.content());
  o.set_state(answered ? v1::ORDER_STATE_CLOSED : v1::ORDER_STATE_CREATED);
  *o.mutable_created_at() = now;
  *o.mutable_updated_at() = now;
  if (answered) {
    *o.mutable_closed_at() = now;
    *o.mutable_on_spot_answer() = request.on_spot_answer();
  }
  *o.mutable_created_by() = *actor;
  // Kept in whole milliseconds, as the store records it.
  if (request.has_handling_time()) {
    *o.mutable_handling_time() = orders::DurationFromMillis(orders::ToMillis(request.handling_time()));
  }

  v1::HistoryEntry& h = n.first_entry;
  h.set_seq(1);
  *h.mutable_at() = now;
  *h.mutable_actor() = *actor;
  h.set_action(answered ? "answer_on_spot" : "create");
  h.set_from_state(v1::ORDER_STATE_UNSPECIFIED);
  h.set_to_state(o.state());
  if (answered) {
    h.set_note(absl::StrCat("answered from knowledge point ",
                            request.on_spot_answer().knowledge_code()));
  }
  if (!request.idempotency_key().empty()) {
    n.idempotency_key = orders::CallerScopedKey(actor->user_id(), request.idempotency_key());
  }
  n.fingerprint = orders::RequestFingerprint(request);

  store_.Create(std::move(n), [this, actor, done = std::move(done)](
                                  absl::StatusOr<orders::CreateResult> result) mutable {
    if (!result.ok()) return done(result.status());
    observer_.OrderCreated(result->order, result->replayed);
    v1::CreateWorkOrderResponse response;
    *response.mutable_order() = std::move(result->order);
    response.set_replayed(result->replayed);
    orders::MaskForReading(response.mutable_order(), actor);
    done(std::move(response));
  });
}

void Intake::Get(const std::optional<v1::Actor>& actor, const v1::GetWorkOrderRequest& request,
                 orders::Done<v1::GetWorkOrderResponse> done) {
  if (!actor) return done(absl::UnauthenticatedError("no caller identity: call through the gateway"));
  if (!orders::LooksLikeOrderId(request.id())) {
    return done(absl::InvalidArgumentError(
        absl::StrCat("id: \"", request.id(), "\" is not an order number like ", orders::OrderIdExample())));
  }
  if (request.history_offset() < 0) {
    return done(absl::InvalidArgumentError("history_offset: must not be negative"));
  }
  if (request.history_limit() < 0 || request.history_limit() > orders::kMaxHistoryLimit) {
    return done(absl::InvalidArgumentError(
        absl::StrCat("history_limit: must be 0 (for ", orders::kDefaultHistoryLimit, ") to ",
                     orders::kMaxHistoryLimit)));
  }
  orders::HistoryWindow window{request.history_offset(), request.history_limit() == 0
                                                             ? orders::kDefaultHistoryLimit
                                                             : request.history_limit()};
  store_.GetPage(request.id(), window,
                 [this, caller = *actor, done = std::move(done)](
                     absl::StatusOr<v1::WorkOrder> order) mutable {
    if (!order.ok()) return done(order.status());
    if (!authz::MayAccessOrder(caller, *order, *directory_.Current())) {
      return done(authz::OrderNotFound(order->id()));
    }
    v1::GetWorkOrderResponse response;
    *response.mutable_order() = std::move(*order);
    orders::MaskForReading(response.mutable_order(), caller);
    done(std::move(response));
  });
}

void Intake::List(const std::optional<v1::Actor>& actor, const v1::ListWorkOrdersRequest& r,
                  orders::Done<v1::ListWorkOrdersResponse> done) {
  if (!actor) return done(absl::UnauthenticatedError("no caller identity: call through the gateway"));
  auto bad = [&](const char* field, const std::string& message) {
    done(absl::InvalidArgumentError(absl::StrCat(field, ": ", message)));
  };
  if (!v1::OrderState_IsValid(r.state())) return bad("state", "unknown state");
  if (!v1::OrderType_IsValid(r.type())) return bad("type", "unknown order type");
  const std::shared_ptr<const directory::Directory> directory = directory_.Current();
  if (!r.district_code().empty() && !directory->IsDistrict(r.district_code())) {
    return bad("district_code", absl::StrCat("unknown district \"", r.district_code(), "\""));
  }
  if (!r.unit_code().empty() && directory->FindUnit(r.unit_code()) == nullptr) {
    return bad("unit_code", absl::StrCat("unknown unit \"", r.unit_code(), "\""));
  }
  absl::StatusOr<int> page_size = orders::PageSize(r.page_size());
  if (!page_size.ok()) return done(page_size.status());
  absl::StatusOr<std::string> unit = authz::ListingUnit(*actor, r.unit_code(), "unit_code", *directory);
  if (!unit.ok()) return done(unit.status());

  orders::ListQuery q;
  q.state = r.state();
  q.type = r.type();
  q.district_code = r.district_code();
  q.unit_code = *unit;
  if (r.has_created_from()) q.created_from = ToTime(r.created_from());
  if (r.has_created_until()) q.created_until = ToTime(r.created_until());
  if (q.created_from && q.created_until && *q.created_from >= *q.created_until) {
    return bad("created_until", "must be after created_from");
  }
  q.page_size = *page_size;
  q.page_token = r.page_token();
  q.oldest_first = r.oldest_first();

  store_.List(std::move(q), [reader = actor, done = std::move(done)](
                                absl::StatusOr<orders::ListPage> page) mutable {
    if (!page.ok()) return done(page.status());
    v1::ListWorkOrdersResponse response;
    for (v1::WorkOrder& o : page->orders) {
      orders::MaskForReading(&o, reader);
      *response.add_orders() = std::move(o);
    }
    response.set_next_page_token(std::move(page->next_page_token));
    done(std::move(response));
  });
}

}  // namespace hotline::intake
