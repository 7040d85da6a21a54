#pragma once
// Bearer-token authentication at the gateway. Two kinds of token:
//  - signed tokens (JWT, auth/jwt.h) issued by `hotline-admin token issue`,
//    checked against the key file and the revocation list; the normal case;
//  - demo tokens from a static token file (hotline.v1.TokenFile, text format:
//    token -> user, role, unit), accepted only when the gateway runs in demo
//    mode (--demo_tokens, which tools/run.sh passes).
// Configured once at start-up; thread-safe to read.
#include <functional>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "auth/jwt.h"
#include "hotline/v1/gateway.pb.h"

namespace hotline::gateway {

class TokenAuth {
 public:
  // Demo tokens. INVALID_ARGUMENT naming the file and entry for a short or
  // duplicate token, a missing user or role; NOT_FOUND if the file cannot be
  // read.
  static absl::StatusOr<TokenAuth> Load(const std::string& path);
  static absl::StatusOr<TokenAuth> Build(const v1::TokenFile& file, const std::string& name);
  TokenAuth() = default;

  // Accepts signed tokens too; `is_revoked` answers for a token id (jti).
  void EnableJwt(auth::JwtKeys keys, auth::Audience audience,
                 std::function<bool(const std::string&)> is_revoked);

  // From the "authorization" metadata value ("Bearer <token>"):
  // UNAUTHENTICATED with a message that says what is wrong. `reason` (if
  // given) gets a bounded label for metrics: missing, malformed, unsigned,
  // bad_algorithm, unknown_kid, bad_signature, wrong_issuer, wrong_audience,
  // expired, bad_claims, revoked, or unknown (no such demo token).
  absl::StatusOr<v1::TokenEntry> Authenticate(absl::string_view authorization,
                                              std::string* reason = nullptr,
                                              absl::Time now = absl::Now()) const;

 private:
  absl::flat_hash_map<std::string, v1::TokenEntry> demo_tokens_;
  struct Jwt {
    auth::JwtKeys keys;
    auth::Audience audience;
    std::function<bool(const std::string&)> is_revoked;
  };
  std::optional<Jwt> jwt_;
};

}  // namespace hotline::gateway
