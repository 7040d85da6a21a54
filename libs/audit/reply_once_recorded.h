#pragma once
// The last step of a gRPC read of personal data: the answer goes out only
// once its access-log entry is written (read_recorder.h); if the entry cannot
// be written the caller gets UNAVAILABLE and no data.
#include <grpcpp/support/server_callback.h>

#include <string>
#include <utility>
#include <vector>

#include "audit/read_recorder.h"
#include "status/status.h"

namespace hotline::audit {

template <typename Response>
void ReplyOnceRecorded(ReadRecorder& reads, const v1::Actor& actor, v1::AuditAction action,
                       std::vector<std::string> order_ids, Response answer, Response* response,
                       grpc::ServerUnaryReactor* reactor) {
  reads.Record(actor, action, std::move(order_ids),
               [reactor, response, answer = std::move(answer)](absl::Status logged) mutable {
                 if (logged.ok()) *response = std::move(answer);
                 reactor->Finish(ToGrpcStatus(logged));
               });
}

// The ids of a page's orders (any response with `repeated WorkOrder orders`).
template <typename Page>
std::vector<std::string> OrderIdsOf(const Page& page) {
  std::vector<std::string> ids;
  for (const v1::WorkOrder& o : page.orders()) ids.push_back(o.id());
  return ids;
}

}  // namespace hotline::audit
