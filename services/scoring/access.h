#pragma once
// Who may see which unit's assessment: authorization by data (layer 2; the
// gateway's route table is layer 1, by method and role). A unit handler sees
// its own unit and the units under it; every other role is the centre's staff
// and sees all. No identity: nothing.
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "directory/directory.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::scoring {

// OK, or PERMISSION_DENIED (UNAUTHENTICATED without an identity) naming the unit.
absl::Status CheckMaySee(const std::optional<v1::Actor>& caller, const std::string& unit_code,
                         const directory::Directory& directory);

// The month's shared addresses (HOT_KIND_ADDRESSES): authz::MaySeeCityAddresses
// (libs/authz/personal_data.h); UNAUTHENTICATED without an identity.
absl::Status CheckMaySeeAddresses(const std::optional<v1::Actor>& caller);

// Whether `unit_code` is `root` or lies under it in the unit tree.
bool IsWithin(const std::string& unit_code, const std::string& root, const directory::Directory& directory);

}  // namespace hotline::scoring
