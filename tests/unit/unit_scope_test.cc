// Unit scoping (libs/authz) over the demo city's directory.
#include <catch2/catch.hpp>

#include <string>

#include "authz/unit_scope.h"
#include "directory/directory.h"

namespace hotline::authz {
namespace {

const directory::Directory& Demo() {
  static const directory::Directory d =
      *directory::Directory::LoadDataDir(std::string(HOTLINE_SOURCE_DIR) + "/data");
  return d;
}

v1::Actor Actor(v1::Role role, const std::string& unit) {
  v1::Actor a;
  a.set_user_id("u");
  a.set_role(role);
  a.set_unit_code(unit);
  return a;
}

v1::WorkOrder Order(const std::string& assigned, const std::string& pending = "") {
  v1::WorkOrder o;
  o.set_id("GZ20261201000001");
  o.set_assigned_unit_code(assigned);
  o.set_pending_unit_code(pending);
  return o;
}

TEST_CASE("a unit's subtree: itself and what lies under it, nothing beside or above") {
  CHECK(IsWithin(Demo(), "440106", "440106"));
  CHECK(IsWithin(Demo(), "440106001", "440106"));       // a street of 天河
  CHECK(IsWithin(Demo(), "440106001", "GZ12345"));      // everything is under the centre
  CHECK_FALSE(IsWithin(Demo(), "440106", "440106001"));  // not upwards
  CHECK_FALSE(IsWithin(Demo(), "440104001", "440106"));  // not a street of another district
  CHECK_FALSE(IsWithin(Demo(), "440104", "440106"));
  CHECK_FALSE(IsWithin(Demo(), "NOPE", "440106"));
  CHECK_FALSE(IsWithin(Demo(), "", "440106"));
  CHECK_FALSE(IsWithin(Demo(), "440106", ""));
}

TEST_CASE("a unit handler reaches its units' orders, the centre's roles every order") {
  const v1::Actor tianhe = Actor(v1::ROLE_UNIT_HANDLER, "440106");
  const v1::Actor wushan = Actor(v1::ROLE_UNIT_HANDLER, "440106001");
  CHECK(MayAccessOrder(tianhe, Order("440106"), Demo()));
  CHECK(MayAccessOrder(tianhe, Order("440106001"), Demo()));
  CHECK_FALSE(MayAccessOrder(tianhe, Order("440104"), Demo()));
  CHECK_FALSE(MayAccessOrder(tianhe, Order("440104001"), Demo()));
  CHECK_FALSE(MayAccessOrder(tianhe, Order(""), Demo()));  // not yet dispatched: the centre's
  CHECK_FALSE(MayAccessOrder(wushan, Order("440106"), Demo()));
  // A street asked to take a hand-down sees what it is asked to take.
  CHECK(MayAccessOrder(wushan, Order("440106", "440106001"), Demo()));
  for (v1::Role role : {v1::ROLE_AGENT, v1::ROLE_DISPATCHER, v1::ROLE_SUPERVISOR, v1::ROLE_ADMIN}) {
    CHECK(MayAccessOrder(Actor(role, "GZ12345"), Order("440104"), Demo()));
    CHECK(MayAccessOrder(Actor(role, "GZ12345"), Order(""), Demo()));
  }
  CHECK(MayAccessOrderOf(tianhe, "440106001", Demo()));
  CHECK_FALSE(MayAccessOrderOf(tianhe, "GZD002", Demo()));
}

TEST_CASE("another unit's order is answered word for word as a missing one") {
  absl::Status s = OrderNotFound("GZ20261201000001");
  CHECK(absl::IsNotFound(s));
  CHECK(s.message() == "order GZ20261201000001 not found");
}

TEST_CASE("a unit handler lists one unit of its subtree, others are refused") {
  const v1::Actor tianhe = Actor(v1::ROLE_UNIT_HANDLER, "440106");
  CHECK(*ListingUnit(tianhe, "", "unit_code", Demo()) == "440106");
  CHECK(*ListingUnit(tianhe, "440106001", "unit_code", Demo()) == "440106001");
  absl::StatusOr<std::string> other = ListingUnit(tianhe, "440104", "unit_code", Demo());
  CHECK(absl::IsPermissionDenied(other.status()));
  CHECK(other.status().message().rfind("unit_code: ", 0) == 0);
  // The centre lists as asked, the whole city included.
  CHECK(ListingUnit(Actor(v1::ROLE_DISPATCHER, "GZ12345"), "", "unit_code", Demo())->empty());
  CHECK(*ListingUnit(Actor(v1::ROLE_DISPATCHER, "GZ12345"), "440104", "unit_code", Demo()) ==
        "440104");
}

}  // namespace
}  // namespace hotline::authz
