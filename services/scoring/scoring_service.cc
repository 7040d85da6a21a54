#include "scoring/scoring_service.h"

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
grpc::ServerUnaryReactor* ScoringService::Finish(grpc::ServerUnaryReactor* reactor, const char* rpc,
                                                 absl::StatusOr<Response> answer, Response* response) {
  calls_.Add({{"rpc", rpc}, {"code", absl::StatusCodeToString(answer.status().code())}}).Increment();
  if (answer.ok()) *response = std::move(*answer);
  reactor->Finish(ToGrpcStatus(answer.status()));
  return reactor;
}

grpc::ServerUnaryReactor* ScoringService::GetUnitScore(grpc::CallbackServerContext* context,
                                                       const v1::GetUnitScoreRequest* request,
                                                       v1::GetUnitScoreResponse* response) {
  auto* reactor = context->DefaultReactor();
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) return Finish(reactor, "GetUnitScore", Refused<v1::GetUnitScoreResponse>(caller.status()), response);
  return Finish(reactor, "GetUnitScore", assessor_.GetUnitScore(*caller, *request), response);
}

grpc::ServerUnaryReactor* ScoringService::ExplainScore(grpc::CallbackServerContext* context,
                                                       const v1::ExplainScoreRequest* request,
                                                       v1::ExplainScoreResponse* response) {
  auto* reactor = context->DefaultReactor();
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) return Finish(reactor, "ExplainScore", Refused<v1::ExplainScoreResponse>(caller.status()), response);
  return Finish(reactor, "ExplainScore", assessor_.ExplainScore(*caller, *request), response);
}

grpc::ServerUnaryReactor* ScoringService::RankUnits(grpc::CallbackServerContext* context,
                                                    const v1::RankUnitsRequest* request,
                                                    v1::RankUnitsResponse* response) {
  auto* reactor = context->DefaultReactor();
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) return Finish(reactor, "RankUnits", Refused<v1::RankUnitsResponse>(caller.status()), response);
  return Finish(reactor, "RankUnits", assessor_.RankUnits(*caller, *request), response);
}

grpc::ServerUnaryReactor* ScoringService::GetHotSpots(grpc::CallbackServerContext* context,
                                                      const v1::GetHotSpotsRequest* request,
                                                      v1::GetHotSpotsResponse* response) {
  auto* reactor = context->DefaultReactor();
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) return Finish(reactor, "GetHotSpots", Refused<v1::GetHotSpotsResponse>(caller.status()), response);
  absl::StatusOr<v1::GetHotSpotsResponse> answer = assessor_.GetHotSpots(*request, *caller);
  if (!answer.ok() || request->kind() != v1::HOT_KIND_ADDRESSES || answer->entries_size() == 0) {
    return Finish(reactor, "GetHotSpots", std::move(answer), response);
  }
  // Addresses are personal data: the read is logged before it is answered
  // (a read that cannot be logged is not served: UNAVAILABLE).
  const std::string what = absl::StrCat("hot addresses ", answer->period_label());
  *response = *std::move(answer);
  reads_.RecordAggregate(*caller, v1::AUDIT_ACTION_READ_HOT_ADDRESSES, what,
                         [this, reactor, response](absl::Status logged) {
                           if (logged.ok()) {
                             Finish(reactor, "GetHotSpots", absl::StatusOr<v1::GetHotSpotsResponse>(std::move(*response)),
                                    response);
                           } else {
                             response->Clear();
                             Finish(reactor, "GetHotSpots", Refused<v1::GetHotSpotsResponse>(logged), response);
                           }
                         });
  return reactor;
}

grpc::ServerUnaryReactor* ScoringService::GetAgentFigures(grpc::CallbackServerContext* context,
                                                          const v1::GetAgentFiguresRequest* request,
                                                          v1::GetAgentFiguresResponse* response) {
  auto* reactor = context->DefaultReactor();
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) {
    return Finish(reactor, "GetAgentFigures", Refused<v1::GetAgentFiguresResponse>(caller.status()), response);
  }
  return Finish(reactor, "GetAgentFigures", assessor_.GetAgentFigures(*caller, *request), response);
}

grpc::ServerUnaryReactor* ScoringService::GetScreen(grpc::CallbackServerContext* context,
                                                    const v1::GetScreenRequest* request,
                                                    v1::GetScreenResponse* response) {
  auto* reactor = context->DefaultReactor();
  // The one RPC the wall screen's identity may call: its answer is the same
  // for every caller and has no personal data (server/identity.h).
  absl::StatusOr<v1::Actor> caller = server::VerifiedScreenReader(*context, *request);
  if (!caller.ok()) return Finish(reactor, "GetScreen", Refused<v1::GetScreenResponse>(caller.status()), response);
  return Finish(reactor, "GetScreen", assessor_.GetScreen(), response);
}

}  // namespace hotline::scoring
