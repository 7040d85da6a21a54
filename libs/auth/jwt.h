#pragma once
// Signed bearer tokens (JWT) for the gateway, on libjwt: HS256 only (the
// algorithm is pinned: a token naming another, "none" included, is refused),
// a key id ("kid") per token so keys can rotate, issuer, audience, expiry and
// a token id ("jti") for revocation. Claims: sub (user id), name, role (the
// hotline.v1.Role name), unit (unit code).
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotline/v1/auth.pb.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::auth {

inline constexpr char kDefaultIssuer[] = "hotline";
inline constexpr char kDefaultAudience[] = "hotline-gateway";
inline constexpr size_t kMinSecretBytes = 32;

// A validated key file: every key verifies, the last one signs.
class JwtKeys {
 public:
  // NOT_FOUND if unreadable; INVALID_ARGUMENT naming the file and key for an
  // empty or duplicate id, a secret shorter than kMinSecretBytes, no key.
  static absl::StatusOr<JwtKeys> Load(const std::string& path);
  static absl::StatusOr<JwtKeys> Build(const v1::JwtKeyFile& file, const std::string& name);

  const v1::JwtKey& signing_key() const { return keys_.back(); }
  const v1::JwtKey* Find(const std::string& id) const;

 private:
  std::vector<v1::JwtKey> keys_;
};

struct TokenClaims {
  std::string jti;
  std::string user_id;
  std::string display_name;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  std::string unit_code;
  absl::Time issued_at;
  absl::Time expires_at;
};

struct Audience {
  std::string issuer = kDefaultIssuer;
  std::string audience = kDefaultAudience;
};

// Signs `claims` with the newest key. INVALID_ARGUMENT for an empty jti or
// user, no role, or an expiry not after the issue time.
absl::StatusOr<std::string> SignToken(const JwtKeys& keys, const Audience& audience,
                                      const TokenClaims& claims);

// Why a token was refused, as a bounded metric label.
enum class Refusal {
  kMalformed,      // not three base64url parts of JSON
  kUnsigned,       // alg "none"
  kBadAlgorithm,   // any algorithm other than HS256
  kUnknownKid,     // no kid, or one not in the key file
  kBadSignature,   // tampered, or signed with another key
  kWrongIssuer,
  kWrongAudience,
  kExpired,        // exp missing or past
  kBadClaims,      // no sub/jti, unknown role
};
const char* RefusalLabel(Refusal r);

struct Refused {
  Refusal why;
  std::string message;  // for the caller: what is wrong, never the token
};

// Verifies the signature (with the key the header's kid names), then issuer,
// audience and expiry against `now`. Revocation is the caller's business.
std::variant<TokenClaims, Refused> VerifyToken(const JwtKeys& keys, const Audience& audience,
                                               const std::string& token, absl::Time now);

// Hex SHA-256 of a token: what the registry keeps instead of the token.
std::string TokenHash(const std::string& token);

// A fresh random token id (128 bits, hex).
std::string NewTokenId();

}  // namespace hotline::auth
