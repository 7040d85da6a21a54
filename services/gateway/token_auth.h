#pragma once
// Bearer-token authentication from a token file (hotline.v1.TokenFile, text
// format): token -> user, role, unit. Loaded once; thread-safe to read.
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "hotline/v1/gateway.pb.h"

namespace hotline::gateway {

class TokenAuth {
 public:
  // INVALID_ARGUMENT naming the file and entry for a short or duplicate token,
  // a missing user or role; NOT_FOUND if the file cannot be read.
  static absl::StatusOr<TokenAuth> Load(const std::string& path);
  static absl::StatusOr<TokenAuth> Build(const v1::TokenFile& file, const std::string& name);

  // From the "authorization" metadata value ("Bearer <token>"):
  // UNAUTHENTICATED when missing, malformed or unknown. `reason` (if given)
  // gets a short label for metrics: "missing", "malformed" or "unknown".
  absl::StatusOr<v1::TokenEntry> Authenticate(absl::string_view authorization,
                                              std::string* reason = nullptr) const;

 private:
  absl::flat_hash_map<std::string, v1::TokenEntry> by_token_;
};

}  // namespace hotline::gateway
