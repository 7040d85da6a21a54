#pragma once
// The gRPC edge of the scoring service: hotline.v1.Scoring on the synchronous
// API (a request loads one period's facts and computes; the callers are
// people and the wall screen), with per-RPC outcome counts. The work is in
// Assessor. Thread-safe.
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "audit/read_recorder.h"
#include "hotline/v1/scoring.grpc.pb.h"
#include "scoring/assessor.h"

namespace hotline::scoring {

class ScoringService final : public v1::Scoring::Service {
 public:
  // `reads` logs each answered read of addresses (HOT_KIND_ADDRESSES).
  ScoringService(Assessor& assessor, audit::ReadRecorder& reads, prometheus::Registry& metrics);

  grpc::Status GetUnitScore(grpc::ServerContext* context, const v1::GetUnitScoreRequest* request,
                            v1::GetUnitScoreResponse* response) override;
  grpc::Status ExplainScore(grpc::ServerContext* context, const v1::ExplainScoreRequest* request,
                            v1::ExplainScoreResponse* response) override;
  grpc::Status RankUnits(grpc::ServerContext* context, const v1::RankUnitsRequest* request,
                         v1::RankUnitsResponse* response) override;
  grpc::Status GetHotSpots(grpc::ServerContext* context, const v1::GetHotSpotsRequest* request,
                           v1::GetHotSpotsResponse* response) override;
  grpc::Status GetAgentFigures(grpc::ServerContext* context, const v1::GetAgentFiguresRequest* request,
                               v1::GetAgentFiguresResponse* response) override;
  grpc::Status GetScreen(grpc::ServerContext* context, const v1::GetScreenRequest* request,
                         v1::GetScreenResponse* response) override;

 private:
  template <typename Response>
  grpc::Status Finish(const char* rpc, absl::StatusOr<Response> answer, Response* response);

  Assessor& assessor_;
  audit::ReadRecorder& reads_;
  prometheus::Family<prometheus::Counter>& calls_;
};

}  // namespace hotline::scoring
