#include "scoring/scoring_service.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "server/identity.h"
#include "status/status.h"

namespace hotline::scoring {

ScoringService::ScoringService(Assessor& assessor, audit::ReadRecorder& reads,
                               prometheus::Registry& metrics)
    : assessor_(assessor),
      reads_(reads),
      calls_(prometheus::BuildCounter()
                 .Name("hotline_scoring_requests_total")
                 .Help("Calls of the scoring API, by method and outcome (status code).")
                 .Register(metrics)) {}

namespace {

// Every call carries an identity signed by the gateway (server/identity.h);
// one that does not verify is refused before anything is read.
template <typename Response>
absl::StatusOr<Response> Refused(absl::Status status) {
  return status;
}

}  // namespace

template <typename Response>
grpc::Status ScoringService::Finish(const char* rpc, absl::StatusOr<Response> answer, Response* response) {
  calls_.Add({{"rpc", rpc}, {"code", absl::StatusCodeToString(answer.status().code())}}).Increment();
  if (answer.ok()) *response = std::move(*answer);
  return ToGrpcStatus(answer.status());
}

grpc::Status ScoringService::GetUnitScore(grpc::ServerContext* context, const v1::GetUnitScoreRequest* request,
                                          v1::GetUnitScoreResponse* response) {
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) return Finish("GetUnitScore", Refused<v1::GetUnitScoreResponse>(caller.status()), response);
  return Finish("GetUnitScore", assessor_.GetUnitScore(*caller, *request), response);
}

grpc::Status ScoringService::ExplainScore(grpc::ServerContext* context, const v1::ExplainScoreRequest* request,
                                          v1::ExplainScoreResponse* response) {
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) return Finish("ExplainScore", Refused<v1::ExplainScoreResponse>(caller.status()), response);
  return Finish("ExplainScore", assessor_.ExplainScore(*caller, *request), response);
}

grpc::Status ScoringService::RankUnits(grpc::ServerContext* context, const v1::RankUnitsRequest* request,
                                       v1::RankUnitsResponse* response) {
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) return Finish("RankUnits", Refused<v1::RankUnitsResponse>(caller.status()), response);
  return Finish("RankUnits", assessor_.RankUnits(*caller, *request), response);
}

grpc::Status ScoringService::GetHotSpots(grpc::ServerContext* context, const v1::GetHotSpotsRequest* request,
                                         v1::GetHotSpotsResponse* response) {
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) return Finish("GetHotSpots", Refused<v1::GetHotSpotsResponse>(caller.status()), response);
  absl::StatusOr<v1::GetHotSpotsResponse> answer = assessor_.GetHotSpots(*request, *caller);
  if (answer.ok() && request->kind() == v1::HOT_KIND_ADDRESSES && answer->entries_size() > 0) {
    // Addresses are personal data: the read is logged before it is answered
    // (a read that cannot be logged is not served: UNAVAILABLE).
    std::promise<absl::Status> logged;
    reads_.RecordAggregate(*caller, v1::AUDIT_ACTION_READ_HOT_ADDRESSES,
                           absl::StrCat("hot addresses ", answer->period_label()),
                           [&logged](absl::Status s) { logged.set_value(std::move(s)); });
    if (absl::Status s = logged.get_future().get(); !s.ok()) answer = s;
  }
  return Finish("GetHotSpots", std::move(answer), response);
}

grpc::Status ScoringService::GetAgentFigures(grpc::ServerContext* context,
                                             const v1::GetAgentFiguresRequest* request,
                                             v1::GetAgentFiguresResponse* response) {
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) return Finish("GetAgentFigures", Refused<v1::GetAgentFiguresResponse>(caller.status()), response);
  return Finish("GetAgentFigures", assessor_.GetAgentFigures(*caller, *request), response);
}

grpc::Status ScoringService::GetScreen(grpc::ServerContext* context,
                                       const v1::GetScreenRequest* request,
                                       v1::GetScreenResponse* response) {
  // The one RPC the wall screen's identity may call: its answer is the same
  // for every caller and has no personal data (server/identity.h).
  absl::StatusOr<v1::Actor> caller = server::VerifiedScreenReader(*context, *request);
  if (!caller.ok()) return Finish("GetScreen", Refused<v1::GetScreenResponse>(caller.status()), response);
  return Finish("GetScreen", assessor_.GetScreen(), response);
}

}  // namespace hotline::scoring
