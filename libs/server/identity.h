#pragma once
// How the gateway tells backends who is calling, and how backends know it was
// the gateway: the caller's user, role and unit travel as metadata
// (x-hotline-user, x-hotline-role, x-hotline-unit) with a timestamp
// (x-hotline-ts, unix milliseconds) and an HMAC-SHA256 over all four
// (x-hotline-sig, hex) keyed with a secret every service reads from a file
// (--identity_secret_file). A backend believes an identity only when the
// signature verifies and the timestamp is within kIdentityMaxAge of its own
// clock; anything else is UNAUTHENTICATED. Services that call each other sign
// the same way (AttachIdentity).
#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::server {

inline constexpr absl::Duration kIdentityMaxAge = absl::Minutes(1);
inline constexpr size_t kMinIdentitySecretBytes = 32;

// The process-wide secret, set once at start-up (Server::Start does it from
// ServerOptions::identity_secret_file). INVALID_ARGUMENT when shorter than
// kMinIdentitySecretBytes; NOT_FOUND when the file cannot be read. Surrounding
// whitespace in the file is ignored.
absl::Status SetIdentitySecret(std::string secret);
absl::Status LoadIdentitySecret(const std::string& path);

// Adds the caller's identity, signed with the process secret and stamped now.
void AttachIdentity(const v1::Actor& actor, grpc::ClientContext* context);

// The identity metadata of one call as received; nullopt: the key is absent.
struct IdentityMetadata {
  std::optional<std::string> user, role, unit, timestamp_ms, signature;
};

// VerifiedIdentity's checks on metadata already read out of a call, against
// `secret` (empty: UNAUTHENTICATED, this process has no secret). Pure.
absl::StatusOr<v1::Actor> VerifyIdentityMetadata(const IdentityMetadata& md,
                                                 const std::string& secret, absl::Time now);

// The caller's identity if it is signed by a holder of the secret and fresh;
// UNAUTHENTICATED naming what is wrong otherwise (missing, unsigned, forged,
// stale, or this process has no secret). The wall screen's identity
// (ROLE_SCREEN) is PERMISSION_DENIED here: it is good for one read only, and
// the RPC that serves it asks for it by name (VerifiedScreenReader), so a
// new RPC refuses it without anyone thinking of it (fail closed).
absl::StatusOr<v1::Actor> VerifiedIdentity(const grpc::ServerContextBase& context,
                                           absl::Time now = absl::Now());
// As VerifiedIdentity, but the wall screen's identity is accepted too. Only for
// RPCs whose answer is the same for every role and carries no personal data
// (scoring's GetScreen).
absl::StatusOr<v1::Actor> VerifiedScreenReader(const grpc::ServerContextBase& context,
                                               absl::Time now = absl::Now());
// VerifiedIdentity, or nullopt.
std::optional<v1::Actor> IdentityOf(const grpc::ServerContextBase& context);

// First thing in every backend handler:
//   if (auto* refused = server::RefuseUnverified(context)) return refused;
// When the call's identity does not verify, returns the call's reactor
// finished UNAUTHENTICATED (PERMISSION_DENIED for the wall screen's
// identity); nullptr when it verifies.
grpc::ServerUnaryReactor* RefuseUnverified(grpc::CallbackServerContext* context);

// The signature over one identity (hex HMAC-SHA256), for tests that forge or
// sign calls by hand.
std::string IdentitySignature(const std::string& secret, const std::string& user,
                              const std::string& role, const std::string& unit,
                              const std::string& timestamp_ms);

}  // namespace hotline::server
