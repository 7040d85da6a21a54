#pragma once
// The gRPC edge of the gateway: hotline.v1.Hotline on the callback API, so no
// thread waits while a backend works, built from the route table
// (route_table.h): one raw handler per row, registered under the method's
// path, so health, reflection and the per-RPC metrics see the service as
// before. Each call to a backend is first shed when the gateway is at
// capacity (admission.h); each call is authenticated (bearer token), rate
// limited per user,
// checked against the row's roles, its request bytes checked (UTF-8, a
// well-formed message of the method's request type: raw_messages.h), and
// forwarded as bytes to the row's backend with the caller's identity, signed
// for that backend, method and request (server/identity.h), and deadline (the backend call ends when the caller's would, and is
// cancelled with it). Backend answers pass through unchanged.
//
// Server-streaming rows (WatchQueue) fit the same table (the descriptor, not
// the row, says a method streams): Stream checks them as Unary does
// (authentication, rate limit, roles, request, signed identity) and relays
// the backend's messages as they come, one at a time (a slow client slows
// the backend's stream, never buffers it). A stream takes no admission slot
// (it lives for hours); instead each user has at most max_streams_per_user
// open (RESOURCE_EXHAUSTED beyond). Its backend call has the caller's
// deadline only, not backend_timeout. StopStreams() ends every open stream
// UNAVAILABLE (graceful stop: the client resumes elsewhere).
// Thread-safe.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <deque>
#include <memory>
#include <prometheus/gauge.h>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/admission.h"
#include "gateway/rate_limiter.h"
#include "gateway/route_table.h"
#include "gateway/token_auth.h"

namespace google::protobuf {
class Message;
}

namespace hotline::gateway {

struct Backends {
  std::shared_ptr<grpc::Channel> intake;    // serves Intake, Directory and Audit
  std::shared_ptr<grpc::Channel> dispatch;  // serves Dispatch
  std::shared_ptr<grpc::Channel> sla;        // serves Sla
  std::shared_ptr<grpc::Channel> knowledge;  // serves Knowledge
  std::shared_ptr<grpc::Channel> scoring = nullptr;  // serves Scoring (null: none configured)
  // Each backend process's identity secret, by its name ("intake", ...): the
  // caller identity of a call to it is signed with it (server/identity.h).
  // A configured backend without one is not called (UNAVAILABLE).
  absl::flat_hash_map<std::string, std::string> identity_secrets = {};
};

class GatewayService final : public grpc::Service {
 public:
  // `limiter` (optional) limits each user's call rate; `admission`
  // (optional) caps the calls in flight to the backends (admission.h); both
  // must outlive the service. A row whose method or backend service is unknown is logged and
  // left out (its method then answers UNIMPLEMENTED); the table test keeps
  // that from happening.
  GatewayService(const TokenAuth& auth, Backends backends, absl::Duration backend_timeout,
                 prometheus::Registry& metrics, RateLimiter* limiter = nullptr,
                 Admission* admission = nullptr, int max_streams_per_user = 4);

  // Ends every open stream UNAVAILABLE and refuses new ones (graceful stop).
  void StopStreams();

 private:
  class Relay;  // one server-streaming call, relayed
  // One backend process: its channel (null: none configured) and the name
  // errors and logs use.
  struct Backend {
    const char* name;
    std::unique_ptr<grpc::GenericStub> stub;  // null when no channel
    std::string identity_secret;              // empty: none configured
  };
  // A row, resolved against the descriptors once at start-up.
  struct Handler {
    const Route* route;
    const google::protobuf::Message* request_type;  // prototype of the request
    std::string backend_path;                      // "/hotline.v1.Intake/GetWorkOrder"
    Backend* backend;                              // null: the gateway answers
  };

  grpc::ServerUnaryReactor* Unary(const Handler& handler, grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request, grpc::ByteBuffer* response);
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Stream(const Handler& handler,
                                                     grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request);
  // A relay is done: it leaves the open streams.
  void StreamClosed(Relay* relay);
  // UNAVAILABLE when the row's backend has no address or no identity secret.
  static grpc::Status Unreachable(const Handler& handler);
  // The request checked as a message of the row's type (INVALID_ARGUMENT
  // naming the field), and its digest for the identity when it goes on.
  static grpc::Status CheckRequest(const Handler& handler, const grpc::ByteBuffer& request,
                                   std::string* digest);
  // The methods the gateway answers itself (rows with no backend service).
  grpc::Status AnswerLocally(const Handler& handler, const v1::TokenEntry& caller,
                             grpc::ByteBuffer* response) const;

  // Authenticates, rate-limits, then authorizes `method` (its name in
  // hotline.v1.Hotline) by the route table; on failure the refusal to send
  // (and nullopt).
  std::optional<v1::TokenEntry> Admit(grpc::CallbackServerContext* context,
                                      absl::string_view method, grpc::Status* refusal);
  // A client context for the backend call: identity (signed for this
  // backend, method and request digest), deadline, cancellation.
  std::unique_ptr<grpc::ClientContext> BackendContext(grpc::CallbackServerContext* context,
                                                      const v1::TokenEntry& caller,
                                                      const Handler& handler,
                                                      const std::string& request_digest) const;

  const TokenAuth& auth_;
  std::deque<Backend> processes_;                          // stable addresses
  absl::flat_hash_map<std::string, Backend*> by_service_;  // backend service -> process
  std::deque<Handler> handlers_;       // stable addresses: the registered lambdas hold them
  std::deque<std::string> paths_;      // the registered method paths (gRPC keeps the pointers)
  absl::Duration backend_timeout_;
  prometheus::Family<prometheus::Counter>& auth_failures_;
  RateLimiter* limiter_;
  prometheus::Counter& rate_limited_;
  Admission* admission_;

  const int max_streams_per_user_;
  absl::Mutex streams_mu_;
  bool streams_stopping_ ABSL_GUARDED_BY(streams_mu_) = false;
  absl::flat_hash_map<std::string, int> streams_by_user_ ABSL_GUARDED_BY(streams_mu_);
  absl::flat_hash_set<Relay*> relays_ ABSL_GUARDED_BY(streams_mu_);
  prometheus::Family<prometheus::Gauge>& open_streams_;
  prometheus::Family<prometheus::Counter>& stream_messages_;
};

}  // namespace hotline::gateway
