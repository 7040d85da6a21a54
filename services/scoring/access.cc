#include "scoring/access.h"

#include "absl/strings/str_cat.h"
#include "authz/personal_data.h"

namespace hotline::scoring {

bool IsWithin(const std::string& unit_code, const std::string& root, const directory::Directory& directory) {
  std::string code = unit_code;
  for (int depth = 0; depth < 16 && !code.empty(); ++depth) {
    if (code == root) return true;
    const v1::Unit* u = directory.FindUnit(code);
    if (u == nullptr) return false;
    code = u->parent_code();
  }
  return false;
}

absl::Status CheckMaySee(const std::optional<v1::Actor>& caller, const std::string& unit_code,
                         const directory::Directory& directory) {
  if (!caller) return absl::UnauthenticatedError("no caller identity");
  if (caller->role() != v1::ROLE_UNIT_HANDLER) return absl::OkStatus();
  if (IsWithin(unit_code, caller->unit_code(), directory)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("unit_code: ", unit_code, " is not ", caller->unit_code(), " or one of its sub-units"));
}

absl::Status CheckMaySeeAddresses(const std::optional<v1::Actor>& caller) {
  if (!caller) return absl::UnauthenticatedError("no caller identity");
  return authz::MaySeeCityAddresses(*caller);
}

}  // namespace hotline::scoring
