#pragma once
// How the gateway tells a backend who is calling, and how the backend knows it
// was the gateway, for this call and nothing else (issue 19). The caller's
// user, role and unit travel as metadata (x-hotline-user, x-hotline-role,
// x-hotline-unit) with an expiry (x-hotline-exp, unix milliseconds) and an
// HMAC-SHA256 (x-hotline-sig, hex) over those four, the full method path
// ("/hotline.v1.Intake/CreateWorkOrder") and the SHA-256 of the request
// (RequestDigest), keyed with the secret of the backend the call goes to.
// Each backend process has a secret of its own (--identity_secret_file); the
// gateway holds all of them (--backend_identity_secrets). A captured header is
// therefore good for one method of one backend with one request body, until it
// expires: not for another method, another body or another backend.
//
// Neither the path nor the digest travels: the backend takes the path from the
// call (IdentityMethodInterceptor puts it where the handler can read it) and
// recomputes the digest from the request it parsed, so a signature over
// anything else does not verify.
#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hotline/v1/work_order.pb.h"

namespace google::protobuf {
class MessageLite;
}

namespace hotline::server {

// How long a signed identity is good for, and the clock difference between
// gateway and backend that is tolerated on either side of it.
inline constexpr absl::Duration kIdentityMaxAge = absl::Minutes(1);
inline constexpr size_t kMinIdentitySecretBytes = 32;

// A secret file holds one secret per line (surrounding whitespace ignored,
// blank lines skipped): the first signs, every one verifies, so a secret is
// rotated without refusing calls (docs/operations.md). INVALID_ARGUMENT when
// a secret is shorter than kMinIdentitySecretBytes or there is none;
// NOT_FOUND when the file cannot be read.
absl::StatusOr<std::vector<std::string>> ReadIdentitySecrets(const std::string& path);

// This process's secrets as a backend, set once at start-up (Server::Start
// does it from ServerOptions::identity_secret_file). Errors as above.
absl::Status SetIdentitySecret(std::string secret);
absl::Status SetIdentitySecrets(std::vector<std::string> secrets);
absl::Status LoadIdentitySecret(const std::string& path);

// What a request is signed as: the SHA-256 (hex) of its deterministic
// serialization. The gateway and the backend each compute it from their own
// parse of the same bytes; both are built from the same protos, so they agree
// whatever order the client wrote the fields in. (Map fields are why it is
// the deterministic serialization.)
std::string RequestDigest(const google::protobuf::MessageLite& request);

// Adds the caller's identity for one call of `method_path` with `request`,
// signed with `secret` (the target backend's) and good for kIdentityMaxAge.
void AttachIdentity(const v1::Actor& actor, const std::string& secret,
                    absl::string_view method_path, const google::protobuf::MessageLite& request,
                    grpc::ClientContext* context);
// The same with the digest already computed (the gateway, which parsed the
// request itself).
void AttachIdentityWithDigest(const v1::Actor& actor, const std::string& secret,
                              absl::string_view method_path, absl::string_view request_digest,
                              grpc::ClientContext* context, absl::Time now = absl::Now());

// The identity metadata of one call as received, with what the backend knows
// of the call itself; nullopt: the key is absent.
struct IdentityMetadata {
  std::optional<std::string> user, role, unit, expiry_ms, signature;
  std::string method_path;     // from the call, not the caller
  std::string request_digest;  // RequestDigest of the request received
};

// VerifiedIdentity's checks on metadata already read out of a call, against
// any of `secrets` (none: UNAUTHENTICATED, this process has no secret). Pure.
absl::StatusOr<v1::Actor> VerifyIdentityMetadata(const IdentityMetadata& md,
                                                 const std::vector<std::string>& secrets,
                                                 absl::Time now);

// The caller's identity if it is signed with this backend's secret for this
// method and this request, and not expired; UNAUTHENTICATED naming what is
// wrong otherwise (missing, unsigned, not for this call, expired, or this
// process has no secret). The wall screen's identity (ROLE_SCREEN) is
// PERMISSION_DENIED here: it is good for one read only, and the RPC that
// serves it asks for it by name (VerifiedScreenReader), so a new RPC refuses
// it without anyone thinking of it (fail closed).
//
// Why every handler passes its request (and no interceptor checks it): a
// gRPC C++ 1.51 server interceptor sees the request only deserialized, as a
// void* of a type it does not know, and cannot fail a call; the handler has
// the typed request and is where the call is answered. The signature covers
// the request's canonical serialization (RequestDigest), not the wire bytes,
// which no hook hands to a generated service. The request parameter makes
// forgetting it a compile error.
absl::StatusOr<v1::Actor> VerifiedIdentity(const grpc::ServerContextBase& context,
                                           const google::protobuf::MessageLite& request,
                                           absl::Time now = absl::Now());
// As VerifiedIdentity, but the wall screen's identity is accepted too. Only for
// RPCs whose answer is the same for every role and carries no personal data
// (scoring's GetScreen).
absl::StatusOr<v1::Actor> VerifiedScreenReader(const grpc::ServerContextBase& context,
                                               const google::protobuf::MessageLite& request,
                                               absl::Time now = absl::Now());

// First thing in every backend handler:
//   std::optional<v1::Actor> caller;
//   if (auto* refused = server::RefuseUnverified(context, *request, &caller)) return refused;
// When the call's identity does not verify, returns the call's reactor
// finished UNAUTHENTICATED (PERMISSION_DENIED for the wall screen's
// identity); nullptr when it verifies, with the verified caller in `*caller`
// (when given), so that a call verifies its identity once (the digest and
// the HMAC are the costly part).
grpc::ServerUnaryReactor* RefuseUnverified(grpc::CallbackServerContext* context,
                                           const google::protobuf::MessageLite& request,
                                           std::optional<v1::Actor>* caller = nullptr);

// The server interceptor that makes the call's method path readable by the
// handler (a ServerContext does not expose it): Server::Start installs it.
// Without it every identity is refused (the path is unknown).
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeIdentityMethodInterceptor();

// The signature over one identity (hex HMAC-SHA256), for tests that forge or
// sign calls by hand.
std::string IdentitySignature(const std::string& secret, absl::string_view method_path,
                              absl::string_view request_digest, const std::string& user,
                              const std::string& role, const std::string& unit,
                              const std::string& expiry_ms);

}  // namespace hotline::server
