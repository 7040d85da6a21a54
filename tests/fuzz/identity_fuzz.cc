// The signed identity metadata every backend checks (libs/server/identity):
// VerifyIdentityMetadata on any metadata. Input: a flags byte, then user,
// role, unit, expiry and signature separated by '\n' (the method path and
// request digest are fixed, as the backend supplies them). Flag bits 0-4 make
// the corresponding key absent; bit 5 replaces the signature by the valid one
// (so the checks behind the signature are reached). Properties: nothing
// crashes; an accepted identity carries a user, a known role and a valid
// signature over what it says and the call, expiring within two minutes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "fuzz_support.h"
#include "server/identity.h"

namespace server = hotline::server;

namespace {
constexpr char kSecret[] = "fuzz-identity-secret-0123456789abcdef";
const absl::Time kNow = absl::FromUnixMillis(1'790'000'000'000);
constexpr char kPath[] = "/hotline.v1.Intake/GetWorkOrder";
constexpr char kDigest[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string> f = absl::StrSplit(rest, absl::MaxSplits('\n', 4));
  f.resize(5);
  auto field = [&](int i) -> std::optional<std::string> {
    if (flags & (1u << i)) return std::nullopt;
    return f[i];
  };
  server::IdentityMetadata md;
  md.user = field(0);
  md.role = field(1);
  md.unit = field(2);
  md.expiry_ms = field(3);
  md.method_path = kPath;
  md.request_digest = kDigest;
  md.signature = field(4);
  if ((flags & 0x20) && md.user && md.role && md.expiry_ms) {
    md.signature = server::IdentitySignature(kSecret, kPath, kDigest, *md.user, *md.role,
                                             md.unit.value_or(""), *md.expiry_ms);
  }
  absl::StatusOr<hotline::v1::Actor> actor = server::VerifyIdentityMetadata(md, {kSecret}, kNow);
  if (actor.ok()) {
    FUZZ_CHECK(!actor->user_id().empty() && actor->user_id() == *md.user);
    FUZZ_CHECK(actor->role() != hotline::v1::ROLE_UNSPECIFIED);
    FUZZ_CHECK(actor->unit_code() == md.unit.value_or(""));
    FUZZ_CHECK(md.signature == server::IdentitySignature(kSecret, kPath, kDigest, *md.user,
                                                         *md.role, md.unit.value_or(""),
                                                         *md.expiry_ms));
    int64_t ms = 0;
    FUZZ_CHECK(absl::SimpleAtoi(*md.expiry_ms, &ms));
    FUZZ_CHECK(absl::FromUnixMillis(ms) >= kNow &&
               absl::FromUnixMillis(ms) - kNow <= 2 * server::kIdentityMaxAge);
  } else {
    FUZZ_CHECK(actor.status().code() == absl::StatusCode::kUnauthenticated);
  }
  // Without a secret nothing is believed.
  FUZZ_CHECK(!server::VerifyIdentityMetadata(md, {}, kNow).ok());
  return 0;
}
