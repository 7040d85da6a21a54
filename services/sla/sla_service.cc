#include "sla/sla_service.h"

#include "server/identity.h"
#include "status/status.h"

namespace hotline::sla {

SlaService::SlaService(Monitor& monitor, prometheus::Registry& metrics)
    : monitor_(monitor),
      calls_(prometheus::BuildCounter()
                 .Name("hotline_sla_requests_total")
                 .Help("Calls of the SLA API, by method and outcome (status code).")
                 .Register(metrics)) {}

grpc::ServerUnaryReactor* SlaService::Finish(grpc::CallbackServerContext* context, const char* rpc,
                                             const absl::Status& status) {
  calls_.Add({{"rpc", rpc}, {"code", absl::StatusCodeToString(status.code())}}).Increment();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* SlaService::GetOrderSla(grpc::CallbackServerContext* context,
                                                  const v1::GetOrderSlaRequest* request,
                                                  v1::GetOrderSlaResponse* response) {
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) return Finish(context, "GetOrderSla", caller.status());
  absl::StatusOr<v1::OrderSla> sla = monitor_.Get(*caller, request->order_id());
  if (sla.ok()) *response->mutable_sla() = std::move(*sla);
  return Finish(context, "GetOrderSla", sla.status());
}

grpc::ServerUnaryReactor* SlaService::ListUnitDeadlines(grpc::CallbackServerContext* context,
                                                        const v1::ListUnitDeadlinesRequest* request,
                                                        v1::ListUnitDeadlinesResponse* response) {
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) return Finish(context, "ListUnitDeadlines", caller.status());
  absl::StatusOr<v1::ListUnitDeadlinesResponse> list = monitor_.ListUnit(*caller, *request);
  if (list.ok()) *response = std::move(*list);
  return Finish(context, "ListUnitDeadlines", list.status());
}

grpc::ServerUnaryReactor* SlaService::RequestExtension(grpc::CallbackServerContext* context,
                                                       const v1::RequestExtensionRequest* request,
                                                       v1::RequestExtensionResponse* response) {
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) return Finish(context, "RequestExtension", caller.status());
  absl::StatusOr<v1::OrderSla> sla = monitor_.RequestExtension(*caller, *request);
  if (sla.ok()) *response->mutable_sla() = std::move(*sla);
  return Finish(context, "RequestExtension", sla.status());
}

grpc::ServerUnaryReactor* SlaService::DecideExtension(grpc::CallbackServerContext* context,
                                                      const v1::DecideExtensionRequest* request,
                                                      v1::DecideExtensionResponse* response) {
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) return Finish(context, "DecideExtension", caller.status());
  absl::StatusOr<v1::OrderSla> sla = monitor_.DecideExtension(*caller, *request);
  if (sla.ok()) *response->mutable_sla() = std::move(*sla);
  return Finish(context, "DecideExtension", sla.status());
}

grpc::ServerUnaryReactor* SlaService::QueryCalendar(grpc::CallbackServerContext* context,
                                                    const v1::QueryCalendarRequest* request,
                                                    v1::QueryCalendarResponse* response) {
  if (absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request); !caller.ok()) {
    return Finish(context, "QueryCalendar", caller.status());
  }
  absl::StatusOr<v1::QueryCalendarResponse> answer = monitor_.QueryCalendar(*request);
  if (answer.ok()) *response = std::move(*answer);
  return Finish(context, "QueryCalendar", answer.status());
}

}  // namespace hotline::sla
