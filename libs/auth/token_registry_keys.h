#pragma once
// Redis keys of the token registry (hotline-admin writes, gateways read).
// Only a token's SHA-256 is kept, never the token.
//   hotline:auth:token:{jti}  hash: user, name, role, unit, issued, expires
//                             (unix seconds), sha256, revoked ("0"/"1");
//                             expires a week after the token does
//   hotline:auth:tokens       sorted set: jti -> expiry (unix seconds)
//   hotline:auth:revoked      sorted set: jti -> expiry of a revoked token;
//                             entries past expiry are trimmed on each revoke
#include <string>

namespace hotline::auth::keys {

inline std::string Token(const std::string& jti) { return "hotline:auth:token:" + jti; }
inline constexpr char kTokens[] = "hotline:auth:tokens";
inline constexpr char kRevoked[] = "hotline:auth:revoked";

}  // namespace hotline::auth::keys
