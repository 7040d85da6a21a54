#include "gateway/token_auth.h"

#include <variant>

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
    if (!auth.demo_tokens_.emplace(e.token(), e).second) {
      return absl::InvalidArgumentError(absl::StrCat(entry, ": duplicate token"));
    }
  }
  return auth;
}

void TokenAuth::EnableJwt(auth::JwtKeys keys, auth::Audience audience,
                          std::function<bool(const std::string&)> is_revoked) {
  jwt_ = Jwt{std::move(keys), std::move(audience), std::move(is_revoked)};
}

absl::StatusOr<v1::TokenEntry> TokenAuth::Authenticate(absl::string_view authorization,
                                                       std::string* reason,
                                                       absl::Time now) const {
  auto fail = [&](const char* why, const char* message) {
    if (reason != nullptr) *reason = why;
    return absl::UnauthenticatedError(message);
  };
  if (authorization.empty()) return fail("missing", "missing authorization: Bearer <token>");
  if (!absl::ConsumePrefix(&authorization, "Bearer ") || authorization.empty()) {
    return fail("malformed", "authorization must be \"Bearer <token>\"");
  }
  // A JWT has three dot-separated parts; a demo token has none.
  if (jwt_ && absl::StrContains(authorization, '.')) {
    std::variant<auth::TokenClaims, auth::Refused> verified =
        auth::VerifyToken(jwt_->keys, jwt_->audience, std::string(authorization), now);
    if (const auto* refused = std::get_if<auth::Refused>(&verified)) {
      if (reason != nullptr) *reason = auth::RefusalLabel(refused->why);
      return absl::UnauthenticatedError(refused->message);
    }
    const auto& claims = std::get<auth::TokenClaims>(verified);
    if (jwt_->is_revoked && jwt_->is_revoked(claims.jti)) {
      return fail("revoked", "token has been revoked");
    }
    v1::TokenEntry entry;
    entry.set_user_id(claims.user_id);
    entry.set_display_name(claims.display_name);
    entry.set_role(claims.role);
    entry.set_unit_code(claims.unit_code);
    return entry;
  }
  if (demo_tokens_.empty()) {
    return fail("malformed", "token is not a signed token (JWT); demo tokens are off");
  }
  auto it = demo_tokens_.find(authorization);
  if (it == demo_tokens_.end()) return fail("unknown", "unknown demo token");
  return it->second;
}

}  // namespace hotline::gateway
