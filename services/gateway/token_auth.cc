#include "gateway/token_auth.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "config/text_proto.h"

namespace hotline::gateway {
namespace {
constexpr size_t kMinTokenLength = 16;
}

absl::StatusOr<TokenAuth> TokenAuth::Load(const std::string& path) {
  v1::TokenFile file;
  if (absl::Status s = config::ReadTextProto(path, &file); !s.ok()) return s;
  return Build(file, path);
}

absl::StatusOr<TokenAuth> TokenAuth::Build(const v1::TokenFile& file, const std::string& name) {
  TokenAuth auth;
  for (int i = 0; i < file.tokens_size(); ++i) {
    const v1::TokenEntry& e = file.tokens(i);
    // Entries are named by position and user, never by the secret itself.
    std::string entry = absl::StrCat(name, ": token #", i + 1, " (", e.user_id(), ")");
    if (e.token().size() < kMinTokenLength) {
      return absl::InvalidArgumentError(
          absl::StrCat(entry, ": token shorter than ", kMinTokenLength, " characters"));
    }
    if (e.user_id().empty()) return absl::InvalidArgumentError(absl::StrCat(entry, ": no user_id"));
    if (e.role() == v1::ROLE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(entry, ": no role"));
    }
    if (!auth.by_token_.emplace(e.token(), e).second) {
      return absl::InvalidArgumentError(absl::StrCat(entry, ": duplicate token"));
    }
  }
  return auth;
}

absl::StatusOr<v1::TokenEntry> TokenAuth::Authenticate(absl::string_view authorization,
                                                       std::string* reason) const {
  auto fail = [&](const char* why, const char* message) {
    if (reason != nullptr) *reason = why;
    return absl::UnauthenticatedError(message);
  };
  if (authorization.empty()) return fail("missing", "missing authorization: Bearer <token>");
  if (!absl::ConsumePrefix(&authorization, "Bearer ") || authorization.empty()) {
    return fail("malformed", "authorization must be \"Bearer <token>\"");
  }
  auto it = by_token_.find(authorization);
  if (it == by_token_.end()) return fail("unknown", "unknown or revoked token");
  return it->second;
}

}  // namespace hotline::gateway
