#include "scoring/scoring_service.h"

#include "server/identity.h"
#include "status/status.h"

namespace hotline::scoring {

ScoringService::ScoringService(Assessor& assessor, prometheus::Registry& metrics)
    : assessor_(assessor),
      calls_(prometheus::BuildCounter()
                 .Name("hotline_scoring_requests_total")
                 .Help("Calls of the scoring API, by method and outcome (status code).")
                 .Register(metrics)) {}

template <typename Response>
grpc::Status ScoringService::Finish(const char* rpc, absl::StatusOr<Response> answer, Response* response) {
  calls_.Add({{"rpc", rpc}, {"code", absl::StatusCodeToString(answer.status().code())}}).Increment();
  if (answer.ok()) *response = std::move(*answer);
  return ToGrpcStatus(answer.status());
}

grpc::Status ScoringService::GetUnitScore(grpc::ServerContext* context, const v1::GetUnitScoreRequest* request,
                                          v1::GetUnitScoreResponse* response) {
  return Finish("GetUnitScore", assessor_.GetUnitScore(server::IdentityOf(*context), *request), response);
}

grpc::Status ScoringService::ExplainScore(grpc::ServerContext* context, const v1::ExplainScoreRequest* request,
                                          v1::ExplainScoreResponse* response) {
  return Finish("ExplainScore", assessor_.ExplainScore(server::IdentityOf(*context), *request), response);
}

grpc::Status ScoringService::RankUnits(grpc::ServerContext* context, const v1::RankUnitsRequest* request,
                                       v1::RankUnitsResponse* response) {
  return Finish("RankUnits", assessor_.RankUnits(server::IdentityOf(*context), *request), response);
}

grpc::Status ScoringService::GetHotSpots(grpc::ServerContext*, const v1::GetHotSpotsRequest* request,
                                         v1::GetHotSpotsResponse* response) {
  return Finish("GetHotSpots", assessor_.GetHotSpots(*request), response);
}

grpc::Status ScoringService::GetAgentFigures(grpc::ServerContext* context,
                                             const v1::GetAgentFiguresRequest* request,
                                             v1::GetAgentFiguresResponse* response) {
  return Finish("GetAgentFigures", assessor_.GetAgentFigures(server::IdentityOf(*context), *request), response);
}

grpc::Status ScoringService::GetScreen(grpc::ServerContext*, const v1::GetScreenRequest*,
                                       v1::GetScreenResponse* response) {
  return Finish("GetScreen", assessor_.GetScreen(), response);
}

}  // namespace hotline::scoring
