#pragma once
// The gRPC edge of the scoring service: hotline.v1.Scoring on the callback
// API, with per-RPC outcome counts. A request loads one period's facts and
// computes (the callers are people and the wall screen), answered in its
// handler. The work is in Assessor. Thread-safe.
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "audit/read_recorder.h"
#include "hotline/v1/scoring.grpc.pb.h"
#include "scoring/assessor.h"

namespace hotline::scoring {

class ScoringService final : public v1::Scoring::CallbackService {
 public:
  // `reads` logs each answered read of addresses (HOT_KIND_ADDRESSES).
  ScoringService(Assessor& assessor, audit::ReadRecorder& reads, prometheus::Registry& metrics);

  grpc::ServerUnaryReactor* GetUnitScore(grpc::CallbackServerContext* context, const v1::GetUnitScoreRequest* request,
                            v1::GetUnitScoreResponse* response) override;
  grpc::ServerUnaryReactor* ExplainScore(grpc::CallbackServerContext* context, const v1::ExplainScoreRequest* request,
                            v1::ExplainScoreResponse* response) override;
  grpc::ServerUnaryReactor* RankUnits(grpc::CallbackServerContext* context, const v1::RankUnitsRequest* request,
                         v1::RankUnitsResponse* response) override;
  grpc::ServerUnaryReactor* GetHotSpots(grpc::CallbackServerContext* context, const v1::GetHotSpotsRequest* request,
                           v1::GetHotSpotsResponse* response) override;
  grpc::ServerUnaryReactor* GetAgentFigures(grpc::CallbackServerContext* context, const v1::GetAgentFiguresRequest* request,
                               v1::GetAgentFiguresResponse* response) override;
  grpc::ServerUnaryReactor* GetScreen(grpc::CallbackServerContext* context, const v1::GetScreenRequest* request,
                         v1::GetScreenResponse* response) override;

 private:
  // Counts the call, fills `response` with the answer and finishes the call.
  template <typename Response>
  grpc::ServerUnaryReactor* Finish(grpc::ServerUnaryReactor* reactor, const char* rpc,
                                   absl::StatusOr<Response> answer, Response* response);

  Assessor& assessor_;
  audit::ReadRecorder& reads_;
  prometheus::Family<prometheus::Counter>& calls_;
};

}  // namespace hotline::scoring
