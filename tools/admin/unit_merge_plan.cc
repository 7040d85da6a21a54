#include "admin/unit_merge_plan.h"

#include "absl/strings/str_cat.h"
#include "hotline/v1/work_order.pb.h"

namespace hotline::admin {

bool CarriesUnits(v1::UnitKind kind) {
  return kind == v1::UNIT_KIND_DISTRICT || kind == v1::UNIT_KIND_DEPARTMENT;
}

absl::StatusOr<UnitsMergePlan> PlanUnitsMerge(const v1::UnitDirectory& in_force,
                                              const std::string& old_code,
                                              const std::string& new_code) {
  const v1::Unit* old_unit = nullptr;
  const v1::Unit* new_unit = nullptr;
  int old_index = -1;
  for (int i = 0; i < in_force.units_size(); ++i) {
    const v1::Unit& u = in_force.units(i);
    if (u.code() == old_code) {
      old_unit = &u;
      old_index = i;
    }
    if (u.code() == new_code) new_unit = &u;
  }
  if (old_unit == nullptr) return absl::InvalidArgumentError(absl::StrCat("OLD: unknown unit \"", old_code, "\""));
  if (new_unit == nullptr) return absl::InvalidArgumentError(absl::StrCat("NEW: unknown unit \"", new_code, "\""));
  if (old_code == new_code) return absl::InvalidArgumentError("NEW: a unit cannot merge into itself");
  if (old_unit->kind() == v1::UNIT_KIND_CENTRE || new_unit->kind() == v1::UNIT_KIND_CENTRE) {
    return absl::InvalidArgumentError("OLD, NEW: the centre does not merge");
  }
  // A street into a street, a department into a department: the levels of
  // government (and who may hand down to whom) stay as they were.
  if (old_unit->kind() != new_unit->kind()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "NEW: \"", new_code, "\" is a ", v1::UnitKind_Name(new_unit->kind()), ", \"", old_code,
        "\" a ", v1::UnitKind_Name(old_unit->kind()), "; only units of one kind merge"));
  }
  if (new_unit->retired()) {
    return absl::FailedPreconditionError(absl::StrCat("NEW: unit ", new_code, " is retired"));
  }
  UnitsMergePlan plan;
  plan.next = in_force;
  if (old_unit->retired()) {
    if (old_unit->merged_into() != new_code) {
      return absl::FailedPreconditionError(absl::StrCat(
          "OLD: unit ", old_code, " is retired already",
          old_unit->merged_into().empty() ? "" : absl::StrCat(" (merged into ", old_unit->merged_into(), ")")));
    }
    plan.already_retired = true;
    return plan;
  }
  // Two districts merge with their streets, two departments with their
  // sub-units: each (retired ones too, so OLD keeps nothing under it) moves
  // under NEW, keeping its code. Scoring keeps its past facts in OLD (each
  // fact records the units above it as first counted: scoring/aggregates.h
  // RecordUnitsAbove).
  const bool carries_units = CarriesUnits(old_unit->kind());
  for (int i = 0; i < in_force.units_size(); ++i) {
    const v1::Unit& u = in_force.units(i);
    if (u.parent_code() != old_code) continue;
    if (carries_units) {
      plan.next.mutable_units(i)->set_parent_code(new_code);
      plan.reparented.push_back(u.code());
    } else if (!u.retired()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "OLD: unit ", old_code, " still has ", u.code(), " (", u.name(),
          ") under it; merge or move its units first"));
    }
  }
  v1::Unit* retired = plan.next.mutable_units(old_index);
  retired->set_retired(true);
  retired->set_merged_into(new_code);
  return plan;
}

int RepointCatalogue(v1::DispatchCatalogue* catalogue, const std::string& old_code,
                     const std::string& new_code) {
  int changed = 0;
  for (v1::DispatchRule& rule : *catalogue->mutable_rules()) {
    if (rule.target_case() != v1::DispatchRule::kUnitCode || rule.unit_code() != old_code) continue;
    rule.set_unit_code(new_code);
    rule.set_note(rule.note().empty() ? absl::StrCat("was ", old_code, " (merged)")
                                      : absl::StrCat(rule.note(), "; was ", old_code, " (merged)"));
    ++changed;
  }
  return changed;
}

std::optional<OrderMove> PlanOrderMove(const OrderPlace& order, const std::string& old_code) {
  switch (order.state) {
    case v1::ORDER_STATE_CLOSED:
    case v1::ORDER_STATE_ARCHIVED:
    case v1::ORDER_STATE_MERGED:
    case v1::ORDER_STATE_UNSPECIFIED:
      return std::nullopt;
    default:
      break;
  }
  OrderMove move{.unit = order.unit == old_code,
                 .pending_unit = order.pending_unit == old_code,
                 .handed_down_by = order.handed_down_by == old_code,
                 .district = order.district == old_code};
  if (!move.unit && !move.pending_unit && !move.handed_down_by && !move.district) return std::nullopt;
  return move;
}

}  // namespace hotline::admin
