#pragma once
// The gRPC edge of the knowledge service: hotline.v1.Knowledge on the callback
// API, with search and write metrics. The work is in KnowledgeBase. Metrics
// carry counts only, never what a citizen said: the zero-hit searches' text
// stays in Redis behind ListUnansweredQueries, whose every answer with text in
// it is written to the access log first (libs/audit, like the other reads of
// personal data: a read that cannot be logged is not served, UNAVAILABLE).
// Thread-safe.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

#include "audit/read_recorder.h"
#include "hotline/v1/knowledge.grpc.pb.h"
#include "knowledge/knowledge_base.h"

namespace hotline::knowledge {

class KnowledgeService final : public v1::Knowledge::CallbackService {
 public:
  // `reads` logs each read of the unanswered queries.
  KnowledgeService(KnowledgeBase& base, prometheus::Registry& metrics, audit::ReadRecorder& reads);

  grpc::ServerUnaryReactor* SearchKnowledge(grpc::CallbackServerContext* context,
                                            const v1::SearchKnowledgeRequest* request,
                                            v1::SearchKnowledgeResponse* response) override;
  grpc::ServerUnaryReactor* GetKnowledgePoint(grpc::CallbackServerContext* context,
                                              const v1::GetKnowledgePointRequest* request,
                                              v1::GetKnowledgePointResponse* response) override;
  grpc::ServerUnaryReactor* ListKnowledgePoints(grpc::CallbackServerContext* context,
                                                const v1::ListKnowledgePointsRequest* request,
                                                v1::ListKnowledgePointsResponse* response) override;
  grpc::ServerUnaryReactor* CreateKnowledgePoint(grpc::CallbackServerContext* context,
                                                 const v1::CreateKnowledgePointRequest* request,
                                                 v1::KnowledgePointResponse* response) override;
  grpc::ServerUnaryReactor* EditKnowledgePoint(grpc::CallbackServerContext* context,
                                               const v1::EditKnowledgePointRequest* request,
                                               v1::KnowledgePointResponse* response) override;
  grpc::ServerUnaryReactor* PublishKnowledgePoint(grpc::CallbackServerContext* context,
                                                  const v1::ChangeKnowledgeStatusRequest* request,
                                                  v1::KnowledgePointResponse* response) override;
  grpc::ServerUnaryReactor* RetireKnowledgePoint(grpc::CallbackServerContext* context,
                                                 const v1::ChangeKnowledgeStatusRequest* request,
                                                 v1::KnowledgePointResponse* response) override;
  grpc::ServerUnaryReactor* MarkKnowledgeNotHelpful(
      grpc::CallbackServerContext* context, const v1::MarkKnowledgeNotHelpfulRequest* request,
      v1::MarkKnowledgeNotHelpfulResponse* response) override;
  grpc::ServerUnaryReactor* ListExpiringKnowledge(grpc::CallbackServerContext* context,
                                                  const v1::ListExpiringKnowledgeRequest* request,
                                                  v1::ListExpiringKnowledgeResponse* response) override;
  grpc::ServerUnaryReactor* ListUnansweredQueries(grpc::CallbackServerContext* context,
                                                  const v1::ListUnansweredQueriesRequest* request,
                                                  v1::ListUnansweredQueriesResponse* response) override;

 private:
  // Wraps `done` so the write's outcome is counted by action and code.
  Done<v1::KnowledgePointResponse> CountedWrite(const char* action, grpc::ServerUnaryReactor* reactor,
                                                v1::KnowledgePointResponse* response);

  KnowledgeBase& base_;
  audit::ReadRecorder& reads_;
  prometheus::Family<prometheus::Counter>& searches_;
  prometheus::Histogram& search_seconds_;
  prometheus::Family<prometheus::Counter>& writes_;
};

}  // namespace hotline::knowledge
