#include "intake/intake_service.h"

#include "absl/strings/str_cat.h"
#include "enums/enum_names.h"
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
  created_
      .Add({{"type", enums::SnakeName(order.type())},
            {"channel", enums::SnakeName(order.channel())}})
      .Increment();
}

void IntakeMetrics::Rejected(const std::string& field) {
  rejected_.Add({{"field", field}}).Increment();
}

grpc::ServerUnaryReactor* IntakeService::CreateWorkOrder(grpc::CallbackServerContext* context,
                                                         const v1::CreateWorkOrderRequest* request,
                                                         v1::CreateWorkOrderResponse* response) {
  if (auto* refused = server::RefuseUnverified(context)) return refused;
  auto* reactor = context->DefaultReactor();
  intake_.Create(server::IdentityOf(*context), *request, server::ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* IntakeService::GetWorkOrder(grpc::CallbackServerContext* context,
                                                      const v1::GetWorkOrderRequest* request,
                                                      v1::GetWorkOrderResponse* response) {
  if (auto* refused = server::RefuseUnverified(context)) return refused;
  auto* reactor = context->DefaultReactor();
  intake_.Get(*request, server::ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* IntakeService::ListWorkOrders(grpc::CallbackServerContext* context,
                                                        const v1::ListWorkOrdersRequest* request,
                                                        v1::ListWorkOrdersResponse* response) {
  if (auto* refused = server::RefuseUnverified(context)) return refused;
  auto* reactor = context->DefaultReactor();
  intake_.List(*request, server::ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* DirectoryService::ListUnits(grpc::CallbackServerContext* context,
                                                      const v1::ListUnitsRequest* request,
                                                      v1::ListUnitsResponse* response) {
  if (auto* refused = server::RefuseUnverified(context)) return refused;
  auto* reactor = context->DefaultReactor();
  if (!v1::UnitKind_IsValid(request->kind())) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "kind: unknown unit kind"));
    return reactor;
  }
  for (v1::Unit& u : directory_.ListUnits(request->parent_code(), request->kind())) {
    *response->add_units() = std::move(u);
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* DirectoryService::ListCategories(
    grpc::CallbackServerContext* context, const v1::ListCategoriesRequest* request,
    v1::ListCategoriesResponse* response) {
  if (auto* refused = server::RefuseUnverified(context)) return refused;
  auto* reactor = context->DefaultReactor();
  for (v1::Category& c : directory_.ListCategories(request->code_prefix())) {
    *response->add_categories() = std::move(c);
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace hotline::intake
