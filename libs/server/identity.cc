#include "server/identity.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message_lite.h>
#include <openssl/crypto.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "crypto/digest.h"

namespace hotline::server {
namespace {

constexpr char kUserKey[] = "x-hotline-user";
constexpr char kRoleKey[] = "x-hotline-role";
constexpr char kUnitKey[] = "x-hotline-unit";
constexpr char kExpiryKey[] = "x-hotline-exp";
constexpr char kSigKey[] = "x-hotline-sig";
// Where IdentityMethodInterceptor puts the call's path among the client
// metadata. gRPC never hands pseudo-headers to the application and refuses
// custom keys that start with ':', so no caller can set this one.
constexpr char kMethodKey[] = ":path";

absl::Mutex secret_mu;
std::vector<std::string>* identity_secrets ABSL_GUARDED_BY(secret_mu) = nullptr;

std::vector<std::string> Secrets() {
  absl::ReaderMutexLock lock(&secret_mu);
  return identity_secrets == nullptr ? std::vector<std::string>() : *identity_secrets;
}

std::optional<std::string> Metadata(const grpc::ServerContextBase& context, const char* key) {
  const auto& md = context.client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

bool SameHex(const std::string& a, const std::string& b) {
  // Empty is what a failed digest answers: it never matches, not even itself.
  return !a.empty() && a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Replaces whatever the client metadata holds under kMethodKey by the path
// gRPC routed the call by. The map is the one client_metadata() returns.
class IdentityMethodInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit IdentityMethodInterceptor(const char* method) : method_(method) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* batch) override {
    if (batch->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* md = batch->GetRecvInitialMetadata();
      if (md != nullptr) {
        md->erase(kMethodKey);
        // Both strings outlive the call: a literal and the registered
        // method's name.
        if (method_ != nullptr) md->emplace(kMethodKey, method_);
      }
    }
    batch->Proceed();
  }

 private:
  const char* method_;
};

class IdentityMethodFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new IdentityMethodInterceptor(info->method());
  }
};

}  // namespace

std::string IdentitySignature(const std::string& secret, absl::string_view method_path,
                              absl::string_view request_digest, const std::string& user,
                              const std::string& role, const std::string& unit,
                              const std::string& expiry_ms) {
  // Length-prefixed, so no two field lists sign the same bytes; "v2" so no
  // signature of the old (path-less) scheme verifies under this one.
  const std::string message =
      absl::StrCat("v2", method_path.size(), ":", method_path, request_digest.size(), ":",
                   request_digest, user.size(), ":", user, role.size(), ":", role, unit.size(),
                   ":", unit, expiry_ms);
  return absl::BytesToHexString(crypto::HmacSha256(secret, message));
}

std::string RequestDigest(const google::protobuf::MessageLite& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    request.SerializePartialToCodedStream(&out);
  }
  return absl::BytesToHexString(crypto::Sha256(bytes));
}

absl::StatusOr<std::vector<std::string>> ReadIdentitySecrets(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read the identity secret"));
  std::stringstream content;
  content << in.rdbuf();
  std::vector<std::string> secrets;
  for (absl::string_view line : absl::StrSplit(content.str(), '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (line.size() < kMinIdentitySecretBytes) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": identity secret shorter than ",
                                                     kMinIdentitySecretBytes, " bytes"));
    }
    secrets.emplace_back(line);
  }
  if (secrets.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no identity secret"));
  return secrets;
}

absl::Status SetIdentitySecrets(std::vector<std::string> secrets) {
  if (secrets.empty()) return absl::InvalidArgumentError("no identity secret");
  for (const std::string& secret : secrets) {
    if (secret.size() < kMinIdentitySecretBytes) {
      return absl::InvalidArgumentError(absl::StrCat("identity secret shorter than ",
                                                     kMinIdentitySecretBytes, " bytes"));
    }
  }
  absl::MutexLock lock(&secret_mu);
  delete identity_secrets;
  identity_secrets = new std::vector<std::string>(std::move(secrets));
  return absl::OkStatus();
}

absl::Status SetIdentitySecret(std::string secret) {
  return SetIdentitySecrets({std::move(secret)});
}

absl::Status LoadIdentitySecret(const std::string& path) {
  absl::StatusOr<std::vector<std::string>> secrets = ReadIdentitySecrets(path);
  if (!secrets.ok()) return secrets.status();
  return SetIdentitySecrets(*std::move(secrets));
}

void AttachIdentityWithDigest(const v1::Actor& actor, const std::string& secret,
                              absl::string_view method_path, absl::string_view request_digest,
                              grpc::ClientContext* context, absl::Time now) {
  const std::string role = absl::StrCat(actor.role());
  const std::string expiry = absl::StrCat(absl::ToUnixMillis(now + kIdentityMaxAge));
  context->AddMetadata(kUserKey, actor.user_id());
  context->AddMetadata(kRoleKey, role);
  context->AddMetadata(kUnitKey, actor.unit_code());
  context->AddMetadata(kExpiryKey, expiry);
  if (!secret.empty()) {
    context->AddMetadata(kSigKey, IdentitySignature(secret, method_path, request_digest,
                                                    actor.user_id(), role, actor.unit_code(),
                                                    expiry));
  }
}

void AttachIdentity(const v1::Actor& actor, const std::string& secret,
                    absl::string_view method_path, const google::protobuf::MessageLite& request,
                    grpc::ClientContext* context) {
  AttachIdentityWithDigest(actor, secret, method_path, RequestDigest(request), context);
}

absl::StatusOr<v1::Actor> VerifyIdentityMetadata(const IdentityMetadata& md,
                                                 const std::vector<std::string>& secrets,
                                                 absl::Time now) {
  if (secrets.empty()) {
    return absl::UnauthenticatedError("this service has no identity secret to verify callers");
  }
  const std::optional<std::string>& user = md.user;
  const std::optional<std::string>& role = md.role;
  if (!user || user->empty() || !role) {
    return absl::UnauthenticatedError("no caller identity: call through the gateway");
  }
  const std::optional<std::string>& expiry = md.expiry_ms;
  const std::optional<std::string>& sig = md.signature;
  if (!expiry || !sig) return absl::UnauthenticatedError("caller identity is not signed");
  if (md.method_path.empty()) {
    return absl::UnauthenticatedError("the call's method is unknown, so no identity verifies");
  }
  const std::string unit = md.unit.value_or("");
  bool verified = false;
  for (const std::string& secret : secrets) {
    if (SameHex(*sig, IdentitySignature(secret, md.method_path, md.request_digest, *user, *role,
                                        unit, *expiry))) {
      verified = true;
      break;
    }
  }
  if (!verified) {
    return absl::UnauthenticatedError(absl::StrCat(
        "caller identity signature does not verify: it was signed for another backend, another "
        "method or another request than this call of ",
        md.method_path, ", or by someone without the secret"));
  }
  int64_t millis = 0;
  if (!absl::SimpleAtoi(*expiry, &millis)) {
    return absl::UnauthenticatedError("caller identity has no readable expiry");
  }
  const absl::Time expires = absl::FromUnixMillis(millis);
  // A backend whose clock is up to kIdentityMaxAge behind the gateway's still
  // believes a fresh identity; one that claims more life than that is refused.
  if (now > expires || expires - now > 2 * kIdentityMaxAge) {
    return absl::UnauthenticatedError("caller identity is stale (expired, or expiring implausibly late)");
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
                                               const google::protobuf::MessageLite& request,
                                               absl::Time now) {
  IdentityMetadata md;
  md.user = Metadata(context, kUserKey);
  md.role = Metadata(context, kRoleKey);
  md.unit = Metadata(context, kUnitKey);
  md.expiry_ms = Metadata(context, kExpiryKey);
  md.signature = Metadata(context, kSigKey);
  md.method_path = Metadata(context, kMethodKey).value_or("");
  // Only when there is a signature to check: the digest is the costly part.
  if (md.signature) md.request_digest = RequestDigest(request);
  return VerifyIdentityMetadata(md, Secrets(), now);
}

absl::StatusOr<v1::Actor> VerifiedIdentity(const grpc::ServerContextBase& context,
                                           const google::protobuf::MessageLite& request,
                                           absl::Time now) {
  absl::StatusOr<v1::Actor> actor = VerifiedScreenReader(context, request, now);
  if (actor.ok() && actor->role() == v1::ROLE_SCREEN) {
    return absl::PermissionDeniedError(
        "ROLE_SCREEN is the wall screen's identity: it reads the screen and nothing else");
  }
  return actor;
}

grpc::ServerUnaryReactor* RefuseUnverified(grpc::CallbackServerContext* context,
                                           const google::protobuf::MessageLite& request,
                                           std::optional<v1::Actor>* caller) {
  absl::StatusOr<v1::Actor> actor = VerifiedIdentity(*context, request);
  if (actor.ok()) {
    if (caller != nullptr) *caller = *std::move(actor);
    return nullptr;
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const grpc::StatusCode code = absl::IsPermissionDenied(actor.status())
                                    ? grpc::StatusCode::PERMISSION_DENIED
                                    : grpc::StatusCode::UNAUTHENTICATED;
  reactor->Finish(grpc::Status(code, std::string(actor.status().message())));
  return reactor;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeIdentityMethodInterceptor() {
  return std::make_unique<IdentityMethodFactory>();
}

}  // namespace hotline::server
