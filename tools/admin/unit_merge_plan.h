#pragma once
// Pure planning of `hotline-admin units merge OLD NEW` (unit_merge.h): the
// units version that retires OLD into NEW, and what a merge does to one order.
// No I/O; thread-safe.
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hotline/v1/directory.pb.h"
#include "hotline/v1/dispatch.pb.h"

namespace hotline::admin {

struct UnitsMergePlan {
  // The units in force with OLD marked retired, merged_into NEW (when
  // already_retired, the units in force unchanged).
  v1::UnitDirectory next;
  // OLD is retired into NEW already: an earlier run wrote the units version
  // (and may have crashed before moving every order); only orders move.
  bool already_retired = false;
  // Two districts or departments: OLD's streets or sub-units (codes), each
  // moved under NEW in `next`.
  std::vector<std::string> reparented;
};

// INVALID_ARGUMENT naming the argument when OLD or NEW is unknown, the same
// unit, the centre, or of different kinds; FAILED_PRECONDITION when NEW is
// retired, OLD is retired into another unit, or OLD (not a district or
// department) still has active units under it (merge or move them first).
// A district's streets and a department's sub-units move under NEW with it
// (`reparented`).
absl::StatusOr<UnitsMergePlan> PlanUnitsMerge(const v1::UnitDirectory& in_force,
                                              const std::string& old_code,
                                              const std::string& new_code);

// Districts and departments merge with the units under them (CarriesUnits);
// streets and sub-units have none.
bool CarriesUnits(v1::UnitKind kind);

// `units merge --repoint_catalogue`: every rule of `catalogue` sending a
// matter to OLD sends it to NEW instead (its note says so); how many rules
// changed (0: none named OLD, the catalogue is as it was).
int RepointCatalogue(v1::DispatchCatalogue* catalogue, const std::string& old_code,
                     const std::string& new_code);

// The fields of an order that say where it is (as stored; states by number).
struct OrderPlace {
  int state = 0;  // hotline.v1.OrderState
  std::string unit;
  std::string pending_unit;
  std::string handed_down_by;
  std::string district;  // location.district_code: where the matter is
};

// What the merge changes on one order: each field that named OLD names NEW.
struct OrderMove {
  bool unit = false;            // held by OLD: moves to NEW's queue
  bool pending_unit = false;    // a hand-down to OLD awaits the centre
  bool handed_down_by = false;  // handed down by OLD: a hand-up goes to NEW
  // Located in OLD (a district): counted under NEW from now on (idx:district,
  // and sla's and scoring's per-district counts as they follow the event).
  bool district = false;
};

// nullopt when the merge leaves the order alone: it is closed, archived or
// a linked duplicate (its records stay OLD's, as they were written), or no
// field of it names OLD (already moved: a re-run changes nothing).
std::optional<OrderMove> PlanOrderMove(const OrderPlace& order, const std::string& old_code);

}  // namespace hotline::admin
