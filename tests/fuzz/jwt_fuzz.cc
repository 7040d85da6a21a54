// Bearer tokens (libs/auth/jwt): VerifyToken on any token, and on tokens whose
// header and payload JSON come from the input but carry a valid HS256
// signature (so the claims checks behind the signature are reached too), and
// SignToken -> VerifyToken round trips. The first byte picks the mode.
// Properties: nothing crashes; an accepted token has a jti, a subject, a known
// role and is not expired; a token signed by SignToken verifies to the same
// claims.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "auth/jwt.h"
#include "fuzz_support.h"

namespace auth = hotline::auth;

namespace {

constexpr char kSecret[] = "fuzz-secret-0123456789abcdef0123456789";
const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);  // 2026-09

const auth::JwtKeys& Keys() {
  static const auth::JwtKeys* const keys = [] {
    hotline::v1::JwtKeyFile file;
    hotline::v1::JwtKey* k = file.add_keys();
    k->set_id("k1");
    k->set_secret(kSecret);
    absl::StatusOr<auth::JwtKeys> built = auth::JwtKeys::Build(file, "fuzz");
    FUZZ_CHECK(built.ok());
    return new auth::JwtKeys(*std::move(built));
  }();
  return *keys;
}

std::string B64(absl::string_view s) { return absl::WebSafeBase64Escape(s); }

std::string SignedToken(absl::string_view header, absl::string_view payload) {
  const std::string signing_input = B64(header) + "." + B64(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), kSecret, sizeof kSecret - 1,
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
       &mac_len);
  return signing_input + "." + B64(absl::string_view(reinterpret_cast<char*>(mac), mac_len));
}

void CheckAccepted(const std::variant<auth::TokenClaims, auth::Refused>& result) {
  if (const auto* claims = std::get_if<auth::TokenClaims>(&result)) {
    FUZZ_CHECK(!claims->jti.empty() && !claims->user_id.empty());
    FUZZ_CHECK(claims->role != hotline::v1::ROLE_UNSPECIFIED);
    FUZZ_CHECK(claims->expires_at > kNow);
  } else {
    FUZZ_CHECK(auth::RefusalLabel(std::get<auth::Refused>(result).why) != nullptr);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const auth::Audience audience;
  switch (data[0] % 3) {
    case 0: {  // the raw token
      CheckAccepted(auth::VerifyToken(Keys(), audience, rest, kNow));
      (void)auth::TokenHash(rest);
      break;
    }
    case 1: {  // header JSON '\n' payload JSON, validly signed
      std::vector<std::string> parts = absl::StrSplit(rest, absl::MaxSplits('\n', 1));
      if (parts.size() != 2) return 0;
      CheckAccepted(auth::VerifyToken(Keys(), audience, SignedToken(parts[0], parts[1]), kNow));
      break;
    }
    case 2: {  // claims: jti '\n' user '\n' name '\n' unit '\n' role number
      std::vector<std::string> f = absl::StrSplit(rest, absl::MaxSplits('\n', 4));
      if (f.size() != 5 || f[4].empty()) return 0;
      for (const std::string& s : f) {
        if (s.find('\0') != std::string::npos) return 0;  // C strings in libjwt
      }
      auth::TokenClaims claims;
      claims.jti = f[0];
      claims.user_id = f[1];
      claims.display_name = f[2];
      claims.unit_code = f[3];
      const int role = static_cast<unsigned char>(f[4][0]) % 16;
      if (!hotline::v1::Role_IsValid(role)) return 0;
      claims.role = static_cast<hotline::v1::Role>(role);
      claims.issued_at = kNow - absl::Minutes(1);
      claims.expires_at = kNow + absl::Hours(1);
      absl::StatusOr<std::string> token = auth::SignToken(Keys(), audience, claims);
      if (!token.ok()) return 0;
      auto verified = auth::VerifyToken(Keys(), audience, *token, kNow);
      const auto* got = std::get_if<auth::TokenClaims>(&verified);
      FUZZ_CHECK(got != nullptr);
      FUZZ_CHECK(got->jti == claims.jti && got->user_id == claims.user_id);
      FUZZ_CHECK(got->display_name == claims.display_name && got->unit_code == claims.unit_code);
      FUZZ_CHECK(got->role == claims.role && got->expires_at == claims.expires_at);
      break;
    }
  }
  return 0;
}
