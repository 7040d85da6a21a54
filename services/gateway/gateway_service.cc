#include "gateway/gateway_service.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/strings/str_cat.h"
#include "gateway/raw_messages.h"
#include "gateway/retry_later.h"
#include "hotline/v1/gateway.grpc.pb.h"
#include "log/log.h"
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

}  // namespace

GatewayService::GatewayService(const TokenAuth& auth, Backends backends,
                               absl::Duration backend_timeout, prometheus::Registry& metrics,
                               RateLimiter* limiter, Admission* admission)
    : auth_(auth),
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
                        .Add({})),
      admission_(admission) {
  // Which process serves which backend service: the wiring, not the table.
  auto process = [&](const char* name, const std::shared_ptr<grpc::Channel>& channel,
                     std::initializer_list<const char*> services) {
    auto secret = backends.identity_secrets.find(name);
    processes_.push_back(
        Backend{name, channel ? std::make_unique<grpc::GenericStub>(channel) : nullptr,
                secret == backends.identity_secrets.end() ? std::string() : secret->second});
    for (const char* service : services) by_service_[service] = &processes_.back();
  };
  process("intake", backends.intake, {"hotline.v1.Intake", "hotline.v1.Directory", "hotline.v1.Audit"});
  process("dispatch", backends.dispatch, {"hotline.v1.Dispatch"});
  process("sla", backends.sla, {"hotline.v1.Sla"});
  process("knowledge", backends.knowledge, {"hotline.v1.Knowledge"});
  process("scoring", backends.scoring, {"hotline.v1.Scoring"});

  const google::protobuf::DescriptorPool& pool = *google::protobuf::DescriptorPool::generated_pool();
  const google::protobuf::ServiceDescriptor* hotline =
      pool.FindServiceByName(v1::Hotline::service_full_name());
  for (const Route& route : Routes()) {
    const google::protobuf::MethodDescriptor* method =
        hotline == nullptr ? nullptr : hotline->FindMethodByName(std::string(route.method));
    Backend* backend = nullptr;
    if (!route.backend_service.empty()) {
      auto it = by_service_.find(route.backend_service);
      if (it != by_service_.end()) backend = it->second;
    }
    if (method == nullptr || method->client_streaming() ||
        (!route.backend_service.empty() && backend == nullptr)) {
      log::Error("route table: a row that cannot be served, left out",
                 {{"method", std::string(route.method)},
                  {"backend_service", std::string(route.backend_service)}});
      continue;
    }
    handlers_.push_back(Handler{
        &route,
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(method->input_type()),
        route.backend_service.empty()
            ? std::string()
            : absl::StrCat("/", route.backend_service, "/", route.method),
        backend});
    const Handler* handler = &handlers_.back();
    paths_.push_back(absl::StrCat("/", v1::Hotline::service_full_name(), "/", route.method));
    const int index = static_cast<int>(paths_.size()) - 1;
    if (method->server_streaming()) {
      AddMethod(new grpc::internal::RpcServiceMethod(
          paths_.back().c_str(), grpc::internal::RpcMethod::SERVER_STREAMING, nullptr));
      MarkMethodRawCallback(
          index, new grpc::internal::CallbackServerStreamingHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
                     [this, handler](grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
                       return Stream(*handler, context, request);
                     }));
    } else {
      AddMethod(new grpc::internal::RpcServiceMethod(paths_.back().c_str(),
                                                     grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
      MarkMethodRawCallback(
          index, new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
                     [this, handler](grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) {
                       return Unary(*handler, context, request, response);
                     }));
    }
  }
}

std::optional<v1::TokenEntry> GatewayService::Admit(grpc::CallbackServerContext* context,
                                                    absl::string_view method,
                                                    grpc::Status* refusal) {
  const auto& md = context->client_metadata();
  auto it = md.find("authorization");
  absl::string_view header;
  if (it != md.end()) header = absl::string_view(it->second.data(), it->second.size());
  std::string reason;
  absl::StatusOr<v1::TokenEntry> caller = auth_.Authenticate(header, &reason);
  if (!caller.ok()) {
    auth_failures_.Add({{"reason", reason}}).Increment();
    *refusal =
        grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(caller.status().message()));
    return std::nullopt;
  }
  if (limiter_ != nullptr) {
    if (absl::Duration wait = limiter_->Take(caller->user_id(), absl::Now());
        wait > absl::ZeroDuration()) {
      rate_limited_.Increment();
      *refusal = RetryLater(context, "rate limit: too many calls", wait);
      return std::nullopt;
    }
  }
  // Layer 1 of authorization: the method and the caller's role (route_table.h).
  if (absl::Status allowed = MayCall(method, caller->role()); !allowed.ok()) {
    auth_failures_.Add({{"reason", "forbidden"}}).Increment();
    *refusal = grpc::Status(grpc::StatusCode::PERMISSION_DENIED, std::string(allowed.message()));
    return std::nullopt;
  }
  return *caller;
}

std::unique_ptr<grpc::ClientContext> GatewayService::BackendContext(
    grpc::CallbackServerContext* context, const v1::TokenEntry& caller, const Handler& handler,
    const std::string& request_digest) const {
  // Propagates the caller's deadline and cancellation; gRPC takes the earlier
  // of the caller's deadline and ours.
  std::unique_ptr<grpc::ClientContext> backend =
      grpc::ClientContext::FromCallbackServerContext(*context);
  backend->set_deadline(absl::ToChronoTime(absl::Now() + backend_timeout_));
  v1::Actor actor;
  actor.set_user_id(caller.user_id());
  actor.set_role(caller.role());
  actor.set_unit_code(caller.unit_code());
  server::AttachIdentityWithDigest(actor, handler.backend->identity_secret, handler.backend_path,
                                   request_digest, backend.get());
  return backend;
}

grpc::ServerUnaryReactor* GatewayService::Unary(const Handler& handler,
                                                grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) {
  auto* reactor = context->DefaultReactor();
  if (handler.backend != nullptr && handler.backend->stub == nullptr) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 absl::StrCat(handler.backend->name, ": no address configured")));
    return reactor;
  }
  // Shed first, before any other work (admission.h); the slot is held until
  // the backend answers.
  std::optional<Admission::Ticket> ticket;
  if (admission_ != nullptr && handler.backend != nullptr) {
    ticket = admission_->TryEnter();
    if (!ticket) {
      reactor->Finish(RetryLater(
          context,
          absl::StrCat("gateway at capacity: ", admission_->limit(), " calls in flight to the backends"),
          admission_->retry_after()));
      return reactor;
    }
  }
  if (handler.backend != nullptr && handler.backend->identity_secret.empty()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 absl::StrCat(handler.backend->name, ": no identity secret configured")));
    return reactor;
  }
  grpc::Status refusal;
  std::optional<v1::TokenEntry> caller = Admit(context, handler.route->method, &refusal);
  if (!caller) {
    reactor->Finish(refusal);
    return reactor;
  }
  // The request must be a well-formed message of the method's type, its
  // strings UTF-8; else INVALID_ARGUMENT naming the field. The bytes that
  // passed go on unchanged; the identity is signed over the digest of this
  // parse, which the backend recomputes from its own (server/identity.h).
  std::string digest;
  {
    std::unique_ptr<google::protobuf::Message> parsed(handler.request_type->New());
    if (grpc::Status status = ParseRequest(*request, parsed.get()); !status.ok()) {
      reactor->Finish(status);
      return reactor;
    }
    if (handler.backend != nullptr) digest = server::RequestDigest(*parsed);
  }
  if (handler.backend == nullptr) {
    reactor->Finish(AnswerLocally(handler, *caller, response));
    return reactor;
  }
  // What the backend call needs until it ends.
  struct BackendCall {
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    std::unique_ptr<grpc::ClientContext> context;
    std::optional<Admission::Ticket> ticket;  // the admission slot, given back with the call
  };
  auto* call = new BackendCall{*request, grpc::ByteBuffer(),
                               BackendContext(context, *caller, handler, digest), std::move(ticket)};
  const char* backend = handler.backend->name;
  handler.backend->stub->UnaryCall(
      call->context.get(), handler.backend_path, grpc::StubOptions(), &call->request,
      &call->response, [reactor, call, response, backend](grpc::Status status) {
        if (status.ok()) response->Swap(&call->response);
        delete call;
        reactor->Finish(FromBackend(status, backend));
      });
  return reactor;
}

grpc::Status GatewayService::AnswerLocally(const Handler& handler, const v1::TokenEntry& caller,
                                           grpc::ByteBuffer* response) const {
  if (handler.route->method == "WhoAmI") {
    v1::WhoAmIResponse me;
    me.mutable_actor()->set_user_id(caller.user_id());
    me.mutable_actor()->set_role(caller.role());
    me.mutable_actor()->set_unit_code(caller.unit_code());
    me.set_display_name(caller.display_name());
    return SerializeResponse(me, response);
  }
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      absl::StrCat(handler.route->method, ": the gateway has no local answer"));
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* GatewayService::Stream(
    const Handler& handler, grpc::CallbackServerContext* context, const grpc::ByteBuffer*) {
  // The seam for server streaming (WatchQueue): admission and the request
  // check as in Unary, then a grpc::ClientBidiReactor on the generic stub to
  // handler.backend_path (on the wire a server-streaming call is a
  // bidirectional one with one request), each backend message written on
  // as it comes, the backend's status as the call's. Not built until the
  // first streaming RPC lands.
  class Refused : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
   public:
    explicit Refused(grpc::Status status) { Finish(std::move(status)); }
    void OnDone() override { delete this; }
  };
  grpc::Status refusal;
  if (!Admit(context, handler.route->method, &refusal)) return new Refused(refusal);
  return new Refused(grpc::Status(
      grpc::StatusCode::UNIMPLEMENTED,
      absl::StrCat(handler.route->method, ": server streaming is not forwarded yet")));
}

}  // namespace hotline::gateway
