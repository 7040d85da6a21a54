#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "gateway/token_auth.h"

namespace hotline::gateway {

TEST_CASE("bearer tokens map to who is calling", "[auth]") {
  v1::TokenFile file;
  auto* t = file.add_tokens();
  t->set_token("abcdefghijklmnop-agent");
  t->set_user_id("agent001");
  t->set_role(v1::ROLE_AGENT);
  t->set_unit_code("GZ12345");
  auto auth = TokenAuth::Build(file, "tokens");
  REQUIRE(auth.ok());
  auto who = auth->Authenticate("Bearer abcdefghijklmnop-agent");
  REQUIRE(who.ok());
  CHECK(who->user_id() == "agent001");
  std::string reason;
  CHECK(auth->Authenticate("", &reason).status().code() == absl::StatusCode::kUnauthenticated);
  CHECK(reason == "missing");
  CHECK(!auth->Authenticate("Basic abc", &reason).ok());
  CHECK(reason == "malformed");
  CHECK(!auth->Authenticate("Bearer abcdefghijklmnop-agenT", &reason).ok());
  CHECK(reason == "unknown");
}

TEST_CASE("a bad token file is refused with the entry named", "[auth]") {
  v1::TokenFile file;
  auto* t = file.add_tokens();
  t->set_token("short");
  t->set_user_id("u1");
  t->set_role(v1::ROLE_AGENT);
  auto r = TokenAuth::Build(file, "tokens.textproto");
  REQUIRE_FALSE(r.ok());
  CHECK(absl::StartsWith(r.status().message(), "tokens.textproto: token #1 (u1): token shorter"));
  t->set_token("long-enough-token-1234");
  *file.add_tokens() = *t;
  CHECK(absl::StrContains(TokenAuth::Build(file, "f").status().message(), "duplicate token"));
}

TEST_CASE("the repository's demo token file loads", "[auth]") {
  CHECK(TokenAuth::Load(std::string(HOTLINE_SOURCE_DIR) + "/config/tokens.textproto").ok());
}

}  // namespace hotline::gateway
