#include "gateway/gateway_service.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <atomic>

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
                               RateLimiter* limiter, Admission* admission, int max_streams_per_user)
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
      admission_(admission),
      max_streams_per_user_(max_streams_per_user),
      open_streams_(prometheus::BuildGauge()
                        .Name("hotline_gateway_open_streams")
                        .Help("Server-streaming calls open (WatchQueue), by method.")
                        .Register(metrics)),
      stream_messages_(prometheus::BuildCounter()
                           .Name("hotline_gateway_stream_messages_total")
                           .Help("Messages relayed to clients on server-streaming calls, by method.")
                           .Register(metrics)) {
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
    reactor->Finish(Unreachable(handler));
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
  if (grpc::Status unreachable = Unreachable(handler); !unreachable.ok()) {
    reactor->Finish(unreachable);
    return reactor;
  }
  grpc::Status refusal;
  std::optional<v1::TokenEntry> caller = Admit(context, handler.route->method, &refusal);
  if (!caller) {
    reactor->Finish(refusal);
    return reactor;
  }
  std::string digest;
  if (grpc::Status status = CheckRequest(handler, *request, &digest); !status.ok()) {
    reactor->Finish(status);
    return reactor;
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

grpc::Status GatewayService::Unreachable(const Handler& handler) {
  if (handler.backend == nullptr) return grpc::Status::OK;
  if (handler.backend->stub == nullptr) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat(handler.backend->name, ": no address configured"));
  }
  if (handler.backend->identity_secret.empty()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat(handler.backend->name, ": no identity secret configured"));
  }
  return grpc::Status::OK;
}

grpc::Status GatewayService::CheckRequest(const Handler& handler, const grpc::ByteBuffer& request,
                                          std::string* digest) {
  // The request must be a well-formed message of the method's type, its
  // strings UTF-8; else INVALID_ARGUMENT naming the field. The bytes that
  // passed go on unchanged; the identity is signed over the digest of this
  // parse, which the backend recomputes from its own (server/identity.h).
  std::unique_ptr<google::protobuf::Message> parsed(handler.request_type->New());
  if (grpc::Status status = ParseRequest(request, parsed.get()); !status.ok()) return status;
  if (handler.backend != nullptr) *digest = server::RequestDigest(*parsed);
  return grpc::Status::OK;
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

// One server-streaming call: the client's side (down, a ServerWriteReactor)
// and the backend's (up, a ClientBidiReactor: on the wire a server-streaming
// call is a bidirectional one with one request). One message at a time: the
// next is read from the backend only when the last was written to the
// client. Deletes itself when both sides are done.
class GatewayService::Relay {
 public:
  Relay(GatewayService* service, const Handler& handler, std::string user,
        std::unique_ptr<grpc::ClientContext> context, const grpc::ByteBuffer& request)
      : service_(service),
        handler_(handler),
        user_(std::move(user)),
        context_(std::move(context)),
        request_(request),
        messages_(service->stream_messages_.Add({{"method", std::string(handler.route->method)}})),
        down_(this),
        up_(this) {}

  const std::string& user() const { return user_; }
  const Handler& handler() const { return handler_; }

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Start() {
    handler_.backend->stub->PrepareBidiStreamingCall(context_.get(), handler_.backend_path,
                                                     grpc::StubOptions(), &up_);
    up_.StartWriteLast(&request_, grpc::WriteOptions());
    up_.StartRead(&message_);
    up_.StartCall();
    return &down_;
  }

  // Ends the call: the backend call is cancelled and the client told `why`.
  void Cancel(grpc::Status why) {
    {
      absl::MutexLock lock(&mu_);
      if (!cancelled_) cancelled_ = std::move(why);
    }
    context_->TryCancel();
  }

 private:
  class Down final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
   public:
    explicit Down(Relay* relay) : relay_(relay) {}
    void OnWriteDone(bool ok) override { relay_->Written(ok); }
    void OnCancel() override { relay_->context_->TryCancel(); }
    void OnDone() override { relay_->SideDone(); }

   private:
    Relay* relay_;
  };
  class Up final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit Up(Relay* relay) : relay_(relay) {}
    void OnReadDone(bool ok) override { relay_->Read(ok); }
    void OnDone(const grpc::Status& status) override { relay_->Ended(status); }

   private:
    Relay* relay_;
  };

  void Read(bool ok) {
    if (!ok) return;  // the backend's stream ended: its status comes to Ended
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    writing_ = true;
    down_.StartWrite(&message_);
  }
  void Written(bool ok) {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (ok) messages_.Increment();
      if (ended_) {
        FinishLocked();
      } else if (ok) {
        up_.StartRead(&message_);
        return;
      }
    }
    if (!ok) context_->TryCancel();  // the client is gone
  }
  void Ended(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      ended_ = FromBackend(status, handler_.backend->name);
      if (!writing_) FinishLocked();
    }
    SideDone();
  }
  void FinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    down_.Finish(cancelled_ ? *cancelled_ : *ended_);
  }
  void SideDone() {
    if (--sides_ > 0) return;
    service_->StreamClosed(this);
    delete this;
  }

  GatewayService* service_;
  const Handler& handler_;
  const std::string user_;
  std::unique_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer message_;  // the one message between backend and client
  prometheus::Counter& messages_;
  Down down_;
  Up up_;
  std::atomic<int> sides_{2};  // down and up, each done once
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> ended_ ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> cancelled_ ABSL_GUARDED_BY(mu_);
};

grpc::ServerWriteReactor<grpc::ByteBuffer>* GatewayService::Stream(
    const Handler& handler, grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  class Refused : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
   public:
    explicit Refused(grpc::Status status) { Finish(std::move(status)); }
    void OnDone() override { delete this; }
  };
  if (grpc::Status unreachable = Unreachable(handler); !unreachable.ok()) return new Refused(unreachable);
  if (handler.backend == nullptr) {
    return new Refused(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                    absl::StrCat(handler.route->method, ": the gateway has no local stream")));
  }
  grpc::Status refusal;
  std::optional<v1::TokenEntry> caller = Admit(context, handler.route->method, &refusal);
  if (!caller) return new Refused(refusal);
  std::string digest;
  if (grpc::Status status = CheckRequest(handler, *request, &digest); !status.ok()) return new Refused(status);
  // The backend call has the caller's deadline only: a watch lives for hours.
  std::unique_ptr<grpc::ClientContext> backend = BackendContext(context, *caller, handler, digest);
  backend->set_deadline(context->deadline());
  Relay* relay;
  {
    absl::MutexLock lock(&streams_mu_);
    if (streams_stopping_) {
      return new Refused(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the gateway is stopping"));
    }
    int& open = streams_by_user_[caller->user_id()];
    if (open >= max_streams_per_user_) {
      return new Refused(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("at most ", max_streams_per_user_, " open streams per user; close one first")));
    }
    ++open;
    relay = new Relay(this, handler, caller->user_id(), std::move(backend), *request);
    relays_.insert(relay);
    open_streams_.Add({{"method", std::string(handler.route->method)}}).Increment();
  }
  return relay->Start();
}

void GatewayService::StreamClosed(Relay* relay) {
  absl::MutexLock lock(&streams_mu_);
  relays_.erase(relay);
  auto it = streams_by_user_.find(relay->user());
  if (it != streams_by_user_.end() && --it->second <= 0) streams_by_user_.erase(it);
  open_streams_.Add({{"method", std::string(relay->handler().route->method)}}).Decrement();
}

void GatewayService::StopStreams() {
  absl::MutexLock lock(&streams_mu_);
  streams_stopping_ = true;
  for (Relay* relay : relays_) {
    relay->Cancel(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                               "the gateway is stopping: watch again from the last position seen"));
  }
}

}  // namespace hotline::gateway
