#include "server/identity.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hotline::server {
namespace {

constexpr char kUserKey[] = "x-hotline-user";
constexpr char kRoleKey[] = "x-hotline-role";
constexpr char kUnitKey[] = "x-hotline-unit";

std::optional<std::string> Metadata(const grpc::ServerContextBase& context, const char* key) {
  const auto& md = context.client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

void AttachIdentity(const v1::Actor& actor, grpc::ClientContext* context) {
  context->AddMetadata(kUserKey, actor.user_id());
  context->AddMetadata(kRoleKey, absl::StrCat(actor.role()));
  context->AddMetadata(kUnitKey, actor.unit_code());
}

std::optional<v1::Actor> IdentityOf(const grpc::ServerContextBase& context) {
  std::optional<std::string> user = Metadata(context, kUserKey);
  std::optional<std::string> role = Metadata(context, kRoleKey);
  int role_number = 0;
  if (!user || user->empty() || !role || !absl::SimpleAtoi(*role, &role_number) ||
      !v1::Role_IsValid(role_number) || role_number == v1::ROLE_UNSPECIFIED) {
    return std::nullopt;
  }
  v1::Actor actor;
  actor.set_user_id(*user);
  actor.set_role(static_cast<v1::Role>(role_number));
  actor.set_unit_code(Metadata(context, kUnitKey).value_or(""));
  return actor;
}

}  // namespace hotline::server
