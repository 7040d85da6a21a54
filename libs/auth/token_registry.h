#pragma once
// The registry of issued tokens in Redis (keys: token_registry_keys.h): what
// `hotline-admin token issue|revoke|list` writes and the gateways' revocation
// list reads.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/jwt.h"
#include "redis/client.h"

namespace hotline::auth {

struct TokenRecord {
  TokenClaims claims;
  std::string sha256;
  bool revoked = false;
};

class TokenRegistry {
 public:
  explicit TokenRegistry(redis::Client& redis) : redis_(redis) {}

  // Records an issued token (its hash, never the token).
  absl::Status Record(const TokenClaims& claims, const std::string& sha256);
  // NOT_FOUND when no token has that id; revoking twice is fine.
  absl::Status Revoke(const std::string& jti, absl::Time now);
  // Every token recorded (expired ones until their record expires), oldest first.
  absl::StatusOr<std::vector<TokenRecord>> List();
  // The ids of revoked tokens that have not expired yet.
  absl::StatusOr<std::vector<std::string>> RevokedIds(absl::Time now);

 private:
  redis::Client& redis_;
};

}  // namespace hotline::auth
