#include "authz/personal_data.h"

#include "absl/strings/str_cat.h"

namespace hotline::authz {

absl::Status MaySeeCityAddresses(const v1::Actor& actor) {
  if (actor.role() == v1::ROLE_DISPATCHER || actor.role() == v1::ROLE_SUPERVISOR) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("kind: addresses are personal data, for the centre's dispatchers "
                   "and supervisors only (not ",
                   v1::Role_Name(actor.role()), ")"));
}

}  // namespace hotline::authz
