#pragma once
// The gRPC edge of the SLA monitor: hotline.v1.Sla on the callback API, with
// per-RPC outcome counts. The core's calls are short blocking Redis round
// trips and the RPC rate is that of people looking at orders, so each call is
// answered in its handler. The work is in Monitor. Thread-safe.
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "hotline/v1/sla.grpc.pb.h"
#include "sla/monitor.h"

namespace hotline::sla {

class SlaService final : public v1::Sla::CallbackService {
 public:
  SlaService(Monitor& monitor, prometheus::Registry& metrics);

  grpc::ServerUnaryReactor* GetOrderSla(grpc::CallbackServerContext* context, const v1::GetOrderSlaRequest* request,
                                        v1::GetOrderSlaResponse* response) override;
  grpc::ServerUnaryReactor* ListUnitDeadlines(grpc::CallbackServerContext* context,
                                              const v1::ListUnitDeadlinesRequest* request,
                                              v1::ListUnitDeadlinesResponse* response) override;
  grpc::ServerUnaryReactor* RequestExtension(grpc::CallbackServerContext* context,
                                             const v1::RequestExtensionRequest* request,
                                             v1::RequestExtensionResponse* response) override;
  grpc::ServerUnaryReactor* DecideExtension(grpc::CallbackServerContext* context,
                                            const v1::DecideExtensionRequest* request,
                                            v1::DecideExtensionResponse* response) override;
  grpc::ServerUnaryReactor* QueryCalendar(grpc::CallbackServerContext* context,
                                          const v1::QueryCalendarRequest* request,
                                          v1::QueryCalendarResponse* response) override;

 private:
  // Counts the call and finishes it with `status`.
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context, const char* rpc, const absl::Status& status);

  Monitor& monitor_;
  prometheus::Family<prometheus::Counter>& calls_;
};

}  // namespace hotline::sla
