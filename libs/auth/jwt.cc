#include "auth/jwt.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <jwt.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cerrno>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "config/text_proto.h"

namespace hotline::auth {
namespace {

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

std::string Hex(const unsigned char* bytes, size_t n) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), n));
}

// The JOSE header, read before the signature is checked to learn which key
// (kid) and which algorithm the token claims.
bool ReadHeader(const std::string& token, google::protobuf::Struct* header) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty()) return false;
  std::string json;
  if (!absl::WebSafeBase64Unescape(parts[0], &json)) return false;
  return google::protobuf::util::JsonStringToMessage(json, header).ok();
}

std::string StringField(const google::protobuf::Struct& s, const char* name) {
  auto it = s.fields().find(name);
  if (it == s.fields().end() || !it->second.has_string_value()) return "";
  return it->second.string_value();
}

std::string Grant(jwt_t* jwt, const char* name) {
  const char* v = jwt_get_grant(jwt, name);
  return v == nullptr ? "" : v;
}

}  // namespace

absl::StatusOr<JwtKeys> JwtKeys::Load(const std::string& path) {
  v1::JwtKeyFile file;
  if (absl::Status s = config::ReadTextProto(path, &file); !s.ok()) return s;
  return Build(file, path);
}

absl::StatusOr<JwtKeys> JwtKeys::Build(const v1::JwtKeyFile& file, const std::string& name) {
  if (file.keys().empty()) return absl::InvalidArgumentError(absl::StrCat(name, ": no keys"));
  JwtKeys keys;
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < file.keys_size(); ++i) {
    const v1::JwtKey& k = file.keys(i);
    // Keys are named by position and id, never by the secret.
    std::string entry = absl::StrCat(name, ": key #", i + 1, " (", k.id(), ")");
    if (k.id().empty()) return absl::InvalidArgumentError(absl::StrCat(entry, ": no id"));
    if (k.secret().size() < kMinSecretBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(entry, ": secret shorter than ", kMinSecretBytes, " bytes"));
    }
    if (!ids.insert(k.id()).second) {
      return absl::InvalidArgumentError(absl::StrCat(entry, ": duplicate id"));
    }
    keys.keys_.push_back(k);
  }
  return keys;
}

const v1::JwtKey* JwtKeys::Find(const std::string& id) const {
  for (const v1::JwtKey& k : keys_) {
    if (k.id() == id) return &k;
  }
  return nullptr;
}

absl::StatusOr<std::string> SignToken(const JwtKeys& keys, const Audience& audience,
                                      const TokenClaims& claims) {
  if (claims.jti.empty()) return absl::InvalidArgumentError("jti: empty");
  if (claims.user_id.empty()) return absl::InvalidArgumentError("user_id: empty");
  if (claims.role == v1::ROLE_UNSPECIFIED) return absl::InvalidArgumentError("role: unspecified");
  if (claims.expires_at <= claims.issued_at) {
    return absl::InvalidArgumentError("ttl: the token must expire after it is issued");
  }
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::InternalError("jwt_new failed");
  JwtPtr jwt(raw);
  const v1::JwtKey& key = keys.signing_key();
  int err = jwt_add_header(jwt.get(), "kid", key.id().c_str());
  err |= jwt_add_grant(jwt.get(), "iss", audience.issuer.c_str());
  err |= jwt_add_grant(jwt.get(), "aud", audience.audience.c_str());
  err |= jwt_add_grant(jwt.get(), "sub", claims.user_id.c_str());
  err |= jwt_add_grant(jwt.get(), "jti", claims.jti.c_str());
  err |= jwt_add_grant(jwt.get(), "role", v1::Role_Name(claims.role).c_str());
  err |= jwt_add_grant(jwt.get(), "unit", claims.unit_code.c_str());
  err |= jwt_add_grant(jwt.get(), "name", claims.display_name.c_str());
  err |= jwt_add_grant_int(jwt.get(), "iat", absl::ToUnixSeconds(claims.issued_at));
  err |= jwt_add_grant_int(jwt.get(), "exp", absl::ToUnixSeconds(claims.expires_at));
  err |= jwt_set_alg(jwt.get(), JWT_ALG_HS256,
                     reinterpret_cast<const unsigned char*>(key.secret().data()),
                     static_cast<int>(key.secret().size()));
  if (err != 0) return absl::InternalError("cannot build the token");
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) return absl::InternalError("cannot encode the token");
  std::string token = encoded;
  free(encoded);
  return token;
}

const char* RefusalLabel(Refusal r) {
  switch (r) {
    case Refusal::kMalformed: return "malformed";
    case Refusal::kUnsigned: return "unsigned";
    case Refusal::kBadAlgorithm: return "bad_algorithm";
    case Refusal::kUnknownKid: return "unknown_kid";
    case Refusal::kBadSignature: return "bad_signature";
    case Refusal::kWrongIssuer: return "wrong_issuer";
    case Refusal::kWrongAudience: return "wrong_audience";
    case Refusal::kExpired: return "expired";
    case Refusal::kBadClaims: return "bad_claims";
  }
  return "malformed";
}

std::variant<TokenClaims, Refused> VerifyToken(const JwtKeys& keys, const Audience& audience,
                                               const std::string& token, absl::Time now) {
  google::protobuf::Struct header;
  if (!ReadHeader(token, &header)) {
    return Refused{Refusal::kMalformed, "token is not a JWT (header.payload.signature)"};
  }
  const std::string alg = StringField(header, "alg");
  if (alg.empty() || alg == "none") {
    return Refused{Refusal::kUnsigned, "token is unsigned (alg none); only HS256 is accepted"};
  }
  if (alg != "HS256") {
    return Refused{Refusal::kBadAlgorithm,
                   absl::StrCat("token algorithm ", alg, " is not accepted; only HS256")};
  }
  const std::string kid = StringField(header, "kid");
  const v1::JwtKey* key = kid.empty() ? nullptr : keys.Find(kid);
  if (key == nullptr) {
    return Refused{Refusal::kUnknownKid,
                   kid.empty() ? "token names no key (kid)"
                               : absl::StrCat("token key id \"", kid, "\" is not known")};
  }
  jwt_t* raw = nullptr;
  int err = jwt_decode(&raw, token.c_str(),
                       reinterpret_cast<const unsigned char*>(key->secret().data()),
                       static_cast<int>(key->secret().size()));
  JwtPtr jwt(raw);
  if (err != 0 || jwt == nullptr || jwt_get_alg(jwt.get()) != JWT_ALG_HS256) {
    return Refused{Refusal::kBadSignature, "token signature does not verify"};
  }
  if (Grant(jwt.get(), "iss") != audience.issuer) {
    return Refused{Refusal::kWrongIssuer, "token was issued by someone else (iss)"};
  }
  if (Grant(jwt.get(), "aud") != audience.audience) {
    return Refused{Refusal::kWrongAudience, "token is meant for another audience (aud)"};
  }
  errno = 0;
  long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (errno != 0 || exp <= 0) return Refused{Refusal::kExpired, "token has no expiry (exp)"};
  if (absl::FromUnixSeconds(exp) <= now) {
    return Refused{Refusal::kExpired, "token has expired"};
  }
  TokenClaims claims;
  claims.jti = Grant(jwt.get(), "jti");
  claims.user_id = Grant(jwt.get(), "sub");
  claims.display_name = Grant(jwt.get(), "name");
  claims.unit_code = Grant(jwt.get(), "unit");
  claims.expires_at = absl::FromUnixSeconds(exp);
  errno = 0;
  long iat = jwt_get_grant_int(jwt.get(), "iat");
  claims.issued_at = errno == 0 ? absl::FromUnixSeconds(iat) : absl::InfinitePast();
  v1::Role role = v1::ROLE_UNSPECIFIED;
  if (claims.jti.empty() || claims.user_id.empty() ||
      !v1::Role_Parse(Grant(jwt.get(), "role"), &role) || role == v1::ROLE_UNSPECIFIED) {
    return Refused{Refusal::kBadClaims, "token lacks a jti, a subject or a known role"};
  }
  claims.role = role;
  return claims;
}

std::string TokenHash(const std::string& token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  return Hex(digest, sizeof digest);
}

std::string NewTokenId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) abort();  // no entropy: nothing safe to do
  return Hex(bytes, sizeof bytes);
}

}  // namespace hotline::auth
