#include "authz/unit_scope.h"

#include "absl/strings/str_cat.h"

namespace hotline::authz {
namespace {
// The directory's tree is a few levels deep (centre, district, street); the
// bound only guards against a cycle, which Directory::Build refuses anyway.
constexpr int kMaxDepth = 16;
}  // namespace

bool IsUnitScoped(const v1::Actor& actor) { return actor.role() == v1::ROLE_UNIT_HANDLER; }

bool IsWithin(const directory::Directory& directory, absl::string_view unit_code,
              absl::string_view ancestor_code) {
  if (unit_code.empty() || ancestor_code.empty()) return false;
  const v1::Unit* unit = directory.FindUnit(unit_code);
  for (int depth = 0; unit != nullptr && depth < kMaxDepth; ++depth) {
    if (unit->code() == ancestor_code) return true;
    if (unit->parent_code().empty()) return false;
    unit = directory.FindUnit(unit->parent_code());
  }
  return false;
}

bool MayAccessOrderOf(const v1::Actor& actor, absl::string_view unit_code,
                      const directory::Directory& directory) {
  if (!IsUnitScoped(actor)) return true;
  return IsWithin(directory, unit_code, actor.unit_code());
}

bool MayAccessOrder(const v1::Actor& actor, const v1::WorkOrder& order,
                    const directory::Directory& directory) {
  if (!IsUnitScoped(actor)) return true;
  return IsWithin(directory, order.assigned_unit_code(), actor.unit_code()) ||
         IsWithin(directory, order.pending_unit_code(), actor.unit_code());
}

absl::Status OrderNotFound(absl::string_view order_id) {
  // Must stay identical to RedisOrderStore's NOT_FOUND (libs/orders).
  return absl::NotFoundError(absl::StrCat("order ", order_id, " not found"));
}

absl::StatusOr<std::string> ListingUnit(const v1::Actor& actor, absl::string_view requested,
                                        absl::string_view field,
                                        const directory::Directory& directory) {
  if (!IsUnitScoped(actor)) return std::string(requested);
  if (requested.empty()) return actor.unit_code();
  if (IsWithin(directory, requested, actor.unit_code())) return std::string(requested);
  return absl::PermissionDeniedError(absl::StrCat(field, ": a handler of ", actor.unit_code(),
                                                  " may list only its own unit and the units "
                                                  "under it, not ",
                                                  requested));
}

}  // namespace hotline::authz
