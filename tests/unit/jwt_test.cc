#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "auth/jwt.h"
#include "gateway/rate_limiter.h"
#include "gateway/token_auth.h"

namespace hotline::auth {
namespace {

JwtKeys TwoKeys() {
  v1::JwtKeyFile file;
  auto* old_key = file.add_keys();
  old_key->set_id("2026-01");
  old_key->set_secret(std::string(32, 'a'));
  auto* new_key = file.add_keys();
  new_key->set_id("2026-07");
  new_key->set_secret(std::string(32, 'b'));
  absl::StatusOr<JwtKeys> keys = JwtKeys::Build(file, "keys.textproto");
  REQUIRE(keys.ok());
  return *keys;
}

TokenClaims Claims(absl::Time now) {
  return TokenClaims{.jti = "j1", .user_id = "u1", .display_name = "n", .role = v1::ROLE_DISPATCHER,
                     .unit_code = "GZ12345", .issued_at = now, .expires_at = now + absl::Hours(1)};
}

}  // namespace

TEST_CASE("the newest key signs, every key verifies", "[auth]") {
  const absl::Time now = absl::FromUnixSeconds(1790000000);
  JwtKeys keys = TwoKeys();
  CHECK(keys.signing_key().id() == "2026-07");
  absl::StatusOr<std::string> token = SignToken(keys, {}, Claims(now));
  REQUIRE(token.ok());
  auto verified = VerifyToken(keys, {}, *token, now + absl::Minutes(59));
  REQUIRE(std::holds_alternative<TokenClaims>(verified));
  CHECK(std::get<TokenClaims>(verified).role == v1::ROLE_DISPATCHER);
  CHECK(std::get<TokenClaims>(verified).unit_code == "GZ12345");
  // A token of the older key still verifies while that key is listed.
  v1::JwtKeyFile only_old;
  auto* k = only_old.add_keys();
  k->set_id("2026-01");
  k->set_secret(std::string(32, 'a'));
  absl::StatusOr<std::string> old_token = SignToken(*JwtKeys::Build(only_old, "old"), {}, Claims(now));
  REQUIRE(old_token.ok());
  CHECK(std::holds_alternative<TokenClaims>(VerifyToken(keys, {}, *old_token, now)));
  // Expiry is exact to the second.
  auto late = VerifyToken(keys, {}, *token, now + absl::Hours(1));
  REQUIRE(std::holds_alternative<Refused>(late));
  CHECK(std::get<Refused>(late).why == Refusal::kExpired);
}

TEST_CASE("a bad key file is refused with the key named", "[auth]") {
  v1::JwtKeyFile file;
  CHECK(absl::StrContains(JwtKeys::Build(file, "k").status().message(), "no keys"));
  auto* k = file.add_keys();
  k->set_id("a");
  k->set_secret("short");
  CHECK(absl::StrContains(JwtKeys::Build(file, "k").status().message(),
                          "k: key #1 (a): secret shorter than 32 bytes"));
  k->set_secret(std::string(32, 's'));
  *file.add_keys() = *k;
  CHECK(absl::StrContains(JwtKeys::Build(file, "k").status().message(), "key #2 (a): duplicate id"));
}

TEST_CASE("the gateway takes signed tokens and demo tokens only when given", "[auth]") {
  const absl::Time now = absl::Now();
  gateway::TokenAuth auth;  // no demo tokens
  auth.EnableJwt(TwoKeys(), {}, [](const std::string& jti) { return jti == "revoked-one"; });
  TokenClaims c = Claims(absl::FromUnixSeconds(absl::ToUnixSeconds(now)));
  std::string reason;
  auto who = auth.Authenticate("Bearer " + *SignToken(TwoKeys(), {}, c), &reason);
  REQUIRE(who.ok());
  CHECK(who->user_id() == "u1");
  c.jti = "revoked-one";
  CHECK_FALSE(auth.Authenticate("Bearer " + *SignToken(TwoKeys(), {}, c), &reason).ok());
  CHECK(reason == "revoked");
  CHECK_FALSE(auth.Authenticate("Bearer demo-agent-01e06283a8513b08", &reason).ok());
  CHECK(reason == "malformed");
}

TEST_CASE("the rate limiter allows a burst, then the rate, per user", "[auth]") {
  gateway::RateLimiter limiter(2, 3);  // 2/s, bursts of 3
  const absl::Time t0 = absl::FromUnixSeconds(1790000000);
  for (int i = 0; i < 3; ++i) CHECK(limiter.Take("u", t0) == absl::ZeroDuration());
  CHECK(limiter.Take("u", t0) == absl::Milliseconds(500));
  CHECK(limiter.Take("v", t0) == absl::ZeroDuration());  // another user
  CHECK(limiter.Take("u", t0 + absl::Milliseconds(500)) == absl::ZeroDuration());
  CHECK(limiter.Take("u", t0 + absl::Milliseconds(500)) > absl::ZeroDuration());
  CHECK(gateway::RateLimiter(0, 0).Take("u", t0) == absl::ZeroDuration());  // off
}

}  // namespace hotline::auth
