#pragma once
// The gRPC edge of the SLA monitor: hotline.v1.Sla on the synchronous API
// (the core's calls are short blocking Redis round trips and the RPC rate is
// that of people looking at orders), with per-RPC outcome counts. The work is
// in Monitor. Thread-safe.
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "hotline/v1/sla.grpc.pb.h"
#include "sla/monitor.h"

namespace hotline::sla {

class SlaService final : public v1::Sla::Service {
 public:
  SlaService(Monitor& monitor, prometheus::Registry& metrics);

  grpc::Status GetOrderSla(grpc::ServerContext* context, const v1::GetOrderSlaRequest* request,
                           v1::GetOrderSlaResponse* response) override;
  grpc::Status ListUnitDeadlines(grpc::ServerContext* context, const v1::ListUnitDeadlinesRequest* request,
                                 v1::ListUnitDeadlinesResponse* response) override;
  grpc::Status RequestExtension(grpc::ServerContext* context, const v1::RequestExtensionRequest* request,
                                v1::RequestExtensionResponse* response) override;
  grpc::Status DecideExtension(grpc::ServerContext* context, const v1::DecideExtensionRequest* request,
                               v1::DecideExtensionResponse* response) override;
  grpc::Status QueryCalendar(grpc::ServerContext* context, const v1::QueryCalendarRequest* request,
                             v1::QueryCalendarResponse* response) override;

 private:
  grpc::Status Finish(const char* rpc, const absl::Status& status);

  Monitor& monitor_;
  prometheus::Family<prometheus::Counter>& calls_;
};

}  // namespace hotline::sla
