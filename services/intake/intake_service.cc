#include "intake/intake_service.h"

#include "absl/strings/str_cat.h"
#include "audit/reply_once_recorded.h"
#include "enums/enum_names.h"
#include "refdata/kinds.h"
#include "server/identity.h"
#include "server/reply.h"
#include "status/status.h"

namespace hotline::intake {
IntakeMetrics::IntakeMetrics(prometheus::Registry& registry)
    : created_(prometheus::BuildCounter()
                   .Name("hotline_intake_orders_created_total")
                   .Help("Work orders created, by type and channel.")
                   .Register(registry)),
      rejected_(prometheus::BuildCounter()
                    .Name("hotline_intake_rejected_total")
                    .Help("Create requests rejected, by the first bad field.")
                    .Register(registry)),
      replays_(prometheus::BuildCounter()
                   .Name("hotline_intake_idempotent_replays_total")
                   .Help("Create requests answered from an earlier request with the same key.")
                   .Register(registry)
                   .Add({})) {}

void IntakeMetrics::OrderCreated(const v1::WorkOrder& order, bool replayed) {
  if (replayed) {
    replays_.Increment();
    return;
  }
  // Family::Add returns the existing child for known labels; both label sets
  // are small enums.
  auto child = [&]() -> prometheus::Counter& {
    return created_.Add({{"type", enums::SnakeName(order.type())},
                         {"channel", enums::SnakeName(order.channel())}});
  };
  const int type = order.type(), channel = order.channel();
  if (type < 0 || type >= kTypes || channel < 0 || channel >= kChannels) return child().Increment();
  std::atomic<prometheus::Counter*>& slot = created_by_kind_[type * kChannels + channel];
  prometheus::Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    counter = &child();
    slot.store(counter, std::memory_order_release);
  }
  counter->Increment();
}

void IntakeMetrics::Rejected(const std::string& field) {
  rejected_.Add({{"field", field}}).Increment();
}

GuardianMetrics::GuardianMetrics(prometheus::Registry& registry)
    : reveals_(prometheus::BuildCounter()
                   .Name("hotline_intake_phone_reveals_total")
                   .Help("Requests to reveal a caller's full number, by answer code.")
                   .Register(registry)),
      lookups_(prometheus::BuildCounter()
                   .Name("hotline_intake_phone_lookups_total")
                   .Help("Lookups of a caller's orders by phone, by answer code.")
                   .Register(registry)),
      verifications_(prometheus::BuildCounter()
                         .Name("hotline_intake_trail_verifications_total")
                         .Help("Order trails verified, by verdict: intact, broken, chained "
                               "(a trail from before the chain, chained by this check).")
                         .Register(registry)) {}

void GuardianMetrics::Revealed(absl::StatusCode code) {
  reveals_.Add({{"code", absl::StatusCodeToString(code)}}).Increment();
}

void GuardianMetrics::LookedUp(absl::StatusCode code) {
  lookups_.Add({{"code", absl::StatusCodeToString(code)}}).Increment();
}

void GuardianMetrics::Verified(const v1::TrailVerdict& verdict) {
  const char* result = !verdict.intact() ? "broken" : verdict.chained_now() ? "chained" : "intact";
  verifications_.Add({{"result", result}}).Increment();
}

grpc::ServerUnaryReactor* IntakeService::CreateWorkOrder(grpc::CallbackServerContext* context,
                                                         const v1::CreateWorkOrderRequest* request,
                                                         v1::CreateWorkOrderResponse* response) {
  std::optional<v1::Actor> caller;
  if (auto* refused = server::RefuseUnverified(context, *request, &caller)) return refused;
  auto* reactor = context->DefaultReactor();
  intake_.Create(caller, *request, server::ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* IntakeService::GetWorkOrder(grpc::CallbackServerContext* context,
                                                      const v1::GetWorkOrderRequest* request,
                                                      v1::GetWorkOrderResponse* response) {
  std::optional<v1::Actor> actor;
  if (auto* refused = server::RefuseUnverified(context, *request, &actor)) return refused;
  auto* reactor = context->DefaultReactor();
  intake_.Get(actor, *request,
              [this, actor, reactor, response](absl::StatusOr<v1::GetWorkOrderResponse> got) {
                if (!got.ok()) return reactor->Finish(ToGrpcStatus(got.status()));
                std::vector<std::string> ids = {got->order().id()};
                audit::ReplyOnceRecorded(reads_, *actor, v1::AUDIT_ACTION_READ_ORDER, std::move(ids),
                                         std::move(*got), response, reactor);
              });
  return reactor;
}

grpc::ServerUnaryReactor* IntakeService::ListWorkOrders(grpc::CallbackServerContext* context,
                                                        const v1::ListWorkOrdersRequest* request,
                                                        v1::ListWorkOrdersResponse* response) {
  std::optional<v1::Actor> actor;
  if (auto* refused = server::RefuseUnverified(context, *request, &actor)) return refused;
  auto* reactor = context->DefaultReactor();
  intake_.List(actor, *request,
               [this, actor, reactor, response](absl::StatusOr<v1::ListWorkOrdersResponse> page) {
                 if (!page.ok()) return reactor->Finish(ToGrpcStatus(page.status()));
                 std::vector<std::string> ids = audit::OrderIdsOf(*page);  // before the page moves
                 audit::ReplyOnceRecorded(reads_, *actor, v1::AUDIT_ACTION_LIST_ORDERS, std::move(ids), std::move(*page),
                                          response, reactor);
               });
  return reactor;
}

grpc::ServerUnaryReactor* IntakeService::RevealCallerPhone(
    grpc::CallbackServerContext* context, const v1::RevealCallerPhoneRequest* request,
    v1::RevealCallerPhoneResponse* response) {
  std::optional<v1::Actor> caller;
  if (auto* refused = server::RefuseUnverified(context, *request, &caller)) return refused;
  auto* reactor = context->DefaultReactor();
  guardian_.Reveal(caller, *request, server::ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* IntakeService::FindOrdersByPhone(
    grpc::CallbackServerContext* context, const v1::FindOrdersByPhoneRequest* request,
    v1::FindOrdersByPhoneResponse* response) {
  std::optional<v1::Actor> caller;
  if (auto* refused = server::RefuseUnverified(context, *request, &caller)) return refused;
  auto* reactor = context->DefaultReactor();
  guardian_.FindByPhone(caller, *request, server::ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* IntakeService::VerifyOrderTrail(
    grpc::CallbackServerContext* context, const v1::VerifyOrderTrailRequest* request,
    v1::VerifyOrderTrailResponse* response) {
  std::optional<v1::Actor> caller;
  if (auto* refused = server::RefuseUnverified(context, *request, &caller)) return refused;
  auto* reactor = context->DefaultReactor();
  guardian_.Verify(caller, *request, server::ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* DirectoryService::ListUnits(grpc::CallbackServerContext* context,
                                                      const v1::ListUnitsRequest* request,
                                                      v1::ListUnitsResponse* response) {
  if (auto* refused = server::RefuseUnverified(context, *request)) return refused;
  auto* reactor = context->DefaultReactor();
  if (!v1::UnitKind_IsValid(request->kind())) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "kind: unknown unit kind"));
    return reactor;
  }
  for (v1::Unit& u : directory_.Current()->ListUnits(request->parent_code(), request->kind())) {
    *response->add_units() = std::move(u);
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* DirectoryService::ListCategories(
    grpc::CallbackServerContext* context, const v1::ListCategoriesRequest* request,
    v1::ListCategoriesResponse* response) {
  if (auto* refused = server::RefuseUnverified(context, *request)) return refused;
  auto* reactor = context->DefaultReactor();
  for (v1::Category& c : directory_.Current()->ListCategories(request->code_prefix())) {
    *response->add_categories() = std::move(c);
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* DirectoryService::GetCity(grpc::CallbackServerContext* context,
                                                    const v1::GetCityRequest* request,
                                                    v1::GetCityResponse* response) {
  if (auto* refused = server::RefuseUnverified(context, *request)) return refused;
  auto* reactor = context->DefaultReactor();
  // The profile and its version in one read: a load between two reads
  // would pair them wrongly.
  const refdata::Live<directory::City>::InForce city = city_.Snapshot();
  *response->mutable_city() = city.value->profile;
  auto version = city.versions.find(refdata::kCity);
  response->set_version(version == city.versions.end() ? 0 : version->second);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AuditService::ListAuditEntries(
    grpc::CallbackServerContext* context, const v1::ListAuditEntriesRequest* request,
    v1::ListAuditEntriesResponse* response) {
  if (auto* refused = server::RefuseUnverified(context, *request)) return refused;
  auto* reactor = context->DefaultReactor();
  log_.List(*request, server::ReplyTo(reactor, response));
  return reactor;
}

}  // namespace hotline::intake
