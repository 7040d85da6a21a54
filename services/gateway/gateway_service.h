#pragma once
// The gRPC edge of the gateway: hotline.v1.Hotline on the callback API, so no
// thread waits while a backend works. Each call is authenticated (bearer
// token), checked against the roles allowed for it, and forwarded with the
// caller's identity and deadline (the backend call ends when the caller's
// would, and is cancelled with it). Backend answers pass through unchanged.
// The methods are raw (bytes in, bytes out): the gateway parses requests
// itself so that one it cannot parse gets INVALID_ARGUMENT naming the field
// (raw_messages.h), not gRPC's bare INTERNAL.
// Thread-safe.
#include <grpcpp/grpcpp.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <memory>
#include <optional>

#include "absl/time/time.h"
#include "gateway/rate_limiter.h"
#include "gateway/token_auth.h"
#include "hotline/v1/audit.grpc.pb.h"
#include "hotline/v1/directory.grpc.pb.h"
#include "hotline/v1/dispatch.grpc.pb.h"
#include "hotline/v1/gateway.grpc.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline/v1/sla.grpc.pb.h"
#include "hotline/v1/knowledge.grpc.pb.h"
#include "hotline/v1/scoring.grpc.pb.h"

namespace hotline::gateway {

struct Backends {
  std::shared_ptr<grpc::Channel> intake;    // serves Intake, Directory and Audit
  std::shared_ptr<grpc::Channel> dispatch;  // serves Dispatch
  std::shared_ptr<grpc::Channel> sla;        // serves Sla
  std::shared_ptr<grpc::Channel> knowledge;  // serves Knowledge
  std::shared_ptr<grpc::Channel> scoring = nullptr;  // serves Scoring (null: none configured)
};

// The SLA methods of hotline.v1.Hotline, raw.
using SlaRawMethods = v1::Hotline::WithRawCallbackMethod_GetOrderSla<
    v1::Hotline::WithRawCallbackMethod_ListUnitDeadlines<v1::Hotline::WithRawCallbackMethod_RequestExtension<
        v1::Hotline::WithRawCallbackMethod_DecideExtension<
            v1::Hotline::WithRawCallbackMethod_QueryCalendar<v1::Hotline::Service>>>>>;


// The knowledge methods, raw, on top of `Base`.
template <typename Base>
using WithRawKnowledgeMethods =
v1::Hotline::WithRawCallbackMethod_SearchKnowledge<
    v1::Hotline::WithRawCallbackMethod_GetKnowledgePoint<
    v1::Hotline::WithRawCallbackMethod_ListKnowledgePoints<
    v1::Hotline::WithRawCallbackMethod_CreateKnowledgePoint<
    v1::Hotline::WithRawCallbackMethod_EditKnowledgePoint<
    v1::Hotline::WithRawCallbackMethod_PublishKnowledgePoint<
    v1::Hotline::WithRawCallbackMethod_RetireKnowledgePoint<
    v1::Hotline::WithRawCallbackMethod_MarkKnowledgeNotHelpful<
    v1::Hotline::WithRawCallbackMethod_ListExpiringKnowledge<
    v1::Hotline::WithRawCallbackMethod_ListUnansweredQueries<Base>>>>>>>>>>;

// The scoring methods, raw, on top of `Base`.
template <typename Base>
using WithRawScoringMethods =
v1::Hotline::WithRawCallbackMethod_GetUnitScore<
    v1::Hotline::WithRawCallbackMethod_ExplainScore<
    v1::Hotline::WithRawCallbackMethod_RankUnits<
    v1::Hotline::WithRawCallbackMethod_GetHotSpots<
    v1::Hotline::WithRawCallbackMethod_GetAgentFigures<Base>>>>>;

// The personal-data and trail methods (served by intake), raw, on top of `Base`.
template <class Base>
using WithRawGuardedMethods = v1::Hotline::WithRawCallbackMethod_RevealCallerPhone<
    v1::Hotline::WithRawCallbackMethod_FindOrdersByPhone<
        v1::Hotline::WithRawCallbackMethod_VerifyOrderTrail<Base>>>;

// hotline.v1.Hotline with every method raw.
using RawHotlineService = WithRawScoringMethods<v1::Hotline::WithRawCallbackMethod_ListAuditEntries<WithRawGuardedMethods<WithRawKnowledgeMethods<
    v1::Hotline::WithRawCallbackMethod_WhoAmI<v1::Hotline::WithRawCallbackMethod_CreateWorkOrder<
        v1::Hotline::WithRawCallbackMethod_GetWorkOrder<
            v1::Hotline::WithRawCallbackMethod_ListWorkOrders<
                v1::Hotline::WithRawCallbackMethod_Act<v1::Hotline::WithRawCallbackMethod_ListQueue<
                    v1::Hotline::WithRawCallbackMethod_ListUnits<
                        v1::Hotline::WithRawCallbackMethod_ListCategories<SlaRawMethods>>>>>>>>>>>>;

class GatewayService final : public RawHotlineService {
 public:
  // `limiter` (optional) limits each user's call rate; it must outlive the service.
  GatewayService(const TokenAuth& auth, Backends backends, absl::Duration backend_timeout,
                 prometheus::Registry& metrics, RateLimiter* limiter = nullptr);

  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* CreateWorkOrder(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetWorkOrder(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListWorkOrders(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Act(grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListQueue(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListUnits(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListCategories(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetOrderSla(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListUnitDeadlines(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RequestExtension(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DecideExtension(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* QueryCalendar(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  // Knowledge base (forwarded to knowledge; the backend decides who may write).
  grpc::ServerUnaryReactor* SearchKnowledge(grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetKnowledgePoint(grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListKnowledgePoints(grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* CreateKnowledgePoint(grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* EditKnowledgePoint(grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* PublishKnowledgePoint(grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RetireKnowledgePoint(grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* MarkKnowledgeNotHelpful(grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListExpiringKnowledge(grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListUnansweredQueries(grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response) override;
  // The access log (forwarded to intake; auditors and administrators only).
  grpc::ServerUnaryReactor* ListAuditEntries(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  // Personal data and the trail (forwarded to intake, which decides by role).
  grpc::ServerUnaryReactor* RevealCallerPhone(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* FindOrdersByPhone(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* VerifyOrderTrail(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  // Assessment and hot spots (forwarded to scoring, which checks who may see
  // which unit).
  grpc::ServerUnaryReactor* GetUnitScore(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ExplainScore(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RankUnits(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetHotSpots(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetAgentFigures(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;

 private:
  // Authenticates, then authorizes `method` (its name in hotline.v1.Hotline)
  // by the access table (access_policy.h); on failure finishes `reactor` and
  // returns nullopt.
  std::optional<v1::TokenEntry> Admit(grpc::CallbackServerContext* context,
                                      grpc::ServerUnaryReactor* reactor, absl::string_view method);
  // A client context for the backend call: identity, deadline, cancellation.
  std::unique_ptr<grpc::ClientContext> BackendContext(grpc::CallbackServerContext* context,
                                                      const v1::TokenEntry& caller) const;
  // Admits the caller, parses the request as a Request and calls `call`
  // (context, request, response, done) on the backend; the reply goes back as
  // bytes.
  template <typename Request, typename Response, typename AsyncCall>
  grpc::ServerUnaryReactor* Forward(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request, grpc::ByteBuffer* response,
                                    absl::string_view method, const char* backend,
                                    AsyncCall call);

  const TokenAuth& auth_;
  std::unique_ptr<v1::Intake::Stub> intake_;
  std::unique_ptr<v1::Directory::Stub> directory_;
  std::unique_ptr<v1::Dispatch::Stub> dispatch_;
  std::unique_ptr<v1::Sla::Stub> sla_;
  std::unique_ptr<v1::Knowledge::Stub> knowledge_;
  std::unique_ptr<v1::Audit::Stub> audit_;
  std::unique_ptr<v1::Scoring::Stub> scoring_;
  absl::Duration backend_timeout_;
  prometheus::Family<prometheus::Counter>& auth_failures_;
  RateLimiter* limiter_;
  prometheus::Counter& rate_limited_;
};

}  // namespace hotline::gateway
