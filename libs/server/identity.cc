#include "server/identity.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"

namespace hotline::server {
namespace {

constexpr char kUserKey[] = "x-hotline-user";
constexpr char kRoleKey[] = "x-hotline-role";
constexpr char kUnitKey[] = "x-hotline-unit";
constexpr char kTimeKey[] = "x-hotline-ts";
constexpr char kSigKey[] = "x-hotline-sig";

absl::Mutex secret_mu;
std::string* identity_secret ABSL_GUARDED_BY(secret_mu) = nullptr;

std::string Secret() {
  absl::ReaderMutexLock lock(&secret_mu);
  return identity_secret == nullptr ? "" : *identity_secret;
}

std::optional<std::string> Metadata(const grpc::ServerContextBase& context, const char* key) {
  const auto& md = context.client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

std::string IdentitySignature(const std::string& secret, const std::string& user,
                              const std::string& role, const std::string& unit,
                              const std::string& timestamp_ms) {
  // Length-prefixed, so no two field lists sign the same bytes.
  const std::string message = absl::StrCat(user.size(), ":", user, role.size(), ":", role,
                                           unit.size(), ":", unit, timestamp_ms);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_len);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

absl::Status SetIdentitySecret(std::string secret) {
  if (secret.size() < kMinIdentitySecretBytes) {
    return absl::InvalidArgumentError(absl::StrCat("identity secret shorter than ",
                                                   kMinIdentitySecretBytes, " bytes"));
  }
  absl::MutexLock lock(&secret_mu);
  delete identity_secret;
  identity_secret = new std::string(std::move(secret));
  return absl::OkStatus();
}

absl::Status LoadIdentitySecret(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read the identity secret"));
  std::stringstream content;
  content << in.rdbuf();
  absl::Status s = SetIdentitySecret(std::string(absl::StripAsciiWhitespace(content.str())));
  if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
  return absl::OkStatus();
}

void AttachIdentity(const v1::Actor& actor, grpc::ClientContext* context) {
  const std::string role = absl::StrCat(actor.role());
  const std::string ts = absl::StrCat(absl::ToUnixMillis(absl::Now()));
  context->AddMetadata(kUserKey, actor.user_id());
  context->AddMetadata(kRoleKey, role);
  context->AddMetadata(kUnitKey, actor.unit_code());
  context->AddMetadata(kTimeKey, ts);
  const std::string secret = Secret();
  if (!secret.empty()) {
    context->AddMetadata(kSigKey,
                         IdentitySignature(secret, actor.user_id(), role, actor.unit_code(), ts));
  }
}

absl::StatusOr<v1::Actor> VerifyIdentityMetadata(const IdentityMetadata& md,
                                                 const std::string& secret, absl::Time now) {
  if (secret.empty()) {
    return absl::UnauthenticatedError("this service has no identity secret to verify callers");
  }
  const std::optional<std::string>& user = md.user;
  const std::optional<std::string>& role = md.role;
  if (!user || user->empty() || !role) {
    return absl::UnauthenticatedError("no caller identity: call through the gateway");
  }
  const std::optional<std::string>& ts = md.timestamp_ms;
  const std::optional<std::string>& sig = md.signature;
  if (!ts || !sig) return absl::UnauthenticatedError("caller identity is not signed");
  const std::string unit = md.unit.value_or("");
  const std::string expected = IdentitySignature(secret, *user, *role, unit, *ts);
  if (sig->size() != expected.size() ||
      CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) != 0) {
    return absl::UnauthenticatedError("caller identity signature does not verify");
  }
  int64_t millis = 0;
  if (!absl::SimpleAtoi(*ts, &millis) ||
      absl::AbsDuration(now - absl::FromUnixMillis(millis)) > kIdentityMaxAge) {
    return absl::UnauthenticatedError("caller identity is stale (signed over a minute away)");
  }
  int role_number = 0;
  if (!absl::SimpleAtoi(*role, &role_number) || !v1::Role_IsValid(role_number) ||
      role_number == v1::ROLE_UNSPECIFIED) {
    return absl::UnauthenticatedError("caller identity has no known role");
  }
  v1::Actor actor;
  actor.set_user_id(*user);
  actor.set_role(static_cast<v1::Role>(role_number));
  actor.set_unit_code(unit);
  return actor;
}

absl::StatusOr<v1::Actor> VerifiedScreenReader(const grpc::ServerContextBase& context,
                                               absl::Time now) {
  IdentityMetadata md;
  md.user = Metadata(context, kUserKey);
  md.role = Metadata(context, kRoleKey);
  md.unit = Metadata(context, kUnitKey);
  md.timestamp_ms = Metadata(context, kTimeKey);
  md.signature = Metadata(context, kSigKey);
  return VerifyIdentityMetadata(md, Secret(), now);
}

absl::StatusOr<v1::Actor> VerifiedIdentity(const grpc::ServerContextBase& context,
                                           absl::Time now) {
  absl::StatusOr<v1::Actor> actor = VerifiedScreenReader(context, now);
  if (actor.ok() && actor->role() == v1::ROLE_SCREEN) {
    return absl::PermissionDeniedError(
        "ROLE_SCREEN is the wall screen's identity: it reads the screen and nothing else");
  }
  return actor;
}

std::optional<v1::Actor> IdentityOf(const grpc::ServerContextBase& context) {
  absl::StatusOr<v1::Actor> actor = VerifiedIdentity(context);
  if (!actor.ok()) return std::nullopt;
  return *std::move(actor);
}

grpc::ServerUnaryReactor* RefuseUnverified(grpc::CallbackServerContext* context) {
  absl::StatusOr<v1::Actor> actor = VerifiedIdentity(*context);
  if (actor.ok()) return nullptr;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const grpc::StatusCode code = absl::IsPermissionDenied(actor.status())
                                    ? grpc::StatusCode::PERMISSION_DENIED
                                    : grpc::StatusCode::UNAUTHENTICATED;
  reactor->Finish(grpc::Status(code, std::string(actor.status().message())));
  return reactor;
}

}  // namespace hotline::server
