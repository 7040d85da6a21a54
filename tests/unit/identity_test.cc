// The signed caller identity (libs/server/identity.h): what the signature is
// bound to (method path, request digest, claims, expiry, the backend's
// secret), the request digest's independence from field order, and secret
// files with more than one secret (rotation).
#include "server/identity.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "hotline/v1/intake.pb.h"
#include "support/temp_dir.h"

namespace hotline::server {
namespace {

const std::string kIntakeSecret = "unit-identity-secret-intake-0123456789abcdef";
const std::string kSlaSecret = "unit-identity-secret-sla-0123456789abcdef";
constexpr char kPath[] = "/hotline.v1.Intake/GetWorkOrder";
const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

v1::GetWorkOrderRequest Request(const std::string& id) {
  v1::GetWorkOrderRequest r;
  r.set_id(id);
  return r;
}

// The metadata AttachIdentity would send, as the backend reads it for a call
// of `path` whose request has `digest`.
IdentityMetadata Signed(const std::string& secret, const std::string& signed_path,
                        const std::string& signed_digest, absl::Time signed_at) {
  const std::string expiry = absl::StrCat(absl::ToUnixMillis(signed_at + kIdentityMaxAge));
  IdentityMetadata md;
  md.user = "agent-1";
  md.role = absl::StrCat(static_cast<int>(v1::ROLE_AGENT));
  md.unit = "GZ12345";
  md.expiry_ms = expiry;
  md.signature =
      IdentitySignature(secret, signed_path, signed_digest, *md.user, *md.role, *md.unit, expiry);
  md.method_path = signed_path;
  md.request_digest = signed_digest;
  return md;
}

TEST_CASE("an identity signed for a call verifies for that call only", "[unit][identity]") {
  const std::string digest = RequestDigest(Request("GD-1"));
  const IdentityMetadata md = Signed(kIntakeSecret, kPath, digest, kNow);
  absl::StatusOr<v1::Actor> actor = VerifyIdentityMetadata(md, {kIntakeSecret}, kNow);
  REQUIRE(actor.ok());
  CHECK(actor->user_id() == "agent-1");
  CHECK(actor->role() == v1::ROLE_AGENT);
  CHECK(actor->unit_code() == "GZ12345");

  auto refused = [](const absl::StatusOr<v1::Actor>& a, const std::string& words) {
    INFO(a.status().ToString());
    CHECK(absl::IsUnauthenticated(a.status()));
    CHECK(absl::StrContains(a.status().message(), words));
  };
  SECTION("another method") {
    IdentityMetadata other = md;
    other.method_path = "/hotline.v1.Intake/ListWorkOrders";
    refused(VerifyIdentityMetadata(other, {kIntakeSecret}, kNow), "does not verify");
  }
  SECTION("another request body") {
    IdentityMetadata other = md;
    other.request_digest = RequestDigest(Request("GD-2"));
    refused(VerifyIdentityMetadata(other, {kIntakeSecret}, kNow), "does not verify");
  }
  SECTION("another backend: its own secret") {
    refused(VerifyIdentityMetadata(md, {kSlaSecret}, kNow), "does not verify");
  }
  SECTION("another claim") {
    IdentityMetadata other = md;
    other.role = absl::StrCat(static_cast<int>(v1::ROLE_ADMIN));
    refused(VerifyIdentityMetadata(other, {kIntakeSecret}, kNow), "does not verify");
    other = md;
    other.unit = "440106";
    refused(VerifyIdentityMetadata(other, {kIntakeSecret}, kNow), "does not verify");
    other = md;
    other.expiry_ms = absl::StrCat(absl::ToUnixMillis(kNow + absl::Seconds(90)));
    refused(VerifyIdentityMetadata(other, {kIntakeSecret}, kNow), "does not verify");
  }
  SECTION("expired, or claiming too long a life") {
    refused(VerifyIdentityMetadata(md, {kIntakeSecret}, kNow + kIdentityMaxAge + absl::Milliseconds(1)),
            "stale");
    CHECK(VerifyIdentityMetadata(md, {kIntakeSecret}, kNow + kIdentityMaxAge).ok());
    // A backend whose clock is up to a minute behind still believes it.
    CHECK(VerifyIdentityMetadata(md, {kIntakeSecret}, kNow - kIdentityMaxAge).ok());
    refused(VerifyIdentityMetadata(md, {kIntakeSecret}, kNow - kIdentityMaxAge - absl::Seconds(1)),
            "stale");
  }
  SECTION("no method known to the backend") {
    IdentityMetadata other = md;
    other.method_path = "";
    refused(VerifyIdentityMetadata(other, {kIntakeSecret}, kNow), "method is unknown");
  }
  SECTION("no secret") { refused(VerifyIdentityMetadata(md, {}, kNow), "no identity secret"); }
  SECTION("rotation: either of two secrets verifies") {
    const std::string next = "unit-identity-secret-intake-next-0123456789";
    CHECK(VerifyIdentityMetadata(md, {next, kIntakeSecret}, kNow).ok());
    CHECK(VerifyIdentityMetadata(Signed(next, kPath, digest, kNow), {next, kIntakeSecret}, kNow).ok());
    refused(VerifyIdentityMetadata(Signed(next, kPath, digest, kNow), {kIntakeSecret}, kNow),
            "does not verify");
  }
}

TEST_CASE("a request's digest does not depend on the order its fields were written in",
          "[unit][identity]") {
  v1::GetWorkOrderRequest r;
  r.set_id("GD-1");
  r.set_history_offset(5);
  // The same message written by hand in reverse field order, as another
  // protobuf library may write it: the gateway and the backend each parse
  // it, and both digests are of their parse, not of these bytes.
  const std::string in_order = r.SerializeAsString();
  const std::string reversed = std::string("\x50\x05", 2) + std::string("\x0a\x04GD-1", 6);
  REQUIRE(reversed != in_order);
  v1::GetWorkOrderRequest parsed;
  REQUIRE(parsed.ParseFromString(reversed));
  CHECK(RequestDigest(parsed) == RequestDigest(r));
  CHECK(RequestDigest(Request("GD-1")) != RequestDigest(Request("GD-2")));
  CHECK(RequestDigest(v1::GetWorkOrderRequest()).size() == 64);  // hex SHA-256
}

TEST_CASE("a secret file holds one secret a line, the first signs", "[unit][identity]") {
  testing::TempDir dir("identity-unit");
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.path() + "/" + name) << text;
    return dir.path() + "/" + name;
  };
  absl::StatusOr<std::vector<std::string>> two =
      ReadIdentitySecrets(write("two", "\n  " + kSlaSecret + "  \n\n" + kIntakeSecret + "\n"));
  REQUIRE(two.ok());
  CHECK(*two == std::vector<std::string>{kSlaSecret, kIntakeSecret});
  absl::StatusOr<std::vector<std::string>> short_one =
      ReadIdentitySecrets(write("short", kSlaSecret + "\nshort\n"));
  CHECK(absl::IsInvalidArgument(short_one.status()));
  CHECK(absl::StrContains(short_one.status().message(), "shorter than 32"));
  CHECK(absl::IsInvalidArgument(ReadIdentitySecrets(write("empty", "\n \n")).status()));
  CHECK(absl::IsNotFound(ReadIdentitySecrets(dir.path() + "/absent").status()));
}

}  // namespace
}  // namespace hotline::server
