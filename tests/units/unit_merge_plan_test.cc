// Issue 22 item 2, pure parts: retiring a unit in the directory (validated),
// the refusal to send orders to a retired unit (dispatch's state machine,
// the catalogue), and the planning of `hotline-admin units merge`.
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "admin/unit_merge_plan.h"
#include "config/text_proto.h"
#include "directory/directory.h"
#include "dispatch/catalogue.h"
#include "dispatch/state_machine.h"
#include "intake/validation.h"
#include "sla/monitor.h"

namespace hotline {
namespace {

const std::string kData = HOTLINE_SOURCE_DIR "/data";
constexpr char kOld[] = "440106001";  // 五山街道
constexpr char kNew[] = "440106002";  // another street of 天河区

v1::UnitDirectory SeedUnits() {
  v1::UnitDirectory units;
  REQUIRE(config::ReadTextProto(kData + "/units.textproto", &units).ok());
  return units;
}

v1::CategoryList SeedCategories() {
  v1::CategoryList categories;
  REQUIRE(config::ReadTextProto(kData + "/categories.textproto", &categories).ok());
  return categories;
}

v1::Unit* Find(v1::UnitDirectory& units, const std::string& code) {
  for (v1::Unit& u : *units.mutable_units()) {
    if (u.code() == code) return &u;
  }
  FAIL("no unit " << code);
  return nullptr;
}

directory::Directory Build(v1::UnitDirectory units) {
  absl::StatusOr<directory::Directory> d = directory::Directory::Build(std::move(units), SeedCategories());
  INFO(d.status().ToString());
  REQUIRE(d.ok());
  return std::move(*d);
}

// A valid complaint located in `district` (and `street`, if any).
v1::CreateWorkOrderRequest Complaint(const std::string& district, const std::string& street) {
  v1::CreateWorkOrderRequest r;
  r.set_type(v1::ORDER_TYPE_COMPLAINT);
  r.set_channel(v1::CHANNEL_PHONE);
  r.mutable_caller()->set_name("张先生");
  r.mutable_caller()->set_phone("13812345678");
  r.mutable_location()->set_district_code(district);
  r.mutable_location()->set_street_code(street);
  r.mutable_location()->set_address("五山路某小区3栋");
  r.set_category_code("0101");
  r.set_content("夜间施工噪声扰民");
  return r;
}

TEST_CASE("merge plan: OLD retired into NEW, everything else as it was") {
  const v1::UnitDirectory units = SeedUnits();
  absl::StatusOr<admin::UnitsMergePlan> plan = admin::PlanUnitsMerge(units, kOld, kNew);
  REQUIRE(plan.ok());
  CHECK_FALSE(plan->already_retired);
  REQUIRE(plan->next.units_size() == units.units_size());
  int changed = 0;
  for (int i = 0; i < units.units_size(); ++i) {
    if (plan->next.units(i).SerializeAsString() != units.units(i).SerializeAsString()) {
      ++changed;
      CHECK(plan->next.units(i).code() == kOld);
      CHECK(plan->next.units(i).retired());
      CHECK(plan->next.units(i).merged_into() == kNew);
      CHECK(plan->next.units(i).name() == units.units(i).name());  // the code and name stay
    }
  }
  CHECK(changed == 1);
  Build(plan->next);  // a valid directory

  SECTION("a re-run finds it done and changes no unit") {
    absl::StatusOr<admin::UnitsMergePlan> again = admin::PlanUnitsMerge(plan->next, kOld, kNew);
    REQUIRE(again.ok());
    CHECK(again->already_retired);
    CHECK(again->next.SerializeAsString() == plan->next.SerializeAsString());
  }
  SECTION("OLD retired into another unit is refused") {
    absl::StatusOr<admin::UnitsMergePlan> other = admin::PlanUnitsMerge(plan->next, kOld, "440106003");
    CHECK(absl::IsFailedPrecondition(other.status()));
    CHECK(absl::StrContains(other.status().message(), "merged into 440106002"));
  }
  SECTION("nothing merges into a retired unit") {
    absl::StatusOr<admin::UnitsMergePlan> into = admin::PlanUnitsMerge(plan->next, "440106003", kOld);
    CHECK(absl::IsFailedPrecondition(into.status()));
    CHECK(absl::StrContains(into.status().message(), "NEW: unit 440106001 is retired"));
  }
}

TEST_CASE("merge plan refusals name the argument") {
  const v1::UnitDirectory units = SeedUnits();
  auto message = [&](const std::string& a, const std::string& b) {
    absl::StatusOr<admin::UnitsMergePlan> plan = admin::PlanUnitsMerge(units, a, b);
    REQUIRE_FALSE(plan.ok());
    return std::string(plan.status().message());
  };
  CHECK(absl::StartsWith(message("999999", kNew), "OLD: unknown unit \"999999\""));
  CHECK(absl::StartsWith(message(kOld, "999999"), "NEW: unknown unit \"999999\""));
  CHECK(absl::StartsWith(message(kOld, kOld), "NEW: a unit cannot merge into itself"));
  CHECK(absl::StrContains(message(kOld, "440106"), "only units of one kind merge"));
  CHECK(absl::StrContains(message("GZ12345", "440106"), "the centre does not merge"));
  CHECK(absl::StrContains(message("440104", "440106001"), "NEW: \"440106001\" is a UNIT_KIND_STREET"));
}

TEST_CASE("two districts merge: OLD's streets move under NEW, keeping their codes") {
  const v1::UnitDirectory units = SeedUnits();
  absl::StatusOr<admin::UnitsMergePlan> plan = admin::PlanUnitsMerge(units, "440104", "440106");
  REQUIRE(plan.ok());
  CHECK_FALSE(plan->already_retired);
  std::vector<std::string> streets;
  for (const v1::Unit& u : units.units()) {
    if (u.parent_code() == "440104") streets.push_back(u.code());
  }
  REQUIRE(streets.size() >= 2);
  CHECK(plan->reparented == streets);
  for (const v1::Unit& u : plan->next.units()) {
    INFO(u.code());
    CHECK(u.parent_code() != "440104");  // nothing left under OLD
    if (u.code() == "440104") {
      CHECK(u.retired());
      CHECK(u.merged_into() == "440106");
    }
  }
  Build(plan->next);  // a valid directory: the streets' new parent is a district
  // A re-run finds it done: the streets are NEW's already.
  absl::StatusOr<admin::UnitsMergePlan> again = admin::PlanUnitsMerge(plan->next, "440104", "440106");
  REQUIRE(again.ok());
  CHECK(again->already_retired);
  CHECK(again->reparented.empty());
}

TEST_CASE("two departments merge: OLD's sub-units move under NEW, keeping their codes") {
  const v1::UnitDirectory units = SeedUnits();
  absl::StatusOr<admin::UnitsMergePlan> plan = admin::PlanUnitsMerge(units, "GZD001", "GZD002");
  REQUIRE(plan.ok());
  CHECK(plan->reparented == std::vector<std::string>{"GZD001-01", "GZD001-02"});
  for (const v1::Unit& u : plan->next.units()) {
    INFO(u.code());
    CHECK(u.parent_code() != "GZD001");
    if (u.code() == "GZD001-01") CHECK(u.parent_code() == "GZD002");
    if (u.code() == "GZD001") CHECK((u.retired() && u.merged_into() == "GZD002"));
  }
  const directory::Directory dir = Build(plan->next);  // valid: a sub-unit under a department
  CHECK(dir.ActiveSuccessor("GZD001")->code() == "GZD002");
  CHECK(dir.CheckTakesOrders("GZD001-01", "unit_code").ok());
  absl::StatusOr<admin::UnitsMergePlan> again = admin::PlanUnitsMerge(plan->next, "GZD001", "GZD002");
  REQUIRE(again.ok());
  CHECK(again->already_retired);
  // Only districts and departments have units under them to take along.
  CHECK(admin::CarriesUnits(v1::UNIT_KIND_DEPARTMENT));
  CHECK(admin::CarriesUnits(v1::UNIT_KIND_DISTRICT));
  CHECK_FALSE(admin::CarriesUnits(v1::UNIT_KIND_STREET));
  CHECK_FALSE(admin::CarriesUnits(v1::UNIT_KIND_SUB_UNIT));
}

TEST_CASE("merge plan per order: only open orders naming OLD move") {
  using admin::OrderPlace;
  auto plan = [](int state, std::string unit, std::string pending = "", std::string handed = "") {
    return admin::PlanOrderMove(OrderPlace{state, unit, pending, handed, ""}, kOld);
  };
  std::optional<admin::OrderMove> held = plan(v1::ORDER_STATE_DISPATCHED, kOld);
  REQUIRE(held);
  CHECK(held->unit);
  CHECK_FALSE(held->pending_unit);
  std::optional<admin::OrderMove> pending = plan(v1::ORDER_STATE_HAND_DOWN_REQUESTED, "440106", kOld);
  REQUIRE(pending);
  CHECK_FALSE(pending->unit);
  CHECK(pending->pending_unit);
  std::optional<admin::OrderMove> handed = plan(v1::ORDER_STATE_SIGNED, "440106001001", "", kOld);
  REQUIRE(handed);
  CHECK(handed->handed_down_by);
  // Records stay as written: closed, archived and duplicates are not moved.
  CHECK_FALSE(plan(v1::ORDER_STATE_CLOSED, kOld));
  CHECK_FALSE(plan(v1::ORDER_STATE_ARCHIVED, kOld));
  CHECK_FALSE(plan(v1::ORDER_STATE_MERGED, kOld));
  // Already moved, or never OLD's: a re-run changes nothing.
  CHECK_FALSE(plan(v1::ORDER_STATE_SIGNED, kNew));
}

TEST_CASE("merge plan per order: an open order located in OLD (a district) is located in NEW, whoever holds it") {
  using admin::OrderPlace;
  auto plan = [](int state, std::string unit, std::string district) {
    return admin::PlanOrderMove(OrderPlace{state, unit, "", "", district}, "440104");
  };
  // Held by a department, located in OLD: only its district moves.
  std::optional<admin::OrderMove> elsewhere = plan(v1::ORDER_STATE_DISPATCHED, "GZD004", "440104");
  REQUIRE(elsewhere);
  CHECK(elsewhere->district);
  CHECK_FALSE(elsewhere->unit);
  // Not yet dispatched (held by nobody).
  std::optional<admin::OrderMove> created = plan(v1::ORDER_STATE_CREATED, "", "440104");
  REQUIRE(created);
  CHECK(created->district);
  // Held by OLD and located there: both.
  std::optional<admin::OrderMove> both = plan(v1::ORDER_STATE_SIGNED, "440104", "440104");
  REQUIRE(both);
  CHECK((both->unit && both->district));
  // Closed orders stay located where they were; moved ones are not moved again.
  CHECK_FALSE(plan(v1::ORDER_STATE_CLOSED, "440104001", "440104"));
  CHECK_FALSE(plan(v1::ORDER_STATE_DISPATCHED, "GZD004", "440106"));
}

TEST_CASE("intake takes no new order located in a district merged away, and names its successor") {
  absl::StatusOr<admin::UnitsMergePlan> merged = admin::PlanUnitsMerge(SeedUnits(), "440104", "440106");
  REQUIRE(merged.ok());
  const directory::Directory dir = Build(merged->next);
  v1::CreateWorkOrderRequest r = Complaint("440104", "");
  std::optional<intake::FieldError> refused = intake::ValidateCreate(r, dir);
  REQUIRE(refused);
  CHECK(refused->field == "location.district_code");
  CHECK(absl::StrContains(refused->message, "\"440104\" (越秀区) is retired; it was merged into \"440106\""));
  // Its streets are NEW's now: located in NEW, they are taken.
  r.mutable_location()->set_district_code("440106");
  r.mutable_location()->set_street_code("440104001");
  std::optional<intake::FieldError> ok = intake::ValidateCreate(r, dir);
  INFO((ok ? ok->field + ": " + ok->message : ""));
  CHECK_FALSE(ok);
}

TEST_CASE("sla counts an order under the district it is located in now, also when its deadline cannot be computed") {
  v1::WorkOrder order;
  order.set_state(v1::ORDER_STATE_SIGNED);
  order.set_assigned_unit_code("GZD004");
  order.mutable_location()->set_district_code("440106");  // moved from 440104 by a district merge
  sla::Timeline timeline;
  timeline.closing.armed = timeline.closing.running = true;
  timeline.closing.known = false;  // a year the calendar lacks
  sla::SlaFields previous;
  previous.status = "warned";
  previous.district = "440104";
  previous.close_due_ms = "1764547200000";
  const sla::Summary summary = sla::SummaryOf(order, timeline, previous);
  CHECK(summary.status == "warned");
  CHECK(summary.district == "440106");
  // Not in a status set: in no district set either.
  previous.status = previous.district = "";
  CHECK(sla::SummaryOf(order, timeline, previous).district.empty());
}

TEST_CASE("a retired unit takes no new orders: dispatch, hand-down and the catalogue refuse it") {
  v1::UnitDirectory units = SeedUnits();
  Find(units, kOld)->set_retired(true);
  Find(units, kOld)->set_merged_into(kNew);
  const directory::Directory dir = Build(units);

  // Still found: its past orders, trails and scores keep naming it.
  REQUIRE(dir.FindUnit(kOld) != nullptr);
  CHECK(dir.ActiveSuccessor(kOld)->code() == kNew);
  CHECK(dir.ActiveSuccessor(kNew)->code() == kNew);
  absl::Status takes = dir.CheckTakesOrders(kOld, "unit_code");
  CHECK(absl::IsFailedPrecondition(takes));
  CHECK(absl::StrContains(takes.message(), "unit_code: unit 440106001"));
  CHECK(absl::StrContains(takes.message(), "is retired and takes no new orders; it was merged into 440106002"));
  CHECK(dir.CheckTakesOrders(kNew, "unit_code").ok());

  v1::Actor centre;
  centre.set_user_id("dispatcher");
  centre.set_role(v1::ROLE_DISPATCHER);
  centre.set_unit_code("GZ12345");
  dispatch::OrderFacts created{v1::ORDER_STATE_CREATED, "", "", v1::RATING_UNSPECIFIED, "GZ1", ""};
  absl::StatusOr<dispatch::Outcome> to_old =
      dispatch::Decide(created, {v1::ACTION_DISPATCH, centre, kOld, "", v1::RATING_UNSPECIFIED, ""}, dir);
  CHECK(absl::IsFailedPrecondition(to_old.status()));
  CHECK(absl::StrContains(to_old.status().message(), "440106001"));
  CHECK(dispatch::Decide(created, {v1::ACTION_DISPATCH, centre, kNew, "", v1::RATING_UNSPECIFIED, ""}, dir).ok());

  v1::Actor district;
  district.set_user_id("tianhe");
  district.set_role(v1::ROLE_UNIT_HANDLER);
  district.set_unit_code("440106");
  dispatch::OrderFacts signed_by_district{v1::ORDER_STATE_SIGNED, "440106", "", v1::RATING_UNSPECIFIED, "GZ1", ""};
  absl::StatusOr<dispatch::Outcome> down = dispatch::Decide(
      signed_by_district, {v1::ACTION_REQUEST_HAND_DOWN, district, kOld, "", v1::RATING_UNSPECIFIED, ""}, dir);
  CHECK(absl::IsFailedPrecondition(down.status()));

  v1::DispatchCatalogue catalogue;
  REQUIRE(config::ReadTextProto(kData + "/dispatch_catalogue.textproto", &catalogue).ok());
  catalogue.mutable_rules(0)->set_unit_code(kOld);
  absl::StatusOr<dispatch::Catalogue> c = dispatch::Catalogue::Build(catalogue, dir, "catalogue");
  CHECK(absl::IsInvalidArgument(c.status()));
  CHECK(absl::StrContains(c.status().message(), "unit_code: unit \"440106001\" is retired (merged into \"440106002\")"));
}

TEST_CASE("intake takes no new order located in a retired street, and names its successor") {
  v1::UnitDirectory units = SeedUnits();
  Find(units, kOld)->set_retired(true);
  Find(units, kOld)->set_merged_into(kNew);
  const directory::Directory dir = Build(units);
  v1::CreateWorkOrderRequest r = Complaint("440106", kNew);
  std::optional<intake::FieldError> ok = intake::ValidateCreate(r, dir);
  INFO((ok ? ok->field + ": " + ok->message : ""));
  REQUIRE_FALSE(ok);
  r.mutable_location()->set_street_code(kOld);
  std::optional<intake::FieldError> refused = intake::ValidateCreate(r, dir);
  REQUIRE(refused);
  CHECK(refused->field == "location.street_code");
  CHECK(refused->message == "location.street_code: \"440106001\" (五山街道) is retired; it was merged into \"440106002\"");
}

TEST_CASE("the directory refuses a retirement that does not hold together") {
  auto refused = [](const std::function<void(v1::UnitDirectory&)>& edit) {
    v1::UnitDirectory units = SeedUnits();
    edit(units);
    absl::StatusOr<directory::Directory> d = directory::Directory::Build(units, SeedCategories());
    REQUIRE_FALSE(d.ok());
    return std::string(d.status().message());
  };
  CHECK(absl::StrContains(refused([](v1::UnitDirectory& u) { Find(u, kOld)->set_merged_into(kNew); }),
                          "merged_into: set on a unit that is not retired"));
  CHECK(absl::StrContains(refused([](v1::UnitDirectory& u) {
                            Find(u, kOld)->set_retired(true);
                            Find(u, kOld)->set_merged_into("999");
                          }),
                          "merged_into: unknown unit \"999\""));
  CHECK(absl::StrContains(refused([](v1::UnitDirectory& u) {
                            Find(u, kOld)->set_retired(true);
                            Find(u, kOld)->set_merged_into(kNew);
                            Find(u, kNew)->set_retired(true);
                          }),
                          "merged_into: \"440106002\" is not an active unit"));
  CHECK(absl::StrContains(refused([](v1::UnitDirectory& u) { Find(u, "440106")->set_retired(true); }),
                          "parent_code: \"440106\" is retired"));
}

}  // namespace
}  // namespace hotline
