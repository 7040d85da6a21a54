#include "gateway/gateway_service.h"

#include "absl/strings/str_cat.h"
#include "gateway/access_policy.h"
#include "gateway/raw_messages.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "server/identity.h"

namespace hotline::gateway {
namespace {

// UNAVAILABLE (retryable) is named with the backend it came from, whether its
// channel failed or the backend's own dependency did, so an operator sees
// which hop to look at. Other answers pass through unchanged.
grpc::Status FromBackend(const grpc::Status& status, const char* backend) {
  if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return status;
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      absl::StrCat(backend, ": ", status.error_message()));
}

// RESOURCE_EXHAUSTED with the wait as google.rpc.RetryInfo in the status
// details and, for clients that read no details, a retry-after trailer
// (seconds, rounded up).
grpc::Status RateLimited(grpc::CallbackServerContext* context, absl::Duration wait) {
  const absl::Duration rounded = absl::Ceil(wait, absl::Milliseconds(1));
  context->AddTrailingMetadata(
      "retry-after", absl::StrCat(absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1)))));
  const std::string message =
      absl::StrCat("rate limit: too many calls; retry in ", absl::FormatDuration(rounded));
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(absl::ToInt64Seconds(rounded));
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(rounded - absl::Seconds(absl::ToInt64Seconds(rounded)))));
  google::rpc::Status details;
  details.set_code(grpc::StatusCode::RESOURCE_EXHAUSTED);
  details.set_message(message);
  details.add_details()->PackFrom(retry);
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, message, details.SerializeAsString());
}

}  // namespace

GatewayService::GatewayService(const TokenAuth& auth, Backends backends,
                               absl::Duration backend_timeout, prometheus::Registry& metrics,
                               RateLimiter* limiter)
    : auth_(auth),
      intake_(v1::Intake::NewStub(backends.intake)),
      directory_(v1::Directory::NewStub(backends.intake)),
      dispatch_(v1::Dispatch::NewStub(backends.dispatch)),
      sla_(backends.sla ? v1::Sla::NewStub(backends.sla) : nullptr),
      knowledge_(v1::Knowledge::NewStub(backends.knowledge)),
      audit_(v1::Audit::NewStub(backends.intake)),
      scoring_(backends.scoring ? v1::Scoring::NewStub(backends.scoring) : nullptr),
      backend_timeout_(backend_timeout),
      auth_failures_(prometheus::BuildCounter()
                         .Name("hotline_gateway_auth_failures_total")
                         .Help("Calls refused by the gateway, by reason: a token missing, "
                               "malformed, unsigned, expired, revoked, ... or a role not allowed.")
                         .Register(metrics)),
      limiter_(limiter),
      rate_limited_(prometheus::BuildCounter()
                        .Name("hotline_gateway_rate_limited_total")
                        .Help("Calls refused RESOURCE_EXHAUSTED: the caller's rate limit.")
                        .Register(metrics)
                        .Add({})) {}

std::optional<v1::TokenEntry> GatewayService::Admit(grpc::CallbackServerContext* context,
                                                    grpc::ServerUnaryReactor* reactor,
                                                    absl::string_view method) {
  const auto& md = context->client_metadata();
  auto it = md.find("authorization");
  absl::string_view header;
  if (it != md.end()) header = absl::string_view(it->second.data(), it->second.size());
  std::string reason;
  absl::StatusOr<v1::TokenEntry> caller = auth_.Authenticate(header, &reason);
  if (!caller.ok()) {
    auth_failures_.Add({{"reason", reason}}).Increment();
    reactor->Finish(
        grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(caller.status().message())));
    return std::nullopt;
  }
  if (limiter_ != nullptr) {
    if (absl::Duration wait = limiter_->Take(caller->user_id(), absl::Now());
        wait > absl::ZeroDuration()) {
      rate_limited_.Increment();
      reactor->Finish(RateLimited(context, wait));
      return std::nullopt;
    }
  }
  // Authorization: the one table of who may call what (access_policy.h).
  if (absl::Status allowed = MayCall(method, caller->role()); !allowed.ok()) {
    auth_failures_.Add({{"reason", "forbidden"}}).Increment();
    reactor->Finish(
        grpc::Status(grpc::StatusCode::PERMISSION_DENIED, std::string(allowed.message())));
    return std::nullopt;
  }
  return *caller;
}

std::unique_ptr<grpc::ClientContext> GatewayService::BackendContext(
    grpc::CallbackServerContext* context, const v1::TokenEntry& caller) const {
  // Propagates the caller's deadline and cancellation; gRPC takes the earlier
  // of the caller's deadline and ours.
  std::unique_ptr<grpc::ClientContext> backend =
      grpc::ClientContext::FromCallbackServerContext(*context);
  backend->set_deadline(absl::ToChronoTime(absl::Now() + backend_timeout_));
  v1::Actor actor;
  actor.set_user_id(caller.user_id());
  actor.set_role(caller.role());
  actor.set_unit_code(caller.unit_code());
  server::AttachIdentity(actor, backend.get());
  return backend;
}

template <typename Request, typename Response, typename AsyncCall>
grpc::ServerUnaryReactor* GatewayService::Forward(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response,
                                                  absl::string_view method,
                                                  const char* backend, AsyncCall call) {
  auto* reactor = context->DefaultReactor();
  std::optional<v1::TokenEntry> caller = Admit(context, reactor, method);
  if (!caller) return reactor;
  // What the backend call needs until it ends.
  struct BackendCall {
    Request request;
    Response response;
    std::unique_ptr<grpc::ClientContext> context;
  };
  auto* backend_call = new BackendCall;
  if (grpc::Status parsed = ParseRequest(*request, &backend_call->request); !parsed.ok()) {
    delete backend_call;
    reactor->Finish(parsed);
    return reactor;
  }
  backend_call->context = BackendContext(context, *caller);
  call(backend_call->context.get(), &backend_call->request, &backend_call->response,
       [reactor, backend_call, response, backend](grpc::Status status) {
         if (status.ok()) status = SerializeResponse(backend_call->response, response);
         delete backend_call;
         reactor->Finish(FromBackend(status, backend));
       });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::WhoAmI(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) {
  auto* reactor = context->DefaultReactor();
  std::optional<v1::TokenEntry> caller = Admit(context, reactor, "WhoAmI");
  if (!caller) return reactor;
  v1::WhoAmIRequest parsed;
  if (grpc::Status status = ParseRequest(*request, &parsed); !status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  v1::WhoAmIResponse me;
  me.mutable_actor()->set_user_id(caller->user_id());
  me.mutable_actor()->set_role(caller->role());
  me.mutable_actor()->set_unit_code(caller->unit_code());
  me.set_display_name(caller->display_name());
  reactor->Finish(SerializeResponse(me, response));
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::CreateWorkOrder(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return Forward<v1::CreateWorkOrderRequest, v1::CreateWorkOrderResponse>(
      context, request, response, "CreateWorkOrder", "intake",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        intake_->async()->CreateWorkOrder(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::GetWorkOrder(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request,
                                                       grpc::ByteBuffer* response) {
  return Forward<v1::GetWorkOrderRequest, v1::GetWorkOrderResponse>(
      context, request, response, "GetWorkOrder", "intake",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        intake_->async()->GetWorkOrder(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::ListWorkOrders(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return Forward<v1::ListWorkOrdersRequest, v1::ListWorkOrdersResponse>(
      context, request, response, "ListWorkOrders", "intake",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        intake_->async()->ListWorkOrders(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::Act(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return Forward<v1::ActRequest, v1::ActResponse>(
      context, request, response, "Act", "dispatch",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        dispatch_->async()->Act(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::ListQueue(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request,
                                                    grpc::ByteBuffer* response) {
  return Forward<v1::ListQueueRequest, v1::ListQueueResponse>(
      context, request, response, "ListQueue", "dispatch",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        dispatch_->async()->ListQueue(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::ListUnits(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request,
                                                    grpc::ByteBuffer* response) {
  return Forward<v1::ListUnitsRequest, v1::ListUnitsResponse>(
      context, request, response, "ListUnits", "intake",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        directory_->async()->ListUnits(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::ListCategories(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return Forward<v1::ListCategoriesRequest, v1::ListCategoriesResponse>(
      context, request, response, "ListCategories", "intake",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        directory_->async()->ListCategories(ctx, req, resp, std::move(done));
      });
}

// The SLA methods, forwarded to the sla service (the service decides who may
// see and do what from the caller's identity).
#define HOTLINE_FORWARD_TO_SLA(Method)                                                          \
  grpc::ServerUnaryReactor* GatewayService::Method(grpc::CallbackServerContext* context,        \
                                                   const grpc::ByteBuffer* request,             \
                                                   grpc::ByteBuffer* response) {                \
    if (!sla_) {                                                                                \
      auto* reactor = context->DefaultReactor();                                                \
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "sla: no address configured")); \
      return reactor;                                                                           \
    }                                                                                           \
    return Forward<v1::Method##Request, v1::Method##Response>(                                  \
        context, request, response, #Method, "sla",                                     \
        [this](auto* ctx, auto* req, auto* resp, auto done) {                                   \
          sla_->async()->Method(ctx, req, resp, std::move(done));                               \
        });                                                                                     \
  }
HOTLINE_FORWARD_TO_SLA(GetOrderSla)
HOTLINE_FORWARD_TO_SLA(ListUnitDeadlines)
HOTLINE_FORWARD_TO_SLA(RequestExtension)
HOTLINE_FORWARD_TO_SLA(DecideExtension)
HOTLINE_FORWARD_TO_SLA(QueryCalendar)
#undef HOTLINE_FORWARD_TO_SLA
grpc::ServerUnaryReactor* GatewayService::SearchKnowledge(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return Forward<v1::SearchKnowledgeRequest, v1::SearchKnowledgeResponse>(
      context, request, response, "SearchKnowledge", "knowledge",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        knowledge_->async()->SearchKnowledge(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::GetKnowledgePoint(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return Forward<v1::GetKnowledgePointRequest, v1::GetKnowledgePointResponse>(
      context, request, response, "GetKnowledgePoint", "knowledge",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        knowledge_->async()->GetKnowledgePoint(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::ListKnowledgePoints(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return Forward<v1::ListKnowledgePointsRequest, v1::ListKnowledgePointsResponse>(
      context, request, response, "ListKnowledgePoints", "knowledge",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        knowledge_->async()->ListKnowledgePoints(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::CreateKnowledgePoint(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return Forward<v1::CreateKnowledgePointRequest, v1::KnowledgePointResponse>(
      context, request, response, "CreateKnowledgePoint", "knowledge",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        knowledge_->async()->CreateKnowledgePoint(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::EditKnowledgePoint(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return Forward<v1::EditKnowledgePointRequest, v1::KnowledgePointResponse>(
      context, request, response, "EditKnowledgePoint", "knowledge",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        knowledge_->async()->EditKnowledgePoint(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::PublishKnowledgePoint(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return Forward<v1::ChangeKnowledgeStatusRequest, v1::KnowledgePointResponse>(
      context, request, response, "PublishKnowledgePoint", "knowledge",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        knowledge_->async()->PublishKnowledgePoint(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::RetireKnowledgePoint(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return Forward<v1::ChangeKnowledgeStatusRequest, v1::KnowledgePointResponse>(
      context, request, response, "RetireKnowledgePoint", "knowledge",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        knowledge_->async()->RetireKnowledgePoint(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::MarkKnowledgeNotHelpful(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return Forward<v1::MarkKnowledgeNotHelpfulRequest, v1::MarkKnowledgeNotHelpfulResponse>(
      context, request, response, "MarkKnowledgeNotHelpful", "knowledge",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        knowledge_->async()->MarkKnowledgeNotHelpful(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::ListExpiringKnowledge(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return Forward<v1::ListExpiringKnowledgeRequest, v1::ListExpiringKnowledgeResponse>(
      context, request, response, "ListExpiringKnowledge", "knowledge",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        knowledge_->async()->ListExpiringKnowledge(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::ListUnansweredQueries(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) {
  return Forward<v1::ListUnansweredQueriesRequest, v1::ListUnansweredQueriesResponse>(
      context, request, response, "ListUnansweredQueries", "knowledge",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        knowledge_->async()->ListUnansweredQueries(ctx, req, resp, std::move(done));
      });
}

grpc::ServerUnaryReactor* GatewayService::ListAuditEntries(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  return Forward<v1::ListAuditEntriesRequest, v1::ListAuditEntriesResponse>(
      context, request, response, "ListAuditEntries", "intake",
      [this](auto* ctx, auto* req, auto* resp, auto done) {
        audit_->async()->ListAuditEntries(ctx, req, resp, std::move(done));
      });
}
// Personal data and the trail: intake decides who may (guardian.h).
#define HOTLINE_FORWARD_TO_INTAKE(Method)                                                \
  grpc::ServerUnaryReactor* GatewayService::Method(grpc::CallbackServerContext* context, \
                                                   const grpc::ByteBuffer* request,      \
                                                   grpc::ByteBuffer* response) {         \
    return Forward<v1::Method##Request, v1::Method##Response>(                           \
        context, request, response, #Method, "intake",                                  \
        [this](auto* ctx, auto* req, auto* resp, auto done) {                            \
          intake_->async()->Method(ctx, req, resp, std::move(done));                     \
        });                                                                              \
  }
HOTLINE_FORWARD_TO_INTAKE(RevealCallerPhone)
HOTLINE_FORWARD_TO_INTAKE(FindOrdersByPhone)
HOTLINE_FORWARD_TO_INTAKE(VerifyOrderTrail)
#undef HOTLINE_FORWARD_TO_INTAKE
#define HOTLINE_FORWARD_TO_SCORING(Method)                                                        \
  grpc::ServerUnaryReactor* GatewayService::Method(grpc::CallbackServerContext* context,          \
                                                   const grpc::ByteBuffer* request,               \
                                                   grpc::ByteBuffer* response) {                  \
    if (!scoring_) {                                                                              \
      auto* reactor = context->DefaultReactor();                                                  \
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "scoring: no address configured")); \
      return reactor;                                                                             \
    }                                                                                             \
    return Forward<v1::Method##Request, v1::Method##Response>(                                    \
        context, request, response, #Method, "scoring",                                           \
        [this](auto* ctx, auto* req, auto* resp, auto done) {                                     \
          scoring_->async()->Method(ctx, req, resp, std::move(done));                             \
        });                                                                                       \
  }
HOTLINE_FORWARD_TO_SCORING(GetUnitScore)
HOTLINE_FORWARD_TO_SCORING(ExplainScore)
HOTLINE_FORWARD_TO_SCORING(RankUnits)
HOTLINE_FORWARD_TO_SCORING(GetHotSpots)
HOTLINE_FORWARD_TO_SCORING(GetAgentFigures)
#undef HOTLINE_FORWARD_TO_SCORING

}  // namespace hotline::gateway
