#include "knowledge/knowledge_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/identity.h"
#include "server/reply.h"
#include "status/status.h"

namespace hotline::knowledge {
namespace {

template <typename Response>
grpc::ServerUnaryReactor* FinishWith(grpc::CallbackServerContext* context,
                                     absl::StatusOr<Response> result, Response* response) {
  auto* reactor = context->DefaultReactor();
  server::ReplyTo(reactor, response)(std::move(result));
  return reactor;
}

}  // namespace

KnowledgeService::KnowledgeService(KnowledgeBase& base, prometheus::Registry& metrics,
                                   audit::ReadRecorder& reads)
    : base_(base),
      reads_(reads),
      searches_(prometheus::BuildCounter()
                    .Name("hotline_knowledge_searches_total")
                    .Help("Searches by result: hit (something found), zero_hit (what was asked is "
                          "listed by ListUnansweredQueries, never here), error.")
                    .Register(metrics)),
      search_seconds_(
          prometheus::BuildHistogram()
              .Name("hotline_knowledge_search_seconds")
              .Help("Time to search this replica's index (without the network).")
              .Register(metrics)
              .Add({},
                   prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                           0.005, 0.01, 0.025, 0.05, 0.1, 0.25})),
      writes_(prometheus::BuildCounter()
                  .Name("hotline_knowledge_writes_total")
                  .Help("Writes of knowledge points, by action and outcome (status code).")
                  .Register(metrics)) {
  // Every outcome shows from the start (at 0), so rate() sees the first one
  // and the dashboard's zero-hit share has its series before any miss.
  for (const char* result : {"hit", "zero_hit", "error"}) searches_.Add({{"result", result}});
  for (const char* action : {"create", "edit", "publish", "retire"}) {
    writes_.Add({{"action", action}, {"code", "OK"}});
  }
}

grpc::ServerUnaryReactor* KnowledgeService::SearchKnowledge(grpc::CallbackServerContext* context,
                                                            const v1::SearchKnowledgeRequest* request,
                                                            v1::SearchKnowledgeResponse* response) {
  if (auto* refused = server::RefuseUnverified(context, *request)) return refused;
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::SearchKnowledgeResponse> result = base_.Search(*request);
  search_seconds_.Observe(absl::ToDoubleSeconds(absl::Now() - start));
  const char* outcome = !result.ok() ? "error" : result->hits().empty() ? "zero_hit" : "hit";
  searches_.Add({{"result", outcome}}).Increment();
  return FinishWith(context, std::move(result), response);
}

grpc::ServerUnaryReactor* KnowledgeService::GetKnowledgePoint(grpc::CallbackServerContext* context,
                                                              const v1::GetKnowledgePointRequest* request,
                                                              v1::GetKnowledgePointResponse* response) {
  if (auto* refused = server::RefuseUnverified(context, *request)) return refused;
  auto* reactor = context->DefaultReactor();
  base_.Get(*request, server::ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* KnowledgeService::ListKnowledgePoints(
    grpc::CallbackServerContext* context, const v1::ListKnowledgePointsRequest* request,
    v1::ListKnowledgePointsResponse* response) {
  if (auto* refused = server::RefuseUnverified(context, *request)) return refused;
  auto* reactor = context->DefaultReactor();
  base_.List(*request, server::ReplyTo(reactor, response));
  return reactor;
}

Done<v1::KnowledgePointResponse> KnowledgeService::CountedWrite(
    const char* action, grpc::ServerUnaryReactor* reactor, v1::KnowledgePointResponse* response) {
  return [this, action, finish = server::ReplyTo(reactor, response)](
             absl::StatusOr<v1::KnowledgePointResponse> result) mutable {
    writes_.Add({{"action", action}, {"code", absl::StatusCodeToString(result.status().code())}})
        .Increment();
    finish(std::move(result));
  };
}

grpc::ServerUnaryReactor* KnowledgeService::CreateKnowledgePoint(
    grpc::CallbackServerContext* context, const v1::CreateKnowledgePointRequest* request,
    v1::KnowledgePointResponse* response) {
  std::optional<v1::Actor> caller;
  if (auto* refused = server::RefuseUnverified(context, *request, &caller)) return refused;
  auto* reactor = context->DefaultReactor();
  base_.Create(caller, *request, CountedWrite("create", reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* KnowledgeService::EditKnowledgePoint(
    grpc::CallbackServerContext* context, const v1::EditKnowledgePointRequest* request,
    v1::KnowledgePointResponse* response) {
  std::optional<v1::Actor> caller;
  if (auto* refused = server::RefuseUnverified(context, *request, &caller)) return refused;
  auto* reactor = context->DefaultReactor();
  base_.Edit(caller, *request, CountedWrite("edit", reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* KnowledgeService::PublishKnowledgePoint(
    grpc::CallbackServerContext* context, const v1::ChangeKnowledgeStatusRequest* request,
    v1::KnowledgePointResponse* response) {
  std::optional<v1::Actor> caller;
  if (auto* refused = server::RefuseUnverified(context, *request, &caller)) return refused;
  auto* reactor = context->DefaultReactor();
  base_.Publish(caller, *request, CountedWrite("publish", reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* KnowledgeService::RetireKnowledgePoint(
    grpc::CallbackServerContext* context, const v1::ChangeKnowledgeStatusRequest* request,
    v1::KnowledgePointResponse* response) {
  std::optional<v1::Actor> caller;
  if (auto* refused = server::RefuseUnverified(context, *request, &caller)) return refused;
  auto* reactor = context->DefaultReactor();
  base_.Retire(caller, *request, CountedWrite("retire", reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* KnowledgeService::MarkKnowledgeNotHelpful(
    grpc::CallbackServerContext* context, const v1::MarkKnowledgeNotHelpfulRequest* request,
    v1::MarkKnowledgeNotHelpfulResponse* response) {
  std::optional<v1::Actor> caller;
  if (auto* refused = server::RefuseUnverified(context, *request, &caller)) return refused;
  auto* reactor = context->DefaultReactor();
  base_.MarkNotHelpful(caller, *request, server::ReplyTo(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* KnowledgeService::ListExpiringKnowledge(
    grpc::CallbackServerContext* context, const v1::ListExpiringKnowledgeRequest* request,
    v1::ListExpiringKnowledgeResponse* response) {
  if (auto* refused = server::RefuseUnverified(context, *request)) return refused;
  return FinishWith(context, base_.ListExpiring(*request), response);
}

grpc::ServerUnaryReactor* KnowledgeService::ListUnansweredQueries(
    grpc::CallbackServerContext* context, const v1::ListUnansweredQueriesRequest* request,
    v1::ListUnansweredQueriesResponse* response) {
  if (auto* refused = server::RefuseUnverified(context, *request)) return refused;
  auto* reactor = context->DefaultReactor();
  absl::StatusOr<v1::Actor> caller = server::VerifiedIdentity(*context, *request);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  base_.ListUnanswered(
      *request, [this, reactor, response, caller = *std::move(caller)](
                    absl::StatusOr<v1::ListUnansweredQueriesResponse> top) mutable {
        // What agents typed and found nothing for may hold a citizen's words
        // (a name, an address): the read is logged before it is answered.
        // An empty list shows nothing: nothing to log.
        if (!top.ok() || top->queries_size() == 0) return server::ReplyTo(reactor, response)(std::move(top));
        const std::string what = absl::StrCat("unanswered queries: ", top->queries_size(), " listed");
        reads_.RecordAggregate(caller, v1::AUDIT_ACTION_READ_UNANSWERED_QUERIES, what,
                               [reactor, response, top = *std::move(top)](absl::Status logged) mutable {
                                 if (logged.ok()) *response = std::move(top);
                                 reactor->Finish(ToGrpcStatus(logged));
                               });
      });
  return reactor;
}

}  // namespace hotline::knowledge
